"""Events: the App Home tab."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from bot.runtime import Runtime
from bot.slack_gateway import SlackFailure
from bot.views.messages import home_view, status_message

log = logging.getLogger(__name__)


def register(app: App, rt: Runtime) -> None:
    def home_opened(event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        team_id = body.get("team_id") or (event.get("view") or {}).get("team_id")
        user_id = event.get("user")
        if not team_id or not user_id:
            return
        status = rt.mentoring.status(team_id, user_id)
        text = status_message(status.as_mentee, status.as_mentor, status.open_requests, status.mentor_summary)["text"]
        try:
            rt.gateway.publish_home(user_id, home_view(text))
        except SlackFailure as exc:
            log.warning("views.publish failed for %s: %s", user_id, exc.error)

    app.event("app_home_opened")(home_opened)
