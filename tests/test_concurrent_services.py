"""Races between core services on one database, many rounds each: no deadlock, and every loser told the truth.

The services are called from threads released together by a barrier, so their transactions overlap as
much as two clicks arriving at once can. Setting each round up goes through the same services.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.matching.decisions import Decision
from bot.matching.profiles import ProfileForm
from bot.matching.requests import RequestForm, RequestResult
from bot.programs.catalog import open_programs
from bot.storage.database import unit_of_work
from bot.storage.models import Delivery, MentoringRequest, MentorProfile, Pairing, Proposal
from bot.storage.statuses import DeliveryKind
from tests.conftest import RunningBot
from tests.fakeslack import DEFAULT_TEAM
from tests.flows import GOALS, MENTOR, count, rows

ROUNDS = 25
TOPICS = ["Leadership", "Communication"]


def _together(*calls: Callable[[], Any]) -> list[Any]:
    """Runs the calls in threads released at the same instant; returns results, or the exceptions raised."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Any:
        barrier.wait()
        try:
            return call()
        except Exception as exc:  # noqa: BLE001 - the test asserts on what each caller saw
            return exc

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def _program_id(bot: RunningBot) -> int:
    with unit_of_work(bot.rt.sessions) as s:
        return open_programs(s, DEFAULT_TEAM, bot.clock())[0].id


def _profile(capacity: int) -> ProfileForm:
    return ProfileForm(topics=TOPICS, capacity=capacity, level=4, department="Sales", bio=None, open_to_reverse=False)


def _ask(bot: RunningBot, mentee: str, program_id: int) -> MentoringRequest:
    form = RequestForm(
        goals=GOALS, topics=TOPICS, wants_outside_team=False, wants_more_senior=False, level=2, department="Eng"
    )
    outcome = bot.rt.requests.create(DEFAULT_TEAM, mentee, program_id, form, f"submit-{mentee}", bot.clock())
    bot.rt.sender.settle(timeout=60)  # the mentor is asked right after the answer
    assert outcome.result == RequestResult.CREATED and outcome.request is not None
    return outcome.request


def test_leave_racing_accept_never_deadlocks_and_both_are_told_the_truth(bot):
    program_id = _program_id(bot)
    assert bot.rt.profiles.save(DEFAULT_TEAM, MENTOR, program_id, _profile(capacity=3), bot.clock()).problem is None
    seen: dict[str, int] = {"withdrawn": 0, "paired then ended": 0}
    for n in range(ROUNDS):
        mentee = f"U0LEAVE{n:03d}"
        bot.clock.advance(minutes=1)
        request = _ask(bot, mentee, program_id)
        [proposal] = rows(bot, Proposal, Proposal.request_id == request.id)
        now = bot.clock()

        accepted, left = _together(
            lambda p=proposal, at=now: bot.rt.decisions.accept(DEFAULT_TEAM, MENTOR, p.id, at),
            lambda m=mentee, at=now: bot.rt.lifecycle.leave(DEFAULT_TEAM, m, at),
        )

        assert not isinstance(accepted, Exception), f"round {n}: Accept failed: {accepted!r}"
        assert not isinstance(left, Exception), f"round {n}: leave failed: {left!r}"
        [stored] = rows(bot, MentoringRequest, MentoringRequest.id == request.id)
        pairings = rows(bot, Pairing, Pairing.request_id == request.id)
        intros = count(
            bot, Delivery, Delivery.kind == DeliveryKind.INTRO, Delivery.pairing_id.in_([p.id for p in pairings])
        )
        if left.requests:
            # The mentee was told "withdrawn": they must never be paired or introduced.
            seen["withdrawn"] += 1
            assert (left.requests, left.pairings) == (1, 0), f"round {n}"
            assert stored.status == "withdrawn", f"round {n}"
            assert pairings == [] and intros == 0, f"round {n}: a withdrawn mentee was paired"
            assert accepted.decision == Decision.STALE, f"round {n}: Accept said {accepted.decision}"
        else:
            # Accept won: the mentee was paired, and leaving ended that pairing and said so.
            seen["paired then ended"] += 1
            assert accepted.decision == Decision.ACCEPTED, f"round {n}: Accept said {accepted.decision}"
            assert (left.requests, left.pairings) == (0, 1), f"round {n}"
            assert stored.status == "matched", f"round {n}"
            [pairing] = pairings
            assert (pairing.status, pairing.end_reason) == ("ended", "left"), f"round {n}"
        assert rows(bot, Proposal, Proposal.request_id == request.id)[0].status != "pending", f"round {n}"
        [profile] = rows(bot, MentorProfile)
        assert profile.load == 0, f"round {n}: the mentor's place was not given back"
        bot.clock.advance(minutes=1)
    assert sum(seen.values()) == ROUNDS


