"""Posting /mentor stats to a channel, for owners: the summary through the outbox, then the chart as a file,
both after the answer."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery import outbox
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.sender import BackgroundSender
from bot.delivery.slack_gateway import Gateways, SlackFailure
from bot.programs.owners import Owners
from bot.reporting import practice, stats
from bot.reporting.blocks import stats_message
from bot.reporting.chart import checkin_chart
from bot.storage.database import unit_of_work
from bot.storage.models import Delivery, Program
from bot.storage.statuses import DeliveryKind, DeliveryStatus

log = logging.getLogger(__name__)


class StatsResult(StrEnum):
    POSTING = "posting"  # stored; the summary and chart go out right after the answer
    ALREADY = "already"  # the same command again (a Slack retry)
    NOT_OWNER = "not_owner"


@dataclass(frozen=True)
class StatsPosted:
    result: StatsResult
    channel: str = ""
    # Whether a chart will follow the summary: it needs enough pairs and weeks to expose no one.
    with_chart: bool = False


class Reports:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        dispatcher: Dispatcher,
        sender: BackgroundSender,
        gateway: Gateways,
        owners: Owners,
        min_group: int,
    ):
        self.sessions = sessions
        self.dispatcher = dispatcher
        self.sender = sender
        self.gateway = gateway
        self.owners = owners
        self.min_group = min_group

    def post_stats(
        self, team_id: str, user_id: str, program: Program, channel: str, request_key: str, now: datetime
    ) -> StatsPosted:
        """Stores the summary where the owner asked (from a DM, in the program's stats channel) and
        answers; the summary, then the chart, are sent right after. If Slack refuses either, the owner
        is told privately why and how to fix it."""
        if not self.owners.may_run(team_id, user_id, program, now):
            return StatsPosted(StatsResult.NOT_OWNER)
        if channel.startswith("D") and program.stats_channel:
            channel = program.stats_channel
        with unit_of_work(self.sessions) as s:
            figures = stats.compute(s, team_id, program.id, now)
            practices = practice.compute(s, team_id, program.id)
            delivery_id = outbox.enqueue(
                s,
                team_id=team_id,
                key=f"stats:{request_key}",
                kind=DeliveryKind.STATS,
                target=channel,
                now=now,
                payload=stats_message(program.name, figures, self.min_group, practices),
            )
        if delivery_id is None:
            return StatsPosted(StatsResult.ALREADY, channel)
        # Ended pairs count too: the chart stays once a program is over, when owners want it most.
        chart = figures.weekly_people >= self.min_group and bool(figures.weekly)
        weekly = figures.weekly if chart else None

        def send() -> None:
            self._send(team_id, user_id, program.name, channel, delivery_id, weekly, now)

        self.sender.later(send, what="the stats")
        return StatsPosted(StatsResult.POSTING, channel, with_chart=chart)

    def _send(
        self,
        team_id: str,
        user_id: str,
        program_name: str,
        channel: str,
        delivery_id: int,
        weekly: list[stats.WeekRow] | None,
        now: datetime,
    ) -> None:
        self.dispatcher.dispatch([delivery_id], now)
        with unit_of_work(self.sessions) as s:
            row = s.scalar(select(Delivery).where(Delivery.id == delivery_id))
            assert row is not None
            status, error = row.status, row.last_error
        if status != DeliveryStatus.SENT:
            # Pending: it is retried (a rate limit, Slack down); failed: it needs the owner's help.
            later = status == DeliveryStatus.PENDING
            hint = "I'll keep trying" if later else FIX_HINTS.get(error or "", "please try again later")
            text = f"I couldn't post the stats for {program_name} in <#{channel}> ({error}): {hint}."
            self.gateway.to(team_id).tell(user_id, text)
            return
        if weekly is None:
            return
        try:
            png = checkin_chart(program_name, weekly)
            self.gateway.to(team_id).upload_png(
                channel, png, "mentoring-checkins.png", f"Weekly check-ins: {program_name}"
            )
        except SlackFailure as exc:
            log.warning("stats chart upload failed: %s", exc.error)
            hint = FIX_HINTS.get(exc.error, "the summary is complete without it")
            text = f"The stats chart for {program_name} couldn't be uploaded ({exc.error}): {hint}."
            self.gateway.to(team_id).tell(user_id, text)


FIX_HINTS = {
    "not_in_channel": "invite me first with `/invite @mentor-bot`",
    "channel_not_found": "invite me to this channel first, or run it in a public channel",
    "missing_scope": "reinstall the app from the latest manifest.yml to grant the scope",
}


def stats_reply(program_name: str, posted: StatsPosted) -> str:
    """What the owner is told privately after `/mentor stats`."""
    if posted.result == StatsResult.ALREADY:
        return "Those stats are already posted here."
    where = "here" if not posted.channel or posted.channel.startswith("D") else f"in <#{posted.channel}>"
    text = f"Posting the stats for {program_name} {where}."
    if not posted.with_chart:
        text += " The weekly chart appears once enough pairs have checked in."
    return text
