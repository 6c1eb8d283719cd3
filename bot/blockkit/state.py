"""Reading a submitted modal: `view.state.values` into plain values, forgiving odd shapes."""

from __future__ import annotations

import json
from typing import Any

from bot.blockkit.text import ascii_int

# Field errors for `response_action: errors`, keyed by block id.
Errors = dict[str, str]


class StateReader:
    """Reads `view.state.values`, forgiving absent blocks and odd shapes from older clients."""

    def __init__(self, values: Any):
        self.values = values if isinstance(values, dict) else {}

    def _element(self, block_id: str) -> dict[str, Any]:
        block = self.values.get(block_id)
        if not isinstance(block, dict):
            return {}
        element = block.get(block_id) or next(iter(block.values()), None)
        return element if isinstance(element, dict) else {}

    def text(self, block_id: str) -> str:
        value = self._element(block_id).get("value")
        return value.strip() if isinstance(value, str) else ""

    def selected(self, block_id: str) -> str | None:
        option = self._element(block_id).get("selected_option")
        value = option.get("value") if isinstance(option, dict) else None
        return value if isinstance(value, str) else None

    def date(self, block_id: str) -> str | None:
        value = self._element(block_id).get("selected_date")
        return value if isinstance(value, str) and len(value) == 10 else None

    def users(self, block_id: str) -> list[str]:
        users = self._element(block_id).get("selected_users")
        return [u for u in users if isinstance(u, str)] if isinstance(users, list) else []

    def channel(self, block_id: str) -> str | None:
        element = self._element(block_id)
        value = element.get("selected_channel") or element.get("selected_conversation")
        return value if isinstance(value, str) else None

    def selected_many(self, block_id: str) -> list[str]:
        options = self._element(block_id).get("selected_options")
        if not isinstance(options, list):
            return []
        return [o["value"] for o in options if isinstance(o, dict) and isinstance(o.get("value"), str)]


def read_scale(reader: StateReader, block_id: str, low: int, high: int) -> int | None:
    value = ascii_int(reader.selected(block_id))
    return value if value is not None and low <= value <= high else None


def private_metadata(view: dict[str, Any]) -> dict[str, Any]:
    """The JSON object a modal carries in `private_metadata`; empty if it is missing or not an object."""
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except (TypeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
