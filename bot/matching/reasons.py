"""Why a match was made: the facts the scorer finds, and the words each reader gets for them.

A proposal stores facts, not sentences, because one match is read by several people: the mentor
reads why this mentee fits them, the mentee why this mentor fits them, the pair's introduction
speaks to both, and an owner's cohort preview about both. Each fact is a small JSON list, so it
survives the proposal's JSON column unchanged. Nothing that can go out of date (such as a
mentor's free places) is a fact.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Any

from bot.blockkit.text import join_words, plural

TOPICS, NO_TOPICS, LEVEL, DEPARTMENT, TIMEZONE, GOALS = "topics", "no_topics", "level", "department", "tz", "goals"
KINDS = frozenset({TOPICS, NO_TOPICS, LEVEL, DEPARTMENT, TIMEZONE, GOALS})
SHOWN_TOPICS = 3


class Reader(StrEnum):
    MENTOR = "mentor"
    MENTEE = "mentee"
    PAIR = "pair"  # the introduction, read by both
    OWNER = "owner"  # a program owner's cohort preview


def _fact(*parts: Any) -> str:
    return json.dumps(list(parts), ensure_ascii=False)


def topics(wanted: int, covered: Sequence[str]) -> str:
    return _fact(TOPICS, wanted, list(covered))


def no_topics(wanted: Sequence[str]) -> str:
    """The mentor shares none of the mentee's topics: only proposed when the mentee asked for a broader match."""
    return _fact(NO_TOPICS, list(wanted))


def level(gap: int, reverse: bool) -> str:
    """gap is the mentor's level less the mentee's."""
    return _fact(LEVEL, gap, reverse)


def department(mentor: str, mentee: str) -> str:
    return _fact(DEPARTMENT, mentor, mentee)


def timezone(gap_hours: float) -> str:
    return _fact(TIMEZONE, gap_hours)


def goals() -> str:
    return _fact(GOALS)


def parse(fact: str) -> list[Any] | None:
    """The fact as a list, or None for text that is not a fact (such as a reason stored by an older version)."""
    try:
        value = json.loads(fact)
    except ValueError:
        return None
    return value if isinstance(value, list) and value and isinstance(value[0], str) else None


def is_broader(facts: Sequence[str]) -> bool:
    """True when the match shares no topic: the mentee chose a broader match."""
    return any((parsed := parse(f)) is not None and parsed[0] == NO_TOPICS for f in facts)


def _names(topics: Sequence[str]) -> str:
    shown = list(topics[:SHOWN_TOPICS])
    if len(topics) > SHOWN_TOPICS:
        shown.append(plural(len(topics) - SHOWN_TOPICS, "more"))
        return ", ".join(shown[:-1]) + " and " + shown[-1]
    return join_words(shown)


def _hours(gap: float) -> str:
    return plural(gap, "hour") + " apart"


class _Words:
    """The words of each fact for one reader; `mentor` and `mentee` are how that reader names each person."""

    def __init__(self, reader: Reader, mentor: str, mentee: str):
        self.reader, self.mentor, self.mentee = reader, mentor, mentee

    def topics(self, wanted: int, covered: list[str]) -> str:
        names, share = _names(covered), len(covered) < wanted
        if self.reader == Reader.MENTOR:
            return f"wants help with {names}, which you offer" + (
                f" ({len(covered)} of their {wanted} topics)" if share else ""
            )
        if self.reader == Reader.MENTEE:
            if not share:
                return f"offers {'all your topics: ' if wanted > 1 else ''}{names}" + (
                    "" if wanted > 1 else ", which you want help with"
                )
            return f"offers {names}, which you want help with ({len(covered)} of your {wanted} topics)"
        if self.reader == Reader.PAIR:
            return f"{self.mentor} offers {names}, which {self.mentee} wants help with"
        return f"covers {len(covered)} of {plural(wanted, 'topic')} ({names})"

    def no_topics(self, wanted: list[str]) -> str:
        names = _names(wanted)
        if self.reader == Reader.MENTOR:
            return f"none of their topics ({names}) is among yours: they asked me to look more broadly"
        if self.reader == Reader.MENTEE:
            return f"doesn't list your topics ({names}): this is the broader match you asked for"
        if self.reader == Reader.PAIR:
            return f"{self.mentee} asked for a broader match, so {self.mentor} brings a view from outside {names}"
        return "no topic in common (the mentee asked for a broader match)"

    def level(self, gap: int, reverse: bool) -> str | None:
        if gap == 0:
            return {Reader.PAIR: "you're at the same level", Reader.OWNER: "same level"}.get(
                self.reader, "at your level"
            )
        steps = plural(abs(gap), "level")
        if reverse and gap < 0:
            return {
                Reader.MENTOR: f"{steps} senior to you: they want your fresh view of the tools",
                Reader.MENTEE: "brings a newer generation's view of the tools",
                Reader.PAIR: f"{self.mentor} brings a newer generation's view of the tools",
                Reader.OWNER: f"mentor {steps} junior",
            }[self.reader]
        if gap > 0 and not reverse:
            return {
                Reader.MENTOR: f"{steps} junior to you",
                Reader.MENTEE: f"{steps} more senior than you",
                Reader.PAIR: f"{self.mentor} is {steps} more senior",
                Reader.OWNER: f"mentor {steps} more senior",
            }[self.reader]
        return None

    def department(self, mentor: str, mentee: str) -> str:
        return {
            Reader.MENTOR: f"from another department ({mentee})",
            Reader.MENTEE: f"from another department ({mentor}): a view from across the organisation",
            Reader.PAIR: "you work in different departments, so each brings a view from across the organisation",
            Reader.OWNER: "different departments",
        }[self.reader]

    def tz(self, gap: float) -> str:
        if gap < 0.5:
            return {Reader.PAIR: "you share a timezone", Reader.OWNER: "same timezone"}.get(
                self.reader, "in your timezone"
            )
        return _hours(gap)

    def goals(self) -> str:
        return {
            Reader.MENTOR: "what they hope to grow in echoes your profile",
            Reader.MENTEE: "their profile echoes what you wrote about your goals",
            Reader.PAIR: f"{self.mentor}'s profile echoes {self.mentee}'s goals",
            Reader.OWNER: "goals fit the mentor's profile",
        }[self.reader]


def render(facts: Sequence[str], reader: Reader, mentor: str = "they", mentee: str = "they") -> list[str]:
    """The facts in words for `reader`. Text that is no fact is shown to owners only, as it was stored."""
    words = _Words(reader, mentor, mentee)
    out = []
    for fact in facts:
        parsed = parse(fact)
        if parsed is None:
            if reader == Reader.OWNER:
                out.append(fact)
            continue
        say: Callable[..., str | None] | None = getattr(words, parsed[0]) if parsed[0] in KINDS else None
        try:
            text = say(*parsed[1:]) if say is not None else None
        except (TypeError, KeyError, ValueError):
            text = None
        if text:
            out.append(text)
    return out
