"""A pause you can see and end: App Home shows it, the partner is told (without a reason), `/mentor resume`
ends it early, and only someone with a pair is offered a pause. Through the real endpoint."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.storage.models import CheckIn, Person
from tests.flows import MENTEE, MENTOR, all_text, checkins, pair, rows, tick
from tests.test_rhythm import MONDAY

BREAK = "taking a break"


def home_of(bot, user: str) -> dict:
    assert bot.slack.event({"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"}).status == 200
    return [c for c in bot.fake.calls_to("views.publish") if c["user_id"] == user][-1]["view"]


def home_buttons(view: dict) -> dict[str, dict]:
    return {e["text"]["text"]: e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]}


def test_pause_shows_on_app_home_the_partner_is_told_and_resume_ends_it_early(bot):
    pairing = pair(bot)
    tick(bot, MONDAY - timedelta(days=3))  # schedules the first check-in, Monday
    bot.clock.at = MONDAY - timedelta(days=2)
    answer = bot.slack.command(MENTEE, "pause 2").json()["text"]
    assert "Paused until" in answer and "told your mentoring partner" in answer
    until = rows(bot, Person, Person.user_id == MENTEE)[0].paused_until
    assert until is not None

    # The partner hears of the break and its end, and nothing of why.
    [note] = [p for p in bot.fake.posts_to(MENTOR) if BREAK in all_text(p)]
    assert f"<@{MENTEE}>" in all_text(note) and str(int(until.timestamp())) in all_text(note)

    # Both homes show the pause instead of a check-in that won't come.
    mine = json.dumps(home_of(bot, MENTEE))
    assert "You're paused until" in mine and str(int(until.timestamp())) in mine
    assert "Check-ins paused until" in mine and "Next check-in" not in mine
    # The mentee's own controls (progress notes, encouragement) follow under their pair.
    assert list(home_buttons(home_of(bot, MENTEE)))[:3] == ["Find a mentor", "Offer to mentor", "Resume now"]
    theirs = json.dumps(home_of(bot, MENTOR))
    assert "Check-ins paused until" in theirs and "Next check-in" not in theirs and "You're paused" not in theirs
    assert "Pause 2 weeks" in home_buttons(home_of(bot, MENTOR))

    # /mentor resume ends it early: Monday's check-in comes after all, and the partner is told.
    assert "Welcome back" in bot.slack.command(MENTEE, "resume").json()["text"]
    assert rows(bot, Person, Person.user_id == MENTEE)[0].paused_until is None
    assert any("back from their break" in all_text(p) for p in bot.fake.posts_to(MENTOR))
    assert "Next check-in" in json.dumps(home_of(bot, MENTEE))
    tick(bot, MONDAY)
    assert len(checkins(bot, pairing)) == 1 and [c.period for c in rows(bot, CheckIn)] == [1]
    assert "nothing to resume" in bot.slack.command(MENTEE, "resume").json()["text"]
    assert "/mentor resume" in bot.slack.command(MENTEE, "help").json()["text"]


def test_app_home_pause_and_resume_buttons_tell_the_truth(bot):
    pair(bot)
    pause = home_buttons(home_of(bot, MENTOR))["Pause 2 weeks"]
    assert bot.slack.click(MENTOR, pause["action_id"], pause["value"]).status == 200
    assert rows(bot, Person, Person.user_id == MENTOR)[0].paused_until is not None
    assert any(BREAK in all_text(p) for p in bot.fake.posts_to(MENTEE))
    assert "Paused until" in bot.fake.posts_to(MENTOR)[-1]["text"]

    resume = home_buttons(home_of(bot, MENTOR))["Resume now"]
    assert bot.slack.click(MENTOR, resume["action_id"], resume["value"]).status == 200
    assert rows(bot, Person, Person.user_id == MENTOR)[0].paused_until is None
    assert "Welcome back" in bot.fake.posts_to(MENTOR)[-1]["text"]
    assert "Pause 2 weeks" in home_buttons(home_of(bot, MENTOR))


def test_pause_is_not_offered_to_someone_with_nothing_to_pause(bot):
    view = home_of(bot, MENTEE)
    assert list(home_buttons(view)) == ["Find a mentor", "Offer to mentor"]
    # An old home tab's Pause button answers truthfully and pauses nothing.
    assert bot.slack.click(MENTEE, "home_pause", "pause").status == 200
    assert "nothing to pause" in bot.fake.posts_to(MENTEE)[-1]["text"]
    assert [p.paused_until for p in rows(bot, Person, Person.user_id == MENTEE)] in ([], [None])
    # The command says so too, instead of promising a pause of check-ins there are none of.
    text = bot.slack.command(MENTEE, "pause").json()["text"]
    assert "nothing to pause yet" in text
