"""The table behind the one Bolt listener for clicks (and the one for form submissions)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from handlers.routes import Routes, action_id


def click(action: str) -> dict[str, Any]:
    return {"type": "block_actions", "actions": [{"action_id": action}]}


def test_an_id_finds_its_listener_then_a_pattern_then_the_fallback():
    heard: list[tuple[str, tuple[Any, ...]]] = []

    def accept(ack: Any, body: Any, context: Any) -> None:
        heard.append(("accept", (ack, body, context)))

    def confidence(ack: Any, body: Any) -> None:
        heard.append(("confidence", (ack, body)))

    def unknown(ack: Any) -> None:
        heard.append(("unknown", (ack,)))

    routes = Routes(action_id, fallback=unknown)
    routes.on("proposal_accept")(accept)
    routes.on(re.compile(r"^confidence_\d$"))(confidence)
    route = routes.listener()

    for action in ("proposal_accept", "confidence_4", "confidence_44", "proposal_accepted"):
        body = click(action)
        route(ack="ack", body=body, context="context", view=None)
    assert [name for name, _ in heard] == ["accept", "confidence", "unknown", "unknown"]
    # Each listener gets exactly the arguments it names, as Bolt would pass them.
    assert heard[0][1] == ("ack", click("proposal_accept"), "context")
    assert heard[1][1] == ("ack", click("confidence_4"))
    assert heard[2][1] == ("ack",)


def test_an_id_routed_twice_or_a_listener_naming_what_no_route_passes_is_refused_at_start():
    routes = Routes(action_id, fallback=lambda ack: None)
    routes.on("x")(lambda ack: None)
    with pytest.raises(ValueError, match="routed twice"):
        routes.on("x")(lambda ack: None)

    def wants_a_client(ack: Any, client: Any) -> None: ...

    with pytest.raises(TypeError, match="client"):
        routes.on("y")(wants_a_client)


def test_every_registered_click_and_form_reaches_its_own_listener(bot):
    # Through the real app: an Accept on a proposal that does not exist is answered by the proposal
    # listener (which says so), not by the unknown-button fallback.
    response = bot.slack.click("U0MENTOR01", "proposal_accept", "999999")
    assert response.status == 200
    bot.slack.settle()
    told = [c.args.get("text", "") for c in bot.fake.calls if c.method in ("chat.postEphemeral", "chat.update")]
    assert told and not any("don't recognise that button" in t for t in told), told


def test_a_payload_without_an_id_goes_to_the_fallback():
    from handlers.routes import callback_id

    # Bolt hands a legacy attachment's click to action listeners too; it names no action_id.
    assert action_id({"type": "interactive_message", "actions": [{"name": "x"}]}) == ""
    assert action_id({"type": "block_actions", "actions": []}) == ""
    assert callback_id({"type": "view_submission", "view": None}) == ""
    fallback = lambda ack: None  # noqa: E731
    routes = Routes(action_id, fallback=fallback)
    routes.on("proposal_accept")(lambda ack: None)
    assert routes.find({"type": "interactive_message"}) is fallback


def test_a_modal_acts_in_the_workspace_that_installed_its_app():
    from handlers.context import team_of

    # A modal opened from a Slack Connect channel: the person's own team is another workspace's.
    body = {"team": {"id": "TOTHER001"}, "user": {"id": "U1", "team_id": "TOTHER001"}}
    body["view"] = {"type": "modal", "app_installed_team_id": "TAAAA0001", "team_id": "TOTHER001"}
    assert team_of(body) == "TAAAA0001"
    assert team_of({"team": None, "user": {"id": "U1", "team_id": "TAAAA0001"}}) == "TAAAA0001"
    assert team_of({"team": "TAAAA0002", "user": {"id": "U1"}}) == "TAAAA0002"
