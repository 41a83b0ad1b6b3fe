"""What happens to content given its flags: shown, hidden until reviewed, or held for a clinician."""

from dataclasses import dataclass

from app.i18n import translator
from app.review.models import ContentStatus
from app.settings import get_settings

SEVERITY = {
    "emergency": 100,
    "unsafe_consultation": 60,
    "phi": 50,
    "misinformation": 40,
    "spam": 10,
}
# Flags a clinician must judge; the rest (spam, plain member reports) group moderators may settle.
CLINICAL = frozenset({"emergency", "unsafe_consultation", "phi", "misinformation"})
REPORT_SEVERITY = 20


@dataclass(frozen=True)
class Outcome:
    status: ContentStatus
    severity: int
    clinical: bool
    auto_reply: str | None = None


def emergency_reply(locale: str | None = None) -> str:
    settings = get_settings()
    _ = translator(locale or settings.locale)
    return _(
        "If you or someone near you is in danger now, call {emergency} at once. If you are "
        "thinking about harming yourself, call {crisis} (free, any time). A clinician of the "
        "practice has been told about your message.",
        emergency=settings.emergency_number,
        crisis=settings.crisis_line,
    )


def consultation_reply(locale: str | None = None) -> str:
    settings = get_settings()
    _ = translator(locale or settings.locale)
    return _(
        "Doses, diagnoses and prescriptions need someone who knows your history, so this message "
        "is held for a clinician of the practice, who will answer here. Meanwhile, ask your "
        "pharmacist or call the practice; if it is urgent, call {emergency}.",
        emergency=settings.emergency_number,
    )


def outcome(flags: list[str], locale: str | None = None) -> Outcome:
    """The policy: emergencies and consultation requests are held with an automatic reply;
    misinformation, exposed health data and spam are hidden from others until reviewed."""
    if not flags:
        return Outcome(ContentStatus.visible, 0, False)
    severity = max(SEVERITY.get(flag, 0) for flag in flags)
    clinical = any(flag in CLINICAL for flag in flags)
    if "emergency" in flags:
        return Outcome(ContentStatus.held, severity, True, emergency_reply(locale))
    if "unsafe_consultation" in flags:
        return Outcome(ContentStatus.held, severity, True, consultation_reply(locale))
    return Outcome(ContentStatus.hidden, severity, clinical)
