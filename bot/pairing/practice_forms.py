"""Forms of a pair's practices: the mentee's goals, a mentor's suggestion, a progress note, a note to the
owners, the encouragement choice on the pulse form; their builders and readers."""

from __future__ import annotations

import json
from typing import Any

from bot.blockkit.blocks import Block, context, input_block, modal, option, quote
from bot.blockkit.state import Errors, StateReader
from bot.blockkit.text import is_blank
from bot.storage.models import Pairing
from bot.storage.statuses import GoalsChoice

GOALS_CALLBACK = "goals_edit_submit"
SUGGEST_CALLBACK = "goals_suggest_submit"
NOTE_CALLBACK = "progress_note_submit"
RAISE_CALLBACK = "relationship_raise_submit"
GOALS_MIN, GOALS_MAX = 10, 1000
TEXT_MAX = 1000


def _clipped(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _text_input(initial: str, placeholder: str, max_length: int, min_length: int = 1) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "multiline": True,
        "max_length": max_length,
        "min_length": min_length,
        "placeholder": {"type": "plain_text", "text": placeholder},
    }
    if initial:
        element["initial_value"] = initial[:max_length]
    return element


def goals_modal(pairing_id: int, choice: GoalsChoice, current: str) -> dict[str, Any]:
    """The mentee's goals, to refine (filled in with the current ones) or replace (an empty box)."""
    replacing = choice == GoalsChoice.REPLACE
    blocks: list[Block] = [
        input_block(
            "goals",
            "Your new goals" if replacing else "Your goals",
            _text_input("" if replacing else current, "What would you like to grow in now?", GOALS_MAX, GOALS_MIN),
            hint="Only you see these. They stand beside your first goals when the program ends.",
        ),
    ]
    if replacing:
        blocks.append(context("*What you wrote at the start*\n" + quote(_clipped(current, GOALS_MAX))))
    metadata = json.dumps({"pairing_id": pairing_id, "choice": str(choice)})
    return modal(GOALS_CALLBACK, "Your goals", blocks, "Save", metadata)


def suggest_modal(pairing: Pairing) -> dict[str, Any]:
    blocks: list[Block] = [
        input_block(
            "suggestion",
            "Your suggestion",
            _text_input("", "A goal to sharpen, add or let go of, and why.", TEXT_MAX, 3),
        ),
        context(f"Only <@{pairing.mentee_user_id}> will see this, by DM. Their goals stay theirs to change."),
    ]
    return modal(SUGGEST_CALLBACK, "Suggest a change", blocks, "Send", json.dumps({"pairing_id": pairing.id}))


def note_modal(pairing: Pairing) -> dict[str, Any]:
    blocks: list[Block] = [
        input_block(
            "note", "Your note", _text_input("", "What moved forward, what you learned, what's next.", TEXT_MAX)
        ),
        context("Only you see your notes, on your App Home. Not your mentor, not the program owners."),
    ]
    return modal(NOTE_CALLBACK, "Progress note", blocks, "Save", json.dumps({"pairing_id": pairing.id}))


def raise_modal(pairing: Pairing) -> dict[str, Any]:
    blocks: list[Block] = [
        input_block(
            "note",
            "What would you like them to know?",
            _text_input("", "What you see differently, and what would help.", TEXT_MAX),
        ),
        context(f"Only the program owners will read this. <@{pairing.mentor_user_id}> won't be told."),
    ]
    return modal(RAISE_CALLBACK, "Tell the owners", blocks, "Send privately", json.dumps({"pairing_id": pairing.id}))


# --- reading the forms back -------------------------------------------------------------------------

SUPPORT_BLOCK = "support"
SUPPORT_ON = "on"


def read_text(values: Any, block_id: str, least: int, most: int, ask: str) -> tuple[str | None, Errors]:
    """A submitted text of `least` to `most` characters that shows something; else the error to show."""
    text = StateReader(values).text(block_id)
    if len(text) < least or is_blank(text):
        return None, {block_id: ask}
    if len(text) > most:
        return None, {block_id: f"Please keep it under {most} characters (you have {len(text)})."}
    return text, {}


def read_goals(values: Any) -> tuple[str | None, Errors]:
    return read_text(values, "goals", GOALS_MIN, GOALS_MAX, f"Write at least {GOALS_MIN} characters about your goals.")


def support_choice(on: bool) -> Block:
    """The pulse form's checkbox: whether a dip in the pulse prompts the mentor to encourage."""
    choice = option("If my confidence dips, nudge my mentor to encourage me (never my score)", SUPPORT_ON)
    element: dict[str, Any] = {"type": "checkboxes", "options": [choice]}
    if on:
        element["initial_options"] = [choice]
    return input_block(SUPPORT_BLOCK, "Encouragement", element, optional=True)


def read_support(values: Any) -> bool | None:
    """The checkbox's state when the form had it; None when it did not (the mentor's form)."""
    if not isinstance(values, dict) or SUPPORT_BLOCK not in values:
        return None
    return SUPPORT_ON in StateReader(values).selected_many(SUPPORT_BLOCK)
