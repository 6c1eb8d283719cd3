"""A whole mentoring program, lived end to end through the real HTTP endpoint by a seeded population.

One owner, six mentors (1 or 2 places each) and nine mentees with topics from the default program
act at random, driven by `random.Random(seed)`: mentors offer and answer proposals (or let them
expire), mentees ask for a mentor and choose between waiting and a broader match, pairs answer
check-ins (we met, not yet, need help with a note, a rematch), pause, resume, leave, become
unreachable, fill in feedback and closing surveys, and click buttons on old messages. The clock
ticks every 12 simulated hours for 15 weeks, from the first request until the first pairs of the
12-week program have graduated and answered their closing survey.

After every tick and every action, `tests.program_invariants` checks the rules a person would
notice breaking (see `NAMES` there). A rule the code does not keep yet is listed in `KNOWN_GAPS`
with what goes wrong: its violations are reported, and the test fails once it stops occurring, so
that the list is emptied as the gaps close. Every other rule must hold.

CI runs `CI_SEEDS` on SQLite and PostgreSQL. For more seeds locally:

    MENTOR_SIM_SEEDS=1,2,3,4,5 python3 dev.py test -q tests/test_whole_program.py

With local seeds a known gap may happen not to show; only the CI seeds insist that it does, and
that the walk still went through every kind of event (`Walk.events`). Every violation of a run is
printed with its step (`-s`, or in the failure message).
"""

from __future__ import annotations

import logging
import os
import random
import time
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.matching.messages import ACCEPT_ACTION, DECLINE_ACTION, MATCH_BROADLY_ACTION, WAIT_FOR_TOPICS_ACTION
from bot.pairing.messages import (
    FEEDBACK_ACTION,
    HELP_ACTION,
    INFORMAL_ACTION,
    MET_ACTION,
    NOT_YET_ACTION,
    REMATCH_ACTION,
    SURVEY_ACTION,
)
from bot.programs.catalog import DEFAULT_TOPICS
from bot.storage.database import unit_of_work
from bot.storage.models import CheckIn, Delivery, MentoringRequest, MentorProfile, Pairing, Proposal
from bot.storage.statuses import CheckInStatus, DeliveryKind, PairingStatus, ProposalStatus, RequestStatus
from tests.conftest import START, RunningBot
from tests.fakeslack import DEFAULT_TEAM
from tests.flows import MENTOR2, offer, pair, request, tick
from tests.program_invariants import NAMES, Invariants
from tests.slackclient import select_value, state, text_value

CI_SEEDS = [16]
SEEDS = [int(s) for s in os.environ.get("MENTOR_SIM_SEEDS", "").split(",") if s.strip()] or CI_SEEDS

# Rules today's code does not keep, and what goes wrong. Remove an entry once its rule holds.
KNOWN_GAPS: dict[str, str] = {}

MENTORS = [f"U0SIMMTR{i:02d}" for i in range(1, 7)]
MENTEES = [f"U0SIMMTE{i:02d}" for i in range(1, 10)]
DEPARTMENTS = ["Sales", "Engineering", "Finance", "Design"]
ZONES = [("Europe/London", 0), ("Europe/Berlin", 3600), ("America/New_York", -18000)]
GOALS = [
    "I want to lead my first cross-team project and get better at giving feedback.",
    "I'd like to grow into a senior role and learn how decisions get made here.",
    "Help me speak up in big meetings and present my work with confidence.",
]
STEP = timedelta(hours=12)
OLD_CLICKS = 2  # buttons on old messages clicked per step
# The first pairs graduate in week 13 or 14; pairs made later by rematches may still be active then.
LAST_TICK = START + timedelta(weeks=15)


