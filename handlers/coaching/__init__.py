"""Handlers of the coaching API (/api/v1)."""
