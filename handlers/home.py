"""Publishing the App Home tab, on opening and after changes that show on it."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App

from bot.reporting.home import HOME_PAUSE_ACTION
from bot.pairing.lifecycle import PAUSE_WEEKS_DEFAULT
from bot.runtime import Runtime
from bot.delivery.slack_gateway import SlackFailure
from handlers.context import team_of, user_of

log = logging.getLogger(__name__)


def publish_home(rt: Runtime, team_id: str, user_ids: list[str]) -> None:
    """Best effort: a stale tab is refreshed the next time it is opened."""
    from handlers.owners import owned_programs

    for user_id in dict.fromkeys(user_ids):
        try:
            view = rt.home.view(team_id, user_id, owned_programs(rt, team_id, user_id), rt.now())
            rt.gateway.publish_home(user_id, view)
        except SlackFailure as exc:
            log.warning("views.publish failed for %s: %s", user_id, exc.error)


def register(app: App, rt: Runtime) -> None:
    def pause(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        team_id, user_id = team_of(body), user_of(body)
        rt.lifecycle.pause(team_id, user_id, PAUSE_WEEKS_DEFAULT, rt.now())
        publish_home(rt, team_id, [user_id])
        rt.gateway.tell(user_id, f"Paused for {PAUSE_WEEKS_DEFAULT} weeks. I'll pick up again on my own.")

    app.action(HOME_PAUSE_ACTION)(pause)
