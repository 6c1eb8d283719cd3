"""Message payloads as JSON text, each shape encoded once and filled in with each pair's own values.

A week's plan sends thousands of messages that differ only in a few IDs: the check-in of week 3 is
the same text for every pair but for the two people and the check-in it answers. Building each
payload as dicts and encoding it costs more than storing it, so a `Shapes` builds a shape once with
markers in place of those values, keeps its JSON split at the markers, and fills the gaps for every
pair. Each shape is checked on first use against the payload built and encoded the ordinary way; a
shape that comes out different is never filled in again, and its messages are built one by one.

The planner goes one step further: it stores a message that passed the check as its shape and its
values (`Shaped`), and the sender fills the shape in (bot/storage/shapes.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Sequence
from typing import Any, NamedTuple, Protocol, cast

from bot.pairing import messages as views
from bot.pairing import practice_views
from bot.pairing.prompts import Prompt
from bot.storage.bulk import JSONText
from bot.storage.models import Pairing
from bot.storage.shapes import Shape, Value, marker

_UNKNOWN: Any = object()


def encode(payload: dict[str, Any]) -> JSONText:
    """The payload as the JSON column would encode it (SQLAlchemy's default, json.dumps)."""
    return JSONText(json.dumps(payload))


class Shaped(NamedTuple):
    """A message as its shape's text and the values that fill it in (bot/storage/shapes.py)."""

    text: str
    values: tuple[Value, ...]

    def filled(self) -> JSONText:
        return JSONText(Shape(self.text).fill(self.values))


# A message: built and encoded whole, or shaped.
Payload = JSONText | Shaped


class Shapes:
    """The shapes seen so far, each encoded once. Keep one for a run of many messages, a plan say."""

    def __init__(self) -> None:
        self._known: dict[Hashable, Shape | None] = {}

    def payload(self, shape: Hashable, build: Callable[..., dict[str, Any]], values: Sequence[Value]) -> JSONText:
        """`build(*values)` as JSON text. `shape` names everything else the payload depends on.

        `build` must place each value in the payload only as text, the same for every value: an ID in
        a mention, a block ID or a button's value. It may compare values with each other (is the
        reader the mentor?): values that are equal get one marker, and each pattern of equal values
        is a shape of its own. A value it transforms or measures makes the first-use check fail, and
        the shape's payloads are then built one by one.
        """
        found = self.shaped(shape, build, values)
        return found.filled() if isinstance(found, Shaped) else found

    def shaped(self, shape: Hashable, build: Callable[..., dict[str, Any]], values: Sequence[Value]) -> Payload:
        """As `payload`, but a message whose shape passed its check comes as its shape and values."""
        equal = tuple(map(values.index, values))
        known = self._known.get((shape, equal), _UNKNOWN)
        if known is _UNKNOWN:
            known = self._known[(shape, equal)] = self._learn(build, values, equal)
        if known is None:
            return encode(build(*values))
        return Shaped(known.text, tuple(values))

    @staticmethod
    def _learn(build: Callable[..., dict[str, Any]], values: Sequence[Value], equal: Sequence[int]) -> Shape | None:
        try:
            marked = Shape(encode(build(*(marker(n) for n in equal))))
        except Exception:  # a builder that does arithmetic on a value, say: it is built one by one
            return None
        return marked if marked.fill(values) == encode(build(*values)) else None


class PairIds(Protocol):
    """What a pair's messages need to know of it."""

    @property
    def id(self) -> int: ...
    @property
    def mentee_user_id(self) -> str: ...
    @property
    def mentor_user_id(self) -> str: ...


class _Ids(NamedTuple):
    """A pair as the message builders read it, whose fields may be markers while a shape is learned."""

    id: Value
    mentee_user_id: Value
    mentor_user_id: Value


class PeriodMessages:
    """The payloads of a pair's new period, as bot.pairing.messages builds them, encoded by shape.

    Every builder gets the whole pair (its ID and both people) among its values, so a shape's check
    compares the payload built for the real pair, whichever of its fields the builder reads.
    """

    def __init__(self) -> None:
        self._shapes = Shapes()

    def _payload(self, shape: Hashable, build: Callable[..., dict[str, Any]], pair: PairIds, *extra: Value) -> Payload:
        def with_pair(pairing: Value, mentee: Value, mentor: Value, *rest: Value) -> dict[str, Any]:
            return build(cast(Pairing, _Ids(pairing, mentee, mentor)), *rest)

        return self._shapes.shaped(shape, with_pair, (pair.id, pair.mentee_user_id, pair.mentor_user_id, *extra))

    def checkin(self, pair: PairIds, checkin_id: int, period: int) -> Payload:
        return self._payload(
            ("checkin", period), lambda p, checkin: views.checkin_message(p, checkin, period), pair, checkin_id
        )

    def mentee_prompt(self, pair: PairIds, prompt: Prompt, use_id: int, reverse: bool) -> Payload:
        return self._payload(
            ("mentee-prompt", prompt.key, reverse),
            lambda p, use: views.mentee_prompt(p, prompt, use, reverse),
            pair,
            use_id,
        )

    def mentor_prompt(self, pair: PairIds, prompt: Prompt, reverse: bool) -> Payload:
        return self._payload(
            ("mentor-prompt", prompt.key, reverse), lambda p: views.mentor_prompt(p, prompt, reverse), pair
        )

    def feedback_invitation(self, pair: PairIds, user_id: str, weeks: int, round_: int) -> Payload:
        return self._payload(
            ("feedback-invitation", weeks, round_),
            lambda p, user: views.feedback_invitation(p, user, weeks, round_),
            pair,
            user_id,
        )

    def stalled_nudge(self, pair: PairIds, user_id: str) -> Payload:
        return self._payload("stalled-nudge", lambda p, user: views.stalled_nudge(p, user), pair, user_id)

    def relationship_check(self, pair: PairIds, user_id: str, round_: int) -> Payload:
        return self._payload(
            "relationship-check",
            lambda p, user, number: practice_views.relationship_check(p, user, number),
            pair,
            user_id,
            round_,
        )
