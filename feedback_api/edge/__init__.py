"""Robustness at the edge of the feedback service: request size limit, rate limit, idempotency keys."""
