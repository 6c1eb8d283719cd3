"""The one door out to the Slack Web API: retries, rate limits and error classification live here."""

from __future__ import annotations

import email.utils
import logging
import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
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

# The workspace's token itself is refused (revoked, suspended, expired, not granted, short of a scope):
# every call fails alike until someone repairs the app's installation. That is an outage of the whole
# workspace, never a sign that a person left, and nothing sent meanwhile should be given up.
TOKEN_ERRORS = frozenset(
    {
        "account_inactive",
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "token_expired",
        "team_access_not_granted",
        "org_login_required",
        "ekm_access_denied",
        "missing_scope",
        "not_allowed_token_type",
        "no_permission",
        "team_added_to_org",
        "accesslimited",
        # Ours, not Slack's: the app has no install (or no longer has one) in that workspace.
        "app_not_installed",
    }
)
APP_NOT_INSTALLED = "app_not_installed"

# Errors that name one person: they are gone, or cannot be written to by this app.
USER_ERRORS = frozenset(
    {
        "user_not_found",
        "users_not_found",
        "cannot_dm_bot",
        "user_disabled",
        "user_is_restricted",
        "user_is_ultra_restricted",
    }
)

# Errors about a conversation: for a person's own DM it is that person who is gone; for a group DM,
# asking Slack about each member says who.
CHANNEL_ERRORS = frozenset({"channel_not_found", "is_archived", "not_in_channel"})

# Errors that will never succeed on retry because someone, or their conversation, is gone.
UNREACHABLE_ERRORS = USER_ERRORS | CHANNEL_ERRORS

# Slack's Retry-After is trusted only within these bounds: a value outside them is a broken header,
# and waiting it out literally would either hammer Slack or stop a workspace's messages for years.
MIN_RETRY_AFTER = 1.0
MAX_RETRY_AFTER = 15 * 60.0
# What a Retry-After that says nothing readable (empty, "nan", garbage) is taken to mean.
DEFAULT_RETRY_AFTER = 30.0


def clamp_retry_after(seconds: float) -> float:
    """A wait Slack asked for, held within MIN_RETRY_AFTER..MAX_RETRY_AFTER (NaN: the default)."""
    if math.isnan(seconds):
        return DEFAULT_RETRY_AFTER
    return min(max(seconds, MIN_RETRY_AFTER), MAX_RETRY_AFTER)


def _retry_after_value(raw: Any, now: float) -> float:
    text = str(raw).strip()
    try:
        return clamp_retry_after(float(text))
    except ValueError:
        pass
    try:
        # RFC 9110 also allows an HTTP date.
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return DEFAULT_RETRY_AFTER
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return clamp_retry_after(when.timestamp() - now)


def retry_after_seconds(headers: dict[str, Any] | None, now: float | None = None) -> float | None:
    """Slack's Retry-After in seconds, always within MIN_RETRY_AFTER..MAX_RETRY_AFTER; None if absent.

    `now` (seconds since the epoch) is what an HTTP-date value is measured from.
    """
    for name, value in (headers or {}).items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) and value else value
            return _retry_after_value(raw, time.time() if now is None else now)
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
        return self._wait(response) <= self.max_wait_seconds

    def wait_seconds(self, state: RetryState, response: HttpResponse | None) -> float:
        # Retry-After plus up to a second of jitter, as slack_sdk does, so clients do not retry in step.
        return self._wait(response) + random.random()

    @staticmethod
    def _wait(response: HttpResponse | None) -> float:
        wait = retry_after_seconds(dict(response.headers)) if response is not None else None
        return DEFAULT_RETRY_AFTER if wait is None else wait


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
        token=token or None,
        base_url=api_url,
        timeout=15,
        retry_handlers=default_retry_handlers(max_rate_limit_wait, sleep),
    )


class SlackFailure(Exception):
    """A Slack call failed. `permanent` means retrying the same call cannot help; `retry_after` is
    Slack's hint, held within MIN_RETRY_AFTER..MAX_RETRY_AFTER."""

    def __init__(self, error: str, permanent: bool, retry_after: float | None = None):
        super().__init__(error)
        self.error = error
        self.permanent = permanent
        self.retry_after = None if retry_after is None else clamp_retry_after(retry_after)

    @property
    def token_refused(self) -> bool:
        """Slack refused the workspace's token itself: no call to that workspace can work for now."""
        return self.error in TOKEN_ERRORS


@dataclass(frozen=True)
class Posted:
    channel: str
    ts: str


class SlackGateway:
    """Web API calls for one workspace, through `client` (None: the app is not installed there)."""

    def __init__(self, client: WebClient | None):
        self.client = client

    def _call(self, method: str, **kwargs: Any) -> dict[str, Any]:
        if self.client is None:
            raise SlackFailure(APP_NOT_INSTALLED, permanent=False)
        try:
            response = getattr(self.client, method)(**kwargs)
        except SlackApiError as exc:
            status = exc.response.status_code
            error = str(exc.response.get("error") or f"http_{status}")
            retry_after = retry_after_seconds(dict(exc.response.headers or {}))
            if retry_after is None and (status == 429 or error == "ratelimited"):
                retry_after = DEFAULT_RETRY_AFTER
            transient = status == 429 or status >= 500 or error in ("ratelimited", "internal_error", "fatal_error")
            raise SlackFailure(error, permanent=not transient, retry_after=retry_after) from exc
        except (SlackClientError, OSError) as exc:
            raise SlackFailure(f"connection: {exc}", permanent=False) from exc
        except ValueError as exc:  # an answer that is not the JSON Slack sends
            raise SlackFailure(f"unreadable answer: {type(exc).__name__}", permanent=False) from exc
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
            # The note itself stays out of the log: it may quote what someone wrote.
            log.warning("could not tell %s a note (%s)", user_id, exc.error)


class Gateways:
    """A SlackGateway for each workspace, speaking with that workspace's bot token (`token_for`).

    Clients are made by `make_client` and kept per token, so connections are reused; a workspace
    with no token gets a gateway whose every call fails as a token outage (APP_NOT_INSTALLED)."""

    def __init__(self, token_for: Callable[[str], str | None], make_client: Callable[[str], WebClient]):
        self.token_for = token_for
        self.make_client = make_client
        self._lock = threading.Lock()
        self._clients: dict[str, SlackGateway] = {}

    @classmethod
    def one(cls, client: WebClient) -> Gateways:
        """Every workspace through the one client given (its token's workspace, in token mode)."""
        gateways = cls(lambda _team: client.token, lambda _token: client)
        return gateways

    def to(self, team_id: str) -> SlackGateway:
        token = self.token_for(team_id)
        if not token:
            return SlackGateway(None)
        with self._lock:
            gateway = self._clients.get(token)
            if gateway is None:
                gateway = self._clients[token] = SlackGateway(self.make_client(token))
            return gateway
