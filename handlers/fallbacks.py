"""A friendly answer for anything no other listener claimed, never a 404 or a 500: registered last, and
the routes' own for an unknown button or form."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, BoltContext

from handlers.context import runtime
from handlers.replies import notice, tell

ANYTHING = re.compile(".*")


def other_command(ack: Ack, command: dict[str, Any]) -> None:
    ack(text=f"I only answer to `/mentor`, not `{command.get('command', '')}`. Try `/mentor help`.")


def unknown_button(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    tell(
        runtime(context),
        body,
        "I don't recognise that button; it may belong to an older message. Try `/mentor help` to see what I can do.",
    )


def unknown_view(ack: Ack) -> None:
    ack(
        response_action="update",
        view=notice("Form out of date", "This form is out of date. Run `/mentor help` to start again."),
    )


def just_ack(ack: Ack) -> None:
    ack()


def register(app: App) -> None:
    app.command(ANYTHING)(other_command)
    app.view_closed(ANYTHING)(just_ack)
    app.shortcut(ANYTHING)(just_ack)
    app.event(ANYTHING)(just_ack)
