"""Scoring and ranking: pure functions, no Slack and no database."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.matching.reasons import Reader, render
from bot.matching.scoring import (
    MenteeNeeds,
    MentorOffer,
    eligible,
    exclusion,
    nobody_covers,
    rank,
    score,
    timezone_gap_hours,
)


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
    # A mentor sharing no topic is never ranked while another covers one.
    assert [m.offer.user_id for m in ranked] == ["UFULL", "UHALF"]
    mentee_words = render(ranked[0].reasons, Reader.MENTEE)
    assert mentee_words[0] == "offers all your topics: Leadership and System design"
    assert "1 hour apart" in mentee_words
    assert render(ranked[1].reasons, Reader.MENTEE)[0] == (
        "offers Leadership, which you want help with (1 of your 2 topics)"
    )


def test_topic_fit_outweighs_every_other_factor():
    # With topics worth 45 of 100, a more senior mentor from another department in the same timezone
    # outscored a junior colleague from the same department, 9 hours away, who covers the only topic.
    needs = MenteeNeeds(user_id="UE1", topics=("Leadership",), level=3, department="Sales", tz_offset=0)
    covering = mentor("UCOVER", 1, topics=("Leadership",), level=2, department="Sales", tz_offset=9 * 3600, load=1)
    stranger = mentor("USTRANGER", 2, topics=("Budgets",), level=5, department="Finance", tz_offset=0)
    assert score(needs, covering).score > score(needs, stranger).score
    assert [m.offer.user_id for m in rank(needs, [stranger, covering])] == ["UCOVER"]
    assert not nobody_covers(needs, [stranger, covering])


def test_nobody_covering_leaves_the_choice_to_the_mentee():
    needs = MenteeNeeds(user_id="UE1", topics=("Leadership",), level=2)
    strangers = [mentor("UA", 1, topics=("Budgets",)), mentor("UB", 2, topics=("Sales",), level=3)]
    assert rank(needs, strangers) == []
    assert nobody_covers(needs, strangers)
    broader = rank(replace(needs, broader=True), strangers)
    assert {m.offer.user_id for m in broader} == {"UA", "UB"}
    # The broader proposal says so first, to each reader.
    assert render(broader[0].reasons, Reader.MENTOR)[0].startswith("none of their topics (Leadership)")
    assert render(broader[0].reasons, Reader.MENTEE)[0].startswith("doesn't list your topics (Leadership)")
    # Once a covering mentor has room again, even a mentee who chose broader gets them.
    covering = mentor("UC", 3, topics=("leadership",), level=1)
    assert [o.user_id for o in eligible(replace(needs, broader=True), [*strangers, covering])] == ["UC"]
    # A mentee with no topics is not held back.
    assert len(rank(replace(needs, topics=()), strangers)) == 2


def test_goals_break_a_tie_but_never_beat_a_topic():
    needs = MenteeNeeds(user_id="UE1", topics=("Leadership", "Communication"), level=2)
    one = mentor("UONE", 1, topics=("Leadership",))
    assert score(needs, one, goal_fit=1.0).score < score(needs, mentor(topics=("Leadership", "Communication"))).score
    assert score(needs, one, goal_fit=0.5).score > score(needs, one).score
    ranked = rank(needs, [one, mentor("UTWIN", 2, topics=("Leadership",))], goal_fit=[0.0, 0.4])
    assert [m.offer.user_id for m in ranked] == ["UTWIN", "UONE"]
    assert "their profile echoes what you wrote about your goals" in render(ranked[0].reasons, Reader.MENTEE)


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
    outside_senior = mentor("UOUT", 2, level=5, department="Finance", topics=("Leadership", "Budgets"))
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
    # Room left is never a reason: it is out of date as soon as someone else is matched.
    assert render(ranked[0].reasons, Reader.MENTEE) == [
        "offers Leadership, which you want help with",
        "2 levels more senior than you",
    ]
    assert render(ranked[0].reasons, Reader.MENTOR) == [
        "wants help with Leadership, which you offer",
        "2 levels junior to you",
    ]
