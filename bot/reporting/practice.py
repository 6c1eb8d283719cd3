"""Figures of the pairs' practices, for owners: how many pairs looked at their goals again, which way
the mentees' confidence moved, and how many relationship checks came back each way.

Aggregates only, from SQL: no goals, notes, scores or answers of anyone. Like every figure, each
carries how many distinct people it is computed from, and shows as a dash below the threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, case, distinct, func, select, union
from sqlalchemy.orm import Session

from bot.reporting.stats import Figure
from bot.storage.models import CheckIn, GoalReview, Pairing, RelationshipAnswer
from bot.storage.statuses import Relationship

# A pulse as one number, period * base + confidence, so that min() and max() per pair find the first
# and the latest in one pass (confidence is 1-5).
_PULSE_BASE = 8


@dataclass(frozen=True)
class PracticeStats:
    # Of the pairs asked at their mid-point, the share whose mentee looked at their goals again.
    goals_reviewed: Figure
    # Of the pairs with two pulses or more, the share whose latest is above, level with, below the first.
    confidence_rising: Figure
    confidence_steady: Figure
    confidence_dipping: Figure
    # Answers to the relationship check, counted.
    relationship: dict[Relationship, Figure]


def _share(part: int, whole: int, people: int) -> Figure:
    return Figure(part / whole if whole else None, people)


def compute(s: Session, team_id: str, program_id: int) -> PracticeStats:
    in_program = and_(Pairing.team_id == team_id, Pairing.program_id == program_id)
    return PracticeStats(
        _goals_reviewed(s, in_program),
        *_confidence_trend(s, in_program),
        _relationship(s, in_program),
    )


def _goals_reviewed(s: Session, in_program: ColumnElement[bool]) -> Figure:
    asked = and_(in_program, Pairing.goals_asked_at.is_not(None))
    mentee_looked = (
        select(GoalReview.id)
        .where(GoalReview.pairing_id == Pairing.id, GoalReview.user_id == Pairing.mentee_user_id)
        .exists()
    )
    pairs, reviewed = s.execute(
        select(func.count(), func.coalesce(func.sum(case((mentee_looked, 1), else_=0)), 0)).where(asked)
    ).one()
    people = union(
        select(Pairing.mentee_user_id.label("user_id")).where(asked),
        select(Pairing.mentor_user_id.label("user_id")).where(asked),
    ).subquery()
    counted = s.scalar(select(func.count()).select_from(people)) or 0
    return _share(reviewed, pairs, counted)


def _confidence_trend(s: Session, in_program: ColumnElement[bool]) -> tuple[Figure, Figure, Figure]:
    pulse = CheckIn.period * _PULSE_BASE + CheckIn.confidence
    per_pair = (
        select(
            Pairing.mentee_user_id.label("mentee"),
            func.min(pulse).label("first"),
            func.max(pulse).label("latest"),
        )
        .join(CheckIn, CheckIn.pairing_id == Pairing.id)
        .where(in_program, CheckIn.confidence.is_not(None))
        .group_by(Pairing.id, Pairing.mentee_user_id)
        .having(func.count() >= 2)
        .subquery()
    )
    # The confidence itself is the pulse's remainder.
    first, latest = per_pair.c.first % _PULSE_BASE, per_pair.c.latest % _PULSE_BASE
    pairs, rising, dipping, mentees = s.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((latest > first, 1), else_=0)), 0),
            func.coalesce(func.sum(case((latest < first, 1), else_=0)), 0),
            func.count(distinct(per_pair.c.mentee)),
        )
    ).one()
    steady = pairs - rising - dipping
    return _share(rising, pairs, mentees), _share(steady, pairs, mentees), _share(dipping, pairs, mentees)


def _relationship(s: Session, in_program: ColumnElement[bool]) -> dict[Relationship, Figure]:
    rows = s.execute(
        select(RelationshipAnswer.answer, func.count())
        .join(Pairing, Pairing.id == RelationshipAnswer.pairing_id)
        .where(in_program)
        .group_by(RelationshipAnswer.answer)
    ).all()
    people = (
        s.scalar(
            select(func.count(distinct(RelationshipAnswer.user_id)))
            .join(Pairing, Pairing.id == RelationshipAnswer.pairing_id)
            .where(in_program)
        )
        or 0
    )
    counts = {Relationship(answer): n for answer, n in rows}
    # Every answer's count is shown from the same people, so one small group can't be read off the others.
    return {answer: Figure(counts.get(answer, 0), people) for answer in Relationship}
