"""Registered last: a friendly answer for anything no other listener claimed, never a 404 or a 500."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App

from bot.runtime import Runtime
from handlers.context import message_location, user_of
from handlers.views import notice

ANYTHING = re.compile(".*")


def register(app: App, rt: Runtime) -> None:
    def other_command(ack: Ack, command: dict[str, Any]) -> None:
        ack(text=f"I only answer to `/mentor`, not `{command.get('command', '')}`. Try `/mentor help`.")

    def unknown_button(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        rt.gateway.tell(
            user_of(body),
            "I don't recognise that button; it may belong to an older message. "
            "Try `/mentor help` to see what I can do.",
            message_location(body)[0],
        )

    def unknown_view(ack: Ack) -> None:
        ack(response_action="update",
            view=notice("Form out of date", "This form is out of date. Run `/mentor help` to start again."))

    def just_ack(ack: Ack) -> None:
        ack()

    app.command(ANYTHING)(other_command)
    app.action(ANYTHING)(unknown_button)
    app.view(ANYTHING)(unknown_view)
    app.view_closed(ANYTHING)(just_ack)
    app.shortcut(ANYTHING)(just_ack)
    app.event(ANYTHING)(just_ack)
