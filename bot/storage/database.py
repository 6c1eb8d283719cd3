"""Engine, sessions and migrations for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

import functools
import logging
import math
import random
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import ColumnElement, CursorResult, Engine, Result, create_engine, event, literal_column, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Any constant works; it only has to be the same for every replica of this app.
MIGRATION_LOCK_ID = 0x6D656E746F72


@dataclass(frozen=True)
class DatabaseTimeouts:
    """How long the bot waits on its database, in seconds. Settings documents each (DATABASE_*_TIMEOUT)."""

    connect: float = 5.0  # to open a connection; PostgreSQL's driver waits at least 2 s
    statement: float = 30.0  # one statement, lock waits included (SQLite: waiting for the write lock)
    pool: float = 2.0  # for a free pooled connection, before the request fails instead of queueing on
    startup: float = 10.0  # for `mentor-bot` to reach the database when it starts


# At most this many PostgreSQL connections per process: fewer than the HTTP server's 8 threads, so a
# database that hangs holds some threads at most, and the rest fail fast on the pool timeout.
POOL_SIZE = 6

# SQLite connections kept open: every HTTP server thread and background worker at once, with room to
# spare. Past the pool, a connection is opened (and its pragmas set) for one use and closed again.
SQLITE_POOL_SIZE = 16
# Each SQLite connection's page cache, at most (see make_engine).
SQLITE_CACHE_KIB = 32 * 1024
# WAL pages (4 KiB each) after which a commit copies them back into the database file, with two
# fsyncs. SQLite's default, 1,000 pages, checkpoints after each of the weekly plan's batches, writing
# the pages every batch touches (the pairs' rows, their indexes) again each time; at 32 MiB it
# checkpoints a few times a plan, each page once per checkpoint.
SQLITE_CHECKPOINT_PAGES = 8000

# /healthz answers within this, whatever the database does (Slack and load balancers wait ~2 s).
PING_TIMEOUT = 1.5


class _QueuedWriter(sqlite3.Connection):
    """A SQLite connection whose write transactions queue in this process on one lock per engine.

    SQLite lets one writer in at a time and makes the others poll, sleeping a little longer after each
    try (1, 2, 5, 10 ... 100 ms): with a few threads writing at once, a transaction of a millisecond
    could wait tens of milliseconds for a lock free most of that time. Taking a lock of the process
    first hands the write lock straight from one thread to the next; another process (a second `run`,
    the CLI) is still kept out by SQLite itself, with its busy timeout.
    """

    queue: threading.Lock
    queue_timeout: float
    _holding = False

    def begin_write(self) -> None:
        # Past the statement timeout, go on without it: SQLite's own busy timeout decides.
        self._holding = self.queue.acquire(timeout=self.queue_timeout)

    def end_write(self) -> None:
        if self._holding:
            self._holding = False
            self.queue.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.end_write()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.end_write()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.end_write()


def make_engine(url: str, timeouts: DatabaseTimeouts | None = None, **kwargs: Any) -> Engine:
    """The engine for `url`. SQL parameters never reach logs or error messages (`hide_parameters`)."""
    timeouts = timeouts or DatabaseTimeouts()
    options: dict[str, Any] = {"hide_parameters": True, "pool_timeout": timeouts.pool}
    if url.startswith("sqlite"):
        busy_ms = int(timeouts.statement * 1000)
        options["connect_args"] = {
            "timeout": timeouts.statement,
            "check_same_thread": False,
            "factory": _QueuedWriter,
        }
        options["pool_size"] = SQLITE_POOL_SIZE
        engine = create_engine(url, **{**options, **kwargs})
        writers = threading.Lock()

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
            cursor.execute("PRAGMA synchronous=NORMAL")
            # A page cache that holds a bulk transaction's pages (the weekly plan writes a few MB per
            # batch): with SQLite's 2 MB default it spills them to the WAL mid-transaction, and writes
            # many again at commit. The cache grows only as pages are used, per connection.
            cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
            cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_CHECKPOINT_PAGES}")
            cursor.close()
            if isinstance(dbapi_connection, _QueuedWriter):
                dbapi_connection.queue = writers
                dbapi_connection.queue_timeout = timeouts.statement

        # pysqlite opens transactions lazily and lets two writers read-then-write into a deadlock;
        # BEGIN IMMEDIATE takes the write lock up front, so concurrent clicks queue instead.
        @event.listens_for(engine, "connect")
        def _no_autobegin(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin_immediate(conn: Any) -> None:
            # A reading (see `reading`) needs no write lock: WAL lets it run beside the one writer.
            if conn.get_execution_options().get(READ_ONLY):
                conn.exec_driver_sql("BEGIN")
                return
            dbapi_connection = conn.connection.dbapi_connection
            if isinstance(dbapi_connection, _QueuedWriter):
                dbapi_connection.begin_write()
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                if isinstance(dbapi_connection, _QueuedWriter):
                    dbapi_connection.end_write()
                raise

        return engine
    options.update(
        pool_pre_ping=True,
        pool_size=POOL_SIZE,
        max_overflow=0,
        connect_args=_postgres_connect_args(url, timeouts),
    )
    return create_engine(url, **{**options, **kwargs})


def _postgres_connect_args(url: str, timeouts: DatabaseTimeouts) -> dict[str, Any]:
    """The connect timeout, and the statement timeout as a session default (so RESET restores it).

    `options` given in the URL (a search_path, say) are kept: the driver would otherwise drop them.
    """
    given = make_url(url).query.get("options") or ""
    if not isinstance(given, str):
        given = " ".join(given)
    statement_ms = int(timeouts.statement * 1000)
    return {
        "connect_timeout": max(1, math.ceil(timeouts.connect)),
        "options": f"{given} -c statement_timeout={statement_ms}".strip(),
        # A server host that vanishes (not one that answers slowly) is noticed within about a minute.
        "keepalives": 1,
        "keepalives_idle": 30,
        "keepalives_interval": 10,
        "keepalives_count": 3,
    }


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One short transaction: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


READ_ONLY = "mentor_read_only"


def _read_only(factory: sessionmaker[Session]) -> Engine:
    """The factory's engine, read-only, made once per factory: making it costs more than a short read."""
    variant: Engine | None = getattr(factory, "_read_only_bind", None)
    if variant is None:
        engine: Engine = factory.kw["bind"]
        # PostgreSQL opens its transactions READ ONLY (the driver begins them so, without a statement more).
        postgres = {"postgresql_readonly": True} if engine.dialect.name == "postgresql" else {}
        variant = engine.execution_options(**{READ_ONLY: True}, **postgres)
        factory._read_only_bind = variant  # type: ignore[attr-defined]
    return variant


