"""Support when confidence dips, and the prompt library it draws on: through the real endpoint."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import timedelta
from typing import Any

from bot.pairing import practice_views, prompts
from bot.storage.models import CheckIn, ConfidenceNudge, Delivery, Pairing, PromptUse
from bot.storage.statuses import Audience, DeliveryKind
from tests.conftest import OWNER, RunningBot
from tests.flows import MENTEE, MENTOR, all_text, checkins, pair, rows, tick
from tests.slackclient import checkbox_value, select_value, state
from tests.test_living_goals import (
    click_home,
    dashboard_figure,
    home_text,
    many_pairs,
    mentees,
    readers_of,
    sent_texts,
)
from tests.test_rhythm import MONDAY, WEEK, set_program
from tests.test_views import check_golden, pairing, validate_message


def pulse(bot: RunningBot, pair_: Pairing, week: int, confidence: int, support: bool | None = None, user=MENTEE):
    """Week `week`'s check-in: `user` (the mentee by default) says they met and rates their confidence."""
    tick(bot, MONDAY + week * WEEK)
    post = checkins(bot, pair_)[-1]
    assert bot.slack.click_button(post, "We met", user).status == 200
    form = bot.slack.opened_view("checkin_pulse")
    values = state(usefulness=select_value("4"), confidence=select_value(str(confidence)))
    if support is not None:
        values.update(state(support=checkbox_value(["on"] if support else [])))
    assert bot.slack.submit(form, values, user).status == 200


def nudges(bot: RunningBot) -> list[Delivery]:
    return rows(bot, Delivery, Delivery.kind == DeliveryKind.CONFIDENCE_SUPPORT)


def nudge_posts(bot: RunningBot) -> list[dict[str, Any]]:
    return [p for p in bot.fake.posts_to(MENTOR) if "good week to encourage" in p["text"]]


def test_a_sharp_dip_prompts_the_mentor_privately_and_never_shows_the_score(bot):
    p = pair(bot)
    pulse(bot, p, 0, 4)
    assert nudges(bot) == []
    pulse(bot, p, 1, 2)
    [nudge] = nudges(bot)
    [checkin] = rows(bot, CheckIn, CheckIn.period == 2)
    assert (nudge.target, nudge.key, nudge.pairing_id) == (MENTOR, f"support:{checkin.id}", p.id)
    [post] = nudge_posts(bot)
    words = re.sub(r"<@\w+>", "", all_text(post) + json.dumps(post["blocks"]))
    assert not re.search(r"\d", words), words  # no score, no scale, no number at all
    assert "confidence" not in words.lower()
    [used] = rows(bot, ConfidenceNudge)
    assert used.prompt_key in {e.key for e in prompts.ENCOURAGEMENT}
    assert prompts.by_key(used.prompt_key).classic in all_text(post)  # type: ignore[union-attr]
    # The mentee's scores reach no one: not the mentor, the group DM or the owners.
    assert all("2 out of 5" not in words for channel, words in sent_texts(bot) if channel != MENTEE)
    assert readers_of(bot, "good week to encourage") == {MENTOR}


def test_low_twice_in_a_row_prompts_but_a_small_dip_or_one_low_pulse_does_not(bot):
    p = pair(bot)
    pulse(bot, p, 0, 2)  # a first pulse has nothing to dip from
    pulse(bot, p, 1, 3)
    pulse(bot, p, 2, 2)  # down one, from above the low mark
    assert nudges(bot) == []
    pulse(bot, p, 3, 2)  # two in a row at 2
    assert len(nudges(bot)) == 1
    pulse(bot, p, 4, 5)
    pulse(bot, p, 5, 4)
    assert len(nudges(bot)) == 1


def test_the_mentors_own_pulse_or_a_skipped_week_counts_for_nothing(bot):
    p = pair(bot)
    pulse(bot, p, 0, 5)
    tick(bot, MONDAY + WEEK)  # no pulse this week
    pulse(bot, p, 2, 3, user=MENTOR)  # the mentor's form asks no confidence
    assert rows(bot, CheckIn, CheckIn.period == 3)[0].confidence is None
    pulse(bot, p, 3, 3)  # compared with the mentee's latest pulse, a week earlier than last week's
    assert len(nudges(bot)) == 1


