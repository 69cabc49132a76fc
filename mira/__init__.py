"""Mira: a self-hostable server for the coaching API and the voice agents API."""
