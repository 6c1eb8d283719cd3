"""A whole mentoring program, lived end to end through the real HTTP endpoint by a seeded population.

One owner, six mentors (1 or 2 places each) and nine mentees with topics from the default program
act at random, driven by `random.Random(seed)`: mentors offer and answer proposals (or let them
expire), mentees ask for a mentor and choose between waiting and a broader match, pairs answer
check-ins (we met, not yet, need help with a note, a rematch), pause, resume, leave, become
unreachable, fill in feedback and closing surveys, and click buttons on old messages. They also
keep the pair's practices (from a second generator, so that these choices leave the others' draws
alone): they look at the goals again at the mid-point, rate their confidence, answer relationship
checks and act on what follows (a rhythm of their own, a note to the owners, a rematch), write
progress notes and turn encouragement nudges off and on. The clock
ticks every 12 simulated hours for 15 weeks, from the first request until the first pairs of the
12-week program have graduated and answered their closing survey.

A few days in, the owner lets mentees choose their mentor, and goes back to asking mentors directly
for the last weeks, so the walk lives through both ways of matching and the switch between them.
While mentees choose, each one with a list (from a third generator) lets it wait a while, picks one
of the three, most often the best match but not always, or answers "None of these"; mentors then
accept or decline the mentee's pick like any proposal. Some mentees' managers, from an HR file, are
among the mentors, and must never be listed for them.

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

import io
import json
import logging
import os
import random
import time
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.matching.choice_view import CHOOSE_ACTION, PASS_ACTION, Lead, Option, Turn, choice_message
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
from bot.pairing.practice_views import (
    GOALS_KEEP_ACTION,
    GOALS_SUGGEST_ACTION,
    NOTE_ACTION,
    RELATIONSHIP_ACTIONS,
    RHYTHM_CHANGE_ACTION,
    SUPPORT_ACTION,
)
from bot.people.hr_import import import_people, slack_lookup
from bot.programs.catalog import DEFAULT_TOPICS
from bot.storage import shapes
from bot.storage.database import unit_of_work
from bot.storage.models import (
    CheckIn,
    Delivery,
    MentorChoice,
    MentoringRequest,
    MentorProfile,
    Pairing,
    Proposal,
)
from bot.storage.statuses import (
    CheckInStatus,
    ChoiceStatus,
    Chooser,
    DeliveryKind,
    PairingStatus,
    ProposalStatus,
    Relationship,
    RequestStatus,
)
from tests.conftest import OWNER, START, RunningBot
from tests.fakeslack import DEFAULT_TEAM
from tests.flows import MENTEE, MENTOR, MENTOR2, message_of, offer, pair, request, rows, tick
from tests.program_invariants import NAMES, Invariants
from tests.slackclient import Response, select_value, state, text_value

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
# From week 4 (when the first pairs have formed, so that they still graduate within the walk), the chance per
# step that a mentor whom a mentee chose leaves instead of answering; it happens once at most.
STEP_BACK, STEP_BACK_FROM = 0.1, START + timedelta(weeks=4)
# The first pairs graduate in week 13 or 14; pairs made later by rematches may still be active then.
LAST_TICK = START + timedelta(weeks=15)


class Walk:
    """One seeded run: the people, their random choices, and the invariants after every step."""

    def __init__(self, bot: RunningBot, seed: int, caplog: pytest.LogCaptureFixture):
        self.bot, self.rng, self.caplog = bot, random.Random(seed), caplog
        self.inv = Invariants(bot)
        self.prng = random.Random(seed * 7919 + 1)  # the practices' own choices
        self.practised: set[int] = set()  # deliveries already acted on
        self.crng = random.Random(seed * 104729 + 2)  # who chooses, and how: its own generator, like the practices
        self.stepped_back: set[str] = set()  # the mentor asked who left instead of answering
        self.breadth: dict[int, str] = {}  # per request, how its mentee answered "nobody covers your topics"
        self.patience: dict[str, float] = {}  # per mentee, the chance they let their list wait another step
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
        crng = self.crng
        # Mentees choose from day 1 to 6 until week 8 to 10; mentors are asked directly before and after.
        self.modes = [
            (START + crng.randrange(2, 12) * STEP, Chooser.MENTEE),
            (START + crng.randrange(112, 140) * STEP, Chooser.MENTOR),
        ]
        managed = crng.sample(MENTEES, 5)
        self.managers = {mentee: crng.choice(MENTORS) for mentee in managed}
        import_managers(bot, self.managers)

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
            self.owner_settings()
            self.joiners()
            self.answer_proposals()
            self.choose_breadth()
            self.choose_from_lists()
            self.answer_checkins()
            self.practices()
            self.closing()
            self.life_events()
            self.old_buttons()
            self.now += STEP

    def owner_settings(self) -> None:
        """The owner changes who chooses the mentor, in the program's form, leaving every other setting as it is."""
        while self.modes and self.modes[0][0] <= self.now:
            _, chooser = self.modes.pop(0)
            step = self.act(f"{OWNER} lets the {chooser} choose")
            answered = set_chooser(self.bot, chooser)
            if answered.status != 200 or "errors" in answered.body:
                self.inv.record("buttons_answer", step, f"program form by {OWNER}: {answered.status} {answered.body}")
            self.happened.add(f"{chooser} chooses")
            self.check(step)

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
        if user in self.gone:
            return  # Slack shows them nothing any more
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
        """Most mentors answer within a day or two; some never do, and their proposals expire. Once in a walk,
        a mentor whom a mentee chose steps back from mentoring instead of answering (see STEP_BACK)."""
        picks = self.db(MentorChoice, MentorChoice.status == ChoiceStatus.PICKED)
        picked = {(c.request_id, c.picked_profile_id) for c in picks}
        for proposal in self.db(Proposal, Proposal.status == ProposalStatus.PENDING):
            user = proposal.mentor_user_id
            chosen = (proposal.request_id, proposal.mentor_profile_id) in picked
            late = self.now >= STEP_BACK_FROM and not self.stepped_back and user not in self.gone
            if chosen and late and self.crng.random() < STEP_BACK:
                self.stepped_back.add(user)
                self.left.add(user)
                self.happened.add("chosen mentor left")
                self.command(self.act(f"{user} leaves instead of answering proposal {proposal.id}"), user, "leave")
                continue
            answers = self.responsive.setdefault(user, self.rng.choice([0.0, 0.6, 0.6, 0.6]))
            if self.rng.random() >= answers:
                continue
            if self.rng.random() < 0.75:
                self.click(self.act(f"{user} accepts proposal {proposal.id}"), user, ACCEPT_ACTION, str(proposal.id))
            else:
                self.click(self.act(f"{user} declines proposal {proposal.id}"), user, DECLINE_ACTION, str(proposal.id))

    def choose_breadth(self) -> None:
        """A mentee asked whether to wait for their topics answers once; one who chose to wait may think again."""
        asked = {d.key.split(":")[1] for d in self.db(Delivery, Delivery.key.like("request:%:no-cover"))}
        for r in self.db(MentoringRequest, MentoringRequest.status == RequestStatus.WAITING):
            answered = self.breadth.get(r.id)
            if str(r.id) not in asked or answered == MATCH_BROADLY_ACTION:
                continue
            if self.rng.random() < (0.9 if answered else 0.5):
                continue
            broadly = answered is not None or self.rng.random() < 0.6
            action = self.breadth[r.id] = MATCH_BROADLY_ACTION if broadly else WAIT_FOR_TOPICS_ACTION
            self.click(self.act(f"{r.mentee_user_id} {action} on request {r.id}"), r.mentee_user_id, action, str(r.id))

    def choose_from_lists(self) -> None:
        """Each mentee with a list lets it wait, as is their habit, or picks one of it, or none of these."""
        crng = self.crng
        with unit_of_work(self.bot.rt.sessions) as s:
            lists = s.execute(
                select(MentorChoice, MentoringRequest)
                .join(MentoringRequest, MentoringRequest.id == MentorChoice.request_id)
                .where(MentorChoice.status == ChoiceStatus.OPEN, MentoringRequest.status == RequestStatus.CHOOSING)
                .order_by(MentorChoice.id)
            ).all()
        for choice, r in lists:
            shown = self.list_message(choice.id, r.id)
            if shown is None:
                continue  # a list Slack never showed can't be answered
            mentee, (channel, options) = r.mentee_user_id, shown
            if crng.random() < self.patience.setdefault(mentee, crng.choice([0.2, 0.4, 0.6, 0.9])):
                continue
            if crng.random() < 0.2:
                step = self.act(f"{mentee} chooses none of list {choice.id}")
                self.click(step, mentee, PASS_ACTION, str(choice.id), channel)
                continue
            number = crng.choices(range(len(options)), [5, 3, 2][: len(options)])[0]
            step = self.act(f"{mentee} chooses mentor {number + 1} of list {choice.id}")
            self.click(step, mentee, CHOOSE_ACTION, options[number], channel)

    def list_message(self, choice_id: int, request_id: int) -> tuple[str | None, list[str]] | None:
        """Where Slack shows this list, and the values of its Choose buttons, best match first."""
        for d in self.db(Delivery, Delivery.key.in_([f"choice:{choice_id}", f"request:{request_id}:broader"])):
            values = [v for _, action, v in _buttons(message_of(self.bot, d)) if action == CHOOSE_ACTION and v]
            if d.sent_ts is not None and values and values[0].startswith(f"{choice_id}:"):
                return d.sent_channel, values
        return None

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
                    confidence = str(self.prng.choice([1, 2, 3, 4, 4, 5]))
                    values = state(usefulness=select_value(str(rng.randint(1, 5))), confidence=select_value(confidence))
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

    def practices(self) -> None:
        """What reached people this step of the pair's practices, answered by some of them; notes and nudges."""
        prng = self.prng
        for d in self.db(Delivery, Delivery.kind.in_(PRACTICE_KINDS), Delivery.created_at >= self.now - STEP):
            if d.id in self.practised or not d.target or d.sent_ts is None:
                continue  # a message Slack never showed can't be clicked
            self.practised.add(d.id)
            buttons = {label: (action, value) for label, action, value in _buttons(message_of(self.bot, d))}
            wanted = [label for label in PRACTICE_CHOICES if label in buttons]
            if not wanted or prng.random() < 0.3:
                continue
            label = prng.choices(wanted, [PRACTICE_CHOICES[label] for label in wanted])[0]
            action, value = buttons[label]
            before = self.forms()
            self.click(self.act(f"{d.target} clicks {label!r} ({d.key})"), d.target, action, value, d.sent_channel)
            opened = self.bot.fake.calls_to("views.open")[before:]
            if opened:
                form = opened[-1]["view"]
                callback = (form if isinstance(form, dict) else json.loads(form)).get("callback_id")
                if callback in PRACTICE_FORMS:
                    view = self.bot.slack.opened_view(callback)
                    self.submit(self.act(f"{d.target} fills in {callback}"), view, PRACTICE_FORMS[callback], d.target)
        for pairing in self.db(Pairing, Pairing.status == PairingStatus.ACTIVE):
            mentee = pairing.mentee_user_id
            if prng.random() < 0.03:
                before = self.forms()
                self.click(self.act(f"{mentee} adds a progress note"), mentee, NOTE_ACTION, str(pairing.id))
                note = self.opened("progress_note_submit", before)
                self.submit(
                    self.act(f"{mentee} saves the note"), note, state(note=text_value("Gave the talk.")), mentee
                )
            if prng.random() < 0.02:
                choice = "off" if pairing.confidence_support else "on"
                step = self.act(f"{mentee} turns encouragement {choice}")
                self.click(step, mentee, SUPPORT_ACTION, f"{pairing.id}:{choice}")

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
                value = next(iter(_button_values(message_of(self.bot, d), "Share feedback")), None)
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
        if rng.random() < 0.02 and len(self.left - self.stepped_back) < 2:
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
                    self.with_buttons += [(d, b) for b in _buttons(shapes.message_of(s, d))]
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
        """What this walk went through: the actions taken, how its pairings ended, and what some messages were."""
        ends = {f"ended: {p.end_reason}" for p in self.db(Pairing) if p.end_reason}
        sent = {
            f"sent {d.kind}"
            for d in self.db(
                Delivery, Delivery.kind.in_((DeliveryKind.PROPOSAL_EXPIRED, DeliveryKind.CONFIDENCE_SUPPORT))
            )
        }
        return self.happened | ends | sent | self.choices()

    def choices(self) -> set[str]:
        """What became of the lists mentees chose from, and of the mentors they picked."""
        answers = {(q.request_id, q.mentor_profile_id): q.status for q in self.db(Proposal)}
        found = set()
        for c in self.db(MentorChoice):
            if c.status == ChoiceStatus.PICKED:
                found.add(f"picked mentor {[int(i) for i in c.profile_ids].index(c.picked_profile_id or 0) + 1}")
                # accepted, declined, withdrawn (it expired, or someone left) or still pending
                found.add(f"pick {answers.get((c.request_id, c.picked_profile_id))}")
            elif c.status == ChoiceStatus.PASSED:
                found.add("none of these")
            elif c.status == ChoiceStatus.REPLACED and c.picked_profile_id is not None:
                found.add("pick came too late")
        return found


