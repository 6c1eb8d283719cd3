"""Messages of matching: the proposal to a mentor, its outcome, the introduction, and notes to the mentee.

Reasons are stored as facts (bot.matching.reasons) and put into words here for whoever reads them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

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
from bot.blockkit.text import every_weeks, join_words, plural, slack_date
from bot.matching.reasons import Reader, is_broader, render
from bot.programs.catalog import cohort_end
from bot.storage.models import MentoringRequest, Pairing, Program, Proposal
from bot.storage.statuses import ProgramKind, ProposalStatus

ACCEPT_ACTION = "proposal_accept"
DECLINE_ACTION = "proposal_decline"
REASON_ACTION = "proposal_reason"
WAIT_FOR_TOPICS_ACTION = "match_wait_for_topics"
MATCH_BROADLY_ACTION = "match_broadly"
WAIT_LABEL = "Wait for a mentor who covers my topics"
BROADLY_LABEL = "Match me more broadly"
_MENTOR_NAME, _MENTEE_NAME = "\x00mentor\x00", "\x00mentee\x00"


def _topics_line(topics: Sequence[str]) -> str:
    return escape(", ".join(topics)) if topics else "none chosen"


def proposal_message(
    proposal: Proposal, request: MentoringRequest, program: Program, chosen: bool = False
) -> dict[str, Any]:
    """Asks a mentor to take a mentee on. `chosen` when the mentee picked them from a list of their best matches."""
    mentee = f"<@{request.mentee_user_id}>"
    why = escape(" · ".join(render(proposal.reasons, Reader.MENTOR))) or "your experience fits what they're after"
    broader = is_broader(proposal.reasons)
    blocks: list[Block] = [
        section(f"*Would you mentor {mentee}?*"),
        section("*What they'd like to grow in*\n" + quote(request.goals)),
        section(f"*Topics:* {_topics_line(request.topics)}\n*Program:* {escape(program.name)}"),
        section(f"*Why {'them' if broader else 'you'}:* {why}"),
        actions(
            button("Accept", ACCEPT_ACTION, str(proposal.id), style="primary"),
            button("Decline", DECLINE_ACTION, str(proposal.id)),
            block_id=f"proposal-{proposal.id}",
        ),
        context(
            "If you accept, I'll introduce you both in a group DM. If not, no hard feelings: I'll ask someone else."
        ),
    ]
    if program.kind == ProgramKind.REVERSE:
        blocks.insert(
            3,
            context(
                "This is reverse mentoring: you'd share what you know with a more senior colleague, who "
                "brings years of experience of their own. Expect to learn as much as you teach."
            ),
        )
    if chosen:
        blocks.insert(1, context(f"{mentee} chose you from the mentors who fit them best."))
    return message(f"Would you mentor {mentee}? They're looking for help with their goals.", blocks)


def proposal_outcome(proposal: Proposal, request: MentoringRequest, outcome: ProposalStatus | None) -> dict[str, Any]:
    """Replaces a proposal once it is decided, so its buttons cannot be pressed again."""
    mentee = f"<@{request.mentee_user_id}>"
    if outcome == ProposalStatus.ACCEPTED:
        text = f"You're now mentoring {mentee}. I've introduced you both in a group DM. Thank you!"
        blocks: list[Block] = [section(text)]
    elif outcome == ProposalStatus.DECLINED:
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


def rhythm_line(program: Program, now: datetime) -> str:
    """What the pair can expect from the bot, in this program's own cadence, length and start."""
    cadence = every_weeks(program.cadence_weeks)
    if program.starts_at is not None and program.starts_at > now:
        start = f"Your cohort starts on {slack_date(program.starts_at)}; from then, I'll check in here {cadence}"
    else:
        start = f"I'll check in here {cadence}"
    end = cohort_end(program)
    if end is not None and end > now:
        length = f"until the cohort graduates together on {slack_date(end)}"
    else:
        length = f"for the next {plural(program.length_weeks, 'week')}"
    return (
        f"{start} {length}, to ask whether you met. Now and then I'll bring a question worth talking "
        "through, and a reminder to trade honest feedback in both directions. Answers you give me "
        "privately stay private. If the match isn't working for either of you, say so: a rematch is "
        "no one's fault."
    )


def intro_message(
    pairing: Pairing, request: MentoringRequest, reasons: Sequence[str], program: Program, now: datetime
) -> dict[str, Any]:
    mentee, mentor = f"<@{pairing.mentee_user_id}>", f"<@{pairing.mentor_user_id}>"
    # Names go in after escaping, so only the two mentions are live, never text typed into a topic.
    said = [
        escape(r).replace(_MENTOR_NAME, mentor).replace(_MENTEE_NAME, mentee)
        for r in render(reasons, Reader.PAIR, mentor=_MENTOR_NAME, mentee=_MENTEE_NAME)
    ]
    blocks: list[Block] = [
        header("Welcome to your mentoring pair!"),
        section(f"{mentee}, meet {mentor}, your mentor. {mentor}, meet {mentee}, your mentee."),
        section(f"*What {mentee} would like to grow in*\n" + quote(request.goals)),
        section(
            f"*Topics:* {_topics_line(request.topics)}" + (f"\n*Why this match:* {' · '.join(said)}" if said else "")
        ),
        divider(),
        section(
            "*A first meeting, in about 30 minutes*\n"
            "1. Your stories so far: how each of you got here, and what you hope to take from this.\n"
            "2. Pick one or two of the goals above to focus on for the next few weeks.\n"
            "3. Agree on a rhythm: how often you'll meet, where, and who sends the invite.\n"
            "4. Ground rules: what stays between you, and how you both like feedback, direct or gentle.\n"
            "5. One small step the mentee will try before you meet again."
        ),
        section("*What I'll do from here*\n" + rhythm_line(program, now)),
    ]
    if program.kind == ProgramKind.REVERSE:
        blocks.insert(
            2,
            context(
                f"This is reverse mentoring: {mentor} shares what they know of today's tools and ways of "
                f"working, and {mentee} brings years of experience of their own. Expect both of you to learn."
            ),
        )
    return message(f"{mentee}, meet {mentor}, your mentor.", blocks)


