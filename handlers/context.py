"""What every listener needs: the runtime and this request's `now` from Bolt's context, and who, where, what."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import BoltContext, BoltResponse

from bot.runtime import Runtime


def attach_runtime(rt: Runtime) -> Callable[[BoltContext, Callable[[], BoltResponse]], BoltResponse]:
    """Global middleware: every listener finds the runtime, and the one clock reading of its request, in context."""

    def middleware(context: BoltContext, next: Callable[[], BoltResponse]) -> BoltResponse:  # noqa: A002 - Bolt's name
        context["runtime"] = rt
        context["now"] = rt.now()
        return next()

    return middleware


def runtime(context: BoltContext) -> Runtime:
    rt = context["runtime"]
    assert isinstance(rt, Runtime)
    return rt


def now(context: BoltContext) -> datetime:
    at = context["now"]
    assert isinstance(at, datetime)
    return at


def team_of(body: dict[str, Any]) -> str:
    team = body.get("team")
    if isinstance(team, dict) and team.get("id"):
        return str(team["id"])
    if body.get("team_id"):
        return str(body["team_id"])
    user = body.get("user")
    if isinstance(user, dict) and user.get("team_id"):
        return str(user["team_id"])
    raise ValueError("payload names no workspace")


def user_of(body: dict[str, Any]) -> str:
    user = body.get("user")
    if isinstance(user, dict):
        return str(user["id"])
    return str(body["user_id"])


def message_location(body: dict[str, Any]) -> tuple[str | None, str | None]:
    """(channel, ts) of the message holding the clicked button, when there is one."""
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    return channel, ts


def action_value(body: dict[str, Any]) -> str:
    actions = body.get("actions") or [{}]
    return str(actions[0].get("value") or "")


def state_values(view: dict[str, Any]) -> Any:
    state = view.get("state")
    return state.get("values") if isinstance(state, dict) else None


# Row ids are 32-bit integers in both databases: a number outside them can name no row.
MAX_ID = 2**31 - 1


def int_or_none(raw: Any) -> int | None:
    """A row id from a button value or a form's metadata, or None if it can't be one."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdigit():
        value = int(raw.strip())
    else:
        return None
    return value if 0 < value <= MAX_ID else None
