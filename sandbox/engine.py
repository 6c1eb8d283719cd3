"""The real bot, wired to the workspace emulator: signed requests in, a clock that can be moved, state to show."""

from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.config import load_settings
from bot.runtime import Runtime, build_runtime
from bot.storage.database import migrate, unit_of_work
from sandbox import company, payloads
from sandbox.emulator import DEFAULT_TEAM
from sandbox.simulation import WEEKS, Progress, play
from sandbox.workspace import STATS_CHANNEL, Message, Workspace

log = logging.getLogger(__name__)

SIGNING_SECRET = "sandbox-signing-secret-0123456789"
BOT_TOKEN = "xoxb-sandbox-0000-bot-token"


class Clock:
    """The real time plus how far the sandbox was fast-forwarded; the offset outlives a restart."""

    def __init__(self, path: Path | None, start: datetime | None = None):
        self.path = path
        self.start = start  # a fixed starting instant (tests); else the real time
        self.offset = timedelta(0)
        if path is not None and path.exists():
            self.offset = timedelta(seconds=float(path.read_text() or 0))

    def __call__(self) -> datetime:
        return (self.start or datetime.now(UTC)) + self.offset

    def advance(self, delta: timedelta) -> datetime:
        self.offset += delta
        if self.path is not None:
            self.path.write_text(str(self.offset.total_seconds()))
        return self()

    def reset(self) -> None:
        self.offset = timedelta(0)
        if self.path is not None:
            self.path.unlink(missing_ok=True)


class ActionFailed(Exception):
    """The bot answered with an HTTP error: what the page shows instead of a change."""


