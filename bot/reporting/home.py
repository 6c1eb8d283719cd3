"""The App Home tab: your pairs and requests, and for owners the program dashboard."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.blockkit.blocks import Block, actions, button, context, divider, header, section
from bot.pairing.messages import mentor_room_line
from bot.pairing.pairings import Pairings
from bot.programs.catalog import Programs
from bot.programs.owners import Owners
from bot.reporting import stats
from bot.reporting.blocks import figure_blocks
from bot.storage.database import reading
from bot.storage.statuses import RequestStatus

HOME_REQUEST_ACTION = "home_request"
HOME_OFFER_ACTION = "home_offer"
HOME_PAUSE_ACTION = "home_pause"


def _when(at: datetime | None) -> str:
    if at is None:
        return "being scheduled"
    return f"<!date^{int(at.timestamp())}^{{date_short_pretty}} at {{time}}|{at:%d %b %H:%M} UTC>"


class Home:
    def __init__(
        self, sessions: sessionmaker[Session], pairings: Pairings, programs: Programs, owners: Owners, min_group: int
    ):
        self.sessions = sessions
        self.pairings = pairings
        self.programs = programs
        self.owners = owners
        self.min_group = min_group

    def view(self, team_id: str, user_id: str, now: datetime) -> dict[str, Any]:
        """The person's App Home: their pairs and requests, and a dashboard for each program they own."""
        status = self.pairings.standing(team_id, user_id)
        owned = self.owners.owned(team_id, user_id, self.programs.all_open(team_id, now), now)
        lines = [
            f"• Mentored by <@{p.mentor_user_id}>. Next check-in: {_when(p.next_checkin_at)}." for p in status.as_mentee
        ]
        lines += [
            f"• Mentoring <@{p.mentee_user_id}>. Next check-in: {_when(p.next_checkin_at)}." for p in status.as_mentor
        ]
        for r in status.open_requests:
            state = (
                "a mentor has been asked" if r.status == RequestStatus.PROPOSED else "waiting for a mentor with room"
            )
            lines.append(f"• Your request from {r.created_at:%d %b}: {state}.")
        room = mentor_room_line(status)
        if room:
            lines.append(f"• {room}")
        blocks: list[Block] = [
            header("Mentoring"),
            section(
                "\n".join(lines)
                if lines
                else "You're not in a mentoring pair yet. Find a mentor, or offer to be one: it takes a minute."
            ),
            actions(
                button("Find a mentor", HOME_REQUEST_ACTION, style="primary"),
                button("Offer to mentor", HOME_OFFER_ACTION),
                button("Pause 2 weeks", HOME_PAUSE_ACTION),
            ),
        ]
        for program in owned[:5]:
            with reading(self.sessions) as s:
                figures = stats.compute(s, team_id, program.id, now)
            blocks += [divider(), header(f"Dashboard: {program.name}"), *figure_blocks(figures, self.min_group)]
        if owned:
            blocks.append(context("You see the dashboard because you own these programs. Aggregates only."))
        return {"type": "home", "blocks": blocks}
