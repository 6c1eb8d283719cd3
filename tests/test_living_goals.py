"""Goals that live: the mid-point look at the mentee's goals, private progress notes, goals then and now
in the closing survey, and the owners' count of pairs that looked again. Through the real endpoint."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.pairing import practice_views
from bot.storage.models import Delivery, GoalReview, MentoringRequest, Pairing, ProgressNote, RelationshipAnswer
from bot.storage.statuses import DeliveryKind, GoalsChoice
from tests.conftest import OWNER, RunningBot
from tests.flows import (
    GOALS,
    MENTEE,
    MENTOR,
    MENTOR2,
    all_text,
    dms,
    message_of,
    offer,
    pair,
    proposals_to,
    request,
    rows,
    tick,
)
from tests.slackclient import state, text_value
from tests.test_rhythm import MONDAY, WEEK, set_program
from tests.test_views import check_golden, pairing, validate_message

NEW_GOALS = "Run the quarterly planning for my team and coach two juniors through their first reviews."
MIDPOINT_WEEK = 5  # MONDAY + 5 weeks: the slot nearest the middle of a 12-week pair that started on 2 December


# --- helpers shared by the practice tests -----------------------------------------------------------------


def home_of(bot: RunningBot, user: str) -> dict[str, Any]:
    """The App Home `user` sees once they open it."""
    bot.slack.event({"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home", "event_ts": "1.2"})
    bot.rt.sender.settle(timeout=60)
    views = [c for c in bot.fake.calls_to("views.publish") if c.get("user_id") == user]
    view = views[-1]["view"]
    return view if isinstance(view, dict) else json.loads(view)


def home_text(bot: RunningBot, user: str) -> str:
    return json.dumps(home_of(bot, user), ensure_ascii=False)


def home_button(view: dict[str, Any], label: str) -> dict[str, Any]:
    for block in view["blocks"]:
        for element in block.get("elements", []):
            if element.get("type") == "button" and element["text"]["text"] == label:
                return element
    raise AssertionError(f"no button {label!r} on App Home")


def click_home(bot: RunningBot, user: str, label: str) -> None:
    button = home_button(home_of(bot, user), label)
    assert bot.slack.click(user, button["action_id"], button.get("value")).status == 200


def mentees(n: int) -> list[str]:
    return [f"U0PRACTE{i:02d}" for i in range(1, n + 1)]


def many_pairs(bot: RunningBot, n: int) -> list[Pairing]:
    """`n` mentees (up to 5), each paired with MENTOR, all in Berlin: n + 1 people."""
    bot.fake.add_user(MENTOR, tz="Europe/London", tz_offset=0)
    offer(bot, MENTOR, capacity="5")
    for user in mentees(n):
        bot.fake.add_user(user, tz="Europe/Berlin", tz_offset=3600)
        request(bot, user)
        proposal = proposals_to(bot, MENTOR)[-1]
        assert bot.slack.click_button(proposal, "Accept", MENTOR).status == 200
    pairs = rows(bot, Pairing, Pairing.status == "active")
    assert len(pairs) == n
    return pairs


def kinds_to(bot: RunningBot, kind: DeliveryKind) -> list[Delivery]:
    return rows(bot, Delivery, Delivery.kind == kind)


def sent_texts(bot: RunningBot) -> list[tuple[str, str]]:
    """(channel, all the words) of every message Slack took from the bot, updates and ephemerals included."""
    found = []
    for method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
        for call in bot.fake.calls_to(method):
            found.append((str(call.get("channel")), all_text(call) + json.dumps(call.get("blocks") or [])))
    return found


def readers_of(bot: RunningBot, secret: str) -> set[str]:
    return {channel for channel, words in sent_texts(bot) if secret in words}


def goals_prompt(bot: RunningBot, user: str) -> dict[str, Any]:
    [post] = [p for p in bot.fake.posts_to(user) if "halfway" in p["text"]]
    return post


def through(bot: RunningBot, weeks: int) -> None:
    for week in range(weeks + 1):
        tick(bot, MONDAY + week * WEEK)


# --- the mid-point ------------------------------------------------------------------------------------------


def test_both_are_asked_to_look_at_the_goals_once_at_the_slot_nearest_the_mid_point(bot):
    p = pair(bot)
    through(bot, MIDPOINT_WEEK - 1)
    assert kinds_to(bot, DeliveryKind.GOALS_REVIEW) == []
    tick(bot, MONDAY + MIDPOINT_WEEK * WEEK)
    [asked] = rows(bot, Pairing)
    midpoint = asked.ends_at - timedelta(weeks=6)
    assert asked.goals_review_at == midpoint and asked.goals_asked_at == MONDAY + MIDPOINT_WEEK * WEEK
    assert abs(asked.goals_asked_at - midpoint) <= timedelta(days=3, hours=12)
    reviews = kinds_to(bot, DeliveryKind.GOALS_REVIEW)
    assert sorted((d.key, d.target) for d in reviews) == sorted(
        [(f"goals-review:{p.id}:{MENTEE}", MENTEE), (f"goals-review:{p.id}:{MENTOR}", MENTOR)]
    )
    # Each privately, with the goals the mentee wrote; never in the group DM.
    assert GOALS in all_text(goals_prompt(bot, MENTEE)) + json.dumps(goals_prompt(bot, MENTEE)["blocks"])
    assert [b for b in goals_prompt(bot, MENTOR)["blocks"] if b["type"] == "actions"]
    assert not [c for c in bot.fake.posts_to(p.dm_channel_id) if "halfway" in c["text"]]
    for week in range(MIDPOINT_WEEK + 1, 12):
        tick(bot, MONDAY + week * WEEK)
    assert len(kinds_to(bot, DeliveryKind.GOALS_REVIEW)) == 2


def test_a_cohort_shares_its_mid_point_whenever_its_pairs_were_introduced(bot):
    pair(bot)
    bot.clock.advance(days=2)
    bot.fake.add_user("U0MENTEE02", tz="Europe/Berlin", tz_offset=3600)
    offer(bot, MENTOR2)
    request(bot, "U0MENTEE02")
    assert bot.slack.click_button(proposals_to(bot, MENTOR2)[-1], "Accept", MENTOR2).status == 200
    cohort_start = datetime(2026, 12, 14, tzinfo=UTC)
    set_program(bot, starts_at=cohort_start)
    tick(bot, datetime(2026, 12, 5, 12, tzinfo=UTC))  # plans both pairs into the cohort
    first, second = sorted(rows(bot, Pairing), key=lambda p: p.id)
    assert first.started_at != second.started_at
    assert first.goals_review_at == second.goals_review_at == cohort_start + timedelta(weeks=6)
    for week in range(6):
        tick(bot, datetime(2026, 12, 14, 9, tzinfo=UTC) + week * WEEK)
    assert kinds_to(bot, DeliveryKind.GOALS_REVIEW) == []
    tick(bot, datetime(2026, 12, 14, 9, tzinfo=UTC) + 6 * WEEK)  # Monday 25 January: the cohort's middle
    assert len(kinds_to(bot, DeliveryKind.GOALS_REVIEW)) == 4


def test_a_short_pair_whose_middle_falls_in_its_last_days_and_an_ended_pair_are_never_asked(bot):
    set_program(bot, length_weeks=1)
    pair(bot)
    for day in range(10):
        tick(bot, MONDAY + timedelta(days=day))
    assert rows(bot, Pairing)[0].status == "completed"
    assert kinds_to(bot, DeliveryKind.GOALS_REVIEW) == []


def test_a_pair_that_ended_before_its_mid_point_hears_nothing_of_it(bot):
    pair(bot)
    through(bot, 2)
    assert bot.slack.command(MENTOR, "leave").status == 200
    through(bot, 8)
    assert kinds_to(bot, DeliveryKind.GOALS_REVIEW) == []


# --- the mentee's answer and their goals ---------------------------------------------------------------


def test_the_mentee_refines_goals_in_a_form_filled_with_them_and_only_they_ever_see_them(bot):
    p = pair(bot)
    through(bot, MIDPOINT_WEEK)
    prompt = goals_prompt(bot, MENTEE)
    assert bot.slack.click_button(prompt, "Refine them", MENTEE).status == 200
    form = bot.slack.opened_view("goals_edit_submit")
    assert form["blocks"][0]["element"]["initial_value"] == GOALS
    too_short = bot.slack.submit(form, state(goals=text_value("Lead.")), MENTEE).json()
    assert too_short["response_action"] == "errors" and "goals" in too_short["errors"]
    assert bot.slack.submit(form, state(goals=text_value(NEW_GOALS)), MENTEE).status == 200
    [review] = rows(bot, GoalReview)
    assert (review.user_id, review.choice, review.goals) == (MENTEE, GoalsChoice.REFINE, NEW_GOALS)
    # The request keeps what the mentee first wrote; the rewrite lives beside it.
    assert rows(bot, MentoringRequest)[0].goals == GOALS
    # Refining again opens the form with the goals they hold now.
    bot.slack.click_button(prompt, "Refine them", MENTEE)
    assert bot.slack.opened_view("goals_edit_submit")["blocks"][0]["element"]["initial_value"] == NEW_GOALS
    # Nobody was sent the new goals: not the mentor, not the group DM, not the owners.
    through(bot, 11)
    assert readers_of(bot, NEW_GOALS) == set()
    assert all(NEW_GOALS not in json.dumps(message_of(bot, d)) for d in rows(bot, Delivery, Delivery.target != MENTEE))
    assert NEW_GOALS not in home_text(bot, OWNER) and NEW_GOALS not in home_text(bot, MENTOR)
    assert p.id == review.pairing_id


def test_replace_starts_from_an_empty_box_and_keep_just_records_the_answer(bot):
    pair(bot)
    through(bot, MIDPOINT_WEEK)
    prompt = goals_prompt(bot, MENTEE)
    bot.slack.click_button(prompt, "Replace them", MENTEE)
    form = bot.slack.opened_view("goals_edit_submit")
    assert "initial_value" not in form["blocks"][0]["element"] and GOALS in json.dumps(form["blocks"])
    assert bot.slack.submit(form, state(goals=text_value(NEW_GOALS)), MENTEE).status == 200
    assert [(r.choice, r.goals) for r in rows(bot, GoalReview)] == [(GoalsChoice.REPLACE, NEW_GOALS)]
    assert bot.slack.click_button(prompt, "Keep them", MENTEE).status == 200
    # Keeping, after a rewrite, keeps the rewrite.
    assert [(r.choice, r.goals) for r in rows(bot, GoalReview)] == [(GoalsChoice.KEEP, NEW_GOALS)]
    assert "keeping your goals" in bot.fake.calls_to("chat.update")[-1]["text"]


def test_the_mentors_answer_only_records_that_they_looked_and_a_suggestion_goes_to_the_mentee_alone(bot):
    pair(bot)
    through(bot, MIDPOINT_WEEK)
    prompt = goals_prompt(bot, MENTOR)
    # The mentee's buttons are theirs: the mentor can't answer for them.
    assert bot.slack.click(MENTOR, "goals_keep", str(rows(bot, Pairing)[0].id)).status == 200
    assert rows(bot, GoalReview) == []
    assert bot.slack.click_button(prompt, "Suggest a change", MENTOR).status == 200
    form = bot.slack.opened_view("goals_suggest_submit")
    suggestion = "Maybe add something about delegating: you mentioned it twice."
    assert bot.slack.submit(form, state(suggestion=text_value(suggestion)), MENTOR).status == 200
    again = bot.slack.submit(form, state(suggestion=text_value(suggestion)), MENTOR).json()
    assert again["response_action"] == "errors"
    [review] = rows(bot, GoalReview)
    assert (review.user_id, review.choice, review.goals) == (MENTOR, GoalsChoice.SUGGESTED, None)
    assert readers_of(bot, suggestion) == {MENTEE}
    [delivered] = kinds_to(bot, DeliveryKind.GOALS_SUGGESTION)
    assert (delivered.target, delivered.key) == (MENTEE, f"goals-suggestion:{review.pairing_id}")
    assert bot.slack.click_button(prompt, "They still fit", MENTOR).status == 200
    assert [r.choice for r in rows(bot, GoalReview)] == [GoalsChoice.SUGGESTED]


def test_old_goal_buttons_of_an_ended_pair_change_nothing(bot):
    pair(bot)
    through(bot, MIDPOINT_WEEK)
    prompt = goals_prompt(bot, MENTEE)
    assert bot.slack.command(MENTEE, "leave").status == 200
    bot.slack.click_button(prompt, "Keep them", MENTEE)
    bot.slack.click_button(prompt, "Refine them", MENTEE)
    assert rows(bot, GoalReview) == []
    assert "pairing has ended" in bot.fake.calls_to("chat.postEphemeral")[-1]["text"]
    assert [c for c in bot.fake.calls_to("views.open") if "goals_edit_submit" in json.dumps(c["view"])] == []


# --- the closing survey -------------------------------------------------------------------------------------


def test_the_mentees_closing_survey_sets_the_goals_then_and_now_side_by_side(bot):
    p = pair(bot)
    through(bot, MIDPOINT_WEEK)
    bot.slack.click_button(goals_prompt(bot, MENTEE), "Refine them", MENTEE)
    bot.slack.submit(bot.slack.opened_view("goals_edit_submit"), state(goals=text_value(NEW_GOALS)), MENTEE)
    tick(bot, p.started_at + timedelta(weeks=12))
    [mine] = dms(bot, MENTEE, "Take the survey")
    fields = [f["text"] for b in mine["blocks"] for f in b.get("fields", [])]
    assert len(fields) == 2 and GOALS in fields[0] and NEW_GOALS in fields[1]
    [theirs] = dms(bot, MENTOR, "Take the survey")
    assert GOALS not in json.dumps(theirs) and NEW_GOALS not in json.dumps(theirs)
    validate_message(mine)


# --- progress notes ---------------------------------------------------------------------------------------


def test_progress_notes_from_app_home_are_listed_back_to_the_mentee_alone_newest_first(bot):
    pair(bot)
    tick(bot, MONDAY)
    assert "Add a progress note" not in home_text(bot, MENTOR)
    notes = [f"Note {n}: practised the planning talk, felt {'calmer' if n % 2 else 'clearer'}." for n in range(1, 5)]
    for n, note in enumerate(notes):
        bot.clock.at = MONDAY + timedelta(days=n + 1)
        click_home(bot, MENTEE, "Add a progress note")
        form = bot.slack.opened_view("progress_note_submit")
        assert bot.slack.submit(form, state(note=text_value(note)), MENTEE).status == 200
    blank = bot.slack.submit(form, state(note=text_value(" \u200b ")), MENTEE).json()
    assert blank["response_action"] == "errors"
    assert [n.text for n in rows(bot, ProgressNote)] == notes
    home = home_text(bot, MENTEE)
    shown = [home.index(note) for note in notes[1:]]
    assert notes[0] not in home and shown == sorted(shown, reverse=True)  # newest first, three shown
    for other in (MENTOR, OWNER):
        assert not any(note in home_text(bot, other) for note in notes)
    assert all(readers_of(bot, note) == set() for note in notes)
    # The mentor can't open the form for the mentee's pair.
    bot.slack.click(MENTOR, "progress_note_add", str(rows(bot, Pairing)[0].id))
    assert len([c for c in bot.fake.calls_to("views.open") if "progress_note_submit" in json.dumps(c["view"])]) == 4


# --- what owners see ------------------------------------------------------------------------------------------


def dashboard_figure(bot: RunningBot, label: str) -> str:
    """A figure on the owner's dashboard, as shown under its label."""
    fields = [f["text"] for b in home_of(bot, OWNER)["blocks"] for f in b.get("fields", [])]
    [shown] = [f.split("\n", 1)[1] for f in fields if f.startswith(f"*{label}*")]
    return shown


