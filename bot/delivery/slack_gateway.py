"""The one door out to the Slack Web API: retries, rate limits and error classification live here."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

log = logging.getLogger(__name__)

# Errors that will never succeed on retry: the person or conversation is gone or unreachable.
UNREACHABLE_ERRORS = frozenset(
    {
        "user_not_found",
        "users_not_found",
        "account_inactive",
        "cannot_dm_bot",
        "user_disabled",
        "channel_not_found",
        "is_archived",
        "not_in_channel",
        "user_is_restricted",
        "user_is_ultra_restricted",
        "team_access_not_granted",
    }
)


def retry_after_seconds(headers: dict[str, Any] | None) -> float | None:
    for name, value in (headers or {}).items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) else value
            try:
                return max(0.0, float(raw))
            except (TypeError, ValueError):
                return None
    return None


# How retry handlers wait: time.sleep in production; tests hand in a recorder and wait zero seconds.
Sleep = Callable[[float], None]


class _InjectedSleep(RetryHandler):
    """Waits between attempts through `sleep` instead of calling time.sleep directly."""

    def __init__(self, *args: Any, sleep: Sleep = time.sleep, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.sleep = sleep

    def wait_seconds(self, state: RetryState, response: HttpResponse | None) -> float:
        return self.interval_calculator.calculate_sleep_duration(state.current_attempt)

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        self.sleep(self.wait_seconds(state, response))
        state.increment_current_attempt()


class QuickConnectionRetryHandler(_InjectedSleep, ConnectionErrorRetryHandler):
    """slack_sdk's connection-error retry, waiting through `sleep`."""


class QuickServerErrorRetryHandler(_InjectedSleep, ServerErrorRetryHandler):
    """slack_sdk's 500/503 retry, waiting through `sleep`."""


class BoundedRateLimitRetryHandler(_InjectedSleep, RateLimitErrorRetryHandler):
    """Waits out a 429's Retry-After in place only when it is short.

    A longer wait is handed back to the caller as a SlackFailure carrying Retry-After, so the
    delivery is rescheduled instead of holding a request thread (and every send behind it).
    """

    def __init__(self, max_retry_count: int = 2, max_wait_seconds: float = 3.0, sleep: Sleep = time.sleep):
        super().__init__(max_retry_count=max_retry_count, sleep=sleep)
        self.max_wait_seconds = max_wait_seconds

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if not super()._can_retry(state=state, request=request, response=response, error=error):
            return False
        wait = retry_after_seconds(dict(response.headers)) if response is not None else None
        return wait is None or wait <= self.max_wait_seconds

    def wait_seconds(self, state: RetryState, response: HttpResponse | None) -> float:
        wait = retry_after_seconds(dict(response.headers)) if response is not None else None
        # Retry-After plus up to a second of jitter, as slack_sdk does, so clients do not retry in step.
        return (1.0 if wait is None else wait) + random.random()


def default_retry_handlers(max_rate_limit_wait: float = 3.0, sleep: Sleep = time.sleep) -> list[RetryHandler]:
    # One quick retry smooths over a blip; longer outages are the outbox's job (it backs off for hours).
    quick = BackoffRetryIntervalCalculator(backoff_factor=0.2)
    return [
        QuickConnectionRetryHandler(max_retry_count=1, interval_calculator=quick, sleep=sleep),
        BoundedRateLimitRetryHandler(max_retry_count=2, max_wait_seconds=max_rate_limit_wait, sleep=sleep),
        QuickServerErrorRetryHandler(max_retry_count=1, interval_calculator=quick, sleep=sleep),
    ]


def make_web_client(token: str, api_url: str, max_rate_limit_wait: float = 3.0, sleep: Sleep = time.sleep) -> WebClient:
    return WebClient(
        token=token,
        base_url=api_url,
        timeout=15,
        retry_handlers=default_retry_handlers(max_rate_limit_wait, sleep),
    )


class SlackFailure(Exception):
    """A Slack call failed. `permanent` means retrying cannot help; `retry_after` is Slack's hint."""

    def __init__(self, error: str, permanent: bool, retry_after: float | None = None):
        super().__init__(error)
        self.error = error
        self.permanent = permanent
        self.retry_after = retry_after


@dataclass(frozen=True)
class Posted:
    channel: str
    ts: str


class SlackGateway:
    def __init__(self, client: WebClient):
        self.client = client

    def _call(self, method: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = getattr(self.client, method)(**kwargs)
        except SlackApiError as exc:
            status = exc.response.status_code
            error = str(exc.response.get("error") or f"http_{status}")
            retry_after = retry_after_seconds(dict(exc.response.headers or {}))
            transient = status == 429 or status >= 500 or error in ("ratelimited", "internal_error", "fatal_error")
            raise SlackFailure(error, permanent=not transient, retry_after=retry_after) from exc
        except (SlackClientError, OSError) as exc:
            raise SlackFailure(f"connection: {exc}", permanent=False) from exc
        return dict(response.data) if isinstance(response.data, dict) else {}

    def post_message(self, channel: str, text: str, blocks: list[dict[str, Any]] | None = None) -> Posted:
        data = self._call("chat_postMessage", channel=channel, text=text, blocks=blocks, unfurl_links=False)
        return Posted(channel=str(data.get("channel") or channel), ts=str(data.get("ts") or ""))

    def update_message(self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
        self._call("chat_update", channel=channel, ts=ts, text=text, blocks=blocks or [])

    def post_ephemeral(self, channel: str, user: str, text: str) -> None:
        self._call("chat_postEphemeral", channel=channel, user=user, text=text)

    def open_view(self, trigger_id: str, view: dict[str, Any]) -> None:
        self._call("views_open", trigger_id=trigger_id, view=view)

    def upload_png(self, channel: str, png: bytes, filename: str, title: str) -> None:
        self._call("files_upload_v2", channel=channel, file=png, filename=filename, title=title)

    def lookup_email(self, email: str) -> dict[str, Any]:
        data = self._call("users_lookupByEmail", email=email)
        user = data.get("user")
        return user if isinstance(user, dict) else {}

    def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        self._call("views_publish", user_id=user_id, view=view)

    def open_conversation(self, user_ids: list[str]) -> str:
        data = self._call("conversations_open", users=",".join(user_ids))
        channel = data.get("channel") or {}
        channel_id = channel.get("id") if isinstance(channel, dict) else None
        if not channel_id:
            raise SlackFailure("conversations.open returned no channel", permanent=False)
        return str(channel_id)

    def user_info(self, user_id: str) -> dict[str, Any]:
        data = self._call("users_info", user=user_id)
        user = data.get("user")
        return user if isinstance(user, dict) else {}

    def auth_test(self) -> dict[str, Any]:
        return self._call("auth_test")

    def tell(self, user_id: str, text: str, channel: str | None = None) -> None:
        """Best-effort private note to one person: ephemeral where they are, else a DM."""
        try:
            if channel:
                self.post_ephemeral(channel, user_id, text)
            else:
                self.post_message(user_id, text)
        except SlackFailure as exc:
            log.warning("could not tell %s (%s): %s", user_id, exc.error, text)
