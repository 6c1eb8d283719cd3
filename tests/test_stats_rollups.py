"""The stats rollups follow every write: after any sequence of them they equal a rebuild from scratch, and
/mentor stats equals the oracle; the migrations fill them for rows written before them. SQLite and PostgreSQL.

The writes here go straight to the tables, the way any writer might, deletes included; the services'
own flows are walked in tests/test_stats_oracle.py.
"""

from __future__ import annotations

import contextlib
import random
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from bot.reporting.privacy import anonymize, new_token
from bot.reporting.stats import compute
from bot.storage import rollups
from bot.storage.database import make_engine, make_session_factory, migrate, unit_of_work
from bot.storage.models import (
    CheckIn,
    Feedback,
    MentoringRequest,
    MentorProfile,
    Pairing,
    StatsPair,
    StatsPerson,
    Survey,
)
from bot.storage.statuses import OPEN_REQUEST_STATUSES
from tests.test_stats_oracle import (
    MAIN,
    NOW,
    SECOND,
    TEAM,
    TINY,
    WEEK,
    differences,
    naive_stats,
    rollup_rows,
    seed_workspaces,
)

ANSWERS = [None, "met", "met", "not_yet", "need_help"]
COMMON = ("answer", "pulse", "new_checkin", "request", "offer", "feedback")
RARE = (
    "several_checkins",
    "drop_checkin",
    "move_checkin",
    "end",
    "erase",
    "new_request",
    "drop_feedback",
    "survey",
    "new_pair",
    "drop_pair",
)


def drift(engine: Engine) -> dict[str, str]:
    """Each rollup table whose rows differ from what a rebuild from scratch makes of the same data."""
    with engine.connect() as conn:
        kept = rollup_rows(conn)
        rollups.rebuild(conn)
        fresh = rollup_rows(conn)
        conn.rollback()
    found = {}
    for table, rows in kept.items():
        if rows != fresh[table]:
            extra, missing = set(rows) - set(fresh[table]), set(fresh[table]) - set(rows)
            found[table] = (
                f"kept but not rebuilt: {sorted(extra, key=repr)[:3]}; rebuilt only: {sorted(missing, key=repr)[:3]}"
            )
    return found


def wrong_figures(s: Session) -> dict[str, list[str]]:
    found = {}
    for program in (MAIN, SECOND, TINY):
        for now in (NOW, NOW - 5 * WEEK):
            wrong = differences(compute(s, TEAM, program, now), naive_stats(s, TEAM, program, now))
            if wrong:
                found[f"program {program} at {now:%Y-%m-%d}"] = wrong
    return found


@pytest.fixture
def engine(migrated_database_url: str) -> Iterator[Engine]:
    engine = make_engine(migrated_database_url)
    yield engine
    engine.dispose()


def test_every_trigger_is_in_place_after_migrating_and_older_ones_are_gone(engine: Engine) -> None:
    with engine.connect() as conn:
        assert rollups.up_to_date(conn)
        assert len(rollups.installed(conn)) == 27
        rollups.uninstall(conn)
        assert rollups.installed(conn) == {} and not rollups.up_to_date(conn)
        conn.rollback()
    with engine.begin() as conn:  # a trigger that older rules made, under a name the code no longer has
        if conn.dialect.name == "postgresql":
            body = "BEGIN UPDATE stats_due_times SET sent = sent + 1; RETURN NULL; END"
            conn.execute(text(f"CREATE FUNCTION stats_older() RETURNS trigger LANGUAGE plpgsql AS $$ {body} $$"))
            conn.execute(text("CREATE TRIGGER stats_older AFTER INSERT ON check_ins EXECUTE FUNCTION stats_older()"))
        else:
            conn.execute(
                text(
                    "CREATE TRIGGER stats_older AFTER INSERT ON check_ins "
                    "BEGIN UPDATE stats_due_times SET sent = sent + 1; END"
                )
            )
    with engine.connect() as conn:
        assert "stats_older" in rollups.installed(conn) and not rollups.up_to_date(conn)
    migrate(engine)
    with engine.connect() as conn:
        assert "stats_older" not in rollups.installed(conn) and rollups.up_to_date(conn)


