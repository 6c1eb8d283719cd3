"""The relationship check: asked privately every few weeks, answered privately, and what follows each
answer (a re-start plan and a rhythm of the pair's own, a guide, a safe way to raise it, a rematch)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from bot.pairing import practice_views
from bot.storage.models import (
    CheckIn,
    Delivery,
    HelpReport,
    MentoringRequest,
    Pairing,
    Program,
    PromptUse,
    RelationshipAnswer,
)
from bot.storage.statuses import DeliveryKind, Relationship
from tests.conftest import OWNER, RunningBot
from tests.flows import MENTEE, MENTOR, MENTOR2, all_text, offer, pair, proposals_to, rows, tick
from tests.slackclient import select_value, state, text_value
from tests.test_living_goals import dashboard_figure, home_text, many_pairs, mentees, readers_of
from tests.test_owners import command_in
from tests.test_rhythm import MONDAY, WEEK, set_program
from tests.test_views import check_golden, pairing, validate_message

LABELS = {
    Relationship.GOOD: "Good",
    Relationship.DRIFTING: "We're drifting",
    Relationship.DISAGREE: "We disagree on something",
}


def checks(bot: RunningBot) -> list[Delivery]:
    return rows(bot, Delivery, Delivery.kind == DeliveryKind.RELATIONSHIP_CHECK)


def follow_ups(bot: RunningBot) -> list[Delivery]:
    return rows(bot, Delivery, Delivery.kind == DeliveryKind.RELATIONSHIP_FOLLOW_UP)


def question(bot: RunningBot, user: str) -> dict[str, Any]:
    return [p for p in bot.fake.posts_to(user) if "How is the relationship" in p["text"]][-1]


def answer(bot: RunningBot, user: str, said: Relationship) -> None:
    assert bot.slack.click_button(question(bot, user), LABELS[said], user).status == 200


def through(bot: RunningBot, weeks: range) -> None:
    for week in weeks:
        tick(bot, MONDAY + week * WEEK)


def test_each_person_is_asked_privately_every_four_weeks_and_never_in_the_last_days(bot):
    p = pair(bot)
    through(bot, range(3))
    assert checks(bot) == []
    through(bot, range(3, 13))
    asked = sorted((d.key, d.target, d.created_at) for d in checks(bot))
    assert asked == sorted(
        (f"relationship:{p.id}:{n}:{user}", user, MONDAY + (4 * n - 1) * WEEK)
        for n in (1, 2)
        for user in (MENTEE, MENTOR)
    )
    # Week 12 falls in the pair's last days: no third check.
    assert not [c for c in bot.fake.posts_to(p.dm_channel_id) if "relationship" in c["text"]]
    assert "Only you see your answer" in all_text(question(bot, MENTEE)) + json.dumps(question(bot, MENTEE)["blocks"])


def _program_form(bot: RunningBot, every: str) -> Any:
    """The owner opens the program form and saves it with this relationship-check setting."""
    assert command_in(bot, OWNER, "program Mentoring").status == 200
    values = state(
        name=text_value("Mentoring"),
        topics=text_value("Leadership\nCommunication"),
        relationship_every_weeks=select_value(every),
    )
    return bot.slack.submit(bot.slack.opened_view("program_edit"), values, OWNER)


def test_the_program_form_sets_how_often_and_off_is_off(bot):
    pair(bot)
    command_in(bot, OWNER, "program Mentoring")
    [setting] = [
        b for b in bot.slack.opened_view("program_edit")["blocks"] if b.get("block_id") == "relationship_every_weeks"
    ]
    assert setting["element"]["initial_option"]["value"] == "4"
    assert _program_form(bot, "0").status == 200
    assert rows(bot, Program)[0].relationship_every_weeks == 0
    through(bot, range(9))
    assert checks(bot) == []
    assert _program_form(bot, "2").status == 200
    through(bot, range(9, 11))  # weeks 10 and 11: one check, with week 10
    assert sorted(d.key.split(":")[2] for d in checks(bot)) == ["5", "5"]
    refused = _program_form(bot, "99").json()
    assert refused["response_action"] == "errors" and "relationship_every_weeks" in refused["errors"]
    assert rows(bot, Program)[0].relationship_every_weeks == 2


def test_an_answer_reaches_only_the_person_who_gave_it(bot):
    p = pair(bot)
    through(bot, range(4))
    to_mentor = len(bot.fake.posts_to(MENTOR))
    answer(bot, MENTEE, Relationship.DISAGREE)
    [guide] = follow_ups(bot)
    assert (guide.target, guide.key) == (MENTEE, f"disagree:{p.id}:1:{MENTEE}")
    assert readers_of(bot, "Raising a disagreement") == {MENTEE}
    assert len(bot.fake.posts_to(MENTOR)) == to_mentor and bot.fake.posts_to(OWNER) == []
    assert "Only you see your answer" in bot.fake.calls_to("chat.update")[-1]["text"]
    seen = len(bot.fake.posts_to(MENTEE)), len(bot.fake.posts_to(MENTOR))
    answer(bot, MENTOR, Relationship.GOOD)
    assert len(follow_ups(bot)) == 1 and (len(bot.fake.posts_to(MENTEE)), len(bot.fake.posts_to(MENTOR))) == seen
    assert sorted((a.user_id, a.round, a.answer) for a in rows(bot, RelationshipAnswer)) == [
        (MENTEE, 1, Relationship.DISAGREE),
        (MENTOR, 1, Relationship.GOOD),
    ]
    # Once a round; not for someone else's pair, nor for a round nobody was asked.
    bot.slack.click(MENTEE, "relationship_good", f"{p.id}:1")
    assert "Already noted" in bot.fake.calls_to("chat.postEphemeral")[-1]["text"]
    bot.slack.click("U0STRANGER", "relationship_drifting", f"{p.id}:1")
    bot.slack.click(MENTEE, "relationship_drifting", f"{p.id}:7")
    assert len(rows(bot, RelationshipAnswer)) == 2 and len(follow_ups(bot)) == 1
    # What each said shows only in the message they clicked, replaced for them.
    updates = [c for c in bot.fake.calls_to("chat.update") if "Only you see your answer" in c["text"]]
    assert sorted(c["channel"] for c in updates) == sorted(question(bot, user)["_channel"] for user in (MENTEE, MENTOR))


def test_a_drifting_pair_each_get_a_restart_plan_once_a_round(bot):
    p = pair(bot)
    through(bot, range(4))
    answer(bot, MENTEE, Relationship.DRIFTING)
    plans = follow_ups(bot)
    assert sorted((d.target, d.key) for d in plans) == sorted(
        (user, f"restart:{p.id}:1:{user}") for user in (MENTEE, MENTOR)
    )
    answer(bot, MENTOR, Relationship.DRIFTING)
    assert len(follow_ups(bot)) == 2
    [plan] = [x for x in bot.fake.posts_to(MENTOR) if "A fresh start" in x["text"]]
    words = all_text(plan) + json.dumps(plan["blocks"])
    assert "drift" not in words.lower() and f"<@{MENTEE}>" in words and "stays private" in words
    assert [b["text"]["text"] for b in plan["blocks"] if b["type"] == "actions" for b in b["elements"]] == [
        "Keep every week",
        "Every 2 weeks",
    ]
    # Keeping the rhythm changes nothing and tells no one.
    assert bot.slack.click_button(plan, "Keep every week", MENTOR).status == 200
    assert rows(bot, Pairing)[0].cadence_weeks is None
    assert rows(bot, Delivery, Delivery.kind == DeliveryKind.RHYTHM_NOTE) == []


def test_every_two_weeks_moves_this_pairs_check_ins_and_only_theirs(bot):
    first, second = sorted(many_pairs(bot, 2), key=lambda p: p.id)
    through(bot, range(4))  # weeks 1 to 4; the relationship check comes with week 4
    user = first.mentee_user_id
    answer(bot, user, Relationship.DRIFTING)
    [plan] = [x for x in bot.fake.posts_to(user) if "A fresh start" in x["text"]]
    assert bot.slack.click_button(plan, "Every 2 weeks", user).status == 200
    moved = rows(bot, Pairing, Pairing.id == first.id)[0]
    assert moved.cadence_weeks == 2 and moved.next_checkin_at == MONDAY + 5 * WEEK and moved.next_period == 6
    [note] = rows(bot, Delivery, Delivery.kind == DeliveryKind.RHYTHM_NOTE)
    assert note.target == MENTOR and "every 2 weeks" in all_text(bot.fake.posts_to(MENTOR)[-1])
    assert "every 2 weeks" in bot.fake.calls_to("chat.postEphemeral")[-1]["text"]
    through(bot, range(4, 12))
    periods = {p.id: sorted(c.period for c in rows(bot, CheckIn, CheckIn.pairing_id == p.id)) for p in (first, second)}
    assert periods[first.id] == [1, 2, 3, 4, 6, 8, 10] and periods[second.id] == list(range(1, 12))
    # The second check comes with week 8 for both; prompts keep alternating and never repeat.
    assert {d.key for d in rows(bot, Delivery, Delivery.kind == DeliveryKind.RELATIONSHIP_CHECK)} >= {
        f"relationship:{first.id}:2:{first.mentee_user_id}",
        f"relationship:{second.id}:2:{second.mentee_user_id}",
    }
    uses = rows(bot, PromptUse, PromptUse.pairing_id == first.id)
    assert {u.audience for u in uses if u.period > 4} == {"mentee", "mentor"}
    assert len({u.prompt_key for u in uses}) == len(uses)


def test_back_to_weekly_brings_the_week_in_between(bot):
    p = pair(bot)
    through(bot, range(4))
    answer(bot, MENTEE, Relationship.DRIFTING)
    plan = [x for x in bot.fake.posts_to(MENTEE) if "A fresh start" in x["text"]][-1]
    bot.slack.click_button(plan, "Every 2 weeks", MENTEE)
    bot.clock.at = MONDAY + 3 * WEEK + timedelta(days=1)
    bot.slack.click(MENTOR, "rhythm_change", f"{p.id}:1")
    back = rows(bot, Pairing)[0]
    assert back.cadence_weeks is None and (back.next_checkin_at, back.next_period) == (MONDAY + 4 * WEEK, 5)
    assert len(rows(bot, Delivery, Delivery.kind == DeliveryKind.RHYTHM_NOTE)) == 2


def test_a_mentor_who_disagrees_gets_a_guide_and_may_ask_for_a_no_fault_rematch(bot):
    p = pair(bot)
    offer(bot, MENTOR2, topics=["Leadership"])
    through(bot, range(4))
    answer(bot, MENTOR, Relationship.DISAGREE)
    [guide] = [x for x in bot.fake.posts_to(MENTOR) if "see something differently" in x["text"]]
    words = all_text(guide)
    assert "Listen first" in words and "issue apart from the person" in words and "each of you will try" in words
    assert readers_of(bot, "Listen first") == {MENTOR}
    assert bot.slack.click_button(guide, "Ask for a no-fault rematch", MENTOR).status == 200
    [ended] = rows(bot, Pairing, Pairing.id == p.id)
    assert (ended.status, ended.end_reason) == ("ended", "rematch")
    told = [x["text"] for x in bot.fake.posts_to(MENTEE) if "fresh match would serve you better" in x["text"]]
    assert len(told) == 1 and "looking for a new mentor" in told[0]
    # The same goals go out again, to another mentor, never back to this one.
    assert len(proposals_to(bot, MENTOR2)) == 1 and len(proposals_to(bot, MENTOR)) == 1
    assert [r.status for r in sorted(rows(bot, MentoringRequest), key=lambda r: r.id)] == ["matched", "proposed"]
    assert "Your place is open" in bot.fake.calls_to("chat.update")[-1]["text"]
    # Nothing more for the ended pair.
    before = len(rows(bot, Delivery, Delivery.pairing_id == p.id))
    through(bot, range(4, 9))
    assert len(rows(bot, Delivery, Delivery.pairing_id == p.id)) == before


def test_a_mentee_who_disagrees_can_tell_the_owners_privately_or_ask_for_a_new_mentor(bot):
    p = pair(bot)
    through(bot, range(4))
    answer(bot, MENTEE, Relationship.DISAGREE)
    [path] = [x for x in bot.fake.posts_to(MENTEE) if "Raising a disagreement" in x["text"]]
    assert "talk it through" in all_text(path)
    assert bot.slack.click_button(path, "Tell the program owners privately", MENTEE).status == 200
    form = bot.slack.opened_view("relationship_raise_submit")
    secret = "My mentor keeps steering me to a role I don't want."
    assert bot.slack.submit(form, state(note=text_value(secret)), MENTEE).status == 200
    assert bot.slack.submit(form, state(note=text_value(secret)), MENTEE).status == 200  # a redelivery
    [report] = rows(bot, HelpReport)
    assert (report.pairing_id, report.user_id, report.text) == (p.id, MENTEE, secret)
    assert readers_of(bot, secret) == {OWNER}
    assert bot.slack.click_button(path, "Find me a new mentor", MENTEE).status == 200
    assert rows(bot, Pairing)[0].status == "ended"


def test_owners_see_how_many_answered_each_way_and_nothing_else(bot):
    pairs = sorted(many_pairs(bot, 4), key=lambda p: p.id)  # 4 mentees and their mentor: 5 people
    through(bot, range(4))
    assert dashboard_figure(bot, "How relationships are going (answers)") == "–"
    for user, said in zip(
        mentees(4), [Relationship.GOOD, Relationship.GOOD, Relationship.GOOD, Relationship.DRIFTING], strict=True
    ):
        answer(bot, user, said)
    assert dashboard_figure(bot, "How relationships are going (answers)") == "–"  # 4 people so far
    mentor_question = [x for x in bot.fake.posts_to(MENTOR) if "How is the relationship" in x["text"]][0]
    bot.slack.click_button(mentor_question, LABELS[Relationship.DISAGREE], MENTOR)
    assert dashboard_figure(bot, "How relationships are going (answers)") == "good 3 · drifting 1 · we disagree 1"
    owner = home_text(bot, OWNER)
    assert all(f"<@{u}>" not in owner for u in [*mentees(4), MENTOR]) and len(pairs) == 4


def test_an_answer_in_the_last_days_is_noted_and_followed_by_nothing(bot):
    set_program(bot, relationship_every_weeks=2)
    p = pair(bot)
    through(bot, range(12))
    assert sorted({int(d.key.split(":")[2]) for d in checks(bot)}) == [1, 2, 3, 4, 5]
    bot.clock.at = p.started_at + timedelta(weeks=12, days=-2)
    answer(bot, MENTEE, Relationship.DRIFTING)
    assert rows(bot, RelationshipAnswer)[0].answer == Relationship.DRIFTING and follow_ups(bot) == []
    assert "closing survey is next" in bot.fake.calls_to("chat.update")[-1]["text"]
    tick(bot, p.started_at + timedelta(weeks=12))
    answer(bot, MENTOR, Relationship.DISAGREE)
    assert len(rows(bot, RelationshipAnswer)) == 1
    assert "pairing has ended" in bot.fake.calls_to("chat.postEphemeral")[-1]["text"]


# --- golden files -------------------------------------------------------------------------------------------


def test_relationship_messages_golden():
    p = pairing()
    for name, payload in (
        ("relationship_check", practice_views.relationship_check(p, "UMENTEE", 2)),
        ("restart_plan_weekly", practice_views.restart_plan(p, "UMENTOR", 1, may_change=True)),
        ("restart_plan_program_rhythm", practice_views.restart_plan(p, "UMENTEE", 2, may_change=False)),
        ("disagreement_guide", practice_views.disagreement_guide(p)),
        ("raising_it_safely", practice_views.raising_it_safely(p)),
    ):
        check_golden(name, payload)
        validate_message(payload)