class Walk:
    """One seeded run: the people, their random choices, and the invariants after every step."""

    def __init__(self, bot: RunningBot, seed: int, caplog: pytest.LogCaptureFixture):
        self.bot, self.rng, self.caplog = bot, random.Random(seed), caplog
        self.inv = Invariants(bot)
        self.now = START
        self.minute = 0
        self.paused: set[str] = set()
        self.gone: set[str] = set()
        self.left: set[str] = set()
        self.clicks = 0
        self.known: set[int] = set()
        self.habits: dict[int, float] = {}  # per pairing, how often "We met" is their answer
        self.responsive: dict[str, float] = {}  # per mentor, the chance they answer a proposal each step
        self.with_buttons: list[tuple[Delivery, tuple[str, str, str | None]]] = []
        self.spent: dict[str, float] = {"tick": 0.0, "check": 0.0}
        self.happened: set[str] = set()  # the kinds of event this walk went through
        rng = self.rng
        for user in [*MENTORS, *MENTEES]:
            tz, offset = rng.choice(ZONES)
            bot.fake.add_user(user, tz=tz, tz_offset=offset)
        # Most mentors offer at once, the others within the first weeks; mentees ask over two weeks.
        self.joins: list[tuple[datetime, str]] = sorted(
            [(START if i < 4 else START + rng.randrange(1, 28) * STEP, m) for i, m in enumerate(MENTORS)]
            + [(START + rng.randrange(0, 28) * STEP, m) for m in MENTEES]
        )

    # --- the clock and the checks ----------------------------------------------------------------

    def act(self, label: str) -> str:
        """Moves the clock a minute on, so that every action has its own instant, and names the step."""
        self.minute += 1
        self.bot.clock.at = self.now + timedelta(minutes=self.minute)
        return f"{self.bot.clock.at:%Y-%m-%d %H:%M} {label}"

    def check(self, step: str) -> None:
        started = time.perf_counter()
        self.inv.check(step, self.caplog.records)
        self.caplog.clear()
        self.spent["check"] += time.perf_counter() - started

    def db(self, model: Any, *where: Any) -> list[Any]:
        with unit_of_work(self.bot.rt.sessions) as s:
            return list(s.scalars(select(model).where(*where).order_by(model.id)))

    # --- the walk ---------------------------------------------------------------------------------

    def run(self) -> None:
        while self.now <= LAST_TICK:
            self.minute = 0
            started = time.perf_counter()
            tick(self.bot, self.now)
            self.spent["tick"] += time.perf_counter() - started
            self.check(f"{self.now:%Y-%m-%d %H:%M} tick")
            self.joiners()
            self.answer_proposals()
            self.choose_breadth()
            self.answer_checkins()
            self.closing()
            self.life_events()
            self.old_buttons()
            self.now += STEP

    def joiners(self) -> None:
        rng = self.rng
        while self.joins and self.joins[0][0] <= self.now:
            _, user = self.joins.pop(0)
            step = self.act(f"{user} joins")
            if user in MENTORS:
                topics = rng.sample(DEFAULT_TOPICS[:8], rng.choice([1, 2, 3]))
                answered = offer(
                    self.bot,
                    user,
                    topics=topics,
                    capacity=str(rng.choice([1, 2])),
                    level=str(rng.choice([4, 5])),
                    department=rng.choice(DEPARTMENTS),
                )
            else:
                answered = request(
                    self.bot,
                    user,
                    goals=rng.choice(GOALS),
                    topics=rng.sample(DEFAULT_TOPICS[:10], rng.choice([1, 2])),
                    department=rng.choice(DEPARTMENTS),
                )
            assert answered.status == 200, (step, answered.body)
            self.check(step)

    def click(self, step: str, user: str, action_id: str, value: str | None, channel: str | None = None) -> None:
        self.happened.add(action_id)
        response = self.bot.slack.click(user, action_id, value, channel=channel)
        self.clicks += 1
        if response.status != 200:
            self.inv.record("buttons_answer", step, f"{action_id}={value} by {user}: HTTP {response.status}")
        errors = [
            r for r in self.caplog.records if (r.levelno >= logging.ERROR or r.exc_info) and not self.inv.expected(r)
        ]
        if errors:
            self.inv.record("buttons_answer", step, f"{action_id}={value} by {user} logged {errors[0].getMessage()}")
        self.check(step)

    def answer_proposals(self) -> None:
        """Most mentors answer within a day or two; some never do, and their proposals expire."""
        for proposal in self.db(Proposal, Proposal.status == ProposalStatus.PENDING):
            answers = self.responsive.setdefault(proposal.mentor_user_id, self.rng.choice([0.0, 0.6, 0.6, 0.6]))
            if self.rng.random() >= answers:
                continue
            user = proposal.mentor_user_id
            if self.rng.random() < 0.75:
                self.click(self.act(f"{user} accepts proposal {proposal.id}"), user, ACCEPT_ACTION, str(proposal.id))
            else:
                self.click(self.act(f"{user} declines proposal {proposal.id}"), user, DECLINE_ACTION, str(proposal.id))

    def choose_breadth(self) -> None:
        asked = {d.key.split(":")[1] for d in self.db(Delivery, Delivery.key.like("request:%:no-cover"))}
        for r in self.db(MentoringRequest, MentoringRequest.status == RequestStatus.WAITING):
            if str(r.id) not in asked or self.rng.random() < 0.5:
                continue
            broadly = self.rng.random() < 0.6
            action = MATCH_BROADLY_ACTION if broadly else WAIT_FOR_TOPICS_ACTION
            self.click(self.act(f"{r.mentee_user_id} {action} on request {r.id}"), r.mentee_user_id, action, str(r.id))

    def answer_checkins(self) -> None:
        """Each pair has its own habits: some meet most weeks, some rarely, some never answer "We met"."""
        rng = self.rng
        for checkin in self.db(CheckIn, CheckIn.status == CheckInStatus.OPEN):
            if rng.random() < 0.35:
                continue
            [pairing] = self.db(Pairing, Pairing.id == checkin.pairing_id)
            meets = self.habits.setdefault(pairing.id, rng.choice([0.0, 0.5, 0.8, 0.8]))
            user = rng.choice([pairing.mentee_user_id, pairing.mentor_user_id])
            roll = rng.random()
            if roll < 0.9 * meets:
                before = self.forms()
                self.click(self.act(f"{user} met, check-in {checkin.id}"), user, MET_ACTION, str(checkin.id))
                if rng.random() < 0.5:
                    view = self.opened("checkin_pulse", before)
                    values = state(usefulness=select_value(str(rng.randint(1, 5))), confidence=select_value("4"))
                    self.submit(self.act(f"{user} rates check-in {checkin.id}"), view, values, user)
            elif roll < 0.92:
                self.click(self.act(f"{user} not yet, check-in {checkin.id}"), user, NOT_YET_ACTION, str(checkin.id))
            else:
                before = self.forms()
                self.click(self.act(f"{user} needs help, check-in {checkin.id}"), user, HELP_ACTION, str(checkin.id))
                view = self.opened("checkin_help_note", before)
                note = state(note=text_value("We keep missing each other."))
                self.submit(self.act(f"{user} writes a help note"), view, note, user)
                if user == pairing.mentee_user_id and rng.random() < 0.4:
                    step = self.act(f"{user} asks for a new mentor, pairing {pairing.id}")
                    self.click(step, user, REMATCH_ACTION, str(pairing.id))

    def opened(self, callback_id: str, before: int) -> dict[str, Any] | None:
        """The form the last click opened, if it opened one (a pair that has ended gets a note instead)."""
        if len(self.bot.fake.calls_to("views.open")) == before:
            return None
        return self.bot.slack.opened_view(callback_id)

    def forms(self) -> int:
        return len(self.bot.fake.calls_to("views.open"))

    def submit(self, step: str, view: dict[str, Any] | None, values: dict[str, Any], user: str) -> None:
        if view is None:
            return
        response = self.bot.slack.submit(view, values, user)
        if response.status != 200:
            self.inv.record("buttons_answer", step, f"{view.get('callback_id')} by {user}: HTTP {response.status}")
        self.check(step)

    def closing(self) -> None:
        """Completed pairs take the survey, keep meeting or ask for someone new; invitations get feedback."""
        rng = self.rng
        for d in self.db(
            Delivery, Delivery.kind == DeliveryKind.CLOSING_SURVEY, Delivery.created_at >= self.now - STEP
        ):
            user, pairing_id = d.target, str(d.pairing_id)
            roll = rng.random()
            if roll < 0.5:
                before = self.forms()
                self.click(self.act(f"{user} opens the survey of {pairing_id}"), user, SURVEY_ACTION, pairing_id)
                view = self.opened("survey_submit", before)
                values = state(rating=select_value("4"), recommend=select_value("9"), goals=select_value("partly"))
                self.submit(self.act(f"{user} answers the survey"), view, values, user)
            elif roll < 0.7:
                self.click(self.act(f"{user} keeps meeting, {pairing_id}"), user, INFORMAL_ACTION, pairing_id)
            elif roll < 0.85 and user in MENTEES:
                self.click(self.act(f"{user} wants a new mentor after {pairing_id}"), user, REMATCH_ACTION, pairing_id)
        for d in self.db(
            Delivery, Delivery.kind == DeliveryKind.FEEDBACK_INVITE, Delivery.created_at >= self.now - STEP
        ):
            if rng.random() < 0.3:
                value = next(iter(_button_values(d.payload, "Share feedback")), None)
                before = self.forms()
                self.click(self.act(f"{d.target} opens feedback {value}"), str(d.target), FEEDBACK_ACTION, value)
                view = self.opened("feedback_submit", before)
                values = state(working=text_value("Clear agendas."), **{"try": text_value("Meet earlier in the week.")})
                self.submit(self.act(f"{d.target} sends feedback"), view, values, str(d.target))

    def life_events(self) -> None:
        rng = self.rng
        people = [u for u in [*MENTORS, *MENTEES] if u not in self.gone and u not in self.left]
        for user in sorted(self.paused):
            if rng.random() < 0.2:
                self.paused.discard(user)
                self.command(self.act(f"{user} resumes"), user, "resume")
        if rng.random() < 0.06:
            user = rng.choice(people)
            self.paused.add(user)
            self.command(self.act(f"{user} pauses"), user, "pause 1")
        if rng.random() < 0.02 and len(self.left) < 2:
            user = rng.choice(people)
            self.left.add(user)
            self.command(self.act(f"{user} leaves"), user, "leave")
        if rng.random() < 0.02 and len(self.gone) < 2:
            user = rng.choice(people)
            self.gone.add(user)
            self.inv.gone.add(user)
            self.bot.fake.gone_users.add(user)
            self.happened.add("unreachable")
            self.check(self.act(f"{user} becomes unreachable"))

    def command(self, step: str, user: str, text: str) -> None:
        self.happened.add(text.split()[0])
        response = self.bot.slack.command(user, text)
        if response.status != 200:
            self.inv.record("buttons_answer", step, f"/mentor {text} by {user}: HTTP {response.status}")
        self.check(step)

    def old_buttons(self) -> None:
        """A few buttons on any message the bot ever sent, clicked by the person it was for."""
        with unit_of_work(self.bot.rt.sessions) as s:
            sent = s.scalars(select(Delivery.id).where(Delivery.sent_ts.is_not(None))).all()
            fresh = [i for i in sent if i not in self.known]
            if fresh:
                for d in s.scalars(select(Delivery).where(Delivery.id.in_(fresh)).order_by(Delivery.id)):
                    self.with_buttons += [(d, b) for b in _buttons(d.payload)]
        self.known.update(fresh)
        pairs = {p.id: p for p in self.db(Pairing)}
        for d, (label, action_id, value) in self.rng.sample(self.with_buttons, min(OLD_CLICKS, len(self.with_buttons))):
            if d.target and d.target.startswith("U"):
                user = d.target
            elif d.pairing_id in pairs:
                p = pairs[d.pairing_id]
                user = self.rng.choice([p.mentee_user_id, p.mentor_user_id])
            else:
                continue
            step = self.act(f"{user} clicks old {label!r} ({d.kind} {d.key})")
            self.happened.add(f"old {d.kind}")
            self.click(step, user, action_id, value, d.sent_channel)

    def events(self) -> set[str]:
        """What this walk went through: the actions taken and how its pairings ended."""
        ends = {f"ended: {p.end_reason}" for p in self.db(Pairing) if p.end_reason}
        expired = {f"sent {d.kind}" for d in self.db(Delivery, Delivery.kind == DeliveryKind.PROPOSAL_EXPIRED)}
        return self.happened | ends | expired


