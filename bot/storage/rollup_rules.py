"""What the /mentor stats rollups add up, as SQL: for each watched table, the statements that bring the
rollups up to date with a write (bot/storage/rollups.py runs them from triggers, and to rebuild).

Each rule turns the rows a write changed into signed rows, +1 as they are now and -1 as they were, and
adds them up, so that the same rules fed whole tables sum the rollups from scratch. A pairing's summary
(whether it met, its missed check-ins, first and latest confidence, its latest due check-in) is not a
sum: it is worked out again from the pair's own check-ins whenever they change, and what it counts for
its two people moves by the difference between the new summary and the stored one. A person's row
holds what they count for, and is deleted once it counts nothing: an erased user id, replaced
everywhere by a token, leaves no row behind, and the token's row counts what theirs did.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.storage.statuses import OPEN_REQUEST_STATUSES, CheckInAnswer, CheckInStatus, PairingStatus, RequestStatus

# NPS: who would recommend the program (9-10) and who would not (0-6), from a closing survey's 0-10.
PROMOTER_FROM = 9
DETRACTOR_UP_TO = 6
PERSON_COUNTS = (
    "requests",
    "open_requests",
    "matched_requests",
    "timed_requests",
    "offers",
    "places",
    "places_taken",
    "active_pairs",
    "met_pairs",
    "pulsed_pairs",
    "first_confidence",
    "latest_confidence",
    "mentored_active",
    "mentored_met",
    "mentored_with_feedback",
    "rated_checkins",
    "feedback_given",
    "surveys",
    "promoters",
    "detractors",
)
_PERSON = ("team_id", "program_id", "user_id")
_DUE_TIME = ("team_id", "program_id", "due_at")
_MET, _OPEN, _ACTIVE = f"'{CheckInAnswer.MET}'", f"'{CheckInStatus.OPEN}'", f"'{PairingStatus.ACTIVE}'"
_OPEN_REQUEST = ", ".join(f"'{status}'" for status in OPEN_REQUEST_STATUSES)
# A pulse as period * 8 + confidence (1-5): min() and max() per pair find the first and the latest.
_PULSE = "(c.period * 8 + c.confidence)"


def _flag(condition: str) -> str:
    return f"CASE WHEN {condition} THEN 1 ELSE 0 END"


@dataclass(frozen=True)
class Changes:
    """The rows a write changed, signed: +1 as they are now, -1 as they were."""

    parts: tuple[str, ...]  # SQL for signed rows, added up in this order
    grouped: bool  # rows may share a key and are summed first (PostgreSQL statements, `rebuild`)
    takes_back: bool  # rows signed -1 are among them (UPDATE, DELETE): a rollup row may empty
    lock: bool = False  # PostgreSQL: lock the pairs' summaries and their people's rows before reading them
    in_function: bool = True  # run inside a trigger's PL/pgSQL function (PERFORM), not as plain statements

    @property
    def rows(self) -> str:
        return " UNION ALL ".join(self.parts)


def _add(table: str, keys: Sequence[str], values: Sequence[str], source: str, grouped: bool, only_if: str = "") -> str:
    """Adds `source`'s signed values (columns sign, *keys, *values) to the rows of `table` with those keys.

    Nothing is written for a key whose values sum to zero. Grouped, the keys are summed first, and
    their rows written in key order. `only_if`: see _only_if."""
    x_keys = ", ".join(f"x.{k}" for k in keys)
    if grouped:
        added = [f"SUM(x.sign * x.{v})" for v in values]
        rest = f"GROUP BY {x_keys} HAVING {' OR '.join(f'{a} <> 0' for a in added)} ORDER BY {x_keys}"
    else:
        added = [f"x.sign * x.{v}" for v in values]
        rest = "AND (" + " OR ".join(f"x.{v} <> 0" for v in values) + ")"
    return f"""
        INSERT INTO {table} ({", ".join(keys)}, {", ".join(values)})
        SELECT {x_keys}, {", ".join(added)} FROM ({source}) AS x
        WHERE x.{keys[-1]} IS NOT NULL{_only_if(only_if)} {rest}
        ON CONFLICT ({", ".join(keys)}) DO UPDATE SET
        {", ".join(f"{v} = {table}.{v} + excluded.{v}" for v in values)}"""


def _only_if(rows: str) -> str:
    """A condition that lets a statement skip all its work when `rows` is empty: it does not depend on the
    statement's own rows, so the database tests it once, before reading anything else."""
    return f" AND EXISTS (SELECT 1 FROM ({rows}) AS e)" if rows else ""


