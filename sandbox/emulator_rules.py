"""What Slack's Web API refuses before it does anything: unknown methods, missing or malformed arguments,
invalid Block Kit, and trigger ids that were never issued, already used, or older than 3 seconds.

A method the emulator does not serve (REQUIRED lists those it does) is answered `unknown_method`, as Slack
answers a misspelt one: a test that reaches for a new method fails loudly until the emulator learns it.

Slack tells an absent argument from one it cannot resolve: a required argument left out is
`invalid_arguments` ("missing required field"); one that is present but names nothing gets the method's own
error (`channel_not_found`, `user_not_found`, ...). The emulator answers the same way.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sandbox.emulator_blockkit import message_blocks_problems, view_problems

# Every method the emulator serves, and the arguments each one cannot do without.
REQUIRED: dict[str, tuple[str, ...]] = {
    "apps.connections.open": (),
    "auth.test": (),
    "chat.postEphemeral": ("channel", "user"),
    "chat.postMessage": ("channel",),
    "chat.update": ("channel", "ts"),
    "conversations.open": (),
    "files.completeUploadExternal": ("files",),
    "files.getUploadURLExternal": ("filename", "length"),
    "users.info": ("user",),
    "users.list": (),
    "users.lookupByEmail": ("email",),
    "views.open": ("view",),
    "views.publish": ("user_id", "view"),
    "views.push": ("view",),
    "views.update": ("view",),
}
# chat.postMessage: Slack truncates longer text (and the reader loses the rest), so the emulator refuses it.
MESSAGE_TEXT_MAX = 40_000
# chat.update takes less: its documented msg_too_long is "cannot exceed 4,000 characters".
UPDATE_TEXT_MAX = 4_000
VIEW_BYTES_MAX = 250_000
CONVERSATION_USERS_MAX = 8
TRIGGER_LIFETIME = 3.0  # seconds from the person's action

# Arguments short enough to name a refused call by, in a test's failure message.
SHOWN_ARGS = ("channel", "ts", "user", "user_id", "users", "trigger_id", "view_id")
CHANNEL_ID = re.compile(r"^[CDGUW][A-Z0-9]+$")
USER_ID = re.compile(r"^[UW][A-Z0-9]+$")
# What the view methods accept: views.open and views.push open modals, views.publish a Home tab.
VIEW_KINDS = {
    "views.open": ("modal",),
    "views.push": ("modal",),
    "views.update": ("modal", "home"),
    "views.publish": ("home",),
}


@dataclass(frozen=True)
class Refusal:
    """One call Slack would have refused, and why, in the words of its answer."""

    method: str
    error: str
    messages: tuple[str, ...] = ()
    args: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def answer(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error": self.error}
        if self.messages:
            body["response_metadata"] = {"messages": list(self.messages)}
        return body

    def __str__(self) -> str:
        said = {k: v for k, v in self.args.items() if k in SHOWN_ARGS and isinstance(v, str)}
        return f"{self.method} {said}: {self.error} {' '.join(self.messages)}".strip()


def _absent(args: dict[str, Any], name: str) -> bool:
    return args.get(name) is None


def _filled(value: Any) -> bool:
    return value is not None and value != "" and value != []


def json_argument(value: Any) -> Any:
    """A JSON argument as sent in a form (a string) or in a JSON body (already decoded); None if unreadable."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def _missing(method: str, args: dict[str, Any]) -> Refusal | None:
    absent = [name for name in REQUIRED[method] if _absent(args, name)]
    if (
        method in ("views.open", "views.push")
        and _absent(args, "trigger_id")
        and _absent(args, "interactivity_pointer")
    ):
        absent.insert(0, "trigger_id")
    if method == "views.update" and _absent(args, "view_id") and _absent(args, "external_id"):
        absent.append("view_id")
    if not absent:
        return None
    return Refusal(method, "invalid_arguments", tuple(f"[ERROR] missing required field: {a}" for a in absent), args)


