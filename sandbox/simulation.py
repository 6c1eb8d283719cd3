"""A seeded 12-week program, played by the demo company through the real bot as its people would play it.

Everything goes through the sandbox's own doors: signed slash commands, button clicks and form
submissions made as each person, on the messages and forms that person sees, and the clock moved a
day at a time with a scheduler tick. Nothing is written to the database here, so `/mentor stats`,
its chart and the owners' dashboard show figures from the rows a real program would leave.
"""

from __future__ import annotations

import logging
import random
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.matching.messages import ACCEPT_ACTION, DECLINE_ACTION, MATCH_BROADLY_ACTION, REASON_ACTION
from bot.pairing.messages import (
    CONFIDENCE_ACTION_PREFIX,
    FEEDBACK_ACTION,
    HELP_ACTION,
    INFORMAL_ACTION,
    MET_ACTION,
    NOT_YET_ACTION,
    SHARE_PROMPT_ACTION,
    SURVEY_ACTION,
)
from sandbox import company
from sandbox.emulator import DEFAULT_TEAM
from sandbox.workspace import Shown

if TYPE_CHECKING:
    from sandbox.engine import SandboxBot

log = logging.getLogger(__name__)

SEED = 12
WEEKS = 12
# The first pairs are matched on the first two days and graduate two days after the 12th week; four
# more days give everyone who graduated the time they take to answer the closing survey.
DAYS = WEEKS * 7 + 6
MENTION = re.compile(r"<@(U[A-Z0-9]+)>")


@dataclass(frozen=True)
class Mentor:
    user: str
    topics: tuple[str, ...]
    capacity: int
    bio: str
    declines: int = 0  # proposals turned down before the first one accepted


@dataclass(frozen=True)
class Mentee:
    user: str
    day: int  # the day they ask for a mentor
    goals: str
    topics: tuple[str, ...]
    meets: float  # the chance the pair meets in a given week


MENTORS = (
    Mentor(
        "U0ELENA001", ("Leadership", "People management", "System design"), 2, "Built two platform teams from scratch."
    ),
    Mentor(
        "U0DAVID001",
        ("People management", "Career growth", "Giving and receiving feedback"),
        2,
        "Manager of managers; I like helping people find their next step.",
    ),
    Mentor(
        "U0SOFIA001",
        ("Software engineering", "System design", "Leadership"),
        2,
        "Staff engineer; happy to talk about leading projects.",
    ),
    Mentor(
        "U0HANNA001",
        ("Product thinking", "Design and UX", "Communication"),
        2,
        "Product leader, formerly a designer.",
        declines=1,
    ),
    Mentor("U0TOMAS001", ("Sales and customers", "Public speaking"), 1, "Twenty years of selling, and still learning."),
)
MENTEES = (
    Mentee("U0AMARA001", 0, "I want to lead my first cross-team project.", ("Leadership", "Software engineering"), 0.9),
    Mentee("U0LIAM0001", 0, "I'd like to find my feet and plan my first two years.", ("Career growth",), 0.8),
    Mentee("U0CHLOE001", 0, "Present my design work with confidence.", ("Design and UX", "Public speaking"), 0.8),
    Mentee("U0RAVI0001", 0, "Get better at saying no to stakeholders.", ("Product thinking", "Communication"), 0.7),
    Mentee("U0GRACE001", 1, "Grow from closing deals to leading a small team.", ("Sales and customers",), 0.8),
    Mentee("U0JAMES001", 1, "Prepare for a move into engineering management.", ("People management",), 0.3),
    Mentee("U0NOAH0001", 16, "Run discovery calls that customers remember.", ("Public speaking",), 0.7),
    Mentee("U0FATIM001", 18, "Explain our numbers so that everyone follows.", ("Data and analytics",), 0.8),
)
PAUSES = {36: ("U0GRACE001", 2)}  # day → who runs `/mentor pause WEEKS`, and for how many weeks
HELP = (40, "U0JAMES001")  # from this day on, this mentee presses Need help on their next check-in
WORKING = (
    "You ask questions that make me think instead of handing me answers.",
    "Clear agendas: we always leave with a next step.",
    "You share your own mistakes, which makes mine feel less scary.",
)
TRY = (
    "Push me harder on the goals I set.",
    "Let's meet earlier in the week, before things pile up.",
    "Point me to people I should talk to.",
)


