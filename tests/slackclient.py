"""Plays the Slack client: builds realistic payloads from fixtures, signs them, posts them over HTTP."""

from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from tests.fakeslack import DEFAULT_TEAM, FakeSlack

FIXTURES = Path(__file__).parent / "fixtures"
_unissued = itertools.count(1)


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


def sign(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class Response:
    status: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class SlackClientSim:
    def __init__(self, url: str, secret: str, fake: FakeSlack, settle: Callable[[], object] | None = None):
        self.url = url
        self.secret = secret
        self.fake = fake
        # Waits until the bot has sent what it handed to its background sender: after the answer,
        # the test sees everything the request caused, as a person would a moment later.
        self.settle = settle

    def post(
        self,
        body: bytes,
        content_type: str,
        timestamp: int | None = None,
        secret: str | None = None,
        signature: str | None = None,
    ) -> Response:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": signature or sign(secret or self.secret, ts, body),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                answered = Response(response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            answered = Response(error.code, error.read().decode())
        if self.settle is not None:
            self.settle()
        return answered

    def _trigger_id(self, user: str) -> str:
        """A fresh trigger id from the emulator: usable once, for 3 s, as Slack's are. Without an emulator in
        this process (payloads built for another), one in Slack's shape that no emulator issued."""
        if self.fake is None:
            return f"{next(_unissued)}.{int(time.time())}.{uuid.uuid4().hex[:20]}"
        return self.fake.issue_trigger(user)

    def command_body(self, user: str, text: str, team: str = DEFAULT_TEAM, command: str = "/mentor") -> bytes:
        form = fixture("slash_command.json")
        form.update(
            user_id=user,
            user_name=user.lower(),
            text=text,
            team_id=team,
            command=command,
            trigger_id=self._trigger_id(user),
        )
        return urlencode(form).encode()

    def command(self, user: str, text: str = "", team: str = DEFAULT_TEAM, command: str = "/mentor") -> Response:
        answered = self.post(self.command_body(user, text, team, command), "application/x-www-form-urlencoded")
        return self.slack_reads(answered, "slash_commands")

    def interactive(self, payload: dict[str, Any]) -> Response:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        answered = self.post(body, "application/x-www-form-urlencoded")
        submitted = payload.get("view") if payload.get("type") == "view_submission" else None
        return self.slack_reads(answered, str(payload.get("type")), submitted)

    def slack_reads(self, answered: Response, kind: str, view: dict[str, Any] | None = None) -> Response:
        """Holds the bot's acknowledgement to what Slack accepts in one (a message, a modal update, field
        errors); the emulator keeps any refusal."""
        if self.fake is not None and answered.status == 200 and answered.body.strip():
            try:
                body = json.loads(answered.body)
            except ValueError:
                body = {"text": answered.body}  # Bolt answers a bare text as plain text
            self.fake.check_acknowledgement(kind, body, view)
        return answered

    def click_payload(
        self,
        user: str,
        action_id: str,
        value: str | None,
        team: str = DEFAULT_TEAM,
        channel: str | None = None,
        ts: str | None = None,
    ) -> dict[str, Any]:
        """A click on a button. Without `ts`, on the newest message the bot sent (to `channel`, if given)
        that shows this button, as only a message on screen can be clicked."""
        payload = fixture("block_actions.json")
        payload["user"].update(id=user, username=user.lower(), name=user.lower(), team_id=team)
        payload["team"]["id"] = team
        payload["trigger_id"] = self._trigger_id(user)
        action = payload["actions"][0]
        action.update(action_id=action_id, action_ts=f"{time.time():.6f}")
        if value is None:
            action.pop("value", None)
        else:
            action["value"] = value
        if ts is None and self.fake is not None:
            shown = self.message_with_button(action_id, value, channel)
            if shown is not None:
                channel, ts = shown["channel"], shown["ts"]
                payload["message"].update(text=shown.get("text") or "", blocks=shown.get("blocks") or [])
        if channel:
            payload["container"]["channel_id"] = channel
            payload["channel"]["id"] = channel
        if ts:
            payload["container"]["message_ts"] = ts
            payload["message"]["ts"] = ts
        return payload

    def message_with_button(self, action_id: str, value: str | None, channel: str | None) -> dict[str, Any] | None:
        """The newest version of a message Slack took from the bot (posted, or updated since) with this button:
        its channel, ts, text and blocks."""
        calls = list(self.fake.calls)
        posted = {
            c.args["_ts"]: c.args["_channel"] for c in calls if c.method == "chat.postMessage" and "_ts" in c.args
        }
        for call in reversed(calls):
            args = call.args
            if call.method == "chat.postMessage" and "_ts" in args:
                where = {"channel": args["_channel"], "ts": args["_ts"]}
            elif call.method == "chat.update" and posted.get(str(args.get("ts"))) == args.get("channel"):
                where = {"channel": args["channel"], "ts": args["ts"]}
            else:
                continue
            if channel not in (None, where["channel"]) or not _has_button(args.get("blocks"), action_id, value):
                continue
            return {**where, "text": args.get("text"), "blocks": args.get("blocks")}
        return None

    def click(self, user: str, action_id: str, value: str | None, **where: Any) -> Response:
        return self.interactive(self.click_payload(user, action_id, value, **where))

    def click_button(self, post: dict[str, Any], label: str, user: str, team: str = DEFAULT_TEAM) -> Response:
        """Clicks the button with this label on a message the bot posted (a recorded chat.postMessage)."""
        for block in post.get("blocks") or []:
            for element in block.get("elements", []):
                if element.get("type") == "button" and element["text"]["text"] == label:
                    return self.click(
                        user,
                        element["action_id"],
                        element.get("value"),
                        team=team,
                        channel=post.get("_channel"),
                        ts=post.get("_ts"),
                    )
        raise AssertionError(f"no button labelled {label!r} in {post.get('text')!r}")

    def submission(
        self,
        view: dict[str, Any],
        values: dict[str, Any],
        user: str,
        team: str = DEFAULT_TEAM,
        view_id: str | None = None,
    ) -> dict[str, Any]:
        payload = fixture("view_submission.json")
        payload["team"]["id"] = team
        payload["user"].update(id=user, username=user.lower(), name=user.lower(), team_id=team)
        payload["trigger_id"] = self._trigger_id(user)
        submitted = copy.deepcopy(payload["view"])
        submitted.update(
            id=view_id or view.get("id") or submitted["id"],
            team_id=team,
            app_installed_team_id=team,
            blocks=view.get("blocks", []),
            private_metadata=view.get("private_metadata", ""),
            callback_id=view["callback_id"],
            state={"values": values},
        )
        payload["view"] = submitted
        return payload

    def submit(self, view: dict[str, Any], values: dict[str, Any], user: str, team: str = DEFAULT_TEAM) -> Response:
        return self.interactive(self.submission(view, values, user, team))

    def event(self, event: dict[str, Any], team: str = DEFAULT_TEAM) -> Response:
        envelope = fixture("app_home_opened.json")
        envelope["team_id"] = team
        envelope["event"] = event
        return self.post(json.dumps(envelope).encode(), "application/json")

    def opened_view(self, callback_id: str) -> dict[str, Any]:
        """The newest modal the bot opened with this callback_id, as Slack would show it (a refused one never
        opened)."""
        for args in reversed(self.fake.calls_to("views.open")):
            if "_view_id" not in args:
                continue
            view = args["view"] if isinstance(args["view"], dict) else json.loads(args["view"])
            if view.get("callback_id") == callback_id:
                return {**view, "id": args.get("_view_id")}
        raise AssertionError(f"no modal {callback_id!r} was opened")


def _has_button(blocks: Any, action_id: str, value: str | None) -> bool:
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    return any(
        element.get("action_id") == action_id and element.get("value") == value
        for block in blocks or []
        for element in [*block.get("elements", []), block.get("accessory") or {}]
        if isinstance(element, dict)
    )


# Builders for view state values, in the exact shapes Slack sends.
def text_value(value: str) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def select_value(value: str | None) -> dict[str, Any]:
    option = None if value is None else {"text": {"type": "plain_text", "text": value}, "value": value}
    return {"type": "static_select", "selected_option": option}


def multi_value(values: list[str]) -> dict[str, Any]:
    return {
        "type": "multi_static_select",
        "selected_options": [{"text": {"type": "plain_text", "text": v}, "value": v} for v in values],
    }


def checkbox_value(values: list[str]) -> dict[str, Any]:
    return {
        "type": "checkboxes",
        "selected_options": [{"text": {"type": "plain_text", "text": v}, "value": v} for v in values],
    }


def state(**blocks: dict[str, Any]) -> dict[str, Any]:
    """{block_id: element value}: the input blocks use the block id as their action id too."""
    return {block_id: {block_id: value} for block_id, value in blocks.items()}