def mentee_asked_note(reasons: Sequence[str] = (), opening: bool = False) -> dict[str, Any]:
    """The mentee's news that a mentor was asked. `opening` when it answers the request they just
    made; a request carried over (a rematch, a cohort match, a freed place) gets no thanks for it."""
    said = render(reasons, Reader.MENTEE)
    thanks = "Thanks, your request is in! " if opening else ""
    if is_broader(reasons):
        text = (
            "As you asked, I've looked beyond your topics and found a mentor who could still help: "
            + escape("; ".join(said))
            + ". I've asked them, and you'll hear back here as soon as they reply."
        )
    elif said:
        text = (
            f"{thanks}I've found a mentor who fits you: {escape('; '.join(said))}. "
            "I've asked them, and you'll hear back here as soon as they reply."
        )
    else:
        text = (
            f"{thanks}I've found a mentor who fits your goals and asked them. "
            "You'll hear back here as soon as they reply."
        )
    return message(text, [section(text)])


def no_cover_choice(request: MentoringRequest) -> dict[str, Any]:
    """Mentors have room, but none covers any of the mentee's topics: they choose what happens next."""
    topics = escape(join_words(list(request.topics)))
    text = (
        f"Right now no mentor with room covers any of your topics ({topics}). "
        "I can wait until one does, or match you now with a mentor from outside those topics, who could "
        "still help with the goals you wrote. What would you prefer?"
    )
    return message(
        text,
        [
            section(text),
            actions(
                button(WAIT_LABEL, WAIT_FOR_TOPICS_ACTION, str(request.id), style="primary"),
                button(BROADLY_LABEL, MATCH_BROADLY_ACTION, str(request.id)),
                block_id=f"no-cover-{request.id}",
            ),
        ],
    )


def waiting_for_topics_note(request_id: int) -> dict[str, Any]:
    """Replaces the choice once the mentee chose to wait; they can still change their mind."""
    text = (
        "Got it: I'll wait for a mentor who covers your topics and ask them as soon as one has room. "
        "If you change your mind, I can match you more broadly instead."
    )
    return message(
        text,
        [
            section(text),
            actions(button(BROADLY_LABEL, MATCH_BROADLY_ACTION, str(request_id)), block_id=f"waiting-{request_id}"),
        ],
    )


def broader_chosen_note() -> dict[str, Any]:
    """Replaces the choice once the mentee chose a broader match; what happened next follows in its own note."""
    text = "Got it: I'll match you more broadly, with a mentor from outside your topics."
    return message(text, [section(text)])


def mentee_broader_waiting_note(choosing: bool = False) -> dict[str, Any]:
    """`choosing` in programs where mentees choose their mentor from a list."""
    then = (
        "as soon as mentors have room, I'll send you a list to choose from"
        if choosing
        else "the first mentor with room will be asked, and I'll let you know here"
    )
    text = (
        "Every mentor is fully booked right now, so your request is waiting. As you asked, I'll match you "
        f"more broadly: {then}."
    )
    return message(text, [section(text)])


def choice_closed_note() -> dict[str, Any]:
    text = (
        "This request has already moved on, so there's nothing to choose here any more. "
        "`/mentor status` shows where it stands."
    )
    return message(text, [section(text)])


def mentee_waiting_note(opening: bool = False, choosing: bool = False) -> dict[str, Any]:
    """`choosing` in programs where mentees choose their mentor from a list."""
    then = (
        "As soon as one has room, I'll send you the best matches to choose from."
        if choosing
        else "I'll ask the first good match as soon as one has room, and let you know here."
    )
    text = (
        "Thanks, your request is in. " if opening else ""
    ) + f"Every mentor who'd fit is fully booked right now, so your request is waiting. {then}"
    return message(text, [section(text)])


def mentee_cohort_note(starts_at: datetime, opening: bool = False) -> dict[str, Any]:
    when = slack_date(starts_at)
    text = (
        ("Thanks, your request is in! " if opening else "Your request is waiting for the cohort. ")
        + f"This program runs as a cohort that starts on {when}. The program owners match everyone "
        "together, on or before that day, and I'll let you know here who has been asked. Your pair's "
        "check-ins begin when the cohort starts."
    )
    return message(text, [section(text)])


def cohort_left_note(program: Program, covered: bool, removed: bool = False) -> dict[str, Any]:
    """To a mentee the published cohort match left without a mentor: why, and what happens next.
    `removed` when an owner took them out of the plan: they are still looking for the right mentor."""
    why = (
        "the program owners want to find you a mentor who fits better than this round allowed"
        if removed
        else "the mentors who cover your topics were all matched with other mentees this round"
        if covered
        else "no mentor in this program covers your topics yet"
    )
    start = program.starts_at
    when = f"From the cohort start on {slack_date(start)}, " if start is not None else "From now on, "
    text = (
        f"The program owners have matched this cohort, and there wasn't a mentor for you this round: {why}. "
        f"Your request stays open and keeps its place in the queue. {when}I'll ask the first mentor who "
        "fits as soon as one has room, and let you know here. Nothing for you to do in the meantime."
    )
    return message(text, [section(text)])
