"""Placing queued calls: calling slots, concurrency caps, priorities, retries, telephony."""
