"""The /mentor stats rollups (the `Stats*` models): database triggers keep them in step with every write.

Triggers rather than the services, because every write has to be caught, in its own transaction: the
answers, the planner's bulk inserts straight through the driver, pairings ending, erasure, imports and
hand edits alike. What each trigger adds up is in bot/storage/rollup_rules.py; `rebuild` feeds the same
rules whole tables.

SQLite runs each rule once per row, at once: it has a single writer, so nothing can interleave.
PostgreSQL runs the check-in, feedback and survey rules once per statement, over its transition tables
(the planner writes a thousand check-ins in one), and first locks the pairs' rows in id order, so that
two transactions refresh a pair one after the other, each from what the other committed. The pairing,
request and mentor-offer rules run at commit there (deferred, once per row): ending a pairing then
holds no rollup row before it closes the pair's open check-in, so an answer to that check-in racing
the end cannot deadlock with it, and the matching services take rollup rows only as they commit. A
cycle left between two of those is PostgreSQL's to break and the service's to run again
(`retry_on_conflict`), as for the rows they lock by design.

A bulk writer of check-ins (the weekly plan) opens a `batch` in its transaction: the check-in rules
then stand aside, a logging trigger collects the changed check-ins, signed, in `stats_checkin_changes`,
and the rules run once over all of them before the transaction commits. Grouped, they sum exactly what
they would have summed a row or a statement at a time.

Migrations run without these triggers: on SQLite, copying a table to change it would trip over them.
`keep_up_to_date` puts them back after every upgrade, and rebuilds the rollups whenever a migration ran
or the rules changed (bot/storage/migrations/env.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from bot.storage.rollup_rules import CHECKIN_COLUMNS, Changes, Watch, watches

ROLLUP_TABLES = ("stats_people", "stats_pairs", "stats_due_times", "stats_match_waits")

_EVENTS = ("insert", "update", "delete")
# A batch: the check-ins its transaction changed, signed, and (PostgreSQL) the setting that opens it.
_BATCHED_TABLE = "check_ins"
_LOG = "stats_checkin_changes"
_LOG_NAME = "stats_checkin_log"
_LOG_COLUMNS = ("sign", "team_id", "checkin_id", *CHECKIN_COLUMNS[1:])
_BATCH_SETTING = "mentor.rollup_batch"
_IN_BATCH = f"current_setting('{_BATCH_SETTING}', true) = 'on'"


def _batched(watch: Watch) -> bool:
    return watch.table == _BATCHED_TABLE


def _logged_columns(dialect: str) -> tuple[str, ...]:
    """The check-in columns whose change some rule watches: a batch logs an update of any of them."""
    found: dict[str, None] = {}
    for watch in watches(dialect):
        if _batched(watch):
            found.update(dict.fromkeys(watch.watched))
    return tuple(found)


def _row_changes(watch: Watch, event: str, lock: bool = False) -> Changes:
    """A row trigger's signed rows, from OLD and NEW: taken back first, then added."""
    new = "SELECT 1 AS sign, " + ", ".join(f"NEW.{c} AS {c}" for c in watch.columns)
    old = "SELECT -1 AS sign, " + ", ".join(f"OLD.{c} AS {c}" for c in watch.columns)
    parts = {"insert": (new,), "update": (old, new), "delete": (old,)}[event]
    return Changes(parts, grouped=False, takes_back=event != "insert", lock=lock)


def _statement_changes(watch: Watch, event: str) -> Changes:
    """A PostgreSQL statement trigger's signed rows, from its transition tables."""
    if event == "insert":
        return Changes((f"SELECT 1 AS sign, {', '.join(watch.columns)} FROM new_rows",), True, False, lock=True)
    if event == "delete":
        return Changes((f"SELECT -1 AS sign, {', '.join(watch.columns)} FROM old_rows",), True, True, lock=True)
    key = watch.columns[0]
    differs = " OR ".join(f"n.{c} IS DISTINCT FROM o.{c}" for c in watch.watched)
    both = f"FROM new_rows AS n JOIN old_rows AS o ON o.{key} = n.{key} WHERE {differs}"
    old = f"SELECT -1 AS sign, {', '.join(f'o.{c} AS {c}' for c in watch.columns)} {both}"
    new = f"SELECT 1, {', '.join(f'n.{c}' for c in watch.columns)} {both}"
    return Changes((f"{old} UNION ALL {new}",), True, True, lock=True)


