"""Which workspaces the bot serves: OAuth installs (many workspaces) or one token (one workspace).

OAuth mode runs Bolt's install flow at /slack/install and /slack/oauth_redirect, with slack_sdk's
installation and state stores on our database. Each request is authorized from the stored install,
without a Web API call, so the 3-second answer never waits on Slack. In token mode, a request from
any workspace but the token's own is refused politely, never answered with the wrong token.

Either way, `app_uninstalled` and `tokens_revoked` (of the bot) stop all sends to the workspace and
schedule its data for deletion (bot.delivery.installations.WORKSPACE_DATA_KEPT).
"""

from __future__ import annotations

import html
import json
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import Authorize
from slack_bolt.middleware import Middleware
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk.oauth.installation_store import Bot

from bot.blockkit.blocks import modal, section
from bot.config import BOT_SCOPES
from bot.delivery.installations import Installations, Org, remember_org, uninstalled
from bot.runtime import OAUTH_STATE_SECONDS, Runtime

log = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
ELSEWHERE = (
    "Sorry, this mentoring bot is set up for another Slack workspace, so I can't help here. "
    "Ask your Slack admin to add mentor-bot to this workspace."
)
NOT_INSTALLED = (
    "Sorry, mentor-bot isn't installed in this workspace any more. Ask your Slack admin to install it "
    "again; your program's data is kept for a while after an uninstall, so nothing is lost yet."
)
# Events Bolt delivers without an install to check (the install may be gone already).
_LEAVING_EVENTS = frozenset({"app_uninstalled", "tokens_revoked"})


_FOUND = "stored_install"


def _find_bot(installations: Installations, context: BoltContext) -> Bot | None:
    return installations.find_bot(
        enterprise_id=context.enterprise_id,
        team_id=context.team_id,
        is_enterprise_install=bool(context.is_enterprise_install),
    )


def not_installed_yet(installations: Installations) -> Callable[..., BoltResponse]:
    """Runs before Bolt's authorization: a workspace with no install is answered here, at once, instead
    of by Bolt, which would call the request's response_url before answering."""

    def middleware(context: BoltContext, body: dict[str, Any], next: Callable[[], BoltResponse]) -> BoltResponse:  # noqa: A002
        if _leaving(body) or body.get("type") in ("url_verification", "ssl_check") or context.team_id is None:
            return next()
        bot = _find_bot(installations, context)
        if bot is None or not bot.bot_token:
            log.warning("a request from workspace %s, where the app has no install", context.team_id)
            return _refusal(body, NOT_INSTALLED)
        context[_FOUND] = bot
        return next()

    return middleware


class StoredInstall(Authorize):
    """Authorizes a request from its workspace's stored install, with no auth.test call: a request's
    3 seconds never wait on Slack. None (Bolt then answers NOT_INSTALLED) when there is no install."""

    def __init__(self, installations: Installations):
        super().__init__()
        self.installations = installations

    def __call__(
        self,
        *,
        context: BoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        actor_enterprise_id: str | None = None,
        actor_team_id: str | None = None,
        actor_user_id: str | None = None,
    ) -> AuthorizeResult | None:
        bot = context.get(_FOUND) or _find_bot(self.installations, context)
        if bot is None or not bot.bot_token:
            return None
        return AuthorizeResult(
            enterprise_id=bot.enterprise_id,
            team_id=bot.team_id or team_id,
            bot_user_id=bot.bot_user_id,
            bot_id=bot.bot_id,
            bot_token=bot.bot_token,
            bot_scopes=bot.bot_scopes,
            user_id=user_id,
        )


def oauth_settings(rt: Runtime) -> OAuthSettings:
    settings = rt.settings
    assert rt.installations is not None and rt.oauth_states is not None
    return OAuthSettings(
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        scopes=list(BOT_SCOPES),
        user_scopes=[],
        redirect_uri=settings.redirect_uri,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        installation_store=rt.installations,
        installation_store_bot_only=True,
        state_store=rt.oauth_states,
        state_expiration_seconds=OAUTH_STATE_SECONDS,
        callback_options=CallbackOptions(success=_installed_page, failure=_failed_page),
    )


