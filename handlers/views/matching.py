"""Submitted matching forms: the mentor profile, the mentee request and the decline reason."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot.blockkit.state import private_metadata
from bot.matching import intake, modals
from bot.matching.requests import RequestResult
from handlers.context import int_or_none, now, runtime, state_values, team_of, user_of
from handlers.replies import notice, publish_home

SAVED = notice(
    "You're a mentor!",
    "Your mentor profile is saved. When a mentee's goals fit your strengths, I'll message you "
    "with their request so you can accept or decline. Run `/mentor offer` any time to edit it.",
)


def offer_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    rt, team_id, user_id = runtime(context), team_of(body), user_of(body)
    program, errors = modals.chosen_program(view, rt.programs.all_open(team_id, now(context)))
    form, form_errors = (
        intake.read_profile(state_values(view), program.default_capacity)
        if program
        else intake.read_profile(state_values(view))
    )
    errors = {**errors, **form_errors}
    if not errors and form is not None and program is not None:
        saved = rt.profiles.save(team_id, user_id, program.id, form, now(context))
        if saved.problem is not None:
            errors = modals.profile_errors(saved.problem, saved.load)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    publish_home(rt, team_id, [user_id], now(context))
    ack(response_action="update", view=SAVED)


def request_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    rt, team_id, user_id = runtime(context), team_of(body), user_of(body)
    program, errors = modals.chosen_program(view, rt.programs.all_open(team_id, now(context)))
    form, form_errors = intake.read_request(state_values(view))
    errors = {**errors, **form_errors}
    if errors or form is None or program is None:
        ack(response_action="errors", errors=errors)
        return
    source_key = f"view:{view.get('id') or view.get('hash') or body.get('trigger_id')}"
    outcome = rt.requests.create(team_id, user_id, program.id, form, source_key, now(context))
    if outcome.result == RequestResult.ALREADY_OPEN:
        ack(response_action="errors", errors={"goals": modals.REQUEST_ALREADY_OPEN})
        return
    if outcome.result == RequestResult.CREATED:
        publish_home(rt, team_id, [user_id], now(context))
    ack()


def reason_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    proposal_id = int_or_none(private_metadata(view).get("proposal_id"))
    reason = modals.read_reason(state_values(view))
    saved = proposal_id is not None and runtime(context).decisions.record_decline_reason(
        team_of(body), user_of(body), proposal_id, reason
    )
    if saved:
        ack()
    else:
        ack(response_action="errors", errors={"reason": "I couldn't find that declined request any more."})
