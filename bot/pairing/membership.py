"""Who may answer for a pair, and when: the outcomes of an answer, the member check every answer makes,
and the quiet last days of a pairing that belong to the closing survey."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.storage.models import CheckIn, Pairing
from bot.storage.statuses import PairingStatus

# The program's last days are the closing survey's: no check-in, prompt, feedback invitation or other
# question is planned for a slot this close to a pair's end, and nothing the bot would send on its own
# initiative (a nudge, a re-start plan) goes out in them, so nothing asks for an answer the end would refuse.
QUIET_BEFORE_END = timedelta(days=4)

# Row ids are 32-bit integers: anything outside cannot exist, and is never sent to the database.
_ID_MAX = 2**31 - 1


class AnswerKind(StrEnum):
    OK = "ok"
    ALREADY = "already"  # answered before; nothing changed
    FORBIDDEN = "forbidden"  # the person is not in this pair
    NOT_FOUND = "not_found"
    SUPERSEDED = "superseded"  # a newer check-in replaced this one
    ENDED = "ended"  # the pairing is over
    EMPTY = "empty"  # the text shows nothing (only spaces or invisible characters)


@dataclass(frozen=True)
class Answer:
    kind: AnswerKind
    pairing: Pairing | None = None
    checkin: CheckIn | None = None


def id_ok(row_id: object) -> bool:
    return isinstance(row_id, int) and 0 < row_id <= _ID_MAX


def member(pairing: Pairing | None, user_id: str) -> bool:
    return pairing is not None and user_id in (pairing.mentee_user_id, pairing.mentor_user_id)


def in_pair(pairing: Pairing | None, user_id: str, *statuses: PairingStatus) -> Answer:
    """OK when `user_id` belongs to `pairing` and the pairing is in one of `statuses`."""
    if pairing is None:
        return Answer(AnswerKind.NOT_FOUND)
    if not member(pairing, user_id):
        return Answer(AnswerKind.FORBIDDEN, pairing)
    if pairing.status not in statuses:
        return Answer(AnswerKind.ENDED, pairing)
    return Answer(AnswerKind.OK, pairing)


def pairing_in(s: Session, team_id: str, pairing_id: int, lock: bool = False) -> Pairing | None:
    """The pairing with this id in this workspace, or None; `lock` holds its row until the commit."""
    if not id_ok(pairing_id):
        return None
    query = select(Pairing).where(Pairing.id == pairing_id, Pairing.team_id == team_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return s.scalar(query)


def active_pair(s: Session, team_id: str, user_id: str, pairing_id: int, lock: bool = False) -> Answer:
    """The pairing, when `user_id` belongs to it and it is still active."""
    return in_pair(pairing_in(s, team_id, pairing_id, lock), user_id, PairingStatus.ACTIVE)


def partner(pairing: Pairing, user_id: str) -> str:
    """The other person of the pair."""
    return pairing.mentor_user_id if user_id == pairing.mentee_user_id else pairing.mentee_user_id


def in_final_days(pairing: Pairing, now: datetime) -> bool:
    """Whether `now` falls in the pair's last days, which belong to the closing survey."""
    return pairing.ends_at is not None and now >= pairing.ends_at - QUIET_BEFORE_END
