"""Slack faults that must never end a pair or lose a message: a refused bot token, absurd Retry-After."""

from __future__ import annotations

import collections
import logging
import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from bot.delivery import outbox
from bot.delivery.dispatcher import Dispatcher, Unreachable
from bot.delivery.slack_gateway import (
    MAX_RETRY_AFTER,
    MIN_RETRY_AFTER,
    Gateways,
    make_web_client,
    retry_after_seconds,
)
from bot.people.directory import ensure_workspace
from bot.storage.database import make_engine, make_session_factory, unit_of_work
from bot.storage.models import Delivery, Pairing, Workspace
from bot.storage.statuses import DeliveryKind
from tests.fakeslack import DEFAULT_TEAM
from tests.flows import MENTEE, MENTOR, pair, rows, tick

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # 10:00 in Berlin, the mentee's timezone
WEEK = timedelta(weeks=1)
CHANNEL = "C0ANNOUNCE"
TOKEN = "xoxb-outage"


def queue(database_url: str, count: int) -> list[int]:
    engine = make_engine(database_url)
    with unit_of_work(make_session_factory(engine)) as s:
        ensure_workspace(s, DEFAULT_TEAM, T0)
        ids = [
            outbox.enqueue(
                s,
                team_id=DEFAULT_TEAM,
                key=f"outage:{n}",
                kind=DeliveryKind.STATS,
                now=T0,
                target=CHANNEL,
                payload={"text": f"message {n}"},
            )
            for n in range(count)
        ]
    engine.dispose()
    return [i for i in ids if i is not None]


def workspace(sender: Dispatcher) -> Workspace:
    with unit_of_work(sender.sessions) as s:
        found = s.get_one(Workspace, DEFAULT_TEAM)
        s.expunge(found)
        return found


def deliveries(sender: Dispatcher) -> list[Delivery]:
    with unit_of_work(sender.sessions) as s:
        found = list(s.scalars(select(Delivery).order_by(Delivery.id)))
        s.expunge_all()
        return found


def delivered(fake) -> collections.Counter:  # type: ignore[no-untyped-def]
    return collections.Counter(p["text"] for p in fake.posts_to(CHANNEL))


# --- a refused token ---------------------------------------------------------------------------


def test_a_suspended_token_ends_no_pair_and_everything_is_sent_once_it_works(bot, caplog):
    pairing = pair(bot)
    tick(bot, MONDAY)
    # Slack suspends the bot's token: every call is refused, users.info included.
    bot.fake.fail("*", status=200, times=100_000, retry_after=None, error="account_inactive")
    caplog.set_level(logging.INFO)
    tick(bot, MONDAY + WEEK)  # week 2: a check-in to the pair, and the mentor's prompt by DM

    [still] = rows(bot, Pairing)
    assert (still.status, still.end_reason) == ("active", None)
    waiting = rows(bot, Delivery, Delivery.status != "sent")
    assert waiting, "week 2 should have something to send"
    # Handed back untouched: pending, no attempt spent, no claim left behind, nothing failed.
    assert {(d.status, d.attempts, d.claim_token) for d in waiting} == {("pending", 0, None)}
    [team] = rows(bot, Workspace)
    assert team.token_error == "account_inactive"
    assert not any("reach them" in (p.get("text") or "") for p in bot.fake.calls_to("chat.postMessage"))
    loud = [r for r in caplog.records if r.levelno >= logging.ERROR and "account_inactive" in r.getMessage()]
    assert loud and DEFAULT_TEAM in loud[0].getMessage()

    # Later ticks send nothing while the token is refused, and ask Slack about it at doubling gaps.
    bot.fake.reset_calls()
    tick(bot, MONDAY + WEEK + timedelta(seconds=30))
    assert bot.fake.calls == []
    tick(bot, MONDAY + WEEK + timedelta(seconds=61))
    assert [c.method for c in bot.fake.calls] == ["auth.test"]

    bot.fake.faults.clear()  # the token works again
    tick(bot, MONDAY + WEEK + timedelta(seconds=90))
    assert [c.method for c in bot.fake.calls] == ["auth.test"]  # the next probe is not due yet
    report = tick(bot, MONDAY + WEEK + timedelta(minutes=3))
    assert report.resumed == (DEFAULT_TEAM,)
    assert report.sent.sent == len(waiting)
    assert {d.status for d in rows(bot, Delivery)} == {"sent"}
    [team] = rows(bot, Workspace)
    assert (team.token_error, team.token_failed_at, team.token_probe_at) == (None, None, None)
    [checkin] = bot.fake.posts_to(pairing.dm_channel_id)
    assert checkin["text"].startswith("Check-in, week 2")
    assert rows(bot, Pairing)[0].status == "active"


