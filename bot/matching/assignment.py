"""Cohort matching: the best global assignment of waiting mentees to mentors' free places.

Scores are the same as bot.matching.score, computed for every (mentee, mentor) pair at once with
numpy. The objective is lexicographic: match as many mentees as possible, then maximise the total
score; a mentee left unmatched counts as 0. Two solvers share it:

- `dense`: scipy's linear_sum_assignment over every mentor place; exact, but O(n·places) memory.
- `sparse`: each mentee's top-K mentors plus a private "unmatched" column, solved with
  scipy.sparse.csgraph.min_weight_full_bipartite_matching; near-exact at a fraction of the cost.

numpy and scipy are imported inside the functions that use them: every process that imports the
core (each `mentor-bot tick`, `migrate` or `run`) would otherwise pay for them at start, while only
/mentor match needs them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.matching import scoring as m
from bot.matching.scoring import MenteeNeeds, MentorOffer, normalize_topic

if TYPE_CHECKING:
    import numpy as np

# Larger than any possible score difference: one more match always beats a better score.
MATCH_BONUS = 1000.0
DEFAULT_TOP_K = 24


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
    import numpy as np

    return np.array([vocabulary.setdefault(normalize_topic(v), len(vocabulary)) if v else -1 for v in values])


def _lookup_codes(values: Sequence[int | None]) -> tuple[np.ndarray, list[int | None]]:
    import numpy as np

    distinct = sorted({v for v in values if v is not None}) + [None]
    index = {v: i for i, v in enumerate(distinct)}
    return np.array([index[v] for v in values], dtype=np.int32), distinct


def score_matrix(needs: Sequence[MenteeNeeds], offers: Sequence[MentorOffer], reverse: bool = False) -> np.ndarray:
    """scores[i, j] as bot.matching.score would give, or -inf where mentor j may never mentor mentee i.

    Every factor that depends on a small set of values (level gaps, timezone offsets) is a table
    lookup, so the whole matrix costs a handful of passes over float32 memory.
    """
    import numpy as np

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
    wanted_count = want.sum(axis=1)
    scores = want @ have.T
    scores *= np.where(wanted_count > 0, m.TOPIC_POINTS / np.maximum(wanted_count, 1), 0).astype(np.float32)[:, None]
    scores[wanted_count == 0] = m.TOPIC_POINTS / 2

    # Seniority: a table indexed by the level gap (mentor - mentee), one row per "wants more senior".
    gaps = np.arange(-7, 8)
    if reverse:
        table = np.select([gaps < 0, gaps == 0], [m.SENIORITY_POINTS, m.SENIORITY_POINTS * 0.4], 0.0)
        tables = np.stack([table, table])
    else:
        table = np.select(
            [(gaps >= 1) & (gaps <= 2), gaps >= 3, gaps == 0],
            [m.SENIORITY_POINTS, m.SENIORITY_POINTS * 0.75, m.SENIORITY_POINTS * 0.4],
            0.0,
        )
        tables = np.stack([table, table - np.where(gaps <= 0, m.UNMET_PREFERENCE_PENALTY, 0.0)])
    tables = tables.astype(np.float32)
    mentee_level = np.array([x.level if x.level is not None else 0 for x in needs], dtype=np.int32)
    gap_index = np.array([o.level for o in offers], dtype=np.int32)[None, :] - mentee_level[:, None] + 7
    np.clip(gap_index, 0, len(gaps) - 1, out=gap_index)
    wants_senior = np.array([x.wants_more_senior for x in needs], dtype=np.int32)
    seniority = tables[wants_senior[:, None], gap_index]
    seniority[mentee_level == 0] = m.SENIORITY_POINTS / 2
    scores += seniority
    del seniority, gap_index

    departments: dict[str, int] = {}
    mentee_dept = _codes([x.department for x in needs], departments)
    mentor_dept = _codes([o.department for o in offers], departments)
    same = mentee_dept[:, None] == mentor_dept[None, :]
    wants_outside = np.array([x.wants_outside_team for x in needs])
    same_points = np.where(wants_outside, -m.UNMET_PREFERENCE_PENALTY, 0.0).astype(np.float32)
    cross = np.where(same, same_points[:, None], np.float32(m.CROSS_TEAM_POINTS))
    cross[mentee_dept < 0] = m.CROSS_TEAM_POINTS / 3
    cross[:, mentor_dept < 0] = m.CROSS_TEAM_POINTS / 3
    scores += cross
    del cross, same

    # Timezones: a table over the few distinct offsets.
    mentee_tz, mentee_offsets = _lookup_codes([x.tz_offset for x in needs])
    mentor_tz, mentor_offsets = _lookup_codes([o.tz_offset for o in offers])
    tz_table = np.full((len(mentee_offsets), len(mentor_offsets)), m.TIMEZONE_POINTS / 2, dtype=np.float32)
    for a, offset_a in enumerate(mentee_offsets):
        for b, offset_b in enumerate(mentor_offsets):
            if offset_a is not None and offset_b is not None:
                hours = m.timezone_gap_hours(offset_a, offset_b)
                share = 1.0 if hours <= 2 else max(0.0, (9 - hours) / 7)
                tz_table[a, b] = m.TIMEZONE_POINTS * share
    scores += tz_table[mentee_tz[:, None], mentor_tz[None, :]]

    remaining = np.array([o.remaining for o in offers], dtype=np.float32)
    capacity = np.array([o.capacity for o in offers], dtype=np.float32)
    scores += (m.CAPACITY_POINTS * remaining / capacity)[None, :]
    np.round(scores, 2, out=scores)

    # Exclusions, as integer codes compared in bulk rather than strings compared per mentee.
    people: dict[str, int] = {}
    mentor_code = np.array([people.setdefault(o.user_id, len(people)) for o in offers])
    mentee_code = np.array([people.setdefault(x.user_id, len(people)) for x in needs])
    manager_code = np.array(
        [people.setdefault(x.manager_user_id, len(people)) if x.manager_user_id else -1 for x in needs]
    )
    scores[mentee_code[:, None] == mentor_code[None, :]] = -np.inf
    scores[manager_code[:, None] == mentor_code[None, :]] = -np.inf
    column_of = {o.user_id: j for j, o in enumerate(offers)}
    pairs = [(i, column_of[u]) for i, x in enumerate(needs) for u in x.excluded_user_ids if u in column_of]
    if pairs:
        rows, cols = zip(*pairs, strict=True)
        scores[list(rows), list(cols)] = -np.inf
    closed = remaining <= 0
    if reverse:
        closed |= ~np.array([o.open_to_reverse for o in offers])
    scores[:, closed] = -np.inf
    return scores


def _slots(offers: Sequence[MentorOffer]) -> np.ndarray:
    """Column j of the slot matrices belongs to offer slots[j]: one column per free place."""
    import numpy as np

    return np.repeat(np.arange(len(offers)), [max(o.remaining, 0) for o in offers])


def _result(scores: np.ndarray, pairs: list[tuple[int, int]]) -> Assignment:
    import numpy as np

    picks = [Pick(i, j, float(scores[i, j])) for i, j in pairs if np.isfinite(scores[i, j])]
    matched = {p.mentee for p in picks}
    unmatched = {}
    for i in range(scores.shape[0]):
        if i not in matched:
            unmatched[i] = (
                "no eligible mentor has a free place"
                if not np.isfinite(scores[i]).any()
                else "the mentors who fit were all needed for other mentees"
            )
    return Assignment(picks, unmatched)


def assign_dense(scores: np.ndarray, offers: Sequence[MentorOffer]) -> Assignment:
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    slots = _slots(offers)
    if scores.shape[0] == 0 or len(slots) == 0:
        return _result(scores, [])
    value = scores[:, slots]
    value = np.where(np.isfinite(value), value + MATCH_BONUS, 0.0)
    rows, cols = linear_sum_assignment(value, maximize=True)
    return _result(scores, [(int(i), int(slots[c])) for i, c in zip(rows, cols, strict=True)])


def assign_sparse(scores: np.ndarray, offers: Sequence[MentorOffer], top_k: int = DEFAULT_TOP_K) -> Assignment:
    import numpy as np
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

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
    import numpy as np

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
