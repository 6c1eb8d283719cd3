"""Posting /mentor stats to a channel: the summary through the outbox, then the chart as a file."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery import outbox
from bot.reporting import stats
from bot.reporting.chart import checkin_chart
from bot.storage.database import unit_of_work
from bot.storage.models import Delivery, Program
from bot.delivery.outbox import Dispatcher
from bot.delivery.slack_gateway import SlackFailure, SlackGateway
from bot.reporting.blocks import stats_message

log = logging.getLogger(__name__)

FIX_HINTS = {
    "not_in_channel": "invite me first with `/invite @mentor-bot`",
    "channel_not_found": "invite me to this channel first, or run it in a public channel",
    "missing_scope": "reinstall the app from the latest manifest.yml to grant the scope",
}


class Reports:
    def __init__(self, sessions: sessionmaker[Session], dispatcher: Dispatcher, gateway: SlackGateway,
                 min_group: int):
        self.sessions = sessions
        self.dispatcher = dispatcher
        self.gateway = gateway
        self.min_group = min_group

    def post_stats(self, team_id: str, program: Program, channel: str, request_key: str, now: datetime) -> str:
        """Posts the summary (and chart) to `channel`. Returns what to tell the owner privately."""
        with unit_of_work(self.sessions) as s:
            figures = stats.compute(s, team_id, program.id, now)
            key = f"stats:{request_key}"
            delivery_id = outbox.enqueue(s, team_id=team_id, key=key, kind="stats", target=channel, now=now,
                                         payload=stats_message(program.name, figures, self.min_group))
        if delivery_id is None:
            return "Those stats are already posted here."
        self.dispatcher.dispatch([delivery_id], now)
        with unit_of_work(self.sessions) as s:
            row = s.scalar(select(Delivery).where(Delivery.id == delivery_id))
            assert row is not None
            status, error = row.status, row.last_error
        if status != "sent":
            hint = FIX_HINTS.get(error or "", "I'll keep trying")
            return f"I couldn't post the stats here ({error}): {hint}."
        return self._post_chart(program, figures, channel)

    def _post_chart(self, program: Program, figures: stats.ProgramStats, channel: str) -> str:
        posted = f"Posted the stats for {program.name} in <#{channel}>."
        if figures.active_pairs.people < self.min_group or not figures.weekly:
            return posted + " The weekly chart appears once enough pairs have checked in."
        try:
            png = checkin_chart(program.name, figures.weekly)
            self.gateway.upload_png(channel, png, "mentoring-checkins.png", f"Weekly check-ins: {program.name}")
        except SlackFailure as exc:
            log.warning("stats chart upload failed: %s", exc.error)
            hint = FIX_HINTS.get(exc.error, "the summary above is complete without it")
            return posted + f" The chart couldn't be uploaded ({exc.error}): {hint}."
        return posted
