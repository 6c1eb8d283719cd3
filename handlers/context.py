"""What every listener needs: the runtime and this request's `now` from Bolt's context, and who, where, what."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import BoltContext, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from bot.runtime import Runtime


class AttachRuntime(Middleware):
    """Global middleware: every listener finds the runtime, and the one clock reading of its request, in context.

    A Middleware subclass, which Bolt calls as it is (a plain function is wrapped and handed every
    argument a middleware could take, built afresh for each request)."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:  # noqa: A002 - Bolt's name
        req.context["runtime"] = self.rt
        req.context["now"] = self.rt.now()
        return next()


def runtime(context: BoltContext) -> Runtime:
    rt = context["runtime"]
    assert isinstance(rt, Runtime)
    return rt


def now(context: BoltContext) -> datetime:
    at = context["now"]
    assert isinstance(at, datetime)
    return at


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def team_of(body: dict[str, Any]) -> str:
    """The workspace a payload acts in, found where Bolt finds the one it authorizes, in the same order:
    first the workspace that installed a modal's app (a modal opened from a Slack Connect channel comes
    from a person of another workspace), then the payload's team, then its user's."""
    team = body.get("team")
    view = _object(body.get("view"))
    for found in (
        view.get("app_installed_team_id"),
        team.get("id") if isinstance(team, dict) else team,
        body.get("team_id"),
        _object(body.get("user")).get("team_id"),
        view.get("team_id"),
    ):
        if isinstance(found, str) and found:
            return found
    raise ValueError("payload names no workspace")


def user_of(body: dict[str, Any]) -> str:
    user = body.get("user")
    if isinstance(user, dict):
        return str(user["id"])
    return str(body["user_id"])


def message_location(body: dict[str, Any]) -> tuple[str | None, str | None]:
    """(channel, ts) of the message holding the clicked button, when there is one."""
    container = _object(body.get("container"))
    channel = container.get("channel_id") or _object(body.get("channel")).get("id")
    ts = container.get("message_ts") or _object(body.get("message")).get("ts")
    return (channel if isinstance(channel, str) else None), (ts if isinstance(ts, str) else None)


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
