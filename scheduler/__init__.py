"""A small facade over APScheduler: start ticking every N seconds, or tick once at a given `now`.

What is due lives in our own tables; APScheduler only provides the heartbeat, with an in-memory
job store that is never shared between processes.
"""

from __future__ import annotations

import logging
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler

from bot.runtime import Runtime
from scheduler.jobs import TickReport, tick

log = logging.getLogger(__name__)


class Ticker:
    def __init__(self, rt: Runtime):
        self.rt = rt
        self._scheduler: BackgroundScheduler | None = None

    def tick_once(self, now: datetime) -> TickReport:
        return tick(self.rt, now)

    def _tick_now(self) -> None:
        try:
            self.tick_once(self.rt.now())
        except Exception:  # noqa: BLE001 - one bad tick must not stop the heartbeat
            log.exception("tick failed; the next one will pick up where it left off")

    def start(self, interval_seconds: int) -> None:
        scheduler = BackgroundScheduler(timezone="UTC")
        # One tick at a time; a late tick is merged into the next rather than run in a burst.
        scheduler.add_job(
            self._tick_now,
            "interval",
            seconds=interval_seconds,
            id="tick",
            max_instances=1,
            coalesce=True,
            next_run_time=self.rt.now(),
        )
        scheduler.start()
        self._scheduler = scheduler

    def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)
            self._scheduler = None
