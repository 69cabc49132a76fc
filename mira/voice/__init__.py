"""The voice agents API's domain: key pairs, workspaces, assistants, calls (no web imports)."""
