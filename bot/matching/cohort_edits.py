"""An owner's edits to a draft cohort plan before it is published: remove a pair, swap two pairs' mentors,
or give a pair another mentor who still has a free place.

Every edit keeps the rules the match itself keeps: no excluded mentor (the mentee themself, a past or
declining mentor, their manager, a mentor closed to reverse mentoring), topics first, and no mentor
planned for more mentees than their free places. An edit that would break one is refused with the rule
it breaks, in words an owner can act on. Each edit records the plan's total score before and after it.

A preview names its plan's version (how many edits it has had): a click on an older preview, or a
second click of the same edit, changes nothing and is answered with the plan as it stands.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.blockkit.text import plural
from bot.matching import proposals
from bot.matching.cohorts import MOVE, REMOVE, SWAP, Preview, assignment, preview_of
from bot.matching.goals import GoalFit
from bot.matching.scoring import (
    ALREADY_ASKED,
    AT_CAPACITY,
    IS_MANAGER,
    IS_MENTEE,
    NOT_REVERSE,
    MenteeNeeds,
    MentorOffer,
    covers_any,
    eligible,
    exclusion,
    score,
)
from bot.programs.owners import Owners
from bot.storage.database import unit_of_work
from bot.storage.models import CohortPlan, MentoringRequest, Person, Program
from bot.storage.statuses import CohortPlanStatus, ProgramKind, RequestStatus

# Why a removed mentee is left out, as the preview tells the owner.
REMOVED_BY_OWNER = "taken out of this plan by an owner; their request keeps waiting"
# Options a swap form lists of each kind (Slack's limit for one option group).
MAX_CHOICES = 100


class EditResult(StrEnum):
    DONE = "done"
    REFUSED = "refused"  # the edit would break a rule (see `problem`)
    STALE = "stale"  # the plan changed since that preview: nothing done, here is the plan now
    PUBLISHED = "published"  # a published plan is never edited
    NOT_FOUND = "not_found"
    NOT_OWNER = "not_owner"


@dataclass(frozen=True)
class EditOutcome:
    result: EditResult
    program: Program | None = None
    preview: Preview | None = None  # the plan as it stands after this answer
    problem: str = ""  # REFUSED: which rule the edit would break


@dataclass(frozen=True)
class SwapChoices:
    """What a pair's mentor can be swapped with: other pairs, and mentors with a place the plan leaves free."""

    plan_id: int
    version: int
    index: int
    mentee_user_id: str
    mentor_user_id: str
    score: float
    pairs: list[tuple[str, str]]  # (value, label)
    mentors: list[tuple[str, str]]


@dataclass
class _Draft:
    """A locked draft plan, with what checking an edit of it needs."""

    plan: CohortPlan
    program: Program
    offers: list[MentorOffer]
    reverse: bool

    def offer(self, profile_id: int) -> MentorOffer | None:
        return next((o for o in self.offers if o.profile_id == profile_id), None)


def _names(s: Session, team_id: str, user_ids: list[str]) -> dict[str, str]:
    """Display names, for text a mention cannot appear in (form options and errors); the user id otherwise."""
    known = dict(
        s.execute(
            select(Person.user_id, Person.display_name).where(Person.team_id == team_id, Person.user_id.in_(user_ids))
        ).all()
    )
    return {u: known.get(u) or u for u in user_ids}


