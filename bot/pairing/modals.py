"""Modals of a pair's rhythm (after "We met", "Need help", feedback, the closing survey): builders and readers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.blockkit.blocks import Block, context, input_block, modal, option
from bot.blockkit.state import Errors, StateReader, read_scale
from bot.pairing.practice_forms import support_choice
from bot.storage.statuses import GoalsReached

PULSE_CALLBACK = "checkin_pulse"
HELP_CALLBACK = "checkin_help_note"
FEEDBACK_CALLBACK = "feedback_submit"
SURVEY_CALLBACK = "survey_submit"
NOTE_MAX = 1000


def _scale(low: int, high: int, labels: dict[int, str] | None = None) -> dict[str, Any]:
    labels = labels or {}
    return {
        "type": "static_select",
        "options": [option(f"{n} {labels.get(n, '')}".strip(), str(n)) for n in range(low, high + 1)],
    }


def _note(placeholder: str) -> dict[str, Any]:
    return {
        "type": "plain_text_input",
        "multiline": True,
        "max_length": NOTE_MAX,
        "placeholder": {"type": "plain_text", "text": placeholder},
    }


def pulse_modal(checkin_id: int, ask_confidence: bool, support: bool = True) -> dict[str, Any]:
    """The ratings after "We met"; the mentee's form also asks their confidence, and whether a dip in it
    should prompt their mentor to encourage them (`support`, their current choice)."""
    blocks: list[Block] = [
        input_block("usefulness", "How useful was it?", _scale(1, 5, {1: "(not much)", 5: "(very)"})),
    ]
    if ask_confidence:
        blocks.append(
            input_block(
                "confidence",
                "How confident do you feel about your goals?",
                _scale(1, 5, {1: "(not at all)", 5: "(very)"}),
            )
        )
        blocks.append(support_choice(support))
        blocks.append(context("Private: only anonymous totals are ever shown. Your mentor never sees your answers."))
    else:
        blocks.append(context("Private: only anonymous totals are ever shown."))
    return modal(PULSE_CALLBACK, "How did it go?", blocks, "Save", json.dumps({"checkin_id": checkin_id}))


def help_modal(checkin_id: int) -> dict[str, Any]:
    blocks: list[Block] = [
        input_block("note", "What's going on?", _note("Anything that would help the program owners help you.")),
        context("Only the program owners will read this. Your partner won't be told."),
    ]
    return modal(HELP_CALLBACK, "Need help", blocks, "Send privately", json.dumps({"checkin_id": checkin_id}))


def feedback_modal(pairing_id: int, round_: int, other_user_id: str) -> dict[str, Any]:
    blocks: list[Block] = [
        input_block("working", "What's working?", _note("Something they do that helps you.")),
        input_block("try", "One thing to try differently", _note("Specific, kind and useful.")),
        context(f"Only <@{other_user_id}> will see this."),
    ]
    return modal(
        FEEDBACK_CALLBACK, "Share feedback", blocks, "Send", json.dumps({"pairing_id": pairing_id, "round": round_})
    )


def survey_modal(pairing_id: int) -> dict[str, Any]:
    goals = {"type": "static_select", "options": [option("Yes", "yes"), option("Partly", "partly"), option("No", "no")]}
    blocks: list[Block] = [
        input_block("rating", "Overall, how was it?", _scale(1, 5, {1: "(poor)", 5: "(excellent)"})),
        input_block(
            "recommend",
            "How likely are you to recommend the program to a colleague?",
            _scale(0, 10, {0: "(not at all)", 10: "(extremely)"}),
        ),
        input_block("goals", "Did you reach your goals?", goals),
        context("Anonymous in every report."),
    ]
    return modal(SURVEY_CALLBACK, "Closing survey", blocks, "Send", json.dumps({"pairing_id": pairing_id}))


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
    goals: GoalsReached


def read_survey(values: Any) -> tuple[SurveyForm | None, Errors]:
    reader = StateReader(values)
    rating, recommend = read_scale(reader, "rating", 1, 5), read_scale(reader, "recommend", 0, 10)
    goals = reader.selected("goals")
    errors: Errors = {}
    if rating is None:
        errors["rating"] = "Choose a rating from 1 to 5."
    if recommend is None:
        errors["recommend"] = "Choose a number from 0 to 10."
    if goals not in set(GoalsReached):
        errors["goals"] = "Choose yes, partly or no."
    if errors or rating is None or recommend is None or goals is None:
        return None, errors
    return SurveyForm(rating, recommend, GoalsReached(goals)), {}


def read_note(values: Any) -> tuple[str | None, Errors]:
    note = StateReader(values).text("note")
    if not note:
        return None, {"note": "Tell the program owners a little about what's going on."}
    if len(note) > NOTE_MAX:
        return None, {"note": f"Please keep it under {NOTE_MAX} characters."}
    return note, {}