# What of the pair's practices people answer, and how often one choice is picked over another.
PRACTICE_KINDS = (DeliveryKind.GOALS_REVIEW, DeliveryKind.RELATIONSHIP_CHECK, DeliveryKind.RELATIONSHIP_FOLLOW_UP)
PRACTICE_CHOICES = {
    "Keep them": 4,
    "Refine them": 2,
    "Replace them": 1,
    "They still fit": 3,
    "Suggest a change": 2,
    "Good": 6,
    "We're drifting": 3,
    "We disagree on something": 1,
    "Keep every week": 1,
    "Every 2 weeks": 2,
    "Every week": 1,
    "Keep every 2 weeks": 1,
    "Tell the program owners privately": 2,
    "Find me a new mentor": 1,
    "Ask for a no-fault rematch": 1,
}
PRACTICE_FORMS = {
    "goals_edit_submit": state(goals=text_value("Lead the planning for my team and coach a junior.")),
    "goals_suggest_submit": state(suggestion=text_value("Add delegating; you mention it often.")),
    "relationship_raise_submit": state(note=text_value("We see the role I want differently.")),
}


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
    GOALS_KEEP_ACTION,
    GOALS_SUGGEST_ACTION,
    RELATIONSHIP_ACTIONS[Relationship.GOOD],
    RELATIONSHIP_ACTIONS[Relationship.DRIFTING],
    RHYTHM_CHANGE_ACTION,
    NOTE_ACTION,
    SUPPORT_ACTION,
    "sent confidence_support",
    "mentee chooses",
    "mentor chooses",
    "picked mentor 1",
    "picked mentor 2",
    "none of these",
    "pick accepted",
    "pick declined",
    "old mentee_note",
    "chosen mentor left",
}
# Proposal expiry ("sent proposal_expired" in `Walk.events`) shows in most seeds but not in the CI
# seed's walk: run more seeds locally to exercise it.


