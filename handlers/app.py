"""The Bolt app and the WSGI application that serves it, with a health check."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.blockkit.blocks import modal, section
from bot.runtime import Runtime
from handlers import register

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
        app = App(
            client=rt.web_client,
            signing_secret=rt.settings.signing_secret or None,
            # Work finishes before the HTTP response, so what the user sees next is already true.
            process_before_response=True,
            token_verification_enabled=False,
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

    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == HEALTH_PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            healthy = rt.healthy()
            start_response("200 OK" if healthy else "503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"ok" if healthy else b"database unavailable"]
        if path == EVENTS_PATH and environ.get("REQUEST_METHOD") == "POST":
            return slack(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    return wsgi