def _revisited(bot: RunningBot) -> str:
    return dashboard_figure(bot, "Pairs that revisited their goals")


def test_owners_see_the_share_of_pairs_that_looked_again_and_never_the_goals(bot):
    pairs = many_pairs(bot, 4)  # 4 mentees and their mentor: 5 people
    through(bot, MIDPOINT_WEEK)
    assert len(kinds_to(bot, DeliveryKind.GOALS_REVIEW)) == 8
    for user in mentees(3):
        bot.slack.click_button(goals_prompt(bot, user), "Keep them", user)
    [mentor_prompt, *_] = [p for p in bot.fake.posts_to(MENTOR) if "halfway" in p["text"]]
    bot.slack.click_button(mentor_prompt, "They still fit", MENTOR)  # a mentor's look is not the pair's
    bot.slack.click_button(goals_prompt(bot, mentees(4)[3]), "Replace them", mentees(4)[3])
    assert _revisited(bot) == "75%"
    owner = home_text(bot, OWNER)
    assert GOALS not in owner and all(f"<@{u}>" not in owner for u in [*mentees(4), MENTOR])
    assert len(pairs) == 4


def test_a_goal_share_from_fewer_people_than_the_threshold_shows_as_a_dash(bot):
    many_pairs(bot, 3)  # 4 people
    through(bot, MIDPOINT_WEEK)
    for user in mentees(3):
        bot.slack.click_button(goals_prompt(bot, user), "Keep them", user)
    assert _revisited(bot) == "–"