class Writes:
    """Random writes to one seeded workspace, each a plain statement on the tables."""

    def __init__(self, s: Session, rng: random.Random):
        self.s, self.rng = s, rng

    def pick(self, model: Any, *where: Any) -> Any:
        ids = self.s.scalars(select(model.id).where(*where).order_by(model.id)).all()
        return self.s.get(model, self.rng.choice(ids)) if ids else None

    def next_id(self, model: Any) -> int:
        return int(self.s.scalar(select(func.coalesce(func.max(model.id), 0))) or 0) + 1

    def answer(self) -> None:
        c = self.pick(CheckIn, CheckIn.team_id == TEAM)
        pairing = self.s.get(Pairing, c.pairing_id)
        assert pairing is not None
        answer = self.rng.choice(ANSWERS)
        c.answer, c.status = answer, "answered" if answer else self.rng.choice(["superseded", "closed"])
        who = [pairing.mentee_user_id, pairing.mentor_user_id, "UOUTSIDER", None]
        c.answered_by = self.rng.choice(who) if answer else None

    def pulse(self) -> None:
        c = self.pick(CheckIn, CheckIn.team_id == TEAM)
        c.usefulness = self.rng.choice([None, 1, 3, 5])
        c.confidence = self.rng.choice([None, 2, 4, 5])

    def new_checkin(self) -> None:
        pairing = self.pick(Pairing, Pairing.team_id == TEAM)
        last = self.s.scalar(select(func.max(CheckIn.period)).where(CheckIn.pairing_id == pairing.id)) or 0
        due = NOW + self.rng.randint(-20, 2) * WEEK + timedelta(minutes=self.rng.choice([0, -30, 90]))
        self.s.execute(
            update(CheckIn)
            .where(CheckIn.pairing_id == pairing.id, CheckIn.status == "open")
            .values(status="superseded")
        )
        self.s.add(CheckIn(id=self.next_id(CheckIn), team_id=TEAM, pairing_id=pairing.id, period=last + 1, due_at=due))

    def several_checkins(self) -> None:
        """Many check-ins in one statement, as the planner writes them."""
        pairings = self.s.scalars(select(Pairing.id).where(Pairing.team_id == TEAM, Pairing.status == "active"))
        first, rows = self.next_id(CheckIn), []
        for n, pairing_id in enumerate(pairings):
            last = self.s.scalar(select(func.max(CheckIn.period)).where(CheckIn.pairing_id == pairing_id)) or 0
            rows.append(
                dict(id=first + n, team_id=TEAM, pairing_id=pairing_id, period=last + 1, due_at=NOW, status="open")
            )
        self.s.execute(update(CheckIn).where(CheckIn.status == "open").values(status="closed"))
        self.s.execute(insert(CheckIn), rows)

    def drop_checkin(self) -> None:
        self.s.execute(delete(CheckIn).where(CheckIn.id == self.pick(CheckIn, CheckIn.team_id == TEAM).id))

    def move_checkin(self) -> None:
        c = self.pick(CheckIn, CheckIn.team_id == TEAM)
        periods = self.s.scalars(select(CheckIn.period).where(CheckIn.pairing_id == c.pairing_id)).all()
        c.due_at = c.due_at + self.rng.choice([-3, 1, 13]) * WEEK
        c.period = max(periods) + 1

    def end(self) -> None:
        pairing = self.pick(Pairing, Pairing.team_id == TEAM, Pairing.status == "active")
        if pairing is None:
            return
        pairing.status = self.rng.choice(["ended", "completed"])
        self.s.flush()
        self.s.execute(
            update(CheckIn).where(CheckIn.pairing_id == pairing.id, CheckIn.status == "open").values(status="closed")
        )

    def erase(self) -> None:
        pairing = self.pick(Pairing, Pairing.team_id == TEAM)
        user = self.rng.choice([pairing.mentor_user_id, pairing.mentee_user_id, "UOUTSIDER"])
        self.s.flush()
        anonymize(self.s, TEAM, user, new_token())
        self.s.expire_all()

    def request(self) -> None:
        r = self.pick(MentoringRequest, MentoringRequest.team_id == TEAM)
        open_ = self.s.scalar(
            select(func.count()).where(
                MentoringRequest.program_id == r.program_id,
                MentoringRequest.mentee_user_id == r.mentee_user_id,
                MentoringRequest.status.in_(OPEN_REQUEST_STATUSES),
                MentoringRequest.id != r.id,
            )
        )
        r.status = self.rng.choice(["matched", "withdrawn"] + ([] if open_ else ["waiting", "proposed"]))
        r.matched_at = self.rng.choice([None, r.created_at + timedelta(hours=self.rng.randint(1, 500))])

    def new_request(self) -> None:
        program = self.rng.choice([MAIN, SECOND, TINY])
        self.s.add(
            MentoringRequest(
                id=self.next_id(MentoringRequest),
                team_id=TEAM,
                program_id=program,
                mentee_user_id=f"UNEW{self.rng.randint(1, 3)}",
                goals="Grow.",
                topics=[],
                status="withdrawn",
                source_key=f"new-{self.rng.random()}",
                created_at=NOW - timedelta(days=self.rng.randint(1, 90)),
                matched_at=self.rng.choice([None, NOW]),
            )
        )

    def offer(self) -> None:
        p = self.pick(MentorProfile, MentorProfile.team_id == TEAM)
        p.capacity = self.rng.randint(1, 5)
        p.load, p.active = self.rng.randint(0, p.capacity), self.rng.random() < 0.7

    def feedback(self) -> None:
        pairing = self.pick(Pairing, Pairing.team_id == TEAM)
        rounds = self.s.scalar(select(func.count()).where(Feedback.pairing_id == pairing.id)) or 0
        self.s.add(
            Feedback(
                id=self.next_id(Feedback),
                team_id=TEAM,
                pairing_id=pairing.id,
                round=rounds + 10,
                from_user_id=self.rng.choice([pairing.mentor_user_id, pairing.mentee_user_id]),
                to_user_id="UANYONE",
                working="w",
                try_differently="t",
                created_at=NOW,
            )
        )

    def drop_feedback(self) -> None:
        f = self.pick(Feedback, Feedback.team_id == TEAM)
        if f is not None:
            self.s.delete(f)

    def survey(self) -> None:
        v = self.pick(Survey, Survey.team_id == TEAM)
        if v is not None:
            if self.rng.random() < 0.3:
                self.s.delete(v)
            else:
                v.recommend = self.rng.randint(0, 10)

    def new_pair(self) -> None:
        program = self.rng.choice([MAIN, SECOND])
        mentor, mentee = f"UNEWM{self.rng.randint(1, 3)}", f"UNEWE{self.rng.randint(1, 9)}"
        taken = self.s.scalar(
            select(func.count()).where(
                Pairing.team_id == TEAM,
                Pairing.mentor_user_id == mentor,
                Pairing.mentee_user_id == mentee,
                Pairing.status == "active",
            )
        )
        if taken:
            return
        profile = MentorProfile(
            id=self.next_id(MentorProfile),
            team_id=TEAM,
            program_id=program,
            user_id=f"{mentor}-{self.rng.random()}",
            topics=[],
            capacity=2,
            load=1,
            level=3,
            created_at=NOW,
            updated_at=NOW,
        )
        request = MentoringRequest(
            id=self.next_id(MentoringRequest),
            team_id=TEAM,
            program_id=program,
            mentee_user_id=mentee,
            goals="Grow.",
            topics=[],
            status="matched",
            source_key=f"pair-{self.rng.random()}",
            created_at=NOW - 3 * WEEK,
            matched_at=NOW - 2 * WEEK,
        )
        self.s.add_all([profile, request])
        self.s.flush()
        self.s.add(
            Pairing(
                id=self.next_id(Pairing),
                team_id=TEAM,
                program_id=program,
                request_id=request.id,
                mentor_profile_id=profile.id,
                mentor_user_id=mentor,
                mentee_user_id=mentee,
                status="active",
                started_at=NOW - 2 * WEEK,
            )
        )

    def drop_pair(self) -> None:
        pairing = self.pick(Pairing, Pairing.team_id == TEAM)
        for model in (CheckIn, Feedback, Survey):
            self.s.execute(delete(model).where(model.pairing_id == pairing.id))
        self.s.execute(delete(Pairing).where(Pairing.id == pairing.id))

    def kinds(self, batched: bool = False) -> list[Callable[[], None]]:
        """Every kind of write, the everyday ones more often; in a batch, all but deleting a pair."""
        return [getattr(self, name) for name in COMMON * 3 + RARE if not (batched and name == "drop_pair")]


