"""Posting /mentor stats to a channel, for owners: the summary through the outbox, then the chart as a file."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery import outbox
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.slack_gateway import SlackFailure, SlackGateway
from bot.programs.owners import Owners
from bot.reporting import stats
from bot.reporting.blocks import stats_message
from bot.reporting.chart import checkin_chart
from bot.storage.database import unit_of_work
from bot.storage.models import Delivery, Program
from bot.storage.statuses import DeliveryKind, DeliveryStatus

log = logging.getLogger(__name__)


class StatsResult(StrEnum):
    POSTED = "posted"
    ALREADY = "already"  # the same command again (a Slack retry)
    NOT_POSTED = "not_posted"  # Slack refused the summary; `error` says why
    NOT_OWNER = "not_owner"


class ChartResult(StrEnum):
    UPLOADED = "uploaded"
    TOO_FEW = "too_few"  # not enough pairs or weeks yet to show one without exposing anyone
    FAILED = "failed"


@dataclass(frozen=True)
class StatsPosted:
    result: StatsResult
    channel: str = ""
    error: str | None = None
    chart: ChartResult | None = None


class Reports:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        dispatcher: Dispatcher,
        gateway: SlackGateway,
        owners: Owners,
        min_group: int,
    ):
        self.sessions = sessions
        self.dispatcher = dispatcher
        self.gateway = gateway
        self.owners = owners
        self.min_group = min_group

    def post_stats(
        self, team_id: str, user_id: str, program: Program, channel: str, request_key: str, now: datetime
    ) -> StatsPosted:
        """Posts the summary, then the chart, where the owner asked; from a DM, to the program's stats channel."""
        if not self.owners.may_run(team_id, user_id, program, now):
            return StatsPosted(StatsResult.NOT_OWNER)
        if channel.startswith("D") and program.stats_channel:
            channel = program.stats_channel
        with unit_of_work(self.sessions) as s:
            figures = stats.compute(s, team_id, program.id, now)
            delivery_id = outbox.enqueue(
                s,
                team_id=team_id,
                key=f"stats:{request_key}",
                kind=DeliveryKind.STATS,
                target=channel,
                now=now,
                payload=stats_message(program.name, figures, self.min_group),
            )
        if delivery_id is None:
            return StatsPosted(StatsResult.ALREADY, channel)
        self.dispatcher.dispatch([delivery_id], now)
        with unit_of_work(self.sessions) as s:
            row = s.scalar(select(Delivery).where(Delivery.id == delivery_id))
            assert row is not None
            status, error = row.status, row.last_error
        if status != DeliveryStatus.SENT:
            return StatsPosted(StatsResult.NOT_POSTED, channel, error)
        if figures.active_pairs.people < self.min_group or not figures.weekly:
            return StatsPosted(StatsResult.POSTED, channel, chart=ChartResult.TOO_FEW)
        try:
            png = checkin_chart(program.name, figures.weekly)
            self.gateway.upload_png(channel, png, "mentoring-checkins.png", f"Weekly check-ins: {program.name}")
        except SlackFailure as exc:
            log.warning("stats chart upload failed: %s", exc.error)
            return StatsPosted(StatsResult.POSTED, channel, exc.error, ChartResult.FAILED)
        return StatsPosted(StatsResult.POSTED, channel, chart=ChartResult.UPLOADED)


FIX_HINTS = {
    "not_in_channel": "invite me first with `/invite @mentor-bot`",
    "channel_not_found": "invite me to this channel first, or run it in a public channel",
    "missing_scope": "reinstall the app from the latest manifest.yml to grant the scope",
}


def stats_reply(program_name: str, posted: StatsPosted) -> str:
    """What the owner is told privately after `/mentor stats`."""
    if posted.result == StatsResult.ALREADY:
        return "Those stats are already posted here."
    if posted.result == StatsResult.NOT_POSTED:
        hint = FIX_HINTS.get(posted.error or "", "I'll keep trying")
        return f"I couldn't post the stats here ({posted.error}): {hint}."
    text = f"Posted the stats for {program_name} in <#{posted.channel}>."
    if posted.chart == ChartResult.TOO_FEW:
        text += " The weekly chart appears once enough pairs have checked in."
    elif posted.chart == ChartResult.FAILED:
        hint = FIX_HINTS.get(posted.error or "", "the summary above is complete without it")
        text += f" The chart couldn't be uploaded ({posted.error}): {hint}."
    return text
