"""Every table, imported in one place so metadata and migrations see them all."""

from app.accounts.models import ApiToken, LoginAttempt, User
from app.audit.models import AuditEvent
from app.groups.models import GroupMembership, SupportGroup

__all__ = ["ApiToken", "AuditEvent", "GroupMembership", "LoginAttempt", "SupportGroup", "User"]
