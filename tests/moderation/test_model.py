"""The classifier learns from labelled rows, explains itself, and the CLI trains, evaluates and scores."""

import csv
import json
import os
import subprocess
import sys

import pytest

from moderation.model import Classifier
from moderation.training import DataError, read_labelled

MYTHS = [
    "el ajo cura el virus",
    "garlic cures the virus",
    "las vacunas causan autismo",
    "vaccines cause autism",
    "el 5G propaga el virus",
    "5G spreads the virus",
    "beber lejía cura el covid",
    "bleach cures covid",
]
FACTS = [
    "la vacuna está disponible en el centro",
    "the vaccine is available at the practice",
    "abrimos el sábado por la mañana",
    "we open on saturday morning",
    "recuerda lavarte las manos",
    "remember to wash your hands",
    "la campaña de gripe empieza en octubre",
    "flu campaign starts in october",
]
DOSES = [
    "cuántos mg de ibuprofeno me tomo yo",
    "how many mg of ibuprofen should I take",
    "puedo dejar mi tratamiento de tiroides",
    "can I stop taking my thyroid pills",
]


def rows() -> list[tuple[str, str]]:
    data = (
        [(t, "misinformation") for t in MYTHS]
        + [(t, "") for t in FACTS]
        + [(t, "unsafe_consultation") for t in DOSES]
    )
    return data * 3


def write_csv(path, data):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "labels"])
        writer.writerows(data)


def test_training_learns_and_explains_in_words():
    texts, labels = [t for t, _ in rows()], [{lab} if lab else set() for _, lab in rows()]
    model = Classifier.train(texts, labels)
    [myth, fact] = model.score(["dicen que el ajo cura el virus", "abrimos el sábado"])
    assert myth.scores["misinformation"] > fact.scores["misinformation"]
    assert "misinformation" in myth.flags
    assert myth.reasons["misinformation"][0].startswith("model ")
    assert "asserts a cure or a cause" in myth.reasons["misinformation"][0]


def test_the_gate_is_trained_stored_and_loaded_and_an_older_model_scores_without_it(tmp_path):
    import numpy as np

    from moderation.model import choose_gate

    texts, labels = [t for t, _ in rows()], [{lab} if lab else set() for _, lab in rows()]
    model = Classifier.train(texts, labels)
    assert model.gate is not None and 0 <= model.meta["gate_threshold"] < 1
    model.save(tmp_path)
    loaded = Classifier.load(tmp_path)
    probe = ["dicen que el ajo cura el virus", "abrimos el sábado", "can I stop my thyroid pills"]
    assert [s.flags for s in loaded.score(probe)] == [s.flags for s in model.score(probe)]
    loaded.gate = None  # as a model stored before the gate
    assert "misinformation" in loaded.score(probe)[0].flags
    # The gate keeps 98 % of each label's true flags: here one of two would be lost above 0.3.
    found = {"spam": np.array([True, True, False]), "phi": np.array([False, False, True])}
    assert choose_gate(np.array([0.9, 0.3, 0.5]), found) == 0.3


def test_scoped_words_tell_a_denied_or_asked_claim_from_an_asserted_one():
    from sklearn.feature_extraction import FeatureHasher

    from moderation.features import ScopedWords

    scoped = ScopedWords(weight=1.0, n_features=2**10)
    hasher = FeatureHasher(2**10, input_type="string", alternate_sign=False)

    def has(text: str, word: str) -> bool:
        column = hasher.transform([[word]]).indices[0]
        return scoped.transform([text])[0, column] > 0

    assert has("Vaccines do not cause autism.", "not_cause")
    assert not has("Vaccines cause autism.", "not_cause")
    assert has("¿La vacuna causa autismo?", "ask_causa")
    assert has("la vacuna no causa autismo", "not_causa")


def test_rules_win_over_the_model():
    texts, labels = [t for t, _ in rows()], [{lab} if lab else set() for _, lab in rows()]
    model = Classifier.train(texts, labels)
    [crisis] = model.score(["abrimos el sábado y me quiero morir"])
    assert "emergency" in crisis.flags and crisis.scores["emergency"] == 1.0
    assert crisis.reasons["emergency"][0].startswith("rule:")


