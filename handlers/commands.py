"""The /mentor slash command: one subcommand per line of `help`."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App

from bot.runtime import Runtime
from bot.views.messages import help_message, status_message
from handlers.forms import open_form


def register(app: App, rt: Runtime) -> None:
    def mentor(ack: Ack, command: dict[str, Any]) -> None:
        words = (command.get("text") or "").split()
        sub = words[0].lower() if words else "help"
        team_id, user_id = command["team_id"], command["user_id"]
        if sub in ("offer", "request"):
            error = open_form(rt, sub, team_id, user_id, command.get("trigger_id", ""))
            ack(text=error) if error else ack()
        elif sub == "status":
            status = rt.mentoring.status(team_id, user_id)
            ack(**status_message(status.as_mentee, status.as_mentor, status.open_requests, status.mentor_summary))
        elif sub == "help":
            ack(**help_message())
        else:
            ack(**help_message(unknown=words[0]))

    def other_command(ack: Ack, command: dict[str, Any]) -> None:
        ack(text=f"I only answer to `/mentor`, not `{command.get('command', '')}`. Try `/mentor help`.")

    app.command("/mentor")(mentor)
    app.command(re.compile(".*"))(other_command)