# --- personal data -------------------------------------------------------------------------------------


def _practice_rows(bot: RunningBot) -> list[Any]:
    return [*rows(bot, GoalReview), *rows(bot, ProgressNote), *rows(bot, RelationshipAnswer)]


def test_mydata_holds_a_persons_own_practices_and_erasure_blanks_them_but_keeps_the_counts(bot):
    p = pair(bot)
    through(bot, MIDPOINT_WEEK)
    bot.slack.click_button(goals_prompt(bot, MENTEE), "Refine them", MENTEE)
    bot.slack.submit(bot.slack.opened_view("goals_edit_submit"), state(goals=text_value(NEW_GOALS)), MENTEE)
    bot.slack.click_button(goals_prompt(bot, MENTOR), "They still fit", MENTOR)
    click_home(bot, MENTEE, "Add a progress note")
    note = "Asked for the planning role; my manager said yes."
    bot.slack.submit(bot.slack.opened_view("progress_note_submit"), state(note=text_value(note)), MENTEE)
    [check] = [x for x in bot.fake.posts_to(MENTEE) if "How is the relationship" in x["text"]]
    bot.slack.click_button(check, "Good", MENTEE)

    assert bot.slack.command(MENTEE, "mydata").status == 200
    [upload] = bot.fake.uploads.values()
    data = json.loads(upload)
    assert [(r["answer"], r["your_goals_now"]) for r in data["goal_reviews"]] == [("refine", NEW_GOALS)]
    assert [n["text"] for n in data["progress_notes"]] == [note]
    assert [a["answer"] for a in data["relationship_answers"]] == ["good"]

    assert bot.slack.command(MENTEE, "erase").status == 200
    assert bot.slack.submit(bot.slack.opened_view("privacy_erase"), {}, MENTEE).status == 200
    kept = _practice_rows(bot)
    assert len(kept) == 4 and all(MENTEE not in json.dumps([str(v) for v in vars(r).values()]) for r in kept)
    mine = [r for r in kept if r.user_id.startswith("ERASED")]
    assert len(mine) == 3 and all(getattr(r, "goals", None) is None and getattr(r, "text", "") == "" for r in mine)
    assert [r.user_id for r in kept if r.user_id == MENTOR] == [MENTOR]  # the mentor's own look stays theirs
    # The owners' figures are computed as before: one pair asked, and its mentee had looked.
    from bot.reporting.practice import compute
    from bot.storage.database import unit_of_work

    with unit_of_work(bot.rt.sessions) as s:
        figures = compute(s, p.team_id, p.program_id)
    assert (figures.goals_reviewed.value, figures.goals_reviewed.people) == (1.0, 2)


# --- golden files -------------------------------------------------------------------------------------------


def test_goals_messages_golden():
    for name, payload in (
        ("goals_review_mentee", practice_views.goals_review_for_mentee(pairing(), GOALS)),
        ("goals_review_mentor", practice_views.goals_review_for_mentor(pairing(), GOALS)),
        ("goals_suggestion", practice_views.goals_suggestion(pairing(), "Add delegating <b>&</b> say why.")),
        ("goals_then_and_now", {"text": "", "blocks": practice_views.goals_side_by_side(GOALS, NEW_GOALS)}),
    ):
        check_golden(name, payload)
        validate_message(payload)
