"""The submitted program form."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot.blockkit.state import private_metadata
from bot.programs.catalog import ProgramProblem
from bot.programs.program_modal import read_program, settings_of
from handlers.context import int_or_none, now, runtime, state_values, team_of, user_of
from handlers.replies import REFUSAL

PROBLEMS = {
    ProgramProblem.NOT_OWNER: REFUSAL,
    ProgramProblem.NAME_TAKEN: "Another program already has that name.",
    ProgramProblem.GONE: "That program no longer exists.",
}


def program_saved(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    rt, team_id, user_id = runtime(context), team_of(body), user_of(body)
    program_id = int_or_none(private_metadata(view).get("program_id"))
    target = rt.programs.get(team_id, program_id) if program_id else None
    form, errors = read_program(state_values(view), settings_of(target))
    if form is not None:
        problem = rt.programs.save(team_id, user_id, program_id, form, now(context))
        errors = {"name": PROBLEMS[problem]} if problem else {}
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
