"""The background sender: what a listener has stored is sent after its answer, never before it.

A listener commits its decision and the deliveries it causes in one transaction, hands their ids to
`dispatch`, and answers Slack at once. Worker threads in the same process are woken and send them
through the Dispatcher; the tick still sweeps whatever is left (a full queue, a crash, a 429 to wait
out). `later` runs other after-the-answer work the same way: an ephemeral note, the update of a
clicked message, a refreshed App Home. Those are answers to a click, not messages to keep: if the
process dies before they run, the click's decision stands and only that one reply is missing.

`settle` waits until everything handed in so far is done: tests call it after every request, and
shutdown calls it so that work already accepted is finished before the process exits.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from bot.delivery.dispatcher import Dispatcher

log = logging.getLogger(__name__)

# Slack's limits are per workspace and channel, and one send mostly waits on the network: a few
# workers keep a burst of clicks from queueing behind one slow call without flooding Slack.
WORKERS = 4


class BackgroundSender:
    def __init__(self, dispatcher: Dispatcher | None = None, workers: int = WORKERS):
        # Set once the Dispatcher is built: services built before it may already hand `later` work in.
        self.dispatcher = dispatcher
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sender")
        self._busy = 0
        self._idle = threading.Condition()
        self._closed = False

    def dispatch(self, ids: list[int | None], now: datetime) -> None:
        """Sends these just-committed deliveries soon, in the background. Rows another process (or the
        tick) has already claimed are left to it: a claim is what makes a send happen once."""
        wanted = [i for i in ids if i is not None]
        if wanted:
            self.later(lambda: self._send(wanted, now), what="deliveries")

    def later(self, work: Callable[[], object], what: str = "a reply") -> None:
        """Runs `work` after the answer, in a worker thread. A failure is logged, never raised."""
        with self._idle:
            if self._closed:
                # Shutting down: deliveries stay in the outbox for the next start; a reply is dropped.
                log.warning("not running %s: the sender is shutting down", what)
                return
            self._busy += 1
        try:
            self._pool.submit(self._run, work, what)
        except RuntimeError:
            self._done()
            log.warning("not running %s: the sender is shutting down", what)

    def settle(self, timeout: float | None = None) -> bool:
        """Waits until every piece of work handed in so far is done. False if `timeout` passed first."""
        with self._idle:
            return self._idle.wait_for(lambda: self._busy == 0, timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Finishes the work already accepted (up to `timeout`), then stops the workers."""
        if not self.settle(timeout):
            log.warning("shutting down with work still running; the outbox keeps the undelivered messages")
        with self._idle:
            self._closed = True
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _send(self, ids: list[int], now: datetime) -> None:
        assert self.dispatcher is not None, "BackgroundSender.dispatcher is set when the runtime is built"
        report = self.dispatcher.dispatch(list(ids), now)
        if report.retrying or report.failed:
            log.info("background send: %s sent, %s to retry, %s failed", report.sent, report.retrying, report.failed)

    def _run(self, work: Callable[[], object], what: str) -> None:
        try:
            work()
        except Exception:  # noqa: BLE001 - a worker must survive any one failure
            log.exception("sending %s failed; the tick will retry what is in the outbox", what)
        finally:
            self._done()

    def _done(self) -> None:
        with self._idle:
            self._busy -= 1
            if self._busy == 0:
                self._idle.notify_all()
