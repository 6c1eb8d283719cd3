"""Matching that respects the mentee's topics, reasons written for their reader: through the real endpoint."""

from __future__ import annotations

import json
from typing import Any

from bot.storage.models import MentoringRequest, Pairing
from tests.conftest import RunningBot
from tests.flows import GOALS, MENTEE, MENTOR, MENTOR2, all_text, buttons, offer, proposals_to, request, rows
from tests.slackclient import Response, checkbox_value, multi_value, select_value, state, text_value

WAIT = "Wait for a mentor who covers my topics"
BROADLY = "Match me more broadly"


def offer_with_bio(bot: RunningBot, user: str, bio: str, topics: list[str], department: str = "Sales") -> Response:
    bot.slack.command(user, "offer")
    view = bot.slack.opened_view("mentor_offer")
    values = state(
        topics=multi_value(topics),
        topics_other=text_value(""),
        capacity=select_value("2"),
        level=select_value("4"),
        department=text_value(department),
        bio=text_value(bio),
        reverse=checkbox_value([]),
    )
    return bot.slack.submit(view, values, user)


def notes_to(bot: RunningBot, user: str) -> list[str]:
    return [all_text(p) for p in bot.fake.posts_to(user)]


def updated_message(bot: RunningBot, index: int = -1) -> dict[str, Any]:
    """A chat.update the bot made, as a post a person can click on."""
    update = bot.fake.calls_to("chat.update")[index]
    blocks = update.get("blocks")
    return {
        "text": update.get("text"),
        "blocks": json.loads(blocks) if isinstance(blocks, str) else blocks,
        "_channel": update.get("channel"),
        "_ts": update.get("ts"),
    }


def test_a_mentor_sharing_no_topic_is_not_proposed_while_a_covering_one_has_room(bot):
    bot.fake.add_user(MENTEE, tz="Europe/London", tz_offset=0)
    bot.fake.add_user(MENTOR, tz="Europe/London", tz_offset=0)
    bot.fake.add_user(MENTOR2, tz="Asia/Tokyo", tz_offset=9 * 3600)
    # Senior, from another department and in the mentee's timezone, but no topic in common.
    offer(bot, MENTOR, topics=["Public speaking", "Sales and customers"], level="5", department="Sales")
    # A peer from the mentee's own department, far away, who covers one of the two topics.
    offer(bot, MENTOR2, topics=["Leadership"], level="2", department="Engineering")
    request(bot)
    assert proposals_to(bot, MENTOR) == []
    [proposal] = proposals_to(bot, MENTOR2)
    assert "wants help with Leadership, which you offer" in all_text(proposal)


def test_nobody_covering_lets_the_mentee_wait_or_match_more_broadly(bot):
    offer(bot, MENTOR, topics=["Public speaking"])
    request(bot)
    assert proposals_to(bot, MENTOR) == []
    [choice] = [p for p in bot.fake.posts_to(MENTEE) if WAIT in buttons(p)]
    assert buttons(choice) == [WAIT, BROADLY]
    assert "no mentor with room covers any of your topics" in all_text(choice)

    # Waiting asks nobody, and leaves a way to change one's mind.
    assert bot.slack.click_button(choice, WAIT, MENTEE).status == 200
    assert proposals_to(bot, MENTOR) == []
    [req] = rows(bot, MentoringRequest)
    assert req.status == "waiting"
    waiting = updated_message(bot)
    assert "I'll wait for a mentor who covers your topics" in waiting["text"]
    assert buttons(waiting) == [BROADLY]

    # Someone else cannot choose for the mentee.
    bot.slack.click_button(waiting, BROADLY, MENTOR2)
    assert proposals_to(bot, MENTOR) == []

    assert bot.slack.click_button(waiting, BROADLY, MENTEE).status == 200
    [proposal] = proposals_to(bot, MENTOR)
    text = all_text(proposal)
    assert "none of their topics (Leadership and Giving and receiving feedback) is among yours" in text
    assert "they asked me to look more broadly" in text
    broader_notes = [t for t in notes_to(bot, MENTEE) if "looked beyond your topics" in t]
    assert len(broader_notes) == 1 and "this is the broader match you asked for" in broader_notes[0]

    # A decline keeps the mentee's choice: the next mentor outside their topics is asked, without a new question.
    offer(bot, MENTOR2, topics=["Design and UX"])
    assert bot.slack.click_button(proposal, "Decline", MENTOR).status == 200
    assert len(proposals_to(bot, MENTOR2)) == 1
    assert len([p for p in bot.fake.posts_to(MENTEE) if WAIT in buttons(p)]) == 1


def test_matching_broadly_at_once_proposes_and_says_so(bot):
    offer(bot, MENTOR, topics=["Public speaking"])
    request(bot)
    [choice] = [p for p in bot.fake.posts_to(MENTEE) if WAIT in buttons(p)]
    assert bot.slack.click_button(choice, BROADLY, MENTEE).status == 200
    [proposal] = proposals_to(bot, MENTOR)
    assert "*Why them:*" in all_text(proposal)
    assert "I'll match you more broadly" in updated_message(bot)["text"]
    # A second click finds the request already moved on and asks nobody else.
    bot.slack.click_button(choice, BROADLY, MENTEE)
    assert len(proposals_to(bot, MENTOR)) == 1


def test_goals_text_breaks_a_tie_between_equally_covering_mentors(bot):
    # Alike in all but their bios; the first to offer would win a tie without the goals.
    same = {"topics": ["Leadership"], "department": "Engineering"}
    offer_with_bio(bot, MENTOR, "Happy to talk about budgets, pipelines and forecasting.", **same)
    offer_with_bio(bot, MENTOR2, "I run cross-team projects and coach people on giving feedback.", **same)
    request(bot, goals=GOALS, topics=["Leadership"])
    assert proposals_to(bot, MENTOR) == []
    [proposal] = proposals_to(bot, MENTOR2)
    assert "what they hope to grow in echoes your profile" in all_text(proposal)


def test_reasons_are_written_for_whoever_reads_them(bot):
    # The mentor is level 4 and in Sales; the mentee is level 2 and in Engineering.
    offer(bot, MENTOR, topics=["Leadership", "Communication"])
    request(bot)
    [proposal] = proposals_to(bot, MENTOR)
    why = all_text(proposal)
    assert "wants help with Leadership, which you offer (1 of their 2 topics)" in why
    assert "2 levels junior to you" in why
    assert "from another department (Engineering)" in why
    assert "your topics" not in why and "more senior than you" not in why

    [note] = [t for t in notes_to(bot, MENTEE) if "I've asked them" in t]
    assert "offers Leadership, which you want help with (1 of your 2 topics)" in note
    assert "2 levels more senior than you" in note
    assert "from another department (Sales)" in note


def test_the_intro_speaks_to_both_and_holds_nothing_out_of_date(bot):
    offer(bot, MENTOR, topics=["Leadership"], department="Engineering")
    request(bot, topics=["Leadership"])
    [proposal] = proposals_to(bot, MENTOR)
    assert bot.slack.click_button(proposal, "Accept", MENTOR).status == 200
    [pairing] = rows(bot, Pairing)
    [intro] = bot.fake.posts_to(pairing.dm_channel_id)
    text = all_text(intro)
    assert "room for" not in text and "your topic" not in text
    assert f"<@{MENTOR}> offers Leadership, which <@{MENTEE}> wants help with" in text
    assert f"<@{MENTOR}> is 2 levels more senior" in text
