"""The `mentor-bot` command: run (default), migrate, tick."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import UTC, datetime

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mentor-bot", description="A Slack bot that runs mentoring programs.")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot (the default): Socket Mode if SLACK_APP_TOKEN is set, else HTTP")
    sub.add_parser("migrate", help="bring the database schema up to date and exit")
    tick = sub.add_parser("tick", help="run one scheduler tick and exit")
    tick.add_argument("--at", type=_parse_instant, help="the instant to tick at (ISO-8601); default now")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = args.command or "run"
    load_dotenv_file()
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"mentor-bot: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)

    from sqlalchemy.exc import OperationalError

    from bot.db import migrate
    from bot.runtime import build_runtime

    rt = build_runtime(settings)
    try:
        migrate(rt.engine)
    except OperationalError as exc:
        reason = " ".join(str(exc.orig).split())
        print(f"mentor-bot: DATABASE_URL cannot be reached ({reason}): check the URL and that the "
              "database server is running", file=sys.stderr)
        return 2
    if command == "migrate":
        print("mentor-bot: database is up to date")
        return 0
    if command == "tick":
        from scheduler import Ticker

        report = Ticker(rt).tick_once(args.at or rt.now())
        print(f"mentor-bot: tick planned {report.plan.checkins} check-ins and completed {report.plan.completed} "
              f"pairs; sent {report.sent.sent}, will retry {report.sent.retrying}, failed {report.sent.failed}")
        return 0

    from bot.slack_gateway import SlackFailure

    try:
        identity = rt.gateway.auth_test()
    except SlackFailure as exc:
        if exc.permanent:
            print(f"mentor-bot: SLACK_BOT_TOKEN was refused by Slack ({exc.error}): copy the Bot User OAuth Token "
                  "again from your app's 'OAuth & Permissions' page", file=sys.stderr)
            return 2
        log.warning("could not reach Slack to check the token (%s); starting anyway", exc.error)
    else:
        log.info("connected as %s in team %s", identity.get("user"), identity.get("team_id"))

    from handlers.serve import serve

    serve(rt)
    return 0


if __name__ == "__main__":
    sys.exit(main())
