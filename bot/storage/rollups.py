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

Migrations run without these triggers: on SQLite, copying a table to change it would trip over them.
`keep_up_to_date` puts them back after every upgrade, and rebuilds the rollups whenever a migration ran
or the rules changed (bot/storage/migrations/env.py).
"""

from __future__ import annotations

import hashlib

from sqlalchemy import Connection, inspect, text

from bot.storage.rollup_rules import Changes, Watch, watches

ROLLUP_TABLES = ("stats_people", "stats_pairs", "stats_due_times", "stats_match_waits")

_EVENTS = ("insert", "update", "delete")


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


def _sqlite_trigger(watch: Watch, event: str) -> str:
    on, when = event.upper(), ""
    if event == "update":
        on = f"UPDATE OF {', '.join(watch.watched)}"
        when = "WHEN " + " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in watch.watched)
    body = ";\n".join(watch.rules(_row_changes(watch, event)))
    return f"CREATE TRIGGER {watch.name}_{event} AFTER {on} ON {watch.table} FOR EACH ROW {when}\nBEGIN\n{body};\nEND"


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
        tables = {"insert": "NEW TABLE AS new_rows", "delete": "OLD TABLE AS old_rows"}
        transition = tables.get(event, "OLD TABLE AS old_rows NEW TABLE AS new_rows")
        trigger = (
            f"CREATE TRIGGER {name} AFTER {event.upper()} ON {watch.table} "
            f"REFERENCING {transition} FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )
    # Without statistics on a transition table, the planner can take a statement here for a big one, and
    # JIT-compile it at every call: far longer than running it.
    header = f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $rollup$\n"
    body = f"BEGIN\n{guard}" + ";\n".join(watch.rules(changes)) + ";\nRETURN NULL;\nEND\n"
    # The database keeps the body as given: a digest of the whole definition in it tells a changed one.
    digest = hashlib.sha256((header + body + trigger).encode()).hexdigest()[:16]
    return f"{header}-- {digest}\n{body}$rollup$", trigger


def _definitions(dialect: str) -> dict[str, str]:
    """Each trigger by name, as the database keeps it (SQLite: its SQL; PostgreSQL: its function's body)."""
    found = {}
    for watch in watches(dialect):
        for event in _EVENTS:
            if dialect == "postgresql":
                found[f"{watch.name}_{event}"] = _postgres_trigger(watch, event)[0].split("$rollup$")[1]
            else:
                found[f"{watch.name}_{event}"] = _sqlite_trigger(watch, event)
    return found


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
    dialect = conn.dialect.name
    for watch in watches(dialect):
        for event in _EVENTS:
            statements = _postgres_trigger(watch, event) if dialect == "postgresql" else [_sqlite_trigger(watch, event)]
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
