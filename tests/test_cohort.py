"""Cohort matching: the vectorised scores agree with the scalar ones, and the solvers reach the optimum."""

from __future__ import annotations

import random
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
from scipy.optimize import LinearConstraint, milp
from scipy.sparse import lil_matrix

from bot.matching.assignment import (
    MATCH_BONUS,
    CohortScores,
    assign_dense,
    assign_greedy,
    assign_sparse,
    assign_within,
    score_matrix,
)
from bot.matching.scoring import MenteeNeeds, MentorOffer, eligible, score

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
        allowed = {o.profile_id for o in eligible(x, offers, reverse)}
        for j, o in enumerate(offers):
            if o.profile_id not in allowed:
                assert matrix[i, j] == -np.inf
            else:
                assert matrix[i, j] == score(x, o, reverse).score


def test_a_score_on_a_half_rounds_as_the_scalar_scorer_rounds():
    # 55/8 for one of eight topics, half the seniority and timezone points (both unknown), nothing for
    # the same department and 3*4/5 of room sum to the double just below 21.275: Python rounds it to
    # 21.27, numpy's round (x*100 lands exactly on 2127.5) to 21.28.
    needs = [MenteeNeeds("U1", tuple(TOPICS), department="Sales")]
    offers = [MentorOffer(1, "UA", ("Leadership",), level=3, capacity=5, load=1, department="Sales")]
    assert score(needs[0], offers[0]).score == 21.27
    assert score_matrix(needs, offers)[0, 0] == 21.27


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
    cohort = CohortScores(needs, offers)
    optimum, matched = independent_optimum(cohort.matrix(), offers)
    dense = assign_dense(cohort)
    sparse = assign_sparse(cohort, top_k=150)
    assert (dense.total_score, len(dense.picks)) == pytest.approx((optimum, matched), abs=0.05)
    assert (sparse.total_score, len(sparse.picks)) == pytest.approx((optimum, matched), abs=0.05)
    greedy = assign_greedy(cohort)
    assert greedy.total_score <= optimum + 0.05


def test_assignments_respect_capacity_and_exclusions():
    needs, offers = instance(200, 60, seed=5)
    cohort = CohortScores(needs, offers)
    scores = cohort.matrix()
    for solved in (assign_dense(cohort), assign_sparse(cohort), assign_greedy(cohort)):
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
    cohort = CohortScores(needs, offers)
    assert assign_dense(cohort).total_score > assign_greedy(cohort).total_score
    assert assign_sparse(cohort).total_score == assign_dense(cohort).total_score


@pytest.mark.parametrize("reverse", [False, True])
def test_the_candidate_graph_holds_each_mentees_and_each_mentors_best(reverse):
    needs, offers = instance(120, 50, seed=8)
    matrix = score_matrix(needs, offers, reverse)
    k, per_mentor = 6, 4
    top = CohortScores(needs, offers, reverse, block_rows=7).top(k, per_mentor)
    assert np.array_equal(top.scores, matrix[top.mentees, top.mentors])
    assert np.isfinite(top.scores).all()
    assert (np.diff(top.mentees * len(offers) + top.mentors) > 0).all()  # each pair once, by (mentee, mentor)
    assert np.array_equal(top.eligible, np.isfinite(matrix).any(axis=1))
    for i in range(len(needs)):
        best = np.sort(matrix[i][np.isfinite(matrix[i])])[::-1][:k]
        assert np.array_equal(np.sort(top.scores[top.mentees == i])[::-1][: len(best)], best)
    for j in range(len(offers)):
        best = np.sort(matrix[:, j][np.isfinite(matrix[:, j])])[::-1][:per_mentor]
        assert np.array_equal(np.sort(top.scores[top.mentors == j])[::-1][: len(best)], best)


def test_where_blocks_begin_changes_nothing():
    needs, offers = instance(200, 60, seed=9)
    whole, *split = (CohortScores(needs, offers, block_rows=rows) for rows in (1000, 1, 7, 64))
    for cohort in split:
        assert np.array_equal(cohort.matrix(), whole.matrix())
        a, b = cohort.top(5, 3), whole.top(5, 3)
        assert all(np.array_equal(x, y) for x, y in zip(vars(a).values(), vars(b).values(), strict=True))
        assert assign_within(a) == assign_within(b)
        assert assign_sparse(cohort) == assign_sparse(whole)
        assert assign_greedy(cohort) == assign_greedy(whole)
        assert assign_dense(cohort) == assign_dense(whole)


def test_people_alike_spread_over_each_other():
    # Six alike mentees and twelve alike mentors: every score ties. Mentee i's list starts at mentor
    # 2i and mentor c's at mentee c, so the lists reach everyone instead of the same few.
    offers = [MentorOffer(j, f"UM{j}", ("Leadership",), level=3, capacity=1, load=0) for j in range(12)]
    needs = [MenteeNeeds(f"UE{i}", ("Leadership",), level=1) for i in range(6)]
    top = CohortScores(needs, offers).top(2, 1)
    edges = set(zip(top.mentees.tolist(), top.mentors.tolist(), strict=True))
    assert {(i, 2 * i + d) for i in range(6) for d in (0, 1)} <= edges
    assert {(c % 6, c) for c in range(12)} <= edges


