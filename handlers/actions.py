"""Buttons: Accept and Decline on proposals, the optional decline reason, and the App Home."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.matching.mentoring import ProposalOutcome
from bot.runtime import Runtime
from bot.delivery.slack_gateway import SlackFailure
from bot.matching.messages import (
    ACCEPT_ACTION,
    DECLINE_ACTION,
    HOME_OFFER_ACTION,
    HOME_REQUEST_ACTION,
    REASON_ACTION,
    proposal_outcome,
)
from bot.matching.modals import decline_reason_modal
from handlers.context import int_or_none, message_location, team_of, user_of
from handlers.forms import open_form
from handlers.home import publish_home

REFUSALS = {
    "forbidden": "This request was sent to someone else, so only they can answer it.",
    "not_found": "I can't find that request any more. It may have been withdrawn.",
}


def _value(body: dict[str, Any]) -> int | None:
    actions = body.get("actions") or [{}]
    return int_or_none(actions[0].get("value"))


def _show(rt: Runtime, body: dict[str, Any], outcome: ProposalOutcome, shown: str) -> None:
    """Reflects the decision on the proposal message, or tells the clicker privately why not."""
    channel, ts = message_location(body)
    user_id = user_of(body)
    if outcome.kind in REFUSALS or outcome.proposal is None or outcome.request is None:
        rt.gateway.tell(user_id, REFUSALS.get(outcome.kind, REFUSALS["not_found"]), channel)
        return
    if channel and ts:
        update = proposal_outcome(outcome.proposal, outcome.request, shown)
        try:
            rt.gateway.update_message(channel, ts, update["text"], update["blocks"])
        except SlackFailure as exc:
            rt.gateway.tell(user_id, update["text"] + f" (I couldn't update the message: {exc.error})", channel)


def register(app: App, rt: Runtime) -> None:
    def decide(ack: Ack, body: dict[str, Any], accept: bool) -> None:
        ack()
        proposal_id = _value(body)
        team_id, user_id = team_of(body), user_of(body)
        if proposal_id is None:
            rt.gateway.tell(user_id, REFUSALS["not_found"], message_location(body)[0])
            return
        if accept:
            outcome = rt.mentoring.accept(team_id, user_id, proposal_id, rt.now())
        else:
            outcome = rt.mentoring.decline(team_id, user_id, proposal_id, rt.now())
        shown = outcome.proposal.status if outcome.proposal and outcome.kind != "stale" else "stale"
        _show(rt, body, outcome, shown)
        if outcome.kind in ("accepted", "declined") and outcome.request is not None:
            publish_home(rt, team_id, [user_id, outcome.request.mentee_user_id])

    def add_reason(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        proposal_id = _value(body)
        if proposal_id is None:
            rt.gateway.tell(user_of(body), REFUSALS["not_found"], message_location(body)[0])
            return
        try:
            rt.gateway.open_view(body.get("trigger_id", ""), decline_reason_modal(proposal_id))
        except SlackFailure as exc:
            rt.gateway.tell(user_of(body), f"Sorry, I couldn't open the form ({exc.error}).", message_location(body)[0])

    def home_form(ack: Ack, body: dict[str, Any], kind: str) -> None:
        ack()
        error = open_form(rt, kind, team_of(body), user_of(body), body.get("trigger_id", ""))
        if error:
            rt.gateway.tell(user_of(body), error)

    app.action(ACCEPT_ACTION)(lambda ack, body: decide(ack, body, accept=True))
    app.action(DECLINE_ACTION)(lambda ack, body: decide(ack, body, accept=False))
    app.action(REASON_ACTION)(add_reason)
    app.action(HOME_REQUEST_ACTION)(lambda ack, body: home_form(ack, body, "request"))
    app.action(HOME_OFFER_ACTION)(lambda ack, body: home_form(ack, body, "offer"))
