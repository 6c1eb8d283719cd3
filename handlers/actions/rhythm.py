"""Buttons of a pair's rhythm: check-in answers, the pulse, prompts, feedback, surveys, rematches; the
mid-point look at the goals, the relationship check, its re-start plan and its guides."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot.blockkit.blocks import message, section
from bot.pairing import messages as views
from bot.pairing import modals
from bot.pairing import practice_forms as forms
from bot.pairing import practice_views as practice
from bot.pairing.answers import AnswerKind
from bot.runtime import Runtime
from bot.storage.models import Pairing
from bot.storage.statuses import Afterwards, CheckInAnswer, GoalsChoice, Relationship
from handlers.context import action_value, int_or_none, now, runtime, team_of, user_of
from handlers.replies import open_modal, replace_message, tell

REFUSALS = {
    AnswerKind.FORBIDDEN: "This belongs to another mentoring pair, so I can't take your answer here.",
    AnswerKind.NOT_FOUND: "I can't find that any more. It may be from an older message.",
    AnswerKind.SUPERSEDED: "A newer check-in has replaced this one. Please answer the latest.",
    AnswerKind.ENDED: "This pairing has ended, so there's nothing more to answer here.",
    AnswerKind.ALREADY: "Already noted. Thank you!",
    AnswerKind.EMPTY: "Please write a few words first: this box looks empty.",
}


def refuse(rt: Runtime, body: dict[str, Any], kind: AnswerKind) -> None:
    tell(rt, body, REFUSALS.get(kind, REFUSALS[AnswerKind.NOT_FOUND]))


def _answer(ack: Ack, body: dict[str, Any], context: BoltContext, answer: CheckInAnswer) -> None:
    ack()
    rt, user_id = runtime(context), user_of(body)
    checkin_id = int_or_none(action_value(body))
    if checkin_id is None:
        return refuse(rt, body, AnswerKind.NOT_FOUND)
    result = rt.answers.answer(team_of(body), user_id, checkin_id, answer, now(context))
    if result.kind != AnswerKind.OK or result.checkin is None or result.pairing is None:
        return refuse(rt, body, result.kind)
    replace_message(rt, body, views.checkin_answered(answer, user_id, checkin_id, result.checkin.period))
    if answer == CheckInAnswer.MET:
        mentee = user_id == result.pairing.mentee_user_id
        open_modal(rt, body, modals.pulse_modal(checkin_id, mentee, result.pairing.confidence_support))


def met(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    _answer(ack, body, context, CheckInAnswer.MET)


def not_yet(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    _answer(ack, body, context, CheckInAnswer.NOT_YET)


def need_help(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    rt = runtime(context)
    checkin_id = int_or_none(action_value(body)) or -1
    found = rt.answers.checkin_for(team_of(body), user_of(body), checkin_id)
    if found.kind not in (AnswerKind.OK, AnswerKind.SUPERSEDED):
        return refuse(rt, body, found.kind)
    open_modal(rt, body, modals.help_modal(checkin_id))


def skip_reminder(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    rt = runtime(context)
    result = rt.answers.skip_reminder(team_of(body), user_of(body), int_or_none(action_value(body)) or -1)
    if result.kind != AnswerKind.OK:
        return refuse(rt, body, result.kind)
    text = "Reminder skipped. I'll check in again next week."
    replace_message(rt, body, message(text, [section(text)]))


def confidence(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    rt = runtime(context)
    checkin_id, _, score = action_value(body).partition(":")
    checkin, value = int_or_none(checkin_id), int_or_none(score)
    if checkin is None or value is None or not 1 <= value <= 5:
        return refuse(rt, body, AnswerKind.NOT_FOUND)
    result = rt.answers.pulse(team_of(body), user_of(body), checkin, None, value, now(context))
    if result.kind != AnswerKind.OK:
        return refuse(rt, body, result.kind)
    replace_message(rt, body, views.pulse_recorded(value))


def share(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    rt = runtime(context)
    result = rt.answers.share_prompt(team_of(body), user_of(body), int_or_none(action_value(body)) or -1, now(context))
    if result.kind not in (AnswerKind.OK, AnswerKind.ALREADY):
        return refuse(rt, body, result.kind)
    text = "Shared with your mentor in your group DM."
    replace_message(rt, body, message(text, [section(text)]))


def _pairing_modal(body: dict[str, Any], context: BoltContext, find: Any, build: Any) -> None:
    """Opens `build`'s modal for the clicked pairing, if `find` (an Answers lookup) still allows it."""
    rt = runtime(context)
    pairing_id, _, round_ = action_value(body).partition(":")
    found = find(team_of(body), user_of(body), int_or_none(pairing_id) or -1)
    if found.kind != AnswerKind.OK or found.pairing is None:
        return refuse(rt, body, found.kind)
    open_modal(rt, body, build(found.pairing, int_or_none(round_) or 1, user_of(body)))


def _feedback_modal(pairing: Pairing, round_: int, user_id: str) -> dict[str, Any]:
    other = pairing.mentor_user_id if user_id == pairing.mentee_user_id else pairing.mentee_user_id
    return modals.feedback_modal(pairing.id, round_, other)


