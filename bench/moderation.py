"""Moderation classifier on the public data in ../shared/data and on the blind set.

    python bench/moderation.py [--data ../shared/data] [--no-blind | --blind-only | --corpus]
    python bench/moderation.py --added phi_pairs,spam_pairs   # what these corpus files add

For each data set: train carepost's classifier on train.csv, report weighted F1 and per-class
precision/recall/F1 on val.csv, training time, prediction throughput on one core (texts/s, rules
included, each validation text once, best of three runs) and the time to load the stored model. The texts are read where they lie; none is copied.

--blind (on whenever moderation/corpus/blind exists): the default model made exactly as carepost
makes it on first use (trained from the shipped corpus into a fresh data folder and activated),
scoring the locked blind set through the app's scoring path and thresholds; per language and label
precision, recall and F1, and the share of benign texts flagged.
"""

import argparse
import os
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, as the target says
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sklearn.metrics import classification_report, f1_score  # noqa: E402

from moderation.model import Classifier  # noqa: E402
from moderation.training import read_labelled  # noqa: E402

BLIND_DIR = Path(__file__).resolve().parents[1] / "moderation" / "corpus" / "blind"


def forget_texts() -> None:
    """Empty the per-text caches of the cues and rules, as for texts never seen."""
    from moderation import cues, rules, text
    from moderation.features import CueFeatures

    for cached in (
        CueFeatures.present,
        cues.found,
        rules.exposed,
        rules.danger,
        rules.health_term,
        text.word_starts,
        text._plan,
    ):
        cached.cache_clear()


