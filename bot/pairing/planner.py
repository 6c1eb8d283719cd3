"""The planner: at `now`, decide what each active pair is due and queue it as deliveries.

Planning is idempotent: check-ins are unique per (pair, period), every message has a unique key,
and each pair's `next_checkin_at` moves forward in the same transaction. Replicas on PostgreSQL
take disjoint batches of pairs with SKIP LOCKED.

Work is set-based, a batch of pairs at a time: one query reads the batch's due pairs with their
timezones and pauses, two more read what their history decides (trailing misses, prompts used),
and each kind of row is written with one statement for the whole batch. Only the calendar and the
choice of prompt run per pair in Python: a slot is the program's hour on the mentee's own
calendar, DST included, and prompts follow each pair's own shuffled order. Pairs are read as plain
columns, and each message payload is encoded once per shape and filled in for each pair
(`bot.pairing.encoded`).
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple, cast

from sqlalchemy import Connection, Select, and_, bindparam, case, func, or_, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session, aliased, sessionmaker

from bot.delivery import outbox
from bot.pairing import messages as views
from bot.pairing import practice_views, prompts
from bot.pairing.calendar import FIRST_CHECKIN_GAP, catch_up, first_slot, following_slot, zone
from bot.pairing.encoded import Payload, PeriodMessages, Shaped, encode
from bot.pairing.goals import goals_of
from bot.pairing.membership import QUIET_BEFORE_END
from bot.pairing.pairings import end_pairing
from bot.pairing.relationship import cadence_of
from bot.programs.owners import Owners
from bot.storage import bulk, rollups, shapes
from bot.storage.database import retry_on_conflict, unit_of_work
from bot.storage.models import CheckIn, MentoringRequest, Pairing, Person, Program, PromptUse
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

# Batch writers at once on PostgreSQL: two keep a batch's Python work and another's database time
# overlapping. SQLite has one writer, so it plans one batch at a time.
WORKERS = 2
# Pairs per transaction: on SQLite a batch holds the write lock, so clicks wait at most one batch,
# about a tenth of a second at this size. Each commit costs a WAL write of the pages it touched (and
# now and then a checkpoint), which smaller batches would pay more often.
BATCH = 1000
NUDGE_AFTER_MISSES = 3
# A pair formed in a cohort program joins the cohort's rhythm: its first check-in comes once the cohort
# has started, and it graduates at the cohort's end with everyone else. A pair formed with less than
# this share of the program left (a late rematch, say) runs the program's full length on its own.
JOIN_COHORT_SHARE_LEFT = 0.5
ALERT_AFTER_MISSES = 4


@dataclass
class PlanReport:
    scheduled: int = 0
    checkins: int = 0
    skipped_paused: int = 0
    reminders: int = 0
    completed: int = 0

    def add(self, other: PlanReport) -> None:
        for name, value in vars(other).items():
            setattr(self, name, getattr(self, name) + value)


class _Pair(NamedTuple):
    """A due pair, as its batch reads it: plain columns, no ORM object to load or track."""

    id: int
    team_id: str
    program_id: int
    mentee_user_id: str
    mentor_user_id: str
    next_checkin_at: datetime
    next_period: int
    ends_at: datetime | None
    goals_review_at: datetime | None
    goals_asked_at: datetime | None
    cadence_weeks: int | None


_PAIR_COLUMNS = [getattr(Pairing, name) for name in _Pair._fields]


class _Due(NamedTuple):
    """A pair due a check-in now, before its history is read."""

    pairing: _Pair
    program: Program
    period: int
    slot: datetime
    # How many of the program's periods one of the pair's check-ins spans (1 unless they chose a slower rhythm).
    step: int
    # Whether this check-in brings the mid-point look at the goals.
    review: bool


@dataclass(frozen=True)
class _Period:
    """One pair's new period, decided in memory before the batch's rows are written."""

    pairing: _Pair
    program: Program
    period: int
    slot: datetime
    misses: int
    prompt: prompts.Prompt
    # Whether the pair has met at least once: feedback on each other needs a meeting to be about.
    met: bool
    # The mentee's goals, in the period that brings the pair's mid-point look at them; else None.
    goals: str | None = None


def _met_and_misses(dialect: Dialect, ids: list[int]) -> Select[int, int, int | None]:
    """Per pair with check-ins: how many of its latest check-ins in a row ended without a "We met", and
    the period of its latest "We met" (None if it never met).

    The misses are every check-in after the latest "We met", or all of them without one: one pass over
    the batch's check-ins, with the latest "We met" per pair as a window. Pairs with none get no row.
    """
    met = case((CheckIn.answer == CheckInAnswer.MET, CheckIn.period))
    last_met = func.max(met).over(partition_by=CheckIn.pairing_id).label("last_met")
    h = (
        select(CheckIn.pairing_id, CheckIn.period, last_met)
        .where(bulk.among(dialect, CheckIn.pairing_id, ids))
        .subquery()
    )
    trailing = case((or_(h.c.last_met.is_(None), h.c.period > h.c.last_met), 1), else_=0)
    return select(h.c.pairing_id, func.sum(trailing), func.max(h.c.last_met)).group_by(h.c.pairing_id)


def _prompts_used(s: Session, wanted: dict[Audience, list[int]]) -> dict[int, list[str]]:
    """Each pair's prompt keys for the audience it is due, oldest first, as `prompts.pick` reads them."""
    used: dict[int, list[str]] = defaultdict(list)
    dialect = s.get_bind().dialect
    for pairing_id, key in s.execute(
        select(PromptUse.pairing_id, PromptUse.prompt_key)
        .where(
            or_(
                *(
                    and_(PromptUse.audience == a, bulk.among(dialect, PromptUse.pairing_id, ids))
                    for a, ids in wanted.items()
                )
            )
        )
        .order_by(PromptUse.id)
    ):
        used[pairing_id].append(key)
    return used


