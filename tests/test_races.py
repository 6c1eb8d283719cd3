"""Concurrent clicks and submissions, sent at once over real HTTP: exactly one winner every time."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bot.storage.models import MentoringRequest, MentorProfile, Pairing, Proposal
from tests.flows import MENTEE, MENTOR, MENTOR2, count, offer, proposals_to, request, request_values, rows


def _at_once(*calls: Any) -> list[Any]:
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(call) for call in calls]
        return [f.result() for f in futures]


def test_two_mentors_accepting_at_once_make_one_pairing(bot):
    offer(bot, MENTOR, topics=["Leadership", "Giving and receiving feedback"])
    offer(bot, MENTOR2, topics=["Leadership"])
    request(bot)
    [first] = proposals_to(bot, MENTOR)
    bot.slack.click_button(first, "Decline", MENTOR)
    [second] = proposals_to(bot, MENTOR2)

    # The first mentor changes their mind on the stale message while the second accepts, twice.
    responses = _at_once(
        lambda: bot.slack.click_button(first, "Accept", MENTOR),
        lambda: bot.slack.click_button(second, "Accept", MENTOR2),
        lambda: bot.slack.click_button(second, "Accept", MENTOR2),
    )
    assert [r.status for r in responses] == [200, 200, 200]
    [pairing] = rows(bot, Pairing)
    assert pairing.mentor_user_id == MENTOR2
    assert len(bot.fake.calls_to("conversations.open")) == 1
    assert len(bot.fake.posts_to(pairing.dm_channel_id)) == 1
    assert sorted(p.status for p in rows(bot, Proposal)) == ["accepted", "declined"]
    loads = {p.user_id: p.load for p in rows(bot, MentorProfile)}
    assert loads == {MENTOR: 0, MENTOR2: 1}


def test_accept_racing_decline_on_one_proposal_has_one_outcome(bot):
    offer(bot, MENTOR)
    request(bot)
    [proposal] = proposals_to(bot, MENTOR)
    _at_once(
        lambda: bot.slack.click_button(proposal, "Accept", MENTOR),
        lambda: bot.slack.click_button(proposal, "Decline", MENTOR),
    )
    [stored] = rows(bot, Proposal)
    pairings = count(bot, Pairing)
    assert (stored.status, pairings) in {("accepted", 1), ("declined", 0)}
    assert rows(bot, MentorProfile)[0].load == pairings


def test_capacity_holds_when_many_mentees_ask_at_once(bot):
    offer(bot, MENTOR, capacity="2")
    mentees = [f"U0RACE{n:04d}" for n in range(6)]
    payloads = []
    for mentee in mentees:
        bot.slack.command(mentee, "request")
        payloads.append(bot.slack.submission(bot.slack.opened_view("mentee_request"), request_values(), mentee))
    responses = _at_once(*[lambda p=p: bot.slack.interactive(p) for p in payloads])
    assert all(r.status == 200 for r in responses)
    assert count(bot, MentoringRequest) == 6
    assert count(bot, Proposal) == 2
    assert rows(bot, MentorProfile)[0].load == 2
    assert count(bot, MentoringRequest, MentoringRequest.status == "waiting") == 4
    assert len(proposals_to(bot, MENTOR)) == 2


def test_one_submission_delivered_concurrently_makes_one_request(bot):
    offer(bot, MENTOR)
    bot.slack.command(MENTEE, "request")
    payload = bot.slack.submission(bot.slack.opened_view("mentee_request"), request_values(), MENTEE)
    responses = _at_once(*[lambda: bot.slack.interactive(payload) for _ in range(4)])
    assert all(r.status == 200 for r in responses)
    assert count(bot, MentoringRequest) == 1
    assert len(proposals_to(bot, MENTOR)) == 1