# What the CI walk must go through, so that a change elsewhere cannot quietly shrink it.
MUST_HAPPEN = {
    ACCEPT_ACTION,
    DECLINE_ACTION,
    MET_ACTION,
    NOT_YET_ACTION,
    HELP_ACTION,
    REMATCH_ACTION,
    SURVEY_ACTION,
    FEEDBACK_ACTION,
    "pause",
    "resume",
    "unreachable",
    "old checkin",
    "old proposal",
    "leave",
    MATCH_BROADLY_ACTION,
    WAIT_FOR_TOPICS_ACTION,
    "ended: left",
    "ended: program finished",
    "ended: rematch",
    "ended: unreachable",
}
# Proposal expiry ("sent proposal_expired" in `Walk.events`) shows in most seeds but not in the CI
# seed's walk: run more seeds locally to exercise it.


def _buttons(payload: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    return [
        (e["text"]["text"], e["action_id"], e.get("value"))
        for b in payload.get("blocks") or []
        for e in b.get("elements", [])
        if e.get("type") == "button"
    ]


def _button_values(payload: dict[str, Any], label: str) -> list[str | None]:
    return [value for text, _action, value in _buttons(payload) if text == label]


@pytest.mark.parametrize("seed", SEEDS)
def test_a_whole_program_keeps_its_promises(bot, caplog, seed):
    caplog.set_level(logging.WARNING)
    walk = Walk(bot, seed, caplog)
    walk.run()
    found = walk.inv.violations
    report = "\n".join(
        f"{name}: {len(found[name])} violation(s)\n  " + "\n  ".join(found[name][:8]) for name in NAMES if found[name]
    )
    spent = ", ".join(f"{k} {v:.1f} s" for k, v in walk.spent.items())
    events = walk.events()
    print(f"\nseed {seed}: until {walk.now:%Y-%m-%d}, {walk.clicks} clicks ({spent})")
    print(f"events: {sorted(events)}\n{report or 'no violations'}")
    broken = [name for name in NAMES if found[name] and name not in KNOWN_GAPS]
    assert not broken, f"seed {seed} broke {broken}:\n{report}"
    if seed in CI_SEEDS:
        assert MUST_HAPPEN <= events, f"the walk no longer goes through {sorted(MUST_HAPPEN - events)}"
        stale = [name for name in KNOWN_GAPS if not found[name]]
        assert not stale, f"{stale} no longer occur: remove them from KNOWN_GAPS so their rule is enforced"


def test_the_invariants_catch_what_they_guard(bot):
    """Each rule the simulation enforces goes red on a state that breaks it, written straight to the tables."""
    inv = Invariants(bot)
    pairing = pair(bot)  # MENTOR covers Leadership and Communication, with 2 places
    offer(bot, MENTOR2, topics=["Public speaking"], capacity="1")
    inv.check("setup")
    assert not any(inv.violations.values()), dict(inv.violations)
    later = bot.clock.advance(hours=1)
    with unit_of_work(bot.rt.sessions) as s:
        waiting = MentoringRequest(
            team_id=DEFAULT_TEAM,
            program_id=pairing.program_id,
            mentee_user_id="U0SIMMTE01",
            goals=GOALS[0],
            topics=["Leadership"],
            status=RequestStatus.WAITING,
            source_key="made-up",
            created_at=later,
        )
        s.add(waiting)
        s.flush()
        mentor2 = s.scalar(select(MentorProfile).where(MentorProfile.user_id == MENTOR2))
        assert mentor2 is not None
        mentor2.load = 1  # a place taken, by nothing
        # MENTOR2 shares no topic with the request, while MENTOR (Leadership) has room.
        s.add(
            Proposal(
                team_id=DEFAULT_TEAM,
                request_id=waiting.id,
                mentor_profile_id=mentor2.id,
                mentor_user_id=MENTOR2,
                score=1.0,
                reasons=[],
                status=ProposalStatus.DECLINED,
                created_at=later,
            )
        )
        ended = s.get(Pairing, pairing.id)
        assert ended is not None
        ended.status, ended.ended_at = PairingStatus.ENDED, later - timedelta(minutes=30)
        ended.ends_at = later
        for key, kind in (("checkin:late", DeliveryKind.CHECKIN), ("invite:early", DeliveryKind.FEEDBACK_INVITE)):
            s.add(
                Delivery(
                    team_id=DEFAULT_TEAM,
                    key=key,
                    kind=kind,
                    pairing_id=pairing.id,
                    payload={"text": "hello"},
                    next_attempt_at=later,
                    created_at=later,
                )
            )
    inv.check("broken")
    found = {name for name, seen in inv.violations.items() if seen}
    assert found == {
        "capacity",
        "waiting_told",
        "topic_first",
        "ended_pair_silence",
        "feedback_after_meeting",
        "no_checkin_after_end",
    }, dict(inv.violations)
