"""The Publish button under a cohort match preview."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

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
        asked = f"{published.proposed} mentor" + ("" if published.proposed == 1 else "s")
        note = ""
        if published.skipped:
            note = f" {published.skipped} were skipped: the request or the mentor's place changed since."
        tell(rt, body, f"Published: I've asked {asked} to accept.{note}")
