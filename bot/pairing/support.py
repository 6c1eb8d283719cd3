"""Support when confidence dips: a mentee's pulse that drops sharply, or stays low, prompts their mentor
to encourage them, with a prompt from the library's encouragements and never the score.

The mentee decides whether these nudges happen (`pairings.confidence_support`, on unless they turn it
off). Nothing goes out in a pair's last days or to a mentor on a break, and at most one nudge follows
any one check-in.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery import outbox
from bot.pairing import practice_views as views
from bot.pairing import prompts
from bot.pairing.membership import Answer, AnswerKind, active_pair, in_final_days
from bot.storage.database import unit_of_work
from bot.storage.models import CheckIn, ConfidenceNudge, Pairing, Person, Program
from bot.storage.statuses import DeliveryKind, ProgramKind

# A fall of this much from the mentee's previous pulse, or two pulses in a row at LOW or below.
DIP = 2
LOW = 2


def needs_support(previous: int | None, latest: int) -> bool:
    """Whether a pulse calls for encouragement, given the mentee's previous one (None: this is the first)."""
    if previous is None:
        return False
    return previous - latest >= DIP or (latest <= LOW and previous <= LOW)


def previous_pulse(s: Session, checkin: CheckIn) -> int | None:
    """The mentee's latest pulse before this check-in's, in period order."""
    return s.scalar(
        select(CheckIn.confidence)
        .where(
            CheckIn.pairing_id == checkin.pairing_id,
            CheckIn.period < checkin.period,
            CheckIn.confidence.is_not(None),
        )
        .order_by(CheckIn.period.desc())
        .limit(1)
    )


def _on_a_break(s: Session, team_id: str, user_id: str, now: datetime) -> bool:
    """A mentor who paused gets nothing from their pairs until they are back."""
    until = s.scalar(select(Person.paused_until).where(Person.team_id == team_id, Person.user_id == user_id))
    return until is not None and until > now


def nudge_after_pulse(s: Session, pairing: Pairing, checkin: CheckIn, now: datetime) -> int | None:
    """Queues the mentor's nudge when the mentee's new pulse calls for one; returns the delivery's id."""
    if (
        checkin.confidence is None
        or not pairing.confidence_support
        or in_final_days(pairing, now)
        or not needs_support(previous_pulse(s, checkin), checkin.confidence)
        or _on_a_break(s, pairing.team_id, pairing.mentor_user_id, now)
    ):
        return None
    used = list(
        s.scalars(
            select(ConfidenceNudge.prompt_key)
            .where(ConfidenceNudge.pairing_id == pairing.id)
            .order_by(ConfidenceNudge.id)
        )
    )
    prompt = prompts.encouragement(used, seed=pairing.id)
    program = s.get(Program, pairing.program_id)
    reverse = program is not None and program.kind == ProgramKind.REVERSE
    delivery = outbox.enqueue(
        s,
        team_id=pairing.team_id,
        key=f"support:{checkin.id}",
        kind=DeliveryKind.CONFIDENCE_SUPPORT,
        payload=views.confidence_support(pairing, prompt, reverse),
        target=pairing.mentor_user_id,
        pairing_id=pairing.id,
        now=now,
    )
    if delivery is not None:
        s.add(
            ConfidenceNudge(
                team_id=pairing.team_id,
                pairing_id=pairing.id,
                checkin_id=checkin.id,
                prompt_key=prompt.key,
                created_at=now,
            )
        )
    return delivery


class ConfidenceSupport:
    """The mentee's own switch for these nudges."""

    def __init__(self, sessions: sessionmaker[Session]):
        self.sessions = sessions

    def choose(self, team_id: str, user_id: str, pairing_id: int, on: bool) -> Answer:
        """Turns the nudges on or off for this pair; only its mentee may."""
        with unit_of_work(self.sessions) as s:
            found = active_pair(s, team_id, user_id, pairing_id)
            if found.kind != AnswerKind.OK or found.pairing is None:
                return found
            pairing = found.pairing
            if pairing.mentee_user_id != user_id:
                return Answer(AnswerKind.FORBIDDEN, pairing)
            if pairing.confidence_support == on:
                return Answer(AnswerKind.ALREADY, pairing)
            pairing.confidence_support = on
        return Answer(AnswerKind.OK, pairing)