def _drop_empty_people(keys: str, only_if: str = "") -> str:
    """Deletes the rows of these (team_id, program_id, user_id) that no longer count anything."""
    # Wrapped, so that SQLite looks each one up by its key instead of testing every row.
    return f"""
        DELETE FROM stats_people WHERE (team_id, program_id, user_id) IN (SELECT * FROM ({keys}) AS k)
        AND {" AND ".join(f"{c} = 0" for c in PERSON_COUNTS)}{_only_if(only_if)}"""


def _people_rules(
    ch: Changes, contributions: Callable[[str], str], columns: Sequence[str], only_if: str = ""
) -> list[str]:
    """Adds per-person counts: `contributions` turns signed rows into (sign, team_id, program_id, user_id, *columns).

    `only_if` selects the changed rows that can count anything, where that is cheaper to tell than the counts."""
    statements = [_add("stats_people", _PERSON, columns, contributions(part), ch.grouped, only_if) for part in ch.parts]
    if ch.takes_back:
        keys = f"SELECT y.team_id, y.program_id, y.user_id FROM ({contributions(ch.rows)}) AS y"
        statements.append(_drop_empty_people(keys, only_if))
    return statements


def _of_pairing(user: str, columns: str) -> Callable[[str], str]:
    """Signed per-person rows for rows that belong to a pairing, counted in the pairing's program."""

    def contributions(rows: str) -> str:
        return f"""
            SELECT x.sign, p.team_id, p.program_id, x.{user} AS user_id, {columns}
            FROM ({rows}) AS x JOIN pairings AS p ON p.id = x.pairing_id"""

    return contributions


# --- A pairing's summary, and what it counts for its two people.

_PAIR_COUNTS = (
    "active_pairs",
    "met_pairs",
    "pulsed_pairs",
    "first_confidence",
    "latest_confidence",
    "mentored_active",
    "mentored_met",
    "mentored_with_feedback",
)
_PAIR_COLUMNS = (
    "team_id",
    "program_id",
    "mentor_user_id",
    "mentee_user_id",
    "active",
    "met",
    "missed",
    "first_confidence",
    "latest_confidence",
    "last_due",
    "feedback",
)


def _pair_contributions(sign: int, summaries: str) -> str:
    """What these pair summaries (rows with the columns of stats_pairs) count for their mentor and mentee."""
    return f"""
        SELECT {sign} AS sign, s.team_id, s.program_id, s.mentor_user_id AS user_id,
            s.active AS active_pairs, s.met AS met_pairs, 0 AS pulsed_pairs, 0 AS first_confidence,
            0 AS latest_confidence, s.active AS mentored_active, s.met AS mentored_met,
            {_flag("s.feedback > 0")} AS mentored_with_feedback
        FROM ({summaries}) AS s
        UNION ALL
        SELECT {sign}, s.team_id, s.program_id, s.mentee_user_id, s.active, s.met,
            {_flag("s.first_confidence IS NOT NULL")}, COALESCE(s.first_confidence, 0),
            COALESCE(s.latest_confidence, 0), 0, 0, 0
        FROM ({summaries}) AS s"""


def _pair_summaries(pairs: str, only_if: str = "") -> str:
    """These pairings' summaries, from their check-ins and feedback: rows with the columns of stats_pairs."""
    # SQL's % keeps the dividend's sign: the pulse of a period below 1 decodes too.
    decoded = "((c.{0} % 8) + 8) % 8"
    return f"""
        SELECT p.id AS pairing_id, p.team_id, p.program_id, p.mentor_user_id, p.mentee_user_id,
            {_flag(f"p.status = {_ACTIVE}")} AS active, {_flag("c.last_met IS NOT NULL")} AS met,
            {_missed("p.id", "c.last_met")} AS missed,
            {decoded.format("first_pulse")} AS first_confidence, {decoded.format("latest_pulse")} AS latest_confidence,
            c.last_due, (SELECT count(*) FROM feedback AS f WHERE f.pairing_id = p.id) AS feedback
        FROM pairings AS p LEFT JOIN (
            SELECT c.pairing_id, max(CASE WHEN c.answer = {_MET} THEN c.period END) AS last_met,
                min({_PULSE}) AS first_pulse, max({_PULSE}) AS latest_pulse, max(c.due_at) AS last_due
            FROM check_ins AS c WHERE c.pairing_id IN ({pairs}) GROUP BY c.pairing_id
        ) AS c ON c.pairing_id = p.id
        WHERE p.id IN ({pairs}){_only_if(only_if)}"""