def broken_rule(
    needs: MenteeNeeds,
    offer: MentorOffer | None,
    offers: list[MentorOffer],
    reverse: bool,
    planned: int,
    mentor: str,
    mentee: str,
) -> str | None:
    """Why this mentor may not be planned for this mentee, with `planned` mentees in the plan, else None."""
    if offer is None:
        return f"{mentor} has no free place any more (their places filled up, or they stepped back)."
    why = exclusion(needs, offer, reverse)
    words = {
        IS_MENTEE: f"{mentor} can't mentor themselves.",
        ALREADY_ASKED: f"{mentor} has already mentored {mentee}, or was asked for this request and said no.",
        AT_CAPACITY: f"{mentor} has no free place left.",
        IS_MANAGER: f"{mentor} is {mentee}'s manager, and nobody is matched with their own manager.",
        NOT_REVERSE: f"{mentor} hasn't opted in to reverse mentoring.",
    }
    if why is not None:
        return words.get(why, f"{mentor} can't mentor {mentee} ({why}).")
    if offer not in eligible(needs, offers, reverse):
        open_offers = [o for o in offers if exclusion(needs, o, reverse) is None]
        if any(covers_any(needs, o) for o in open_offers):
            return (
                f"{mentor} shares none of {mentee}'s topics, and other mentors with room cover them: topics come first."
            )
        return f"{mentor} shares none of {mentee}'s topics, and {mentee} hasn't asked for a match outside them."
    if planned > offer.remaining:
        free = plural(offer.remaining, "place")
        return f"{mentor} would have {planned} mentees in this plan, more than the {free} they have free."
    return None


