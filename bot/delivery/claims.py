"""Claims on outbox rows: a lease that only its holder can complete, renewed while its sender lives.

Each claim writes a fresh token on its rows, and a row is marked sent, handed back or failed only where
it still carries that token. A claim lasts STALE_CLAIM from its `claimed_at`; then its rows may be
handed out again, as a dead sender's are. A live sender renews its claims once half of that has
passed, before its next Slack call, and sends only the rows the renewal found still its own. A Slack
call is bounded by the client's timeouts, far below half a lease, so a live sender's claim never
lapses and no reclaimer ever sends a row that is still being sent.

Times: a run is handed its `now` and measures how long it has taken with time.monotonic(), so every
`claimed_at` it writes is `now` moved on by that. Replicas whose clocks agree therefore agree on
whose claim has lapsed, however long a run takes.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, update

from bot.storage.models import Delivery
from bot.storage.statuses import DeliveryStatus

log = logging.getLogger(__name__)

# How long a claim holds its rows without being renewed.
STALE_CLAIM = timedelta(minutes=5)


@dataclass
class Lease:
    """One claim held by a run: its token, its rows not yet settled, and when it was last taken or
    renewed (time.monotonic(), read just before the claimed_at written then)."""

    token: str
    ids: set[int]
    renewed: float

    @classmethod
    def fresh(cls) -> Lease:
        return cls(uuid.uuid4().hex, set(), time.monotonic())


@dataclass
class Run:
    """A thread's dispatch run: its `now`, when it began (monotonic), and the leases it holds."""

    now: datetime
    began: float = field(default_factory=time.monotonic)
    leases: list[Lease] = field(default_factory=list)

    def moment(self, monotonic: float) -> datetime:
        """`now` moved on by the time this run had taken at `monotonic`."""
        return self.now + timedelta(seconds=monotonic - self.began)

    def at(self) -> datetime:
        return self.moment(time.monotonic())

    def renewal_due(self) -> bool:
        """Whether half a lease has passed since any claim this run holds was taken or renewed."""
        oldest = min(lease.renewed for lease in self.leases)
        return time.monotonic() - oldest >= STALE_CLAIM.total_seconds() / 2


def release_lapsed(conn: Connection, now: datetime) -> None:
    """Hands out again the rows whose claim lapsed: their sender died (or stalled past its lease)."""
    conn.execute(
        update(Delivery)
        .where(Delivery.status == DeliveryStatus.SENDING, Delivery.claimed_at < now - STALE_CLAIM)
        .values(status=DeliveryStatus.PENDING, claim_token=None)
    )


def renew(conn: Connection, run: Run) -> None:
    """Renews every claim the run holds, and drops from each lease the rows no longer its own."""
    renewed = time.monotonic()
    by_token = {lease.token: lease for lease in run.leases}
    still = conn.execute(
        update(Delivery)
        .where(Delivery.claim_token.in_(list(by_token)), Delivery.status == DeliveryStatus.SENDING)
        .values(claimed_at=run.moment(renewed))
        .returning(Delivery.id, Delivery.claim_token)
    ).all()
    ours: dict[str, set[int]] = {token: set() for token in by_token}
    for row_id, token in still:
        ours[str(token)].add(row_id)
    for token, lease in by_token.items():
        lost = lease.ids - ours[token]
        if lost:
            log.warning(
                "%s claimed deliveries were taken over by another sender after this one fell behind; "
                "they are left to it",
                len(lost),
            )
        lease.ids &= ours[token]
        lease.renewed = renewed


def hand_back(conn: Connection, lease: Lease, ids: list[int]) -> None:
    """Puts these rows back to pending as they were before the claim, if the claim is still this one."""
    if ids:
        conn.execute(
            update(Delivery)
            .where(Delivery.id.in_(ids), Delivery.claim_token == lease.token)
            .values(status=DeliveryStatus.PENDING, attempts=Delivery.attempts - 1, claim_token=None)
        )
        lease.ids.difference_update(ids)
