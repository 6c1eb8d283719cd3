"""Messages of a pair's practices: the mid-point look at the goals, private progress notes on App Home,
encouragement when a mentee's confidence dips, and the relationship check with what follows it.

Each is written for the one person who reads it. None of them shows anyone else's answer. Their
forms are in `bot.pairing.practice_forms`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.blockkit.blocks import (
    Block,
    actions,
    button,
    context,
    escape,
    message,
    quote,
    section,
)
from bot.blockkit.text import every_weeks, slack_date
from bot.pairing.messages import REMATCH_ACTION
from bot.pairing.prompts import Prompt
from bot.storage.models import Pairing, ProgressNote
from bot.storage.statuses import GoalsChoice, Relationship

GOALS_KEEP_ACTION = "goals_keep"
# Both open the goals form (value: the pairing): refine fills it with the current goals, replace starts afresh.
GOALS_EDIT_ACTIONS = {GoalsChoice.REFINE: "goals_refine", GoalsChoice.REPLACE: "goals_replace"}
GOALS_REVIEWED_ACTION = "goals_reviewed"
GOALS_SUGGEST_ACTION = "goals_suggest"
NOTE_ACTION = "progress_note_add"
SUPPORT_ACTION = "confidence_support"  # value "<pairing>:on" or "<pairing>:off"
RELATIONSHIP_ACTIONS = {
    Relationship.GOOD: "relationship_good",
    Relationship.DRIFTING: "relationship_drifting",
    Relationship.DISAGREE: "relationship_disagree",
}
# Keep the pair's rhythm, or change it; the value is "<pairing>:<weeks>".
RHYTHM_KEEP_ACTION = "rhythm_keep"
RHYTHM_CHANGE_ACTION = "rhythm_change"
RAISE_ACTION = "relationship_raise"

# Slack's limit for one field of a section.
FIELD_MAX = 2000
# How much of a progress note the App Home shows.
NOTE_SHOWN = 280


def _clipped(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- the mid-point look at the goals --------------------------------------------------------------


def goals_review_for_mentee(pairing: Pairing, goals: str) -> dict[str, Any]:
    text = f"You're halfway through your mentoring with <@{pairing.mentor_user_id}>: time to look at your goals again."
    value = str(pairing.id)
    return message(
        text,
        [
            section(f"*{text}*\nHere they are as you wrote them. Keep them, sharpen them, or set new ones?"),
            section(quote(goals)),
            actions(
                button("Keep them", GOALS_KEEP_ACTION, value, style="primary"),
                button("Refine them", GOALS_EDIT_ACTIONS[GoalsChoice.REFINE], value),
                button("Replace them", GOALS_EDIT_ACTIONS[GoalsChoice.REPLACE], value),
                block_id=f"goals-{pairing.id}",
            ),
            context(
                "Only you see your answer and any new goals; the program owners see only how many pairs looked "
                "again. Tell your mentor about changes when you meet, if you like."
            ),
        ],
    )


def goals_review_for_mentor(pairing: Pairing, goals: str) -> dict[str, Any]:
    mentee = f"<@{pairing.mentee_user_id}>"
    text = f"You're halfway through your mentoring with {mentee}: a good moment to look at their goals again."
    value = str(pairing.id)
    return message(
        text,
        [
            section(f"*{text}*\nThese are the goals they came with. Are they still the right ones?"),
            section(quote(goals)),
            actions(
                button("They still fit", GOALS_REVIEWED_ACTION, value),
                button("Suggest a change", GOALS_SUGGEST_ACTION, value),
                block_id=f"goals-{pairing.id}",
            ),
            context(
                f"{mentee} is asked the same, and decides. Only you see your answer; a suggestion goes to them alone."
            ),
        ],
    )


def goals_kept() -> dict[str, Any]:
    text = "Noted: you're keeping your goals as they are. Enjoy the second half!"
    return message(text, [section(text)])


def goals_looked_at(mentee_user_id: str) -> dict[str, Any]:
    text = f"Thanks for looking at <@{mentee_user_id}>'s goals. Only you see that you did."
    return message(text, [section(text)])


def goals_suggestion(pairing: Pairing, suggestion: str) -> dict[str, Any]:
    text = f"<@{pairing.mentor_user_id}> has a suggestion about your goals."
    return message(
        text,
        [
            section(f"*{text}*"),
            section(quote(suggestion)),
            context("Only you see this. Whether to change your goals is up to you."),
        ],
    )


def goals_side_by_side(original: str, latest: str | None) -> list[Block]:
    """For the mentee's closing survey: the goals they came with, and the ones they hold now."""
    if latest is None or latest == original:
        return [section("*The goals you came with*\n" + _clipped(quote(original), 2900))]
    return [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "*Your goals, then and now.* Just for you, to look back on."},
            "fields": [
                {"type": "mrkdwn", "text": _clipped("*At the start*\n" + quote(original), FIELD_MAX)},
                {"type": "mrkdwn", "text": _clipped("*Now*\n" + quote(latest), FIELD_MAX)},
            ],
        }
    ]


