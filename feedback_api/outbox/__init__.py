"""Outbox: events written in the same transaction as the change they describe; delivered by a worker."""
