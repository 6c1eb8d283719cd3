"""Cohort matching: the vectorised scores agree with the scalar ones, and the solvers reach the optimum."""

from __future__ import annotations

import random

import numpy as np
import pytest
from scipy.optimize import LinearConstraint, milp
from scipy.sparse import lil_matrix

from bot.matching.assignment import MATCH_BONUS, assign_dense, assign_greedy, assign_sparse, score_matrix
from bot.matching.scoring import MenteeNeeds, MentorOffer, exclusion, score

TOPICS = [
    "Leadership",
    "Communication",
    "System design",
    "Product thinking",
    "Data and analytics",
    "Public speaking",
    "Career growth",
    "New tools and AI",
]
DEPARTMENTS = ["Sales", "Engineering", "Finance", "Design", None]


def instance(mentees: int, mentors: int, seed: int) -> tuple[list[MenteeNeeds], list[MentorOffer]]:
    rng = random.Random(seed)
    offers = []
    for j in range(mentors):
        capacity = rng.randint(1, 3)
        offers.append(
            MentorOffer(
                profile_id=j,
                user_id=f"UM{j}",
                topics=tuple(rng.sample(TOPICS, rng.randint(1, 4))),
                level=rng.randint(1, 6),
                capacity=capacity,
                load=rng.randint(0, capacity - 1),
                department=rng.choice(DEPARTMENTS),
                tz_offset=rng.choice([None, 0, 3600, -18000, 19800, 32400]),
                open_to_reverse=rng.random() < 0.5,
            )
        )
    needs = []
    for i in range(mentees):
        needs.append(
            MenteeNeeds(
                user_id=f"UE{i}" if i % 17 else f"UM{i % mentors}",  # some mentees are mentors too
                topics=tuple(rng.sample(TOPICS, rng.randint(0, 3))),
                level=rng.choice([None, 1, 2, 3, 4]),
                department=rng.choice(DEPARTMENTS),
                tz_offset=rng.choice([None, 0, 3600, -28800]),
                wants_outside_team=rng.random() < 0.3,
                wants_more_senior=rng.random() < 0.3,
                manager_user_id=f"UM{rng.randrange(mentors)}" if rng.random() < 0.2 else None,
                excluded_user_ids=frozenset({f"UM{rng.randrange(mentors)}"}) if rng.random() < 0.2 else frozenset(),
            )
        )
    return needs, offers


@pytest.mark.parametrize("reverse", [False, True])
def test_vectorised_scores_equal_the_scalar_ones(reverse):
    needs, offers = instance(60, 40, seed=3)
    matrix = score_matrix(needs, offers, reverse)
    for i, x in enumerate(needs):
        for j, o in enumerate(offers):
            if exclusion(x, o, reverse) is not None:
                assert matrix[i, j] == -np.inf
            else:
                assert matrix[i, j] == pytest.approx(score(x, o, reverse).score, abs=0.011)


def independent_optimum(scores: np.ndarray, offers: list[MentorOffer]) -> tuple[float, int]:
    """The same objective as an integer program, solved by HiGHS: (total score, pairs matched)."""
    n, k = scores.shape
    eligible = [(i, j) for i in range(n) for j in range(k) if np.isfinite(scores[i, j])]
    weights = np.array([scores[i, j] + MATCH_BONUS for i, j in eligible])
    per_mentee, per_mentor = lil_matrix((n, len(eligible))), lil_matrix((k, len(eligible)))
    for column, (i, j) in enumerate(eligible):
        per_mentee[i, column] = 1
        per_mentor[j, column] = 1
    result = milp(
        -weights,
        integrality=np.ones(len(eligible)),
        bounds=(0, 1),
        constraints=[
            LinearConstraint(per_mentee.tocsr(), 0, 1),
            LinearConstraint(per_mentor.tocsr(), 0, [o.remaining for o in offers]),
        ],
    )
    assert result.success
    chosen = [eligible[c] for c in np.flatnonzero(result.x > 0.5)]
    return round(sum(scores[i, j] for i, j in chosen), 2), len(chosen)


def test_on_300_by_150_the_solvers_reach_the_independent_optimum():
    needs, offers = instance(300, 150, seed=11)
    scores = score_matrix(needs, offers)
    optimum, matched = independent_optimum(scores, offers)
    dense = assign_dense(scores, offers)
    sparse = assign_sparse(scores, offers, top_k=150)
    assert (dense.total_score, len(dense.picks)) == pytest.approx((optimum, matched), abs=0.05)
    assert (sparse.total_score, len(sparse.picks)) == pytest.approx((optimum, matched), abs=0.05)
    greedy = assign_greedy(scores, offers)
    assert greedy.total_score <= optimum + 0.05


def test_assignments_respect_capacity_and_exclusions():
    needs, offers = instance(200, 60, seed=5)
    scores = score_matrix(needs, offers)
    for solved in (assign_dense(scores, offers), assign_sparse(scores, offers), assign_greedy(scores, offers)):
        taken: dict[int, int] = {}
        for pick in solved.picks:
            assert np.isfinite(scores[pick.mentee, pick.mentor])
            taken[pick.mentor] = taken.get(pick.mentor, 0) + 1
        assert all(taken[j] <= offers[j].remaining for j in taken)
        assert len({p.mentee for p in solved.picks}) == len(solved.picks)
        assert set(solved.unmatched) == set(range(len(needs))) - {p.mentee for p in solved.picks}


def test_greedy_is_beaten_where_order_matters():
    # Two mentees, two single-place mentors: greedy gives the first mentee the mentor the second needs.
    offers = [
        MentorOffer(0, "UA", ("Leadership", "Communication"), 4, 1, 0),
        MentorOffer(1, "UB", ("Leadership",), 4, 1, 0),
    ]
    needs = [MenteeNeeds("U1", ("Leadership",)), MenteeNeeds("U2", ("Leadership", "Communication"))]
    scores = score_matrix(needs, offers)
    assert assign_dense(scores, offers).total_score > assign_greedy(scores, offers).total_score
    assert assign_sparse(scores, offers).total_score == assign_dense(scores, offers).total_score
