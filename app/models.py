"""Every table, imported in one place so metadata and migrations see them all."""

from app.accounts.models import ApiToken, LoginAttempt, User
from app.audit.models import AuditEvent
from app.channels.models import Channel, OutboxMessage
from app.groups.models import GroupMembership, SupportGroup
from app.notifications.models import Notification
from app.posts.models import Delivery, MetricSnapshot, Post, PostChannel, PostMedia

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Channel",
    "Delivery",
    "GroupMembership",
    "LoginAttempt",
    "MetricSnapshot",
    "Notification",
    "OutboxMessage",
    "Post",
    "PostChannel",
    "PostMedia",
    "SupportGroup",
    "User",
]