def _missed(pairing: str, last_met: str) -> str:
    """A pair's missed check-ins: those it is done with (not open) since its latest "We met", or all of them."""
    return f"""(SELECT count(*) FROM check_ins AS m WHERE m.pairing_id = {pairing} AND m.status <> {_OPEN}
        AND m.period > COALESCE({last_met}, 0))"""


def _differs(a: str, b: str) -> str:
    """Whether two values differ, NULL included, in a form both databases take."""
    return f"COALESCE({a} <> {b}, {a} IS NOT NULL OR {b} IS NOT NULL)"


_ALONE = ("missed", "last_due")  # what a pair's summary holds that counts for nobody


def _pairs_refresh(pairs: str, ch: Changes, before: str = "", counted: str = "") -> list[str]:
    """Works these pairs' summaries out again, and adds to their people what that changes.

    Rows are written only where something changed. `counted` selects those of the pairs whose change
    may change what they count for their people (all of them, if not given): a check-in superseded or
    added changes no person's counts, only the pair's summary (a person's latest check-in is read from
    their pairs' summaries, bot/reporting/stats.py). `before` selects the (team_id, program_id, user_id)
    a pairing had before a change of people: their rows are looked at again too. A person's row is
    dropped once it counts nothing.
    """
    stored = f"SELECT * FROM stats_pairs WHERE pairing_id IN ({counted or pairs})"
    fresh = _pair_summaries(counted or pairs, only_if=counted)

    def people_of(table: str, key: str) -> str:
        found = f"""
            SELECT team_id, program_id, mentor_user_id AS user_id FROM {table} WHERE {key} IN ({counted or pairs})
            UNION ALL SELECT team_id, program_id, mentee_user_id FROM {table} WHERE {key} IN ({counted or pairs})"""
        # Wrapped, so that SQLite looks each one up by its key instead of testing every row.
        return f"SELECT * FROM ({found}{f' UNION ALL {before}' if before else ''}) AS u"

    people = people_of("stats_pairs", "pairing_id")

    changed = " OR ".join(_differs(f"stats_pairs.{c}", f"excluded.{c}") for c in _PAIR_COLUMNS)
    # PostgreSQL: the pairs' rows, then their people's, before anything is read from them; in key order.
    everyone = f"{people} UNION ALL {people_of('pairings', 'id')}"
    take = "PERFORM" if ch.in_function else "SELECT"
    locks = [
        f"{take} 1 FROM stats_pairs WHERE pairing_id IN ({pairs}) ORDER BY pairing_id FOR UPDATE",
        f"""{take} 1 FROM stats_people WHERE (team_id, program_id, user_id) IN ({everyone}){_only_if(counted)}
            ORDER BY team_id, program_id, user_id FOR UPDATE""",
    ]
    statements = locks if ch.lock else []
    statements += [
        _add(
            "stats_people",
            _PERSON,
            _PAIR_COUNTS,
            f"{_pair_contributions(-1, stored)} UNION ALL {_pair_contributions(1, fresh)}",
            grouped=True,
            only_if=counted,
        ),
        f"""
        INSERT INTO stats_pairs (pairing_id, {", ".join(_PAIR_COLUMNS)}) {fresh}
        ON CONFLICT (pairing_id) DO UPDATE SET {", ".join(f"{c} = excluded.{c}" for c in _PAIR_COLUMNS)}
        WHERE {changed}""",
    ]
    if counted:
        # The other pairs, all with a summary: only what counts for nobody. What does count stays as their
        # people's rows have it: a pairing that ended earlier in this transaction is taken back from its
        # people by its own rule, at commit on PostgreSQL, from the summary as it was. Their latest "We
        # met" is where it was, or the pair would be counted.
        last_met = f"""(SELECT max(l.period) FROM check_ins AS l WHERE l.pairing_id = s.pairing_id
            AND l.answer = {_MET})"""
        others = f"SELECT r.pairing_id FROM ({pairs}) AS r WHERE r.pairing_id NOT IN ({counted})"
        kept = {c: f"s.{c}" for c in _PAIR_COLUMNS}
        kept["missed"] = _missed("s.pairing_id", last_met)
        kept["last_due"] = "(SELECT max(d.due_at) FROM check_ins AS d WHERE d.pairing_id = s.pairing_id)"
        statements.append(f"""
        INSERT INTO stats_pairs (pairing_id, {", ".join(_PAIR_COLUMNS)})
        SELECT s.pairing_id, {", ".join(kept.values())} FROM stats_pairs AS s WHERE s.pairing_id IN ({others})
        ON CONFLICT (pairing_id) DO UPDATE SET {", ".join(f"{c} = excluded.{c}" for c in _ALONE)}
        WHERE {" OR ".join(_differs(f"stats_pairs.{c}", f"excluded.{c}") for c in _ALONE)}""")
    if before and ch.takes_back:
        statements.append(f"""
            DELETE FROM stats_pairs WHERE pairing_id IN ({pairs})
            AND NOT EXISTS (SELECT 1 FROM pairings AS p WHERE p.id = stats_pairs.pairing_id)""")
    if before or ch.takes_back:
        statements.append(_drop_empty_people(people, only_if=counted))
    return statements


