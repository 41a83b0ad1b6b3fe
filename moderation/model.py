"""The classifier: one calibrated linear model per label over shared n-gram and cue features, plus the rules.

Scores are calibrated probabilities; each label has its own threshold, chosen on out-of-fold scores
when the model is trained (emergency: the highest that keeps recall at EMERGENCY_RECALL; the others:
on the plateau of thresholds within two points of the best F1, the highest when the model screens
for several labels, the middle for phi and for a model of one label). A gate model (anything to
moderate at all?) must agree before a label other than emergency flags. Reasons name the rule, the
context or the cues behind a flag.
"""

import gc
import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np
from joblib import parallel_backend
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.svm import LinearSVC

from moderation import rules
from moderation.features import CueFeatures, vectoriser, word_names
from moderation.reasons import explain

LABELS = ("misinformation", "unsafe_consultation", "emergency", "phi", "spam")
THRESHOLD = 0.5
EMERGENCY_RECALL = 0.97
# Out-of-fold F1 is flat and noisy near its best: the middle of the thresholds within two points
# of the best F1 is steadier than the single best one (cross-validated on the corpus: F1 unchanged,
# benign texts flagged 12.2 → 11.6 %; Constraint validation 0.9645 → 0.9668; docs/benchmarks.md).
F1_TOLERANCE = 0.02
# Where on that plateau. A text is flagged when any label flags it, so a model of several labels adds
# up each label's false alarms: each takes the highest threshold of its plateau, except phi, whose
# misses publish someone's health data: it keeps the middle, as a model of one label (Constraint)
# does, where the middle is steadier (weighted F1 0.964 against 0.952 at the highest). Cross-validated
# on the corpus: benign texts flagged 7.6 → 5.6 % in English and 7.6 → 5.8 % in Spanish, phi recall
# unchanged, mean F1 0.900 → 0.895 (docs/benchmarks.md).
PLATEAU_SEVERAL, PLATEAU_ONE = 1.0, 0.5
PLATEAU_KEPT = {"phi": PLATEAU_ONE}
# A second model asks whether a text needs a moderator at all (any label against none). A label's
# flag also needs its score at GATE_KEEP: the highest threshold that keeps, on out-of-fold scores,
# 98 % of each label's cases the model finds. Emergencies and forced rules are never gated.
GATE_KEEP = 0.98
# The SVMs' regularisation, chosen by cross-validation on the corpus (docs/benchmarks.md).
C = 3.0
# liblinear's stopping tolerance: 1e-3 instead of 1e-4 stops the gate's fits about 30 % sooner
# with the same flags (cross-validated on the corpus and on Constraint, docs/benchmarks.md).
TOLERANCE = 1e-3


class PlattSVC:
    """A linear SVM whose decision values are mapped to probabilities by a sigmoid fitted on
    out-of-fold decision values (Platt scaling); the out-of-fold probabilities choose the threshold."""

    def __init__(self, c: float = C, folds: int = 3):
        self.c = c
        self.folds = folds

    def fit(self, matrix, target: np.ndarray) -> "PlattSVC":
        svm = LinearSVC(C=self.c, tol=TOLERANCE)
        split = StratifiedKFold(self.folds, shuffle=True, random_state=0)
        decisions = cross_val_predict(svm, matrix, target, cv=split, method="decision_function")
        sigmoid = LogisticRegression(C=1e4).fit(decisions.reshape(-1, 1), target)
        self.a, self.b = float(sigmoid.coef_[0, 0]), float(sigmoid.intercept_[0])
        self.out_of_fold = self._sigmoid(decisions)
        svm.fit(matrix, target)
        self.coef_, self.intercept_ = svm.coef_.ravel(), float(svm.intercept_[0])
        return self

    def _sigmoid(self, decisions: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(self.a * decisions + self.b)))

    def predict_proba(self, matrix) -> np.ndarray:
        p = self._sigmoid(matrix @ self.coef_ + self.intercept_)
        return np.column_stack([1 - p, p])


def _figures(target: np.ndarray, flagged: np.ndarray) -> dict:
    """Precision, recall and F1 of out-of-fold flags (model at its threshold, with the forced rules)."""
    tp = int((flagged & (target == 1)).sum())
    precision, recall = tp / max(1, int(flagged.sum())), tp / max(1, int(target.sum()))
    f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "support": int(target.sum()),
    }


def choose_gate(
    gate_scores: np.ndarray, found: dict[str, np.ndarray], keep: float = GATE_KEEP
) -> float:
    """The highest gate threshold keeping `keep` of each label's out-of-fold true flags (found)."""
    best = 0.0
    for g in np.round(np.arange(0.01, 0.91, 0.01), 2):
        passed = gate_scores >= g
        if any(hits.sum() and (hits & passed).sum() < keep * hits.sum() for hits in found.values()):
            break
        best = float(g)
    return best