def _sqlite_on(event: str, watched: tuple[str, ...]) -> tuple[str, list[str]]:
    """What a SQLite row trigger fires on, and its condition: an update only when a watched column changes."""
    if event != "update":
        return event.upper(), []
    changed = "(" + " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in watched) + ")"
    return f"UPDATE OF {', '.join(watched)}", [changed]


def _sqlite_trigger(watch: Watch, event: str) -> str:
    on, conditions = _sqlite_on(event, watch.watched)
    if _batched(watch):
        conditions.append(f"NOT EXISTS (SELECT 1 FROM {_LOG})")
    when = f"WHEN {' AND '.join(conditions)}" if conditions else ""
    body = ";\n".join(watch.rules(_row_changes(watch, event)))
    return f"CREATE TRIGGER {watch.name}_{event} AFTER {on} ON {watch.table} FOR EACH ROW {when}\nBEGIN\n{body};\nEND"


def _logged(event: str, new: str, old: str, source: str = "") -> str:
    """The signed log rows of a check-in write, from its rows as they are (`new`) and as they were (`old`);
    `source` follows each SELECT (its FROM and WHERE, for a statement trigger's transition tables)."""
    values = ("team_id", *CHECKIN_COLUMNS)
    into = f"INSERT INTO {_LOG} ({', '.join(_LOG_COLUMNS)}) "

    def signed(sign: int, row: str) -> str:
        return f"SELECT {sign}, " + ", ".join(f"{row}.{c}" for c in values)

    parts = {"insert": [signed(1, new)], "update": [signed(-1, old), signed(1, new)], "delete": [signed(-1, old)]}
    return into + " UNION ALL ".join(f"{part}{source}" for part in parts[event])


def _sqlite_log_trigger(event: str, watched: tuple[str, ...]) -> str:
    on, changed = _sqlite_on(event, watched)
    conditions = [f"EXISTS (SELECT 1 FROM {_LOG})", *changed]
    return (
        f"CREATE TRIGGER {_LOG_NAME}_{event} AFTER {on} ON {_BATCHED_TABLE} FOR EACH ROW "
        f"WHEN {' AND '.join(conditions)}\nBEGIN\n{_logged(event, 'NEW', 'OLD')};\nEND"
    )


def _postgres_log_trigger(event: str, watched: tuple[str, ...]) -> tuple[str, str]:
    if event == "update":
        both = "FROM new_rows AS n JOIN old_rows AS o ON o.id = n.id"
        rows = _logged(
            event, "n", "o", f" {both} WHERE " + " OR ".join(f"n.{c} IS DISTINCT FROM o.{c}" for c in watched)
        )
    else:
        rows = _logged(event, "new_rows", "old_rows", f" FROM {'new_rows' if event == 'insert' else 'old_rows'}")
    body = f"BEGIN\nIF {_IN_BATCH} IS NOT TRUE THEN RETURN NULL; END IF;\n{rows};\nRETURN NULL;\nEND\n"
    return _postgres_function(
        f"{_LOG_NAME}_{event}", body, _statement_trigger(f"{_LOG_NAME}_{event}", _BATCHED_TABLE, event)
    )


def _statement_trigger(name: str, table: str, event: str) -> str:
    tables = {"insert": "NEW TABLE AS new_rows", "delete": "OLD TABLE AS old_rows"}
    transition = tables.get(event, "OLD TABLE AS old_rows NEW TABLE AS new_rows")
    return (
        f"CREATE TRIGGER {name} AFTER {event.upper()} ON {table} "
        f"REFERENCING {transition} FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
    )


