"""`/mentor status` reads a person's own rows by index, whatever the size of their workspace.

It is the most frequent read. Each of its statements must find the person's pairs (on either side),
requests and places through an index that names the person, never by reading every row of the
workspace: checked on SQLite's query plans, which need no statistics to be stable.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.pairing import pairings
from bot.storage.database import make_engine, migrate

STATEMENTS = {
    "what they hold": pairings._WHAT_THEY_HOLD,
    "active pairs": pairings._ACTIVE_PAIRINGS_OF,
    "ended pairs": pairings._ENDED_PAIRINGS_OF,
    "open requests": pairings._OPEN_REQUESTS_OF,
    "places": pairings._PLACES_OF,
}
# How each table may be reached: by its primary key, or by an index on the person's own columns.
PERSONAL = re.compile(r"PRIMARY KEY|\b(mentor_user_id|mentee_user_id|user_id)=\?")


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    path: Path = tmp_path_factory.mktemp("plans") / "plans.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.mark.parametrize("name", STATEMENTS)
def test_each_status_statement_reads_the_persons_rows_by_index(engine, name):
    statement = STATEMENTS[name].params(team="T1", user="U1")
    sql = str(statement.compile(engine, compile_kwargs={"literal_binds": True, "render_postcompile": True}))
    with engine.connect() as conn:
        plan = [row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")]
    reads = [step for step in plan if step.startswith(("SEARCH", "SCAN")) and "CONSTANT ROW" not in step]
    assert reads, plan
    for step in reads:
        assert not step.startswith("SCAN"), f"{name}: {step}"
        if "people" in step or "programs" in step:
            continue  # the person's own row (team, user) and the program of a place, by their keys
        assert PERSONAL.search(step), f"{name} reads the workspace's rows: {step}"


@pytest.mark.parametrize("name", STATEMENTS)
def test_each_status_statement_binds_only_the_person(engine, name):
    # Statuses and numbers are in the SQL text: a bound one makes SQLite weigh the table's partial
    # indexes (`WHERE status = 'active'`) again, preparing the statement again, at every execution.
    # (A LIMIT is bound, and compared with nothing.)
    compiled = STATEMENTS[name].limit(None).offset(None).compile(engine)
    assert set(compiled.params) == {"team", "user"}, compiled.params


def test_only_plain_constants_are_written_into_sql():
    from enum import StrEnum

    from bot.storage.database import constant

    class Odd(StrEnum):
        QUOTE = "it's"

    with pytest.raises(ValueError):
        constant(Odd.QUOTE)
    assert str(constant(7)) == "7"


def test_a_reading_only_reads_and_leaves_its_connection_writable(migrated_database_url, backend):
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from bot.storage.database import make_session_factory, reading, unit_of_work

    engine = make_engine(migrated_database_url, pool_size=1, max_overflow=0)  # one connection, reused
    sessions = make_session_factory(engine)
    try:
        with reading(sessions) as s:
            assert s.execute(text("SELECT count(*) FROM people")).scalar() == 0
            if backend == "postgresql":  # PostgreSQL refuses a write in a read-only transaction
                with pytest.raises(DBAPIError, match="read-only transaction"):
                    s.execute(text("INSERT INTO workspaces (team_id, created_at) VALUES ('T1', CURRENT_TIMESTAMP)"))
        with unit_of_work(sessions) as s:  # the same connection, back from the pool, writes again
            s.execute(text("INSERT INTO workspaces (team_id, created_at) VALUES ('T1', CURRENT_TIMESTAMP)"))
        with reading(sessions) as s:
            assert s.execute(text("SELECT count(*) FROM workspaces")).scalar() == 1
    finally:
        engine.dispose()
