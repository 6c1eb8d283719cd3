"""Sending the outbox: claim due rows, send each through the Slack gateway, mark it sent.

Delivery guarantee: a row is claimed (status 'sending') in its own commit before the Slack call, and
its "sent" mark is written to the database before the next Slack call begins. A process killed after
Slack took a message and before its mark was written leaves that row 'sending'; after a while it
is handed out again (claims.STALE_CLAIM), so that single in-flight message may be sent twice. Every other row is sent
exactly once.

On PostgreSQL the mark's answer is not waited for (see outbox.PostgresMarks): the server commits a
mark it has received even if the process dies before reading the answer. If instead the database
connection fails (or the bot's machine, with a mark still on its way), that mark is lost and the
failure is noticed a Slack call later, at the next mark: then at most two messages, one after the
other, may be sent twice.

A claim is a lease that only its holder can complete, renewed while its sender lives (see claims):
a reclaimer only ever takes the rows of a dead (or stalled) sender.

When Slack refuses the workspace's token itself (see slack_gateway.TOKEN_ERRORS), nothing is failed
and no one is taken for gone: the rows go back to pending with their attempts unspent, the workspace
is paused, and `probe_tokens` resumes it once auth.test accepts the token again (see token_health).

The dispatcher may be used from several threads at once: everything a run holds (its connection, its
marks, its leases) lives in thread-local state, and the database arbitrates between runs.

Two consequences of a send are decided elsewhere and handed in when the dispatcher is built:
`recipient_check` says whether an owner-only message may still go to its recipient, and
`on_unreachable` decides what happens to a pair when one of them can no longer be reached.
"""

from __future__ import annotations

import json
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

from bot.delivery import claims, token_health
from bot.delivery.claims import Lease, Run
from bot.delivery.outbox import run_connection
from bot.delivery.slack_gateway import UNREACHABLE_ERRORS, USER_ERRORS, Gateways, SlackFailure
from bot.storage import shapes
from bot.storage.models import Delivery, Pairing, Workspace
from bot.storage.statuses import OWNER_ONLY_KINDS, DeliveryKind, DeliveryStatus

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
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
    # Rows handed back untouched because Slack refused their workspace's token.
    paused: int = 0


