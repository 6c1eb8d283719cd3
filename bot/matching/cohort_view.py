"""The private preview of a cohort match, with its Publish button."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.blockkit.blocks import Block, actions, button, context, escape, header, section
from bot.blockkit.text import plural, slack_date
from bot.matching.cohorts import Preview
from bot.matching.reasons import Reader, render
from bot.programs.catalog import cohort_end
from bot.storage.models import Program

PUBLISH_ACTION = "cohort_publish"
SHOWN_PAIRS = 25
SHOWN_UNMATCHED = 10


def _what_publishing_does(program: Program, now: datetime) -> str:
    said = (
        "Only you can see this. Nothing is sent until you publish; then each mentor gets the usual "
        "Accept / Decline message, and each mentee left without a mentor is told why."
    )
    end = cohort_end(program)
    if program.starts_at is not None and end is not None and now < program.starts_at:
        said += (
            f" You can publish before the cohort starts on {slack_date(program.starts_at)}: pairs are "
            f"introduced when their mentor accepts, their check-ins begin at the start, and they all "
            f"graduate together on {slack_date(end)}."
        )
    return said


def preview_message(program: Program, preview: Preview, now: datetime) -> dict[str, Any]:
    program_name = program.name
    if not preview.pairs and not preview.unmatched:
        text = f"No requests are waiting in {program_name}, so there is nothing to match."
        return {"response_type": "ephemeral", "text": text, "blocks": [section(text)]}
    count = len(preview.pairs)
    average = preview.total_score / count if count else 0
    left = len(preview.unmatched)
    summary = f"*{plural(count, 'pair')}*, total score {preview.total_score:,.1f} (average {average:.1f} of 100). " + (
        f"{plural(left, 'mentee')} {'stays' if left == 1 else 'stay'} unmatched." if left else "Everyone is matched."
    )
    blocks: list[Block] = [header(f"Cohort match preview: {program_name}"), section(summary)]
    lines = [
        f"• <@{p.mentee_user_id}> ← <@{p.mentor_user_id}> · {p.score:.0f} · "
        + escape(", ".join(render(p.reasons, Reader.OWNER)))
        for p in preview.pairs[:SHOWN_PAIRS]
    ]
    if len(preview.pairs) > SHOWN_PAIRS:
        lines.append(f"…and {len(preview.pairs) - SHOWN_PAIRS} more.")
    if lines:
        blocks.append(section("*Proposed pairs* (mentee ← mentor · score · why)\n" + "\n".join(lines)))
    if preview.unmatched:
        missing = [f"• <@{mentee}>: {why}" for mentee, why in preview.unmatched[:SHOWN_UNMATCHED]]
        if len(preview.unmatched) > SHOWN_UNMATCHED:
            missing.append(f"…and {len(preview.unmatched) - SHOWN_UNMATCHED} more.")
        blocks.append(section("*Unmatched*\n" + "\n".join(missing)))
    if preview.plan_id is not None and preview.pairs:
        blocks.append(
            actions(
                button("Publish", PUBLISH_ACTION, str(preview.plan_id), style="primary"),
                block_id=f"cohort-{preview.plan_id}",
            )
        )
    blocks.append(context(_what_publishing_does(program, now)))
    return {
        "response_type": "ephemeral",
        "text": f"Cohort match preview for {program_name}: {plural(count, 'pair')}",
        "blocks": blocks,
    }
