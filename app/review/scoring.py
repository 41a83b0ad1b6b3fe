"""The model the app scores with: the active stored version, else the default trained from the corpus.

With no model at all (a fresh folder before the first start finished) the rules still run, so an
emergency or exposed health data is never missed for want of a model.
"""

import threading
from collections.abc import Callable
from pathlib import Path

from app.settings import get_settings
from moderation import rules
from moderation.model import Classifier, Score
from moderation.training import CORPUS_DIR, activate, active_model_folder, train_and_store

_lock = threading.Lock()
_loaded: dict[Path, Classifier] = {}
_override: list[Classifier] = []


def corpus_files() -> list[Path]:
    """The labelled ES/EN corpus shipped with carepost."""
    return sorted(CORPUS_DIR.glob("*.csv"))


def models_root() -> Path:
    return get_settings().data_dir / "models"


def use(classifier: Classifier | None) -> None:
    """Score with this classifier instead of the stored one (tests and benchmarks)."""
    _override.clear()
    if classifier is not None:
        _override.append(classifier)


def active() -> Classifier | None:
    """The active model, loaded once per version folder."""
    if _override:
        return _override[0]
    folder = active_model_folder(models_root())
    if folder is None or not (folder / "model.joblib").exists():
        return None
    with _lock:
        if folder not in _loaded:
            _loaded.clear()
            _loaded[folder] = Classifier.load(folder)
        return _loaded[folder]


def ensure_default_model(
    progress: Callable[[int], None] | None = None, force: bool = False
) -> Path | None:
    """Train and activate the default model from the shipped corpus when no model exists yet (or
    always, with force)."""
    root = models_root()
    folder = active_model_folder(root)
    if folder is not None and folder.exists() and not force:
        return None
    # No k-fold pass: the thresholds and figures come from the training's out-of-fold scores, so
    # the first start takes one training, not four.
    folder = train_and_store(corpus_files(), root, folds=0, progress=progress)
    activate(folder)
    return folder


def thresholds() -> dict[str, float]:
    return get_settings().moderation_thresholds


def score(texts: list[str]) -> list[Score]:
    """Scores, flags and reasons for each text, with the practice's thresholds."""
    classifier = active()
    if classifier is not None:
        return classifier.score(texts, thresholds())
    results = []
    for text in texts:
        hits = rules.check(text)
        flags = list(dict.fromkeys(hit.label for hit in hits))
        reasons: dict[str, list[str]] = {}
        for hit in hits:
            reasons.setdefault(hit.label, []).append(f"rule: {hit.reason}")
        results.append(Score(text, dict.fromkeys(flags, 1.0), flags, reasons))
    return results


def label_precision(label: str) -> float:
    """The active model's cross-validated precision for label: the weight of its flags."""
    classifier = active()
    metrics = (classifier.meta.get("metrics") or {}) if classifier else {}
    return float(metrics.get(label, {}).get("precision") or 0.8)
