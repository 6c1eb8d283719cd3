"""`/mentor SUBCOMMAND`: one row per subcommand. The same table dispatches and writes the help list."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, BoltContext

from bot.blockkit.blocks import section
from bot.matching.cohort_view import preview_message
from bot.pairing.lifecycle import PAUSE_WEEKS_DEFAULT, PAUSE_WEEKS_MAX, parse_pause_weeks
from bot.pairing.messages import (
    left_message,
    paused_alone_message,
    paused_message,
    resumed_message,
    status_message,
)
from bot.programs.catalog import DEFAULT_TOPICS, find_program
from bot.programs.program_modal import program_modal
from bot.reporting.reports import StatsResult, stats_reply
from bot.storage.models import Program
from handlers.commands import privacy
from handlers.context import now, runtime
from handlers.replies import REFUSAL, open_form, publish_home

Command = dict[str, Any]
Run = Callable[[Ack, Command, BoltContext, list[str]], None]


def _open_form(kind: str) -> Run:
    def run(ack: Ack, command: Command, context: BoltContext, _words: list[str]) -> None:
        rt, team_id, user_id = runtime(context), command["team_id"], command["user_id"]
        build = rt.intake.offer_form if kind == "offer" else rt.intake.request_form
        error = open_form(rt, team_id, command.get("trigger_id", ""), build(team_id, user_id, now(context)))
        if error:
            ack(text=f"Sorry, I couldn't open the form ({error}). Please try `/mentor {kind}` again.")
            return
        rt.intake.opened(team_id, user_id, now(context))
        ack()

    return run


def status(ack: Ack, command: Command, context: BoltContext, _words: list[str]) -> None:
    ack(**status_message(runtime(context).pairings.standing(command["team_id"], command["user_id"], now(context))))


def pause(ack: Ack, command: Command, context: BoltContext, words: list[str]) -> None:
    rt, team_id, user_id = runtime(context), command["team_id"], command["user_id"]
    weeks = parse_pause_weeks(words)
    if weeks is None:
        ack(
            text=f"Pause for how long? Try `/mentor pause 3` for 3 weeks (1 to {PAUSE_WEEKS_MAX}; "
            f"the default is {PAUSE_WEEKS_DEFAULT})."
        )
        return
    paused = rt.lifecycle.pause(team_id, user_id, weeks, now(context))
    assert paused.until is not None
    ack(**(paused_message(paused.until, True) if paused.partners else paused_alone_message(paused.until)))
    publish_home(rt, team_id, [user_id, *paused.partners], now(context))


def resume(ack: Ack, command: Command, context: BoltContext, _words: list[str]) -> None:
    rt, team_id, user_id = runtime(context), command["team_id"], command["user_id"]
    partners = rt.lifecycle.resume(team_id, user_id, now(context))
    ack(**resumed_message(partners is not None))
    publish_home(rt, team_id, [user_id, *(partners or ())], now(context))


def leave(ack: Ack, command: Command, context: BoltContext, _words: list[str]) -> None:
    rt, team_id, user_id = runtime(context), command["team_id"], command["user_id"]
    summary = rt.lifecycle.leave(team_id, user_id, now(context))
    ack(**left_message(summary.pairings, summary.requests, summary.profiles))
    publish_home(rt, team_id, [user_id], now(context))


def _choose(context: BoltContext, command: Command, words: list[str], verb: str) -> tuple[Program | None, str]:
    """The program named in `words` (or the only one), else what to say instead."""
    rt = runtime(context)
    programs = rt.programs.all_open(command["team_id"], now(context))
    name = " ".join(words)
    program = find_program(programs, name)
    if program is not None:
        return program, ""
    if not rt.owners.owned(command["team_id"], command["user_id"], programs, now(context)):
        return None, REFUSAL
    names = ", ".join(f"`{p.name}`" for p in programs)
    problem = f"I can't find a program called “{name}”." if name else "Which program?"
    return None, f"{problem} Try `/mentor {verb} NAME` with one of: {names}."


def program(ack: Ack, command: Command, context: BoltContext, words: list[str]) -> None:
    rt, team_id, user_id = runtime(context), command["team_id"], command["user_id"]
    programs = rt.programs.all_open(team_id, now(context))  # also creates the default program on first use
    creating = bool(words) and words[0].lower() == "new"
    target = None
    if not creating:
        target = find_program(programs, " ".join(words))
        if target is None:
            names = ", ".join(f"`{p.name}`" for p in programs)
            ack(text=f"Which program? Try `/mentor program NAME` ({names}) or `/mentor program new`.")
            return
    if not rt.owners.may_run(team_id, user_id, target, now(context)):
        ack(text=REFUSAL)
        return
    error = open_form(rt, team_id, command.get("trigger_id", ""), program_modal(target, DEFAULT_TOPICS))
    if error:
        ack(text=f"Sorry, I couldn't open the form ({error}). Please try again.")
        return
    ack()


def stats(ack: Ack, command: Command, context: BoltContext, words: list[str]) -> None:
    target, problem = _choose(context, command, words, "stats")
    if target is None:
        ack(text=problem)
        return
    team_id = command["team_id"]
    key = f"{team_id}:{command.get('channel_id', '')}:{command.get('trigger_id')}"
    posted = runtime(context).reports.post_stats(
        team_id, command["user_id"], target, command.get("channel_id", ""), key, now(context)
    )
    ack(text=REFUSAL if posted.result == StatsResult.NOT_OWNER else stats_reply(target.name, posted))


def match(ack: Ack, command: Command, context: BoltContext, words: list[str]) -> None:
    target, problem = _choose(context, command, words, "match")
    if target is None:
        ack(text=problem)
        return
    preview = runtime(context).cohorts.preview(command["team_id"], command["user_id"], target, now(context))
    if preview is None:
        ack(text=REFUSAL)
        return
    ack(**preview_message(target, preview, now(context)))


def _help(ack: Ack) -> None:
    ack(**help_message())


@dataclass(frozen=True)
class Subcommand:
    name: str
    usage: str
    about: str
    run: Run


SUBCOMMANDS = (
    Subcommand(
        "request", "request", "tell me your goals and I'll match you with a mentor who fits", _open_form("request")
    ),
    Subcommand("offer", "offer", "volunteer as a mentor, or edit your mentor profile", _open_form("offer")),
    Subcommand("status", "status", "see your pairings and any request that is still waiting", status),
    Subcommand("pause", "pause [weeks]", "pause your check-ins and prompts, 2 weeks unless you say otherwise", pause),
    Subcommand("resume", "resume", "end your pause early: check-ins and prompts pick up again", resume),
    Subcommand(
        "leave",
        "leave",
        "step out of mentoring: ends your pairings kindly and withdraws your requests and offer",
        leave,
    ),
    Subcommand("mydata", "mydata", "get a copy of everything I hold about you, by direct message", privacy.mydata),
    Subcommand("erase", "erase", "erase your data from the program (you confirm first)", privacy.erase),
    Subcommand("help", "help", "show this list", lambda ack, command, context, words: _help(ack)),
    Subcommand("program", "program [NAME | new]", "create or edit a program (owners)", program),
    Subcommand("stats", "stats [program]", "post the program's figures in this channel (owners)", stats),
    Subcommand("match", "match [program]", "preview and publish the best match for everyone waiting (owners)", match),
)
BY_NAME = {s.name: s for s in SUBCOMMANDS}


def help_message(unknown: str | None = None) -> dict[str, Any]:
    lines = [f"• `/mentor {s.usage}`: {s.about}" for s in SUBCOMMANDS]
    intro = "I help you find a mentor, or become one. Here's what you can ask me:"
    if unknown:
        intro = f"I don't know `/mentor {unknown[:40]}`. Here's what I can do:"
    text = intro + "\n" + "\n".join(lines)
    return {"response_type": "ephemeral", "text": text, "blocks": [section(text)]}


def mentor_command(ack: Ack, command: Command, context: BoltContext) -> None:
    words = (command.get("text") or "").split()
    if not words:
        ack(**help_message())
        return
    subcommand = BY_NAME.get(words[0].lower())
    if subcommand is None:
        ack(**help_message(unknown=words[0]))
        return
    subcommand.run(ack, command, context, words[1:])
