"""Serving: HTTP with waitress, or Socket Mode when an app-level token is set."""

from __future__ import annotations

import logging
import signal
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterable
from types import FrameType
from typing import Any

from slack_bolt import App

from bot.runtime import Runtime
from handlers.app import build_app, build_wsgi
from scheduler import Ticker

log = logging.getLogger(__name__)

# Seconds between the client's pings to Slack; it also checks its connection, and reconnects, this often.
# A connection that goes silent is given up after four pings without an answer.
PING_INTERVAL = 5.0
# How often the socket is checked for a connection Slack (or the network) closed or reset.
WATCH_SECONDS = 1.0
# On shutdown, envelopes already received get this long to be handled and acknowledged: Slack's own deadline.
DRAIN_SECONDS = 3.0
# How long to wait for Slack to answer our close frame before the socket is closed anyway.
CLOSE_SECONDS = 2.0
NORMAL_CLOSURE = 1000
# What apps.connections.open answers when the app-level token itself is wrong: no retry can help.
TOKEN_ERRORS = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "token_expired",
        "account_inactive",
        "not_allowed_token_type",
        "missing_scope",
    }
)


def _exit_on_signal(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(0)


class AppTokenRefused(Exception):
    """Slack would not open a Socket Mode connection for SLACK_APP_TOKEN."""


def serve(rt: Runtime, host: str = "0.0.0.0") -> None:
    app = build_app(rt)
    socket_mode = SocketModeService(rt, app) if rt.settings.socket_mode else None
    ticker = Ticker(rt)
    signal.signal(signal.SIGTERM, _exit_on_signal)
    signal.signal(signal.SIGINT, _exit_on_signal)
    ticker.start(rt.settings.tick_seconds)
    refused: AppTokenRefused | None = None
    try:
        if socket_mode is not None:
            socket_mode.run()
        else:
            _serve_http(rt, app, host)
    except SystemExit:
        pass
    except AppTokenRefused as exc:
        refused = exc
    finally:
        log.info("shutting down")
        if socket_mode is not None:
            socket_mode.stop()
        ticker.stop()
        rt.close()
    if refused is not None:
        print(f"mentor-bot: {refused}", file=sys.stderr)
        raise SystemExit(2)


def http_server(wsgi: Callable[..., Iterable[bytes]], host: str = "127.0.0.1", port: int = 0) -> Any:
    """The production WSGI server (waitress) for `wsgi`, bound but not yet running: its threads, and its
    refusal of bodies larger than any Slack payload before reading them (413)."""
    from waitress import create_server

    from handlers.gate import SERVER_OPTIONS

    return create_server(wsgi, **SERVER_OPTIONS, host=host, port=port)


def _serve_http(rt: Runtime, app: App, host: str) -> None:
    server = http_server(build_wsgi(app, rt), host=host, port=rt.settings.port)
    log.info("listening on http://%s:%s/slack/events", host, rt.settings.port)
    server.run()


class SocketModeService:
    """The bot's Socket Mode connection: open from run() until stop(), and reopened whenever Slack rotates
    it (`disconnect`) or it is lost. stop() finishes the envelopes in hand, then closes with a close frame.

    serve() runs exactly this in the main thread; a test can run it in another and stop it from its own.
    """

    def __init__(self, rt: Runtime, app: App, ping_interval: float = PING_INTERVAL):
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        from bot.delivery.slack_gateway import make_web_client

        # apps.connections.open must reach the same Web API as everything else, with the app-level token.
        web_client = make_web_client(rt.settings.app_token or "", rt.settings.api_url)
        self.handler = SocketModeHandler(
            app, app_token=rt.settings.app_token, web_client=web_client, ping_interval=ping_interval
        )
        self.ping_interval = ping_interval
        self.rt = rt
        # Count the envelopes being handled, so that stop() can let them finish and be acknowledged.
        self.handler.client.socket_mode_request_listeners[:] = [self._handle]
        self.handler.client.on_message_listeners.append(self._heard)
        self._working: Any = None  # the connection Slack was last heard on
        self._in_hand = 0
        self._idle = threading.Condition()
        self._stopping = threading.Event()
        self._closed = False
        self._connected = False  # run() has finished connecting (successfully or not)
        self._close_lock = threading.Lock()

    def run(self) -> None:
        """Connects, then returns only once stop() was called (or a signal raised SystemExit in this thread).

        While it runs, a watchdog replaces a connection whose socket was closed or reset under it.
        """
        from slack_sdk.errors import SlackApiError

        if self._stopping.is_set():
            return
        log.info("connecting in Socket Mode")
        try:
            self.handler.connect()
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else None
            if error not in TOKEN_ERRORS:
                raise
            raise AppTokenRefused(
                f"SLACK_APP_TOKEN was refused by Slack ({error}): create an app-level token with the "
                "connections:write scope (Basic Information → App-Level Tokens), or leave it empty to run "
                "in HTTP mode"
            ) from None
        if self.handler.client.is_connected():
            log.info("Socket Mode connected; waiting for Slack")
        else:
            log.warning("could not open the Socket Mode connection yet; trying again every %s s", self.ping_interval)
        with self._close_lock:
            self._connected = True
        if self._stopping.is_set():
            # stop() came while connecting, and found nothing to close yet: close what connect() opened.
            self._close()
            return
        if hasattr(socket, "MSG_DONTWAIT"):
            threading.Thread(target=self._watch, name="socket-mode-watchdog", daemon=True).start()
        self._stopping.wait()

    def stop(self) -> None:
        """Stops reconnecting, lets envelopes in hand be acknowledged, sends a close frame, and closes."""
        self._stopping.set()
        with self._close_lock:
            connected = self._connected
        if connected:
            self._close()

    def _close(self) -> None:
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
            client = self.handler.client
            client.default_auto_reconnect_enabled = client.auto_reconnect_enabled = False
            self._drain(DRAIN_SECONDS)
            self._send_close_frame(CLOSE_SECONDS)
            self.handler.close()
            log.info("Socket Mode connection closed")

    def _handle(self, client: Any, request: Any) -> None:
        with self._idle:
            self._in_hand += 1
        try:
            with self.rt.sender.answering():
                self.handler.handle(client, request)
        finally:
            with self._idle:
                self._in_hand -= 1
                self._idle.notify_all()

    def _heard(self, _message: str) -> None:
        # Slack speaks first (hello) on every new connection: a session that was heard from has worked.
        self._working = self.handler.client.current_session

    def _watch(self) -> None:
        """The builtin client notices a closed socket only when its pings go unanswered for four intervals,
        spinning on the dead socket meanwhile, and a reset one at its next check; this notices either within
        WATCH_SECONDS and reconnects at once, once per lost connection (the client's own check retries)."""
        client = self.handler.client
        while not self._stopping.wait(WATCH_SECONDS):
            session = client.current_session
            if session is None or session is not self._working:
                continue
            sock = session.sock
            if sock is not None and not _peer_gone(sock):
                continue
            self._working = None
            log.info("the Socket Mode connection was lost; reconnecting")
            session.disconnect()
            if self._stopping.is_set():
                return
            try:
                client.connect_to_new_endpoint()
            except Exception as exc:  # noqa: BLE001 - the client's own check tries again at its next ping
                log.warning("could not reconnect yet (%s); trying again shortly", exc)

    def _drain(self, timeout: float) -> None:
        queue = self.handler.client.message_queue
        with self._idle:
            drained = self._idle.wait_for(lambda: self._in_hand == 0 and queue.empty(), timeout)
        if not drained:
            log.warning("closing with envelopes still being handled; Slack will not get their acknowledgement")

    def _send_close_frame(self, timeout: float) -> None:
        """The builtin client closes its socket without the WebSocket closing handshake, so Slack would see a
        dropped connection; send the close frame ourselves and give Slack a moment to answer it."""
        from slack_sdk.socket_mode.builtin.frame_header import FrameHeader
        from slack_sdk.socket_mode.builtin.internals import _build_data_frame_for_sending

        session = self.handler.client.current_session
        if session is None:
            return
        frame = _build_data_frame_for_sending(struct.pack("!H", NORMAL_CLOSURE), FrameHeader.OPCODE_CLOSE)
        try:
            with session.sock_send_lock:
                if session.sock is None:
                    return
                session.sock.sendall(frame)
        except OSError as exc:
            log.info("could not send the close frame (%s); closing the socket anyway", exc)
            return
        # The client's reader closes the socket when Slack's close frame comes back.
        deadline = time.monotonic() + timeout
        while session.is_active() and time.monotonic() < deadline:
            time.sleep(0.02)


def _peer_gone(sock: socket.socket) -> bool:
    """Whether the other end closed or reset this TCP connection. Peeks through a duplicate of the socket,
    without reading and without changing its blocking mode (shared by duplicates), so the reader is undisturbed;
    under TLS it peeks at the raw bytes, which is all it needs."""
    try:
        with socket.fromfd(sock.fileno(), sock.family, sock.type) as raw:
            return raw.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False  # open, with nothing to read
    except ConnectionError:
        return True  # reset
    except (OSError, ValueError):
        return False  # already closed here: the client is replacing it
