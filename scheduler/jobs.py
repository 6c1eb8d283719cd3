"""What one tick does at `now`: plan what each pair is due, remind or expire proposals left unanswered,
check any bot token Slack refused, then send every delivery that is due."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.delivery.dispatcher import DispatchReport
from bot.matching.expiry import ExpiryReport, ProposalExpiry
from bot.pairing.planner import PlanReport
from bot.runtime import Runtime
from scheduler.privacy import erase_due, erase_uninstalled

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TickReport:
    plan: PlanReport
    sent: DispatchReport
    # Workspaces whose refused token Slack accepted again at this tick: their waiting messages went out.
    resumed: tuple[str, ...] = ()
    proposals: ExpiryReport = ExpiryReport()


def tick(rt: Runtime, now: datetime) -> TickReport:
    plan = rt.planner.plan(now)
    # Before the sweep: an expired proposal's place and request are offered again in this same tick.
    proposals = ProposalExpiry(rt.sessions).run(now)
    # A request whose match was to follow its answer, in a process that stopped first, is matched here.
    rt.requests.sweep(now)
    # Before sending, so that a workspace whose token works again is sent to in this same tick.
    resumed = tuple(rt.dispatcher.probe_tokens(now))
    # People deactivated in Slack are erased once their grace period is over.
    erase_due(rt, now)
    # Workspaces that uninstalled the app go whole once their grace period is over.
    erase_uninstalled(rt, now)
    sent = rt.dispatcher.dispatch_due(now)
    if (
        plan.checkins
        or plan.completed
        or proposals.reminded
        or proposals.expired
        or sent.sent
        or sent.retrying
        or sent.failed
    ):
        log.info(
            "tick at %s: check-ins planned %s, pairs completed %s; proposals reminded %s, expired %s; "
            "messages sent %s, to retry %s, failed %s",
            now.isoformat(),
            plan.checkins,
            plan.completed,
            proposals.reminded,
            proposals.expired,
            sent.sent,
            sent.retrying,
            sent.failed,
        )
    return TickReport(plan, sent, resumed, proposals)
