"""The navigation each role sees; every domain adds its entries here."""

from dataclasses import dataclass

from app.accounts.models import Role, User

EVERYONE = frozenset(Role)


@dataclass(frozen=True)
class NavItem:
    label: str
    route: str
    roles: frozenset[Role]
    clinician_must_be_verified: bool = False


STAFF = frozenset({Role.admin, Role.marketing, Role.clinician})
CLINICIANS = frozenset({Role.clinician})
REVIEWERS = frozenset({Role.admin, Role.clinician})

NAV: list[NavItem] = [
    NavItem("Home", "home", EVERYONE),
    NavItem("Posts", "post_list", STAFF, clinician_must_be_verified=True),
    NavItem("Calendar", "calendar", STAFF, clinician_must_be_verified=True),
    NavItem("Groups", "group_list", EVERYONE),
    NavItem("Questions", "question_list", EVERYONE),
    NavItem("Network", "network_feed", CLINICIANS, clinician_must_be_verified=True),
    NavItem("Review", "review_queue", REVIEWERS, clinician_must_be_verified=True),
    NavItem("Models", "model_versions", REVIEWERS, clinician_must_be_verified=True),
    NavItem("Channels", "channel_list", frozenset({Role.admin})),
    NavItem("Contacts", "contact_list", STAFF, clinician_must_be_verified=True),
    NavItem("Appointments", "appointment_list", REVIEWERS, clinician_must_be_verified=True),
    NavItem("SMS inbox", "sms_inbox", REVIEWERS, clinician_must_be_verified=True),
    NavItem("Reminder plans", "reminder_plans", frozenset({Role.admin})),
    NavItem("Users", "admin_users", frozenset({Role.admin})),
    NavItem("Audit log", "audit_page", frozenset({Role.admin})),
    NavItem("My account", "account", EVERYONE),
]


def _opens(user: User, item: NavItem) -> bool:
    return user.role in item.roles and not (
        item.clinician_must_be_verified
        and user.role == Role.clinician
        and not user.clinician_verified
    )


def nav_for(user: User | None) -> list[NavItem]:
    """The entries this user may open, in menu order."""
    if user is None:
        return []
    return [item for item in NAV if _opens(user, item)]


def can_open(user: User | None, route: str) -> bool:
    """Whether a link to this menu page should be shown to user (pages link to each other too)."""
    return user is not None and any(i.route == route and _opens(user, i) for i in NAV)