def test_bad_files_are_named(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("text,labels\nhola,rumour\n")
    with pytest.raises(DataError, match="row 2: unknown label 'rumour'"):
        read_labelled([bad])
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("body\nhola\n")
    with pytest.raises(DataError, match="text,labels"):
        read_labelled([wrong])


def test_cli_train_evaluate_and_moderate(tmp_path):
    data = tmp_path / "data.csv"
    write_csv(data, rows())
    env = {**os.environ, "CAREPOST_DATA_DIR": str(tmp_path)}

    def run(*args, **kwargs):
        return subprocess.run(
            [sys.executable, "-m", "app.cli", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
            env=env,
            **kwargs,
        )

    trained = run("moderation", "train", str(data), "--activate")
    assert trained.returncode == 0, trained.stderr
    assert "misinformation" in trained.stdout and "now active" in trained.stdout
    evaluated = run("moderation", "evaluate", str(data))
    assert evaluated.returncode == 0, evaluated.stderr
    report = json.loads((tmp_path / "moderation-report.json").read_text())
    assert report["labels"]["misinformation"]["support"] == 24
    assert (tmp_path / "moderation-pr.png").read_bytes()[:4] == b"\x89PNG"
    scored = run(
        "moderate", "-", input='{"text": "bleach cures covid"}\n{"text": "I want to die"}\n'
    )
    lines = [json.loads(line) for line in scored.stdout.splitlines()]
    assert lines[0]["flags"] == ["misinformation"] and "emergency" in lines[1]["flags"]
    bad = run("moderate", "-", input="body,words\n1,2\n")
    assert bad.returncode == 2 and "text column" in bad.stderr


def test_the_shipped_model_finds_every_emergency_in_cases_it_never_saw(shipped_model):
    """moderation/corpus/holdout is never trained on: ES and EN texts written apart from the corpus."""
    from app.review.scoring import CORPUS_DIR

    for path in sorted((CORPUS_DIR / "holdout").glob("*.csv")):
        texts, truth, _ = read_labelled([path])
        flags = [set(result.flags) for result in shipped_model.score(texts)]
        emergencies = [f for f, t in zip(flags, truth, strict=True) if "emergency" in t]
        assert len(emergencies) >= 10 and all("emergency" in f for f in emergencies), path.name
        for label in ("unsafe_consultation", "misinformation", "phi", "spam"):
            found = [label in f for f, t in zip(flags, truth, strict=True) if label in t]
            assert sum(found) >= 0.6 * len(found), (path.name, label)
        benign = [f for f, t in zip(flags, truth, strict=True) if not t]
        assert sum(bool(f) for f in benign) <= 0.25 * len(benign), path.name


def test_a_full_name_is_a_cue_but_a_mention_of_a_pseudonym_is_not():
    from moderation.features import FULL_NAME

    assert [m.group(0) for m in FULL_NAME.finditer("mi tía Carmen López tiene diabetes")] == [
        "Carmen López"
    ]
    assert not list(FULL_NAME.finditer("¡Qué rica, @Luz del Norte!"))


@pytest.mark.parametrize(
    "text, named",
    [
        ("I am Mrs. Farida Begum, my husband had a stroke", True),
        ("Informamos a los familiares de Dña. Asunción Prieto de que", True),
        ("Sarah Okafor started radiotherapy on Monday", True),
        ("Soy Ulises Carrillo, me operaron el sábado", True),
        ("The King has cancer, the palace says", False),
        ("Vendo Ozempic barato", False),
        ("Farmacia La Avenida informa de su horario", False),
        ("Ask Dr. Mehra about it", False),
    ],
)
def test_a_name_after_a_courtesy_title_or_opening_a_sentence_is_a_full_name(text, named):
    from moderation.features import full_name

    assert full_name(text) is named


def test_a_threshold_sits_on_the_f1_plateau_highest_for_several_labels_middle_for_one():
    import numpy as np

    from moderation.model import F1_TOLERANCE, choose_threshold

    rng = np.random.default_rng(0)
    target = (rng.random(2000) < 0.2).astype(int)
    scores = np.clip(0.35 * target + rng.normal(0.3, 0.15, 2000), 0, 1)
    forced = np.zeros(2000, dtype=bool)

    def f1(t: float) -> float:
        flagged = scores >= t
        return 2 * (flagged & (target == 1)).sum() / (flagged.sum() + target.sum())

    best = max(f1(t) for t in np.round(np.arange(0.05, 0.91, 0.01), 2))
    middle = choose_threshold("spam", target, scores, forced, 0.5)
    highest = choose_threshold("spam", target, scores, forced, 1.0)
    assert middle < highest
    for t in (middle, highest):
        assert f1(t) >= best - F1_TOLERANCE - 0.01
    assert f1(highest + 0.01) < best - F1_TOLERANCE  # nothing higher is on the plateau
    # Fewer false alarms at the highest: what a model of several labels adds up.
    assert ((scores >= highest) & (target == 0)).sum() < ((scores >= middle) & (target == 0)).sum()
