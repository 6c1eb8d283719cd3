"""Benchmark: dispatch a week's check-ins for N active pairs against a local fake Slack Web API.

Baseline, measured in the same run: a bare slack_sdk loop, built with the bot's own client settings
(`make_web_client`), posting exactly the messages the dispatcher sends (check-ins and prompts, in the
same order, to the same channels) to the same server. Planning, the dispatcher and the baseline each
run in their own process, so each peak RSS is its own. The dispatcher and the baseline run side by
side but take turns, TURN messages at a time, and each times only its own turns: on a shared machine
the load changes within a run, and a side measured alone in a quieter or busier minute would be
compared unfairly. `--rounds` repeats the whole run on freshly seeded data, and who goes first
alternates.

On PostgreSQL each run works in a schema of its own, created for it and dropped afterwards, so runs
can repeat and overlap; the URL only says where to connect.

    .venv/bin/python bench/dispatch_checkins.py [--pairs 10000] [--rounds 1] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

START = datetime(2026, 12, 2, 12, tzinfo=UTC)
MONDAY = datetime(2026, 12, 7, 10, tzinfo=UTC)  # 10:00 in the program's UTC fallback timezone
TURN = 500  # messages each side sends before handing the turn to the other


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def seed(database_url: str, pairs: int) -> None:
    from sqlalchemy import insert

    from bot.people.directory import ensure_workspace
    from bot.programs.catalog import open_programs
    from bot.storage.database import make_engine, make_session_factory, migrate, unit_of_work
    from bot.storage.models import MentoringRequest, MentorProfile, Pairing

    engine = make_engine(database_url)
    migrate(engine)
    with unit_of_work(make_session_factory(engine)) as s:
        ensure_workspace(s, "TBENCH0001", START)
        program = open_programs(s, "TBENCH0001", START)[0]
        s.execute(
            insert(MentorProfile),
            [
                dict(
                    team_id="TBENCH0001",
                    program_id=program.id,
                    user_id=f"UM{n:07d}",
                    topics=["Leadership"],
                    capacity=1,
                    load=1,
                    level=4,
                    open_to_reverse=False,
                    active=True,
                    created_at=START,
                    updated_at=START,
                )
                for n in range(pairs)
            ],
        )
        s.execute(
            insert(MentoringRequest),
            [
                dict(
                    team_id="TBENCH0001",
                    program_id=program.id,
                    mentee_user_id=f"UE{n:07d}",
                    goals="Grow as a lead.",
                    topics=["Leadership"],
                    wants_outside_team=False,
                    wants_more_senior=False,
                    status="matched",
                    source_key=f"bench:{n}",
                    created_at=START,
                )
                for n in range(pairs)
            ],
        )
        s.flush()
        s.execute(
            insert(Pairing),
            [
                dict(
                    team_id="TBENCH0001",
                    program_id=program.id,
                    request_id=n + 1,
                    mentor_profile_id=n + 1,
                    mentor_user_id=f"UM{n:07d}",
                    mentee_user_id=f"UE{n:07d}",
                    status="active",
                    dm_channel_id=f"G{n:08d}",
                    started_at=START,
                    checkin_weekday=0,
                    next_period=1,
                )
                for n in range(pairs)
            ],
        )
    engine.dispose()


def build(api_url: str, database_url: str):  # type: ignore[no-untyped-def]
    from bot.config import load_settings
    from bot.runtime import build_runtime

    settings = {
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_API_URL": api_url,
        "DATABASE_URL": database_url,
    }
    return build_runtime(load_settings(settings))


class Turns:
    """Takes turns with the other side of the benchmark, through a pair of pipes.

    A side waits for a token, sends TURN messages, hands the token over and waits again. "T" passes
    the turn; "D" says the sender is done, and so does the end of the pipe if the other side died, so
    the one left carries on alone.
    """

    def __init__(self, wait_fd: int, give_fd: int):
        self._wait, self._give = wait_fd, give_fd
        self._alone = False
        self._began = 0.0
        self._sent = 0
        self.seconds = 0.0

    def begin(self) -> None:
        self._await()

    def sent_one(self) -> None:
        self._sent += 1
        if self._sent % TURN == 0 and not self._alone:
            self.seconds += time.perf_counter() - self._began
            if self._hand_over(b"T"):
                self._await()
            else:
                self._alone, self._began = True, time.perf_counter()

    def end(self) -> None:
        self.seconds += time.perf_counter() - self._began
        self._hand_over(b"D")

    def _hand_over(self, token: bytes) -> bool:
        try:
            os.write(self._give, token)
            return True
        except BrokenPipeError:  # the other side died; the parent reports it
            return False

    def _await(self) -> None:
        self._alone = os.read(self._wait, 1) != b"T"
        self._began = time.perf_counter()


def run_plan(api_url: str, database_url: str, turns: Turns | None) -> dict[str, Any]:
    rt = build(api_url, database_url)
    began = time.perf_counter()
    plan = rt.planner.plan(MONDAY)
    return {"checkins": plan.checkins, "seconds": time.perf_counter() - began, "peak_rss_mb": peak_rss_mb()}


def run_ours(api_url: str, database_url: str, turns: Turns | None) -> dict[str, Any]:
    assert turns is not None
    rt = build(api_url, database_url)
    slack = rt.gateway.to("TBENCH0001")
    post = slack.post_message

    def post_in_turn(*args: Any, **kwargs: Any) -> Any:
        try:
            return post(*args, **kwargs)
        finally:
            turns.sent_one()

    slack.post_message = post_in_turn  # type: ignore[method-assign]
    turns.begin()
    sent = rt.dispatcher.dispatch_due(MONDAY + timedelta(seconds=1))
    turns.end()
    return {
        "messages": sent.sent,
        "failed": sent.failed + sent.retrying + sent.paused,
        "seconds": turns.seconds,
        "peak_rss_mb": peak_rss_mb(),
    }


def planned_messages(database_url: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every planned message, in the dispatcher's order, read a page at a time in short transactions.

    Short, because SQLite's write lock comes with every transaction here, and the dispatcher taking turns
    alongside needs it; a page at a time, so that the baseline's peak RSS is not that of every message.
    """
    from sqlalchemy import and_, func, or_, select

    from bot.storage.database import make_engine, make_session_factory, unit_of_work
    from bot.storage.models import Delivery, MessageShape, Pairing
    from bot.storage.shapes import message

    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    query = (
        select(Delivery.next_attempt_at, Delivery.id, func.coalesce(Delivery.target, Pairing.dm_channel_id))
        .add_columns(Delivery.payload, MessageShape.text)
        .outerjoin(Pairing, Pairing.id == Delivery.pairing_id)
        .outerjoin(MessageShape, MessageShape.id == Delivery.shape_id)
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(1000)
    )
    page = query
    while True:
        with unit_of_work(sessions) as s:
            rows = s.execute(page).all()
        if not rows:
            engine.dispose()
            return
        for _, _, channel, payload, shape in rows:
            # A planned message is stored as its shape and its values: filled in, it is what was built.
            yield channel, payload if shape is None else message(shape, payload)
        at, last_id = rows[-1][0], rows[-1][1]
        page = query.where(
            or_(Delivery.next_attempt_at > at, and_(Delivery.next_attempt_at == at, Delivery.id > last_id))
        )


