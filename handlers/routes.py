"""Listeners of one kind of payload, found by id in a table, behind one Bolt listener.

Bolt asks its listeners in turn whether a request is theirs, and builds every argument a listener
could take for each one it asks: with a listener per button, a form submission was asked about forty
times before its own was found. A table answers with one dict lookup (then the few patterns), and
the one Bolt listener in front of it calls what it found with the arguments that listener names.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext

Listener = Callable[..., None]
# What a routed listener may name, as Bolt would pass it.
ARGUMENTS = ("ack", "body", "context", "view")


class Routes:
    """The listeners of one kind of payload (clicks, or form submissions), by the id `id_of` reads."""

    def __init__(self, id_of: Callable[[dict[str, Any]], str], fallback: Listener) -> None:
        self._id_of = id_of
        self._exact: dict[str, tuple[Listener, tuple[str, ...]]] = {}
        self._patterns: list[tuple[re.Pattern[str], tuple[Listener, tuple[str, ...]]]] = []
        self._fallback = _named(fallback)

    def on(self, key: str | re.Pattern[str]) -> Callable[[Listener], Listener]:
        """Registers a listener for an id, or for every id matching a pattern: `routes.on(ID)(listener)`."""

        def add(listener: Listener) -> Listener:
            route = _named(listener)
            if isinstance(key, str):
                if key in self._exact:
                    raise ValueError(f"{key!r} is routed twice")
                self._exact[key] = route
            else:
                self._patterns.append((key, route))
            return listener

        return add

    def find(self, body: dict[str, Any]) -> Listener:
        return self._find(body)[0]

    def _find(self, body: dict[str, Any]) -> tuple[Listener, tuple[str, ...]]:
        key = self._id_of(body)
        route = self._exact.get(key)
        if route is not None:
            return route
        for pattern, route in self._patterns:
            if pattern.search(key):
                return route
        return self._fallback

    def listener(self) -> Listener:
        """The one Bolt listener in front of this table."""

        def route(ack: Ack, body: dict[str, Any], context: BoltContext, view: dict[str, Any] | None) -> None:
            listener, names = self._find(body)
            given = {"ack": ack, "body": body, "context": context, "view": view}
            listener(**{name: given[name] for name in names})

        return route


def _named(listener: Listener) -> tuple[Listener, tuple[str, ...]]:
    names = tuple(inspect.signature(listener).parameters)
    unknown = set(names) - set(ARGUMENTS)
    if unknown:
        raise TypeError(f"{listener.__qualname__} names {sorted(unknown)}; a routed listener may name {ARGUMENTS}")
    return listener, names


def action_id(body: dict[str, Any]) -> str:
    """The clicked element's id; "" (the fallback's) for a payload without one, such as a legacy
    attachment's click, which Bolt also hands to action listeners (the gate refuses it over HTTP)."""
    actions = body.get("actions")
    found = (
        actions[0].get("action_id") if isinstance(actions, list) and actions and isinstance(actions[0], dict) else None
    )
    return found if isinstance(found, str) else ""


def callback_id(body: dict[str, Any]) -> str:
    """The submitted form's id, or "" (the fallback's)."""
    view = body.get("view")
    found = view.get("callback_id") if isinstance(view, dict) else None
    return found if isinstance(found, str) else ""