# --- progress notes and the mentee's choice of encouragement, on App Home ---------------------------


def home_practice_blocks(pairing: Pairing, notes: list[ProgressNote]) -> list[Block]:
    """A mentee's own corner of App Home for one pair: their latest notes and their encouragement choice."""
    mentor = f"<@{pairing.mentor_user_id}>"
    if notes:
        lines = [f"• {n.created_at:%d %b}: {escape(_clipped(' '.join(n.text.split()), NOTE_SHOWN))}" for n in notes]
        body = f"*Your progress notes with {mentor}* (only you see these)\n" + "\n".join(lines)
    else:
        body = f"*Your progress notes with {mentor}*\nNone yet. Jot down what you're learning: only you see them."
    on = pairing.confidence_support
    support = (
        f"When your confidence pulse dips, I suggest to {mentor} that this could be a good week to encourage "
        "you. They never see your answers."
        if on
        else f"Encouragement nudges are off: a dip in your confidence pulse isn't mentioned to {mentor} at all."
    )
    value = f"{pairing.id}:{'off' if on else 'on'}"
    return [
        section(body),
        actions(
            button("Add a progress note", NOTE_ACTION, str(pairing.id)),
            button("Turn encouragement nudges off" if on else "Turn encouragement nudges on", SUPPORT_ACTION, value),
            block_id=f"practice-{pairing.id}",
        ),
        context(support),
    ]


def support_changed(on: bool) -> str:
    if on:
        return (
            "Encouragement nudges are on: when your pulse dips, your mentor gets a prompt to encourage you, "
            "never your score."
        )
    return "Encouragement nudges are off. Your pulse stays private as always, and your mentor isn't nudged."


# --- encouragement for the mentor ---------------------------------------------------------------------


def confidence_support(pairing: Pairing, prompt: Prompt, reverse: bool) -> dict[str, Any]:
    mentee = f"<@{pairing.mentee_user_id}>"
    text = f"This could be a good week to encourage {mentee}."
    return message(
        text,
        [
            section(f"*A thought for your mentoring with {mentee}*\n{text} {prompt.text(reverse)}"),
            context(f"Just for you. I never pass on {mentee}'s answers, only this kind of nudge."),
        ],
    )


# --- the relationship check ------------------------------------------------------------------------


def relationship_check(pairing: Pairing, user_id: str, round_: int) -> dict[str, Any]:
    other = pairing.mentee_user_id if user_id == pairing.mentor_user_id else pairing.mentor_user_id
    text = f"How is the relationship with <@{other}> going?"
    value = f"{pairing.id}:{round_}"
    return message(
        text,
        [
            section(f"*{text}*\nA quick, honest answer helps me help you both."),
            actions(
                button("Good", RELATIONSHIP_ACTIONS[Relationship.GOOD], value),
                button("We're drifting", RELATIONSHIP_ACTIONS[Relationship.DRIFTING], value),
                button("We disagree on something", RELATIONSHIP_ACTIONS[Relationship.DISAGREE], value),
                block_id=f"relationship-{pairing.id}-{round_}",
            ),
            context("Only you see your answer. The program owners see only how many answered each way."),
        ],
    )


def relationship_noted(answer: Relationship, followed_up: bool) -> dict[str, Any]:
    if answer == Relationship.GOOD:
        text = "Glad to hear it. Only you see your answer."
    elif not followed_up:
        text = (
            "Thanks for telling me. Only you see your answer. Your program ends in a few days: "
            "the closing survey is next."
        )
    elif answer == Relationship.DRIFTING:
        text = "Thanks for saying so. I've sent you a short plan to get going again. Only you see your answer."
    else:
        text = "Thanks for telling me. I've sent you a few ideas, just for you. Only you see your answer."
    return message(text, [section(text)])