class CohortEdits:
    """Edits to draft cohort plans, for program owners only: each method checks the owner rule itself."""

    def __init__(self, sessions: sessionmaker[Session], owners: Owners):
        self.sessions = sessions
        self.owners = owners

    def current(self, team_id: str, user_id: str, plan_id: int, now: datetime) -> EditOutcome:
        """The plan as it stands, for an owner."""
        refused = self._refused(team_id, user_id, plan_id, now)
        if refused is not None:
            return refused
        with unit_of_work(self.sessions) as s:
            plan = s.get(CohortPlan, plan_id)
            assert plan is not None
            return EditOutcome(EditResult.DONE, s.get(Program, plan.program_id), preview_of(s, plan))

    def remove(self, team_id: str, user_id: str, plan_id: int, version: int, index: int, now: datetime) -> EditOutcome:
        """Takes a pair out of the plan: the mentee's request keeps waiting, and the mentor's place stays free."""
        refused = self._refused(team_id, user_id, plan_id, now)
        if refused is not None:
            return refused
        with unit_of_work(self.sessions) as s:
            draft = self._draft(s, plan_id, version, index)
            if isinstance(draft, EditOutcome):
                return draft
            plan = draft.plan
            gone = plan.assignments[index]
            after = round(plan.total_score - gone["score"], 2)
            plan.unmatched = [*plan.unmatched, {"request_id": gone["request_id"], "why": REMOVED_BY_OWNER}]
            self._record(plan, [a for i, a in enumerate(plan.assignments) if i != index], REMOVE, [gone], [], after)
            return EditOutcome(EditResult.DONE, draft.program, preview_of(s, plan))

    def swap(
        self, team_id: str, user_id: str, plan_id: int, version: int, index: int, target: str, now: datetime
    ) -> EditOutcome:
        """Swaps this pair's mentor with another pair's (`pair:K`), or gives the pair a mentor with a free
        place in the plan (`mentor:PROFILE_ID`), if every rule still holds for everyone it touches."""
        refused = self._refused(team_id, user_id, plan_id, now)
        if refused is not None:
            return refused
        kind, _, raw = target.partition(":")
        if kind not in ("pair", "mentor") or not raw.isascii() or not raw.isdigit():
            return EditOutcome(EditResult.NOT_FOUND)
        with unit_of_work(self.sessions) as s:
            draft = self._draft(s, plan_id, version, index)
            if isinstance(draft, EditOutcome):
                return draft
            if kind == "pair":
                return self._swap_pairs(s, draft, index, int(raw))
            return self._move(s, draft, index, int(raw))

    def swap_choices(
        self, team_id: str, user_id: str, plan_id: int, version: int, index: int, now: datetime
    ) -> SwapChoices | EditOutcome:
        """What the swap form offers for this pair."""
        refused = self._refused(team_id, user_id, plan_id, now)
        if refused is not None:
            return refused
        with unit_of_work(self.sessions) as s:
            draft = self._draft(s, plan_id, version, index)
            if isinstance(draft, EditOutcome):
                return draft
            plan, items = draft.plan, draft.plan.assignments
            mentees = dict(
                s.execute(
                    select(MentoringRequest.id, MentoringRequest.mentee_user_id).where(
                        MentoringRequest.id.in_([a["request_id"] for a in items])
                    )
                ).all()
            )
            planned = Counter(a["profile_id"] for a in items)
            free = [o for o in draft.offers if o.remaining > planned[o.profile_id]]
            users = [*mentees.values(), *(a["mentor_user_id"] for a in items), *(o.user_id for o in free)]
            names = _names(s, plan.team_id, users)
            pairs = [
                (f"pair:{k}", f"#{k + 1} {names[mentees[a['request_id']]]} ← {names[a['mentor_user_id']]}")
                for k, a in enumerate(items)
                if k != index and a["request_id"] in mentees
            ]
            mine = items[index]
            mentors = [
                (f"mentor:{o.profile_id}", f"{names[o.user_id]} ({o.remaining - planned[o.profile_id]} free)")
                for o in sorted(free, key=lambda o: (names[o.user_id].casefold(), o.profile_id))
                if o.profile_id != mine["profile_id"]
            ]
            return SwapChoices(
                plan.id,
                len(plan.edits),
                index,
                mentees.get(mine["request_id"], ""),
                mine["mentor_user_id"],
                mine["score"],
                pairs[:MAX_CHOICES],
                mentors[:MAX_CHOICES],
            )

    # --- the edits ---------------------------------------------------------------------------------

    def _swap_pairs(self, s: Session, draft: _Draft, index: int, other: int) -> EditOutcome:
        items = draft.plan.assignments
        if other == index or not 0 <= other < len(items):
            return EditOutcome(EditResult.NOT_FOUND, draft.program)
        first, second = items[index], items[other]
        if first["profile_id"] == second["profile_id"]:
            return self._refuse(draft, "Both pairs already have the same mentor, so swapping changes nothing.")
        planned = Counter(a["profile_id"] for a in items)
        rescored = self._rescore(s, draft, [(first, second["profile_id"]), (second, first["profile_id"])], planned)
        if isinstance(rescored, str):
            return self._refuse(draft, rescored)
        new_first, new_second = rescored
        after = round(
            draft.plan.total_score - first["score"] - second["score"] + new_first["score"] + new_second["score"], 2
        )
        changed = [new_first if i == index else new_second if i == other else a for i, a in enumerate(items)]
        self._record(draft.plan, changed, SWAP, [first, second], [], after)
        return EditOutcome(EditResult.DONE, draft.program, preview_of(s, draft.plan))

    def _move(self, s: Session, draft: _Draft, index: int, profile_id: int) -> EditOutcome:
        items = draft.plan.assignments
        mine = items[index]
        if profile_id == mine["profile_id"]:
            return self._refuse(draft, "That mentor is already this pair's mentor.")
        planned = Counter(a["profile_id"] for a in items)
        planned[profile_id] += 1
        rescored = self._rescore(s, draft, [(mine, profile_id)], planned)
        if isinstance(rescored, str):
            return self._refuse(draft, rescored)
        [moved] = rescored
        after = round(draft.plan.total_score - mine["score"] + moved["score"], 2)
        changed = [moved if i == index else a for i, a in enumerate(items)]
        self._record(draft.plan, changed, MOVE, [mine], [profile_id], after)
        return EditOutcome(EditResult.DONE, draft.program, preview_of(s, draft.plan))

    def _rescore(
        self, s: Session, draft: _Draft, moves: list[tuple[dict[str, Any], int]], planned: Counter[int]
    ) -> list[dict[str, Any]] | str:
        """Each planned pair with its new mentor, scored as the match scores it; or the first rule broken."""
        requests = {
            r.id: r
            for r in s.scalars(
                select(MentoringRequest).where(MentoringRequest.id.in_([item["request_id"] for item, _ in moves]))
            )
        }
        offers = {o.profile_id: o for o in draft.offers}
        users = [r.mentee_user_id for r in requests.values()]
        users += [offers[p].user_id for _, p in moves if p in offers]
        names = _names(s, draft.plan.team_id, users)
        ordered = [requests[item["request_id"]] for item, _ in moves if item["request_id"] in requests]
        if len(ordered) != len(moves):
            return "A request in this pair no longer exists."
        needs = proposals.needs_for_many(s, ordered)
        for request in ordered:
            if request.status != RequestStatus.WAITING:
                who = names[request.mentee_user_id]
                return f"{who}'s request is no longer waiting: it was withdrawn or matched meanwhile."
        # The goals' fit is read against the same mentors the cohort match scored, so scores stay comparable.
        scored = [o for o in draft.offers if o.open_to_reverse or not draft.reverse]
        fit = GoalFit(needs, scored)
        result = []
        for i, (request, (item, profile_id)) in enumerate(zip(ordered, moves, strict=True)):
            offer = offers.get(profile_id)
            mentor = names.get(offer.user_id, "That mentor") if offer else "That mentor"
            problem = broken_rule(
                needs[i], offer, draft.offers, draft.reverse, planned[profile_id], mentor, names[request.mentee_user_id]
            )
            if problem is not None or offer is None:
                return problem or "That mentor can't be planned."
            goal = fit.pairs([i], [scored.index(offer)])[0] if offer in scored else 0.0
            match = score(needs[i], offer, draft.reverse, goal)
            result.append(
                assignment(item["request_id"], offer.profile_id, offer.user_id, match.score, list(match.reasons))
            )
        return result

    # --- checks and records ------------------------------------------------------------------------

    def _refused(self, team_id: str, user_id: str, plan_id: int, now: datetime) -> EditOutcome | None:
        """NOT_FOUND or NOT_OWNER, checked before any write (the owner rule may ask Slack who is an admin)."""
        with unit_of_work(self.sessions) as s:
            plan = s.scalar(select(CohortPlan).where(CohortPlan.id == plan_id, CohortPlan.team_id == team_id))
            program = s.get(Program, plan.program_id) if plan is not None else None
        if plan is None or program is None:
            return EditOutcome(EditResult.NOT_FOUND)
        if not self.owners.may_run(team_id, user_id, program, now):
            return EditOutcome(EditResult.NOT_OWNER, program)
        return None

    @staticmethod
    def _draft(s: Session, plan_id: int, version: int, index: int) -> _Draft | EditOutcome:
        """The plan, locked, if this edit of that version may go ahead; else the outcome to answer with."""
        plan = s.scalars(
            select(CohortPlan)
            .where(CohortPlan.id == plan_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one()
        program = s.get(Program, plan.program_id)
        assert program is not None
        if plan.status != CohortPlanStatus.DRAFT:
            return EditOutcome(EditResult.PUBLISHED, program, preview_of(s, plan))
        if version != len(plan.edits):
            return EditOutcome(EditResult.STALE, program, preview_of(s, plan))
        if not 0 <= index < len(plan.assignments):
            return EditOutcome(EditResult.NOT_FOUND, program, preview_of(s, plan))
        return _Draft(plan, program, proposals.load_offers(s, program), program.kind == ProgramKind.REVERSE)

    @staticmethod
    def _refuse(draft: _Draft, problem: str) -> EditOutcome:
        return EditOutcome(EditResult.REFUSED, draft.program, problem=problem)

    @staticmethod
    def _record(
        plan: CohortPlan,
        assignments: list[dict[str, Any]],
        kind: str,
        touched: list[dict[str, Any]],
        new_profiles: list[int],
        after: float,
    ) -> None:
        """Stores the edited plan and the edit: the requests and mentors it touched, and the total before and after."""
        plan.edits = [
            *plan.edits,
            {
                "kind": kind,
                "requests": [a["request_id"] for a in touched],
                "profiles": [a["profile_id"] for a in touched] + new_profiles,
                "before": plan.total_score,
                "after": after,
            },
        ]
        plan.assignments = assignments
        plan.total_score = after
