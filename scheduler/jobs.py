"""What one tick does at `now`: send every delivery that is due."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.outbox import DispatchReport
from bot.runtime import Runtime

log = logging.getLogger(__name__)


def tick(rt: Runtime, now: datetime) -> DispatchReport:
    report = rt.dispatcher.dispatch_due(now)
    if report.sent or report.retrying or report.failed:
        log.info("tick at %s: %s sent, %s to retry, %s failed", now.isoformat(), report.sent, report.retrying,
                 report.failed)
    return report