def _postgres_function(name: str, body: str, trigger: str) -> tuple[str, str]:
    """The function with this body and the trigger that runs it."""
    # Without statistics on a transition table, the planner can take a statement here for a big one, and
    # JIT-compile it at every call: far longer than running it.
    header = f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $rollup$\n"
    # The database keeps the body as given: a digest of the whole definition in it tells a changed one.
    digest = hashlib.sha256((header + body + trigger).encode()).hexdigest()[:16]
    return f"{header}-- {digest}\n{body}$rollup$", trigger


def _postgres_trigger(watch: Watch, event: str) -> tuple[str, str]:
    """The function and the trigger that runs it."""
    name = f"{watch.name}_{event}"
    if watch.deferred:
        changes, guard = _row_changes(watch, event, lock=True), ""
        on, when = event.upper(), ""
        if event == "update":
            on = f"UPDATE OF {', '.join(watch.watched)}"
            when = "WHEN (" + " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in watch.watched) + ")"
        trigger = (
            f"CREATE CONSTRAINT TRIGGER {name} AFTER {on} ON {watch.table} "
            f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW {when} EXECUTE FUNCTION {name}()"
        )
    else:
        changes = _statement_changes(watch, event)
        # Every UPDATE of the table comes here (transition tables allow no column list): most change nothing.
        guard = f"IF NOT EXISTS ({changes.rows}) THEN RETURN NULL; END IF;\n"
        if _batched(watch):
            guard = f"IF {_IN_BATCH} THEN RETURN NULL; END IF;\n{guard}"
        trigger = _statement_trigger(name, watch.table, event)
    body = f"BEGIN\n{guard}" + ";\n".join(watch.rules(changes)) + ";\nRETURN NULL;\nEND\n"
    return _postgres_function(name, body, trigger)


def _triggers(dialect: str) -> dict[str, list[str]]:
    """Each trigger by name, with the statements that create it."""
    found: dict[str, list[str]] = {}
    for watch in watches(dialect):
        for event in _EVENTS:
            name = f"{watch.name}_{event}"
            found[name] = (
                list(_postgres_trigger(watch, event)) if dialect == "postgresql" else [_sqlite_trigger(watch, event)]
            )
    logged = _logged_columns(dialect)
    for event in _EVENTS:
        name = f"{_LOG_NAME}_{event}"
        if dialect == "postgresql":
            found[name] = list(_postgres_log_trigger(event, logged))
        else:
            found[name] = [_sqlite_log_trigger(event, logged)]
    return found


def _definitions(dialect: str) -> dict[str, str]:
    """Each trigger by name, as the database keeps it (SQLite: its SQL; PostgreSQL: its function's body)."""
    if dialect == "postgresql":
        return {name: made[0].split("$rollup$")[1] for name, made in _triggers(dialect).items()}
    return {name: made[0] for name, made in _triggers(dialect).items()}


def installed(conn: Connection) -> dict[str, str]:
    """The rollup triggers in place, by name, as `_definitions` gives them."""
    return {name: definition for name, _table, definition in _catalog(conn)}


def _catalog(conn: Connection) -> list[tuple[str, str, str]]:
    """Every rollup trigger in place, whatever its name in the code that made it: (name, table, definition)."""
    if conn.dialect.name == "postgresql":
        query = """
            SELECT t.tgname, c.relname, p.prosrc FROM pg_trigger AS t JOIN pg_proc AS p ON p.oid = t.tgfoid
            JOIN pg_class AS c ON c.oid = t.tgrelid
            WHERE c.relnamespace = current_schema()::regnamespace AND t.tgname LIKE 'stats\\_%'"""
    else:
        query = (
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'stats\\_%' ESCAPE '\\'"
        )
    return [(name, table, definition) for name, table, definition in conn.execute(text(query))]


def install(conn: Connection) -> None:
    """Creates the triggers that keep the rollups up to date (filling the rollups is `rebuild`'s)."""
    for statements in _triggers(conn.dialect.name).values():
        for statement in statements:
            conn.execute(text(statement))


