"""Steps a person takes in Slack, shared by the acceptance tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from bot.storage import shapes
from bot.storage.database import unit_of_work
from tests.conftest import RunningBot
from tests.fakeslack import DEFAULT_TEAM
from tests.slackclient import Response, checkbox_value, multi_value, select_value, state, text_value

MENTEE = "U0MENTEE01"
MENTOR = "U0MENTOR01"
MENTOR2 = "U0MENTOR02"
GOALS = "I want to lead my first cross-team project and get better at giving feedback."


def offer(
    bot: RunningBot,
    user: str,
    topics: list[str] | None = None,
    capacity: str = "2",
    level: str = "4",
    department: str = "Sales",
    other: str = "",
    team: str = DEFAULT_TEAM,
    reverse: bool = False,
) -> Response:
    opened = bot.slack.command(user, "offer", team=team)
    assert opened.status == 200, opened.body
    view = bot.slack.opened_view("mentor_offer")
    values = state(
        topics=multi_value(["Leadership", "Communication"] if topics is None else topics),
        topics_other=text_value(other),
        capacity=select_value(capacity),
        level=select_value(level),
        department=text_value(department),
        bio=text_value("Led three product teams; happy to talk about feedback and growth."),
        reverse=checkbox_value(["open"] if reverse else []),
    )
    return bot.slack.submit(view, values, user, team=team)


def request_values(
    goals: str = GOALS,
    topics: list[str] | None = None,
    level: str | None = "2",
    department: str = "Engineering",
    preferences: list[str] | None = None,
) -> dict[str, Any]:
    return state(
        goals=text_value(goals),
        topics=multi_value(["Leadership", "Giving and receiving feedback"] if topics is None else topics),
        preferences=checkbox_value(preferences or []),
        level=select_value(level),
        department=text_value(department),
    )


def request(bot: RunningBot, user: str = MENTEE, team: str = DEFAULT_TEAM, **values: Any) -> Response:
    opened = bot.slack.command(user, "request", team=team)
    assert opened.status == 200, opened.body
    view = bot.slack.opened_view("mentee_request")
    return bot.slack.submit(view, request_values(**values), user, team=team)


def proposals_to(bot: RunningBot, user: str) -> list[dict[str, Any]]:
    """Messages to `user` that carry Accept and Decline buttons."""
    found = []
    for post in bot.fake.posts_to(user):
        labels = [
            e["text"]["text"]
            for b in post.get("blocks") or []
            for e in b.get("elements", [])
            if e.get("type") == "button"
        ]
        if labels == ["Accept", "Decline"]:
            found.append(post)
    return found


def count(bot: RunningBot, model: Any, *where: Any) -> int:
    with unit_of_work(bot.rt.sessions) as s:
        return s.scalar(select(func.count()).select_from(model).where(*where)) or 0


def rows(bot: RunningBot, model: Any, *where: Any) -> list[Any]:
    with unit_of_work(bot.rt.sessions) as s:
        return list(s.scalars(select(model).where(*where)))


def message_of(bot: RunningBot, delivery: Any) -> dict[str, Any]:
    """A delivery's message as the sender sends it, shaped or not."""
    if delivery.shape_id is None:
        return dict(delivery.payload)
    with unit_of_work(bot.rt.sessions) as s:
        return shapes.message_of(s, delivery)


def all_text(post: dict[str, Any]) -> str:
    parts = [post.get("text") or ""]
    for block in post.get("blocks") or []:
        text = block.get("text")
        if isinstance(text, dict):
            parts.append(text.get("text", ""))
    return "\n".join(parts)


def pair(bot: RunningBot, mentee_tz: str = "Europe/Berlin", mentee_offset: int = 3600, **offer_args: Any) -> Any:
    """A mentee and a mentor, matched and introduced. Returns the active Pairing."""
    from bot.storage.models import Pairing

    bot.fake.add_user(MENTEE, tz=mentee_tz, tz_offset=mentee_offset)
    bot.fake.add_user(MENTOR, tz="Europe/London", tz_offset=0)
    offer(bot, MENTOR, **offer_args)
    request(bot)
    [proposal] = proposals_to(bot, MENTOR)
    assert bot.slack.click_button(proposal, "Accept", MENTOR).status == 200
    [pairing] = rows(bot, Pairing, Pairing.status == "active")
    return pairing


def tick(bot: RunningBot, at: Any) -> Any:
    from scheduler import Ticker

    bot.clock.at = at
    report = Ticker(bot.rt).tick_once(at)
    bot.rt.sender.settle(timeout=60)
    return report


def buttons(post: dict[str, Any]) -> list[str]:
    elements = [e for b in post.get("blocks") or [] for e in b.get("elements", [])]
    return [e["text"]["text"] for e in elements if e.get("type") == "button"]


def checkins(bot: RunningBot, pairing: Any) -> list[dict[str, Any]]:
    return [p for p in bot.fake.posts_to(pairing.dm_channel_id) if buttons(p) == ["We met", "Not yet", "Need help"]]


def dms(bot: RunningBot, user: str, label: str | None = None) -> list[dict[str, Any]]:
    posts = bot.fake.posts_to(user)
    return [p for p in posts if label is None or label in buttons(p)]
