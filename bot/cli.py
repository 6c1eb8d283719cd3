"""The `mentor-bot` command: run (default), sandbox, migrate, tick, import, export."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from datetime import UTC, datetime

from bot.blockkit.text import plural
from bot.config import ConfigError, configure_logging, load_dotenv_file, load_settings

log = logging.getLogger("mentor-bot")


def _parse_instant(raw: str) -> datetime:
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{raw!r} is not an ISO-8601 instant such as 2026-12-07T10:00:00+00:00"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# With none of these set, `mentor-bot run` starts the sandbox instead of asking for them.
SLACK_CREDENTIALS = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
)


def _sandbox(port: int) -> int:
    from sandbox.app import main as sandbox_main

    return sandbox_main(port)


def _shown(database_url: str) -> str:
    """The URL without its password, fit to print."""
    from sqlalchemy.engine import make_url

    return make_url(database_url).render_as_string(hide_password=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mentor-bot", description="A Slack bot that runs mentoring programs.")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot (the default): Socket Mode if SLACK_APP_TOKEN is set, else HTTP")
    sub.add_parser("migrate", help="bring the database schema up to date and exit")
    tick = sub.add_parser("tick", help="run one scheduler tick and exit")
    tick.add_argument("--at", type=_parse_instant, help="the instant to tick at (ISO-8601); default now")
    people = sub.add_parser("import", help="import people (department, title, level, manager, timezone) from CSV")
    people.add_argument("file", help="CSV with email or slack_id, department, title, level, manager_email, timezone")
    people.add_argument("--skip-bad", action="store_true", help="import the good rows even if some are bad")
    people.add_argument("--team", help="the workspace to import into (its ID, T…); needed with OAuth installs")
    sandbox = sub.add_parser(
        "sandbox", help="try the bot in your browser with a built-in Slack stand-in; no workspace needed"
    )
    sandbox.add_argument("--port", type=int, default=3000, help="the page's port (default 3000)")
    export = sub.add_parser("export", help="write a program's figures and pairs to CSV")
    export.add_argument("--program", required=True, help="the program's name")
    export.add_argument("--out", required=True, help="the CSV file to write")
    export.add_argument("--team", help="the workspace (its ID, T…), when several have a program of that name")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = args.command or "run"
    if command == "sandbox":
        return _sandbox(args.port)
    load_dotenv_file()
    if command == "run" and not any(os.environ.get(name, "").strip() for name in SLACK_CREDENTIALS):
        print(
            "mentor-bot: no Slack credentials, so this is the sandbox: the real bot with a built-in Slack "
            "stand-in. To connect a workspace, copy .env.example to .env and fill it in (see the README).",
            file=sys.stderr,
        )
        return _sandbox(int(os.environ.get("PORT") or 3000))
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"mentor-bot: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)

    from sqlalchemy.exc import OperationalError

    from bot.runtime import build_runtime
    from bot.storage.database import migrate, wait_for_database

    rt = build_runtime(settings)
    within = settings.database_timeouts.startup
    problem = wait_for_database(rt.engine, within)
    if problem is not None:
        print(
            f"mentor-bot: DATABASE_URL ({_shown(settings.database_url)}) could not be reached within {within:g} s "
            f"({problem}): check the URL and that the database server is running and accepts connections "
            "from here; DATABASE_STARTUP_TIMEOUT sets how long to wait",
            file=sys.stderr,
        )
        return 2
    try:
        migrate(rt.engine)
    except OperationalError as exc:
        reason = " ".join(str(exc.orig).split())
        print(
            f"mentor-bot: the database in DATABASE_URL ({_shown(settings.database_url)}) failed while "
            f"updating its schema ({reason}): check that the server is running and the user may create tables",
            file=sys.stderr,
        )
        return 2
    if command == "migrate":
        print("mentor-bot: database is up to date")
        return 0
    if command == "tick":
        from scheduler import Ticker

        report = Ticker(rt).tick_once(args.at or rt.now())
        print(
            f"mentor-bot: tick planned {plural(report.plan.checkins, 'check-in')} and completed "
            f"{plural(report.plan.completed, 'pair')}; sent {report.sent.sent}, will retry "
            f"{report.sent.retrying}, failed {report.sent.failed}"
        )
        return 0

    if command == "export":
        return _export(rt, args.program, args.out, args.team)

    from bot.delivery.slack_gateway import SlackFailure, SlackGateway

    if command == "import":
        return _import(rt, args.file, args.skip_bad, args.team)

    if rt.settings.oauth:
        log.info("serving every workspace that installs the app, from /slack/install")
        from handlers.serve import serve

        serve(rt)
        return 0
    try:
        identity = SlackGateway(rt.web_client).auth_test()
    except SlackFailure as exc:
        if exc.permanent:
            print(
                f"mentor-bot: SLACK_BOT_TOKEN was refused by Slack ({exc.error}): copy the Bot User OAuth Token "
                "again from your app's 'OAuth & Permissions' page",
                file=sys.stderr,
            )
            return 2
        log.warning("could not reach Slack to check the token (%s); starting anyway", exc.error)
    else:
        log.info("connected as %s in team %s", identity.get("user"), identity.get("team_id"))

    from handlers.serve import serve

    serve(rt)
    return 0


def _import(rt, path: str, skip_bad: bool, team: str | None) -> int:  # type: ignore[no-untyped-def]
    from bot.delivery.slack_gateway import SlackFailure, SlackGateway
    from bot.people.hr_import import SlackLookupFailed, import_people, slack_lookup
    from bot.storage.database import unit_of_work

    if rt.settings.oauth:
        if not team:
            print("mentor-bot: --team is needed with OAuth installs: name the workspace ID (T…)", file=sys.stderr)
            return 2
        team_id = team
    else:
        try:
            team_id = str(SlackGateway(rt.web_client).auth_test()["team_id"])
        except (SlackFailure, KeyError) as exc:
            print(
                f"mentor-bot: cannot tell which workspace SLACK_BOT_TOKEN belongs to ({exc}): check the token",
                file=sys.stderr,
            )
            return 2
        if team and team != team_id:
            print(f"mentor-bot: SLACK_BOT_TOKEN belongs to workspace {team_id}, not {team}", file=sys.stderr)
            return 2
    try:
        # Bytes: the importer finds the encoding itself (UTF-8 with or without BOM, or UTF-16).
        with open(path, "rb") as source, unit_of_work(rt.sessions) as s:
            report = import_people(s, team_id, source, slack_lookup(rt.gateway.to(team_id)), skip_bad, rt.now())  # type: ignore[arg-type]
    except SlackLookupFailed as exc:
        print(f"mentor-bot: nothing imported: Slack could not look people up ({exc}); try again later", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"mentor-bot: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 2
    for line, reason in report.problems:
        print(f"{path}:{line}: {reason}", file=sys.stderr)
    if report.problems and not skip_bad:
        print(
            f"mentor-bot: nothing imported: {plural(len(report.problems), 'bad row')}. Fix them, or pass --skip-bad "
            "to import the rest",
            file=sys.stderr,
        )
        return 1
    if report.problems and not report.imported:
        print(
            "mentor-bot: nothing imported: "
            + ("the only row was bad" if len(report.problems) == 1 else f"all {len(report.problems)} rows were bad"),
            file=sys.stderr,
        )
        return 1
    print(
        f"mentor-bot: imported {plural(report.imported, 'person', 'people')}"
        + (f", skipped {plural(len(report.problems), 'bad row')}" if report.problems else "")
    )
    return 0


def _export(rt, program_name: str, out: str, team: str | None) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from bot.reporting.export import export_program
    from bot.storage.database import unit_of_work
    from bot.storage.models import Program

    with unit_of_work(rt.sessions) as s:
        named = select(Program).where(func.lower(Program.name) == program_name.lower())
        programs = list(s.scalars(named.where(Program.team_id == team) if team else named))
        if len(programs) != 1:
            in_team = select(Program.name).where(Program.team_id == team) if team else select(Program.name)
            known = ", ".join(sorted(set(s.scalars(in_team)))) or "none yet"
            problem = "is in several workspaces: name one with --team" if programs else "does not exist"
            print(f"mentor-bot: program {program_name!r} {problem} (programs: {known})", file=sys.stderr)
            return 2
        text = export_program(s, programs[0], rt.settings.stats_min_group, rt.now())
    try:
        with open(out, "w", newline="", encoding="utf-8") as target:
            target.write(text)
    except OSError as exc:
        print(f"mentor-bot: cannot write {out}: {exc.strerror}", file=sys.stderr)
        return 2
    print(f"mentor-bot: wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
