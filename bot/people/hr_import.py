"""HR files: import people (department, title, level, manager, timezone) from CSV, all or nothing."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from bot.delivery.slack_gateway import SlackFailure
from bot.people.directory import ensure_person, ensure_workspace
from bot.people.vocabulary import LEVELS

COLUMNS = ("email", "slack_id", "department", "title", "level", "manager_email", "timezone")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


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
    if raw.isdigit():
        return int(raw) if int(raw) in LEVELS else None
    wanted = raw.casefold()
    return next((level for level, label in LEVELS.items() if label.casefold() == wanted), None)


def read_people(source: TextIO) -> tuple[list[PersonRow], list[tuple[int, str]]]:
    """Rows that look right, and (line, reason) for those that don't. Line 1 is the header."""
    reader = csv.DictReader(source)
    headers = {h.strip().lower() for h in reader.fieldnames or []}
    if not headers & {"email", "slack_id"}:
        return [], [(1, "the header needs an 'email' or a 'slack_id' column")]
    unknown = headers - set(COLUMNS)
    if unknown:
        return [], [(1, f"unknown column(s): {', '.join(sorted(unknown))}; expected {', '.join(COLUMNS)}")]
    rows, problems = [], []
    for raw in reader:
        line = reader.line_num
        values = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        email, slack_id = values.get("email") or None, values.get("slack_id") or None
        manager_email, timezone = values.get("manager_email") or None, values.get("timezone") or None
        level_raw = values.get("level", "")
        level = parse_level(level_raw) if level_raw else None
        reasons = []
        if not email and not slack_id:
            reasons.append("needs an email or a slack_id")
        if email and not EMAIL.match(email):
            reasons.append(f"'{email}' is not an email address")
        if slack_id and not USER_ID.match(slack_id):
            reasons.append(f"'{slack_id}' is not a Slack user ID")
        if manager_email and not EMAIL.match(manager_email):
            reasons.append(f"manager_email '{manager_email}' is not an email address")
        if level_raw and level is None:
            reasons.append(f"level '{level_raw}' is not 1-6 or one of: {', '.join(LEVELS.values())}")
        if timezone:
            try:
                ZoneInfo(timezone)
            except (ZoneInfoNotFoundError, ValueError):
                reasons.append(f"timezone '{timezone}' is not a timezone name such as Europe/Berlin")
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
            problems.append((row.line, f"no Slack user has the email {row.email}"))
            continue
        people[row.line] = user_id
        if row.email:
            known[row.email] = user_id
    for row in rows:
        if row.line in people and row.manager_email:
            manager = by_email(row.manager_email)
            if manager is None:
                problems.append((row.line, f"no Slack user has the manager email {row.manager_email}"))
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


def slack_lookup(gateway: object) -> Callable[[str], str | None]:
    def lookup(email: str) -> str | None:
        try:
            user = gateway.lookup_email(email)  # type: ignore[attr-defined]
        except SlackFailure:
            return None
        return str(user["id"]) if user.get("id") else None

    return lookup
