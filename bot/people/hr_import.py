"""HR files: import people (department, title, level, manager, timezone) from CSV, all or nothing.

A file is read as UTF-8 (with or without a byte order mark) or as UTF-16 with its byte order mark,
which is what Excel's "Unicode text" writes; commas or tabs separate the columns. Anything the file
itself gets wrong comes back as (line, reason), never as a traceback. When Slack cannot answer
users.lookupByEmail, even after retries, the import stops with `SlackLookupFailed`: an outage is not
a bad row, so `skip_bad` never turns it into an import of nobody.
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from bot.delivery.slack_gateway import SlackFailure
from bot.people.directory import ensure_person, ensure_workspace
from bot.people.vocabulary import LEVELS

COLUMNS = ("email", "slack_id", "department", "title", "level", "manager_email", "timezone")
EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
EMAIL_MAX = 254
USER_ID = re.compile(r"[UW][A-Z0-9]{2,20}")
# Far above any HR file of a real company, and small enough to read whole.
FILE_MAX_BYTES = 64 * 1024 * 1024
NEEDS_ENCODING = 'save it as "CSV UTF-8" (or as Excel\'s "Unicode text", which is UTF-16) and import it again'


class SlackLookupFailed(ConnectionError):
    """Slack could not say who has an email (an outage, a rate limit, a missing scope): stop, import nothing."""

    def __init__(self, message: str):
        super().__init__(message)
        self.strerror = message  # what a caller printing an OSError shows


def _shown(value: str, most: int = 60) -> str:
    """A value from the file, safe to echo on a terminal: control characters escaped, long values cut."""
    cut = value if len(value) <= most else value[:most] + "…"
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in cut)


def _email_ok(value: str) -> bool:
    return len(value) <= EMAIL_MAX and EMAIL.fullmatch(value) is not None


@dataclass
class PersonRow:
    line: int
    email: str | None
    slack_id: str | None
    department: str | None
    title: str | None
    level: int | None
    manager_email: str | None
    timezone: str | None


@dataclass
class ImportReport:
    imported: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)


def parse_level(raw: str) -> int | None:
    raw = raw.strip()
    if raw.isascii() and raw.isdigit():
        return int(raw) if int(raw) in LEVELS else None
    wanted = raw.casefold()
    return next((level for level, label in LEVELS.items() if label.casefold() == wanted), None)


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode(data: bytes) -> tuple[str | None, tuple[int, str] | None]:
    """The file's text, or the (line, reason) it cannot be read for."""
    if len(data) > FILE_MAX_BYTES:
        return None, (1, f"the file is larger than {FILE_MAX_BYTES // (1024 * 1024)} MB; split it into smaller files")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) and not data.startswith(b"\xff\xfe\x00\x00"):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        where = _line_of(data, exc.start) if encoding != "utf-16" else 1
        kind = "UTF-16" if encoding == "utf-16" else "UTF-8"
        return None, (where, f"this is not {kind} text (byte {data[exc.start]:#04x}); {NEEDS_ENCODING}")
    if "\x00" in text:
        where = text.count("\n", 0, text.index("\x00")) + 1
        return None, (where, f"this looks like a binary file, or UTF-16 without a byte order mark; {NEEDS_ENCODING}")
    return text, None


def _text_of(source: TextIO | BinaryIO) -> tuple[str | None, tuple[int, str] | None]:
    """Reads bytes whenever it can (a file opened in text mode still has its buffer), so the encoding is ours."""
    raw = getattr(source, "buffer", source)
    try:
        data = raw.read(FILE_MAX_BYTES + 1)
    except UnicodeDecodeError as exc:  # a text stream without a byte buffer, in the wrong encoding
        return None, (1, f"this is not UTF-8 text ({exc.reason}); {NEEDS_ENCODING}")
    if isinstance(data, str):
        return decode(data.encode("utf-8", "surrogatepass"))
    return decode(data)


def read_people(source: TextIO | BinaryIO) -> tuple[list[PersonRow], list[tuple[int, str]]]:
    """Rows that look right, and (line, reason) for those that don't. Line 1 is the header."""
    text, problem = _text_of(source)
    if text is None:
        assert problem is not None
        return [], [problem]
    header = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in header and "," not in header else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _read_rows(reader)
    except csv.Error as exc:
        # line_num counts the lines read in full; the broken one is the next.
        reason = f"this line cannot be read as CSV ({exc}); is a quote left open? Nothing was imported"
        return [], [(reader.line_num + 1, reason)]


