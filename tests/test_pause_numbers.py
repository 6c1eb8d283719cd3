"""`/mentor pause <weeks>` takes plain digits only: anything else gets the usual "try a number" answer."""

from __future__ import annotations

import pytest

from bot.storage.models import Person
from tests.flows import MENTEE, rows

NOT_PLAIN_NUMBERS = [
    "²",  # superscript two
    "3²",
    "¹²",
    "٣",  # Arabic-Indic three
    "３",  # full-width three
    "３ weeks",
    "𝟑",  # mathematical bold three
    "߃",  # NKo three
    "৩w",  # Bengali three, with the short unit
    "9" * 5000,  # longer than Python will turn into an int
]


@pytest.mark.parametrize("text", NOT_PLAIN_NUMBERS, ids=range(len(NOT_PLAIN_NUMBERS)))
def test_unicode_digits_get_the_try_a_number_answer(bot, text):
    response = bot.slack.command(MENTEE, f"pause {text}")
    assert response.status == 200
    assert "Try `/mentor pause 3`" in response.body and "1 to 12" in response.body
    assert [p.paused_until for p in rows(bot, Person, Person.user_id == MENTEE)] in ([], [None])


@pytest.mark.parametrize("text", ["3", "3w", "3 weeks", "3weeks", "1 week"])
def test_plain_digits_still_pause(bot, text):
    response = bot.slack.command(MENTEE, f"pause {text}")
    assert response.status == 200 and "Try `/mentor pause 3`" not in response.body
    [person] = rows(bot, Person, Person.user_id == MENTEE)
    assert person.paused_until is not None
