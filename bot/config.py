"""Settings: one object, one name per setting, read from the environment and `.env`."""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlparse

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.storage.database import DatabaseTimeouts

SLACK_DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///mentor-bot.db"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


# The placeholders .env.example ships with: a value copied unchanged is a setting nobody filled in.
PLACEHOLDERS = {
    "SLACK_BOT_TOKEN": "xoxb-your-bot-token",
    "SLACK_SIGNING_SECRET": "your-signing-secret",
    "SLACK_APP_TOKEN": "xapp-your-app-token",
    "SLACK_CLIENT_ID": "your-client-id",
    "SLACK_CLIENT_SECRET": "your-client-secret",
}
# The bot scopes an OAuth install asks for: the same list as manifest.yml's.
BOT_SCOPES = (
    "commands",
    "chat:write",
    "chat:write.public",
    "im:write",
    "mpim:write",
    "users:read",
    "users:read.email",
    "files:write",
)


class ConfigError(Exception):
    """A setting is missing or invalid. The message names the variable and the fix."""


@dataclass(frozen=True)
class Settings:
    # Token mode: one workspace's bot token. Empty in OAuth mode, where each install brings its own.
    bot_token: str
    signing_secret: str
    app_token: str | None = None
    # OAuth mode: any number of workspaces install the app through /slack/install.
    client_id: str | None = None
    client_secret: str | None = None
    redirect_uri: str | None = None
    api_url: str = SLACK_DEFAULT_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    port: int = 3000
    program_owners: frozenset[str] = field(default_factory=frozenset)
    log_level: str = "INFO"
    tick_seconds: int = 60
    stats_min_group: int = 5
    database_timeouts: DatabaseTimeouts = field(default_factory=DatabaseTimeouts)

    @property
    def socket_mode(self) -> bool:
        return self.app_token is not None

    @property
    def oauth(self) -> bool:
        """Many workspaces, each with the token its install gave, rather than one SLACK_BOT_TOKEN."""
        return self.client_id is not None


def load_dotenv_file(path: str = ".env") -> None:
    """Load `.env` from the working directory; real environment variables win. A name left empty in
    `.env` stays unset, as it would be without the line (Bolt, for one, takes an empty
    SLACK_CLIENT_ID as a sign of OAuth mode)."""
    from dotenv import dotenv_values

    for name, value in dotenv_values(path).items():
        if value and name not in os.environ:
            os.environ[name] = value