def choose_threshold(
    label: str,
    target: np.ndarray,
    scores: np.ndarray,
    forced: np.ndarray,
    plateau: float = PLATEAU_ONE,
) -> float:
    """Emergency: the highest threshold whose flags (with the forced rules) keep recall at
    EMERGENCY_RECALL; other labels: among the thresholds whose F1 is within F1_TOLERANCE of the
    best, the one at `plateau` (0 the lowest, 0.5 the middle, 1 the highest). Chosen on
    out-of-fold scores."""
    candidates = np.round(np.arange(0.05, 0.91, 0.01), 2)
    positives = max(1, int(target.sum()))
    if label == "emergency":
        for t in candidates[::-1]:
            tp = int(((forced | (scores >= t)) & (target == 1)).sum())
            if tp / positives >= EMERGENCY_RECALL:
                return float(t)
        return float(candidates[0])
    f1 = np.array(
        [
            2
            * int(((forced | (scores >= t)) & (target == 1)).sum())
            / max(1, int((forced | (scores >= t)).sum()) + positives)
            for t in candidates
        ]
    )
    return float(np.quantile(candidates[f1 >= f1.max() - F1_TOLERANCE], plateau))


@dataclass
class Score:
    text: str
    scores: dict[str, float]
    flags: list[str]
    reasons: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "text": self.text,
            "scores": self.scores,
            "flags": self.flags,
            "reasons": self.reasons,
        }


