"""Editing a cohort preview before publishing: remove a pair, swap mentors, or give a pair a mentor with room,
through the real HTTP endpoint, on SQLite and PostgreSQL. Every rule still holds, and only owners edit."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from slack_sdk.models.views import View
from sqlalchemy import update

from bot.matching import reasons
from bot.matching.cohort_edits import SwapChoices
from bot.matching.cohort_view import EDIT_ACTION, preview_message, swap_modal
from bot.matching.cohorts import MOVE, REMOVE, SWAP, EditNote, PlannedPair, Preview
from bot.storage.database import unit_of_work
from bot.storage.models import CohortPlan, MentoringRequest, MentorProfile, Person, Program, Proposal
from tests.conftest import OWNER, START
from tests.fakeslack import DEFAULT_TEAM
from tests.flows import all_text, request, rows
from tests.slackclient import checkbox_value, multi_value, select_value, state, text_value
from tests.test_owners import command_in
from tests.test_views import check_golden, program, validate_message

BOTH = ["Leadership", "Giving and receiving feedback"]
AMY, BO, CY = "U0MTEAMY01", "U0MTEBO001", "U0MTECY001"
KIM, LEE, MAX, NED, OLA = "U0MTRKIM01", "U0MTRLEE01", "U0MTRMAX01", "U0MTRNED01", "U0MTROLA01"
NAMES = {AMY: "Amy", BO: "Bo", CY: "Cy", KIM: "Kim", LEE: "Lee", MAX: "Max", NED: "Ned", OLA: "Ola"}
CHANNEL = "C0STATS001"


@dataclass
class Hooks:
    """Slack's side of response_url: what the bot posted to the URL a click carried."""

    url: str = ""
    posts: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def hooks() -> Iterator[Hooks]:
    recorded = Hooks()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            recorded.posts.append(body)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
    recorded.url = f"http://127.0.0.1:{server.server_address[1]}/actions/{DEFAULT_TEAM}/1/hook"
    yield recorded
    server.shutdown()
    server.server_close()


def person(bot, user: str, manager: str | None = None) -> None:
    bot.fake.add_user(user, name=NAMES[user])
    if manager:
        with unit_of_work(bot.rt.sessions) as s:
            s.add(Person(team_id=DEFAULT_TEAM, user_id=user, display_name=NAMES[user], manager_user_id=manager))


def mentor(bot, user: str, topics: list[str], capacity: str = "1", department: str = "Sales") -> None:
    person(bot, user)
    assert bot.slack.command(user, "offer").status == 200
    view = bot.slack.opened_view("mentor_offer")
    values = state(
        topics=multi_value(topics),
        topics_other=text_value(""),
        capacity=select_value(capacity),
        level=select_value("4"),
        department=text_value(department),
        bio=text_value(""),
        reverse=checkbox_value([]),
    )
    assert bot.slack.submit(view, values, user).status == 200


def cohort(bot) -> dict[str, Any]:
    """Three mentees (in Engineering) and five mentors: Max is Amy's manager, Ned shares no topic, and Ola,
    from the mentees' own department, is the one mentor who covers a topic and is left with a free place."""
    with unit_of_work(bot.rt.sessions) as s:
        from bot.programs.catalog import open_programs

        open_programs(s, DEFAULT_TEAM, bot.rt.now())
        s.execute(update(Program).values(starts_at=START + timedelta(days=30)))
    mentor(bot, KIM, BOTH, department="Finance")
    mentor(bot, LEE, ["Leadership"], department="Design")
    mentor(bot, MAX, BOTH, department="Sales")
    mentor(bot, NED, ["Public speaking"], capacity="2", department="Legal")
    mentor(bot, OLA, ["Leadership"], department="Engineering")
    person(bot, AMY, manager=MAX)
    person(bot, BO)
    person(bot, CY)
    for mentee in (AMY, BO, CY):
        assert request(bot, user=mentee).status == 200
    preview = command_in(bot, OWNER, "match").json()
    assert preview["response_type"] == "ephemeral"
    return preview