def test_the_mentee_turns_nudges_off_in_app_home_and_on_again_in_the_pulse_form(bot):
    p = pair(bot)
    tick(bot, MONDAY)
    assert "Turn encouragement nudges off" not in home_text(bot, MENTOR)
    click_home(bot, MENTEE, "Turn encouragement nudges off")
    assert rows(bot, Pairing)[0].confidence_support is False
    assert "Turn encouragement nudges on" in home_text(bot, MENTEE)
    pulse(bot, p, 1, 5)
    form = bot.slack.opened_view("checkin_pulse")
    support = next(b for b in form["blocks"] if b.get("block_id") == "support")
    assert "initial_options" not in support["element"]  # the form shows their choice
    pulse(bot, p, 2, 2)
    assert nudges(bot) == []
    pulse(bot, p, 3, 1, support=True)  # ticked again, with a pulse that dips from 2 to 1 (both low)
    assert rows(bot, Pairing)[0].confidence_support is True and len(nudges(bot)) == 1
    # The mentor can't change the mentee's choice.
    bot.slack.click(MENTOR, "confidence_support", f"{p.id}:off")
    assert rows(bot, Pairing)[0].confidence_support is True


def test_encouragements_never_repeat_until_all_are_used(bot):
    set_program(bot, length_weeks=30)
    p = pair(bot)
    for week in range(len(prompts.ENCOURAGEMENT) + 2):
        pulse(bot, p, week, 1)
    keys = [n.prompt_key for n in sorted(rows(bot, ConfidenceNudge), key=lambda n: n.id)]
    size = len(prompts.ENCOURAGEMENT)
    assert len(keys) == size + 1 and len(set(keys[:size])) == size
    # Apart from the weekly prompts: a nudge never repeats one of those either.
    assert not set(keys) & {u.prompt_key for u in rows(bot, PromptUse)}


def test_no_nudge_in_a_pairs_last_days_or_once_it_has_ended(bot):
    set_program(bot, length_weeks=3)
    p = pair(bot)  # ends on Wednesday 23 December: its last check-in is on Monday 14 December
    pulse(bot, p, 0, 4)
    tick(bot, MONDAY + WEEK)
    bot.clock.at = p.started_at + timedelta(weeks=3, days=-2)  # in the closing survey's days
    assert bot.slack.click_button(checkins(bot, p)[-1], "We met", MENTEE).status == 200
    values = state(usefulness=select_value("3"), confidence=select_value("1"))
    assert bot.slack.submit(bot.slack.opened_view("checkin_pulse"), values, MENTEE).status == 200
    assert rows(bot, CheckIn, CheckIn.period == 2)[0].confidence == 1  # recorded, and no one is nudged
    assert nudges(bot) == []
    tick(bot, p.started_at + timedelta(weeks=3))
    assert rows(bot, Pairing)[0].status == "completed" and nudges(bot) == []


# --- what owners see ------------------------------------------------------------------------------------------


def _pulses(bot: RunningBot, pairs: list[Pairing], scores: list[tuple[int, int]]) -> None:
    """Two weeks of pulses, one pair each: (first, second)."""
    for week in range(2):
        tick(bot, MONDAY + week * WEEK)
        for p, score in zip(sorted(pairs, key=lambda p: p.id), scores, strict=True):
            bot.slack.click_button(checkins(bot, p)[-1], "We met", p.mentee_user_id)
            values = state(usefulness=select_value("4"), confidence=select_value(str(score[week])))
            bot.slack.submit(bot.slack.opened_view("checkin_pulse"), values, p.mentee_user_id)


