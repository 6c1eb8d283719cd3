"""What people read: counts in the right form, lists joined as sentences, confirmations that confirm,
and nothing that speaks of the bot's own configuration."""

from __future__ import annotations

import json
import re

import pytest

from bot.blockkit.text import every_weeks, join_words, plural
from bot.reporting.blocks import _duration
from bot.storage.models import Pairing
from tests.conftest import OWNER
from tests.flows import MENTEE, MENTOR, all_text, offer, pair, request, rows, tick
from tests.slackclient import checkbox_value, multi_value, select_value, state, text_value
from tests.test_owners import command_in
from tests.test_rhythm import MONDAY, WEEK

LAZY = re.compile(r"\(s\)|\b1 (mentees|pairings|weeks|days|places|hours|minutes|check-ins)\b|\b0\.0 h\b")


def home_of(bot, user: str) -> str:
    bot.slack.event({"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home", "event_ts": "1.2"})
    return json.dumps(bot.fake.calls_to("views.publish")[-1]["view"], ensure_ascii=False)


def status_of(bot, user: str) -> str:
    return bot.slack.command(user, "status").body


@pytest.mark.parametrize(
    ("n", "word", "expected"),
    [(0, "week", "0 weeks"), (1, "week", "1 week"), (2, "week", "2 weeks"), (1.5, "hour", "1.5 hours")],
)
def test_plural(n, word, expected):
    assert plural(n, word) == expected


def test_lists_and_cadences_read_as_sentences():
    assert join_words(["a"]) == "a" and join_words(["a", "b"]) == "a and b"
    assert join_words(["a", "b", "c"]) == "a, b and c"
    assert every_weeks(1) == "every week" and every_weeks(2) == "every 2 weeks"


@pytest.mark.parametrize(
    ("hours", "said"),
    [(0.001, "under a minute"), (0.02, "1 minute"), (0.5, "30 minutes"), (5, "5 hours"), (72, "3 days")],
)
def test_time_to_match_is_said_as_a_person_would(hours, said):
    assert _duration(hours) == said


def test_a_full_mentor_of_one_reads_naturally_in_status_and_app_home(bot):
    pair(bot, capacity="1")
    for text in (status_of(bot, MENTOR), home_of(bot, MENTOR)):
        assert "your one place is taken" in text
        assert not LAZY.search(text) and "room for 0" not in text, text


def test_a_mentor_with_room_is_told_how_much(bot):
    pair(bot, capacity="3")
    text = status_of(bot, MENTOR)
    assert "room for 2 more mentees (1 of 3 places taken)" in text, text


def test_a_mentor_in_two_programs_sees_each_programs_places(bot):
    command_in(bot, OWNER, "program new")
    view = bot.slack.opened_view("program_edit")
    values = state(name=text_value("Reverse tech"), topics=text_value("New tools and AI"))
    assert bot.slack.submit(view, values, OWNER).status == 200
    for program in ("Mentoring", "Reverse tech"):
        bot.slack.command(MENTOR, "offer")
        form = bot.slack.opened_view("mentor_offer")
        values = state(
            program=select_value(next(o["value"] for o in _program_options(form) if o["text"]["text"] == program)),
            topics=multi_value(["Leadership"] if program == "Mentoring" else ["New tools and AI"]),
            topics_other=text_value(""),
            capacity=select_value("2" if program == "Mentoring" else "1"),
            level=select_value("4"),
            department=text_value("Sales"),
            bio=text_value("Happy to help."),
            reverse=checkbox_value([]),
        )
        assert bot.slack.submit(form, values, MENTOR).status == 200
    home = home_of(bot, MENTOR)
    assert "As a mentor in Mentoring, you have room for 2 more mentees" in home
    assert "As a mentor in Reverse tech, you have room for 1 more mentee" in home
    assert "3 more" not in home


def _program_options(view) -> list[dict]:
    for block in view["blocks"]:
        element = block.get("element") or block.get("accessory") or {}
        if block.get("block_id") == "program":
            return element.get("options", [])
    raise AssertionError("the offer form has no program choice")


def test_app_home_remembers_a_completed_pairing(bot):
    pairing = pair(bot)
    tick(bot, MONDAY)
    tick(bot, MONDAY + 13 * WEEK)
    [done] = rows(bot, Pairing, Pairing.id == pairing.id)
    assert done.status == "completed"
    for text in (home_of(bot, MENTEE), status_of(bot, MENTEE)):
        assert f"Your pairing with <@{MENTOR}> was completed on" in text


def test_leaving_says_what_was_done_in_one_sentence(bot):
    pair(bot)
    offer(bot, MENTEE)
    body = bot.slack.command(MENTEE, "leave").body
    assert "ended 1 pairing, telling your partner and hidden your mentor profile" in body, body
    assert not LAZY.search(body)


def test_saving_a_program_confirms_what_was_saved(bot):
    command_in(bot, OWNER, "program new")
    view = bot.slack.opened_view("program_edit")
    assert "MENTOR_PROGRAM_OWNERS" not in json.dumps(view)
    values = state(name=text_value("Leads"), topics=text_value("Leadership"), length_weeks=text_value("8"))
    answer = bot.slack.submit(view, values, OWNER).json()
    assert answer["response_action"] == "update"
    said = json.dumps(answer["view"])
    assert "Program saved" in said and "*Leads* is created" in said and "for 8 weeks" in said
    assert "matched as they arrive" in said


def test_notes_of_a_whole_pairing_have_no_lazy_plurals(bot):
    pairing = pair(bot)
    request(bot, user="U0OTHER001")
    for week in range(14):
        tick(bot, MONDAY + week * WEEK)
    texts = [all_text(p) for p in bot.fake.calls_to("chat.postMessage")] + [status_of(bot, MENTEE)]
    assert rows(bot, Pairing, Pairing.id == pairing.id)[0].status == "completed"
    for text in texts:
        assert not LAZY.search(text), text
