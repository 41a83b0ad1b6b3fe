"""Moderation classifier on the public data in ../shared/data: F1, training time, throughput, load time.

    python bench/moderation.py [--data ../shared/data]

For each data set: train carepost's classifier on train.csv, report weighted F1 and per-class
precision/recall/F1 on val.csv, training time, prediction throughput on one core (texts/s, rules
included) and the time to load the stored model. The texts are read where they lie; none is copied.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, as the target says
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sklearn.metrics import classification_report, f1_score  # noqa: E402

from moderation.model import Classifier  # noqa: E402
from moderation.training import read_labelled  # noqa: E402


def run(folder: Path) -> None:
    texts, labels, _ = read_labelled([folder / "train.csv"])
    val_texts, val_labels, _ = read_labelled([folder / "val.csv"])
    started = time.perf_counter()
    model = Classifier.train(texts, labels)
    train_seconds = time.perf_counter() - started
    probabilities = model.probabilities(val_texts)["misinformation"]
    truth = [int("misinformation" in s) for s in val_labels]
    predicted = [int(p >= 0.5) for p in probabilities]
    weighted = f1_score(truth, predicted, average="weighted")
    report = classification_report(
        truth, predicted, target_names=["other", "misinformation"], digits=3, output_dict=True
    )
    batch = (val_texts * (max(1, 4000 // len(val_texts)) + 1))[:4000]
    started = time.perf_counter()
    model.score(batch)
    throughput = len(batch) / (time.perf_counter() - started)
    with tempfile.TemporaryDirectory() as tmp:
        model.save(Path(tmp))
        started = time.perf_counter()
        Classifier.load(Path(tmp))
        load_seconds = time.perf_counter() - started
    print(
        f"{folder.name}: train {len(texts)} rows in {train_seconds:.1f} s; val {len(val_texts)} rows: "
        f"weighted F1 {weighted:.4f}"
    )
    for name in ("other", "misinformation"):
        r = report[name]
        print(
            f"  {name:<15} precision {r['precision']:.3f}  recall {r['recall']:.3f}  F1 {r['f1-score']:.3f}  "
            f"support {int(r['support'])}"
        )
    print(
        f"  prediction {throughput:.0f} texts/s on one core (rules included); model load {load_seconds:.2f} s"
    )


def shipped_on_holdout() -> None:
    """The default model (shipped corpus + rules) on cases it never saw: moderation/corpus/holdout."""
    from moderation import scoring
    from moderation.model import LABELS

    texts, labels, _ = read_labelled(scoring.corpus_files())
    started = time.perf_counter()
    model = Classifier.train(texts, labels)
    print(
        f"shipped corpus: train {len(texts)} rows in {time.perf_counter() - started:.1f} s; "
        "flags (model + rules) on the held-out cases:"
    )
    for path in sorted((scoring.CORPUS_DIR / "holdout").glob("*.csv")):
        held, truth, _ = read_labelled([path])
        flags = [set(result.flags) for result in model.score(held)]
        print(f"  {path.stem}: {len(held)} texts")
        for label in LABELS:
            tp = sum(label in f and label in t for f, t in zip(flags, truth, strict=True))
            fp = sum(label in f and label not in t for f, t in zip(flags, truth, strict=True))
            fn = sum(label not in f and label in t for f, t in zip(flags, truth, strict=True))
            print(
                f"    {label:<20} precision {tp / max(1, tp + fp):.2f}  recall {tp / max(1, tp + fn):.2f}"
                f"  support {tp + fn}"
            )
        benign = [f for f, t in zip(flags, truth, strict=True) if not t]
        print(f"    benign texts flagged: {sum(bool(f) for f in benign)} of {len(benign)}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data")
    )
    args = parser.parse_args()
    root = Path(args.data)
    sets = sorted(p for p in root.iterdir() if (p / "train.csv").exists()) if root.exists() else []
    if not sets:
        raise SystemExit(f"no data sets under {root} (each needs train.csv and val.csv)")
    for folder in sets:
        run(folder)
    shipped_on_holdout()


if __name__ == "__main__":
    main()
