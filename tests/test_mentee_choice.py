"""Programs where mentees choose: the list of their best matches, the pick, and what follows it, through
the real HTTP endpoint with signed requests, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update

from bot.matching import reasons
from bot.matching.choice_view import CHOOSE_ACTION, Lead, Option, Turn, choice_message, picked_note
from bot.storage.database import unit_of_work
from bot.storage.models import (
    Delivery,
    MentorChoice,
    MentoringRequest,
    MentorProfile,
    Pairing,
    Person,
    Program,
    Proposal,
)
from tests.conftest import OWNER, START
from tests.fakeslack import DEFAULT_TEAM
from tests.flows import MENTEE, all_text, buttons, count, proposals_to, request, rows, tick
from tests.slackclient import checkbox_value, multi_value, select_value, state, text_value
from tests.test_views import check_golden, validate_message

BOTH = ["Leadership", "Giving and receiving feedback"]
MANAGER = "U0MANAGER1"
ANA, BEN, CAL, DEE, EVE = "U0MTRANA01", "U0MTRBEN01", "U0MTRCAL01", "U0MTRDEE01", "U0MTREVE01"
NAMES = {ANA: "Ana Lopez", BEN: "Ben Okafor", CAL: "Cal Weber", DEE: "Dee Park", EVE: "Eve Stone", MANAGER: "Max Boss"}
BIO = "Ran <!channel> sales & ops for *ten* years <https://example.com|site>"


def mentees_choose(bot, kind: str = "classic") -> None:
    """The owner sets the default program to let mentees choose, through its form."""
    assert bot.slack.command(OWNER, "program Mentoring").status == 200
    view = bot.slack.opened_view("program_edit")
    field = next(b for b in view["blocks"] if b.get("block_id") == "who_chooses")
    assert field["element"]["initial_option"]["value"] == "mentor"  # today's flow stays the default
    values = state(
        name=text_value("Mentoring"),
        kind=select_value(kind),
        topics=text_value("\n".join([*BOTH, "Public speaking", "Sales and customers"])),
        who_chooses=select_value("mentee"),
    )
    answer = bot.slack.submit(view, values, OWNER)
    assert answer.status == 200 and "Mentees pick their mentor" in json.dumps(answer.json())
    assert [p.who_chooses for p in rows(bot, Program)] == ["mentee"]


def mentor(bot, user: str, topics: list[str], level: str = "4", capacity: str = "1", bio: str = "", **more: Any):
    bot.fake.add_user(user, name=NAMES.get(user))
    assert bot.slack.command(user, "offer").status == 200
    view = bot.slack.opened_view("mentor_offer")
    values = state(
        topics=multi_value(topics),
        topics_other=text_value(""),
        capacity=select_value(capacity),
        level=select_value(level),
        department=text_value(more.get("department", "Sales")),
        bio=text_value(bio or f"{NAMES.get(user, user)} has mentored for years."),
        reverse=checkbox_value(["open"] if more.get("reverse") else []),
    )
    assert bot.slack.submit(view, values, user).status == 200


def lists_to(bot, user: str) -> list[dict]:
    """Messages to `user` that offer mentors to choose from."""
    return [
        p
        for p in bot.fake.posts_to(user)
        if any((b.get("accessory") or {}).get("action_id") == CHOOSE_ACTION for b in p.get("blocks") or [])
    ]


def listed(post: dict) -> list[str]:
    """The mentors a list offers, best first."""
    return [
        b["text"]["text"].split("<@", 1)[1].split(">", 1)[0]
        for b in post["blocks"]
        if (b.get("accessory") or {}).get("action_id") == CHOOSE_ACTION
    ]


def choose(bot, post: dict, user: str, mentee: str = MENTEE):
    """Clicks "Choose …" for `user` on a list, as the mentee sees it."""
    for block in post["blocks"]:
        accessory = block.get("accessory") or {}
        if accessory.get("action_id") == CHOOSE_ACTION and f"<@{user}>" in block["text"]["text"]:
            return bot.slack.click(mentee, CHOOSE_ACTION, accessory["value"], channel=post["_channel"], ts=post["_ts"])
    raise AssertionError(f"{user} is not on the list")


def updates_of(bot, post: dict) -> list[dict]:
    return [u for u in bot.fake.calls_to("chat.update") if u["ts"] == post["_ts"]]


def four_mentors_and_a_manager(bot) -> None:
    """The mentee's manager fits best on paper; Eve shares no topic; Ana, Ben, Cal and Dee fit, best first."""
    mentees_choose(bot)
    mentor(bot, MANAGER, BOTH, level="4", department="Finance")
    mentor(bot, ANA, BOTH, level="4", department="Sales", bio=BIO)
    mentor(bot, BEN, BOTH, level="3", department="Engineering")
    mentor(bot, CAL, ["Leadership"], level="4", department="Design")
    mentor(bot, DEE, ["Leadership"], level="2", department="Engineering")
    mentor(bot, EVE, ["Public speaking"], level="4", department="Finance")
    bot.fake.add_user(MENTEE, name="Mia Chen")
    with unit_of_work(bot.rt.sessions) as s:  # what an HR import records: who manages whom
        s.add(Person(team_id=DEFAULT_TEAM, user_id=MENTEE, display_name="Mia Chen", manager_user_id=MANAGER))
    assert request(bot).status == 200