class Classifier:
    """Trained per-label models over one vectoriser; labels with a single class in the data are left out."""

    def __init__(
        self, labels: list[str], vectoriser_, models: dict, meta: dict | None = None, gate=None
    ):
        self.labels = labels
        self.vectoriser = vectoriser_
        self.models = models
        self.meta = meta or {}
        self.gate = gate  # None in a model stored before the gate: no gating
        self._names = None
        self._weight_cache: dict[str, np.ndarray] = {}

    @staticmethod
    def _fit_one(matrix, target: np.ndarray, c: float) -> PlattSVC:
        positives = int(target.sum())
        folds = max(2, min(3, positives, len(target) - positives))
        # One SVM trained on all rows, calibrated on out-of-fold scores (0.6 points of F1 better on
        # Constraint than averaging three fold models, and a third of the prediction cost).
        return PlattSVC(c, folds).fit(matrix, target)

    @classmethod
    def train(
        cls, texts: list[str], label_sets: list[set[str]], *, c: float = C, progress=None
    ) -> "Classifier":
        features = vectoriser()
        # The feature families are computed side by side (one thread per core) for training only:
        # a stored model vectorises in the calling thread, as scoring a small batch should.
        with parallel_backend("threading"):
            features.set_params(n_jobs=min(len(features.transformer_list), os.cpu_count() or 1))
            matrix = features.fit_transform(texts)
            features.set_params(n_jobs=None)
        if progress:
            progress(1)
        targets = {
            label: np.array([label in labels for labels in label_sets], dtype=int)
            for label in LABELS
        }
        targets = {label: t for label, t in targets.items() if 0 < int(t.sum()) < len(t)}
        anything = np.array([bool(labels) for labels in label_sets], dtype=int)
        several = len(set(targets) - {"emergency"}) >= 2
        gated = several and 0 < anything.sum() < len(anything)  # one label needs no gate
        # The SVMs are independent and liblinear lets go of the interpreter while it trains: one
        # thread per core fits them side by side.
        with ThreadPoolExecutor(max(1, min(len(targets) + gated, os.cpu_count() or 1))) as pool:
            # The gate first: the slowest fit (half the rows are positive) should not start last.
            gate_fit = pool.submit(PlattSVC(c, 3).fit, matrix, anything) if gated else None
            fitting = {
                label: pool.submit(cls._fit_one, matrix, target, c)
                for label, target in targets.items()
            }
            # The rules run in this thread while the SVMs train (Python beside liblinear's C).
            hits = [rules.check(text) for text in texts]
            models, thresholds, flagged, found = {}, {}, {}, {}
            for label, target in targets.items():
                model = fitting[label].result()
                forced = np.array([any(h.label == label and h.forced for h in hs) for hs in hits])
                plateau = PLATEAU_KEPT.get(label, PLATEAU_SEVERAL) if several else PLATEAU_ONE
                thresholds[label] = choose_threshold(
                    label, target, model.out_of_fold, forced, plateau
                )
                by_model = model.out_of_fold >= thresholds[label]
                flagged[label] = (forced, by_model)
                if label != "emergency":
                    found[label] = by_model & ~forced & (target == 1)
                del model.out_of_fold
                models[label] = model
                if progress:
                    progress(1)
            gate = gate_fit.result() if gate_fit is not None else None
        gate_threshold = 0.0
        if gate is not None:
            gate_threshold = choose_gate(gate.out_of_fold, found)
            passed = gate.out_of_fold >= gate_threshold
            del gate.out_of_fold
        figures = {}
        for label, (forced, by_model) in flagged.items():
            if gate is not None and label != "emergency":
                by_model = by_model & passed
            figures[label] = _figures(targets[label], forced | by_model)
        meta = {"thresholds": thresholds, "gate_threshold": gate_threshold, "out_of_fold": figures}
        return cls(list(models), features, models, meta, gate)

    def probabilities(self, texts: list[str], matrix=None) -> dict[str, np.ndarray]:
        matrix = self.vectoriser.transform(texts) if matrix is None else matrix
        return {label: model.predict_proba(matrix)[:, 1] for label, model in self.models.items()}

    def _feature_names(self) -> np.ndarray:
        if self._names is None:
            self._names = word_names(self.vectoriser)
        return self._names

    def _weights(self, label: str) -> np.ndarray:
        """The label's feature weights (computed once)."""
        if label not in self._weight_cache:
            model = self.models[label]
            if hasattr(model, "calibrated_classifiers_"):  # a model stored by an earlier version
                coef = np.mean(
                    [c.estimator.coef_.ravel() for c in model.calibrated_classifiers_], 0
                )
            else:
                coef = model.coef_
            self._weight_cache[label] = coef
        return self._weight_cache[label]

    def top_words(self, row, label: str, n: int = 3) -> list[str]:
        """The words of one vectorised text (a 1-row matrix) that pushed hardest towards label."""
        names = self._feature_names()
        row = row.tocsr()
        words = row.indices < len(names)  # hashed character n-grams have no names to show
        indices = row.indices[words]
        values = row.data[words] * self._weights(label)[indices]
        order = np.argsort(values)[::-1]
        chosen = [str(names[indices[i]]) for i in order if values[i] > 0]
        return [w for w in chosen if len(w) >= 4][:n]

    def thresholds(self, overrides: dict[str, float] | None = None) -> dict[str, float]:
        """Each label's threshold: the practice's override, else the one chosen in training."""
        chosen = self.meta.get("thresholds") or {}
        return {
            label: (overrides or {}).get(label, chosen.get(label, THRESHOLD))
            for label in self.labels
        }

    def score(self, texts: list[str], thresholds: dict[str, float] | None = None) -> list[Score]:
        """Scores, flags and reasons for each text. A forced rule flags whatever the model says; a
        rule lowered by its context (a past event, news…) leaves the flag to the model."""
        # Scoring makes many small objects and no reference cycles: the cycle collector would only
        # walk the process's whole heap again and again (a fifth of the time in a large process).
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._score(texts, thresholds)
        finally:
            if collecting:
                gc.enable()

    def _score(self, texts: list[str], thresholds: dict[str, float] | None) -> list[Score]:
        limits = self.thresholds(thresholds)
        matrix = self.vectoriser.transform(texts) if texts and self.models else None
        probabilities = self.probabilities(texts, matrix) if matrix is not None else {}
        passed = self._passed(matrix, len(texts))
        results = []
        for index, text in enumerate(texts):
            scores = {label: round(float(p[index]), 4) for label, p in probabilities.items()}
            flags = [
                label
                for label, p in scores.items()
                if p >= limits.get(label, THRESHOLD) and (passed[index] or label == "emergency")
            ]
            present = CueFeatures.present(text) if flags else set()
            reasons = {
                label: explain(label, present, scores[label], self.top_words(matrix[index], label))
                for label in flags
            }
            for hit in rules.check(text):
                if hit.forced:
                    scores[hit.label] = 1.0
                    if hit.label not in flags:
                        flags.append(hit.label)
                    reasons.setdefault(hit.label, []).insert(0, f"rule: {hit.reason}")
                elif hit.label in flags:
                    reasons[hit.label].append(f"context: {hit.reason}")
            results.append(Score(text, scores, flags, reasons))
        return results

    def _passed(self, matrix, count: int) -> np.ndarray:
        """Whether each text passes the gate (all pass without one)."""
        if self.gate is None or matrix is None:
            return np.ones(count, dtype=bool)
        return self.gate.predict_proba(matrix)[:, 1] >= self.meta.get("gate_threshold", 0.0)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        joblib.dump(
            {
                "labels": self.labels,
                "vectoriser": self.vectoriser,
                "models": self.models,
                "thresholds": self.meta.get("thresholds", {}),
                "gate": self.gate,
                "gate_threshold": self.meta.get("gate_threshold", 0.0),
            },
            folder / "model.joblib",
            compress=3,
        )
        (folder / "meta.json").write_text(json.dumps(self.meta, indent=2, ensure_ascii=False))

    @classmethod
    def load(cls, folder: Path) -> "Classifier":
        path = Path(folder) / "model.joblib"
        if not path.exists():
            raise FileNotFoundError(
                f"no model in {folder} (train one with `carepost moderation train`)"
            )
        data = joblib.load(path)
        meta_path = Path(folder) / "meta.json"
        meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
        meta.setdefault("thresholds", data.get("thresholds", {}))
        meta.setdefault("gate_threshold", data.get("gate_threshold", 0.0))
        return cls(data["labels"], data["vectoriser"], data["models"], meta, data.get("gate"))
