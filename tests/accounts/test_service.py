"""Account rules: hashing, rate limits, verification, tokens, pseudonyms."""

import pytest
from sqlmodel import select

from app.accounts import service as accounts
from app.accounts import sessions
from app.accounts.models import LoginAttempt, PatientRegister, Role
from app.audit.models import AuditEvent
from app.errors import Conflict, InvalidInput
from tests.conftest import PASSWORD


def test_password_is_stored_hashed(db, make_user):
    user = make_user(Role.patient)
    assert PASSWORD not in user.password_hash and user.password_hash.startswith("$argon2")


def test_username_is_unique_case_insensitively(db, make_user):
    make_user(Role.patient, username="maria")
    with pytest.raises(Conflict):
        accounts.register_patient(
            db=db, data=PatientRegister(username="MARIA", display_name="Otra", password=PASSWORD)
        )


def test_failed_logins_are_recorded_without_the_password(db, make_user):
    user = make_user(Role.patient)
    accounts.authenticate(db=db, username=user.username, password="secret-guess-1", ip="10.0.0.1")
    db.flush()
    events = db.exec(select(AuditEvent).where(AuditEvent.action == "login.failed")).all()
    assert len(events) == 1 and "secret-guess-1" not in str(events[0].detail)
    assert db.exec(select(LoginAttempt)).one().succeeded is False


def test_inactive_user_cannot_log_in(db, make_user):
    admin, user = make_user(Role.admin), make_user(Role.patient)
    accounts.set_active(db=db, user_id=user.id, active=False, actor=admin)
    assert (
        accounts.authenticate(db=db, username=user.username, password=PASSWORD, ip="1.1.1.1")
        is None
    )


def test_verifying_a_clinician_needs_a_licence_number(db, make_user):
    admin = make_user(Role.admin)
    doctor = make_user(Role.clinician, licence_number=None)
    with pytest.raises(InvalidInput):
        accounts.verify_clinician(db=db, user_id=doctor.id, actor=admin)
    verified = accounts.verify_clinician(
        db=db, user_id=doctor.id, actor=admin, licence_number="28/99"
    )
    assert verified.is_verified_clinician


def test_only_clinicians_can_be_verified(db, make_user):
    admin, patient = make_user(Role.admin), make_user(Role.patient)
    with pytest.raises(InvalidInput):
        accounts.verify_clinician(db=db, user_id=patient.id, actor=admin, licence_number="1")


def test_role_change_drops_verification_and_sessions(db, make_user):
    admin, doctor = make_user(Role.admin), make_user(Role.clinician, verified=True)
    plain = sessions.start(db=db, user=doctor)
    changed = accounts.set_role(db=db, user_id=doctor.id, role=Role.marketing, actor=admin)
    assert not changed.clinician_verified and sessions.resolve(db=db, plain=plain) is None


def test_token_is_shown_once_and_stored_hashed(db, make_user):
    user = make_user(Role.marketing)
    token, plain = accounts.create_token(db=db, user=user, name="scripts")
    assert plain not in token.token_hash and token.prefix == plain[:10]
    assert accounts.user_for_token(db=db, plain=plain).id == user.id
    accounts.revoke_token(db=db, user=user, token_id=token.id)
    assert accounts.user_for_token(db=db, plain=plain) is None


def test_audit_events_cover_account_changes(db, make_user):
    admin, doctor = make_user(Role.admin), make_user(Role.clinician)
    accounts.verify_clinician(db=db, user_id=doctor.id, actor=admin)
    db.flush()
    actions = set(db.exec(select(AuditEvent.action)).all())
    assert {"user.create", "clinician.verify"} <= actions
