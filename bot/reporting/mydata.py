"""`/mentor mydata`: everything the bot holds about one person, as a readable DM and a JSON file.

Only the caller's own rows in their own workspace are read. What others wrote stays theirs: the
caller sees the feedback that was delivered to them, but not a mentor's reason for declining
them, another person's check-in answers, pulses, surveys or help notes, nor the goals of the
people they mentor.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.blockkit.blocks import MESSAGE_BLOCKS_MAX, SECTION_TEXT_MAX, escape, header, message, section
from bot.delivery import outbox
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.slack_gateway import Gateways, SlackFailure
from bot.people.directory import ensure_workspace
from bot.storage.database import reading, rows_changed, unit_of_work
from bot.storage.models import (
    CheckIn,
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
from bot.storage.statuses import DeliveryKind, DeliveryStatus

log = logging.getLogger(__name__)

KEY_PREFIX = "mydata:"
FILENAME = "my-mentoring-data.json"
# What a sent copy of the export is reduced to: the DM itself is the person's copy, not ours to keep.
SENT_STUB = {"text": "Your mentoring data was sent here.", "blocks": []}
SWEEP_WINDOW = timedelta(days=7)


def _when(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def collect(s: Session, team_id: str, user_id: str) -> dict[str, Any]:
    """The person's record as plain JSON-ready data, read from this workspace only."""
    person = s.scalar(select(Person).where(Person.team_id == team_id, Person.user_id == user_id))
    programs = {p.id: p for p in s.scalars(select(Program).where(Program.team_id == team_id))}

    def program_name(program_id: int) -> str:
        program = programs.get(program_id)
        return program.name if program else str(program_id)

    profiles = s.scalars(
        select(MentorProfile)
        .where(MentorProfile.team_id == team_id, MentorProfile.user_id == user_id)
        .order_by(MentorProfile.id)
    )
    requests = s.scalars(
        select(MentoringRequest)
        .where(MentoringRequest.team_id == team_id, MentoringRequest.mentee_user_id == user_id)
        .order_by(MentoringRequest.id)
    )
    proposals = s.scalars(
        select(Proposal).where(Proposal.team_id == team_id, Proposal.mentor_user_id == user_id).order_by(Proposal.id)
    )
    pairings = list(
        s.scalars(
            select(Pairing)
            .where(
                Pairing.team_id == team_id,
                or_(Pairing.mentor_user_id == user_id, Pairing.mentee_user_id == user_id),
            )
            .order_by(Pairing.id)
        )
    )
    pairing_ids = [p.id for p in pairings]
    answers = s.scalars(
        select(CheckIn)
        .where(CheckIn.team_id == team_id, CheckIn.pairing_id.in_(pairing_ids), CheckIn.answered_by == user_id)
        .order_by(CheckIn.pairing_id, CheckIn.period)
    )
    feedback = s.scalars(
        select(Feedback)
        .where(
            Feedback.team_id == team_id,
            Feedback.pairing_id.in_(pairing_ids),
            or_(Feedback.from_user_id == user_id, Feedback.to_user_id == user_id),
        )
        .order_by(Feedback.id)
    )
    surveys = s.scalars(select(Survey).where(Survey.team_id == team_id, Survey.user_id == user_id).order_by(Survey.id))
    notes = s.scalars(
        select(HelpReport).where(HelpReport.team_id == team_id, HelpReport.user_id == user_id).order_by(HelpReport.id)
    )
    reviews = s.scalars(
        select(GoalReview).where(GoalReview.team_id == team_id, GoalReview.user_id == user_id).order_by(GoalReview.id)
    )
    progress = s.scalars(
        select(ProgressNote)
        .where(ProgressNote.team_id == team_id, ProgressNote.user_id == user_id)
        .order_by(ProgressNote.id)
    )
    relationship = s.scalars(
        select(RelationshipAnswer)
        .where(RelationshipAnswer.team_id == team_id, RelationshipAnswer.user_id == user_id)
        .order_by(RelationshipAnswer.id)
    )
    partners = {p.mentee_user_id if p.mentor_user_id == user_id else p.mentor_user_id for p in pairings}
    names = {
        uid: name
        for uid, name in s.execute(
            select(Person.user_id, Person.display_name).where(Person.team_id == team_id, Person.user_id.in_(partners))
        )
    }
    return {
        "workspace": team_id,
        "user_id": user_id,
        "person": None
        if person is None
        else {
            "display_name": person.display_name,
            "email": person.email,
            "title": person.title,
            "department": person.department,
            "level": person.level,
            "manager_user_id": person.manager_user_id,
            "timezone": person.tz,
            "is_admin": person.is_admin,
            "paused_until": _when(person.paused_until),
            "refreshed_at": _when(person.refreshed_at),
        },
        "programs_you_own": [p.name for p in programs.values() if user_id in (p.owners or [])],
        "mentor_profiles": [
            {
                "program": program_name(p.program_id),
                "topics": list(p.topics),
                "capacity": p.capacity,
                "mentees_now": p.load,
                "level": p.level,
                "department": p.department,
                "bio": p.bio,
                "open_to_reverse_mentoring": p.open_to_reverse,
                "active": p.active,
                "created_at": _when(p.created_at),
                "updated_at": _when(p.updated_at),
            }
            for p in profiles
        ],
        "requests": [
            {
                "program": program_name(r.program_id),
                "goals": r.goals,
                "topics": list(r.topics),
                "wants_someone_outside_your_team": r.wants_outside_team,
                "wants_someone_more_senior": r.wants_more_senior,
                "level": r.mentee_level,
                "department": r.mentee_department,
                "status": str(r.status),
                "created_at": _when(r.created_at),
                "matched_at": _when(r.matched_at),
            }
            for r in requests
        ],
        "proposals_you_were_asked": [
            {
                "status": str(p.status),
                "score": p.score,
                "reasons": list(p.reasons),
                "your_decline_reason": p.decline_reason,
                "created_at": _when(p.created_at),
                "decided_at": _when(p.decided_at),
            }
            for p in proposals
        ],
        "pairings": [
            {
                "program": program_name(p.program_id),
                "your_role": "mentor" if p.mentor_user_id == user_id else "mentee",
                "partner": (partner := p.mentee_user_id if p.mentor_user_id == user_id else p.mentor_user_id),
                "partner_name": names.get(partner) or None,
                "status": str(p.status),
                "started_at": _when(p.started_at),
                "ended_at": _when(p.ended_at),
                "ends_at": _when(p.ends_at),
                "end_reason": p.end_reason,
                "afterwards": str(p.afterwards) if p.afterwards else None,
            }
            for p in pairings
        ],
        "checkin_answers": [
            {
                "pairing": pairing_ids.index(c.pairing_id) + 1,
                "period": c.period,
                "answer": str(c.answer) if c.answer else None,
                "answered_at": _when(c.answered_at),
                "usefulness": c.usefulness,
                "confidence": c.confidence,
            }
            for c in answers
        ],
        "feedback": [
            {
                "pairing": pairing_ids.index(f.pairing_id) + 1,
                "direction": "you wrote" if f.from_user_id == user_id else "you received",
                "round": f.round,
                "what_is_working": f.working,
                "one_thing_to_try_differently": f.try_differently,
                "created_at": _when(f.created_at),
            }
            for f in feedback
        ],
        "help_notes": [
            {
                "pairing": pairing_ids.index(n.pairing_id) + 1 if n.pairing_id in pairing_ids else None,
                "text": n.text,
                "created_at": _when(n.created_at),
            }
            for n in notes
        ],
        "closing_surveys": [
            {
                "pairing": pairing_ids.index(v.pairing_id) + 1 if v.pairing_id in pairing_ids else None,
                "overall": v.rating,
                "would_recommend": v.recommend,
                "goals_reached": str(v.goals_reached),
                "created_at": _when(v.created_at),
            }
            for v in surveys
        ],
        "goal_reviews": [
            {
                "pairing": pairing_ids.index(r.pairing_id) + 1 if r.pairing_id in pairing_ids else None,
                "answer": str(r.choice),
                "your_goals_now": r.goals,
                "updated_at": _when(r.updated_at),
            }
            for r in reviews
        ],
        "progress_notes": [
            {
                "pairing": pairing_ids.index(n.pairing_id) + 1 if n.pairing_id in pairing_ids else None,
                "text": n.text,
                "created_at": _when(n.created_at),
            }
            for n in progress
        ],
        "relationship_answers": [
            {
                "pairing": pairing_ids.index(a.pairing_id) + 1 if a.pairing_id in pairing_ids else None,
                "round": a.round,
                "answer": str(a.answer),
                "created_at": _when(a.created_at),
            }
            for a in relationship
        ],
    }


