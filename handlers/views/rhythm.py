"""Submitted rhythm forms: the pulse after "We met", a "Need help" note, feedback and the closing survey;
the mentee's goals at the mid-point, a mentor's suggestion, a progress note and a note to the owners."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot.blockkit.state import StateReader, private_metadata, read_scale
from bot.pairing import modals
from bot.pairing import practice_forms as forms
from bot.pairing.answers import Answer, AnswerKind
from bot.storage.statuses import GoalsChoice
from handlers.actions.rhythm import REFUSALS
from handlers.context import int_or_none, now, runtime, state_values, team_of, user_of
from handlers.replies import publish_home


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
        now(context),
        support=forms.read_support(state_values(view)),
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


def goals(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    """The mentee's refined or new goals: theirs alone."""
    text, errors = forms.read_goals(state_values(view))
    if text is None:
        ack(response_action="errors", errors=errors)
        return
    meta = private_metadata(view)
    choice = GoalsChoice.REPLACE if meta.get("choice") == GoalsChoice.REPLACE else GoalsChoice.REFINE
    result = runtime(context).answers.goals.mentee_review(
        team_of(body), user_of(body), int_or_none(meta.get("pairing_id")) or -1, choice, text, now(context)
    )
    _close_or_explain(ack, Answer(AnswerKind.OK) if result.kind == AnswerKind.ALREADY else result, "goals")


def suggestion(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    """A mentor's suggestion about the goals, for the mentee alone."""
    text, errors = forms.read_text(
        state_values(view), "suggestion", 3, forms.TEXT_MAX, "Write a few words for your mentee."
    )
    if text is None:
        ack(response_action="errors", errors=errors)
        return
    result = runtime(context).answers.goals.suggest(
        team_of(body), user_of(body), int_or_none(private_metadata(view).get("pairing_id")) or -1, text, now(context)
    )
    _close_or_explain(ack, result, "suggestion", already="You've already sent a suggestion. Thank you!")


def note(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    """A mentee's private progress note; their App Home shows it next."""
    text, errors = forms.read_text(state_values(view), "note", 1, forms.TEXT_MAX, "Write a few words first.")
    if text is None:
        ack(response_action="errors", errors=errors)
        return
    rt, team_id, user_id = runtime(context), team_of(body), user_of(body)
    result = rt.answers.goals.add_note(
        team_id,
        user_id,
        int_or_none(private_metadata(view).get("pairing_id")) or -1,
        text,
        f"view:{view.get('id')}",
        now(context),
    )
    _close_or_explain(ack, Answer(AnswerKind.OK) if result.kind == AnswerKind.ALREADY else result, "note")
    if result.kind == AnswerKind.OK:
        publish_home(rt, team_id, [user_id], now(context))


def raise_privately(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    """A private note to the program owners, after "we disagree on something"."""
    text, errors = modals.read_note(state_values(view))
    if text is None:
        ack(response_action="errors", errors=errors)
        return
    result = runtime(context).answers.raise_privately(
        team_of(body),
        user_of(body),
        int_or_none(private_metadata(view).get("pairing_id")) or -1,
        text,
        f"view:{view.get('id')}",
        now(context),
    )
    _close_or_explain(ack, Answer(AnswerKind.OK) if result.kind == AnswerKind.ALREADY else result, "note")