def normalize_database_url(raw: str) -> str:
    """Accept the common spellings of a PostgreSQL URL and pin the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix) :]
    return raw


def _require(env: Mapping[str, str], name: str, prefix: str, fix: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ConfigError(f"{name} is not set: {fix}")
    _refuse_placeholder(name, value, fix)
    if prefix and not value.startswith(prefix):
        raise ConfigError(f"{name} must start with '{prefix}': {fix}")
    return value


def _refuse_placeholder(name: str, value: str, fix: str) -> None:
    if value == PLACEHOLDERS.get(name):
        raise ConfigError(f"{name} is still the placeholder from .env.example: replace it; {fix}")


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from a mapping (default: os.environ) or raise ConfigError."""
    env = os.environ if env is None else env

    client_id, client_secret, redirect_uri = _oauth_settings(env)
    if client_id is None:
        bot_token = _require(
            env, "SLACK_BOT_TOKEN", "xoxb-", "copy the Bot User OAuth Token from your app's 'OAuth & Permissions' page"
        )
    elif env.get("SLACK_BOT_TOKEN", "").strip():
        raise ConfigError(
            "SLACK_BOT_TOKEN is set alongside SLACK_CLIENT_ID: unset SLACK_BOT_TOKEN to serve every workspace "
            "that installs the app, or unset SLACK_CLIENT_ID and SLACK_CLIENT_SECRET to serve one workspace"
        )
    else:
        bot_token = ""
    app_token = env.get("SLACK_APP_TOKEN", "").strip() or None
    if app_token is not None:
        _refuse_placeholder(
            "SLACK_APP_TOKEN",
            app_token,
            "create an app-level token with the connections:write scope (Basic Information → App-Level Tokens), "
            "or leave it empty to run in HTTP mode",
        )
    if app_token is not None and client_id is not None:
        raise ConfigError(
            "SLACK_APP_TOKEN is set alongside SLACK_CLIENT_ID: installs need HTTP mode for /slack/install, "
            "so unset SLACK_APP_TOKEN (or unset SLACK_CLIENT_ID to use Socket Mode with one workspace)"
        )
    if app_token is not None and not app_token.startswith("xapp-"):
        raise ConfigError(
            "SLACK_APP_TOKEN must start with 'xapp-': create an app-level token with the "
            "connections:write scope, or unset it to run in HTTP mode"
        )
    signing_secret = env.get("SLACK_SIGNING_SECRET", "").strip()
    if signing_secret:
        _refuse_placeholder(
            "SLACK_SIGNING_SECRET", signing_secret, "copy the Signing Secret from your app's 'Basic Information' page"
        )
    if not signing_secret and app_token is None:
        raise ConfigError(
            "SLACK_SIGNING_SECRET is not set: copy the Signing Secret from your app's 'Basic Information' "
            "page (HTTP mode needs it to verify requests)"
        )

    api_url = env.get("SLACK_API_URL", "").strip() or SLACK_DEFAULT_API_URL
    parsed = urlparse(api_url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(f"SLACK_API_URL must be an http(s) URL such as {SLACK_DEFAULT_API_URL}, got {api_url!r}")
    if not api_url.endswith("/"):
        api_url += "/"

    database_url = normalize_database_url(env.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL)
    try:
        backend = make_url(database_url).get_backend_name()
    except ArgumentError:
        raise ConfigError(
            "DATABASE_URL is not a database URL: use sqlite:///mentor-bot.db or "
            "postgresql+psycopg://user:password@host:5432/dbname"
        ) from None
    if backend not in ("sqlite", "postgresql"):
        raise ConfigError(f"DATABASE_URL uses {backend!r}: mentor-bot supports sqlite and postgresql URLs")

    port = _int_setting(env, "PORT", 3000, 1, 65535)
    tick_seconds = _int_setting(env, "MENTOR_TICK_SECONDS", 60, 5, 86400)
    stats_min_group = _int_setting(env, "MENTOR_STATS_MIN_GROUP", 5, 1, 1000)

    defaults = DatabaseTimeouts()
    database_timeouts = DatabaseTimeouts(
        connect=_seconds_setting(env, "DATABASE_CONNECT_TIMEOUT", defaults.connect, 1, 300),
        statement=_seconds_setting(env, "DATABASE_STATEMENT_TIMEOUT", defaults.statement, 1, 86400),
        pool=_seconds_setting(env, "DATABASE_POOL_TIMEOUT", defaults.pool, 0.1, 300),
        startup=_seconds_setting(env, "DATABASE_STARTUP_TIMEOUT", defaults.startup, 1, 3600),
    )

    owners = frozenset(part.strip() for part in env.get("MENTOR_PROGRAM_OWNERS", "").split(",") if part.strip())
    bad = sorted(o for o in owners if o[:1] not in ("U", "W") or not o.isalnum())
    if bad:
        raise ConfigError(
            f"MENTOR_PROGRAM_OWNERS has {bad[0]!r}, which is not a Slack user ID: "
            "list IDs such as U012AB3CD, separated by commas"
        )

    log_level = (env.get("LOG_LEVEL", "").strip() or "INFO").upper()
    if log_level not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {log_level!r}")

    return Settings(
        bot_token=bot_token,
        signing_secret=signing_secret,
        app_token=app_token,
        client_id=client_id,
        client_secret=client_secret,
        redirect_uri=redirect_uri,
        api_url=api_url,
        database_url=database_url,
        port=port,
        program_owners=owners,
        log_level=log_level,
        tick_seconds=tick_seconds,
        stats_min_group=stats_min_group,
        database_timeouts=database_timeouts,
    )


def _oauth_settings(env: Mapping[str, str]) -> tuple[str | None, str | None, str | None]:
    """SLACK_CLIENT_ID and SLACK_CLIENT_SECRET together turn on OAuth installs; one without the other is a mistake."""
    where = "from your app's 'Basic Information' page (App Credentials)"
    client_id = env.get("SLACK_CLIENT_ID", "").strip() or None
    client_secret = env.get("SLACK_CLIENT_SECRET", "").strip() or None
    if client_id is None and client_secret is None:
        return None, None, None
    if client_id is None:
        raise ConfigError(f"SLACK_CLIENT_ID is not set but SLACK_CLIENT_SECRET is: copy the Client ID {where}")
    if client_secret is None:
        raise ConfigError(f"SLACK_CLIENT_SECRET is not set but SLACK_CLIENT_ID is: copy the Client Secret {where}")
    _refuse_placeholder("SLACK_CLIENT_ID", client_id, f"copy the Client ID {where}")
    _refuse_placeholder("SLACK_CLIENT_SECRET", client_secret, f"copy the Client Secret {where}")
    redirect_uri = env.get("SLACK_REDIRECT_URI", "").strip() or None
    if redirect_uri is not None:
        parsed = urlparse(redirect_uri)
        if (
            parsed.scheme not in ("http", "https")
            or not parsed.netloc
            or not parsed.path.endswith("/slack/oauth_redirect")
        ):
            raise ConfigError(
                "SLACK_REDIRECT_URI must be this bot's public https URL ending in /slack/oauth_redirect, "
                f"as listed under Redirect URLs on your app's 'OAuth & Permissions' page; got {redirect_uri!r}"
            )
    return client_id, client_secret, redirect_uri


def _int_setting(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number from {low} to {high}, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be a whole number from {low} to {high}, got {value}")
    return value


def _seconds_setting(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not low <= value <= high:  # also refuses nan and inf
        raise ConfigError(f"{name} must be a number of seconds from {low:g} to {high:g}, got {raw!r}")
    return value


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level, logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Alembic and APScheduler narrate every plugin and every tick at INFO; keep that for DEBUG runs.
    if level != "DEBUG":
        for chatty in ("alembic", "apscheduler"):
            logging.getLogger(chatty).setLevel(logging.WARNING)
    # At DEBUG, slack_sdk and Bolt log whole request and response bodies: goals, notes, feedback.
    # Private text never reaches a log, at any level.
    for verbose in ("slack_sdk", "slack_bolt"):
        logging.getLogger(verbose).setLevel(max(logging.INFO, logging.getLogger(verbose).level))
