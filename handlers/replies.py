"""How listeners answer besides `ack`: a private note, an updated message, a modal, a refreshed App Home."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from bot.blockkit.blocks import modal, section
from bot.delivery.slack_gateway import SlackFailure
from bot.runtime import Runtime
from handlers.context import message_location, user_of

log = logging.getLogger(__name__)

REFUSAL = "Sorry, only program owners can do that. Ask a workspace admin if you think you should be one."


def tell(rt: Runtime, body: dict[str, Any], text: str) -> None:
    """A private note to whoever clicked, where they clicked."""
    rt.gateway.tell(user_of(body), text, message_location(body)[0])


def replace_message(rt: Runtime, body: dict[str, Any], payload: dict[str, Any]) -> None:
    """Replaces the clicked message, so its buttons can't be pressed again; says so privately if Slack refuses."""
    channel, ts = message_location(body)
    if channel and ts:
        try:
            rt.gateway.update_message(channel, ts, payload["text"], payload["blocks"])
        except SlackFailure as exc:
            tell(rt, body, payload["text"] + f" (I couldn't update the message: {exc.error})")


def open_modal(rt: Runtime, body: dict[str, Any], view: dict[str, Any]) -> None:
    try:
        rt.gateway.open_view(body.get("trigger_id", ""), view)
    except SlackFailure as exc:
        tell(rt, body, f"Sorry, I couldn't open the form ({exc.error}). Please try again.")


def publish_home(rt: Runtime, team_id: str, user_ids: list[str], now: datetime) -> None:
    """Best effort: a stale tab is refreshed the next time it is opened."""
    for user_id in dict.fromkeys(user_ids):
        try:
            rt.gateway.publish_home(user_id, rt.home.view(team_id, user_id, now))
        except SlackFailure as exc:
            log.warning("views.publish failed for %s: %s", user_id, exc.error)


def notice(title: str, text: str) -> dict[str, Any]:
    """A modal that only says something, with a Close button."""
    view = modal("notice", title, [section(text)], "OK")
    del view["submit"]
    view["close"]["text"] = "Close"
    return view
