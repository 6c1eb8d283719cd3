"""Modal submissions: read Slack view state into typed forms, with friendly per-field errors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.matching.scoring import LEVELS, normalize_topic

GOALS_MIN, GOALS_MAX = 10, 1000
NOTE_MAX = 1000
BIO_MAX = 500
DEPARTMENT_MAX = 80
TOPIC_MAX = 60
MAX_TOPICS = 20

Errors = dict[str, str]


class StateReader:
    """Reads `view.state.values`, forgiving absent blocks and odd shapes from older clients."""

    def __init__(self, values: Any):
        self.values = values if isinstance(values, dict) else {}

    def _element(self, block_id: str) -> dict[str, Any]:
        block = self.values.get(block_id)
        if not isinstance(block, dict):
            return {}
        element = block.get(block_id) or next(iter(block.values()), None)
        return element if isinstance(element, dict) else {}

    def text(self, block_id: str) -> str:
        value = self._element(block_id).get("value")
        return value.strip() if isinstance(value, str) else ""

    def selected(self, block_id: str) -> str | None:
        option = self._element(block_id).get("selected_option")
        value = option.get("value") if isinstance(option, dict) else None
        return value if isinstance(value, str) else None

    def date(self, block_id: str) -> str | None:
        value = self._element(block_id).get("selected_date")
        return value if isinstance(value, str) and len(value) == 10 else None

    def users(self, block_id: str) -> list[str]:
        users = self._element(block_id).get("selected_users")
        return [u for u in users if isinstance(u, str)] if isinstance(users, list) else []

    def channel(self, block_id: str) -> str | None:
        element = self._element(block_id)
        value = element.get("selected_channel") or element.get("selected_conversation")
        return value if isinstance(value, str) else None

    def selected_many(self, block_id: str) -> list[str]:
        options = self._element(block_id).get("selected_options")
        if not isinstance(options, list):
            return []
        return [o["value"] for o in options if isinstance(o, dict) and isinstance(o.get("value"), str)]


def split_topics(raw: str) -> list[str]:
    return [" ".join(part.split()) for part in raw.replace("\n", ",").split(",") if part.strip()]


def merge_topics(chosen: list[str], typed: list[str]) -> list[str]:
    merged: dict[str, str] = {}
    for topic in chosen + typed:
        merged.setdefault(normalize_topic(topic), topic)
    return list(merged.values())


def parse_level(raw: str | None) -> int | None:
    if raw is None:
        return None
    try:
        level = int(raw)
    except ValueError:
        return None
    return level if level in LEVELS else None


def parse_program(reader: StateReader, allowed: set[int], fallback: int | None) -> tuple[int | None, Errors]:
    raw = reader.selected("program")
    if raw is None:
        return fallback, ({} if fallback is not None else {"program": "Choose a program."})
    try:
        program_id = int(raw)
    except ValueError:
        return None, {"program": "That program is not open. Choose another one."}
    if program_id not in allowed:
        return None, {"program": "That program is not open. Choose another one."}
    return program_id, {}


@dataclass(frozen=True)
class ProfileForm:
    topics: list[str]
    capacity: int
    level: int
    department: str | None
    bio: str | None
    open_to_reverse: bool


def read_profile(values: Any, default_capacity: int = 2) -> tuple[ProfileForm | None, Errors]:
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
    capacity = default_capacity if capacity_raw is None else int(capacity_raw) if capacity_raw.isdigit() else 0
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


@dataclass(frozen=True)
class RequestForm:
    goals: str
    topics: list[str]
    wants_outside_team: bool
    wants_more_senior: bool
    level: int | None
    department: str | None


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


def read_scale(reader: StateReader, block_id: str, low: int, high: int) -> int | None:
    raw = reader.selected(block_id)
    if raw is None or not raw.lstrip("-").isdigit():
        return None
    value = int(raw)
    return value if low <= value <= high else None


@dataclass(frozen=True)
class FeedbackForm:
    working: str
    try_differently: str


def read_feedback(values: Any) -> tuple[FeedbackForm | None, Errors]:
    reader = StateReader(values)
    working, try_differently = reader.text("working"), reader.text("try")
    errors: Errors = {}
    for block_id, text, what in (("working", working, "what's working"), ("try", try_differently, "one thing to try")):
        if len(text) < 3:
            errors[block_id] = f"Please write a few words about {what}."
        elif len(text) > NOTE_MAX:
            errors[block_id] = f"Please keep it under {NOTE_MAX} characters."
    return (None, errors) if errors else (FeedbackForm(working, try_differently), {})


@dataclass(frozen=True)
class SurveyForm:
    rating: int
    recommend: int
    goals: str


def read_survey(values: Any) -> tuple[SurveyForm | None, Errors]:
    reader = StateReader(values)
    rating, recommend = read_scale(reader, "rating", 1, 5), read_scale(reader, "recommend", 0, 10)
    goals = reader.selected("goals")
    errors: Errors = {}
    if rating is None:
        errors["rating"] = "Choose a rating from 1 to 5."
    if recommend is None:
        errors["recommend"] = "Choose a number from 0 to 10."
    if goals not in ("yes", "partly", "no"):
        errors["goals"] = "Choose yes, partly or no."
    if errors or rating is None or recommend is None or goals is None:
        return None, errors
    return SurveyForm(rating, recommend, goals), {}


def read_note(values: Any) -> tuple[str | None, Errors]:
    note = StateReader(values).text("note")
    if not note:
        return None, {"note": "Tell the program owners a little about what's going on."}
    if len(note) > NOTE_MAX:
        return None, {"note": f"Please keep it under {NOTE_MAX} characters."}
    return note, {}


def parse_pause_weeks(words: list[str], default: int, most: int) -> int | None:
    """`/mentor pause` → default; `/mentor pause 3` → 3; anything else → None."""
    if not words:
        return default
    raw = words[0].lower().removesuffix("w").removesuffix("weeks").removesuffix("week").strip()
    if len(words) > 2 or not raw.isdigit() or (len(words) == 2 and words[1].lower() not in ("week", "weeks")):
        return None
    weeks = int(raw)
    return weeks if 1 <= weeks <= most else None


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
PROGRAM_NAME_MAX = 80
MAX_PROGRAM_TOPICS = 100


@dataclass(frozen=True)
class ProgramForm:
    name: str
    kind: str
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


PROGRAM_DEFAULTS = {"kind": "classic", "length_weeks": 12, "cadence_weeks": 1, "checkin_weekday": 0,
                    "checkin_hour": 10, "default_capacity": 2, "feedback_every_weeks": 4, "timezone": "UTC"}


def read_program(values: Any, current: dict[str, Any] | None = None) -> tuple[ProgramForm | None, Errors]:
    """Name and topics are required; a setting left out keeps its current (or default) value."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    keep = {**PROGRAM_DEFAULTS, **(current or {})}
    reader = StateReader(values)
    errors: Errors = {}
    name = reader.text("name")
    if not name:
        errors["name"] = "Give the program a name."
    elif len(name) > PROGRAM_NAME_MAX:
        errors["name"] = f"Keep the name under {PROGRAM_NAME_MAX} characters."
    kind = reader.selected("kind") or keep["kind"]
    if kind not in ("classic", "reverse"):
        errors["kind"] = "Choose classic or reverse mentoring."
    topics = merge_topics(split_topics(reader.text("topics")), [])
    if not topics:
        errors["topics"] = "List at least one topic, one per line or separated by commas."
    elif len(topics) > MAX_PROGRAM_TOPICS or any(len(t) > TOPIC_MAX for t in topics):
        errors["topics"] = f"Up to {MAX_PROGRAM_TOPICS} topics, each under {TOPIC_MAX} characters."
    length_raw = reader.text("length_weeks")
    length = (int(length_raw) if length_raw.isdigit() else 0) if length_raw else keep["length_weeks"]
    if not 1 <= length <= 52:
        errors["length_weeks"] = "Choose a length from 1 to 52 weeks."
    timezone = reader.text("timezone") or keep["timezone"]
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        errors["timezone"] = "Use a timezone name such as Europe/Berlin or America/New_York."
    limits = {"cadence_weeks": (1, 4, "Choose every 1 to 4 weeks."), "checkin_weekday": (0, 6, "Choose a weekday."),
              "checkin_hour": (0, 23, "Choose an hour."), "default_capacity": (1, 5, "Choose 1 to 5 mentees."),
              "feedback_every_weeks": (0, 12, "Choose how often.")}
    chosen: dict[str, int] = {}
    for block_id, (low, high, problem) in limits.items():
        if reader.selected(block_id) is None:
            chosen[block_id] = int(keep[block_id])
            continue
        value = read_scale(reader, block_id, low, high)
        if value is None:
            errors[block_id] = problem
        else:
            chosen[block_id] = value
    if errors:
        return None, errors
    return ProgramForm(
        name=name, kind=kind, topics=topics, cadence_weeks=chosen["cadence_weeks"], length_weeks=length,
        starts_on=reader.date("starts_on"), owners=reader.users("owners"),
        stats_channel=reader.channel("stats_channel"),
        checkin_weekday=chosen["checkin_weekday"], checkin_hour=chosen["checkin_hour"],
        default_capacity=chosen["default_capacity"], feedback_every_weeks=chosen["feedback_every_weeks"],
        timezone=timezone,
    ), {}
