"""Listeners are plain module-level functions: each can be imported and called alone, without a server."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, BoltContext

from handlers.commands import mentor
from handlers.fallbacks import other_command


def answer_of(ack: Ack) -> dict[str, Any]:
    """The acknowledgement as Slack reads it: a JSON message, or a bare text body that Slack shows as text."""
    assert ack.response is not None, "the listener never acknowledged"
    if not ack.response.body.startswith("{"):
        return {"text": ack.response.body}
    body = json.loads(ack.response.body)
    assert isinstance(body, dict)
    return body


def run(text: str) -> dict[str, Any]:
    ack = Ack()
    mentor.mentor_command(ack, {"text": text, "team_id": "T1", "user_id": "U1"}, BoltContext())
    return answer_of(ack)


def test_help_is_written_from_the_same_table_that_dispatches():
    text = run("help")["text"]
    for subcommand in mentor.SUBCOMMANDS:
        assert f"`/mentor {subcommand.usage}`: {subcommand.about}" in text
    assert text.count("• `/mentor ") == len(mentor.SUBCOMMANDS)


def test_an_unknown_word_gets_the_list_and_names_the_word():
    text = run("dance")["text"]
    assert text.startswith("I don't know `/mentor dance`") and "`/mentor request`" in text


def test_a_fallback_listener_answers_alone():
    ack = Ack()
    other_command(ack, {"command": "/other"})
    assert "only answer to `/mentor`" in answer_of(ack)["text"]
