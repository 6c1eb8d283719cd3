"""The fake Slack Web API the tests run against: the sandbox's emulator, under the names the tests use.

Here it also holds each test to what real Slack accepts: stopping it fails the test when a call was refused
(invalid blocks, a spent trigger id, ...) and the test did not take that refusal with take_refusals().
"""

from __future__ import annotations

from sandbox import emulator
from sandbox.emulator import BOT_USER, DEFAULT_TEAM, Call, Fault
from sandbox.emulator_rules import Refusal


class FakeSlack(emulator.FakeSlack):
    def stop(self) -> None:
        super().stop()
        self._check_socket_acks()
        refused = self.take_refusals()
        if refused:
            lines = "\n".join(f"  {r}" for r in refused)
            raise AssertionError(f"Slack would have refused {len(refused)} call(s):\n{lines}")

    def _check_socket_acks(self) -> None:
        """Holds every Socket Mode acknowledgement's payload to Slack's rules, as the HTTP answers are."""
        envelopes = {e.envelope_id: e for e in self.socket.envelopes}
        for ack in self.socket.acks:
            envelope = envelopes.get(ack.envelope_id)
            if envelope is None or not ack.payload:
                continue
            payload = envelope.body.get("payload") or {}
            kind = str(payload.get("type")) if envelope.type == "interactive" else envelope.type
            view = payload.get("view") if kind == "view_submission" else None
            self.check_acknowledgement(kind, ack.payload, view)


__all__ = ["BOT_USER", "DEFAULT_TEAM", "Call", "Fault", "FakeSlack", "Refusal"]
