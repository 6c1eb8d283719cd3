"""The tick's privacy job: erase people deactivated in Slack once their grace period is over."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.reporting.privacy import DueReport
from bot.runtime import Runtime

log = logging.getLogger(__name__)


def erase_due(rt: Runtime, now: datetime) -> DueReport:
    report = rt.erasure.due(now)
    if report.erased:
        log.info("erased the data of %s people deactivated in Slack", report.erased)
    return report
