"""The composition root: builds every core service from Settings, in dependency order, with no cycles."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

from slack_sdk import WebClient
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.installations import Installations, Tokens
from bot.delivery.sender import BackgroundSender
from bot.delivery.slack_gateway import Gateways, make_web_client
from bot.matching.broader import BroaderChoices
from bot.matching.choices import MenteeChoices
from bot.matching.cohort_edits import CohortEdits
from bot.matching.cohorts import Cohorts
from bot.matching.decisions import ProposalDecisions
from bot.matching.intake import Intake
from bot.matching.profiles import MentorProfiles
from bot.matching.requests import Requests
from bot.pairing.answers import PairAnswers
from bot.pairing.lifecycle import Departures, Lifecycle
from bot.pairing.pairings import Pairings
from bot.pairing.planner import Planner
from bot.people.directory import People
from bot.programs.catalog import Programs
from bot.programs.owners import Owners
from bot.reporting.home import Home
from bot.reporting.mydata import MyData
from bot.reporting.privacy import Erasure
from bot.reporting.reports import Reports
from bot.storage.database import make_engine, make_session_factory, ping

# A trigger id lives 3 s from the user's action, so a modal either opens quickly or not at all: the
# one Web API call made before answering Slack gets this long, with no retry and no Retry-After wait.
TRIGGER_TIMEOUT = 2
# An install started at /slack/install must come back from Slack within this many seconds.
OAUTH_STATE_SECONDS = 600


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    # Bolt's own client: it carries the one bot token in token mode, and no token in OAuth mode.
    web_client: WebClient
    # Each workspace's Web API calls, with that workspace's token.
    gateway: Gateways
    # views.open and views.push: the only calls made before answering (see TRIGGER_TIMEOUT).
    triggers: Gateways
    dispatcher: Dispatcher
    sender: BackgroundSender
    people: People
    owners: Owners
    programs: Programs
    profiles: MentorProfiles
    intake: Intake
    requests: Requests
    decisions: ProposalDecisions
    choices: MenteeChoices
    cohorts: Cohorts
    cohort_edits: CohortEdits
    pairings: Pairings
    planner: Planner
    answers: PairAnswers
    lifecycle: Lifecycle
    reports: Reports
    home: Home
    broader: BroaderChoices
    my_data: MyData
    erasure: Erasure
    tokens: Tokens
    # OAuth mode only: where installs are kept, and the single-use state of each install in progress.
    installations: Installations | None = None
    oauth_states: SQLAlchemyOAuthStateStore | None = None
    now: Callable[[], datetime] = utc_now

    def healthy(self) -> bool:
        """Whether the database answers: what the health check reports."""
        return ping(self.engine)

    def close(self) -> None:
        self.sender.close()
        self.engine.dispose()


def build_runtime(
    settings: Settings, now: Callable[[], datetime] = utc_now, sleep: Callable[[float], None] = time.sleep
) -> Runtime:
    """`now` is the clock every listener reads, and `sleep` how Slack retries wait (a short Retry-After, a
    quick retry after a 5xx); tests hand in a clock they can move and a sleep that records instead of waiting.
    """
    engine = make_engine(settings.database_url, settings.database_timeouts)
    sessions = make_session_factory(engine)
    installations = Installations(settings.client_id, engine, sessions, now) if settings.client_id is not None else None
    oauth_states = (
        SQLAlchemyOAuthStateStore(expiration_seconds=OAUTH_STATE_SECONDS, engine=engine) if installations else None
    )
    tokens = Tokens(sessions, single=settings.bot_token, store=installations)
    web_client = make_web_client(settings.bot_token, settings.api_url, sleep=sleep)
    gateway = Gateways(tokens.bot_token, lambda token: make_web_client(token, settings.api_url, sleep=sleep))
    triggers = Gateways(
        tokens.bot_token,
        lambda token: WebClient(token=token, base_url=settings.api_url, timeout=TRIGGER_TIMEOUT, retry_handlers=[]),
    )
    # Services hand what they commit to the sender, which sends it after the answer.
    sender = BackgroundSender()
    people = People(sessions, gateway, first_lookup=triggers, later=sender.later)
    owners = Owners(sessions, people, settings.program_owners)
    dispatcher = Dispatcher(
        sessions,
        gateway,
        recipient_check=owners.still_receives,
        on_unreachable=Departures(sessions, gateway).unreachable,
    )
    sender.dispatcher = dispatcher
    sends = cast(Dispatcher, sender)
    programs = Programs(sessions, owners)
    pairings = Pairings(sessions)
    lifecycle = Lifecycle(sessions, sends)
    return Runtime(
        settings=settings,
        engine=engine,
        sessions=sessions,
        web_client=web_client,
        gateway=gateway,
        triggers=triggers,
        dispatcher=dispatcher,
        sender=sender,
        people=people,
        owners=owners,
        programs=programs,
        profiles=MentorProfiles(sessions, sends, people),
        intake=Intake(sessions, people),
        requests=Requests(sessions, sender, people),
        decisions=ProposalDecisions(sessions, sends),
        choices=MenteeChoices(sessions, sends),
        cohorts=Cohorts(sessions, sends, owners),
        cohort_edits=CohortEdits(sessions, owners),
        pairings=pairings,
        planner=Planner(sessions, owners),
        answers=PairAnswers(sessions, sends, owners),
        lifecycle=lifecycle,
        reports=Reports(sessions, dispatcher, sender, gateway, owners, settings.stats_min_group),
        home=Home(sessions, pairings, programs, owners, settings.stats_min_group),
        broader=BroaderChoices(sessions, sender),
        my_data=MyData(sessions, dispatcher, gateway),
        erasure=Erasure(sessions, lifecycle, gateway),
        tokens=tokens,
        installations=installations,
        oauth_states=oauth_states,
        now=now,
    )
