"""The `mentor-bot` command as an operator runs it: config errors, HTTP serving, signals, ticks."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest

from bot.storage.models import Delivery
from tests.conftest import SIGNING_SECRET, bot_env
from tests.flows import MENTOR, offer, proposals_to, request, rows
from tests.slackclient import SlackClientSim

ROOT = Path(__file__).resolve().parent.parent


def run_cli(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_", "PORT", "MENTOR_"))}
    clean["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**clean, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"SLACK_BOT_TOKEN": ""}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxp-user-token"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_SIGNING_SECRET": ""}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_APP_TOKEN": "xoxb-wrong-kind"}, "SLACK_APP_TOKEN"),
        ({"PORT": "eighty"}, "PORT"),
        ({"PORT": "70000"}, "PORT"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"DATABASE_URL": "mysql://x@y/z"}, "DATABASE_URL"),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL"),
        (
            {"DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none", "DATABASE_STARTUP_TIMEOUT": "1"},
            "DATABASE_URL",
        ),
        ({"DATABASE_STATEMENT_TIMEOUT": "forever"}, "DATABASE_STATEMENT_TIMEOUT"),
        ({"DATABASE_STARTUP_TIMEOUT": "0"}, "DATABASE_STARTUP_TIMEOUT"),
        ({"SLACK_API_URL": "ftp://example"}, "SLACK_API_URL"),
        ({"MENTOR_PROGRAM_OWNERS": "U123,dana@example.com"}, "MENTOR_PROGRAM_OWNERS"),
    ],
)
def test_bad_configuration_stops_with_one_line_naming_the_variable(change, named, fake_slack, tmp_path):
    env = {**bot_env(fake_slack, f"sqlite:///{tmp_path}/bot.db"), **change}
    result = run_cli(["run"], env, tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_a_revoked_token_is_reported_in_one_line(fake_slack, tmp_path):
    env = bot_env(fake_slack, f"sqlite:///{tmp_path}/bot.db")
    fake_slack.revoked_tokens.add(env["SLACK_BOT_TOKEN"])
    result = run_cli(["run"], env, tmp_path)
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN" in result.stderr and "invalid_auth" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_settings_can_come_from_a_dotenv_file(fake_slack, tmp_path):
    env = bot_env(fake_slack, f"sqlite:///{tmp_path}/bot.db")
    (tmp_path / ".env").write_text("".join(f"{k}={v}\n" for k, v in env.items()))
    result = run_cli(["migrate"], {}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "bot.db").exists()


@contextmanager
def running_bot(env: dict[str, str], cwd: Path, args: tuple[str, ...] = ("run",)) -> Iterator[subprocess.Popen]:
    """The bot as a child process; on leaving, it must stop with exit code 0 on SIGTERM."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_", "PORT"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        env={**clean, **env, "PYTHONPATH": str(ROOT)},
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield process
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def wait_for(condition: Callable[[], bool], process: subprocess.Popen, what: str) -> None:
    deadline = time.time() + 30
    while not condition():
        assert process.poll() is None, f"the bot exited before {what}"
        assert time.time() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def test_http_mode_serves_health_and_signed_commands_and_stops_on_sigterm(fake_slack, database_url, tmp_path):
    port = free_port()
    with running_bot({**bot_env(fake_slack, database_url), "PORT": str(port)}, tmp_path) as process:
        wait_for(lambda: healthy(port), process, "/healthz answered 200")
        slack = SlackClientSim(f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET, fake_slack)
        help_response = slack.command(MENTOR, "help")
        assert help_response.status == 200 and "/mentor request" in help_response.json()["text"]
        assert slack.post(b"command=%2Fmentor", "application/x-www-form-urlencoded", secret="nope").status == 401


def test_the_served_bot_refuses_a_body_larger_than_any_slack_payload_before_reading_it(fake_slack, tmp_path):
    port = free_port()
    env = {**bot_env(fake_slack, f"sqlite:///{tmp_path}/bot.db"), "PORT": str(port)}
    with running_bot(env, tmp_path) as process:
        wait_for(lambda: healthy(port), process, "/healthz answered 200")
        # Only the headers and 1 KiB are sent: the answer must come without the server waiting for the rest.
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.putrequest("POST", "/slack/events")
        conn.putheader("Content-Type", "application/x-www-form-urlencoded")
        conn.putheader("Content-Length", str(100 * 1024 * 1024))
        conn.endheaders()
        conn.send(b"x" * 1024)
        assert conn.getresponse().status == 413
        conn.close()


def test_socket_mode_asks_the_configured_web_api_for_its_connection(fake_slack, tmp_path):
    env = {
        **bot_env(fake_slack, f"sqlite:///{tmp_path}/bot.db"),
        "SLACK_APP_TOKEN": "xapp-1-A1-123-abc",
        "SLACK_SIGNING_SECRET": "",
    }
    with running_bot(env, tmp_path, args=()) as process:
        wait_for(lambda: bool(fake_slack.calls_to("apps.connections.open")), process, "apps.connections.open")
        opened = [c for c in fake_slack.calls if c.method == "apps.connections.open"][0]
        assert opened.token == "xapp-1-A1-123-abc"


def test_tick_at_sends_what_is_due_then_and_nothing_twice(bot, tmp_path):
    offer(bot, MENTOR)
    bot.fake.fail("chat.postMessage", status=429, retry_after=3600, times=1)
    request(bot)
    row = rows(bot, Delivery, Delivery.kind == "proposal")[0]
    env = bot_env(bot.fake, str(bot.rt.engine.url.render_as_string(hide_password=False)))
    early = (row.created_at + timedelta(minutes=5)).isoformat()
    assert "sent 0," in run_cli(["tick", "--at", early], env, tmp_path).stdout
    later = (row.created_at + timedelta(hours=2)).isoformat()
    result = run_cli(["tick", "--at", later], env, tmp_path)
    assert result.returncode == 0 and "sent 2," in result.stdout, result.stderr
    assert "sent 0," in run_cli(["tick", "--at", later], env, tmp_path).stdout
    assert len(proposals_to(bot, MENTOR)) == 1


def test_tick_rejects_a_malformed_instant(fake_slack, tmp_path):
    result = run_cli(["tick", "--at", "next tuesday"], bot_env(fake_slack, f"sqlite:///{tmp_path}/b.db"), tmp_path)
    assert result.returncode == 2 and "ISO-8601" in result.stderr
