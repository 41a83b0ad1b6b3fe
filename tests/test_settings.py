"""Settings: defaults, validation messages and the secret key."""

import pytest

from app.settings import Settings, SettingsError, load_settings


def test_default_database_is_a_sqlite_file_in_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    settings = Settings(data_dir=tmp_path)
    assert settings.sqlalchemy_url == f"sqlite:///{tmp_path / 'carepost.db'}"


def test_postgres_urls_use_the_psycopg_driver():
    settings = Settings(database_url="postgresql://u@h/db")
    assert settings.sqlalchemy_url == "postgresql+psycopg://u@h/db"


def test_unknown_time_zone_is_named_in_one_line(monkeypatch):
    monkeypatch.setenv("CAREPOST_TIMEZONE", "Mars/Olympus")
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert "CAREPOST_TIMEZONE" in str(error.value) and "\n" not in str(error.value)


def test_unsupported_database_is_refused(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "mysql://root@localhost/x")
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        load_settings()


def test_secret_is_generated_once_and_kept(tmp_path):
    settings = Settings(data_dir=tmp_path)
    first = settings.secret()
    assert len(first) >= 48
    assert Settings(data_dir=tmp_path).secret() == first
    assert oct((tmp_path / ".carepost-secret").stat().st_mode & 0o777) == "0o600"


def test_placeholder_secret_is_refused_in_production(tmp_path):
    settings = Settings(data_dir=tmp_path, secret_key="changeme", environment="production")
    with pytest.raises(SettingsError, match="CAREPOST_SECRET_KEY"):
        settings.secret()


def test_placeholder_secret_is_tolerated_in_development(tmp_path):
    assert Settings(data_dir=tmp_path, secret_key="changeme").secret() == "changeme"
