"""The schema itself refuses impossible states, whatever the code above it does."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from bot.storage.database import make_engine, make_session_factory, migrate, unit_of_work
from bot.storage.models import MentoringRequest, MentorProfile, Pairing, Program, Workspace

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)


@pytest.fixture
def sessions(database_url):
    engine = make_engine(database_url)
    migrate(engine)
    factory = make_session_factory(engine)
    with unit_of_work(factory) as s:
        s.add(Workspace(team_id="T1", created_at=NOW))
        s.flush()
        s.add(Program(id=101, team_id="T1", name="P", kind="classic", status="open", topics=[], created_at=NOW))
        s.flush()
        s.add(
            MentorProfile(
                id=101,
                team_id="T1",
                program_id=101,
                user_id="UM",
                topics=[],
                capacity=1,
                load=0,
                level=3,
                created_at=NOW,
                updated_at=NOW,
            )
        )
        # High explicit ids leave PostgreSQL's sequences free for the rows the tests add.
        for n in (101, 102):
            s.add(
                MentoringRequest(
                    id=n,
                    team_id="T1",
                    program_id=101,
                    mentee_user_id="UE",
                    goals="g" * 20,
                    topics=[],
                    status="matched",
                    source_key=f"k{n}",
                    created_at=NOW,
                )
            )
    yield factory
    engine.dispose()


def _pairing(request_id: int) -> Pairing:
    return Pairing(
        team_id="T1",
        program_id=101,
        request_id=request_id,
        mentor_profile_id=101,
        mentor_user_id="UM",
        mentee_user_id="UE",
        status="active",
        started_at=NOW,
    )


def test_one_active_pairing_per_mentor_and_mentee(sessions):
    with unit_of_work(sessions) as s:
        s.add(_pairing(101))
    with pytest.raises(IntegrityError), unit_of_work(sessions) as s:
        s.add(_pairing(102))


def test_load_can_never_exceed_capacity(sessions):
    with pytest.raises(IntegrityError), unit_of_work(sessions) as s:
        s.get(MentorProfile, 101).load = 2


def test_capacity_stays_between_one_and_five(sessions):
    with pytest.raises(IntegrityError), unit_of_work(sessions) as s:
        s.get(MentorProfile, 101).capacity = 6


def test_one_open_request_per_mentee_and_program(sessions):
    with unit_of_work(sessions) as s:
        s.add(
            MentoringRequest(
                team_id="T1",
                program_id=101,
                mentee_user_id="UX",
                goals="g" * 20,
                topics=[],
                status="waiting",
                source_key="a",
                created_at=NOW,
            )
        )
    with pytest.raises(IntegrityError), unit_of_work(sessions) as s:
        s.add(
            MentoringRequest(
                team_id="T1",
                program_id=101,
                mentee_user_id="UX",
                goals="g" * 20,
                topics=[],
                status="proposed",
                source_key="b",
                created_at=NOW,
            )
        )


def test_rows_must_belong_to_a_known_workspace(sessions):
    with pytest.raises(IntegrityError), unit_of_work(sessions) as s:
        s.add(Program(team_id="TNOPE", name="P", kind="classic", status="open", topics=[], created_at=NOW))
