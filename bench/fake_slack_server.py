"""Serves the test suite's fake Slack Web API until stopped; prints its URL on the first line."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fakeslack import FakeSlack  # noqa: E402


def main() -> None:
    fake = FakeSlack()
    print(fake.start(), flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
