"""The /mentor stats summary: aggregates only, with small groups hidden behind a dash."""

from __future__ import annotations

from typing import Any

from bot.blockkit.blocks import context, escape, header, message, mrkdwn, section
from bot.blockkit.text import plural
from bot.reporting.practice import PracticeStats
from bot.reporting.stats import Figure, ProgramStats
from bot.storage.statuses import Relationship

HIDDEN = "–"


def _shown(figure: Figure, threshold: int, render: Any = None) -> str:
    if figure.value is None or figure.people < threshold:
        return HIDDEN
    return render(figure.value) if render else f"{figure.value:,.0f}"


def _percent(value: float) -> str:
    return f"{100 * value:.0f}%"


def _duration(hours: float) -> str:
    """ "under a minute", "25 minutes", "3.5 hours", "4 days": a time as a reader would say it."""
    if hours < 1:
        minutes = round(hours * 60)
        return "under a minute" if minutes < 1 else plural(minutes, "minute")
    if hours < 48:
        return plural(round(hours, 1), "hour")
    return plural(round(hours / 24, 1), "day")


def _step(figure: Figure, base: Figure, threshold: int) -> str:
    count = _shown(figure, threshold)
    if count == HIDDEN or not base.value or base.people < threshold:
        return count
    return f"{count} ({_percent((figure.value or 0) / base.value)})"


def funnel_line(stats: ProgramStats, threshold: int) -> str:
    return (
        f"Requested {_shown(stats.requested, threshold)}"
        f" → matched {_step(stats.matched, stats.requested, threshold)}"
        f" → met at least once {_step(stats.met, stats.requested, threshold)}"
        f" → feedback given {_step(stats.feedback, stats.requested, threshold)}"
    )


def figure_fields(stats: ProgramStats, threshold: int) -> list[tuple[str, str]]:
    confidence = HIDDEN
    if HIDDEN not in (_shown(stats.confidence_first, threshold), _shown(stats.confidence_latest, threshold)):
        confidence = f"{stats.confidence_first.value:.1f} → {stats.confidence_latest.value:.1f} of 5"
    return [
        ("Mentors", _shown(stats.mentors, threshold)),
        ("Mentees", _shown(stats.mentees, threshold)),
        ("Open requests", _shown(stats.open_requests, threshold)),
        ("Active pairs", _shown(stats.active_pairs, threshold)),
        ("Median time to match", _shown(stats.median_hours_to_match, threshold, _duration)),
        ("Check-ins answered (4 weeks)", _shown(stats.response_rate, threshold, _percent)),
        ("Check-ins where pairs met (4 weeks)", _shown(stats.meeting_rate, threshold, _percent)),
        ("Usefulness of meetings", _shown(stats.usefulness, threshold, lambda v: f"{v:.1f} of 5")),
        ("Mentee confidence, first → latest", confidence),
        ("Mentor capacity in use", _shown(stats.capacity_use, threshold, _percent)),
        ("Stalled pairs", _shown(stats.stalled_pairs, threshold)),
        ("NPS (closing surveys)", _shown(stats.nps, threshold, lambda v: f"{v:+.0f}")),
    ]


def practice_fields(practice: PracticeStats, threshold: int) -> list[tuple[str, str]]:
    """The pairs' practices: goals looked at again, the confidence trend, relationship checks. Counts only."""
    trend = HIDDEN
    parts = (practice.confidence_rising, practice.confidence_steady, practice.confidence_dipping)
    if all(_shown(f, threshold) != HIDDEN for f in parts):
        rising, steady, dipping = (_percent(f.value or 0) for f in parts)
        trend = f"rising {rising} · steady {steady} · dipping {dipping}"
    answers = practice.relationship
    relationship = HIDDEN
    if all(_shown(f, threshold) != HIDDEN for f in answers.values()):
        relationship = (
            f"good {_shown(answers[Relationship.GOOD], threshold)}"
            f" · drifting {_shown(answers[Relationship.DRIFTING], threshold)}"
            f" · we disagree {_shown(answers[Relationship.DISAGREE], threshold)}"
        )
    return [
        ("Pairs that revisited their goals", _shown(practice.goals_reviewed, threshold, _percent)),
        ("Mentee confidence, pair by pair", trend),
        ("How relationships are going (answers)", relationship),
    ]


def figure_blocks(stats: ProgramStats, threshold: int, practice: PracticeStats | None = None) -> list[dict[str, Any]]:
    """The funnel and every figure, as sections (Slack allows 10 fields per section)."""
    fields = figure_fields(stats, threshold) + (practice_fields(practice, threshold) if practice else [])
    blocks = [section("*Funnel*\n" + funnel_line(stats, threshold))]
    for start in range(0, len(fields), 10):
        blocks.append(
            {
                "type": "section",
                "fields": [mrkdwn(f"*{label}*\n{value}") for label, value in fields[start : start + 10]],
            }
        )
    return blocks


def stats_message(
    program_name: str, stats: ProgramStats, threshold: int, practice: PracticeStats | None = None
) -> dict[str, Any]:
    blocks = [header(f"Mentoring stats: {program_name}"), *figure_blocks(stats, threshold, practice)]
    blocks.append(
        context(f"Aggregates only, no names or answers. Figures from fewer than {threshold} people show as {HIDDEN}.")
    )
    return message(f"Mentoring stats for {escape(program_name)}", blocks)