def _message(method: str, args: dict[str, Any]) -> Refusal | None:
    """chat.postMessage, chat.postEphemeral and chat.update: where it goes, what it says, and its blocks."""
    channel = str(args.get("channel"))
    if not (CHANNEL_ID.match(channel) or (channel.startswith("#") and len(channel) > 1)):
        return Refusal(method, "channel_not_found", (), args)
    if method == "chat.postEphemeral" and not USER_ID.match(str(args.get("user"))):
        return Refusal(method, "user_not_in_channel", (), args)
    text = args.get("text")
    if not any(_filled(args.get(key)) for key in ("text", "blocks", "attachments")):
        return Refusal(method, "no_text", (), args)
    limit = UPDATE_TEXT_MAX if method == "chat.update" else MESSAGE_TEXT_MAX
    if isinstance(text, str) and len(text) > limit:
        return Refusal(method, "msg_too_long", (f"[ERROR] text must be at most {limit} characters",), args)
    if _absent(args, "blocks"):
        return None
    blocks = json_argument(args["blocks"])
    if not isinstance(blocks, list):
        return Refusal(method, "invalid_blocks_format", ("[ERROR] blocks must be a JSON array",), args)
    problems = message_blocks_problems(blocks)
    return Refusal(method, "invalid_blocks", tuple(problems), args) if problems else None


def _view(method: str, args: dict[str, Any]) -> Refusal | None:
    view = json_argument(args["view"])
    if not isinstance(view, dict):
        return Refusal(method, "invalid_arguments", ("[ERROR] view must be a JSON object [json-pointer:/view]",), args)
    if len(json.dumps(view).encode()) > VIEW_BYTES_MAX:
        return Refusal(method, "view_too_large", (), args)
    problems = view_problems(view, VIEW_KINDS[method])
    return Refusal(method, "invalid_arguments", tuple(problems), args) if problems else None


def _conversation(method: str, args: dict[str, Any]) -> Refusal | None:
    if _filled(args.get("channel")):
        return None
    users = [u.strip() for u in str(args.get("users") or "").split(",") if u.strip()]
    if not users:
        return Refusal(method, "users_list_not_supplied", (), args)
    if len(users) > CONVERSATION_USERS_MAX:
        return Refusal(method, "too_many_users", (), args)
    if not all(USER_ID.match(u) for u in users):
        return Refusal(method, "user_not_found", (), args)
    return None


def _user(method: str, args: dict[str, Any]) -> Refusal | None:
    return None if USER_ID.match(str(args.get("user"))) else Refusal(method, "user_not_found", (), args)


def _publish(method: str, args: dict[str, Any]) -> Refusal | None:
    if not USER_ID.match(str(args.get("user_id"))):
        return Refusal(method, "invalid_arguments", ("[ERROR] invalid user_id [json-pointer:/user_id]",), args)
    return _view(method, args)


def _upload_url(method: str, args: dict[str, Any]) -> Refusal | None:
    length = str(args.get("length"))
    if not length.isdigit() or int(length) == 0:
        return Refusal(method, "missing_argument", ("[ERROR] length must be a positive whole number",), args)
    if not str(args.get("filename")).strip():
        return Refusal(method, "invalid_arguments", ("[ERROR] filename must not be empty",), args)
    return None


def _complete_upload(method: str, args: dict[str, Any]) -> Refusal | None:
    files = json_argument(args["files"])
    if not isinstance(files, list) or not files or not all(isinstance(f, dict) and f.get("id") for f in files):
        return Refusal(method, "invalid_arguments", ("[ERROR] files must be an array of {id, title}",), args)
    channel = args.get("channel_id")
    if channel is not None and not CHANNEL_ID.match(str(channel)):
        return Refusal(method, "channel_not_found", (), args)
    return None


CHECKS: dict[str, Callable[[str, dict[str, Any]], Refusal | None]] = {
    "chat.postMessage": _message,
    "chat.postEphemeral": _message,
    "chat.update": _message,
    "conversations.open": _conversation,
    "users.info": _user,
    "views.open": _view,
    "views.push": _view,
    "views.update": _view,
    "views.publish": _publish,
    "files.getUploadURLExternal": _upload_url,
    "files.completeUploadExternal": _complete_upload,
}


# What a view_submission's acknowledgement may ask of Slack.
RESPONSE_ACTIONS = ("errors", "update", "push", "clear")
# An acknowledgement's message lands where the person acted: it is checked as if posted there.
ACK_CHANNEL, ACK_USER = "C0ACKNOWLEDGE", "U0ACKNOWLEDGE"


def _input_block_ids(view: dict[str, Any] | None) -> set[str] | None:
    if view is None:
        return None
    blocks = view.get("blocks") or []
    return {str(b.get("block_id")) for b in blocks if isinstance(b, dict) and b.get("type") == "input"}