def crowded(mentees: int, mentors: int, seed: int) -> tuple[list[MenteeNeeds], list[MentorOffer]]:
    """A cohort of people alike: one timezone, few topics, most in one department, so scores tie in
    large groups and everyone wants the same mentors."""
    rng = random.Random(seed)
    departments = ["Engineering", "Engineering", "Engineering", "Sales", "Operations"]
    offers = [
        MentorOffer(
            j,
            f"UM{j}",
            tuple(rng.sample(TOPICS[:4], rng.randint(1, 2))),
            level=rng.choice([3, 4, 4, 5]),
            capacity=rng.choice([1, 2]),
            load=0,
            department=rng.choice(departments),
            tz_offset=0,
        )
        for j in range(mentors)
    ]
    needs = [
        MenteeNeeds(
            f"UE{i}",
            (rng.choice(TOPICS[:3]),),
            level=rng.choice([1, 2, 2]),
            department=rng.choice(departments),
            tz_offset=0,
            wants_outside_team=rng.random() < 0.5,
        )
        for i in range(mentees)
    ]
    return needs, offers


@pytest.mark.parametrize(("mentees", "mentors"), [(400, 150), (300, 300)])
def test_a_crowded_cohort_of_people_alike_still_gets_the_optimum(mentees, mentors):
    # Top-k lists drawn by score alone all name the same few mentors here: a graph of those leaves
    # most places out of reach. Ties spread over alike people, the mentors' own lists, and the
    # second look by price bring the sparse solution to the dense optimum.
    needs, offers = crowded(mentees, mentors, seed=1)
    cohort = CohortScores(needs, offers)
    dense, sparse = assign_dense(cohort), assign_sparse(cohort, top_k=8, per_mentor=4)
    assert (len(sparse.picks), sparse.total_score) == (len(dense.picks), dense.total_score)
    assert assign_greedy(cohort).total_score < dense.total_score


@pytest.mark.parametrize(("mentees", "mentors"), [(0, 5), (5, 0), (0, 0)])
def test_an_empty_side_leaves_everyone_unmatched(mentees, mentors):
    needs, offers = instance(mentees, mentors, seed=2) if mentors else (instance(mentees, 1, seed=2)[0], [])
    cohort = CohortScores(needs, offers)
    for solved in (assign_dense(cohort), assign_sparse(cohort), assign_greedy(cohort)):
        assert solved.picks == []
        assert solved.unmatched == dict.fromkeys(range(mentees), "no eligible mentor has a free place")


def test_loading_the_cohort_matcher_leaves_numpy_and_scipy_unloaded():
    probe = "import sys, bot.matching.cohorts; print(sorted({'numpy', 'scipy'} & set(sys.modules)))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"


def test_nobody_gets_a_mentor_outside_their_topics_while_one_covering_them_has_room():
    # One place covers Leadership; the stranger's place would match one more mentee, but only
    # outside their topics, so the second Leadership mentee stays unmatched instead.
    offers = [
        MentorOffer(0, "UCOVER", ("Leadership",), level=3, capacity=1, load=0),
        MentorOffer(1, "USTRANGER", ("Budgets",), level=5, capacity=1, load=0, department="Finance", tz_offset=0),
    ]
    needs = [
        MenteeNeeds("U1", ("Leadership",), level=2, department="Sales", tz_offset=0),
        MenteeNeeds("U2", ("Leadership",), level=2, department="Sales", tz_offset=0),
    ]
    cohort = CohortScores(needs, offers)
    for solved in (assign_dense(cohort), assign_sparse(cohort), assign_greedy(cohort)):
        [pick] = solved.picks
        assert pick.mentor == 0
        assert solved.unmatched == {1 - pick.mentee: "the mentors who fit were all needed for other mentees"}


def test_a_mentee_who_asked_for_a_broader_match_gets_one_only_when_nobody_covers_them():
    offers = [MentorOffer(0, "USTRANGER", ("Budgets",), level=5, capacity=2, load=0)]
    asked = MenteeNeeds("U1", ("Leadership",), level=2, broader=True)
    waits = MenteeNeeds("U2", ("Leadership",), level=2)
    solved = assign_dense(CohortScores([asked, waits], offers))
    assert [(p.mentee, p.mentor) for p in solved.picks] == [(0, 0)]
    assert solved.unmatched == {1: "no eligible mentor has a free place"}
    # With a covering mentor in the pool, a broader match is no longer needed.
    covering = MentorOffer(1, "UCOVER", ("Leadership",), level=3, capacity=1, load=0)
    matrix = score_matrix([asked], [*offers, covering])
    assert matrix[0, 0] == -np.inf and np.isfinite(matrix[0, 1])


def test_goal_text_scores_alike_in_cohorts_and_one_at_a_time():
    from bot.matching.goals import GoalFit

    needs, offers = instance(40, 30, seed=4)
    words = ["feedback", "roadmap", "hiring", "sql", "talks", "scaling", "budgets", "burnout"]
    rng = random.Random(4)
    needs = [replace(x, goals=" ".join(rng.sample(words, 3))) for x in needs]
    offers = [replace(o, bio=" ".join(rng.sample(words, 2))) for o in offers]
    matrix = score_matrix(needs, offers)
    open_offers = [o for o in offers if o.remaining > 0]
    fit = GoalFit(needs, open_offers)
    differ = 0
    for i, x in enumerate(needs):
        fits = dict(zip((o.profile_id for o in open_offers), fit.of(i), strict=True))
        allowed = {o.profile_id for o in eligible(x, offers)}
        for j, o in enumerate(offers):
            if o.profile_id in allowed:
                assert matrix[i, j] == score(x, o, goal_fit=fits[o.profile_id]).score
                differ += matrix[i, j] != score(x, o).score
    assert differ > 0  # the goals did change some scores
