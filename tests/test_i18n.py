"""Spanish is first-class: every UI string used in templates and menus has a translation."""

import re
from pathlib import Path

from app.accounts.models import Role
from app.channels.models import ChannelStatus
from app.groups.models import REACTIONS, GroupRole, MembershipStatus, Visibility
from app.i18n import ES, translator
from app.network.models import NetworkKind
from app.posts.models import DeliveryStatus, PostStatus, ReplyState
from moderation.model import LABELS
from moderation.models import ContentStatus, ReviewStatus
from moderation.review import ACTIONS, KINDS
from web.navigation import NAV

TEMPLATES = Path(__file__).resolve().parents[1] / "web" / "templates"


def ui_strings() -> set[str]:
    found = set()
    for path in TEMPLATES.rglob("*.html"):
        found |= set(re.findall(r'_\("([^"]+)"', path.read_text()))
        found |= set(
            re.findall(r"\('[^']*', '([^']+)'", path.read_text())
        )  # (value, 'label') pairs and macros
    enums = [*Role, *PostStatus, *DeliveryStatus, *ChannelStatus, *ContentStatus, *ReviewStatus]
    enums += [*ReplyState]
    enums += [*Visibility, *GroupRole, *MembershipStatus, *NetworkKind, *REACTIONS, *LABELS]
    enums += [*ACTIONS, *KINDS, *(kind.label for kind in KINDS.values())]
    enums += ["classifier", "rule", "report", "clinician", "fixed", "appeal"]
    weekdays = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "Mon",
        "Tue",
        "Wed",
        "Thu",
        "Fri",
        "Sat",
        "Sun",
    ]
    return found | {item.label for item in NAV} | {str(value) for value in enums} | set(weekdays)


def test_every_ui_string_has_a_spanish_translation():
    missing = sorted(s for s in ui_strings() if s not in ES)
    assert missing == []


def test_translator_falls_back_to_english_and_fills_values():
    assert translator("es")("Welcome, {name}", name="Ana") == "Hola, Ana"
    assert translator("en")("Welcome, {name}", name="Ana") == "Welcome, Ana"
    assert translator("es")("a string nobody translated") == "a string nobody translated"
