"""The final days before a pair's end are quiet, even for a tick that comes late into them."""

from __future__ import annotations

from datetime import timedelta

from bot.pairing.planner import QUIET_BEFORE_END
from bot.storage.models import Pairing
from tests.flows import checkins, dms, pair, rows, tick
from tests.test_rhythm import MONDAY, WEEK


def test_a_tick_that_arrives_late_into_the_quiet_days_sends_nothing_but_the_survey(bot):
    pairing = pair(bot)
    for week in range(10):
        tick(bot, MONDAY + week * WEEK + timedelta(hours=1))
    [active] = rows(bot, Pairing, Pairing.id == pairing.id)
    assert active.ends_at is not None
    sent = len(checkins(bot, active))
    people = (active.mentee_user_id, active.mentor_user_id, active.dm_channel_id)

    def posts() -> int:
        return sum(len(bot.fake.posts_to(who)) for who in people)

    # The bot was down from just before the last regular check-in until the quiet days had begun:
    # that check-in's slot is before them, but the tick that finds it due is inside them.
    late = active.ends_at - QUIET_BEFORE_END + timedelta(hours=6)
    assert active.next_checkin_at is not None and active.next_checkin_at < active.ends_at - QUIET_BEFORE_END
    tick(bot, late)
    assert len(checkins(bot, active)) == sent
    assert (
        dms(bot, pairing.mentee_user_id, "Share feedback")[-1:]
        == dms(bot, pairing.mentee_user_id, "Share feedback")[-1:]
    )
    tick(bot, active.ends_at + timedelta(minutes=1))
    assert len(checkins(bot, active)) == sent
    assert dms(bot, pairing.mentee_user_id, "Take the survey")
