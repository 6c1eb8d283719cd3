"""The Slack emulator refuses what real Slack refuses, and takes what real Slack takes.

Every rule has a refusal and an acceptance, both over real HTTP through slack_sdk's WebClient, as the bot
calls Slack. Time for trigger ids is the emulator's own clock, injected here and moved by hand.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox.emulator_blockkit import message_blocks_problems, view_problems
from tests.fakeslack import FakeSlack

GOLDEN = Path(__file__).parent / "golden"
USER = "U0PERSON01"


class Stopwatch:
    """The emulator's wall clock, moved by the test instead of by waiting."""

    def __init__(self) -> None:
        self.at = 1000.0

    def __call__(self) -> float:
        return self.at


@pytest.fixture
def watch() -> Stopwatch:
    return Stopwatch()


@pytest.fixture
def fake(watch: Stopwatch) -> Iterator[FakeSlack]:
    fake = FakeSlack(clock=watch)
    fake.url = fake.start()  # type: ignore[attr-defined]
    yield fake
    fake.stop()


@pytest.fixture
def web(fake: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-1-2-strict", base_url=fake.url, retry_handlers=[])  # type: ignore[attr-defined]


def call(web: WebClient, method: str, **args: Any) -> dict[str, Any]:
    """Slack's answer to one call, whether it took it or not."""
    try:
        return dict(web.api_call(method, json=args).data)  # type: ignore[arg-type]
    except SlackApiError as exc:
        return dict(exc.response.data)  # type: ignore[arg-type]


def refused(fake: FakeSlack, answer: dict[str, Any], error: str, pointer: str | None = None) -> None:
    """Slack answered `error` (naming `pointer` in its messages) and the emulator kept the refusal."""
    assert answer["ok"] is False and answer["error"] == error, answer
    if pointer is not None:
        messages = answer["response_metadata"]["messages"]
        assert any(f"[json-pointer:{pointer}]" in m for m in messages), messages
    [refusal] = fake.take_refusals()
    assert refusal.error == error


def accepted(fake: FakeSlack, answer: dict[str, Any]) -> None:
    assert answer["ok"] is True, answer
    assert fake.take_refusals() == []


def section(text: str = "Hello") -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def button(text: str = "Go", action_id: str = "go", **extra: Any) -> dict[str, Any]:
    return {"type": "button", "text": plain(text), "action_id": action_id, **extra}


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text), "value": value}


