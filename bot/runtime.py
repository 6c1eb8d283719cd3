"""Wires the core together from Settings: database, Slack gateway, dispatcher and services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.matching.cohorts import Cohorts
from bot.config import Settings
from bot.storage.database import make_engine, make_session_factory
from bot.reporting.home import Home
from bot.pairing.lifecycle import Lifecycle
from bot.matching.mentoring import Mentoring
from bot.delivery.outbox import Dispatcher
from bot.pairing.answers import PairAnswers
from bot.programs.catalog import Programs
from bot.reporting.reports import Reports
from bot.pairing.planner import Planner
from bot.delivery.slack_gateway import SlackGateway, make_web_client
from bot.people.directory import People


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    web_client: WebClient
    gateway: SlackGateway
    dispatcher: Dispatcher
    people: People
    mentoring: Mentoring
    planner: Planner
    answers: PairAnswers
    lifecycle: Lifecycle
    programs: Programs
    reports: Reports
    cohorts: Cohorts
    home: Home
    now: Callable[[], datetime] = utc_now

    def close(self) -> None:
        self.engine.dispose()


def build_runtime(settings: Settings, now: Callable[[], datetime] = utc_now) -> Runtime:
    """`now` is the clock every listener reads; tests hand in one they can move."""
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    web_client = make_web_client(settings.bot_token, settings.api_url)
    gateway = SlackGateway(web_client)
    dispatcher = Dispatcher(sessions, gateway)
    mentoring = Mentoring(sessions, dispatcher)
    lifecycle = Lifecycle(sessions, dispatcher, mentoring, gateway)
    dispatcher.on_unreachable = lifecycle.unreachable
    return Runtime(
        settings=settings,
        engine=engine,
        sessions=sessions,
        web_client=web_client,
        gateway=gateway,
        dispatcher=dispatcher,
        people=People(sessions, gateway),
        mentoring=mentoring,
        planner=Planner(sessions, mentoring, settings.program_owners),
        answers=PairAnswers(sessions, dispatcher, settings.program_owners),
        lifecycle=lifecycle,
        programs=Programs(sessions, settings.program_owners),
        reports=Reports(sessions, dispatcher, gateway, settings.stats_min_group),
        cohorts=Cohorts(sessions, dispatcher),
        home=Home(sessions, mentoring, settings.stats_min_group),
        now=now,
    )
