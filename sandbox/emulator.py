"""A Slack Web API emulator on loopback: real HTTP, realistic answers, recorded calls, injectable faults.

It is strict: a call real Slack would refuse (an unknown method, a missing argument, invalid Block Kit, a
spent or expired trigger id, an update to a message it never posted) gets Slack's error, and is kept in
`refusals` so a test can say nothing was refused. The rules live in sandbox/emulator_rules.py.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from sandbox import emulator_rules as rules
from sandbox.emulator_oauth import OAuthInstalls
from sandbox.emulator_rules import Refusal, Triggers
from sandbox.emulator_socket import SocketModeEmulator

BOT_USER = "UMENTORBOT"
DEFAULT_TEAM = "TAAAA0001"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None
    # The emulator's clock (time.monotonic unless a test gives another) when the call reached the server,
    # before any latency: when the app asked.
    at: float = 0.0


@dataclass
class Fault:
    method: str
    status: int
    error: str
    retry_after: int | None
    remaining: int


@dataclass
class FakeSlack:
    calls: list[Call] = field(default_factory=list)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    gone_users: set[str] = field(default_factory=set)
    revoked_tokens: set[str] = field(default_factory=set)
    # A share of calls (0..1) answered 429 with Retry-After.
    storm_share: float = 0.0
    storm_retry_after: int = 1
    uploads: dict[str, bytes] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)  # email -> user id
    # Seconds added before every Web API answer, as a slow Slack would.
    latency: float = 0.0
    # Socket Mode: apps.connections.open hands out links to this server (started on first use).
    socket: SocketModeEmulator = field(default_factory=SocketModeEmulator)
    # Calls refused as real Slack would refuse them, oldest first.
    refusals: list[Refusal] = field(default_factory=list)
    # The emulator's wall clock (seconds, like time.monotonic): when calls arrive and trigger ids age.
    clock: Callable[[], float] = time.monotonic
    # OAuth installs: codes a test grants, exchanged by oauth.v2.access for per-workspace tokens.
    oauth: OAuthInstalls = field(default_factory=OAuthInstalls)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._triggers = Triggers(self.clock)
        self._posted: dict[str, str] = {}  # ts -> channel of every message chat.postMessage took
        self._opened: dict[str, dict[str, Any]] = {}  # view id -> the view as Slack holds it
        self._ts = itertools.count(1)
        self._views = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._storm = random.Random(7)
        # hold_answers(): which method, after how many answers, and who is waiting for release().
        self._hold: tuple[str, int] | None = None
        self._answered: dict[str, int] = {}
        self._held = threading.Semaphore(0)
        self._release = threading.Event()

    # --- setup ---------------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        name: str | None = None,
        tz: str = "Europe/London",
        tz_offset: int = 0,
        is_admin: bool = False,
        team_id: str = DEFAULT_TEAM,
    ) -> None:
        name = name or user_id.lower()
        self.users[user_id] = {
            "id": user_id,
            "team_id": team_id,
            "name": name,
            "real_name": name.title(),
            "deleted": False,
            "tz": tz,
            "tz_label": tz,
            "tz_offset": tz_offset,
            "is_admin": is_admin,
            "is_owner": False,
            "is_primary_owner": False,
            "is_bot": False,
            "profile": {"real_name": name.title(), "display_name": name},
        }

    @property
    def triggers(self) -> dict[str, str]:
        """Trigger ids issued to the app (id -> user); views.open and views.push accept only these."""
        return self._triggers

    @triggers.setter
    def triggers(self, issued: dict[str, str]) -> None:
        # A plain mapping assigned here is taken as ids issued now, so their lifetime still counts.
        self._triggers = Triggers(self.clock)
        for trigger_id, user in issued.items():
            self._triggers[trigger_id] = user

    def latest_ts(self, channel: str) -> str | None:
        """The ts of the newest message chat.postMessage put in `channel`, if any."""
        with self._lock:
            return next((ts for ts, where in reversed(self._posted.items()) if where == channel), None)

    def issue_trigger(self, user: str) -> str:
        """A trigger id for one action by `user`, as Slack puts in a command, click or submission payload."""
        return self._triggers.issue(user)

    def fail(
        self, method: str, status: int = 429, times: int = 1, retry_after: int | None = 1, error: str = "ratelimited"
    ) -> None:
        with self._lock:
            self.faults.append(Fault(method, status, error, retry_after, times))

    def hold_answers(self, method: str, after: int = 0) -> None:
        """Answer `after` calls to `method`, then take later calls but keep their answers until release().

        A held call is recorded as Slack accepting it, so a sender stopped while it waits is exactly the
        process that dies after Slack took a message and before it heard back.
        """
        self._hold = (method, after)

    def wait_until_held(self, count: int = 1, timeout: float = 60) -> None:
        """Returns once `count` answers are being held: that many senders are waiting on this server."""
        for _ in range(count):
            if not self._held.acquire(timeout=timeout):
                raise AssertionError(f"no call to {self._hold} was held within {timeout} s")

    def release(self) -> None:
        """Sends every held answer and stops holding."""
        self._release.set()

    # --- reading -------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        with self._lock:
            return [c.args for c in self.calls if c.method == method]

    def posts_to(self, channel: str) -> list[dict[str, Any]]:
        """Messages that reached `channel` (calls answered with an error are left out)."""
        return [a for a in self.calls_to("chat.postMessage") if a.get("channel") == channel and "_ts" in a]

    def reset_calls(self) -> None:
        with self._lock:
            self.calls.clear()

    def check_acknowledgement(self, kind: str, body: Any, view: dict[str, Any] | None = None) -> Refusal | None:
        """Holds what the app answered in an acknowledgement (of a `kind` payload: "slash_commands",
        "view_submission", ...) to Slack's rules; a refusal is kept with the others.

        `view` is the submitted view. Field errors are checked against that view as this emulator holds it
        (Slack checks its own copy), so a view it never opened leaves them unchecked.
        """
        view_id = str((view or {}).get("id"))
        with self._lock:
            held = self._opened.get(view_id)
        refusal = rules.acknowledgement_refusal(kind, body, held)
        if refusal is not None:
            self._refuse(refusal)
        elif held is not None and isinstance(body, dict) and body.get("response_action") == "update":
            with self._lock:
                self._opened[view_id] = {**body["view"], "id": view_id, "hash": f"{held.get('hash')}.u"}
        return refusal

    def take_refusals(self) -> list[Refusal]:
        """The refusals so far, forgotten here: for a test that provokes them on purpose."""
        with self._lock:
            taken = list(self.refusals)
            self.refusals.clear()
        return taken

    # --- serving -------------------------------------------------------------------------

    def start(self) -> str:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                """The emulator's own controls, for a process that can't reach this object (a benchmark):
                `/_emulator/trigger?user=U…` issues a trigger id for that person's next action, and
                `/_emulator/latest?channel=…` names the newest message posted in a channel."""
                path, _, query = self.path.partition("?")
                asked = {k: v[0] for k, v in parse_qs(query).items()}
                if path == "/_emulator/trigger" and asked.get("user"):
                    answer: dict[str, Any] = {"trigger_id": fake.issue_trigger(asked["user"])}
                elif path == "/_emulator/latest" and asked.get("channel"):
                    answer = {"ts": fake.latest_ts(asked["channel"])}
                else:
                    self.send_error(404)
                    return
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                method = self.path.split("?")[0].rsplit("/", 1)[-1]
                length = int(self.headers.get("Content-Length") or 0)
                if self.path.startswith("/upload/"):
                    fake.uploads[method] = self.rfile.read(length)
                    self.send_response(200)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"OK")
                    return
                raw = self.rfile.read(length).decode()
                args = fake._parse(raw, self.headers.get("Content-Type", ""))
                authorization = self.headers.get("Authorization") or ""
                if method == "oauth.v2.access":
                    # The app proves itself with its client id and secret, not a token.
                    fake.calls.append(Call(method, args, None, fake.clock()))
                    answer = fake.oauth.exchange(args, authorization)
                    data = json.dumps(answer).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                token = authorization.removeprefix("Bearer ").strip() or args.get("token")
                arrived = fake.clock()
                if fake.latency > 0:
                    time.sleep(fake.latency)
                status, headers, body = fake._answer(method, args, token, arrived)
                fake._wait_if_held(method)
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except ConnectionError:
                    pass  # the caller is gone (a killed process whose answer was held)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        # A short poll keeps stop() quick: shutdown() waits for the loop to look at its flag.
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/"

    def stop(self) -> None:
        self._release.set()
        self.socket.stop()
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def _wait_if_held(self, method: str) -> None:
        with self._lock:
            if self._hold is None or self._hold[0] != method or self._release.is_set():
                return
            self._answered[method] = self._answered.get(method, 0) + 1
            if self._answered[method] <= self._hold[1]:
                return
        self._held.release()
        self._release.wait(timeout=120)

    @staticmethod
    def _parse(raw: str, content_type: str) -> dict[str, Any]:
        if "json" in content_type:
            return json.loads(raw or "{}")
        args: dict[str, Any] = {k: v[0] for k, v in parse_qs(raw).items()}
        for key in ("blocks", "view", "attachments"):
            if isinstance(args.get(key), str):
                try:
                    args[key] = json.loads(args[key])
                except ValueError:
                    pass
        return args

    def _answer(
        self, method: str, args: dict[str, Any], token: str | None, arrived: float | None = None
    ) -> tuple[int, dict[str, str], dict]:
        arrived = self.clock() if arrived is None else arrived
        with self._lock:
            self.calls.append(Call(method, args, token, arrived))
            if self.storm_share and method == "chat.postMessage" and self._storm.random() < self.storm_share:
                return 429, {"Retry-After": str(self.storm_retry_after)}, {"ok": False, "error": "ratelimited"}
            for fault in self.faults:
                if fault.method in (method, "*") and fault.remaining > 0:
                    fault.remaining -= 1
                    headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
                    return fault.status, headers, {"ok": False, "error": fault.error}
        if not rules.is_known(method):
            return 200, {}, self._refuse(Refusal(method, "unknown_method", (), args))
        if not token:
            return 200, {}, {"ok": False, "error": "not_authed"}
        if token in self.revoked_tokens:
            return 200, {}, {"ok": False, "error": "invalid_auth"}
        # Slack takes an app-level token for apps.connections.open only, and only an app-level token there.
        if (method == "apps.connections.open") != token.startswith("xapp-") and method != "auth.test":
            return 200, {}, {"ok": False, "error": "not_allowed_token_type"}
        refused = rules.refusal(method, args) or self._stale(method, args, arrived)
        if refused is not None:
            return 200, {}, self._refuse(refused)
        install = self.oauth.holder(token)
        if method == "auth.test" and install is not None:
            return 200, {}, install.auth_test()
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        answer: dict[str, Any] = handler(args) if handler else {"ok": True}
        if method == "chat.postMessage" and answer.get("ok"):
            # Remember where the message landed, so a test can click its buttons.
            args["_channel"], args["_ts"] = answer["channel"], answer["ts"]
            with self._lock:
                self._posted[answer["ts"]] = answer["channel"]
        if method in ("views.open", "views.push") and answer.get("ok"):
            args["_view_id"] = answer["view"]["id"]
        if method.startswith("views.") and answer.get("ok"):
            with self._lock:
                self._opened[answer["view"]["id"]] = answer["view"]
        return 200, {}, answer

    def _refuse(self, refusal: Refusal) -> dict[str, Any]:
        with self._lock:
            self.refusals.append(refusal)
        return refusal.answer()

    def _stale(self, method: str, args: dict[str, Any], arrived: float) -> Refusal | None:
        """Refusals that depend on what happened before: spent or expired trigger ids, unknown messages
        and views, files that were never uploaded."""
        if method in ("views.open", "views.push"):
            return self._triggers.exchange(method, args, arrived)
        if method == "chat.update":
            with self._lock:
                channel = self._posted.get(str(args["ts"]))
            if channel == args["channel"]:
                return None
            # Slack finds a message by its channel and ts: the ts alone, in another channel, is not it.
            return Refusal(method, "message_not_found" if channel is None else "channel_not_found", (), args)
        if method == "views.update":
            with self._lock:
                view_id = args.get("view_id") or next(
                    (i for i, v in self._opened.items() if args.get("external_id") == v.get("external_id")), None
                )
                shown = self._opened.get(str(view_id))
            if shown is None:
                return Refusal(method, "not_found", (), args)
            if args.get("hash") and args["hash"] != shown.get("hash"):
                return Refusal(method, "hash_conflict", (), args)
        if method == "files.completeUploadExternal":
            files = rules.json_argument(args["files"])
            if any(f["id"] not in self.uploads for f in files):
                return Refusal(method, "file_not_found", (), args)
        return None

    # --- methods -------------------------------------------------------------------------

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://fake.slack.test/",
            "team": "Fake",
            "user": "mentorbot",
            "team_id": DEFAULT_TEAM,
            "user_id": BOT_USER,
            "bot_id": "BMENTORBOT",
            "is_enterprise_install": False,
        }

    def _files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F{next(self._views):08d}"
        assert self._server is not None
        return {
            "ok": True,
            "file_id": file_id,
            "upload_url": f"http://127.0.0.1:{self._server.server_address[1]}/upload/{file_id}",
        }

    def _files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        files = args.get("files")
        files = json.loads(files) if isinstance(files, str) else files
        return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files or []]}

    def _users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        members = [u for u in self.users.values() if u["id"] not in self.gone_users]
        return {"ok": True, "members": members, "response_metadata": {"next_cursor": ""}}

    def _users_lookupByEmail(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = self.emails.get(str(args.get("email", "")).lower())
        if not user_id:
            return {"ok": False, "error": "users_not_found"}
        if user_id not in self.users:
            self.add_user(user_id)
        return {"ok": True, "user": self.users[user_id]}

    def _apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": self.socket.new_link_url()}

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = args.get("user", "")
        if user_id in self.gone_users:
            return {"ok": False, "error": "user_not_found"}
        if user_id not in self.users:
            self.add_user(user_id)
        return {"ok": True, "user": self.users[user_id]}

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        users = sorted(u for u in str(args.get("users", "")).split(",") if u)
        if any(u in self.gone_users for u in users):
            return {"ok": False, "error": "user_not_found"}
        if len(users) == 1:
            return {"ok": True, "channel": {"id": "D" + users[0][1:]}}
        # One group DM per set of people: its id comes from all their user ids, so no two pairs share one.
        return {"ok": True, "channel": {"id": "G" + hashlib.sha1(",".join(users).encode()).hexdigest()[:10].upper()}}

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel", ""))
        if channel in self.gone_users:
            return {"ok": False, "error": "user_not_found"}
        if channel.startswith(("U", "W")):
            channel = "D" + channel[1:]
        ts = f"1700000000.{next(self._ts):06d}"
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "message": {"type": "message", "text": args.get("text"), "blocks": args.get("blocks"), "ts": ts},
        }

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "channel": args.get("channel"), "ts": args.get("ts"), "text": args.get("text")}

    def _chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "message_ts": f"1700000000.{next(self._ts):06d}"}

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        view = args.get("view")
        view = json.loads(view) if isinstance(view, str) else dict(view or {})
        view_id = f"V{next(self._views):08d}"
        return {"ok": True, "view": {**view, "id": view_id, "hash": f"h{view_id}", "state": {"values": {}}}}

    _views_publish = _views_open
    _views_push = _views_open

    def _views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view = args.get("view")
        view = json.loads(view) if isinstance(view, str) else dict(view or {})
        with self._lock:
            view_id = args.get("view_id") or next(
                i for i, v in self._opened.items() if args.get("external_id") == v.get("external_id")
            )
            shown = self._opened[str(view_id)]
        view_hash = f"h{view_id}.{next(self._views)}"
        return {"ok": True, "view": {**view, "id": view_id, "hash": view_hash, "state": shown.get("state")}}
