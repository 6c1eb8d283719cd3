"""The mentee's choice when no mentor with room covers their topics: wait, or be matched more broadly."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot.matching.broader import BroaderChoices, Choice, ChoiceOutcome
from bot.matching.messages import broader_chosen_note, choice_closed_note, waiting_for_topics_note
from handlers.context import action_value, int_or_none, now, runtime, team_of, user_of
from handlers.replies import publish_home, replace_message, tell

GONE = "I can't find that request any more. It may have been withdrawn."


def _choices(context: BoltContext) -> BroaderChoices:
    return runtime(context).broader


def _show(body: dict[str, Any], context: BoltContext, outcome: ChoiceOutcome) -> None:
    rt = runtime(context)
    if outcome.choice == Choice.NOT_FOUND or outcome.request_id is None:
        tell(rt, body, GONE)
        return
    if outcome.choice == Choice.WAITING:
        replace_message(rt, body, waiting_for_topics_note(outcome.request_id))
    elif outcome.choice == Choice.BROADER:
        replace_message(rt, body, broader_chosen_note())
        publish_home(rt, team_of(body), [user_of(body)], now(context))
    else:
        replace_message(rt, body, choice_closed_note())


def wait_for_topics(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    request_id = int_or_none(action_value(body))
    if request_id is None:
        tell(runtime(context), body, GONE)
        return
    _show(body, context, _choices(context).wait(team_of(body), user_of(body), request_id))


def match_broadly(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    request_id = int_or_none(action_value(body))
    if request_id is None:
        tell(runtime(context), body, GONE)
        return
    outcome = _choices(context).match_broadly(team_of(body), user_of(body), request_id, now(context))
    _show(body, context, outcome)
