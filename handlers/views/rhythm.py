"""Submitted rhythm forms: the pulse after "We met", a "Need help" note, feedback and the closing survey."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot.blockkit.state import StateReader, private_metadata, read_scale
from bot.pairing import modals
from bot.pairing.answers import Answer, AnswerKind
from handlers.actions.rhythm import REFUSALS
from handlers.context import int_or_none, now, runtime, state_values, team_of, user_of


def _close_or_explain(ack: Ack, result: Answer, block_id: str, already: str | None = None) -> None:
    """Closes the modal on success; otherwise says why next to `block_id`."""
    if result.kind == AnswerKind.OK:
        ack()
        return
    if result.kind == AnswerKind.ALREADY and already:
        reason = already
    else:
        reason = REFUSALS.get(result.kind, REFUSALS[AnswerKind.NOT_FOUND])
    ack(response_action="errors", errors={block_id: reason})


def pulse(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    reader = StateReader(state_values(view))
    usefulness = read_scale(reader, "usefulness", 1, 5)
    if usefulness is None:
        ack(response_action="errors", errors={"usefulness": "Choose a number from 1 to 5."})
        return
    result = runtime(context).answers.pulse(
        team_of(body),
        user_of(body),
        int_or_none(private_metadata(view).get("checkin_id")) or -1,
        usefulness,
        read_scale(reader, "confidence", 1, 5),
    )
    _close_or_explain(ack, result, "usefulness")


def help_note(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    note, errors = modals.read_note(state_values(view))
    if note is None:
        ack(response_action="errors", errors=errors)
        return
    result = runtime(context).answers.need_help(
        team_of(body),
        user_of(body),
        int_or_none(private_metadata(view).get("checkin_id")) or -1,
        note,
        f"view:{view.get('id')}",
        now(context),
    )
    _close_or_explain(ack, Answer(AnswerKind.OK) if result.kind == AnswerKind.ALREADY else result, "note")


def feedback(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    form, errors = modals.read_feedback(state_values(view))
    if form is None:
        ack(response_action="errors", errors=errors)
        return
    meta = private_metadata(view)
    result = runtime(context).answers.feedback(
        team_of(body),
        user_of(body),
        int_or_none(meta.get("pairing_id")) or -1,
        int_or_none(meta.get("round")) or 1,
        form.working,
        form.try_differently,
        now(context),
    )
    _close_or_explain(ack, result, "working", already="You've already shared feedback this round. Thank you!")


def survey(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    form, errors = modals.read_survey(state_values(view))
    if form is None:
        ack(response_action="errors", errors=errors)
        return
    result = runtime(context).answers.survey(
        team_of(body),
        user_of(body),
        int_or_none(private_metadata(view).get("pairing_id")) or -1,
        form.rating,
        form.recommend,
        form.goals,
        now(context),
    )
    _close_or_explain(ack, result, "rating", already="You've already taken this survey. Thank you!")
