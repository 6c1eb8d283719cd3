"""Events: the App Home tab being opened, and a person changing in Slack."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from handlers.context import now, runtime
from handlers.replies import publish_home


def home_opened(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
    view = event.get("view")
    team_id = body.get("team_id") or (view.get("team_id") if isinstance(view, dict) else None)
    user_id = event.get("user")
    if (
        event.get("tab", "home") == "home"
        and isinstance(team_id, str)
        and team_id
        and isinstance(user_id, str)
        and user_id
    ):
        publish_home(runtime(context), team_id, [user_id], now(context))


def user_changed(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
    """Slack sends the whole user: their timezone, admin flag and whether they were deactivated.

    A deactivated person's pairings end at once (partners are told) and their data is erased after
    a grace period (bot.reporting.privacy)."""
    user = event.get("user")
    team_id = body.get("team_id")
    if isinstance(user, dict) and isinstance(team_id, str) and team_id:
        rt = runtime(context)
        rt.people.learn(team_id, user, now(context))
        if user.get("deleted") is True and user.get("id"):
            rt.erasure.deactivated(team_id, str(user["id"]), now(context))


def register(app: App) -> None:
    app.event("app_home_opened")(home_opened)
    app.event("user_change")(user_changed)
