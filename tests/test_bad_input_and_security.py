"""Bad input gets a friendly answer; forged requests, strangers and other workspaces change nothing."""

from __future__ import annotations

import time

from bot.storage.models import MentoringRequest, MentorProfile, Pairing, Proposal, Workspace
from tests.fakeslack import DEFAULT_TEAM
from tests.flows import GOALS, MENTEE, MENTOR, count, offer, proposals_to, request, request_values, rows
from tests.slackclient import multi_value, select_value, state, text_value
from tests.test_oauth_installs import install, installs  # noqa: F401, F811 - the two-workspace fixture

TEAM_B = "TBBBB0002"


def test_short_goals_come_back_as_modal_errors_and_nothing_is_stored(bot):
    response = request(bot, goals="help")
    body = response.json()
    assert response.status == 200 and body["response_action"] == "errors"
    assert "at least 10 characters" in body["errors"]["goals"]
    assert count(bot, MentoringRequest) == 0


def test_overlong_goals_are_refused(bot):
    body = request(bot, goals="x" * 1001).json()
    assert "under 1000 characters" in body["errors"]["goals"]


def test_offer_without_topics_or_level_lists_each_problem(bot):
    bot.slack.command(MENTOR, "offer")
    view = bot.slack.opened_view("mentor_offer")
    values = state(
        topics=multi_value([]),
        topics_other=text_value(""),
        capacity=select_value("9"),
        level=select_value(None),
        bio=text_value("b" * 600),
    )
    body = bot.slack.submit(view, values, MENTOR).json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"topics", "capacity", "level", "bio"}
    assert count(bot, MentorProfile) == 0


def test_capacity_cannot_drop_below_current_mentees(bot):
    offer(bot, MENTOR, capacity="2")
    request(bot, user="U0MENTEE01")
    request(bot, user="U0MENTEE02")
    assert len(proposals_to(bot, MENTOR)) == 2
    body = offer(bot, MENTOR, capacity="1").json()
    assert "at least 2" in body["errors"]["capacity"]
    assert rows(bot, MentorProfile)[0].capacity == 2


def test_a_submission_missing_blocks_is_an_error_not_a_crash(bot):
    bot.slack.command(MENTEE, "request")
    view = bot.slack.opened_view("mentee_request")
    response = bot.slack.submit(view, {"unexpected": {"x": {"type": "datepicker"}}}, MENTEE)
    assert response.status == 200 and "goals" in response.json()["errors"]


def test_forged_and_stale_signatures_are_rejected_and_change_nothing(bot):
    # The token was checked when the bot started (auth.test); from here on, nothing may reach Slack.
    assert [c.method for c in bot.fake.calls] == ["auth.test"]
    bot.fake.reset_calls()
    body = bot.slack.command_body(MENTEE, "request")
    form = "application/x-www-form-urlencoded"
    assert bot.slack.post(body, form, secret="not-the-secret").status == 401
    assert bot.slack.post(body, form, timestamp=int(time.time()) - 3600).status == 401
    assert bot.slack.post(body, form, signature="v0=deadbeef").status == 401
    payload = bot.slack.submission({"callback_id": "mentee_request"}, request_values(), MENTEE)
    import json
    from urllib.parse import urlencode

    raw = urlencode({"payload": json.dumps(payload)}).encode()
    assert bot.slack.post(raw, form, secret="wrong").status == 401
    assert bot.fake.calls == []
    assert count(bot, MentoringRequest) == 0 and count(bot, Workspace) == 0


def test_the_same_submission_delivered_twice_makes_one_request_and_one_proposal(bot):
    offer(bot, MENTOR)
    bot.slack.command(MENTEE, "request")
    view = bot.slack.opened_view("mentee_request")
    payload = bot.slack.submission(view, request_values(), MENTEE)
    first, second = bot.slack.interactive(payload), bot.slack.interactive(payload)
    assert (first.status, second.status) == (200, 200)
    assert second.body == ""  # the redelivery closes the modal as the first did
    assert count(bot, MentoringRequest) == 1
    assert len(proposals_to(bot, MENTOR)) == 1
    assert len(bot.fake.posts_to(MENTEE)) == 1


def test_double_click_on_accept_makes_one_pairing_and_one_intro(bot):
    offer(bot, MENTOR)
    request(bot)
    [proposal] = proposals_to(bot, MENTOR)
    assert bot.slack.click_button(proposal, "Accept", MENTOR).status == 200
    assert bot.slack.click_button(proposal, "Accept", MENTOR).status == 200
    assert count(bot, Pairing) == 1
    assert len(bot.fake.calls_to("conversations.open")) == 1
    channel = rows(bot, Pairing)[0].dm_channel_id
    assert len(bot.fake.posts_to(channel)) == 1