# --- The rules of each table: (signed changed rows) -> statements.

Rules = Callable[[Changes], list[str]]


def _checkin_counts(ch: Changes) -> list[str]:
    values = {
        "sent": "1",
        "answered": _flag("x.answer IS NOT NULL"),
        "met": _flag(f"x.answer = {_MET}"),
        "usefulness": "COALESCE(x.usefulness, 0)",
        "rated": _flag("x.usefulness IS NOT NULL"),
    }

    def per_due_time(rows: str) -> str:
        named = ", ".join(f"{value} AS {name}" for name, value in values.items())
        return f"""
            SELECT x.sign, p.team_id, p.program_id, x.due_at, {named}
            FROM ({rows}) AS x JOIN pairings AS p ON p.id = x.pairing_id"""

    statements = [_add("stats_due_times", _DUE_TIME, list(values), per_due_time(part), ch.grouped) for part in ch.parts]
    if ch.takes_back:
        keys = f"SELECT y.team_id, y.program_id, y.due_at FROM ({per_due_time(ch.rows)}) AS y"
        emptied = f"(team_id, program_id, due_at) IN (SELECT * FROM ({keys}) AS k)"
        statements.append(f"DELETE FROM stats_due_times WHERE sent = 0 AND {emptied}")
    rated = _of_pairing("answered_by", f"{_flag('x.usefulness IS NOT NULL')} AS rated_checkins")
    ratings = f"SELECT 1 FROM ({ch.rows}) AS r WHERE r.usefulness IS NOT NULL"
    return statements + _people_rules(ch, rated, ["rated_checkins"], only_if=ratings)


def _checkin_pairs(ch: Changes) -> list[str]:
    # Only a "We met" or a confidence pulse, as a check-in was or is, counts for the pair's people: a
    # check-in added unanswered or superseded changes the pair's summary alone (its misses, its latest).
    # A pair without a summary yet (on PostgreSQL, its pairing's rule runs at commit) is counted whole.
    counted = f"""
        SELECT z.pairing_id FROM ({ch.rows}) AS z WHERE z.answer = {_MET} OR z.confidence IS NOT NULL
        OR NOT EXISTS (SELECT 1 FROM stats_pairs AS k WHERE k.pairing_id = z.pairing_id)"""
    return _pairs_refresh(f"SELECT z.pairing_id FROM ({ch.rows}) AS z", ch, counted=counted)


def _feedback_pairs(ch: Changes) -> list[str]:
    return _pairs_refresh(f"SELECT z.pairing_id FROM ({ch.rows}) AS z", ch)


def _feedback_authors(ch: Changes) -> list[str]:
    return _people_rules(ch, _of_pairing("from_user_id", "1 AS feedback_given"), ["feedback_given"])


def _survey_answers(ch: Changes) -> list[str]:
    columns = f"""1 AS surveys, {_flag(f"x.recommend >= {PROMOTER_FROM}")} AS promoters,
        {_flag(f"x.recommend <= {DETRACTOR_UP_TO}")} AS detractors"""
    return _people_rules(ch, _of_pairing("user_id", columns), ["surveys", "promoters", "detractors"])


def _pairings(ch: Changes) -> list[str]:
    before = f"""
        SELECT z.team_id, z.program_id, z.mentor_user_id FROM ({ch.rows}) AS z
        UNION ALL SELECT z.team_id, z.program_id, z.mentee_user_id FROM ({ch.rows}) AS z"""
    return _pairs_refresh(f"SELECT z.id FROM ({ch.rows}) AS z", ch, before)


