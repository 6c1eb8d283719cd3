"""Bolt listeners, grouped by kind and registered in one readable place. Fallbacks go last: Bolt matches in order.

Listeners are module-level functions; they reach the runtime, and their request's `now`, through Bolt's context.
"""

from __future__ import annotations

from slack_bolt import App

from bot.runtime import Runtime
from handlers import actions, commands, events, fallbacks, installs, views
from handlers.context import attach_runtime


def register(app: App, rt: Runtime) -> None:
    app.use(attach_runtime(rt))
    installs.register(app, rt)
    commands.register(app)
    actions.register(app)
    views.register(app)
    events.register(app)
    fallbacks.register(app)