_TITLES = {
    "person": "About you",
    "programs_you_own": "Programs you own",
    "mentor_profiles": "Your mentor profiles",
    "requests": "Your requests for a mentor",
    "proposals_you_were_asked": "Mentees you were asked to take",
    "pairings": "Your pairings",
    "checkin_answers": "Your check-in answers",
    "feedback": "Feedback",
    "help_notes": "Your help notes",
    "closing_surveys": "Your closing surveys",
    "goal_reviews": "Your look at the goals, halfway",
    "progress_notes": "Your progress notes",
    "relationship_answers": "Your answers on how the relationship is going",
}


def _label(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "–"
    if value is None or value == "":
        return "–"
    return str(value)


def _item(record: dict[str, Any]) -> str:
    lines = []
    for key, value in record.items():
        if key in ("partner",) and value:
            lines.append(f"{_label(key)}: <@{value}>")
        else:
            lines.append(f"{_label(key)}: {escape(_value(value))}")
    return "\n".join(lines)


def render(data: dict[str, Any]) -> list[str]:
    """The record as readable mrkdwn sections, one per item, each headed by its part."""
    parts: list[str] = []
    for key, title in _TITLES.items():
        value = data.get(key)
        if not value:
            parts.append(f"*{title}*\nNothing.")
        elif isinstance(value, dict):
            parts.append(f"*{title}*\n{_item(value)}")
        elif all(isinstance(v, str) for v in value):
            parts.append(f"*{title}*\n{escape(', '.join(value))}")
        else:
            for number, record in enumerate(value, 1):
                parts.append(f"*{title}, {number} of {len(value)}*\n{_item(record)}")
    return [
        p if len(p) <= SECTION_TEXT_MAX else p[: SECTION_TEXT_MAX - 40] + "…\n_(the rest is in the file)_"
        for p in parts
    ]


def export_message(data: dict[str, Any]) -> dict[str, Any]:
    intro = (
        "Here is everything I hold about you in this workspace. The same record is attached as a JSON "
        f"file (`{FILENAME}`). To have it erased, use `/mentor erase`."
    )
    sections = render(data)
    room = MESSAGE_BLOCKS_MAX - 3
    blocks = [header("Your mentoring data"), section(intro)] + [section(p) for p in sections[:room]]
    if len(sections) > room:
        blocks.append(section(f"…and {len(sections) - room} more items, all in the attached file."))
    return message("Here is everything I hold about you.", blocks)


@dataclass(frozen=True)
class Export:
    delivery_id: int | None
    team_id: str
    user_id: str
    content: bytes


class MyData:
    """Builds a person's export, stores its DM in the outbox, and sends it with the file after the answer."""

    def __init__(self, sessions: sessionmaker[Session], dispatcher: Dispatcher, gateway: Gateways):
        self.sessions = sessions
        self.dispatcher = dispatcher
        self.gateway = gateway

    def prepare(self, team_id: str, user_id: str, request_key: str, now: datetime) -> Export:
        with reading(self.sessions) as s:
            data = collect(s, team_id, user_id)
        data["exported_at"] = now.isoformat()
        with unit_of_work(self.sessions) as s:
            ensure_workspace(s, team_id, now)
            delivery_id = outbox.enqueue(
                s,
                team_id=team_id,
                key=f"{KEY_PREFIX}{user_id}:{request_key}"[:160],
                kind=DeliveryKind.MY_DATA,
                payload=export_message(data),
                target=user_id,
                now=now,
            )
        content = json.dumps(data, indent=2, ensure_ascii=False).encode()
        return Export(delivery_id, team_id, user_id, content)

    def deliver(self, export: Export, now: datetime) -> None:
        """Sends the DM, then the file into the same conversation; then drops our copy of the sent DM."""
        if export.delivery_id is None:
            return  # the same request again: its export is already on its way
        self.dispatcher.dispatch([export.delivery_id], now)
        try:
            slack = self.gateway.to(export.team_id)
            channel = slack.open_conversation([export.user_id])
            slack.upload_png(channel, export.content, FILENAME, "Your mentoring data")
        except SlackFailure as exc:
            log.warning("could not upload a data export file (%s)", exc.error)
            slack.tell(
                export.user_id, f"Sorry, I couldn't attach the file with your data ({exc.error}). Please try again."
            )
        scrub_sent(self.sessions, now, only=export.delivery_id)


def scrub_sent(sessions: sessionmaker[Session], now: datetime, only: int | None = None) -> int:
    """Replaces the text of sent (or given up) exports with a stub: the person has their copy, and we
    keep no second one. The tick sweeps the last week's, which the background sender may have missed."""
    done = (DeliveryStatus.SENT, DeliveryStatus.FAILED)
    where = [Delivery.key.startswith(KEY_PREFIX, autoescape=True), Delivery.status.in_(done)]
    where.append(Delivery.id == only if only is not None else Delivery.created_at >= now - SWEEP_WINDOW)
    with unit_of_work(sessions) as s:
        result = s.execute(
            update(Delivery).where(*where).values(payload=SENT_STUB).execution_options(synchronize_session=False)
        )
        return rows_changed(result)
