"""The WSGI entry point gunicorn loads."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_application_loads_and_freezes_what_it_loaded():
    """What is loaded with the application is frozen out of the garbage collector's walks, and
    young objects are collected every 2,000 rather than 700."""
    env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    env.update(DJANGO_SETTINGS_MODULE="livingwell.settings", DEBUG="1")
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import gc, livingwell.wsgi as w; "
            "print(callable(w.application), gc.get_freeze_count() > 50_000, "
            "gc.get_threshold()[0])",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "2000"]
