"""The "sent" marks written straight through the driver, and the due rows read a page at a time."""

from __future__ import annotations

import collections
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from psycopg import DatabaseError
from sqlalchemy import Connection, func, select, text, update

from bot.delivery import dispatcher as dispatching
from bot.delivery import outbox
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.outbox import PostgresMarks
from bot.delivery.slack_gateway import Gateways, make_web_client
from bot.people.directory import ensure_workspace
from bot.storage.database import make_engine, make_session_factory, unit_of_work
from bot.storage.models import Delivery
from bot.storage.statuses import DeliveryKind

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
TEAM = "TAAAA0001"
CHANNEL = "C0ANNOUNCE"


def queue(database_url: str, at: list[datetime]) -> list[int]:
    """One message per instant, due then, in this order of ids."""
    engine = make_engine(database_url)
    with unit_of_work(make_session_factory(engine)) as s:
        ensure_workspace(s, TEAM, T0)
        ids = [
            outbox.enqueue(
                s,
                team_id=TEAM,
                key=f"m:{n}",
                kind=DeliveryKind.STATS,
                now=when,
                target=CHANNEL,
                payload={"text": str(n)},
            )
            for n, when in enumerate(at)
        ]
    engine.dispose()
    assert None not in ids
    return [i for i in ids if i is not None]


def claim(database_url: str, row_id: int) -> str:
    """Claims a row as a sender would, and returns its claim token."""
    token = f"{row_id:032d}"
    engine = make_engine(database_url)
    with unit_of_work(make_session_factory(engine)) as s:
        s.execute(
            update(Delivery).where(Delivery.id == row_id).values(status="sending", claimed_at=T0, claim_token=token)
        )
    engine.dispose()
    return token


def dispatcher(fake_slack, database_url: str) -> Dispatcher:  # type: ignore[no-untyped-def]
    engine = make_engine(database_url)
    return Dispatcher(make_session_factory(engine), Gateways.one(make_web_client("xoxb-marks", fake_slack.url)))


def test_a_mark_records_what_slack_answered_as_the_orm_would(fake_slack, migrated_database_url):
    [row_id] = queue(migrated_database_url, [T0])
    fake_slack.fail("chat.postMessage", status=503, retry_after=None, times=2, error="service_unavailable")
    sender = dispatcher(fake_slack, migrated_database_url)
    assert sender.dispatch_due(T0).retrying == 1
    sent_at = T0 + timedelta(minutes=1, microseconds=123456)
    assert sender.dispatch_due(sent_at).sent == 1
    [post] = fake_slack.posts_to(CHANNEL)
    with unit_of_work(sender.sessions) as s:
        row = s.get_one(Delivery, row_id)
        assert (row.status, row.sent_at, row.sent_channel, row.sent_ts, row.last_error) == (
            "sent",
            sent_at,
            post["_channel"],
            post["_ts"],
            None,
        )
        # Stored exactly as SQLAlchemy binds it, so comparisons in SQL find it too (SQLite compares text).
        assert s.scalar(select(func.count()).where(Delivery.sent_at == sent_at)) == 1
    sender.engine.dispose()


def test_due_rows_read_a_page_at_a_time_go_out_oldest_first_each_once(
    fake_slack, migrated_database_url, monkeypatch: pytest.MonkeyPatch
):
    # Due times out of id order, with ties, read seven at a time and claimed three at a time.
    at = [T0 + timedelta(seconds=(n * 7) % 5) for n in range(30)]
    ids = queue(migrated_database_url, at)
    monkeypatch.setattr(dispatching, "DUE_PAGE", 7)
    sender = dispatcher(fake_slack, migrated_database_url)
    assert sender.dispatch_due(T0 + timedelta(minutes=1), limit=3).sent == 30
    sender.engine.dispose()
    expected = [str(n) for _, _, n in sorted(zip(at, ids, range(30), strict=True))]
    assert [p["text"] for p in fake_slack.posts_to(CHANNEL)] == expected


# SQLite marks are committed before write() returns: these are about PostgreSQL's, which are not waited for.
ON_POSTGRESQL = pytest.mark.parametrize(
    "backend", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)