def test_the_mentee_gets_their_three_best_matches_with_bios_and_reasons_and_nobody_is_asked_yet(bot):
    four_mentors_and_a_manager(bot)
    [post] = lists_to(bot, MENTEE)
    validate_message(post)
    assert listed(post) == [ANA, BEN, CAL]  # never the manager, never Eve while others cover a topic
    text = json.dumps(post["blocks"], ensure_ascii=False)
    assert "Thanks, your request is in!" in all_text(post) and "you choose your mentor" in all_text(post)
    # The bio is shown, escaped: no ping, no link, no bold the mentor didn't mean.
    assert "&lt;!channel&gt;" in text and "<!channel>" not in text and "&lt;https://example.com|site&gt;" in text
    # Reasons are written for the mentee who reads them.
    assert "offers all your topics: Leadership and Giving and receiving feedback" in text
    assert "more senior than you" in text and "which you want help with (1 of your 2 topics)" in text
    assert buttons(post)[-1] == "None of these"
    labels = [b["accessory"]["text"]["text"] for b in post["blocks"] if b.get("accessory")]
    assert labels == ["Choose Ana Lopez", "Choose Ben Okafor", "Choose Cal Weber"]
    # A list holds no place and asks nobody: only the mentee's pick does.
    assert count(bot, Proposal) == 0 and {p.load for p in rows(bot, MentorProfile)} == {0}
    [req] = rows(bot, MentoringRequest)
    assert req.status == "choosing"
    status = bot.slack.command(MENTEE, "status").json()["text"]
    assert "choose your mentor from the list I sent you" in status


def test_the_pick_is_asked_and_accepted_and_status_and_home_say_who_and_why(bot):
    four_mentors_and_a_manager(bot)
    [post] = lists_to(bot, MENTEE)
    assert choose(bot, post, BEN).status == 200
    [proposal] = proposals_to(bot, BEN)
    assert f"<@{MENTEE}> chose you from the mentors who fit them best" in json.dumps(proposal["blocks"])
    assert proposals_to(bot, ANA) == [] and proposals_to(bot, CAL) == []
    assert {p.user_id: p.load for p in rows(bot, MentorProfile)}[BEN] == 1
    [replaced] = updates_of(bot, post)
    assert f"You chose <@{BEN}>" in replaced["text"] and CHOOSE_ACTION not in json.dumps(replaced["blocks"])

    status = bot.slack.command(MENTEE, "status").json()["text"]
    assert f"<@{BEN}> has been asked: offers all your topics" in status
    bot.slack.event({"type": "app_home_opened", "user": MENTEE, "channel": "D1", "tab": "home", "event_ts": "1.2"})
    home = json.dumps(bot.fake.calls_to("views.publish")[-1]["view"], ensure_ascii=False)
    assert f"<@{BEN}> has been asked: offers all your topics" in home

    assert bot.slack.click_button(proposal, "Accept", BEN).status == 200
    [pairing] = rows(bot, Pairing)
    assert (pairing.mentor_user_id, pairing.mentee_user_id, pairing.status) == (BEN, MENTEE, "active")
    [intro] = bot.fake.posts_to(pairing.dm_channel_id)
    assert f"<@{MENTEE}>, meet <@{BEN}>" in intro["text"]
    assert [c.status for c in rows(bot, MentorChoice)] == ["picked"]


