"""Posts: compose, approve, schedule and follow practice posts on every channel."""
