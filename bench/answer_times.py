"""Benchmark: how fast the bot answers Slack, at 50 concurrent clients, whatever Slack's own latency.

Four kinds of request, each sent REQUESTS times (help and status QUICK_REQUESTS times) by CLIENTS
concurrent clients over keep-alive HTTP, signed as Slack signs them (all signed before the clock
starts, and sent from one event loop, so the load generator's own work stays out of the answer times):
  help     `/mentor help`
  status   `/mentor status` from a known mentee
  request  a mentee submitting the request form (stores it, matches, proposes a mentor)
  accept   a mentor clicking Accept on their proposal (pairs them; the intro follows)

Baseline, measured in the same run: a bare Bolt app behind the same WSGI server (waitress, 8 threads)
whose listeners only ack, sent the very same requests. Beside it, the floor: the same bare app whose
listeners first do the least work each kind needs (see Floor), which shows what any app that
answers with content, or stores its decisions before answering, can reach on this machine. Each side runs in its own
process, all at once, and they take turns on thirds of each kind, each server in each place once;
the fake Slack Web API runs in a process of its own, adding LATENCY ms to every answer (0 and 500
by default). Before the measured requests, the bot is warmed up as people would use it: mentors
saved a profile with `/mentor offer`, and mentees opened the request form, so the bot already knows
everyone.

    .venv/bin/python bench/answer_times.py [--requests 400] [--quick-requests 4000] [--clients 50]
        [--latency 0,500] [--database-url URL]

Prints, per latency and kind: throughput (answers/s) and p50/p99 answer times for the bot and the
bare app, and their ratios (goals: throughput >= 0.8x the bare app's, p99 <= 1.3x); then the floor's
throughput, and its throughput and p99 as ratios to the bare app's.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import queue
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.slackclient import SlackClientSim, checkbox_value, multi_value, select_value, sign, state, text_value  # noqa: E402

SECRET = "bench-signing-secret-0123456789ab"
TEAM = "TAAAA0001"
KINDS = ("help", "status", "request", "accept")
# Kinds that change nothing and take well under a millisecond: a few hundred of them would be answered
# in a tenth of a second, too short a turn to time, so they are sent --quick-requests times.
QUICK = ("help", "status")


# --- the two servers, each run in its own process ----------------------------------------------


def serve(kind: str, api_url: str, database_url: str) -> None:
    import logging

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "Task queue depth" is the point here

    if kind == "bot":
        from bot.config import load_settings
        from bot.runtime import build_runtime
        from bot.storage.database import make_engine, migrate
        from handlers.app import build_app, build_wsgi

        engine = make_engine(database_url)
        migrate(engine)
        engine.dispose()
        env = {
            "SLACK_BOT_TOKEN": "xoxb-bench-token",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": api_url,
            "DATABASE_URL": database_url,
        }
        rt = build_runtime(load_settings(env))
        wsgi = build_wsgi(build_app(rt), rt)
    else:
        from slack_bolt import App
        from slack_bolt.adapter.wsgi import SlackRequestHandler
        from slack_sdk import WebClient

        app = App(
            # Like the bot's, its client reaches the fake Web API (Bolt checks the token once, with auth.test).
            client=WebClient(token="xoxb-bench-token", base_url=api_url),
            signing_secret=SECRET,
            process_before_response=True,
            token_verification_enabled=True,  # as the bot: auth.test at start, not in a request
        )

        def only_ack(ack: Any) -> None:
            ack()

        if kind == "floor":
            floor = Floor(database_url)
            app.command("/mentor")(floor.command)
            app.action(re.compile(".*"))(floor.click)
            app.view(re.compile(".*"))(floor.submission)
        else:
            app.command("/mentor")(only_ack)
            app.action(re.compile(".*"))(only_ack)
            app.view(re.compile(".*"))(only_ack)
        wsgi = SlackRequestHandler(app)  # type: ignore[assignment]
    from handlers.serve import http_server

    server = http_server(wsgi)
    print(f"http://127.0.0.1:{server.effective_port}/slack/events", flush=True)  # type: ignore[union-attr]
    server.run()


class Floor:
    """The least work each kind of request needs, done as directly as Python can: plain SQL on one
    DB-API connection per server thread, no ORM, no pool. `/mentor help` answers with the bot's own
    help text (2.3 KB of blocks); `/mentor status` runs the bot's own status statement (which of a
    person's pairs, requests, places and endings exist) and answers with one line of it; a request
    submission stores one row in one write transaction, and an Accept three (the decision and the
    two introductions it causes), and both answer with an empty ack, as the bare app does."""

    def __init__(self, database_url: str):
        from sqlalchemy import create_engine

        from bot.pairing.pairings import _WHAT_THEY_HOLD

        self.engine = create_engine(database_url, pool_size=16)
        self.sqlite = self.engine.dialect.name == "sqlite"
        compiled = _WHAT_THEY_HOLD.compile(dialect=self.engine.dialect)
        self.status_sql, self.status_params = str(compiled), dict(compiled.params)
        self.status_order = compiled.positiontup  # SQLite's parameters are positional
        mark = "?" if self.sqlite else "%s"
        self.insert_sql = (
            f"INSERT INTO floor_decisions (team_id, user_id, kind, at) VALUES ({mark}, {mark}, {mark}, {mark})"
        )
        key = "INTEGER PRIMARY KEY" if self.sqlite else "SERIAL PRIMARY KEY"
        with self.engine.begin() as conn:
            conn.exec_driver_sql(
                f"CREATE TABLE IF NOT EXISTS floor_decisions (id {key}, team_id TEXT, user_id TEXT, kind TEXT, at TEXT)"
            )
        self.local = threading.local()
        from handlers.commands.mentor import help_message

        self.help = help_message()
        self.writers = threading.Lock()  # as the bot's own SQLite writers queue (bot.storage.database)

    def _connection(self) -> Any:
        conn: Any = getattr(self.local, "conn", None)
        if conn is None:
            # The pool's proxy is kept with it: a dropped proxy hands its connection back to the pool.
            self.local.proxy = self.engine.raw_connection()
            conn = self.local.conn = self.local.proxy.dbapi_connection
            if self.sqlite:
                conn.isolation_level = None
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("PRAGMA busy_timeout=10000")
        return conn

    def _write(self, team_id: str, user_id: str, kinds: list[str]) -> None:
        conn = self._connection()
        at = time.strftime("%Y-%m-%dT%H:%M:%S")
        rows = [(team_id, user_id, kind, at) for kind in kinds]
        if self.sqlite:
            with self.writers:
                conn.execute("BEGIN IMMEDIATE")
                conn.executemany(self.insert_sql, rows)
                conn.execute("COMMIT")
        else:
            with conn.cursor() as cursor:
                cursor.executemany(self.insert_sql, rows)
            conn.commit()

    def command(self, ack: Any, command: dict[str, Any]) -> None:
        text = command.get("text", "").strip()
        if text == "help":
            ack(**self.help)  # the bot's own help, as any app answering `help` has its text to send
            return
        if text == "status":
            conn = self._connection()
            named = {**self.status_params, "team": command["team_id"], "user": command["user_id"]}
            params = [named[name] for name in self.status_order] if self.status_order else named
            cursor = conn.cursor()
            cursor.execute(self.status_sql, params)
            held = cursor.fetchone()
            cursor.close()
            if not self.sqlite:
                conn.rollback()
            ack(text=f"Pairs: {held[0]}, waiting: {held[1]}, places: {held[2]}, ended: {held[3]}, paused: {held[4]}")
            return
        ack()

    def click(self, ack: Any, body: dict[str, Any]) -> None:
        self._write(body["team"]["id"], body["user"]["id"], ["accept", "intro", "intro"])
        ack()

    def submission(self, ack: Any, body: dict[str, Any]) -> None:
        self._write(body["team"]["id"], body["user"]["id"], ["request"])
        ack()


@dataclass
class Child:
    url: str
    pid: int

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def wait_until_idle(self, quiet: float = 0.02, every: float = 0.5, limit: float = 600) -> None:
        """Waits until the process has finished its background work: it used under `quiet` CPU seconds
        in the last `every` seconds. Each kind of request is then measured on its own."""
        deadline = time.monotonic() + limit
        before = self.cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(every)
            now = self.cpu_seconds()
            if now - before < quiet:
                return
            before = now


@contextmanager
def process(*args: str) -> Iterator[Child]:
    """Runs this script (or another) in a child process; yields it with the URL it prints first."""
    child = subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert child.stdout is not None
        line = child.stdout.readline().strip()
        if not line.startswith("http"):
            raise RuntimeError(f"{args[0]} did not start: {line!r}")
        yield Child(line, child.pid)
    finally:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()


# --- the clients ------------------------------------------------------------------------------


@dataclass
class Request:
    # The body, or how to make it at the moment it is sent (a trigger id lives only 3 s).
    body: bytes | Callable[[], bytes]
    content_type: str

    def payload(self) -> bytes:
        return self.body() if callable(self.body) else self.body


class RemoteEmulator:
    """The fake Slack of another process, through its controls: trigger ids for people's actions, and
    where the bot's messages landed, so clicks carry a real message's channel and ts."""

    def __init__(self, api_url: str):
        parts = urlparse(api_url)
        self.base = f"{parts.scheme}://{parts.netloc}"

    def _get(self, path: str, **query: str) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.base}{path}?{urlencode(query)}", timeout=30) as answer:
            return dict(json.loads(answer.read()))

    def issue_trigger(self, user: str) -> str:
        return str(self._get("/_emulator/trigger", user=user)["trigger_id"])

    def latest_ts(self, channel: str) -> str | None:
        ts = self._get("/_emulator/latest", channel=channel)["ts"]
        return None if ts is None else str(ts)


def send_all(url: str, requests: list[Request], clients: int) -> tuple[float, list[float], int]:
    """Sends every request, CLIENTS at a time. Returns (wall seconds, answer times, failures)."""
    parts = urlparse(url)
    host, port = parts.hostname or "127.0.0.1", parts.port
    todo: queue.Queue[Request] = queue.Queue()
    for r in requests:
        todo.put(r)
    times: list[float] = []
    failures = [0]
    lock = threading.Lock()

    def client() -> None:
        conn = http.client.HTTPConnection(host, port, timeout=60)
        while True:
            try:
                r = todo.get_nowait()
            except queue.Empty:
                break
            body = r.payload()
            ts = str(int(time.time()))
            headers = {
                "Content-Type": r.content_type,
                "X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": sign(SECRET, ts, body),
            }
            started = time.perf_counter()
            try:
                conn.request("POST", parts.path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=60)
                ok = False
            took = time.perf_counter() - started
            with lock:
                times.append(took)
                failures[0] += not ok
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - began, times, failures[0]


def time_all(url: str, requests: list[Request], clients: int) -> tuple[float, list[float], int]:
    """Sends every request, CLIENTS at a time, from one event loop; returns as send_all does.

    What is timed is the server alone, as far as one process on the same cores allows: every body is
    made and signed before the clock starts (a command's trigger id is fetched then; `help` and
    `status` never use it), and the clients share one thread, so none waits on another for the
    interpreter lock while its answer is already in.
    """
    parts = urlparse(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    ts = str(int(time.time()))
    wire = []
    for r in requests:
        body = r.payload()
        head = (
            f"POST {parts.path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: {r.content_type}\r\n"
            f"Content-Length: {len(body)}\r\nX-Slack-Request-Timestamp: {ts}\r\n"
            f"X-Slack-Signature: {sign(SECRET, ts, body)}\r\n\r\n"
        )
        wire.append(head.encode() + body)
    return asyncio.run(_drive(host, port, wire, clients))


async def _drive(host: str, port: int, wire: list[bytes], clients: int) -> tuple[float, list[float], int]:
    todo = iter(wire)
    times: list[float] = []
    failures = 0

    async def answer(reader: asyncio.StreamReader) -> int:
        status = int((await reader.readline()).split()[1])
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        await reader.readexactly(length)
        return status

    async def client() -> None:
        nonlocal failures
        reader, writer = await asyncio.open_connection(host, port)
        for request in todo:
            started = time.perf_counter()
            try:
                writer.write(request)
                ok = await answer(reader) == 200
            except (OSError, ValueError, IndexError, asyncio.IncompleteReadError):
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
                ok = False
            times.append(time.perf_counter() - started)
            failures += not ok
        writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return time.perf_counter() - began, times, failures


# --- what is sent -------------------------------------------------------------------------------


class Population:
    """The people and the Slack payloads of one run: N mentors, N mentees, one proposal each."""

    def __init__(self, n: int, database_url: str, slack: RemoteEmulator):
        self.n = n
        self.database_url = database_url
        tag = uuid.uuid4().hex[:6].upper()
        self.mentors = [f"UR{tag}{i:05d}" for i in range(n)]
        self.mentees = [f"UE{tag}{i:05d}" for i in range(n)]
        self.slack = slack
        # Trigger ids come from the emulator, as Slack's come with each action.
        self.sim = SlackClientSim("http://unused", SECRET, fake=slack)  # type: ignore[arg-type]

    def command(self, user: str, text: str) -> Request:
        return Request(lambda: self.sim.command_body(user, text, team=TEAM), "application/x-www-form-urlencoded")

    def interactive(self, payload: dict[str, Any]) -> Request:
        return Request(urlencode({"payload": json.dumps(payload)}).encode(), "application/x-www-form-urlencoded")

    def _forms(self) -> tuple[dict[str, Any], dict[str, Any]]:
        from bot.matching.modals import offer_modal, request_modal
        from bot.programs.catalog import open_programs
        from bot.storage.database import make_engine, make_session_factory, unit_of_work

        engine = make_engine(self.database_url)
        with unit_of_work(make_session_factory(engine)) as s:
            programs = open_programs(s, TEAM, datetime_now())
            offer = offer_modal(programs[0], programs, None, None)
            request = request_modal(programs[0], programs, None, None)
        engine.dispose()
        return offer, request

    def warm_up(self) -> list[Request]:
        """Mentors open and save the offer form; mentees open the request form."""
        offer, _ = self._forms()
        values = state(
            topics=multi_value(["Leadership", "Communication"]),
            topics_other=text_value(""),
            capacity=select_value("1"),
            level=select_value("5"),
            department=text_value("Sales"),
            bio=text_value("Has led teams through two reorganisations."),
            reverse=checkbox_value([]),
        )
        opened = [self.command(u, "offer") for u in self.mentors] + [self.command(u, "request") for u in self.mentees]
        saved = [self.interactive(self.sim.submission(offer, values, u, team=TEAM)) for u in self.mentors]
        return opened + saved

    def requests_of(self, kind: str) -> list[Request]:
        if kind == "help":
            return [self.command(u, "help") for u in self.mentees]
        if kind == "status":
            return [self.command(u, "status") for u in self.mentees]
        if kind == "request":
            _, form = self._forms()
            values = state(
                goals=text_value("Lead my first cross-team project and learn to give honest feedback."),
                topics=multi_value(["Leadership"]),
                preferences=checkbox_value([]),
                level=select_value("2"),
                department=text_value("Engineering"),
            )
            return [
                self.interactive(self.sim.submission(form, values, u, team=TEAM, view_id=f"V{u}")) for u in self.mentees
            ]
        clicks = []
        for mentor, proposal in self.proposals():
            # The Accept button on the proposal the mentor was sent: the bot replaces that message.
            channel = "D" + mentor[1:]
            ts = self.slack.latest_ts(channel)
            deadline = time.monotonic() + 120
            while ts is None and time.monotonic() < deadline:  # the proposal is stored, its message not yet sent
                time.sleep(0.2)
                ts = self.slack.latest_ts(channel)
            if ts is None:
                raise SystemExit(f"the proposal to {mentor} never reached Slack")
            payload = self.sim.click_payload(
                mentor, "proposal_accept", str(proposal), team=TEAM, channel=channel, ts=ts
            )
            clicks.append(self.interactive(payload))
        return clicks

    def proposals(self) -> list[tuple[str, int]]:
        """The pending proposals, once every request has one: they are made after the answer."""
        deadline = time.monotonic() + 600
        found = self._pending_proposals()
        while len(found) < self.n and time.monotonic() < deadline:
            time.sleep(0.5)
            found = self._pending_proposals()
        return found

    def _pending_proposals(self) -> list[tuple[str, int]]:
        from sqlalchemy import select

        from bot.storage.database import make_engine, make_session_factory, unit_of_work
        from bot.storage.models import Proposal

        engine = make_engine(self.database_url)
        with unit_of_work(make_session_factory(engine)) as s:
            rows = s.execute(select(Proposal.mentor_user_id, Proposal.id).where(Proposal.status == "pending")).all()
        engine.dispose()
        return [(mentor, proposal_id) for mentor, proposal_id in rows]


def datetime_now():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime.now(UTC)


# --- the run ------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@contextmanager
def database(url: str | None) -> Iterator[str]:
    if url is None:
        with tempfile.TemporaryDirectory() as d:
            yield f"sqlite:///{d}/answers.db"
        return
    from sqlalchemy import create_engine, text

    schema = f"answers_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in url else "?"
    try:
        yield f"{url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def measure(
    latency_ms: int, n: int, clients: int, database_url: str | None, quick_requests: int
) -> dict[str, dict[str, Any]]:
    """The three servers run side by side and take turns: each kind is sent in three parts, to the
    servers in the orders bot, bare, floor; bare, floor, bot; floor, bot, bare. So each server takes
    each place in the order once (the first turn of a part runs right after the bot's background work
    settled, the last after two others), and a busier or quieter minute on a shared machine falls on all."""
    figures: dict[str, dict[str, Any]] = {}
    with (
        process("bench/fake_slack_server.py", str(latency_ms)) as api,
        database(database_url) as db_url,
        process(__file__, "serve", "bot", api.url, db_url) as bot,
        process(__file__, "serve", "bare", api.url, db_url) as bare,
        process(__file__, "serve", "floor", api.url, db_url) as floor,
    ):
        servers = {"bot": bot, "bare": bare, "floor": floor}
        people = Population(n, db_url, RemoteEmulator(api.url))
        # Warm up: everyone known to the bot, every mentor with a profile (not measured).
        send_all(bot.url, people.warm_up(), clients)
        for other in (bare, floor):
            send_all(other.url, people.requests_of("help")[: clients * 2], clients)
        for kind in KINDS:
            requests = people.requests_of(kind)
            if kind in QUICK:  # sent again and again, each person in turn, so that a turn lasts long enough to time
                requests = [requests[i % len(requests)] for i in range(max(quick_requests, len(requests)))]
            parts = [requests[i :: len(servers)] for i in range(len(servers))]
            names = list(servers)
            totals: dict[str, tuple[float, list[float], int]] = {name: (0.0, [], 0) for name in servers}
            for turn, part in enumerate(parts):
                for name in names[turn:] + names[:turn]:
                    bot.wait_until_idle()
                    wall, times, failed = time_all(servers[name].url, part, clients)
                    spent, seen, fails = totals[name]
                    totals[name] = (spent + wall, seen + times, fails + failed)
            figures[kind] = {name: (len(times) / wall, times, failed) for name, (wall, times, failed) in totals.items()}
    return figures


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
        serve(sys.argv[2], sys.argv[3], sys.argv[4])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=400, help="requests of each kind (and people of each role)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--quick-requests", type=int, default=4000, help="how many `help` and `status` to send")
    parser.add_argument("--latency", default="0,500", help="fake Slack latencies to run, in ms, comma-separated")
    parser.add_argument("--database-url", help="a PostgreSQL URL (a schema is created per run); default SQLite")
    args = parser.parse_args()
    print(
        f"{args.quick_requests} of help and status, {args.requests} of the other kinds,"
        f" {args.clients} concurrent clients, {os.cpu_count()} cores"
    )
    header = f"{'Slack':>6} {'kind':8} {'bot/s':>7} {'bare/s':>7} {'ratio':>6}"
    header += f" {'bot p50':>8} {'bot p99':>8} {'bare p99':>8} {'p99 x':>6}"
    header += f" {'floor/s':>8} {'ratio':>6} {'p99 x':>6} {'fails':>5}"
    print(header)
    for latency in (int(x) for x in args.latency.split(",")):
        for kind, sides in measure(
            latency, args.requests, args.clients, args.database_url, args.quick_requests
        ).items():
            (bot_rate, bot_times, bot_failed), (bare_rate, bare_times, bare_failed) = sides["bot"], sides["bare"]
            floor_rate, floor_times, floor_failed = sides["floor"]
            bot_p99, bare_p99 = percentile(bot_times, 0.99), percentile(bare_times, 0.99)
            floor_p99 = percentile(floor_times, 0.99)
            print(
                f"{latency:>4}ms {kind:8} {bot_rate:7.0f} {bare_rate:7.0f} {bot_rate / bare_rate:6.2f}"
                f" {1000 * statistics.median(bot_times):6.0f}ms {1000 * bot_p99:6.0f}ms {1000 * bare_p99:6.0f}ms"
                f" {bot_p99 / bare_p99:6.2f}"
                f" {floor_rate:8.0f} {floor_rate / bare_rate:6.2f} {floor_p99 / bare_p99:6.2f}"
                f" {bot_failed + bare_failed + floor_failed:5}",
                flush=True,
            )


if __name__ == "__main__":
    main()
