"""Messages: help, proposals, introductions, notes to mentees and the status summary."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.storage.models import MentoringRequest, Pairing, Program, Proposal
from bot.blockkit.blocks import (
    Block,
    actions,
    button,
    context,
    divider,
    escape,
    header,
    message,
    quote,
    section,
)

ACCEPT_ACTION = "proposal_accept"
DECLINE_ACTION = "proposal_decline"
REASON_ACTION = "proposal_reason"
HOME_REQUEST_ACTION = "home_request"
HOME_OFFER_ACTION = "home_offer"

COMMANDS = (
    ("request", "tell me your goals and I'll match you with a mentor who fits"),
    ("offer", "volunteer as a mentor, or edit your mentor profile"),
    ("status", "see your pairings and any request that is still waiting"),
    ("pause [weeks]", "pause your check-ins and prompts, 2 weeks unless you say otherwise"),
    ("leave", "step out of mentoring: ends your pairings kindly and withdraws your requests and offer"),
    ("help", "show this list"),
)
OWNER_COMMANDS = (
    ("program [NAME | new]", "create or edit a program (owners)"),
    ("stats [program]", "post the program's figures in this channel (owners)"),
    ("match [program]", "preview and publish the best match for everyone waiting (owners)"),
)


def help_message(unknown: str | None = None) -> dict[str, Any]:
    lines = [f"• `/mentor {name}`: {what}" for name, what in COMMANDS + OWNER_COMMANDS]
    intro = "I help you find a mentor, or become one. Here's what you can ask me:"
    if unknown:
        intro = f"I don't know `/mentor {unknown[:40]}`. Here's what I can do:"
    text = intro + "\n" + "\n".join(lines)
    return {"response_type": "ephemeral", "text": text, "blocks": [section(text)]}


def _topics_line(topics: Sequence[str]) -> str:
    return escape(", ".join(topics)) if topics else "none chosen"


def proposal_message(proposal: Proposal, request: MentoringRequest, program: Program) -> dict[str, Any]:
    mentee = f"<@{request.mentee_user_id}>"
    why = escape(" · ".join(proposal.reasons)) or "you have room and the right experience"
    blocks: list[Block] = [
        section(f"*Would you mentor {mentee}?*"),
        section("*What they'd like to grow in*\n" + quote(request.goals)),
        section(f"*Topics:* {_topics_line(request.topics)}\n*Program:* {escape(program.name)}"),
        section(f"*Why you:* {why}"),
        actions(
            button("Accept", ACCEPT_ACTION, str(proposal.id), style="primary"),
            button("Decline", DECLINE_ACTION, str(proposal.id)),
            block_id=f"proposal-{proposal.id}",
        ),
        context(
            "If you accept, I'll introduce you both in a group DM. If not, no hard feelings: I'll ask someone else."
        ),
    ]
    return message(f"Would you mentor {mentee}? They're looking for help with their goals.", blocks)


def proposal_outcome(proposal: Proposal, request: MentoringRequest, outcome: str) -> dict[str, Any]:
    """Replaces a proposal once it is decided, so its buttons cannot be pressed again."""
    mentee = f"<@{request.mentee_user_id}>"
    if outcome == "accepted":
        text = f"You're now mentoring {mentee}. I've introduced you both in a group DM. Thank you!"
        blocks: list[Block] = [section(text)]
    elif outcome == "declined":
        text = f"You declined {mentee}'s request. No problem: I'll ask someone else."
        blocks = [
            section(text),
            actions(button("Add a reason", REASON_ACTION, str(proposal.id)), block_id=f"reason-{proposal.id}"),
            context("A reason is optional, and only kept in the program's private records."),
        ]
    else:
        text = f"{mentee}'s request has already been taken care of. Nothing more to do here."
        blocks = [section(text)]
    return message(text, blocks)


def intro_message(pairing: Pairing, request: MentoringRequest, reasons: Sequence[str]) -> dict[str, Any]:
    mentee, mentor = f"<@{pairing.mentee_user_id}>", f"<@{pairing.mentor_user_id}>"
    blocks: list[Block] = [
        header("Welcome to your mentoring pair!"),
        section(f"{mentee}, meet {mentor}, your mentor. {mentor}, meet {mentee}, your mentee."),
        section(f"*What {mentee} would like to grow in*\n" + quote(request.goals)),
        section(f"*Topics:* {_topics_line(request.topics)}"
                + (f"\n*Why this match:* {escape(' · '.join(reasons))}" if reasons else "")),
        divider(),
        section(
            "*A first meeting, in about 30 minutes*\n"
            "1. Your stories so far: how each of you got here, and what you hope to take from this.\n"
            "2. Pick one or two of the goals above to focus on for the next few weeks.\n"
            "3. Agree on a rhythm: how often you'll meet, where, and who sends the invite.\n"
            "4. Ground rules: what stays between you, and how you both like feedback, direct or gentle.\n"
            "5. One small step the mentee will try before you meet again."
        ),
        section(
            "*What I'll do from here*\n"
            "I'll check in here each week to ask whether you met. Now and then I'll bring a question worth "
            "talking through, and a reminder to trade honest feedback in both directions. Answers you give "
            "me privately stay private. If the match isn't working for either of you, say so: a rematch is "
            "no one's fault."
        ),
    ]
    return message(f"{mentee}, meet {mentor}, your mentor.", blocks)


def mentee_asked_note() -> dict[str, Any]:
    text = (
        "Thanks, your request is in! I've found a mentor who fits your goals and asked them. "
        "You'll hear back here as soon as they reply."
    )
    return message(text, [section(text)])


def mentee_waiting_note() -> dict[str, Any]:
    text = (
        "Thanks, your request is in. Every mentor who'd fit is fully booked right now, so your request "
        "is waiting. I'll ask the first good match as soon as one has room, and let you know here."
    )
    return message(text, [section(text)])


def paused_message(until: datetime) -> dict[str, Any]:
    # Slack renders the date in each reader's own timezone.
    when = f"<!date^{int(until.timestamp())}^{{date_long}}|{until:%d %B %Y}>"
    text = f"Paused until {when}. Your check-ins and prompts stop until then and start again on their own. Enjoy!"
    return {"response_type": "ephemeral", "text": text, "blocks": [section(text)]}


def left_message(pairings: int, requests: int, profiles: int) -> dict[str, Any]:
    if not (pairings or requests or profiles):
        text = "You weren't part of any mentoring, so there was nothing to leave. You're welcome back any time."
    else:
        parts = []
        if pairings:
            parts.append(f"ended {pairings} pairing(s) and let the other person know")
        if requests:
            parts.append("withdrawn your request")
        if profiles:
            parts.append("hidden your mentor profile")
        text = f"Done: I've {', '.join(parts)}. Thank you for taking part; you're welcome back any time."
    return {"response_type": "ephemeral", "text": text, "blocks": [section(text)]}


def mentee_cohort_note(starts_at: datetime) -> dict[str, Any]:
    when = f"<!date^{int(starts_at.timestamp())}^{{date_long}}|{starts_at:%d %B %Y}>"
    text = (f"Thanks, your request is in! This program's cohort starts on {when}: the program owners will match "
            "everyone together then, and I'll let you know here who has been asked.")
    return message(text, [section(text)])


def status_message(
    pairings_as_mentee: Sequence[Pairing],
    pairings_as_mentor: Sequence[Pairing],
    open_requests: Sequence[MentoringRequest],
    mentor_summary: str | None,
) -> dict[str, Any]:
    lines: list[str] = []
    for p in pairings_as_mentee:
        lines.append(f"• You're being mentored by <@{p.mentor_user_id}> since {p.started_at:%d %b %Y}.")
    for p in pairings_as_mentor:
        lines.append(f"• You're mentoring <@{p.mentee_user_id}> since {p.started_at:%d %b %Y}.")
    for r in open_requests:
        state = "a mentor has been asked and I'm waiting for their answer" if r.status == "proposed" else (
            "waiting for a mentor with room"
        )
        lines.append(f"• Your request from {r.created_at:%d %b %Y}: {state}.")
    if mentor_summary:
        lines.append(f"• {mentor_summary}")
    if not lines:
        text = (
            "You're not part of a mentoring pair yet. "
            "Try `/mentor request` to find a mentor or `/mentor offer` to become one."
        )
    else:
        text = "*Your mentoring at a glance*\n" + "\n".join(lines)
    return {"response_type": "ephemeral", "text": text, "blocks": [section(text)]}