def _buttons(payload: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    return [
        (e["text"]["text"], e["action_id"], e.get("value"))
        for b in payload.get("blocks") or []
        for e in [*b.get("elements", []), b.get("accessory") or {}]
        if e.get("type") == "button"
    ]


def import_managers(bot: RunningBot, managers: dict[str, str]) -> None:
    """An HR file naming each mentee's manager by email, imported as the command line does."""
    bot.fake.emails.update({f"{m.lower()}@example.com": m for m in managers.values()})
    lines = "".join(f"{mentee},{manager.lower()}@example.com\n" for mentee, manager in managers.items())
    source = io.StringIO(f"slack_id,manager_email\n{lines}")
    with unit_of_work(bot.rt.sessions) as s:
        report = import_people(s, DEFAULT_TEAM, source, slack_lookup(bot.rt.gateway.to(DEFAULT_TEAM)), False, START)
    assert report.imported == len(managers) and not report.problems, report


def set_chooser(bot: RunningBot, chooser: Chooser) -> Response:
    """The owner opens the program's form, changes who chooses the mentor, and saves the rest as shown."""
    opened = bot.slack.command(OWNER, "program Mentoring")
    assert opened.status == 200, opened.body
    view = bot.slack.opened_view("program_edit")
    return bot.slack.submit(view, {**_as_shown(view), **state(who_chooses=select_value(chooser))}, OWNER)


def _as_shown(view: dict[str, Any]) -> dict[str, Any]:
    """What Slack submits for a form whose fields are left as they were shown."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        element = block.get("element") or {}
        kind, shown = element.get("type"), None
        if kind == "plain_text_input":
            shown = {"type": kind, "value": element.get("initial_value")}
        elif kind == "static_select":
            shown = {"type": kind, "selected_option": element.get("initial_option")}
        elif kind == "multi_users_select":
            shown = {"type": kind, "selected_users": element.get("initial_users", [])}
        elif kind == "conversations_select":
            shown = {"type": kind, "selected_conversation": element.get("initial_conversation")}
        elif kind == "datepicker":
            shown = {"type": kind, "selected_date": element.get("initial_date")}
        if shown is not None:
            values[block["block_id"]] = {element.get("action_id", block["block_id"]): shown}
    return values


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
        for key, kind, target in (
            ("checkin:late", DeliveryKind.CHECKIN, None),
            ("invite:early", DeliveryKind.FEEDBACK_INVITE, None),
            # A nudge to encourage the mentee, sent to the mentee themself.
            ("support:made-up", DeliveryKind.CONFIDENCE_SUPPORT, pairing.mentee_user_id),
        ):
            s.add(
                Delivery(
                    team_id=DEFAULT_TEAM,
                    key=key,
                    kind=kind,
                    target=target,
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
        "practices_private",
    }, dict(inv.violations)


def test_the_choice_rules_catch_what_they_guard(bot):
    """The rules of programs where mentees choose stay quiet while real lists are sent, picked, declined and
    passed over, and each goes red on a state that breaks it, written straight to the tables."""
    inv = Invariants(bot)
    manager, left, other = MENTORS[2], MENTORS[3], MENTORS[4]
    pairing = pair(bot)  # MENTEE and MENTOR (Leadership, Communication; 2 places), matched by asking MENTOR
    assert set_chooser(bot, Chooser.MENTEE).status == 200
    for user in (MENTOR2, manager, left, other, *MENTEES):
        bot.fake.add_user(user)
    for user in (MENTOR2, manager, left, other):
        assert offer(bot, user, topics=["Leadership"], capacity="1").status == 200
    import_managers(bot, {MENTEES[0]: manager, MENTEE: manager})
    mentee = MENTEES[0]
    assert request(bot, mentee, topics=["Leadership"]).status == 200
    inv.check("a list")
    [first] = [c for c in rows(bot, MentorChoice) if c.status == ChoiceStatus.OPEN]
    names = _names(bot, first)
    assert len(names) == 3 and manager not in names
    picked = names[1]
    assert bot.slack.click(mentee, CHOOSE_ACTION, f"{first.id}:{_profile(bot, picked).id}").status == 200
    inv.check("a pick")
    [proposal] = rows(bot, Proposal, Proposal.mentor_user_id == picked)
    assert bot.slack.click(picked, DECLINE_ACTION, str(proposal.id)).status == 200
    inv.check("a decline")
    [fresh] = [c for c in rows(bot, MentorChoice) if c.status == ChoiceStatus.OPEN]
    assert picked not in _names(bot, fresh) and manager not in _names(bot, fresh)
    assert bot.slack.click(mentee, PASS_ACTION, str(fresh.id)).status == 200
    inv.check("none of these")
    assert bot.slack.command(left, "leave").status == 200
    inv.check("a mentor leaves")
    assert not any(inv.violations.values()), dict(inv.violations)

    later = bot.clock.advance(hours=1)
    profiles = {p.user_id: p.id for p in rows(bot, MentorProfile)}
    with unit_of_work(bot.rt.sessions) as s:
        made = _Made(s, pairing.program_id, later)
        # Choosing, with no list at all.
        made.request(MENTEES[1], RequestStatus.CHOOSING)
        # A list naming MENTEE's mentor, their manager and a mentor they passed over, sent twice: once to MENTOR.
        own = made.request(MENTEE, RequestStatus.CHOOSING)
        made.choice(own, [profiles[other]], ChoiceStatus.PASSED, sent_to=[MENTEE])
        named = made.choice(own, [profiles[MENTOR], profiles[manager], profiles[other]], sent_to=[MENTEE, MENTOR])
        # A list naming a mentor who declined this request, one who left, and the mentee (who mentors too).
        declined = made.request(MENTEES[2], RequestStatus.CHOOSING)
        made.proposal(declined, MENTOR2, profiles[MENTOR2], ProposalStatus.DECLINED)
        themself = made.profile(MENTEES[2])
        made.choice(declined, [profiles[MENTOR2], profiles[left], themself], sent_to=[MENTEES[2]])
        # Proposed, with nobody asked.
        made.request(MENTEES[3], RequestStatus.PROPOSED)
        # Waiting after a pick: told by the news of the pick, and not told at all.
        told = made.request(MENTEES[4], RequestStatus.WAITING)
        news = made.choice(told, [profiles[MENTOR2]], ChoiceStatus.PICKED, sent_to=[MENTEES[4]])
        made.delivery(f"choice:{news}:news", MENTEES[4], {"text": "news"})
        made.choice(made.request(MENTEES[5], RequestStatus.WAITING), [profiles[MENTOR2]], ChoiceStatus.PICKED)
        # Waiting, and told so, but never told that the mentor they picked declined.
        fell = made.request(MENTEES[8], RequestStatus.WAITING)
        made.choice(fell, [profiles[MENTOR2]], ChoiceStatus.PICKED, sent_to=[MENTEES[8]], ago=timedelta(minutes=5))
        made.proposal(fell, MENTOR2, profiles[MENTOR2], ProposalStatus.DECLINED)
        made.delivery(f"request:{fell}:waiting", MENTEES[8], {"text": "waiting"})
        # Two mentees' picks asked the manager, who has one place (the database holds their load to it).
        for who in MENTEES[6:8]:
            made.proposal(made.request(who, RequestStatus.PROPOSED), manager, profiles[manager])
        s.execute(update(MentorProfile).where(MentorProfile.user_id == manager).values(load=1))
    inv.check("broken")
    found = {name for name, seen in inv.violations.items() if seen}
    assert found == {
        "list_fits",
        "choosing_has_list",
        "one_open_list",
        "nobody_stranded",
        "waiting_told",
        "capacity",
    }, dict(inv.violations)
    fits = "\n".join(inv.violations["list_fits"])
    for why in (
        f"{MENTOR}: their mentor in pairing {pairing.id}",
        f"{manager}: their manager",
        f"{other}: passed over on list",
        f"{MENTOR2}: asked for it before (declined)",
        f"{left}, who had no free place",
        f"{MENTEES[2]}: the mentee themself",
    ):
        assert why in fits, fits
    assert len(inv.violations["list_fits"]) == 6
    assert [MENTEES[1] in v for v in inv.violations["choosing_has_list"]] == [True]
    assert len(inv.violations["one_open_list"]) == 2 and all(str(named) in v for v in inv.violations["one_open_list"])
    assert [MENTEES[3] in v for v in inv.violations["nobody_stranded"]] == [True, False]
    assert f"{MENTEES[8]}'s pick from list" in inv.violations["nobody_stranded"][1]
    assert [MENTEES[5] in v for v in inv.violations["waiting_told"]] == [True]
    assert any(f"{manager} holds 2 of 1 places" in v for v in inv.violations["capacity"])


class _Made:
    """Rows written straight to the tables, for states the bot must never reach."""

    def __init__(self, s: Any, program_id: int, at: datetime):
        self.s, self.program_id, self.at = s, program_id, at

    def request(self, mentee: str, status: RequestStatus) -> int:
        row = MentoringRequest(
            team_id=DEFAULT_TEAM,
            program_id=self.program_id,
            mentee_user_id=mentee,
            goals=GOALS[0],
            topics=["Leadership"],
            status=status,
            source_key=f"made-up:{mentee}:{status}",
            created_at=self.at,
        )
        self.s.add(row)
        self.s.flush()
        return row.id

    def choice(
        self,
        request_id: int,
        profile_ids: list[int],
        status: ChoiceStatus = ChoiceStatus.OPEN,
        sent_to: Any = (),
        ago: timedelta = timedelta(),
    ) -> int:
        picked = profile_ids[0] if status == ChoiceStatus.PICKED else None
        row = MentorChoice(
            team_id=DEFAULT_TEAM,
            request_id=request_id,
            profile_ids=profile_ids,
            status=status,
            picked_profile_id=picked,
            created_at=self.at - ago,
        )
        self.s.add(row)
        self.s.flush()
        options = [Option(i, f"U{i}", "", None, (), ()) for i in profile_ids]
        for n, user in enumerate(sent_to):
            self.delivery(f"choice:{row.id}" + ":copy" * n, user, choice_message(row.id, options, Turn(Lead.NEW), "M"))
        return row.id

    def profile(self, user: str) -> int:
        row = MentorProfile(
            team_id=DEFAULT_TEAM,
            program_id=self.program_id,
            user_id=user,
            topics=["Leadership"],
            capacity=1,
            level=4,
            created_at=self.at,
            updated_at=self.at,
        )
        self.s.add(row)
        self.s.flush()
        return row.id

    def proposal(
        self, request_id: int, mentor: str, profile_id: int, status: ProposalStatus = ProposalStatus.PENDING
    ) -> None:
        row = Proposal(
            team_id=DEFAULT_TEAM,
            request_id=request_id,
            mentor_profile_id=profile_id,
            mentor_user_id=mentor,
            score=1.0,
            reasons=[],
            status=status,
            created_at=self.at - timedelta(minutes=1),
        )
        self.s.add(row)
        self.s.flush()
        self.delivery(f"proposal:{row.id}", mentor, {"text": "asked"})

    def delivery(self, key: str, target: str, payload: dict[str, Any]) -> None:
        self.s.add(
            Delivery(
                team_id=DEFAULT_TEAM,
                key=key,
                kind=DeliveryKind.PROPOSAL if key.startswith("proposal:") else DeliveryKind.MENTEE_NOTE,
                target=target,
                payload=payload,
                next_attempt_at=self.at,
                created_at=self.at,
            )
        )


def _profile(bot: RunningBot, user: str) -> MentorProfile:
    [profile] = rows(bot, MentorProfile, MentorProfile.user_id == user)
    return profile


def _names(bot: RunningBot, choice: MentorChoice) -> list[str]:
    by_id = {p.id: p.user_id for p in rows(bot, MentorProfile)}
    return [by_id[int(i)] for i in choice.profile_ids]
