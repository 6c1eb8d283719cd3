"""Block Kit as Slack's Web API checks it: slack_sdk's models plus Slack's documented limits, each problem
reported as Slack reports it, `[ERROR] <what> [json-pointer:<where>]`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.basic_objects import JsonObject
from slack_sdk.models.blocks import Block, BlockElement
from slack_sdk.models.views import View

MESSAGE_BLOCKS_MAX = 50
VIEW_BLOCKS_MAX = 100
TEXT_MAX = 3000  # any text object, unless its field has a lower limit
ID_MAX = 255  # block_id, action_id, callback_id, external_id
PRIVATE_METADATA_MAX = 3000
VIEW_TEXT_MAX = 24  # a modal's title, submit and close

TEXT_KEYS = {"plain_text": {"type", "text", "emoji"}, "mrkdwn": {"type", "text", "verbatim"}}
OPTION_KEYS = {"text", "value", "description", "url"}
CONFIRM_KEYS = {"title", "text", "confirm", "deny", "style"}
SELECTS = {"static_select", "multi_static_select", "overflow"}

# The longest text each field may hold, in characters: (block or element type, field) -> limit.
FIELD_MAX: dict[tuple[str, str], int] = {
    ("section", "text"): 3000,
    ("section", "fields"): 2000,
    ("header", "text"): 150,
    ("input", "label"): 2000,
    ("input", "hint"): 2000,
    ("image", "alt_text"): 2000,
    ("image", "title"): 2000,
    ("image", "image_url"): 3000,
    ("button", "text"): 75,
    ("button", "value"): 2000,
    ("button", "url"): 3000,
    ("option", "text"): 75,
    ("option", "value"): 150,
    ("option", "description"): 75,
    ("confirm", "title"): 100,
    ("confirm", "text"): 300,
    ("confirm", "confirm"): 30,
    ("confirm", "deny"): 30,
    ("markdown", "text"): 12000,
}
# The most items each list may hold: (block or element type, field) -> limit.
ITEMS_MAX: dict[tuple[str, str], int] = {
    ("section", "fields"): 10,
    ("context", "elements"): 10,
    ("actions", "elements"): 25,
    ("static_select", "options"): 100,
    ("multi_static_select", "options"): 100,
    ("checkboxes", "options"): 10,
    ("radio_buttons", "options"): 10,
    ("overflow", "options"): 5,
}
# The fewest items a list may hold when it is given at all (an empty list is refused).
ITEMS_MIN: dict[tuple[str, str], int] = {
    ("section", "fields"): 1,
    ("context", "elements"): 1,
    ("actions", "elements"): 1,
    ("static_select", "options"): 1,
    ("multi_static_select", "options"): 1,
    ("checkboxes", "options"): 1,
    ("radio_buttons", "options"): 1,
    ("overflow", "options"): 2,
}
PLACEHOLDER_MAX = 150
INPUT_LENGTH_MAX = 3000  # plain_text_input's min_length and max_length
# Fields Slack takes as plain_text only: (block or element type, field).
PLAIN_ONLY = {
    ("header", "text"),
    ("button", "text"),
    ("input", "label"),
    ("input", "hint"),
    ("confirm", "title"),
    ("confirm", "confirm"),
    ("confirm", "deny"),
    ("image", "title"),
}


def _error(what: str, pointer: str) -> str:
    return f"[ERROR] {what} [json-pointer:{pointer}]"


class Checker:
    """Walks one message's blocks or one view and collects every problem Slack would name."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self._block_ids: set[str] = set()
        self._focused = False  # an element with focus_on_load was seen

    def add(self, what: str, pointer: str) -> None:
        self.problems.append(_error(what, pointer))

    # --- shared checks -------------------------------------------------------------------

    def length(self, value: Any, limit: int, pointer: str) -> None:
        if isinstance(value, str) and len(value) > limit:
            self.add(f"must be at most {limit} characters, not {len(value)}", pointer)

    def keys(self, raw: dict[str, Any], allowed: set[str], pointer: str) -> None:
        for key in sorted(set(raw) - allowed - {"type"}):
            self.add(f"unsupported field '{key}'", f"{pointer}/{key}")

    @staticmethod
    def build(make: Callable[[], JsonObject | None], kind: str) -> tuple[JsonObject | None, str | None]:
        """slack_sdk's model of the object (None for a type it does not know), or why it cannot be built."""
        try:
            return make(), None
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            return None, f"malformed {kind} ({exc})"

    def judge(self, model: JsonObject | None, failure: str | None, pointer: str, before: int) -> None:
        """slack_sdk's verdict on the object itself (the parts inside it were walked one by one). A model it
        could not build is named only when the walk found nothing more precise inside it."""
        if failure is not None and len(self.problems) == before:
            self.add(failure, pointer)
        if model is not None:
            try:
                model.validate_json()
            except SlackObjectFormationError as exc:
                self.add(str(exc), pointer)

    def text(self, raw: Any, pointer: str, limit: int = TEXT_MAX, plain_only: bool = False) -> None:
        if not isinstance(raw, dict) or raw.get("type") not in TEXT_KEYS:
            self.add("must be a text object of type plain_text or mrkdwn", pointer)
            return
        if plain_only and raw["type"] != "plain_text":
            self.add("must be a plain_text text object", f"{pointer}/type")
        self.keys(raw, TEXT_KEYS[raw["type"]], pointer)
        text = raw.get("text")
        if not isinstance(text, str) or not text:
            self.add("must be a string of at least 1 character", f"{pointer}/text")
            return
        self.length(text, limit, f"{pointer}/text")

    def items(self, raw: dict[str, Any], kind: str, key: str, pointer: str) -> list[Any]:
        value = raw.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.add("must be an array", f"{pointer}/{key}")
            return []
        limit = ITEMS_MAX.get((kind, key))
        if limit is not None and len(value) > limit:
            self.add(f"must have at most {limit} items, not {len(value)}", f"{pointer}/{key}")
        least = ITEMS_MIN.get((kind, key), 0)
        if len(value) < least:
            self.add(f"must have at least {least} item(s), not {len(value)}", f"{pointer}/{key}")
        return value

    # --- blocks --------------------------------------------------------------------------

    def blocks(self, raw: Any, pointer: str, limit: int) -> None:
        if not isinstance(raw, list):
            self.add("must be an array of blocks", pointer)
            return
        if len(raw) > limit:
            self.add(f"must have at most {limit} blocks, not {len(raw)}", pointer)
        for i, block in enumerate(raw):
            self.block(block, f"{pointer}/{i}")

    def block(self, raw: Any, pointer: str) -> None:
        if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
            self.add("must be a block object with a type", pointer)
            return
        kind = raw["type"]
        model, failure = self.build(lambda: Block.parse(raw), kind)
        if model is None and failure is None:
            self.add(f"unsupported block type '{kind}'", f"{pointer}/type")
            return
        before = len(self.problems)
        if model is not None:
            self.keys(raw, set(model.attributes), pointer)
        block_id = raw.get("block_id")
        if block_id is not None:
            self.length(block_id, ID_MAX, f"{pointer}/block_id")
            if block_id in self._block_ids:
                self.add(f"duplicate block_id '{block_id}'", f"{pointer}/block_id")
            self._block_ids.add(block_id)
        for key in ("text", "label", "hint"):
            if key in raw and kind != "markdown":
                limit = FIELD_MAX.get((kind, key), TEXT_MAX)
                self.text(raw[key], f"{pointer}/{key}", limit, (kind, key) in PLAIN_ONLY)
        if kind == "markdown":
            self.length(raw.get("text"), FIELD_MAX[("markdown", "text")], f"{pointer}/text")
        for i, field in enumerate(self.items(raw, kind, "fields", pointer)):
            self.text(field, f"{pointer}/fields/{i}", FIELD_MAX[("section", "fields")])
        action_ids: set[str] = set()
        for i, element in enumerate(self.items(raw, kind, "elements", pointer)):
            if kind == "context" and isinstance(element, dict) and element.get("type") in TEXT_KEYS:
                self.text(element, f"{pointer}/elements/{i}")
            elif kind != "rich_text":
                self.element(element, f"{pointer}/elements/{i}", action_ids)
        for key in ("accessory", "element"):
            if key in raw:
                self.element(raw[key], f"{pointer}/{key}", action_ids)
        if kind == "image":
            for key in ("alt_text", "image_url"):
                self.length(raw.get(key), FIELD_MAX[("image", key)], f"{pointer}/{key}")
        self.judge(model, failure, pointer, before)

    # --- elements ------------------------------------------------------------------------

    def element(self, raw: Any, pointer: str, action_ids: set[str]) -> None:
        if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
            self.add("must be an element object with a type", pointer)
            return
        kind = raw["type"]
        model, failure = self.build(lambda: BlockElement.parse(raw), kind)
        if model is None and failure is None:
            self.add(f"unsupported element type '{kind}'", f"{pointer}/type")
            return
        before = len(self.problems)
        if model is not None:
            self.keys(raw, set(model.attributes), pointer)
        action_id = raw.get("action_id")
        if action_id is not None:
            self.length(action_id, ID_MAX, f"{pointer}/action_id")
            if action_id in action_ids:
                self.add(f"duplicate action_id '{action_id}' in one block", f"{pointer}/action_id")
            action_ids.add(action_id)
        if "text" in raw:
            self.text(
                raw["text"], f"{pointer}/text", FIELD_MAX.get((kind, "text"), TEXT_MAX), (kind, "text") in PLAIN_ONLY
            )
        if "placeholder" in raw:
            self.text(raw["placeholder"], f"{pointer}/placeholder", PLACEHOLDER_MAX, plain_only=True)
        for key in ("value", "url"):
            if (kind, key) in FIELD_MAX:
                self.length(raw.get(key), FIELD_MAX[(kind, key)], f"{pointer}/{key}")
        if "confirm" in raw:
            self.confirm(raw["confirm"], f"{pointer}/confirm")
        if raw.get("focus_on_load"):
            if self._focused:
                self.add("only one element may have focus_on_load", f"{pointer}/focus_on_load")
            self._focused = True
        if kind == "plain_text_input":
            self.input_lengths(raw, pointer)
        self.options(raw, kind, pointer)
        self.judge(model, failure, pointer, before)

    def input_lengths(self, raw: dict[str, Any], pointer: str) -> None:
        bounds = {"min_length": 0, "max_length": 1}
        for key, least in bounds.items():
            value = raw.get(key)
            if value is not None and not (isinstance(value, int) and least <= value <= INPUT_LENGTH_MAX):
                self.add(f"must be a whole number from {least} to {INPUT_LENGTH_MAX}", f"{pointer}/{key}")
        low, high = raw.get("min_length"), raw.get("max_length")
        if isinstance(low, int) and isinstance(high, int) and low > high:
            self.add("min_length must not be greater than max_length", f"{pointer}/min_length")

    def options(self, raw: dict[str, Any], kind: str, pointer: str) -> None:
        options = self.items(raw, kind, "options", pointer)
        plain_only = kind in SELECTS
        for i, option in enumerate(options):
            self.option(option, f"{pointer}/options/{i}", plain_only)
        chosen = list(self.items(raw, kind, "initial_options", pointer))
        where = [f"{pointer}/initial_options/{i}" for i in range(len(chosen))]
        if "initial_option" in raw:
            chosen.append(raw["initial_option"])
            where.append(f"{pointer}/initial_option")
        for option, at in zip(chosen, where, strict=True):
            self.option(option, at, plain_only)
            if options and option not in options:
                self.add("must exactly match one of the element's options", at)

    def option(self, raw: Any, pointer: str, plain_only: bool) -> None:
        if not isinstance(raw, dict):
            self.add("must be an option object", pointer)
            return
        self.keys(raw, OPTION_KEYS, pointer)
        self.text(raw.get("text"), f"{pointer}/text", FIELD_MAX[("option", "text")], plain_only)
        if "description" in raw:
            self.text(raw["description"], f"{pointer}/description", FIELD_MAX[("option", "description")], plain_only)
        value = raw.get("value")
        if not isinstance(value, str) or not value:
            self.add("must be a string of at least 1 character", f"{pointer}/value")
        self.length(value, FIELD_MAX[("option", "value")], f"{pointer}/value")

    def confirm(self, raw: Any, pointer: str) -> None:
        if not isinstance(raw, dict):
            self.add("must be a confirmation dialog object", pointer)
            return
        self.keys(raw, CONFIRM_KEYS, pointer)
        for key in ("title", "text", "confirm", "deny"):
            if key in raw or key != "deny":
                limit = FIELD_MAX[("confirm", key)]
                self.text(raw.get(key), f"{pointer}/{key}", limit, ("confirm", key) in PLAIN_ONLY)

    # --- views ---------------------------------------------------------------------------

    def view(self, raw: dict[str, Any], kinds: tuple[str, ...], pointer: str = "/view") -> None:
        kind = raw.get("type")
        if kind not in kinds:
            self.add(f"view type must be {' or '.join(kinds)}, not {kind!r}", f"{pointer}/type")
            return
        model, failure = self.build(lambda: View(**raw), str(kind))
        before = len(self.problems)
        if model is not None:
            self.keys(raw, set(model.attributes), pointer)
        if kind == "modal":
            if "title" not in raw:
                self.add("missing required field: title", pointer)
            for key in ("title", "submit", "close"):
                if key in raw:
                    self.text(raw[key], f"{pointer}/{key}", VIEW_TEXT_MAX, plain_only=True)
            has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in raw.get("blocks") or [])
            if has_input and "submit" not in raw:
                self.add("a modal with input blocks must have a submit button", f"{pointer}/submit")
        elif any(key in raw for key in ("submit", "close")):
            self.add("a home view cannot have submit or close", pointer)
        self.length(raw.get("private_metadata"), PRIVATE_METADATA_MAX, f"{pointer}/private_metadata")
        for key in ("callback_id", "external_id"):
            self.length(raw.get(key), ID_MAX, f"{pointer}/{key}")
        if "blocks" not in raw:
            self.add("missing required field: blocks", pointer)
        else:
            self.blocks(raw["blocks"], f"{pointer}/blocks", VIEW_BLOCKS_MAX)
        self.judge(model, failure, pointer, before)


def message_blocks_problems(blocks: list[Any]) -> list[str]:
    """What Slack says is wrong with a message's blocks; empty when it takes them."""
    checker = Checker()
    checker.blocks(blocks, "/blocks", MESSAGE_BLOCKS_MAX)
    return checker.problems


def view_problems(view: dict[str, Any], kinds: tuple[str, ...]) -> list[str]:
    """What Slack says is wrong with a view of one of these types ("modal", "home"); empty when it takes it."""
    checker = Checker()
    checker.view(view, kinds)
    return checker.problems