def open_feedback(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    _pairing_modal(body, context, runtime(context).answers.feedback_for, _feedback_modal)


def open_survey(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    survey = runtime(context).answers.survey_for
    _pairing_modal(body, context, survey, lambda pairing, _round, _user: modals.survey_modal(pairing.id))


def keep_informally(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    rt = runtime(context)
    result = rt.answers.afterwards(
        team_of(body), user_of(body), int_or_none(action_value(body)) or -1, Afterwards.INFORMAL
    )
    if result.kind != AnswerKind.OK:
        return refuse(rt, body, result.kind)
    tell(rt, body, "Lovely. Keep meeting as long as it helps; I'll step back from here.")


def rematch(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """A no-fault rematch: the mentee's, or (from an active pair) the mentor's."""
    ack()
    rt, team_id, user_id = runtime(context), team_of(body), user_of(body)
    pairing_id = int_or_none(action_value(body)) or -1
    before = rt.answers.pairing_for(team_id, user_id, pairing_id).pairing
    outcome = rt.lifecycle.rematch(team_id, user_id, pairing_id, now(context))
    if outcome == AnswerKind.FORBIDDEN:
        tell(rt, body, "Only the two people of a pair can ask for a rematch, and once the program ends, the mentee.")
        return
    if outcome != AnswerKind.OK:
        return refuse(rt, body, outcome if outcome in (AnswerKind.ALREADY, AnswerKind.ENDED) else AnswerKind.NOT_FOUND)
    if before is not None and before.mentor_user_id == user_id:
        text = (
            f"Done: the pairing has ended, with no fault on anyone's side. I've told <@{before.mentee_user_id}> kindly "
            "and I'm finding them a new mentor for the same goals. Your place is open for someone new."
        )
    else:
        text = "Done. I'm looking for a new mentor for you, with the same goals. No fault on anyone's side."
    replace_message(rt, body, message(text, [section(text)]))


# --- the mid-point look at the goals ----------------------------------------------------------------


def goals_keep(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    rt = runtime(context)
    result = rt.answers.goals.mentee_review(
        team_of(body), user_of(body), int_or_none(action_value(body)) or -1, GoalsChoice.KEEP, None, now(context)
    )
    if result.kind not in (AnswerKind.OK, AnswerKind.ALREADY):
        return refuse(rt, body, result.kind)
    replace_message(rt, body, practice.goals_kept())


def _goals_form(ack: Ack, body: dict[str, Any], context: BoltContext, choice: GoalsChoice) -> None:
    ack()
    rt = runtime(context)
    pairing_id = int_or_none(action_value(body)) or -1
    found, goals = rt.answers.goals.for_mentee(team_of(body), user_of(body), pairing_id)
    if found.kind != AnswerKind.OK or goals is None:
        return refuse(rt, body, found.kind)
    open_modal(rt, body, forms.goals_modal(pairing_id, choice, goals.current))


def goals_refine(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    _goals_form(ack, body, context, GoalsChoice.REFINE)


def goals_replace(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    _goals_form(ack, body, context, GoalsChoice.REPLACE)


def goals_reviewed(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    rt = runtime(context)
    pairing_id = int_or_none(action_value(body)) or -1
    result = rt.answers.goals.mentor_review(team_of(body), user_of(body), pairing_id, now(context))
    if result.kind not in (AnswerKind.OK, AnswerKind.ALREADY) or result.pairing is None:
        return refuse(rt, body, result.kind)
    replace_message(rt, body, practice.goals_looked_at(result.pairing.mentee_user_id))


def goals_suggest(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    rt = runtime(context)
    found = rt.answers.goals.for_mentor(team_of(body), user_of(body), int_or_none(action_value(body)) or -1)
    if found.kind != AnswerKind.OK or found.pairing is None:
        return refuse(rt, body, found.kind)
    open_modal(rt, body, forms.suggest_modal(found.pairing))


# --- the relationship check and what follows it ----------------------------------------------------


def _pair_and_number(body: dict[str, Any]) -> tuple[int, int]:
    """A button value "<pairing>:<number>", or -1 for a part that can't be a row id or a count."""
    first, _, second = action_value(body).partition(":")
    return int_or_none(first) or -1, int_or_none(second) or -1


def _relationship(ack: Ack, body: dict[str, Any], context: BoltContext, answer: Relationship) -> None:
    ack()
    rt = runtime(context)
    pairing_id, round_ = _pair_and_number(body)
    result = rt.answers.relationship.answer(team_of(body), user_of(body), pairing_id, round_, answer, now(context))
    if result.answer.kind != AnswerKind.OK:
        return refuse(rt, body, result.answer.kind)
    replace_message(rt, body, practice.relationship_noted(answer, result.followed_up))


def relationship_good(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    _relationship(ack, body, context, Relationship.GOOD)


def relationship_drifting(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    _relationship(ack, body, context, Relationship.DRIFTING)


def relationship_disagree(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    _relationship(ack, body, context, Relationship.DISAGREE)


def rhythm(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Keep the pair's check-in rhythm, or move it (every week or every 2 weeks)."""
    ack()
    rt = runtime(context)
    pairing_id, weeks = _pair_and_number(body)
    change = rt.answers.relationship.set_rhythm(team_of(body), user_of(body), pairing_id, weeks, now(context))
    if change.answer.kind != AnswerKind.OK:
        return refuse(rt, body, change.answer.kind)
    if change.too_late:
        tell(rt, body, "Your program ends in a few days, so there are no check-ins left to move.")
        return
    tell(rt, body, practice.rhythm_reply(change.other, change.weeks, change.changed, change.next_at))


def raise_privately(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Opens the private note to the program owners, offered after "we disagree on something"."""
    ack()
    _pairing_modal(body, context, runtime(context).answers.feedback_for, lambda p, _r, _u: forms.raise_modal(p))
