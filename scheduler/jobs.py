"""What one tick does at `now`: plan what each pair is due, then send every delivery that is due."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.delivery.dispatcher import DispatchReport
from bot.pairing.planner import PlanReport
from bot.runtime import Runtime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TickReport:
    plan: PlanReport
    sent: DispatchReport


def tick(rt: Runtime, now: datetime) -> TickReport:
    plan = rt.planner.plan(now)
    sent = rt.dispatcher.dispatch_due(now)
    if plan.checkins or plan.completed or sent.sent or sent.retrying or sent.failed:
        log.info(
            "tick at %s: %s check-ins planned, %s pairs completed; %s sent, %s to retry, %s failed",
            now.isoformat(),
            plan.checkins,
            plan.completed,
            sent.sent,
            sent.retrying,
            sent.failed,
        )
    return TickReport(plan, sent)
