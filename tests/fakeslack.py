"""The fake Slack Web API the tests run against: the sandbox's emulator, under the names the tests use."""

from __future__ import annotations

from sandbox.emulator import *  # noqa: F403
from sandbox.emulator import BOT_USER, DEFAULT_TEAM, Call, FakeSlack, Fault

__all__ = ["BOT_USER", "DEFAULT_TEAM", "Call", "Fault", "FakeSlack"]
