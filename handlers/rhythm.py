"""Buttons and modals of a pair's rhythm: check-ins, pulses, prompts, feedback, surveys, rematches."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App

from bot.blockkit import forms
from bot.pairing.answers import Answer
from bot.runtime import Runtime
from bot.delivery.slack_gateway import SlackFailure
from bot.pairing import messages as views
from bot.pairing import modals
from bot.blockkit.blocks import message, section
from handlers.context import int_or_none, message_location, metadata, team_of, user_of

REFUSALS = {
    "forbidden": "This belongs to another mentoring pair, so I can't take your answer here.",
    "not_found": "I can't find that any more. It may be from an older message.",
    "superseded": "A newer check-in has replaced this one. Please answer the latest.",
    "ended": "This pairing has ended, so there's nothing more to answer here.",
    "already": "Already noted. Thank you!",
}


def _action_value(body: dict[str, Any]) -> str:
    actions = body.get("actions") or [{}]
    return str(actions[0].get("value") or "")


def register(app: App, rt: Runtime) -> None:
    def refuse(body: dict[str, Any], kind: str) -> None:
        rt.gateway.tell(user_of(body), REFUSALS.get(kind, REFUSALS["not_found"]), message_location(body)[0])

    def replace_message(body: dict[str, Any], payload: dict[str, Any]) -> None:
        channel, ts = message_location(body)
        if channel and ts:
            try:
                rt.gateway.update_message(channel, ts, payload["text"], payload["blocks"])
            except SlackFailure as exc:
                rt.gateway.tell(user_of(body), payload["text"] + f" (I couldn't update the message: {exc.error})")

    def open_modal(body: dict[str, Any], view: dict[str, Any]) -> None:
        try:
            rt.gateway.open_view(body.get("trigger_id", ""), view)
        except SlackFailure as exc:
            rt.gateway.tell(user_of(body), f"Sorry, I couldn't open the form ({exc.error}). Please try again.",
                            message_location(body)[0])

    def checkin_answer(ack: Ack, body: dict[str, Any], answer: str) -> None:
        ack()
        checkin_id, user_id = int_or_none(_action_value(body)), user_of(body)
        if checkin_id is None:
            return refuse(body, "not_found")
        result: Answer = rt.answers.answer(team_of(body), user_id, checkin_id, answer, rt.now())
        if result.kind != "ok" or result.checkin is None or result.pairing is None:
            return refuse(body, result.kind)
        replace_message(body, views.checkin_answered(answer, user_id, checkin_id, result.checkin.period))
        if answer == "met":
            open_modal(body, modals.pulse_modal(checkin_id, ask_confidence=user_id == result.pairing.mentee_user_id))

    def need_help(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        checkin_id = int_or_none(_action_value(body)) or -1
        found = rt.answers.checkin_for(team_of(body), user_of(body), checkin_id)
        if found.kind not in ("ok", "superseded"):
            return refuse(body, found.kind)
        open_modal(body, modals.help_modal(checkin_id))

    def skip_reminder(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        checkin_id = int_or_none(_action_value(body))
        result = rt.answers.skip_reminder(team_of(body), user_of(body), checkin_id or -1)
        if result.kind != "ok":
            return refuse(body, result.kind)
        text = "Reminder skipped. I'll check in again next week."
        replace_message(body, message(text, [section(text)]))

    def confidence(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        checkin_id, _, score = _action_value(body).partition(":")
        checkin, value = int_or_none(checkin_id), int_or_none(score)
        if checkin is None or value is None or not 1 <= value <= 5:
            return refuse(body, "not_found")
        result = rt.answers.pulse(team_of(body), user_of(body), checkin, None, value)
        if result.kind != "ok":
            return refuse(body, result.kind)
        replace_message(body, views.pulse_recorded(value))

    def share(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        use_id = int_or_none(_action_value(body))
        result = rt.answers.share_prompt(team_of(body), user_of(body), use_id or -1, rt.now())
        if result.kind not in ("ok", "already"):
            return refuse(body, result.kind)
        text = "Shared with your mentor in your group DM."
        replace_message(body, message(text, [section(text)]))

    def pairing_modal(ack: Ack, body: dict[str, Any], build: Any) -> None:
        ack()
        pairing_id, _, round_ = _action_value(body).partition(":")
        found = rt.answers.pairing_for(team_of(body), user_of(body), int_or_none(pairing_id) or -1)
        if found.kind != "ok" or found.pairing is None:
            return refuse(body, found.kind)
        open_modal(body, build(found.pairing, int_or_none(round_) or 1, user_of(body)))

    def afterwards(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        pairing_id = int_or_none(_action_value(body)) or -1
        result = rt.answers.afterwards(team_of(body), user_of(body), pairing_id, "informal")
        if result.kind != "ok":
            return refuse(body, result.kind)
        rt.gateway.tell(user_of(body), "Lovely. Keep meeting as long as it helps; I'll step back from here.",
                        message_location(body)[0])

    def rematch(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        outcome = rt.lifecycle.rematch(team_of(body), user_of(body), int_or_none(_action_value(body)) or -1, rt.now())
        if outcome == "forbidden":
            rt.gateway.tell(user_of(body), "Only the mentee can ask for a new mentor.", message_location(body)[0])
            return
        if outcome != "ok":
            return refuse(body, "already" if outcome == "already" else "not_found")
        text = "Done. I'm looking for a new mentor for you, with the same goals. No fault on anyone's side."
        replace_message(body, message(text, [section(text)]))

    app.action(views.MET_ACTION)(lambda ack, body: checkin_answer(ack, body, "met"))
    app.action(views.NOT_YET_ACTION)(lambda ack, body: checkin_answer(ack, body, "not_yet"))
    app.action(views.HELP_ACTION)(need_help)
    app.action(views.SKIP_REMINDER_ACTION)(skip_reminder)
    app.action(re.compile("^" + views.CONFIDENCE_ACTION_PREFIX + r"\d$"))(confidence)
    app.action(views.SHARE_PROMPT_ACTION)(share)
    app.action(views.FEEDBACK_ACTION)(lambda ack, body: pairing_modal(ack, body, _feedback_modal))
    app.action(views.SURVEY_ACTION)(lambda ack, body: pairing_modal(ack, body, _survey_modal))
    app.action(views.INFORMAL_ACTION)(afterwards)
    app.action(views.REMATCH_ACTION)(rematch)
    _register_views(app, rt)


def _feedback_modal(pairing: Any, round_: int, user_id: str) -> dict[str, Any]:
    other = pairing.mentor_user_id if user_id == pairing.mentee_user_id else pairing.mentee_user_id
    return modals.feedback_modal(pairing.id, round_, other)


def _survey_modal(pairing: Any, _round: int, _user_id: str) -> dict[str, Any]:
    return modals.survey_modal(pairing.id)


def _register_views(app: App, rt: Runtime) -> None:
    def close_or_explain(ack: Ack, result: Answer, block_id: str, already: str | None = None) -> None:
        """Closes the modal on success; otherwise says why next to `block_id`."""
        if result.kind == "ok":
            ack()
            return
        reason = already if result.kind == "already" and already else REFUSALS.get(result.kind, REFUSALS["not_found"])
        ack(response_action="errors", errors={block_id: reason})

    def pulse(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        reader = forms.StateReader(view.get("state", {}).get("values"))
        usefulness = forms.read_scale(reader, "usefulness", 1, 5)
        if usefulness is None:
            ack(response_action="errors", errors={"usefulness": "Choose a number from 1 to 5."})
            return
        result = rt.answers.pulse(team_of(body), user_of(body), int_or_none(metadata(view).get("checkin_id")) or -1,
                                  usefulness, forms.read_scale(reader, "confidence", 1, 5))
        close_or_explain(ack, result, "usefulness")

    def help_note(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        note, errors = forms.read_note(view.get("state", {}).get("values"))
        if note is None:
            ack(response_action="errors", errors=errors)
            return
        result = rt.answers.need_help(team_of(body), user_of(body), int_or_none(metadata(view).get("checkin_id")) or -1,
                                      note, f"view:{view.get('id')}", rt.now())
        close_or_explain(ack, Answer("ok") if result.kind == "already" else result, "note")

    def feedback(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        form, errors = forms.read_feedback(view.get("state", {}).get("values"))
        if form is None:
            ack(response_action="errors", errors=errors)
            return
        meta = metadata(view)
        result = rt.answers.feedback(team_of(body), user_of(body), int_or_none(meta.get("pairing_id")) or -1,
                                     int_or_none(meta.get("round")) or 1, form.working, form.try_differently, rt.now())
        close_or_explain(ack, result, "working", already="You've already shared feedback this round. Thank you!")

    def survey(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        form, errors = forms.read_survey(view.get("state", {}).get("values"))
        if form is None:
            ack(response_action="errors", errors=errors)
            return
        result = rt.answers.survey(team_of(body), user_of(body), int_or_none(metadata(view).get("pairing_id")) or -1,
                                   form.rating, form.recommend, form.goals, rt.now())
        close_or_explain(ack, result, "rating", already="You've already taken this survey. Thank you!")

    app.view(modals.PULSE_CALLBACK)(pulse)
    app.view(modals.HELP_CALLBACK)(help_note)
    app.view(modals.FEEDBACK_CALLBACK)(feedback)
    app.view(modals.SURVEY_CALLBACK)(survey)
