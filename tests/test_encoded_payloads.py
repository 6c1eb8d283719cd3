"""Payloads encoded once per shape and filled in per pair are the very JSON text built one by one."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any

from bot.pairing import messages as views
from bot.pairing import prompts
from bot.pairing.encoded import PeriodMessages, Shaped, Shapes
from bot.storage.models import Pairing
from bot.storage.shapes import Shape
from bot.storage.statuses import Audience


@dataclass(frozen=True)
class Pair:
    id: int
    mentee_user_id: str
    mentor_user_id: str


# IDs that a careless template would get wrong: quotes, backslashes, braces that look like format
# fields, non-ASCII text, and a marker character of the encoder's own.
AWKWARD = ['U"Q', "U\\B", "U{0}", "U{}}", "Ü\u00e9", "U\ue000", "<@U1>", "U\n2"]


def ids(rng: random.Random) -> str:
    return rng.choice(AWKWARD) if rng.random() < 0.3 else f"U{rng.randrange(10**8):08d}"


def test_every_period_message_is_the_text_its_builder_encodes() -> None:
    rng = random.Random(7)
    encoded = PeriodMessages()
    shaped = made_count = 0
    library = {a: prompts.library(a) for a in Audience}
    for n in range(600):
        pair = Pair(rng.randrange(1, 10**6), ids(rng), ids(rng))
        if n % 50 == 0:
            pair = Pair(pair.id, pair.mentee_user_id, pair.mentee_user_id)  # one person on both sides
        as_pairing: Pairing = pair  # type: ignore[assignment]
        checkin, period, use = rng.randrange(10**7), rng.randrange(1, 30), rng.randrange(10**7)
        reverse = rng.random() < 0.5
        mentee_prompt, mentor_prompt = rng.choice(library[Audience.MENTEE]), rng.choice(library[Audience.MENTOR])
        weeks, round_ = rng.choice([(4, 1), (8, 2), (12, 3)])
        pairs = [
            (encoded.checkin(pair, checkin, period), views.checkin_message(as_pairing, checkin, period)),
            (
                encoded.mentee_prompt(pair, mentee_prompt, use, reverse),
                views.mentee_prompt(as_pairing, mentee_prompt, use, reverse),
            ),
            (
                encoded.mentor_prompt(pair, mentor_prompt, reverse),
                views.mentor_prompt(as_pairing, mentor_prompt, reverse),
            ),
        ]
        for user in (pair.mentee_user_id, pair.mentor_user_id):
            pairs.append(
                (
                    encoded.feedback_invitation(pair, user, weeks, round_),
                    views.feedback_invitation(as_pairing, user, weeks, round_),
                )
            )
            pairs.append((encoded.stalled_nudge(pair, user), views.stalled_nudge(as_pairing, user)))
        for made, payload in pairs:
            if isinstance(made, Shaped):
                shaped += 1
                # As the delivery row keeps them: the values as JSON, the shape's text on its own row.
                text = Shape(made.text).fill(json.loads(json.dumps(made.values)))
            else:
                text = made
            assert text == json.dumps(payload)
            assert json.loads(text) == payload
            made_count += 1
    assert shaped > 0.9 * made_count  # the awkward IDs aside, every message is stored as its values


def test_a_builder_that_changes_its_values_is_built_one_by_one() -> None:
    shapes = Shapes()
    calls: list[tuple[Any, ...]] = []

    def shouting(name: str, n: int) -> dict[str, Any]:
        calls.append((name, n))
        return {"text": f"hi {name.upper()} #{n}", "long": "x" * n}

    first = shapes.payload("shout", shouting, ("ann", 3))
    second = shapes.payload("shout", shouting, ("bob", 5))
    assert (first, second) == (json.dumps(shouting("ann", 3)), json.dumps(shouting("bob", 5)))
    # The shape failed its check on first use, so the second payload was built, not filled in.
    assert ("bob", 5) in calls[:-1]


def test_a_shape_is_built_once_and_then_filled_in() -> None:
    shapes = Shapes()
    built: list[str] = []

    def greeting(name: str) -> dict[str, Any]:
        built.append(name)
        return {"text": f"hi <@{name}>", "blocks": [{"block_id": f"b-{name}"}]}

    texts = [shapes.payload("greet", greeting, (name,)) for name in ["U1", 'U"2', "U3"]]
    assert texts == [json.dumps(greeting(name)) for name in ["U1", 'U"2', "U3"]]
    assert len(built) == 2 + 3  # learning the shape (markers, then the first pair), then the check above
