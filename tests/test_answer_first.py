"""Slack never waits on the Web API: listeners store, answer, and only then does the bot call Slack.

Each test holds a Slack answer the old code waited on before replying. If a listener still waited on
it, the HTTP answer could not arrive until the hold is released, and the request would time out.
"""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import select, text

from bot.runtime import TRIGGER_TIMEOUT
from bot.storage.database import unit_of_work
from bot.storage.models import Delivery, Pairing, Person
from bot.storage.statuses import DeliveryStatus
from tests.flows import MENTEE, MENTOR, offer, proposals_to, request, request_values, rows


def answered_while_held(bot, method: str, act) -> None:  # type: ignore[no-untyped-def]
    """Runs `act` while Slack holds every answer to `method` after the first call to it begins."""
    bot.fake.hold_answers(method)
    settle, bot.slack.settle = bot.slack.settle, None
    try:
        response = act()
        assert response.status == 200, response.body
        # The bot did reach Slack, after answering: its call is the one being held.
        bot.fake.wait_until_held(1, timeout=30)
    finally:
        bot.fake.release()
        bot.slack.settle = settle
    assert bot.rt.sender.settle(timeout=60)


def test_accept_is_answered_while_slack_holds_the_group_dm(bot):
    assert offer(bot, MENTOR).status == 200
    assert request(bot).status == 200
    [proposal] = proposals_to(bot, MENTOR)
    answered_while_held(bot, "conversations.open", lambda: bot.slack.click_button(proposal, "Accept", MENTOR))
    [pairing] = rows(bot, Pairing, Pairing.status == "active")
    intro = [p for p in bot.fake.posts_to(pairing.dm_channel_id) if MENTEE in p["text"] or MENTOR in p["text"]]
    assert intro, "the introduction is sent once Slack answers"
    [update] = bot.fake.calls_to("chat.update")
    assert "now mentoring" in update["text"]


def test_a_click_is_answered_while_slack_holds_the_message_update(bot):
    assert offer(bot, MENTOR).status == 200
    assert request(bot).status == 200
    [proposal] = proposals_to(bot, MENTOR)
    answered_while_held(bot, "chat.update", lambda: bot.slack.click_button(proposal, "Decline", MENTOR))
    assert len(bot.fake.calls_to("chat.update")) == 1


def test_a_rate_limited_modal_is_refused_at_once_without_waiting_out_retry_after(bot):
    bot.fake.fail("views.open", status=429, times=5, retry_after=3)
    response = bot.slack.command(MENTOR, "offer")
    assert response.status == 200
    assert "couldn't open the form (ratelimited)" in response.body
    # One attempt: a trigger id is dead long before a 3 s Retry-After has passed.
    assert len(bot.fake.calls_to("views.open")) == 1
    assert bot.slept == []


def test_a_known_person_is_refreshed_after_the_answer_not_before(bot):
    assert offer(bot, MENTOR).status == 200
    with unit_of_work(bot.rt.sessions) as s:
        first = s.scalar(select(Person.refreshed_at).where(Person.user_id == MENTOR))
    bot.fake.users[MENTOR]["tz"] = "Asia/Tokyo"
    bot.clock.advance(days=2)  # the cached row is now stale
    answered_while_held(bot, "users.info", lambda: bot.slack.command(MENTOR, "offer"))
    assert bot.fake.calls_to("views.open"), "the form opened while users.info was still unanswered"
    with unit_of_work(bot.rt.sessions) as s:
        person = s.scalar(select(Person).where(Person.user_id == MENTOR))
        assert person is not None
        assert person.tz == "Asia/Tokyo" and person.refreshed_at > first


def test_a_request_from_someone_slack_has_not_described_yet_is_answered_before_asking(bot):
    """The form opened, and Slack has not yet answered who the mentee is: the submission is answered
    at once, and the match that follows waits for Slack's answer, so it knows their timezone."""
    assert offer(bot, MENTOR).status == 200
    bot.fake.add_user(MENTEE, tz="Asia/Tokyo", tz_offset=32400)
    took: list[float] = []

    def submit():  # type: ignore[no-untyped-def]
        opened = bot.slack.command(MENTEE, "request")
        assert opened.status == 200
        bot.fake.wait_until_held(1, timeout=30)  # the lookup the opened form asked for: unanswered
        began = time.monotonic()
        answer = bot.slack.submit(bot.slack.opened_view("mentee_request"), request_values(), MENTEE)
        took.append(time.monotonic() - began)
        return answer

    answered_while_held(bot, "users.info", submit)
    # A submission that asked Slack first would have waited out the whole lookup timeout for it.
    assert took[0] < TRIGGER_TIMEOUT, took
    [proposal] = proposals_to(bot, MENTOR)
    with unit_of_work(bot.rt.sessions) as s:
        person = s.scalar(select(Person).where(Person.user_id == MENTEE))
        assert person is not None and person.tz == "Asia/Tokyo"