class _Calendar:
    """A batch's slot arithmetic, worked out once per distinct (slot, program, timezone).

    Pairs of a program share its weekday and hour, so most of them share their slot too: the
    calendar math, DST included, then runs a handful of times per batch rather than once per pair.
    """

    def __init__(self, now: datetime):
        self.now = now
        self._known: dict[tuple[datetime, int, str | None, int], tuple[datetime, int, datetime]] = {}

    def due(
        self, slot: datetime, program: Program, tz_name: str | None, cadence: int
    ) -> tuple[datetime, int, datetime]:
        """The latest slot at or before now, how many check-ins it skips ahead, and the slot after it."""
        key = (slot, program.id, tz_name, cadence)
        found = self._known.get(key)
        if found is None:
            tz = zone(tz_name, program.timezone)
            latest, skipped = catch_up(slot, 0, self.now, cadence, program.checkin_hour, tz)
            following = following_slot(latest, cadence, program.checkin_hour, tz)
            found = self._known[key] = (latest, skipped, following)
        return found


def _rhythm(
    started_at: datetime,
    weekday: int,
    hour: int,
    length_weeks: int,
    cohort_start: datetime | None,
    tz: str | None,
    fallback: str,
) -> dict[str, datetime]:
    """A new pair's first check-in slot, mid-point and end: its own, or its cohort's (see
    JOIN_COHORT_SHARE_LEFT). The mid-point is half the program's length before the end."""
    length = timedelta(weeks=length_weeks)
    after, ends = started_at, started_at + length
    if cohort_start is not None and cohort_start + length - started_at >= length * JOIN_COHORT_SHARE_LEFT:
        # The first slot lands at or after the cohort start, and still a day after the introduction.
        after, ends = max(started_at, cohort_start - FIRST_CHECKIN_GAP), cohort_start + length
    return {"slot": first_slot(after, weekday, hour, zone(tz, fallback)), "ends": ends, "review": ends - length / 2}


