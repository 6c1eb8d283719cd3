"""Exporting a program to CSV: its figures and its list of pairs. Never private text, never a live formula."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.reporting.blocks import HIDDEN, figure_fields, funnel_line
from bot.reporting.stats import compute
from bot.storage.models import Pairing, Person, Program
from bot.storage.statuses import EndReason

# A spreadsheet reads a cell starting with one of these as a formula (or as the start of one).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?%?")


def inert(cell: object) -> str:
    """The cell as text a spreadsheet shows as typed: a leading quote defuses `=HYPERLINK(...)` and kin.

    A plain negative number such as -12 stays a number.
    """
    text = "" if cell is None else str(cell)
    if text.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


class _InertWriter:
    """csv.writer whose every cell is made inert first."""

    def __init__(self, out: io.StringIO):
        self._writer = csv.writer(out)

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([inert(cell) for cell in row])


def export_program(s: Session, program: Program, min_group: int, now: datetime) -> str:
    """Aggregates and the list of pairs (names, dates, status). No private text, ever."""
    out = io.StringIO()
    writer = _InertWriter(out)
    figures = compute(s, program.team_id, program.id, now)
    writer.writerow(["figure", "value"])
    writer.writerow(["program", program.name])
    writer.writerow(["funnel", funnel_line(figures, min_group)])
    for label, value in figure_fields(figures, min_group):
        writer.writerow([label, value])
    writer.writerow([f"figures from fewer than {min_group} people show as", HIDDEN])
    writer.writerow([])
    names = {p.user_id: p.display_name for p in s.scalars(select(Person).where(Person.team_id == program.team_id))}
    writer.writerow(["mentor", "mentor_id", "mentee", "mentee_id", "started", "ended", "status", "end_reason"])
    pairings: Iterable[Pairing] = s.scalars(
        select(Pairing).where(Pairing.program_id == program.id).order_by(Pairing.started_at, Pairing.id)
    )
    for p in pairings:
        reason = p.end_reason if p.end_reason in set(EndReason) else ""
        writer.writerow(
            [
                names.get(p.mentor_user_id, ""),
                p.mentor_user_id,
                names.get(p.mentee_user_id, ""),
                p.mentee_user_id,
                p.started_at.date().isoformat(),
                p.ended_at.date().isoformat() if p.ended_at else "",
                p.status,
                reason,
            ]
        )
    return out.getvalue()
