from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _check(env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items()
            if k not in {"SECRET_KEY", "FIELD_ENCRYPTION_KEY", "FIELD_HASH_KEY", "JIAYUAN_LOCAL_KEYS",
                         "JIAYUAN_DEMO", "DEBUG", "DATABASE_URL"}}
    return subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env={**base, **env},
                          capture_output=True, text=True, timeout=60)


def test_it_refuses_to_start_without_secrets(tmp_path):
    result = _check({"DEBUG": "0", "JIAYUAN_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "SECRET_KEY, FIELD_ENCRYPTION_KEY and FIELD_HASH_KEY must be set" in result.stderr


def test_it_refuses_without_the_encryption_key_even_with_a_secret_key(tmp_path):
    result = _check({"DEBUG": "0", "SECRET_KEY": "x" * 50, "JIAYUAN_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0


def test_it_generates_local_keys_once_for_development(tmp_path):
    env = {"JIAYUAN_LOCAL_KEYS": "1", "JIAYUAN_VAR_DIR": str(tmp_path)}
    assert _check(env).returncode == 0
    keys = (tmp_path / "local-keys.env").read_text()
    assert "FIELD_ENCRYPTION_KEY=" in keys
    assert _check(env).returncode == 0
    assert (tmp_path / "local-keys.env").read_text() == keys


def test_an_existing_local_keys_file_is_used_unless_switched_off(tmp_path):
    assert _check({"JIAYUAN_LOCAL_KEYS": "1", "JIAYUAN_VAR_DIR": str(tmp_path)}).returncode == 0
    assert _check({"JIAYUAN_VAR_DIR": str(tmp_path)}).returncode == 0
    refused = _check({"JIAYUAN_LOCAL_KEYS": "0", "JIAYUAN_VAR_DIR": str(tmp_path)})
    assert refused.returncode != 0 and "FIELD_HASH_KEY" in refused.stderr


def test_it_rejects_a_malformed_boolean(tmp_path):
    result = _check({"DEBUG": "maybe", "JIAYUAN_LOCAL_KEYS": "1",
                     "JIAYUAN_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0 and "DEBUG must be a boolean" in result.stderr


def test_it_refuses_without_the_lookup_hash_key(tmp_path):
    result = _check({"DEBUG": "0", "SECRET_KEY": "x" * 50,
                     "FIELD_ENCRYPTION_KEY": "Y3JlYXRlZC1mb3ItdGVzdHMtb25seS0zMi1ieXRlcyE=",
                     "JIAYUAN_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0 and "FIELD_HASH_KEY" in result.stderr


def test_it_refuses_a_suppression_threshold_below_three(tmp_path):
    env = {"JIAYUAN_LOCAL_KEYS": "1", "JIAYUAN_VAR_DIR": str(tmp_path)}
    result = _check({**env, "SUPPRESSION_K": "2"})
    assert result.returncode != 0
    assert "SUPPRESSION_K must be 3 or more, not 2" in result.stderr
    assert _check({**env, "SUPPRESSION_K": "3"}).returncode == 0


def test_it_refuses_session_limits_that_make_no_sense(tmp_path):
    env = {"JIAYUAN_LOCAL_KEYS": "1", "JIAYUAN_VAR_DIR": str(tmp_path)}
    result = _check({**env, "SESSION_IDLE_SECONDS": "30"})
    assert result.returncode != 0 and "SESSION_IDLE_SECONDS must be 60 or more" in result.stderr
    result = _check({**env, "SESSION_IDLE_SECONDS": "3600", "SESSION_ABSOLUTE_SECONDS": "600"})
    assert result.returncode != 0 and "SESSION_ABSOLUTE_SECONDS at least as long" in result.stderr
    result = _check({**env, "SESSION_IDLE_SECONDS": "600", "SESSION_WARNING_SECONDS": "600"})
    assert result.returncode != 0 and "SESSION_WARNING_SECONDS must be" in result.stderr
    assert _check({**env, "SESSION_IDLE_SECONDS": "600", "SESSION_WARNING_SECONDS": "60",
                   "SESSION_ABSOLUTE_SECONDS": "3600"}).returncode == 0
