"""Modals: the mentor profile, the mentee request and the optional decline reason."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.blockkit import forms
from bot.matching.scoring import LEVELS
from bot.storage.models import MentorProfile, Program
from bot.blockkit.blocks import Block, context, input_block, modal, option, plain

OFFER_CALLBACK = "mentor_offer"
REQUEST_CALLBACK = "mentee_request"
DECLINE_REASON_CALLBACK = "decline_reason"


def _level_options() -> list[dict[str, Any]]:
    return [option(label, str(level)) for level, label in LEVELS.items()]


def _program_block(programs: Sequence[Program], chosen_id: int) -> list[Block]:
    if len(programs) < 2:
        return []
    options = [option(p.name + (" (reverse mentoring)" if p.kind == "reverse" else ""), str(p.id)) for p in programs]
    element: dict[str, Any] = {"type": "static_select", "options": options[:100]}
    initial = next((o for o in options if o["value"] == str(chosen_id)), None)
    if initial:
        element["initial_option"] = initial
    return [input_block("program", "Program", element)]


def _topic_block(program: Program, chosen: Sequence[str], label: str, optional: bool) -> list[Block]:
    options = [option(t, t[: forms.TOPIC_MAX]) for t in program.topics[:100]]
    if not options:
        return []
    element: dict[str, Any] = {"type": "multi_static_select", "options": options, "placeholder": plain("Choose")}
    initial = [o for o in options if o["value"] in set(chosen)]
    if initial:
        element["initial_options"] = initial
    return [input_block("topics", label, element, optional=optional)]


def _text(initial: str | None, max_length: int, multiline: bool = False, **extra: Any) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "max_length": max_length, "multiline": multiline, **extra}
    if initial:
        element["initial_value"] = initial[:max_length]
    return element


def _level_select(initial: int | None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "static_select", "options": _level_options(), "placeholder": plain("Choose")}
    if initial in LEVELS:
        element["initial_option"] = option(LEVELS[initial], str(initial))
    return element


def offer_modal(
    program: Program, programs: Sequence[Program], profile: MentorProfile | None, department: str | None
) -> dict[str, Any]:
    listed = set(program.topics)
    chosen = list(profile.topics) if profile else []
    extra = [t for t in chosen if t not in listed]
    capacity = profile.capacity if profile else program.default_capacity
    reverse_option = option("I'm open to reverse mentoring (mentoring someone more senior)", "open")
    reverse: dict[str, Any] = {"type": "checkboxes", "options": [reverse_option]}
    if profile and profile.open_to_reverse:
        reverse["initial_options"] = [reverse_option]
    blocks: list[Block] = [
        context(
            "Thanks for offering your time. I'll suggest mentees whose goals fit your strengths, "
            "and you can accept or decline each one."
        ),
        *_program_block(programs, program.id),
        *_topic_block(program, chosen, "Topics you can mentor on", optional=True),
        input_block(
            "topics_other",
            "Other topics",
            _text(", ".join(extra), 400, placeholder=plain("Comma-separated, e.g. Negotiation, Kubernetes")),
            optional=True,
        ),
        input_block(
            "capacity",
            "How many mentees at once?",
            {
                "type": "static_select",
                "options": [option(str(n), str(n)) for n in range(1, 6)],
                "initial_option": option(str(capacity), str(capacity)),
            },
        ),
        input_block("level", "Your level", _level_select(profile.level if profile else None)),
        input_block(
            "department",
            "Your department or team",
            _text(profile.department if profile else department, forms.DEPARTMENT_MAX),
            optional=True,
            hint="Mentees often value a view from outside their own team.",
        ),
        input_block(
            "bio",
            "A short bio",
            _text(profile.bio if profile else None, forms.BIO_MAX, multiline=True),
            optional=True,
            hint="What you've done, what you enjoy helping with. Your mentee sees this.",
        ),
        input_block("reverse", "Reverse mentoring", reverse, optional=True),
    ]
    return modal(
        OFFER_CALLBACK,
        "Offer to mentor",
        blocks,
        "Save",
        private_metadata=json.dumps({"program_id": program.id}),
    )


def request_modal(
    program: Program, programs: Sequence[Program], level: int | None, department: str | None
) -> dict[str, Any]:
    preferences = {
        "type": "checkboxes",
        "options": [
            option("Someone outside my team", "outside_team"),
            option("Someone more senior than me", "more_senior"),
        ],
    }
    blocks: list[Block] = [
        context("Tell me what you'd like to grow in. I'll find the mentor who fits best and ask them for you."),
        *_program_block(programs, program.id),
        input_block(
            "goals",
            "Your goals",
            _text(
                None,
                forms.GOALS_MAX,
                multiline=True,
                min_length=forms.GOALS_MIN,
                placeholder=plain("e.g. I'd like to lead my first project and get better at giving feedback."),
            ),
            hint="Your mentor sees this, so write it for them.",
        ),
        *_topic_block(program, [], "Topics", optional=True),
        input_block("preferences", "Preferences", preferences, optional=True),
        input_block("level", "Your level", _level_select(level), optional=True),
        input_block("department", "Your department or team", _text(department, forms.DEPARTMENT_MAX), optional=True),
    ]
    return modal(
        REQUEST_CALLBACK,
        "Find a mentor",
        blocks,
        "Send request",
        private_metadata=json.dumps({"program_id": program.id}),
    )


def decline_reason_modal(proposal_id: int) -> dict[str, Any]:
    blocks: list[Block] = [
        context("Optional. It is kept in the program's private records and shown to nobody else."),
        input_block(
            "reason",
            "Why wasn't this a fit?",
            _text(None, forms.BIO_MAX, multiline=True),
            optional=True,
        ),
    ]
    return modal(
        DECLINE_REASON_CALLBACK,
        "Add a reason",
        blocks,
        "Save",
        private_metadata=json.dumps({"proposal_id": proposal_id}),
    )
