"""People deactivated in Slack: their pairings end at once, partners are told, and their data is
erased once the grace period is over, unless they are back by then."""

from __future__ import annotations

from datetime import timedelta

from bot.reporting.privacy import ERASED_PREFIX, GRACE
from bot.storage.models import MentoringRequest, Pairing, Person
from scheduler.privacy import erase_due
from tests.conftest import START
from tests.fakeslack import DEFAULT_TEAM
from tests.flows import MENTEE, MENTOR, all_text, rows
from tests.privacy_seed import other_workspace_rows, pairing_row, seed


def _deactivate(bot, user):
    bot.fake.users[user]["deleted"] = True
    assert bot.slack.event({"type": "user_change", "user": dict(bot.fake.users[user])}).status == 200


def _requests(bot, user):
    return rows(
        bot, MentoringRequest, MentoringRequest.team_id == DEFAULT_TEAM, MentoringRequest.mentee_user_id == user
    )


def _person(bot, user):
    return rows(bot, Person, Person.team_id == DEFAULT_TEAM, Person.user_id == user)


def test_deactivation_ends_pairings_and_tells_the_partner_at_once(bot):
    seeded = seed(bot)
    _deactivate(bot, MENTEE)
    pairing = pairing_row(bot, seeded.pairing_id)
    assert pairing.status == "ended" and pairing.mentee_user_id == MENTEE  # ended now, erased later
    [told] = [p for p in bot.fake.posts_to(MENTOR) if "ended" in all_text(p)]
    assert "has left" in all_text(told)
    [person] = _person(bot, MENTEE)
    assert person.erase_after == START + GRACE


def test_erasure_waits_for_the_grace_period_then_happens_once(bot):
    seeded = seed(bot)
    elsewhere = other_workspace_rows(bot)
    _deactivate(bot, MENTEE)

    early = erase_due(bot.rt, START + GRACE - timedelta(hours=1))
    assert early.erased == 0 and _person(bot, MENTEE)
    assert _requests(bot, MENTEE)

    due = erase_due(bot.rt, START + GRACE + timedelta(minutes=1))
    assert due.erased == 1
    assert _person(bot, MENTEE) == []
    assert _requests(bot, MENTEE) == []
    assert pairing_row(bot, seeded.pairing_id).mentee_user_id.startswith(ERASED_PREFIX)
    assert other_workspace_rows(bot) == elsewhere
    assert erase_due(bot.rt, START + GRACE + timedelta(days=1)).erased == 0


def test_someone_reactivated_within_the_grace_period_is_kept(bot):
    seed(bot)
    _deactivate(bot, MENTEE)
    bot.fake.users[MENTEE]["deleted"] = False
    report = erase_due(bot.rt, START + GRACE + timedelta(minutes=1))
    assert (report.erased, report.still_active) == (0, 1)
    [person] = _person(bot, MENTEE)
    assert person.erase_after is None
    assert _requests(bot, MENTEE)


def test_a_user_deleted_from_slack_altogether_is_erased_when_due(bot):
    seed(bot)
    _deactivate(bot, MENTEE)
    bot.fake.gone_users.add(MENTEE)  # users.info now answers user_not_found
    assert erase_due(bot.rt, START + GRACE + timedelta(minutes=1)).erased == 1
    assert _person(bot, MENTEE) == []


def test_a_stranger_deactivated_leaves_nothing_behind(bot):
    bot.fake.add_user("U0STRANGER")
    _deactivate(bot, "U0STRANGER")
    assert _person(bot, "U0STRANGER") == []
    assert rows(bot, Pairing) == []


def test_a_pause_running_out_is_not_mistaken_for_a_grace_period(bot):
    seed(bot)
    assert bot.slack.command(MENTEE, "pause 1").status == 200
    lookups = len(bot.fake.calls_to("users.info"))
    report = erase_due(bot.rt, START + timedelta(weeks=1, minutes=1))
    assert (report.erased, report.still_active, report.unknown) == (0, 0, 0)
    assert len(bot.fake.calls_to("users.info")) == lookups  # nobody was asked about
    [person] = _person(bot, MENTEE)
    assert person.erase_after is None
