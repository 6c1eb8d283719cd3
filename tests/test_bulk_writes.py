"""Bulk writes through the driver store exactly what SQLAlchemy's own inserts store."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import insert, select, text

from bot.storage import bulk
from bot.storage.database import make_engine, make_session_factory, unit_of_work
from bot.storage.models import Delivery, Workspace
from bot.storage.statuses import DeliveryKind

TEAM = "TBULK00001"
WHOLE_SECOND = datetime(2026, 12, 7, 10, tzinfo=UTC)


def row(key: str, **extra: object) -> dict[str, object]:
    return (
        dict(
            team_id=TEAM,
            key=key,
            kind=DeliveryKind.CHECKIN,
            target="U1",
            pairing_id=None,
            payload={"text": "hi", "blocks": [{"type": "section"}]},
            status="pending",
            attempts=0,
            next_attempt_at=WHOLE_SECOND,
            created_at=WHOLE_SECOND,
        )
        | extra
    )


def test_bulk_rows_match_orm_rows_in_storage_and_in_comparisons(migrated_database_url: str) -> None:
    engine = make_engine(migrated_database_url)
    with unit_of_work(make_session_factory(engine)) as s:
        s.add(Workspace(team_id=TEAM, created_at=WHOLE_SECOND))
        s.flush()
        s.execute(insert(Delivery), [row("orm")])
        ids = bulk.insert_rows(s.connection(), Delivery, [row("bulk"), row("orm")], ("key",), ("team_id", "key"))
        assert ids == [("bulk",)]  # the taken key is skipped
        bulk.update_rows(s.connection(), Delivery, "key", [dict(key="bulk", attempts=3, target="U2")])
    with unit_of_work(make_session_factory(engine)) as s:
        stored = s.execute(text("SELECT key, next_attempt_at, payload FROM deliveries ORDER BY key")).all()
        assert stored[0][1:] == stored[1][1:]  # the very same text, or value, in the database
        # A whole-second time compares equal to itself as bound by SQLAlchemy.
        found = s.scalars(select(Delivery.key).where(Delivery.next_attempt_at >= WHOLE_SECOND).order_by(Delivery.key))
        assert list(found) == ["bulk", "orm"]
        bulk_row = s.scalars(select(Delivery).where(Delivery.key == "bulk")).one()
        assert (bulk_row.attempts, bulk_row.target, bulk_row.kind) == (3, "U2", DeliveryKind.CHECKIN)
        assert bulk_row.payload == row("x")["payload"] and bulk_row.created_at == WHOLE_SECOND
    engine.dispose()


def test_pre_encoded_json_is_stored_as_the_document_would_be(migrated_database_url: str) -> None:
    engine = make_engine(migrated_database_url)
    payload = {"text": 'a "quoted" \\ line', "blocks": [{"type": "section", "n": 3}], "é": None}
    with unit_of_work(make_session_factory(engine)) as s:
        s.add(Workspace(team_id=TEAM, created_at=WHOLE_SECOND))
        s.flush()
        s.execute(insert(Delivery), [row("orm", payload=payload)])
        encoded = bulk.JSONText(json.dumps(payload))
        bulk.insert_rows(s.connection(), Delivery, [row("text", payload=encoded), row("dict", payload=payload)])
    with unit_of_work(make_session_factory(engine)) as s:
        stored: dict[str, str] = dict(s.execute(text("SELECT key, CAST(payload AS TEXT) FROM deliveries")).all())
        assert stored["text"] == stored["dict"] == stored["orm"]
        assert s.scalars(select(Delivery.payload).where(Delivery.key == "text")).one() == payload
    engine.dispose()


def test_among_picks_the_same_rows_as_an_in_list(migrated_database_url: str) -> None:
    engine = make_engine(migrated_database_url)
    with unit_of_work(make_session_factory(engine)) as s:
        s.add(Workspace(team_id=TEAM, created_at=WHOLE_SECOND))
        s.flush()
        ids = [
            row_id
            for (row_id,) in bulk.insert_rows(s.connection(), Delivery, [row(f"k{n}") for n in range(9)], ("id",))
        ]
        wanted = [ids[1], ids[4], ids[4], ids[8], 10**9]
        for values in (wanted, [], ids[:1]):
            among = s.scalars(select(Delivery.id).where(bulk.among(s.get_bind().dialect, Delivery.id, values)))
            listed = s.scalars(select(Delivery.id).where(Delivery.id.in_(values)))
            assert sorted(among) == sorted(listed)
    engine.dispose()
