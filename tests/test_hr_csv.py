"""CSV import and export from the command line, as an HR admin would run them."""

from __future__ import annotations

import csv

from bot.storage.models import Person
from tests.conftest import bot_env
from tests.flows import GOALS, MENTEE, MENTOR, MENTOR2, offer, pair, proposals_to, request, rows
from tests.test_cli import run_cli

GOOD = """email,department,title,level,manager_email,timezone
dana@example.com,Engineering,Engineer,2,boss@example.com,Europe/Berlin
boss@example.com,Engineering,Head of Engineering,Principal / Manager,,Europe/Berlin
"""
BAD = (
    GOOD
    + """not-an-email,Sales,,9,,Mars/Base
ghost@example.com,Sales,,3,,
"""
)


def env(bot):
    return bot_env(bot.fake, bot.rt.engine.url.render_as_string(hide_password=False))


def test_import_resolves_emails_and_manager_links(bot, tmp_path):
    bot.fake.emails.update({"dana@example.com": MENTEE, "boss@example.com": MENTOR})
    (tmp_path / "people.csv").write_text(GOOD)
    result = run_cli(["import", "people.csv"], env(bot), tmp_path)
    assert result.returncode == 0 and "imported 2 people" in result.stdout, result.stderr
    people = {p.user_id: p for p in rows(bot, Person)}
    assert (people[MENTEE].department, people[MENTEE].level, people[MENTEE].manager_user_id) == (
        "Engineering",
        2,
        MENTOR,
    )
    assert people[MENTOR].level == 5 and people[MENTOR].tz == "Europe/Berlin"


def test_bad_rows_are_reported_with_line_numbers_and_nothing_is_imported(bot, tmp_path):
    bot.fake.emails.update({"dana@example.com": MENTEE, "boss@example.com": MENTOR})
    (tmp_path / "people.csv").write_text(BAD)
    result = run_cli(["import", "people.csv"], env(bot), tmp_path)
    assert result.returncode == 1
    assert "people.csv:4: 'not-an-email' is not an email address" in result.stderr
    assert "level '9'" in result.stderr and "Mars/Base" in result.stderr
    assert "people.csv:5: no Slack user has the email ghost@example.com" in result.stderr
    assert rows(bot, Person) == []
    skipped = run_cli(["import", "people.csv", "--skip-bad"], env(bot), tmp_path)
    assert skipped.returncode == 0 and "imported 2 people, skipped 2 bad row(s)" in skipped.stdout
    assert len(rows(bot, Person)) == 2


def test_a_file_without_identity_columns_is_refused(bot, tmp_path):
    (tmp_path / "people.csv").write_text("name,department\nDana,Sales\n")
    result = run_cli(["import", "people.csv"], env(bot), tmp_path)
    assert result.returncode == 1
    assert "people.csv:1: the header needs an 'email' or a 'slack_id' column" in result.stderr


def test_the_imported_manager_is_never_proposed(bot, tmp_path):
    bot.fake.emails.update({"dana@example.com": MENTEE, "boss@example.com": MENTOR})
    (tmp_path / "people.csv").write_text(GOOD)
    assert run_cli(["import", "people.csv"], env(bot), tmp_path).returncode == 0
    offer(bot, MENTOR, topics=["Leadership", "Giving and receiving feedback"])  # the best fit, but the manager
    offer(bot, MENTOR2, topics=["Leadership"])
    request(bot)
    assert proposals_to(bot, MENTOR) == [] and len(proposals_to(bot, MENTOR2)) == 1


def test_export_writes_figures_and_pairs_but_no_private_text(bot, tmp_path):
    pair(bot)
    result = run_cli(["export", "--program", "mentoring", "--out", "out.csv"], env(bot), tmp_path)
    assert result.returncode == 0, result.stderr
    content = (tmp_path / "out.csv").read_text()
    table = list(csv.reader(content.splitlines()))
    assert ["program", "Mentoring"] in table
    header = table.index(["mentor", "mentor_id", "mentee", "mentee_id", "started", "ended", "status", "end_reason"])
    [pair_row] = table[header + 1 :]
    assert pair_row[1] == MENTOR and pair_row[3] == MENTEE and pair_row[6] == "active"
    assert GOALS not in content
    missing = run_cli(["export", "--program", "Nope", "--out", "x.csv"], env(bot), tmp_path)
    assert missing.returncode == 2 and "does not exist" in missing.stderr and "Mentoring" in missing.stderr
