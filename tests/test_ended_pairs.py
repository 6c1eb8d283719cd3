"""Old buttons of a pair that has ended deliver nothing and get a kind answer, through the real endpoint."""

from __future__ import annotations

from datetime import timedelta

from bot.storage.models import CheckIn, Feedback, HelpReport, Pairing, Survey
from tests.conftest import OWNER
from tests.flows import MENTEE, MENTOR, all_text, checkins, count, dms, pair, rows, tick
from tests.slackclient import select_value, state, text_value
from tests.test_rhythm import MONDAY, WEEK

ENDED = "This pairing has ended"
PRIVATE = "You ask questions that make me think harder."


def rematch(bot, pairing) -> None:
    """The mentee asks for help on the newest check-in, then for a no-fault rematch."""
    bot.slack.click_button(checkins(bot, pairing)[-1], "Need help", MENTEE)
    view = bot.slack.opened_view("checkin_help_note")
    assert bot.slack.submit(view, state(note=text_value("We never manage to meet.")), MENTEE).status == 200
    [offer_post] = dms(bot, MENTEE, "Find me a new mentor")
    assert bot.slack.click_button(offer_post, "Find me a new mentor", MENTEE).status == 200
    [ended] = rows(bot, Pairing, Pairing.id == pairing.id)
    assert (ended.status, ended.end_reason) == ("ended", "rematch")


def last_note(bot) -> str:
    return bot.fake.calls_to("chat.postEphemeral")[-1]["text"]


def meet_then_reach_feedback(bot, pairing) -> None:  # type: ignore[no-untyped-def]
    """The pair meets in week 1 (feedback needs a meeting), and week 4 brings the feedback invitations."""
    tick(bot, MONDAY)
    bot.slack.click_button(checkins(bot, pairing)[0], "We met", MENTEE)
    for week in range(1, 4):
        tick(bot, MONDAY + week * WEEK)


def test_feedback_after_a_rematch_ended_the_pair_is_not_delivered(bot):
    pairing = pair(bot)
    meet_then_reach_feedback(bot, pairing)
    [invite] = dms(bot, MENTEE, "Share feedback")
    # The mentee opens the feedback form while the pair is active, and sends it after the rematch.
    bot.slack.click_button(invite, "Share feedback", MENTEE)
    view = bot.slack.opened_view("feedback_submit")
    rematch(bot, pairing)
    values = state(working=text_value(PRIVATE), **{"try": text_value("Send an agenda the day before.")})
    response = bot.slack.submit(view, values, MENTEE)
    assert response.status == 200
    body = response.json()
    assert body["response_action"] == "errors" and ENDED in body["errors"]["working"]
    assert count(bot, Feedback) == 0
    assert all(PRIVATE not in all_text(c) for c in bot.fake.calls_to("chat.postMessage"))

    # The mentor's old "Share feedback" button no longer opens the form.
    opened = len(bot.fake.calls_to("views.open"))
    [mentor_invite] = dms(bot, MENTOR, "Share feedback")
    assert bot.slack.click_button(mentor_invite, "Share feedback", MENTOR).status == 200
    assert len(bot.fake.calls_to("views.open")) == opened
    assert ENDED in last_note(bot)


