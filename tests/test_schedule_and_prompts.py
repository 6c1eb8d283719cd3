"""Calendar math and the prompt library, as pure functions."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from bot.pairing import prompts
from bot.pairing.calendar import catch_up, first_slot, following_slot, zone
from bot.storage.statuses import Audience

BERLIN = zone("Europe/Berlin")


def test_first_slot_leaves_the_pair_a_day_and_lands_on_the_weekday():
    sunday_noon = datetime(2026, 12, 6, 12, tzinfo=UTC)
    assert first_slot(sunday_noon, 0, 10, BERLIN) == datetime(2026, 12, 7, 9, tzinfo=UTC)
    sunday_evening = datetime(2026, 12, 6, 20, tzinfo=UTC)  # Monday 10:00 would be only 13 h later
    assert first_slot(sunday_evening, 0, 10, BERLIN) == datetime(2026, 12, 14, 9, tzinfo=UTC)


def test_following_slot_keeps_local_time_across_both_dst_changes():
    before_spring = datetime(2027, 3, 22, 9, tzinfo=UTC)  # 10:00 CET
    assert following_slot(before_spring, 1, 10, BERLIN) == datetime(2027, 3, 29, 8, tzinfo=UTC)  # 10:00 CEST
    before_autumn = datetime(2027, 10, 25, 8, tzinfo=UTC)  # 10:00 CEST; clocks go back on 31 October
    assert following_slot(before_autumn, 1, 10, BERLIN) == datetime(2027, 11, 1, 9, tzinfo=UTC)  # 10:00 CET


def test_catch_up_skips_to_the_latest_due_slot():
    slot = datetime(2026, 12, 7, 9, tzinfo=UTC)
    assert catch_up(slot, 1, slot, 1, 10, BERLIN) == (slot, 1)
    later = slot + timedelta(weeks=3, hours=5)
    assert catch_up(slot, 1, later, 1, 10, BERLIN) == (slot + timedelta(weeks=3), 4)


def test_unknown_timezones_fall_back():
    assert zone("Mars/Olympus", "Europe/Berlin") == BERLIN
    assert str(zone(None, "Nowhere")) == "UTC"


def test_the_library_has_enough_plain_questions_for_every_theme():
    assert len(prompts.LIBRARY) >= 24
    assert len({p.key for p in prompts.LIBRARY}) == len(prompts.LIBRARY)
    for p in prompts.LIBRARY:
        for text in (p.classic, p.reverse):
            assert "?" in text and len(text) < 140, p.key
        assert p.classic != p.reverse
    for audience in (prompts.MENTEE, prompts.MENTOR):
        assert {p.theme for p in prompts.library(audience)} == set(prompts.PRACTICES)


def test_pick_never_repeats_within_a_cycle_and_varies_between_pairs():
    for audience in (prompts.MENTEE, prompts.MENTOR):
        size = len(prompts.library(audience))
        used: list[str] = []
        for _ in range(size * 2 + 3):
            used.append(prompts.pick(audience, used, seed=42).key)
        assert len(set(used[:size])) == size
        assert len(set(used[size : 2 * size])) == size
    first = [prompts.pick(prompts.MENTEE, [], seed=s).key for s in range(10)]
    assert len(set(first)) > 1


def test_each_pair_keeps_the_prompt_order_it_has_always_had():
    # Pairs mid-program must go on in the order they started with: Random(seed).shuffle's order.
    for listed in (prompts.library(Audience.MENTEE), prompts.library(Audience.MENTOR), list(prompts.ENCOURAGEMENT)):
        for seed in range(3000):
            expected = list(listed)
            random.Random(seed).shuffle(expected)
            assert [p.key for p in prompts._shuffled(listed, seed)] == [p.key for p in expected], seed
