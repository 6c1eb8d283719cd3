"""The outbox: every outbound message is a row, added in the same transaction as the decision behind it.

Its unique (team_id, key) makes each message idempotent: a Slack retry, a double click, a restart or a
second replica finds the key taken and adds nothing. `bot.delivery.dispatcher` sends the rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.storage.models import Delivery
from bot.storage.statuses import DeliveryKind, DeliveryStatus


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
    """Adds many deliveries in one statement; keys already taken are skipped, as with enqueue()."""
    if not messages:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    rows = [dict(m, status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now, created_at=now) for m in messages]
    # One multi-row VALUES statement per chunk: a round trip per chunk, not per message.
    for start in range(0, len(rows), 500):
        chunk = insert(Delivery).values(rows[start : start + 500])
        session.execute(chunk.on_conflict_do_nothing(index_elements=["team_id", "key"]))
