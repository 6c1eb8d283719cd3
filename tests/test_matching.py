"""Scoring and ranking: pure functions, no Slack and no database."""

from __future__ import annotations

from typing import Any

from bot.matching.scoring import MenteeNeeds, MentorOffer, exclusion, rank, score, timezone_gap_hours


def mentor(user_id: str = "UM1", profile_id: int = 1, **kw: Any) -> MentorOffer:
    base: dict[str, Any] = dict(
        topics=("Leadership", "Communication"), level=4, capacity=2, load=0, department="Sales", tz_offset=0
    )
    base.update(kw)
    return MentorOffer(profile_id=profile_id, user_id=user_id, **base)


NEEDS = MenteeNeeds(
    user_id="UE1", topics=("Leadership", "System design"), level=2, department="Engineering", tz_offset=3600
)


def test_the_best_covering_mentor_ranks_first_with_reasons():
    full = mentor("UFULL", 1, topics=("leadership", "System Design"))
    half = mentor("UHALF", 2, topics=("Leadership",))
    none = mentor("UNONE", 3, topics=("Sales",))
    ranked = rank(NEEDS, [none, half, full])
    assert [m.offer.user_id for m in ranked] == ["UFULL", "UHALF", "UNONE"]
    assert ranked[0].reasons[0] == "covers all your topics"
    assert "covers 1 of your 2 topics (Leadership)" in ranked[1].reasons
    assert "1 h timezone gap" in ranked[0].reasons


def test_never_proposed_self_paired_declined_full_or_manager():
    needs = MenteeNeeds(user_id="UE1", topics=(), manager_user_id="UBOSS", excluded_user_ids=frozenset({"UOLD"}))
    assert exclusion(needs, mentor("UE1")) == "is the mentee"
    assert exclusion(needs, mentor("UOLD")) is not None
    assert exclusion(needs, mentor("UFULL", load=2)) == "at capacity"
    assert exclusion(needs, mentor("UBOSS")) == "is the mentee's manager"
    assert exclusion(needs, mentor("UOK")) is None
    assert [m.offer.user_id for m in rank(needs, [mentor("UBOSS", 1), mentor("UOK", 2)])] == ["UOK"]


def test_seniority_cross_team_and_timezone_all_count():
    senior = score(NEEDS, mentor(level=4))
    peer = score(NEEDS, mentor(level=2))
    junior = score(NEEDS, mentor(level=1))
    assert senior.score > peer.score > junior.score
    same_team = score(NEEDS, mentor(department="engineering"))
    assert same_team.score < senior.score
    far = score(NEEDS, mentor(tz_offset=-8 * 3600))
    assert far.score < senior.score
    assert timezone_gap_hours(-8 * 3600, 3600) == 9
    assert timezone_gap_hours(11 * 3600, -11 * 3600) == 2  # across the date line


def test_stated_preferences_push_unmet_mentors_down():
    picky = MenteeNeeds(
        user_id="UE1",
        topics=("Leadership",),
        level=3,
        department="Sales",
        wants_outside_team=True,
        wants_more_senior=True,
    )
    inside_peer = mentor("UIN", 1, level=3, department="Sales")
    outside_senior = mentor("UOUT", 2, level=5, department="Finance", topics=("Budgets",))
    assert [m.offer.user_id for m in rank(picky, [inside_peer, outside_senior])] == ["UOUT", "UIN"]


def test_reverse_mentoring_prefers_junior_mentors_who_opted_in():
    exec_needs = MenteeNeeds(user_id="UEXEC", topics=("New tools and AI",), level=6)
    junior = mentor("UJR", 1, level=1, topics=("New tools and AI",), open_to_reverse=True)
    senior = mentor("USR", 2, level=6, topics=("New tools and AI",), open_to_reverse=True)
    unwilling = mentor("UNO", 3, level=1, topics=("New tools and AI",), open_to_reverse=False)
    ranked = rank(exec_needs, [senior, unwilling, junior], reverse=True)
    assert [m.offer.user_id for m in ranked] == ["UJR", "USR"]
    assert exclusion(exec_needs, unwilling, reverse=True) == "not open to reverse mentoring"


def test_ties_go_to_the_less_loaded_mentor():
    # Identical but for load and capacity, and both half full: the same score, a real tie.
    needs = MenteeNeeds(user_id="UE1", topics=("Leadership",), level=2)
    busy = mentor("UBUSY", 1, capacity=4, load=2)
    quiet = mentor("UQUIET", 2, capacity=2, load=1)
    ranked = rank(needs, [busy, quiet])
    assert ranked[0].score == ranked[1].score
    # The less loaded mentor wins, though the busier one offered first and is listed first.
    assert [m.offer.user_id for m in ranked] == ["UQUIET", "UBUSY"]
    assert ranked[0].reasons == (
        "covers your topic: Leadership",
        "2 levels more senior than you",
        "has room for 1 more mentee",
    )
    assert "has room for 2 more mentees" in ranked[1].reasons
