"""Requests that are not well-formed, signed Slack requests get 4xx, never a 500 or a traceback."""

from __future__ import annotations

import http.client
import json
import logging
from urllib.parse import urlencode, urlparse

import pytest

from tests.slackclient import fixture

FORM = "application/x-www-form-urlencoded"


def signed_json(bot, payload) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    response = bot.slack.post(json.dumps(payload).encode(), "application/json")
    return response.status, response.body


def signed_form_payload(bot, payload) -> int:  # type: ignore[no-untyped-def]
    return bot.slack.post(urlencode({"payload": json.dumps(payload)}).encode(), FORM).status


@pytest.fixture
def errors_logged(caplog):  # type: ignore[no-untyped-def]
    caplog.set_level(logging.WARNING)
    yield caplog
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert not any(r.exc_info for r in caplog.records)


def test_a_body_larger_than_any_slack_payload_is_refused_unread(bot, errors_logged):
    parts = urlparse(bot.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    # Only the headers are sent: the answer must come without the bot waiting for 2 MiB to arrive.
    conn.putrequest("POST", parts.path)
    conn.putheader("Content-Type", FORM)
    conn.putheader("Content-Length", str(2 * 1024 * 1024))
    conn.endheaders()
    conn.send(b"x" * 1024)
    assert conn.getresponse().status == 413
    conn.close()


def test_unsigned_and_badly_signed_requests_get_401(bot, errors_logged):
    assert bot.slack.post(b"{not json", "application/json", signature="v0=00").status == 401
    assert bot.slack.post(b"command=%2Fmentor", FORM, timestamp="soon").status == 401  # type: ignore[arg-type]
    assert bot.slack.post(b"command=%2Fmentor", FORM, timestamp="17²").status == 401  # type: ignore[arg-type]
    assert bot.slack.post(b"command=%2Fmentor", FORM, secret="another-secret").status == 401


def test_signed_bodies_that_slack_would_never_send_get_400(bot, errors_logged):
    assert bot.slack.post(b"\xff\xfe\x00 not utf-8", FORM).status == 400
    assert bot.slack.post(b"{not json", "application/json").status == 400
    assert bot.slack.post(b"[" * 5000 + b"]" * 5000, "application/json").status == 400
    assert bot.slack.post(b"payload=%7Bnot+json", FORM).status == 400
    click = fixture("block_actions.json")
    click["actions"] = []
    assert signed_form_payload(bot, click) == 400
    click["actions"] = ["not an object"]
    assert signed_form_payload(bot, click) == 400
    envelope = fixture("app_home_opened.json")
    envelope["event"] = None
    assert signed_json(bot, envelope)[0] == 400
    submission = fixture("view_submission.json")
    submission["view"] = "a string"
    assert signed_form_payload(bot, submission) == 400
    # A view Slack always types: Bolt reads the type while it routes, and a workflow step's view names its step.
    for view_type in (None, 5, "workflow_step"):
        typed = fixture("view_submission.json")
        typed["view"]["type"] = view_type
        assert signed_form_payload(bot, typed) == 400
        typed["type"] = "view_closed"
        assert signed_form_payload(bot, typed) == 400
    untyped = fixture("view_submission.json")
    del untyped["view"]["type"]
    assert signed_form_payload(bot, untyped) == 400
    del submission["user"]
    assert signed_form_payload(bot, submission) == 400
    # Fields Bolt reads while it routes, typed as Slack never sends them.
    for channel in (True, 5):
        odd = fixture("app_home_opened.json")
        odd["event"] = {"type": "message", "channel": channel, "user": "U0MENTEE01"}
        assert signed_json(bot, odd)[0] == 400


def test_well_formed_requests_still_reach_the_bot(bot, errors_logged):
    assert bot.slack.command("U0SOMEONE1", "help").status == 200
    challenge = {"type": "url_verification", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}
    status, body = signed_json(bot, challenge)
    assert status == 200 and "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in body
    home = fixture("app_home_opened.json")
    assert signed_json(bot, home)[0] == 200
