"""Answers come before the work they cause, and writers in one process queue instead of polling.

The background sender holds work back while requests are being answered (for a bounded time), and a
SQLite engine hands its write lock from one thread to the next through a lock of the process. These
are their rules, checked on the parts themselves: which work runs when, and that every way a write
transaction can end lets the next writer in.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bot.delivery.sender import BackgroundSender
from bot.storage.database import DatabaseTimeouts, make_engine, make_session_factory, reading

# Long enough that a worker which did not wait would have run; never a measure of speed.
SETTLING = 0.3


def test_work_handed_in_while_an_answer_is_in_progress_waits_for_its_end():
    sender = BackgroundSender(quiet=0.01, yield_for=60)
    ran = threading.Event()
    with sender.answering():
        sender.later(ran.set)
        assert not ran.wait(SETTLING), "the work ran while the answer was still being made"
    assert ran.wait(10), "the work never ran once the answer was done"
    sender.close()


def test_work_waits_only_so_long_however_busy_the_server_stays():
    sender = BackgroundSender(quiet=0.01, yield_for=0.2)
    ran = threading.Event()
    with sender.answering():
        sender.later(ran.set)
        assert ran.wait(10), "work was put off for as long as answers kept coming"
    sender.close()


def test_work_waits_for_every_answer_in_progress_not_only_the_first():
    sender = BackgroundSender(quiet=0.01, yield_for=60)
    ran = threading.Event()
    first, second = sender.answering(), sender.answering()
    first.__enter__()
    second.__enter__()
    sender.later(ran.set)
    first.__exit__(None, None, None)
    assert not ran.wait(SETTLING), "the work ran while a second answer was still being made"
    second.__exit__(None, None, None)
    assert ran.wait(10)
    sender.close()


def test_settle_runs_the_work_at_once_even_while_answers_are_in_progress():
    """Tests and shutdown call settle: they want what was handed in done, not put off."""
    sender = BackgroundSender(quiet=0.01, yield_for=60)
    ran = threading.Event()
    with sender.answering():
        sender.later(ran.set)
        assert sender.settle(timeout=10)
        assert ran.is_set()
    sender.close()


def test_a_failing_answer_still_ends_its_hold_on_the_work():
    sender = BackgroundSender(quiet=0.01, yield_for=60)
    ran = threading.Event()
    with pytest.raises(RuntimeError), sender.answering():
        sender.later(ran.set)
        raise RuntimeError("the listener failed")
    assert ran.wait(10)
    sender.close()


# --- SQLite writers in one process ---------------------------------------------------------------


@pytest.fixture
def engine(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path}/queue.db", DatabaseTimeouts(statement=5))
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    yield engine
    engine.dispose()


def _writer_waits(engine, started: threading.Event, done: threading.Event) -> threading.Thread:  # type: ignore[no-untyped-def]
    def write() -> None:
        started.set()
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (2)"))
        done.set()

    thread = threading.Thread(target=write)
    thread.start()
    assert started.wait(10)
    return thread


@pytest.mark.parametrize("ending", ["commit", "rollback", "close"])
def test_each_end_of_a_write_transaction_lets_the_next_writer_in(engine, ending):
    holder = engine.connect()
    transaction = holder.begin()
    holder.execute(text("INSERT INTO t VALUES (1)"))
    started, done = threading.Event(), threading.Event()
    thread = _writer_waits(engine, started, done)
    assert not done.wait(SETTLING), "two writers of one process were in a write transaction at once"
    if ending == "commit":
        transaction.commit()
    elif ending == "rollback":
        transaction.rollback()
    else:
        holder.invalidate()  # the driver's connection is closed mid-transaction (as on a lost connection)
    holder.close()
    assert done.wait(10), f"the next writer was still waiting after a {ending}"
    thread.join()
    with engine.connect() as conn:
        kept = sorted(x for (x,) in conn.execute(text("SELECT x FROM t")))
    assert kept == ([1, 2] if ending == "commit" else [2])


def test_a_reader_does_not_queue_behind_a_writer(engine):
    sessions = make_session_factory(engine)
    seen: list[int] = []

    def read() -> None:
        with reading(sessions) as s:
            seen.append(len(s.execute(text("SELECT x FROM t")).all()))  # the last committed state

    with engine.begin() as held:
        held.execute(text("INSERT INTO t VALUES (1)"))
        reader = threading.Thread(target=read)
        reader.start()
        reader.join(10)
        assert seen == [0], "a reading waited for the writer"


def test_a_writer_refused_by_another_process_leaves_the_queue_free(tmp_path: Path):
    path = tmp_path / "other.db"
    engine = make_engine(f"sqlite:///{path}", DatabaseTimeouts(statement=0.2))
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    other = sqlite3.connect(path, isolation_level=None)  # as another process would: not through the engine
    other.execute("BEGIN IMMEDIATE")
    with pytest.raises(OperationalError), engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))
    other.execute("ROLLBACK")
    other.close()
    # The refused writer gave its place back: the next one gets in at once, not after the queue's timeout.
    started, done = threading.Event(), threading.Event()
    thread = _writer_waits(engine, started, done)
    thread.join(10)
    assert done.is_set()
    raw = engine.raw_connection()
    try:
        assert not raw.dbapi_connection.queue.locked()  # type: ignore[union-attr]
    finally:
        raw.close()
    engine.dispose()
