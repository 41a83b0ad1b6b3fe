"""Accounts: users, roles, sessions and API tokens."""
