"""The App Home tab: your pairs and requests, and for owners the program dashboard."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.blockkit.blocks import Block, actions, button, context, divider, header, section
from bot.pairing.goals import recent_notes
from bot.pairing.lifecycle import PAUSE_WEEKS_DEFAULT
from bot.pairing.messages import ended_pairing_line, mentor_room_lines, paused_line, request_state
from bot.pairing.pairings import Pairings, Standing
from bot.pairing.practice_views import home_practice_blocks
from bot.programs.catalog import Programs
from bot.programs.owners import Owners
from bot.reporting import practice, stats
from bot.reporting.blocks import figure_blocks
from bot.storage.database import reading
from bot.storage.models import Pairing

HOME_REQUEST_ACTION = "home_request"
HOME_OFFER_ACTION = "home_offer"
# The pause control: "Pause 2 weeks" for someone with a pair to pause, "Resume now" while paused.
HOME_PAUSE_ACTION = "home_pause"
PAUSE_VALUE = "pause"
RESUME_VALUE = "resume"


def _when(at: datetime | None) -> str:
    if at is None:
        return "being scheduled"
    return f"<!date^{int(at.timestamp())}^{{date_short_pretty}} at {{time}}|{at:%d %b %H:%M} UTC>"


def _next(status: Standing, pairing: Pairing) -> str:
    """The pair's next check-in, or, while a pause holds it, when the pause ends (whose pause is not said)."""
    paused = status.paused_at(pairing, pairing.next_checkin_at)
    if paused is not None:
        return f"Check-ins paused until {_when(paused)}."
    return f"Next check-in: {_when(pairing.next_checkin_at)}."


def _pause_control(status: Standing) -> list[dict[str, Any]]:
    """Only someone with a pair has something to pause; someone paused can end it early."""
    if status.paused_until is not None:
        return [button("Resume now", HOME_PAUSE_ACTION, RESUME_VALUE)]
    if status.has_pairs():
        return [button(f"Pause {PAUSE_WEEKS_DEFAULT} weeks", HOME_PAUSE_ACTION, PAUSE_VALUE)]
    return []


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
        status = self.pairings.standing(team_id, user_id, now)
        owned = self.owners.owned(team_id, user_id, self.programs.all_open(team_id, now), now)
        lines = [f"• Mentored by <@{p.mentor_user_id}>. {_next(status, p)}" for p in status.as_mentee]
        lines += [f"• Mentoring <@{p.mentee_user_id}>. {_next(status, p)}" for p in status.as_mentor]
        lines += [
            f"• Your request from {r.created_at:%d %b}: {request_state(status, r)}." for r in status.open_requests
        ]
        lines += [f"• {room}" for room in mentor_room_lines(status)]
        lines += [f"• {ended_pairing_line(status, p)}" for p in status.ended]
        if status.paused_until is not None:
            lines.append(f"• {paused_line(status.paused_until)}")
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
                *_pause_control(status),
            ),
        ]
        if status.as_mentee:
            # The mentee's own notes and choice of encouragement: read for them alone.
            with reading(self.sessions) as s:
                notes = recent_notes(s, team_id, user_id, [p.id for p in status.as_mentee])
            for p in status.as_mentee:
                blocks += home_practice_blocks(p, notes.get(p.id, []))
        for program in owned[:5]:
            with reading(self.sessions) as s:
                figures = stats.compute(s, team_id, program.id, now)
                practices = practice.compute(s, team_id, program.id)
            blocks += [
                divider(),
                header(f"Dashboard: {program.name}"),
                *figure_blocks(figures, self.min_group, practices),
            ]
        if owned:
            blocks.append(context("You see the dashboard because you own these programs. Aggregates only."))
        return {"type": "home", "blocks": blocks}
