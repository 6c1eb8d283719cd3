"""Accept and Decline on a proposal, the optional decline reason, and a mentee's pick from a list of mentors."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot.matching.choice_view import passed_note, picked_note, refreshed_note, stale_note
from bot.matching.choices import Pick, PickOutcome
from bot.matching.decisions import Decision, ProposalOutcome
from bot.matching.messages import choice_closed_note, proposal_outcome
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


CHOICE_GONE = "I can't find that list any more. `/mentor status` shows where your request stands."
CHOICE_REFUSALS = {
    Pick.FORBIDDEN: "This list was sent to someone else, so only they can choose from it.",
    Pick.NOT_FOUND: CHOICE_GONE,
}


def _show_pick(rt: Runtime, body: dict[str, Any], outcome: PickOutcome) -> None:
    """Reflects the mentee's answer on the list they clicked, so it can't be answered twice."""
    if outcome.pick in CHOICE_REFUSALS:
        tell(rt, body, CHOICE_REFUSALS[outcome.pick])
    elif outcome.pick == Pick.PASSED:
        replace_message(rt, body, passed_note(outcome.listed))
    elif outcome.pick == Pick.REFRESHED:
        replace_message(rt, body, refreshed_note(outcome.listed))
    elif outcome.pick in (Pick.ASKED, Pick.ALREADY) and outcome.mentor_user_id:
        replace_message(rt, body, picked_note(outcome.mentor_user_id, outcome.reasons))
    elif outcome.pick == Pick.STALE:
        replace_message(rt, body, stale_note())
    else:
        replace_message(rt, body, choice_closed_note())


def choose_mentor(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """A mentee picks a mentor from their list: that mentor is asked."""
    ack()
    rt, team_id, user_id = runtime(context), team_of(body), user_of(body)
    choice, _, profile = action_value(body).partition(":")
    choice_id, profile_id = int_or_none(choice), int_or_none(profile)
    if choice_id is None or profile_id is None:
        tell(rt, body, CHOICE_GONE)
        return
    outcome = rt.choices.pick(team_id, user_id, choice_id, profile_id, now(context))
    _show_pick(rt, body, outcome)
    if outcome.pick in (Pick.ASKED, Pick.REFRESHED):
        publish_home(
            rt, team_id, [user_id, *([outcome.mentor_user_id] if outcome.mentor_user_id else [])], now(context)
        )


def pass_on_list(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """None of these: other mentors who fit are listed, or the request waits for someone new."""
    ack()
    rt, team_id, user_id = runtime(context), team_of(body), user_of(body)
    choice_id = int_or_none(action_value(body))
    if choice_id is None:
        tell(rt, body, CHOICE_GONE)
        return
    outcome = rt.choices.pass_on(team_id, user_id, choice_id, now(context))
    _show_pick(rt, body, outcome)
    if outcome.pick == Pick.PASSED:
        publish_home(rt, team_id, [user_id], now(context))
