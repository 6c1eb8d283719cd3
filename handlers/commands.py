"""The /mentor slash command: one subcommand per line of `help`."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.blockkit.forms import parse_pause_weeks
from bot.pairing.lifecycle import PAUSE_WEEKS_DEFAULT, PAUSE_WEEKS_MAX
from bot.runtime import Runtime
from bot.matching.messages import help_message, left_message, paused_message, status_message
from handlers import owners
from handlers.forms import open_form
from handlers.home import publish_home


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
        elif sub == "pause":
            weeks = parse_pause_weeks(words[1:], PAUSE_WEEKS_DEFAULT, PAUSE_WEEKS_MAX)
            if weeks is None:
                ack(text=f"Pause for how long? Try `/mentor pause 3` for 3 weeks (1 to {PAUSE_WEEKS_MAX}; "
                         f"the default is {PAUSE_WEEKS_DEFAULT}).")
                return
            ack(**paused_message(rt.lifecycle.pause(team_id, user_id, weeks, rt.now())))
            publish_home(rt, team_id, [user_id])
        elif sub == "leave":
            summary = rt.lifecycle.leave(team_id, user_id, rt.now())
            ack(**left_message(summary.pairings, summary.requests, summary.profiles))
            publish_home(rt, team_id, [user_id])
        elif sub == "program":
            problem = owners.program_command(rt, command, words[1:])
            ack(text=problem) if problem else ack()
        elif sub == "stats":
            ack(text=owners.stats_command(rt, command, words[1:]))
        elif sub == "match":
            ack(**owners.match_command(rt, command, words[1:]))
        elif sub == "help":
            ack(**help_message())
        else:
            ack(**help_message(unknown=words[0]))

    app.command("/mentor")(mentor)
