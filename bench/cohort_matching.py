"""Benchmark: cohort matching of 5,000 waiting mentees to 2,000 mentors with 1-3 places each.

Three solvers on the same instance, each in its own process so peak RSS is its own:
sparse (what /mentor match uses at this size), dense linear_sum_assignment (the exact optimum),
and greedy one-by-one matching (the baseline to beat).

    .venv/bin/python bench/cohort_matching.py [--mentees 5000] [--mentors 2000] [--top-k 24]
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.matching.assignment import DEFAULT_TOP_K  # noqa: E402
from bot.matching.scoring import MenteeNeeds, MentorOffer  # noqa: E402
from bot.programs.catalog import DEFAULT_TOPICS  # noqa: E402

DEPARTMENTS = ["Engineering", "Sales", "Finance", "Design", "Marketing", "Operations", "People", "Legal"]
OFFSETS = [-28800, -18000, 0, 3600, 7200, 19800, 32400, 36000]


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


def solve(method: str, mentees: int, mentors: int, top_k: int) -> dict:
    from bot.matching.assignment import assign_dense, assign_greedy, assign_sparse, score_matrix

    needs, offers = instance(mentees, mentors)
    began = time.perf_counter()
    scores = score_matrix(needs, offers)
    scored = time.perf_counter() - began
    if method == "sparse":
        result = assign_sparse(scores, offers, top_k=top_k)
    elif method == "dense":
        result = assign_dense(scores, offers)
    else:
        result = assign_greedy(scores, offers)
    seconds = time.perf_counter() - began
    return {
        "seconds": seconds,
        "scoring_seconds": scored,
        "total": result.total_score,
        "matched": len(result.picks),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentees", type=int, default=5000)
    parser.add_argument("--mentors", type=int, default=2000)
    parser.add_argument("--top-k", type=int, default=DEFAULT_TOP_K)
    parser.add_argument("--method", choices=["sparse", "dense", "greedy"])
    args = parser.parse_args()
    if args.method:
        print(json.dumps(solve(args.method, args.mentees, args.mentors, args.top_k)))
        return
    results = {}
    for method in ("sparse", "dense", "greedy"):
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--method",
                method,
                "--mentees",
                str(args.mentees),
                "--mentors",
                str(args.mentors),
                "--top-k",
                str(args.top_k),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        results[method] = json.loads(out.stdout.strip().splitlines()[-1])
    optimum = results["dense"]["total"]
    places = sum(o.capacity for o in instance(args.mentees, args.mentors)[1])
    print(f"{args.mentees} mentees x {args.mentors} mentors ({places} places), sparse top-k {args.top_k}")
    columns = ("seconds", 9), ("scoring s", 11), ("matched", 9), ("total score", 14), ("% of optimum", 14)
    print(f"{'':10}" + "".join(f"{name:>{width}}" for name, width in columns) + f"{'peak RSS MB':>13}")
    for method in ("sparse", "dense", "greedy"):
        r = results[method]
        print(
            f"{method:10}{r['seconds']:>9.2f}{r['scoring_seconds']:>11.2f}{r['matched']:>9}{r['total']:>14,.1f}"
            f"{100 * r['total'] / optimum:>13.3f}%{r['peak_rss_mb']:>13.0f}"
        )


if __name__ == "__main__":
    main()