class Dispatcher:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        gateway: Gateways,
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
        # Shapes never change once stored: each is read once per process (bot/storage/shapes.py).
        self._shapes: dict[int, shapes.Shape] = {}
        self._shapes_lock = threading.Lock()

    @staticmethod
    def _sendable(now: datetime):  # type: ignore[no-untyped-def]
        """Rows that are due and whose workspace is neither waiting out a rate limit, refused, nor gone."""
        paused = exists().where(
            Workspace.team_id == Delivery.team_id,
            or_(
                Workspace.send_paused_until > now,
                Workspace.token_error.is_not(None),
                Workspace.uninstalled_at.is_not(None),
            ),
        )
        return (Delivery.status == DeliveryStatus.PENDING, Delivery.next_attempt_at <= now, ~paused)

    def probe_tokens(self, now: datetime) -> list[str]:
        """Asks Slack again about every refused token that is due a probe; returns the workspaces that
        may send again. Their waiting rows go out with the next dispatch."""
        return token_health.probe(self.engine, self.gateway, now)

    @contextmanager
    def _connection(self) -> Iterator[Connection]:
        """One connection for a whole dispatch run: per-message checkouts cost more than the write itself."""
        held = getattr(self._local, "conn", None)
        if held is not None:
            yield held
            return
        with run_connection(self.engine) as (conn, marks):
            self._local.conn, self._local.marks = conn, marks
            try:
                yield conn
            finally:
                self._local.conn = self._local.marks = None

    @contextmanager
    def _run(self, now: datetime) -> Iterator[Run]:
        """A dispatch run on this thread; a dispatch nested in one (after an unreachable) joins it."""
        run: Run | None = getattr(self._local, "run", None)
        if run is not None:
            yield run
            return
        run = self._local.run = Run(now)
        try:
            with self._connection():
                yield run
        finally:
            self._local.run = None

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        with self._connection() as conn, conn.begin():
            yield conn

    def dispatch(self, ids: list[int | None], now: datetime) -> DispatchReport:
        """Send these rows now, if nobody else has claimed them."""
        report = DispatchReport()
        with self._run(now) as run:
            for delivery_id in ids:
                if delivery_id is not None:
                    self._send_all(run, *self._claim(run, [delivery_id], now), now, report)
        return report

    def dispatch_due(self, now: datetime, limit: int = 100) -> DispatchReport:
        """Send what is due, oldest first: pending rows, and claims whose lease ran out (a dead sender's)."""
        report = DispatchReport()
        with self._run(now) as run:
            with self._tx() as conn:
                claims.release_lapsed(conn, now)
            after: tuple[datetime, int] | None = None
            while True:
                page = self._due_page(now, after)
                for start in range(0, len(page), limit):
                    chunk = [delivery_id for _, delivery_id in page[start : start + limit]]
                    self._send_all(run, *self._claim(run, chunk, now), now, report)
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

    def _claim(self, run: Run, ids: list[int], now: datetime) -> tuple[list[Claimed], Lease]:
        """Marks those of these rows that are still sendable 'sending' under a fresh claim token, in one
        commit, and returns what sending them needs, oldest first, with the lease that holds them."""
        query = (
            select(
                Delivery.id,
                Delivery.team_id,
                Delivery.payload,
                Delivery.shape_id,
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
        lease = Lease.fresh()
        with self._tx() as conn:
            if conn.dialect.name == "postgresql":
                # Replicas each take rows nobody else holds, without waiting on each other.
                query = query.with_for_update(skip_locked=True, of=Delivery)
                # Like the marks, a claim need not wait for the WAL flush: a database crash that lost it
                # would lose every later mark too, so its rows would be resent either way, and no others.
                conn.execute(text("SET LOCAL synchronous_commit TO OFF"))
            rows = conn.execute(query).all()
            if not rows:
                return [], lease
            # Locked above (PostgreSQL) or under the write lock (SQLite): still pending until this commits.
            lease.ids = {r.id for r in rows}
            conn.execute(
                update(Delivery)
                .where(self._among(list(lease.ids)))
                .values(
                    status=DeliveryStatus.SENDING,
                    claimed_at=run.moment(lease.renewed),
                    claim_token=lease.token,
                    attempts=Delivery.attempts + 1,
                )
            )
            missing = {r.shape_id for r in rows if r.shape_id is not None and r.shape_id not in self._shapes}
            if missing:
                found = shapes.texts(conn, missing)
                with self._shapes_lock:
                    self._shapes.update((shape_id, shapes.Shape(text)) for shape_id, text in found.items())
        claimed = [
            Claimed(
                r.id,
                r.team_id,
                r.payload if r.shape_id is None else json.loads(self._shapes[r.shape_id].fill(r.payload)),
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
        return claimed, lease

    def _send_all(self, run: Run, claimed: list[Claimed], lease: Lease, now: datetime, report: DispatchReport) -> None:
        if not claimed:
            return
        held: set[str] = set()
        in_flight: int | None = None
        run.leases.append(lease)
        try:
            for row in claimed:
                if row.team_id in held or not self._still_ours(run, lease, row.id):
                    continue
                in_flight = row.id
                sent_on = self._send(run, row, lease, now, report)
                lease.ids.discard(row.id)
                in_flight = None
                if not sent_on:
                    held.add(row.team_id)
                    # That workspace is rate-limited or refused: hand its other claimed rows back untouched.
                    self._unclaim(lease, [r.id for r in claimed if r.team_id == row.team_id and r.id in lease.ids])
        finally:
            run.leases.remove(lease)
            if lease.ids:
                self._hand_back_after_failure(lease, in_flight)

    def _still_ours(self, run: Run, lease: Lease, row_id: int) -> bool:
        """Whether this row may be sent: renews the run's leases first when half of one has passed, or
        when a mark found a claim taken, so that no reclaimer can hold a row while it is sent."""
        marks = self._local.marks
        if marks.claim_lost or run.renewal_due():
            with self._tx() as conn:
                claims.renew(conn, run)
            marks.claim_lost = False
        return row_id in lease.ids

    def _unclaim(self, lease: Lease, ids: list[int]) -> None:
        if ids:
            with self._tx() as conn:
                claims.hand_back(conn, lease, ids)

    def _hand_back_after_failure(self, lease: Lease, in_flight: int | None) -> None:
        """A run that fails midway hands back the rows it never tried. The row it was sending may have
        reached Slack: that one keeps its claim until the lease runs out, like a dead sender's."""
        untried = [row_id for row_id in lease.ids if row_id != in_flight]
        try:
            self._unclaim(lease, untried)
        except Exception:  # noqa: BLE001 - the run's own failure is the one to raise
            log.warning(
                "could not hand back %s claimed deliveries; they go out once their claim runs out", len(untried)
            )

    def _send(self, run: Run, row: Claimed, lease: Lease, now: datetime, report: DispatchReport) -> bool:
        """Sends one claimed row. Returns False when its workspace must now wait: a rate limit, or a
        token Slack refuses."""
        channel = row.channel
        try:
            if row.kind in OWNER_ONLY_KINDS and not self._still_for(row, now):
                raise SlackFailure(NOT_AN_OWNER, permanent=True)
            slack = self.gateway.to(row.team_id)
            if channel is None:
                channel = slack.open_conversation(row.members)
                with self._tx() as conn:
                    conn.execute(update(Pairing).where(Pairing.id == row.pairing_id).values(dm_channel_id=channel))
            posted = slack.post_message(channel, row.payload.get("text", ""), row.payload.get("blocks"))
        except SlackFailure as exc:
            return self._failed(run, row, lease, exc, now, report)
        # On the wire before the next Slack call begins: that is the whole duplicate window (see above).
        self._local.marks.write(
            {"row_id": row.id, "token": lease.token, "sent_at": now, "channel": posted.channel, "ts": posted.ts}
        )
        report.sent += 1
        return True

    def _failed(
        self, run: Run, row: Claimed, lease: Lease, exc: SlackFailure, now: datetime, report: DispatchReport
    ) -> bool:
        if exc.token_refused:
            self._token_refused(run, row, lease, exc, report)
            return False
        gone = self._names_someone_gone(row, exc)
        if gone:
            # Only a working token can tell who is gone: check it before anyone's pair is ended for it.
            try:
                self.gateway.to(row.team_id).auth_test()
            except SlackFailure as check:
                if check.token_refused:
                    self._token_refused(run, row, lease, check, report)
                    return False
                gone, exc = False, SlackFailure(exc.error, permanent=False)
        self._record_failure(run, row, lease, exc, report)
        if gone and row.pairing_id and self.on_unreachable:
            unreachable = Unreachable(row.team_id, row.pairing_id, row.target, exc.error)
            self.dispatch(self.on_unreachable(unreachable, now), now)
        return not exc.retry_after

    def _names_someone_gone(self, row: Claimed, exc: SlackFailure) -> bool:
        """Whether a failure to reach a pair says one of its members is gone: a user-level error naming
        them, or their own DM not found. For the pair's group DM, on_unreachable asks Slack which one."""
        if not exc.permanent or not row.pairing_id or self.on_unreachable is None:
            return False
        if row.target is not None and row.target.startswith(("U", "W")):
            return exc.error in USER_ERRORS or exc.error == "channel_not_found"
        return exc.error in UNREACHABLE_ERRORS

    def _token_refused(self, run: Run, row: Claimed, lease: Lease, exc: SlackFailure, report: DispatchReport) -> None:
        """Slack refused the workspace's token: the row goes back untouched and the workspace waits."""
        self._unclaim(lease, [row.id])
        report.paused += 1
        at = run.at()
        with self._tx() as conn:
            probe_at = token_health.refuse(conn, row.team_id, exc.error, at)
        if probe_at is not None:
            log.error(
                "Slack refused the bot token for workspace %s (%s): every message to it waits, none is "
                "given up, and the token is checked again from %s",
                row.team_id,
                exc.error,
                probe_at.isoformat(),
            )
        else:
            log.warning("workspace %s: the bot token is still refused (%s); its messages wait", row.team_id, exc.error)

    def _still_for(self, row: Claimed, now: datetime) -> bool:
        """Owner-only text goes out only if its recipient is still an owner right now."""
        if self.recipient_check is None or row.target is None:
            return True
        allowed = self.recipient_check(row.team_id, row.target, row.program_id, now)
        if not allowed:
            log.warning("delivery %s not sent: its recipient is no longer a program owner", row.id)
        return allowed

    def _record_failure(self, run: Run, row: Claimed, lease: Lease, exc: SlackFailure, report: DispatchReport) -> None:
        give_up = exc.permanent or row.attempts >= self.max_attempts
        at = run.at()
        if give_up:
            # Someone gone (deactivated, deleted) is news to handle, not a fault: their pair ends.
            level = logging.WARNING if exc.error in UNREACHABLE_ERRORS else logging.ERROR
            log.log(level, "delivery %s failed for good (attempts: %s): %s", row.id, row.attempts, exc.error)
            values: dict[str, Any] = {"status": DeliveryStatus.FAILED, "last_error": exc.error}
            report.failed += 1
        else:
            wait = timedelta(seconds=exc.retry_after) if exc.retry_after else backoff(row.attempts)
            log.warning("delivery %s will be retried in %s: %s", row.id, wait, exc.error)
            values = {"status": DeliveryStatus.PENDING, "last_error": exc.error, "next_attempt_at": at + wait}
            report.retrying += 1
        with self._tx() as conn:
            conn.execute(
                update(Delivery)
                .where(Delivery.id == row.id, Delivery.claim_token == lease.token)
                .values(claim_token=None, **values)
            )
            if exc.retry_after and not give_up:
                # Slack rate-limits per workspace: hold every send to it, from every replica, until then.
                conn.execute(
                    update(Workspace)
                    .where(Workspace.team_id == row.team_id)
                    .values(send_paused_until=at + timedelta(seconds=exc.retry_after))
                )
