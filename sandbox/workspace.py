"""The emulator as a workspace people can look at: conversations, App Homes, open modals and files."""

from __future__ import annotations

import copy
import json
import threading
from dataclasses import dataclass, field
from typing import Any

from sandbox.emulator import BOT_USER, FakeSlack

STATS_CHANNEL = "C0STATS001"
GENERAL_CHANNEL = "C0GENERAL1"


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    user: str = BOT_USER
    # An ephemeral message is seen by this one person only.
    only_for: str | None = None
    file: str | None = None  # an uploaded file's id: its bytes are served under /files/<id>
    title: str | None = None


@dataclass(frozen=True)
class Shown:
    """A message with buttons, as the people in its conversation see it."""

    channel: str
    ts: str
    text: str  # the message's text and its sections' text, mentions included
    members: tuple[str, ...]
    buttons: dict[str, dict[str, Any]]  # action id → the button, with its block id


@dataclass
class Conversation:
    id: str
    name: str
    members: list[str]
    messages: list[Message] = field(default_factory=list)


def _parsed(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


class Workspace(FakeSlack):
    """The Web API with memory: what the bot posted, where, and what each person has open."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.state_lock = threading.RLock()
        self.conversations: dict[str, Conversation] = {}
        self.homes: dict[str, dict[str, Any]] = {}
        self.stacks: dict[str, list[dict[str, Any]]] = {}  # user -> open modals, the top one last
        self.triggers: dict[str, str] = {}  # trigger id -> the user whose action made it
        self.titles: dict[str, str] = {}  # user -> job title, for the people list
        for channel, name in ((STATS_CHANNEL, "mentoring-stats"), (GENERAL_CHANNEL, "general")):
            self.conversations[channel] = Conversation(channel, name, [])

    # --- who sees what --------------------------------------------------------------------

    def conversation(self, channel: str, members: list[str] | None = None) -> Conversation:
        with self.state_lock:
            if channel not in self.conversations:
                self.conversations[channel] = Conversation(channel, channel, sorted(members or []))
            return self.conversations[channel]

    def seen_by(self, user: str) -> list[Conversation]:
        with self.state_lock:
            return [c for c in self.conversations.values() if not c.members or user in c.members]

    def add_message(self, message: Message, at: int | None = None) -> None:
        """Adds a message at the end of its conversation, or at position `at`."""
        with self.state_lock:
            messages = self.conversation(message.channel).messages
            messages.insert(len(messages) if at is None else at, message)

    def with_buttons(self, channel: str | None = None) -> list[Shown]:
        """Every message that has buttons (in `channel`, or anywhere), oldest first in each conversation."""
        found = []
        with self.state_lock:
            for c in self.conversations.values():
                if channel is not None and c.id != channel:
                    continue
                for m in c.messages:
                    buttons = {
                        e["action_id"]: {**e, "block_id": b.get("block_id", "")}
                        for b in m.blocks
                        if b.get("type") == "actions"
                        for e in b.get("elements", [])
                        if e.get("type") == "button"
                    }
                    if buttons and m.only_for is None:
                        texts = [m.text, *(str((b.get("text") or {}).get("text", "")) for b in m.blocks)]
                        found.append(Shown(c.id, m.ts, "\n".join(texts), tuple(c.members), buttons))
        return found

    def clear(self) -> None:
        with self.state_lock:
            for conversation in self.conversations.values():
                conversation.messages.clear()
            self.conversations = {k: v for k, v in self.conversations.items() if k.startswith("C")}
            self.homes.clear()
            self.stacks.clear()
            self.triggers.clear()
            self.reset_calls()

    def name_of(self, user: str) -> str:
        if user == BOT_USER:
            return "Mentor Bot"
        found = self.users.get(user)
        return str(found["real_name"]) if found else user

    # --- methods with memory --------------------------------------------------------------

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        users = sorted(u for u in str(args.get("users", "")).split(",") if u)
        if len(users) != 1:
            answer = super()._conversations_open(args)
            if answer.get("ok"):
                channel = answer["channel"]["id"]
                self.conversation(channel, users).name = ", ".join(self.name_of(u) for u in users)
            return answer
        # One person: the same DM channel chat.postMessage to their user id lands in.
        channel = "D" + users[0][1:]
        self.conversation(channel, users).name = "Mentor Bot"
        return {"ok": True, "channel": {"id": channel}}

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        to = str(args.get("channel", ""))
        answer = super()._chat_postMessage(args)
        if answer.get("ok"):
            if to.startswith(("U", "W")):
                self.conversation(answer["channel"], [to]).name = "Mentor Bot"
            blocks = _parsed(args.get("blocks")) or []
            self.add_message(Message(answer["channel"], answer["ts"], str(args.get("text") or ""), blocks))
        return answer

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        with self.state_lock:
            conversation = self.conversations.get(str(args.get("channel")))
            for message in conversation.messages if conversation else []:
                if message.ts == args.get("ts"):
                    message.text = str(args.get("text") or message.text)
                    message.blocks = _parsed(args.get("blocks")) or []
        return super()._chat_update(args)

    def _chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        answer = super()._chat_postEphemeral(args)
        blocks = _parsed(args.get("blocks")) or []
        self.add_message(
            Message(
                str(args.get("channel")),
                answer["message_ts"],
                str(args.get("text") or ""),
                blocks,
                only_for=args.get("user"),
            )
        )
        return answer

    def _files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        answer = super()._files_completeUploadExternal(args)
        channel = str(args.get("channel_id") or "")
        for file in answer.get("files", []):
            ts = f"1700000000.{next(self._ts):06d}"
            self.add_message(Message(channel, ts, "", [], file=file["id"], title=file.get("title")))
        return answer

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        answer = super()._views_open(args)
        user = self.triggers.get(str(args.get("trigger_id")))
        if user and answer.get("ok"):
            with self.state_lock:
                self.stacks[user] = [copy.deepcopy(answer["view"])]
        return answer

    def _views_push(self, args: dict[str, Any]) -> dict[str, Any]:
        answer = super()._views_open(args)
        user = self.triggers.get(str(args.get("trigger_id")))
        if user and answer.get("ok"):
            with self.state_lock:
                self.stacks.setdefault(user, []).append(copy.deepcopy(answer["view"]))
        return answer

    def _views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view = dict(_parsed(args.get("view")) or {})
        view_id = args.get("view_id")
        with self.state_lock:
            for stack in self.stacks.values():
                for i, shown in enumerate(stack):
                    if shown["id"] == view_id or (
                        args.get("external_id") and shown.get("external_id") == args.get("external_id")
                    ):
                        stack[i] = {**view, "id": shown["id"], "hash": shown["hash"], "state": {"values": {}}}
                        return {"ok": True, "view": stack[i]}
        return {"ok": False, "error": "not_found"}

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        answer = super()._views_open(args)
        if answer.get("ok"):
            with self.state_lock:
                self.homes[str(args.get("user_id"))] = answer["view"]
        return answer
