"""The outbox: every outbound message is a row, added in the same transaction as the decision behind it.

Its unique (team_id, key) makes each message idempotent: a Slack retry, a double click, a restart or a
second replica finds the key taken and adds nothing. `bot.delivery.dispatcher` sends the rows, and
records each one Slack took with a "sent" mark written here, straight through the database driver.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from select import select as wait_for_socket
from typing import Any

from psycopg import DatabaseError, pq
from sqlalchemy import Connection, Engine, Update, bindparam, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from bot.storage import bulk
from bot.storage.models import Delivery
from bot.storage.statuses import DeliveryKind, DeliveryStatus

log = logging.getLogger(__name__)

# Written after every single send, so it is built, and compiled for each driver, once. Only the holder of
# the row's current claim may mark it: a sender that lost its claim marks nothing.
MARK_SENT = (
    update(Delivery)
    .where(Delivery.id == bindparam("row_id"), Delivery.claim_token == bindparam("token"))
    .values(
        status=DeliveryStatus.SENT,
        sent_at=bindparam("sent_at"),
        sent_channel=bindparam("channel"),
        sent_ts=bindparam("ts"),
        last_error=None,
    )
)

# Columns a message may leave out.
_OPTIONAL: dict[str, Any] = dict(target=None, pairing_id=None, shape_id=None)


def enqueue(
    session: Session,
    *,
    team_id: str,
    key: str,
    kind: DeliveryKind,
    payload: dict[str, Any],
    now: datetime,
    target: str | None = None,
    pairing_id: int | None = None,
) -> int | None:
    """Add a message to send. Returns its id, or None when the key was already taken."""
    if target is None and pairing_id is None:
        raise ValueError("a delivery needs a target or a pairing")
    values = dict(
        team_id=team_id,
        key=key,
        kind=kind,
        target=target,
        pairing_id=pairing_id,
        payload=payload,
        status=DeliveryStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(Delivery)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["team_id", "key"])
        .returning(Delivery.id)
    )
    return session.execute(stmt).scalar_one_or_none()


def enqueue_many(session: Session, messages: list[dict[str, Any]], now: datetime) -> None:
    """Adds many deliveries in one statement; keys already taken are skipped, as with enqueue().

    A payload may come already encoded, as `bulk.JSONText`: many messages share one shape.
    """
    if not messages:
        return
    pending = dict(status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now, created_at=now)
    rows = [{**_OPTIONAL, **m, **pending} for m in messages]
    columns = set().union(*rows)
    if any(len(row) != len(columns) for row in rows):
        rows = [{column: row.get(column) for column in columns} for row in rows]
    bulk.insert_rows(session.connection(), Delivery, rows, skip_taken=("team_id", "key"))


class _Compiled:
    """A statement compiled once for a driver called directly, its parameters converted as SQLAlchemy would."""

    def __init__(self, statement: Update, dialect: Dialect):
        self._compiled = statement.compile(dialect=dialect)
        self.sql = str(self._compiled)
        binds = self._compiled.binds
        self._order = [(name, binds[name].type.bind_processor(dialect)) for name in self._compiled.positiontup or ()]

    def values(self, params: dict[str, Any]) -> list[Any]:
        given = self._compiled.construct_params(params)
        return [process(given[name]) if process else given[name] for name, process in self._order]


def _libpq_text(value: Any) -> bytes | None:
    """A parameter in libpq's text format: what PostgreSQL would read from a literal."""
    if value is None:
        return None
    return (value.isoformat() if isinstance(value, datetime) else str(value)).encode()


def _claim_lost(params: dict[str, Any]) -> bool:
    """A mark that matched no row: Slack took the message, but its claim had passed to another sender
    (this one stalled past its lease), which may send it again."""
    log.warning("delivery %s was sent, but another sender had taken over its claim; it may go twice", params["row_id"])
    return True


def _message(result: pq.abc.PGresult) -> str:
    return (result.error_message or b"").decode(errors="replace").strip()


