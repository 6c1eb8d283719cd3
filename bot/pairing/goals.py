"""Goals that live: the mid-point look at the mentee's goals, their private progress notes, and the goals
a mentee started with beside the ones they hold now.

The mentee's rewritten goals and notes reach the mentee alone: not their mentor, not the owners, whose
figures count only how many pairs looked at their goals. A mentor's answer only records that they
looked; a suggestion they write goes to the mentee by DM and is kept nowhere else.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.blockkit.text import is_blank
from bot.delivery import outbox
from bot.delivery.dispatcher import Dispatcher
from bot.pairing import practice_views as views
from bot.pairing.membership import Answer, AnswerKind, active_pair
from bot.storage.database import reading, unit_of_work
from bot.storage.models import GoalReview, MentoringRequest, Pairing, ProgressNote
from bot.storage.statuses import DeliveryKind, GoalsChoice

# How many of a mentee's latest notes their App Home shows, per pair.
NOTES_SHOWN = 3
MENTEE_CHOICES = (GoalsChoice.KEEP, GoalsChoice.REFINE, GoalsChoice.REPLACE)


@dataclass(frozen=True)
class Goals:
    original: str
    # The mentee's own rewrite at the mid-point, if they made one.
    latest: str | None = None

    @property
    def current(self) -> str:
        return self.latest or self.original


def goals_of(s: Session, pairing: Pairing) -> Goals:
    """The goals the mentee came with, and their own rewrite of them."""
    original = s.scalar(select(MentoringRequest.goals).where(MentoringRequest.id == pairing.request_id)) or ""
    latest = s.scalar(
        select(GoalReview.goals).where(
            GoalReview.pairing_id == pairing.id, GoalReview.user_id == pairing.mentee_user_id
        )
    )
    return Goals(original, latest)


def recent_notes(s: Session, team_id: str, user_id: str, pairing_ids: list[int]) -> dict[int, list[ProgressNote]]:
    """The person's own latest notes per pair, newest first: never anyone else's."""
    notes: dict[int, list[ProgressNote]] = defaultdict(list)
    if not pairing_ids:
        return notes
    for note in s.scalars(
        select(ProgressNote)
        .where(
            ProgressNote.team_id == team_id,
            ProgressNote.user_id == user_id,
            ProgressNote.pairing_id.in_(pairing_ids),
        )
        .order_by(ProgressNote.created_at.desc(), ProgressNote.id.desc())
    ):
        if len(notes[note.pairing_id]) < NOTES_SHOWN:
            notes[note.pairing_id].append(note)
    return notes


def _record(s: Session, pairing: Pairing, user_id: str, choice: GoalsChoice, goals: str | None, now: datetime) -> bool:
    """Writes or updates the person's review; False when it already says exactly this."""
    review = s.scalar(
        select(GoalReview).where(GoalReview.pairing_id == pairing.id, GoalReview.user_id == user_id).with_for_update()
    )
    if review is None:
        s.add(
            GoalReview(
                team_id=pairing.team_id,
                pairing_id=pairing.id,
                user_id=user_id,
                choice=choice,
                goals=goals,
                created_at=now,
                updated_at=now,
            )
        )
        return True
    if review.choice == choice and (goals is None or review.goals == goals):
        return False
    # Keeping goals after rewriting them keeps the rewrite: "keep" means keep what they hold now.
    review.choice, review.updated_at = choice, now
    if goals is not None:
        review.goals = goals
    return True


