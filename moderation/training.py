"""Labelled data in, a versioned model and its figures out."""

import csv
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sklearn.metrics import precision_recall_fscore_support
from sklearn.model_selection import KFold

from moderation.model import LABELS, Classifier

# The shipped corpus: the CSV files at its top train the default model (see its README).
CORPUS_DIR = Path(__file__).parent / "corpus"


class DataError(Exception):
    """A data file carepost cannot use; the message names the file and row."""


def read_labelled(paths: list[Path]) -> tuple[list[str], list[set[str]], str]:
    """Texts, their label sets and a hash of the data, from CSV files with columns text,labels."""
    texts, label_sets = [], []
    digest = hashlib.sha256()
    for path in paths:
        try:
            handle = open(path, encoding="utf-8-sig", newline="")
        except OSError as error:
            raise DataError(f"{path}: {error.strerror}") from None
        with handle:
            reader = csv.DictReader(handle)
            if (
                not reader.fieldnames
                or "text" not in reader.fieldnames
                or "labels" not in reader.fieldnames
            ):
                raise DataError(f"{path}: the header must have the columns text,labels")
            for number, row in enumerate(reader, start=2):
                text = (row.get("text") or "").strip()
                labels = {
                    part.strip() for part in (row.get("labels") or "").split(";") if part.strip()
                }
                unknown = labels - set(LABELS)
                if unknown:
                    raise DataError(
                        f"{path}, row {number}: unknown label {sorted(unknown)[0]!r} "
                        f"(known: {', '.join(LABELS)})"
                    )
                if not text:
                    raise DataError(f"{path}, row {number}: empty text")
                texts.append(text)
                label_sets.append(labels)
                digest.update(f"{text}\t{';'.join(sorted(labels))}\n".encode())
    if not texts:
        raise DataError("no rows to learn from")
    return texts, label_sets, digest.hexdigest()


def per_label_figures(truth: list[set[str]], predicted: list[set[str]], labels) -> dict[str, dict]:
    figures = {}
    for label in labels:
        y = np.array([label in t for t in truth])
        p = np.array([label in s for s in predicted])
        precision, recall, f1, _ = precision_recall_fscore_support(
            y, p, average="binary", zero_division=0
        )
        figures[label] = {
            "precision": round(float(precision), 4),
            "recall": round(float(recall), 4),
            "f1": round(float(f1), 4),
            "support": int(y.sum()),
        }
    return figures


def cross_validate(texts, label_sets, folds: int = 3, progress=None) -> dict[str, dict]:
    """Per-label precision, recall and F1 from k-fold cross-validation (model, thresholds and rules)."""
    predicted: list[set[str]] = [set() for _ in texts]
    for train_index, test_index in KFold(folds, shuffle=True, random_state=42).split(texts):
        model = Classifier.train(
            [texts[i] for i in train_index], [label_sets[i] for i in train_index]
        )
        for i, scored in zip(test_index, model.score([texts[i] for i in test_index]), strict=True):
            predicted[i] = set(scored.flags)
        if progress:
            progress(1)
    present = [label for label in LABELS if any(label in s for s in label_sets)]
    return per_label_figures(label_sets, predicted, present)


def train_and_store(paths: list[Path], out: Path, *, folds: int = 3, progress=None) -> Path:
    """Train on every file, measure by cross-validation, and store a versioned model folder."""
    texts, label_sets, data_hash = read_labelled(paths)
    metrics = cross_validate(texts, label_sets, folds, progress) if folds > 1 else {}
    model = Classifier.train(texts, label_sets, progress=progress)
    # Without k-fold figures, the out-of-fold ones from training (vocabulary fitted on every row).
    metrics = metrics or model.meta.get("out_of_fold", {})
    created = datetime.now(UTC)
    model.meta = {
        **model.meta,
        "created_at": created.isoformat(),
        "data_hash": data_hash,
        "rows": len(texts),
        "files": [str(p) for p in paths],
        "labels": model.labels,
        "cv_folds": folds,
        "metrics": metrics,
    }
    folder = out / f"{created:%Y%m%dT%H%M%S}-{data_hash[:8]}"
    model.save(folder)
    return folder


def activate(folder: Path) -> None:
    """Make a stored model the one carepost uses (a pointer file beside the versions)."""
    (folder.parent / "ACTIVE").write_text(folder.name)


def active_model_folder(root: Path) -> Path | None:
    pointer = root / "ACTIVE"
    return root / pointer.read_text().strip() if pointer.exists() else None


def report(truth: list[set[str]], scored) -> dict:
    """Per-label figures of scored texts (model and rules together, as the app applies them)."""
    predicted = [set(s.flags) for s in scored]
    present = [
        label
        for label in LABELS
        if any(label in t for t in truth) or any(label in p for p in predicted)
    ]
    return per_label_figures(truth, predicted, present)


def write_report(path: Path, figures: dict, meta: dict) -> None:
    path.write_text(json.dumps({"model": meta, "labels": figures}, indent=2, ensure_ascii=False))