def test_a_revoked_token_is_probed_at_doubling_gaps_and_nothing_is_given_up(fake_slack, migrated_database_url):
    ids = queue(migrated_database_url, 5)
    fake_slack.revoked_tokens.add(TOKEN)
    told: list[Unreachable] = []
    sender = Dispatcher(
        make_session_factory(make_engine(migrated_database_url)),
        Gateways.one(make_web_client(TOKEN, fake_slack.url)),
        on_unreachable=lambda gone, now: told.append(gone) or [],
    )
    report = sender.dispatch_due(T0)
    assert {(d.status, d.attempts, d.claim_token, d.last_error) for d in deliveries(sender)} == {
        ("pending", 0, None, None)
    }
    # One refused call pauses the workspace: the other four are not even tried.
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    assert (report.sent, report.retrying, report.failed, report.paused) == (0, 0, 0, 1)
    paused = workspace(sender)
    assert paused.token_error == "invalid_auth"
    assert paused.token_failed_at is not None and paused.token_probe_at is not None
    assert paused.token_probe_at - paused.token_failed_at == timedelta(minutes=1)

    # Neither the tick nor a background send touches the paused workspace.
    assert sender.dispatch_due(T0 + timedelta(seconds=10)).sent == 0
    assert sender.dispatch(list(ids), T0 + timedelta(seconds=10)).sent == 0
    assert sender.probe_tokens(T0 + timedelta(seconds=30)) == []
    assert len(fake_slack.calls) == 1

    gaps = []
    for _ in range(9):
        due = workspace(sender).token_probe_at
        assert due is not None
        assert sender.probe_tokens(due) == []
        after = workspace(sender).token_probe_at
        assert after is not None
        gaps.append(after - due)
    assert len(fake_slack.calls_to("auth.test")) == 9
    minutes = [round(g.total_seconds() / 60) for g in gaps]
    assert minutes == [1, 2, 4, 8, 16, 32, 60, 60, 60], minutes

    fake_slack.revoked_tokens.discard(TOKEN)
    due = workspace(sender).token_probe_at
    assert due is not None
    assert sender.probe_tokens(due) == [DEFAULT_TEAM]
    assert sender.dispatch_due(due).sent == 5
    counts = delivered(fake_slack)
    assert len(counts) == 5 and set(counts.values()) == {1}
    assert told == []
    sender.engine.dispose()


def test_a_gone_person_is_only_taken_for_gone_with_a_working_token(bot):
    pair(bot)
    tick(bot, MONDAY)
    bot.fake.gone_users.add(MENTOR)
    # The mentor's prompt fails with user_not_found, but the token is refused when checked.
    bot.fake.fail("auth.test", status=200, times=1, retry_after=None, error="token_revoked")
    tick(bot, MONDAY + WEEK)
    [still] = rows(bot, Pairing)
    assert still.status == "active"
    assert rows(bot, Workspace)[0].token_error == "token_revoked"
    # The token works at the next probe: now Slack's word that the mentor is gone counts.
    tick(bot, MONDAY + WEEK + timedelta(minutes=2))
    [ended] = rows(bot, Pairing)
    assert (ended.status, ended.end_reason) == ("ended", "unreachable")
    assert "can no longer reach them" in bot.fake.posts_to(MENTEE)[-1]["text"]


# --- Retry-After --------------------------------------------------------------------------------

# (header value, waited out in place)
ABSURD_RETRY_AFTER = [
    ("1e12", False),
    ("inf", False),
    ("-inf", True),
    ("nan", False),
    ("-5", True),
    ("0", True),
    ("", False),
    ("soon", False),
    ("Wed, 21 Oct 2015 07:28:00 GMT", True),  # an HTTP date long past
    ("Fri, 31 Dec 9999 23:59:59 GMT", False),  # an HTTP date far ahead
]


@pytest.mark.parametrize(("value", "in_place"), ABSURD_RETRY_AFTER)
def test_an_absurd_retry_after_is_clamped_and_never_breaks_a_run(fake_slack, migrated_database_url, value, in_place):
    queue(migrated_database_url, 3)
    slept: list[float] = []
    sender = Dispatcher(
        make_session_factory(make_engine(migrated_database_url)),
        Gateways.one(make_web_client("xoxb-limits", fake_slack.url, sleep=slept.append)),
    )
    fake_slack.fail("chat.postMessage", status=429, retry_after=value, times=1)  # type: ignore[arg-type]
    report = sender.dispatch_due(T0)
    found = deliveries(sender)
    assert "sending" not in {d.status for d in found}
    assert all(MIN_RETRY_AFTER <= s < MIN_RETRY_AFTER + 1 for s in slept), slept
    if in_place:
        assert (report.sent, len(slept)) == (3, 1)
    else:
        assert (report.sent, report.retrying, slept) == (0, 1, [])
        first = found[0]
        wait = (first.next_attempt_at - T0).total_seconds()
        assert MIN_RETRY_AFTER <= wait <= MAX_RETRY_AFTER + 5, wait
        paused_until = workspace(sender).send_paused_until
        assert paused_until is not None and paused_until - T0 <= timedelta(seconds=MAX_RETRY_AFTER + 5)
        # The rest were handed back untouched, and everything goes once the wait is over.
        assert [(d.status, d.attempts) for d in found[1:]] == [("pending", 0), ("pending", 0)]
        assert sender.dispatch_due(T0 + timedelta(seconds=MAX_RETRY_AFTER + 10)).sent == 3
    counts = delivered(fake_slack)
    assert len(counts) == 3 and set(counts.values()) == {1}
    sender.engine.dispose()


@given(st.one_of(st.text(max_size=40), st.floats().map(repr), st.integers().map(str)))
def test_any_retry_after_header_reads_as_a_sane_wait(raw):
    for headers in ({"Retry-After": raw}, {"retry-after": [raw]}):
        wait = retry_after_seconds(headers, now=1.8e9)
        assert wait is not None and math.isfinite(wait)
        assert MIN_RETRY_AFTER <= wait <= MAX_RETRY_AFTER
    assert retry_after_seconds({"Content-Type": "application/json"}) is None