def _requests(hours: str) -> Rules:
    def rules(ch: Changes) -> list[str]:
        columns = f"""1 AS requests, {_flag(f"x.status IN ({_OPEN_REQUEST})")} AS open_requests,
            {_flag(f"x.status = '{RequestStatus.MATCHED}'")} AS matched_requests,
            {_flag("x.matched_at IS NOT NULL")} AS timed_requests"""

        def mentees(rows: str) -> str:
            return f"SELECT x.sign, x.team_id, x.program_id, x.mentee_user_id AS user_id, {columns} FROM ({rows}) AS x"

        waits = [
            f"""
            INSERT INTO stats_match_waits (request_id, team_id, program_id, hours)
            SELECT x.id, x.team_id, x.program_id, {hours} FROM ({ch.rows}) AS x
            WHERE x.sign > 0 AND x.matched_at IS NOT NULL"""
        ]
        if ch.takes_back:
            gone = f"SELECT x.id FROM ({ch.rows}) AS x WHERE x.sign < 0"
            waits.insert(0, f"DELETE FROM stats_match_waits WHERE request_id IN ({gone})")
        return _people_rules(ch, mentees, ["requests", "open_requests", "matched_requests", "timed_requests"]) + waits

    return rules


def _offers(ch: Changes) -> list[str]:
    columns = f"""{_flag("x.active")} AS offers, CASE WHEN x.active THEN x.capacity ELSE 0 END AS places,
        CASE WHEN x.active THEN x.load ELSE 0 END AS places_taken"""

    def offers(rows: str) -> str:
        return f"SELECT x.sign, x.team_id, x.program_id, x.user_id, {columns} FROM ({rows}) AS x"

    return _people_rules(ch, offers, ["offers", "places", "places_taken"])


# What the check-in rules read of a changed check-in: its id first.
CHECKIN_COLUMNS = (
    "id",
    "pairing_id",
    "period",
    "due_at",
    "status",
    "answer",
    "answered_by",
    "usefulness",
    "confidence",
)


@dataclass(frozen=True)
class Watch:
    """Rules that run when a row of `table` is inserted or deleted, or one of `watched` changes."""

    name: str
    table: str
    columns: tuple[str, ...]  # what the rules read of a changed row; the first is its primary key
    watched: tuple[str, ...]
    rules: Rules
    deferred: bool = False  # PostgreSQL: once per row, at commit
    rebuilt: bool = True  # False for the pairs' refresh, which `rebuild` runs for every pairing anyway


def watches(dialect: str) -> list[Watch]:
    """Every table's rules, for this database ("sqlite" or "postgresql")."""
    hours = _hours(dialect)
    checkin = CHECKIN_COLUMNS
    pairing = ("id", "team_id", "program_id", "mentor_user_id", "mentee_user_id")
    request = ("id", "team_id", "program_id", "mentee_user_id", "status", "created_at", "matched_at")
    offer = ("id", "team_id", "program_id", "user_id", "active", "load", "capacity")
    return [
        Watch(
            "stats_checkin_counts",
            "check_ins",
            checkin,
            ("pairing_id", "due_at", "answer", "answered_by", "usefulness"),
            _checkin_counts,
        ),
        Watch(
            "stats_checkin_pairs",
            "check_ins",
            ("id", "pairing_id", "answer", "confidence"),
            ("pairing_id", "period", "due_at", "status", "answer", "confidence"),
            _checkin_pairs,
            rebuilt=False,
        ),
        Watch(
            "stats_feedback",
            "feedback",
            ("id", "pairing_id", "from_user_id"),
            ("pairing_id", "from_user_id"),
            _feedback_authors,
        ),
        Watch(
            "stats_feedback_pairs", "feedback", ("id", "pairing_id"), ("pairing_id",), _feedback_pairs, rebuilt=False
        ),
        Watch(
            "stats_surveys",
            "surveys",
            ("id", "pairing_id", "user_id", "recommend"),
            ("pairing_id", "user_id", "recommend"),
            _survey_answers,
        ),
        Watch("stats_pairings", "pairings", pairing, (*pairing[1:], "status"), _pairings, deferred=True),
        Watch("stats_requests", "mentoring_requests", request, request[1:], _requests(hours), deferred=True),
        Watch("stats_offers", "mentor_profiles", offer, offer[1:], _offers, deferred=True),
    ]


def _hours(dialect: str) -> str:
    """A matched request's wait in hours, as /mentor stats has always worked it out on each database."""
    if dialect == "postgresql":
        return "EXTRACT(EPOCH FROM x.matched_at - x.created_at) / 3600.0"
    return "(julianday(x.matched_at) - julianday(x.created_at)) * 24.0"