def run(folder: Path) -> None:
    texts, labels, _ = read_labelled([folder / "train.csv"])
    val_texts, val_labels, _ = read_labelled([folder / "val.csv"])
    started = time.perf_counter()
    model = Classifier.train(texts, labels)
    train_seconds = time.perf_counter() - started
    threshold = model.thresholds()["misinformation"]  # chosen on out-of-fold scores in training
    # Scored as the app scores (thresholds, gate and rules), each text once: a repeated text would
    # find its cues and rules already worked out.
    batch = list(dict.fromkeys(val_texts))
    seconds = []
    for _ in range(3):  # the best of three, each with nothing remembered from the last
        forget_texts()
        started = time.perf_counter()
        flagged = {s.text for s in model.score(batch) if "misinformation" in s.flags}
        seconds.append(time.perf_counter() - started)
    throughput = len(batch) / min(seconds)
    truth = [int("misinformation" in s) for s in val_labels]
    predicted = [int(text in flagged) for text in val_texts]
    weighted = f1_score(truth, predicted, average="weighted")
    report = classification_report(
        truth, predicted, target_names=["other", "misinformation"], digits=3, output_dict=True
    )
    with tempfile.TemporaryDirectory() as tmp:
        model.save(Path(tmp))
        started = time.perf_counter()
        Classifier.load(Path(tmp))
        load_seconds = time.perf_counter() - started
    print(
        f"{folder.name}: train {len(texts)} rows in {train_seconds:.1f} s; val {len(val_texts)} rows: "
        f"weighted F1 {weighted:.4f} (threshold {threshold:.2f})"
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
    from app.review import scoring
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


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "–"


def blind_report(language: str, truth: list[set[str]], flags: list[set[str]]) -> None:
    """One language's per-label figures and benign false-flag rate, as markdown table rows."""
    from moderation.model import LABELS
    from moderation.training import per_label_figures

    figures = per_label_figures(truth, flags, LABELS)
    for label in LABELS:
        f = figures[label]
        print(
            f"| {language} | {label} | {f['precision']:.2f} | {f['recall']:.2f} | {f['f1']:.2f} "
            f"| {f['support']} |"
        )
    benign = [f for f, t in zip(flags, truth, strict=True) if not t]
    flagged = sum(bool(f) for f in benign)
    print(
        f"| {language} | benign flagged | {_percent(flagged, len(benign))} ({flagged} of {len(benign)}) | | | |"
    )


@contextmanager
def fresh_data_folder():
    """CAREPOST_DATA_DIR pointed at an empty temporary folder for the block, as on a fresh install."""
    from app.settings import get_settings

    saved = os.environ.get("CAREPOST_DATA_DIR")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CAREPOST_DATA_DIR"] = tmp
        get_settings.cache_clear()
        try:
            yield Path(tmp)
        finally:
            if saved is None:
                os.environ.pop("CAREPOST_DATA_DIR", None)
            else:
                os.environ["CAREPOST_DATA_DIR"] = saved
            get_settings.cache_clear()


def shipped_on_blind(folder: Path) -> None:
    """The default model, made as on a fresh install, on the blind set (never trained or tuned on)."""
    from app.review import scoring

    with fresh_data_folder():
        started = time.perf_counter()
        scoring.ensure_default_model()
        print(
            f"default model trained from the shipped corpus in {time.perf_counter() - started:.1f} s "
            f"(fresh data folder); thresholds {scoring.active().thresholds(scoring.thresholds())}"
        )
        print("\n| language | label | precision | recall | F1 | support |")
        print("| --- | --- | --- | --- | --- | --- |")
        all_truth: list[set[str]] = []
        all_flags: list[set[str]] = []
        for path in sorted(folder.glob("*.csv")):
            texts, truth, _ = read_labelled([path])
            flags = [set(result.flags) for result in scoring.score(texts)]
            blind_report(f"{path.stem} ({len(texts)})", truth, flags)
            all_truth += truth
            all_flags += flags
        blind_report(f"all ({len(all_truth)})", all_truth, all_flags)


def corpus_cross_validated(folds: int = 4) -> None:
    """The shipped corpus in `folds` folds (model, thresholds and rules as the app applies them),
    per language: the figures to work with; the blind set is only for reporting."""
    from sklearn.model_selection import KFold

    from moderation.model import Classifier
    from moderation.text import language
    from moderation.training import CORPUS_DIR

    texts, truth, _ = read_labelled(sorted(CORPUS_DIR.glob("*.csv")))
    flags: list[set[str]] = [set() for _ in texts]
    started = time.perf_counter()
    for train, test in KFold(folds, shuffle=True, random_state=7).split(texts):
        model = Classifier.train([texts[i] for i in train], [truth[i] for i in train])
        for i, scored in zip(test, model.score([texts[i] for i in test]), strict=True):
            flags[i] = set(scored.flags)
    print(
        f"shipped corpus, {len(texts)} rows, {folds}-fold cross-validation "
        f"({time.perf_counter() - started:.0f} s)"
    )
    print("\n| language | label | precision | recall | F1 | support |")
    print("| --- | --- | --- | --- | --- | --- |")
    languages = [language(t) or "other" for t in texts]
    for code in ("en", "es"):
        chosen = [i for i, found in enumerate(languages) if found == code]
        blind_report(
            f"{code} ({len(chosen)})", [truth[i] for i in chosen], [flags[i] for i in chosen]
        )
    blind_report(f"all ({len(texts)})", truth, flags)


def corpus_files_added(added: list[str], folds: int = 4) -> None:
    """What some corpus files add: the other files cross-validated in `folds` folds, each fold's
    model trained without and then with the `added` files; per language F1 and benign flags."""
    from sklearn.model_selection import KFold

    from moderation.model import LABELS, Classifier
    from moderation.text import language
    from moderation.training import CORPUS_DIR, per_label_figures

    files = sorted(CORPUS_DIR.glob("*.csv"))
    unknown = set(added) - {f.stem for f in files}
    if unknown:
        raise SystemExit(f"no such corpus file: {', '.join(sorted(unknown))}")
    texts, truth, _ = read_labelled([f for f in files if f.stem not in added])
    extra, extra_truth, _ = read_labelled([f for f in files if f.stem in added])
    languages = [language(t) or "other" for t in texts]
    print(f"{len(texts)} rows cross-validated, {len(extra)} rows added to each fold's training")
    print(
        "\n| language | training | "
        + " | ".join(f"{label} F1" for label in LABELS)
        + " | benign flagged |"
    )
    print("| --- | --- |" + " --- |" * (len(LABELS) + 1))
    for name, more, more_truth in (("without", [], []), ("with", extra, extra_truth)):
        flags: list[set[str]] = [set() for _ in texts]
        for train, test in KFold(folds, shuffle=True, random_state=7).split(texts):
            model = Classifier.train(
                [texts[i] for i in train] + more, [truth[i] for i in train] + more_truth
            )
            for i, scored in zip(test, model.score([texts[i] for i in test]), strict=True):
                flags[i] = set(scored.flags)
        for code in ("en", "es"):
            chosen = [i for i, found in enumerate(languages) if found == code]
            figures = per_label_figures(
                [truth[i] for i in chosen], [flags[i] for i in chosen], LABELS
            )
            benign = [i for i in chosen if not truth[i]]
            rate = _percent(sum(bool(flags[i]) for i in benign), len(benign))
            cells = " | ".join(f"{figures[label]['f1']:.3f}" for label in LABELS)
            print(f"| {code} | {name} | {cells} | {rate} |")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data")
    )
    parser.add_argument(
        "--blind",
        action=argparse.BooleanOptionalAction,
        default=BLIND_DIR.exists(),
        help="score the default model on moderation/corpus/blind (default: on when it exists)",
    )
    parser.add_argument(
        "--blind-only", action="store_true", help="only the blind set (no public data, no holdout)"
    )
    parser.add_argument(
        "--corpus",
        action="store_true",
        help="only the shipped corpus, cross-validated in 4 folds, per language",
    )
    parser.add_argument(
        "--added",
        metavar="FILES",
        help="comma-separated corpus files (names without .csv): cross-validate the others, "
        "training each fold without and with these files",
    )
    args = parser.parse_args()
    if args.added:
        corpus_files_added([name.strip() for name in args.added.split(",") if name.strip()])
        return
    if args.corpus:
        corpus_cross_validated()
        return
    blind = args.blind or args.blind_only
    if blind and not BLIND_DIR.exists():
        raise SystemExit(f"no blind set at {BLIND_DIR}")
    if not args.blind_only:
        root = Path(args.data)
        sets = (
            sorted(p for p in root.iterdir() if (p / "train.csv").exists()) if root.exists() else []
        )
        if not sets:
            raise SystemExit(f"no data sets under {root} (each needs train.csv and val.csv)")
        for folder in sets:
            run(folder)
        shipped_on_holdout()
    if blind:
        shipped_on_blind(BLIND_DIR)


if __name__ == "__main__":
    main()
