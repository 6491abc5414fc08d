"""publication domain."""
