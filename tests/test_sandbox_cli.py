"""The README's run command with no Slack credentials starts the sandbox, and says so in one line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.test_cli import ROOT, free_port


def test_run_without_credentials_starts_the_sandbox_and_says_how_to_connect_slack(tmp_path: Path) -> None:
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_", "PORT", "MENTOR_"))}
    child = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        env={**clean, "PYTHONPATH": str(ROOT), "PORT": str(port)},
        cwd=tmp_path,  # a fresh directory: no .env, as on a new machine
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        people = None
        deadline = time.monotonic() + 60
        while people is None and time.monotonic() < deadline and child.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/people", timeout=5) as response:
                    people = json.loads(response.read())
            except OSError:
                time.sleep(0.3)
        assert people is not None, "the sandbox page never answered"
        assert len(people) >= 12 and sum(1 for p in people if p.get("owner")) == 2
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
            assert response.status == 200 and b"<html" in response.read().lower()
        assert (tmp_path / "sandbox.db").exists()
    finally:
        child.send_signal(signal.SIGINT)
        try:
            _out, err = child.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            child.kill()
            _out, err = child.communicate()
    first = err.strip().splitlines()[0]
    assert first.startswith("mentor-bot: no Slack credentials") and ".env.example" in first
    assert "Traceback" not in err
