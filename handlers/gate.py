"""The door before Bolt: what is not a well-formed, signed Slack request is turned away with 4xx.

Bolt verifies signatures too, but it parses first in places and answers 500 to input it did not
expect. Here a request is refused, in this order, when:
  - its body is larger than any Slack payload (413, refused before reading it);
  - its timestamp or signature is missing, malformed, stale or wrong (401);
  - its body is not UTF-8, not parseable, nested absurdly deep, or not shaped as Slack sends it (400).
Only the status and a short reason are logged, never the body.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

log = logging.getLogger(__name__)

# Slack's own payloads are a few tens of KiB at most (a modal's state, a message's blocks).
MAX_BODY = 1024 * 1024
# A view's state is about six levels deep; hundreds of levels is an attack, not a form.
MAX_DEPTH = 64
# Slack's own rule: a request signed more than five minutes ago may be a replay.
MAX_AGE = 60 * 5
# How waitress serves the bot. It reads a whole body before the app sees it, so it enforces MAX_BODY
# itself: an oversized request is answered 413 from its headers, and its body is never read.
SERVER_OPTIONS = {"threads": 8, "max_request_body_size": MAX_BODY}


@dataclass(frozen=True)
class Refusal:
    status: int
    reason: str


def too_large(content_length: str | None) -> Refusal | None:
    try:
        length = int(content_length or 0)
    except ValueError:
        return Refusal(400, "bad Content-Length")
    if length > MAX_BODY:
        return Refusal(413, "body too large")
    if length < 0:
        return Refusal(400, "bad Content-Length")
    return None


def check(raw: bytes, headers: Mapping[str, str], secret: str) -> Refusal | dict[str, Any]:
    """Why this request is refused, or its parsed body, signed by Slack and shaped as Slack sends it."""
    timestamp = headers.get("x-slack-request-timestamp", "")
    signature = headers.get("x-slack-signature", "")
    if not timestamp.isascii() or not timestamp.isdigit() or not signature:
        return Refusal(401, "unsigned")
    if abs(time.time() - int(timestamp)) > MAX_AGE:
        return Refusal(401, "stale timestamp")
    if secret and not _signed(raw, timestamp, signature, secret):
        return Refusal(401, "bad signature")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return Refusal(400, "not UTF-8")
    try:
        body = _parse(text, headers.get("content-type", ""))
    except (ValueError, RecursionError):
        return Refusal(400, "unparseable body")
    # A command's form is flat; only JSON (an event, an interaction's payload) can nest.
    flat = isinstance(body, dict) and not any(isinstance(v, dict | list) for v in body.values())
    if not flat and _depth(body) > MAX_DEPTH:
        return Refusal(400, "nested too deep")
    problem = _shape_problem(body)
    return Refusal(400, problem) if problem else body


def ids_problem(context: Mapping[str, Any]) -> Refusal | None:
    """Why a request whose ids Bolt has found is refused: Bolt looks for the workspace, org, person and
    channel in many places of a body, and each it finds must be a string, as Slack's ids are."""
    for name in ("team_id", "enterprise_id", "user_id", "channel_id"):
        value = context.get(name)
        if value is not None and not isinstance(value, str):
            return Refusal(400, f"bad {name}")
    return None


def _signed(raw: bytes, timestamp: str, signature: str, secret: str) -> bool:
    """Slack's v0 signature, over the raw bytes: a body need not be UTF-8 to be checked."""
    base = b"v0:" + timestamp.encode() + b":" + raw
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def _parse(text: str, content_type: str) -> Any:
    if content_type.startswith("application/json"):
        return json.loads(text)
    form = dict(parse_qsl(text, keep_blank_values=True))
    if "payload" in form:
        return json.loads(form["payload"])
    return form


def _depth(value: Any, level: int = 0) -> int:
    """How deeply containers nest, stopping early once past MAX_DEPTH."""
    if level > MAX_DEPTH:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level + 1)
    return level


def _is_dict_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _has_str(value: Any, key: str) -> bool:
    return isinstance(value, dict) and isinstance(value.get(key), str)


def _shape_problem(body: Any) -> str | None:
    """What makes this parsed body unlike anything Slack sends, if anything.

    The fields checked are those Bolt reads while it routes (and trusts to be shaped as Slack sends
    them: a wrong one raises inside Bolt, a 500) and those the bot's listeners route by.
    """
    if not isinstance(body, dict):
        return "not an object"
    if body.get("ssl_check") == "1":  # Slack checking the certificate of a slash command's URL
        return None
    # Whatever the type, Bolt reads an event as an object wherever it appears, and a view unless it is null.
    if ("event" in body and not isinstance(body["event"], dict)) or not isinstance(body.get("view"), dict | None):
        return "bad event or view"
    if "command" in body:
        # Slack sends a slash command as a form: every field a string, and none of an interaction's.
        if "type" in body or not all(isinstance(v, str) for v in body.values()):
            return "bad command"
        return None if body.get("user_id") and body.get("team_id") else "bad command"
    kind = body.get("type")
    if kind == "app_rate_limited":
        return None
    if kind == "url_verification":
        return None if isinstance(body.get("challenge"), str) else "bad challenge"
    if kind == "event_callback":
        return None if _has_str(body.get("event"), "type") else "bad event"
    if not isinstance(kind, str):
        return "no type"
    if not _has_str(body.get("user"), "id") or not body["user"]["id"]:
        return "no user"
    if kind == "block_actions":
        actions: Any = body.get("actions")
        return None if _is_dict_list(actions) and all(_has_str(a, "action_id") for a in actions) else "bad actions"
    if kind in ("view_submission", "view_closed"):
        view: Any = body.get("view")
        # Slack types every view it sends, and only a modal is submitted or closed (Bolt reads the type).
        return None if _has_str(view, "callback_id") and view.get("type") == "modal" else "bad view"
    if kind in ("shortcut", "message_action"):
        return None if isinstance(body.get("callback_id"), str) else "bad callback"
    if kind == "block_suggestion":
        return None if isinstance(body.get("action_id"), str) else "bad suggestion"
    return "unknown type"
