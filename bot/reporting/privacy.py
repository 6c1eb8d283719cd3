"""Erasure: a person's data goes, the program's figures stay. Also people deactivated in Slack.

Erasing first does what `/mentor leave` does (pairings end kindly, the partner is told, requests
and pending proposals are withdrawn, mentor profiles hidden), then, in one transaction, removes
the person from every row of their workspace:

- their Slack user id is replaced, everywhere it appears, by one random token made for this
  erasure (`ERASED…`), so figures that count distinct people still count them once, and nothing
  leads back to who they were;
- every text they wrote, or that was written to them alone, is blanked: goals, topics, bio, decline
  reasons, help notes, feedback in both directions, and our copies of the messages sent to them;
- their person row is deleted, and they are taken off program owner lists and others' manager links;
- statuses, dates, scores and answers' values (usefulness, confidence, survey ratings) stay, so that
  counts, the funnel, NPS and the weekly chart are unchanged.

A second erasure finds nothing left to change: erasing is idempotent.

People deactivated in Slack have their pairings ended at once, and are erased after `GRACE`
(`people.erase_after`) unless Slack says they are active again by then.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, exists, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery.slack_gateway import USER_ERRORS, Gateways, SlackFailure
from bot.matching.choice_lists import keys_naming
from bot.pairing.lifecycle import Lifecycle
from bot.people.directory import ensure_person, ensure_workspace, find_person
from bot.reporting.mydata import scrub_sent
from bot.storage.database import retry_on_conflict, rows_changed, unit_of_work
from bot.storage.models import (
    CheckIn,
    CohortPlan,
    Delivery,
    Feedback,
    GoalReview,
    HelpReport,
    MentoringRequest,
    MentorProfile,
    Pairing,
    Person,
    Program,
    ProgressNote,
    Proposal,
    RelationshipAnswer,
    Survey,
)
from bot.storage.statuses import DeliveryStatus

log = logging.getLogger(__name__)

# How long a person deactivated in Slack is kept before erasure: time for an admin to undo a mistake.
GRACE = timedelta(days=30)
# Pauses looked at per tick; the rest wait for the next one.
DUE_BATCH = 50
ERASED_PREFIX = "ERASED"
ERASED_PAYLOAD: dict[str, Any] = {"text": "(erased)", "blocks": []}
ERASED_ERROR = "erased"
# How long after an erasure the notices it caused are looked for, to blank once they are sent.
NOTICE_WINDOW = timedelta(days=7)


def new_token() -> str:
    """A stand-in for an erased person's user id: random, so it can't be recomputed from the id."""
    return ERASED_PREFIX + secrets.token_hex(6).upper()


@dataclass(frozen=True)
class ErasureSummary:
    pairings_ended: int
    rows_changed: int

    @property
    def erased(self) -> bool:
        return self.pairings_ended > 0 or self.rows_changed > 0


@dataclass(frozen=True)
class DueReport:
    erased: int = 0
    still_active: int = 0
    unknown: int = 0


def _changed(s: Session, statement: Any) -> int:
    return rows_changed(s.execute(statement.execution_options(synchronize_session=False)))


def anonymize(s: Session, team_id: str, user_id: str, token: str) -> int:
    """Removes `user_id` from every row of `team_id`, as the module docstring says. Returns rows changed."""
    pairings = select(Pairing.id).where(
        Pairing.team_id == team_id, or_(Pairing.mentor_user_id == user_id, Pairing.mentee_user_id == user_id)
    )
    pairing_ids = list(s.scalars(pairings))
    requests = list(
        s.scalars(
            select(MentoringRequest.id).where(
                MentoringRequest.team_id == team_id, MentoringRequest.mentee_user_id == user_id
            )
        )
    )
    asked = list(s.scalars(select(Proposal.id).where(Proposal.request_id.in_(requests))))
    notes = list(s.scalars(select(HelpReport.id).where(HelpReport.team_id == team_id, HelpReport.user_id == user_id)))
    n = 0

    # Our copies of what was sent to them, or about their pairs, requests and notes.
    about = or_(
        Delivery.target == user_id,
        Delivery.pairing_id.in_(pairing_ids),
        Delivery.key.in_([f"proposal:{i}" for i in asked]),
        *[Delivery.key.startswith(f"help:{i}:", autoescape=True) for i in notes],
        Delivery.key.in_(keys_naming(s, team_id, user_id)),  # lists of mentors that named them, sent to mentees
    )
    mine = and_(Delivery.team_id == team_id, about)
    n += _changed(
        s,
        update(Delivery)
        .where(mine, Delivery.status == DeliveryStatus.PENDING)
        .values(status=DeliveryStatus.FAILED, last_error=ERASED_ERROR),
    )
    n += _changed(s, update(Delivery).where(mine).values(payload=ERASED_PAYLOAD, shape_id=None))
    n += _changed(
        s, update(Delivery).where(Delivery.team_id == team_id, Delivery.target == user_id).values(target=token)
    )

    n += _changed(
        s,
        update(CheckIn).where(CheckIn.team_id == team_id, CheckIn.answered_by == user_id).values(answered_by=token),
    )
    wrote_or_got = and_(
        Feedback.team_id == team_id, or_(Feedback.from_user_id == user_id, Feedback.to_user_id == user_id)
    )
    n += _changed(s, update(Feedback).where(wrote_or_got).values(working="", try_differently=""))
    n += _changed(
        s,
        update(Feedback)
        .where(Feedback.team_id == team_id, Feedback.from_user_id == user_id)
        .values(from_user_id=token),
    )
    n += _changed(
        s, update(Feedback).where(Feedback.team_id == team_id, Feedback.to_user_id == user_id).values(to_user_id=token)
    )
    n += _changed(s, update(Survey).where(Survey.team_id == team_id, Survey.user_id == user_id).values(user_id=token))
    # A mentee's own goals and notes go; that they looked at their goals, and how a check was answered, stay.
    n += _changed(
        s,
        update(GoalReview)
        .where(GoalReview.team_id == team_id, GoalReview.user_id == user_id)
        .values(user_id=token, goals=None),
    )
    n += _changed(
        s,
        update(ProgressNote)
        .where(ProgressNote.team_id == team_id, ProgressNote.user_id == user_id)
        .values(user_id=token, text=""),
    )
    n += _changed(
        s,
        update(RelationshipAnswer)
        .where(RelationshipAnswer.team_id == team_id, RelationshipAnswer.user_id == user_id)
        .values(user_id=token),
    )
    n += _changed(
        s,
        update(HelpReport)
        .where(HelpReport.id.in_(notes), HelpReport.user_id == user_id)
        .values(user_id=token, text=""),
    )
    n += _changed(
        s,
        update(Proposal)
        .where(Proposal.team_id == team_id, Proposal.mentor_user_id == user_id)
        .values(mentor_user_id=token, decline_reason=None, reasons=[]),
    )
    n += _changed(s, update(Proposal).where(Proposal.id.in_(asked)).values(reasons=[]))
    n += _changed(
        s,
        update(Pairing)
        .where(Pairing.team_id == team_id, Pairing.mentor_user_id == user_id)
        .values(mentor_user_id=token, dm_channel_id=None),
    )
    n += _changed(
        s,
        update(Pairing)
        .where(Pairing.team_id == team_id, Pairing.mentee_user_id == user_id)
        .values(mentee_user_id=token, dm_channel_id=None),
    )
    n += _changed(
        s,
        update(MentoringRequest)
        # Re-checked by id and owner: a concurrent erasure that committed first leaves nothing to relabel.
        .where(MentoringRequest.id.in_(requests), MentoringRequest.mentee_user_id == user_id)
        .values(
            mentee_user_id=token,
            goals="",
            topics=[],
            mentee_level=None,
            mentee_department=None,
            wants_outside_team=False,
            wants_more_senior=False,
        ),
    )
    n += _changed(
        s,
        update(MentorProfile)
        .where(MentorProfile.team_id == team_id, MentorProfile.user_id == user_id)
        .values(user_id=token, topics=[], bio=None, department=None, active=False),
    )
    n += _changed(
        s,
        update(CohortPlan)
        .where(CohortPlan.team_id == team_id, CohortPlan.created_by == user_id)
        .values(created_by=token),
    )
    for program in s.scalars(select(Program).where(Program.team_id == team_id)):
        if user_id in (program.owners or []):
            program.owners = [o for o in program.owners if o != user_id]
            n += 1
    n += _changed(
        s,
        update(Person).where(Person.team_id == team_id, Person.manager_user_id == user_id).values(manager_user_id=None),
    )
    n += _changed(s, delete(Person).where(Person.team_id == team_id, Person.user_id == user_id))
    return n


def _holds_anything(s: Session, team_id: str, user_id: str) -> bool:
    return bool(
        s.scalar(
            select(
                exists().where(MentoringRequest.team_id == team_id, MentoringRequest.mentee_user_id == user_id)
                | exists().where(MentorProfile.team_id == team_id, MentorProfile.user_id == user_id)
            )
        )
    )


class Erasure:
    """Erases people on request, and people deactivated in Slack once their grace period is over."""

    def __init__(self, sessions: sessionmaker[Session], lifecycle: Lifecycle, gateway: Gateways):
        self.sessions = sessions
        self.lifecycle = lifecycle
        self.gateway = gateway

    def erase(self, team_id: str, user_id: str, now: datetime) -> ErasureSummary:
        """Ends the person's pairings kindly (partners are told), then removes them from every row."""
        left = self.lifecycle.leave(team_id, user_id, now)
        changed = self._anonymize(team_id, user_id)
        if changed:
            log.info("erased a person's data in workspace %s (%s rows)", team_id, changed)
        return ErasureSummary(left.pairings, changed)

    @retry_on_conflict
    def _anonymize(self, team_id: str, user_id: str) -> int:
        with unit_of_work(self.sessions) as s:
            return anonymize(s, team_id, user_id, new_token())

    def deactivated(self, team_id: str, user_id: str, now: datetime) -> datetime | None:
        """Slack says this person was deactivated: their pairings end now, their data goes after GRACE.

        Returns when the erasure is due, or None for someone the bot holds nothing about."""
        with unit_of_work(self.sessions) as s:
            if find_person(s, team_id, user_id) is None and not _holds_anything(s, team_id, user_id):
                return None
        self.lifecycle.leave(team_id, user_id, now)
        due = now + GRACE
        with unit_of_work(self.sessions) as s:
            ensure_workspace(s, team_id, now)
            person = ensure_person(s, team_id, user_id)
            if person.erase_after is None or person.erase_after < due:
                person.erase_after = due
        return due

    def forget_notices(self, now: datetime) -> int:
        """Blanks our copies of the notices that told partners an erased person left, once they are sent.

        They are sent after the erasure, so this runs after it: right after the answer, and at every tick
        for NOTICE_WINDOW in case the notice was still waiting then."""
        erased = or_(
            Pairing.mentor_user_id.startswith(ERASED_PREFIX, autoescape=True),
            Pairing.mentee_user_id.startswith(ERASED_PREFIX, autoescape=True),
        )
        with unit_of_work(self.sessions) as s:
            pairings = list(s.scalars(select(Pairing.id).where(Pairing.ended_at >= now - NOTICE_WINDOW, erased)))
            if not pairings:
                return 0
            notices = or_(*[Delivery.key.startswith(f"ended:{i}:", autoescape=True) for i in pairings])
            return _changed(
                s,
                update(Delivery)
                .where(notices, Delivery.status.in_((DeliveryStatus.SENT, DeliveryStatus.FAILED)))
                .values(payload=ERASED_PAYLOAD, shape_id=None),
            )

    def due(self, now: datetime, limit: int = DUE_BATCH) -> DueReport:
        """The tick's job: erases the people whose grace period is over and who are still deactivated.

        Each is checked with Slack once: someone active again keeps their data (the date is cleared),
        a deactivated one is erased, and one Slack can't answer for is asked again at the next tick.
        Sent data exports lose their text here too.
        """
        scrub_sent(self.sessions, now)
        self.forget_notices(now)
        with unit_of_work(self.sessions) as s:
            due = s.execute(
                select(Person.team_id, Person.user_id)
                .where(Person.erase_after <= now)
                .order_by(Person.erase_after, Person.id)
                .limit(limit)
            ).all()
        erased = active = unknown = 0
        for team_id, user_id in due:
            gone = self._gone(team_id, user_id)
            if gone is None:
                unknown += 1
            elif gone:
                self.erase(team_id, user_id, now)
                erased += 1
            else:
                with unit_of_work(self.sessions) as s:
                    s.execute(
                        update(Person)
                        .where(Person.team_id == team_id, Person.user_id == user_id)
                        .values(erase_after=None)
                    )
                active += 1
        return DueReport(erased, active, unknown)

    def _gone(self, team_id: str, user_id: str) -> bool | None:
        """Whether Slack says this person is deactivated or deleted; None when Slack can't say now."""
        try:
            info = self.gateway.to(team_id).user_info(user_id)
        except SlackFailure as exc:
            if exc.permanent and exc.error in USER_ERRORS:
                return True
            log.warning("could not check whether a person is still in Slack (%s)", exc.error)
            return None
        return bool(info.get("deleted"))
