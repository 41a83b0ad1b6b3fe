"""In-app notifications: the bell with its unread count."""