def fill(modal: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """The form's state as Slack sends it: `answers` by block id, every other input as the form showed it."""
    values: dict[str, Any] = {}
    for block in modal.get("blocks") or []:
        if block.get("type") != "input":
            continue
        element, block_id = block["element"], block["block_id"]
        kind, wanted = element["type"], answers.get(block["block_id"])
        options = {o["value"]: o for o in element.get("options") or []}
        if kind == "plain_text_input":
            state = {"value": (wanted if wanted is not None else element.get("initial_value")) or None}
        elif kind in ("static_select", "radio_buttons"):
            state = {
                "selected_option": options.get(str(wanted)) if wanted is not None else element.get("initial_option")
            }
        elif kind in ("multi_static_select", "checkboxes"):
            chosen = [options[v] for v in wanted if v in options] if wanted is not None else None
            state = {"selected_options": chosen if chosen is not None else element.get("initial_options") or []}
        else:
            continue
        values[block_id] = {element["action_id"]: {"type": kind, **state}}
    return values


@dataclass
class Progress:
    """What the page shows while a program plays, and after."""

    running: bool = False
    day: int = 0
    days: int = DAYS
    played: bool = False
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "running": self.running,
            "week": min(WEEKS, self.day // 7),
            "weeks": WEEKS,
            "day": self.day,
            "days": self.days,
            "played": self.played,
            "note": self.note,
        }


@dataclass
class Play:
    """One run: the cohort joins, then each day people answer what reached them, and the clock moves a day."""

    bot: SandboxBot
    progress: Progress
    stop: threading.Event
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))
    day: int = 0
    seen: dict[tuple[str, str], int] = field(default_factory=dict)  # a message → the day it first showed
    done: set[tuple[str, str]] = field(default_factory=set)
    lag: dict[str, int] = field(default_factory=dict)  # per person, the days they take to answer
    declines: dict[str, int] = field(default_factory=lambda: {m.user: m.declines for m in MENTORS})
    helped: bool = False
    not_yet: set[str] = field(default_factory=set)  # check-ins already answered "not yet"

    def run(self) -> None:
        taking_part = {u for u in {*(m.user for m in MENTORS), *(m.user for m in MENTEES)} if self._taking_part(u)}
        for day in range(DAYS + 1):
            if self.stop.is_set():
                return
            self.day = self.progress.day = day
            for mentor in MENTORS:
                if day == 0 and mentor.user not in taking_part:
                    self.offer(mentor)
            for mentee in MENTEES:
                if day == mentee.day and mentee.user not in taking_part:
                    self.request(mentee)
            if day in PAUSES:
                who, weeks = PAUSES[day]
                self.bot.command(who, f"/mentor pause {weeks}", "D" + who[1:])
            self.answer()
            if day < DAYS:
                self.bot.fast_forward(1)

    def _taking_part(self, user: str) -> bool:
        """Someone who already offered, asked or is in a pair plays on from where they are."""
        assert self.bot.rt is not None
        standing = self.bot.rt.pairings.standing(DEFAULT_TEAM, user, self.bot.clock())
        return bool(standing.has_pairs() or standing.open_requests or standing.mentor_capacity)

    # --- joining -------------------------------------------------------------------------------

    def offer(self, mentor: Mentor) -> None:
        self._form(
            mentor.user,
            "/mentor offer",
            {
                "topics": list(mentor.topics),
                "capacity": mentor.capacity,
                "level": company.BY_ID[mentor.user].level,
                "department": company.BY_ID[mentor.user].department,
                "bio": mentor.bio,
            },
        )

    def request(self, mentee: Mentee) -> None:
        employee = company.BY_ID[mentee.user]
        answers = {
            "goals": mentee.goals,
            "topics": list(mentee.topics),
            "level": employee.level,
            "department": employee.department,
        }
        self._form(mentee.user, "/mentor request", answers)

    def _form(self, user: str, command: str, answers: dict[str, Any]) -> None:
        self.bot.command(user, command, "D" + user[1:])
        self._submit(user, answers)

    def _submit(self, user: str, answers: dict[str, Any]) -> None:
        """Fills and sends the person's open form; a thank-you (or a refusal) is then closed."""
        modal = self.bot.modal_of(user)
        if modal is None:
            return
        if modal.get("submit"):
            errors = self.bot.submit(user, fill(modal, answers))
            if errors:
                log.info("sandbox simulation: %s's %s form was refused: %s", user, modal.get("callback_id"), errors)
        while self.bot.modal_of(user) is not None:
            self.bot.close_modal(user)

    # --- answering -----------------------------------------------------------------------------

    def answer(self) -> None:
        """Every person answers what reached them, when their habits say they would."""
        latest_checkin: dict[str, Shown] = {}
        for shown in self.bot.workspace.with_buttons():
            key = (shown.channel, shown.ts)
            self.seen.setdefault(key, self.day)
            if MET_ACTION in shown.buttons:
                latest_checkin[shown.channel] = shown  # a newer check-in replaces the older ones
                continue
            if key in self.done:
                continue
            handle = self._handler(shown)
            if handle is None:
                self.done.add(key)
                continue
            reader = "U" + shown.channel[1:]
            if self.day >= self.seen[key] + self._lag(reader):
                self.done.add(key)
                handle(reader, shown)
        for shown in latest_checkin.values():
            key = (shown.channel, shown.ts)
            if key not in self.done and self.day >= self.seen[key] + self._lag(shown.channel):
                self.done.add(key)
                self.checkin(shown)

    def _handler(self, shown: Shown) -> Callable[[str, Shown], None] | None:
        if not shown.channel.startswith("D"):
            return None
        if any(action.startswith(CONFIDENCE_ACTION_PREFIX) for action in shown.buttons):
            return self.confidence
        for action, handle in (
            (ACCEPT_ACTION, self.proposal),
            (MATCH_BROADLY_ACTION, self.broader),
            (SHARE_PROMPT_ACTION, self.prompt),
            (FEEDBACK_ACTION, self.feedback),
            (SURVEY_ACTION, self.survey),
        ):
            if action in shown.buttons:
                return handle
        return None

    def _lag(self, who: str) -> int:
        return self.lag.setdefault(who, self.rng.choice([0, 0, 1]))

    def _click(self, user: str, shown: Shown, action: str) -> None:
        self.bot.click(user, shown.buttons[action], shown.channel, shown.ts)

    def proposal(self, mentor: str, shown: Shown) -> None:
        if self.declines.get(mentor, 0) > 0:
            self.declines[mentor] -= 1
            self._click(mentor, shown, DECLINE_ACTION)
            reason = next((s for s in self.bot.workspace.with_buttons(shown.channel) if s.ts == shown.ts), None)
            if reason is not None and REASON_ACTION in reason.buttons:
                self._click(mentor, reason, REASON_ACTION)
                self._submit(mentor, {"reason": "My next two months are full of launches; someone else can give more."})
            return
        self._click(mentor, shown, ACCEPT_ACTION)

    def broader(self, mentee: str, shown: Shown) -> None:
        self._click(mentee, shown, MATCH_BROADLY_ACTION)

    def _confident(self) -> int:
        """A mentee's confidence in their goals, growing over the weeks."""
        return min(5, 2 + self.day // 28 + self.rng.choice([0, 0, 1]))

    def confidence(self, mentee: str, shown: Shown) -> None:
        """The pulse a mentee is sent when their mentor said they met."""
        self._click(mentee, shown, f"{CONFIDENCE_ACTION_PREFIX}{self._confident()}")

    def prompt(self, mentee: str, shown: Shown) -> None:
        if self.rng.random() < 0.5:
            self._click(mentee, shown, SHARE_PROMPT_ACTION)

    def feedback(self, user: str, shown: Shown) -> None:
        if self.rng.random() < 0.75:
            self._click(user, shown, FEEDBACK_ACTION)
            self._submit(user, {"working": self.rng.choice(WORKING), "try": self.rng.choice(TRY)})

    def survey(self, user: str, shown: Shown) -> None:
        if self.rng.random() < 0.85:
            self._click(user, shown, SURVEY_ACTION)
            answers = {
                "rating": self.rng.choice([4, 4, 5, 5, 3]),
                "recommend": self.rng.choice([10, 9, 9, 9, 8, 7, 6]),
                "goals": self.rng.choice(["yes", "yes", "partly"]),
            }
            self._submit(user, answers)
        else:
            self._click(user, shown, INFORMAL_ACTION)

    def checkin(self, shown: Shown) -> None:
        """The pair's latest check-in: some weeks nobody answers; else they met or not yet, by the mentee's habit."""
        mentions = MENTION.findall(shown.text)
        mentee = mentions[0] if mentions and mentions[0] in shown.members else shown.members[0]
        mentor = next((m for m in shown.members if m != mentee), mentee)
        habit = next((m.meets for m in MENTEES if m.user == mentee), 0.7)
        if not self.helped and mentee == HELP[1] and self.day >= HELP[0]:
            self.helped = True
            self._click(mentee, shown, HELP_ACTION)
            self._submit(mentee, {"note": "We keep moving our meetings; I'm not sure the match works for us."})
            return
        roll = self.rng.random()
        answerer = mentee if self.rng.random() < 0.6 else mentor
        checkin = str(shown.buttons[MET_ACTION].get("value"))
        if roll < 0.1:
            return  # a busy week: nobody answers
        if roll < 0.1 + 0.9 * habit:
            self._click(answerer, shown, MET_ACTION)
            answers = {"usefulness": self.rng.choice([3, 4, 4, 5, 5])}
            if answerer == mentee:
                answers["confidence"] = self._confident()
            self._submit(answerer, answers)
        elif checkin not in self.not_yet:  # after one "not yet", a reminder that finds them still apart waits
            self.not_yet.add(checkin)
            self._click(answerer, shown, NOT_YET_ACTION)


def play(bot: SandboxBot, progress: Progress, stop: threading.Event, seed: int = SEED) -> None:
    Play(bot, progress, stop, random.Random(seed)).run()
