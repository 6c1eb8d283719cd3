"""The program modal: everything an owner can set for a program, its block ids, and reading it back."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from bot.blockkit.blocks import Block, context, escape, input_block, modal, option, plain
from bot.blockkit.state import Errors, StateReader, read_scale
from bot.blockkit.text import ascii_int, every_weeks, is_blank, plural
from bot.people.vocabulary import TOPIC_MAX, merge_topics, split_topics
from bot.storage.models import PROGRAM_DEFAULTS, Program
from bot.storage.statuses import Chooser, ProgramKind

PROGRAM_CALLBACK = "program_edit"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
EXPIRY_DAYS_CHOICES = (2, 3, 4, 5, 7, 10, 14)
RELATIONSHIP_WEEKS_CHOICES = (2, 3, 4, 6, 8)


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


def settings_of(program: Program | None) -> dict[str, Any]:
    """The program's settings the form shows, or the defaults for a new program."""
    return {name: getattr(program, name) for name in PROGRAM_DEFAULTS} if program else dict(PROGRAM_DEFAULTS)


def program_modal(program: Program | None, default_topics: list[str]) -> dict[str, Any]:
    p = program
    topics = "\n".join(p.topics if p else default_topics)
    current = settings_of(p)
    owners: dict[str, Any] = {"type": "multi_users_select", "placeholder": plain("Choose people")}
    if p and p.owners:
        owners["initial_users"] = list(p.owners)
    channel: dict[str, Any] = {
        "type": "conversations_select",
        "placeholder": plain("Choose a channel"),
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
    }
    if p and p.stats_channel:
        channel["initial_conversation"] = p.stats_channel
    starts: dict[str, Any] = {"type": "datepicker"}
    if p and p.starts_at:
        starts["initial_date"] = p.starts_at.astimezone(ZoneInfo(p.timezone)).date().isoformat()
    blocks: list[Block] = [
        input_block("name", "Name", _text(p.name if p else "", 80)),
        input_block(
            "kind",
            "Kind",
            _select(
                [
                    ("Classic: experienced mentors guide others", ProgramKind.CLASSIC),
                    ("Reverse: junior colleagues mentor seniors on tech", ProgramKind.REVERSE),
                ],
                current["kind"],
            ),
        ),
        input_block("topics", "Topics", _text(topics, 3000, multiline=True), hint="One per line."),
        input_block(
            "starts_on",
            "Cohort start",
            starts,
            optional=True,
            hint="Until then, requests wait and you match the whole cohort with /mentor match.",
        ),
        input_block("length_weeks", "Length in weeks", _text(str(current["length_weeks"]), 2)),
        input_block(
            "cadence_weeks",
            "Check-ins",
            _select(
                [("Every week", "1"), ("Every 2 weeks", "2"), ("Every 3 weeks", "3"), ("Every 4 weeks", "4")],
                str(current["cadence_weeks"]),
            ),
        ),
        input_block(
            "checkin_weekday",
            "Check-in day",
            _select([(d, str(i)) for i, d in enumerate(WEEKDAYS)], str(current["checkin_weekday"])),
        ),
        input_block(
            "checkin_hour",
            "Check-in hour (each mentee's own timezone)",
            _select([(f"{h:02d}:00", str(h)) for h in range(24)], str(current["checkin_hour"])),
        ),
        input_block(
            "feedback_every_weeks",
            "Two-way feedback",
            _select(
                [("Off", "0")] + [(f"Every {n} weeks", str(n)) for n in (2, 3, 4, 6, 8, 12)],
                str(current["feedback_every_weeks"]),
            ),
        ),
        input_block(
            "relationship_every_weeks",
            "Relationship check",
            _select(
                [("Off", "0")] + [(f"Every {n} weeks", str(n)) for n in RELATIONSHIP_WEEKS_CHOICES],
                str(current["relationship_every_weeks"]),
            ),
            hint="Each person is asked privately how the relationship is going. You see only the counts.",
        ),
        input_block(
            "default_capacity",
            "Default mentor capacity",
            _select([(str(n), str(n)) for n in range(1, 6)], str(current["default_capacity"])),
        ),
        input_block(
            "proposal_expiry_days",
            "Time a mentor has to answer",
            _select([(f"{n} days", str(n)) for n in EXPIRY_DAYS_CHOICES], str(current["proposal_expiry_days"])),
            hint="Mentors get a reminder after 2 days. After this, I ask the next best mentor.",
        ),
        input_block(
            "who_chooses",
            "Who chooses the mentor",
            _select(
                [
                    ("I ask the best-matched mentor, who accepts or declines", Chooser.MENTOR),
                    ("The mentee picks from their three best matches", Chooser.MENTEE),
                ],
                current["who_chooses"],
            ),
            hint="When mentees pick, they see each mentor's bio, topics and why they fit, and only the one they "
            "pick is asked. A cohort match you publish with /mentor match is still proposed as you made it.",
        ),
        input_block(
            "timezone",
            "Fallback timezone",
            _text(current["timezone"], 64),
            hint="Used when a mentee's timezone is unknown, e.g. Europe/Berlin.",
        ),
        input_block("owners", "Program owners", owners, optional=True),
        input_block("stats_channel", "Stats channel", channel, optional=True),
        context(
            "Workspace admins, and the people your administrator named as owners of every program, own this one too."
        ),
    ]
    return modal(
        PROGRAM_CALLBACK,
        "Edit program" if p else "New program",
        blocks,
        "Save",
        json.dumps({"program_id": p.id if p else None}),
    )


