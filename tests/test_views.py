"""Block Kit builders: golden files pin whole messages; slack_sdk's models check Slack's limits."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.matching import messages, modals, reasons
from bot.programs.catalog import DEFAULT_TOPICS
from bot.storage.models import MentoringRequest, MentorProfile, Pairing, Program, Proposal
from handlers.commands.mentor import help_message

GOLDEN = Path(__file__).parent / "golden"
NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)


def program(topics=None, **settings) -> Program:
    return Program(
        id=1,
        team_id="T1",
        name="Mentoring",
        kind=settings.pop("kind", "classic"),
        status="open",
        topics=DEFAULT_TOPICS if topics is None else topics,
        created_at=NOW,
        default_capacity=2,
        cadence_weeks=settings.pop("cadence_weeks", 1),
        length_weeks=settings.pop("length_weeks", 12),
        **settings,
    )


def mentoring_request(goals: str = "Lead my first project & give <better> feedback.") -> MentoringRequest:
    return MentoringRequest(
        id=7,
        team_id="T1",
        program_id=1,
        mentee_user_id="UMENTEE",
        goals=goals,
        topics=["Leadership", "Communication"],
        status="proposed",
        source_key="k",
        created_at=NOW,
    )


def proposal() -> Proposal:
    return Proposal(
        id=3,
        team_id="T1",
        request_id=7,
        mentor_profile_id=1,
        mentor_user_id="UMENTOR",
        score=81.5,
        reasons=[
            reasons.topics(2, ["Leadership", "Communication"]),
            reasons.level(2, reverse=False),
            reasons.department("Sales", "Engineering"),
            reasons.timezone(0),
        ],
        status="pending",
        created_at=NOW,
    )


def pairing() -> Pairing:
    return Pairing(
        id=9,
        team_id="T1",
        program_id=1,
        request_id=7,
        mentor_profile_id=1,
        mentor_user_id="UMENTOR",
        mentee_user_id="UMENTEE",
        status="active",
        started_at=NOW,
    )


def check_golden(name: str, payload: dict) -> None:
    path = GOLDEN / f"{name}.json"
    rendered = json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(rendered)
    assert path.exists(), f"{path} is missing; create it with UPDATE_GOLDEN=1"
    assert rendered == path.read_text(), f"{name} changed; rerun with UPDATE_GOLDEN=1 if that is intended"


def validate_message(payload: dict) -> None:
    assert len(payload["blocks"]) <= 50
    for block in payload["blocks"]:
        parsed = Block.parse(block)
        assert parsed is not None, block
        parsed.validate_json()


def test_proposal_message_golden():
    payload = messages.proposal_message(proposal(), mentoring_request(), program())
    check_golden("proposal", payload)
    validate_message(payload)
    buttons = payload["blocks"][4]["elements"]
    assert [b["text"]["text"] for b in buttons] == ["Accept", "Decline"]


def test_intro_message_golden():
    payload = messages.intro_message(pairing(), mentoring_request(), proposal().reasons, program(), NOW)
    check_golden("intro", payload)
    validate_message(payload)


def _words(payload: dict) -> str:
    return json.dumps(payload["blocks"])


def test_intro_promises_the_programs_own_rhythm():
    weekly = _words(messages.intro_message(pairing(), mentoring_request(), [], program(), NOW))
    assert "check in here every week for the next 12 weeks" in weekly
    fortnightly = _words(
        messages.intro_message(pairing(), mentoring_request(), [], program(cadence_weeks=2, length_weeks=8), NOW)
    )
    assert "every 2 weeks for the next 8 weeks" in fortnightly
    assert "each week" not in fortnightly and "every week" not in fortnightly


def test_intro_of_a_cohort_names_its_start_and_shared_graduation():
    starts = NOW + timedelta(days=10)
    cohort = program(starts_at=starts, length_weeks=6)
    words = _words(messages.intro_message(pairing(), mentoring_request(), [], cohort, NOW))
    assert f"<!date^{int(starts.timestamp())}^" in words and "Your cohort starts on" in words
    graduation = starts + timedelta(weeks=6)
    assert f"graduates together on <!date^{int(graduation.timestamp())}^" in words
    # Once the cohort runs, the intro no longer speaks of a start in the future.
    later = _words(messages.intro_message(pairing(), mentoring_request(), [], cohort, starts + timedelta(days=1)))
    assert "Your cohort starts on" not in later and "graduates together" in later


def test_reverse_programs_say_so_in_the_proposal_and_the_intro():
    reverse = program(kind="reverse")
    proposal_words = _words(messages.proposal_message(proposal(), mentoring_request(), reverse))
    intro_words = _words(messages.intro_message(pairing(), mentoring_request(), [], reverse, NOW))
    assert "reverse mentoring" in proposal_words and "reverse mentoring" in intro_words
    classic = program()
    assert "reverse" not in _words(messages.proposal_message(proposal(), mentoring_request(), classic))
    assert "reverse" not in _words(messages.intro_message(pairing(), mentoring_request(), [], classic, NOW))


def test_user_text_cannot_ping_or_link():
    payload = messages.proposal_message(proposal(), mentoring_request("<!channel> see <https://x|here>"), program())
    text = json.dumps(payload)
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text


def test_longest_inputs_stay_within_slacks_limits():
    long_request = mentoring_request("x" * 1000)
    for payload in (
        messages.proposal_message(proposal(), long_request, program()),
        messages.intro_message(pairing(), long_request, ["r" * 200] * 4, program(kind="reverse"), NOW),
    ):
        validate_message(payload)
    many_topics = program([f"Topic number {n} " + "y" * 80 for n in range(150)])
    profile = MentorProfile(
        topics=["z" * 60] * 20, capacity=5, load=0, level=6, department="d" * 80, bio="b" * 500, open_to_reverse=True
    )
    for view in (
        modals.offer_modal(many_topics, [many_topics, program()], profile, None),
        modals.request_modal(many_topics, [many_topics, program()], 3, "Sales"),
        modals.decline_reason_modal(3),
    ):
        View(**view).validate_json()
        assert len(view["blocks"]) <= 100


@pytest.mark.parametrize("unknown", [None, "dance"])
def test_help_is_one_ephemeral_section(unknown):
    payload = help_message(unknown)
    assert payload["response_type"] == "ephemeral"
    validate_message(payload)
