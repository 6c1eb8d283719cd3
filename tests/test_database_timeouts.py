"""A database that hangs or is gone costs bounded time: connect, statement and pool timeouts, /healthz, startup.

The "black hole" here is a TCP listener that accepts every connection and never says a word: the
worst a database host can do, since nothing is refused and nothing times out on its own.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.config import load_settings
from bot.runtime import build_runtime
from bot.storage.database import POOL_SIZE, DatabaseTimeouts, make_engine, ping
from handlers.app import build_app, build_wsgi
from handlers.serve import http_server
from tests.conftest import bot_env
from tests.flows import MENTEE
from tests.slackclient import SlackClientSim
from tests.test_cli import run_cli

FAST = DatabaseTimeouts(connect=1, statement=1, pool=1, startup=1)


class BlackHole:
    """Accepts TCP connections on loopback and never reads or writes."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.held.append(conn)

    def url(self) -> str:
        return f"postgresql+psycopg://mentor@127.0.0.1:{self.port}/mentorbot"

    def close(self) -> None:
        self.listener.close()
        for conn in self.held:
            conn.close()


@pytest.fixture
def black_hole() -> Iterator[BlackHole]:
    hole = BlackHole()
    yield hole
    hole.close()


def test_ping_says_false_within_two_seconds_when_the_database_never_answers(black_hole):
    engine = make_engine(black_hole.url(), FAST)
    try:
        for _ in range(3):  # a second and third check do not queue behind the first stuck one
            started = time.monotonic()
            assert ping(engine) is False
            assert time.monotonic() - started < 2.0
        assert black_hole.held, "the probe never reached the listener"
    finally:
        engine.dispose()


def test_healthz_answers_503_within_two_seconds_and_stuck_requests_free_their_threads(black_hole, fake_slack):
    """Ten commands against a silent database, more than the server's 8 threads, then /healthz."""
    from waitress import wasyncore

    env = bot_env(
        fake_slack,
        black_hole.url(),
        DATABASE_CONNECT_TIMEOUT="1",
        DATABASE_POOL_TIMEOUT="1",
        DATABASE_STATEMENT_TIMEOUT="1",
    )
    rt = build_runtime(load_settings(env))
    server = http_server(build_wsgi(build_app(rt), rt))
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            wasyncore.loop(timeout=1, map=server._map, count=1)  # type: ignore[union-attr]

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.effective_port}"  # type: ignore[union-attr]
    slack = SlackClientSim(f"{base}/slack/events", "8f742231b10e8888abcd99yyyzzz85a5", fake_slack)

    def health() -> tuple[int, float]:
        started = time.monotonic()
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=10) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        return status, time.monotonic() - started

    try:
        status, took = health()
        assert status == 503 and took < 2.0, (status, took)

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=10) as pool:
            answered = list(pool.map(lambda _: slack.command(MENTEE, "status").status, range(10)))
        # Each waits at most the connect or pool timeout (the driver's connect takes at least 2 s).
        assert len(answered) == 10 and time.monotonic() - started < 12

        status, took = health()
        assert status == 503 and took < 2.0, (status, took)
    finally:
        stop.set()
        server.pull_trigger()
        thread.join(timeout=5)
        server.close()
        server.task_dispatcher.shutdown()  # type: ignore[union-attr]
        rt.close()


def test_run_exits_2_with_one_line_when_the_database_never_answers(black_hole, fake_slack, tmp_path):
    env = {**bot_env(fake_slack, black_hole.url()), "DATABASE_STARTUP_TIMEOUT": "1"}
    started = time.monotonic()
    result = run_cli(["run"], env, tmp_path, timeout=30)
    took = time.monotonic() - started
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert "DATABASE_URL" in line and "within 1 s" in line and "DATABASE_STARTUP_TIMEOUT" in line
    assert f"127.0.0.1:{black_hole.port}" in line
    assert took < 10, f"took {took:.1f} s to give up"


def test_run_names_the_url_without_its_password(fake_slack, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    url = f"postgresql+psycopg://mentor:s3cret-pw@127.0.0.1:{closed_port}/mentorbot"
    result = run_cli(["migrate"], {**bot_env(fake_slack, url), "DATABASE_STARTUP_TIMEOUT": "1"}, tmp_path)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert "DATABASE_URL" in line and "s3cret-pw" not in line and "***" in line


def _postgres_only(backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("PostgreSQL's statement timeout and connection pool")


def test_a_statement_longer_than_the_limit_is_cancelled(database_url, backend):
    _postgres_only(backend)
    engine = make_engine(database_url, FAST)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SHOW search_path")).scalar_one().startswith("t_")  # URL options kept
            started = time.monotonic()
            with pytest.raises(OperationalError, match="statement timeout"):
                conn.execute(text("SELECT pg_sleep(5)"))
            assert time.monotonic() - started < 3
    finally:
        engine.dispose()


def test_a_request_waiting_for_a_pooled_connection_fails_fast(database_url, backend):
    _postgres_only(backend)
    engine = make_engine(database_url, FAST)
    try:
        with ExitStack() as held:
            for _ in range(POOL_SIZE):
                held.enter_context(engine.connect()).execute(text("SELECT 1"))
            started = time.monotonic()
            with pytest.raises(PoolTimeout):
                engine.connect()
            assert time.monotonic() - started < 2.5
    finally:
        engine.dispose()


def test_sql_parameters_never_reach_logs_or_errors(database_url, caplog):
    engine = make_engine(database_url)
    secret = "I am afraid of presenting to the board"
    try:
        with caplog.at_level(logging.INFO, logger="sqlalchemy.engine"), engine.connect() as conn:
            conn.execute(text("SELECT :goal"), {"goal": secret})
            with pytest.raises(Exception) as failed:
                conn.execute(text("SELECT goal FROM no_such_table WHERE goal = :goal"), {"goal": secret})
        assert secret not in str(failed.value)
        assert "SELECT :goal" in caplog.text or "SELECT %(goal)s" in caplog.text or "SELECT ?" in caplog.text
        assert secret not in caplog.text
    finally:
        engine.dispose()
