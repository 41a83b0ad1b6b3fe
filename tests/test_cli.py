"""The command line: clear messages and exit code 2 on bad input."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def carepost(*args: str, env: dict, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_user_and_token_commands_and_their_errors(db_url, tmp_path):
    import os

    env = dict(os.environ)
    created = carepost("user", "create", "marta", "--role", "marketing", env=env, cwd=tmp_path)
    assert created.returncode == 0 and "password:" in created.stdout
    duplicate = carepost("user", "create", "marta", "--role", "marketing", env=env, cwd=tmp_path)
    assert (
        duplicate.returncode == 2
        and "taken" in duplicate.stderr
        and "Traceback" not in duplicate.stderr
    )
    bad_role = carepost("user", "create", "pepe", "--role", "wizard", env=env, cwd=tmp_path)
    assert bad_role.returncode == 2
    token = carepost("token", "create", "marta", env=env, cwd=tmp_path)
    assert token.returncode == 0 and token.stdout.strip().startswith("cp_")
    missing = carepost("token", "create", "nobody", env=env, cwd=tmp_path)
    assert missing.returncode == 2 and "no user" in missing.stderr


def test_posts_import_reports_problems_and_exit_code_2(db_url, tmp_path, outbox, marketer):
    import os

    env = dict(os.environ)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "date,time,channels,text\n2020-01-01,09:00,Outbox,viejo\n2030-01-01,09:00,Nada,canal\n"
    )
    result = carepost(
        "posts", "import", str(bad), "--author", marketer.username, env=env, cwd=tmp_path
    )
    assert result.returncode == 2 and "row 2" in result.stderr and "row 3" in result.stderr
    good = tmp_path / "good.csv"
    good.write_text(
        "date,time,channels,text\n2030-01-01,09:00,Outbox,uno\n2030-01-02,09:00,Outbox,dos\n"
    )
    result = carepost(
        "posts", "import", str(good), "--author", marketer.username, env=env, cwd=tmp_path
    )
    assert result.returncode == 0 and "imported 2 posts" in result.stdout


def test_invalid_setting_is_one_line_and_exit_code_2(tmp_path):
    import os

    env = {**os.environ, "CAREPOST_LOCALE": "fr"}
    result = carepost("db", "upgrade", env=env, cwd=tmp_path)
    assert (
        result.returncode == 2
        and result.stderr.count("\n") == 1
        and "CAREPOST_LOCALE" in result.stderr
    )


def test_serve_refuses_several_processes_that_would_each_dispatch_on_sqlite(tmp_path):
    import os

    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CAREPOST_DATABASE_URL")
    }
    env |= {"CAREPOST_DATA_DIR": str(tmp_path), "CAREPOST_RUN_SCHEDULER": "true"}
    refused = carepost("serve", "--workers", "2", env=env, cwd=tmp_path)
    assert refused.returncode == 2 and "carepost worker" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert not (tmp_path / "carepost.db").exists()  # refused before touching the database