class PostgresMarks:
    """PostgreSQL "sent" marks that the next Slack call does not wait for.

    Waiting for each mark's answer would add a database round trip to every send. Instead each mark goes
    out with libpq's PQsendQueryPrepared on an autocommit connection: the statement and its Sync are
    written to the socket together before write() returns, and the server runs and commits it when it
    arrives, whether or not this process is still alive to read the reply. The reply is read just
    before the next mark is written (a Slack call later, so it is usually there already) and at the end
    of a run. Outside pipeline mode libpq allows one statement in flight per connection, so at most one
    mark is ever unconfirmed, and every mark is on the wire before the next Slack call begins.

    psycopg's pipeline mode would not do: it sends no Sync per statement, so its marks would share one
    implicit transaction, and a process killed before the next sync would lose every one of them.

    The statement is prepared on the server, which then skips parsing and planning it for every mark,
    work that costs about as much CPU as the update itself. It is prepared again at the start of each
    run (the server answers that it exists, if it does): between runs the connection goes back to the
    pool, and psycopg may deallocate all of a connection's prepared statements after a rollback.
    """

    _STATEMENT = _Compiled(MARK_SENT, postgresql.psycopg.dialect(paramstyle="numeric_dollar"))
    _NAME = b"mentor_bot_mark_sent"

    def __init__(self, conn: Connection):
        self._pg = conn.connection.driver_connection.pgconn  # type: ignore[union-attr]
        self._in_flight: dict[str, Any] | None = None
        # Set when a mark found its row's claim held by another sender; the dispatcher clears it.
        self.claim_lost = False
        prepared = self._pg.prepare(self._NAME, self._STATEMENT.sql.encode())
        already = prepared.error_field(pq.DiagnosticField.SQLSTATE) == b"42P05"  # duplicate_prepared_statement
        if prepared.status != pq.ExecStatus.COMMAND_OK and not already:
            raise DatabaseError(f"preparing the sent mark failed: {_message(prepared)}")

    def write(self, params: dict[str, Any]) -> None:
        """Puts one mark on the wire and returns without waiting for the database's answer."""
        self.settle()
        self._pg.send_query_prepared(self._NAME, [_libpq_text(v) for v in self._STATEMENT.values(params)])
        self._in_flight = params
        # psycopg's connections are non-blocking: flush() answers 1 while bytes are still unsent.
        while self._pg.flush():
            readable, _, _ = wait_for_socket([self._pg.socket], [self._pg.socket], [])
            if readable:
                self._pg.consume_input()

    def settle(self) -> None:
        """Reads the answer to the mark in flight, if any; raises if the database refused it."""
        params, self._in_flight = self._in_flight, None
        if params is None:
            return
        failure = None
        while True:
            while self._pg.is_busy():
                wait_for_socket([self._pg.socket], [], [])
                self._pg.consume_input()
            result = self._pg.get_result()
            if result is None:
                break
            if result.status != pq.ExecStatus.COMMAND_OK:
                failure = _message(result)
            elif result.command_tuples == 0:
                self.claim_lost = _claim_lost(params)
        if failure is not None:
            raise DatabaseError(f"marking a delivery sent failed: {failure}")


class SqliteMarks:
    """SQLite "sent" marks: one statement each, straight to sqlite3, committed before write() returns.

    Through SQLAlchemy a mark would be a BEGIN IMMEDIATE, the UPDATE and a COMMIT, each paying the
    library's per-call overhead. The engine runs sqlite3 in autocommit mode (bot.storage.database), where
    a lone UPDATE is a transaction of its own that takes the write lock as it starts, as BEGIN IMMEDIATE
    does.
    """

    _STATEMENT = _Compiled(MARK_SENT, sqlite.pysqlite.dialect())

    def __init__(self, conn: Connection):
        self._sqlite = conn.connection.driver_connection
        if getattr(self._sqlite, "isolation_level", None) is not None:
            raise RuntimeError("SQLite marks need sqlite3 in autocommit mode, as make_engine() sets it")
        # Set when a mark found its row's claim held by another sender; the dispatcher clears it.
        self.claim_lost = False

    def write(self, params: dict[str, Any]) -> None:
        cursor = self._sqlite.execute(self._STATEMENT.sql, self._STATEMENT.values(params))  # type: ignore[union-attr]
        if cursor.rowcount == 0:
            self.claim_lost = _claim_lost(params)

    def settle(self) -> None:
        """Nothing is ever in flight: each mark is committed before write() returns."""


Marks = PostgresMarks | SqliteMarks


@contextmanager
def run_connection(engine: Engine) -> Iterator[tuple[Connection, Marks]]:
    """The connection a dispatch run claims with, and the marks writer that goes with it."""
    with engine.connect() as conn:
        if conn.dialect.name != "postgresql":
            yield conn, SqliteMarks(conn)
            return
        with engine.connect() as auto:
            # A single-statement write needs no BEGIN/COMMIT round trips of its own, and need not wait
            # for the WAL flush: only a crash of the database server itself could lose the last moment
            # of "sent" marks (see the README).
            auto.execution_options(isolation_level="AUTOCOMMIT")
            try:
                auto.exec_driver_sql("SET synchronous_commit TO OFF")
                marks = PostgresMarks(auto)
                yield conn, marks
                marks.settle()
                auto.exec_driver_sql("RESET synchronous_commit")
            except BaseException:
                # A failed run may leave this connection mid-statement, and it still skips the WAL
                # flush: it goes to no one else. A mark already on the wire still commits.
                auto.invalidate()
                raise
