"""Bolt listeners, grouped by kind and registered in one readable place. Fallbacks go last: Bolt matches in order,
and clicks and form submissions are each one listener in front of a table (handlers.routes).

Listeners are module-level functions; they reach the runtime, and their request's `now`, through Bolt's context.
"""

from __future__ import annotations

from slack_bolt import App

from bot.runtime import Runtime
from handlers import actions, commands, events, fallbacks, installs, views
from handlers.context import AttachRuntime


def register(app: App, rt: Runtime) -> None:
    app.use(AttachRuntime(rt))
    # Bolt asks listeners in the order registered: the most frequent kinds first.
    commands.register(app)
    actions.register(app)
    views.register(app)
    installs.register(app, rt)
    events.register(app)
    fallbacks.register(app)
