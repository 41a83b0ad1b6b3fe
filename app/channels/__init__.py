"""Channels: the practice's connected accounts (X, Facebook Pages, the local outbox)."""
