"""One owner rule at every door: commands, Need-help notes and stalled-pair alerts agree on who owns a program."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.storage.models import Delivery
from bot.storage.statuses import DeliveryKind, DeliveryStatus
from tests.conftest import OWNER
from tests.flows import MENTEE, MENTOR, all_text, checkins, pair, rows, tick
from tests.slackclient import state, text_value

MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # 10:00 in Berlin, the mentee's timezone
WEEK = timedelta(weeks=1)
NAMED = "U0PROWNER1"  # named as an owner on the program itself
ADMIN = "U0ADMIN001"  # a workspace admin who stays one
DEMOTED = "U0ADMIN002"  # a workspace admin who is demoted in Slack after the bot cached them
SECRET = "We keep cancelling and I feel awkward raising it."


def command_in(bot, user, text, channel="C0STATS001"):
    from urllib.parse import parse_qs, urlencode

    body = parse_qs(bot.slack.command_body(user, text).decode())
    form = {k: v[0] for k, v in body.items()}
    form["channel_id"] = channel
    return bot.slack.post(urlencode(form).encode(), "application/x-www-form-urlencoded")


def name_owner_on_program(bot, user: str) -> None:
    """The configured owner adds `user` to the default program's owners, through the program form."""
    assert command_in(bot, OWNER, "program Mentoring").status == 200
    view = bot.slack.opened_view("program_edit")
    values = state(
        name=text_value("Mentoring"),
        topics=text_value("Leadership\nCommunication"),
        owners={"type": "multi_users_select", "selected_users": [user]},
    )
    assert bot.slack.submit(view, values, OWNER).status == 200


def admins_known_to_the_bot(bot) -> None:
    """Both admins have used an owner command, so the bot has cached them as admins."""
    for admin in (ADMIN, DEMOTED):
        bot.fake.add_user(admin, is_admin=True)
        assert "only program owners" not in command_in(bot, admin, "match").body


def readers_of(bot, text: str) -> set[str]:
    return {c["channel"] for c in bot.fake.calls_to("chat.postMessage") if text in all_text(c)}


def test_need_help_goes_to_every_kind_of_owner_and_never_to_a_demoted_admin(bot):
    pairing = pair(bot)
    name_owner_on_program(bot, NAMED)
    admins_known_to_the_bot(bot)
    bot.fake.users[DEMOTED]["is_admin"] = False  # demoted in Slack; the bot's cached flag still says admin

    tick(bot, MONDAY)
    bot.slack.click_button(checkins(bot, pairing)[0], "Need help", MENTEE)
    view = bot.slack.opened_view("checkin_help_note")
    assert bot.slack.submit(view, state(note=text_value(SECRET)), MENTEE).status == 200

    assert readers_of(bot, SECRET) == {OWNER, NAMED, ADMIN}
    [withheld] = rows(bot, Delivery, Delivery.kind == DeliveryKind.OWNER_HELP, Delivery.target == DEMOTED)
    assert withheld.status == DeliveryStatus.FAILED and withheld.last_error == "recipient_no_longer_an_owner"
    assert SECRET not in (withheld.last_error or "")
    # The demotion is now known, so the former admin can no longer run owner commands either.
    assert "only program owners" in command_in(bot, DEMOTED, "match").body


def test_stalled_pair_alerts_reach_named_owners_and_admins_but_not_a_demoted_one(bot):
    pair(bot)
    name_owner_on_program(bot, NAMED)
    admins_known_to_the_bot(bot)
    bot.fake.users[DEMOTED]["is_admin"] = False
    for week in range(5):
        tick(bot, MONDAY + week * WEEK)
    assert readers_of(bot, "four check-ins in a row") == {OWNER, NAMED, ADMIN}


def test_an_owner_who_cannot_be_reached_does_not_end_the_pair(bot):
    pairing = pair(bot)
    name_owner_on_program(bot, NAMED)
    bot.fake.gone_users.add(NAMED)
    tick(bot, MONDAY)
    bot.slack.click_button(checkins(bot, pairing)[0], "Need help", MENTEE)
    view = bot.slack.opened_view("checkin_help_note")
    assert bot.slack.submit(view, state(note=text_value(SECRET)), MENTEE).status == 200
    [lost] = rows(bot, Delivery, Delivery.kind == DeliveryKind.OWNER_HELP, Delivery.target == NAMED)
    assert (lost.status, lost.last_error) == (DeliveryStatus.FAILED, "user_not_found")
    [still] = rows(bot, type(pairing), type(pairing).id == pairing.id)
    assert still.status == "active"
    assert MENTOR not in readers_of(bot, "has ended")