@ON_POSTGRESQL
def test_a_postgresql_mark_commits_without_its_writer_reading_the_answer(migrated_database_url):
    [row_id] = queue(migrated_database_url, [T0])
    token = claim(migrated_database_url, row_id)
    engine = make_engine(migrated_database_url)
    with engine.connect() as auto:
        auto.execution_options(isolation_level="AUTOCOMMIT")
        marks = PostgresMarks(auto)
        marks.write({"row_id": row_id, "token": token, "sent_at": T0, "channel": CHANNEL, "ts": "1700000000.000001"})
        # Another connection sees it committed while the answer is still unread.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with unit_of_work(make_session_factory(engine)) as s:
                if s.get_one(Delivery, row_id).status == "sent":
                    break
            time.sleep(0.05)
        else:
            raise AssertionError("the mark was not committed")
        marks.settle()
    engine.dispose()


@ON_POSTGRESQL
def test_a_postgresql_mark_the_database_refuses_is_raised_on_settling(migrated_database_url):
    [row_id] = queue(migrated_database_url, [T0])
    token = claim(migrated_database_url, row_id)
    engine = make_engine(migrated_database_url)
    with engine.connect() as auto:
        auto.execution_options(isolation_level="AUTOCOMMIT")
        marks = PostgresMarks(auto)
        mark = {"row_id": row_id, "token": token, "sent_at": T0}
        marks.write({**mark, "channel": "C" * 40, "ts": "1700000000.000001"})
        with pytest.raises(DatabaseError, match="too long"):
            marks.settle()
        # The connection is still good for the next mark.
        marks.write({**mark, "channel": CHANNEL, "ts": "1700000000.000002"})
        marks.settle()
    with unit_of_work(make_session_factory(engine)) as s:
        row = s.get_one(Delivery, row_id)
        assert (row.status, row.sent_ts) == ("sent", "1700000000.000002")
    engine.dispose()


@ON_POSTGRESQL
def test_losing_the_database_mid_run_stops_the_run_and_resends_at_most_two(
    fake_slack, migrated_database_url, monkeypatch: pytest.MonkeyPatch
):
    queue(migrated_database_url, [T0] * 30)
    backends: list[int] = []
    opened = PostgresMarks.__init__

    def remember_backend(self: PostgresMarks, conn: Connection) -> None:
        backends.append(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
        opened(self, conn)

    monkeypatch.setattr(PostgresMarks, "__init__", remember_backend)
    # Slack takes message 10 (the 11th) and holds its answer while the marks' connection is cut.
    fake_slack.hold_answers("chat.postMessage", after=10)
    sender = dispatcher(fake_slack, migrated_database_url)
    failures: list[BaseException] = []

    def run() -> None:
        try:
            sender.dispatch_due(T0 + timedelta(seconds=1))
        except BaseException as exc:  # noqa: BLE001 - the test reads it below
            failures.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    fake_slack.wait_until_held()
    with sender.engine.connect() as admin:
        admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backends[-1]})
    fake_slack.release()
    worker.join(timeout=60)
    # The run stops at the next mark, with an error, rather than sending on unrecorded.
    assert not worker.is_alive() and len(failures) == 1, failures
    assert sum(delivered(fake_slack).values()) in (11, 12)
    # Once the claims are stale, the next run sends what was left claimed.
    assert sender.dispatch_due(T0 + timedelta(minutes=6)).failed == 0
    assert statuses(sender) == {"sent": 30}
    sender.engine.dispose()
    counts = delivered(fake_slack)
    twice = sorted((text for text, n in counts.items() if n > 1), key=int)
    # At most two messages went twice, one after the other: the one whose mark was lost on its way
    # (the 10th, if the server had not read it yet; else the 11th, written into the dead connection)
    # and the one after it, the call during which the loss was noticed.
    assert len(counts) == 30 and set(counts.values()) <= {1, 2}
    assert twice in (["9", "10"], ["10", "11"]), twice


def delivered(fake) -> collections.Counter:  # type: ignore[no-untyped-def]
    return collections.Counter(p["text"] for p in fake.posts_to(CHANNEL))


def statuses(sender: Dispatcher) -> collections.Counter:
    with unit_of_work(sender.sessions) as s:
        return collections.Counter(s.scalars(select(Delivery.status)))
