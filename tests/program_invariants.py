"""What must hold at every moment of a mentoring program, read from the database and from what Slack got.

`Invariants.check(step)` reads the whole state once and records each broken rule under its name, with
the step it was seen at, so a simulation can report every violation of a run rather than the first.
The rules hold in both ways of matching: the mentor is asked, or the mentee chooses from a list.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import select

from bot.matching.choice_lists import SHOWN
from bot.matching.choice_view import CHOOSE_ACTION, PASS_ACTION
from bot.matching.proposals import chose_broader
from bot.matching.scoring import normalize_topic
from bot.pairing.planner import QUIET_BEFORE_END
from bot.storage.database import unit_of_work
from bot.storage.models import (
    CheckIn,
    Delivery,
    MentorChoice,
    MentoringRequest,
    MentorProfile,
    Pairing,
    Person,
    Program,
    Proposal,
    RelationshipAnswer,
)
from bot.storage.statuses import (
    CheckInAnswer,
    ChoiceStatus,
    Chooser,
    DeliveryKind,
    PairingStatus,
    ProposalStatus,
    Relationship,
    RequestStatus,
)
from tests.conftest import RunningBot
from tests.fakeslack import DEFAULT_TEAM

# The last days of a pairing in which nothing new but the end itself reaches the pair (no check-in,
# prompt, feedback invitation, goals review or relationship check, and nothing the bot sends on its own
# initiative: an encouragement nudge, a re-start plan, a new rhythm), so that the closing survey is the
# last word: the planner's window.
FINAL_WINDOW = QUIET_BEFORE_END
WINDOW_KINDS = (
    DeliveryKind.CHECKIN,
    DeliveryKind.PROMPT,
    DeliveryKind.FEEDBACK_INVITE,
    DeliveryKind.GOALS_REVIEW,
    DeliveryKind.RELATIONSHIP_CHECK,
    DeliveryKind.CONFIDENCE_SUPPORT,
    DeliveryKind.RELATIONSHIP_FOLLOW_UP,
    DeliveryKind.RHYTHM_NOTE,
)
# What the pair's practices send, each to one person of the pair by DM, never to the group DM or anyone else.
PRIVATE_KINDS = (
    DeliveryKind.GOALS_REVIEW,
    DeliveryKind.GOALS_SUGGESTION,
    DeliveryKind.CONFIDENCE_SUPPORT,
    DeliveryKind.RELATIONSHIP_CHECK,
    DeliveryKind.RELATIONSHIP_FOLLOW_UP,
    DeliveryKind.RHYTHM_NOTE,
)
# Notes that tell a mentee why their request waits, by the last part of their key.
WAITING_NOTES = ("waiting", "no-cover", "broader", "cohort")

NAMES = (
    "ended_pair_silence",  # nothing reaches a pair after it ended but its survey (completed pairs)
    "capacity",  # active pairings + pending proposals <= capacity, and the profile's load says so
    "topic_first",  # no zero-topic proposal while a covering mentor has room, unless asked broader
    "waiting_told",  # every waiting mentee was told why they wait (where mentees choose: or what became of a pick)
    "buttons_answer",  # a click on any button the bot sent is answered 200, with no ERROR logged
    "no_error_log",  # the whole run logs no ERROR and no traceback
    "no_checkin_after_end",  # no check-in, prompt or feedback invitation at or after a pairing's end
    "final_window",  # none of those in the FINAL_WINDOW before the end either
    "feedback_after_meeting",  # feedback invitations only to pairs that met at least once
    "new_mentor_is_new",  # a rematch never proposes the mentor the mentee asked to leave
    # The practices speak to one person of the pair at a time: a nudge to encourage goes to the mentor, a
    # suggestion about the goals to the mentee, a disagreement's guide to whoever said so, and nothing of
    # them to the group DM or anyone outside the pair.
    "practices_private",
    # Where mentees choose: a list names only mentors who may be asked for that request (not the mentee,
    # their manager, a mentor they had, nor one asked or passed over for it), each with a free place when
    # it was sent, at most three and each once.
    "list_fits",
    "choosing_has_list",  # a choosing request has exactly one open list, and its message went to the mentee
    # A list goes to its mentee alone, in one message, and a mentee never holds two open lists for one request.
    "one_open_list",
    # A proposed request has exactly one pending proposal, queued to the mentor, and no other request holds
    # one; where mentees choose, one whose pick fell through (declined, expired, the mentor left or filled up)
    # hears of it at once, in a fresh list or a note. With waiting_told and choosing_has_list: every open
    # request is in the hands of someone who can act, and nobody waits on a pick that is gone.
    "nobody_stranded",
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
    _last_choice: int = 0
    _fallen_seen: set[int] = field(default_factory=set)
    # For each list of mentors, the messages that carry its buttons: (delivery id, to whom).
    _list_messages: dict[int, list[tuple[int, str | None]]] = field(default_factory=lambda: defaultdict(list))
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
            choices = list(s.scalars(select(MentorChoice).order_by(MentorChoice.id)))
            # Read only when a rule needs them too: the lists new notes carry, who manages whom, and which
            # programs let mentees choose.
            notes = [d.id for d in new if d.kind == DeliveryKind.MENTEE_NOTE]
            if notes:
                for delivery_id, target, payload in s.execute(
                    select(Delivery.id, Delivery.target, Delivery.payload).where(Delivery.id.in_(notes))
                ):
                    for choice_id in _lists_in(payload):
                        self._list_messages[choice_id].append((delivery_id, target))
            managers: dict[str, str] = {}
            if any(c.id > self._last_choice for c in choices):
                managers = {
                    user: manager
                    for user, manager in s.execute(
                        select(Person.user_id, Person.manager_user_id).where(Person.manager_user_id.is_not(None))
                    )
                    if manager
                }
            choosing: set[int] = set()
            if any(c.picked_profile_id is not None and c.id not in self._fallen_seen for c in choices):
                choosing = set(s.scalars(select(Program.id).where(Program.who_chooses == Chooser.MENTEE)))
        if new:
            self._last_delivery = new[-1].id
            self._keys.update(d.key for d in new)
        self._ended(step, pairings, new)
        self._capacity(step, profiles, pairings, proposals)
        self._rematches(step, proposals, requests, pairings)
        self._lists(step, choices, requests, pairings, proposals, profiles, managers)
        self._topics(step, proposals, requests, pairings, broader, profiles)
        self._waiting(step, requests, pairings, choices)
        self._choosing(step, requests, choices)
        self._stranded(step, requests, proposals)
        self._fallen(step, requests, proposals, choices, choosing)
        self._rhythm(step, pairings, new, met_at)
        self._private(step, pairings, new)
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
        before = self._profiles or _snapshot(profiles)
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
        self._profiles = _snapshot(profiles)

    def _waiting(
        self, step: str, requests: dict[int, MentoringRequest], pairings: list[Pairing], choices: list[MentorChoice]
    ) -> None:
        keys = self._keys
        by_request = {p.request_id: p for p in pairings}
        lists: dict[int, list[int]] = defaultdict(list)
        for c in choices:
            lists[c.request_id].append(c.id)
        for r in requests.values():
            if r.status != RequestStatus.WAITING:
                continue
            if any(f"request:{r.id}:{note}" in keys for note in WAITING_NOTES):
                continue
            # Where mentees choose: the news of the mentor they picked, when nobody else could be listed.
            if any(f"choice:{choice_id}:news" in keys for choice_id in lists[r.id]):
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

    def _private(self, step: str, pairings: list[Pairing], new: list[_Sent]) -> None:
        by_id = {p.id: p for p in pairings}
        sent = [d for d in new if d.kind in PRIVATE_KINDS]
        disagreed: set[tuple[int, int, str]] = set()
        if any(d.key.startswith("disagree:") for d in sent):
            with unit_of_work(self.bot.rt.sessions) as s:
                disagreed = {
                    (pairing_id, round_, user)
                    for pairing_id, round_, user in s.execute(
                        select(
                            RelationshipAnswer.pairing_id, RelationshipAnswer.round, RelationshipAnswer.user_id
                        ).where(RelationshipAnswer.answer == Relationship.DISAGREE)
                    )
                }
        for d in sent:
            p = by_id.get(d.pairing_id or 0)
            if p is None:
                self.record("practices_private", step, f"{d.kind} {d.key!r} belongs to no pair")
                continue
            allowed = {p.mentee_user_id, p.mentor_user_id}
            if d.kind == DeliveryKind.CONFIDENCE_SUPPORT:
                allowed = {p.mentor_user_id}
            elif d.kind == DeliveryKind.GOALS_SUGGESTION:
                allowed = {p.mentee_user_id}
            elif d.key.startswith("disagree:"):
                _, pairing_id, round_, user = d.key.split(":")
                allowed = {user} if (int(pairing_id), int(round_), user) in disagreed else set()
            if d.target not in allowed:
                self.record(
                    "practices_private",
                    step,
                    f"{d.kind} {d.key!r} went to {d.target or 'the group DM'}, not to {sorted(allowed)}",
                )

    # --- where mentees choose ------------------------------------------------------------------

    def _lists(
        self,
        step: str,
        choices: list[MentorChoice],
        requests: dict[int, MentoringRequest],
        pairings: list[Pairing],
        proposals: list[Proposal],
        profiles: list[MentorProfile],
        managers: dict[str, str],
    ) -> None:
        """Each list once, at the step it was sent: who it names, judged by what was known when it was sent."""
        by_id = {p.id: p for p in profiles}
        # A list takes no place, so within the step that sent it a mentor's room moved only by what else the
        # step did: a mentor free at its start or at its end is taken to have had room when the list went out.
        free = {m["id"] for m in self._profiles if m["active"] and m["room"] > 0}
        free |= {p.id for p in profiles if p.active and p.load < p.capacity}
        for c in choices:
            if c.id <= self._last_choice:
                continue
            r = requests[c.request_id]
            excluded = {r.mentee_user_id: "the mentee themself"}
            if r.mentee_user_id in managers:
                excluded[managers[r.mentee_user_id]] = "their manager"
            for p in pairings:
                if p.mentee_user_id == r.mentee_user_id and p.started_at <= c.created_at:
                    excluded[p.mentor_user_id] = f"their mentor in pairing {p.id}"
            for q in proposals:
                if q.request_id == r.id and q.created_at <= c.created_at:
                    excluded[q.mentor_user_id] = f"asked for it before ({q.status})"
            for passed in choices:
                if passed.request_id == r.id and passed.id < c.id and passed.status == ChoiceStatus.PASSED:
                    for i in passed.profile_ids:
                        if int(i) in by_id:
                            excluded[by_id[int(i)].user_id] = f"passed over on list {passed.id}"
            named = [int(i) for i in c.profile_ids]
            if not 0 < len(named) <= SHOWN or len(set(named)) != len(named):
                self.record("list_fits", step, f"list {c.id} for request {r.id} names profiles {named}")
            for i in named:
                mentor = by_id[i].user_id if i in by_id else f"profile {i}"
                if mentor in excluded:
                    self.record("list_fits", step, f"list {c.id} for request {r.id} names {mentor}: {excluded[mentor]}")
                if i not in free:
                    self.record(
                        "list_fits", step, f"list {c.id} for request {r.id} names {mentor}, who had no free place"
                    )
        self._last_choice = max([c.id for c in choices], default=self._last_choice)

    def _choosing(self, step: str, requests: dict[int, MentoringRequest], choices: list[MentorChoice]) -> None:
        open_lists: dict[int, list[int]] = defaultdict(list)
        for c in choices:
            if c.status == ChoiceStatus.OPEN:
                open_lists[c.request_id].append(c.id)
        of_list = {c.id: requests[c.request_id] for c in choices}
        for r in requests.values():
            mine = open_lists[r.id]
            if r.status == RequestStatus.CHOOSING and len(mine) != 1:
                self.record(
                    "choosing_has_list",
                    step,
                    f"request {r.id} of {r.mentee_user_id} is choosing with {len(mine)} open lists {mine}",
                )
            for choice_id in mine if r.status == RequestStatus.CHOOSING else []:
                if not any(target == r.mentee_user_id for _, target in self._list_messages[choice_id]):
                    self.record(
                        "choosing_has_list", step, f"open list {choice_id} was never queued to {r.mentee_user_id}"
                    )
            answerable = [d for choice_id in mine for d, _ in self._list_messages[choice_id]]
            if len(mine) > 1 or len(answerable) > 1:
                self.record(
                    "one_open_list",
                    step,
                    f"request {r.id} of {r.mentee_user_id} has open lists {mine} in messages {answerable}",
                )
        for choice_id, sent in self._list_messages.items():
            mentee = of_list[choice_id].mentee_user_id if choice_id in of_list else None
            for delivery_id, target in sent:
                if target != mentee:
                    self.record(
                        "one_open_list",
                        step,
                        f"list {choice_id} for {mentee} went to {target} (delivery {delivery_id})",
                    )

    def _stranded(self, step: str, requests: dict[int, MentoringRequest], proposals: list[Proposal]) -> None:
        pending: dict[int, list[Proposal]] = defaultdict(list)
        for q in proposals:
            if q.status == ProposalStatus.PENDING:
                pending[q.request_id].append(q)
        for r in requests.values():
            held = pending[r.id]
            if r.status == RequestStatus.PROPOSED and len(held) != 1:
                self.record(
                    "nobody_stranded",
                    step,
                    f"request {r.id} of {r.mentee_user_id} is proposed with {len(held)} pending proposals",
                )
            elif r.status != RequestStatus.PROPOSED and held:
                self.record(
                    "nobody_stranded",
                    step,
                    f"request {r.id} is {r.status}, yet {[q.mentor_user_id for q in held]} hold a place for it",
                )
            for q in held:
                if f"proposal:{q.id}" not in self._keys:
                    self.record("nobody_stranded", step, f"proposal {q.id} was never queued to {q.mentor_user_id}")

    def _fallen(
        self,
        step: str,
        requests: dict[int, MentoringRequest],
        proposals: list[Proposal],
        choices: list[MentorChoice],
        choosing: set[int],
    ) -> None:
        """Each pick that fell through, once, at the step it did, in a program where mentees choose then."""
        answers = {(q.request_id, q.mentor_profile_id): q.status for q in proposals}
        latest = {c.request_id: c.id for c in choices}
        for c in choices:
            if c.id in self._fallen_seen or c.picked_profile_id is None:
                continue
            answer = answers.get((c.request_id, c.picked_profile_id))
            if c.status == ChoiceStatus.PICKED and answer in (None, ProposalStatus.PENDING):
                continue
            self._fallen_seen.add(c.id)
            if c.status == ChoiceStatus.PICKED and answer == ProposalStatus.ACCEPTED:
                continue
            r = requests[c.request_id]
            if r.program_id not in choosing or r.status == RequestStatus.WITHDRAWN:
                continue  # where the mentor is asked, a mentee hears of no decline; one who left hears nothing
            if latest[r.id] == c.id and f"choice:{c.id}:news" not in self._keys:
                what = "came too late" if c.status == ChoiceStatus.REPLACED else f"was {answer}"
                self.record(
                    "nobody_stranded",
                    step,
                    f"{r.mentee_user_id}'s pick from list {c.id} {what}, and nobody told them (request {r.status})",
                )


def _snapshot(profiles: list[MentorProfile]) -> list[dict[str, Any]]:
    """What the rules remember of mentors' places from one check to the next."""
    return [
        dict(id=p.id, user_id=p.user_id, topics=p.topics, room=p.capacity - p.load, active=p.active) for p in profiles
    ]


def _lists_in(payload: dict[str, Any]) -> set[int]:
    """The lists of mentors whose buttons a message carries (Choose, None of these)."""
    found = set()
    for block in payload.get("blocks") or []:
        for element in [*block.get("elements", []), block.get("accessory") or {}]:
            if element.get("action_id") in (CHOOSE_ACTION, PASS_ACTION):
                found.add(int(str(element.get("value")).split(":")[0]))
    return found