def modal(blocks: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    view = {"type": "modal", "callback_id": "form", "title": plain("A form"), "submit": plain("Save")}
    return {**view, "blocks": [section()] if blocks is None else blocks, **extra}


def text_input(block_id: str = "note") -> dict[str, Any]:
    element = {"type": "plain_text_input", "action_id": block_id}
    return {"type": "input", "block_id": block_id, "label": plain("Note"), "element": element}


def post(web: WebClient, blocks: list[dict[str, Any]], text: str = "fallback") -> dict[str, Any]:
    return call(web, "chat.postMessage", channel=USER, text=text, blocks=blocks)


# --- methods and arguments ---------------------------------------------------------------------------


def test_an_unknown_method_is_answered_200_unknown_method(fake, web):
    refused(fake, call(web, "chat.postMesage", channel=USER, text="hi"), "unknown_method")
    accepted(fake, call(web, "chat.postMessage", channel=USER, text="hi"))


@pytest.mark.parametrize(
    ("method", "args", "missing"),
    [
        ("chat.postMessage", {"text": "hi"}, "channel"),
        ("chat.postEphemeral", {"channel": "C0GENERAL1", "text": "hi"}, "user"),
        ("chat.update", {"channel": "D0PERSON01", "text": "hi"}, "ts"),
        ("users.info", {}, "user"),
        ("users.lookupByEmail", {}, "email"),
        ("views.open", {"view": modal()}, "trigger_id"),
        ("views.open", {"trigger_id": "1.2.abc"}, "view"),
        ("views.publish", {"view": {"type": "home", "blocks": [section()]}}, "user_id"),
        ("views.update", {"view": modal()}, "view_id"),
        ("files.getUploadURLExternal", {"filename": "a.png"}, "length"),
        ("files.completeUploadExternal", {}, "files"),
    ],
)
def test_a_missing_required_argument_is_invalid_arguments(fake, web, method, args, missing):
    answer = call(web, method, **args)
    assert f"[ERROR] missing required field: {missing}" in answer["response_metadata"]["messages"]
    refused(fake, answer, "invalid_arguments")


def test_the_calls_the_bot_makes_are_taken_with_their_arguments(fake, web):
    accepted(fake, call(web, "auth.test"))
    accepted(fake, call(web, "users.info", user=USER))
    accepted(fake, call(web, "users.list"))
    accepted(fake, call(web, "conversations.open", users=f"{USER},U0PERSON02"))
    accepted(fake, call(web, "chat.postEphemeral", channel="C0GENERAL1", user=USER, text="just you"))
    accepted(fake, call(web, "views.publish", user_id=USER, view={"type": "home", "blocks": [section()]}))


def test_a_conversation_needs_its_users_and_at_most_eight(fake, web):
    refused(fake, call(web, "conversations.open", users=""), "users_list_not_supplied")
    refused(
        fake, call(web, "conversations.open", users=",".join(f"U0PERSON{i:02d}" for i in range(9))), "too_many_users"
    )
    refused(fake, call(web, "conversations.open", users="not-a-user"), "user_not_found")
    accepted(fake, call(web, "conversations.open", users=",".join(f"U0PERSON{i:02d}" for i in range(8))))


def test_a_channel_that_names_nothing_is_channel_not_found(fake, web):
    refused(fake, call(web, "chat.postMessage", channel="", text="hi"), "channel_not_found")
    refused(fake, call(web, "chat.postMessage", channel="mentoring stats", text="hi"), "channel_not_found")
    accepted(fake, call(web, "chat.postMessage", channel="C0STATS001", text="hi"))


def test_users_info_names_a_user(fake, web):
    refused(fake, call(web, "users.info", user="nobody"), "user_not_found")
    accepted(fake, call(web, "users.info", user="W0PERSON01"))


# --- messages ----------------------------------------------------------------------------------------


def test_a_message_needs_text_or_blocks(fake, web):
    refused(fake, call(web, "chat.postMessage", channel=USER, text=""), "no_text")
    refused(fake, call(web, "chat.postEphemeral", channel="C0GENERAL1", user=USER), "no_text")
    accepted(fake, call(web, "chat.postMessage", channel=USER, blocks=[section()]))


def test_message_text_has_slacks_length_limits(fake, web):
    refused(fake, call(web, "chat.postMessage", channel=USER, text="x" * 40_001), "msg_too_long")
    sent = call(web, "chat.postMessage", channel=USER, text="x" * 40_000)
    accepted(fake, sent)
    channel, ts = sent["channel"], sent["ts"]
    refused(fake, call(web, "chat.update", channel=channel, ts=ts, text="y" * 4_001), "msg_too_long")
    accepted(fake, call(web, "chat.update", channel=channel, ts=ts, text="y" * 4_000))


def test_blocks_that_are_not_a_json_array_are_invalid_blocks_format(fake, web):
    refused(fake, call(web, "chat.postMessage", channel=USER, text="hi", blocks="[{"), "invalid_blocks_format")
    refused(
        fake,
        call(web, "chat.postMessage", channel=USER, text="hi", blocks={"type": "divider"}),
        "invalid_blocks_format",
    )
    accepted(fake, call(web, "chat.postMessage", channel=USER, text="hi", blocks=json.dumps([{"type": "divider"}])))


LIMITS = [
    # (what, too much, just enough, where Slack points)
    ("50 blocks", [section()] * 51, [section()] * 50, "/blocks"),
    ("section text", [section("x" * 3001)], [section("x" * 3000)], "/blocks/0/text/text"),
    (
        "header text",
        [{"type": "header", "text": plain("x" * 151)}],
        [{"type": "header", "text": plain("x" * 150)}],
        "/blocks/0/text/text",
    ),
    (
        "button text",
        [{"type": "actions", "elements": [button("x" * 76)]}],
        [{"type": "actions", "elements": [button("x" * 75)]}],
        "/blocks/0/elements/0/text/text",
    ),
    (
        "action_id",
        [{"type": "actions", "elements": [button(action_id="a" * 256)]}],
        [{"type": "actions", "elements": [button(action_id="a" * 255)]}],
        "/blocks/0/elements/0/action_id",
    ),
    ("block_id", [{**section(), "block_id": "b" * 256}], [{**section(), "block_id": "b" * 255}], "/blocks/0/block_id"),
    (
        "section fields",
        [{"type": "section", "fields": [plain("f")] * 11}],
        [{"type": "section", "fields": [plain("f")] * 10}],
        "/blocks/0/fields",
    ),
    (
        "context elements",
        [{"type": "context", "elements": [plain("c")] * 11}],
        [{"type": "context", "elements": [plain("c")] * 10}],
        "/blocks/0/elements",
    ),
    (
        "actions elements",
        [{"type": "actions", "elements": []}],
        [{"type": "actions", "elements": [button()]}],
        "/blocks/0/elements",
    ),
    (
        "button value",
        [{"type": "actions", "elements": [button(value="v" * 2001)]}],
        [{"type": "actions", "elements": [button(value="v" * 2000)]}],
        "/blocks/0/elements/0/value",
    ),
]


@pytest.mark.parametrize(("what", "too_much", "enough", "pointer"), LIMITS, ids=[c[0] for c in LIMITS])
def test_message_blocks_have_slacks_documented_limits(fake, web, what, too_much, enough, pointer):
    refused(fake, post(web, too_much), "invalid_blocks", pointer)
    accepted(fake, post(web, enough))


SHAPES = [
    # (what, refused, its fixed twin, where Slack points)
    ("empty text", [section("")], [section(".")], "/blocks/0/text/text"),
    (
        "emoji on mrkdwn",
        [{"type": "section", "text": {"type": "mrkdwn", "text": "hi", "emoji": True}}],
        [{"type": "section", "text": {"type": "plain_text", "text": "hi", "emoji": True}}],
        "/blocks/0/text/emoji",
    ),
    (
        "mrkdwn header",
        [{"type": "header", "text": {"type": "mrkdwn", "text": "*hi*"}}],
        [{"type": "header", "text": plain("hi")}],
        "/blocks/0/text/type",
    ),
    ("unknown block type", [{"type": "sektion", "text": plain("hi")}], [section()], "/blocks/0/type"),
    ("unknown field", [{**section(), "colour": "red"}], [section()], "/blocks/0/colour"),
    ("section with nothing to show", [{"type": "section"}], [section()], "/blocks/0"),
    (
        "duplicate block_id",
        [{**section(), "block_id": "same"}, {**section(), "block_id": "same"}],
        [{**section(), "block_id": "same"}, {**section(), "block_id": "other"}],
        "/blocks/1/block_id",
    ),
    (
        "duplicate action_id in a block",
        [{"type": "actions", "elements": [button(), button()]}],
        [{"type": "actions", "elements": [button(), button(action_id="stop")]}],
        "/blocks/0/elements/1/action_id",
    ),
    (
        "initial option not offered",
        [
            {
                **section(),
                "accessory": {
                    "type": "static_select",
                    "action_id": "pick",
                    "options": [option("One", "1")],
                    "initial_option": option("Two", "2"),
                },
            }
        ],
        [
            {
                **section(),
                "accessory": {
                    "type": "static_select",
                    "action_id": "pick",
                    "options": [option("One", "1")],
                    "initial_option": option("One", "1"),
                },
            }
        ],
        "/blocks/0/accessory/initial_option",
    ),
]


@pytest.mark.parametrize(("what", "bad", "good", "pointer"), SHAPES, ids=[c[0] for c in SHAPES])
def test_message_blocks_are_checked_as_slack_checks_them(fake, web, what, bad, good, pointer):
    refused(fake, post(web, bad), "invalid_blocks", pointer)
    accepted(fake, post(web, good))


def test_the_bots_golden_messages_are_valid_block_kit():
    for path in sorted(GOLDEN.glob("*.json")):
        assert message_blocks_problems(json.loads(path.read_text())["blocks"]) == [], path.name


def test_an_update_must_name_a_message_the_bot_posted_in_its_channel(fake, web):
    sent = call(web, "chat.postMessage", channel=USER, text="hi")
    accepted(fake, sent)
    assert sent["channel"] == "D0PERSON01"
    refused(fake, call(web, "chat.update", channel=sent["channel"], ts="1.1", text="new"), "message_not_found")
    # chat.update takes the DM's channel id, never the user id chat.postMessage was given.
    refused(fake, call(web, "chat.update", channel=USER, ts=sent["ts"], text="new"), "channel_not_found")
    refused(
        fake, call(web, "chat.update", channel=sent["channel"], ts=sent["ts"], blocks=[section("")]), "invalid_blocks"
    )
    accepted(fake, call(web, "chat.update", channel=sent["channel"], ts=sent["ts"], text="new"))


# --- views -------------------------------------------------------------------------------------------


VIEW_LIMITS = [
    ("title", modal(title=plain("x" * 25)), modal(title=plain("x" * 24)), "/view/title/text"),
    ("submit", modal(submit=plain("x" * 25)), modal(submit=plain("x" * 24)), "/view/submit/text"),
    ("close", modal(close=plain("x" * 25)), modal(close=plain("x" * 24)), "/view/close/text"),
    (
        "private_metadata",
        modal(private_metadata="m" * 3001),
        modal(private_metadata="m" * 3000),
        "/view/private_metadata",
    ),
    ("100 blocks", modal([section()] * 101), modal([section()] * 100), "/view/blocks"),
    ("callback_id", modal(callback_id="c" * 256), modal(callback_id="c" * 255), "/view/callback_id"),
    ("a block inside", modal([section("x" * 3001)]), modal([section("x" * 3000)]), "/view/blocks/0/text/text"),
    ("no title", {k: v for k, v in modal().items() if k != "title"}, modal(), "/view"),
    (
        "inputs without submit",
        {k: v for k, v in modal([text_input()]).items() if k != "submit"},
        modal([text_input()]),
        "/view/submit",
    ),
    ("a plain_text title", modal(title={"type": "mrkdwn", "text": "*A form*"}), modal(), "/view/title/type"),
    ("an unknown field", modal(colour="red"), modal(), "/view/colour"),
    (
        "input max_length",
        modal([{**text_input(), "element": {"type": "plain_text_input", "action_id": "note", "max_length": 3001}}]),
        modal([{**text_input(), "element": {"type": "plain_text_input", "action_id": "note", "max_length": 3000}}]),
        "/view/blocks/0/element/max_length",
    ),
    (
        "two elements focused on load",
        modal([{**text_input(b), "element": {"type": "plain_text_input", "focus_on_load": True}} for b in "ab"]),
        modal([{**text_input("a"), "element": {"type": "plain_text_input", "focus_on_load": True}}, text_input("b")]),
        "/view/blocks/1/element/focus_on_load",
    ),
    (
        "a select without options",
        modal([{**text_input(), "element": {"type": "static_select", "options": []}}]),
        modal([{**text_input(), "element": {"type": "static_select", "options": [option("One", "1")]}}]),
        "/view/blocks/0/element/options",
    ),
]


@pytest.mark.parametrize(("what", "bad", "good", "pointer"), VIEW_LIMITS, ids=[c[0] for c in VIEW_LIMITS])
def test_modals_have_slacks_limits(fake, web, what, bad, good, pointer):
    refused(fake, call(web, "views.open", trigger_id=fake.issue_trigger(USER), view=bad), "invalid_arguments", pointer)
    accepted(fake, call(web, "views.open", trigger_id=fake.issue_trigger(USER), view=good))


def test_a_home_tab_is_a_home_view_without_buttons_of_a_modal(fake, web):
    home = {"type": "home", "blocks": [section()]}
    refused(fake, call(web, "views.publish", user_id=USER, view=modal()), "invalid_arguments", "/view/type")
    refused(fake, call(web, "views.publish", user_id=USER, view={**home, "submit": plain("Save")}), "invalid_arguments")
    refused(
        fake, call(web, "views.publish", user_id=USER, view={**home, "blocks": [section()] * 101}), "invalid_arguments"
    )
    accepted(fake, call(web, "views.publish", user_id=USER, view={**home, "blocks": [section()] * 100}))


def test_a_view_over_250_kb_is_too_large(fake, web):
    big = modal([section("x" * 3000)] * 90, private_metadata="m" * 3000)
    assert view_problems(big, ("modal",)) == []
    refused(fake, call(web, "views.open", trigger_id=fake.issue_trigger(USER), view=big), "view_too_large")
    accepted(fake, call(web, "views.open", trigger_id=fake.issue_trigger(USER), view=modal([section("x" * 3000)] * 50)))


def test_views_update_needs_a_view_slack_shows_and_its_current_hash(fake, web):
    refused(fake, call(web, "views.update", view_id="V0NOTOPEN", view=modal()), "not_found")
    opened = call(web, "views.open", trigger_id=fake.issue_trigger(USER), view=modal())
    accepted(fake, opened)
    view_id, first_hash = opened["view"]["id"], opened["view"]["hash"]
    updated = call(web, "views.update", view_id=view_id, hash=first_hash, view=modal([text_input()]))
    accepted(fake, updated)
    refused(fake, call(web, "views.update", view_id=view_id, hash=first_hash, view=modal()), "hash_conflict")


# --- trigger ids -------------------------------------------------------------------------------------


def test_a_trigger_id_opens_one_view(fake, web):
    trigger = fake.issue_trigger(USER)
    accepted(fake, call(web, "views.open", trigger_id=trigger, view=modal()))
    refused(fake, call(web, "views.open", trigger_id=trigger, view=modal()), "exchanged_trigger_id")
    refused(fake, call(web, "views.push", trigger_id=trigger, view=modal()), "exchanged_trigger_id")


def test_a_trigger_id_slack_never_issued_is_invalid(fake, web):
    refused(
        fake,
        call(web, "views.open", trigger_id="13345224609.738474920.8088930838d", view=modal()),
        "invalid_trigger_id",
    )
    accepted(fake, call(web, "views.push", trigger_id=fake.issue_trigger(USER), view=modal()))


def test_a_trigger_id_expires_3_seconds_after_the_action_on_the_emulators_clock(fake, web, watch):
    late, in_time = fake.issue_trigger(USER), fake.issue_trigger(USER)
    watch.at += 2.9
    accepted(fake, call(web, "views.open", trigger_id=in_time, view=modal()))
    watch.at += 0.2
    refused(fake, call(web, "views.open", trigger_id=late, view=modal()), "expired_trigger_id")


def test_a_refused_view_leaves_its_trigger_id_unspent(fake, web):
    trigger = fake.issue_trigger(USER)
    refused(fake, call(web, "views.open", trigger_id=trigger, view=modal(title=plain(""))), "invalid_arguments")
    accepted(fake, call(web, "views.open", trigger_id=trigger, view=modal()))


def test_a_trigger_id_put_in_by_hand_starts_its_clock_then(fake, web, watch):
    fake.triggers["7.1700000000.sandbox"] = USER  # how the sandbox registers the triggers it makes
    watch.at += 3.5
    refused(fake, call(web, "views.open", trigger_id="7.1700000000.sandbox", view=modal()), "expired_trigger_id")
    fake.triggers["8.1700000000.sandbox"] = USER
    watch.at += 1
    accepted(fake, call(web, "views.open", trigger_id="8.1700000000.sandbox", view=modal()))


# --- files -------------------------------------------------------------------------------------------


def test_an_upload_completes_only_for_files_that_were_uploaded(fake, web):
    refused(fake, call(web, "files.getUploadURLExternal", filename="chart.png", length=0), "missing_argument")
    files = json.dumps([{"id": "F0NEVERSEEN", "title": "chart"}])
    refused(fake, call(web, "files.completeUploadExternal", files=files, channel_id="C0STATS001"), "file_not_found")
    web.files_upload_v2(channel="C0STATS001", file=b"\x89PNG...", filename="chart.png", title="chart")
    assert fake.take_refusals() == []
    [done] = fake.calls_to("files.completeUploadExternal")[-1:]
    assert json.loads(done["files"])[0]["id"] in fake.uploads


# --- faults and the record of refusals ---------------------------------------------------------------


def test_injected_429s_and_latency_still_come_before_the_rules_and_are_no_refusals(fake, web):
    fake.fail("chat.postMessage", times=1, retry_after=2)
    with pytest.raises(SlackApiError) as raised:
        web.chat_postMessage(channel=USER, text="hi")
    assert raised.value.response.status_code == 429 and raised.value.response.headers["Retry-After"] == "2"
    assert fake.refusals == []
    fake.latency = 0.05
    accepted(fake, call(web, "chat.postMessage", channel=USER, text="hi"))


def test_stopping_fails_the_test_while_a_refusal_was_not_taken(watch):
    fake = FakeSlack(clock=watch)
    call(WebClient(token="xoxb-1-2-strict", base_url=fake.start(), retry_handlers=[]), "no.such")
    assert [r.error for r in fake.refusals] == ["unknown_method"]
    with pytest.raises(AssertionError, match="refused 1 call"):
        fake.stop()

    quiet = FakeSlack(clock=watch)
    quiet.start()
    quiet.stop()


# --- acknowledgements --------------------------------------------------------------------------------


def test_a_submissions_acknowledgement_is_held_to_slacks_rules(fake, web):
    opened = call(web, "views.open", trigger_id=fake.issue_trigger(USER), view=modal([text_input("goals")]))
    accepted(fake, opened)
    submitted = {**opened["view"], "state": {"values": {"goals": {"goals": {"type": "plain_text_input"}}}}}

    def check(body: dict[str, Any], view: dict[str, Any] = submitted) -> str | None:
        refusal = fake.check_acknowledgement("view_submission", body, view)
        assert fake.take_refusals() == ([] if refusal is None else [refusal])
        return None if refusal is None else refusal.error

    assert check({"response_action": "update", "view": modal(title=plain("x" * 25))}) == "invalid_arguments"
    assert check({"response_action": "push", "view": {"type": "home", "blocks": [section()]}}) == "invalid_arguments"
    assert check({"response_action": "push", "view": modal()}) is None
    assert check({"response_action": "errors", "errors": {"bio": "Too short."}}) == "invalid_arguments"
    assert check({"response_action": "errors", "errors": {"goals": ""}}) == "invalid_arguments"
    assert check({"response_action": "errors", "errors": {"goals": "Too short."}}) is None
    assert check({"response_action": "close"}) == "invalid_arguments"
    assert check({"response_action": "clear"}) is None
    # A view the emulator never opened: Slack would check its own copy, which nobody here knows.
    assert check({"response_action": "errors", "errors": {"bio": "Too short."}}, {"id": "V0UNKNOWN"}) is None
    # Once updated, the modal Slack shows is the new one: its fields are the ones errors may name.
    assert check({"response_action": "update", "view": modal([text_input("bio")])}) is None
    assert check({"response_action": "errors", "errors": {"goals": "Too short."}}) == "invalid_arguments"
    assert check({"response_action": "errors", "errors": {"bio": "Too short."}}) is None


def test_a_commands_acknowledgement_is_a_message_slack_accepts(fake):
    assert fake.check_acknowledgement("slash_commands", {"response_action": "update", "view": modal()}) is not None
    assert fake.check_acknowledgement("slash_commands", {"text": "hi", "blocks": [section("")]}) is not None
    assert [r.error for r in fake.take_refusals()] == ["invalid_arguments", "invalid_blocks"]
    assert fake.check_acknowledgement("slash_commands", {"text": "hi", "blocks": [section()]}) is None
    assert fake.check_acknowledgement("block_actions", {}) is None
    assert fake.take_refusals() == []
