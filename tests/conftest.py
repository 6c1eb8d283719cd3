"""Fixtures: a fake Slack Web API, a database (SQLite and PostgreSQL), and the real bot over HTTP."""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import Engine, create_engine, text

from bot.config import load_settings
from bot.runtime import Runtime, build_runtime
from bot.storage.database import make_engine, migrate
from handlers.app import build_app, build_wsgi
from handlers.serve import http_server
from tests.fakeslack import FakeSlack
from tests.slackclient import SlackClientSim

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
OWNER = "U0OWNER001"
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
_postgres_problem: list[str] = []


def _postgres_unreachable() -> str | None:
    if not _postgres_problem:
        try:
            with create_engine(POSTGRES_URL).connect() as conn:
                conn.execute(text("SELECT 1"))
            _postgres_problem.append("")
        except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
            _postgres_problem.append(f"{type(exc).__name__}: {str(exc).splitlines()[0]}")
    return _postgres_problem[0] or None


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql":
        problem = _postgres_unreachable()
        if problem:
            message = f"PostgreSQL is not reachable at {POSTGRES_URL} ({problem})"
            if os.environ.get("CI"):
                pytest.fail(message + "; CI must run the PostgreSQL tests")
            pytest.skip(message)
    return str(request.param)


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Engine]:
    """One autocommit connection pool for creating and dropping the per-test schemas."""
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    yield admin
    admin.dispose()


@pytest.fixture
def database_url(
    backend: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[str]:
    """An empty database: a new SQLite file, or a new PostgreSQL schema dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db')}/mentor-bot.db"
        return
    admin: Engine = request.getfixturevalue("postgres_admin")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}?options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file the real migrations brought to head, once per session."""
    path = tmp_path_factory.mktemp("template") / "mentor-bot.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()  # the last connection to close folds the WAL back into the file
    return path


@pytest.fixture
def migrated_database_url(database_url: str, backend: str, request: pytest.FixtureRequest) -> str:
    """database_url with the schema at head. Tests of the migrations themselves take `database_url`.

    SQLite copies a file the migrations built once per session. PostgreSQL migrates its new schema:
    cloning one (CREATE DATABASE ... TEMPLATE) was measured slower here, with WAL and checkpoints.
    """
    if backend == "sqlite":
        shutil.copyfile(request.getfixturevalue("sqlite_template"), database_url.removeprefix("sqlite:///"))
    else:
        engine = make_engine(database_url)
        migrate(engine)
        engine.dispose()
    return database_url


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack()
    fake.url = fake.start()  # type: ignore[attr-defined]
    yield fake
    fake.stop()


def bot_env(fake: FakeSlack, database_url: str, **extra: str) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": "xoxb-1111-2222-testtoken",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.url,  # type: ignore[attr-defined]
        "DATABASE_URL": database_url,
        "MENTOR_PROGRAM_OWNERS": OWNER,
        **extra,
    }


# Wednesday noon UTC: the bot's clock in acceptance tests, moved only by the tests themselves.
START = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self, at: datetime = START):
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> datetime:
        self.at += timedelta(**delta)
        return self.at


@dataclass
class RunningBot:
    rt: Runtime
    url: str
    slack: SlackClientSim
    fake: FakeSlack
    clock: Clock
    # Every wait the Slack client would have slept (Retry-After, retry back-off), in seconds.
    slept: list[float] = field(default_factory=list)


@pytest.fixture
def bot(fake_slack: FakeSlack, migrated_database_url: str) -> Iterator[RunningBot]:
    with serving(fake_slack, bot_env(fake_slack, migrated_database_url)) as running:
        yield running


@contextmanager
def serving(fake_slack: FakeSlack, env: dict[str, str]) -> Iterator[RunningBot]:
    """The bot built from `env`, served over real HTTP by the production WSGI server, until the block ends."""
    from waitress import wasyncore

    clock = Clock()
    slept: list[float] = []
    # Time in tests is injected, not slept: waits are recorded for the tests to check, and cost nothing.
    rt = build_runtime(load_settings(env), now=clock, sleep=slept.append)
    server = http_server(build_wsgi(build_app(rt), rt))
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            wasyncore.loop(timeout=1, map=server._map, count=1)  # type: ignore[union-attr]

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.effective_port}/slack/events"  # type: ignore[union-attr]
    slack = SlackClientSim(url, SIGNING_SECRET, fake_slack, settle=lambda: rt.sender.settle(timeout=60))
    try:
        yield RunningBot(rt, url, slack, fake_slack, clock, slept)
    finally:
        stop.set()
        server.pull_trigger()  # wakes the loop at once, instead of at its timeout
        thread.join(timeout=5)
        server.close()
        server.task_dispatcher.shutdown()  # type: ignore[union-attr]
        rt.close()
