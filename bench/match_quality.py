"""Benchmark: how well proposals fit mentees' topics, before and after topic fit came first.

A seeded synthetic population (300 mentees x 80 mentors unless told) with realistic skew: a few
topics (leadership, career growth, communication) are asked for far more than the rest, mentors
offer what they know rather than what is asked for, and each has 1-3 places. Mentees write goals
in their own words and mentors a short bio, so the goal text has something to find.

Both scorers run on the same population in the same run:

- before: the scoring this project used until topic fit came first, copied here as it was
  (topics 45 of 100; seniority, department, timezone and room 55; no goals; no topic rule);
- after: bot.matching.scoring as it is (topics dominate, the topic rule, goals by TF-IDF).

Two ways of matching are measured:

- one at a time, as requests arrive (propose_next): each mentee is proposed the best mentor with a
  free place, who accepts. When nobody with room covers any of a mentee's topics, the new bot asks
  them to choose; --broader-share of them (seeded) ask for a broader match, the rest wait;
- a cohort, all at once (/mentor match): the exact optimum (assign_dense) of each score.

Reported per scorer: proposals made, topic coverage (the mean share of a mentee's topics their
proposed mentor covers), the share of proposals sharing no topic at all, and of those, how many
were made while a mentor with room covered one of the mentee's topics.

    .venv/bin/python bench/match_quality.py
    .venv/bin/python bench/match_quality.py --mentees 1000 --mentors 300 --seed 7
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.matching.goals import GoalFit  # noqa: E402
from bot.matching.scoring import (  # noqa: E402
    MenteeNeeds,
    MentorOffer,
    covers_any,
    exclusion,
    nobody_covers,
    rank,
    timezone_gap_hours,
    wanted_topics,
)
from bot.people.vocabulary import normalize_topic  # noqa: E402
from bot.programs.catalog import DEFAULT_TOPICS  # noqa: E402

DEPARTMENTS = ["Engineering", "Engineering", "Sales", "Finance", "Design", "Marketing", "Operations", "People"]
OFFSETS = [-28800, -18000, 0, 0, 3600, 3600, 7200, 19800, 32400]
# Words people use about each topic, for goals and bios.
WORDS = {
    "Career growth": "promotion next role career path growth plan",
    "Leadership": "lead a team leading people leadership vision",
    "People management": "manage reports one-on-ones hiring performance reviews",
    "Communication": "communicate clearly writing updates stakeholders",
    "Giving and receiving feedback": "feedback difficult conversations giving feedback",
    "Navigating the organisation": "navigate politics influence decisions organisation",
    "Public speaking": "presentations talks speaking conference stage",
    "Product thinking": "product roadmap customers discovery prioritise",
    "Software engineering": "code reviews testing architecture engineering practices",
    "System design": "distributed systems scaling design reviews databases",
    "Data and analytics": "sql dashboards metrics analysis experiments",
    "Design and UX": "user research prototypes interface design",
    "Sales and customers": "deals pipeline negotiation customers accounts",
    "Work-life balance": "burnout boundaries energy balance time",
    "New tools and AI": "ai assistants automation tooling llms",
}
FILLER = "I would like to get better at this and learn from someone who has done it before".split()


# --- the scoring before topic fit came first, as it was -----------------------------------------

OLD_TOPIC, OLD_SENIORITY, OLD_CROSS_TEAM, OLD_TIMEZONE, OLD_CAPACITY, OLD_PENALTY = 45.0, 20.0, 15.0, 12.0, 8.0, 20.0


def old_score(needs: MenteeNeeds, offer: MentorOffer) -> float:
    wanted = {normalize_topic(t) for t in needs.topics}
    offered = {normalize_topic(t) for t in offer.topics}
    topic = OLD_TOPIC / 2 if not wanted else OLD_TOPIC * len(wanted & offered) / len(wanted)
    if needs.level is None:
        seniority = OLD_SENIORITY / 2
    else:
        gap = offer.level - needs.level
        if gap in (1, 2):
            seniority = OLD_SENIORITY
        elif gap >= 3:
            seniority = OLD_SENIORITY * 0.75
        else:
            seniority = (OLD_SENIORITY * 0.4 if gap == 0 else 0.0) - (OLD_PENALTY if needs.wants_more_senior else 0.0)
    if not needs.department or not offer.department:
        cross = OLD_CROSS_TEAM / 3
    elif normalize_topic(needs.department) != normalize_topic(offer.department):
        cross = OLD_CROSS_TEAM
    else:
        cross = -OLD_PENALTY if needs.wants_outside_team else 0.0
    if needs.tz_offset is None or offer.tz_offset is None:
        tz = OLD_TIMEZONE / 2
    else:
        hours = timezone_gap_hours(needs.tz_offset, offer.tz_offset)
        tz = OLD_TIMEZONE * (1.0 if hours <= 2 else max(0.0, (9 - hours) / 7))
    return round(topic + seniority + cross + tz + OLD_CAPACITY * offer.remaining / offer.capacity, 2)


def old_rank(needs: MenteeNeeds, offers: Sequence[MentorOffer]) -> list[MentorOffer]:
    ranked = [(old_score(needs, o), o) for o in offers if exclusion(needs, o) is None]
    ranked.sort(key=lambda p: (-p[0], p[1].load, p[1].profile_id))
    return [o for _, o in ranked]


# --- the population -------------------------------------------------------------------------------


def population(mentees: int, mentors: int, seed: int) -> tuple[list[MenteeNeeds], list[MentorOffer]]:
    rng = random.Random(seed)
    # What mentees ask for is skewed towards a few topics; what mentors offer is skewed differently.
    demand = [1 / (rank + 1) ** 1.1 for rank in range(len(DEFAULT_TOPICS))]
    supply_order = DEFAULT_TOPICS[:]
    rng.shuffle(supply_order)
    supply = {t: 1 / (rank + 1) ** 0.6 for rank, t in enumerate(supply_order)}

    def pick(weights: Sequence[float], topics: Sequence[str], k: int) -> list[str]:
        chosen: list[str] = []
        while len(chosen) < k:
            t = rng.choices(topics, weights)[0]
            if t not in chosen:
                chosen.append(t)
        return chosen

    def words(topics: Sequence[str], extra: int) -> str:
        bag = [w for t in topics for w in rng.sample(WORDS[t].split(), 3)] + rng.sample(FILLER, extra)
        rng.shuffle(bag)
        return " ".join(bag)

    offers = []
    for j in range(mentors):
        topics = pick([supply[t] for t in DEFAULT_TOPICS], DEFAULT_TOPICS, rng.randint(2, 4))
        capacity = rng.randint(1, 3)
        offers.append(
            MentorOffer(
                profile_id=j + 1,
                user_id=f"UM{j:05d}",
                topics=tuple(topics),
                level=rng.randint(2, 6),
                capacity=capacity,
                load=0,
                department=rng.choice(DEPARTMENTS),
                tz_offset=rng.choice(OFFSETS),
                bio=words(topics + rng.sample(DEFAULT_TOPICS, 1), 4),
            )
        )
    needs = []
    for i in range(mentees):
        topics = pick(demand, DEFAULT_TOPICS, rng.choice([1, 1, 2, 2, 2, 3]))
        needs.append(
            MenteeNeeds(
                user_id=f"UE{i:05d}",
                topics=tuple(topics),
                level=rng.randint(1, 4),
                department=rng.choice(DEPARTMENTS),
                tz_offset=rng.choice(OFFSETS),
                wants_outside_team=rng.random() < 0.25,
                wants_more_senior=rng.random() < 0.4,
                goals=words(topics, 8),
            )
        )
    return needs, offers


# --- measuring ------------------------------------------------------------------------------------


@dataclass
class Quality:
    proposals: int = 0
    coverage: float = 0.0  # summed over proposals; divided when reported
    zero_overlap: int = 0
    zero_while_covered: int = 0  # zero-overlap proposals while a mentor with room covered a topic
    waiting: int = 0  # nobody with room covers a topic, and the mentee chose to wait
    unmatched: int = 0  # no place at all

    def add(self, needs: MenteeNeeds, chosen: MentorOffer, offers: Sequence[MentorOffer]) -> None:
        wanted = wanted_topics(needs)
        covered = {normalize_topic(t) for t in chosen.topics} & set(wanted)
        self.proposals += 1
        self.coverage += len(covered) / len(wanted)
        if not covered:
            self.zero_overlap += 1
            if any(covers_any(needs, o) for o in offers if exclusion(needs, o) is None):
                self.zero_while_covered += 1

    def line(self, name: str) -> str:
        n = max(self.proposals, 1)
        return (
            f"{name:<8} {self.proposals:>9} {self.coverage / n:>14.1%} {self.zero_overlap / n:>12.1%}"
            f" {self.zero_while_covered:>20} {self.waiting:>16} {self.unmatched:>10}"
        )


HEADER = (
    f"{'scorer':<8} {'proposals':>9} {'topic coverage':>14} {'zero-overlap':>12}"
    f" {'zero, coverer free':>20} {'chose to wait':>16} {'no place':>10}"
)


def one_at_a_time(
    needs: list[MenteeNeeds], offers: list[MentorOffer], new: bool, broader_share: float, seed: int
) -> Quality:
    rng = random.Random(seed)
    offers = list(offers)
    quality = Quality()
    for x in needs:
        if new:
            ranked = rank_one(x, offers)
            if not ranked and nobody_covers(x, offers):
                if rng.random() < broader_share:
                    x = replace(x, broader=True)
                    ranked = rank_one(x, offers)
                else:
                    quality.waiting += 1
                    continue
        else:
            ranked = old_rank(x, offers)
        if not ranked:
            quality.unmatched += 1
            continue
        chosen = ranked[0]
        quality.add(x, chosen, offers)
        offers[offers.index(chosen)] = replace(chosen, load=chosen.load + 1)
    return quality


def cohort(needs: list[MenteeNeeds], offers: list[MentorOffer], new: bool) -> Quality:
    import numpy as np

    from bot.matching.assignment import CohortScores, assign_dense

    scores = CohortScores(needs, offers)
    if not new:
        # The old scores, in the same solver: only the matrix differs.
        matrix = np.array(
            [[old_score(x, o) if exclusion(x, o) is None else -np.inf for o in offers] for x in needs]
        ).reshape(len(needs), len(offers))
        scores.matrix = lambda: matrix  # type: ignore[method-assign]
    solved = assign_dense(scores)
    quality = Quality()
    for pick in solved.picks:
        quality.add(needs[pick.mentee], offers[pick.mentor], offers)
    quality.unmatched = len(solved.unmatched)
    return quality


def rank_one(needs: MenteeNeeds, offers: list[MentorOffer]) -> list[MentorOffer]:
    return [m.offer for m in rank(needs, offers, goal_fit=GoalFit([needs], offers).of(0))]


def timed(work: Callable[[], object], runs: int) -> float:
    began = time.perf_counter()
    for _ in range(runs):
        work()
    return (time.perf_counter() - began) / runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mentees", type=int, default=300)
    parser.add_argument("--mentors", type=int, default=80)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--broader-share", type=float, default=0.5, help="of mentees nobody covers, who ask for more")
    args = parser.parse_args()

    needs, offers = population(args.mentees, args.mentors, args.seed)
    places = sum(o.capacity for o in offers)
    print(f"{args.mentees} mentees x {args.mentors} mentors ({places} places), seed {args.seed}\n")
    print("One request at a time, as they arrive (each proposal accepted):")
    print(HEADER)
    print(one_at_a_time(needs, offers, new=False, broader_share=args.broader_share, seed=args.seed).line("before"))
    print(one_at_a_time(needs, offers, new=True, broader_share=args.broader_share, seed=args.seed).line("after"))
    print("\nA cohort, all at once (the exact optimum of each score):")
    print(HEADER)
    print(cohort(needs, offers, new=False).line("before"))
    print(cohort(needs, offers, new=True).line("after"))

    # What one request costs the new scorer: TF-IDF over every mentor's profile, then the ranking.
    print("\nTime to rank one request against the same mentors as the last (TF-IDF, then scoring):")
    for mentors in (args.mentors, 400):
        some_needs, some_offers = population(20, mentors, args.seed + 1)
        each = timed(partial(rank_one, some_needs[0], some_offers), 20)
        print(f"  {mentors:>4} mentors: {each * 1000:.1f} ms")
    spread = statistics.mean(len(o.topics) for o in offers)
    print(f"\n(mentors offer {spread:.1f} topics on average; mentees ask for 1-3)")


if __name__ == "__main__":
    main()
