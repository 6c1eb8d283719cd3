"""App Home buttons: find a mentor, offer to mentor, pause or resume; a mentee's progress notes and their
choice of encouragement nudges."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot.pairing.answers import AnswerKind
from bot.pairing.lifecycle import PAUSE_WEEKS_DEFAULT
from bot.pairing.messages import paused_message, resumed_message
from bot.pairing.practice_forms import note_modal
from bot.pairing.practice_views import support_changed
from bot.reporting.home import RESUME_VALUE
from handlers.actions.rhythm import refuse
from handlers.context import action_value, int_or_none, now, runtime, team_of, user_of
from handlers.replies import open_form, open_modal, publish_home, tell_user


def _open(body: dict[str, Any], context: BoltContext, kind: str) -> None:
    rt, team_id, user_id = runtime(context), team_of(body), user_of(body)
    build = rt.intake.offer_form if kind == "offer" else rt.intake.request_form
    error = open_form(rt, team_id, body.get("trigger_id", ""), build(team_id, user_id, now(context)))
    if error:
        tell_user(
            rt, team_id, user_id, f"Sorry, I couldn't open the form ({error}). Please try `/mentor {kind}` again."
        )
        return
    rt.intake.opened(team_id, user_id, now(context))


def find_mentor(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    _open(body, context, "request")


def offer_to_mentor(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    _open(body, context, "offer")


def pause(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The App Home's pause control: pauses someone with a pair for 2 weeks, or ends a pause early."""
    ack()
    rt, team_id, user_id = runtime(context), team_of(body), user_of(body)
    if action_value(body) == RESUME_VALUE:
        partners = rt.lifecycle.resume(team_id, user_id, now(context))
        publish_home(rt, team_id, [user_id, *(partners or ())], now(context))
        tell_user(rt, team_id, user_id, resumed_message(partners is not None)["text"])
        return
    paused = rt.lifecycle.pause(team_id, user_id, PAUSE_WEEKS_DEFAULT, now(context), only_if_paired=True)
    publish_home(rt, team_id, [user_id, *paused.partners], now(context))
    if paused.until is None:
        tell_user(rt, team_id, user_id, "You're not in a mentoring pair right now, so there's nothing to pause.")
        return
    tell_user(rt, team_id, user_id, paused_message(paused.until, True)["text"])


def add_note(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Opens the form for a private progress note, for the mentee of an active pair."""
    ack()
    rt = runtime(context)
    found, _goals = rt.answers.goals.for_mentee(team_of(body), user_of(body), int_or_none(action_value(body)) or -1)
    if found.kind != AnswerKind.OK or found.pairing is None:
        return refuse(rt, body, found.kind)
    open_modal(rt, body, note_modal(found.pairing))


def encouragement(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The mentee turns encouragement nudges to their mentor on or off."""
    ack()
    rt, team_id, user_id = runtime(context), team_of(body), user_of(body)
    pairing, _, choice = action_value(body).partition(":")
    if choice not in ("on", "off"):
        return refuse(rt, body, AnswerKind.NOT_FOUND)
    result = rt.answers.support.choose(team_id, user_id, int_or_none(pairing) or -1, choice == "on")
    if result.kind not in (AnswerKind.OK, AnswerKind.ALREADY):
        return refuse(rt, body, result.kind)
    publish_home(rt, team_id, [user_id], now(context))
    tell_user(rt, team_id, user_id, support_changed(choice == "on"))