def test_a_double_click_asks_once(bot):
    four_mentors_and_a_manager(bot)
    [post] = lists_to(bot, MENTEE)
    assert choose(bot, post, ANA).status == 200
    assert choose(bot, post, ANA).status == 200  # the same button again, before the list was replaced
    assert choose(bot, post, CAL).status == 200  # another mentor on the same, answered list
    assert count(bot, Proposal) == 1 and len(proposals_to(bot, ANA)) == 1 and proposals_to(bot, CAL) == []
    assert count(bot, Delivery, Delivery.key.like("proposal:%")) == 1
    assert {p.user_id: p.load for p in rows(bot, MentorProfile)}[ANA] == 1
    # Every answer to the list says the same: who was asked.
    assert [f"You chose <@{ANA}>" in u["text"] for u in updates_of(bot, post)] == [True, True, True]


def test_a_decline_brings_the_list_back_without_that_mentor(bot):
    four_mentors_and_a_manager(bot)
    [first] = lists_to(bot, MENTEE)
    choose(bot, first, ANA)
    [proposal] = proposals_to(bot, ANA)
    assert bot.slack.click_button(proposal, "Decline", ANA).status == 200
    [_, again] = lists_to(bot, MENTEE)
    assert listed(again) == [BEN, CAL, DEE]  # re-ranked with who has room now, minus Ana
    assert f"<@{ANA}> can't take on a new mentee right now" in all_text(again)
    assert {p.user_id: p.load for p in rows(bot, MentorProfile)}[ANA] == 0
    [req] = rows(bot, MentoringRequest)
    assert req.status == "choosing"
    # The old list is answered: clicking it again changes nothing.
    choose(bot, first, BEN)
    assert count(bot, Proposal) == 1


def test_a_stale_pick_is_answered_kindly_with_a_fresh_list(bot):
    four_mentors_and_a_manager(bot)
    [mine] = lists_to(bot, MENTEE)
    # Meanwhile another mentee picks Ana, whose only place is then taken.
    other = "U0MENTEE02"
    request(bot, user=other)
    [theirs] = lists_to(bot, other)
    assert ANA in listed(theirs)
    choose(bot, theirs, ANA, mentee=other)
    assert {p.user_id: p.load for p in rows(bot, MentorProfile)}[ANA] == 1

    assert choose(bot, mine, ANA).status == 200
    assert [p.mentor_user_id for p in rows(bot, Proposal)] == [ANA]  # only the other mentee's
    [replaced] = updates_of(bot, mine)
    assert "out of date" in replaced["text"] and "fresh one just below" in replaced["text"]
    [_, fresh] = lists_to(bot, MENTEE)
    assert ANA not in listed(fresh) and listed(fresh) == [BEN, CAL, DEE]
    assert f"<@{ANA}>'s places filled up" in all_text(fresh)
    # The list that went stale answers the same way twice, and sends no second fresh list.
    choose(bot, mine, BEN)
    assert len(lists_to(bot, MENTEE)) == 2 and count(bot, Proposal) == 1


def test_none_of_these_lists_the_others_then_waits(bot):
    four_mentors_and_a_manager(bot)
    [first] = lists_to(bot, MENTEE)
    bot.slack.click_button(first, "None of these", MENTEE)
    [_, second] = lists_to(bot, MENTEE)
    assert listed(second) == [DEE] and "another mentor who fits you, not from your last list" in all_text(second)
    bot.slack.click_button(second, "None of these", MENTEE)
    bot.slack.click_button(second, "None of these", MENTEE)  # twice: nothing more happens
    assert len(lists_to(bot, MENTEE)) == 2
    assert "Nobody else who fits you has room right now" in updates_of(bot, second)[0]["text"]
    [req] = rows(bot, MentoringRequest)
    assert req.status == "waiting" and count(bot, Proposal) == 0
    assert "waiting for a mentor with room" in bot.slack.command(MENTEE, "status").json()["text"]
    # The next look for a mentor, at the tick, lists nobody they passed over.
    tick(bot, START + timedelta(hours=1))
    assert len(lists_to(bot, MENTEE)) == 2 and req.status == "waiting"


