"""Owner commands: /mentor program, /mentor stats and /mentor match, plus the Publish button and program modal."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from slack_bolt import Ack, App

from bot.blockkit import forms
from bot.storage.models import Program
from bot.programs.catalog import find_program, is_owner
from bot.runtime import Runtime
from bot.delivery.slack_gateway import SlackFailure
from bot.matching.cohort_view import PUBLISH_ACTION, preview_message
from bot.programs.program_modal import PROGRAM_CALLBACK, program_modal
from bot.people.directory import DEFAULT_TOPICS
from handlers.context import int_or_none, message_location, metadata, team_of, user_of

OWNER_CHECK_AGE = timedelta(minutes=10)
REFUSAL = "Sorry, only program owners can do that. Ask a workspace admin if you think you should be one."


def owned_programs(rt: Runtime, team_id: str, user_id: str, programs: list[Program] | None = None) -> list[Program]:
    """The programs this person may run, with their admin flag re-read from Slack when it is stale."""
    programs = programs if programs is not None else rt.programs.all_open(team_id, rt.now())
    person = rt.people.refresh(team_id, user_id, rt.now(), max_age=OWNER_CHECK_AGE)
    return [p for p in programs if is_owner(rt.settings.program_owners, person, user_id, [p])]


def _choose(rt: Runtime, team_id: str, words: list[str], verb: str) -> tuple[list[Program], Program | None, str]:
    programs = rt.programs.all_open(team_id, rt.now())
    name = " ".join(words)
    program = find_program(programs, name)
    if program is None:
        names = ", ".join(f"`{p.name}`" for p in programs)
        problem = f"I can't find a program called “{name}”." if name else "Which program?"
        return programs, None, f"{problem} Try `/mentor {verb} NAME` with one of: {names}."
    return programs, program, ""


def program_command(rt: Runtime, command: dict[str, Any], words: list[str]) -> str | None:
    team_id, user_id = command["team_id"], command["user_id"]
    programs = rt.programs.all_open(team_id, rt.now())
    person = rt.people.refresh(team_id, user_id, rt.now(), max_age=OWNER_CHECK_AGE)
    creating = bool(words) and words[0].lower() == "new"
    target = None if creating else find_program(programs, " ".join(words))
    if not creating and target is None:
        names = ", ".join(f"`{p.name}`" for p in programs)
        return f"Which program? Try `/mentor program NAME` ({names}) or `/mentor program new`."
    if not is_owner(rt.settings.program_owners, person, user_id, [target] if target else []):
        return REFUSAL
    try:
        rt.gateway.open_view(command.get("trigger_id", ""), program_modal(target, DEFAULT_TOPICS))
    except SlackFailure as exc:
        return f"Sorry, I couldn't open the form ({exc.error}). Please try again."
    return None


def stats_command(rt: Runtime, command: dict[str, Any], words: list[str]) -> str:
    team_id, user_id = command["team_id"], command["user_id"]
    programs, program, problem = _choose(rt, team_id, words, "stats")
    if program is None:
        return problem if owned_programs(rt, team_id, user_id, programs) else REFUSAL
    if not owned_programs(rt, team_id, user_id, [program]):
        return REFUSAL
    channel = command.get("channel_id", "")
    if channel.startswith("D") and program.stats_channel:
        channel = program.stats_channel  # from a direct message, the program's stats channel gets the post
    key = f"{team_id}:{channel}:{command.get('trigger_id')}"
    return rt.reports.post_stats(team_id, program, channel, key, rt.now())


def match_command(rt: Runtime, command: dict[str, Any], words: list[str]) -> dict[str, Any]:
    team_id, user_id = command["team_id"], command["user_id"]
    programs, program, problem = _choose(rt, team_id, words, "match")
    if program is None or not owned_programs(rt, team_id, user_id, [program]):
        return {"text": problem if program is None and owned_programs(rt, team_id, user_id, programs) else REFUSAL}
    return preview_message(program.name, rt.cohorts.preview(team_id, user_id, program, rt.now()))


def register(app: App, rt: Runtime) -> None:
    def publish(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        team_id, user_id = team_of(body), user_of(body)
        channel = message_location(body)[0]
        plan_id = int_or_none((body.get("actions") or [{}])[0].get("value"))
        if plan_id is None:
            rt.gateway.tell(user_id, "I can't find that cohort plan any more.", channel)
            return
        program = rt.cohorts.program_of(team_id, plan_id)
        if program is None:
            rt.gateway.tell(user_id, "I can't find that cohort plan any more.", channel)
            return
        if not owned_programs(rt, team_id, user_id, [program]):
            rt.gateway.tell(user_id, REFUSAL, channel)
            return
        result = rt.cohorts.publish(team_id, plan_id, rt.now())
        if result.already:
            rt.gateway.tell(user_id, "That plan was already published (or replaced). Run `/mentor match` again "
                            "for a fresh one.", channel)
            return
        note = ""
        if result.skipped:
            note = f" {result.skipped} were skipped: the request or the mentor's place changed since."
        rt.gateway.tell(user_id, f"Published: I've asked {result.proposed} mentor(s) to accept.{note}", channel)

    def program_saved(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        team_id, user_id = team_of(body), user_of(body)
        program_id = int_or_none(metadata(view).get("program_id"))
        target = rt.programs.get(team_id, program_id) if program_id else None
        person = rt.people.refresh(team_id, user_id, rt.now(), max_age=OWNER_CHECK_AGE)
        if not is_owner(rt.settings.program_owners, person, user_id, [target] if target else []):
            ack(response_action="errors", errors={"name": REFUSAL})
            return
        current = None
        if target is not None:
            current = {name: getattr(target, name) for name in forms.PROGRAM_DEFAULTS}
        form, errors = forms.read_program(view.get("state", {}).get("values"), current)
        if form is not None:
            errors = rt.programs.save(team_id, program_id, form, rt.now())
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()

    app.action(PUBLISH_ACTION)(publish)
    app.view(PROGRAM_CALLBACK)(program_saved)