def _with_shape_ids(conn: Connection, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The messages as delivery rows, changed in place: a shaped one stores its values and its shape's id,
    its shape stored once per workspace (bot/storage/shapes.py)."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for m in messages:
        if isinstance(m["payload"], Shaped):
            wanted[m["team_id"]].add(m["payload"].text)
    ids = {team_id: shapes.store(conn, team_id, texts) for team_id, texts in wanted.items()}
    for m in messages:
        payload = m["payload"]
        if isinstance(payload, Shaped):
            m["payload"], m["shape_id"] = shapes.values_json(payload.values), ids[m["team_id"]][payload.text]
        else:
            m["shape_id"] = None
    return messages


def _audience(period: int, step: int = 1) -> Audience:
    """Alternate check-ins: the mentee's sounding board, then the mentor's prompt. A pair whose check-ins
    span `step` of the program's periods alternates by check-in, not by week."""
    return Audience.MENTEE if (period // step) % 2 else Audience.MENTOR


def _review_due(pairing: _Pair, slot: datetime, cadence: int) -> bool:
    """Whether this slot brings the pair's mid-point look at the goals: the first slot at most half a
    cadence before the mid-point, so that it is the slot nearest the mid-point. Asked once."""
    if pairing.goals_review_at is None or pairing.goals_asked_at is not None:
        return False
    return slot >= pairing.goals_review_at - timedelta(weeks=cadence) / 2


class Planner:
    def __init__(self, sessions: sessionmaker[Session], owners: Owners):
        self.sessions = sessions
        self.owners = owners

    def plan(self, now: datetime) -> PlanReport:
        report = PlanReport()
        self._schedule_new(now, report)
        self._all_checkins_due(now, report)
        self._reminders_due(now, report)
        self._programs_ended(now, report)
        return report

    def _all_checkins_due(self, now: datetime, report: PlanReport) -> None:
        """Plans every due pair, a batch per transaction, until none is left.

        On PostgreSQL, WORKERS threads take batches side by side, kept apart by SKIP LOCKED as replicas
        are: while one waits on the database, another builds its batch's messages. A batch the database
        undid to break a lock cycle is planned again, and counts only once it commits.
        """
        workers = WORKERS if self.sessions.kw["bind"].dialect.name == "postgresql" else 1
        encoded = PeriodMessages()  # shared: a shape learned by one worker serves all
        counted = threading.Lock()

        @retry_on_conflict
        def plan_batch() -> tuple[int, PlanReport]:
            batch = PlanReport()
            return self._checkins_due(now, batch, encoded), batch

        def work() -> None:
            while True:
                taken, batch = plan_batch()
                with counted:
                    report.add(batch)
                if taken < BATCH:
                    return

        # A week that fits in one batch is planned in one, in the same order every time.
        if workers == 1 or self._due_count(now) <= BATCH:
            work()
            return
        with ThreadPoolExecutor(workers, thread_name_prefix="planner") as pool:
            for done in [pool.submit(work) for _ in range(workers)]:
                done.result()

    def _due_count(self, now: datetime) -> int:
        """How many pairs are due a check-in now, counted up to one more than a batch, from the planner's index."""
        with unit_of_work(self.sessions) as s:
            due = select(Pairing.id).where(Pairing.status == PairingStatus.ACTIVE, Pairing.next_checkin_at <= now)
            return s.scalar(select(func.count()).select_from(due.limit(BATCH + 1).subquery())) or 0

    @staticmethod
    def _lock(query, s: Session):  # type: ignore[no-untyped-def]
        if s.get_bind().dialect.name == "postgresql":
            return query.with_for_update(skip_locked=True, of=Pairing)
        return query

    def _schedule_new(self, now: datetime, report: PlanReport) -> None:
        with unit_of_work(self.sessions) as s:
            rows = s.execute(
                self._lock(
                    select(
                        Pairing.id,
                        Pairing.started_at,
                        Program.checkin_weekday,
                        Program.checkin_hour,
                        Program.length_weeks,
                        Program.timezone,
                        Program.starts_at,
                        Person.tz,
                    )
                    .join(Program, Program.id == Pairing.program_id)
                    .outerjoin(Person, (Person.team_id == Pairing.team_id) & (Person.user_id == Pairing.mentee_user_id))
                    .where(Pairing.status == PairingStatus.ACTIVE, Pairing.next_checkin_at.is_(None)),
                    s,
                )
            ).all()
            if not rows:
                return
            s.connection().execute(
                update(Pairing)
                .where(Pairing.id == bindparam("pairing"))
                .values(
                    checkin_weekday=bindparam("weekday"),
                    next_checkin_at=bindparam("slot"),
                    next_period=1,
                    ends_at=bindparam("ends"),
                    goals_review_at=bindparam("review"),
                ),
                [
                    {
                        "pairing": pairing_id,
                        "weekday": weekday,
                        **_rhythm(started_at, weekday, hour, length, cohort, tz, fallback),
                    }
                    for pairing_id, started_at, weekday, hour, length, fallback, cohort, tz in rows
                ],
            )
            report.scheduled += len(rows)

    def _checkins_due(self, now: datetime, report: PlanReport, encoded: PeriodMessages) -> int:
        """Plans the next batch of due pairs in one transaction; returns how many pairs it took."""
        with unit_of_work(self.sessions) as s:
            mentee, mentor = aliased(Person), aliased(Person)
            due = s.execute(
                self._lock(
                    select(*_PAIR_COLUMNS, mentee.tz, mentee.paused_until, mentor.paused_until)
                    .outerjoin(mentee, (mentee.team_id == Pairing.team_id) & (mentee.user_id == Pairing.mentee_user_id))
                    .outerjoin(mentor, (mentor.team_id == Pairing.team_id) & (mentor.user_id == Pairing.mentor_user_id))
                    .where(Pairing.status == PairingStatus.ACTIVE, Pairing.next_checkin_at <= now)
                    .order_by(Pairing.next_checkin_at, Pairing.id)
                    .limit(BATCH),
                    s,
                )
            ).all()
            if not due:
                return 0
            pairs = [(_Pair(*row[:-3]), *row[-3:]) for row in due]
            programs = {
                p.id: p for p in s.scalars(select(Program).where(Program.id.in_({row[0].program_id for row in pairs})))
            }
            moves: list[dict[str, Any]] = []
            due_now: list[_Due] = []
            calendar = _Calendar(now)
            for pairing, mentee_tz, mentee_paused, mentor_paused in pairs:
                program = programs[pairing.program_id]
                # A pair on its own cadence (every 2 weeks in a weekly program) spans several periods a check-in.
                cadence = cadence_of(cast(Pairing, pairing), program)
                step = max(cadence // program.cadence_weeks, 1)
                slot, skipped, following = calendar.due(pairing.next_checkin_at, program, mentee_tz, cadence)
                period = pairing.next_period + skipped * step
                moves.append({"id": pairing.id, "next_checkin_at": following, "next_period": period + step})
                # The final days are quiet, also for a tick that comes late (after downtime) into them.
                if pairing.ends_at is not None and max(slot, now) >= pairing.ends_at - QUIET_BEFORE_END:
                    continue
                if any(paused is not None and paused > slot for paused in (mentee_paused, mentor_paused)):
                    report.skipped_paused += 1
                    continue
                due_now.append(_Due(pairing, program, period, slot, step, _review_due(pairing, slot, cadence)))
            bulk.update_rows(s.connection(), Pairing, "id", moves)
            if due_now:
                periods = self._with_history(s, due_now)
                # A thousand check-ins superseded and written: the stats rollups sum them once.
                with rollups.batch(s.connection()):
                    self._write_periods(s, periods, now, encoded)
                report.checkins += len(periods)
            return len(due)

    @staticmethod
    def _with_history(s: Session, due_now: list[_Due]) -> list[_Period]:
        """What each pair's history decides for its new period: the trailing misses, the next prompt, and
        for a pair at its mid-point, the goals to look at again."""
        ids = [d.pairing.id for d in due_now]
        dialect = s.get_bind().dialect
        misses: dict[int, int] = {}
        met: set[int] = set()
        for pairing_id, trailing, last_met in s.execute(_met_and_misses(dialect, ids)):
            misses[pairing_id] = trailing
            if last_met is not None:
                met.add(pairing_id)
        wanted: dict[Audience, list[int]] = defaultdict(list)
        for d in due_now:
            wanted[_audience(d.period, d.step)].append(d.pairing.id)
        used = _prompts_used(s, wanted)
        reviewing = [d.pairing.id for d in due_now if d.review]
        goals: dict[int, str] = {}
        if reviewing:
            goals = dict(
                s.execute(
                    select(Pairing.id, MentoringRequest.goals)
                    .join(MentoringRequest, MentoringRequest.id == Pairing.request_id)
                    .where(bulk.among(dialect, Pairing.id, reviewing))
                ).all()
            )
        return [
            _Period(
                d.pairing,
                d.program,
                d.period,
                d.slot,
                misses.get(d.pairing.id, 0),
                prompts.pick(_audience(d.period, d.step), used[d.pairing.id], seed=d.pairing.id),
                d.pairing.id in met,
                goals.get(d.pairing.id) if d.review else None,
            )
            for d in due_now
        ]

    def _write_periods(self, s: Session, periods: list[_Period], now: datetime, encoded: PeriodMessages) -> None:
        """Supersedes the open check-ins, then writes the new check-ins, prompt uses and messages."""
        conn = s.connection()
        reviewed = [p.pairing.id for p in periods if p.goals is not None]
        if reviewed:
            conn.execute(
                update(Pairing).where(bulk.among(conn.dialect, Pairing.id, reviewed)).values(goals_asked_at=now)
            )
        conn.execute(
            update(CheckIn)
            .where(
                bulk.among(conn.dialect, CheckIn.pairing_id, [p.pairing.id for p in periods]),
                CheckIn.status == CheckInStatus.OPEN,
            )
            .values(status=CheckInStatus.SUPERSEDED, remind_at=None)
        )
        # Messages carry the new rows' ids: RETURNING hands them back with their pair, in any order.
        checkin_ids: dict[int, int] = dict(
            bulk.insert_rows(
                conn,
                CheckIn,
                [
                    dict(
                        team_id=p.pairing.team_id,
                        pairing_id=p.pairing.id,
                        period=p.period,
                        due_at=p.slot,
                        status=CheckInStatus.OPEN,
                    )
                    for p in periods
                ],
                returning=("pairing_id", "id"),
            )
        )
        use_ids: dict[int, int] = dict(
            bulk.insert_rows(
                conn,
                PromptUse,
                [
                    dict(
                        team_id=p.pairing.team_id,
                        pairing_id=p.pairing.id,
                        audience=p.prompt.audience,
                        prompt_key=p.prompt.key,
                        period=p.period,
                        created_at=now,
                    )
                    for p in periods
                ],
                returning=("pairing_id", "id"),
            )
        )
        owners: dict[int, list[str]] = {}
        messages: list[dict[str, Any]] = []
        for p in periods:
            messages += self._period_messages(s, p, checkin_ids[p.pairing.id], use_ids[p.pairing.id], owners, encoded)
        outbox.enqueue_many(s, _with_shape_ids(conn, messages), now)

    def _period_messages(
        self,
        s: Session,
        p: _Period,
        checkin_id: int,
        use_id: int,
        owners: dict[int, list[str]],
        encoded: PeriodMessages,
    ) -> list[dict[str, Any]]:
        """Everything one pair gets for one period, as delivery rows. `owners` keeps each program's."""
        pairing, program, period, prompt = p.pairing, p.program, p.period, p.prompt
        reverse = program.kind == ProgramKind.REVERSE
        messages: list[dict[str, Any]] = []

        def send(key: str, kind: DeliveryKind, payload: Payload, target: str | None = None) -> None:
            messages.append(
                dict(team_id=pairing.team_id, key=key, kind=kind, payload=payload, target=target, pairing_id=pairing.id)
            )

        send(f"checkin:{pairing.id}:{period}", DeliveryKind.CHECKIN, encoded.checkin(pairing, checkin_id, period))
        if prompt.audience == Audience.MENTEE:
            send(
                f"prompt:{pairing.id}:mentee:{period}",
                DeliveryKind.PROMPT,
                encoded.mentee_prompt(pairing, prompt, use_id, reverse),
                target=pairing.mentee_user_id,
            )
        else:
            send(
                f"prompt:{pairing.id}:mentor:{period}",
                DeliveryKind.PROMPT,
                encoded.mentor_prompt(pairing, prompt, reverse),
                target=pairing.mentor_user_id,
            )
        if p.goals is not None:
            for user, build in (
                (pairing.mentee_user_id, practice_views.goals_review_for_mentee),
                (pairing.mentor_user_id, practice_views.goals_review_for_mentor),
            ):
                send(
                    f"goals-review:{pairing.id}:{user}",
                    DeliveryKind.GOALS_REVIEW,
                    encode(build(cast(Pairing, pairing), p.goals)),
                    target=user,
                )
        weeks = period * program.cadence_weeks
        every = program.relationship_every_weeks
        if every and weeks % every == 0:
            for user in (pairing.mentee_user_id, pairing.mentor_user_id):
                send(
                    f"relationship:{pairing.id}:{weeks // every}:{user}",
                    DeliveryKind.RELATIONSHIP_CHECK,
                    encoded.relationship_check(pairing, user, weeks // every),
                    target=user,
                )
        if p.met and program.feedback_every_weeks and weeks % program.feedback_every_weeks == 0:
            round_ = weeks // program.feedback_every_weeks
            for user in (pairing.mentee_user_id, pairing.mentor_user_id):
                send(
                    f"feedback-invite:{pairing.id}:{round_}:{user}",
                    DeliveryKind.FEEDBACK_INVITE,
                    encoded.feedback_invitation(pairing, user, weeks, round_),
                    target=user,
                )
        if p.misses == NUDGE_AFTER_MISSES:
            for user in (pairing.mentee_user_id, pairing.mentor_user_id):
                send(
                    f"nudge:{pairing.id}:{period}:{user}",
                    DeliveryKind.NUDGE,
                    encoded.stalled_nudge(pairing, user),
                    target=user,
                )
        elif p.misses == ALERT_AFTER_MISSES:
            if program.id not in owners:
                owners[program.id] = self.owners.recipients(s, program)
            if not owners[program.id]:
                log.error(
                    "pair %s has stalled but workspace %s has no program owner to alert; set MENTOR_PROGRAM_OWNERS",
                    pairing.id,
                    pairing.team_id,
                )
            for owner in owners[program.id]:
                send(
                    f"stalled:{pairing.id}:{period}:{owner}",
                    DeliveryKind.OWNER_ALERT,
                    encode(views.owner_stalled_alert(cast(Pairing, pairing), program)),
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
            messages: list[dict[str, Any]] = []
            for checkin, pairing in due:
                assert checkin.remind_at is not None
                messages.append(
                    dict(
                        team_id=checkin.team_id,
                        key=f"reminder:{checkin.id}:{int(checkin.remind_at.timestamp())}",
                        kind=DeliveryKind.CHECKIN_REMINDER,
                        payload=views.checkin_reminder(pairing, checkin.id),
                        target=None,
                        pairing_id=pairing.id,
                    )
                )
                checkin.remind_at = None
                report.reminders += 1
            outbox.enqueue_many(s, messages, now)

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
                goals = goals_of(s, pairing)
                # The mentee's own copy sets the goals they came with beside the ones they hold now.
                reflection = practice_views.goals_side_by_side(goals.original, goals.latest)
                for user in (pairing.mentee_user_id, pairing.mentor_user_id):
                    outbox.enqueue(
                        s,
                        team_id=pairing.team_id,
                        key=f"survey:{pairing.id}:{user}",
                        kind=DeliveryKind.CLOSING_SURVEY,
                        payload=views.closing_survey(pairing, user, program, reflection),
                        target=user,
                        pairing_id=pairing.id,
                        now=now,
                    )
                report.completed += 1
