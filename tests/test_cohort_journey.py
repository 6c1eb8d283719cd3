"""A cohort lived through the real endpoint: set up, matched early, started together, graduated together;
and the notes a mentee gets say only what is true for them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.storage.models import Pairing, Program
from tests.conftest import OWNER, START
from tests.flows import MENTEE, MENTOR, MENTOR2, all_text, checkins, dms, offer, proposals_to, request, rows, tick
from tests.slackclient import state, text_value
from tests.test_ended_pairs import rematch
from tests.test_owners import command_in
from tests.test_rhythm import MONDAY, WEEK

THANKS = "Thanks, your request is in"
MENTORS = [f"U0MTR{i:05d}" for i in range(3)]
MENTEES = [f"U0MTE{i:05d}" for i in range(4)]
# START is Wednesday 2 December 2026; the cohort starts twelve days later and runs four weeks.
COHORT_START = datetime(2026, 12, 14, tzinfo=UTC)
COHORT_END = COHORT_START + timedelta(weeks=4)
PUBLISHED = COHORT_START - timedelta(days=3)


def make_cohort(bot) -> dict:
    """The owner turns the default program into a four-week cohort through its form; returns the answer."""
    command_in(bot, OWNER, "program Mentoring")
    view = bot.slack.opened_view("program_edit")
    values = state(
        name=text_value("Mentoring"),
        topics=text_value("Leadership\nCommunication\nCareer growth"),
        length_weeks=text_value("4"),
        timezone=text_value("UTC"),
        starts_on={"type": "datepicker", "selected_date": "2026-12-14"},
    )
    response = bot.slack.submit(view, values, OWNER)
    assert response.status == 200
    return response.json()


def notes_to(bot, user: str) -> list[str]:
    return [all_text(p) for p in bot.fake.posts_to(user)]


def test_a_cohort_is_matched_early_starts_together_and_graduates_together(bot):
    saved = make_cohort(bot)
    assert saved["response_action"] == "update"
    summary = json.dumps(saved["view"])
    assert "Program saved" in summary and "every week" in summary and "2026-12-14" in summary
    [program] = rows(bot, Program)
    assert program.starts_at == COHORT_START

    for mentor in MENTORS:
        offer(bot, mentor, capacity="1")
    for mentee in MENTEES:
        request(bot, user=mentee)
    for mentee in MENTEES:
        [note] = notes_to(bot, mentee)
        # Owners may publish before the start, so the note promises nothing about "then".
        assert THANKS in note and "on or before that day" in note

    bot.clock.at = PUBLISHED
    preview = command_in(bot, OWNER, "match").json()
    words = json.dumps(preview["blocks"], ensure_ascii=False)
    assert "publish before the cohort starts" in words and "graduate together" in words
    publish = next(e for b in preview["blocks"] if b["type"] == "actions" for e in b["elements"])
    bot.slack.click(OWNER, publish["action_id"], publish["value"])
    told = bot.fake.calls_to("chat.postEphemeral")[-1]["text"]
    assert "3 mentors" in told and "1 mentee still without a mentor has been told why" in told

    asked = [m for m in MENTEES if any("I've found a mentor" in n for n in notes_to(bot, m))]
    [left] = [m for m in MENTEES if m not in asked]
    assert len(asked) == 3
    for mentee in asked:
        # The request was made days ago: publishing it is news, not a receipt.
        assert all(THANKS not in n for n in notes_to(bot, mentee)[1:])
    [left_note] = notes_to(bot, left)[1:]
    assert "wasn't a mentor for you this round" in left_note and "stays open" in left_note

    # Two mentors accept before the start, the third after it; time runs on in half days.
    accepting = [PUBLISHED, PUBLISHED + timedelta(days=1), COHORT_START + timedelta(days=1)]
    accept_at = dict(zip(MENTORS, accepting, strict=True))
    day = PUBLISHED
    while day <= COHORT_END + timedelta(days=1):
        tick(bot, day)
        for mentor, at in list(accept_at.items()):
            if at <= day:
                assert bot.slack.click_button(proposals_to(bot, mentor)[0], "Accept", mentor).status == 200
                del accept_at[mentor]
        if day < COHORT_START:
            for pairing in rows(bot, Pairing):
                assert checkins(bot, pairing) == [], f"a check-in before the cohort started, on {day}"
        day += timedelta(hours=12)
    assert not accept_at

    ended = rows(bot, Pairing)
    assert {p.status for p in ended} == {"completed"}
    assert {p.ends_at for p in ended} == {COHORT_END}
    assert len({p.ended_at for p in ended}) == 1, "the cohort graduates in one round"
    for pairing in ended:
        assert checkins(bot, pairing), "each pair got its check-ins once the cohort started"
        for person in (pairing.mentee_user_id, pairing.mentor_user_id):
            [survey] = dms(bot, person, "Take the survey")
            assert "cohort has graduated" in all_text(survey)


def test_the_first_check_in_of_a_cohort_pair_waits_for_the_start(bot):
    make_cohort(bot)
    offer(bot, MENTOR, capacity="1")
    request(bot)
    preview = command_in(bot, OWNER, "match").json()
    publish = next(e for b in preview["blocks"] if b["type"] == "actions" for e in b["elements"])
    bot.slack.click(OWNER, publish["action_id"], publish["value"])
    [proposal] = proposals_to(bot, MENTOR)
    bot.slack.click_button(proposal, "Accept", MENTOR)
    [intro] = [p for p in bot.fake.calls_to("chat.postMessage") if "Welcome to your mentoring pair" in all_text(p)]
    assert "Your cohort starts on" in all_text(intro)
    tick(bot, START + timedelta(hours=1))
    [pairing] = rows(bot, Pairing)
    # Monday 14 December at 10:00, the program's check-in slot, is the cohort's first.
    assert pairing.next_checkin_at == COHORT_START + timedelta(hours=10)
    assert pairing.ends_at == COHORT_END


def test_a_rematch_is_not_thanked_for_as_a_new_request(bot):
    pairing = pair_with_checkin(bot)
    offer(bot, MENTOR2, capacity="1")
    before = len(bot.fake.posts_to(MENTEE))
    rematch(bot, pairing)
    after = [all_text(p) for p in bot.fake.posts_to(MENTEE)[before:]]
    assert all(THANKS not in text for text in after), after
    assert sum("I've found a mentor" in text for text in after) == 1
    assert len(proposals_to(bot, MENTOR2)) == 1


def test_a_rematch_with_nobody_free_says_it_waits_without_thanks(bot):
    pairing = pair_with_checkin(bot)
    before = len(bot.fake.posts_to(MENTEE))
    rematch(bot, pairing)
    after = [all_text(p) for p in bot.fake.posts_to(MENTEE)[before:]]
    assert all(THANKS not in text for text in after), after


def pair_with_checkin(bot):
    from tests.flows import pair

    pairing = pair(bot)
    tick(bot, MONDAY)
    assert checkins(bot, pairing)
    return pairing


def test_a_new_request_is_thanked_for_once(bot):
    offer(bot, MENTOR)
    request(bot)
    notes = notes_to(bot, MENTEE)
    assert sum(THANKS in n for n in notes) == 1
    tick(bot, MONDAY + WEEK)
    assert sum(THANKS in n for n in notes_to(bot, MENTEE)) == 1


def test_a_pair_formed_late_in_a_cohort_runs_its_own_length():
    from bot.pairing.planner import _rhythm

    weeks = 4
    joined = _rhythm(COHORT_START + timedelta(weeks=2), 0, 10, weeks, COHORT_START, None, "UTC")
    assert joined["ends"] == COHORT_END  # half the program left: it graduates with the cohort
    late = COHORT_START + timedelta(weeks=2, days=1)
    alone = _rhythm(late, 0, 10, weeks, COHORT_START, None, "UTC")
    assert alone["ends"] == late + timedelta(weeks=weeks)
    rolling = _rhythm(late, 0, 10, weeks, None, None, "UTC")
    assert rolling["ends"] == late + timedelta(weeks=weeks) and rolling["slot"] > late