def test_two_mentors_saving_while_a_request_waits_both_succeed_and_ask_once(bot):
    program_id = _program_id(bot)
    for n in range(ROUNDS):
        mentee, first, second = f"U0WAIT{n:03d}", f"U0MENA{n:03d}", f"U0MENB{n:03d}"
        bot.clock.advance(minutes=1)
        request = _ask(bot, mentee, program_id)
        assert rows(bot, MentoringRequest, MentoringRequest.id == request.id)[0].status == "waiting"
        now = bot.clock()

        saved = _together(
            *(
                lambda m=mentor, at=now: bot.rt.profiles.save(DEFAULT_TEAM, m, program_id, _profile(capacity=1), at)
                for mentor in (first, second)
            ),
        )

        assert [type(r).__name__ for r in saved] == ["ProfileResult", "ProfileResult"], f"round {n}: {saved!r}"
        assert [r.problem for r in saved] == [None, None], f"round {n}"
        pending = rows(bot, Proposal, Proposal.request_id == request.id, Proposal.status == "pending")
        assert len(pending) == 1, f"round {n}: {len(pending)} pending proposals"
        assert rows(bot, MentoringRequest, MentoringRequest.id == request.id)[0].status == "proposed"
        loads = {p.user_id: p.load for p in rows(bot, MentorProfile, MentorProfile.user_id.in_([first, second]))}
        assert sorted(loads.values()) == [0, 1], f"round {n}: {loads}"
        # Everyone leaves, so the next round's request waits again.
        later = now + timedelta(seconds=30)
        for person in (first, second, mentee):
            bot.rt.lifecycle.leave(DEFAULT_TEAM, person, later)
        with unit_of_work(bot.rt.sessions) as s:
            assert s.scalar(select(MentorProfile.id).where(MentorProfile.active.is_(True))) is None


def test_leave_racing_decline_leaves_no_proposal_pending_and_every_place_free(bot):
    """The decline asks the next mentor while the mentee leaves: that new proposal must not outlive them."""
    program_id = _program_id(bot)
    for mentor in (MENTOR, "U0MENTOR02"):
        assert bot.rt.profiles.save(DEFAULT_TEAM, mentor, program_id, _profile(capacity=3), bot.clock()).problem is None
    for n in range(ROUNDS):
        mentee = f"U0DECL{n:03d}"
        bot.clock.advance(minutes=1)
        request = _ask(bot, mentee, program_id)
        [proposal] = rows(bot, Proposal, Proposal.request_id == request.id)
        now = bot.clock()

        declined, left = _together(
            lambda p=proposal, at=now: bot.rt.decisions.decline(DEFAULT_TEAM, p.mentor_user_id, p.id, at),
            lambda m=mentee, at=now: bot.rt.lifecycle.leave(DEFAULT_TEAM, m, at),
        )

        assert not isinstance(declined, Exception), f"round {n}: Decline failed: {declined!r}"
        assert not isinstance(left, Exception), f"round {n}: leave failed: {left!r}"
        assert declined.decision in (Decision.DECLINED, Decision.STALE), f"round {n}"
        assert (left.requests, left.pairings) == (1, 0), f"round {n}"
        assert rows(bot, MentoringRequest, MentoringRequest.id == request.id)[0].status == "withdrawn"
        assert count(bot, Proposal, Proposal.request_id == request.id, Proposal.status == "pending") == 0
        assert {p.user_id: p.load for p in rows(bot, MentorProfile)} == {MENTOR: 0, "U0MENTOR02": 0}, f"round {n}"
