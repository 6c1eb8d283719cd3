"""Outbound messages as rows: enqueue inside the deciding transaction, then claim, send and mark.

Delivery guarantee: a row is claimed (status 'sending') in its own commit before the Slack call and
marked 'sent' right after. A process killed between those two commits leaves the row 'sending';
after STALE_CLAIM it is handed out again, so that single in-flight message may be sent twice.
Every other row is sent exactly once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from bot.db import rows_changed, unit_of_work
from bot.models import Delivery, Pairing, Workspace
from bot.slack_gateway import UNREACHABLE_ERRORS, SlackFailure, SlackGateway

# Called with (team_id, pairing_id, target, error, now) when a pair's message can never be delivered.
UnreachableHook = Callable[[str, int, str | None, str, datetime], None]

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
STALE_CLAIM = timedelta(minutes=5)


def enqueue(
    session: Session,
    *,
    team_id: str,
    key: str,
    kind: str,
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
        status="pending",
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


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(15 * 2 ** max(attempts - 1, 0), 3600))


@dataclass
class DispatchReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


class Dispatcher:
    def __init__(self, sessions: sessionmaker[Session], gateway: SlackGateway, max_attempts: int = MAX_ATTEMPTS):
        self.sessions = sessions
        self.gateway = gateway
        self.max_attempts = max_attempts
        self.on_unreachable: UnreachableHook | None = None

    @staticmethod
    def _sendable(now: datetime):  # type: ignore[no-untyped-def]
        """Rows that are due and whose workspace is not waiting out a rate limit."""
        paused = exists().where(Workspace.team_id == Delivery.team_id, Workspace.send_paused_until > now)
        return (Delivery.status == "pending", Delivery.next_attempt_at <= now, ~paused)

    def dispatch(self, ids: list[int | None], now: datetime) -> DispatchReport:
        """Send these rows now, if nobody else has claimed them."""
        report = DispatchReport()
        for delivery_id in ids:
            if delivery_id is not None and self._claim(delivery_id, now):
                self._send(delivery_id, now, report)
        return report

    def dispatch_due(self, now: datetime, limit: int = 100) -> DispatchReport:
        """Send what is due, oldest first: pending rows, and claims abandoned by a dead process."""
        with unit_of_work(self.sessions) as s:
            s.execute(
                update(Delivery)
                .where(Delivery.status == "sending", Delivery.claimed_at < now - STALE_CLAIM)
                .values(status="pending")
            )
        report = DispatchReport()
        while True:
            ids = self._claim_batch(now, limit)
            for delivery_id in ids:
                self._send(delivery_id, now, report)
            if len(ids) < limit:
                return report

    def _claim(self, delivery_id: int, now: datetime) -> bool:
        with unit_of_work(self.sessions) as s:
            claimed = s.execute(
                update(Delivery)
                .where(Delivery.id == delivery_id, *self._sendable(now))
                .values(status="sending", claimed_at=now, attempts=Delivery.attempts + 1)
            )
            return bool(rows_changed(claimed))

    def _claim_batch(self, now: datetime, limit: int) -> list[int]:
        with unit_of_work(self.sessions) as s:
            query = (
                select(Delivery.id)
                .where(*self._sendable(now))
                .order_by(Delivery.next_attempt_at, Delivery.id)
                .limit(limit)
            )
            if s.get_bind().dialect.name == "postgresql":
                # Replicas each take rows nobody else holds, without waiting on each other.
                query = query.with_for_update(skip_locked=True)
            ids = list(s.scalars(query))
            if ids:
                s.execute(
                    update(Delivery)
                    .where(Delivery.id.in_(ids), Delivery.status == "pending")
                    .values(status="sending", claimed_at=now, attempts=Delivery.attempts + 1)
                )
            return ids

    def _send(self, delivery_id: int, now: datetime, report: DispatchReport) -> None:
        with unit_of_work(self.sessions) as s:
            row = s.get(Delivery, delivery_id)
            assert row is not None
            team_id, payload, target = row.team_id, row.payload, row.target
            pairing_id, attempts = row.pairing_id, row.attempts
            pairing = s.get(Pairing, pairing_id) if pairing_id else None
            channel = target or (pairing.dm_channel_id if pairing else None)
            members = [pairing.mentor_user_id, pairing.mentee_user_id] if pairing else []
        try:
            if channel is None:
                channel = self.gateway.open_conversation(members)
                with unit_of_work(self.sessions) as s:
                    s.execute(update(Pairing).where(Pairing.id == pairing_id).values(dm_channel_id=channel))
            posted = self.gateway.post_message(channel, payload.get("text", ""), payload.get("blocks"))
        except SlackFailure as exc:
            self._record_failure(delivery_id, team_id, attempts, exc, now, report)
            if exc.permanent and exc.error in UNREACHABLE_ERRORS and pairing_id and self.on_unreachable:
                self.on_unreachable(team_id, pairing_id, target, exc.error, now)
            return
        with unit_of_work(self.sessions) as s:
            s.execute(
                update(Delivery)
                .where(Delivery.id == delivery_id)
                .values(status="sent", sent_at=now, sent_channel=posted.channel, sent_ts=posted.ts, last_error=None)
            )
        report.sent += 1

    def _record_failure(
        self, delivery_id: int, team_id: str, attempts: int, exc: SlackFailure, now: datetime, report: DispatchReport
    ) -> None:
        give_up = exc.permanent or attempts >= self.max_attempts
        if give_up:
            log.error("delivery %s failed for good after %s attempt(s): %s", delivery_id, attempts, exc.error)
            values: dict[str, Any] = {"status": "failed", "last_error": exc.error}
            report.failed += 1
        else:
            wait = timedelta(seconds=exc.retry_after) if exc.retry_after else backoff(attempts)
            log.warning("delivery %s will be retried in %s: %s", delivery_id, wait, exc.error)
            values = {"status": "pending", "last_error": exc.error, "next_attempt_at": now + wait}
            report.retrying += 1
        with unit_of_work(self.sessions) as s:
            s.execute(update(Delivery).where(Delivery.id == delivery_id).values(**values))
            if exc.retry_after and not give_up:
                # Slack rate-limits per workspace: hold every send to it, from every replica, until then.
                s.execute(update(Workspace).where(Workspace.team_id == team_id)
                          .values(send_paused_until=now + timedelta(seconds=exc.retry_after)))
