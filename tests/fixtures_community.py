"""Fixtures for community and moderation tests: the default model, groups and their members."""

import pytest

from app.accounts.models import Role
from app.database import session_scope
from app.groups import service as groups
from app.groups.models import GroupRole, Visibility
from moderation import scoring
from moderation.model import Classifier
from moderation.training import read_labelled


@pytest.fixture(scope="session")
def shipped_model() -> Classifier:
    """The model trained on the shipped corpus (once per test session)."""
    texts, labels, _ = read_labelled(scoring.corpus_files())
    return Classifier.train(texts, labels)


@pytest.fixture
def with_model(shipped_model):
    """Score with the shipped model instead of the rules alone."""
    scoring.use(shipped_model)
    yield shipped_model
    scoring.use(None)


@pytest.fixture
def community(make_user):
    """Users and one group of each visibility; `admin` runs them, `moderator` and `member` belong."""
    people = {
        "admin": make_user(Role.marketing, username="g-admin"),
        "moderator": make_user(Role.patient, username="g-moderator"),
        "member": make_user(Role.patient, username="g-member"),
        "outsider": make_user(Role.patient, username="g-outsider"),
        "clinician": make_user(Role.clinician, verified=True, username="g-clinician"),
    }
    made = {}
    with session_scope() as db:
        for visibility in Visibility:
            group = groups.create_group(
                db=db,
                name=f"Group {visibility}",
                description="",
                visibility=visibility,
                actor=people["admin"],
                rules="Be kind",
            )
            for name, role in (("moderator", GroupRole.moderator), ("member", GroupRole.member)):
                groups.add_member(
                    db=db, group=group, user=people[name], role=role, actor=people["admin"]
                )
            made[str(visibility)] = group.id
    return people, made


@pytest.fixture(scope="session")
def shipped_model_folder(shipped_model, tmp_path_factory):
    """The shipped model saved once per test session, as `carepost` stores a model version."""
    folder = tmp_path_factory.mktemp("models") / "shipped"
    shipped_model.save(folder)
    return folder


@pytest.fixture
def shipped_model_in_data_dir(db_url, shipped_model_folder):
    """DATA_DIR/models holds the shipped model as the active one, so no command trains it again."""
    import shutil

    from moderation.training import activate

    folder = shutil.copytree(shipped_model_folder, scoring.models_root() / "shipped")
    activate(folder)
    return folder
