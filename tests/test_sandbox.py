"""The sandbox end to end: its JSON API drives the real bot through the core journey, as the page does."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sandbox.app import serve_in_thread
from sandbox.company import EMPLOYEES, OWNERS, hr_file
from sandbox.engine import SandboxBot

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