def test_owners_see_only_the_trend_of_five_mentees(bot):
    _pulses(bot, many_pairs(bot, 5), [(2, 4), (3, 5), (4, 4), (4, 2), (3, 3)])
    assert dashboard_figure(bot, "Mentee confidence, pair by pair") == "rising 40% · steady 40% · dipping 20%"
    owner = home_text(bot, OWNER)
    assert all(f"<@{u}>" not in owner for u in mentees(5))


def test_a_trend_from_four_mentees_shows_as_a_dash(bot):
    _pulses(bot, many_pairs(bot, 4), [(2, 4), (3, 5), (4, 4), (4, 2)])
    assert dashboard_figure(bot, "Mentee confidence, pair by pair") == "–"


# --- the prompt library -----------------------------------------------------------------------------------


def test_every_practice_has_three_prompts_each_way_and_a_reverse_wording():
    counts = Counter((p.theme, p.audience) for p in prompts.LIBRARY)
    for practice in prompts.PRACTICES:
        for audience in (Audience.MENTEE, Audience.MENTOR):
            assert counts[(practice, audience)] >= 3, (practice, audience)
    texts = [text for p in (*prompts.LIBRARY, *prompts.ENCOURAGEMENT) for text in (p.classic, p.reverse)]
    assert len(texts) == len(set(texts))
    assert all(p.classic != p.reverse and p.audience == Audience.MENTOR for p in prompts.ENCOURAGEMENT)
    assert len(prompts.ENCOURAGEMENT) >= 3


def _prompts_received(bot: RunningBot, user: str) -> list[str]:
    found = []
    for post in bot.fake.posts_to(user):
        if "Something to think through" in post["text"] or "A thought for your mentoring" in post["text"]:
            found.append(post["blocks"][0]["text"]["text"].split("\n", 1)[1])
    return found


def test_no_prompt_repeats_within_a_twelve_week_program(bot):
    """Whatever pair and order: each person's prompts over the whole program are all different."""
    pairs = many_pairs(bot, 5)
    for week in range(13):
        tick(bot, MONDAY + week * WEEK)
    assert all(p.status == "completed" for p in rows(bot, Pairing))
    for p in pairs:
        for user, audience in ((p.mentee_user_id, Audience.MENTEE), (p.mentor_user_id, Audience.MENTOR)):
            keys = [
                u.prompt_key for u in rows(bot, PromptUse, PromptUse.pairing_id == p.id, PromptUse.audience == audience)
            ]
            assert len(keys) >= 5 and len(keys) == len(set(keys)), (user, keys)
        received = _prompts_received(bot, p.mentee_user_id)
        assert len(received) >= 5 and len(received) == len(set(received))
    mentor_prompts = [u.prompt_key for u in rows(bot, PromptUse, PromptUse.audience == Audience.MENTOR)]
    assert len(mentor_prompts) >= 25
    # Pairs start together but not on the same question.
    first = {rows(bot, PromptUse, PromptUse.pairing_id == p.id, PromptUse.period == 1)[0].prompt_key for p in pairs}
    assert len(first) > 1


# --- golden files -------------------------------------------------------------------------------------------


def test_encouragement_golden():
    prompt = prompts.ENCOURAGEMENT[0]
    for name, payload in (
        ("confidence_support", practice_views.confidence_support(pairing(), prompt, reverse=False)),
        ("confidence_support_reverse", practice_views.confidence_support(pairing(), prompt, reverse=True)),
    ):
        check_golden(name, payload)
        validate_message(payload)


def test_a_mentor_on_a_break_is_not_nudged(bot):
    p = pair(bot)
    pulse(bot, p, 0, 4)
    tick(bot, MONDAY + WEEK)
    assert bot.slack.command(MENTOR, "pause 1").status == 200
    assert bot.slack.click_button(checkins(bot, p)[-1], "We met", MENTEE).status == 200
    values = state(usefulness=select_value("3"), confidence=select_value("1"))
    assert bot.slack.submit(bot.slack.opened_view("checkin_pulse"), values, MENTEE).status == 200
    assert rows(bot, CheckIn, CheckIn.period == 2)[0].confidence == 1 and nudges(bot) == []