def restart_plan(pairing: Pairing, user_id: str, cadence: int, may_change: bool) -> dict[str, Any]:
    """The re-start plan each of a drifting pair gets: an agenda, and a choice of rhythm where there is one."""
    other = pairing.mentee_user_id if user_id == pairing.mentor_user_id else pairing.mentor_user_id
    text = f"A fresh start with <@{other}>"
    blocks: list[Block] = [
        section(
            f"*{text}*\nPairs often lose a little momentum mid-way; a small reset usually does it. "
            "For your next meeting, try this:\n"
            "1. Ten minutes: what has changed for each of you since you last talked properly.\n"
            "2. Twenty minutes: one goal to focus on until your next check-in, and a first step.\n"
            "3. Five minutes: put the next meeting in both calendars before you leave."
        ),
    ]
    if may_change:
        blocks += [
            section(f"Would another rhythm suit you better? Your check-ins come {every_weeks(cadence)} now."),
            actions(
                button(f"Keep {every_weeks(cadence)}", RHYTHM_KEEP_ACTION, f"{pairing.id}:{cadence}"),
                button(
                    "Every 2 weeks" if cadence == 1 else "Every week",
                    RHYTHM_CHANGE_ACTION,
                    f"{pairing.id}:{3 - cadence}",
                ),
                block_id=f"rhythm-{pairing.id}",
            ),
        ]
    else:
        blocks.append(
            section(
                f"Your check-ins come {every_weeks(cadence)}, the program's rhythm. Suggest a time to <@{other}> "
                "this week, so the next one finds you having met."
            )
        )
    blocks.append(context("I send this plan to both of you. What each of you answered stays private."))
    return message(text, blocks)


def rhythm_changed(by_user_id: str, weeks: int, next_at: datetime | None) -> dict[str, Any]:
    when = f" The next one comes on {slack_date(next_at)}." if next_at else ""
    text = f"<@{by_user_id}> moved your check-ins together to {every_weeks(weeks)}.{when}"
    return message(text, [section(text)])


def rhythm_reply(other_user_id: str, weeks: int, changed: bool, next_at: datetime | None) -> str:
    if not changed:
        return f"Your check-ins stay {every_weeks(weeks)}."
    when = f", starting {slack_date(next_at)}" if next_at else ""
    return f"Done: your check-ins now come {every_weeks(weeks)}{when}. I've told <@{other_user_id}>."


def disagreement_guide(pairing: Pairing) -> dict[str, Any]:
    """For a mentor who said they disagree on something: how to set the tone, and a way out without fault."""
    mentee = f"<@{pairing.mentee_user_id}>"
    text = f"When you and {mentee} see something differently"
    return message(
        text,
        [
            section(
                f"*{text}*\nDisagreeing well is part of mentoring, and you set the tone:\n"
                "• *Listen first.* Ask them to say more, and say their view back before you give yours.\n"
                "• *Keep the issue apart from the person.* Talk about the decision or the work, "
                "not about who's right.\n"
                "• *Agree on what each of you will try*, and ask how it went next time."
            ),
            section(
                "If the pairing has stopped helping either of you, a fresh match is fine too. No one is at fault, "
                f"and I'd find {mentee} a new mentor for the same goals."
            ),
            actions(
                button("Ask for a no-fault rematch", REMATCH_ACTION, str(pairing.id)),
                block_id=f"disagree-{pairing.id}",
            ),
            context(f"Just for you: {mentee} doesn't see your answer."),
        ],
    )


def raising_it_safely(pairing: Pairing) -> dict[str, Any]:
    """For a mentee who said they disagree on something: words to open the talk, or a private way round it."""
    mentor = f"<@{pairing.mentor_user_id}>"
    text = f"Raising a disagreement with {mentor}"
    return message(
        text,
        [
            section(
                f"*{text}*\nSeeing things differently is normal, and saying so usually helps. One way to open it:\n"
                "> There's something I see differently from you, and I'd like to talk it through. "
                "Could we take ten minutes for it next time?"
            ),
            section(
                "If you'd rather not raise it yourself, tell the program owners privately, or ask for a fresh "
                f"match: no one is at fault, and {mentor} would only hear that the pairing has ended."
            ),
            actions(
                button("Tell the program owners privately", RAISE_ACTION, str(pairing.id)),
                button("Find me a new mentor", REMATCH_ACTION, str(pairing.id)),
                block_id=f"disagree-{pairing.id}",
            ),
            context(f"Just for you: {mentor} doesn't see your answer."),
        ],
    )
