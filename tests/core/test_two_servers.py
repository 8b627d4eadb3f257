"""Two app servers, one database (docs/deployment.md, "Growing past one
machine"): nothing that matters is kept in a server's memory.

Two gunicorn processes (tests.settings) on two ports share the test database
(on SQLite a file copy of it, made before they start; on PostgreSQL the test
database itself). One cookie jar talks to both, as a browser behind a load
balancer would. Shown:

- a session made on A is signed in on B;
- failed logins counted on A and B together lock the account out on both;
- the API's rate limit counts the requests made to A and B together.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

import pytest
from django.db import connections

from jiayuan.core.roles import Role
from tests.conftest import make_user

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "pw-for-tests-only"
FAILURE_LIMIT = 3
RATE_PER_MINUTE = 4
START_SECONDS = 90  # generous: two Django processes starting on a busy machine


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _database_url(tmp_path: Path) -> str:
    """The test database as a URL the servers can open (SQLite: a file copy)."""
    conn = connections["default"]
    s = conn.settings_dict
    if conn.vendor == "sqlite":
        path = tmp_path / "shared.sqlite3"
        conn.ensure_connection()
        target = sqlite3.connect(path)
        conn.connection.backup(target)
        target.close()
        return f"sqlite:///{path}"
    auth = urllib.parse.quote(s["USER"] or "") + (
        ":" + urllib.parse.quote(s["PASSWORD"]) if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Browser:
    """One cookie jar for every server (cookies are per host, not per port)."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), _NoRedirect())

    def open(self, url: str, data: dict[str, str] | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(url, body, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx
            return error.code, error.read().decode()

    def log_in(self, server: str, username: str, password: str) -> int:
        """POST the login form of `server`; its status (302: signed in)."""
        status, page = self.open(f"{server}/login/")
        assert status == 200, page[:500]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token
        return self.open(f"{server}/login/", {"csrfmiddlewaretoken": token.group(1),
                                              "username": username, "password": password})[0]


def _wait_until_up(server: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{server} exited: {process.stdout.read().decode()[-2000:]}"
                        if process.stdout else f"{server} exited")
        try:
            with urllib.request.urlopen(f"{server}/login/", timeout=5):  # noqa: S310 (http://127.0.0.1)
                return
        except (OSError, urllib.error.URLError):
            time.sleep(0.2)
    pytest.fail(f"{server} did not answer within {START_SECONDS} s")


@pytest.fixture
def servers(transactional_db: Any, community: Any, tmp_path: Path) -> Iterator[list[str]]:
    make_user("alice", Role.CASEWORKER, community)
    make_user("bob", Role.CASEWORKER, community)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings",
           "DATABASE_URL": _database_url(tmp_path), "JIAYUAN_LOCAL_KEYS": "1",
           "ALLOWED_HOSTS": "127.0.0.1", "SECURE_COOKIES": "0", "MFA_REQUIRED": "0",
           "LOGIN_FAILURE_LIMIT": str(FAILURE_LIMIT),
           "API_RATE_PER_MINUTE": str(RATE_PER_MINUTE), "DB_CONN_MAX_AGE": "0"}
    env.pop("DEBUG", None)
    ports = [_free_port(), _free_port()]
    processes = [subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "jiayuan.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--timeout", "120", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for port in ports]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for url, process in zip(urls, processes, strict=True):
            _wait_until_up(url, process)
        yield urls
    finally:
        for process in processes:
            process.send_signal(signal.SIGINT)  # gunicorn: quick shutdown
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stdout:
                process.stdout.close()


def _within_one_minute(requests: Any) -> list[int]:
    """The statuses of `requests()` made within one calendar minute (the API
    counts per minute): started early in a minute, and made again in the next
    one if they straddled its end."""
    for _ in range(3):
        if time.time() % 60 > 45:
            time.sleep(60 - time.time() % 60 + 0.5)
        minute = int(time.time() // 60)
        statuses: list[int] = requests()
        if int(time.time() // 60) == minute:
            return statuses
    pytest.fail("every try straddled a minute's end")


def test_two_servers_share_sessions_lockouts_and_rate_limits(servers: list[str]) -> None:
    a, b = servers

    # A session made on A is signed in on B.
    alice = Browser()
    assert alice.open(f"{b}/")[0] == 302  # to the login page
    assert alice.log_in(a, "alice", PASSWORD) == 302
    status, page = alice.open(f"{b}/")
    assert status == 200 and "alice" in page

    # The API's rate limit counts A's requests and B's together.
    def calls() -> list[int]:
        return [alice.open(f"{(a, b)[i % 2]}/api/v1/me/")[0] for i in range(RATE_PER_MINUTE + 1)]

    statuses = _within_one_minute(calls)
    assert statuses == [200] * RATE_PER_MINUTE + [429]

    # Failed logins on A and B add up to a lockout that holds on both.
    bob = Browser()
    tries = [bob.log_in((a, b)[i % 2], "bob", "wrong password") for i in range(FAILURE_LIMIT)]
    assert tries[:-1] == [200] * (FAILURE_LIMIT - 1) and tries[-1] == 429
    assert bob.log_in(b, "bob", PASSWORD) == 429
    assert bob.log_in(a, "bob", PASSWORD) == 429
    # Alice's session still works on both (the lockout is bob's on this address).
    assert alice.open(f"{a}/")[0] == 200 and alice.open(f"{b}/")[0] == 200