def test_an_unanswered_pick_expires_and_the_mentee_chooses_again(bot):
    four_mentors_and_a_manager(bot)
    [post] = lists_to(bot, MENTEE)
    choose(bot, post, ANA)
    tick(bot, START + timedelta(days=5, hours=1))
    [proposal] = rows(bot, Proposal)
    assert proposal.status == "withdrawn"
    [_, again] = lists_to(bot, MENTEE)
    assert ANA not in listed(again) and f"<@{ANA}> couldn't answer in time" in all_text(again)
    assert {p.user_id: p.load for p in rows(bot, MentorProfile)}[ANA] == 0


def test_a_mentee_whose_chosen_mentor_steps_back_hears_of_it_at_once_even_with_nobody_free(bot):
    mentees_choose(bot)
    mentor(bot, ANA, BOTH)
    request(bot)
    [post] = lists_to(bot, MENTEE)
    choose(bot, post, ANA)
    assert bot.slack.command(ANA, "leave").status == 200
    [req] = rows(bot, MentoringRequest)
    assert req.status == "waiting" and [p.status for p in rows(bot, Proposal)] == ["withdrawn"]
    [news] = [p for p in bot.fake.posts_to(MENTEE) if "stepped back from mentoring" in p["text"]]
    # Not named: someone who stepped back may ask for their data to be erased.
    assert f"<@{ANA}>" not in json.dumps(news) and "your request is waiting" in news["text"]
    mentor(bot, BEN, BOTH)
    [_, again] = lists_to(bot, MENTEE)
    assert listed(again) == [BEN] and "Good news" in all_text(again)


def test_with_nobody_free_the_mentee_waits_and_gets_a_list_when_someone_offers(bot):
    mentees_choose(bot)
    assert request(bot).status == 200
    [note] = bot.fake.posts_to(MENTEE)
    assert "your request is waiting" in note["text"] and "the best matches to choose from" in note["text"]
    assert lists_to(bot, MENTEE) == []
    mentor(bot, ANA, BOTH)
    [post] = lists_to(bot, MENTEE)
    assert listed(post) == [ANA] and "Good news" in all_text(post)
    assert [b["accessory"]["text"]["text"] for b in post["blocks"] if b.get("accessory")] == ["Choose Ana Lopez"]


def test_one_free_place_brings_one_list_to_whoever_waited_longest(bot):
    mentees_choose(bot)
    for i in range(3):
        request(bot, user=f"U0MENTEE0{i + 1}")
        bot.clock.advance(minutes=1)
    mentor(bot, ANA, BOTH, capacity="1")
    assert [len(lists_to(bot, f"U0MENTEE0{i + 1}")) for i in range(3)] == [1, 0, 0]


def test_a_cohort_published_in_choice_mode_is_proposed_directly(bot):
    mentees_choose(bot)
    with unit_of_work(bot.rt.sessions) as s:
        s.execute(update(Program).values(starts_at=START + timedelta(days=30)))
    mentor(bot, ANA, BOTH)
    mentor(bot, BEN, ["Leadership"])
    request(bot)
    preview = bot.slack.command(OWNER, "match").json()
    publish = next(e for b in preview["blocks"] if b["type"] == "actions" for e in b["elements"])
    bot.slack.click(OWNER, publish["action_id"], publish["value"])
    # The owners chose: the mentor is asked at once, with no list for the mentee.
    [proposal] = proposals_to(bot, ANA)
    assert lists_to(bot, MENTEE) == []
    # If that falls through, the request waits for the cohort's start; from then the mentee chooses.
    bot.slack.click_button(proposal, "Decline", ANA)
    assert lists_to(bot, MENTEE) == []
    tick(bot, START + timedelta(days=30, hours=1))
    [post] = lists_to(bot, MENTEE)
    assert listed(post) == [BEN]


