"""Messages of programs where mentees choose: the list of mentors to pick from, and what follows a pick."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.blockkit.blocks import Block, actions, button, context, divider, escape, message, quote, section
from bot.blockkit.text import join_words, plural
from bot.matching.reasons import Reader, render

CHOOSE_ACTION = "mentee_choose"
PASS_ACTION = "mentee_pass"
PASS_LABEL = "None of these"
BIO_SHOWN = 600


class Lead(StrEnum):
    """Why a list is sent: the first words of it, and of the note when nobody is free to list."""

    NEW = "new"  # the request the mentee just made
    AGAIN = "again"  # room opened up, or the request was carried over (a rematch, a freed place)
    BROADER = "broader"  # the mentee just asked to be matched outside their topics
    DECLINED = "declined"  # the mentor they chose said no
    UNANSWERED = "unanswered"  # the mentor they chose did not answer in time, or stepped away
    FULL = "full"  # the mentor they chose had no free place left by the time they chose
    CHANGED = "changed"  # the mentor they chose may no longer be asked for them (the ranking moved on)
    GONE = "gone"  # the mentor they chose stepped back from mentoring before answering
    PASSED = "passed"  # they chose none of the last list


# Leads that tell the mentee news about the mentor they chose.
NEWS = frozenset({Lead.DECLINED, Lead.UNANSWERED, Lead.FULL, Lead.CHANGED, Lead.GONE})


@dataclass(frozen=True)
class Turn:
    """Why the mentee is choosing now: the lead, the mentor it is about, and the list it follows."""

    lead: Lead
    mentor_user_id: str | None = None
    previous_id: int | None = None


@dataclass(frozen=True)
class Option:
    """One mentor on a list, as the mentee reads them."""

    profile_id: int
    user_id: str
    name: str  # their display name, for the button (a mention can't be shown there)
    bio: str | None
    topics: tuple[str, ...]
    reasons: tuple[str, ...]  # facts (bot.matching.reasons)


def choose_value(choice_id: int, profile_id: int) -> str:
    return f"{choice_id}:{profile_id}"


def _who(n: int) -> str:
    return "the mentor who fits you best" if n == 1 else f"the {plural(n, 'mentor')} who fit you best"


def _news(turn: Turn) -> str:
    mentor = f"<@{turn.mentor_user_id}>" if turn.mentor_user_id else "The mentor you chose"
    return {
        Lead.DECLINED: f"{mentor} can't take on a new mentee right now. That's no one's fault.",
        Lead.UNANSWERED: f"{mentor} couldn't answer in time, so I've withdrawn your request to them.",
        Lead.FULL: f"Sorry: {mentor}'s places filled up before I could ask them.",
        Lead.CHANGED: f"Things changed since my last list, and I can't ask {mentor} for you any more.",
        # Not named: someone who stepped back may have asked for their data to be erased.
        Lead.GONE: "The mentor you chose has stepped back from mentoring, so I've withdrawn your request to them.",
    }.get(turn.lead, "")


def _lead(turn: Turn, n: int, program_name: str) -> str:
    pick = "Pick one and I'll ask them; nobody else is asked." if n > 1 else "Choose them, and I'll ask them for you."
    who = _who(n)
    if turn.lead == Lead.NEW:
        return (
            f"Thanks, your request is in! In *{escape(program_name)}* you choose your mentor. "
            f"Here {'is' if n == 1 else 'are'} {who} right now. {pick}"
        )
    if turn.lead == Lead.BROADER:
        these = "This mentor doesn't list them, but could" if n == 1 else "These mentors don't list them, but could"
        return (
            f"As you asked, I've looked beyond your topics. {these} still help with the goals you wrote. "
            f"Here {'is' if n == 1 else 'are'} {who}. {pick}"
        )
    if turn.lead == Lead.PASSED:
        others = "is another mentor who fits you, not" if n == 1 else "are other mentors who fit you, none of them"
        return f"Here {others} from your last list. {pick}"
    if turn.lead in NEWS:
        return f"{_news(turn)} Here {'is' if n == 1 else 'are'} {who} now. {pick}"
    return f"Good news: mentors who fit you have room now. Here {'is' if n == 1 else 'are'} {who}. {pick}"


def _option_text(number: int, option: Option) -> str:
    bio = (option.bio or "").strip()
    if len(bio) > BIO_SHOWN:
        bio = bio[: BIO_SHOWN - 1] + "…"
    lines = [f"*{number}. <@{option.user_id}>*", quote(bio) if bio else "_No bio yet._"]
    if option.topics:
        lines.append(f"*Offers:* {escape(join_words(list(option.topics)))}")
    said = render(option.reasons, Reader.MENTEE)
    if said:
        lines.append(f"*Why they fit you:* {escape('; '.join(said))}")
    return "\n".join(lines)


def _choose_label(number: int, option: Option) -> str:
    name = " ".join(option.name.split())
    return f"Choose {name}" if name else f"Choose mentor {number}"


def choice_message(
    choice_id: int, options: Sequence[Option], turn: Turn, program_name: str, reverse: bool = False
) -> dict[str, Any]:
    """The list a mentee picks their mentor from, best first: each mentor's bio, topics and why they fit."""
    lead = _lead(turn, len(options), program_name)
    blocks: list[Block] = [section(lead), divider()]
    for number, option in enumerate(options, start=1):
        block = section(_option_text(number, option))
        block["accessory"] = button(
            _choose_label(number, option), CHOOSE_ACTION, choose_value(choice_id, option.profile_id)
        )
        block["block_id"] = f"choice-{choice_id}-{option.profile_id}"
        blocks.append(block)
    blocks += [
        divider(),
        actions(button(PASS_LABEL, PASS_ACTION, str(choice_id)), block_id=f"choice-{choice_id}-pass"),
        context(
            "Only the mentor you choose is asked, and nobody sees this list but you. If they can't take you on, "
            "I'll come back to you with the others. *None of these* shows you other mentors who fit, "
            "or keeps your request waiting until someone new has room."
        ),
    ]
    if reverse:
        blocks.insert(
            -1,
            context(
                "This is reverse mentoring: your mentor would share what they know of today's tools and ways "
                "of working, and learn from your experience in turn."
            ),
        )
    return message(lead.replace("*", ""), blocks)