PROGRAM_NAME_MAX = 80
MAX_PROGRAM_TOPICS = 100
MAX_OWNERS = 50
TIMEZONE_MAX = 64
USER_ID = re.compile(r"[UW][A-Z0-9]{2,20}")
CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{2,20}")


def _date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if raw.isascii() else None
    except ValueError:
        return None


@dataclass(frozen=True)
class ProgramForm:
    name: str
    kind: ProgramKind
    topics: list[str]
    cadence_weeks: int
    length_weeks: int
    starts_on: str | None  # YYYY-MM-DD, in the program's timezone
    owners: list[str]
    stats_channel: str | None
    checkin_weekday: int
    checkin_hour: int
    default_capacity: int
    feedback_every_weeks: int
    timezone: str
    proposal_expiry_days: int = int(PROGRAM_DEFAULTS["proposal_expiry_days"])
    relationship_every_weeks: int = int(PROGRAM_DEFAULTS["relationship_every_weeks"])
    who_chooses: Chooser = PROGRAM_DEFAULTS["who_chooses"]


def read_program(values: Any, current: dict[str, Any] | None = None) -> tuple[ProgramForm | None, Errors]:
    """Name and topics are required; a setting left out keeps its current (or default) value."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    keep = {**PROGRAM_DEFAULTS, **(current or {})}
    reader = StateReader(values)
    errors: Errors = {}
    name = reader.text("name")
    if is_blank(name):
        errors["name"] = "Give the program a name."
    elif len(name) > PROGRAM_NAME_MAX:
        errors["name"] = f"Keep the name under {PROGRAM_NAME_MAX} characters."
    kind = reader.selected("kind") or keep["kind"]
    if kind not in set(ProgramKind):
        errors["kind"] = "Choose classic or reverse mentoring."
    who_chooses = reader.selected("who_chooses") or keep["who_chooses"]
    if who_chooses not in set(Chooser):
        errors["who_chooses"] = "Choose who picks the mentor."
    topics = merge_topics([t for t in split_topics(reader.text("topics")) if not is_blank(t)], [])
    if not topics:
        errors["topics"] = "List at least one topic, one per line or separated by commas."
    elif len(topics) > MAX_PROGRAM_TOPICS or any(len(t) > TOPIC_MAX for t in topics):
        errors["topics"] = f"Up to {MAX_PROGRAM_TOPICS} topics, each under {TOPIC_MAX} characters."
    length_raw = reader.text("length_weeks")
    length = (ascii_int(length_raw) or 0) if length_raw else keep["length_weeks"]
    if not 1 <= length <= 52:
        errors["length_weeks"] = "Type the length as a number of weeks from 1 to 52, such as 12."
    timezone = reader.text("timezone") or keep["timezone"]
    try:
        ZoneInfo(timezone[:TIMEZONE_MAX])
        known = len(timezone) <= TIMEZONE_MAX
    except (ZoneInfoNotFoundError, ValueError, OSError):
        known = False
    if not known:
        errors["timezone"] = "Use a timezone name such as Europe/Berlin or America/New_York."
    raw_start = reader.date("starts_on")
    start = _date(raw_start) if raw_start is not None else None
    if raw_start is not None and start is None:
        errors["starts_on"] = "Choose the start date from the calendar."
    owners = reader.users("owners")
    if len(owners) > MAX_OWNERS or not all(USER_ID.fullmatch(u) for u in owners):
        errors["owners"] = f"Choose up to {MAX_OWNERS} people from the list."
    stats_channel = reader.channel("stats_channel")
    if stats_channel is not None and not CHANNEL_ID.fullmatch(stats_channel):
        errors["stats_channel"] = "Choose a channel from the list."
    limits = {
        "cadence_weeks": (1, 4, "Choose every 1 to 4 weeks."),
        "checkin_weekday": (0, 6, "Choose a weekday."),
        "checkin_hour": (0, 23, "Choose an hour."),
        "default_capacity": (1, 5, "Choose 1 to 5 mentees."),
        "feedback_every_weeks": (0, 12, "Choose how often."),
        "proposal_expiry_days": (1, 30, "Choose how many days."),
        "relationship_every_weeks": (0, 12, "Choose how often."),
    }
    chosen: dict[str, int] = {}
    for block_id, (low, high, problem) in limits.items():
        raw = reader.selected(block_id)
        if raw is None:
            chosen[block_id] = int(keep[block_id])
            continue
        # Only 0-9: a "²" from a forged menu value is refused like any other wrong choice.
        value = read_scale(reader, block_id, low, high) if raw.lstrip("-").isascii() else None
        if value is None:
            errors[block_id] = problem
        else:
            chosen[block_id] = value
    if errors:
        return None, errors
    return ProgramForm(
        name=name,
        kind=ProgramKind(kind),
        topics=topics,
        cadence_weeks=chosen["cadence_weeks"],
        length_weeks=length,
        starts_on=start.isoformat() if start else None,
        owners=owners,
        stats_channel=stats_channel,
        checkin_weekday=chosen["checkin_weekday"],
        checkin_hour=chosen["checkin_hour"],
        default_capacity=chosen["default_capacity"],
        feedback_every_weeks=chosen["feedback_every_weeks"],
        timezone=timezone,
        proposal_expiry_days=chosen["proposal_expiry_days"],
        relationship_every_weeks=chosen["relationship_every_weeks"],
        who_chooses=Chooser(who_chooses),
    ), {}


def saved_summary(form: ProgramForm, created: bool) -> str:
    """What an owner just saved, in a sentence or two, with what to do next."""
    kind = "A reverse-mentoring program" if form.kind == ProgramKind.REVERSE else "A mentoring program"
    rhythm = (
        f"check-ins {every_weeks(form.cadence_weeks)} on {WEEKDAYS[form.checkin_weekday]} at "
        f"{form.checkin_hour:02d}:00 ({form.timezone}), for {plural(form.length_weeks, 'week')}"
    )
    cohort = (
        f" It runs as a cohort from {form.starts_on}: requests wait for your `/mentor match` until then."
        if form.starts_on
        else " Requests are matched as they arrive."
    )
    choosing = " Mentees pick their mentor from their three best matches." if form.who_chooses == Chooser.MENTEE else ""
    verb = "created" if created else "saved"
    return f"*{escape(form.name)}* is {verb}. {kind}, with {rhythm}.{cohort}{choosing}"