def test_a_superseded_checkin_of_an_ended_pair_takes_no_help_note_and_no_pulse(bot):
    pairing = pair(bot)
    tick(bot, MONDAY)
    tick(bot, MONDAY + WEEK)  # the week 1 check-in is superseded by week 2
    week_one = checkins(bot, pairing)[0]
    rematch(bot, pairing)
    reports = count(bot, HelpReport)
    owner_posts = len(bot.fake.posts_to(OWNER))
    opened = len(bot.fake.calls_to("views.open"))
    assert bot.slack.click_button(week_one, "Need help", MENTEE).status == 200
    assert len(bot.fake.calls_to("views.open")) == opened
    assert ENDED in last_note(bot)

    # A help form still open from before gets a kind refusal, and nothing reaches the owners.
    help_view = {
        "callback_id": "checkin_help_note",
        "private_metadata": f'{{"checkin_id": {rows(bot, CheckIn, CheckIn.period == 1)[0].id}}}',
    }
    response = bot.slack.submit(help_view, state(note=text_value("A late note about week one.")), MENTEE)
    assert response.json()["response_action"] == "errors" and ENDED in response.json()["errors"]["note"]
    assert count(bot, HelpReport) == reports and len(bot.fake.posts_to(OWNER)) == owner_posts

    pulse_view = {
        "callback_id": "checkin_pulse",
        "private_metadata": f'{{"checkin_id": {rows(bot, CheckIn, CheckIn.period == 1)[0].id}}}',
    }
    values = state(usefulness=select_value("5"), confidence=select_value("4"))
    response = bot.slack.submit(pulse_view, values, MENTEE)
    assert response.json()["response_action"] == "errors"
    assert [c.usefulness for c in rows(bot, CheckIn)] == [None, None]


def test_closing_buttons_of_a_pair_that_ended_early_change_nothing(bot):
    pairing = pair(bot)
    tick(bot, MONDAY)
    rematch(bot, pairing)
    bot.slack.click(MENTEE, "after_informal", str(pairing.id))
    assert rows(bot, Pairing, Pairing.id == pairing.id)[0].afterwards == "rematch"
    assert ENDED in last_note(bot)
    opened = len(bot.fake.calls_to("views.open"))
    bot.slack.click(MENTEE, "survey_open", str(pairing.id))
    assert len(bot.fake.calls_to("views.open")) == opened
    survey_view = {"callback_id": "survey_submit", "private_metadata": f'{{"pairing_id": {pairing.id}}}'}
    values = state(rating=select_value("1"), recommend=select_value("0"), goals=select_value("no"))
    assert bot.slack.submit(survey_view, values, MENTEE).json()["response_action"] == "errors"
    assert count(bot, Survey) == 0


def test_a_completed_pair_still_takes_its_survey_but_no_feedback(bot):
    pairing = pair(bot)
    tick(bot, pairing.started_at + timedelta(weeks=12))
    assert rows(bot, Pairing)[0].status == "completed"
    feedback_view = {"callback_id": "feedback_submit", "private_metadata": f'{{"pairing_id": {pairing.id}}}'}
    values = state(working=text_value(PRIVATE), **{"try": text_value("Send an agenda the day before.")})
    assert bot.slack.submit(feedback_view, values, MENTEE).json()["response_action"] == "errors"
    assert count(bot, Feedback) == 0
    [survey] = dms(bot, MENTEE, "Take the survey")
    bot.slack.click_button(survey, "Take the survey", MENTEE)
    view = bot.slack.opened_view("survey_submit")
    values = state(rating=select_value("4"), recommend=select_value("8"), goals=select_value("yes"))
    assert bot.slack.submit(view, values, MENTEE).status == 200
    assert count(bot, Survey) == 1


def test_feedback_and_help_notes_that_show_nothing_are_refused(bot):
    pairing = pair(bot)
    meet_then_reach_feedback(bot, pairing)
    [invite] = dms(bot, MENTEE, "Share feedback")
    bot.slack.click_button(invite, "Share feedback", MENTEE)
    view = bot.slack.opened_view("feedback_submit")
    blank = "\u200b\u200c\u200d\u2060\ufeff"
    values = state(working=text_value(blank), **{"try": text_value("\u3000\u00a0\u200b\u200b")})
    assert bot.slack.submit(view, values, MENTEE).json()["response_action"] == "errors"
    assert count(bot, Feedback) == 0
    bot.slack.click_button(checkins(bot, pairing)[-1], "Need help", MENTEE)
    help_view = bot.slack.opened_view("checkin_help_note")
    assert bot.slack.submit(help_view, state(note=text_value(blank * 3)), MENTEE).json()["response_action"] == "errors"
    assert count(bot, HelpReport) == 0 and bot.fake.posts_to(OWNER) == []
