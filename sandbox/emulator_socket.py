"""Socket Mode as Slack serves it, on loopback: WebSocket links, envelopes, acknowledgements, disconnects.

`apps.connections.open` on the fake Web API hands out a `ws://127.0.0.1:<port>/link/?ticket=…` URL from
here. The app connects with it and is greeted with `hello`; the test then delivers envelopes
(`slash_commands`, `interactive`, `events_api`) and waits for the app's acknowledgement of each, with its
optional payload. Like Slack, the server can ask the app to reconnect (`disconnect`, reason
`refresh_requested` or `warning`), close the link, or lose it without a word; every link is recorded, so
a test can see that the app came back and how it left.
"""

from __future__ import annotations

import itertools
import json
import socket
import struct
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # `websockets` is imported where Socket Mode is first served: the Web API alone does without it.
    from websockets.http11 import Request, Response
    from websockets.sync.server import Server, ServerConnection

APP_ID = "A0MENTORBOT"
HOST = "applink-emulator-1"
# Kinds of envelope Slack sends over Socket Mode, and the interactive payloads whose ack may carry an answer.
KINDS = ("slash_commands", "interactive", "events_api")
ANSWERABLE = ("view_submission", "block_suggestion")


@dataclass
class Ack:
    """The app's acknowledgement of one envelope, and the answer it carried, if any."""

    envelope_id: str
    payload: dict[str, Any] | None
    at: float  # time.monotonic() when it arrived
    link: int  # which link (its number) carried it


@dataclass
class Envelope:
    envelope_id: str
    type: str
    body: dict[str, Any]
    sent_at: float
    link: int


@dataclass
class Link:
    """One WebSocket connection the app opened with a ticket from apps.connections.open."""

    number: int
    ticket: str
    opened_at: float
    closed_at: float | None = None
    # The close frame the app sent, as (code, reason); None when the socket ended without one.
    close_from_app: tuple[int, str] | None = None
    # Who sent the first close frame, once the link is closed: "app", "server", or None when neither did.
    closed_by: str | None = None
    received: list[Any] = field(default_factory=list)

    @property
    def open(self) -> bool:
        return self.closed_at is None


