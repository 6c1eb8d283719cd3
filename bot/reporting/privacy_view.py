"""What people read about their data: the erase confirmation, and the answers to `mydata` and `erase`."""

from __future__ import annotations

from typing import Any

from bot.blockkit.blocks import modal, section
from bot.reporting.privacy import ErasureSummary

ERASE_CALLBACK = "privacy_erase"

MYDATA_ON_ITS_WAY = (
    "I'm gathering everything I hold about you. It's on its way to you in a direct message from me, "
    "as readable text and as a JSON file."
)

ERASE_EXPLAINED = (
    "*What I erase*\n"
    "• your mentor profiles and your requests for a mentor, with your goals and topics\n"
    "• what you wrote: help notes, feedback (yours, and what was written to you), reasons for declining\n"
    "• what I know about you from Slack: name, timezone, title, department, level\n"
    "• my copies of the messages I sent you\n\n"
    "*Your pairs*\n"
    "Your active pairings end now. Your partners are told you've left the program, with no reason given.\n\n"
    "*What stays, without your name*\n"
    "Dates, statuses and scores (a check-in answered, a 4 out of 5 for usefulness, a survey rating) stay "
    "under a random label that can't be traced back to you, so the program's figures still add up.\n\n"
    "This can't be undone. Want a copy first? Cancel, and run `/mentor mydata`."
)


def erase_modal() -> dict[str, Any]:
    return modal(ERASE_CALLBACK, "Erase my data", [section(ERASE_EXPLAINED)], "Erase")


def erased_message(summary: ErasureSummary) -> str:
    if not summary.erased:
        return "There was nothing left to erase: I hold no data about you in this workspace."
    ended = ""
    if summary.pairings_ended:
        pairs = "pairing has" if summary.pairings_ended == 1 else "pairings have"
        ended = f" Your {pairs} ended, and your partners have been told kindly."
    return (
        f"Done: I've erased your data.{ended} If you'd like to take part again one day, "
        "`/mentor request` or `/mentor offer` starts afresh."
    )
