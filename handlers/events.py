"""Events: the App Home tab."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.runtime import Runtime
from handlers.home import publish_home


def register(app: App, rt: Runtime) -> None:
    def home_opened(event: dict[str, Any], body: dict[str, Any]) -> None:
        team_id = body.get("team_id") or (event.get("view") or {}).get("team_id")
        user_id = event.get("user")
        if event.get("tab", "home") == "home" and team_id and user_id:
            publish_home(rt, team_id, [user_id])

    app.event("app_home_opened")(home_opened)
