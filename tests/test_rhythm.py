"""A pair's rhythm, travelling through weeks with ticks at chosen instants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from bot.pairing.planner import QUIET_BEFORE_END
from bot.programs.catalog import open_programs
from bot.storage.database import unit_of_work
from bot.storage.models import (
    CheckIn,
    Delivery,
    Feedback,
    HelpReport,
    MentoringRequest,
    Pairing,
    Program,
    PromptUse,
    Survey,
)
from bot.storage.statuses import DeliveryKind
from tests.conftest import OWNER
from tests.fakeslack import DEFAULT_TEAM
from tests.flows import (
    MENTEE,
    MENTOR,
    MENTOR2,
    all_text,
    buttons,
    checkins,
    count,
    dms,
    offer,
    pair,
    proposals_to,
    rows,
    tick,
)
from tests.slackclient import select_value, state, text_value

# The bot's clock starts on Wednesday 2 December 2026 at 12:00 UTC (tests/conftest.py).
MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # 10:00 in Berlin, the mentee's timezone
WEEK = timedelta(weeks=1)


def set_program(bot, **values):
    """Program settings an owner would choose (the workspace's default program is made on first use)."""
    with unit_of_work(bot.rt.sessions) as s:
        open_programs(s, DEFAULT_TEAM, bot.rt.now())
        s.execute(update(Program).values(**values))


def test_first_checkin_is_on_monday_at_ten_in_the_mentees_timezone(bot):
    pairing = pair(bot)
    tick(bot, MONDAY - timedelta(minutes=1))
    assert checkins(bot, pairing) == []
    report = tick(bot, MONDAY)
    assert report.plan.checkins == 1
    [checkin] = checkins(bot, pairing)
    assert "week 1" in checkin["text"]
    # Ticking again at the same or a later moment that week sends nothing new.
    tick(bot, MONDAY)
    tick(bot, MONDAY + timedelta(days=3))
    assert len(checkins(bot, pairing)) == 1


def test_timezones_move_the_hour(bot):
    pairing = pair(bot, mentee_tz="America/New_York", mentee_offset=-5 * 3600)
    tick(bot, MONDAY)
    assert checkins(bot, pairing) == []  # 04:00 in New York
    tick(bot, datetime(2026, 12, 7, 15, 0, tzinfo=UTC))  # 10:00 in New York
    assert len(checkins(bot, pairing)) == 1


def test_checkins_stay_at_ten_local_across_a_dst_change(bot):
    set_program(bot, length_weeks=30)
    pairing = pair(bot)
    when = MONDAY
    for _ in range(16):  # to Monday 22 March 2027, Berlin still on winter time
        tick(bot, when)
        when += WEEK
    assert len(checkins(bot, pairing)) == 16
    # Clocks go forward on 28 March: Monday 29 March 10:00 in Berlin is 08:00 UTC.
    tick(bot, datetime(2027, 3, 29, 7, 59, tzinfo=UTC))
    assert len(checkins(bot, pairing)) == 16
    tick(bot, datetime(2027, 3, 29, 8, 0, tzinfo=UTC))
    assert len(checkins(bot, pairing)) == 17


def test_cadence_of_two_weeks(bot):
    set_program(bot, cadence_weeks=2)
    pairing = pair(bot)
    for week in range(6):
        tick(bot, MONDAY + week * WEEK)
    assert len(checkins(bot, pairing)) == 3


def test_missed_weeks_after_downtime_are_not_replayed(bot):
    pairing = pair(bot)
    tick(bot, MONDAY + 3 * WEEK + timedelta(hours=2))
    assert len(checkins(bot, pairing)) == 1
    assert rows(bot, CheckIn)[0].period == 4


def test_we_met_records_who_and_asks_usefulness_and_confidence(bot):
    pairing = pair(bot)
    tick(bot, MONDAY)
    [post] = checkins(bot, pairing)
    assert bot.slack.click_button(post, "We met", MENTEE).status == 200
    [checkin] = rows(bot, CheckIn)
    assert (checkin.answer, checkin.answered_by, checkin.answered_at) == ("met", MENTEE, MONDAY)
    view = bot.slack.opened_view("checkin_pulse")
    assert {b.get("block_id") for b in view["blocks"]} >= {"usefulness", "confidence"}
    values = state(usefulness=select_value("4"), confidence=select_value("3"))
    assert bot.slack.submit(view, values, MENTEE).status == 200
    [checkin] = rows(bot, CheckIn)
    assert (checkin.usefulness, checkin.confidence) == (4, 3)
    updated = bot.fake.calls_to("chat.update")[-1]
    assert "says you met" in updated["text"] and "4" not in updated["text"]


def test_mentor_says_we_met_and_the_mentee_gets_the_confidence_pulse(bot):
    pairing = pair(bot)
    tick(bot, MONDAY)
    bot.slack.click_button(checkins(bot, pairing)[0], "We met", MENTOR)
    view = bot.slack.opened_view("checkin_pulse")
    assert "confidence" not in {b.get("block_id") for b in view["blocks"]}
    [pulse] = [p for p in dms(bot, MENTEE) if buttons(p) == ["1", "2", "3", "4", "5"]]
    bot.slack.click_button(pulse, "5", MENTEE)
    assert rows(bot, CheckIn)[0].confidence == 5
    # Only the mentee's pulse counts as theirs.
    bot.slack.click_button(pulse, "1", MENTOR)
    assert rows(bot, CheckIn)[0].confidence == 5


def test_not_yet_reminds_in_two_days_once(bot):
    pairing = pair(bot)
    tick(bot, MONDAY)
    bot.slack.click_button(checkins(bot, pairing)[0], "Not yet", MENTOR)
    assert rows(bot, CheckIn)[0].answer == "not_yet"
    tick(bot, MONDAY + timedelta(days=1))
    before = len(bot.fake.posts_to(pairing.dm_channel_id))
    tick(bot, MONDAY + timedelta(days=2))
    posts = bot.fake.posts_to(pairing.dm_channel_id)
    assert len(posts) == before + 1 and "nudge" in posts[-1]["text"]
    tick(bot, MONDAY + timedelta(days=3))
    assert len(bot.fake.posts_to(pairing.dm_channel_id)) == before + 1


def test_a_check_in_no_longer_open_keeps_no_reminder(bot):
    pairing = pair(bot)
    tick(bot, MONDAY)
    # "Not yet" late in the week: its reminder would fall after the next check-in has superseded it.
    bot.clock.at = MONDAY + timedelta(days=6)
    bot.slack.click_button(checkins(bot, pairing)[0], "Not yet", MENTOR)
    assert rows(bot, CheckIn)[0].remind_at == MONDAY + timedelta(days=8)
    tick(bot, MONDAY + WEEK)
    superseded, _ = sorted(rows(bot, CheckIn), key=lambda c: c.period)
    assert (superseded.status, superseded.remind_at) == ("superseded", None)
    bot.slack.click_button(checkins(bot, pairing)[-1], "Not yet", MENTEE)
    [current] = [c for c in rows(bot, CheckIn) if c.status == "open"]
    assert current.remind_at is not None
    assert bot.slack.command(MENTEE, "leave").status == 200
    assert [(c.status, c.remind_at) for c in rows(bot, CheckIn) if c.id == current.id] == [("closed", None)]
    before = len(bot.fake.posts_to(pairing.dm_channel_id))
    tick(bot, MONDAY + WEEK + timedelta(days=3))
    assert len(bot.fake.posts_to(pairing.dm_channel_id)) == before


def test_skip_the_reminder(bot):
    pairing = pair(bot)
    tick(bot, MONDAY)
    bot.slack.click_button(checkins(bot, pairing)[0], "Not yet", MENTEE)
    updated = bot.fake.calls_to("chat.update")[-1]
    skip = next(
        e
        for b in updated["blocks"]
        for e in b.get("elements", [])
        if e.get("type") == "button" and e["text"]["text"] == "Skip the reminder"
    )
    bot.slack.click(MENTEE, skip["action_id"], skip["value"], channel=pairing.dm_channel_id, ts=updated["ts"])
    before = len(bot.fake.posts_to(pairing.dm_channel_id))
    tick(bot, MONDAY + timedelta(days=2))
    assert len(bot.fake.posts_to(pairing.dm_channel_id)) == before


def test_need_help_reaches_only_the_owners_and_offers_a_no_fault_rematch(bot):
    pairing = pair(bot)
    offer(bot, MENTOR2, topics=["Leadership"])
    tick(bot, MONDAY)
    bot.slack.click_button(checkins(bot, pairing)[0], "Need help", MENTEE)
    view = bot.slack.opened_view("checkin_help_note")
    secret = "We keep cancelling and I feel awkward raising it."
    assert bot.slack.submit(view, state(note=text_value(secret)), MENTEE).status == 200

    owner_posts = bot.fake.posts_to(OWNER)
    assert len(owner_posts) == 1 and secret in all_text(owner_posts[0])
    everyone_else = [c for c in bot.fake.calls_to("chat.postMessage") if c.get("channel") != OWNER]
    assert all(secret not in all_text(c) for c in everyone_else)
    assert count(bot, HelpReport) == 1

    [offer_post] = dms(bot, MENTEE, "Find me a new mentor")
    assert bot.slack.click_button(offer_post, "Find me a new mentor", MENTEE).status == 200
    [ended] = rows(bot, Pairing, Pairing.id == pairing.id)
    assert (ended.status, ended.end_reason) == ("ended", "rematch")
    assert "fresh match" in bot.fake.posts_to(MENTOR)[-1]["text"]
    # The new request goes to the other mentor, never back to the first.
    assert len(proposals_to(bot, MENTOR2)) == 1 and len(proposals_to(bot, MENTOR)) == 1
    assert count(bot, MentoringRequest, MentoringRequest.status == "proposed") == 1


def test_a_stranger_cannot_answer_or_ask_for_help(bot):
    pairing = pair(bot)
    tick(bot, MONDAY)
    post = checkins(bot, pairing)[0]
    bot.slack.click_button(post, "We met", "U0STRANGER")
    bot.slack.click_button(post, "Need help", "U0STRANGER")
    assert rows(bot, CheckIn)[0].answer is None
    assert bot.fake.calls_to("views.open")[-1]["view"]["callback_id"] != "checkin_help_note"
    assert "another mentoring pair" in bot.fake.calls_to("chat.postEphemeral")[-1]["text"]


def test_an_unanswered_checkin_is_superseded_not_stacked(bot):
    pairing = pair(bot)
    tick(bot, MONDAY)
    tick(bot, MONDAY + WEEK)
    statuses = sorted((c.period, c.status) for c in rows(bot, CheckIn))
    assert statuses == [(1, "superseded"), (2, "open")]
    old = checkins(bot, pairing)[0]
    bot.slack.click_button(old, "We met", MENTEE)
    assert "newer check-in" in bot.fake.calls_to("chat.postEphemeral")[-1]["text"]
    assert all(c.answer is None for c in rows(bot, CheckIn))


def test_stalled_pairs_are_nudged_after_three_misses_then_owners_alerted(bot):
    pairing = pair(bot)
    for week in range(3):
        tick(bot, MONDAY + week * WEEK)
    assert [p for p in dms(bot, MENTEE) if "three check-ins" in p["text"]] == []
    tick(bot, MONDAY + 3 * WEEK)
    for user in (MENTEE, MENTOR):
        assert len([p for p in bot.fake.posts_to(user) if "three check-ins" in p["text"]]) == 1
    assert bot.fake.posts_to(OWNER) == []
    tick(bot, MONDAY + 4 * WEEK)
    [alert] = bot.fake.posts_to(OWNER)
    assert "four check-ins in a row" in alert["text"]
    # A "We met" resets the count.
    bot.slack.click_button(checkins(bot, pairing)[-1], "We met", MENTOR)
    for week in range(5, 8):
        tick(bot, MONDAY + week * WEEK)
    assert len(bot.fake.posts_to(OWNER)) == 1


def test_prompts_alternate_and_the_mentee_can_share_one(bot):
    pairing = pair(bot)
    tick(bot, MONDAY)
    [mentee_prompt] = dms(bot, MENTEE, "Share with my mentor")
    assert [p for p in bot.fake.posts_to(MENTOR) if "A thought for your mentoring" in p["text"]] == []
    tick(bot, MONDAY + WEEK)
    assert len([p for p in bot.fake.posts_to(MENTOR) if "A thought for your mentoring" in p["text"]]) == 1
    assert len(dms(bot, MENTEE, "Share with my mentor")) == 1

    bot.slack.click_button(mentee_prompt, "Share with my mentor", MENTEE)
    bot.slack.click_button(mentee_prompt, "Share with my mentor", MENTEE)
    shared = [p for p in bot.fake.posts_to(pairing.dm_channel_id) if "would like to talk about" in p["text"]]
    assert len(shared) == 1
    prompt_text = mentee_prompt["blocks"][0]["text"]["text"].split("\n", 1)[1]
    assert prompt_text in all_text(shared[0])


def test_prompts_do_not_repeat_until_the_library_is_used_up(bot):
    set_program(bot, length_weeks=60)
    pair(bot)
    for week in range(56):
        tick(bot, MONDAY + week * WEEK)
    mentee_keys = [
        u.prompt_key for u in sorted(rows(bot, PromptUse, PromptUse.audience == "mentee"), key=lambda u: u.period)
    ]
    from bot.pairing.prompts import MENTEE as SIDE
    from bot.pairing.prompts import library

    size = len(library(SIDE))
    assert len(mentee_keys) == 28 and size < 28
    # Every prompt once before any comes again; then a new round of the same library starts.
    assert len(set(mentee_keys[:size])) == size and set(mentee_keys[size:]) <= set(mentee_keys[:size])


def test_reverse_programs_reword_the_prompts(bot):
    set_program(bot, kind="reverse")
    pair(bot, level="1", reverse=True)
    tick(bot, MONDAY)
    [prompt] = dms(bot, MENTEE, "Share with my mentor")
    from bot.pairing.prompts import LIBRARY

    body = prompt["blocks"][0]["text"]["text"]
    assert any(p.reverse in body for p in LIBRARY) and not any(p.classic in body for p in LIBRARY)


def test_feedback_every_four_weeks_reaches_only_the_other_person(bot):
    pairing = pair(bot)
    tick(bot, MONDAY)
    bot.slack.click_button(checkins(bot, pairing)[0], "We met", MENTEE)  # feedback needs a meeting
    for week in range(1, 3):
        tick(bot, MONDAY + week * WEEK)
    assert dms(bot, MENTEE, "Share feedback") == []
    tick(bot, MONDAY + 3 * WEEK)
    [invite] = dms(bot, MENTEE, "Share feedback")
    assert len(dms(bot, MENTOR, "Share feedback")) == 1
    bot.slack.click_button(invite, "Share feedback", MENTEE)
    view = bot.slack.opened_view("feedback_submit")
    private = "You ask questions that make me think harder."
    values = state(working=text_value(private), **{"try": text_value("Send an agenda the day before.")})
    assert bot.slack.submit(view, values, MENTEE).status == 200
    assert bot.slack.submit(view, values, MENTEE).json()["response_action"] == "errors"
    [stored] = rows(bot, Feedback)
    assert (stored.from_user_id, stored.to_user_id) == (MENTEE, MENTOR)
    readers = [c["channel"] for c in bot.fake.calls_to("chat.postMessage") if private in all_text(c)]
    assert readers == [MENTOR]


def test_a_pair_that_never_met_is_nudged_but_not_asked_for_feedback(bot):
    pair(bot)
    for week in range(5):
        tick(bot, MONDAY + week * WEEK)
    assert dms(bot, MENTEE, "Share feedback") == [] and dms(bot, MENTOR, "Share feedback") == []
    assert rows(bot, Delivery, Delivery.kind == DeliveryKind.NUDGE)  # what they get instead


def test_the_program_ends_with_a_survey_and_a_choice(bot):
    pairing = pair(bot)
    for week in range(12):
        tick(bot, MONDAY + week * WEEK)
    # The last days are the survey's: the check-in that would land 2 days before the end is not sent.
    planned = rows(bot, CheckIn)
    assert len(planned) == 11
    ends_at = rows(bot, Pairing)[0].ends_at
    assert max(c.due_at for c in planned) <= ends_at - QUIET_BEFORE_END
    asking = (DeliveryKind.CHECKIN, DeliveryKind.PROMPT, DeliveryKind.FEEDBACK_INVITE)
    last_asks = [d.created_at for d in rows(bot, Delivery, Delivery.kind.in_(asking))]
    assert max(last_asks) <= ends_at - QUIET_BEFORE_END
    tick(bot, pairing.started_at + timedelta(weeks=12))
    [done] = rows(bot, Pairing)
    assert done.status == "completed"
    [survey] = dms(bot, MENTEE, "Take the survey")
    assert buttons(survey) == ["Take the survey", "Keep meeting informally", "Find me a new mentor"]
    assert buttons(dms(bot, MENTOR, "Take the survey")[0]) == ["Take the survey", "Keep meeting informally"]
    bot.slack.click_button(survey, "Take the survey", MENTEE)
    view = bot.slack.opened_view("survey_submit")
    values = state(rating=select_value("5"), recommend=select_value("9"), goals=select_value("partly"))
    assert bot.slack.submit(view, values, MENTEE).status == 200
    [answer] = rows(bot, Survey)
    assert (answer.rating, answer.recommend, answer.goals_reached) == (5, 9, "partly")
    bad = state(rating=select_value("7"), recommend=select_value("11"), goals=select_value("maybe"))
    assert set(bot.slack.submit(view, bad, MENTOR).json()["errors"]) == {"rating", "recommend", "goals"}
    bot.slack.click_button(survey, "Keep meeting informally", MENTEE)
    assert rows(bot, Pairing)[0].afterwards == "informal"
    # Nothing more is planned for a finished pair.
    tick(bot, pairing.started_at + timedelta(weeks=14))
    assert len(rows(bot, CheckIn)) == 11


def test_pause_skips_checkins_and_resumes_on_its_own(bot):
    pair(bot)
    bot.clock.at = MONDAY - timedelta(days=1)
    body = bot.slack.command(MENTEE, "pause").json()
    assert "Paused until" in body["text"]
    for week in range(4):
        tick(bot, MONDAY + week * WEEK)
    assert [c.period for c in rows(bot, CheckIn)] == [3, 4]  # weeks 1 and 2 fall in the pause
    assert "1 to 12" in bot.slack.command(MENTEE, "pause forever").body


def test_leave_ends_pairings_kindly(bot):
    pairing = pair(bot)
    body = bot.slack.command(MENTOR, "leave").json()
    assert "ended 1 pairing" in body["text"]
    assert rows(bot, Pairing)[0].status == "ended"
    assert "left the mentoring program" in bot.fake.posts_to(MENTEE)[-1]["text"]
    tick(bot, MONDAY)
    assert checkins(bot, pairing) == []
    assert "not part of a mentoring pair" in bot.slack.command(MENTOR, "status").json()["text"]


def test_a_mentor_who_left_slack_ends_the_pairing_and_the_mentee_is_told(bot):
    pair(bot)
    tick(bot, MONDAY)
    bot.fake.gone_users.add(MENTOR)
    tick(bot, MONDAY + WEEK)  # week 2 carries the mentor's prompt, by DM
    [ended] = rows(bot, Pairing)
    assert (ended.status, ended.end_reason) == ("ended", "unreachable")
    assert "can no longer reach them" in bot.fake.posts_to(MENTEE)[-1]["text"]


def test_tick_at_next_monday_ten_from_the_command_line(bot, tmp_path):
    from tests.conftest import bot_env
    from tests.test_cli import run_cli

    pairing = pair(bot)
    env = bot_env(bot.fake, bot.rt.engine.url.render_as_string(hide_password=False))
    result = run_cli(["tick", "--at", "2026-12-07T09:59:00+01:00"], env, tmp_path)
    assert result.returncode == 0 and checkins(bot, pairing) == []
    result = run_cli(["tick", "--at", "2026-12-07T10:00:00+01:00"], env, tmp_path)
    assert result.returncode == 0 and "planned 1 check-in and" in result.stdout, result.stdout + result.stderr
    assert len(checkins(bot, pairing)) == 1
    assert "planned 0 check-ins" in run_cli(["tick", "--at", "2026-12-07T10:00:00+01:00"], env, tmp_path).stdout


def test_a_group_dm_that_cannot_be_opened_ends_the_pairing_for_the_gone_member(bot):
    pair(bot)
    with unit_of_work(bot.rt.sessions) as s:
        s.execute(update(Pairing).values(dm_channel_id=None))
    bot.fake.gone_users.add(MENTEE)
    tick(bot, MONDAY)
    [ended] = rows(bot, Pairing)
    assert (ended.status, ended.end_reason) == ("ended", "unreachable")
    assert "can no longer reach them" in bot.fake.posts_to(MENTOR)[-1]["text"]
