"""The program modal: everything an owner can set for a program."""

from __future__ import annotations

import json
from typing import Any
from zoneinfo import ZoneInfo

from bot.blockkit.forms import WEEKDAYS
from bot.storage.models import Program
from bot.blockkit.blocks import Block, context, input_block, modal, option, plain

PROGRAM_CALLBACK = "program_edit"


def _select(options: list[tuple[str, str]], initial: str) -> dict[str, Any]:
    built = [option(label, value) for label, value in options]
    element: dict[str, Any] = {"type": "static_select", "options": built}
    chosen = next((o for o in built if o["value"] == initial), None)
    if chosen:
        element["initial_option"] = chosen
    return element


def _text(initial: str, max_length: int, multiline: bool = False) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "max_length": max_length, "multiline": multiline}
    if initial:
        element["initial_value"] = initial[:max_length]
    return element


def program_modal(program: Program | None, default_topics: list[str]) -> dict[str, Any]:
    p = program
    topics = "\n".join(p.topics if p else default_topics)
    owners: dict[str, Any] = {"type": "multi_users_select", "placeholder": plain("Choose people")}
    if p and p.owners:
        owners["initial_users"] = list(p.owners)
    channel: dict[str, Any] = {"type": "conversations_select", "placeholder": plain("Choose a channel"),
                               "filter": {"include": ["public", "private"], "exclude_bot_users": True}}
    if p and p.stats_channel:
        channel["initial_conversation"] = p.stats_channel
    starts: dict[str, Any] = {"type": "datepicker"}
    if p and p.starts_at:
        starts["initial_date"] = p.starts_at.astimezone(ZoneInfo(p.timezone)).date().isoformat()
    blocks: list[Block] = [
        input_block("name", "Name", _text(p.name if p else "", 80)),
        input_block("kind", "Kind", _select([("Classic: experienced mentors guide others", "classic"),
                                             ("Reverse: junior colleagues mentor seniors on tech", "reverse")],
                                            p.kind if p else "classic")),
        input_block("topics", "Topics", _text(topics, 3000, multiline=True), hint="One per line."),
        input_block("starts_on", "Cohort start", starts, optional=True,
                    hint="Until then, requests wait and you match the whole cohort with /mentor match."),
        input_block("length_weeks", "Length in weeks", _text(str(p.length_weeks if p else 12), 2)),
        input_block("cadence_weeks", "Check-ins", _select([("Every week", "1"), ("Every 2 weeks", "2"),
                                                           ("Every 3 weeks", "3"), ("Every 4 weeks", "4")],
                                                          str(p.cadence_weeks if p else 1))),
        input_block("checkin_weekday", "Check-in day",
                    _select([(d, str(i)) for i, d in enumerate(WEEKDAYS)], str(p.checkin_weekday if p else 0))),
        input_block("checkin_hour", "Check-in hour (each mentee's own timezone)",
                    _select([(f"{h:02d}:00", str(h)) for h in range(24)], str(p.checkin_hour if p else 10))),
        input_block("feedback_every_weeks", "Two-way feedback",
                    _select([("Off", "0")] + [(f"Every {n} weeks", str(n)) for n in (2, 3, 4, 6, 8, 12)],
                            str(p.feedback_every_weeks if p else 4))),
        input_block("default_capacity", "Default mentor capacity",
                    _select([(str(n), str(n)) for n in range(1, 6)], str(p.default_capacity if p else 2))),
        input_block("timezone", "Fallback timezone", _text(p.timezone if p else "UTC", 64),
                    hint="Used when a mentee's timezone is unknown, e.g. Europe/Berlin."),
        input_block("owners", "Program owners", owners, optional=True),
        input_block("stats_channel", "Stats channel", channel, optional=True),
        context("Workspace admins and the people in MENTOR_PROGRAM_OWNERS own every program."),
    ]
    return modal(PROGRAM_CALLBACK, "Edit program" if p else "New program", blocks, "Save",
                 json.dumps({"program_id": p.id if p else None}))
