"""The private preview of a cohort match, with its Publish button."""

from __future__ import annotations

from typing import Any

from bot.blockkit.blocks import Block, actions, button, context, escape, header, section
from bot.matching.cohorts import Preview

PUBLISH_ACTION = "cohort_publish"
SHOWN_PAIRS = 25
SHOWN_UNMATCHED = 10


def preview_message(program_name: str, preview: Preview) -> dict[str, Any]:
    if not preview.pairs and not preview.unmatched:
        text = f"No requests are waiting in {program_name}, so there is nothing to match."
        return {"response_type": "ephemeral", "text": text, "blocks": [section(text)]}
    count = len(preview.pairs)
    average = preview.total_score / count if count else 0
    summary = (
        f"*{count} pair(s)*, total score {preview.total_score:,.1f} (average {average:.1f} of 100). "
        f"{len(preview.unmatched)} mentee(s) stay unmatched."
    )
    blocks: list[Block] = [header(f"Cohort match preview: {program_name}"), section(summary)]
    lines = [
        f"• <@{p.mentee_user_id}> ← <@{p.mentor_user_id}> · {p.score:.0f} · {escape(', '.join(p.reasons))}"
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
    blocks.append(
        context(
            "Only you can see this. Nothing is sent until you publish; then each mentor gets the "
            "usual Accept / Decline message."
        )
    )
    return {
        "response_type": "ephemeral",
        "text": f"Cohort match preview for {program_name}: {count} pairs",
        "blocks": blocks,
    }
