"""Calendar math for a pair's rhythm: local weekday-and-hour slots, DST-safe, as UTC instants."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# The pair gets at least this long after their introduction before the first check-in.
FIRST_CHECKIN_GAP = timedelta(hours=20)


def zone(name: str | None, fallback: str = "UTC") -> ZoneInfo:
    for candidate in (name, fallback, "UTC"):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def local_slot(day: datetime, hour: int, tz: ZoneInfo) -> datetime:
    """`hour`:00 on the local calendar date of `day`, as UTC. A skipped hour (spring forward) moves later."""
    local_date = day.astimezone(tz).date()
    wall = datetime.combine(local_date, time(hour), tzinfo=tz)
    # Round-trip through UTC to normalise a wall time that does not exist that day.
    return wall.astimezone(UTC)


def first_slot(after: datetime, weekday: int, hour: int, tz: ZoneInfo) -> datetime:
    """The first `weekday` at `hour` local time, at least FIRST_CHECKIN_GAP after `after`."""
    earliest = after + FIRST_CHECKIN_GAP
    local = earliest.astimezone(tz)
    days_ahead = (weekday - local.weekday()) % 7
    candidate = local_slot(local + timedelta(days=days_ahead), hour, tz)
    if candidate < earliest:
        candidate = local_slot(local + timedelta(days=days_ahead + 7), hour, tz)
    return candidate


def following_slot(slot: datetime, cadence_weeks: int, hour: int, tz: ZoneInfo) -> datetime:
    """The slot `cadence_weeks` later on the local calendar, so 10:00 stays 10:00 across DST."""
    local_date = slot.astimezone(tz).date() + timedelta(weeks=cadence_weeks)
    return datetime.combine(local_date, time(hour), tzinfo=tz).astimezone(UTC)


def catch_up(
    slot: datetime, period: int, now: datetime, cadence_weeks: int, hour: int, tz: ZoneInfo
) -> tuple[datetime, int]:
    """The latest slot at or before `now`, and its period: missed slots (downtime) are skipped, not replayed."""
    while True:
        following = following_slot(slot, cadence_weeks, hour, tz)
        if following > now:
            return slot, period
        slot, period = following, period + 1
