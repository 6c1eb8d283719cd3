"""How listeners answer besides `ack`: a private note, an updated message, a modal, a refreshed App Home.

Only a modal opens before the answer (its trigger id expires within 3 s). Everything else here is
handed to the background sender and runs right after the answer, so Slack never waits on it.
"""

from __future__ import annotations

import functools
import logging
from datetime import datetime
from typing import Any

from slack_sdk.webhook import WebhookClient

from bot.blockkit.blocks import modal, section
from bot.delivery.slack_gateway import SlackFailure
from bot.runtime import Runtime
from handlers.context import message_location, team_of, user_of

log = logging.getLogger(__name__)

REFUSAL = "Sorry, only program owners can do that. Ask a workspace admin if you think you should be one."
# Seconds a response_url post may take: it runs after the answer, but a stuck one would hold a sender thread.
RESPONSE_URL_TIMEOUT = 10


def tell(rt: Runtime, body: dict[str, Any], text: str) -> None:
    """A private note to whoever clicked, where they clicked."""
    tell_user(rt, team_of(body), user_of(body), text, message_location(body)[0])


def tell_user(rt: Runtime, team_id: str, user_id: str, text: str, channel: str | None = None) -> None:
    """A private note to one person, ephemeral where they are or else by DM, after the answer."""
    rt.sender.later(lambda: rt.gateway.to(team_id).tell(user_id, text, channel), what="a private note")


def replace_message(rt: Runtime, body: dict[str, Any], payload: dict[str, Any]) -> None:
    """Replaces the clicked message, so its buttons can't be pressed again; says so privately if Slack refuses."""
    channel, ts = message_location(body)
    if not (channel and ts):
        return
    user_id, slack = user_of(body), rt.gateway.to(team_of(body))

    def update() -> None:
        try:
            slack.update_message(channel, ts, payload["text"], payload["blocks"])
        except SlackFailure as exc:
            slack.tell(user_id, payload["text"] + f" (I couldn't update the message: {exc.error})", channel)

    rt.sender.later(update, what="a message update")


def replace_ephemeral(
    rt: Runtime, team_id: str, user_id: str, response_url: str, payload: dict[str, Any], channel: str | None = None
) -> None:
    """Replaces an ephemeral message (one only `user_id` sees, such as a cohort preview) through the
    response_url of a click on it; chat.update can't reach ephemeral messages. If Slack refuses, the
    person is told privately, with the message's own fallback text."""
    if not response_url:
        return

    def replace() -> None:
        body = {**payload, "response_type": "ephemeral", "replace_original": True}
        try:
            answer = WebhookClient(response_url, timeout=RESPONSE_URL_TIMEOUT).send_dict(body)
            failed = None if answer.status_code == 200 else f"{answer.status_code} {answer.body[:80]}"
        except OSError as exc:
            failed = type(exc).__name__
        if failed is not None:
            log.warning("response_url refused an update: %s", failed)
            rt.gateway.to(team_id).tell(user_id, payload["text"] + " (I couldn't refresh the message above.)", channel)

    rt.sender.later(replace, what="an ephemeral update")


def open_form(rt: Runtime, team_id: str, trigger_id: str, view: dict[str, Any]) -> str | None:
    """Opens a modal now, while its trigger is valid. None if it opened, else Slack's error."""
    try:
        rt.triggers.to(team_id).open_view(trigger_id, view)
    except SlackFailure as exc:
        log.warning("views.open failed: %s", exc.error)
        return exc.error
    return None


def open_modal(rt: Runtime, body: dict[str, Any], view: dict[str, Any]) -> None:
    error = open_form(rt, team_of(body), body.get("trigger_id", ""), view)
    if error:
        tell(rt, body, f"Sorry, I couldn't open the form ({error}). Please try again.")


def publish_home(rt: Runtime, team_id: str, user_ids: list[str], now: datetime) -> None:
    """Best effort, after the answer: a stale tab is refreshed the next time it is opened."""

    def publish(user_id: str) -> None:
        try:
            rt.gateway.to(team_id).publish_home(user_id, rt.home.view(team_id, user_id, now))
        except SlackFailure as exc:
            log.warning("views.publish failed for %s: %s", user_id, exc.error)

    for user_id in dict.fromkeys(user_ids):
        rt.sender.later(functools.partial(publish, user_id), what="App Home")


def notice(title: str, text: str) -> dict[str, Any]:
    """A modal that only says something, with a Close button."""
    view = modal("notice", title, [section(text)], "OK")
    del view["submit"]
    view["close"]["text"] = "Close"
    return view
