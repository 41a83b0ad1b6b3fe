"""The blind evaluation set stays as written and out of training: hashes locked, never read to train."""

import hashlib
import re
from pathlib import Path

from app.review import scoring
from moderation.model import LABELS
from moderation.training import read_labelled

ROOT = Path(__file__).resolve().parents[2]
BLIND = scoring.CORPUS_DIR / "blind"
# The folder named as a path segment or a string ("corpus/blind", "blind"), not the English word.
BLIND_PATH = re.compile(r"""[/"']blind[/"']""")


def recorded_hashes() -> dict[str, str]:
    lines = (BLIND / "SHA256SUMS").read_text().splitlines()
    return {name: digest for digest, name in (line.split(maxsplit=1) for line in lines if line)}


def test_every_blind_file_matches_its_recorded_hash():
    recorded = recorded_hashes()
    assert set(recorded) == {"en.csv", "es.csv"}
    for name, digest in recorded.items():
        assert hashlib.sha256((BLIND / name).read_bytes()).hexdigest() == digest, (
            f"{name} changed after it was locked; the blind set is never edited"
        )


def test_no_unlisted_file_joins_the_blind_set():
    assert {p.name for p in BLIND.glob("*.csv")} == set(recorded_hashes())


def test_the_default_training_files_exclude_the_blind_set():
    files = [path.resolve() for path in scoring.corpus_files()]
    assert files, "the shipped corpus is missing"
    assert not any(BLIND.resolve() in path.parents for path in files)


def test_no_app_or_engine_code_names_the_blind_folder():
    sources = [*(ROOT / "moderation").rglob("*.py"), *(ROOT / "app").rglob("*.py")]
    assert sources
    readers = [str(p.relative_to(ROOT)) for p in sources if BLIND_PATH.search(p.read_text())]
    assert readers == []


def test_the_blind_set_has_enough_of_every_label_and_of_benign_text_in_each_language():
    total = 0
    for name in ("en.csv", "es.csv"):
        texts, labels, _ = read_labelled([BLIND / name])
        total += len(texts)
        for label in LABELS:
            assert sum(label in found for found in labels) >= 25, (name, label)
        assert sum(not found for found in labels) >= 0.4 * len(texts), name
    assert total >= 320
