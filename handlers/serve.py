"""Serving: HTTP with waitress, or Socket Mode when an app-level token is set."""

from __future__ import annotations

import logging
import signal
from types import FrameType

from bot.runtime import Runtime
from handlers.app import build_app, build_wsgi
from scheduler import Ticker

log = logging.getLogger(__name__)


def _exit_on_signal(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(0)


def serve(rt: Runtime, host: str = "0.0.0.0") -> None:
    app = build_app(rt)
    ticker = Ticker(rt)
    signal.signal(signal.SIGTERM, _exit_on_signal)
    signal.signal(signal.SIGINT, _exit_on_signal)
    ticker.start(rt.settings.tick_seconds)
    try:
        if rt.settings.socket_mode:
            _serve_socket_mode(rt, app)
        else:
            _serve_http(rt, app, host)
    except SystemExit:
        pass
    finally:
        log.info("shutting down")
        ticker.stop()
        rt.close()


def _serve_http(rt: Runtime, app: object, host: str) -> None:
    from waitress import create_server

    server = create_server(build_wsgi(app, rt), host=host, port=rt.settings.port, threads=8)  # type: ignore[arg-type]
    log.info("listening on http://%s:%s/slack/events", host, rt.settings.port)
    server.run()


def _serve_socket_mode(rt: Runtime, app: object) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.delivery.slack_gateway import make_web_client

    # apps.connections.open must reach the same Web API as everything else.
    web_client = make_web_client(rt.settings.app_token or "", rt.settings.api_url)
    handler = SocketModeHandler(app, app_token=rt.settings.app_token, web_client=web_client)  # type: ignore[arg-type]
    log.info("connecting in Socket Mode")
    try:
        handler.start()
    finally:
        handler.close()