def uninstall(conn: Connection) -> None:
    """Drops the triggers, those of older code too: the rollups stay as they are, and fall behind."""
    if not inspect(conn).has_table("stats_people"):
        return  # never installed
    for name, table, _definition in _catalog(conn):
        if conn.dialect.name == "postgresql":
            conn.execute(text(f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"'))
            conn.execute(text(f'DROP FUNCTION IF EXISTS "{name}"()'))
        else:
            conn.execute(text(f'DROP TRIGGER IF EXISTS "{name}"'))


def rebuild(conn: Connection) -> None:
    """Empties the rollups and sums them again from every row: the triggers' rules, fed whole tables."""
    for table in ROLLUP_TABLES:
        conn.execute(text(f"DELETE FROM {table}"))
    for watch in watches(conn.dialect.name):
        if watch.rebuilt:
            everything = f"SELECT 1 AS sign, {', '.join(watch.columns)} FROM {watch.table}"
            for statement in watch.rules(Changes((everything,), grouped=True, takes_back=False)):
                conn.execute(text(statement))
                if conn.dialect.name == "postgresql":
                    # What the planner knows of the rollups is from before they were emptied: each
                    # statement here reads what the one before wrote, at a size it would not expect.
                    conn.execute(text(f"ANALYZE {', '.join(ROLLUP_TABLES)}"))


@contextmanager
def batch(conn: Connection) -> Iterator[None]:
    """Inside the block, the check-ins this transaction writes reach the rollups once, at its end.

    For a writer of many check-ins at once: SQLite otherwise runs the rules once per row, PostgreSQL
    once per statement. Must run inside the transaction that does the writes; the block leaves the
    rollups summed and the log empty, also when it raises (the transaction then normally rolls back).
    The rules read a check-in's program from its pairing when they run, at the end: a pairing must not
    be deleted inside the block.
    """
    if conn.dialect.name == "postgresql":
        # The rules' statements over the log, which has no statistics, can look costly enough to the
        # planner to be JIT-compiled, which takes longer than running them (as in the trigger functions).
        conn.execute(text(f"SELECT set_config('{_BATCH_SETTING}', 'on', true), set_config('jit', 'off', true)"))
    else:
        conn.execute(text(f"INSERT INTO {_LOG} (sign) VALUES (0)"))  # the mark the triggers look for
    try:
        yield
    except BaseException:
        with suppress(SQLAlchemyError):  # a transaction that failed rolls back the batch with it
            _sum_batch(conn)
        raise
    _sum_batch(conn)


def _sum_batch(conn: Connection) -> None:
    """Runs the check-in rules over the batch's changes, grouped, then empties the log and ends the batch."""
    postgres = conn.dialect.name == "postgresql"
    rows = f"SELECT sign, checkin_id AS id, {', '.join(CHECKIN_COLUMNS[1:])} FROM {_LOG} WHERE sign <> 0"
    changes = Changes((rows,), grouped=True, takes_back=True, lock=postgres, in_function=False)
    for watch in watches(conn.dialect.name):
        if _batched(watch):
            for statement in watch.rules(changes):
                conn.execute(text(statement))
    conn.execute(text(f"DELETE FROM {_LOG}"))
    if postgres:
        conn.execute(text(f"SELECT set_config('{_BATCH_SETTING}', 'off', true)"))


def up_to_date(conn: Connection) -> bool:
    """Whether the triggers in place are exactly those of this code."""
    return installed(conn) == _definitions(conn.dialect.name)


def keep_up_to_date(conn: Connection, migrated: bool) -> None:
    """After migrations: this code's triggers in place and the rollups summed from every row, if either
    was not the case (`migrated`: a migration ran, without the triggers)."""
    if not inspect(conn).has_table("stats_people"):
        return
    if migrated or not up_to_date(conn):
        uninstall(conn)
        rebuild(conn)
        install(conn)
