"""Every table, imported in one place so metadata and migrations see them all."""

from app.accounts.models import ApiToken, LoginAttempt, RecoveryCode, TwoFactor, User, UserSession
from app.audit.models import AuditEvent
from app.channels.models import Channel, OutboxComment, OutboxMessage
from app.groups.models import GroupMembership, GroupPost, GroupReaction, SupportGroup
from app.jobs.models import JobRun
from app.network.models import Follow, NetworkComment, NetworkPost
from app.notifications.models import Notification
from app.posts.models import (
    CommentReply,
    Delivery,
    InboundComment,
    MetricSnapshot,
    Post,
    PostChannel,
    PostMedia,
)
from app.questions.models import Answer, Question
from app.sms.models import InboundSms, OutboundSms, PhoneMessage  # noqa: F401 - contacts and appointments come with it
from moderation.models import ModerationLabel, Reviewable, ReviewEvent, ReviewSignal

__all__ = [
    "Answer",
    "ApiToken",
    "AuditEvent",
    "Channel",
    "CommentReply",
    "Delivery",
    "Follow",
    "GroupMembership",
    "GroupPost",
    "GroupReaction",
    "InboundComment",
    "JobRun",
    "LoginAttempt",
    "MetricSnapshot",
    "ModerationLabel",
    "NetworkComment",
    "NetworkPost",
    "Notification",
    "OutboxComment",
    "OutboxMessage",
    "Post",
    "PostChannel",
    "PostMedia",
    "Question",
    "RecoveryCode",
    "ReviewEvent",
    "ReviewSignal",
    "Reviewable",
    "SupportGroup",
    "TwoFactor",
    "User",
    "UserSession",
]
