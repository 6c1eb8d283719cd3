"""`mentor-bot run` as a new user starts it from the README: .env from .env.example, against the Slack emulator.

In Socket Mode it connects, answers over the socket and, on SIGTERM, closes the socket with a close frame
and exits 0; with SLACK_APP_TOKEN emptied it serves HTTP instead; a refused app token stops it with one line.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import SIGNING_SECRET, bot_env
from tests.flows import MENTEE
from tests.slackclient import Response, SlackClientSim
from tests.socketbot import APP_TOKEN, SocketSlack, eventually

ROOT = Path(__file__).resolve().parent.parent


def start_process(env: dict[str, str], cwd: Path) -> subprocess.Popen:
    """`mentor-bot run` in `cwd`, with only `env` (and cwd's .env) for settings."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_", "PORT", "MENTOR_"))}
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        env={**clean, **env, "PYTHONPATH": str(ROOT)},
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=open(cwd / "stderr.log", "w"),  # noqa: SIM115 - the child holds it
    )


def dotenv_from_example(folder: Path, **values: str) -> None:
    """The .env a new user makes: .env.example copied, with the README's blanks filled in, and nothing else."""
    lines = []
    for line in (ROOT / ".env.example").read_text().splitlines():
        name = line.partition("=")[0]
        lines.append(f"{name}={values.pop(name)}" if not line.startswith("#") and name in values else line)
    assert not values, f"not in .env.example: {sorted(values)}"
    (folder / ".env").write_text("\n".join(lines) + "\n")


def test_the_quickstart_runs_in_socket_mode_and_sigterm_closes_the_socket_cleanly(fake_slack, tmp_path):
    # README: fill in SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and SLACK_APP_TOKEN; the emulator stands in for Slack.
    dotenv_from_example(
        tmp_path,
        SLACK_BOT_TOKEN="xoxb-1111-2222-testtoken",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_APP_TOKEN=APP_TOKEN,
        SLACK_API_URL=fake_slack.url,  # type: ignore[attr-defined]
    )
    process = start_process({}, tmp_path)
    try:
        link = fake_slack.socket.wait_for_link(timeout=30)
        ack = SocketSlack(fake_slack).command(MENTEE, "help")
        assert ack.payload is not None and "/mentor request" in ack.payload["text"]
        signalled = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0, (tmp_path / "stderr.log").read_text()
        assert time.monotonic() - signalled < 5
        fake_slack.socket.wait_closed(link, timeout=1)
        # The bot began the WebSocket closing handshake (code 1000) and did not reconnect.
        assert (link.close_from_app, link.closed_by) == ((1000, ""), "app")
        assert len(fake_slack.calls_to("apps.connections.open")) == 1
        assert (tmp_path / "mentor-bot.db").exists()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_the_quickstart_with_the_app_token_emptied_serves_http(fake_slack, tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    dotenv_from_example(
        tmp_path,
        SLACK_BOT_TOKEN="xoxb-1111-2222-testtoken",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_APP_TOKEN="",
        SLACK_API_URL=fake_slack.url,  # type: ignore[attr-defined]
        PORT=str(port),
    )
    process = start_process({}, tmp_path)
    try:
        slack = SlackClientSim(f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET, fake_slack)
        answer = eventually(lambda: _answered(slack), timeout=30, what="an answer on PORT")
        assert answer.status == 200 and "/mentor request" in answer.json()["text"]
        assert fake_slack.calls_to("apps.connections.open") == []
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0, (tmp_path / "stderr.log").read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _answered(slack: SlackClientSim) -> Response | None:
    try:
        return slack.command(MENTEE, "help")
    except OSError:
        return None


def test_a_refused_app_token_stops_the_bot_with_a_line_naming_it(fake_slack, tmp_path):
    env = {**bot_env(fake_slack, f"sqlite:///{tmp_path}/bot.db"), "SLACK_APP_TOKEN": APP_TOKEN}
    fake_slack.revoked_tokens.add(APP_TOKEN)
    process = start_process(env, tmp_path)
    try:
        assert process.wait(timeout=30) == 2
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    stderr = (tmp_path / "stderr.log").read_text()
    assert "mentor-bot: SLACK_APP_TOKEN was refused by Slack (invalid_auth)" in stderr
    assert "Traceback" not in stderr


def test_the_readme_oauth_mode_serves_installs_and_then_the_installed_workspace(fake_slack, tmp_path):
    from urllib.parse import urlencode
    from urllib.request import Request, urlopen

    from sandbox.emulator_oauth import CLIENT_ID, CLIENT_SECRET

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # README, "One workspace, or many": empty the two tokens, set the client id and secret.
    dotenv_from_example(
        tmp_path,
        SLACK_BOT_TOKEN="",
        SLACK_APP_TOKEN="",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET=CLIENT_SECRET,
        SLACK_API_URL=fake_slack.url,  # type: ignore[attr-defined]
        PORT=str(port),
    )
    process = start_process({}, tmp_path)
    base = f"http://127.0.0.1:{port}"

    def install_page() -> tuple[str, str] | None:
        try:
            with urlopen(f"{base}/slack/install", timeout=5) as page:
                return page.read().decode(), page.headers.get("Set-Cookie", "")
        except OSError:
            return None

    try:
        page, cookie = eventually(install_page, timeout=30, what="the install page")
        state = page.split("state=", 1)[1].split('"', 1)[0].split("&", 1)[0]
        code = fake_slack.oauth.grant("T0NEWTEAM1")
        back = Request(
            f"{base}/slack/oauth_redirect?" + urlencode({"code": code, "state": state}),
            headers={"Cookie": cookie.split(";")[0]},
        )
        with urlopen(back, timeout=10) as done:
            assert "mentor-bot is installed" in done.read().decode()
        slack = SlackClientSim(f"{base}/slack/events", SIGNING_SECRET, fake_slack)
        answer = slack.command(MENTEE, "help", team="T0NEWTEAM1")
        assert answer.status == 200 and "/mentor request" in answer.json()["text"]
        assert "isn't installed" in slack.command(MENTEE, "help", team="T0NOTHERE1").body
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0, (tmp_path / "stderr.log").read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
