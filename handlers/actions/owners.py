"""The Publish button under a cohort match preview."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot.blockkit.text import plural
from bot.matching.cohorts import PublishResult
from handlers.context import action_value, int_or_none, now, runtime, team_of, user_of
from handlers.replies import REFUSAL, tell

GONE = "I can't find that cohort plan any more."


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
