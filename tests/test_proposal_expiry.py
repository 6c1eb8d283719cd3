"""Proposals nobody answers: a reminder after two days, then, after the program's setting, the place is
freed and the next best mentor is asked. Through the real endpoint, travelling with ticks."""

from __future__ import annotations

from datetime import timedelta

from bot.storage.models import MentorProfile, Pairing, Program, Proposal
from tests.conftest import OWNER, START
from tests.flows import (
    GOALS,
    MENTEE,
    MENTOR,
    MENTOR2,
    all_text,
    buttons,
    dms,
    offer,
    proposals_to,
    request,
    rows,
    tick,
)
from tests.slackclient import select_value, state, text_value

REMINDER = "A gentle reminder"
EXPIRED = "No need to answer"


def two_mentors_one_asked(bot) -> Proposal:
    """MENTOR covers both of the mentee's topics and is asked; MENTOR2 covers one and waits its turn."""
    offer(bot, MENTOR, topics=["Leadership", "Giving and receiving feedback"], capacity="1")
    offer(bot, MENTOR2, topics=["Leadership"], capacity="1")
    assert request(bot).status == 200
    [proposal] = rows(bot, Proposal)
    assert (proposal.mentor_user_id, proposal.status) == (MENTOR, "pending")
    return proposal


def loads(bot) -> dict[str, int]:
    return {p.user_id: p.load for p in rows(bot, MentorProfile)}


def reminders(bot, user: str) -> list[dict]:
    return [p for p in bot.fake.posts_to(user) if REMINDER in all_text(p)]


def set_expiry_in_the_form(bot, days: str) -> None:
    assert bot.slack.command(OWNER, "program Mentoring").status == 200
    view = bot.slack.opened_view("program_edit")
    field = next(b for b in view["blocks"] if b.get("block_id") == "proposal_expiry_days")
    assert field["element"]["initial_option"]["value"] == "5"  # the default, shown to the owner
    values = state(
        name=text_value("Mentoring"),
        topics=text_value("Leadership\nGiving and receiving feedback"),
        proposal_expiry_days=select_value(days),
    )
    assert bot.slack.submit(view, values, OWNER).status == 200
    assert [p.proposal_expiry_days for p in rows(bot, Program)] == [int(days)]


def test_a_silent_mentor_is_reminded_after_two_days_then_the_next_mentor_is_asked(bot):
    proposal = two_mentors_one_asked(bot)
    set_expiry_in_the_form(bot, "3")
    assert loads(bot) == {MENTOR: 1, MENTOR2: 0}

    tick(bot, START + timedelta(days=2) - timedelta(minutes=1))
    assert reminders(bot, MENTOR) == []
    tick(bot, START + timedelta(days=2))
    [reminder] = reminders(bot, MENTOR)
    assert f"<@{MENTEE}>" in all_text(reminder)
    assert buttons(reminder) == ["Yes, I'll mentor them", "Not this time"]
    tick(bot, START + timedelta(days=2, hours=6))
    assert len(reminders(bot, MENTOR)) == 1  # once only
    assert proposals_to(bot, MENTOR2) == []

    # Not before the program's 3 days are up.
    tick(bot, START + timedelta(days=3) - timedelta(minutes=1))
    assert rows(bot, Proposal, Proposal.id == proposal.id)[0].status == "pending"
    assert proposals_to(bot, MENTOR2) == []

    tick(bot, START + timedelta(days=3))
    assert rows(bot, Proposal, Proposal.id == proposal.id)[0].status == "withdrawn"
    [told] = [p for p in bot.fake.posts_to(MENTOR) if EXPIRED in all_text(p)]
    assert f"<@{MENTEE}>" in all_text(told) and "3 days" in all_text(told)
    [asked] = proposals_to(bot, MENTOR2)
    assert GOALS in all_text(asked)
    assert loads(bot) == {MENTOR: 0, MENTOR2: 1}  # the silent mentor's place is free again

    # Told once, however often the tick runs.
    tick(bot, START + timedelta(days=4))
    assert len([p for p in bot.fake.posts_to(MENTOR) if EXPIRED in all_text(p)]) == 1
    assert len(proposals_to(bot, MENTOR2)) == 1

    # The old buttons no longer make a pair.
    [first] = proposals_to(bot, MENTOR)
    assert bot.slack.click_button(first, "Accept", MENTOR).status == 200
    assert bot.slack.click_button(reminder, "Yes, I'll mentor them", MENTOR).status == 200
    assert rows(bot, Pairing) == []
    assert bot.slack.click_button(asked, "Accept", MENTOR2).status == 200
    [pairing] = rows(bot, Pairing)
    assert (pairing.mentor_user_id, pairing.mentee_user_id) == (MENTOR2, MENTEE)


def test_by_default_a_proposal_expires_after_five_days_and_the_reminder_can_accept(bot):
    two_mentors_one_asked(bot)
    tick(bot, START + timedelta(days=2))
    tick(bot, START + timedelta(days=5) - timedelta(minutes=1))
    assert [p.status for p in rows(bot, Proposal)] == ["pending"]
    [reminder] = reminders(bot, MENTOR)
    assert bot.slack.click_button(reminder, "Yes, I'll mentor them", MENTOR).status == 200
    [pairing] = rows(bot, Pairing)
    assert pairing.mentor_user_id == MENTOR
    tick(bot, START + timedelta(days=6))
    assert [p.status for p in rows(bot, Proposal)] == ["accepted"]
    assert [p for p in bot.fake.posts_to(MENTOR) if EXPIRED in all_text(p)] == []
    assert dms(bot, MENTOR2) == []


def test_an_expired_proposal_with_nobody_else_leaves_the_request_waiting_and_the_place_free(bot):
    offer(bot, MENTOR, capacity="1")
    request(bot)
    tick(bot, START + timedelta(days=5))
    assert [p.status for p in rows(bot, Proposal)] == ["withdrawn"]
    assert loads(bot) == {MENTOR: 0}
    assert len(proposals_to(bot, MENTOR)) == 1  # the same mentor is not asked again for this request
