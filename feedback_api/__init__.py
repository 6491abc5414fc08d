"""feedback_api package."""
