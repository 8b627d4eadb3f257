"""MFA_REQUIRED: on by default, off by default in the demo (its printed logins
must work with their password), and an operator's choice either way."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRINT = "from django.conf import settings; print(settings.MFA_REQUIRED, settings.REAUTH_SECONDS)"


def _read(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items()
            if k not in {"JIAYUAN_DEMO", "MFA_REQUIRED", "REAUTH_SECONDS", "DEBUG",
                         "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    return subprocess.run([sys.executable, "manage.py", "shell", "-c", PRINT], cwd=ROOT,
                          env={**base, "JIAYUAN_LOCAL_KEYS": "1",
                               "JIAYUAN_VAR_DIR": str(tmp_path), **env},
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(("env", "printed"), [
    ({}, "True 300"),
    ({"JIAYUAN_DEMO": "1"}, "False 300"),
    ({"JIAYUAN_DEMO": "1", "MFA_REQUIRED": "1"}, "True 300"),
    ({"MFA_REQUIRED": "0", "REAUTH_SECONDS": "120"}, "False 120"),
])
def test_it_requires_the_second_factor_unless_the_demo_or_the_operator_says(
        tmp_path, env, printed):
    result = _read(env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == printed


def test_it_refuses_a_confirmation_window_under_thirty_seconds(tmp_path):
    result = _read({"REAUTH_SECONDS": "5"}, tmp_path)
    assert result.returncode != 0 and "REAUTH_SECONDS must be 30 or more" in result.stderr
