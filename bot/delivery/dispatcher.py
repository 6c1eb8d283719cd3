"""Sending the outbox: claim due rows, send each through the Slack gateway, mark it sent.

Delivery guarantee: a row is claimed (status 'sending') in its own commit before the Slack call, and
its "sent" mark is written to the database before the next Slack call begins. A process killed after
Slack took a message and before its mark was written leaves that row 'sending'; after STALE_CLAIM it
is handed out again, so that single in-flight message may be sent twice. Every other row is sent
exactly once.

On PostgreSQL the mark's answer is not waited for (see outbox.PostgresMarks): the server commits a
mark it has received even if the process dies before reading the answer. If instead the database
connection fails (or the bot's machine, with a mark still on its way), that mark is lost and the
failure is noticed a Slack call later, at the next mark: then at most two messages, one after the
other, may be sent twice.

Two consequences of a send are decided elsewhere and handed in when the dispatcher is built:
`recipient_check` says whether an owner-only message may still go to its recipient, and
`on_unreachable` decides what happens to a pair when one of them can no longer be reached.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Integer,
    and_,
    any_,
    bindparam,
    exists,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery.outbox import PostgresMarks, SqliteMarks
from bot.delivery.slack_gateway import UNREACHABLE_ERRORS, SlackFailure, SlackGateway
from bot.storage.models import Delivery, Pairing, Workspace
from bot.storage.statuses import OWNER_ONLY_KINDS, DeliveryKind, DeliveryStatus

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
STALE_CLAIM = timedelta(minutes=5)
# How many due rows are ordered at once; they are then claimed 100 at a time.
DUE_PAGE = 10_000
NOT_AN_OWNER = "recipient_no_longer_an_owner"


@dataclass(frozen=True)
class Unreachable:
    """A message to a pair, or to one of its members, failed for good because someone is gone."""

    team_id: str
    pairing_id: int
    target: str | None  # None: the pair's group DM
    error: str


# Whether `user_id` may still receive an owner-only message about `program_id` (re-read, not cached).
RecipientCheck = Callable[[str, str, int | None, datetime], bool]
# What to do about an unreachable pair member; returns the deliveries it queued, which are sent next.
UnreachableHandler = Callable[[Unreachable, datetime], list[int | None]]


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(15 * 2 ** max(attempts - 1, 0), 3600))


@dataclass(frozen=True)
class Claimed:
    id: int
    team_id: str
    payload: dict[str, Any]
    target: str | None
    pairing_id: int | None
    attempts: int
    channel: str | None  # None: the pair's group DM, not opened yet
    members: list[str]
    kind: DeliveryKind
    program_id: int | None


@dataclass
class DispatchReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


class Dispatcher:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        gateway: SlackGateway,
        *,
        recipient_check: RecipientCheck | None = None,
        on_unreachable: UnreachableHandler | None = None,
        max_attempts: int = MAX_ATTEMPTS,
    ):
        self.sessions = sessions
        self.gateway = gateway
        self.recipient_check = recipient_check
        self.on_unreachable = on_unreachable
        self.max_attempts = max_attempts
        bind = sessions.kw["bind"]
        assert isinstance(bind, Engine)
        self.engine: Engine = bind
        self._local = threading.local()

    @staticmethod
    def _sendable(now: datetime):  # type: ignore[no-untyped-def]
        """Rows that are due and whose workspace is not waiting out a rate limit."""
        paused = exists().where(Workspace.team_id == Delivery.team_id, Workspace.send_paused_until > now)
        return (Delivery.status == DeliveryStatus.PENDING, Delivery.next_attempt_at <= now, ~paused)

    @contextmanager
    def _connection(self) -> Iterator[Connection]:
        """One connection for a whole dispatch run: per-message checkouts cost more than the write itself."""
        held = getattr(self._local, "conn", None)
        if held is not None:
            yield held
            return
        with self.engine.connect() as conn:
            self._local.conn = conn
            try:
                if conn.dialect.name == "postgresql":
                    with self.engine.connect() as auto:
                        # A single-statement write needs no BEGIN/COMMIT round trips of its own, and need
                        # not wait for the WAL flush: only a crash of the database server itself could
                        # lose the last moment of "sent" marks (see the README).
                        auto.execution_options(isolation_level="AUTOCOMMIT")
                        try:
                            auto.exec_driver_sql("SET synchronous_commit TO OFF")
                            marks = self._local.marks = PostgresMarks(auto)
                            yield conn
                            marks.settle()
                            auto.exec_driver_sql("RESET synchronous_commit")
                        except BaseException:
                            # A failed run may leave this connection mid-statement, and it still skips the
                            # WAL flush: it goes to no one else. A mark already on the wire still commits.
                            auto.invalidate()
                            raise
                else:
                    self._local.marks = SqliteMarks(conn)
                    yield conn
            finally:
                self._local.conn = None
                self._local.marks = None

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        with self._connection() as conn, conn.begin():
            yield conn

    def dispatch(self, ids: list[int | None], now: datetime) -> DispatchReport:
        """Send these rows now, if nobody else has claimed them."""
        report = DispatchReport()
        with self._connection():
            for delivery_id in ids:
                if delivery_id is not None:
                    claimed = self._claim([delivery_id], now)
                    self._send_all(claimed, now, report)
        return report

    def dispatch_due(self, now: datetime, limit: int = 100) -> DispatchReport:
        """Send what is due, oldest first: pending rows, and claims abandoned by a dead process."""
        report = DispatchReport()
        with self._connection():
            with self._tx() as conn:
                conn.execute(
                    update(Delivery)
                    .where(Delivery.status == DeliveryStatus.SENDING, Delivery.claimed_at < now - STALE_CLAIM)
                    .values(status=DeliveryStatus.PENDING)
                )
            after: tuple[datetime, int] | None = None
            while True:
                page = self._due_page(now, after)
                for start in range(0, len(page), limit):
                    chunk = [delivery_id for _, delivery_id in page[start : start + limit]]
                    self._send_all(self._claim(chunk, now), now, report)
                if len(page) < DUE_PAGE:
                    return report
                after = page[-1]

    def _due_page(self, now: datetime, after: tuple[datetime, int] | None) -> list[tuple[datetime, int]]:
        """The next due rows, oldest first, as (next_attempt_at, id), read without claiming them.

        Ordering the due rows costs a pass over all of them, so it is done once per page rather than
        for every claim of 100: a weekly tick would otherwise sort its 20,000 rows 200 times. Rows a
        replica claims meanwhile are skipped when their chunk is claimed.
        """
        query = select(Delivery.next_attempt_at, Delivery.id).where(*self._sendable(now))
        if after is not None:
            at, last_id = after
            query = query.where(
                or_(Delivery.next_attempt_at > at, and_(Delivery.next_attempt_at == at, Delivery.id > last_id))
            )
        with self._tx() as conn:
            rows = conn.execute(query.order_by(Delivery.next_attempt_at, Delivery.id).limit(DUE_PAGE))
            return [(at, delivery_id) for at, delivery_id in rows]

    def _among(self, ids: list[int]) -> ColumnElement[bool]:
        """`Delivery.id IN ids`. On PostgreSQL the ids go as one array parameter: the statement's text is
        then the same for every chunk, so psycopg prepares it once, rather than the server parsing a
        hundred parameters for every claim."""
        if self.engine.dialect.name == "postgresql":
            return Delivery.id == any_(bindparam("ids", ids, type_=postgresql.ARRAY(Integer)))
        return Delivery.id.in_(ids)

    def _claim(self, ids: list[int], now: datetime) -> list[Claimed]:
        """Marks those of these rows that are still sendable 'sending', in one commit, and returns what
        sending them needs, oldest first."""
        query = (
            select(
                Delivery.id,
                Delivery.team_id,
                Delivery.payload,
                Delivery.target,
                Delivery.pairing_id,
                Delivery.attempts,
                Delivery.kind,
                Pairing.dm_channel_id,
                Pairing.mentor_user_id,
                Pairing.mentee_user_id,
                Pairing.program_id,
            )
            .outerjoin(Pairing, Pairing.id == Delivery.pairing_id)
            .where(self._among(ids), *self._sendable(now))
            .order_by(Delivery.next_attempt_at, Delivery.id)
        )
        with self._tx() as conn:
            if conn.dialect.name == "postgresql":
                # Replicas each take rows nobody else holds, without waiting on each other.
                query = query.with_for_update(skip_locked=True, of=Delivery)
                # Like the marks, a claim need not wait for the WAL flush: a database crash that lost it
                # would lose every later mark too, so its rows would be resent either way, and no others.
                conn.execute(text("SET LOCAL synchronous_commit TO OFF"))
            rows = conn.execute(query).all()
            if not rows:
                return []
            # Locked above (PostgreSQL) or under the write lock (SQLite): still pending until this commits.
            conn.execute(
                update(Delivery)
                .where(self._among([r.id for r in rows]))
                .values(status=DeliveryStatus.SENDING, claimed_at=now, attempts=Delivery.attempts + 1)
            )
        return [
            Claimed(
                r.id,
                r.team_id,
                r.payload,
                r.target,
                r.pairing_id,
                r.attempts + 1,
                r.target or r.dm_channel_id,
                [u for u in (r.mentor_user_id, r.mentee_user_id) if u],
                DeliveryKind(r.kind),
                r.program_id,
            )
            for r in rows
        ]

    def _send_all(self, claimed: list[Claimed], now: datetime, report: DispatchReport) -> None:
        held: set[str] = set()
        for index, row in enumerate(claimed):
            if row.team_id in held:
                continue
            if not self._send(row, now, report):
                held.add(row.team_id)
                # That workspace is rate-limited: hand its other claimed rows back untouched.
                self._unclaim([r.id for r in claimed[index + 1 :] if r.team_id == row.team_id])

    def _unclaim(self, ids: list[int]) -> None:
        if ids:
            with self._tx() as conn:
                conn.execute(
                    update(Delivery)
                    .where(Delivery.id.in_(ids))
                    .values(status=DeliveryStatus.PENDING, attempts=Delivery.attempts - 1)
                )

    def _send(self, row: Claimed, now: datetime, report: DispatchReport) -> bool:
        """Sends one claimed row. Returns False when its workspace must now wait out a rate limit."""
        channel = row.channel
        try:
            if row.kind in OWNER_ONLY_KINDS and not self._still_for(row, now):
                raise SlackFailure(NOT_AN_OWNER, permanent=True)
            if channel is None:
                channel = self.gateway.open_conversation(row.members)
                with self._tx() as conn:
                    conn.execute(update(Pairing).where(Pairing.id == row.pairing_id).values(dm_channel_id=channel))
            posted = self.gateway.post_message(channel, row.payload.get("text", ""), row.payload.get("blocks"))
        except SlackFailure as exc:
            self._record_failure(row.id, row.team_id, row.attempts, exc, now, report)
            if exc.permanent and exc.error in UNREACHABLE_ERRORS and row.pairing_id and self.on_unreachable:
                gone = Unreachable(row.team_id, row.pairing_id, row.target, exc.error)
                self.dispatch(self.on_unreachable(gone, now), now)
            return not exc.retry_after
        # On the wire before the next Slack call begins: that is the whole duplicate window (see above).
        self._local.marks.write({"row_id": row.id, "sent_at": now, "channel": posted.channel, "ts": posted.ts})
        report.sent += 1
        return True

    def _still_for(self, row: Claimed, now: datetime) -> bool:
        """Owner-only text goes out only if its recipient is still an owner right now."""
        if self.recipient_check is None or row.target is None:
            return True
        allowed = self.recipient_check(row.team_id, row.target, row.program_id, now)
        if not allowed:
            log.warning("delivery %s not sent: its recipient is no longer a program owner", row.id)
        return allowed

    def _record_failure(
        self, delivery_id: int, team_id: str, attempts: int, exc: SlackFailure, now: datetime, report: DispatchReport
    ) -> None:
        give_up = exc.permanent or attempts >= self.max_attempts
        if give_up:
            log.error("delivery %s failed for good after %s attempt(s): %s", delivery_id, attempts, exc.error)
            values: dict[str, Any] = {"status": DeliveryStatus.FAILED, "last_error": exc.error}
            report.failed += 1
        else:
            wait = timedelta(seconds=exc.retry_after) if exc.retry_after else backoff(attempts)
            log.warning("delivery %s will be retried in %s: %s", delivery_id, wait, exc.error)
            values = {"status": DeliveryStatus.PENDING, "last_error": exc.error, "next_attempt_at": now + wait}
            report.retrying += 1
        with self._tx() as conn:
            conn.execute(update(Delivery).where(Delivery.id == delivery_id).values(**values))
            if exc.retry_after and not give_up:
                # Slack rate-limits per workspace: hold every send to it, from every replica, until then.
                conn.execute(
                    update(Workspace)
                    .where(Workspace.team_id == team_id)
                    .values(send_paused_until=now + timedelta(seconds=exc.retry_after))
                )
