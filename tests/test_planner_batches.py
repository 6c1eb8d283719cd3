"""The planner at scale: batches, the ids its messages carry, history read in SQL, and replicas at once."""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from bot.pairing import messages as views
from bot.pairing import planner as planner_module
from bot.pairing import prompts
from bot.pairing.planner import Planner, _met_and_misses
from bot.people.directory import People, ensure_workspace
from bot.programs.catalog import open_programs
from bot.programs.owners import Owners
from bot.storage import shapes
from bot.storage.database import make_engine, make_session_factory, unit_of_work
from bot.storage.models import (
    CheckIn,
    Delivery,
    MentoringRequest,
    MentorProfile,
    MessageShape,
    Pairing,
    Person,
    PromptUse,
)

TEAM = "TPLAN0001"
START = datetime(2026, 12, 2, 12, tzinfo=UTC)  # a Wednesday
MONDAY = datetime(2026, 12, 7, 10, tzinfo=UTC)  # the first slot: 10:00 in the program's UTC


@dataclass
class World:
    url: str
    sessions: sessionmaker[Session]

    def planner(self, sessions: sessionmaker[Session] | None = None) -> Planner:
        sessions = sessions or self.sessions
        return Planner(sessions, Owners(sessions, People(sessions, None), frozenset({"UOWNER"})))  # type: ignore[arg-type]


def seed_pairs(sessions: sessionmaker[Session], count: int) -> None:
    with unit_of_work(sessions) as s:
        program = open_programs(s, TEAM, START)[0]
        s.execute(
            insert(MentorProfile),
            [
                dict(
                    team_id=TEAM,
                    program_id=program.id,
                    user_id=f"UM{n:04d}",
                    topics=[],
                    capacity=1,
                    load=1,
                    level=4,
                    created_at=START,
                    updated_at=START,
                )
                for n in range(count)
            ],
        )
        s.execute(
            insert(MentoringRequest),
            [
                dict(
                    team_id=TEAM,
                    program_id=program.id,
                    mentee_user_id=f"UE{n:04d}",
                    goals="g" * 20,
                    topics=[],
                    status="matched",
                    source_key=f"k{n}",
                    created_at=START,
                )
                for n in range(count)
            ],
        )
        profiles = s.scalars(select(MentorProfile.id).order_by(MentorProfile.id)).all()
        requests = s.scalars(select(MentoringRequest.id).order_by(MentoringRequest.id)).all()
        s.execute(
            insert(Pairing),
            [
                dict(
                    team_id=TEAM,
                    program_id=program.id,
                    request_id=request_id,
                    mentor_profile_id=profile_id,
                    mentor_user_id=f"UM{n:04d}",
                    mentee_user_id=f"UE{n:04d}",
                    status="active",
                    started_at=START,
                )
                for n, (request_id, profile_id) in enumerate(zip(requests, profiles, strict=True))
            ],
        )


@pytest.fixture
def world(migrated_database_url: str) -> Iterator[World]:
    engine = make_engine(migrated_database_url)
    yield World(migrated_database_url, make_session_factory(engine))
    engine.dispose()


