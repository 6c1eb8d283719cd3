"""Many rows in one statement, straight through the driver: the writes of a tick that touch thousands of rows.

SQLAlchemy's executemany converts every parameter of every row through its generic machinery, which
costs more than the database's own work when a batch holds thousands of small rows. Here each
column's converter is looked up once, the rows become plain tuples, and one statement carries the
whole batch: on PostgreSQL one array per column, expanded by unnest() on the server; on SQLite one
multi-row VALUES list. Values go in as bound parameters, never as SQL text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

from sqlalchemy import Column, Connection, Table
from sqlalchemy.engine import Dialect

from bot.storage.models import Base

# SQLite binds at most 32,766 parameters per statement.
_SQLITE_PARAMETERS = 30_000


def _table(target: type[Base] | Table) -> Table:
    return target if isinstance(target, Table) else cast(Table, target.__table__)


def _converters(columns: Sequence[Column[Any]], dialect: Dialect) -> list[Callable[[Any], Any] | None]:
    # The dialect's own variant of each type: a DateTime on SQLite, say, is then stored in SQLAlchemy's text format.
    return [column.type.dialect_impl(dialect).bind_processor(dialect) for column in columns]


def _values(
    rows: Sequence[dict[str, Any]], names: Sequence[str], convert: list[Callable[[Any], Any] | None]
) -> list[list[Any]]:
    """One list per column, each value converted as SQLAlchemy would bind it."""
    columns = []
    for name, process in zip(names, convert, strict=True):
        values = [row[name] for row in rows]
        columns.append([None if v is None else process(v) for v in values] if process else values)
    return columns


def _array_type(column: Column[Any], dialect: Dialect) -> str:
    return f"{column.type.compile(dialect=dialect)}[]"


def insert_rows(
    conn: Connection,
    target: type[Base] | Table,
    rows: Sequence[dict[str, Any]],
    returning: Sequence[str] = (),
    skip_taken: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """Inserts `rows` (dicts with the same keys) in one statement per batch; returns the `returning` columns.

    With `skip_taken`, the columns of a unique constraint, a row whose values there are taken is
    skipped, as ON CONFLICT DO NOTHING does.
    """
    if not rows:
        return []
    table = _table(target)
    names = list(rows[0])
    columns = [table.c[name] for name in names]
    dialect = conn.dialect
    data = _values(rows, names, _converters(columns, dialect))
    into = f"INSERT INTO {table.name} ({', '.join(names)})"
    back = f" ON CONFLICT ({', '.join(skip_taken)}) DO NOTHING" if skip_taken else ""
    back += f" RETURNING {', '.join(returning)}" if returning else ""
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    if dialect.name == "postgresql":
        arrays = ", ".join(f"%s::{_array_type(column, dialect)}" for column in columns)
        cursor.execute(f"{into} SELECT * FROM unnest({arrays}){back}", data)
        return list(cursor.fetchall()) if returning else []
    found: list[tuple[Any, ...]] = []
    tuples = list(zip(*data, strict=True))
    step = max(1, _SQLITE_PARAMETERS // len(names))
    one = f"({', '.join('?' * len(names))})"
    for start in range(0, len(tuples), step):
        chunk = tuples[start : start + step]
        cursor.execute(f"{into} VALUES {', '.join([one] * len(chunk))}{back}", [v for row in chunk for v in row])
        if returning:
            found += cursor.fetchall()
    return found


def update_rows(conn: Connection, target: type[Base] | Table, key: str, rows: Sequence[dict[str, Any]]) -> None:
    """Sets, on each row whose `key` column matches, the other columns given for it: one statement per batch."""
    if not rows:
        return
    table = _table(target)
    names = list(rows[0])
    columns = [table.c[name] for name in names]
    dialect = conn.dialect
    data = _values(rows, names, _converters(columns, dialect))
    others = [name for name in names if name != key]
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    if dialect.name == "postgresql":
        arrays = ", ".join(f"%s::{_array_type(column, dialect)}" for column in columns)
        assignments = ", ".join(f"{name} = v.{name}" for name in others)
        cursor.execute(
            f"UPDATE {table.name} SET {assignments} FROM unnest({arrays}) AS v({', '.join(names)})"
            f" WHERE {table.name}.{key} = v.{key}",
            data,
        )
        return
    # sqlite3 steps one prepared statement for every row.
    order = [*others, key]
    tuples = list(zip(*(data[names.index(name)] for name in order), strict=True))
    assignments = ", ".join(f"{name} = ?" for name in others)
    cursor.executemany(f"UPDATE {table.name} SET {assignments} WHERE {key} = ?", tuples)
