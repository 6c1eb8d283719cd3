"""Cohort matching: the best global assignment of waiting mentees to mentors' free places.

Scores are the same as bot.matching.score, computed for every (mentee, mentor) pair at once with
numpy. The objective is lexicographic: match as many mentees as possible, then maximise the total
score; a mentee left unmatched counts as 0. Two solvers share it:

- `dense`: scipy's linear_sum_assignment over every mentor place; exact, but O(n·places) memory.
- `sparse`: each mentee's top-K mentors plus a private "unmatched" column, solved with
  scipy.sparse.csgraph.min_weight_full_bipartite_matching; near-exact at a fraction of the cost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from bot import matching as m
from bot.matching import MenteeNeeds, MentorOffer, normalize_topic

# Larger than any possible score difference: one more match always beats a better score.
MATCH_BONUS = 1000.0
DEFAULT_TOP_K = 12


@dataclass(frozen=True)
class Pick:
    mentee: int  # index into needs
    mentor: int  # index into offers
    score: float


@dataclass(frozen=True)
class Assignment:
    picks: list[Pick]
    unmatched: dict[int, str]  # mentee index -> why

    @property
    def total_score(self) -> float:
        return round(sum(p.score for p in self.picks), 2)


def _codes(values: Sequence[str | None], vocabulary: dict[str, int]) -> np.ndarray:
    return np.array([vocabulary.setdefault(normalize_topic(v), len(vocabulary)) if v else -1 for v in values])


def score_matrix(needs: Sequence[MenteeNeeds], offers: Sequence[MentorOffer], reverse: bool = False) -> np.ndarray:
    """scores[i, j] as bot.matching.score would give, or -inf where mentor j may never mentor mentee i."""
    n, k = len(needs), len(offers)
    vocabulary: dict[str, int] = {}
    wanted = [{normalize_topic(t) for t in x.topics} for x in needs]
    offered = [{normalize_topic(t) for t in o.topics} for o in offers]
    for name in set().union(*wanted, *offered):
        vocabulary.setdefault(name, len(vocabulary))
    want = np.zeros((n, max(len(vocabulary), 1)), dtype=np.float32)
    have = np.zeros((k, max(len(vocabulary), 1)), dtype=np.float32)
    for i, topics in enumerate(wanted):
        want[i, [vocabulary[t] for t in topics]] = 1
    for j, topics in enumerate(offered):
        have[j, [vocabulary[t] for t in topics]] = 1
    wanted_count = want.sum(axis=1)[:, None]
    covered = want @ have.T
    topic = np.where(wanted_count > 0, m.TOPIC_POINTS * covered / np.maximum(wanted_count, 1), m.TOPIC_POINTS / 2)

    mentee_level = np.array([x.level if x.level is not None else np.nan for x in needs], dtype=float)[:, None]
    gap = np.array([o.level for o in offers], dtype=float)[None, :] - mentee_level
    if reverse:
        seniority = np.select([gap < 0, gap == 0], [m.SENIORITY_POINTS, m.SENIORITY_POINTS * 0.4], 0.0)
    else:
        seniority = np.select([(gap >= 1) & (gap <= 2), gap >= 3, gap == 0],
                              [m.SENIORITY_POINTS, m.SENIORITY_POINTS * 0.75, m.SENIORITY_POINTS * 0.4], 0.0)
        wants_senior = np.array([x.wants_more_senior for x in needs])[:, None]
        seniority = seniority - np.where(wants_senior & (gap <= 0), m.UNMET_PREFERENCE_PENALTY, 0.0)
    seniority = np.where(np.isnan(gap), m.SENIORITY_POINTS / 2, seniority)

    departments: dict[str, int] = {}
    mentee_dept = _codes([x.department for x in needs], departments)[:, None]
    mentor_dept = _codes([o.department for o in offers], departments)[None, :]
    known = (mentee_dept >= 0) & (mentor_dept >= 0)
    wants_outside = np.array([x.wants_outside_team for x in needs])[:, None]
    same_penalty = np.where(wants_outside, -m.UNMET_PREFERENCE_PENALTY, 0.0)
    cross = np.where(known, np.where(mentee_dept != mentor_dept, m.CROSS_TEAM_POINTS, same_penalty),
                     m.CROSS_TEAM_POINTS / 3)

    mentee_tz = np.array([x.tz_offset if x.tz_offset is not None else np.nan for x in needs], dtype=float)[:, None]
    mentor_tz = np.array([o.tz_offset if o.tz_offset is not None else np.nan for o in offers], dtype=float)[None, :]
    hours = np.abs(mentee_tz - mentor_tz) / 3600
    hours = np.minimum(hours, 24 - hours)
    tz_share = np.where(hours <= 2, 1.0, np.maximum(0.0, (9 - hours) / 7))
    timezone = np.where(np.isnan(hours), m.TIMEZONE_POINTS / 2, m.TIMEZONE_POINTS * tz_share)

    remaining = np.array([o.remaining for o in offers], dtype=float)
    capacity_points = m.CAPACITY_POINTS * remaining / np.array([o.capacity for o in offers], dtype=float)

    scores = np.round(topic + seniority + cross + timezone + capacity_points[None, :], 2)

    mentor_ids = np.array([o.user_id for o in offers], dtype=object)
    for i, x in enumerate(needs):
        banned = (mentor_ids == x.user_id)
        if x.manager_user_id:
            banned |= mentor_ids == x.manager_user_id
        if x.excluded_user_ids:
            banned |= np.isin(mentor_ids, list(x.excluded_user_ids))
        scores[i, banned] = -np.inf
    closed = remaining <= 0
    if reverse:
        closed |= ~np.array([o.open_to_reverse for o in offers])
    scores[:, closed] = -np.inf
    return scores


def _slots(offers: Sequence[MentorOffer]) -> np.ndarray:
    """Column j of the slot matrices belongs to offer slots[j]: one column per free place."""
    return np.repeat(np.arange(len(offers)), [max(o.remaining, 0) for o in offers])


def _result(scores: np.ndarray, pairs: list[tuple[int, int]]) -> Assignment:
    picks = [Pick(i, j, float(scores[i, j])) for i, j in pairs if np.isfinite(scores[i, j])]
    matched = {p.mentee for p in picks}
    unmatched = {}
    for i in range(scores.shape[0]):
        if i not in matched:
            unmatched[i] = ("no eligible mentor has a free place" if not np.isfinite(scores[i]).any()
                            else "the mentors who fit were all needed for other mentees")
    return Assignment(picks, unmatched)


def assign_dense(scores: np.ndarray, offers: Sequence[MentorOffer]) -> Assignment:
    slots = _slots(offers)
    if scores.shape[0] == 0 or len(slots) == 0:
        return _result(scores, [])
    value = scores[:, slots]
    value = np.where(np.isfinite(value), value + MATCH_BONUS, 0.0)
    rows, cols = linear_sum_assignment(value, maximize=True)
    return _result(scores, [(int(i), int(slots[c])) for i, c in zip(rows, cols, strict=True)])


def assign_sparse(scores: np.ndarray, offers: Sequence[MentorOffer], top_k: int = DEFAULT_TOP_K) -> Assignment:
    n, k = scores.shape
    if n == 0:
        return _result(scores, [])
    remaining = np.array([max(o.remaining, 0) for o in offers])
    first_slot = np.concatenate([[0], np.cumsum(remaining)])[:-1]
    place_count = int(remaining.sum())
    keep = min(top_k, k)
    candidates = np.argpartition(-scores, keep - 1, axis=1)[:, :keep] if keep else np.empty((n, 0), dtype=int)
    rows, cols, costs = [], [], []
    ceiling = MATCH_BONUS + 200.0  # the cost of staying unmatched; every real edge costs less, all positive
    for i in range(n):
        for j in candidates[i]:
            score = scores[i, j]
            if not np.isfinite(score):
                continue
            for slot in range(first_slot[j], first_slot[j] + remaining[j]):
                rows.append(i)
                cols.append(slot)
                costs.append(ceiling - (score + MATCH_BONUS))
        rows.append(i)
        cols.append(place_count + i)
        costs.append(ceiling)
    graph = csr_matrix((costs, (rows, cols)), shape=(n, place_count + n))
    matched_rows, matched_cols = min_weight_full_bipartite_matching(graph)
    owner = np.repeat(np.arange(k), remaining)
    pairs = [(int(i), int(owner[c])) for i, c in zip(matched_rows, matched_cols, strict=True) if c < place_count]
    return _result(scores, pairs)


def assign_greedy(scores: np.ndarray, offers: Sequence[MentorOffer]) -> Assignment:
    """The baseline: each mentee in turn takes their best mentor with a free place."""
    remaining = [max(o.remaining, 0) for o in offers]
    pairs = []
    for i in range(scores.shape[0]):
        for j in np.argsort(-scores[i]):
            if not np.isfinite(scores[i, j]):
                break
            if remaining[j] > 0:
                remaining[j] -= 1
                pairs.append((i, int(j)))
                break
    return _result(scores, pairs)
