"""Accept and Decline on a proposal, and the optional decline reason."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot.matching.decisions import Decision, ProposalOutcome
from bot.matching.messages import proposal_outcome
from bot.matching.modals import decline_reason_modal
from bot.runtime import Runtime
from handlers.context import action_value, int_or_none, now, runtime, team_of, user_of
from handlers.replies import open_modal, publish_home, replace_message, tell

REFUSALS = {
    Decision.FORBIDDEN: "This request was sent to someone else, so only they can answer it.",
    Decision.NOT_FOUND: "I can't find that request any more. It may have been withdrawn.",
}


def _show(rt: Runtime, body: dict[str, Any], outcome: ProposalOutcome) -> None:
    """Reflects the decision on the proposal message, or tells the clicker privately why not."""
    if outcome.decision in REFUSALS or outcome.proposal is None or outcome.request is None:
        tell(rt, body, REFUSALS.get(outcome.decision, REFUSALS[Decision.NOT_FOUND]))
        return
    shown = None if outcome.decision == Decision.STALE else outcome.proposal.status
    replace_message(rt, body, proposal_outcome(outcome.proposal, outcome.request, shown))


def _decide(ack: Ack, body: dict[str, Any], context: BoltContext, accept: bool) -> None:
    ack()
    rt, team_id, user_id = runtime(context), team_of(body), user_of(body)
    proposal_id = int_or_none(action_value(body))
    if proposal_id is None:
        tell(rt, body, REFUSALS[Decision.NOT_FOUND])
        return
    decide = rt.decisions.accept if accept else rt.decisions.decline
    outcome = decide(team_id, user_id, proposal_id, now(context))
    _show(rt, body, outcome)
    if outcome.decision in (Decision.ACCEPTED, Decision.DECLINED) and outcome.request is not None:
        publish_home(rt, team_id, [user_id, outcome.request.mentee_user_id], now(context))


def accept(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    _decide(ack, body, context, accept=True)


def decline(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    _decide(ack, body, context, accept=False)


def add_reason(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    proposal_id = int_or_none(action_value(body))
    if proposal_id is None:
        tell(runtime(context), body, REFUSALS[Decision.NOT_FOUND])
        return
    open_modal(runtime(context), body, decline_reason_modal(proposal_id))