class GoalReviews:
    def __init__(self, sessions: sessionmaker[Session], dispatcher: Dispatcher):
        self.sessions = sessions
        self.dispatcher = dispatcher

    def _as(self, s: Session, team_id: str, user_id: str, pairing_id: int, mentee: bool) -> Answer:
        """The active pairing, when the person is its mentee (or its mentor, with `mentee` False)."""
        found = active_pair(s, team_id, user_id, pairing_id)
        if found.kind != AnswerKind.OK or found.pairing is None:
            return found
        role = found.pairing.mentee_user_id if mentee else found.pairing.mentor_user_id
        return found if role == user_id else Answer(AnswerKind.FORBIDDEN, found.pairing)

    def for_mentee(self, team_id: str, user_id: str, pairing_id: int) -> tuple[Answer, Goals | None]:
        """The mentee's pairing and goals, for the form that edits them."""
        with reading(self.sessions) as s:
            found = self._as(s, team_id, user_id, pairing_id, mentee=True)
            if found.kind != AnswerKind.OK or found.pairing is None:
                return found, None
            return found, goals_of(s, found.pairing)

    def for_mentor(self, team_id: str, user_id: str, pairing_id: int) -> Answer:
        with reading(self.sessions) as s:
            return self._as(s, team_id, user_id, pairing_id, mentee=False)

    def mentee_review(
        self, team_id: str, user_id: str, pairing_id: int, choice: GoalsChoice, goals: str | None, now: datetime
    ) -> Answer:
        """Keep (no text), refine or replace (the new goals, 10-1000 characters, checked by the form)."""
        if choice not in MENTEE_CHOICES or (choice != GoalsChoice.KEEP and (goals is None or is_blank(goals))):
            return Answer(AnswerKind.EMPTY)
        try:
            with unit_of_work(self.sessions) as s:
                found = self._as(s, team_id, user_id, pairing_id, mentee=True)
                if found.kind != AnswerKind.OK or found.pairing is None:
                    return found
                text = None if choice == GoalsChoice.KEEP else goals
                changed = _record(s, found.pairing, user_id, choice, text, now)
        except IntegrityError:  # the same answer, a moment earlier, from another click
            return Answer(AnswerKind.ALREADY)
        return Answer(AnswerKind.OK if changed else AnswerKind.ALREADY, found.pairing)

    def mentor_review(self, team_id: str, user_id: str, pairing_id: int, now: datetime) -> Answer:
        """The mentor looked at the goals: that is all that is recorded."""
        try:
            with unit_of_work(self.sessions) as s:
                found = self._as(s, team_id, user_id, pairing_id, mentee=False)
                if found.kind != AnswerKind.OK or found.pairing is None:
                    return found
                existing = s.scalar(
                    select(GoalReview.choice).where(GoalReview.pairing_id == pairing_id, GoalReview.user_id == user_id)
                )
                if existing is None:
                    _record(s, found.pairing, user_id, GoalsChoice.REVIEWED, None, now)
        except IntegrityError:
            return Answer(AnswerKind.ALREADY)
        return Answer(AnswerKind.OK if existing is None else AnswerKind.ALREADY, found.pairing)

    def suggest(self, team_id: str, user_id: str, pairing_id: int, suggestion: str, now: datetime) -> Answer:
        """The mentor's suggestion goes to the mentee alone, once; only the fact that they looked is kept."""
        if is_blank(suggestion):
            return Answer(AnswerKind.EMPTY)
        try:
            with unit_of_work(self.sessions) as s:
                found = self._as(s, team_id, user_id, pairing_id, mentee=False)
                if found.kind != AnswerKind.OK or found.pairing is None:
                    return found
                pairing = found.pairing
                delivery = outbox.enqueue(
                    s,
                    team_id=team_id,
                    key=f"goals-suggestion:{pairing.id}",
                    kind=DeliveryKind.GOALS_SUGGESTION,
                    payload=views.goals_suggestion(pairing, suggestion),
                    target=pairing.mentee_user_id,
                    pairing_id=pairing.id,
                    now=now,
                )
                if delivery is None:
                    return Answer(AnswerKind.ALREADY, pairing)
                _record(s, pairing, user_id, GoalsChoice.SUGGESTED, None, now)
        except IntegrityError:
            return Answer(AnswerKind.ALREADY)
        self.dispatcher.dispatch([delivery], now)
        return Answer(AnswerKind.OK, pairing)

    def add_note(
        self, team_id: str, user_id: str, pairing_id: int, text: str, source_key: str, now: datetime
    ) -> Answer:
        """A private progress note, by the mentee of an active pair; a redelivered submission adds nothing."""
        if is_blank(text):
            return Answer(AnswerKind.EMPTY)
        try:
            with unit_of_work(self.sessions) as s:
                found = self._as(s, team_id, user_id, pairing_id, mentee=True)
                if found.kind != AnswerKind.OK or found.pairing is None:
                    return found
                s.add(
                    ProgressNote(
                        team_id=team_id,
                        pairing_id=pairing_id,
                        user_id=user_id,
                        text=text,
                        source_key=source_key,
                        created_at=now,
                    )
                )
        except IntegrityError:
            return Answer(AnswerKind.ALREADY)
        return Answer(AnswerKind.OK, found.pairing)
