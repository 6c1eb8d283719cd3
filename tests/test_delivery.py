"""Sending through the outbox: rate limits, outages and gone users, with ticks moving time forward."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.delivery.slack_gateway import SlackFailure, SlackGateway, make_web_client
from bot.storage.models import Delivery
from scheduler import Ticker
from tests.flows import MENTEE, MENTOR, offer, proposals_to, request, rows


def _delivery(bot, kind):
    [row] = rows(bot, Delivery, Delivery.kind == kind)
    return row


def test_short_429_is_waited_out_and_sent_once(bot):
    offer(bot, MENTOR)
    bot.fake.fail("chat.postMessage", status=429, retry_after=1, times=1)
    request(bot)
    assert len(proposals_to(bot, MENTOR)) == 1
    assert _delivery(bot, "proposal").status == "sent"
    # It waited once, in place, for Retry-After (plus under a second of jitter).
    [waited] = bot.slept
    assert 1 <= waited < 2


def test_only_a_short_retry_after_is_waited_out_in_place(fake_slack):
    slept: list[float] = []
    gateway = SlackGateway(make_web_client("xoxb-1-limits", fake_slack.url, max_rate_limit_wait=3, sleep=slept.append))
    fake_slack.fail("chat.postMessage", status=429, retry_after=3, times=1)
    gateway.post_message("C0LIMITS", "short")
    assert len(slept) == 1 and 3 <= slept[0] < 4

    fake_slack.fail("chat.postMessage", status=429, retry_after=4, times=1)
    with pytest.raises(SlackFailure) as longer:
        gateway.post_message("C0LIMITS", "long")
    # Handed back with Slack's hint, for the outbox to reschedule, and not waited for here.
    assert (longer.value.error, longer.value.retry_after, longer.value.permanent) == ("ratelimited", 4, False)
    assert len(slept) == 1
    assert [p["text"] for p in fake_slack.posts_to("C0LIMITS")] == ["short"]


def test_long_429_reschedules_after_retry_after_and_a_tick_sends_it(bot):
    offer(bot, MENTOR)
    bot.fake.fail("chat.postMessage", status=429, retry_after=120, times=1)
    request(bot)
    row = _delivery(bot, "proposal")
    assert row.status == "pending" and row.last_error == "ratelimited"
    assert row.next_attempt_at - row.created_at >= timedelta(seconds=119)

    ticker = Ticker(bot.rt)
    assert ticker.tick_once(row.created_at + timedelta(seconds=30)).sent.sent == 0
    assert proposals_to(bot, MENTOR) == []
    assert ticker.tick_once(row.created_at + timedelta(seconds=121)).sent.sent == 2  # the proposal and the note
    assert ticker.tick_once(row.created_at + timedelta(minutes=10)).sent.sent == 0
    assert len(proposals_to(bot, MENTOR)) == 1
    assert _delivery(bot, "proposal").status == "sent"


def test_server_errors_back_off_then_fail_visibly(bot):
    offer(bot, MENTOR)
    bot.fake.fail("chat.postMessage", status=503, retry_after=None, times=1000, error="service_unavailable")
    request(bot)
    row = _delivery(bot, "proposal")
    assert row.status == "pending" and row.attempts == 1
    ticker = Ticker(bot.rt)
    when = bot.rt.now()
    for _ in range(10):
        when += timedelta(hours=2)
        ticker.tick_once(when)
    row = _delivery(bot, "proposal")
    assert row.status == "failed" and row.attempts == 6 and row.last_error == "service_unavailable"
    # Once Slack recovers, nothing failed is resent behind anyone's back.
    bot.fake.faults.clear()
    assert ticker.tick_once(when + timedelta(hours=1)).sent.sent == 0


def test_a_gone_mentor_is_a_permanent_failure_not_a_retry_loop(bot):
    offer(bot, MENTOR)
    bot.fake.gone_users.add(MENTOR)
    request(bot)
    row = _delivery(bot, "proposal")
    assert (row.status, row.last_error, row.attempts) == ("failed", "user_not_found", 1)


def test_a_claim_abandoned_by_a_dead_process_is_sent_later(bot):
    offer(bot, MENTOR)
    bot.fake.fail("chat.postMessage", status=503, retry_after=None, times=100, error="service_unavailable")
    request(bot)
    bot.fake.faults.clear()
    # Simulate a process that claimed the row and died before sending.
    from sqlalchemy import update

    from bot.storage.database import unit_of_work

    claimed_at = bot.rt.now()
    with unit_of_work(bot.rt.sessions) as s:
        s.execute(update(Delivery).values(status="sending", claimed_at=claimed_at, next_attempt_at=claimed_at))
    ticker = Ticker(bot.rt)
    assert ticker.tick_once(claimed_at + timedelta(minutes=1)).sent.sent == 0
    assert ticker.tick_once(claimed_at + timedelta(minutes=6)).sent.sent == 2
    assert len(proposals_to(bot, MENTOR)) == 1
    assert len(bot.fake.posts_to(MENTEE)) == 1
