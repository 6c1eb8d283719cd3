"""The cohort match preview's controls: Publish, and each pair's edit menu (remove, or swap its mentor)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot.blockkit.text import plural
from bot.matching.cohort_edits import EditOutcome, EditResult
from bot.matching.cohort_view import parse_edit_value, preview_message, swap_modal
from bot.matching.cohorts import REMOVE, PublishResult
from bot.runtime import Runtime
from handlers.context import action_value, int_or_none, message_location, now, runtime, team_of, user_of
from handlers.replies import REFUSAL, open_modal, replace_ephemeral, tell

GONE = "I can't find that cohort plan any more."
EDIT_NOTES = {
    EditResult.NOT_FOUND: GONE,
    EditResult.NOT_OWNER: REFUSAL,
    EditResult.PUBLISHED: "This plan has been published, so it can't be changed any more. "
    "Run `/mentor match` again for a fresh one.",
    EditResult.STALE: "This preview had changed since (another edit came first), so I did nothing. "
    "It now shows the plan as it stands.",
}


def publish(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    rt = runtime(context)
    plan_id = int_or_none(action_value(body))
    if plan_id is None:
        tell(rt, body, GONE)
        return
    published = rt.cohorts.publish(team_of(body), user_of(body), plan_id, now(context))
    if published.result == PublishResult.NOT_FOUND:
        tell(rt, body, GONE)
    elif published.result == PublishResult.NOT_OWNER:
        tell(rt, body, REFUSAL)
    elif published.result == PublishResult.ALREADY:
        tell(rt, body, "That plan was already published (or replaced). Run `/mentor match` again for a fresh one.")
    else:
        note = ""
        if published.skipped:
            was = "was" if published.skipped == 1 else "were"
            note += f" {published.skipped} {was} skipped: the request or the mentor's place changed since."
        if published.left:
            note += (
                f" {plural(published.left, 'mentee')} still without a mentor "
                + ("has" if published.left == 1 else "have")
                + " been told why, and that their request stays in the queue."
            )
        tell(rt, body, f"Published: I've asked {plural(published.proposed, 'mentor')} to accept.{note}")


def show_edit(rt: Runtime, body: dict[str, Any], outcome: EditOutcome, response_url: str, at: Any) -> None:
    """Re-renders the owner's preview as the plan now stands (never for a non-owner), and says why when
    nothing was done."""
    team_id, user_id = team_of(body), user_of(body)
    if outcome.preview is not None and outcome.program is not None:
        payload = preview_message(outcome.program, outcome.preview, at)
        replace_ephemeral(rt, team_id, user_id, response_url, payload, message_location(body)[0])
    if outcome.result in EDIT_NOTES:
        tell(rt, body, EDIT_NOTES[outcome.result])


def edit_pair(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """A pair's menu in the preview: remove the pair at once, or open the form to swap its mentor."""
    ack()
    rt, team_id, user_id, at = runtime(context), team_of(body), user_of(body), now(context)
    chosen = ((body.get("actions") or [{}])[0].get("selected_option") or {}).get("value")
    parsed = parse_edit_value(str(chosen or ""))
    if parsed is None:
        tell(rt, body, GONE)
        return
    kind, plan_id, version, index = parsed
    response_url = str(body.get("response_url") or "")
    if kind == REMOVE:
        show_edit(rt, body, rt.cohort_edits.remove(team_id, user_id, plan_id, version, index, at), response_url, at)
        return
    choices = rt.cohort_edits.swap_choices(team_id, user_id, plan_id, version, index, at)
    if isinstance(choices, EditOutcome):
        show_edit(rt, body, choices, response_url, at)
        return
    open_modal(rt, body, swap_modal(choices, response_url))
