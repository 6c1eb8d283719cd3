"""The sandbox end to end: its JSON API drives the real bot through the core journey, as the page does."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sandbox.app import serve_in_thread
from sandbox.company import EMPLOYEES, OWNERS, hr_file
from sandbox.engine import SandboxBot
from sandbox.simulation import DAYS, MENTEES, MENTORS, WEEKS
from sandbox.workspace import STATS_CHANNEL

MENTOR = "U0SOFIA001"
MENTEE = "U0AMARA001"
START = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[tuple[SandboxBot, str]]:
    bot = SandboxBot(tmp_path / "sandbox.db", start=START, tick_seconds=0)
    server, url = serve_in_thread(bot)
    yield bot, url
    server.shutdown()
    server.server_close()
    bot.close()
    # Nothing the bot sent, nor any answer it gave, is one Slack would have refused.
    assert bot.workspace.refusals == []


def call(url: str, route: str, **body: Any) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{url}/api/{route}",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.loads(response.read())
    assert answer["ok"], answer
    return answer


def state(url: str, user: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{url}/api/state?user={user}", timeout=30) as response:
        return json.loads(response.read())


def messages(view: dict[str, Any], channel_prefix: str = "") -> list[dict[str, Any]]:
    return [m for c in view["conversations"] if c["id"].startswith(channel_prefix) for m in c["messages"]]


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in message["blocks"] for e in b.get("elements", []) if e.get("type") == "button"]


def press(url: str, user: str, view: dict[str, Any], label: str) -> dict[str, Any]:
    for conversation in view["conversations"]:
        for message in reversed(conversation["messages"]):
            for button in buttons(message):
                if button["text"]["text"] == label:
                    action = {**button, "block_id": "b"}
                    return call(url, "click", user=user, action=action, channel=conversation["id"], ts=message["ts"])
    raise AssertionError(f"no {label!r} button for {user}")


def test_the_demo_company_has_realistic_people_two_owners_and_a_manager_chart():
    assert len(EMPLOYEES) >= 15 and len(OWNERS) == 2
    assert len({e.department for e in EMPLOYEES}) >= 4 and len({e.tz for e in EMPLOYEES}) >= 5
    assert all(e.manager for e in EMPLOYEES[1:])
    assert hr_file().splitlines()[0] == "email,department,title,level,manager_email,timezone"


def test_people_are_imported_through_the_hr_import(sandbox):
    from sqlalchemy import select

    from bot.storage.database import unit_of_work
    from bot.storage.models import Person

    bot, _ = sandbox
    assert bot.rt is not None
    with unit_of_work(bot.rt.sessions) as s:
        amara = s.scalar(select(Person).where(Person.user_id == MENTEE))
        assert amara is not None
        assert (amara.department, amara.level, amara.manager_user_id) == ("Engineering", 2, "U0DAVID001")


def test_offer_request_accept_intro_week_checkin_we_met(sandbox):
    bot, url = sandbox
    # The mentor offers: the modal opens, and is filled and sent.
    call(url, "command", user=MENTOR, text="/mentor offer", channel="D" + MENTOR[1:])
    modal = state(url, MENTOR)["modal"]
    assert modal["callback_id"] == "mentor_offer"
    offer = {
        "topics": {
            "topics": {
                "type": "multi_static_select",
                "selected_options": [
                    {"text": {"type": "plain_text", "text": t}, "value": t} for t in ("Leadership", "Communication")
                ],
            }
        },
        "capacity": {
            "capacity": {
                "type": "static_select",
                "selected_option": {"value": "2", "text": {"type": "plain_text", "text": "2"}},
            }
        },
        "level": {
            "level": {
                "type": "static_select",
                "selected_option": {"value": "4", "text": {"type": "plain_text", "text": "4"}},
            }
        },
        "department": {"department": {"type": "plain_text_input", "value": "Engineering"}},
        "bio": {"bio": {"type": "plain_text_input", "value": "Staff engineer; happy to talk about leading projects."}},
        "topics_other": {"topics_other": {"type": "plain_text_input", "value": ""}},
        "reverse": {"reverse": {"type": "checkboxes", "selected_options": []}},
    }
    assert call(url, "submit", user=MENTOR, values=offer)["errors"] == {}
    # The bot answers with response_action "update": the modal now thanks the mentor.
    assert state(url, MENTOR)["modal"]["callback_id"] == "notice"
    call(url, "close", user=MENTOR)
    assert state(url, MENTOR)["modal"] is None

    # The mentee asks for a mentor.
    call(url, "command", user=MENTEE, text="request", channel="D" + MENTEE[1:])
    assert state(url, MENTEE)["modal"]["callback_id"] == "mentee_request"
    request = {
        "goals": {"goals": {"type": "plain_text_input", "value": "I want to lead my first cross-team project."}},
        "topics": {
            "topics": {
                "type": "multi_static_select",
                "selected_options": [{"text": {"type": "plain_text", "text": "Leadership"}, "value": "Leadership"}],
            }
        },
        "preferences": {"preferences": {"type": "checkboxes", "selected_options": []}},
        "level": {
            "level": {
                "type": "static_select",
                "selected_option": {"value": "2", "text": {"type": "plain_text", "text": "2"}},
            }
        },
        "department": {"department": {"type": "plain_text_input", "value": "Engineering"}},
    }
    assert call(url, "submit", user=MENTEE, values=request)["errors"] == {}
    call(url, "close", user=MENTEE)

    # The mentor accepts the proposal; both see the group intro.
    press(url, MENTOR, state(url, MENTOR), "Accept")
    intro = [m for m in messages(state(url, MENTEE), "G")]
    assert intro, "no group conversation with the pair"
    group = next(c for c in state(url, MENTOR)["conversations"] if c["id"].startswith("G"))
    assert sorted(group["members"]) == sorted([MENTOR, MENTEE])

    # A week later the check-in arrives, and "We met" is answered.
    call(url, "fast-forward", days=7)
    assert state(url, MENTEE)["now"].startswith("2026-12-09")
    checkin = [
        m for m in messages(state(url, MENTEE), "G") if [b["text"]["text"] for b in buttons(m)][:1] == ["We met"]
    ]
    assert checkin, "no check-in a week later"
    press(url, MENTEE, state(url, MENTEE), "We met")
    after = state(url, MENTEE)
    # The check-in is updated in place (no buttons left), and the pulse modal opens.
    updated = next(m for m in messages(after, "G") if m["ts"] == checkin[-1]["ts"])
    assert not buttons(updated)
    modal = after["modal"]
    assert modal is not None and modal["callback_id"]
    values: dict[str, Any] = {}
    for block in modal["blocks"]:
        element = block.get("element") or {}
        if block.get("type") != "input":
            continue
        kind = element["type"]
        if kind == "plain_text_input":
            values[block["block_id"]] = {element["action_id"]: {"type": kind, "value": "Great chat."}}
        elif element.get("options"):
            first = element["options"][0]
            picked = (
                {"selected_options": [first]}
                if kind in ("multi_static_select", "checkboxes")
                else {"selected_option": first}
            )
            values[block["block_id"]] = {element["action_id"]: {"type": kind, **picked}}
    assert call(url, "submit", user=MENTEE, values=values)["errors"] == {}
    final = state(url, MENTEE)["modal"]
    assert final is None or final["callback_id"] == "notice"


def test_reset_forgets_everything_and_seeds_again(sandbox):
    bot, url = sandbox
    call(url, "command", user=MENTOR, text="offer")
    call(url, "fast-forward", days=1)
    call(url, "reset")
    view = state(url, MENTOR)
    assert view["modal"] is None and view["now"].startswith("2026-12-02")
    assert not messages(view)


OWNER = OWNERS[0]
FUNNEL = re.compile(
    r"Requested (\d+) → matched (\d+) \((\d+)%\) → met at least once (\d+) \((\d+)%\)"
    r" → feedback given (\d+) \((\d+)%\)"
)


def attempt(url: str, route: str, **body: Any) -> tuple[int, dict[str, Any]]:
    """An action whose refusal is the point: the HTTP status and the answer."""
    try:
        return 200, call(url, route, **body)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def play_program(url: str, timeout: float = 120) -> dict[str, Any]:
    """Starts the owner's simulated program and waits until it has played; returns the final progress."""
    started = call(url, "simulate", user=OWNER)["state"]["simulation"]
    assert started["running"] or started["played"], started
    deadline = time.monotonic() + timeout
    while (progress := state(url, OWNER)["simulation"])["running"]:
        assert time.monotonic() < deadline, f"the program was still playing after {timeout} s: {progress}"
        time.sleep(0.2)
    return progress


