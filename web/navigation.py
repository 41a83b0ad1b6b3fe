"""The navigation each role sees; every domain adds its entries here."""

from dataclasses import dataclass

from app.accounts.models import Role, User
from app.i18n import N_

EVERYONE = frozenset(Role)


@dataclass(frozen=True)
class NavItem:
    label: str
    route: str
    roles: frozenset[Role]
    clinician_must_be_verified: bool = False
    # Pages reached from a related page rather than the top menu (which must fit one line).
    in_menu: bool = True


STAFF = frozenset({Role.admin, Role.marketing, Role.clinician})
CLINICIANS = frozenset({Role.clinician})
REVIEWERS = frozenset({Role.admin, Role.clinician})

NAV: list[NavItem] = [
    NavItem(N_("Home"), "home", EVERYONE),
    NavItem(N_("Posts"), "post_list", STAFF, clinician_must_be_verified=True),
    NavItem(N_("Calendar"), "calendar", STAFF, clinician_must_be_verified=True),
    NavItem(
        N_("Posting schedule"),
        "posting_schedule",
        frozenset({Role.admin, Role.marketing}),
        in_menu=False,
    ),
    NavItem(N_("Groups"), "group_list", EVERYONE),
    NavItem(N_("Questions"), "question_list", EVERYONE),
    NavItem(N_("Network"), "network_feed", CLINICIANS, clinician_must_be_verified=True),
    NavItem(N_("Review"), "review_queue", REVIEWERS, clinician_must_be_verified=True),
    NavItem(
        N_("Models"), "model_versions", REVIEWERS, clinician_must_be_verified=True, in_menu=False
    ),
    NavItem(N_("Channels"), "channel_list", frozenset({Role.admin})),
    NavItem(N_("Contacts"), "contact_list", STAFF, clinician_must_be_verified=True),
    NavItem(N_("Appointments"), "appointment_list", REVIEWERS, clinician_must_be_verified=True),
    NavItem(N_("SMS inbox"), "sms_inbox", REVIEWERS, clinician_must_be_verified=True),
    NavItem(N_("Calls"), "calls_home", STAFF, clinician_must_be_verified=True, in_menu=False),
    NavItem(
        N_("Browser phone"), "call_phone", frozenset({Role.admin, Role.marketing}), in_menu=False
    ),
    NavItem(N_("Reminder plans"), "reminder_plans", frozenset({Role.admin}), in_menu=False),
    # Campaigns are marketing's daily work: a top item for them; admins' and clinicians' menus are
    # full, and they reach campaigns from the contacts page.
    NavItem(N_("Campaigns"), "campaign_list", frozenset({Role.marketing})),
    NavItem(N_("Analytics"), "analytics", frozenset({Role.marketing})),
    NavItem(N_("Analytics"), "analytics", frozenset({Role.admin}), in_menu=False),
    NavItem(
        N_("Campaigns"), "campaign_list", REVIEWERS, clinician_must_be_verified=True, in_menu=False
    ),
    NavItem(
        N_("Message templates"),
        "message_templates",
        STAFF,
        clinician_must_be_verified=True,
        in_menu=False,
    ),
    NavItem(N_("Events"), "event_list", STAFF, clinician_must_be_verified=True, in_menu=False),
    NavItem(
        N_("Reminder report"),
        "reminder_report",
        REVIEWERS,
        clinician_must_be_verified=True,
        in_menu=False,
    ),
    NavItem(
        N_("Follow-ups"), "followup_list", REVIEWERS, clinician_must_be_verified=True, in_menu=False
    ),
    NavItem(
        N_("Newsletters"), "newsletter_list", STAFF, clinician_must_be_verified=True, in_menu=False
    ),
    NavItem(N_("E-mail settings"), "email_settings", frozenset({Role.admin}), in_menu=False),
    NavItem(N_("Local mailbox"), "mailbox", STAFF, clinician_must_be_verified=True, in_menu=False),
    NavItem(N_("Users"), "admin_users", frozenset({Role.admin})),
    NavItem(N_("Audit log"), "audit_page", frozenset({Role.admin}), in_menu=False),
    NavItem(N_("Anonymous cases"), "admin_anonymous_cases", frozenset({Role.admin}), in_menu=False),
    NavItem(N_("My account"), "account", EVERYONE),
]


def _opens(user: User, item: NavItem) -> bool:
    return user.role in item.roles and not (
        item.clinician_must_be_verified
        and user.role == Role.clinician
        and not user.clinician_verified
    )


def nav_for(user: User | None) -> list[NavItem]:
    """The top-menu entries this user may open, in menu order."""
    if user is None:
        return []
    return [item for item in NAV if item.in_menu and _opens(user, item)]


def can_open(user: User | None, route: str) -> bool:
    """Whether a link to this menu page should be shown to user (pages link to each other too)."""
    return user is not None and any(i.route == route and _opens(user, i) for i in NAV)
