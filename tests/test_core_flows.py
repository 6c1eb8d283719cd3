"""From `/mentor request` to an introduced pair, through the real HTTP endpoint with signed requests."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.storage.models import MentoringRequest, MentorProfile, Pairing, Proposal
from tests.flows import (
    GOALS,
    MENTEE,
    MENTOR,
    MENTOR2,
    all_text,
    checkins,
    count,
    dms,
    offer,
    proposals_to,
    request,
    rows,
    tick,
)
from tests.slackclient import state, text_value


def test_help_lists_every_working_subcommand(bot):
    for text in ("help", "", "HELP"):
        response = bot.slack.command(MENTEE, text)
        assert response.status == 200
        body = response.json()
        assert body["response_type"] == "ephemeral"
        for sub in ("request", "offer", "status", "help"):
            assert f"/mentor {sub}" in body["text"]
    assert bot.fake.calls_to("chat.postMessage") == []


def test_unknown_subcommand_gets_help_with_a_friendly_note(bot):
    body = bot.slack.command(MENTEE, "dance --now").json()
    assert "I don't know `/mentor dance`" in body["text"]
    assert "/mentor request" in body["text"]


def test_offer_saves_the_profile_and_offer_again_edits_it(bot):
    assert offer(bot, MENTOR, capacity="2", level="4", department="Sales", other="Negotiation").status == 200
    [profile] = rows(bot, MentorProfile)
    assert (profile.user_id, profile.capacity, profile.level, profile.department) == (MENTOR, 2, 4, "Sales")
    assert profile.topics == ["Leadership", "Communication", "Negotiation"]

    assert offer(bot, MENTOR, topics=["Leadership"], capacity="3", level="5", department="Product").status == 200
    [profile] = rows(bot, MentorProfile)
    assert (profile.capacity, profile.level, profile.department, profile.topics) == (3, 5, "Product", ["Leadership"])
    # The second modal opened with the saved values filled in.
    view = bot.slack.opened_view("mentor_offer")
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["capacity"]["element"]["initial_option"]["value"] == "2"
    assert blocks["topics_other"]["element"]["initial_value"] == "Negotiation"


def test_request_is_proposed_accepted_and_the_pair_introduced(bot):
    bot.fake.add_user(MENTEE, tz="Europe/Berlin", tz_offset=3600)
    bot.fake.add_user(MENTOR, tz="Europe/London", tz_offset=0)
    offer(bot, MENTOR)
    assert request(bot).status == 200

    [proposal] = proposals_to(bot, MENTOR)
    text = all_text(proposal)
    assert f"<@{MENTEE}>" in text and GOALS in text
    # Reasons written for the mentor who reads them: the mentee's topics they offer, and how they differ.
    assert "which you offer (1 of their 2 topics)" in text and "2 levels junior to you" in text
    assert "1 hour apart" in text
    [note] = bot.fake.posts_to(MENTEE)
    assert "asked" in note["text"] and "hear back" in note["text"]

    assert bot.slack.click_button(proposal, "Accept", MENTOR).status == 200

    [opened] = bot.fake.calls_to("conversations.open")
    assert sorted(opened["users"].split(",")) == sorted([MENTEE, MENTOR])
    [pairing] = rows(bot, Pairing)
    assert pairing.status == "active" and pairing.dm_channel_id
    [intro] = bot.fake.posts_to(pairing.dm_channel_id)
    intro_text = all_text(intro)
    assert f"<@{MENTEE}>, meet <@{MENTOR}>, your mentor" in intro_text
    assert GOALS in intro_text
    assert "first meeting" in intro_text and "What I'll do from here" in intro_text
    # The proposal message no longer carries live buttons.
    [updated] = bot.fake.calls_to("chat.update")
    assert updated["ts"] == proposal["_ts"] and "You're now mentoring" in updated["text"]
    [req] = rows(bot, MentoringRequest)
    assert req.status == "matched" and req.matched_at is not None
    status = bot.slack.command(MENTEE, "status").json()["text"]
    assert f"mentored by <@{MENTOR}>" in status


def test_decline_sends_the_proposal_to_the_next_best_mentor(bot):
    offer(bot, MENTOR, topics=["Leadership", "Giving and receiving feedback"])  # the better fit
    offer(bot, MENTOR2, topics=["Leadership"])
    request(bot)
    [first] = proposals_to(bot, MENTOR)
    assert proposals_to(bot, MENTOR2) == []

    assert bot.slack.click_button(first, "Decline", MENTOR).status == 200
    [second] = proposals_to(bot, MENTOR2)
    assert GOALS in all_text(second)
    [mentor_profile] = rows(bot, MentorProfile, MentorProfile.user_id == MENTOR)
    assert mentor_profile.load == 0
    assert [p.status for p in rows(bot, Proposal)] == ["declined", "pending"]
    # The mentee heard once that a mentor was asked, not once per mentor.
    assert len(bot.fake.posts_to(MENTEE)) == 1

    # The optional reason, from the button on the updated message.
    [updated] = bot.fake.calls_to("chat.update")
    reason_button = updated["blocks"][1]["elements"][0]
    assert reason_button["text"]["text"] == "Add a reason"
    bot.slack.click(MENTOR, reason_button["action_id"], reason_button["value"])
    view = bot.slack.opened_view("decline_reason")
    from tests.slackclient import state, text_value

    assert bot.slack.submit(view, state(reason=text_value("Too busy this quarter")), MENTOR).status == 200
    declined = rows(bot, Proposal, Proposal.status == "declined")[0]
    assert declined.decline_reason == "Too busy this quarter"


def test_without_a_mentor_the_request_waits_until_one_offers(bot):
    request(bot)
    [req] = rows(bot, MentoringRequest)
    assert req.status == "waiting"
    [note] = bot.fake.posts_to(MENTEE)
    assert "waiting" in note["text"]
    assert "waiting for a mentor" in bot.slack.command(MENTEE, "status").json()["text"]

    offer(bot, MENTOR)
    [proposal] = proposals_to(bot, MENTOR)
    assert GOALS in all_text(proposal)
    assert rows(bot, MentoringRequest)[0].status == "proposed"
    assert "asked" in bot.fake.posts_to(MENTEE)[-1]["text"]


def test_a_declined_mentor_and_the_mentee_themself_are_never_proposed(bot):
    offer(bot, MENTEE)  # the mentee is also a mentor
    offer(bot, MENTOR)
    request(bot)
    [first] = proposals_to(bot, MENTOR)
    assert proposals_to(bot, MENTEE) == []
    bot.slack.click_button(first, "Decline", MENTOR)
    assert len(proposals_to(bot, MENTOR)) == 1
    assert rows(bot, MentoringRequest)[0].status == "waiting"


def test_mentor_capacity_counts_pending_proposals(bot):
    offer(bot, MENTOR, capacity="1")
    request(bot, user="U0MENTEE01")
    request(bot, user="U0MENTEE02")
    [first] = proposals_to(bot, MENTOR)
    assert "U0MENTEE01" in all_text(first)
    assert sorted(r.status for r in rows(bot, MentoringRequest)) == ["proposed", "waiting"]
    [profile] = rows(bot, MentorProfile)
    assert (profile.capacity, profile.load) == (1, 1)


def test_a_declined_place_goes_to_the_next_waiting_mentee(bot):
    offer(bot, MENTOR, capacity="1")
    request(bot, user="U0MENTEE01")
    request(bot, user="U0MENTEE02")
    bot.slack.click_button(proposals_to(bot, MENTOR)[0], "Decline", MENTOR)
    # The place the decline freed is offered at once to the mentee who was waiting, never back to the first.
    first, second = proposals_to(bot, MENTOR)
    assert "U0MENTEE01" in all_text(first) and "U0MENTEE02" in all_text(second)
    statuses = {r.mentee_user_id: r.status for r in rows(bot, MentoringRequest)}
    assert statuses == {"U0MENTEE01": "waiting", "U0MENTEE02": "proposed"}
    [profile] = rows(bot, MentorProfile)
    assert profile.load == 1
    assert count(bot, Pairing) == 0


def test_a_rematch_offers_the_freed_place_to_a_waiting_mentee(bot):
    offer(bot, MENTOR, capacity="1")
    request(bot, user="U0MENTEE01")
    bot.slack.click_button(proposals_to(bot, MENTOR)[0], "Accept", MENTOR)
    request(bot, user="U0MENTEE02")
    assert {r.mentee_user_id: r.status for r in rows(bot, MentoringRequest)}["U0MENTEE02"] == "waiting"
    [pairing] = rows(bot, Pairing)
    tick(bot, datetime(2026, 12, 7, 10, 0, tzinfo=UTC))
    bot.slack.click_button(checkins(bot, pairing)[0], "Need help", "U0MENTEE01")
    view = bot.slack.opened_view("checkin_help_note")
    assert bot.slack.submit(view, state(note=text_value("It isn't working.")), "U0MENTEE01").status == 200
    [rematch] = dms(bot, "U0MENTEE01", "Find me a new mentor")
    assert bot.slack.click_button(rematch, "Find me a new mentor", "U0MENTEE01").status == 200
    assert "U0MENTEE02" in all_text(proposals_to(bot, MENTOR)[-1])
    statuses = {r.mentee_user_id: r.status for r in rows(bot, MentoringRequest)}
    assert statuses["U0MENTEE02"] == "proposed"


def test_second_open_request_is_refused_in_the_modal(bot):
    request(bot)
    response = request(bot, goals="Another goal that is long enough.")
    assert response.status == 200
    body = response.json()
    assert body["response_action"] == "errors" and "already have a request" in body["errors"]["goals"]
    assert count(bot, MentoringRequest) == 1
