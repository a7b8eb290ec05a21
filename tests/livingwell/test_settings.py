"""Settings parse the environment strictly: a bad value stops start-up with a clear message."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_settings(**env):
    """Import livingwell.settings in a fresh interpreter with exactly ``env``."""
    clean = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    clean.update(env)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import livingwell.settings as s; "
            "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.DEBUG)",
        ],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_defaults_run_on_a_laptop():
    result = load_settings(DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True", "True"]


def test_secret_key_required_without_debug():
    result = load_settings()
    assert result.returncode != 0
    assert "SECRET_KEY is required when DEBUG is off" in result.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "perhaps"}, "DEBUG must be one of"),
        ({"DEBUG": "1", "CONN_MAX_AGE": "ten"}, "CONN_MAX_AGE is not valid"),
        ({"DEBUG": "1", "DATABASE_URL": "mysql://x/y"}, "DATABASE_URL must be a postgres://"),
    ],
)
def test_bad_value_stops_start_up_with_clear_message(env, message):
    result = load_settings(**env)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_variables_are_read():
    result = load_settings(
        SECRET_KEY="x" * 60,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/livingwell",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["livingwell.postgresql", "False", "False"]


def test_check_deploy_clean_with_production_settings():
    clean = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    clean.update(
        SECRET_KEY="k7#pQ2-vL9xR4mZ8wT1yB6nC3jH5fD0sG_aE!uK^oI&rY*eW@qX",
        ALLOWED_HOSTS="livingwell.example.org",
        DJANGO_SETTINGS_MODULE="livingwell.settings",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/livingwell",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
        EMAIL_URL="smtp+tls://mailer:secret@smtp.example.org:587",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_warns_about_laptop_defaults():
    clean = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    clean.update(
        SECRET_KEY="k7#pQ2-vL9xR4mZ8wT1yB6nC3jH5fD0sG_aE!uK^oI&rY*eW@qX",
        ALLOWED_HOSTS="livingwell.example.org",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    for check_id in ("livingwell.W001", "livingwell.W002", "livingwell.W003"):
        assert check_id in result.stderr
