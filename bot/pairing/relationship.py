"""The relationship check: every few weeks each of the pair is asked, privately, how it is going, and
what follows an answer: a re-start plan (and a choice of rhythm) for a drifting pair, a guide to setting
the tone for a mentor who disagrees, and a safe way to raise it for a mentee who does.

An answer reaches no one but the person who gave it; the owners' figures count answers only. A drifting
pair's plan goes to both, each privately and once a round, and names no one's answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery import outbox
from bot.delivery.dispatcher import Dispatcher
from bot.pairing import practice_views as views
from bot.pairing.calendar import following_slot, zone
from bot.pairing.membership import Answer, AnswerKind, active_pair, id_ok, in_final_days, partner
from bot.storage.database import retry_on_conflict, unit_of_work
from bot.storage.models import Delivery, Pairing, Person, Program, RelationshipAnswer
from bot.storage.statuses import DeliveryKind, Relationship

# A pair of a weekly program may move its check-ins to every 2 weeks, and back.
RHYTHMS = (1, 2)


def cadence_of(pairing: Pairing, program: Program) -> int:
    """The pair's check-in cadence in weeks: their own choice, or the program's."""
    return max(pairing.cadence_weeks or 0, program.cadence_weeks)


def may_change_rhythm(program: Program) -> bool:
    return program.cadence_weeks == 1


@dataclass(frozen=True)
class RelationshipAnswered:
    answer: Answer
    # Whether a plan or guide was sent: not in the pair's last days, which belong to the closing survey.
    followed_up: bool = False


@dataclass(frozen=True)
class RhythmChange:
    answer: Answer
    weeks: int = 0
    changed: bool = False
    next_at: datetime | None = None
    other: str = ""
    too_late: bool = False


class RelationshipChecks:
    def __init__(self, sessions: sessionmaker[Session], dispatcher: Dispatcher):
        self.sessions = sessions
        self.dispatcher = dispatcher

    def answer(
        self, team_id: str, user_id: str, pairing_id: int, round_: int, answer: Relationship, now: datetime
    ) -> RelationshipAnswered:
        """Records one person's answer for a round they were asked, once, and sends what follows from it."""
        if not id_ok(round_):
            return RelationshipAnswered(Answer(AnswerKind.NOT_FOUND))
        try:
            with unit_of_work(self.sessions) as s:
                found = active_pair(s, team_id, user_id, pairing_id)
                if found.kind != AnswerKind.OK or found.pairing is None:
                    return RelationshipAnswered(found)
                pairing = found.pairing
                asked = s.scalar(
                    select(Delivery.id).where(
                        Delivery.team_id == team_id, Delivery.key == f"relationship:{pairing.id}:{round_}:{user_id}"
                    )
                )
                if asked is None:
                    return RelationshipAnswered(Answer(AnswerKind.NOT_FOUND, pairing))
                s.add(
                    RelationshipAnswer(
                        team_id=team_id,
                        pairing_id=pairing.id,
                        round=round_,
                        user_id=user_id,
                        answer=answer,
                        created_at=now,
                    )
                )
                s.flush()
                followed_up = not in_final_days(pairing, now)
                ids = self._follow_up(s, pairing, user_id, round_, answer, now) if followed_up else []
        except IntegrityError:
            return RelationshipAnswered(Answer(AnswerKind.ALREADY))
        self.dispatcher.dispatch(ids, now)
        return RelationshipAnswered(Answer(AnswerKind.OK, pairing), followed_up)

    def _follow_up(
        self, s: Session, pairing: Pairing, user_id: str, round_: int, answer: Relationship, now: datetime
    ) -> list[int | None]:
        if answer == Relationship.GOOD:
            return []
        if answer == Relationship.DISAGREE:
            guide = (
                views.disagreement_guide(pairing)
                if user_id == pairing.mentor_user_id
                else views.raising_it_safely(pairing)
            )
            return [self._send(s, pairing, f"disagree:{pairing.id}:{round_}:{user_id}", user_id, guide, now)]
        program = s.get(Program, pairing.program_id)
        assert program is not None
        cadence, may_change = cadence_of(pairing, program), may_change_rhythm(program)
        # The one who answered reads their plan first; each of the pair gets it once a round.
        return [
            self._send(
                s,
                pairing,
                f"restart:{pairing.id}:{round_}:{reader}",
                reader,
                views.restart_plan(pairing, reader, cadence, may_change),
                now,
            )
            for reader in (user_id, partner(pairing, user_id))
        ]

    @staticmethod
    def _send(
        s: Session, pairing: Pairing, key: str, user_id: str, payload: dict[str, Any], now: datetime
    ) -> int | None:
        return outbox.enqueue(
            s,
            team_id=pairing.team_id,
            key=key,
            kind=DeliveryKind.RELATIONSHIP_FOLLOW_UP,
            payload=payload,
            target=user_id,
            pairing_id=pairing.id,
            now=now,
        )

    @retry_on_conflict
    def set_rhythm(self, team_id: str, user_id: str, pairing_id: int, weeks: int, now: datetime) -> RhythmChange:
        """Either of the pair moves their check-ins to every `weeks` weeks (1 or 2, in a weekly program).

        Check-ins every 2 weeks fall on even weeks of the program, so that what comes every 4 weeks
        (feedback, the relationship check) still finds a check-in to come with.
        """
        with unit_of_work(self.sessions) as s:
            found = active_pair(s, team_id, user_id, pairing_id, lock=True)
            if found.kind != AnswerKind.OK or found.pairing is None:
                return RhythmChange(found)
            pairing = found.pairing
            program = s.get(Program, pairing.program_id)
            assert program is not None
            if weeks not in RHYTHMS or not may_change_rhythm(program):
                return RhythmChange(Answer(AnswerKind.NOT_FOUND, pairing))
            other = partner(pairing, user_id)
            if in_final_days(pairing, now):
                return RhythmChange(Answer(AnswerKind.OK, pairing), weeks, other=other, too_late=True)
            if cadence_of(pairing, program) == weeks:
                return RhythmChange(Answer(AnswerKind.OK, pairing), weeks, False, pairing.next_checkin_at, other)
            self._move(s, pairing, program, weeks, now)
            delivery = outbox.enqueue(
                s,
                team_id=team_id,
                key=f"rhythm:{pairing.id}:{weeks}:{int(now.timestamp())}",
                kind=DeliveryKind.RHYTHM_NOTE,
                payload=views.rhythm_changed(user_id, weeks, pairing.next_checkin_at),
                target=other,
                pairing_id=pairing.id,
                now=now,
            )
        self.dispatcher.dispatch([delivery], now)
        return RhythmChange(Answer(AnswerKind.OK, pairing), weeks, True, pairing.next_checkin_at, other)

    @staticmethod
    def _move(s: Session, pairing: Pairing, program: Program, weeks: int, now: datetime) -> None:
        """Sets the pair's cadence and moves its next check-in to the new rhythm's next slot."""
        pairing.cadence_weeks = weeks if weeks != program.cadence_weeks else None
        slot = pairing.next_checkin_at
        if slot is None:
            return
        tz_name = s.scalar(
            select(Person.tz).where(Person.team_id == pairing.team_id, Person.user_id == pairing.mentee_user_id)
        )
        tz = zone(tz_name, program.timezone)
        if weeks == 2 and pairing.next_period % 2:
            # An odd week's check-in moves a week on, to the even week after it.
            pairing.next_checkin_at = following_slot(slot, 1, program.checkin_hour, tz)
            pairing.next_period += 1
        elif weeks == 1:
            # Back to weekly: the week in between gets its check-in, if it is still ahead.
            earlier = following_slot(slot, -1, program.checkin_hour, tz)
            if earlier > now:
                pairing.next_checkin_at, pairing.next_period = earlier, pairing.next_period - 1