def _page(status: int, title: str, text: str) -> BoltResponse:
    body = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>mentor-bot</title></head>"
        f"<body style='font-family:sans-serif;max-width:36em;margin:4em auto'><h1>{html.escape(title)}</h1>"
        f"<p>{html.escape(text)}</p></body></html>"
    )
    return BoltResponse(status=status, body=body, headers={"content-type": "text/html; charset=utf-8"})


def _installed_page(args: SuccessArgs) -> BoltResponse:
    where = args.installation.team_name or args.installation.enterprise_name or "your workspace"
    return _page(
        200,
        "mentor-bot is installed",
        f"mentor-bot is now part of {where}. Open Slack and type /mentor help to start: anyone can ask "
        "for a mentor with /mentor request or offer to be one with /mentor offer.",
    )


def _failed_page(args: FailureArgs) -> BoltResponse:
    log.warning("an install did not complete: %s", args.reason)
    return _page(
        args.suggested_status_code,
        "The install did not complete",
        "Slack did not confirm this install (the link may have expired or been used already). "
        "Please start again from the install page.",
    )


def _json(body: dict[str, Any]) -> BoltResponse:
    return BoltResponse(status=200, body=json.dumps(body), headers={"content-type": "application/json"})


def _refusal(body: dict[str, Any], text: str = ELSEWHERE) -> BoltResponse:
    """What a request from a workspace the bot does not serve gets: a polite word where Slack can show one."""
    if body.get("command"):
        return _json({"response_type": "ephemeral", "text": text})
    if body.get("type") == "view_submission":
        view = modal("elsewhere", "mentor-bot", [section(text)], "OK")
        del view["submit"]
        return _json({"response_action": "update", "view": view})
    return BoltResponse(status=200, body="")


def _leaving(body: dict[str, Any]) -> bool:
    event = body.get("event")
    return isinstance(event, dict) and event.get("type") in _LEAVING_EVENTS


class Door(Middleware):
    """Global middleware: only the workspaces the bot serves get in.

    Token mode: the token's own workspace (or, for an org-wide token, its Enterprise Grid org).
    OAuth mode: Bolt has already refused workspaces without an install; a workspace of an org is
    noted with its org, which is how its token is found when the tick or the outbox sends to it.
    """

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.noted: set[tuple[str, str | None, bool]] = set()

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:  # noqa: A002 - Bolt's name
        context, body, rt = req.context, req.body, self.rt
        team_id = context.team_id
        if _leaving(body) or team_id is None:
            return next()
        if not rt.settings.oauth:
            served = context.authorize_result
            if served is not None and not _same_workspace(context, served):
                log.warning("refused a request from workspace %s: the bot token belongs to another", team_id)
                return _refusal(body)
            return next()
        org = (team_id, context.enterprise_id, bool(context.is_enterprise_install))
        if org not in self.noted:
            remember_org(rt.sessions, team_id, Org(org[1], org[2]), rt.now())
            self.noted.add(org)
        return next()


def _same_workspace(context: BoltContext, served: AuthorizeResult) -> bool:
    if served.team_id and context.team_id == served.team_id:
        return True
    # A token installed org-wide serves every workspace of its org.
    return bool(served.enterprise_id and context.enterprise_id == served.enterprise_id and not served.team_id)


def app_left(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
    """`app_uninstalled`, or `tokens_revoked` naming a bot token: the workspace is left."""
    tokens = event.get("tokens")
    if event.get("type") == "tokens_revoked" and not (isinstance(tokens, dict) and tokens.get("bot")):
        return  # only people's own tokens were revoked, and the bot uses none
    rt = context["runtime"]
    assert isinstance(rt, Runtime)
    org_wide = body.get("is_enterprise_install") is True
    team_id = None if org_wide else body.get("team_id")
    enterprise_id = body.get("enterprise_id")
    if not isinstance(team_id, str | None) or not isinstance(enterprise_id, str | None):
        log.warning("ignored %s: its workspace or org id is not a Slack id", event.get("type"))
        return
    if team_id is None and enterprise_id is None:
        return
    uninstalled(rt.sessions, rt.tokens, team_id, enterprise_id, rt.now())


def register(app: App, rt: Runtime) -> None:
    app.use(Door(rt))
    app.event("app_uninstalled")(app_left)
    app.event("tokens_revoked")(app_left)