def posted_stats(url: str) -> tuple[str, list[dict[str, Any]]]:
    """The owner runs /mentor stats in the stats channel: the summary's text and the files posted there."""
    call(url, "command", user=OWNER, text="/mentor stats", channel=STATS_CHANNEL)
    channel = next(c for c in state(url, OWNER)["conversations"] if c["id"] == STATS_CHANNEL)
    [summary] = [m for m in channel["messages"] if m["blocks"] and not m["ephemeral"]]
    text = "\n".join(
        str(part.get("text", ""))
        for block in summary["blocks"]
        for part in [block.get("text") or {}, *(block.get("fields") or [])]
    )
    return text, [m for m in channel["messages"] if m["file"]]


def test_an_owner_plays_a_program_once_and_stats_shows_its_real_figures_and_chart(sandbox):
    bot, url = sandbox
    progress = play_program(url)
    assert progress["played"] and not progress["running"], progress
    assert progress["week"] == progress["weeks"] == WEEKS
    assert state(url, OWNER)["now"].startswith((START + timedelta(days=DAYS)).date().isoformat())

    text, files = posted_stats(url)
    funnel = FUNNEL.search(text)
    assert funnel, text
    requested, matched, matched_pct, met, met_pct, feedback, feedback_pct = map(int, funnel.groups())
    # Every mentee of the cohort asked once; pairs met before they could trade feedback.
    assert requested == len(MENTEES)
    assert 0 < feedback <= met <= matched <= requested
    for count, percent in ((matched, matched_pct), (met, met_pct), (feedback, feedback_pct)):
        assert percent == round(100 * count / requested)
    assert f"*Mentors*\n{len(MENTORS)}" in text and f"*Mentees*\n{len(MENTEES)}" in text
    assert re.search(r"\*NPS \(closing surveys\)\*\n[+-]\d+", text), text
    assert re.search(r"\*Usefulness of meetings\*\n\d\.\d of 5", text), text

    [chart] = files
    with urllib.request.urlopen(f"{url}/files/{chart['file']}", timeout=30) as response:
        assert response.read(8) == b"\x89PNG\r\n\x1a\n"

    # Played once per sandbox, even after a restart: a second go is refused, until a reset forgets it.
    played = Path(f"{bot.database}.played")
    assert played.exists()
    status, answer = attempt(url, "simulate", user=OWNER)
    assert status == 409 and "already played" in answer["error"]
    call(url, "reset", user=OWNER)
    after = state(url, OWNER)
    assert not after["simulation"]["played"] and not messages(after) and not played.exists()


def test_only_a_program_owner_can_play_a_program(sandbox):
    bot, url = sandbox
    status, answer = attempt(url, "simulate", user=MENTEE)
    assert status == 409
    assert "Only a program owner" in answer["error"] and "Priya Raman" in answer["error"]
    view = state(url, MENTEE)
    assert not view["simulation"]["running"] and not view["simulation"]["played"]
    assert view["now"].startswith("2026-12-02") and not messages(view)


def test_the_played_program_is_the_same_every_time(tmp_path: Path):
    """Seeded: two sandboxes from the same start end with the same messages, word for word."""
    seen = []
    for run in ("first", "second"):
        (tmp_path / run).mkdir()
        bot = SandboxBot(tmp_path / run / "sandbox.db", start=START, tick_seconds=0)
        try:
            bot.simulate(OWNER)
            assert bot.wait_for_simulation(120) and bot.simulation.played, bot.simulation
            seen.append(
                [(c.id, m.text) for c in bot.workspace.conversations.values() for m in c.messages if not m.file]
            )
        finally:
            bot.close()
    assert len(seen[0]) > 100 and seen[0] == seen[1]
