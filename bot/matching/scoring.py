"""Match scoring: pure functions from a mentee's needs and mentors' offers to ranked, explained matches.

Topic fit dominates: a mentor who shares none of the mentee's topics is never proposed while an
eligible mentor covers at least one (`eligible`), and topic points outweigh every other factor
together. Only a mentee who asked for a broader match, because nobody covers any of their topics,
is proposed a mentor with no topic in common. The mentee's own words about their goals add a few
points (bot.matching.goals), never as many as one chosen topic is worth.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.matching import reasons as why
from bot.people.vocabulary import normalize_topic

# Points each factor can add; a perfect match scores 100. Topics alone outweigh all the rest.
TOPIC_POINTS = 55.0
SENIORITY_POINTS = 15.0
CROSS_TEAM_POINTS = 10.0
TIMEZONE_POINTS = 9.0
CAPACITY_POINTS = 3.0
GOALS_POINTS = 8.0
# Penalties when a stated preference is not met: such mentors are still possible, but come last.
UNMET_PREFERENCE_PENALTY = 20.0
# A goal text this similar to a mentor's profile is worth naming as a reason.
GOALS_REASON_FIT = 0.15
MAX_REASONS = 4

# Why a mentor may never be proposed for a mentee (`exclusion`), in an owner's words.
IS_MENTEE = "is the mentee"
ALREADY_ASKED = "already paired with or declined this mentee"
AT_CAPACITY = "at capacity"
IS_MANAGER = "is the mentee's manager"
NOT_REVERSE = "not open to reverse mentoring"


@dataclass(frozen=True)
class MenteeNeeds:
    user_id: str
    topics: tuple[str, ...]
    level: int | None = None
    department: str | None = None
    tz_offset: int | None = None
    wants_outside_team: bool = False
    wants_more_senior: bool = False
    manager_user_id: str | None = None
    # Mentors already paired with this mentee, asked for this request, or passed over from a list they chose from.
    excluded_user_ids: frozenset[str] = field(default_factory=frozenset)
    goals: str = ""
    # The mentee accepted a mentor outside their topics, since nobody covers any of them.
    broader: bool = False


@dataclass(frozen=True)
class MentorOffer:
    profile_id: int
    user_id: str
    topics: tuple[str, ...]
    level: int
    capacity: int
    load: int
    department: str | None = None
    tz_offset: int | None = None
    open_to_reverse: bool = False
    bio: str | None = None

    @property
    def remaining(self) -> int:
        return self.capacity - self.load


@dataclass(frozen=True)
class Match:
    offer: MentorOffer
    score: float
    reasons: tuple[str, ...]


def exclusion(needs: MenteeNeeds, offer: MentorOffer, reverse: bool = False) -> str | None:
    """Why this mentor must never be proposed for this mentee, or None when they may be."""
    if offer.user_id == needs.user_id:
        return IS_MENTEE
    if offer.user_id in needs.excluded_user_ids:
        return ALREADY_ASKED
    if offer.remaining <= 0:
        return AT_CAPACITY
    if needs.manager_user_id and offer.user_id == needs.manager_user_id:
        return IS_MANAGER
    if reverse and not offer.open_to_reverse:
        return NOT_REVERSE
    return None


def wanted_topics(needs: MenteeNeeds) -> dict[str, str]:
    """The mentee's topics, normalised, each with the label they chose."""
    return {normalize_topic(t): t for t in needs.topics}


def covers_any(needs: MenteeNeeds, offer: MentorOffer) -> bool:
    offered = {normalize_topic(t) for t in offer.topics}
    return any(key in offered for key in wanted_topics(needs))


def eligible(needs: MenteeNeeds, offers: Iterable[MentorOffer], reverse: bool = False) -> list[MentorOffer]:
    """The mentors who may be proposed: none excluded, and none without a topic in common while
    another covers one. With nobody covering any, a mentee who asked for a broader match may have
    anyone; one who did not gets nobody, and chooses."""
    open_offers = [o for o in offers if exclusion(needs, o, reverse) is None]
    if not needs.topics:
        return open_offers
    covering = [o for o in open_offers if covers_any(needs, o)]
    return covering if covering or not needs.broader else open_offers


def nobody_covers(needs: MenteeNeeds, offers: Iterable[MentorOffer], reverse: bool = False) -> bool:
    """Mentors have room for this mentee, but none shares any of their topics: the mentee's choice to make."""
    open_offers = [o for o in offers if exclusion(needs, o, reverse) is None]
    return bool(needs.topics) and bool(open_offers) and not any(covers_any(needs, o) for o in open_offers)


def goal_weight(needs: MenteeNeeds) -> float:
    """What the goals text can add at most: half of what one chosen topic is worth, and never over GOALS_POINTS."""
    wanted = len(wanted_topics(needs))
    return GOALS_POINTS if not wanted else min(GOALS_POINTS, TOPIC_POINTS / wanted / 2)


Part = tuple[float, str | None]