class SocketModeEmulator:
    """Slack's Socket Mode endpoint: hands out single-use links, delivers envelopes, records what comes back."""

    def __init__(self, app_id: str = APP_ID, close_timeout: float = 2.0):
        self.app_id = app_id
        self.close_timeout = close_timeout
        self.tickets: list[str] = []  # every ticket apps.connections.open handed out, in order
        self.links: list[Link] = []
        self.envelopes: list[Envelope] = []
        self.acks: list[Ack] = []
        self.unexpected: list[Any] = []  # messages from the app that are not acks of a sent envelope
        self._unused: set[str] = set()
        self._sockets: dict[int, ServerConnection] = {}
        self._numbers = itertools.count(1)
        self._changed = threading.Condition()
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    # --- serving -------------------------------------------------------------------------

    def start(self) -> None:
        from websockets.sync.server import serve

        with self._start_lock:
            if self._server is not None:
                return
            self._server = serve(
                self._serve_link,
                "127.0.0.1",
                0,
                process_request=self._check_ticket,
                compression=None,
                close_timeout=self.close_timeout,
            )
            self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
            self._thread.start()

    def stop(self) -> None:
        with self._start_lock:
            server, self._server = self._server, None
        if server is None:
            return
        for ws in list(self._sockets.values()):
            threading.Thread(target=ws.close, args=(1001, "server shutting down"), daemon=True).start()
        server.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def port(self) -> int:
        assert self._server is not None, "the Socket Mode server is not started"
        return int(self._server.socket.getsockname()[1])

    def new_link_url(self) -> str:
        """What apps.connections.open answers: a URL for one connection, valid once."""
        self.start()
        ticket = uuid.uuid4().hex
        with self._changed:
            self.tickets.append(ticket)
            self._unused.add(ticket)
        return f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id={self.app_id}"

    def _check_ticket(self, ws: ServerConnection, request: Request) -> Response | None:
        path, _, query = request.path.partition("?")
        params = dict(p.partition("=")[::2] for p in query.split("&") if p)
        if path.rstrip("/") != "/link":
            return ws.respond(404, "not found\n")
        with self._changed:
            if params.get("ticket") not in self._unused:
                return ws.respond(401, "invalid or used ticket: call apps.connections.open for a new URL\n")
            self._unused.discard(params["ticket"])
        ws.ticket = params["ticket"]  # type: ignore[attr-defined]
        return None

    def _serve_link(self, ws: ServerConnection) -> None:
        from websockets.exceptions import ConnectionClosed

        link = Link(next(self._numbers), ws.ticket, time.monotonic())  # type: ignore[attr-defined]
        with self._changed:
            self._sockets[link.number] = ws
        try:
            ws.send(
                json.dumps(
                    {
                        "type": "hello",
                        "num_connections": sum(1 for known in self.links if known.open) + 1,
                        "debug_info": {"host": HOST, "build_number": 1, "approximate_connection_time": 18060},
                        "connection_info": {"app_id": self.app_id},
                    }
                )
            )
            # Recorded after hello is on its way: a link in `links` is ready for envelopes.
            with self._changed:
                self.links.append(link)
                self._changed.notify_all()
            while True:
                raw = ws.recv()
                self._received(link, raw)
        except ConnectionClosed:
            pass
        finally:
            self._closed(link, ws)

    def _received(self, link: Link, raw: str | bytes) -> None:
        try:
            message = json.loads(raw)
        except ValueError:
            message = raw
        with self._changed:
            link.received.append(message)
            known = {e.envelope_id for e in self.envelopes}
            if isinstance(message, dict) and message.get("envelope_id") in known:
                self.acks.append(Ack(message["envelope_id"], message.get("payload"), time.monotonic(), link.number))
            else:
                self.unexpected.append(message)
            self._changed.notify_all()

    def _closed(self, link: Link, ws: ServerConnection) -> None:
        protocol = ws.protocol
        with self._changed:
            self._sockets.pop(link.number, None)
            link.closed_at = time.monotonic()
            if protocol.close_rcvd is not None:
                link.close_from_app = (protocol.close_rcvd.code, protocol.close_rcvd.reason)
            if protocol.close_rcvd_then_sent:
                link.closed_by = "app"
            elif protocol.close_sent is not None:
                link.closed_by = "server"
            self._changed.notify_all()

    # --- what the test does --------------------------------------------------------------

    def deliver(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        envelope_id: str | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
        accepts_response_payload: bool | None = None,
        timeout: float = 10,
    ) -> Envelope:
        """Sends one envelope on the newest open link (waiting up to `timeout` for one), as Slack does."""
        if kind not in KINDS:
            raise ValueError(f"Slack sends no {kind!r} envelopes; use one of {KINDS}")
        if accepts_response_payload is None:
            accepts_response_payload = kind == "slash_commands" or (
                kind == "interactive" and payload.get("type") in ANSWERABLE
            )
        body: dict[str, Any] = {
            "envelope_id": envelope_id or str(uuid.uuid4()),
            "payload": payload,
            "type": kind,
            "accepts_response_payload": accepts_response_payload,
        }
        if kind == "events_api" or retry_attempt:
            body.update(retry_attempt=retry_attempt, retry_reason=retry_reason or ("timeout" if retry_attempt else ""))
        link = self.wait_for_link(timeout=timeout)
        ws = self._sockets.get(link.number)
        if ws is None:
            raise AssertionError(f"link {link.number} closed before an envelope could be sent")
        envelope = Envelope(body["envelope_id"], kind, body, time.monotonic(), link.number)
        with self._changed:
            self.envelopes.append(envelope)
        ws.send(json.dumps(body))
        return envelope

    def wait_for_ack(self, envelope: Envelope, timeout: float = 10) -> Ack:
        """The app's acknowledgement of this delivery of an envelope (a redelivery has an ack of its own);
        fails the test if none comes within `timeout`."""

        def ack() -> Ack | None:
            return next(
                (a for a in self.acks if a.envelope_id == envelope.envelope_id and a.at >= envelope.sent_at), None
            )

        with self._changed:
            if not self._changed.wait_for(lambda: ack() is not None, timeout):
                raise AssertionError(f"envelope {envelope.envelope_id} was not acknowledged within {timeout} s")
            found = ack()
            assert found is not None
            return found

    def exchange(self, kind: str, payload: dict[str, Any], timeout: float = 10, **options: Any) -> Ack:
        """Delivers an envelope and returns the app's acknowledgement of it."""
        return self.wait_for_ack(self.deliver(kind, payload, timeout=timeout, **options), timeout)

    def acks_of(self, envelope_id: str) -> list[Ack]:
        with self._changed:
            return [a for a in self.acks if a.envelope_id == envelope_id]

    def unacknowledged(self) -> list[Envelope]:
        with self._changed:
            acked = {a.envelope_id for a in self.acks}
            return [e for e in self.envelopes if e.envelope_id not in acked]

    def wait_for_link(self, count: int = 1, timeout: float = 10) -> Link:
        """The newest open link, once at least `count` links were opened (the app reconnected count-1 times)."""

        def ready() -> Link | None:
            if len(self.links) < count:
                return None
            return next((link for link in reversed(self.links) if link.open), None)

        with self._changed:
            if not self._changed.wait_for(lambda: ready() is not None, timeout):
                raise AssertionError(
                    f"the app opened {len(self.links)} Socket Mode connection(s) within {timeout} s, "
                    f"and {count} were expected with one still open"
                )
            link = ready()
            assert link is not None
            return link

    def wait_closed(self, link: Link, timeout: float = 10) -> Link:
        with self._changed:
            if not self._changed.wait_for(lambda: not link.open, timeout):
                raise AssertionError(f"link {link.number} was still open after {timeout} s")
        return link

    def disconnect(
        self, reason: str = "refresh_requested", close: bool = True, grace: float = 0.0, link: Link | None = None
    ) -> Link:
        """Tells the app this link is going away, as Slack does before it rotates connections, then closes it
        after `grace` seconds, or as soon as the app has opened a new link, whichever comes first."""
        link = link or self.wait_for_link()
        ws = self._sockets.get(link.number)
        if ws is None:
            return link
        opened = len(self.links)
        ws.send(json.dumps({"type": "disconnect", "reason": reason, "debug_info": {"host": HOST}}))

        def close_later() -> None:
            with self._changed:
                self._changed.wait_for(lambda: len(self.links) > opened, grace)
            ws.close(1000, "disconnect")

        if close:
            # Closing waits for the app's half of the handshake; the test need not.
            threading.Thread(target=close_later, daemon=True).start()
        return link

    def drop(self, link: Link | None = None, reset: bool = True) -> Link:
        """Loses the link without a close frame, as a network failure or a crashed server would: the TCP
        connection is reset (`reset`), or else shut down in order, with no WebSocket closing handshake."""
        link = link or self.wait_for_link()
        ws = self._sockets.get(link.number)
        if ws is not None:
            if reset:
                # A zero linger turns closing the socket into a reset.
                ws.socket.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                ws.socket.shutdown(socket.SHUT_RDWR)
            ws.close_socket()
        return self.wait_closed(link)
