"""Cohort matching: the best global assignment of waiting mentees to mentors' free places.

The objective is lexicographic: match as many mentees as possible, then maximise the total score; a
mentee left unmatched counts as 0. Only pairs bot.matching.scoring.eligible allows are ever made:
a mentor who shares none of a mentee's topics is barred like a mentee's manager, unless the mentee
asked for a broader match and no eligible mentor covers any of their topics. A mentee whose
covering mentors are all needed elsewhere stays unmatched rather than getting a mentor outside
their topics. Scores are bot.matching.score's, to the bit, and `CohortScores`
produces them a block of mentees at a time: at 50,000 mentees x 20,000 mentors the whole matrix
would take 8 GB, and each temporary built from it as much again, while a block takes 2 MB.
Three solvers share the objective:

- `assign_dense`: scipy's linear_sum_assignment over every mentor place; exact, but it holds
  mentees x places, so /mentor match keeps it for small pools.
- `assign_sparse`: exact (scipy's LAPJVsp, min_weight_full_bipartite_matching) on a candidate graph
  gathered in one pass over the blocks (`CohortScores.top`), then on that graph grown for the
  mentees who may have been crowded out (`CohortScores.second_look`); memory grows with the graph.
- `assign_greedy`: the baseline to beat, each mentee in turn taking their best mentor with a free place.

numpy and scipy are imported inside the functions that use them: every process that imports the
core (each `mentor-bot tick`, `migrate` or `run`) would otherwise pay for them at start, while only
/mentor match needs them.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.matching import scoring as m
from bot.matching.goals import GoalFit
from bot.matching.scoring import MenteeNeeds, MentorOffer, normalize_topic

if TYPE_CHECKING:
    import numpy as np

# Larger than any possible score difference: one more match always beats a better score.
MATCH_BONUS = 1000.0
DEFAULT_TOP_K = 24
DEFAULT_MENTOR_K = 8
# Cells per block of scores: 2 MB of float64, about one core's L2 cache; larger blocks measured slower.
BLOCK_CELLS = 1 << 18
NO_ELIGIBLE_MENTOR = "no eligible mentor has a free place"
PLACES_TAKEN = "the mentors who fit were all needed for other mentees"


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


@dataclass(frozen=True)
class Candidates:
    """The sparse graph: each mentee's best mentors and each mentor's best mentees, by (mentee, mentor)."""

    mentees: np.ndarray  # index into needs, one per edge
    mentors: np.ndarray  # index into offers, one per edge
    scores: np.ndarray  # the pair's score, as bot.matching.score gives it
    places: np.ndarray  # free places per offer; 0 for a mentor closed to this cohort
    eligible: np.ndarray  # per mentee: may any mentor take them at all


def _round_scores(values: np.ndarray) -> np.ndarray:
    """round(x, 2) as Python rounds it.

    numpy's round (x*100, rint, /100) agrees everywhere except next to a half, e.g. 2.675, where
    x*100 itself rounds onto or across the half; those few values are rounded by Python instead.
    """
    import numpy as np

    rounded = values * 100.0
    np.rint(rounded, out=rounded)
    with np.errstate(invalid="ignore"):  # -inf - -inf: an excluded pair is never near a half
        near_half = np.abs(values * 100.0 - rounded) > 0.5 - 1e-6
    rounded /= 100.0
    rounded[near_half] = [round(float(v), 2) for v in values[near_half]]
    return rounded


def _department(value: str | None) -> str | None:
    """What the cross-team factor reads of a department: missing, or its normalised name."""
    return normalize_topic(value) if value else None


def _factor(
    points: Callable[[MenteeNeeds, MentorOffer], float],
    needs: Sequence[MenteeNeeds],
    mentee_key: Callable[[MenteeNeeds], Hashable],
    offers: Sequence[MentorOffer],
    mentor_key: Callable[[MentorOffer], Hashable],
) -> tuple[np.ndarray, np.ndarray]:
    """A factor of the scalar score as (rows, class per mentee): rows[class_i, j] is its points for (i, j).

    The factor depends only on each side's key, so the scalar part function runs once per pair of
    distinct keys, on real people holding them, and the vectorised value cannot drift from it.
    """
    import numpy as np

    mentee_class: dict[Hashable, int] = {}
    mentor_class: dict[Hashable, int] = {}
    mentees = np.array([mentee_class.setdefault(mentee_key(x), len(mentee_class)) for x in needs], dtype=np.intp)
    mentors = np.array([mentor_class.setdefault(mentor_key(o), len(mentor_class)) for o in offers], dtype=np.intp)
    someone = {c: x for x, c in zip(needs, mentees.tolist(), strict=True)}
    somebody = {c: o for o, c in zip(offers, mentors.tolist(), strict=True)}
    table = np.array(
        [[points(someone[a], somebody[b]) for b in range(len(mentor_class))] for a in range(len(mentee_class))],
        dtype=np.float64,
    ).reshape(len(mentee_class), len(mentor_class))
    return table[:, mentors], mentees


class CohortScores:
    """Every (mentee, mentor) score of a cohort, produced a block of mentees at a time and never held whole.

    Each factor of bot.matching.score depends on a few values per side (topics wanted and covered,
    level, department, timezone, room left), so the scalar scorer's own part functions are tabulated
    once over those values, and a mentee's row is a handful of lookups and additions, in the scalar
    scorer's order so that the float sums are the same to the bit. Rows are built one at a time into
    a block small enough to stay in cache: memory traffic, not arithmetic, is the cost.
    Blocks hold unrounded sums: rounding is monotonic, so the best mentors by unrounded sum are the
    best by score, and only what is kept gets rounded.
    """

    def __init__(
        self,
        needs: Sequence[MenteeNeeds],
        offers: Sequence[MentorOffer],
        reverse: bool = False,
        block_rows: int | None = None,
        *,
        within: tuple[CohortScores, np.ndarray, np.ndarray] | None = None,
    ):
        """within=(whole, mentees, offers): a part of the cohort `whole`, by index into its needs and
        offers, scored exactly as the whole scores it (the same goal weights and topic rule)."""
        import numpy as np

        self.needs, self.offers, self.reverse = needs, offers, reverse
        # Mentors who can never be chosen (full, or closed to reverse mentoring) get no column at all.
        self.columns = np.array(
            [j for j, o in enumerate(offers) if o.remaining > 0 and (o.open_to_reverse or not reverse)], dtype=np.intp
        )
        self.places = np.zeros(len(offers), dtype=np.int64)
        self.places[self.columns] = [offers[j].remaining for j in self.columns]
        open_offers = [offers[j] for j in self.columns]
        self.block_rows = block_rows or max(1, BLOCK_CELLS // max(len(open_offers), 1))

        # Topics: a mentee's covered count is the sum of the 0/1 rows of the topics they want, and
        # indexes their row of the topic points by (topics wanted, topics covered).
        wanted = [{normalize_topic(t) for t in x.topics} for x in needs]
        offered = [{normalize_topic(t) for t in o.topics} for o in open_offers]
        shared = sorted(set().union(*wanted) & set().union(*offered))
        row_of = {t: c for c, t in enumerate(shared)}
        most = max((len(w) for w in wanted), default=0)
        labels = tuple(f"topic {c}" for c in range(most))
        self._topic_points = np.zeros((most + 1, len(shared) + 1), dtype=np.float64)
        for w in range(most + 1):
            wants = MenteeNeeds("", labels[:w])
            for c in range(min(w, len(shared)) + 1):
                covering = MentorOffer(0, "", labels[:c], level=0, capacity=1, load=0)
                self._topic_points[w, c] = m._topic_part(wants, covering)[0]
        # The same points for a mentee who may be matched outside their topics (see `_broad`); for
        # everyone else, a mentor sharing no topic is barred.
        self._broad_points = self._topic_points.copy()
        self._topic_points[1:, 0] = -np.inf
        self._wanted_count = [len(w) for w in wanted]
        self._wanted_rows = [[row_of[t] for t in w if t in row_of] for w in wanted]
        # Counts fit a byte below 256 topics, and a narrow index makes the topic lookup cheaper.
        self._offered = np.zeros((len(shared), len(open_offers)), dtype=np.uint8 if len(shared) < 256 else np.uint16)
        for j, topics in enumerate(offered):
            self._offered[[row_of[t] for t in topics if t in row_of], j] = 1

        self._factors = [
            _factor(
                lambda x, o: m._seniority_part(x, o, reverse)[0],
                needs,
                lambda x: (x.level, x.wants_more_senior),
                open_offers,
                lambda o: o.level,
            ),
            _factor(
                lambda x, o: m._cross_team_part(x, o)[0],
                needs,
                lambda x: (_department(x.department), x.wants_outside_team),
                open_offers,
                lambda o: _department(o.department),
            ),
            _factor(
                lambda x, o: m._timezone_part(x, o)[0], needs, lambda x: x.tz_offset, open_offers, lambda o: o.tz_offset
            ),
        ]
        self._room = np.array([m._capacity_part(o)[0] for o in open_offers], dtype=np.float64)

        # Exclusions are a few cells per mentee (themself, their manager, past and declined mentors):
        # kept as (row, column) lists sorted by row, and stamped onto each block.
        positions: dict[str, list[int]] = {}
        for c, o in enumerate(open_offers):
            positions.setdefault(o.user_id, []).append(c)
        rows, cols = [], []
        for i, x in enumerate(needs):
            barred = {x.user_id, *x.excluded_user_ids}
            if x.manager_user_id:
                barred.add(x.manager_user_id)
            for user in barred:
                for c in positions.get(user, ()):
                    rows.append(i)
                    cols.append(c)
        bounds = np.searchsorted(np.array(rows, dtype=np.intp), np.arange(len(needs) + 1))
        self._barred_from, self._barred_count = bounds[:-1], np.diff(bounds)
        self._barred_cols = np.array(cols, dtype=np.intp)

        if within is None:
            self._broad = self._broad_mentees()
            self._goal_fit = GoalFit(needs, open_offers)
            self._goal_mentees, self._goal_columns = np.arange(len(needs)), None
        else:
            whole, mentee_at, offer_at = within
            self._broad = whole._broad[mentee_at]
            self._goal_fit = whole._goal_fit
            self._goal_mentees = whole._goal_mentees[mentee_at]
            column_of = np.full(len(whole.offers), -1, dtype=np.intp)
            column_of[whole.columns] = np.arange(len(whole.columns))
            self._goal_columns = column_of[offer_at[self.columns]]
        # Only when someone wrote goals that can be compared: the weights cost a pass over every mentee.
        self._goal_weights = [] if self._goal_fit.empty else [m.goal_weight(x) for x in needs]

    def goal_fits(self, mentees: Sequence[int], offers: Sequence[int]) -> list[float]:
        """The goals' similarity to the profile for each (mentees[p], offers[p]) pair, as the scores used it."""
        import numpy as np

        column_of = np.full(len(self.offers), -1, dtype=np.intp)
        column_of[self.columns] = np.arange(len(self.columns))
        columns = column_of[np.asarray(offers, dtype=np.intp)]
        if self._goal_columns is not None:
            columns = self._goal_columns[columns]
        return self._goal_fit.pairs(self._goal_mentees[np.asarray(mentees, dtype=np.intp)].tolist(), columns.tolist())

    def _broad_mentees(self) -> np.ndarray:
        """Per mentee: may they be matched outside their topics? Only if they asked, and no mentor they
        may have covers any of their topics."""
        import numpy as np

        broad = np.zeros(len(self.needs), dtype=bool)
        for i, x in enumerate(self.needs):
            if not x.broader:
                continue
            covering = np.zeros(len(self.columns), dtype=bool)
            for t in self._wanted_rows[i]:
                covering |= self._offered[t] > 0
            start, count = self._barred_from[i], self._barred_count[i]
            covering[self._barred_cols[start : start + count]] = False
            broad[i] = not covering.any()
        return broad

    def _fill(self, mentees: np.ndarray, block: np.ndarray) -> None:
        """Unrounded scores of these mentees against every open mentor into block; -inf where excluded."""
        import numpy as np

        nothing = np.zeros(block.shape[1], dtype=self._offered.dtype)
        covered = np.empty_like(nothing)
        factors = [(rows, classes[mentees].tolist()) for rows, classes in self._factors]
        goals = self._goal_fit.rows(self._goal_mentees[mentees])
        if goals is not None and self._goal_columns is not None:
            goals = goals[:, self._goal_columns]
        for r, i in enumerate(mentees.tolist()):
            row, wanted = block[r], self._wanted_rows[i]
            if len(wanted) == 1:
                count = self._offered[wanted[0]]
            elif wanted:
                count = np.add(self._offered[wanted[0]], self._offered[wanted[1]], out=covered)
                for t in wanted[2:]:
                    count += self._offered[t]
            else:
                count = nothing
            table = self._broad_points if self._broad[i] else self._topic_points
            table[self._wanted_count[i]].take(count, out=row, mode="clip")
            for rows, classes in factors:
                row += rows[classes[r]]
            row += self._room
            if goals is not None:
                row += self._goal_weights[i] * goals[r]
        first, barred = self._barred_from[mentees], self._barred_count[mentees]
        at = np.repeat(first - np.cumsum(barred) + barred, barred) + np.arange(int(barred.sum()))
        block[np.repeat(np.arange(len(mentees)), barred), self._barred_cols[at]] = -np.inf

    def blocks(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(mentees, block) pairs, in order; column c of a block is offers[self.columns[c]]. One
        buffer serves every block, so a block is valid until the next one is asked for.
        """
        import numpy as np

        buffer = np.empty((min(self.block_rows, len(self.needs)), len(self.columns)))
        for start in range(0, len(self.needs), self.block_rows):
            rows = np.arange(start, min(start + self.block_rows, len(self.needs)))
            self._fill(rows, buffer[: len(rows)])
            yield rows, buffer[: len(rows)]

    def matrix(self) -> np.ndarray:
        """The whole mentees x offers matrix of rounded scores, -inf where never allowed: for small pools."""
        import numpy as np

        scores = np.full((len(self.needs), len(self.offers)), -np.inf)
        for rows, block in self.blocks():
            scores[rows[0] : rows[-1] + 1, self.columns] = _round_scores(block)
        return scores

    def top(self, k: int = DEFAULT_TOP_K, per_mentor: int = DEFAULT_MENTOR_K) -> Candidates:
        """The candidate graph, from one pass over the blocks: each mentee's k best mentors, each
        mentor's per_mentor best mentees, and the pairs of the greedy assignment.

        Memory grows with mentees x k + mentors x per_mentor, never with mentees x mentors. Mentees'
        lists alone crowd onto the same popular mentors and leave other places out of reach; the
        mentors' lists bring those places back; the greedy pairs make the solution never worse than
        greedy's. Ties are spread on both sides, and no choice depends on where blocks begin.
        """
        import numpy as np

        n, width = len(self.needs), len(self.columns)
        keep = min(k, width)
        mentee_side = np.zeros((n, keep), dtype=np.intp)
        mentee_scores = np.full((n, keep), -np.inf)
        lists = _MentorLists(min(per_mentor, n), n, width)
        greedy = _Greedy(self.places[self.columns])
        for rows, block in self.blocks() if width else ():
            best = _best_of_rows(block, rows, keep)
            mentee_side[rows] = best
            mentee_scores[rows] = np.take_along_axis(block, best, axis=1)
            lists.offer(block, int(rows[0]))
            greedy.take(block, rows)  # last: it strikes full mentors out of the block
        greedy_mentees, greedy_columns, greedy_scores = greedy.arrays()
        return self._graph(
            np.concatenate([np.repeat(np.arange(n), keep), lists.mentees.ravel(), greedy_mentees]),
            np.concatenate([mentee_side.ravel(), np.tile(np.arange(width), lists.hold), greedy_columns]),
            np.concatenate([mentee_scores.ravel(), lists.scores.ravel(), greedy_scores]),
            np.isfinite(mentee_scores).any(axis=1),
        )

    def _graph(self, mentees: np.ndarray, columns: np.ndarray, scores: np.ndarray, eligible: np.ndarray) -> Candidates:
        """Edges (mentee, block column, unrounded score) as candidates: each pair once, in order."""
        import numpy as np

        real = np.isfinite(scores)
        width = max(len(self.columns), 1)
        pair, first = np.unique(mentees[real] * width + columns[real], return_index=True)
        rounded = _round_scores(scores[real][first])
        return Candidates(pair // width, self.columns[pair % width], rounded, self.places, eligible)

    def second_look(self, candidates: Candidates, first: Assignment, k: int = DEFAULT_TOP_K) -> Candidates | None:
        """The candidates grown for mentees whom the first assignment may have short-changed; None
        when no one could gain.

        Each mentor who was filled is priced at the lowest score they were given, a mentor with room
        at 0, and a mentee's gain is score less price (0 unmatched). Lists by score all start with
        the popular mentors; lists by gain reach the mentors a crowded-out mentee could still have.
        A mentor priced at or above a mentee's best score less their gain cannot beat that gain, so
        only mentees and mentors on either side of that line are scored again, and only mentees who
        find a better gain get a new list.
        """
        import numpy as np

        mentee = np.array([p.mentee for p in first.picks], dtype=np.intp)
        mentor = np.array([p.mentor for p in first.picks], dtype=np.intp)
        given = np.array([p.score for p in first.picks])
        lowest = np.full(len(self.offers), np.inf)
        np.minimum.at(lowest, mentor, given)
        filled = np.bincount(mentor, minlength=len(self.offers)) >= np.maximum(self.places, 1)
        price = np.where(filled, lowest, 0.0)
        gain = np.zeros(len(self.needs))
        gain[mentee] = given - price[mentor]
        line = np.full(len(self.needs), -np.inf)  # only a mentor priced below this can beat the gain
        np.maximum.at(line, candidates.mentees, candidates.scores)
        line -= gain
        hopeful = np.flatnonzero(line > price[self.columns].min(initial=np.inf))
        if not len(hopeful):
            return None
        cheap = self.columns[price[self.columns] < line[hopeful].max()]
        again = CohortScores(
            [self.needs[i] for i in hopeful.tolist()],
            [self.offers[j] for j in cheap.tolist()],
            self.reverse,
            within=(self, hopeful, cheap),
        )
        keep = min(k, len(cheap))
        mentees, columns, scores = [candidates.mentees], [candidates.mentors], [candidates.scores]
        for rows, block in again.blocks():
            chosen = _best_of_rows(block - price[cheap], rows, keep)
            chosen_scores = _round_scores(np.take_along_axis(block, chosen, axis=1))
            # A hundredth is the smallest real difference between two scores.
            better = (chosen_scores - price[cheap][chosen] > gain[hopeful[rows]][:, None] + 0.005).any(axis=1)
            mentees.append(hopeful[np.repeat(rows[better], keep)])
            columns.append(cheap[chosen[better].ravel()])
            scores.append(chosen_scores[better].ravel())
        if sum(map(len, mentees)) == len(candidates.mentees):
            return None
        pair, at = np.unique(np.concatenate(mentees) * len(self.offers) + np.concatenate(columns), return_index=True)
        scores_at = np.concatenate(scores)[at]
        real = np.isfinite(scores_at)
        mentees_at, mentors_at = divmod(pair[real], len(self.offers))
        return Candidates(mentees_at, mentors_at, scores_at[real], self.places, candidates.eligible)


def _best_of_rows(block: np.ndarray, mentees: np.ndarray, keep: int) -> np.ndarray:
    """The columns of each row's keep best values, with ties at the keep-th value taken in an order
    that turns with the mentee: mentee i starts from column i*keep, and wraps round. Mentees alike
    then spread over the mentors tied for them, instead of all listing the same few, who could not
    take them all.
    """
    import numpy as np

    width = block.shape[1]
    if keep >= width:
        return np.broadcast_to(np.arange(width), block.shape)
    # The keep-th best value of each row: partitioning values is several times faster than
    # partitioning their indices, and rows hold few distinct values (scores repeat, and most are -inf).
    # Negated, the value sought is the keep-th from the start: numpy's selection is as fast there
    # whatever the repeats, where from the end of rows mostly alike it was ten times slower.
    kth = -np.partition(-block, keep - 1, axis=1)[:, keep - 1, None]
    above, tied = block > kth, block == kth
    need = keep - np.count_nonzero(above, axis=1)  # list entries left for the tied
    crowded = np.flatnonzero(np.count_nonzero(tied, axis=1) > need)
    if len(crowded):
        row, col = np.divmod(np.flatnonzero(tied[crowded]), width)  # flatnonzero: far faster than nonzero on 2-D
        # A tie below any real score (-inf: a mentor never allowed) is dropped later: any will do.
        turning = np.isfinite(kth[crowded, 0])[row]
        turn = np.where(turning, (col - mentees[crowded[row]] * keep) % width, col)
        order = np.argsort(row * width + turn, kind="stable")
        row, col = row[order], col[order]
        taken = np.arange(len(row)) - np.searchsorted(row, row) < need[crowded][row]
        tied[crowded] = False
        tied[crowded[row[taken]], col[taken]] = True
    return (np.flatnonzero(above | tied) % width).reshape(len(block), keep)


class _MentorLists:
    """Each mentor's best mentees so far, carried from block to block.

    Ties go to the mentees from a starting point that turns with the mentor (column c starts at
    mentee c*hold, and wraps round), so mentors alike spread over mentees alike. A block is merged
    only for mentors it may improve, which after the first blocks are few.
    """

    def __init__(self, hold: int, mentees: int, width: int):
        import numpy as np

        self.hold, self.count = hold, max(mentees, 1)
        self.first = (np.arange(width) * hold) % self.count
        self.scores = np.full((hold, width), -np.inf)
        self.mentees = np.zeros((hold, width), dtype=np.intp)
        self.last_turn = np.full(width, self.count)  # the turn of each list's last entry

    def offer(self, block: np.ndarray, start: int) -> None:
        import numpy as np

        if not self.hold:
            return
        stop = start + len(block)
        top, floor = block.max(axis=0), self.scores[-1]
        better = top > floor
        level = np.flatnonzero((top == floor) & (top > -np.inf))
        if len(level):
            # A tie improves a list if it comes sooner in turn; a block's soonest turn for a mentor
            # is 0 when the block holds their starting mentee.
            first = self.first[level]
            soonest = np.where((first >= start) & (first < stop), 0, (start - first) % self.count)
            better[level[soonest < self.last_turn[level]]] = True
        hit = np.flatnonzero(better)
        if not len(hit):
            return
        scores = np.concatenate([self.scores[:, hit], block[:, hit]])
        rows = np.concatenate([self.mentees[:, hit], np.repeat(np.arange(start, stop), len(hit)).reshape(-1, len(hit))])
        turn = (rows - self.first[hit]) % self.count
        order = np.lexsort((turn, -scores), axis=0)[: self.hold]
        self.scores[:, hit] = np.take_along_axis(scores, order, axis=0)
        self.mentees[:, hit] = np.take_along_axis(rows, order, axis=0)
        self.last_turn[hit] = np.take_along_axis(turn, order[-1:], axis=0)[0]


class _Greedy:
    """The greedy assignment, a block at a time: each mentee in turn takes their best mentor with a
    free place; ties go to the earlier offer. Works on block columns, and strikes full ones out."""

    def __init__(self, places: np.ndarray):
        self.left = places.copy()
        self.full = self.left <= 0
        self.picks: list[tuple[int, int, float]] = []

    def take(self, block: np.ndarray, mentees: np.ndarray) -> None:
        import numpy as np

        np.copyto(block, -np.inf, where=self.full)
        for r, row in enumerate(block):
            c = int(row.argmax())
            if row[c] == -np.inf:
                continue
            self.picks.append((int(mentees[r]), c, float(row[c])))
            self.left[c] -= 1
            if self.left[c] == 0:
                self.full[c] = True
                block[r + 1 :, c] = -np.inf

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(mentees, block columns, unrounded scores) of the picks so far."""
        import numpy as np

        mentees, columns, scores = zip(*self.picks, strict=True) if self.picks else ((), (), ())
        return np.array(mentees, dtype=np.intp), np.array(columns, dtype=np.intp), np.array(scores, dtype=np.float64)


def score_matrix(needs: Sequence[MenteeNeeds], offers: Sequence[MentorOffer], reverse: bool = False) -> np.ndarray:
    """scores[i, j] as bot.matching.score gives, or -inf where mentor j may never mentor mentee i."""
    return CohortScores(needs, offers, reverse).matrix()


def _assignment(
    mentees: int, rows: np.ndarray, mentors: np.ndarray, scores: np.ndarray, eligible: np.ndarray
) -> Assignment:
    """The picks (mentee rows[p] with mentor mentors[p]) and, for everyone left out, why."""
    picks = [Pick(int(i), int(j), float(s)) for i, j, s in zip(rows, mentors, scores, strict=True)]
    matched = {p.mentee for p in picks}
    unmatched = {i: (PLACES_TAKEN if eligible[i] else NO_ELIGIBLE_MENTOR) for i in range(mentees) if i not in matched}
    return Assignment(picks, unmatched)


def _nobody(mentees: int, eligible: np.ndarray) -> Assignment:
    import numpy as np

    none = np.empty(0, dtype=np.intp)
    return _assignment(mentees, none, none, np.empty(0), eligible)


def assign_dense(scores: CohortScores) -> Assignment:
    """The exact optimum, over a mentees x places matrix: for small pools only."""
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    matrix = scores.matrix()
    eligible = np.isfinite(matrix).any(axis=1)
    slots = np.repeat(np.arange(len(scores.offers)), scores.places)
    if matrix.shape[0] == 0 or len(slots) == 0:
        return _nobody(matrix.shape[0], eligible)
    # Minimise -(score + bonus), with no more rows than columns: scipy would otherwise copy the
    # matrix once to transpose it and once more to negate it for maximize=True.
    by_place = len(slots) <= matrix.shape[0]
    cost = matrix.T[slots] if by_place else matrix[:, slots]
    allowed = np.isfinite(cost)
    np.negative(cost, out=cost)
    cost -= MATCH_BONUS
    cost[~allowed] = 0.0
    del allowed
    first, second = linear_sum_assignment(cost)
    rows, cols = (second, first) if by_place else (first, second)
    order = np.argsort(rows)
    rows, mentors = rows[order], slots[cols[order]]
    chosen = matrix[rows, mentors]
    real = np.isfinite(chosen)
    return _assignment(matrix.shape[0], rows[real], mentors[real], chosen[real], eligible)


def assign_sparse(scores: CohortScores, top_k: int = DEFAULT_TOP_K, per_mentor: int = DEFAULT_MENTOR_K) -> Assignment:
    """Near-exact at any size: the best assignment within the candidate graph, then, if anyone
    could gain, within the graph grown by a second look."""
    candidates = scores.top(top_k, per_mentor)
    first = assign_within(candidates)
    grown = scores.second_look(candidates, first, top_k)
    return first if grown is None else assign_within(grown)


def assign_within(candidates: Candidates) -> Assignment:
    """The best assignment within the candidate graph: exact there, near-exact on the whole pool.

    Every mentor place is a column, and each mentee has a private "unmatched" column costing more
    than any real edge, so a full matching of the mentee rows always exists.
    """
    import numpy as np
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    n, places = len(candidates.eligible), candidates.places
    if n == 0:
        return _nobody(0, candidates.eligible)
    place_count = int(places.sum())
    first_place = np.cumsum(places) - places
    # One edge per (mentee, candidate mentor, place of that mentor), built without a Python loop.
    copies = places[candidates.mentors]
    edge_start = np.cumsum(copies) - copies
    ceiling = MATCH_BONUS + 200.0  # the cost of staying unmatched; every real edge costs less, all positive
    rows = np.concatenate([np.repeat(candidates.mentees, copies), np.arange(n)])
    cols = np.concatenate(
        [
            np.repeat(first_place[candidates.mentors] - edge_start, copies) + np.arange(int(copies.sum())),
            place_count + np.arange(n),
        ]
    )
    costs = np.concatenate([np.repeat(ceiling - (candidates.scores + MATCH_BONUS), copies), np.full(n, ceiling)])
    graph = csr_matrix((costs, (rows, cols)), shape=(n, place_count + n))
    matched_rows, matched_cols = min_weight_full_bipartite_matching(graph)
    placed = matched_cols < place_count
    mentees = matched_rows[placed]
    mentors = np.repeat(np.arange(len(places)), places)[matched_cols[placed]]
    # Candidates are sorted by (mentee, mentor), so each pick's score is one binary search away.
    width = len(places)
    edge = np.searchsorted(candidates.mentees * width + candidates.mentors, mentees * width + mentors)
    return _assignment(n, mentees, mentors, candidates.scores[edge], candidates.eligible)


def assign_greedy(scores: CohortScores) -> Assignment:
    """The baseline: each mentee in turn takes their best mentor with a free place."""
    import numpy as np

    eligible = np.zeros(len(scores.needs), dtype=bool)
    greedy = _Greedy(scores.places[scores.columns])
    for rows, block in scores.blocks() if len(scores.columns) else ():
        eligible[rows] = block.max(axis=1) > -np.inf
        greedy.take(block, rows)
    mentees, columns, chosen = greedy.arrays()
    return _assignment(len(scores.needs), mentees, scores.columns[columns], _round_scores(chosen), eligible)