def _topic_part(needs: MenteeNeeds, offer: MentorOffer) -> Part:
    wanted = wanted_topics(needs)
    if not wanted:
        return TOPIC_POINTS / 2, None
    offered = {normalize_topic(t) for t in offer.topics}
    covered = [label for key, label in wanted.items() if key in offered]
    if not covered:
        return 0.0, why.no_topics(list(wanted.values()))
    return TOPIC_POINTS * len(covered) / len(wanted), why.topics(len(wanted), covered)


def _seniority_part(needs: MenteeNeeds, offer: MentorOffer, reverse: bool) -> Part:
    if needs.level is None:
        return SENIORITY_POINTS / 2, None
    gap = offer.level - needs.level
    if reverse:
        # The mentor holds the skills and usually sits earlier in their career.
        if gap < 0:
            return SENIORITY_POINTS, why.level(gap, reverse)
        return (SENIORITY_POINTS * 0.4, why.level(0, reverse)) if gap == 0 else (0.0, None)
    if gap in (1, 2):
        return SENIORITY_POINTS, why.level(gap, reverse)
    if gap >= 3:
        return SENIORITY_POINTS * 0.75, why.level(gap, reverse)
    score = SENIORITY_POINTS * 0.4 if gap == 0 else 0.0
    if needs.wants_more_senior:
        score -= UNMET_PREFERENCE_PENALTY
    return score, (why.level(0, reverse) if gap == 0 and not needs.wants_more_senior else None)


def _cross_team_part(needs: MenteeNeeds, offer: MentorOffer) -> Part:
    if not needs.department or not offer.department:
        return CROSS_TEAM_POINTS / 3, None
    if normalize_topic(needs.department) != normalize_topic(offer.department):
        return CROSS_TEAM_POINTS, why.department(offer.department, needs.department)
    penalty = UNMET_PREFERENCE_PENALTY if needs.wants_outside_team else 0.0
    return -penalty, None


def timezone_gap_hours(a: int, b: int) -> float:
    hours = abs(a - b) / 3600
    return min(hours, 24 - hours)


def _timezone_part(needs: MenteeNeeds, offer: MentorOffer) -> Part:
    if needs.tz_offset is None or offer.tz_offset is None:
        return TIMEZONE_POINTS / 2, None
    gap = timezone_gap_hours(needs.tz_offset, offer.tz_offset)
    if gap < 0.5:
        return TIMEZONE_POINTS, why.timezone(0)
    # Full points up to 2 h apart, nothing from 9 h apart (barely a shared working hour).
    share = 1.0 if gap <= 2 else max(0.0, (9 - gap) / 7)
    return TIMEZONE_POINTS * share, (why.timezone(gap) if share > 0.5 else None)


def _capacity_part(offer: MentorOffer) -> Part:
    # Room left spreads mentees over mentors; it is no reason to give anyone, since it changes.
    return CAPACITY_POINTS * offer.remaining / offer.capacity, None


def _goals_part(needs: MenteeNeeds, fit: float) -> Part:
    return goal_weight(needs) * fit, (why.goals() if fit >= GOALS_REASON_FIT else None)


def score(needs: MenteeNeeds, offer: MentorOffer, reverse: bool = False, goal_fit: float = 0.0) -> Match:
    """The match's score out of 100 and its reasons, as facts (bot.matching.reasons), strongest first.

    goal_fit is the similarity (0 to 1) of the mentee's goals to the mentor's profile (bot.matching.goals).
    """
    topic = _topic_part(needs, offer)
    parts = [
        topic,
        _seniority_part(needs, offer, reverse),
        _cross_team_part(needs, offer),
        _timezone_part(needs, offer),
        _capacity_part(offer),
        _goals_part(needs, goal_fit),
    ]
    total = round(sum(points for points, _ in parts), 2)
    # Strongest reasons first, so the top few tell the story; a match outside every topic says so first.
    explained = sorted((p for p in parts if p[1]), key=lambda p: -p[0])
    if topic[0] == 0.0 and topic[1]:
        explained = [topic, *(p for p in explained if p is not topic)]
    return Match(offer=offer, score=total, reasons=tuple(reason for _, reason in explained[:MAX_REASONS] if reason))


def rank(
    needs: MenteeNeeds,
    offers: Sequence[MentorOffer],
    reverse: bool = False,
    goal_fit: Sequence[float] | None = None,
) -> list[Match]:
    """Every mentor who may be proposed (`eligible`), best first. Ties go to the less loaded mentor,
    then the earlier offer. goal_fit[j], when given, is the goals' similarity to offers[j]'s profile."""
    fit = {id(o): f for o, f in zip(offers, goal_fit, strict=True)} if goal_fit is not None else {}
    matches = [score(needs, o, reverse, fit.get(id(o), 0.0)) for o in eligible(needs, offers, reverse)]
    matches.sort(key=lambda m: (-m.score, m.offer.load, m.offer.profile_id))
    return matches
