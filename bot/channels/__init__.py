"""Channel adapters: translate a channel's updates to `Inbound`, send `Reply`s back; no business logic."""
