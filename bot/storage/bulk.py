"""Many rows in one statement, straight through the driver: the writes of a tick that touch thousands of rows.

SQLAlchemy's executemany converts every parameter of every row through its generic machinery, which
costs more than the database's own work when a batch holds thousands of small rows. Here each
column's converter is looked up once, the rows become plain tuples, and one statement carries the
whole batch: on PostgreSQL one array per column, expanded by unnest() on the server; on SQLite one
multi-row VALUES list. Values go in as bound parameters, never as SQL text.

The arrays go in PostgreSQL's binary format: in the text format every element is quoted and
escaped, on the client and again on the server, which for JSON documents costs more than the insert.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Column,
    ColumnElement,
    Connection,
    DateTime,
    Table,
    any_,
    bindparam,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import InstrumentedAttribute

from bot.storage.models import Base, UTCDateTime

# SQLite binds at most 32,766 parameters per statement.
_SQLITE_PARAMETERS = 30_000


class JSONText(str):
    """A JSON document already encoded, stored as it is: JSON columns then skip encoding it again.

    The text must be what the column's own encoder would write for the document, so that a row
    stored from it cannot be told from one stored from the document.
    """


def _table(target: type[Base] | Table) -> Table:
    return target if isinstance(target, Table) else cast(Table, target.__table__)


def _json_text(dialect: Dialect) -> Callable[[Any], Any]:
    """JSON as text, encoded by the dialect's serializer as SQLAlchemy would; JSONText goes as it is."""
    encode = getattr(dialect, "_json_serializer", None) or json.dumps
    return lambda value: value if value.__class__ is JSONText else encode(value)


def _converters(columns: Sequence[Column[Any]], dialect: Dialect) -> list[Callable[[Any], Any] | None]:
    # The dialect's own variant of each type: a DateTime on SQLite, say, is then stored in SQLAlchemy's text format.
    return [
        _json_text(dialect)
        if isinstance(column.type, JSON)
        else column.type.dialect_impl(dialect).bind_processor(dialect)
        for column in columns
    ]


def _convert_once(column: Column[Any]) -> bool:
    """Whether to convert each distinct value of the column once: only where equal values are stored
    alike, and are likely to repeat. A plain DateTime on SQLite keeps the wall time, so one instant in
    two timezones is stored as two texts (UTCDateTime stores the instant in UTC); JSON documents differ."""
    if isinstance(column.type, JSON):
        return False
    return isinstance(column.type, UTCDateTime) or not isinstance(column.type, DateTime)


def _converted(values: list[Any], process: Callable[[Any], Any], once: bool) -> list[Any]:
    """`values` converted; with `once`, each distinct one once: a batch repeats its statuses, kinds and times.

    Values count as the same only with the same type, so 1 and True, or a str and an enum, stay apart.
    """
    if not once:
        return [None if v is None else process(v) for v in values]
    try:
        seen = {(v.__class__, v) for v in values}
    except TypeError:  # unhashable values, JSON documents say
        return [None if v is None else process(v) for v in values]
    if len(seen) * 2 > len(values):
        return [None if v is None else process(v) for v in values]
    done = {key: None if key[1] is None else process(key[1]) for key in seen}
    return [done[(v.__class__, v)] for v in values]


def _values(
    rows: Sequence[dict[str, Any]], names: Sequence[str], columns: Sequence[Column[Any]], dialect: Dialect
) -> list[list[Any]]:
    """One list per column, each value converted as SQLAlchemy would bind it."""
    data = []
    for name, column, process in zip(names, columns, _converters(columns, dialect), strict=True):
        values = [row[name] for row in rows]
        data.append(_converted(values, process, _convert_once(column)) if process else values)
    return data


def among(
    dialect: Dialect, column: ColumnElement[int] | InstrumentedAttribute[int], values: Sequence[int]
) -> ColumnElement[bool]:
    """`column IN values`, with the values bound as one parameter whatever their number.

    An IN list binds one parameter per value, which SQLAlchemy and the driver render and parse
    anew for every batch. Here PostgreSQL gets one array (`= ANY`), and SQLite one JSON list that
    json_each() expands.
    """
    if dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    listed = func.json_each(bindparam(None, json.dumps(list(values))))
    return column.in_(select(literal_column("value")).select_from(listed))


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
    data = _values(rows, names, columns, dialect)
    into = f"INSERT INTO {table.name} ({', '.join(names)})"
    back = f" ON CONFLICT ({', '.join(skip_taken)}) DO NOTHING" if skip_taken else ""
    back += f" RETURNING {', '.join(returning)}" if returning else ""
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    if dialect.name == "postgresql":
        # A column with one value for every row (a status, a time, the workspace) goes as that value:
        # an array of thousands of copies costs the driver and the server a conversion for each.
        same = [len(values) > 1 and values.count(values[0]) == len(values) for values in data]
        if all(same):
            same[0] = False  # unnest() needs an array
        picked = [
            f"%b::{column.type.compile(dialect=dialect)}" if one else f"v.{name}"
            for name, column, one in zip(names, columns, same, strict=True)
        ]
        arrays = ", ".join(f"%b::{_array_type(c, dialect)}" for c, one in zip(columns, same, strict=True) if not one)
        unnested = ", ".join(name for name, one in zip(names, same, strict=True) if not one)
        params = [values[0] for values, one in zip(data, same, strict=True) if one]
        params += [values for values, one in zip(data, same, strict=True) if not one]
        cursor.execute(f"{into} SELECT {', '.join(picked)} FROM unnest({arrays}) AS v({unnested}){back}", params)
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
    data = _values(rows, names, columns, dialect)
    others = [name for name in names if name != key]
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    if dialect.name == "postgresql":
        arrays = ", ".join(f"%b::{_array_type(column, dialect)}" for column in columns)
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