@pytest.mark.parametrize("seed, batched", [(1, False), (2, False), (3, True)])
def test_random_writes_keep_the_rollups_equal_to_a_rebuild_and_the_figures_to_the_oracle(
    engine: Engine, seed: int, batched: bool
) -> None:
    """`batched`: every transaction writes inside `rollups.batch`, as the weekly plan does, so its
    check-ins reach the rollups once, at the block's end (all but deleting a pair, which a batch's
    contract leaves out)."""
    sessions = make_session_factory(engine)
    with unit_of_work(sessions) as s:
        seed_workspaces(s, seed)
    assert drift(engine) == {}
    rng = random.Random(seed)
    kinds = [kind for kind in COMMON + RARE if not (batched and kind == "drop_pair")]
    rng.shuffle(kinds)
    done = []
    for step in range(40):
        with unit_of_work(sessions) as s:
            writes = Writes(s, rng)
            # Every kind of write once first, in random order; then any, one to three per transaction.
            chosen = [getattr(writes, kinds[step])] if step < len(kinds) else []
            with rollups.batch(s.connection()) if batched else contextlib.nullcontext():
                for write in chosen or rng.sample(writes.kinds(batched), rng.choice([1, 1, 2, 3])):
                    write()
                    done.append(f"{step}: {write.__name__}")
                s.flush()
        if step % 4 == 3:
            assert drift(engine) == {}, done[-8:]
            with unit_of_work(sessions) as s:
                assert wrong_figures(s) == {}, done[-8:]


