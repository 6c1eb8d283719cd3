"""Modals of matching (the mentor profile, the mentee request, the decline reason): builders, block ids, readers."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.blockkit.blocks import Block, context, input_block, modal, option, plain
from bot.blockkit.state import Errors, StateReader, private_metadata
from bot.blockkit.text import ascii_int
from bot.matching.profiles import ProfileForm, ProfileProblem
from bot.matching.requests import RequestForm
from bot.people.vocabulary import DEPARTMENT_MAX, LEVELS, TOPIC_MAX, merge_topics, parse_level, split_topics
from bot.storage.models import PROGRAM_DEFAULTS, MentorProfile, Program
from bot.storage.statuses import ProgramKind

OFFER_CALLBACK = "mentor_offer"
REQUEST_CALLBACK = "mentee_request"
DECLINE_REASON_CALLBACK = "decline_reason"
GOALS_MIN, GOALS_MAX = 10, 1000
BIO_MAX = 500
MAX_TOPICS = 20


def _level_options() -> list[dict[str, Any]]:
    return [option(label, str(level)) for level, label in LEVELS.items()]


def _program_block(programs: Sequence[Program], chosen_id: int) -> list[Block]:
    if len(programs) < 2:
        return []
    options = [
        option(p.name + (" (reverse mentoring)" if p.kind == ProgramKind.REVERSE else ""), str(p.id)) for p in programs
    ]
    element: dict[str, Any] = {"type": "static_select", "options": options[:100]}
    initial = next((o for o in options if o["value"] == str(chosen_id)), None)
    if initial:
        element["initial_option"] = initial
    return [input_block("program", "Program", element)]


def _topic_block(program: Program, chosen: Sequence[str], label: str, optional: bool) -> list[Block]:
    options = [option(t, t[:TOPIC_MAX]) for t in program.topics[:100]]
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
            _text(profile.department if profile else department, DEPARTMENT_MAX),
            optional=True,
            hint="Mentees often value a view from outside their own team.",
        ),
        input_block(
            "bio",
            "A short bio",
            _text(profile.bio if profile else None, BIO_MAX, multiline=True),
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
                GOALS_MAX,
                multiline=True,
                min_length=GOALS_MIN,
                placeholder=plain("e.g. I'd like to lead my first project and get better at giving feedback."),
            ),
            hint="Your mentor sees this, so write it for them.",
        ),
        *_topic_block(program, [], "Topics", optional=True),
        input_block("preferences", "Preferences", preferences, optional=True),
        input_block("level", "Your level", _level_select(level), optional=True),
        input_block("department", "Your department or team", _text(department, DEPARTMENT_MAX), optional=True),
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
            _text(None, BIO_MAX, multiline=True),
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


def chosen_program(view: dict[str, Any], programs: Sequence[Program]) -> tuple[Program | None, Errors]:
    """The program a submitted offer or request form is for: its menu, else the one it was opened for."""
    allowed = {p.id: p for p in programs}
    state = view.get("state")
    raw = StateReader(state.get("values") if isinstance(state, dict) else None).selected("program")
    if raw is None:
        opened_for = private_metadata(view).get("program_id")
        fallback = allowed.get(opened_for) if isinstance(opened_for, int) else None
        fallback = fallback or (programs[0] if len(programs) == 1 else None)
        return fallback, ({} if fallback is not None else {"program": "Choose a program."})
    chosen = ascii_int(raw)
    program = allowed.get(chosen) if chosen is not None else None
    if program is None:
        return None, {"program": "That program is not open. Choose another one."}
    return program, {}


def profile_errors(problem: ProfileProblem, load: int) -> Errors:
    if problem == ProfileProblem.CAPACITY_BELOW_LOAD:
        held = "mentee or pending request" if load == 1 else "mentees or pending requests"
        return {"capacity": f"You already have {load} {held}. Choose at least {load}."}
    return {"program": "That program is not open any more. Choose another one."}


REQUEST_ALREADY_OPEN = (
    "You already have a request open in this program. I'll message you as soon as a mentor accepts; "
    "`/mentor status` shows where it stands."
)


def read_profile(
    values: Any, default_capacity: int = PROGRAM_DEFAULTS["default_capacity"]
) -> tuple[ProfileForm | None, Errors]:
    reader = StateReader(values)
    errors: Errors = {}
    typed = split_topics(reader.text("topics_other"))
    topics = merge_topics(reader.selected_many("topics"), typed)
    if any(len(t) > TOPIC_MAX for t in typed):
        errors["topics_other"] = f"Keep each topic under {TOPIC_MAX} characters, separated by commas."
    elif not topics:
        errors["topics"] = "Pick at least one topic you'd like to mentor on, or type your own below."
    elif len(topics) > MAX_TOPICS:
        errors["topics_other"] = f"Choose at most {MAX_TOPICS} topics, so mentees can see your strengths."

    capacity_raw = reader.selected("capacity")
    # The menu always carries a choice in Slack's own clients; a submission without one takes the default.
    capacity = default_capacity if capacity_raw is None else ascii_int(capacity_raw) or 0
    if not 1 <= capacity <= 5:
        errors["capacity"] = "Choose how many mentees you can take on: 1 to 5."

    level = parse_level(reader.selected("level"))
    if level is None:
        errors["level"] = "Choose your level, so mentees are matched with the right experience."

    department = reader.text("department")
    if len(department) > DEPARTMENT_MAX:
        errors["department"] = f"Keep your department under {DEPARTMENT_MAX} characters."
    bio = reader.text("bio")
    if len(bio) > BIO_MAX:
        errors["bio"] = f"Keep your bio under {BIO_MAX} characters (it has {len(bio)})."

    if errors:
        return None, errors
    assert level is not None
    return (
        ProfileForm(
            topics=topics,
            capacity=capacity,
            level=level,
            department=department or None,
            bio=bio or None,
            open_to_reverse="open" in reader.selected_many("reverse"),
        ),
        {},
    )


def read_request(values: Any) -> tuple[RequestForm | None, Errors]:
    reader = StateReader(values)
    errors: Errors = {}
    goals = reader.text("goals")
    if len(goals) < GOALS_MIN:
        errors["goals"] = (
            f"Tell your mentor a little more: at least {GOALS_MIN} characters about what you'd like to grow in."
        )
    elif len(goals) > GOALS_MAX:
        errors["goals"] = f"Please keep your goals under {GOALS_MAX} characters (you have {len(goals)})."
    department = reader.text("department")
    if len(department) > DEPARTMENT_MAX:
        errors["department"] = f"Keep your department under {DEPARTMENT_MAX} characters."
    if errors:
        return None, errors
    preferences = reader.selected_many("preferences")
    return (
        RequestForm(
            goals=goals,
            topics=merge_topics(reader.selected_many("topics"), []),
            wants_outside_team="outside_team" in preferences,
            wants_more_senior="more_senior" in preferences,
            level=parse_level(reader.selected("level")),
            department=department or None,
        ),
        {},
    )


def read_reason(values: Any) -> str:
    return StateReader(values).text("reason")[:BIO_MAX]