def pairs(preview: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(mentee, mentor, the value of the pair's "Remove" option) for each pair the preview shows."""
    found = []
    for block in preview["blocks"]:
        accessory = block.get("accessory") or {}
        if accessory.get("action_id") == EDIT_ACTION:
            mentee, mentor_ = re.findall(r"<@(\w+)>", block["text"]["text"])[:2]
            found.append((mentee, mentor_, accessory["options"][0]["value"]))
    return found


def menu(preview: dict[str, Any], mentee: str, kind: str) -> str:
    for block in preview["blocks"]:
        accessory = block.get("accessory") or {}
        if accessory.get("action_id") == EDIT_ACTION and f"<@{mentee}> ←" in block["text"]["text"]:
            return next(o["value"] for o in accessory["options"] if o["value"].startswith(kind + ":"))
    raise AssertionError(f"no pair of {mentee} in the preview")


def edit(bot, hooks: Hooks, user: str, value: str):
    """Picks an option of a pair's menu in the owner's (ephemeral) preview."""
    payload = bot.slack.click_payload(user, EDIT_ACTION, None, channel=CHANNEL, ts="1700000000.999999")
    action = payload["actions"][0]
    for key in ("text", "style"):
        action.pop(key, None)
    action.update(type="overflow", selected_option={"text": {"type": "plain_text", "text": "…"}, "value": value})
    payload["container"]["is_ephemeral"] = True
    payload.pop("message", None)  # Slack sends no copy of an ephemeral message
    payload["response_url"] = hooks.url
    return bot.slack.interactive(payload)


def last_preview(hooks: Hooks) -> dict[str, Any]:
    shown = hooks.posts[-1]
    assert shown["replace_original"] is True and shown["response_type"] == "ephemeral"
    validate_message(shown)
    return shown


def plan(bot) -> CohortPlan:
    [found] = rows(bot, CohortPlan)
    return found


def ephemerals(bot) -> list[str]:
    return [c["text"] for c in bot.fake.calls_to("chat.postEphemeral")]


def swap_form(bot, hooks: Hooks, user: str, value: str) -> dict[str, Any]:
    assert edit(bot, hooks, user, value).status == 200
    return bot.slack.opened_view("cohort_swap")


def submit_swap(bot, view: dict[str, Any], target: str, user: str = OWNER) -> Any:
    return bot.slack.submit(view, state(target=select_value(target)), user)


def total(preview: dict[str, Any]) -> float:
    summary = preview["blocks"][1]["text"]["text"]
    found = re.search(r"total score ([\d,.]+)", summary)
    assert found is not None, summary
    return float(found.group(1).replace(",", ""))


def test_only_owners_edit_and_a_non_owner_learns_nothing(bot, hooks):
    preview = cohort(bot)
    before = plan(bot).assignments
    [(_, _, remove), *_] = pairs(preview)
    assert edit(bot, hooks, AMY, remove).status == 200
    assert edit(bot, hooks, AMY, remove.replace("remove:", "swap:")).status == 200
    assert "only program owners" in ephemerals(bot)[-1] and "only program owners" in ephemerals(bot)[-2]
    assert hooks.posts == [] and plan(bot).assignments == before and plan(bot).edits == []
    assert not [v for v in bot.fake.calls_to("views.open") if "cohort_swap" in json.dumps(v["view"])]


def test_removing_a_pair_shows_the_score_change_and_the_mentee_keeps_waiting(bot, hooks):
    preview = cohort(bot)
    assert len(pairs(preview)) == 3
    mentee, mentor_, remove = pairs(preview)[0]
    stored = plan(bot)
    score = next(a["score"] for a in stored.assignments if a["mentor_user_id"] == mentor_)
    assert edit(bot, hooks, OWNER, remove).status == 200
    shown = last_preview(hooks)
    assert [p[0] for p in pairs(shown)] == [p[0] for p in pairs(preview)][1:]
    assert plan(bot).total_score == pytest.approx(stored.total_score - score)
    before, after = stored.total_score, plan(bot).total_score
    assert total(shown) == float(f"{after:.1f}") and total(preview) == float(f"{before:.1f}")
    text = json.dumps(shown["blocks"], ensure_ascii=False)
    assert f"Removed <@{mentee}> ← <@{mentor_}>: total {before:,.1f} → {after:,.1f} (-{score:.1f})" in text
    assert f"<@{mentee}>: taken out of this plan by an owner" in text
    # The same click again (a double click, or the old preview) changes nothing, and says so.
    assert edit(bot, hooks, OWNER, remove).status == 200
    assert "had changed since" in ephemerals(bot)[-1]
    assert len(plan(bot).edits) == 1 and len(plan(bot).assignments) == 2
    assert len(pairs(last_preview(hooks))) == 2


def options(view: dict[str, Any]) -> dict[str, str]:
    """The swap form's choices: label -> value."""
    groups = next(b for b in view["blocks"] if b.get("block_id") == "target")["element"]["option_groups"]
    return {o["text"]["text"]: o["value"] for g in groups for o in g["options"]}


def test_a_swap_that_breaks_a_rule_is_refused_naming_the_rule(bot, hooks):
    preview = cohort(bot)
    planned = {mentee: mentor_ for mentee, mentor_, _ in pairs(preview)}
    assert planned[AMY] != MAX and OLA not in planned.values()  # the match keeps the rules itself
    with_max = next(mentee for mentee, mentor_ in planned.items() if mentor_ == MAX)
    view = swap_form(bot, hooks, OWNER, menu(preview, AMY, SWAP))
    View(**{k: v for k, v in view.items() if k != "id"}).validate_json()
    offered = options(view)
    # Pairs and mentors are named: a mention can't show in a menu.
    assert f"#{list(planned).index(with_max) + 1} {NAMES[with_max]} ← Max" in offered
    assert {"Ned (2 free)", "Ola (1 free)"} <= set(offered)
    answer = submit_swap(bot, view, offered[f"#{list(planned).index(with_max) + 1} {NAMES[with_max]} ← Max"]).json()
    assert answer["response_action"] == "errors"
    assert answer["errors"]["target"] == "Max is Amy's manager, and nobody is matched with their own manager."
    answer = submit_swap(bot, view, offered["Ned (2 free)"]).json()
    assert answer["errors"]["target"] == (
        "Ned shares none of Amy's topics, and other mentors with room cover them: topics come first."
    )
    # A mentor whose places the plan already fills (Amy's, with one place) can't take Bo as well.
    full = next(p for p in rows(bot, MentorProfile) if p.user_id == planned[AMY])
    view = swap_form(bot, hooks, OWNER, menu(preview, BO, SWAP))
    answer = submit_swap(bot, view, f"mentor:{full.id}").json()
    assert (
        NAMES[planned[AMY]] + " would have 2 mentees in this plan, more than the 1 place they have free."
        == (answer["errors"]["target"])
    )
    assert plan(bot).edits == [] and hooks.posts == []


def test_a_swap_and_a_move_keep_capacity_and_show_each_score_change(bot, hooks):
    preview = cohort(bot)
    planned = {mentee: mentor_ for mentee, mentor_, _ in pairs(preview)}
    order = list(planned)
    stored = plan(bot)
    # Bo and Cy swap mentors: neither is excluded from the other's.
    view = swap_form(bot, hooks, OWNER, menu(preview, BO, SWAP))
    label = f"#{order.index(CY) + 1} Cy ← {NAMES[planned[CY]]}"
    assert submit_swap(bot, view, options(view)[label]).status == 200
    shown = last_preview(hooks)
    swapped = {mentee: mentor_ for mentee, mentor_, _ in pairs(shown)}
    assert swapped == {**planned, BO: planned[CY], CY: planned[BO]}
    text = json.dumps(shown["blocks"], ensure_ascii=False)
    after = plan(bot).total_score
    assert f"Swapped mentors: <@{BO}> ← <@{planned[CY]}>, <@{CY}> ← <@{planned[BO]}>: total " in text
    assert f"total {stored.total_score:,.1f} → {after:,.1f}" in text
    # Each swapped pair is scored again, as the match scores it: the total is the sum of the pairs.
    assert after == pytest.approx(sum(a["score"] for a in plan(bot).assignments))
    # Bo is given Ola, the mentor with a free place; Bo's mentor's place is free again.
    view = swap_form(bot, hooks, OWNER, menu(shown, BO, SWAP))
    assert [label for label in options(view) if not label.startswith("#")] == [
        "Ned (2 free)",
        "Ola (1 free)",
    ]
    assert submit_swap(bot, view, options(view)["Ola (1 free)"]).status == 200
    moved = last_preview(hooks)
    text = json.dumps(moved["blocks"], ensure_ascii=False)
    assert f"<@{BO}> ← <@{OLA}> instead of <@{planned[CY]}>: total {after:,.1f} → {plan(bot).total_score:,.1f}" in text
    assert [e["kind"] for e in plan(bot).edits] == [SWAP, MOVE]
    # Every mentor's planned mentees stay within their free places.
    counts: dict[int, int] = {}
    for item in plan(bot).assignments:
        counts[item["profile_id"]] = counts.get(item["profile_id"], 0) + 1
    assert all(counts.get(p.id, 0) <= p.capacity - p.load for p in rows(bot, MentorProfile))
    assert sorted(counts.values()) == [1, 1, 1]


def test_publishing_an_edited_plan_proposes_the_edited_pairs_and_then_it_is_closed(bot, hooks):
    preview = cohort(bot)
    [(first, first_mentor, remove), *rest] = pairs(preview)
    edit(bot, hooks, OWNER, remove)
    edited = last_preview(hooks)
    publish = next(e for b in edited["blocks"] if b["type"] == "actions" for e in b["elements"])
    bot.slack.click(OWNER, publish["action_id"], publish["value"])
    asked = sorted((p.mentor_user_id, p.request_id) for p in rows(bot, Proposal))
    mentees = {r.id: r.mentee_user_id for r in rows(bot, MentoringRequest)}
    assert sorted((m, mentees[r]) for m, r in asked) == sorted((t, m) for m, t, _ in rest)
    assert first not in [mentees[r] for _, r in asked]
    # The mentee taken out is told kindly, without being told an owner took them out.
    [note] = [p for p in bot.fake.posts_to(first) if "there wasn't a mentor for you this round" in all_text(p)]
    assert "find you a mentor who fits better" in all_text(note)
    # A published plan is never edited again: the old preview's menus only say so.
    _, _, second_remove = rest[0]
    assert edit(bot, hooks, OWNER, second_remove.replace(":0:", ":1:")).status == 200
    assert "has been published" in ephemerals(bot)[-1]
    closed = last_preview(hooks)
    assert not pairs(closed) and "Published cohort match" in json.dumps(closed["blocks"])
    assert len(rows(bot, Proposal)) == 2 and len(plan(bot).edits) == 1


# --- the preview and the form themselves -----------------------------------------------------------

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)


def test_edited_preview_golden():
    why = [reasons.topics(2, BOTH), reasons.level(2, reverse=False), reasons.department("Sales", "<Eng>")]
    preview = Preview(
        7,
        [PlannedPair("UAMY", "UKIM", 81.2, why), PlannedPair("UBO", "UMAX", 64.0, why[:1])],
        [("UCY", "taken out of this plan by an owner; their request keeps waiting")],
        145.2,
        version=2,
        edits=[
            EditNote(REMOVE, ["UCY"], ["ULEE"], 220.0, 150.1),
            EditNote(SWAP, ["UAMY", "UBO"], ["UMAX", "UKIM"], 150.1, 145.2),
        ],
    )
    payload = preview_message(program(starts_at=NOW + timedelta(days=9)), preview, NOW)
    check_golden("cohort_preview_edited", payload)
    validate_message(payload)
    values = [o["value"] for b in payload["blocks"] for o in (b.get("accessory") or {}).get("options", [])]
    assert values == ["remove:7:2:0", "swap:7:2:0", "remove:7:2:1", "swap:7:2:1"]


def test_swap_form_golden_and_limits():
    choices = SwapChoices(7, 2, 0, "UAMY", "UKIM", 81.2, [("pair:1", "#2 Bo ← Max")], [("mentor:4", "Lee (1 free)")])
    view = swap_modal(choices, "https://hooks.slack.com/actions/T1/1/x")
    check_golden("cohort_swap_form", view)
    View(**view).validate_json()
    crowded = SwapChoices(
        7, 2, 0, "UAMY", "UKIM", 81.2, [(f"pair:{k}", "#" + "x" * 200) for k in range(100)], [("mentor:4", "y" * 90)]
    )
    View(**swap_modal(crowded, "https://hooks.slack.com/actions/T1/1/x")).validate_json()
    empty = swap_modal(SwapChoices(7, 2, 0, "UAMY", "UKIM", 81.2, [], []), "u")
    View(**empty).validate_json()
    assert "submit" not in empty
