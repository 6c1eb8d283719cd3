"""Opening the offer and request modals, from the slash command or the App Home buttons."""

from __future__ import annotations

from bot.storage.database import unit_of_work
from bot.runtime import Runtime
from bot.delivery.slack_gateway import SlackFailure
from bot.matching.modals import offer_modal, request_modal
from bot.people.directory import open_programs


def open_form(rt: Runtime, kind: str, team_id: str, user_id: str, trigger_id: str) -> str | None:
    """Opens the 'offer' or 'request' modal. Returns a friendly error, or None when it opened."""
    now = rt.now()
    person = rt.people.refresh(team_id, user_id, now)
    with unit_of_work(rt.sessions) as s:
        programs = open_programs(s, team_id, now)
    program = programs[0]
    department = person.department if person else None
    if kind == "offer":
        profile = rt.mentoring.profile(team_id, user_id, program.id)
        view = offer_modal(program, programs, profile, department)
    else:
        view = request_modal(program, programs, person.level if person else None, department)
    try:
        rt.gateway.open_view(trigger_id, view)
    except SlackFailure as exc:
        return f"Sorry, I couldn't open the form ({exc.error}). Please try `/mentor {kind}` again."
    return None
