"""Bolt listeners, registered by kind in one readable place."""

from __future__ import annotations

from slack_bolt import App

from bot.runtime import Runtime
from handlers import actions, commands, events, views


def register(app: App, rt: Runtime) -> None:
    commands.register(app, rt)
    actions.register(app, rt)
    views.register(app, rt)
    events.register(app, rt)
