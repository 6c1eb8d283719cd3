"""`/mentor erase`: confirmed in a modal; identity and free text go, counts stay, pairs end kindly, once."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import String, Text, cast, or_, select

from bot.reporting.privacy import ERASED_PREFIX, Erasure
from bot.reporting.stats import compute
from bot.storage.database import unit_of_work
from bot.storage.models import (
    Base,
    CheckIn,
    Delivery,
    Feedback,
    HelpReport,
    MentoringRequest,
    MentorProfile,
    Pairing,
    Person,
    Survey,
)
from scheduler.privacy import erase_due
from tests.conftest import START
from tests.fakeslack import DEFAULT_TEAM
from tests.flows import GOALS, MENTEE, MENTOR, all_text, message_of, rows
from tests.privacy_seed import HELP_NOTE, MENTEE_FEEDBACK, MENTOR_FEEDBACK, other_workspace_rows, pairing_row, seed


def _figures(bot, program_id):
    """Every figure /mentor stats computes that history decides (not who is active today)."""
    with unit_of_work(bot.rt.sessions) as s:
        stats = compute(s, DEFAULT_TEAM, program_id, START + timedelta(days=20))
    return {
        name: getattr(stats, name)
        for name in ("mentees", "requested", "matched", "met", "feedback", "median_hours_to_match", "usefulness")
        + ("confidence_first", "nps")
    }


def _mentions(bot, user_id):
    """Tables and columns of this workspace that still hold `user_id`, anywhere in a text or JSON value."""
    found = []
    with unit_of_work(bot.rt.sessions) as s:
        for table in Base.metadata.sorted_tables:
            if "team_id" not in table.c:
                continue
            texts = [c for c in table.c if isinstance(c.type, String | Text) or "JSON" in type(c.type).__name__]
            texts = [c for c in texts if c.name != "team_id"]
            if not texts:
                continue  # nothing but numbers and dates: no user id to hold
            hit = or_(*[cast(c, Text).contains(user_id) for c in texts])
            if s.execute(select(table).where(table.c.team_id == DEFAULT_TEAM, hit)).first():
                found.append(table.name)
    return found


def _confirm(bot, user):
    assert bot.slack.command(user, "erase").status == 200
    view = bot.slack.opened_view("privacy_erase")
    assert "can't be undone" in json.dumps(view) and "What stays" in json.dumps(view)
    return bot.slack.submit(view, {}, user)


def test_erase_asks_first_and_changes_nothing_until_confirmed(bot):
    seeded = seed(bot)
    assert bot.slack.command(MENTEE, "erase").status == 200
    bot.slack.opened_view("privacy_erase")
    assert pairing_row(bot, seeded.pairing_id).status == "active"
    assert rows(
        bot, MentoringRequest, MentoringRequest.team_id == DEFAULT_TEAM, MentoringRequest.mentee_user_id == MENTEE
    )


def test_erase_removes_identity_and_free_text_and_keeps_the_counts(bot):
    seeded = seed(bot)
    program_id = pairing_row(bot, seeded.pairing_id).program_id
    before = _figures(bot, program_id)
    elsewhere = other_workspace_rows(bot)

    answer = _confirm(bot, MENTEE)
    assert answer.status == 200
    done = answer.json()
    assert done["response_action"] == "update" and "erased your data" in json.dumps(done["view"])
    # The partner's notice names them until it is sent; the next tick blanks our copy of it.
    erase_due(bot.rt, START + timedelta(minutes=1))

    assert _mentions(bot, MENTEE) == []
    assert _figures(bot, program_id) == before
    assert other_workspace_rows(bot) == elsewhere  # same user id, another workspace: untouched

    pairing = pairing_row(bot, seeded.pairing_id)
    assert pairing.status == "ended" and pairing.mentee_user_id.startswith(ERASED_PREFIX)
    assert pairing.mentor_user_id == MENTOR and pairing.started_at is not None
    token = pairing.mentee_user_id
    [request] = rows(bot, MentoringRequest, MentoringRequest.id == seeded.request_id)
    assert (request.mentee_user_id, request.goals, request.topics, request.status) == (token, "", [], "matched")
    # One token for the whole person: a figure of distinct people still counts them once.
    assert {c.answered_by for c in rows(bot, CheckIn, CheckIn.pairing_id == pairing.id)} == {token, MENTOR}
    assert [(s.user_id, s.rating) for s in rows(bot, Survey, Survey.user_id == token)] == [(token, 5)]
    texts = [(f.working, f.try_differently) for f in rows(bot, Feedback, Feedback.pairing_id == pairing.id)]
    assert texts == [("", ""), ("", "")]
    assert [h.text for h in rows(bot, HelpReport)] == [""]
    assert rows(bot, Person, Person.team_id == DEFAULT_TEAM, Person.user_id == MENTEE) == []
    dump = json.dumps([message_of(bot, d) for d in rows(bot, Delivery)])
    for secret in (GOALS, HELP_NOTE, MENTEE_FEEDBACK, MENTOR_FEEDBACK):
        assert secret not in dump

    # The mentor keeps their own profile and is told kindly, without a reason.
    [profile] = rows(bot, MentorProfile, MentorProfile.user_id == MENTOR)
    assert profile.active and profile.load == 0
    [told] = [p for p in bot.fake.posts_to(MENTOR) if "has left" in all_text(p)]
    assert "ended" in all_text(told)


def test_erasing_twice_erases_once(bot):
    seed(bot)
    assert "erased your data" in json.dumps(_confirm(bot, MENTEE).json())
    erase_due(bot.rt, START + timedelta(minutes=1))
    first = _mentions(bot, MENTEE), len(bot.fake.posts_to(MENTOR))
    again = _confirm(bot, MENTEE).json()
    assert "nothing left to erase" in json.dumps(again)
    assert (_mentions(bot, MENTEE), len(bot.fake.posts_to(MENTOR))) == first
    tokens = {p.mentee_user_id for p in rows(bot, Pairing)}
    assert len(tokens) == 1, "a second erasure must not relabel what the first one erased"


def test_a_mentor_who_erases_frees_their_mentee_and_leaves_no_profile(bot):
    seeded = seed(bot)
    erasure = Erasure(bot.rt.sessions, bot.rt.lifecycle, bot.rt.gateway)
    summary = erasure.erase(DEFAULT_TEAM, MENTOR, START + timedelta(days=1))
    bot.rt.sender.settle(timeout=60)
    erase_due(bot.rt, START + timedelta(days=1, minutes=1))
    assert summary.erased and summary.pairings_ended == 1
    assert _mentions(bot, MENTOR) == []
    [profile] = rows(bot, MentorProfile)
    assert profile.user_id.startswith(ERASED_PREFIX) and not profile.active and profile.bio is None
    assert pairing_row(bot, seeded.pairing_id).status == "ended"
    assert any("ended" in all_text(p) for p in bot.fake.posts_to(MENTEE))
    # The mentee's own data is theirs and stays.
    assert rows(
        bot, MentoringRequest, MentoringRequest.team_id == DEFAULT_TEAM, MentoringRequest.mentee_user_id == MENTEE
    )
    assert not erasure.erase(DEFAULT_TEAM, MENTOR, START + timedelta(days=1)).erased
