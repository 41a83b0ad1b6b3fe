"""Every table, imported in one place so metadata and migrations see them all."""

from app.accounts.models import ApiToken, LoginAttempt, User
from app.audit.models import AuditEvent
from app.channels.models import Channel, OutboxMessage
from app.groups.models import GroupMembership, GroupPost, GroupReaction, SupportGroup
from app.network.models import Follow, NetworkComment, NetworkPost
from app.notifications.models import Notification
from app.posts.models import Delivery, MetricSnapshot, Post, PostChannel, PostMedia
from app.questions.models import Answer, Question
from moderation.models import ModerationLabel, Reviewable, ReviewEvent, ReviewSignal

__all__ = [
    "Answer",
    "ApiToken",
    "AuditEvent",
    "Channel",
    "Delivery",
    "Follow",
    "GroupMembership",
    "GroupPost",
    "GroupReaction",
    "LoginAttempt",
    "MetricSnapshot",
    "ModerationLabel",
    "NetworkComment",
    "NetworkPost",
    "Notification",
    "OutboxMessage",
    "Post",
    "PostChannel",
    "PostMedia",
    "Question",
    "ReviewEvent",
    "ReviewSignal",
    "Reviewable",
    "SupportGroup",
    "User",
]