def test_only_the_asked_mentor_can_answer(bot):
    offer(bot, MENTOR)
    request(bot)
    [proposal] = proposals_to(bot, MENTOR)
    assert bot.slack.click_button(proposal, "Accept", "U0STRANGER").status == 200
    assert count(bot, Pairing) == 0
    assert rows(bot, Proposal)[0].status == "pending"
    [refusal] = bot.fake.calls_to("chat.postEphemeral")
    assert refusal["user"] == "U0STRANGER" and "sent to someone else" in refusal["text"]


def test_unknown_or_malformed_buttons_get_a_friendly_note(bot):
    response = bot.slack.click(MENTOR, "launch_rockets", "1")
    assert response.status == 200
    assert "don't recognise that button" in bot.fake.calls_to("chat.postEphemeral")[-1]["text"]
    assert bot.slack.click(MENTOR, "proposal_accept", "not-a-number").status == 200
    assert bot.slack.click(MENTOR, "proposal_accept", "999999").status == 200
    assert "can't find that request" in bot.fake.calls_to("chat.postEphemeral")[-1]["text"]


def test_an_unknown_modal_and_an_unknown_command_are_answered_kindly(bot):
    response = bot.slack.submit({"callback_id": "from_an_old_version"}, {}, MENTEE)
    assert response.status == 200 and response.json()["response_action"] == "update"
    response = bot.slack.command(MENTEE, "", command="/mentorz")
    assert response.status == 200 and "/mentor help" in response.body


def test_workspaces_never_see_each_other(installs):  # noqa: F811 - the fixture imported above
    """Two workspaces installed through OAuth, one bot."""
    bot = installs
    install(bot, DEFAULT_TEAM)
    install(bot, TEAM_B)
    offer(bot, MENTOR, team=DEFAULT_TEAM)
    request(bot, user="U0BMENTEE1", team=TEAM_B)
    # Workspace B's request cannot reach workspace A's mentor.
    assert proposals_to(bot, MENTOR) == []
    [b_request] = rows(bot, MentoringRequest)
    assert (b_request.team_id, b_request.status) == (TEAM_B, "waiting")

    request(bot, user=MENTEE, team=DEFAULT_TEAM)
    [proposal] = proposals_to(bot, MENTOR)
    # A user in B who tries A's proposal id finds nothing, and nothing changes.
    bot.slack.click(MENTOR, "proposal_accept", proposal["blocks"][4]["elements"][0]["value"], team=TEAM_B)
    assert count(bot, Pairing) == 0
    assert "can't find" in bot.fake.calls_to("chat.postEphemeral")[-1]["text"]
    # B's status shows nothing of A; A's shows nothing of B.
    b_status = bot.slack.command("U0BMENTEE1", "status", team=TEAM_B).json()["text"]
    assert MENTOR not in b_status and "waiting" in b_status
    a_status = bot.slack.command(MENTOR, "status", team=TEAM_B).json()["text"]
    assert "not part of a mentoring pair" in a_status


def test_app_home_shows_the_callers_own_status(bot):
    request(bot)
    response = bot.slack.event(
        {"type": "app_home_opened", "user": MENTEE, "channel": "D1", "tab": "home", "event_ts": "1.2"}
    )
    assert response.status == 200
    published = bot.fake.calls_to("views.publish")[-1]
    assert published["user_id"] == MENTEE
    assert "waiting" in str(published["view"])
    assert GOALS not in str(published["view"])


def test_an_internal_failure_is_a_friendly_message_not_a_500(bot):
    from sqlalchemy import text

    offer(bot, MENTOR)
    assert bot.slack.command(MENTEE, "request").status == 200  # the form opens while all is well
    with bot.rt.engine.begin() as conn:  # break the database underneath the running bot
        conn.execute(text("ALTER TABLE mentoring_requests RENAME TO broken_requests"))
    status = bot.slack.command(MENTEE, "help")
    assert status.status == 200 and "Sorry" not in status.body  # help does not need the broken table
    view = bot.slack.opened_view("mentee_request")
    response = bot.slack.submit(view, request_values(), MENTEE)
    assert response.status == 200
    body = response.json()
    assert body["response_action"] == "update" and "went wrong" in str(body["view"])
    assert "Traceback" not in response.body
    with bot.rt.engine.begin() as conn:
        conn.execute(text("ALTER TABLE broken_requests RENAME TO mentoring_requests"))
    assert count(bot, MentoringRequest) == 0  # the failed transaction left nothing half-done


