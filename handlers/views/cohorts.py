"""The submitted swap form of a cohort match preview."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot.blockkit.state import StateReader, private_metadata
from bot.matching.cohort_edits import EditResult
from bot.matching.cohort_view import SWAP_BLOCK, preview_message
from handlers.actions.owners import EDIT_NOTES, GONE
from handlers.context import MAX_ID, now, runtime, state_values, team_of, user_of
from handlers.replies import replace_ephemeral


def _count(raw: Any) -> int | None:
    """A version or a position from the form's metadata (0 counts), or None if it can't be one."""
    return raw if isinstance(raw, int) and not isinstance(raw, bool) and 0 <= raw <= MAX_ID else None


def swap_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    rt, team_id, user_id, at = runtime(context), team_of(body), user_of(body), now(context)
    meta = private_metadata(view)
    plan_id, version, index = _count(meta.get("plan")), _count(meta.get("version")), _count(meta.get("index"))
    target = StateReader(state_values(view)).selected(SWAP_BLOCK)
    if plan_id is None or version is None or index is None:
        ack(response_action="errors", errors={SWAP_BLOCK: GONE})
        return
    if not target:
        ack(response_action="errors", errors={SWAP_BLOCK: "Choose a pair or a mentor to swap with."})
        return
    outcome = rt.cohort_edits.swap(team_id, user_id, plan_id, version, index, target, at)
    if outcome.result == EditResult.REFUSED:
        ack(response_action="errors", errors={SWAP_BLOCK: outcome.problem})
        return
    if outcome.result == EditResult.DONE:
        ack()
    else:
        ack(response_action="errors", errors={SWAP_BLOCK: EDIT_NOTES.get(outcome.result, GONE)})
    if outcome.preview is not None and outcome.program is not None:
        url = meta.get("url")
        payload = preview_message(outcome.program, outcome.preview, at)
        replace_ephemeral(rt, team_id, user_id, url if isinstance(url, str) else "", payload)
