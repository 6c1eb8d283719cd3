"""The planner: at `now`, decide what each active pair is due and queue it as deliveries.

Planning is idempotent: check-ins are unique per (pair, period), every message has a unique key,
and each pair's `next_checkin_at` moves forward in the same transaction. Replicas on PostgreSQL
take disjoint batches of pairs with SKIP LOCKED.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery import outbox
from bot.pairing import messages as views
from bot.pairing import prompts
from bot.pairing.calendar import catch_up, first_slot, following_slot, zone
from bot.pairing.pairings import end_pairing
from bot.programs.owners import Owners
from bot.storage.database import unit_of_work
from bot.storage.models import CheckIn, Pairing, Person, Program, PromptUse
from bot.storage.statuses import (
    Audience,
    CheckInAnswer,
    CheckInStatus,
    DeliveryKind,
    EndReason,
    PairingStatus,
    ProgramKind,
)

log = logging.getLogger(__name__)

BATCH = 500
NUDGE_AFTER_MISSES = 3
ALERT_AFTER_MISSES = 4


@dataclass
class PlanReport:
    scheduled: int = 0
    checkins: int = 0
    skipped_paused: int = 0
    reminders: int = 0
    completed: int = 0


def trailing_misses(checkins: Iterable[CheckIn]) -> int:
    """How many of the latest check-ins in a row ended without a "We met"."""
    misses = 0
    for checkin in sorted(checkins, key=lambda c: -c.period):
        if checkin.answer == CheckInAnswer.MET:
            break
        misses += 1
    return misses


class Planner:
    def __init__(self, sessions: sessionmaker[Session], owners: Owners):
        self.sessions = sessions
        self.owners = owners

    def plan(self, now: datetime) -> PlanReport:
        report = PlanReport()
        self._schedule_new(now, report)
        while self._checkins_due(now, report) == BATCH:
            pass
        self._reminders_due(now, report)
        self._programs_ended(now, report)
        return report

    @staticmethod
    def _lock(query, s: Session):  # type: ignore[no-untyped-def]
        if s.get_bind().dialect.name == "postgresql":
            return query.with_for_update(skip_locked=True, of=Pairing)
        return query

    def _schedule_new(self, now: datetime, report: PlanReport) -> None:
        with unit_of_work(self.sessions) as s:
            rows = s.execute(
                self._lock(
                    select(Pairing, Program, Person.tz)
                    .join(Program, Program.id == Pairing.program_id)
                    .outerjoin(Person, (Person.team_id == Pairing.team_id) & (Person.user_id == Pairing.mentee_user_id))
                    .where(Pairing.status == PairingStatus.ACTIVE, Pairing.next_checkin_at.is_(None)),
                    s,
                )
            ).all()
            for pairing, program, tz in rows:
                pairing.checkin_weekday = program.checkin_weekday
                pairing.next_checkin_at = first_slot(
                    pairing.started_at, program.checkin_weekday, program.checkin_hour, zone(tz, program.timezone)
                )
                pairing.next_period = 1
                pairing.ends_at = pairing.started_at + timedelta(weeks=program.length_weeks)
                report.scheduled += 1

    def _checkins_due(self, now: datetime, report: PlanReport) -> int:
        with unit_of_work(self.sessions) as s:
            pairings = list(
                s.scalars(
                    self._lock(
                        select(Pairing)
                        .where(Pairing.status == PairingStatus.ACTIVE, Pairing.next_checkin_at <= now)
                        .order_by(Pairing.next_checkin_at, Pairing.id)
                        .limit(BATCH),
                        s,
                    )
                )
            )
            if not pairings:
                return 0
            ids = [p.id for p in pairings]
            program_ids = {x.program_id for x in pairings}
            programs = {p.id: p for p in s.scalars(select(Program).where(Program.id.in_(program_ids)))}
            people = {
                (p.team_id, p.user_id): p
                for p in s.scalars(
                    select(Person).where(
                        Person.user_id.in_({u for x in pairings for u in (x.mentee_user_id, x.mentor_user_id)})
                    )
                )
            }
            history: dict[int, list[CheckIn]] = defaultdict(list)
            for checkin in s.scalars(select(CheckIn).where(CheckIn.pairing_id.in_(ids))):
                history[checkin.pairing_id].append(checkin)
            used: dict[tuple[int, str], list[str]] = defaultdict(list)
            for use in s.scalars(select(PromptUse).where(PromptUse.pairing_id.in_(ids)).order_by(PromptUse.id)):
                used[(use.pairing_id, use.audience)].append(use.prompt_key)

            fresh: list[tuple[Pairing, Program, CheckIn, int]] = []
            for pairing in pairings:
                program = programs[pairing.program_id]
                mentee = people.get((pairing.team_id, pairing.mentee_user_id))
                mentor = people.get((pairing.team_id, pairing.mentor_user_id))
                tz = zone(mentee.tz if mentee else None, program.timezone)
                assert pairing.next_checkin_at is not None
                slot, period = catch_up(
                    pairing.next_checkin_at, pairing.next_period, now, program.cadence_weeks, program.checkin_hour, tz
                )
                pairing.next_checkin_at = following_slot(slot, program.cadence_weeks, program.checkin_hour, tz)
                pairing.next_period = period + 1
                if pairing.ends_at is not None and slot >= pairing.ends_at:
                    continue
                if any(p is not None and p.paused_until and p.paused_until > slot for p in (mentee, mentor)):
                    report.skipped_paused += 1
                    continue
                checkin = CheckIn(
                    team_id=pairing.team_id,
                    pairing_id=pairing.id,
                    period=period,
                    due_at=slot,
                    status=CheckInStatus.OPEN,
                )
                fresh.append((pairing, program, checkin, trailing_misses(history[pairing.id])))
            if not fresh:
                return len(pairings)
            s.execute(
                update(CheckIn)
                .where(CheckIn.pairing_id.in_([f[0].id for f in fresh]), CheckIn.status == CheckInStatus.OPEN)
                .values(status=CheckInStatus.SUPERSEDED)
                .execution_options(synchronize_session=False)
            )
            # Alternate weeks: the mentee's sounding board on odd weeks, the mentor's prompt on even ones.
            uses = []
            for pairing, _program, checkin, _misses in fresh:
                audience = Audience.MENTEE if checkin.period % 2 else Audience.MENTOR
                prompt = prompts.pick(audience, used[(pairing.id, audience)], seed=pairing.id)
                uses.append(
                    PromptUse(
                        team_id=pairing.team_id,
                        pairing_id=pairing.id,
                        audience=audience,
                        prompt_key=prompt.key,
                        period=checkin.period,
                        created_at=now,
                    )
                )
            s.add_all([f[2] for f in fresh])
            s.add_all(uses)
            s.flush()
            messages: list[dict[str, Any]] = []
            for (pairing, program, checkin, misses), use in zip(fresh, uses, strict=True):
                messages += self._period_messages(s, pairing, program, checkin, misses, use)
                report.checkins += 1
            outbox.enqueue_many(s, messages, now)
            return len(pairings)

    def _period_messages(
        self, s: Session, pairing: Pairing, program: Program, checkin: CheckIn, misses: int, use: PromptUse
    ) -> list[dict[str, Any]]:
        """Everything one pair gets for one period, as delivery rows."""
        period, reverse = checkin.period, program.kind == ProgramKind.REVERSE
        messages: list[dict[str, Any]] = []

        def send(key: str, kind: DeliveryKind, payload: dict[str, Any], target: str | None = None) -> None:
            messages.append(
                dict(team_id=pairing.team_id, key=key, kind=kind, payload=payload, target=target, pairing_id=pairing.id)
            )

        send(f"checkin:{pairing.id}:{period}", DeliveryKind.CHECKIN, views.checkin_message(pairing, checkin.id, period))
        prompt = prompts.by_key(use.prompt_key)
        assert prompt is not None
        if use.audience == Audience.MENTEE:
            send(
                f"prompt:{pairing.id}:mentee:{period}",
                DeliveryKind.PROMPT,
                views.mentee_prompt(pairing, prompt, use.id, reverse),
                target=pairing.mentee_user_id,
            )
        else:
            send(
                f"prompt:{pairing.id}:mentor:{period}",
                DeliveryKind.PROMPT,
                views.mentor_prompt(pairing, prompt, reverse),
                target=pairing.mentor_user_id,
            )
        weeks = period * program.cadence_weeks
        if program.feedback_every_weeks and weeks % program.feedback_every_weeks == 0:
            round_ = weeks // program.feedback_every_weeks
            for user in (pairing.mentee_user_id, pairing.mentor_user_id):
                send(
                    f"feedback-invite:{pairing.id}:{round_}:{user}",
                    DeliveryKind.FEEDBACK_INVITE,
                    views.feedback_invitation(pairing, user, weeks, round_),
                    target=user,
                )
        if misses == NUDGE_AFTER_MISSES:
            for user in (pairing.mentee_user_id, pairing.mentor_user_id):
                send(
                    f"nudge:{pairing.id}:{period}:{user}",
                    DeliveryKind.NUDGE,
                    views.stalled_nudge(pairing, user),
                    target=user,
                )
        elif misses == ALERT_AFTER_MISSES:
            owners = self.owners.recipients(s, program)
            if not owners:
                log.error(
                    "pair %s has stalled but workspace %s has no program owner to alert; set MENTOR_PROGRAM_OWNERS",
                    pairing.id,
                    pairing.team_id,
                )
            for owner in owners:
                send(
                    f"stalled:{pairing.id}:{period}:{owner}",
                    DeliveryKind.OWNER_ALERT,
                    views.owner_stalled_alert(pairing, program),
                    target=owner,
                )
        return messages

    def _reminders_due(self, now: datetime, report: PlanReport) -> None:
        with unit_of_work(self.sessions) as s:
            due = s.execute(
                select(CheckIn, Pairing)
                .join(Pairing, Pairing.id == CheckIn.pairing_id)
                .where(
                    CheckIn.status == CheckInStatus.OPEN,
                    CheckIn.remind_at <= now,
                    Pairing.status == PairingStatus.ACTIVE,
                )
            ).all()
            for checkin, pairing in due:
                assert checkin.remind_at is not None
                outbox.enqueue(
                    s,
                    team_id=checkin.team_id,
                    key=f"reminder:{checkin.id}:{int(checkin.remind_at.timestamp())}",
                    kind=DeliveryKind.CHECKIN_REMINDER,
                    payload=views.checkin_reminder(pairing, checkin.id),
                    pairing_id=pairing.id,
                    now=now,
                )
                checkin.remind_at = None
                report.reminders += 1

    def _programs_ended(self, now: datetime, report: PlanReport) -> None:
        with unit_of_work(self.sessions) as s:
            ending = s.execute(
                self._lock(
                    select(Pairing, Program)
                    .join(Program, Program.id == Pairing.program_id)
                    .where(Pairing.status == PairingStatus.ACTIVE, Pairing.ends_at <= now),
                    s,
                )
            ).all()
            for pairing, program in ending:
                freed = end_pairing(s, pairing, PairingStatus.COMPLETED, EndReason.PROGRAM_FINISHED, now)
                if freed is None:
                    continue
                for user in (pairing.mentee_user_id, pairing.mentor_user_id):
                    outbox.enqueue(
                        s,
                        team_id=pairing.team_id,
                        key=f"survey:{pairing.id}:{user}",
                        kind=DeliveryKind.CLOSING_SURVEY,
                        payload=views.closing_survey(pairing, user, program.length_weeks),
                        target=user,
                        pairing_id=pairing.id,
                        now=now,
                    )
                report.completed += 1
