"""Transcript analytics, scoring against templates and insight extraction. No web imports."""