def test_a_broader_match_is_a_list_too_and_is_remembered(bot):
    mentees_choose(bot)
    mentor(bot, ANA, ["Public speaking"])
    mentor(bot, BEN, ["Sales and customers"])
    request(bot)
    [choice] = [p for p in bot.fake.posts_to(MENTEE) if "Match me more broadly" in buttons(p)]
    bot.slack.click_button(choice, "Match me more broadly", MENTEE)
    [post] = lists_to(bot, MENTEE)
    assert sorted(listed(post)) == [ANA, BEN]
    assert "As you asked, I've looked beyond your topics" in all_text(post)
    assert "this is the broader match you asked for" in json.dumps(post["blocks"])
    # The list itself records the choice: after a decline, the next look still matches broadly.
    assert count(bot, Delivery, Delivery.key == f"request:{rows(bot, MentoringRequest)[0].id}:broader") == 1
    choose(bot, post, listed(post)[0])
    bot.slack.click_button(proposals_to(bot, listed(post)[0])[0], "Decline", listed(post)[0])
    [_, again] = lists_to(bot, MENTEE)
    assert listed(again) == listed(post)[1:]
    assert not [p for p in bot.fake.posts_to(MENTEE)[1:] if "Match me more broadly" in buttons(p)]


def test_reverse_programs_say_so_in_the_list(bot):
    mentees_choose(bot, kind="reverse")
    mentor(bot, ANA, BOTH, level="2", reverse=True)
    mentor(bot, BEN, BOTH, level="2")  # not open to reverse mentoring: never listed
    request(bot, level="5")
    [post] = lists_to(bot, MENTEE)
    assert listed(post) == [ANA]
    text = json.dumps(post["blocks"])
    assert "reverse mentoring" in text and "newer generation's view of the tools" in text


# --- the messages themselves ---------------------------------------------------------------------

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)


def options() -> list[Option]:
    return [
        Option(
            11,
            "UANA",
            "Ana Lopez",
            BIO,
            ("Leadership", "Giving and receiving feedback"),
            (reasons.topics(2, BOTH), reasons.level(2, reverse=False), reasons.department("Sales", "Engineering")),
        ),
        Option(12, "UBEN", "", None, ("Leadership",), (reasons.topics(2, ["Leadership"]), reasons.timezone(0))),
        Option(13, "UCAL", "Cal " + "W" * 90, "b" * 2000, ("x" * 80,) * 20, (reasons.goals(),)),
    ]


def test_choice_list_golden():
    payload = choice_message(5, options(), Turn(Lead.NEW), "Mentoring <& Co>")
    check_golden("choice_list", payload)
    validate_message(payload)


def test_every_lead_fits_slacks_limits_and_names_the_mentor_it_is_about():
    for lead in Lead:
        turn = Turn(lead, "UANA", 4)
        for reverse in (False, True):
            payload = choice_message(6, options()[: 1 + len(lead) % 3], turn, "Mentoring", reverse)
            validate_message(payload)
            labels = [b["accessory"]["text"]["text"] for b in payload["blocks"] if b.get("accessory")]
            assert all(len(label) <= 75 for label in labels)
            if lead in (Lead.DECLINED, Lead.UNANSWERED, Lead.FULL, Lead.CHANGED):
                assert "<@UANA>" in payload["blocks"][0]["text"]["text"]
            assert ("reverse mentoring" in json.dumps(payload)) == reverse
    assert "Choose mentor 2" in json.dumps(choice_message(6, options(), Turn(Lead.AGAIN), "M"))


def test_picked_note_golden():
    payload = picked_note("UANA", [reasons.topics(2, BOTH), reasons.department("Sales", "<Eng>")])
    check_golden("choice_picked", payload)
    validate_message(payload)


def test_erasing_a_listed_mentor_leaves_their_id_in_no_copy_of_a_list(bot):
    from tests.test_privacy_erase import _confirm, _mentions

    four_mentors_and_a_manager(bot)
    [post] = lists_to(bot, MENTEE)
    choose(bot, post, ANA)
    bot.slack.click_button(proposals_to(bot, ANA)[0], "Decline", ANA)
    assert len(lists_to(bot, MENTEE)) == 2  # both lists named Ana (the second, to say she declined)
    assert "erased your data" in json.dumps(_confirm(bot, ANA).json())
    assert _mentions(bot, ANA) == []
    # The mentee's own list from now on is unaffected: they still choose.
    [req] = rows(bot, MentoringRequest)
    assert req.status == "choosing"
