"""The Bolt app and the WSGI application that serves it, with a health check."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any, cast

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.authorization import AuthorizeResult

from bot.blockkit.blocks import modal, section
from bot.runtime import Runtime
from handlers import gate, installs, register

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
SORRY = "Sorry, something went wrong on my side. Nothing was lost; please try again in a moment."


def build_app(rt: Runtime) -> App:
    bolt_log = logging.getLogger("slack_bolt")
    previous = bolt_log.level
    # Our client carries the token (and SLACK_API_URL). Bolt also reads SLACK_BOT_TOKEN from the
    # environment and warns that it goes unused, which is exactly the intent: keep that one quiet.
    bolt_log.setLevel(logging.ERROR)
    try:
        if rt.settings.oauth:
            assert rt.installations is not None
            app = App(
                client=rt.web_client,
                signing_secret=rt.settings.signing_secret,
                process_before_response=True,
                oauth_settings=installs.oauth_settings(rt),
                installation_store=rt.installations,
                installation_store_bot_only=True,
                # An Authorize instance, which Bolt takes alongside OAuth settings (a plain function it won't).
                authorize=cast(Callable[..., AuthorizeResult], installs.StoredInstall(rt.installations)),
                user_facing_authorize_error_message=installs.NOT_INSTALLED,
                before_authorize=installs.not_installed_yet(rt.installations),
                logger=bolt_log,
            )
        else:
            # Bolt turns on its OAuth flow whenever these two are in the environment, even empty.
            for name in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"):
                if not os.environ.get(name, "").strip():
                    os.environ.pop(name, None)
            app = App(
                client=rt.web_client,
                signing_secret=rt.settings.signing_secret or None,
                # Work finishes before the HTTP response, so what the user sees next is already true.
                process_before_response=True,
                # auth.test now, at start, not inside the first request's 3 seconds.
                token_verification_enabled=True,
                logger=bolt_log,
            )
    finally:
        bolt_log.setLevel(previous)
    register(app, rt)

    @app.error
    def on_error(error: Exception, request: BoltRequest) -> BoltResponse:
        log.exception("listener failed", exc_info=error)
        kind = (request.body or {}).get("type")
        if kind == "view_submission":
            view = modal("error", "Something went wrong", [section(SORRY)], "OK")
            del view["submit"]
            body: dict[str, Any] = {"response_action": "update", "view": view}
        elif kind in ("block_actions", "event_callback", "view_closed"):
            return BoltResponse(status=200, body="")
        else:
            body = {"response_type": "ephemeral", "text": SORRY}
        return BoltResponse(status=200, body=json.dumps(body), headers={"content-type": "application/json"})

    return app


StartResponse = Callable[..., Any]


def build_wsgi(app: App, rt: Runtime) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    slack = SlackRequestHandler(app, path=EVENTS_PATH)
    secret = rt.settings.signing_secret

    def plain(start_response: StartResponse, status: str, text: str) -> list[bytes]:
        start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(text)))])
        return [text.encode()]

    def refuse(start_response: StartResponse, refusal: gate.Refusal) -> list[bytes]:
        log.warning("refused a request: %s %s", refusal.status, refusal.reason)
        return plain(start_response, f"{refusal.status} {HTTPStatus(refusal.status).phrase}", refusal.reason)

    def events(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        admitted: gate.Refusal | dict[str, Any] | None = gate.too_large(environ.get("CONTENT_LENGTH"))
        if admitted is None:
            raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            headers = {k[5:].lower().replace("_", "-"): v for k, v in environ.items() if k.startswith("HTTP_")}
            headers["content-type"] = environ.get("CONTENT_TYPE", "")
            admitted = gate.check(raw, headers, secret)
        if isinstance(admitted, gate.Refusal):
            return refuse(start_response, admitted)
        # The gate has checked the signature and parsed the body: Bolt takes the parsed body as it
        # does from Socket Mode, rather than verifying and parsing the same bytes a second time.
        try:
            request = BoltRequest(body=admitted, headers=headers, mode="socket_mode")
        except (TypeError, ValueError, AttributeError, KeyError):
            # A field Bolt reads has a type Slack never sends (an event whose channel is `true`).
            return refuse(start_response, gate.Refusal(400, "unreadable fields"))
        refused = gate.ids_problem(request.context)
        if refused is not None:
            return refuse(start_response, refused)
        with rt.sender.answering():
            answer = app.dispatch(request)
        body = answer.body.encode() if isinstance(answer.body, str) else bytes(answer.body or b"")
        response_headers = [(name, value) for name, values in answer.headers.items() for value in values]
        if not any(name.lower() == "content-length" for name, _ in response_headers):
            response_headers.append(("Content-Length", str(len(body))))
        start_response(f"{answer.status} {HTTPStatus(answer.status).phrase}", response_headers)
        return [body]

    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == HEALTH_PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            healthy = rt.healthy()
            return plain(
                start_response,
                "200 OK" if healthy else "503 Service Unavailable",
                "ok" if healthy else "database unavailable",
            )
        if path == EVENTS_PATH and environ.get("REQUEST_METHOD") == "POST":
            return events(environ, start_response)
        if rt.settings.oauth and path in (installs.INSTALL_PATH, installs.REDIRECT_PATH):
            if environ.get("REQUEST_METHOD") == "GET":
                return slack(environ, start_response)
        return plain(start_response, "404 Not Found", "not found")

    return wsgi
