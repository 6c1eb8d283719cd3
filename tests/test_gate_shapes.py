"""Signed payloads shaped as Slack never sends them, each of a kind that once reached Bolt's routing or a
listener and raised there: every one gets a 4xx or a quiet 200, never a 500, an ERROR or a traceback."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.conftest import bot_env, serving
from tests.slackclient import fixture

FORM = "application/x-www-form-urlencoded"
TEAM = "TAAAA0001"


def command(**fields: Any) -> dict[str, Any]:
    return {**fixture("slash_command.json"), **fields}


def click(**fields: Any) -> dict[str, Any]:
    return {**fixture("block_actions.json"), **fields}


def action(**fields: Any) -> dict[str, Any]:
    payload = fixture("block_actions.json")
    payload["actions"][0].update(fields)
    return payload


def action_without(key: str) -> dict[str, Any]:
    payload = fixture("block_actions.json")
    del payload["actions"][0][key]
    return payload


def submission(kind: str = "view_submission", **view: Any) -> dict[str, Any]:
    payload = fixture("view_submission.json")
    payload["type"] = kind
    payload["view"].update(view)
    return payload


def shortcut(kind: str, **fields: Any) -> dict[str, Any]:
    user = {"id": "U0MENTEE01", "team_id": TEAM}
    return {"type": kind, "team": {"id": TEAM}, "user": user, "callback_id": "cb", "trigger_id": "1.2.3", **fields}


def event(inner: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {**fixture("app_home_opened.json"), "event": inner, **fields}


# (what, how it is sent, the payload): "form" is a slash command's form, "payload" an interaction's
# form field, "json" a JSON body as events come.
CASES: list[tuple[str, str, Callable[[], dict[str, Any]]]] = [
    # A slash command's form that also carries an interaction's fields.
    ("command typed as a submission", "form", lambda: command(type="view_submission", view="callback_id")),
    ("command typed as a click", "form", lambda: command(type="block_actions", actions="")),
    ("command typed as a step edit", "form", lambda: command(type="workflow_step_edit", callback_id="x")),
    ("command typed as an old interaction", "form", lambda: command(type="interactive_message", callback_id="x")),
    ("command typed as an event", "form", lambda: command(type="event_callback", event="type")),
    ("command with an event field", "form", lambda: command(event="x")),
    ("command as JSON with clicks", "json", lambda: command(type="block_actions", actions=[])),
    ("command as JSON with a view", "json", lambda: command(type="view_submission", view=5)),
    ("command as JSON with an event", "json", lambda: command(type="event_callback", event=5)),
    ("command as JSON with numeric text", "json", lambda: command(text=5)),
    ("command as JSON with an object channel", "json", lambda: command(text="stats", channel_id={"a": 1})),
    # A top-level event or view that is not an object.
    ("click with a string event", "payload", lambda: click(event="x")),
    ("click with a null event", "payload", lambda: click(event=None)),
    ("challenge with a numeric event", "json", lambda: {"type": "url_verification", "challenge": "c", "event": 5}),
    ("rate-limit notice with a numeric view", "json", lambda: {"type": "app_rate_limited", "team_id": TEAM, "view": 5}),
    # Ids Bolt routes by, missing or not strings.
    ("click without an action_id", "payload", lambda: action_without("action_id")),
    ("click with a numeric action_id", "payload", lambda: action(action_id=5)),
    ("click with a list action_id", "payload", lambda: action(action_id=["x"])),
    ("click by an empty user id", "payload", lambda: click(user={"id": "", "team_id": TEAM})),
    ("submission with a numeric callback_id", "payload", lambda: submission(callback_id=5)),
    ("closed view with a numeric callback_id", "payload", lambda: submission("view_closed", callback_id=5)),
    ("shortcut with a numeric callback_id", "payload", lambda: shortcut("shortcut", callback_id=5)),
    ("message action with a list callback_id", "payload", lambda: shortcut("message_action", callback_id=[1])),
    ("suggestion with a numeric action_id", "payload", lambda: shortcut("block_suggestion", action_id=5)),
    # Where a clicked message is, and which workspace clicked, in shapes Bolt accepts.
    ("click with a string container", "payload", lambda: click(container="x")),
    ("click with a list container", "payload", lambda: click(container=[1])),
    ("click with a string channel", "payload", lambda: click(container={}, channel="C1")),
    ("click with a string message", "payload", lambda: click(container={}, channel=None, message="m")),
    ("click from a string team", "payload", lambda: click(team=TEAM, user={"id": "U0MENTOR01"})),
    (
        "click from a modal of a null team",
        "payload",
        lambda: click(team=None, user={"id": "U0MENTOR01"}, view={"type": "modal", "app_installed_team_id": TEAM}),
    ),
    # Events with odd contents.
    ("home opened by an object user", "json", lambda: event({"type": "app_home_opened", "user": {"id": "U0MENTEE01"}})),
    ("home opened by a list user", "json", lambda: event({"type": "app_home_opened", "user": ["U1"]})),
    (
        "home opened with a string view",
        "json",
        lambda: event({"type": "app_home_opened", "user": "U0MENTEE01", "view": "x"}, team_id=None),
    ),
    ("tokens revoked as a string", "json", lambda: event({"type": "tokens_revoked", "tokens": "x"})),
    ("tokens revoked as a list", "json", lambda: event({"type": "tokens_revoked", "tokens": [1]})),
    (
        "uninstalled from an object org",
        "json",
        lambda: event({"type": "app_uninstalled"}, enterprise_id={"a": 1}, is_enterprise_install=True),
    ),
    ("uninstalled from a numeric workspace", "json", lambda: event({"type": "app_uninstalled"}, team_id=5)),
]

# Ids of the wrong type where an installed app looks its workspace's token up.
OAUTH_CASES: list[tuple[str, str, Callable[[], dict[str, Any]]]] = [
    ("click from an object team id", "payload", lambda: click(team={"id": {"a": 1}})),
    ("click from a numeric team id", "payload", lambda: click(team={"id": 5})),
    ("click from an object org id", "payload", lambda: click(enterprise={"id": {"a": 1}})),
    ("event of a list workspace", "json", lambda: {**fixture("app_home_opened.json"), "team_id": [TEAM]}),
    (
        "event authorized for an object workspace",
        "json",
        lambda: {**fixture("app_home_opened.json"), "authorizations": [{"team_id": {"a": 1}}]},
    ),
    (
        "submission of an object installing workspace",
        "payload",
        lambda: submission(app_installed_team_id={"a": 1}),
    ),
]


def send(bot: Any, how: str, payload: dict[str, Any]) -> tuple[int, str]:
    if how == "form":
        response = bot.slack.post(urlencode(payload).encode(), FORM)
    elif how == "payload":
        response = bot.slack.post(urlencode({"payload": json.dumps(payload)}).encode(), FORM)
    else:
        response = bot.slack.post(json.dumps(payload).encode(), "application/json")
    return response.status, response.body


def assert_answered_cleanly(bot: Any, caplog: pytest.LogCaptureFixture, cases: list[Any]) -> None:
    caplog.set_level(logging.WARNING)
    for what, how, payload in cases:
        caplog.clear()
        status, body = send(bot, how, payload())
        assert status in (200, 400, 404), (what, status, body[:200])
        bad = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
        assert not bad, (what, [f"{r.name}: {r.getMessage()}" for r in bad])
    bot.rt.sender.settle(timeout=30)
    bad = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not bad, [f"{r.name}: {r.getMessage()}" for r in bad]


def test_payloads_slack_never_sends_are_answered_without_an_error(bot, caplog):
    assert_answered_cleanly(bot, caplog, CASES)


def test_ids_of_the_wrong_type_are_refused_where_tokens_are_looked_up(fake_slack, migrated_database_url, caplog):
    env = bot_env(fake_slack, migrated_database_url, SLACK_CLIENT_ID="111.222", SLACK_CLIENT_SECRET="shh")
    del env["SLACK_BOT_TOKEN"]
    with serving(fake_slack, env) as bot:
        assert_answered_cleanly(bot, caplog, OAUTH_CASES)


def test_well_shaped_payloads_of_the_same_kinds_still_reach_their_listeners(bot):
    # The ids checked above, as Slack sends them: a real command and a real click are answered as before.
    assert "/mentor request" in bot.slack.command("U0SOMEONE1", "help").json()["text"]
    status, _ = send(bot, "payload", click(container={"type": "message"}))
    assert status == 200
    status, _ = send(bot, "payload", click(view=None))  # a click on a message may carry a null view
    assert status == 200