def _field_errors(errors: Any, view: dict[str, Any] | None) -> Refusal | None:
    """response_action "errors": a message per input block, each naming an input block of the submitted view."""
    if not isinstance(errors, dict) or not errors or not all(isinstance(v, str) and v for v in errors.values()):
        return Refusal("", "invalid_arguments", ("[ERROR] errors must map input block ids to messages",))
    known = _input_block_ids(view)
    unknown = sorted(set(errors) - known) if known is not None else []
    if unknown:
        return Refusal("", "invalid_arguments", tuple(f"[ERROR] no input block '{b}' in the view" for b in unknown))
    return None


def acknowledgement_refusal(kind: str, body: Any, view: dict[str, Any] | None = None) -> Refusal | None:
    """Why Slack would refuse what the app answered in an acknowledgement (the HTTP response to a request, or
    a Socket Mode ack's payload). `kind` is what was acknowledged ("slash_commands", "view_submission",
    "block_actions", ...); `view`, for a submission, is the submitted view as Slack holds it (None: unknown)."""
    if not isinstance(body, dict) or not body:
        return None
    action = body.get("response_action")
    refused: Refusal | None
    if action is None:
        if "blocks" not in body and "text" not in body:
            return None
        refused = _message("chat.postEphemeral", {**body, "channel": ACK_CHANNEL, "user": ACK_USER})
    elif kind != "view_submission" or action not in RESPONSE_ACTIONS:
        refused = Refusal("", "invalid_arguments", (f"[ERROR] response_action {action!r} is not allowed here",))
    elif action == "errors":
        refused = _field_errors(body.get("errors"), view)
    elif action == "clear":
        return None
    elif body.get("view") is None:
        refused = Refusal("", "invalid_arguments", ("[ERROR] missing required field: view",))
    else:
        refused = _view("views.open", body)
    return None if refused is None else Refusal(f"{kind} acknowledgement", refused.error, refused.messages, body)


def is_known(method: str) -> bool:
    return method in REQUIRED


def refusal(method: str, args: dict[str, Any]) -> Refusal | None:
    """Why Slack would refuse this call to a known method as it stands; None when the arguments are fine."""
    missing = _missing(method, args)
    if missing is not None:
        return missing
    check = CHECKS.get(method)
    return check(method, args) if check else None


class Triggers(dict[str, str]):
    """Trigger ids handed to the app with a person's action: trigger id -> that person's user id.

    Each one opens one view, within TRIGGER_LIFETIME seconds of being issued, measured on `clock` (the
    emulator's wall clock, never the bot's `now`, which the sandbox fast-forwards). Any way an id is put in
    (`issue`, or `triggers[id] = user`) starts its clock.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        super().__init__()
        self.clock = clock
        self._issued: dict[str, float] = {}
        self._spent: set[str] = set()
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    def __setitem__(self, trigger_id: str, user: str) -> None:
        with self._lock:
            super().__setitem__(trigger_id, user)
            self._issued[trigger_id] = self.clock()
            self._spent.discard(trigger_id)

    def issue(self, user: str) -> str:
        """A new trigger id in Slack's shape, as a click, a command or a submission brings one."""
        number = next(self._numbers)
        trigger_id = f"{number}.{int(time.time())}.{number * 2654435761 % 2**32:08x}"
        self[trigger_id] = user
        return trigger_id

    def clear(self) -> None:
        with self._lock:
            super().clear()
            self._issued.clear()
            self._spent.clear()

    def exchange(self, method: str, args: dict[str, Any], at: float) -> Refusal | None:
        """Uses the call's trigger id up; why Slack would refuse it instead, if it would."""
        trigger_id = str(args.get("trigger_id") or args.get("interactivity_pointer"))
        with self._lock:
            issued = self._issued.get(trigger_id)
            if issued is None:
                return Refusal(method, "invalid_trigger_id", (), args)
            if trigger_id in self._spent:
                return Refusal(method, "exchanged_trigger_id", (), args)
            if at - issued > TRIGGER_LIFETIME:
                age = f"[ERROR] trigger_id was issued {at - issued:.2f} s before this call"
                return Refusal(method, "expired_trigger_id", (age,), args)
            self._spent.add(trigger_id)
            return None