def run_baseline(api_url: str, database_url: str, turns: Turns | None) -> dict[str, Any]:
    from bot.delivery.slack_gateway import make_web_client

    assert turns is not None
    client = make_web_client("xoxb-bench", api_url)
    messages = 0
    turns.begin()
    for channel, payload in planned_messages(database_url):
        client.chat_postMessage(
            channel=channel, text=payload.get("text", ""), blocks=payload.get("blocks"), unfurl_links=False
        )
        messages += 1
        turns.sent_one()
    turns.end()
    return {"messages": messages, "seconds": turns.seconds, "peak_rss_mb": peak_rss_mb()}


ROLES = {"plan": run_plan, "ours": run_ours, "baseline": run_baseline}


def command(role: str, api_url: str, database_url: str, *fds: int) -> list[str]:
    turns = ["--turns", ",".join(map(str, fds))] if fds else []
    return [sys.executable, __file__, "--role", role, "--api-url", api_url, "--database-url", database_url, *turns]


def result_of(output: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return result


def child(role: str, api_url: str, database_url: str) -> dict[str, Any]:
    return result_of(
        subprocess.run(command(role, api_url, database_url), capture_output=True, text=True, check=True).stdout
    )


def side_by_side(first: str, second: str, api_url: str, database_url: str) -> dict[str, dict[str, Any]]:
    """Runs both sides at once, taking turns; `first` has the first turn."""
    to_first, to_second = os.pipe(), os.pipe()
    fds = {first: (to_first[0], to_second[1]), second: (to_second[0], to_first[1])}
    sides = {
        role: subprocess.Popen(
            command(role, api_url, database_url, *fds[role]), stdout=subprocess.PIPE, text=True, pass_fds=fds[role]
        )
        for role in (first, second)
    }
    os.write(to_first[1], b"T")
    for fd in (*to_first, *to_second):
        os.close(fd)  # the children hold their own ends: if one dies, the other reads the end of its pipe
    outputs = {role: process.communicate()[0] for role, process in sides.items()}
    for role, process in sides.items():
        if process.returncode:
            raise SystemExit(f"the {role} side failed with exit code {process.returncode}")
    return {role: result_of(output) for role, output in outputs.items()}


@contextmanager
def fresh_database(given: str | None, tmp: str, round_no: int) -> Iterator[str]:
    """A new SQLite file, or a new PostgreSQL schema on the given server that is dropped afterwards."""
    if not given or given.startswith("sqlite"):
        yield given or f"sqlite:///{tmp}/bench-{round_no}.db"
        return
    from sqlalchemy import create_engine, make_url, text

    url = make_url(given)
    schema = f"dispatch_bench_{uuid.uuid4().hex[:10]}"
    options = url.query.get("options", "")
    kept = [o for o in (options if isinstance(options, str) else " ".join(options)).split() if "search_path" not in o]
    private = url.update_query_dict({"options": " ".join([*kept, f"-csearch_path={schema}"])})
    admin = create_engine(given, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield private.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def one_round(args: argparse.Namespace, api_url: str, tmp: str, round_no: int) -> dict[str, Any]:
    with fresh_database(args.database_url, tmp, round_no) as database_url:
        seed(database_url, args.pairs)
        plan = child("plan", api_url, database_url)
        # Odd rounds start with the dispatcher, even rounds with the baseline.
        first, second = ("ours", "baseline") if round_no % 2 else ("baseline", "ours")
        results = side_by_side(first, second, api_url, database_url)
    return {"plan": plan, **results, "backend": database_url.split(":", 1)[0]}


def report(round_no: int, rounds: int, result: dict[str, Any]) -> float:
    plan, ours, baseline = result["plan"], result["ours"], result["baseline"]
    ours_rate = ours["messages"] / ours["seconds"]
    base_rate = baseline["messages"] / baseline["seconds"]
    ratio = 100 * ours_rate / base_rate
    if rounds > 1:
        print(f"round {round_no} of {rounds}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(
        f"planning: {plan['checkins']} check-ins (plus prompts) in {plan['seconds']:.2f} s, "
        f"peak RSS {plan['peak_rss_mb']:.0f} MB"
    )
    print(f"{'':28}{'messages':>10}{'seconds':>10}{'msg/s':>10}{'peak RSS MB':>14}")
    for name, side, rate in (("mentor-bot dispatcher", ours, ours_rate), ("bare slack_sdk loop", baseline, base_rate)):
        print(f"{name:28}{side['messages']:>10}{side['seconds']:>10.2f}{rate:>10.0f}{side['peak_rss_mb']:>14.0f}")
    print(f"throughput vs baseline: {ratio:.0f}%  (failed, retrying or paused: {ours['failed']})")
    if ours["messages"] != baseline["messages"]:
        print(f"warning: the dispatcher sent {ours['messages']} messages, the baseline {baseline['messages']}")
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--pairs", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--database-url")
    parser.add_argument("--role", choices=sorted(ROLES))
    parser.add_argument("--api-url")
    parser.add_argument("--turns", help="the file descriptors to wait on and to hand the turn over with")
    args = parser.parse_args()
    if args.rounds > 1 and args.database_url and args.database_url.startswith("sqlite"):
        parser.error("every round needs an empty database: leave out --database-url to run SQLite in a temporary file")
    if args.role:
        turns = Turns(*map(int, args.turns.split(","))) if args.turns else None
        print(json.dumps(ROLES[args.role](args.api_url, args.database_url, turns)))
        return

    server = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "fake_slack_server.py")], stdout=subprocess.PIPE, text=True
    )
    ratios = []
    try:
        api_url = server.stdout.readline().strip()  # type: ignore[union-attr]
        with tempfile.TemporaryDirectory() as tmp:
            for round_no in range(1, args.rounds + 1):
                result = one_round(args, api_url, tmp, round_no)
                if round_no == 1:
                    print(f"pairs: {args.pairs}, database: {result['backend']}")
                ratios.append(report(round_no, args.rounds, result))
    finally:
        server.kill()
    if len(ratios) > 1:
        print(
            f"throughput vs baseline over {len(ratios)} rounds: median {statistics.median(ratios):.0f}%, "
            f"range {min(ratios):.0f}-{max(ratios):.0f}%"
        )


if __name__ == "__main__":
    main()
