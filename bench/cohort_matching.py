"""Benchmark: cohort matching of waiting mentees to mentors with 1-3 places each, time, memory and quality.

Every solver runs in its own process, so its peak RSS is its own:

- sparse: what /mentor match uses for large pools (a candidate graph of each mentee's top-k, each
  mentor's best mentees and the greedy pairs, solved exactly, then grown once for crowded-out mentees);
- dense: linear_sum_assignment over every place, the exact optimum;
- greedy: one mentee after another, each taking their best mentor with a free place: the baseline.

Up to --dense-limit (mentees x places) cells, dense runs on the whole instance and is the optimum.
Above it, dense would need more memory than it is worth, so sparse and greedy run on the whole
instance, and all three run again on a random --sample of it (5,000 x 2,000 unless told), where the
dense optimum is affordable. The whole-instance figures are also set against an upper bound on
the total score, which no assignment can beat: the sum of the best scores of as many mentees as
there are places, or of every mentor's best mentees for their places, whichever is smaller.

    .venv/bin/python bench/cohort_matching.py                                    # 5,000 x 2,000
    .venv/bin/python bench/cohort_matching.py --mentees 50000 --mentors 20000    # plus a 5,000 x 2,000 sample
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.matching.assignment import DEFAULT_MENTOR_K, DEFAULT_TOP_K, Candidates  # noqa: E402
from bot.matching.scoring import MenteeNeeds, MentorOffer  # noqa: E402
from bot.programs.catalog import DEFAULT_TOPICS  # noqa: E402

DEPARTMENTS = ["Engineering", "Sales", "Finance", "Design", "Marketing", "Operations", "People", "Legal"]
OFFSETS = [-28800, -18000, 0, 3600, 7200, 19800, 32400, 36000]
METHODS = ("sparse", "dense", "greedy")


def instance(mentees: int, mentors: int, seed: int = 2026) -> tuple[list[MenteeNeeds], list[MentorOffer]]:
    rng = random.Random(seed)
    offers = [
        MentorOffer(
            profile_id=j,
            user_id=f"UM{j:06d}",
            topics=tuple(rng.sample(DEFAULT_TOPICS, rng.randint(2, 5))),
            level=rng.randint(2, 6),
            capacity=rng.randint(1, 3),
            load=0,
            department=rng.choice(DEPARTMENTS),
            tz_offset=rng.choice(OFFSETS),
        )
        for j in range(mentors)
    ]
    needs = [
        MenteeNeeds(
            user_id=f"UE{i:06d}",
            topics=tuple(rng.sample(DEFAULT_TOPICS, rng.randint(1, 3))),
            level=rng.randint(1, 4),
            department=rng.choice(DEPARTMENTS),
            tz_offset=rng.choice(OFFSETS),
            wants_outside_team=rng.random() < 0.3,
            wants_more_senior=rng.random() < 0.4,
            manager_user_id=f"UM{rng.randrange(mentors):06d}" if rng.random() < 0.1 else None,
        )
        for i in range(mentees)
    ]
    return needs, offers


def sampled(
    needs: list[MenteeNeeds], offers: list[MentorOffer], sample: tuple[int, int], seed: int = 7
) -> tuple[list[MenteeNeeds], list[MentorOffer]]:
    """A random sub-problem of the instance: some of its mentees and some of its mentors, as they are."""
    rng = random.Random(seed)
    mentees = sorted(rng.sample(range(len(needs)), min(sample[0], len(needs))))
    mentors = sorted(rng.sample(range(len(offers)), min(sample[1], len(offers))))
    return [needs[i] for i in mentees], [offers[j] for j in mentors]


def upper_bound(candidates: Candidates, per_mentor: int) -> float:
    """No assignment's total score exceeds this: every pick is at most its mentee's best score, and
    at most its mentor's r-th best for the mentor's r places.

    Both are read off the candidate graph, which holds each mentee's best mentor and, when
    per_mentor covers every mentor's places, each mentor's best mentees for their places.
    """
    import numpy as np

    places = int(candidates.places.sum())
    best = np.full(len(candidates.eligible), -np.inf)
    np.maximum.at(best, candidates.mentees, candidates.scores)
    by_mentee = float(np.sort(np.maximum(best, 0))[::-1][:places].sum())
    if candidates.places.max(initial=0) > per_mentor:
        return round(by_mentee, 2)
    order = np.lexsort((-candidates.scores, candidates.mentors))
    mentors, scores = candidates.mentors[order], np.maximum(candidates.scores[order], 0)
    first = np.searchsorted(mentors, mentors)  # each edge's mentor starts here in the sorted list
    within = np.arange(len(mentors)) - first
    by_mentor = float(scores[within < candidates.places[mentors]].sum())
    return round(min(by_mentee, by_mentor), 2)


def solve(args: argparse.Namespace) -> dict[str, Any]:
    from bot.matching.assignment import CohortScores, assign_dense, assign_greedy, assign_sparse

    needs, offers = instance(args.mentees, args.mentors)
    if args.sample:
        needs, offers = sampled(needs, offers, args.sample)
    began, cpu = time.perf_counter(), time.process_time()
    scores = CohortScores(needs, offers)
    figures: dict[str, Any] = {}
    if args.method == "sparse":
        result = assign_sparse(scores, args.top_k, args.per_mentor)
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
        # Outside the timing: the first candidate graph again, for its size and the upper bound.
        candidates = scores.top(args.top_k, args.per_mentor)
        figures = {"edges": len(candidates.mentees), "bound": upper_bound(candidates, args.per_mentor)}
    else:
        result = assign_dense(scores) if args.method == "dense" else assign_greedy(scores)
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "total": result.total_score,
        "matched": len(result.picks),
        "places": int(scores.places.sum()),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        **figures,
    }


def run(args: argparse.Namespace, method: str, sample: tuple[int, int] | None) -> dict[str, Any]:
    command = [sys.executable, __file__, "--method", method, "--mentees", str(args.mentees)]
    command += ["--mentors", str(args.mentors), "--top-k", str(args.top_k), "--per-mentor", str(args.per_mentor)]
    if sample:
        command += ["--sample", str(sample[0]), str(sample[1])]
    out = subprocess.run(command, capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def report(title: str, results: dict[str, dict[str, Any]]) -> None:
    optimum = results["dense"]["total"] if "dense" in results else None
    sparse, greedy = results["sparse"], results["greedy"]
    print(title)
    head = f"{'':8}{'seconds':>9}{'cpu s':>8}{'matched':>9}{'total score':>14}{'% of optimum':>14}"
    print(head + f"{'% of greedy':>13}{'peak RSS MB':>13}")
    for method, r in results.items():
        of_optimum = f"{100 * r['total'] / optimum:>13.3f}%" if optimum else f"{'n/a':>14}"
        print(
            f"{method:8}{r['seconds']:>9.2f}{r['cpu_seconds']:>8.2f}{r['matched']:>9}{r['total']:>14,.1f}{of_optimum}"
            f"{100 * r['total'] / greedy['total']:>12.2f}%{r['peak_rss_mb']:>13.0f}"
        )
    print(
        f"sparse: {sparse['edges']:,} candidate pairs; {sparse['matched']:,} of {sparse['places']:,} places filled; "
        f"{100 * sparse['total'] / sparse['bound']:.3f}% of the upper bound {sparse['bound']:,.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentees", type=int, default=5000)
    parser.add_argument("--mentors", type=int, default=2000)
    parser.add_argument("--top-k", type=int, default=DEFAULT_TOP_K)
    parser.add_argument("--per-mentor", type=int, default=DEFAULT_MENTOR_K)
    parser.add_argument("--sample", type=int, nargs=2, metavar=("MENTEES", "MENTORS"), default=None)
    parser.add_argument("--dense-limit", type=int, default=50_000_000, help="largest mentees x places for dense")
    parser.add_argument("--method", choices=METHODS)
    args = parser.parse_args()
    if args.method:
        print(json.dumps(solve(args)))
        return
    places = sum(o.remaining for o in instance(args.mentees, args.mentors)[1])
    title = (
        f"{args.mentees:,} mentees x {args.mentors:,} mentors ({places:,} places), "
        f"sparse top-k {args.top_k}, {args.per_mentor} per mentor"
    )
    if args.mentees * places <= args.dense_limit:
        report(title, {method: run(args, method, None) for method in METHODS})
        return
    report(title + "; dense skipped", {method: run(args, method, None) for method in ("sparse", "greedy")})
    sample = tuple(args.sample or (5000, 2000))
    print()
    report(
        f"a random sample of it: {sample[0]:,} mentees x {sample[1]:,} mentors",
        {method: run(args, method, (sample[0], sample[1])) for method in METHODS},
    )


if __name__ == "__main__":
    main()
