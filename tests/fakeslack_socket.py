"""Socket Mode as Slack serves it, on loopback: the sandbox's emulator, under the names the tests use."""

from __future__ import annotations

from sandbox.emulator_socket import *  # noqa: F403
from sandbox.emulator_socket import ANSWERABLE, APP_ID, HOST, KINDS, Ack, Envelope, Link, SocketModeEmulator

__all__ = ["ANSWERABLE", "APP_ID", "HOST", "KINDS", "Ack", "Envelope", "Link", "SocketModeEmulator"]
