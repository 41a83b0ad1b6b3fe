"""Clinician profiles and the directory of verified colleagues."""

from sqlmodel import Session, col, select

from app.accounts.models import Role, User
from app.audit import service as audit
from app.clock import utcnow
from app.errors import InvalidInput, NotFound
from app.network.models import SPECIALTIES, ClinicianProfile, ColleaguePublic, ProfileIn
from app.network.service import require

DIRECTORY_SIZE = 50


def _verified():
    return (User.role == Role.clinician, col(User.clinician_verified), col(User.is_active))


def profile_of(*, db: Session, user_id: int) -> ClinicianProfile:
    """The stored profile, or an empty one (not added) when the clinician has none yet."""
    return db.get(ClinicianProfile, user_id) or ClinicianProfile(user_id=user_id)


def save_profile(*, db: Session, viewer: User, data: ProfileIn) -> ClinicianProfile:
    """The clinician edits their own profile; nobody edits another's."""
    require(viewer)
    profile = db.get(ClinicianProfile, viewer.id) or ClinicianProfile(user_id=viewer.id)
    for name, value in data.model_dump().items():
        setattr(profile, name, value)
    profile.updated_at = utcnow()
    db.add(profile)
    db.flush()
    audit.record(
        db, actor=viewer, action="network.profile", object_type="user", object_id=viewer.id
    )
    return profile


def _shown(user: User, profile: ClinicianProfile | None) -> ColleaguePublic:
    specialty = profile.specialty if profile else None
    return ColleaguePublic(
        id=user.id,
        display_name=user.display_name,
        specialty=specialty,
        specialty_label=SPECIALTIES.get(specialty) if specialty else None,
        centre=profile.centre if profile else None,
        interests=profile.interests if profile else None,
        bio=profile.bio if profile else None,
    )


def directory(
    *, db: Session, viewer: User, specialty: str = "", q: str = ""
) -> list[ColleaguePublic]:
    """Verified, active clinicians by name (any part of it) and specialty, in name order."""
    require(viewer)
    if specialty and specialty not in SPECIALTIES:
        raise InvalidInput("choose a specialty from the list", field="specialty")
    query = (
        select(User, ClinicianProfile)
        .join(ClinicianProfile, col(ClinicianProfile.user_id) == User.id, isouter=True)
        .where(*_verified())
    )
    if specialty:
        query = query.where(ClinicianProfile.specialty == specialty)
    words = q.strip()[:60]
    if words:
        escaped = words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(col(User.display_name).ilike(f"%{escaped}%", escape="\\"))
    query = query.order_by(col(User.display_name), col(User.id)).limit(DIRECTORY_SIZE)
    return [_shown(user, profile) for user, profile in db.exec(query)]


def colleague(*, db: Session, viewer: User, user_id: int) -> ColleaguePublic:
    """One verified colleague's profile (404 for anyone else, so ids reveal nothing)."""
    require(viewer)
    user = db.exec(select(User).where(User.id == user_id, *_verified())).first()
    if user is None:
        raise NotFound("no such colleague")
    return _shown(user, db.get(ClinicianProfile, user.id))
