"""Slash commands: `/mentor` and its subcommands, one table that also writes `help`."""

from __future__ import annotations

from slack_bolt import App

from handlers.commands.mentor import mentor_command


def register(app: App) -> None:
    app.command("/mentor")(mentor_command)
