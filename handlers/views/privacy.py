"""The erase confirmation: submitting it erases the person's data, once."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot.reporting.privacy_view import erased_message
from handlers.context import now, runtime, team_of, user_of
from handlers.replies import notice


def erase_confirmed(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    rt, team_id, user_id, at = runtime(context), team_of(body), user_of(body), now(context)
    service = rt.erasure
    summary = service.erase(team_id, user_id, at)
    ack(response_action="update", view=notice("Your data", erased_message(summary)))
    # No App Home refresh: drawing it would look the person up in Slack again, and keep what it found.
    rt.sender.later(lambda: service.forget_notices(at), what="erased notices")
