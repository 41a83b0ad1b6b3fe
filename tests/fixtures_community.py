"""Fixtures for community and moderation tests: the default model, groups and their members."""

import fcntl
import os
from pathlib import Path

import pytest

from app.accounts.models import Role
from app.database import session_scope
from app.groups import service as groups
from app.groups.models import GroupRole, Visibility
from app.review import scoring
from moderation.model import Classifier
from moderation.training import read_labelled


@pytest.fixture(scope="session")
def shipped_model_folder(tmp_path_factory) -> Path:
    """The model trained on the shipped corpus, stored as carepost stores a model version.

    Trained once for the whole run: xdist's workers share the folder (the first one trains it
    under a file lock, the others wait and load it).
    """
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's folder, above each worker's own
    folder = root / "shipped-model"
    with (root / "shipped-model.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / "model.joblib").exists():
            texts, labels, _ = read_labelled(scoring.corpus_files())
            Classifier.train(texts, labels).save(folder)
    return folder


@pytest.fixture(scope="session")
def shipped_model(shipped_model_folder) -> Classifier:
    """The model trained on the shipped corpus (once per test run)."""
    return Classifier.load(shipped_model_folder)


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


@pytest.fixture
def shipped_model_in_data_dir(db_url, shipped_model_folder):
    """DATA_DIR/models holds the shipped model as the active one, so no command trains it again."""
    import shutil

    from moderation.training import activate

    folder = shutil.copytree(shipped_model_folder, scoring.models_root() / "shipped")
    activate(folder)
    return folder
