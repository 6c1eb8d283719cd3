"""A mentee whose mentor leaves or can no longer be reached is looked after at once, with the same goals,
and `/mentor status` tells the truth about pairs that ended. Through the real endpoint."""

from __future__ import annotations

from bot.storage.models import MentoringRequest, MentorProfile, Pairing
from tests.flows import GOALS, MENTEE, MENTOR, MENTOR2, all_text, offer, pair, proposals_to, rows, tick
from tests.test_rhythm import MONDAY, WEEK

LOOKING = "looking for a new mentor for you"


def status_text(bot, user: str) -> str:
    return bot.slack.command(user, "status").json()["text"]


def assert_requeued_to_mentor2(bot, first_request_id: int) -> None:
    [again] = rows(bot, MentoringRequest, MentoringRequest.id != first_request_id)
    [first] = rows(bot, MentoringRequest, MentoringRequest.id == first_request_id)
    assert (again.mentee_user_id, again.goals, again.topics) == (MENTEE, first.goals, first.topics)
    assert again.status == "proposed"
    [asked] = proposals_to(bot, MENTOR2)
    assert GOALS in all_text(asked) and f"<@{MENTEE}>" in all_text(asked)


def test_a_mentor_who_leaves_gets_the_mentee_a_new_mentor_with_the_same_goals(bot):
    pairing = pair(bot)
    offer(bot, MENTOR2, topics=["Leadership"])
    assert proposals_to(bot, MENTOR2) == []
    assert bot.slack.command(MENTOR, "leave").status == 200

    notice = next(p for p in bot.fake.posts_to(MENTEE) if "left the mentoring program" in all_text(p))
    assert LOOKING in all_text(notice)
    assert_requeued_to_mentor2(bot, pairing.request_id)

    # The mentee's status tells what happened and what happens next; so does the mentor's.
    mentee_status = status_text(bot, MENTEE)
    assert f"Your pairing with <@{MENTOR}> ended on 02 Dec 2026; I'm {LOOKING}." in mentee_status
    assert "not part of a mentoring pair yet" not in mentee_status
    mentor_status = status_text(bot, MENTOR)
    assert f"Your pairing with <@{MENTEE}> ended on 02 Dec 2026." in mentor_status
    assert "not part of a mentoring pair right now" in mentor_status


def test_an_unreachable_mentor_gets_the_mentee_a_new_mentor_and_is_asked_no_more(bot):
    pairing = pair(bot)
    offer(bot, MENTOR2, topics=["Leadership"])
    tick(bot, MONDAY)
    bot.fake.gone_users.add(MENTOR)
    tick(bot, MONDAY + WEEK)  # week 2 carries the mentor's prompt, by DM, which fails
    [ended] = rows(bot, Pairing, Pairing.id == pairing.id)
    assert (ended.status, ended.end_reason) == ("ended", "unreachable")

    notice = next(p for p in bot.fake.posts_to(MENTEE) if "can no longer reach them" in all_text(p))
    assert LOOKING in all_text(notice)
    assert_requeued_to_mentor2(bot, pairing.request_id)
    # Nobody else is asked to wait on someone who can't be reached.
    assert [p.active for p in rows(bot, MentorProfile, MentorProfile.user_id == MENTOR)] == [False]
    assert f"ended on 14 Dec 2026; I'm {LOOKING}" in status_text(bot, MENTEE)


def test_a_mentee_who_leaves_is_not_requeued(bot):
    pairing = pair(bot)
    offer(bot, MENTOR2, topics=["Leadership"])
    assert bot.slack.command(MENTEE, "leave").status == 200
    assert rows(bot, MentoringRequest, MentoringRequest.id != pairing.request_id) == []
    assert proposals_to(bot, MENTOR2) == []
    assert LOOKING not in status_text(bot, MENTEE)
    assert f"Your pairing with <@{MENTEE}> ended on 02 Dec 2026." in status_text(bot, MENTOR)
