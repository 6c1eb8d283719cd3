"""The background sender: what a listener has stored is sent after its answer, never before it.

A listener commits its decision and the deliveries it causes in one transaction, hands their ids to
`dispatch`, and answers Slack at once. Worker threads in the same process are woken and send them
through the Dispatcher; the tick still sweeps whatever is left (a full queue, a crash, a 429 to wait
out). `later` runs other after-the-answer work the same way: an ephemeral note, the update of a
clicked message, a refreshed App Home. Those are answers to a click, not messages to keep: if the
process dies before they run, the click's decision stands and only that one reply is missing.

Answers come first. While Slack's requests are being answered, a worker holds back the next piece of
work until the server has been quiet for QUIET_SECONDS, for at most YIELD_SECONDS from when the work
was handed in: a burst of clicks is answered without waiting on the interpreter or the database's
write lock behind the work those clicks cause, and the work follows the burst. Under load that never
pauses, work older than YIELD_SECONDS runs at once, so nothing waits longer than that for a gap.

`settle` waits until everything handed in so far is done: tests call it after every request, and
shutdown calls it so that work already accepted is finished before the process exits.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from datetime import datetime

from bot.delivery.dispatcher import Dispatcher

log = logging.getLogger(__name__)

# Slack's limits are per workspace and channel, and one send mostly waits on the network: a few
# workers keep a burst of clicks from queueing behind one slow call without flooding Slack.
WORKERS = 4
# A worker starts the next piece of work once no answer has been in progress for this long...
QUIET_SECONDS = 0.02
# ...or once the work has waited this long, whatever the load: the most an answer can put it off.
YIELD_SECONDS = 2.0


class BackgroundSender:
    def __init__(
        self,
        dispatcher: Dispatcher | None = None,
        workers: int = WORKERS,
        quiet: float = QUIET_SECONDS,
        yield_for: float = YIELD_SECONDS,
    ):
        # Set once the Dispatcher is built: services built before it may already hand `later` work in.
        self.dispatcher = dispatcher
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sender")
        self._busy = 0
        self._idle = threading.Condition()
        self._closed = False
        self._quiet = quiet
        self._yield_for = yield_for
        self._in_progress: deque[None] = deque()  # one entry per request being answered right now
        self._last_answer = 0.0  # time.monotonic() when the last answer finished
        self._answer = _Answer(self)
        self._hurried = 0  # callers of settle() waiting: they want the work done now, not after a pause
        self._traffic = threading.Condition()

    def answering(self) -> AbstractContextManager[None]:
        """Marks one request being answered: work handed in meanwhile waits for a quiet moment.

        Takes no lock: answers only count themselves in and out (a deque's appends and pops are
        thread-safe), and a waiting worker looks again every QUIET_SECONDS."""
        return self._answer

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
            self._pool.submit(self._run, work, what, time.monotonic() + self._yield_for)
        except RuntimeError:
            self._done()
            log.warning("not running %s: the sender is shutting down", what)

    def settle(self, timeout: float | None = None) -> bool:
        """Waits until every piece of work handed in so far is done, which starts at once rather than
        waiting for a quiet moment. False if `timeout` passed first."""
        with self._traffic:
            self._hurried += 1
            self._traffic.notify_all()
        try:
            with self._idle:
                return self._idle.wait_for(lambda: self._busy == 0, timeout)
        finally:
            with self._traffic:
                self._hurried -= 1

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

    def _wait_for_quiet(self, until: float) -> None:
        """Returns once no answer has been in progress for QUIET_SECONDS, or at `until` at the latest."""
        with self._traffic:
            while True:
                now = time.monotonic()
                if now >= until or self._hurried:
                    return
                quiet_at = self._last_answer + self._quiet
                if not self._in_progress and now >= quiet_at:
                    return
                # Answers do not wake a worker, which looks again when the quiet moment would come (one
                # quiet interval on, while an answer is in progress); settle() wakes it at once.
                wake_at = now + max(self._quiet, 0.001) if self._in_progress else quiet_at
                self._traffic.wait(min(wake_at, until) - now)

    def _run(self, work: Callable[[], object], what: str, until: float) -> None:
        try:
            self._wait_for_quiet(until)
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


class _Answer(AbstractContextManager[None]):
    """One request being answered, counted in and out of its sender's answers in progress."""

    def __init__(self, sender: BackgroundSender) -> None:
        self._in_progress = sender._in_progress
        self._sender = sender

    def __enter__(self) -> None:
        self._in_progress.append(None)

    def __exit__(self, *_exc: object) -> None:
        # The time first: a worker that then sees no answer in progress sees this one's end.
        self._sender._last_answer = time.monotonic()
        self._in_progress.pop()