def _read_rows(reader: csv.DictReader[str]) -> tuple[list[PersonRow], list[tuple[int, str]]]:
    headers = {h.strip().lower() for h in reader.fieldnames or []}
    if not headers & {"email", "slack_id"}:
        return [], [(1, "the header needs an 'email' or a 'slack_id' column")]
    unknown = headers - set(COLUMNS)
    if unknown:
        names = ", ".join(_shown(h, 30) for h in sorted(unknown)[:10])
        return [], [(1, f"unknown column(s): {names}; expected {', '.join(COLUMNS)}")]
    rows, problems = [], []
    for raw in reader:
        line = reader.line_num
        values = {k.strip().lower(): v.strip() if isinstance(v, str) else "" for k, v in raw.items() if k}
        email, slack_id = values.get("email") or None, values.get("slack_id") or None
        manager_email, timezone = values.get("manager_email") or None, values.get("timezone") or None
        level_raw = values.get("level", "")
        level = parse_level(level_raw) if level_raw else None
        reasons = []
        if not email and not slack_id:
            reasons.append("needs an email or a slack_id")
        if email and not _email_ok(email):
            reasons.append(f"'{_shown(email)}' is not an email address")
        if slack_id and not USER_ID.fullmatch(slack_id):
            reasons.append(f"'{_shown(slack_id)}' is not a Slack user ID")
        if manager_email and not _email_ok(manager_email):
            reasons.append(f"manager_email '{_shown(manager_email)}' is not an email address")
        if level_raw and level is None:
            reasons.append(f"level '{_shown(level_raw)}' is not 1-6 or one of: {', '.join(LEVELS.values())}")
        if timezone:
            try:
                ZoneInfo(timezone[:64])
                known = len(timezone) <= 64
            except (ZoneInfoNotFoundError, ValueError, OSError):
                known = False
            if not known:
                reasons.append(f"timezone '{_shown(timezone)}' is not a timezone name such as Europe/Berlin")
        for name, limit in (("department", 80), ("title", 120)):
            if len(values.get(name, "")) > limit:
                reasons.append(f"{name} is longer than {limit} characters")
        if reasons:
            problems.append((line, "; ".join(reasons)))
            continue
        rows.append(
            PersonRow(
                line,
                email.lower() if email else None,
                slack_id,
                values.get("department") or None,
                values.get("title") or None,
                level,
                manager_email.lower() if manager_email else None,
                timezone,
            )
        )
    return rows, problems


def resolve(
    rows: list[PersonRow], lookup: Callable[[str], str | None]
) -> tuple[dict[int, str], dict[int, str], list[tuple[int, str]]]:
    """Slack user IDs for each row and its manager, through the file first and users.lookupByEmail after."""
    known: dict[str, str] = {}
    people: dict[int, str] = {}
    managers: dict[int, str] = {}
    problems: list[tuple[int, str]] = []

    def by_email(email: str) -> str | None:
        if email not in known:
            found = lookup(email)
            if found:
                known[email] = found
        return known.get(email)

    for row in rows:
        user_id = row.slack_id or (by_email(row.email) if row.email else None)
        if user_id is None:
            problems.append((row.line, f"no Slack user has the email {_shown(row.email or '')}"))
            continue
        people[row.line] = user_id
        if row.email:
            known[row.email] = user_id
    for row in rows:
        if row.line in people and row.manager_email:
            manager = by_email(row.manager_email)
            if manager is None:
                problems.append((row.line, f"no Slack user has the manager email {_shown(row.manager_email)}"))
            elif manager == people[row.line]:
                problems.append((row.line, "a person cannot be their own manager"))
            else:
                managers[row.line] = manager
    return people, managers, problems


def import_people(
    s: Session, team_id: str, source: TextIO, lookup: Callable[[str], str | None], skip_bad: bool, now: datetime
) -> ImportReport:
    """All rows or none, unless skip_bad: then the good rows go in and the bad ones are reported."""
    rows, problems = read_people(source)
    people, managers, lookup_problems = resolve(rows, lookup)
    problems = sorted(problems + lookup_problems)
    report = ImportReport(problems=problems)
    if problems and not skip_bad:
        return report
    bad_lines = {line for line, _ in problems}
    ensure_workspace(s, team_id, now)
    for row in rows:
        if row.line in bad_lines or row.line not in people:
            continue
        person = ensure_person(s, team_id, people[row.line])
        person.email = row.email or person.email
        person.department = row.department or person.department
        person.title = row.title or person.title
        person.level = row.level if row.level is not None else person.level
        person.manager_user_id = managers.get(row.line, person.manager_user_id)
        person.tz = row.timezone or person.tz
        report.imported += 1
    return report


# Slack's answers that mean "nobody here has this email"; every other failure is Slack's, not the row's.
NOT_FOUND_ERRORS = frozenset({"users_not_found", "user_not_found"})
LOOKUP_ATTEMPTS = 4
LOOKUP_WAIT_MAX = 30.0


def slack_lookup(
    gateway: object, sleep: Callable[[float], None] = time.sleep, attempts: int = LOOKUP_ATTEMPTS
) -> Callable[[str], str | None]:
    """users.lookupByEmail: a user ID, None when nobody has the email, or SlackLookupFailed.

    A rate limit or a server error is retried, waiting Retry-After (at most LOOKUP_WAIT_MAX) or a
    growing pause, on top of the gateway's own quick retries.
    """

    def lookup(email: str) -> str | None:
        for attempt in range(1, attempts + 1):
            try:
                user = gateway.lookup_email(email)  # type: ignore[attr-defined]
            except SlackFailure as exc:
                if exc.error in NOT_FOUND_ERRORS:
                    return None
                if exc.permanent or attempt == attempts:
                    tries = f" after {attempt} tries" if attempt > 1 else ""
                    raise SlackLookupFailed(
                        f"Slack could not look up emails ({_shown(exc.error)}){tries}; nothing was imported. "
                        + (
                            "Check the app's users:read.email scope."
                            if exc.permanent
                            else "Try again in a few minutes."
                        )
                    ) from exc
                hint = exc.retry_after
                # `not hint >= 0` also refuses NaN; an absurd Retry-After is clamped.
                wait = 2.0**attempt if hint is None or not hint >= 0 else hint
                sleep(min(wait, LOOKUP_WAIT_MAX))
                continue
            return str(user["id"]) if isinstance(user, dict) and user.get("id") else None
        return None

    return lookup