class SandboxBot:
    """One workspace, one bot; every method acts as a person would in Slack and waits until the bot is done."""

    def __init__(self, database: Path, start: datetime | None = None, tick_seconds: int = 60):
        self.database = database
        self.clock = Clock(database.with_suffix(database.suffix + ".clock"), start)
        self.tick_seconds = tick_seconds
        self.workspace = Workspace()
        company.add_to_slack(self.workspace)
        self.api_url = self.workspace.start()
        self._lock = threading.RLock()  # one person's action at a time, as the page sends them
        self._wsgi: Callable[..., Iterable[bytes]] | None = None
        self.rt: Runtime | None = None
        self._ticker: Any = None
        self._server: Any = None
        self._stopping = threading.Event()
        # A played program is remembered beside the database, as the clock is, until a reset.
        self._played = database.with_suffix(database.suffix + ".played")
        self.simulation = Progress(played=self._played.exists())
        self._simulation: threading.Thread | None = None
        self._stop_playing = threading.Event()
        self._boot()
        self.url = self._serve_bot()

    # --- lifecycle -----------------------------------------------------------------------------

    def _boot(self) -> None:
        from handlers.app import build_app, build_wsgi
        from scheduler import Ticker

        env = {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": self.api_url,
            "DATABASE_URL": f"sqlite:///{self.database}",
            "MENTOR_PROGRAM_OWNERS": ",".join(company.OWNERS),
        }
        rt = build_runtime(load_settings(env), now=self.clock)
        fresh = not self.database.exists() or self.database.stat().st_size == 0
        migrate(rt.engine)
        if fresh:
            with unit_of_work(rt.sessions) as s:
                report = company.import_hr_file(s, DEFAULT_TEAM, rt.gateway.to(DEFAULT_TEAM), self.clock())
            log.info("sandbox: imported %d people from the demo HR file", report.imported)
        self._wsgi = build_wsgi(build_app(rt), rt)
        self.rt = rt
        if self.tick_seconds > 0:
            self._ticker = Ticker(rt)
            self._ticker.start(self.tick_seconds)

    def _shutdown_bot(self) -> None:
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
        if self.rt is not None:
            self.rt.close()
            self.rt = None

    def _serve_bot(self) -> str:
        from waitress import wasyncore

        from handlers.serve import http_server

        def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            assert self._wsgi is not None
            return self._wsgi(environ, start_response)

        server = self._server = http_server(wsgi)

        def loop() -> None:
            while not self._stopping.is_set():
                wasyncore.loop(timeout=1, map=server._map, count=1)

        self._loop = threading.Thread(target=loop, daemon=True)
        self._loop.start()
        return f"http://127.0.0.1:{self._server.effective_port}/slack/events"

    def close(self) -> None:
        self._stop_playing.set()
        if self._simulation is not None:
            self._simulation.join(timeout=60)
        self._shutdown_bot()
        if self._server is not None:
            self._stopping.set()
            self._server.pull_trigger()
            self._loop.join(timeout=5)
            self._server.close()
            self._server.task_dispatcher.shutdown()
        self.workspace.stop()

    def reset(self) -> None:
        """Forgets everything: a new database, no messages, the clock back to now."""
        if self.simulation.running:
            raise ActionFailed("A program is still playing; reset once it has finished.")
        with self._lock:
            self._shutdown_bot()
            for suffix in ("", "-wal", "-shm"):
                Path(str(self.database) + suffix).unlink(missing_ok=True)
            self.workspace.clear()
            self.clock.reset()
            self._played.unlink(missing_ok=True)
            self.simulation = Progress()
            self._boot()

    # --- talking to the bot --------------------------------------------------------------------

    def _post(self, body: bytes, content_type: str) -> tuple[int, str]:
        request = urllib.request.Request(
            self.url, data=body, method="POST", headers=payloads.signed_headers(SIGNING_SECRET, body, content_type)
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                answered = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            answered = error.code, error.read().decode()
        assert self.rt is not None
        self.rt.sender.settle(timeout=60)
        if answered[0] != 200:
            raise ActionFailed(f"the bot answered {answered[0]}: {answered[1][:200]}")
        return answered

    def _trigger(self, user: str) -> str:
        return self.workspace.issue_trigger(user)

    def command(self, user: str, text: str, channel: str) -> None:
        """`/mentor <text>` typed in `channel`; the bot's own answer shows there, to this person only."""
        text = text.strip().removeprefix("/mentor").strip()
        own_dm = "D" + user[1:]
        if channel == own_dm:
            self.workspace.conversation(own_dm, [user]).name = "Mentor Bot"
        elif channel not in {c.id for c in self.workspace.seen_by(user)}:
            raise ActionFailed("you can't type in that conversation")
        conversation = self.workspace.conversation(channel)
        with self._lock:
            # The answer shows where the command was typed, before whatever the bot posts after it.
            at = len(conversation.messages)
            _, body = self._post(
                payloads.command_form(user, text, channel, conversation.name, self._trigger(user)),
                "application/x-www-form-urlencoded",
            )
            self._show_answer(user, channel, body, at)

    def _show_answer(self, user: str, channel: str, body: str, at: int) -> None:
        if not body.strip():
            return
        try:
            answer = json.loads(body)
        except ValueError:
            answer = {"text": body}
        if isinstance(answer, dict) and (answer.get("text") or answer.get("blocks")):
            ts = f"{self.clock().timestamp():.6f}"
            blocks = answer.get("blocks") or []
            self.workspace.add_message(Message(channel, ts, str(answer.get("text") or ""), blocks, only_for=user), at)

    def click(self, user: str, action: dict[str, Any], channel: str | None = None, ts: str | None = None) -> None:
        """An element used on a message (`channel`, `ts`), or else in the person's open modal or App Home."""
        with self._lock:
            trigger = self._trigger(user)
            if channel and ts:
                message = next((m for m in self.workspace.conversation(channel).messages if m.ts == ts), None)
                if message is None:
                    raise ActionFailed("that message is gone")
                shown = {"ts": message.ts, "text": message.text, "blocks": message.blocks}
                payload = payloads.block_actions(user, action, trigger, message=shown, channel=channel)
            else:
                stack = self.workspace.stacks.get(user)
                view = stack[-1] if stack else self.workspace.homes.get(user)
                if view is None:
                    raise ActionFailed("nothing is open to click on")
                payload = payloads.block_actions(user, action, trigger, view=view)
            self._post(payloads.interactive_form(payload), "application/x-www-form-urlencoded")

    def submit(self, user: str, values: dict[str, Any]) -> dict[str, str]:
        """Submits the person's top modal with these state values; returns the field errors, if any."""
        with self._lock:
            stack = self.workspace.stacks.get(user) or []
            if not stack:
                raise ActionFailed("no modal is open")
            top = stack[-1]
            previous = stack[-2]["id"] if len(stack) > 1 else None
            view = payloads.submitted_view(top, values, stack[0]["id"], previous)
            trigger = self._trigger(user)
            _, body = self._post(
                payloads.interactive_form(payloads.view_submission(user, view, trigger)),
                "application/x-www-form-urlencoded",
            )
            answer = json.loads(body) if body.strip() else {}
            # The bot's answer is held to Slack's rules, as Slack would hold it, against the open modal.
            self.workspace.check_acknowledgement("view_submission", answer, top)
            action = answer.get("response_action")
            with self.workspace.state_lock:
                if action == "errors":
                    return dict(answer.get("errors") or {})
                if action == "clear":
                    stack.clear()
                elif action == "update":
                    stack[-1] = {**answer["view"], "id": top["id"], "hash": top.get("hash"), "state": {"values": {}}}
                elif action == "push":
                    view_id = f"V{self.workspace._views.__next__():08d}"
                    stack.append({**answer["view"], "id": view_id, "hash": f"h{view_id}", "state": {"values": {}}})
                elif top in stack:
                    stack.remove(top)
            return {}

    def close_modal(self, user: str) -> None:
        with self._lock:
            stack = self.workspace.stacks.get(user) or []
            if not stack:
                return
            top = stack.pop()
            if top.get("notify_on_close"):
                view = payloads.submitted_view(top, {}, top["id"], None)
                self._post(
                    payloads.interactive_form(payloads.view_closed(user, view)), "application/x-www-form-urlencoded"
                )

    def open_home(self, user: str) -> None:
        with self._lock:
            self._post(payloads.app_home_opened(user), "application/json")

    def fast_forward(self, days: int) -> datetime:
        """Moves the bot's clock, then runs a scheduler tick at the new time."""
        from scheduler import Ticker

        with self._lock:
            now = self.clock.advance(timedelta(days=days))
            assert self.rt is not None
            Ticker(self.rt).tick_once(now)
            self.rt.sender.settle(timeout=60)
            return now

    # --- a whole program, played ---------------------------------------------------------------

    def simulate(self, user: str) -> None:
        """Starts playing a seeded 12-week program as the demo company; `simulation` tells how far it got."""
        with self._lock:  # one start at a time, and none while a program plays (it holds the lock)
            if self.simulation.running:
                raise ActionFailed("A program is already playing: watch it here, it takes a few seconds.")
            if self.simulation.played:
                raise ActionFailed(
                    "This sandbox has already played its program: try /mentor stats, or Reset to play it again."
                )
            assert self.rt is not None
            now = self.clock()
            if not self.rt.owners.owned(DEFAULT_TEAM, user, self.rt.programs.all_open(DEFAULT_TEAM, now), now):
                owners = " or ".join(company.BY_ID[u].name for u in company.OWNERS)
                raise ActionFailed(f"Only a program owner can play a program: choose {owners} under “You are”.")
            self.simulation = Progress(running=True)
            self._simulation = threading.Thread(target=self._play, name="sandbox-simulation", daemon=True)
            self._simulation.start()

    def _play(self) -> None:
        progress = self.simulation
        try:
            with self._lock:
                play(self, progress, self._stop_playing)
            if not self._stop_playing.is_set():
                self._played.write_text(self.clock().isoformat())
                progress.played = True
                progress.note = (
                    f"{WEEKS} weeks played, to {self.clock():%d %b %Y}. "
                    "Run /mentor stats in #mentoring-stats, or open App Home for the dashboard."
                )
        except Exception:  # noqa: BLE001 - the page says it stopped; the log has the detail
            log.exception("sandbox: the simulated program stopped")
            progress.note = "The simulated program stopped part-way; the log says why. Reset to start again."
        finally:
            progress.running = False

    def wait_for_simulation(self, timeout: float) -> bool:
        """Whether the program finished playing within `timeout` seconds (True if none was playing)."""
        thread = self._simulation
        if thread is not None:
            thread.join(timeout)
        return not self.simulation.running

    # --- what a person sees --------------------------------------------------------------------

    def modal_of(self, user: str) -> dict[str, Any] | None:
        with self.workspace.state_lock:
            stack = self.workspace.stacks.get(user)
            return stack[-1] if stack else None

    def people(self) -> list[dict[str, Any]]:
        return [
            {
                "id": e.user_id,
                "name": e.name,
                "title": e.title,
                "department": e.department,
                "tz": e.tz,
                "owner": e.owner,
            }
            for e in company.EMPLOYEES
        ]

    def view_of(self, user: str) -> dict[str, Any]:
        ws = self.workspace
        with ws.state_lock:
            conversations = []
            for c in ws.seen_by(user):
                messages = [
                    {
                        "ts": m.ts,
                        "text": m.text,
                        "blocks": m.blocks,
                        "user": m.user,
                        "ephemeral": m.only_for is not None,
                        "file": m.file,
                        "title": m.title,
                    }
                    for m in c.messages
                    if m.only_for in (None, user)
                ]
                if c.id.startswith("C") or messages:
                    conversations.append({"id": c.id, "name": c.name, "members": c.members, "messages": messages})
            stack = ws.stacks.get(user) or []
            return {
                "now": self.clock().isoformat(),
                "user": user,
                "conversations": conversations,
                "home": ws.homes.get(user),
                "modal": stack[-1] if stack else None,
                "depth": len(stack),
                "names": {uid: ws.name_of(uid) for uid in ws.users} | {"UMENTORBOT": "Mentor Bot"},
                "channels": {c.id: c.name for c in ws.conversations.values()},
                "stats_channel": STATS_CHANNEL,
                "simulation": self.simulation.as_dict(),
            }
