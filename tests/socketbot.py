"""The real bot in Socket Mode against the Slack emulator, and a Slack client that speaks to it by envelope.

`running_socket_bot` runs what `mentor-bot run` runs with SLACK_APP_TOKEN set (the Runtime, the Bolt app and
handlers.serve.SocketModeService) in a thread, connected to the emulator in tests/fakeslack_socket.py.
`SocketSlack` sends the same payloads the HTTP tests post (tests/slackclient.py builds them) as
`slash_commands`, `interactive` and `events_api` envelopes, and returns the app's acknowledgement.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from bot.config import load_settings
from bot.runtime import Runtime, build_runtime
from handlers.app import build_app
from handlers.serve import SocketModeService
from tests.conftest import Clock, bot_env
from tests.fakeslack import DEFAULT_TEAM, FakeSlack
from tests.fakeslack_socket import Ack
from tests.slackclient import SlackClientSim, fixture

APP_TOKEN = "xapp-1-A0MENTORBOT-1234567890-abcdef"

T = TypeVar("T")


def eventually(check: Callable[[], T], timeout: float = 10, what: str = "the expected state") -> T:
    """Polls `check` until it returns something truthy, and returns that; fails after `timeout` seconds.

    Work a listener hands to the background sender happens after the acknowledgement, so a test looks for
    its messages this way instead of expecting them the moment the ack arrives.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s (last seen: {value!r})")
        time.sleep(0.02)


def stays(check: Callable[[], T], seconds: float = 0.5) -> T:
    """Checks that `check` keeps returning something truthy for `seconds`: nothing late undoes it."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        assert value, f"the state changed within {seconds} s (now: {value!r})"
        if time.monotonic() > deadline:
            return value
        time.sleep(0.02)


class SocketSlack:
    """Plays Slack's side of Socket Mode: envelopes in, acknowledgements back."""

    def __init__(self, fake: FakeSlack):
        self.fake = fake
        # Only its payload builders are used; nothing is posted over HTTP.
        self.payloads = SlackClientSim("http://127.0.0.1:9/unused", "", fake)

    # --- payloads, as Slack puts them in envelopes ---------------------------------------

    def command_payload(self, user: str, text: str = "", team: str = DEFAULT_TEAM) -> dict[str, Any]:
        form = self.payloads.command_body(user, text, team).decode()
        return dict(parse_qsl(form, keep_blank_values=True))

    def button_payload(self, post: dict[str, Any], label: str, user: str, team: str = DEFAULT_TEAM) -> dict[str, Any]:
        """A click on the button with this label, on a message the bot posted (a recorded chat.postMessage)."""
        for block in post.get("blocks") or []:
            for element in block.get("elements", []):
                if element.get("type") == "button" and element["text"]["text"] == label:
                    return self.payloads.click_payload(
                        user,
                        element["action_id"],
                        element.get("value"),
                        team=team,
                        channel=post.get("_channel"),
                        ts=post.get("_ts"),
                    )
        raise AssertionError(f"no button labelled {label!r} in {post.get('text')!r}")

    def event_payload(self, event: dict[str, Any], team: str = DEFAULT_TEAM, event_id: str = "") -> dict[str, Any]:
        payload = fixture("app_home_opened.json")
        payload["team_id"] = team
        payload["event"] = event
        if event_id:
            payload["event_id"] = event_id
        return payload

    # --- exchanges -----------------------------------------------------------------------

    def command(self, user: str, text: str = "", team: str = DEFAULT_TEAM) -> Ack:
        return self.fake.socket.exchange("slash_commands", self.command_payload(user, text, team))

    def click_button(self, post: dict[str, Any], label: str, user: str, team: str = DEFAULT_TEAM) -> Ack:
        return self.fake.socket.exchange("interactive", self.button_payload(post, label, user, team))

    def submit(self, view: dict[str, Any], values: dict[str, Any], user: str, team: str = DEFAULT_TEAM) -> Ack:
        return self.fake.socket.exchange("interactive", self.payloads.submission(view, values, user, team))

    def event(self, event: dict[str, Any], team: str = DEFAULT_TEAM) -> Ack:
        return self.fake.socket.exchange("events_api", self.event_payload(event, team))

    def opened_view(self, callback_id: str) -> dict[str, Any]:
        """The newest modal the bot opened with this callback_id (views.open comes before the ack)."""
        return self.payloads.opened_view(callback_id)


@dataclass
class SocketBot:
    """The running bot, shaped like tests.conftest.RunningBot so that tests/flows.py helpers apply."""

    rt: Runtime
    fake: FakeSlack
    clock: Clock
    slack: SocketSlack
    service: SocketModeService
    thread: threading.Thread
    slept: list[float] = field(default_factory=list)


@contextmanager
def running_socket_bot(fake: FakeSlack, database_url: str) -> Iterator[SocketBot]:
    """The bot connected to the emulator until the block ends; then stopped as SIGTERM stops it."""
    clock = Clock()
    slept: list[float] = []
    settings = load_settings(bot_env(fake, database_url, SLACK_APP_TOKEN=APP_TOKEN))
    rt = build_runtime(settings, now=clock, sleep=slept.append)
    service = SocketModeService(rt, build_app(rt))
    thread = threading.Thread(target=service.run, name="socket-mode", daemon=True)
    thread.start()
    try:
        fake.socket.wait_for_link()
        yield SocketBot(rt, fake, clock, SocketSlack(fake), service, thread, slept)
    finally:
        service.stop()
        thread.join(timeout=10)
        rt.close()
    assert not thread.is_alive(), "SocketModeService.run() did not return after stop()"
