"""What Slack sends an app, built and signed the way Slack does: slash commands, clicks, submissions, events."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode

from sandbox.emulator import DEFAULT_TEAM

APP_ID = "A0MENTORBOT"
VERIFICATION_TOKEN = "gIkuvaNzQIHg97ATvDxqgjtO"
TEAM = {"id": DEFAULT_TEAM, "domain": "sandbox"}


def sign(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(secret: str, body: bytes, content_type: str) -> dict[str, str]:
    ts = str(int(time.time()))
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sign(secret, ts, body)}


def _user(user: str) -> dict[str, Any]:
    return {"id": user, "username": user.lower(), "name": user.lower(), "team_id": DEFAULT_TEAM}


def command_form(user: str, text: str, channel: str, channel_name: str, trigger_id: str) -> bytes:
    form = {
        "token": VERIFICATION_TOKEN,
        "team_id": DEFAULT_TEAM,
        "team_domain": TEAM["domain"],
        "channel_id": channel,
        "channel_name": channel_name,
        "user_id": user,
        "user_name": user.lower(),
        "command": "/mentor",
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": f"https://hooks.slack.com/commands/{DEFAULT_TEAM}/1/sandbox",
        "trigger_id": trigger_id,
    }
    return urlencode(form).encode()


def interactive_form(payload: dict[str, Any]) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


def block_actions(
    user: str,
    action: dict[str, Any],
    trigger_id: str,
    message: dict[str, Any] | None = None,
    channel: str | None = None,
    view: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A click on a message (`message` and `channel`), in a modal or on App Home (`view`)."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "team": TEAM,
        "enterprise": None,
        "is_enterprise_install": False,
        "actions": [{**action, "action_ts": f"{time.time():.6f}"}],
        "response_url": f"https://hooks.slack.com/actions/{DEFAULT_TEAM}/1/sandbox",
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.get("id")}
        payload["view"] = view
        payload["state"] = view.get("state", {"values": {}})
    else:
        assert message is not None and channel is not None
        payload["container"] = {
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": channel,
            "is_ephemeral": False,
        }
        payload["channel"] = {"id": channel, "name": "directmessage" if channel.startswith("D") else channel}
        payload["message"] = {
            "type": "message",
            "user": "UMENTORBOT",
            "ts": message["ts"],
            "bot_id": "BMENTORBOT",
            "app_id": APP_ID,
            "text": message.get("text", ""),
            "team": DEFAULT_TEAM,
            "blocks": message.get("blocks", []),
        }
        payload["state"] = {"values": {}}
    return payload


def submitted_view(
    view: dict[str, Any], values: dict[str, Any], root_id: str, previous_id: str | None
) -> dict[str, Any]:
    return {
        "id": view["id"],
        "team_id": DEFAULT_TEAM,
        "type": "modal",
        "blocks": view.get("blocks", []),
        "private_metadata": view.get("private_metadata", ""),
        "callback_id": view.get("callback_id", ""),
        "state": {"values": values},
        "hash": view.get("hash", ""),
        "title": view.get("title"),
        "clear_on_close": bool(view.get("clear_on_close")),
        "notify_on_close": bool(view.get("notify_on_close")),
        "close": view.get("close"),
        "submit": view.get("submit"),
        "previous_view_id": previous_id,
        "root_view_id": root_id,
        "app_id": APP_ID,
        "external_id": view.get("external_id", ""),
        "app_installed_team_id": DEFAULT_TEAM,
        "bot_id": "BMENTORBOT",
    }


def view_submission(user: str, view: dict[str, Any], trigger_id: str) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": TEAM,
        "user": _user(user),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "view": view,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def view_closed(user: str, view: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "view_closed",
        "team": TEAM,
        "user": _user(user),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "view": view,
        "is_cleared": False,
        "is_enterprise_install": False,
        "enterprise": None,
    }


def app_home_opened(user: str) -> bytes:
    envelope = {
        "token": VERIFICATION_TOKEN,
        "team_id": DEFAULT_TEAM,
        "api_app_id": APP_ID,
        "event": {
            "type": "app_home_opened",
            "user": user,
            "channel": "D" + user[1:],
            "tab": "home",
            "event_ts": f"{time.time():.6f}",
        },
        "type": "event_callback",
        "event_id": f"Ev{time.time_ns()}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": DEFAULT_TEAM, "user_id": "UMENTORBOT", "is_bot": True}],
    }
    return json.dumps(envelope).encode()
