"""`/mentor mydata` and `/mentor erase`: a person's own data, sent to them or erased."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot.reporting.privacy_view import MYDATA_ON_ITS_WAY, erase_modal
from handlers.context import now, runtime
from handlers.replies import open_form

Command = dict[str, Any]


def mydata(ack: Ack, command: Command, context: BoltContext, _words: list[str]) -> None:
    rt, at = runtime(context), now(context)
    service = rt.my_data
    export = service.prepare(command["team_id"], command["user_id"], command.get("trigger_id") or at.isoformat(), at)
    ack(text=MYDATA_ON_ITS_WAY)
    rt.sender.later(lambda: service.deliver(export, at), what="a data export")


def erase(ack: Ack, command: Command, context: BoltContext, _words: list[str]) -> None:
    error = open_form(runtime(context), command["team_id"], command.get("trigger_id", ""), erase_modal())
    if error:
        ack(text=f"Sorry, I couldn't open the form ({error}). Please try `/mentor erase` again.")
        return
    ack()
