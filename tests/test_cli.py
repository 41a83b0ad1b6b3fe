"""The command line: every command works on a fresh folder; bad input is one line and exit code 2."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from app import cli, database, settings

ROOT = Path(__file__).resolve().parents[1]


def carepost(capsys, *args: str) -> tuple[int, str, str]:
    """Run the `carepost` entry point in this process: (exit code, stdout, stderr).

    Anything other than a clean exit (a traceback) fails the test with the exception itself.
    """
    settings.get_settings.cache_clear()
    database.get_engine.cache_clear()
    try:
        with pytest.raises(SystemExit) as exit_info:
            cli.main(list(args))
    finally:
        if database.get_engine.cache_info().currsize:
            database.get_engine().dispose()
        database.get_engine.cache_clear()
        settings.get_settings.cache_clear()
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out, captured.err


def one_line_refusal(code: int, err: str) -> bool:
    return code == 2 and err.startswith("carepost: ") and err.count("\n") == 1


@pytest.fixture
def fresh_database(database_url, tmp_path, monkeypatch) -> str:
    """A working folder with no database yet (SQLite), or an empty PostgreSQL schema.

    A schema of its own in the test run's database looks to carepost like an empty database, and
    dropping it is quick (dropping a database waits for a checkpoint).
    """
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CAREPOST_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CAREPOST_SECRET_KEY", "test-" + "k" * 40)
    if database_url.startswith("sqlite"):
        monkeypatch.delenv("DATABASE_URL", raising=False)
        yield f"sqlite:///{tmp_path / 'carepost.db'}"
        return
    schema = f"fresh_{uuid.uuid4().hex[:12]}"
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{database_url}?options=-csearch_path%3D{schema}"
    monkeypatch.setenv("DATABASE_URL", url)
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def test_user_and_token_commands_work_before_anything_else_ran(fresh_database, capsys):
    code, out, err = carepost(capsys, "user", "create", "marta", "--role", "marketing")
    assert (code, err) == (0, "") and "created marketing marta" in out and "password:" in out
    code, out, err = carepost(capsys, "token", "create", "marta")
    assert code == 0 and out.strip().startswith("cp_")
    assert database.current_revision(fresh_database) is not None


def test_user_and_token_refusals_are_one_line_and_exit_code_2(fresh_database, capsys):
    assert carepost(capsys, "user", "create", "marta", "--role", "marketing")[0] == 0
    code, _out, err = carepost(capsys, "user", "create", "marta", "--role", "marketing")
    assert one_line_refusal(code, err) and "taken" in err
    code, _out, err = carepost(capsys, "token", "create", "nobody")
    assert one_line_refusal(code, err) and "no user" in err


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["user", "create", "pepe", "--role", "wizard"], "'wizard' is not one of"),
        (["user", "create", "--role", "admin"], "Missing argument 'USERNAME'"),
        (["user", "create", "xavier", "--role", "patient", "--verified"], "clinicians only"),
        (["teleport"], "No such command 'teleport'"),
        (["posts", "import", "missing.csv", "--author", "marta"], "No such file"),
        (["moderate", "texts.csv", "--model", "no-such-folder"], "no model in no-such-folder"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_code_2(tmp_path, monkeypatch, capsys, args, said):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CAREPOST_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    (tmp_path / "texts.csv").write_text("text\nhola\n")
    code, _out, err = carepost(capsys, *args)
    assert one_line_refusal(code, err) and said in err, err


def test_an_unreachable_database_is_one_line_without_its_statement(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CAREPOST_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:9/none")
    code, _out, err = carepost(capsys, "token", "create", "marta")
    assert one_line_refusal(code, err) and "DATABASE_URL" in err and "SELECT" not in err


def test_invalid_setting_is_one_line_and_exit_code_2(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CAREPOST_LOCALE", "fr")
    code, _out, err = carepost(capsys, "db", "upgrade")
    assert one_line_refusal(code, err) and "CAREPOST_LOCALE" in err


def test_no_command_shows_the_help_and_exit_code_2(capsys):
    code, _out, err = carepost(capsys)
    assert code == 2 and err.startswith("Usage: carepost")


def test_serve_refuses_several_processes_that_would_each_dispatch_on_sqlite(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("CAREPOST_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CAREPOST_RUN_SCHEDULER", "true")
    code, _out, err = carepost(capsys, "serve", "--workers", "2")
    assert one_line_refusal(code, err) and "carepost worker" in err
    assert not (tmp_path / "carepost.db").exists()  # refused before touching the database


def test_posts_import_reports_problems_and_exit_code_2(
    db_url, tmp_path, monkeypatch, outbox, marketer, shipped_model_in_data_dir, capsys
):
    monkeypatch.chdir(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "date,time,channels,text\n2020-01-01,09:00,Outbox,viejo\n2030-01-01,09:00,Nada,canal\n"
    )
    code, _out, err = carepost(capsys, "posts", "import", str(bad), "--author", marketer.username)
    assert code == 2 and "row 2" in err and "row 3" in err
    good = tmp_path / "good.csv"
    good.write_text(
        "date,time,channels,text\n2030-01-01,09:00,Outbox,uno\n2030-01-02,09:00,Outbox,dos\n"
    )
    code, out, _err = carepost(capsys, "posts", "import", str(good), "--author", marketer.username)
    assert code == 0 and "imported 2 posts" in out


def test_moderate_in_a_fresh_folder_trains_the_shipped_model_first(tmp_path, monkeypatch, capsys):
    from app.review import scoring

    # Part of the shipped corpus keeps it quick (the whole one trains once per run for the others).
    part = [scoring.CORPUS_DIR / name for name in ("en.csv", "es.csv", "es_situations.csv")]
    monkeypatch.setattr(scoring, "corpus_files", lambda: part)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CAREPOST_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    source = tmp_path / "texts.jsonl"
    source.write_text(
        json.dumps({"text": "Quiero quitarme la vida esta noche"})
        + "\n"
        + json.dumps({"text": "Gracias por el taller de ayer"})
        + "\n"
    )
    code, out, err = carepost(capsys, "moderate", str(source))
    assert code == 0 and "moderation model ready" in out, err
    scores = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert len(scores) == 2
    assert "emergency" in scores[0]["flags"] and scores[1]["flags"] == []
    assert (tmp_path / "models" / "ACTIVE").exists()


def test_the_installed_entry_point_creates_a_user_in_a_fresh_folder_without_scikit_learn(
    tmp_path,
):
    # A separate interpreter: the real entry point, and a clean sys.modules to look at.
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env |= {"CAREPOST_DATA_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    program = (
        "import sys\n"
        "from app.cli import main\n"
        "try:\n"
        "    main(['user', 'create', 'ana', '--role', 'admin'])\n"
        "except SystemExit as done:\n"
        "    print('exit', done.code, 'sklearn' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert "created admin ana" in result.stdout and "exit 0 False" in result.stdout


def test_processes_starting_together_on_a_fresh_database_migrate_it_once(fresh_database, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = [
        subprocess.Popen(
            [sys.executable, "-m", "app.cli", "user", "create", f"member{i}", "--role", "patient"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(3)
    ]
    results = [(p.wait(timeout=180), *p.communicate()) for p in started]
    assert [(code, err) for code, _out, err in results] == [(0, "")] * 3
    assert sorted(out.split()[2] for _code, out, _err in results) == [
        "member0",
        "member1",
        "member2",
    ]


def test_moderation_build_makes_the_default_model_once_and_anew_with_force(
    tmp_path, monkeypatch, capsys
):
    from app.review import scoring

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CAREPOST_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    # A small corpus keeps the test quick: the command is what is tested, not the model.
    small = tmp_path / "small.csv"
    rows = (scoring.CORPUS_DIR / "es.csv").read_text(encoding="utf-8").splitlines()[:400]
    small.write_text("\n".join(rows) + "\n", encoding="utf-8")
    monkeypatch.setattr(scoring, "corpus_files", lambda: [small])

    code, out, err = carepost(capsys, "moderation", "build")
    assert code == 0 and "moderation model ready" in out, err
    first = (tmp_path / "models" / "ACTIVE").read_text()
    code, out, _ = carepost(capsys, "moderation", "build")
    assert code == 0 and f"already active: {first}" in out
    made = json.loads((tmp_path / "models" / first / "meta.json").read_text())["created_at"]
    code, out, err = carepost(capsys, "moderation", "build", "--force")
    assert code == 0 and "moderation model ready" in out, err
    active = (tmp_path / "models" / "ACTIVE").read_text()
    assert json.loads((tmp_path / "models" / active / "meta.json").read_text())["created_at"] > made
