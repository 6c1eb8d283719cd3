"""Match scoring: pure functions from a mentee's needs and mentors' offers to ranked, explained matches."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.people.vocabulary import normalize_topic

# Points each factor can add; a perfect match scores 100.
TOPIC_POINTS = 45.0
SENIORITY_POINTS = 20.0
CROSS_TEAM_POINTS = 15.0
TIMEZONE_POINTS = 12.0
CAPACITY_POINTS = 8.0
# Penalties when a stated preference is not met: such mentors are still possible, but come last.
UNMET_PREFERENCE_PENALTY = 20.0
MAX_REASONS = 4


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
    # Mentors already paired with this mentee, or who declined this request.
    excluded_user_ids: frozenset[str] = field(default_factory=frozenset)


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
        return "is the mentee"
    if offer.user_id in needs.excluded_user_ids:
        return "already paired with or declined this mentee"
    if offer.remaining <= 0:
        return "at capacity"
    if needs.manager_user_id and offer.user_id == needs.manager_user_id:
        return "is the mentee's manager"
    if reverse and not offer.open_to_reverse:
        return "not open to reverse mentoring"
    return None


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _topic_part(needs: MenteeNeeds, offer: MentorOffer) -> tuple[float, str | None]:
    wanted = {normalize_topic(t): t for t in needs.topics}
    if not wanted:
        return TOPIC_POINTS / 2, None
    offered = {normalize_topic(t) for t in offer.topics}
    covered = [label for key, label in wanted.items() if key in offered]
    if not covered:
        return 0.0, None
    share = len(covered) / len(wanted)
    if len(covered) == len(wanted):
        reason = "covers all your topics" if len(wanted) > 1 else f"covers your topic: {covered[0]}"
    else:
        reason = f"covers {len(covered)} of your {len(wanted)} topics ({', '.join(covered[:3])})"
    return TOPIC_POINTS * share, reason


def _seniority_part(needs: MenteeNeeds, offer: MentorOffer, reverse: bool) -> tuple[float, str | None]:
    if needs.level is None:
        return SENIORITY_POINTS / 2, None
    gap = offer.level - needs.level
    if reverse:
        # The mentor holds the skills and usually sits earlier in their career.
        if gap < 0:
            return SENIORITY_POINTS, "brings a newer generation's view of the tools"
        return (SENIORITY_POINTS * 0.4, "at your level") if gap == 0 else (0.0, None)
    if gap in (1, 2):
        return SENIORITY_POINTS, f"{_plural(gap, 'level')} more senior than you"
    if gap >= 3:
        return SENIORITY_POINTS * 0.75, f"{gap} levels more senior than you"
    score = SENIORITY_POINTS * 0.4 if gap == 0 else 0.0
    if needs.wants_more_senior:
        score -= UNMET_PREFERENCE_PENALTY
    return score, ("at your level" if gap == 0 and not needs.wants_more_senior else None)


def _cross_team_part(needs: MenteeNeeds, offer: MentorOffer) -> tuple[float, str | None]:
    if not needs.department or not offer.department:
        return CROSS_TEAM_POINTS / 3, None
    if normalize_topic(needs.department) != normalize_topic(offer.department):
        return CROSS_TEAM_POINTS, f"different department ({offer.department}): a view from across the organisation"
    penalty = UNMET_PREFERENCE_PENALTY if needs.wants_outside_team else 0.0
    return -penalty, None


def timezone_gap_hours(a: int, b: int) -> float:
    hours = abs(a - b) / 3600
    return min(hours, 24 - hours)


def _timezone_part(needs: MenteeNeeds, offer: MentorOffer) -> tuple[float, str | None]:
    if needs.tz_offset is None or offer.tz_offset is None:
        return TIMEZONE_POINTS / 2, None
    gap = timezone_gap_hours(needs.tz_offset, offer.tz_offset)
    if gap < 0.5:
        return TIMEZONE_POINTS, "same timezone"
    # Full points up to 2 h apart, nothing from 9 h apart (barely a shared working hour).
    share = 1.0 if gap <= 2 else max(0.0, (9 - gap) / 7)
    label = f"{gap:g} h timezone gap"
    return TIMEZONE_POINTS * share, (label if share > 0.5 else None)


def _capacity_part(offer: MentorOffer) -> tuple[float, str | None]:
    share = offer.remaining / offer.capacity
    return CAPACITY_POINTS * share, f"has room for {_plural(offer.remaining, 'more mentee')}"


def score(needs: MenteeNeeds, offer: MentorOffer, reverse: bool = False) -> Match:
    parts = [
        _topic_part(needs, offer),
        _seniority_part(needs, offer, reverse),
        _cross_team_part(needs, offer),
        _timezone_part(needs, offer),
        _capacity_part(offer),
    ]
    total = round(sum(points for points, _ in parts), 2)
    # Strongest reasons first, so the top few tell the story.
    explained = sorted((p for p in parts if p[1]), key=lambda p: -p[0])
    return Match(offer=offer, score=total, reasons=tuple(reason for _, reason in explained[:MAX_REASONS] if reason))


def rank(needs: MenteeNeeds, offers: Iterable[MentorOffer], reverse: bool = False) -> list[Match]:
    """Every eligible mentor, best first. Ties go to the less loaded mentor, then the earlier offer."""
    matches = [score(needs, o, reverse) for o in offers if exclusion(needs, o, reverse) is None]
    matches.sort(key=lambda m: (-m.score, m.offer.load, m.offer.profile_id))
    return matches
