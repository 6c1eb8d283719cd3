"""Typed text as a reader sees it: what shows on screen, and numbers written with the digits 0-9 only."""

from __future__ import annotations

import unicodedata
from datetime import datetime

# Letters that render as nothing although Unicode calls them letters (Hangul fillers, the braille blank).
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Categories that never show on their own: spaces, controls, format characters such as the zero-width
# space, joiners and the byte order mark, and marks with nothing to sit on.
_UNSEEN = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co", "Cn", "Mn", "Me"})


def visible_length(text: str) -> int:
    """How many characters of `text` a reader actually sees."""
    return sum(1 for ch in text if ch not in _BLANK_LETTERS and unicodedata.category(ch) not in _UNSEEN)


def is_blank(text: str) -> bool:
    """True when `text` shows nothing: empty, spaces, or only zero-width and other invisible characters."""
    return visible_length(text) == 0


def ascii_int(raw: str | None) -> int | None:
    """`raw` as a whole number, when it is written with 0-9 only (not "²", "٣" or "1_000")."""
    raw = (raw or "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else None


def plural(n: float, word: str, many: str | None = None) -> str:
    """ "1 level", "3 levels", "1.5 hours": the count and the word, in the form the count needs."""
    form = word if n == 1 else (many or word + "s")
    return f"{n:g} {form}"


def join_words(items: list[str]) -> str:
    """ "A", "A and B", "A, B and C": a list as a sentence reads it."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def every_weeks(n: int) -> str:
    """ "every week", "every 2 weeks": how often something happens, for a cadence in weeks."""
    return "every week" if n == 1 else f"every {plural(n, 'week')}"


def slack_date(at: datetime) -> str:
    """A date Slack shows in each reader's own locale, with a plain fallback for clients that can't."""
    return f"<!date^{int(at.timestamp())}^{{date_long}}|{at:%d %B %Y}>"
