"""What must hold at every moment of a mentoring program, read from the database and from what Slack got.

`Invariants.check(step)` reads the whole state once and records each broken rule under its name, with
the step it was seen at, so a simulation can report every violation of a run rather than the first.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import select

from bot.matching.proposals import chose_broader
from bot.matching.scoring import normalize_topic
from bot.pairing.planner import QUIET_BEFORE_END
from bot.storage.database import unit_of_work
from bot.storage.models import CheckIn, Delivery, MentoringRequest, MentorProfile, Pairing, Proposal
from bot.storage.statuses import (
    CheckInAnswer,
    DeliveryKind,
    PairingStatus,
    ProposalStatus,
    RequestStatus,
)
from tests.conftest import RunningBot
from tests.fakeslack import DEFAULT_TEAM

# The last days of a pairing in which nothing new but the end itself reaches the pair (no check-in,
# prompt or feedback invitation), so that the closing survey is the last word: the planner's window.
FINAL_WINDOW = QUIET_BEFORE_END
WINDOW_KINDS = (DeliveryKind.CHECKIN, DeliveryKind.PROMPT, DeliveryKind.FEEDBACK_INVITE)
# Notes that tell a mentee why their request waits, by the last part of their key.
WAITING_NOTES = ("waiting", "no-cover", "broader", "cohort")

NAMES = (
    "ended_pair_silence",  # nothing reaches a pair after it ended but its survey (completed pairs)
    "capacity",  # active pairings + pending proposals <= capacity, and the profile's load says so
    "topic_first",  # no zero-topic proposal while a covering mentor has room, unless asked broader
    "waiting_told",  # every waiting mentee is proposed or was told why they wait
    "buttons_answer",  # a click on any button the bot sent is answered 200, with no ERROR logged
    "no_error_log",  # the whole run logs no ERROR and no traceback
    "no_checkin_after_end",  # no check-in, prompt or feedback invitation at or after a pairing's end
    "final_window",  # none of those in the FINAL_WINDOW before the end either
    "feedback_after_meeting",  # feedback invitations only to pairs that met at least once
    "new_mentor_is_new",  # a rematch never proposes the mentor the mentee asked to leave
)


class _Sent(NamedTuple):
    """The columns of a delivery the rules read (never its payload)."""

    id: int
    key: str
    kind: DeliveryKind
    target: str | None
    pairing_id: int | None
    created_at: datetime


@dataclass
class Invariants:
    bot: RunningBot
    violations: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    # The pre-step view of mentors' places, for judging the proposals a step creates.
    _profiles: list[dict[str, Any]] = field(default_factory=list)
    _last_proposal: int = 0
    # The pairings seen ended at the previous check.
    _ended_before: set[int] = field(default_factory=set)
    _seen: set[tuple[str, str]] = field(default_factory=set)
    _last_delivery: int = 0
    _keys: set[str] = field(default_factory=set)
    _calls_seen: int = 0
    # People the run made unreachable: messages to them fail for good, as they should.
    gone: set[str] = field(default_factory=set)

    def record(self, name: str, step: str, what: str) -> None:
        if (name, what) not in self._seen:  # each violation once, at the step it first showed
            self._seen.add((name, what))
            self.violations[name].append(f"[{step}] {what}")

    def check(self, step: str, records: list[logging.LogRecord] | None = None) -> None:
        with unit_of_work(self.bot.rt.sessions) as s:
            pairings = list(s.scalars(select(Pairing).order_by(Pairing.id)))
            profiles = list(s.scalars(select(MentorProfile).order_by(MentorProfile.id)))
            proposals = list(s.scalars(select(Proposal).order_by(Proposal.id)))
            requests = {r.id: r for r in s.scalars(select(MentoringRequest))}
            # Deliveries are only ever added: each is judged once, when it first shows.
            new = [
                _Sent(*row)
                for row in s.execute(
                    select(*(getattr(Delivery, c) for c in _Sent._fields))
                    .where(Delivery.id > self._last_delivery)
                    .order_by(Delivery.id)
                )
            ]
            # Read only when a rule needs them: who met, and who asked to be matched broadly.
            met_at: dict[int, datetime] = {}
            if any(d.kind == DeliveryKind.FEEDBACK_INVITE for d in new):
                for pairing_id, answered_at in s.execute(
                    select(CheckIn.pairing_id, CheckIn.answered_at).where(CheckIn.answer == CheckInAnswer.MET)
                ):
                    if answered_at is not None:
                        met_at[pairing_id] = min(answered_at, met_at.get(pairing_id, answered_at))
            fresh = [q.request_id for q in proposals if q.id > self._last_proposal]
            broader = chose_broader(s, DEFAULT_TEAM, fresh)
        if new:
            self._last_delivery = new[-1].id
            self._keys.update(d.key for d in new)
        self._ended(step, pairings, new)
        self._capacity(step, profiles, pairings, proposals)
        self._rematches(step, proposals, requests, pairings)
        self._topics(step, proposals, requests, pairings, broader, profiles)
        self._waiting(step, requests, pairings)
        self._rhythm(step, pairings, new, met_at)
        for r in records or []:
            if (r.levelno >= logging.ERROR or r.exc_info) and not self.expected(r):
                self.record("no_error_log", step, f"{r.levelname} {r.name}: {r.getMessage()[:300]}")

    def expected(self, record: logging.LogRecord) -> bool:
        """A message that can never reach a person who is gone is logged as an error, and that is expected."""
        return bool(self.gone) and record.name == "bot.delivery.dispatcher" and "failed for good" in record.getMessage()

    # --- the rules -----------------------------------------------------------------------------

    def _ended(self, step: str, pairings: list[Pairing], new: list[_Sent]) -> None:
        ended = {p.id: p for p in pairings if p.status != PairingStatus.ACTIVE and p.ended_at is not None}
        for d in new:
            p = ended.get(d.pairing_id or 0)
            if p is None or p.ended_at is None or d.created_at <= p.ended_at:
                continue
            if d.kind == DeliveryKind.CLOSING_SURVEY and p.status == PairingStatus.COMPLETED:
                continue
            self.record(
                "ended_pair_silence",
                step,
                f"{d.kind} {d.key!r} created {d.created_at:%Y-%m-%d %H:%M} for pairing {p.id} "
                f"({p.status}, {p.end_reason}) ended {p.ended_at:%Y-%m-%d %H:%M}",
            )
        # What reached the group DM of a pair already seen ended at an earlier check.
        calls = self.bot.fake.calls[self._calls_seen :]
        self._calls_seen += len(calls)
        # A later pairing of the same two people shares the group DM, and may speak in it.
        later = {p.dm_channel_id for p in pairings if p.id not in ended or p.id not in self._ended_before}
        channels = {
            p.dm_channel_id: p.id
            for p in ended.values()
            if p.dm_channel_id and p.id in self._ended_before and p.dm_channel_id not in later
        }
        for c in calls:
            channel = c.args.get("channel")
            if c.method == "chat.postMessage" and channel in channels and "_ts" in c.args:
                self.record(
                    "ended_pair_silence",
                    step,
                    f"group DM of ended pairing {channels[channel]} got {str(c.args.get('text'))[:80]!r}",
                )
        self._ended_before = set(ended)

    def _capacity(
        self, step: str, profiles: list[MentorProfile], pairings: list[Pairing], proposals: list[Proposal]
    ) -> None:
        held: dict[int, int] = defaultdict(int)
        for p in pairings:
            if p.status == PairingStatus.ACTIVE:
                held[p.mentor_profile_id] += 1
        for q in proposals:
            if q.status == ProposalStatus.PENDING:
                held[q.mentor_profile_id] += 1
        for profile in profiles:
            if held[profile.id] > profile.capacity:
                self.record(
                    "capacity", step, f"{profile.user_id} holds {held[profile.id]} of {profile.capacity} places"
                )
            if held[profile.id] != profile.load:
                self.record(
                    "capacity", step, f"{profile.user_id} load {profile.load} but holds {held[profile.id]} places"
                )

    def _rematches(
        self, step: str, proposals: list[Proposal], requests: dict[int, MentoringRequest], pairings: list[Pairing]
    ) -> None:
        by_request = {p.request_id: p for p in pairings}
        for q in proposals:
            source = requests[q.request_id].source_key
            if q.id <= self._last_proposal or not source.startswith("again:"):
                continue
            previous = by_request.get(int(source.split(":")[1]))
            if previous is not None and previous.mentor_user_id == q.mentor_user_id:
                self.record(
                    "new_mentor_is_new",
                    step,
                    f"proposal {q.id} asks {q.mentor_user_id} again for {previous.mentee_user_id}, "
                    f"after pairing {previous.id} ({previous.status}, {previous.end_reason}, "
                    f"afterwards={previous.afterwards})",
                )

    def _topics(
        self,
        step: str,
        proposals: list[Proposal],
        requests: dict[int, MentoringRequest],
        pairings: list[Pairing],
        broader: set[int],
        profiles: list[MentorProfile],
    ) -> None:
        by_id = {p.id: p for p in profiles}
        before = self._profiles or [
            dict(user_id=p.user_id, topics=p.topics, room=p.capacity - p.load, active=p.active) for p in profiles
        ]
        for q in proposals:
            if q.id <= self._last_proposal:
                continue
            request = requests[q.request_id]
            wanted = {normalize_topic(t) for t in request.topics}
            mentor = by_id[q.mentor_profile_id]
            if not wanted or wanted & {normalize_topic(t) for t in mentor.topics} or request.id in broader:
                continue
            excluded = {request.mentee_user_id} | {
                p.mentor_user_id for p in pairings if p.mentee_user_id == request.mentee_user_id
            }
            excluded |= {x.mentor_user_id for x in proposals if x.request_id == request.id and x.id < q.id}
            covering = [
                m["user_id"]
                for m in before
                if m["active"]
                and m["room"] > 0
                and m["user_id"] not in excluded
                and wanted & {normalize_topic(t) for t in m["topics"]}
            ]
            if covering:
                self.record(
                    "topic_first",
                    step,
                    f"proposal {q.id}: {q.mentor_user_id} shares no topic with request {request.id} "
                    f"({request.topics}) while {covering} had room",
                )
        self._last_proposal = max([q.id for q in proposals], default=0)
        self._profiles = [
            dict(user_id=p.user_id, topics=p.topics, room=p.capacity - p.load, active=p.active) for p in profiles
        ]

    def _waiting(self, step: str, requests: dict[int, MentoringRequest], pairings: list[Pairing]) -> None:
        keys = self._keys
        by_request = {p.request_id: p for p in pairings}
        for r in requests.values():
            if r.status != RequestStatus.WAITING:
                continue
            if any(f"request:{r.id}:{note}" in keys for note in WAITING_NOTES):
                continue
            # A request put back for a mentee whose mentor left: the ending notice said what happens next.
            if r.source_key.startswith("again:"):
                previous = by_request.get(int(r.source_key.split(":")[1]))
                if previous is not None and f"ended:{previous.id}:{r.mentee_user_id}" in keys:
                    continue
            self.record("waiting_told", step, f"request {r.id} of {r.mentee_user_id} waits, and nobody said why")

    def _rhythm(self, step: str, pairings: list[Pairing], new: list[_Sent], met_at: dict[int, datetime]) -> None:
        by_id = {p.id: p for p in pairings}
        for d in new:
            p = by_id.get(d.pairing_id or 0)
            if p is None:
                continue
            if d.kind in WINDOW_KINDS and p.ends_at is not None:
                what = (
                    f"{d.kind} {d.key!r} at {d.created_at:%a %Y-%m-%d %H:%M}, "
                    f"pairing {p.id} ends {p.ends_at:%a %Y-%m-%d %H:%M}"
                )
                if d.created_at >= p.ends_at:
                    self.record("no_checkin_after_end", step, what)
                elif d.created_at > p.ends_at - FINAL_WINDOW:
                    self.record("final_window", step, what)
            if d.kind == DeliveryKind.FEEDBACK_INVITE:
                first_met = met_at.get(p.id)
                if first_met is None or first_met > d.created_at:
                    self.record(
                        "feedback_after_meeting",
                        step,
                        f"{d.key!r} at {d.created_at:%Y-%m-%d %H:%M}: pairing {p.id} had not met",
                    )
