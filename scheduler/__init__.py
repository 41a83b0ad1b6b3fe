"""Scheduling: recurrence rules, retry back-off, the dispatcher and its APScheduler wiring."""