def test_env_example_is_a_working_configuration():
    from pathlib import Path

    from dotenv import dotenv_values

    from bot.config import load_settings

    values = {k: v or "" for k, v in dotenv_values(Path(__file__).parent.parent / ".env.example").items()}
    # Once the three Slack values are filled in, every other line of the example is a working default.
    values.update(SLACK_BOT_TOKEN="xoxb-1-2-real", SLACK_SIGNING_SECRET="0123abcd", SLACK_APP_TOKEN="xapp-1-A1-real")
    settings = load_settings(values)
    assert settings.port == 3000 and settings.socket_mode
    assert settings.database_url.startswith("sqlite")


BLANKS = ["\u200b" * 12, "\u200c\u200d\u2060\ufeff" * 4, "\u00a0" * 12, "\u3000" * 12, "\u200b \u3164\u2800 " * 4]


def _program_form(bot):
    from tests.conftest import OWNER

    assert bot.slack.command(OWNER, "program Mentoring").status == 200
    return OWNER, bot.slack.opened_view("program_edit")


def _program_row(bot):
    from bot.storage.models import Program

    [program] = rows(bot, Program)
    return (program.name, program.length_weeks, program.cadence_weeks, program.topics, program.starts_at)


def test_unicode_digits_in_the_program_length_get_the_try_a_number_error(bot):
    owner, view = _program_form(bot)
    before = _program_row(bot)
    for length in ("²", "¹²", "١٢", "１２", "1_2", "12.0", "-3", "9" * 40):
        values = state(name=text_value("Mentoring"), topics=text_value("Leadership"), length_weeks=text_value(length))
        response = bot.slack.submit(view, values, owner)
        assert response.status == 200, length
        body = response.json()
        assert body["response_action"] == "errors" and "number of weeks" in body["errors"]["length_weeks"], length
    assert _program_row(bot) == before


def test_forged_program_menus_dates_and_people_are_refused_not_a_crash(bot):
    owner, view = _program_form(bot)
    before = _program_row(bot)
    forged = [
        ("cadence_weeks", select_value("²")),
        ("checkin_hour", select_value("٣")),
        ("default_capacity", select_value("-0")),
        ("starts_on", {"type": "datepicker", "selected_date": "2026-13-45"}),
        ("starts_on", {"type": "datepicker", "selected_date": "２０２６-01-01"}),
        ("owners", {"type": "multi_users_select", "selected_users": ["U0OK0001", "'; DROP TABLE programs;--"]}),
        ("stats_channel", {"type": "conversations_select", "selected_conversation": "#general\n"}),
        ("timezone", text_value("Europe/" + "x" * 5000)),
    ]
    for block_id, value in forged:
        values = state(name=text_value("Mentoring"), topics=text_value("Leadership"), **{block_id: value})
        response = bot.slack.submit(view, values, owner)
        assert response.status == 200, block_id
        assert response.json()["response_action"] == "errors" and block_id in response.json()["errors"], block_id
    assert _program_row(bot) == before


def test_a_program_name_or_topics_that_show_nothing_are_refused(bot):
    owner, view = _program_form(bot)
    before = _program_row(bot)
    for blank in BLANKS:
        values = state(name=text_value(blank), topics=text_value(f"{blank}\n{blank}, {blank}"))
        errors = bot.slack.submit(view, values, owner).json()["errors"]
        assert "name" in errors and "topics" in errors
    assert _program_row(bot) == before


def test_goals_and_profile_text_read_through_intake_treat_invisible_text_as_blank():
    from bot.matching.intake import read_profile, read_request

    for blank in BLANKS:
        form, errors = read_request(request_values(goals=blank))
        assert form is None and "at least 10 characters" in errors["goals"]
    padded, errors = read_request(request_values(goals="ok" + "\u200b" * 30))
    assert padded is None and "goals" in errors
    form, errors = read_request(request_values(goals="Grow as a leader\u200b"))
    assert form is not None and errors == {}
    values = state(
        topics=multi_value(["Leadership"]),
        topics_other=text_value("\u200b\u200b"),
        capacity=select_value("2"),
        level=select_value("4"),
        department=text_value("\u3000\u200b"),
        bio=text_value("\ufeff"),
    )
    profile, errors = read_profile(values)
    assert errors == {} and profile is not None
    assert (profile.topics, profile.department, profile.bio) == (["Leadership"], None, None)


def test_goals_made_only_of_invisible_characters_are_refused_at_the_endpoint(bot):
    for blank in BLANKS:
        body = request(bot, goals=blank).json()
        assert body["response_action"] == "errors" and "at least 10 characters" in body["errors"]["goals"]
    assert count(bot, MentoringRequest) == 0