def test_a_batch_leaves_no_trace_and_a_failed_one_changes_nothing(engine: Engine) -> None:
    """After a batch, check-ins written outside one reach the rollups at once again; a batch whose
    transaction fails leaves the rollups as they were."""
    sessions = make_session_factory(engine)
    with unit_of_work(sessions) as s:
        seed_workspaces(s, 4)
    pairing = 0

    def add_checkin(s: Session) -> None:
        nonlocal pairing
        pairing = pairing or s.scalar(select(Pairing.id).where(Pairing.team_id == TEAM).order_by(Pairing.id)) or 0
        period = (s.scalar(select(func.max(CheckIn.period)).where(CheckIn.pairing_id == pairing)) or 0) + 1
        checkin = (s.scalar(select(func.max(CheckIn.id))) or 0) + 1  # the seed sets ids: no sequence to follow
        s.execute(
            insert(CheckIn).values(
                id=checkin, team_id=TEAM, pairing_id=pairing, period=period, due_at=NOW + period * WEEK, status="closed"
            )
        )

    def sent(s: Session | None = None) -> int:
        query = text("SELECT COALESCE(SUM(sent), 0) FROM stats_due_times")
        if s is not None:
            return int(s.scalar(query) or 0)
        with engine.connect() as conn:
            return int(conn.scalar(query) or 0)

    before = sent()
    with unit_of_work(sessions) as s:
        with rollups.batch(s.connection()):
            add_checkin(s)
            assert sent(s) == before  # not yet summed
        assert sent(s) == before + 1  # summed at the block's end
        add_checkin(s)  # after the block: summed at once, as ever
        assert sent(s) == before + 2
    assert sent() == before + 2
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM stats_checkin_changes")) == 0
    with pytest.raises(RuntimeError), unit_of_work(sessions) as s:
        with rollups.batch(s.connection()):
            add_checkin(s)
            raise RuntimeError("the plan failed halfway")
    assert sent() == before + 2
    assert drift(engine) == {}


