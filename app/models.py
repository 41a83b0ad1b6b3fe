"""Every table, imported in one place so metadata and migrations see them all."""

from app.accounts.models import ApiToken, LoginAttempt, RecoveryCode, TwoFactor, User, UserSession
from app.audit.models import AuditEvent
from app.calls.models import (
    CallAnswer,
    CallCampaign,
    LocalCall,
    OutboundCall,
    Survey,
    SurveyQuestion,
)
from app.channels.models import Channel, OutboxComment, OutboxMessage
from app.followups.models import FollowUpEnrolment, FollowUpMessage, FollowUpSequence
from app.groups.models import GroupMembership, GroupPost, GroupReaction, SupportGroup
from app.jobs.models import JobRun
from app.network.models import (  # noqa: F401
    ClinicianProfile,
    DirectMessage,
    Follow,
    NetworkComment,
    NetworkPost,
    NetworkReaction,
    PollOption,
    PollVote,
)
from app.newsletters.models import (  # noqa: F401
    EmailEvent,
    EmailSettings,
    MailboxMessage,
    Newsletter,
    NewsletterSignup,
    OutboundEmail,
)
from app.notifications.models import Notification
from app.planning.models import PostingSlot
from app.posts.models import (
    CommentReply,
    Delivery,
    InboundComment,
    MetricSnapshot,
    Post,
    PostChannel,
    PostMedia,
    PostReviewVersion,
)
from app.posts.thread_models import PostPart, ThreadPartSend
from app.questions.models import Answer, Question
from app.review.models import ModerationLabel, Reviewable, ReviewEvent, ReviewSignal
from app.sms.models import InboundSms, OutboundSms, PhoneMessage  # noqa: F401 - contacts and appointments come with it

__all__ = [
    "Answer",
    "ApiToken",
    "AuditEvent",
    "CallAnswer",
    "CallCampaign",
    "Channel",
    "CommentReply",
    "Delivery",
    "Follow",
    "FollowUpEnrolment",
    "FollowUpMessage",
    "FollowUpSequence",
    "GroupMembership",
    "GroupPost",
    "GroupReaction",
    "InboundComment",
    "JobRun",
    "LocalCall",
    "LoginAttempt",
    "MetricSnapshot",
    "ModerationLabel",
    "NetworkComment",
    "NetworkPost",
    "OutboundCall",
    "Notification",
    "OutboxComment",
    "OutboxMessage",
    "Post",
    "PostingSlot",
    "PostChannel",
    "PostMedia",
    "PostReviewVersion",
    "PostPart",
    "Question",
    "ThreadPartSend",
    "RecoveryCode",
    "ReviewEvent",
    "ReviewSignal",
    "Reviewable",
    "SupportGroup",
    "Survey",
    "SurveyQuestion",
    "TwoFactor",
    "User",
    "UserSession",
]
