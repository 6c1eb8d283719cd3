"""Socket Mode end to end: the real bot, connected to the Slack emulator by WebSocket, on both databases.

Every step delivers an envelope as Slack does and checks the app's acknowledgement and its payload. What
the bot sends afterwards is looked for with `eventually`: messages may leave after the acknowledgement.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from bot.storage.models import CheckIn, HelpReport, MentoringRequest, MentorProfile, Pairing, Proposal
from tests.conftest import OWNER
from tests.fakeslack import FakeSlack
from tests.fakeslack_socket import Ack, Envelope
from tests.flows import (
    GOALS,
    MENTEE,
    MENTOR,
    all_text,
    checkins,
    count,
    dms,
    proposals_to,
    request_values,
    rows,
    tick,
)
from tests.slackclient import checkbox_value, multi_value, select_value, state, text_value
from tests.socketbot import APP_TOKEN, SocketBot, eventually, running_socket_bot, stays

MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # 10:00 in Berlin, the mentee's timezone
OFFER = state(
    topics=multi_value(["Leadership", "Communication"]),
    topics_other=text_value(""),
    capacity=select_value("2"),
    level=select_value("4"),
    department=text_value("Sales"),
    bio=text_value("Led three product teams; happy to talk about feedback and growth."),
    reverse=checkbox_value([]),
)


@pytest.fixture
def socket_bot(fake_slack: FakeSlack, migrated_database_url: str) -> Iterator[SocketBot]:
    with running_socket_bot(fake_slack, migrated_database_url) as bot:
        yield bot


def offer(bot: SocketBot, user: str = MENTOR) -> None:
    ack = bot.slack.command(user, "offer")
    assert not ack.payload, "the form opens with views.open; the ack carries nothing"
    ack = bot.slack.submit(bot.slack.opened_view("mentor_offer"), OFFER, user)
    assert ack.payload is not None and ack.payload["response_action"] == "update", ack.payload
    assert ack.payload["view"]["title"]["text"] == "You're a mentor!"


def request(bot: SocketBot, user: str = MENTEE) -> None:
    ack = bot.slack.command(user, "request")
    assert not ack.payload
    ack = bot.slack.submit(bot.slack.opened_view("mentee_request"), request_values(), user)
    assert ack.payload is None, f"a valid request closes the form: {ack.payload}"


# --- the core journey -------------------------------------------------------------------------------------


def test_the_core_journey_over_socket_mode(socket_bot):
    bot = socket_bot
    bot.fake.add_user(MENTEE, tz="Europe/Berlin", tz_offset=3600)
    bot.fake.add_user(MENTOR, tz="Europe/London", tz_offset=0)

    # help: the answer rides on the acknowledgement, as an ephemeral reply.
    ack = bot.slack.command(MENTEE, "help")
    assert ack.payload is not None and ack.payload["response_type"] == "ephemeral"
    for sub in ("request", "offer", "status", "help"):
        assert f"/mentor {sub}" in ack.payload["text"]

    # offer: the modal opens through views.open with this command's trigger, and its submission is saved.
    ack = bot.slack.command(MENTOR, "offer")
    assert not ack.payload
    [opened] = bot.fake.calls_to("views.open")
    assert opened["trigger_id"] == bot.fake.socket.envelopes[-1].body["payload"]["trigger_id"]
    ack = bot.slack.submit(bot.slack.opened_view("mentor_offer"), OFFER, MENTOR)
    assert ack.payload is not None and ack.payload["response_action"] == "update"
    assert ack.payload["view"]["title"]["text"] == "You're a mentor!"
    [profile] = rows(bot, MentorProfile)
    assert (profile.user_id, profile.capacity, profile.level) == (MENTOR, 2, 4)

    # request: stored when acknowledged; the proposal and the mentee's note follow.
    request(bot)
    assert count(bot, MentoringRequest) == 1  # committed before the ack
    eventually(lambda: [r.status for r in rows(bot, MentoringRequest)] == ["proposed"], what="the request proposed")
    [proposal] = eventually(lambda: proposals_to(bot, MENTOR), what="the proposal to the mentor")
    assert f"<@{MENTEE}>" in all_text(proposal) and GOALS in all_text(proposal)
    [note] = eventually(lambda: bot.fake.posts_to(MENTEE), what="the note to the mentee")
    assert "hear back" in note["text"]

    # A second request is refused inside the modal, on the acknowledgement.
    ack = bot.slack.command(MENTEE, "request")
    ack = bot.slack.submit(
        bot.slack.opened_view("mentee_request"), request_values(goals="Another goal, long enough."), MENTEE
    )
    assert ack.payload is not None and ack.payload["response_action"] == "errors"
    assert "already have a request" in ack.payload["errors"]["goals"]

    # Accept: the pair is made, introduced in a group DM, and the proposal loses its buttons.
    ack = bot.slack.click_button(proposal, "Accept", MENTOR)
    assert not ack.payload
    # The group DM is opened after the ack, by the sender: the pairing learns its channel then.
    [pairing] = eventually(
        lambda: rows(bot, Pairing, Pairing.status == "active", Pairing.dm_channel_id.is_not(None)),
        what="an active pairing with its group DM",
    )
    [intro] = eventually(lambda: bot.fake.posts_to(pairing.dm_channel_id), what="the introduction")
    assert f"<@{MENTEE}>, meet <@{MENTOR}>, your mentor" in all_text(intro)
    [updated] = eventually(lambda: bot.fake.calls_to("chat.update"), what="the proposal's update")
    assert updated["ts"] == proposal["_ts"]

    # A check-in, and a click on it.
    tick(bot, MONDAY)
    [post] = eventually(lambda: checkins(bot, pairing), what="the first check-in")
    ack = bot.slack.click_button(post, "Not yet", MENTOR)
    assert not ack.payload
    eventually(lambda: [c for c in rows(bot, CheckIn) if c.answer == "not_yet"], what="the answer stored")

    # Need help: a private modal; the note reaches the owners only, and the mentee is offered a rematch.
    ack = bot.slack.click_button(post, "Need help", MENTEE)
    assert not ack.payload
    view = bot.slack.opened_view("checkin_help_note")
    secret = "We keep cancelling and I feel awkward raising it."
    ack = bot.slack.submit(view, state(note=text_value(secret)), MENTEE)
    assert ack.payload is None, f"a note closes the form: {ack.payload}"
    [owner_post] = eventually(lambda: bot.fake.posts_to(OWNER), what="the note to the owner")
    assert secret in all_text(owner_post)
    eventually(lambda: dms(bot, MENTEE, "Find me a new mentor"), what="the rematch offer")
    assert all(secret not in all_text(c) for c in bot.fake.calls_to("chat.postMessage") if c["channel"] != OWNER)
    assert count(bot, HelpReport) == 1

    # Every envelope was acknowledged once, on the one connection the bot opened.
    assert bot.fake.socket.unacknowledged() == []
    assert len(bot.fake.socket.acks) == len(bot.fake.socket.envelopes)
    assert bot.fake.socket.unexpected == []
    assert len(bot.fake.calls_to("apps.connections.open")) == 1
    # The app-level token opens connections and nothing else; everything else uses the bot token.
    tokens = {(c.method == "apps.connections.open", c.token) for c in bot.fake.calls}
    assert tokens == {(True, APP_TOKEN), (False, bot.rt.settings.bot_token)}


def test_an_app_home_event_is_acknowledged_and_the_home_published(socket_bot):
    bot = socket_bot
    ack = bot.slack.event({"type": "app_home_opened", "user": MENTEE, "channel": "D0MENTEE01", "tab": "home"})
    assert not ack.payload
    [published] = eventually(lambda: bot.fake.calls_to("views.publish"), what="the App Home")
    assert published["user_id"] == MENTEE


# --- the emulator is as strict as Slack ------------------------------------------------------------------


def test_connections_open_takes_only_an_app_level_token_and_each_url_once(fake_slack: FakeSlack):
    with pytest.raises(SlackApiError) as refused:
        WebClient(token="xoxb-1111-2222-testtoken", base_url=fake_slack.url).apps_connections_open(  # type: ignore[attr-defined]
            app_token="xoxb-1111-2222-testtoken"
        )
    assert refused.value.response["error"] == "not_allowed_token_type"
    url = WebClient(base_url=fake_slack.url).apps_connections_open(app_token=APP_TOKEN)["url"]  # type: ignore[attr-defined]
    assert url.startswith("ws://127.0.0.1:") and "/link/?ticket=" in url
    with connect(url) as ws:
        hello = ws.recv(timeout=5)
        assert '"type": "hello"' in str(hello) and fake_slack.socket.wait_for_link().open
    with pytest.raises(InvalidStatus):
        connect(url)  # a ticket opens one connection only


# --- resilience ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["refresh_requested", "warning"])
def test_after_a_disconnect_the_bot_reconnects_and_handles_what_comes_next(socket_bot, reason):
    bot = socket_bot
    first = bot.fake.socket.wait_for_link()
    assert "/mentor request" in bot.slack.command(MENTEE, "help").payload["text"]  # type: ignore[index]

    bot.fake.socket.disconnect(reason, grace=5)
    second = bot.fake.socket.wait_for_link(count=2)
    assert second.number == 2 and len(bot.fake.calls_to("apps.connections.open")) == 2
    bot.fake.socket.wait_closed(first)
    assert first.closed_by == "server"

    offer(bot)
    assert [p.user_id for p in rows(bot, MentorProfile)] == [MENTOR]
    assert bot.fake.socket.unacknowledged() == []
    assert {a.link for a in bot.fake.socket.acks[1:]} == {2}


@pytest.mark.parametrize("reset", [True, False], ids=["reset", "closed-without-handshake"])
def test_after_a_dropped_socket_the_bot_reconnects_and_handles_what_comes_next(socket_bot, reset):
    bot = socket_bot
    first = bot.fake.socket.drop(reset=reset)
    assert first.close_from_app is None
    # Within seconds: waiting for unanswered pings would take four ping intervals (20 s).
    second = bot.fake.socket.wait_for_link(count=2, timeout=4)
    assert second.number == 2 and len(bot.fake.calls_to("apps.connections.open")) == 2

    offer(bot)
    assert [p.user_id for p in rows(bot, MentorProfile)] == [MENTOR]
    assert bot.fake.socket.unacknowledged() == []


def test_an_envelope_acknowledged_just_before_the_socket_drops_is_not_lost(socket_bot):
    bot = socket_bot
    offer(bot)
    bot.slack.command(MENTEE, "request")
    submission = bot.slack.payloads.submission(bot.slack.opened_view("mentee_request"), request_values(), MENTEE)
    ack = bot.fake.socket.exchange("interactive", submission)
    assert not ack.payload
    bot.fake.socket.drop()

    # What the acknowledged submission decided goes out although the connection it came on is gone.
    [proposal] = eventually(lambda: proposals_to(bot, MENTOR), what="the proposal to the mentor")
    assert GOALS in all_text(proposal)
    assert [r.status for r in rows(bot, MentoringRequest)] == ["proposed"]
    bot.fake.socket.wait_for_link(count=2, timeout=4)
    assert not bot.slack.click_button(proposal, "Accept", MENTOR).payload
    eventually(lambda: rows(bot, Pairing, Pairing.status == "active"), what="an active pairing")


def test_an_envelope_in_hand_while_slack_rotates_the_connection_is_still_acknowledged(socket_bot):
    bot = socket_bot
    offer(bot)
    bot.slack.command(MENTEE, "request")
    submission = bot.slack.payloads.submission(bot.slack.opened_view("mentee_request"), request_values(), MENTEE)
    envelope = bot.fake.socket.deliver("interactive", submission)
    bot.fake.socket.disconnect("refresh_requested")  # and closed at once

    ack = bot.fake.socket.wait_for_ack(envelope)
    assert not ack.payload
    bot.fake.socket.wait_for_link(count=2)
    eventually(lambda: proposals_to(bot, MENTOR), what="the proposal to the mentor")
    assert count(bot, MentoringRequest) == 1


def test_an_envelope_delivered_twice_has_no_second_effect(socket_bot):
    bot = socket_bot
    offer(bot)
    bot.slack.command(MENTEE, "request")
    submission = bot.slack.payloads.submission(bot.slack.opened_view("mentee_request"), request_values(), MENTEE)
    first = bot.fake.socket.deliver("interactive", submission)
    assert not bot.fake.socket.wait_for_ack(first).payload
    [proposal] = eventually(lambda: proposals_to(bot, MENTOR), what="the proposal to the mentor")
    eventually(lambda: bot.fake.posts_to(MENTEE), what="the note to the mentee")

    again = bot.fake.socket.deliver("interactive", submission, envelope_id=first.envelope_id, retry_attempt=1)
    # Slack shows the answer to the retry, and the form closes as it did the first time.
    assert bot.fake.socket.wait_for_ack(again).payload is None
    assert len(bot.fake.socket.acks_of(first.envelope_id)) == 2
    stays(lambda: len(proposals_to(bot, MENTOR)) == 1 and len(bot.fake.posts_to(MENTEE)) == 1)
    assert count(bot, MentoringRequest) == 1 and count(bot, Proposal) == 1

    click = bot.slack.button_payload(proposal, "Accept", MENTOR)
    accepted = bot.fake.socket.deliver("interactive", click)
    bot.fake.socket.wait_for_ack(accepted)
    [pairing] = eventually(lambda: rows(bot, Pairing, Pairing.dm_channel_id.is_not(None)), what="the pairing")
    eventually(lambda: bot.fake.posts_to(pairing.dm_channel_id), what="the introduction")
    posts = len(bot.fake.calls_to("chat.postMessage"))

    again = bot.fake.socket.deliver("interactive", click, envelope_id=accepted.envelope_id, retry_attempt=1)
    bot.fake.socket.wait_for_ack(again)
    stays(lambda: len(bot.fake.calls_to("chat.postMessage")) == posts)
    assert count(bot, Pairing) == 1 and len(bot.fake.calls_to("conversations.open")) == 1


def test_a_retried_event_is_acknowledged_and_sends_nothing_new(socket_bot):
    bot = socket_bot
    event = bot.slack.event_payload({"type": "app_home_opened", "user": MENTEE, "channel": "D0MENTEE01", "tab": "home"})
    first = bot.fake.socket.exchange("events_api", event)
    eventually(lambda: bot.fake.calls_to("views.publish"), what="the App Home")
    again = bot.fake.socket.exchange(
        "events_api", event, envelope_id=first.envelope_id, retry_attempt=1, retry_reason="timeout"
    )
    assert not again.payload
    stays(lambda: bot.fake.calls_to("chat.postMessage") == [])


def test_stop_sends_a_close_frame_and_does_not_reconnect(fake_slack, migrated_database_url):
    with running_socket_bot(fake_slack, migrated_database_url):
        link = fake_slack.socket.wait_for_link()
    fake_slack.socket.wait_closed(link, timeout=5)
    assert (link.close_from_app, link.closed_by) == ((1000, ""), "app")
    stays(lambda: len(fake_slack.calls_to("apps.connections.open")) == 1, seconds=1.5)


def test_stopping_first_acknowledges_the_envelopes_in_hand(fake_slack, migrated_database_url):
    with running_socket_bot(fake_slack, migrated_database_url) as bot:
        link = fake_slack.socket.wait_for_link()
        fake_slack.hold_answers("views.open")  # the envelope stays in hand until release()
        envelope = fake_slack.socket.deliver("slash_commands", bot.slack.command_payload(MENTOR, "offer"))
        fake_slack.wait_until_held()
        stopping = threading.Thread(target=bot.service.stop)
        stopping.start()
        stays(lambda: link.open, seconds=0.3)  # nothing is closed while an envelope is in hand
        fake_slack.release()
        ack = fake_slack.socket.wait_for_ack(envelope, timeout=5)
        stopping.join(timeout=10)
        fake_slack.socket.wait_closed(link, timeout=5)
        assert ack.link == link.number and link.closed_at is not None and ack.at < link.closed_at
        assert link.close_from_app == (1000, "")


# --- the 3-second rule -----------------------------------------------------------------------------------

MODALS = ("views.open", "views.push")
HIDDEN_WAIT = 1.5


def assert_acked_without_waiting_on_slack(bot: SocketBot, envelope: Envelope, ack: Ack) -> None:
    """Slack wants the ack within 3 s. With every Web API answer slowed by `latency`, the ack must not have
    waited for any call but views.open/views.push (a modal's trigger expires, so it opens first)."""
    latency = bot.fake.latency
    during = [c for c in list(bot.fake.calls) if c.at >= envelope.sent_at]
    awaited = [c.method for c in during if c.method not in MODALS and c.at + latency <= ack.at]
    assert awaited == [], f"the ack of a {envelope.type} envelope waited for {awaited}"
    modals = [c for c in during if c.method in MODALS and c.at < ack.at]
    took = ack.at - envelope.sent_at
    # The calls above show no Web API wait; this bound catches any other wait of a second and a half or
    # more (a sleep, a lock), with room for a busy machine's own delays.
    assert took < latency * len(modals) + HIDDEN_WAIT, f"the ack took {took:.2f} s with {len(modals)} modal(s) opened"


def timed_exchange(bot: SocketBot, kind: str, payload: dict) -> Ack:
    # Only this envelope's calls are timed: what earlier ones handed to the sender is done first.
    assert bot.rt.sender.settle(timeout=30)
    envelope = bot.fake.socket.deliver(kind, payload)
    ack = bot.fake.socket.wait_for_ack(envelope, timeout=20)
    assert_acked_without_waiting_on_slack(bot, envelope, ack)
    return ack


def test_clicks_submissions_and_commands_are_acknowledged_before_any_slow_web_api_call(socket_bot):
    bot = socket_bot
    bot.fake.add_user(MENTEE, tz="Europe/Berlin", tz_offset=3600)
    bot.fake.add_user(MENTOR, tz="Europe/London", tz_offset=0)
    offer(bot)
    bot.slack.command(MENTEE, "request")
    view = bot.slack.opened_view("mentee_request")
    bot.fake.latency = 1.0

    timed_exchange(bot, "interactive", bot.slack.payloads.submission(view, request_values(), MENTEE))
    [proposal] = eventually(lambda: proposals_to(bot, MENTOR), timeout=30, what="the proposal")
    timed_exchange(bot, "interactive", bot.slack.button_payload(proposal, "Accept", MENTOR))
    [pairing] = eventually(
        lambda: rows(bot, Pairing, Pairing.dm_channel_id.is_not(None)), timeout=30, what="the pairing's group DM"
    )
    eventually(lambda: bot.fake.posts_to(pairing.dm_channel_id), timeout=30, what="the introduction")
    timed_exchange(bot, "slash_commands", bot.slack.command_payload(MENTEE, "status"))
    bot.fake.latency = 0
    tick(bot, MONDAY)
    [post] = eventually(lambda: checkins(bot, pairing), what="the first check-in")
    bot.fake.latency = 1.0
    timed_exchange(bot, "interactive", bot.slack.button_payload(post, "Not yet", MENTOR))
    eventually(lambda: bot.fake.calls_to("chat.update")[-1]["ts"] == post["_ts"], timeout=30, what="the update")
    timed_exchange(bot, "interactive", bot.slack.button_payload(post, "Need help", MENTEE))
    assert bot.slack.opened_view("checkin_help_note")


def test_a_form_command_is_acknowledged_after_its_modal_and_nothing_else(socket_bot):
    bot = socket_bot
    bot.fake.latency = 1.0
    timed_exchange(bot, "slash_commands", bot.slack.command_payload(MENTOR, "offer"))
    assert bot.slack.opened_view("mentor_offer")
    timed_exchange(bot, "slash_commands", bot.slack.command_payload(MENTEE, "request"))
    assert bot.slack.opened_view("mentee_request")