def test_a_week_in_several_batches_plans_every_pair_once_and_each_message_carries_its_own_rows(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(planner_module, "BATCH", 3)
    seed_pairs(world.sessions, 8)
    report = world.planner().plan(MONDAY)
    assert (report.scheduled, report.checkins) == (8, 8)
    with unit_of_work(world.sessions) as s:
        checkins = {c.pairing_id: c for c in s.scalars(select(CheckIn))}
        uses = {u.pairing_id: u for u in s.scalars(select(PromptUse))}
        deliveries = list(s.scalars(select(Delivery)))
        messages = {d.id: shapes.message_of(s, d) for d in deliveries}
        mentees = dict(s.execute(select(Pairing.id, Pairing.mentee_user_id)).all())
    assert sorted((c.period, c.status, c.due_at) for c in checkins.values()) == [(1, "open", MONDAY)] * 8
    assert Counter(d.kind for d in deliveries) == {"checkin": 8, "prompt": 8}
    for d in deliveries:
        assert d.pairing_id is not None
        if d.kind == "checkin":
            # The buttons answer this pair's check-in, not another pair's from the same batch.
            assert messages[d.id]["blocks"][1]["block_id"] == f"checkin-{checkins[d.pairing_id].id}"
        else:
            use = uses[d.pairing_id]
            assert (use.audience, d.target) == ("mentee", mentees[d.pairing_id])
            assert messages[d.id]["blocks"][1]["block_id"] == f"prompt-{use.id}"
            prompt = prompts.by_key(use.prompt_key)
            assert prompt is not None and prompt.classic in messages[d.id]["text"]
    again = world.planner().plan(MONDAY)
    assert (again.scheduled, again.checkins) == (0, 0)
    with unit_of_work(world.sessions) as s:
        assert len(s.scalars(select(Delivery.id)).all()) == 16


def _misses_by_definition(answers: list[str | None]) -> int:
    """The rule, read straight: walk back from the latest check-in until a "We met"."""
    misses = 0
    for answer in reversed(answers):
        if answer == "met":
            break
        misses += 1
    return misses


def test_trailing_misses_in_sql_count_back_to_the_latest_we_met_and_find_whether_the_pair_met(world: World) -> None:
    seed_pairs(world.sessions, 40)
    rng = random.Random(4)
    histories: dict[int, list[str | None]] = {}
    with unit_of_work(world.sessions) as s:
        ids = s.scalars(select(Pairing.id).order_by(Pairing.id)).all()
        rows = []
        for pairing_id in ids:
            answers = [rng.choice(["met", "not_yet", "need_help", None]) for _ in range(rng.randint(0, 9))]
            histories[pairing_id] = answers
            # Stored out of order, so only the periods can tell which check-in is the latest.
            for period in rng.sample(range(1, len(answers) + 1), len(answers)):
                answer = answers[period - 1]
                rows.append(
                    dict(
                        team_id=TEAM,
                        pairing_id=pairing_id,
                        period=period,
                        due_at=START + timedelta(weeks=period),
                        status="answered" if answer == "met" else "superseded",
                        answer=answer,
                    )
                )
        s.execute(insert(CheckIn), rows)
    with unit_of_work(world.sessions) as s:
        found = {row[0]: row[1:] for row in s.execute(_met_and_misses(s.get_bind().dialect, list(ids)))}
    expected = {pairing_id: _misses_by_definition(answers) for pairing_id, answers in histories.items()}
    assert {pairing_id: found.get(pairing_id, (0,))[0] for pairing_id in ids} == expected
    last_met = {
        p: max((n + 1 for n, a in enumerate(answers) if a == "met"), default=None) for p, answers in histories.items()
    }
    assert {pairing_id: found.get(pairing_id, (0, None))[1] for pairing_id in ids} == last_met
    assert None in last_met.values() and any(n is not None for n in last_met.values())
    assert any(0 < n < len(histories[p]) for p, n in expected.items())  # some pairs met, then missed


def test_replicas_planning_at_once_plan_each_pair_once(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(planner_module, "BATCH", 4)
    seed_pairs(world.sessions, 30)
    world.planner().plan(MONDAY - timedelta(days=1))  # schedules every pair, plans nothing yet
    engines = [make_engine(world.url) for _ in range(3)]
    try:
        replicas = [world.planner(make_session_factory(engine)) for engine in engines]
        with ThreadPoolExecutor(max_workers=len(replicas)) as pool:
            reports = list(pool.map(lambda replica: replica.plan(MONDAY), replicas))
    finally:
        for engine in engines:
            engine.dispose()
    assert sum(r.checkins for r in reports) == 30
    with unit_of_work(world.sessions) as s:
        assert Counter(s.scalars(select(CheckIn.pairing_id))).most_common(1)[0][1] == 1
        assert len(s.scalars(select(CheckIn.id)).all()) == 30
        assert Counter(s.scalars(select(Delivery.kind))) == {"checkin": 30, "prompt": 30}
        assert {p.next_checkin_at for p in s.scalars(select(Pairing))} == {MONDAY + timedelta(weeks=1)}


def test_paused_and_unknown_people_are_read_with_their_pair(world: World) -> None:
    seed_pairs(world.sessions, 3)
    with unit_of_work(world.sessions) as s:
        ensure_workspace(s, "TOTHER001", START)
        s.execute(
            insert(Person),
            [
                dict(team_id=TEAM, user_id="UE0000", tz="America/New_York"),
                dict(team_id=TEAM, user_id="UM0001", paused_until=MONDAY + timedelta(days=1)),
                # Another workspace's person with the same user ID must not pause this pair.
                dict(team_id="TOTHER001", user_id="UM0002", paused_until=MONDAY + timedelta(days=1)),
            ],
        )
    report = world.planner().plan(MONDAY)
    assert (report.checkins, report.skipped_paused) == (1, 1)
    with unit_of_work(world.sessions) as s:
        [(pairing_id, due_at)] = s.execute(select(CheckIn.pairing_id, CheckIn.due_at)).all()
        mentee = s.scalar(select(Pairing.mentee_user_id).where(Pairing.id == pairing_id))
    assert (mentee, due_at) == ("UE0002", MONDAY)
    # The New York mentee's slot is 10:00 there, later the same day.
    assert world.planner().plan(MONDAY + timedelta(hours=5)).checkins == 1


def test_a_planned_message_is_stored_as_its_values_and_its_shape_once_per_workspace(world: World) -> None:
    seed_pairs(world.sessions, 12)
    world.planner().plan(MONDAY)
    with unit_of_work(world.sessions) as s:
        deliveries = list(s.scalars(select(Delivery)))
        stored = {m.id: m for m in s.scalars(select(MessageShape))}
        assert deliveries and all(d.shape_id in stored for d in deliveries)
        # Each row keeps a few values, and the workspace's shapes are shared: far fewer than the messages.
        assert all(isinstance(d.payload, list) and len(json.dumps(d.payload)) < 80 for d in deliveries)
        assert len(stored) < len(deliveries) / 2
        assert {stored[d.shape_id].team_id for d in deliveries if d.shape_id is not None} == {TEAM}
        checkins = {c.pairing_id: c.id for c in s.scalars(select(CheckIn))}
        for d in deliveries:
            if d.kind == "checkin":
                # Filled in, it is byte for byte the message its builder makes.
                pairing = s.get_one(Pairing, d.pairing_id)
                assert shapes.message_of(s, d) == views.checkin_message(pairing, checkins[pairing.id], 1)
