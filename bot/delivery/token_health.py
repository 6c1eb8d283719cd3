"""A workspace whose bot token Slack refuses: its sends wait, and the token is probed until it works.

A revoked, suspended or expired token fails every call alike, so it says nothing about the people the
messages were for. While it lasts, every delivery to the workspace stays pending (its attempts are not
used up) and the workspace row records the refusal; `probe` asks Slack's auth.test again, one minute
after the refusal and then at doubling gaps up to an hour, and clears the record once the token works,
so that the next dispatch sends everything that waited.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, select, update

from bot.delivery.slack_gateway import Gateways, SlackFailure
from bot.storage.models import Workspace

log = logging.getLogger(__name__)

FIRST_PROBE = timedelta(minutes=1)
LONGEST_PROBE_GAP = timedelta(hours=1)
_ERROR_WIDTH = 64  # workspaces.token_error


def probe_gap(failed_at: datetime, now: datetime) -> timedelta:
    """The wait before the next probe: as long as the refusal has lasted so far, within 1 min..1 h."""
    return min(max(now - failed_at, FIRST_PROBE), LONGEST_PROBE_GAP)


def refuse(conn: Connection, team_id: str, error: str, now: datetime) -> datetime | None:
    """Pauses every send to a workspace whose token Slack refused, in the caller's transaction.

    Returns when the token will first be probed, or None if the workspace was paused already (by this
    process or another one), in which case its probe schedule is left as it was.
    """
    probe_at = now + FIRST_PROBE
    result = conn.execute(
        update(Workspace)
        .where(Workspace.team_id == team_id, Workspace.token_error.is_(None))
        .values(token_error=error[:_ERROR_WIDTH], token_failed_at=now, token_probe_at=probe_at)
    )
    return probe_at if result.rowcount else None


def probe(engine: Engine, gateway: Gateways, now: datetime) -> list[str]:
    """Probes every refused token whose probe is due. Returns the workspaces whose sends resume."""
    with engine.begin() as conn:
        due = conn.execute(
            select(Workspace.team_id, Workspace.token_failed_at, Workspace.token_probe_at).where(
                Workspace.token_error.is_not(None), Workspace.token_probe_at <= now
            )
        ).all()
    resumed = []
    for team_id, failed_at, probe_at in due:
        failed_at = failed_at or now
        if probe_at is None:
            continue  # not due: the query only returns rows with a probe time
        if _take_probe(engine, team_id, probe_at, now + probe_gap(failed_at, now)) and _token_works(
            engine, gateway, team_id, failed_at, now
        ):
            resumed.append(team_id)
    return resumed


def _take_probe(engine: Engine, team_id: str, seen: datetime, next_probe: datetime) -> bool:
    """Moves the probe time on, if nobody else has: of several replicas, one probes."""
    with engine.begin() as conn:
        taken = conn.execute(
            update(Workspace)
            .where(Workspace.team_id == team_id, Workspace.token_probe_at == seen, Workspace.token_error.is_not(None))
            .values(token_probe_at=next_probe)
        )
    return bool(taken.rowcount)


def _token_works(engine: Engine, gateway: Gateways, team_id: str, failed_at: datetime, now: datetime) -> bool:
    try:
        gateway.to(team_id).auth_test()
    except SlackFailure as exc:
        if exc.token_refused:
            with engine.begin() as conn:
                conn.execute(
                    update(Workspace)
                    .where(Workspace.team_id == team_id, Workspace.token_error.is_not(None))
                    .values(token_error=exc.error[:_ERROR_WIDTH])
                )
            log.error(
                "Slack still refuses the bot token for workspace %s (%s), as since %s: its messages keep "
                "waiting; next check in %s",
                team_id,
                exc.error,
                failed_at.isoformat(),
                probe_gap(failed_at, now),
            )
        else:
            log.warning("could not check the bot token for workspace %s (%s); will try again", team_id, exc.error)
        return False
    with engine.begin() as conn:
        conn.execute(
            update(Workspace)
            .where(Workspace.team_id == team_id, Workspace.token_error.is_not(None))
            .values(token_error=None, token_failed_at=None, token_probe_at=None)
        )
    log.warning(
        "Slack accepts the bot token for workspace %s again (refused since %s): sending resumes",
        team_id,
        failed_at.isoformat(),
    )
    return True
