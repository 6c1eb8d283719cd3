"""Message shapes: a message stored once per workspace with gaps, and each delivery of it as its values.

A week's plan sends thousands of messages that differ only in a few IDs (bot/pairing/encoded.py). Each
such delivery stores its values, a short JSON list, and points at its shape: the message's JSON with a
numbered mark where each value goes. The shape is stored once per workspace, found by its digest, and
never changes; the sender fills it in when it sends. Filled in, a delivery is byte for byte the JSON
the message builder would have given, so what reaches Slack is the same either way.

A mark is a private-use character around the value's number, which json.dumps writes as an ASCII
escape that no ID or text of ours contains.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from json.encoder import encode_basestring_ascii  # type: ignore[attr-defined]
from typing import Any, cast

from sqlalchemy import Connection, func, insert, select
from sqlalchemy.orm import Session

from bot.storage.bulk import JSONText
from bot.storage.models import Delivery, MessageShape

Value = str | int

MARK = "\ue000"
_GAP = re.compile(r"\\ue000(\d+)\\ue000")


def marker(n: int) -> str:
    """What a builder gets in place of value n while its shape is learned."""
    return f"{MARK}{n}{MARK}"


class Shape:
    """One shape's JSON as a format string: `{n}` where value n goes, every other brace doubled."""

    def __init__(self, text: str):
        self.text = text
        pieces = _GAP.split(text)
        pieces[0::2] = [piece.replace("{", "{{").replace("}", "}}") for piece in pieces[0::2]]
        pieces[1::2] = ["{" + n + "}" for n in pieces[1::2]]
        self._format = "".join(pieces)

    def fill(self, values: Sequence[Value]) -> str:
        """The JSON text with the values in: a number's digits, or the string escaped as JSON escapes it."""
        return self._format.format(
            *[str(v) if isinstance(v, int) else encode_basestring_ascii(v)[1:-1] for v in values]
        )


def values_json(values: Sequence[Value]) -> JSONText:
    """A delivery's values as its JSON column would encode them (json.dumps), without its per-call cost."""
    return JSONText(
        "[" + ", ".join([str(v) if isinstance(v, int) else encode_basestring_ascii(v) for v in values]) + "]"
    )


def message(text: str, values: Sequence[Value]) -> dict[str, Any]:
    """A shaped delivery's message, from its shape's text and its stored values."""
    filled: dict[str, Any] = json.loads(Shape(text).fill(values))
    return filled


def store(conn: Connection, team_id: str, texts: Iterable[str]) -> dict[str, int]:
    """The id of each of these shapes in the workspace, by text; those not stored yet are added.

    Nothing here waits on another transaction: the digest is indexed but not unique, so two writers
    side by side (the weekly plan's batches on PostgreSQL) that both meet a new shape each store a
    copy, rather than one waiting at a unique index for the other to commit. Copies are the same
    text, never change, and are told apart by nothing but their ids.
    """
    by_digest = {hashlib.sha256(t.encode()).hexdigest(): t for t in texts}
    if not by_digest:
        return {}

    def known() -> dict[str, int]:
        found = conn.execute(
            select(MessageShape.digest, func.min(MessageShape.id))
            .where(MessageShape.team_id == team_id, MessageShape.digest.in_(sorted(by_digest)))
            .group_by(MessageShape.digest)
        )
        return {by_digest[digest]: shape_id for digest, shape_id in found}

    ids = known()
    missing = [dict(team_id=team_id, digest=d, text=t) for d, t in sorted(by_digest.items()) if t not in ids]
    if missing:
        conn.execute(insert(MessageShape), missing)
        ids = known()
    return ids


def texts(conn: Connection, ids: Iterable[int]) -> dict[int, str]:
    """The text of each of these shapes, by id."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return dict(conn.execute(select(MessageShape.id, MessageShape.text).where(MessageShape.id.in_(wanted))).all())


def message_of(s: Session | Connection, delivery: Delivery) -> dict[str, Any]:
    """A delivery's message as the sender sends it: its payload, or its shape filled in with its values."""
    if delivery.shape_id is None:
        return delivery.payload
    text = s.execute(select(MessageShape.text).where(MessageShape.id == delivery.shape_id)).scalar_one()
    return message(text, cast(list[Value], delivery.payload))