def test_an_erased_person_counts_once_as_their_token_and_leaves_no_row(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    with unit_of_work(sessions) as s:
        seed_workspaces(s, 1)
    with unit_of_work(sessions) as s:
        before = compute(s, TEAM, MAIN, NOW)
        mentor = s.scalar(
            select(Pairing.mentor_user_id)
            .where(Pairing.program_id == MAIN)
            .group_by(Pairing.mentor_user_id)
            .order_by(func.count().desc(), Pairing.mentor_user_id)
            .limit(1)
        )
        assert mentor is not None
        token = new_token()
        anonymize(s, TEAM, mentor, token)
    with unit_of_work(sessions) as s:
        after = compute(s, TEAM, MAIN, NOW)
        assert wrong_figures(s) == {}
        assert after == before  # renaming alone changes no figure: the person still counts, once
        people = s.scalars(select(StatsPerson.user_id).where(StatsPerson.team_id == TEAM)).all()
        assert mentor not in people and token in people
    assert drift(engine) == {}


def test_rows_written_before_the_rollups_are_summed_by_the_migration(database_url: str) -> None:
    """Data from before revision 0007 (or written while the triggers were away) is counted at the next start."""
    engine = make_engine(database_url)
    migrate(engine)
    sessions = make_session_factory(engine)
    with engine.begin() as conn:
        rollups.uninstall(conn)
    with unit_of_work(sessions) as s:
        seed_workspaces(s, 3)
        assert s.scalar(select(func.count()).select_from(StatsPerson)) == 0
    with engine.connect() as conn:
        assert not rollups.up_to_date(conn)
    migrate(engine)  # nothing to migrate: the triggers are put back, and the rollups summed
    with unit_of_work(sessions) as s:
        assert wrong_figures(s) == {}
    assert drift(engine) == {}
    with engine.connect() as conn:
        assert rollups.up_to_date(conn)
    engine.dispose()


def test_two_transactions_changing_one_pair_at_once_both_count(engine: Engine) -> None:
    """The second waits for the first, then works the pair out again from what the first committed."""
    sessions = make_session_factory(engine)
    with unit_of_work(sessions) as s:
        seed_workspaces(s, 2)
        met = select(CheckIn.pairing_id).where(CheckIn.answer == "met")
        pairing_id, first, second = next(
            (p, *ids)
            for p in s.scalars(select(Pairing.id).where(Pairing.program_id == MAIN, Pairing.id.not_in(met)))
            if len(ids := s.scalars(select(CheckIn.id).where(CheckIn.pairing_id == p).order_by(CheckIn.period)).all())
            >= 2
        )

    def answer(checkin_id: int, **values: Any) -> Callable[[Connection], None]:
        def write(conn: Connection) -> None:
            conn.execute(update(CheckIn).where(CheckIn.id == checkin_id).values(**values))

        return write

    with engine.connect() as holding:
        answer(second, answer="met", status="answered", answered_by="UWHOEVER")(holding)
        waiting = threading.Thread(target=_in_own_transaction, args=(engine, answer(first, confidence=4)))
        waiting.start()
        waiting.join(timeout=0.5)
        holding.commit()
    waiting.join(timeout=30)
    assert not waiting.is_alive()
    assert drift(engine) == {}
    with unit_of_work(sessions) as s:
        assert wrong_figures(s) == {}
        summary = s.get(StatsPair, pairing_id)
        assert summary is not None and summary.met == 1


def _in_own_transaction(engine: Engine, write: Callable[[Connection], None]) -> None:
    with engine.begin() as conn:
        write(conn)