def waiting_after(turn: Turn) -> dict[str, Any]:
    """News about the mentor the mentee chose, when nobody else who fits has room to be listed."""
    text = (
        f"{_news(turn)} Every other mentor who'd fit you is fully booked at the moment, so your request is "
        "waiting. As soon as one has room, I'll send you a new list to choose from."
    )
    return message(text, [section(text)])


def picked_note(mentor_user_id: str, reasons: Sequence[str]) -> dict[str, Any]:
    """Replaces the list once the mentee chose: who was asked, and why they fit."""
    text = f"You chose <@{mentor_user_id}>. I've asked them, and you'll hear back here as soon as they answer."
    blocks: list[Block] = [section(text)]
    said = render(reasons, Reader.MENTEE)
    if said:
        blocks.append(context(f"Why they fit you: {escape('; '.join(said))}"))
    return message(text, blocks)


def refreshed_note(listed: bool) -> dict[str, Any]:
    """Replaces a list whose chosen mentor could no longer be asked; the fresh list (or the news) follows below."""
    text = "This list is out of date: things changed since I sent it. " + (
        "I've sent you a fresh one just below."
        if listed
        else "My note below says what happened; your request is waiting for a mentor with room."
    )
    return message(text, [section(text)])


def passed_note(listed: bool) -> dict[str, Any]:
    """Replaces a list the mentee chose none of."""
    text = "Got it: none of these. " + (
        "I won't suggest them again for this request. Here are some others, just below."
        if listed
        else "I won't suggest them again for this request. Nobody else who fits you has room right now, so "
        "your request is waiting; I'll send you a new list as soon as someone does."
    )
    return message(text, [section(text)])


def stale_note() -> dict[str, Any]:
    """Replaces an older list clicked after a newer one was sent."""
    text = (
        "This list has been replaced by a newer one, so there's nothing to choose here. "
        "`/mentor status` shows where your request stands."
    )
    return message(text, [section(text)])
