"""The submitted program form."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot.blockkit.state import private_metadata
from bot.programs.catalog import ProgramProblem
from bot.programs.program_modal import read_program, saved_summary, settings_of
from handlers.context import int_or_none, now, runtime, state_values, team_of, user_of
from handlers.replies import REFUSAL, notice

PROBLEMS = {
    ProgramProblem.NOT_OWNER: REFUSAL,
    ProgramProblem.NAME_TAKEN: "Another program already has that name.",
    ProgramProblem.GONE: "That program no longer exists.",
}

PROGRAM_NEXT = (
    "\n\nPeople choose it when they run `/mentor request` or `/mentor offer`. "
    "`/mentor stats` posts how it is going, and `/mentor program` with its name edits it again."
)


def program_saved(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    rt, team_id, user_id = runtime(context), team_of(body), user_of(body)
    program_id = int_or_none(private_metadata(view).get("program_id"))
    target = rt.programs.get(team_id, program_id) if program_id else None
    form, errors = read_program(state_values(view), settings_of(target))
    if form is not None:
        problem = rt.programs.save(team_id, user_id, program_id, form, now(context))
        errors = {"name": PROBLEMS[problem]} if problem else {}
    if errors or form is None:
        ack(response_action="errors", errors=errors)
        return
    summary = saved_summary(form, created=program_id is None)
    ack(response_action="update", view=notice("Program saved", summary + PROGRAM_NEXT))
