"""Procedures (TTHC) and the agency directory: schema and loaders."""
