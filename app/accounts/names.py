"""Rules for the names patients show each other: a pseudonym, never a full real name or a title.

Names are compared in a folded form, so spacing, case, accents and look-alike digits do not hide
them: "Luc1a_Fernández", "LuciaFernandez" and "L u c i a Fernandez" all read "luciafernandez".
"""

import re
import unicodedata

from sqlmodel import Session, col, select

from app.accounts.models import STAFF_ROLES, User
from app.errors import InvalidInput
from app.i18n import N_

_LEET = str.maketrans("0134578@$!|", "oieastbasil")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_COMBINING = re.compile(r"[\u0300-\u036f]")
# Professional titles in Spanish and English: a patient must not look like staff.
TITLES = frozenset(
    "dr dra drs doc doctor doctora doctores prof profa profe profesor profesora professor "
    "enf enfermera enfermero enfermeria nurse rn lic lcdo lcda ldo lda licenciado licenciada "
    "md phd psic psicologo psicologa fisio matrona ped pediatra".split()
)
# Long titles are refused even when written together with a name ("doctorcarlos").
_LONG_TITLES = tuple(sorted((t for t in TITLES if len(t) >= 6), key=len, reverse=True))
FULL_NAME = N_("choose a pseudonym: other patients would see your full name")
LOOKS_LIKE_STAFF = N_(
    "a patient's display name cannot carry a professional title or a staff member's name"
)


def words(text: str) -> list[str]:
    """Folded words: camel case split, accents removed, look-alike digits read as letters."""
    text = _CAMEL.sub(" ", unicodedata.normalize("NFKC", text or ""))
    text = _COMBINING.sub("", unicodedata.normalize("NFKD", text.lower())).translate(_LEET)
    return re.findall(r"[a-z]+", text)


def squash(text: str) -> str:
    """The folded letters of text with every separator removed."""
    return "".join(words(text))


def _shown(word: str, tokens: set[str], squashed: str) -> bool:
    # Short words only count as whole words: "Ana" in "Mariana" gives nothing away.
    return word in tokens or (len(word) >= 4 and word in squashed)


def shows_real_name(display_name: str, real_name: str | None) -> bool:
    """Whether a display name gives away a full real name (a first name alone is a fine pseudonym)."""
    names = [w for w in words(real_name or "") if len(w) > 1]
    if len(names) < 2:
        return False
    tokens, squashed = set(words(display_name)), squash(display_name)
    whole = "".join(names)
    return (len(whole) >= 8 and whole in squashed) or sum(
        _shown(w, tokens, squashed) for w in names
    ) >= 2


def has_title(display_name: str) -> bool:
    """Whether a display name carries a professional title (Dr., Dra, Enf., Prof ...)."""
    tokens = words(display_name)
    squashed = "".join(tokens)
    return any(t in TITLES for t in tokens) or squashed.startswith(_LONG_TITLES)


def _without_titles(name: str) -> list[str]:
    return [w for w in words(name) if w not in TITLES]


def takes_staff_name(display_name: str, staff_names: list[str]) -> bool:
    """Whether a display name shows a staff member's display or real name (two of its words)."""
    squashed = "".join(_without_titles(display_name))
    for name in staff_names:
        parts = _without_titles(name)
        if len(parts) >= 2:
            if shows_real_name(display_name, " ".join(parts)):
                return True
        # A one-word staff name ("Marta") is refused only as the whole pseudonym.
        elif parts and len(parts[0]) >= 3 and parts[0] == squashed:
            return True
    return False


def staff_names(db: Session, *, exclude_id: int | None = None) -> list[str]:
    """Display and real names of every staff account."""
    rows = db.exec(
        select(User.id, User.display_name, User.real_name).where(col(User.role).in_(STAFF_ROLES))
    )
    return [name for uid, *names in rows if uid != exclude_id for name in names if name]


def check_pseudonym(
    db: Session, *, display_name: str, real_name: str | None, user_id: int | None = None
) -> None:
    """Refuse a patient's display name that shows their full name, a title or a staff name."""
    if shows_real_name(display_name, real_name):
        raise InvalidInput(FULL_NAME, field="display_name")
    if has_title(display_name) or takes_staff_name(
        display_name, staff_names(db, exclude_id=user_id)
    ):
        raise InvalidInput(LOOKS_LIKE_STAFF, field="display_name")
