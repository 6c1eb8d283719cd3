"""Serves the test suite's fake Slack Web API until stopped; prints its URL on the first line.

    python bench/fake_slack_server.py [LATENCY_MS]

The benchmark needs the answers, not the record of every call that tests read back, so this server
keeps none: its memory, and the time it spends, stay the same however many messages go through it
and whichever side of the benchmark goes first.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fakeslack import Call, FakeSlack  # noqa: E402


class Unrecorded(list[Call]):
    """A call log that forgets each call as it is appended."""

    def append(self, call: Call) -> None:
        pass


def main() -> None:
    # An optional first argument: milliseconds added before every answer, as a slow Slack would.
    latency = float(sys.argv[1]) / 1000 if len(sys.argv) > 1 else 0.0
    fake = FakeSlack(calls=Unrecorded(), latency=latency)
    print(fake.start(), flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
