"""Small-group suppression in /mentor stats counts people, not rows, and outlives the program."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert
from sqlalchemy.orm import Session

from bot.reporting.blocks import HIDDEN, figure_fields
from bot.reporting.stats import compute
from bot.storage.database import make_engine, make_session_factory, unit_of_work
from bot.storage.models import CheckIn, MentoringRequest, MentorProfile, Pairing, Program, Survey, Workspace

TEAM = "TPRIVACY01"
NOW = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
WEEK = timedelta(weeks=1)
MIN_GROUP = 5


@pytest.fixture
def session(migrated_database_url: str) -> Iterator[Session]:
    engine = make_engine(migrated_database_url)
    with unit_of_work(make_session_factory(engine)) as s:
        s.add(Workspace(team_id=TEAM, created_at=NOW - 52 * WEEK))
        s.flush()
        s.add(Program(id=1, team_id=TEAM, name="Mentoring", topics=[], created_at=NOW - 30 * WEEK))
        s.flush()
        yield s
    engine.dispose()


def add_pairs(s: Session, pairs: list[tuple[str, str]], status: str) -> list[int]:
    """One profile, request and pairing per (mentor, mentee); returns the pairings' ids."""
    ids = []
    for mentor, mentee in pairs:
        profile = s.scalar(
            insert(MentorProfile)
            .values(
                team_id=TEAM,
                program_id=1,
                user_id=f"{mentor}-{mentee}",
                topics=[],
                capacity=5,
                load=0,
                level=4,
                created_at=NOW,
                updated_at=NOW,
            )
            .returning(MentorProfile.id)
        )
        request = s.scalar(
            insert(MentoringRequest)
            .values(
                team_id=TEAM,
                program_id=1,
                mentee_user_id=mentee,
                goals="Grow as a lead.",
                topics=[],
                status="matched",
                source_key=f"{mentor}-{mentee}",
                created_at=NOW - 20 * WEEK,
                matched_at=NOW - 19 * WEEK,
            )
            .returning(MentoringRequest.id)
        )
        pairing = s.scalar(
            insert(Pairing)
            .values(
                team_id=TEAM,
                program_id=1,
                request_id=request,
                mentor_profile_id=profile,
                mentor_user_id=mentor,
                mentee_user_id=mentee,
                status=status,
                started_at=NOW - 14 * WEEK,
            )
            .returning(Pairing.id)
        )
        assert pairing is not None
        ids.append(pairing)
    return ids


def shown(s: Session, label: str) -> str:
    return dict(figure_fields(compute(s, TEAM, 1, NOW), MIN_GROUP))[label]


def test_five_surveys_from_one_mentor_are_one_person_and_show_no_nps(session: Session) -> None:
    mentees = [f"UMENTEE{n}" for n in range(5)]
    pairings = add_pairs(session, [("UMENTOR", m) for m in mentees], "completed")
    session.execute(
        insert(Survey),
        [
            dict(
                team_id=TEAM, pairing_id=p, user_id="UMENTOR", rating=1, recommend=0, goals_reached="no", created_at=NOW
            )
            for p in pairings
        ],
    )
    figures = compute(session, TEAM, 1, NOW)
    assert figures.nps.value == -100 and figures.nps.people == 1
    assert shown(session, "NPS (closing surveys)") == HIDDEN
    # The mentees answer too: now five people stand behind the figure, and it shows.
    session.execute(
        insert(Survey),
        [
            dict(team_id=TEAM, pairing_id=p, user_id=m, rating=5, recommend=10, goals_reached="yes", created_at=NOW)
            for p, m in zip(pairings, mentees, strict=True)
        ],
    )
    assert compute(session, TEAM, 1, NOW).nps.people == 6
    assert shown(session, "NPS (closing surveys)") == "+0"


def test_a_mentor_of_three_is_one_person_behind_the_pair_figures(session: Session) -> None:
    add_pairs(session, [("UMENTOR", "UA"), ("UMENTOR", "UB"), ("UMENTOR", "UC")], "active")
    figures = compute(session, TEAM, 1, NOW)
    assert figures.active_pairs.value == 3 and figures.active_pairs.people == 4
    assert figures.stalled_pairs.people == 4
    assert shown(session, "Active pairs") == HIDDEN  # four people, below the threshold of five


def test_the_chart_counts_the_people_who_checked_in_even_after_the_program_is_over(session: Session) -> None:
    pairs = [("UMENTOR1", "UA"), ("UMENTOR1", "UB"), ("UMENTOR2", "UC"), ("UMENTOR2", "UD")]
    pairings = add_pairs(session, pairs, "completed")
    session.execute(
        insert(CheckIn),
        [
            dict(
                team_id=TEAM,
                pairing_id=p,
                period=period,
                due_at=NOW - (6 - period) * WEEK,
                status="answered",
                answer="met",
                answered_by="UA",
            )
            for p in pairings
            for period in range(1, 5)
        ],
    )
    figures = compute(session, TEAM, 1, NOW)
    assert figures.active_pairs.value == 0 and figures.active_pairs.people == 0
    assert len(figures.weekly) == 4 and figures.weekly_people == 6
    assert figures.met.value == 4 and figures.met.people == 6
    # Check-ins older than the chart's window no longer count towards it.
    assert compute(session, TEAM, 1, NOW + 20 * WEEK).weekly_people == 0
