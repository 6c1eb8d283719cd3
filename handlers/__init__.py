"""Bolt listeners, registered by kind in one readable place. Fallbacks go last: Bolt matches in order."""

from __future__ import annotations

from slack_bolt import App

from bot.runtime import Runtime
from handlers import actions, commands, events, fallbacks, home, owners, rhythm, views


def register(app: App, rt: Runtime) -> None:
    commands.register(app, rt)
    actions.register(app, rt)
    views.register(app, rt)
    rhythm.register(app, rt)
    owners.register(app, rt)
    events.register(app, rt)
    home.register(app, rt)
    fallbacks.register(app, rt)