@contextmanager
def reading(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A transaction that only reads. On SQLite it takes no write lock, so reads never queue behind
    writers; on PostgreSQL it is marked READ ONLY, and a write in it is an error."""
    session = factory(bind=_read_only(factory))
    try:
        yield session
    finally:
        # Closing ends the transaction without expiring what was read: the objects stay usable.
        session.close()


def constant(value: StrEnum | int) -> ColumnElement[Any]:
    """A status or number written into a statement's SQL, not bound at each execution.

    For a hot statement on a table with partial indexes: SQLite checks whether a bound parameter lets a
    partial index serve (`WHERE status = 'active'`) every time it is bound, preparing the statement
    again, which costs more than the search itself; a constant in the text is weighed once. Only for
    the program's own constants (enum members, numbers), never for anything a person typed.
    """
    if isinstance(value, StrEnum):
        if not value.value.replace("_", "").isalnum():
            raise ValueError(f"not a plain identifier: {value.value!r}")
        return literal_column(f"'{value.value}'")
    return literal_column(str(int(value)))


def rows_changed(result: Result[Any]) -> int:
    """How many rows an UPDATE touched: the compare-and-set primitive every race here relies on."""
    assert isinstance(result, CursorResult)
    return result.rowcount


P = ParamSpec("P")
T = TypeVar("T")

# PostgreSQL's deadlock_detected and serialization_failure: the transaction was undone and may simply run again.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})
CONFLICT_ATTEMPTS = 4


def is_retryable_conflict(exc: BaseException) -> bool:
    return isinstance(exc, DBAPIError) and getattr(exc.orig, "sqlstate", None) in RETRYABLE_SQLSTATES


def retry_on_conflict(work: Callable[P, T]) -> Callable[P, T]:
    """Runs a service call again when PostgreSQL undid its transaction to break a deadlock.

    Rows are locked in one order everywhere (requests, then proposals, then pairings, then mentor
    profiles), so this is a safety net for the cycles a matching pass can still form between mentors'
    places. The wrapped call must do nothing outside its transaction that cannot be repeated: every
    service commits first and hands its deliveries to the sender only afterwards.
    """

    @functools.wraps(work)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        for attempt in range(1, CONFLICT_ATTEMPTS + 1):
            try:
                return work(*args, **kwargs)
            except DBAPIError as exc:
                if attempt == CONFLICT_ATTEMPTS or not is_retryable_conflict(exc):
                    raise
                log.warning("%s ran into a lock conflict (attempt %d); running it again", work.__qualname__, attempt)
                time.sleep(random.uniform(0, 0.02 * attempt))  # noqa: S311 - jitter, not security
        raise AssertionError("unreachable")

    return run


# The probe still running for each engine: while one is stuck, later pings wait on it, not on a new one.
_probes: weakref.WeakKeyDictionary[Engine, Future[str | None]] = weakref.WeakKeyDictionary()
_probes_lock = threading.Lock()


def _probe(engine: Engine, answer: Future[str | None]) -> None:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - a probe reports any failure
        answer.set_result(_reason(exc))
    else:
        answer.set_result(None)


def _reason(exc: BaseException) -> str:
    """One line on why the database could not be used, without SQL or parameters."""
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    return lines[0] if lines else type(cause).__name__


def check_database(engine: Engine, within: float = PING_TIMEOUT) -> str | None:
    """None when the database answers `SELECT 1` within `within` seconds, else why not, in one line.

    Never takes longer than `within`, even when the database accepts connections and then says
    nothing: the probe runs in a thread of its own, which the driver's connect and statement timeouts end.
    """
    with _probes_lock:
        probe = _probes.get(engine)
        if probe is None or probe.done():
            probe = Future()
            _probes[engine] = probe
            threading.Thread(target=_probe, args=(engine, probe), name="database-probe", daemon=True).start()
    try:
        return probe.result(timeout=within)
    except FutureTimeout:
        return f"no answer within {within:g} s"


def ping(engine: Engine, within: float = PING_TIMEOUT) -> bool:
    """Whether the database answers, within `within` seconds: what /healthz reports."""
    problem = check_database(engine, within)
    if problem is not None:
        log.warning("database ping failed: %s", problem)
    return problem is None


def wait_for_database(engine: Engine, within: float, sleep: Callable[[float], None] = time.sleep) -> str | None:
    """Tries to reach the database until `within` seconds have passed: None once it answers, else the last reason.

    A database that is still starting refuses connections for a moment, so refusals are retried.
    """
    deadline = time.monotonic() + within
    while True:
        left = deadline - time.monotonic()
        problem = check_database(engine, max(left, 0.05))
        if problem is None:
            return None
        left = deadline - time.monotonic()
        if left <= 0:
            return problem
        sleep(min(0.5, left))


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision. Safe when several replicas start at once."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            # Waiting for another replica's migration, or building an index, may outlast a request's limit.
            conn.execute(text("SET statement_timeout = 0"))
            conn.execute(text("SELECT pg_advisory_lock(:id)"), {"id": MIGRATION_LOCK_ID})
            conn.commit()
        try:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
            conn.commit()
        finally:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": MIGRATION_LOCK_ID})
                conn.execute(text("RESET statement_timeout"))
                conn.commit()