def test_forms_open_while_another_transaction_holds_the_write_lock(bot):
    """Opening a form only reads: a long write elsewhere (a tick, a batch of saves) doesn't queue it,
    and the answer comes before that write ends."""
    assert offer(bot, MENTOR).status == 200  # the workspace and its default program exist
    opened = len(bot.fake.calls_to("views.open"))
    # The client returns with the answer, not once the work after it is done (that waits for the lock).
    settle, bot.slack.settle = bot.slack.settle, None
    with bot.rt.engine.begin() as held:
        held.execute(text("UPDATE workspaces SET created_at = created_at"))  # SQLite: the one write lock
        for user, form in ((MENTOR, "offer"), (MENTEE, "request")):
            began = time.monotonic()
            assert bot.slack.command(user, form).status == 200
            # Waiting on the lock would have taken the statement timeout, then failed.
            assert time.monotonic() - began < TRIGGER_TIMEOUT
    bot.slack.settle = settle
    assert bot.rt.sender.settle(timeout=60)
    assert len(bot.fake.calls_to("views.open")) == opened + 2
    bot.slack.opened_view("mentor_offer")
    bot.slack.opened_view("mentee_request")


def test_a_user_change_event_updates_a_known_person_without_asking_slack(bot):
    assert offer(bot, MENTOR).status == 200
    calls = len(bot.fake.calls_to("users.info"))
    changed = dict(bot.fake.users[MENTOR], tz="America/New_York", tz_offset=-18000, is_admin=True)
    assert bot.slack.event({"type": "user_change", "user": changed}).status == 200
    stranger = dict(bot.fake.users[MENTOR], id="U0STRANGER")
    assert bot.slack.event({"type": "user_change", "user": stranger}).status == 200
    assert len(bot.fake.calls_to("users.info")) == calls
    with unit_of_work(bot.rt.sessions) as s:
        person = s.scalar(select(Person).where(Person.user_id == MENTOR))
        assert person is not None and (person.tz, person.tz_offset, person.is_admin) == (
            "America/New_York",
            -18000,
            True,
        )
        # Someone who never used the bot is not stored from an event.
        assert s.scalar(select(Person).where(Person.user_id == "U0STRANGER")) is None


def test_slack_down_during_accept_loses_nothing(bot):
    assert offer(bot, MENTOR).status == 200
    assert request(bot).status == 200
    [proposal] = proposals_to(bot, MENTOR)
    bot.fake.fail("conversations.open", status=503, times=20, retry_after=None, error="service_unavailable")
    assert bot.slack.click_button(proposal, "Accept", MENTOR).status == 200
    [pairing] = rows(bot, Pairing, Pairing.status == "active")
    waiting = rows(bot, Delivery, Delivery.pairing_id == pairing.id)
    assert waiting and all(d.status == DeliveryStatus.PENDING for d in waiting)
    bot.fake.faults.clear()
    from tests.flows import tick

    tick(bot, bot.clock.at + timedelta(hours=1))
    assert all(d.status == DeliveryStatus.SENT for d in rows(bot, Delivery, Delivery.pairing_id == pairing.id))


def test_a_request_stored_by_a_process_that_stopped_before_matching_is_matched_by_the_tick(bot):
    from bot.programs.catalog import open_programs
    from bot.storage.models import MentoringRequest, Proposal
    from tests.flows import tick

    assert offer(bot, MENTOR).status == 200
    with unit_of_work(bot.rt.sessions) as s:
        program_id = open_programs(s, "TAAAA0001", bot.clock())[0].id
        # What Requests.create commits before answering, as a process that then died would leave it.
        s.add(
            MentoringRequest(
                team_id="TAAAA0001",
                program_id=program_id,
                mentee_user_id=MENTEE,
                goals="Learn to lead a team through a reorganisation.",
                topics=["Leadership"],
                wants_outside_team=False,
                wants_more_senior=False,
                status="waiting",
                source_key="view:lost",
                created_at=bot.clock(),
            )
        )
    tick(bot, bot.clock() + timedelta(minutes=1))
    assert rows(bot, Proposal) == [], "too soon: the background match may still be on its way"
    tick(bot, bot.clock() + timedelta(minutes=3))
    [proposal] = rows(bot, Proposal)
    assert proposal.mentor_user_id == MENTOR and proposals_to(bot, MENTOR)
