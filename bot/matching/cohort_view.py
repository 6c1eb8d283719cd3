"""The private preview of a cohort match: its pairs, each with an edit menu, the edits so far, and Publish.

Only its owner sees the preview (it is ephemeral), so an edit re-renders it in place through the
click's response_url. The swap form lists the pair's alternatives by name, since form options can't
show mentions.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.blockkit.blocks import Block, actions, button, context, escape, header, input_block, modal, option, section
from bot.blockkit.text import plural, slack_date
from bot.matching.cohort_edits import SwapChoices
from bot.matching.cohorts import MOVE, REMOVE, SWAP, EditNote, PlannedPair, Preview
from bot.matching.reasons import Reader, render
from bot.programs.catalog import cohort_end
from bot.storage.models import Program

PUBLISH_ACTION = "cohort_publish"
EDIT_ACTION = "cohort_edit_pair"
SWAP_CALLBACK = "cohort_swap"
SWAP_BLOCK = "target"
SHOWN_PAIRS = 25
SHOWN_UNMATCHED = 10
SHOWN_EDITS = 10


def edit_value(kind: str, preview: Preview, index: int) -> str:
    """An edit menu option: what to do, to which plan as of which version, and to which pair."""
    return f"{kind}:{preview.plan_id}:{preview.version}:{index}"


def parse_edit_value(value: str) -> tuple[str, int, int, int] | None:
    kind, *numbers = value.split(":")
    if kind not in (REMOVE, SWAP) or len(numbers) != 3 or not all(n.isascii() and n.isdigit() for n in numbers):
        return None
    plan_id, version, index = (int(n) for n in numbers)
    return kind, plan_id, version, index


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


def _pair_line(number: int, pair: PlannedPair) -> str:
    return f"*#{number}* <@{pair.mentee_user_id}> ← <@{pair.mentor_user_id}> · {pair.score:.0f} · " + escape(
        ", ".join(render(pair.reasons, Reader.OWNER))
    )


def _edit_line(note: EditNote) -> str:
    mentees, mentors = [f"<@{u}>" for u in note.mentees], [f"<@{u}>" for u in note.mentors]
    if note.kind == REMOVE:
        what = f"Removed {mentees[0]} ← {mentors[0]}"
    elif note.kind == SWAP and len(mentees) == 2 and len(mentors) == 2:
        what = f"Swapped mentors: {mentees[0]} ← {mentors[1]}, {mentees[1]} ← {mentors[0]}"
    elif note.kind == MOVE and len(mentors) == 2:
        what = f"{mentees[0]} ← {mentors[1]} instead of {mentors[0]}"
    else:
        what = "Edited"
    change = note.after - note.before
    return f"• {what}: total {note.before:,.1f} → {note.after:,.1f} ({change:+.1f})"


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
    editable = preview.editable and preview.plan_id is not None
    title = "Cohort match preview" if preview.editable else "Published cohort match"
    blocks: list[Block] = [header(f"{title}: {program_name}"), section(summary)]
    if preview.edits:
        shown = preview.edits[-SHOWN_EDITS:]
        earlier = len(preview.edits) - len(shown)
        lines = ([f"…{plural(earlier, 'earlier edit')}."] if earlier else []) + [_edit_line(e) for e in shown]
        blocks.append(section("*Your edits* (total score before → after)\n" + "\n".join(lines)))
    if preview.pairs:
        how = " Each pair's menu removes it or swaps its mentor." if editable else ""
        blocks.append(section(f"*Proposed pairs* (mentee ← mentor · score · why).{how}"))
    for index, pair in enumerate(preview.pairs[:SHOWN_PAIRS]):
        block = section(_pair_line(index + 1, pair))
        if editable:
            block["block_id"] = f"cohort-{preview.plan_id}-pair-{index}"
            block["accessory"] = {
                "type": "overflow",
                "action_id": EDIT_ACTION,
                "options": [
                    option("Remove this pair", edit_value(REMOVE, preview, index)),
                    option("Swap mentor with…", edit_value(SWAP, preview, index)),
                ],
            }
        blocks.append(block)
    if len(preview.pairs) > SHOWN_PAIRS:
        blocks.append(context(f"…and {len(preview.pairs) - SHOWN_PAIRS} more, not shown here."))
    if preview.unmatched:
        missing = [f"• <@{mentee}>: {why}" for mentee, why in preview.unmatched[:SHOWN_UNMATCHED]]
        if len(preview.unmatched) > SHOWN_UNMATCHED:
            missing.append(f"…and {len(preview.unmatched) - SHOWN_UNMATCHED} more.")
        blocks.append(section("*Unmatched*\n" + "\n".join(missing)))
    if editable and preview.pairs:
        blocks.append(
            actions(
                button("Publish", PUBLISH_ACTION, str(preview.plan_id), style="primary"),
                block_id=f"cohort-{preview.plan_id}",
            )
        )
    if preview.editable:
        blocks.append(context(_what_publishing_does(program, now)))
    return {
        "response_type": "ephemeral",
        "text": f"Cohort match preview for {program_name}: {plural(count, 'pair')}",
        "blocks": blocks,
    }


def swap_modal(choices: SwapChoices, response_url: str) -> dict[str, Any]:
    """Asks what to swap this pair's mentor with. The preview's response_url travels in the form, so the
    preview can be re-rendered once the swap is made."""
    pair = (
        f"*#{choices.index + 1}* <@{choices.mentee_user_id}> ← <@{choices.mentor_user_id}> (score {choices.score:.0f})"
    )
    groups = [
        {"label": {"type": "plain_text", "text": label}, "options": [option(text, value) for value, text in items]}
        for label, items in (
            ("Swap mentors with pair", choices.pairs),
            ("Give them a mentor with room", choices.mentors),
        )
        if items
    ]
    metadata = json.dumps(
        {"plan": choices.plan_id, "version": choices.version, "index": choices.index, "url": response_url}
    )
    if not groups:
        blocks: list[Block] = [
            section(pair),
            section("There's no other pair, and no mentor with a free place, to swap with."),
        ]
        view = modal(SWAP_CALLBACK, "Swap a mentor", blocks, "OK", metadata)
        del view["submit"]
        return view
    blocks = [
        section(pair),
        input_block(
            SWAP_BLOCK,
            "Swap the mentor with",
            {"type": "static_select", "placeholder": {"type": "plain_text", "text": "Choose"}, "option_groups": groups},
        ),
        context(
            "Every rule still holds: nobody is matched with their own manager or a mentor they had or who "
            "declined them, topics come first, and no mentor gets more mentees than their free places. "
            "I'll tell you if a swap breaks one. The preview then shows the new total score."
        ),
    ]
    return modal(SWAP_CALLBACK, "Swap a mentor", blocks, "Swap", metadata)
