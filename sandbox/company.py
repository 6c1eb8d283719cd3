"""A demo company to try the bot with: its people in Slack, and its HR file, imported as a real one would be."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.people.hr_import import ImportReport, import_people, slack_lookup
from sandbox.workspace import Workspace

DOMAIN = "northwind.example"


@dataclass(frozen=True)
class Employee:
    user_id: str
    name: str
    title: str
    department: str
    level: int
    tz: str
    tz_offset: int
    manager: str | None = None  # the manager's user id
    owner: bool = False  # runs the mentoring program

    @property
    def email(self) -> str:
        return self.name.split()[0].lower() + "@" + DOMAIN


EMPLOYEES = (
    Employee("U0PRIYA001", "Priya Raman", "Chief People Officer", "People", 6, "Europe/London", 0, owner=True),
    Employee("U0MARCUS01", "Marcus Webb", "Head of Learning", "People", 5, "Europe/London", 0, "U0PRIYA001", True),
    Employee("U0ELENA001", "Elena Petrova", "VP Engineering", "Engineering", 6, "Europe/Berlin", 3600, "U0PRIYA001"),
    Employee("U0DAVID001", "David Okafor", "Engineering Manager", "Engineering", 5, "Europe/London", 0, "U0ELENA001"),
    Employee("U0SOFIA001", "Sofia Martins", "Staff Engineer", "Engineering", 4, "Europe/Lisbon", 0, "U0DAVID001"),
    Employee("U0JAMES001", "James Chen", "Senior Engineer", "Engineering", 3, "America/New_York", -18000, "U0DAVID001"),
    Employee("U0AMARA001", "Amara Nwosu", "Software Engineer", "Engineering", 2, "Europe/London", 0, "U0DAVID001"),
    Employee("U0LIAM0001", "Liam O'Brien", "Graduate Engineer", "Engineering", 1, "Europe/Dublin", 0, "U0SOFIA001"),
    Employee("U0HANNA001", "Hannah Weber", "Head of Product", "Product", 5, "Europe/Berlin", 3600, "U0PRIYA001"),
    Employee("U0RAVI0001", "Ravi Patel", "Product Manager", "Product", 3, "Asia/Kolkata", 19800, "U0HANNA001"),
    Employee("U0CHLOE001", "Chloé Dubois", "Product Designer", "Design", 2, "Europe/Paris", 3600, "U0HANNA001"),
    Employee("U0TOMAS001", "Tomás García", "Sales Director", "Sales", 5, "Europe/Madrid", 3600, "U0PRIYA001"),
    Employee("U0GRACE001", "Grace Kim", "Account Executive", "Sales", 3, "America/Los_Angeles", -28800, "U0TOMAS001"),
    Employee(
        "U0NOAH0001", "Noah Williams", "Sales Development Rep", "Sales", 1, "America/Chicago", -21600, "U0TOMAS001"
    ),
    Employee("U0FATIM001", "Fatima Haddad", "Finance Analyst", "Finance", 2, "Asia/Dubai", 14400, "U0PRIYA001"),
)
OWNERS = tuple(e.user_id for e in EMPLOYEES if e.owner)
BY_ID = {e.user_id: e for e in EMPLOYEES}


def add_to_slack(workspace: Workspace) -> None:
    """The people as Slack knows them: names, timezones, emails for users.lookupByEmail."""
    for e in EMPLOYEES:
        workspace.add_user(e.user_id, e.name.split()[0].lower(), tz=e.tz, tz_offset=e.tz_offset, is_admin=e.owner)
        user = workspace.users[e.user_id]
        user["real_name"] = user["profile"]["real_name"] = e.name
        user["profile"].update(display_name=e.name.split()[0], title=e.title, email=e.email)
        workspace.emails[e.email] = e.user_id
        workspace.titles[e.user_id] = e.title


def hr_file() -> str:
    """The company's HR export, in the columns `mentor-bot import` reads."""
    lines = ["email,department,title,level,manager_email,timezone"]
    for e in EMPLOYEES:
        manager = BY_ID[e.manager].email if e.manager else ""
        lines.append(f"{e.email},{e.department},{e.title},{e.level},{manager},{e.tz}")
    return "\n".join(lines) + "\n"


def import_hr_file(s: Session, team_id: str, gateway: object, now: datetime) -> ImportReport:
    return import_people(s, team_id, io.StringIO(hr_file()), slack_lookup(gateway), False, now)
