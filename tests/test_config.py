"""Settings: a value copied unchanged from .env.example is refused with one line naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings

ROOT = Path(__file__).resolve().parent.parent


def example_env() -> dict[str, str]:
    """.env.example as a new user would copy it, before filling anything in."""
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def test_the_example_file_unchanged_is_refused_at_the_first_placeholder():
    with pytest.raises(ConfigError) as refused:
        load_settings(example_env())
    message = str(refused.value)
    assert message.startswith("SLACK_BOT_TOKEN is still the placeholder from .env.example")
    assert "\n" not in message and "OAuth & Permissions" in message


@pytest.mark.parametrize(
    ("name", "fix"),
    [("SLACK_SIGNING_SECRET", "Basic Information"), ("SLACK_APP_TOKEN", "App-Level Tokens")],
)
def test_each_placeholder_is_named_with_its_fix(name, fix):
    env = {
        **example_env(),
        "SLACK_BOT_TOKEN": "xoxb-1-2-real",
        "SLACK_SIGNING_SECRET": "0123abcd",
        "SLACK_APP_TOKEN": "xapp-1-A1-real",
    }
    env[name] = example_env()[name]
    with pytest.raises(ConfigError, match=f"^{name} is still the placeholder from .env.example") as refused:
        load_settings(env)
    assert fix in str(refused.value)


def test_the_example_file_filled_in_starts_in_socket_mode_as_the_manifest_says():
    import yaml

    env = {
        **example_env(),
        "SLACK_BOT_TOKEN": "xoxb-1-2-real",
        "SLACK_SIGNING_SECRET": "0123abcd",
        "SLACK_APP_TOKEN": "xapp-1-A1-real",
    }
    settings = load_settings(env)
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    assert settings.socket_mode is manifest["settings"]["socket_mode_enabled"] is True


def test_database_timeouts_have_documented_defaults_and_can_be_set():
    from bot.storage.database import DatabaseTimeouts

    filled = {**example_env(), "SLACK_BOT_TOKEN": "xoxb-1-2-real", "SLACK_SIGNING_SECRET": "0123abcd"}
    filled.pop("SLACK_APP_TOKEN")
    assert load_settings(filled).database_timeouts == DatabaseTimeouts()  # the example states the defaults
    assert load_settings({k: v for k, v in filled.items() if not k.startswith("DATABASE_")}).database_timeouts == (
        DatabaseTimeouts()
    )
    chosen = load_settings({**filled, "DATABASE_STATEMENT_TIMEOUT": "1.5", "DATABASE_STARTUP_TIMEOUT": "60"})
    assert (chosen.database_timeouts.statement, chosen.database_timeouts.startup) == (1.5, 60)


@pytest.mark.parametrize("raw", ["0", "-1", "soon", "inf", "nan", "1e9"])
@pytest.mark.parametrize(
    "name",
    ["DATABASE_CONNECT_TIMEOUT", "DATABASE_STATEMENT_TIMEOUT", "DATABASE_POOL_TIMEOUT", "DATABASE_STARTUP_TIMEOUT"],
)
def test_a_bad_database_timeout_is_refused_in_one_line_naming_it(name, raw):
    env = {"SLACK_BOT_TOKEN": "xoxb-1-2-real", "SLACK_SIGNING_SECRET": "0123abcd", name: raw}
    with pytest.raises(ConfigError, match=f"^{name} must be a number of seconds") as refused:
        load_settings(env)
    assert "\n" not in str(refused.value)


def oauth_env(**changes: str) -> dict[str, str]:
    env = {
        "SLACK_CLIENT_ID": "1111.2222",
        "SLACK_CLIENT_SECRET": "0123456789abcdef",
        "SLACK_SIGNING_SECRET": "0123abcd",
    }
    env.update(changes)
    return {k: v for k, v in env.items() if v != ""}


def test_client_id_and_secret_turn_on_oauth_mode_without_a_bot_token():
    settings = load_settings(oauth_env(SLACK_REDIRECT_URI="https://bot.example.com/slack/oauth_redirect"))
    assert settings.oauth and not settings.socket_mode and settings.bot_token == ""
    assert settings.redirect_uri == "https://bot.example.com/slack/oauth_redirect"
    assert not load_settings({"SLACK_BOT_TOKEN": "xoxb-1-2-real", "SLACK_SIGNING_SECRET": "x"}).oauth


@pytest.mark.parametrize(
    ("changes", "starts"),
    [
        ({"SLACK_CLIENT_SECRET": ""}, "SLACK_CLIENT_SECRET is not set but SLACK_CLIENT_ID is"),
        ({"SLACK_CLIENT_ID": ""}, "SLACK_CLIENT_ID is not set but SLACK_CLIENT_SECRET is"),
        ({"SLACK_BOT_TOKEN": "xoxb-1-2-real"}, "SLACK_BOT_TOKEN is set alongside SLACK_CLIENT_ID"),
        ({"SLACK_APP_TOKEN": "xapp-1-real"}, "SLACK_APP_TOKEN is set alongside SLACK_CLIENT_ID"),
        ({"SLACK_SIGNING_SECRET": ""}, "SLACK_SIGNING_SECRET is not set"),
        ({"SLACK_CLIENT_ID": "your-client-id"}, "SLACK_CLIENT_ID is still the placeholder"),
        ({"SLACK_REDIRECT_URI": "https://bot.example.com/callback"}, "SLACK_REDIRECT_URI must be"),
    ],
)
def test_oauth_settings_that_cannot_work_are_refused_in_one_line(changes, starts):
    with pytest.raises(ConfigError) as refused:
        load_settings(oauth_env(**changes))
    assert str(refused.value).startswith(starts) and "\n" not in str(refused.value)


def test_the_example_file_documents_oauth_mode_with_empty_values():
    env = example_env()
    assert env["SLACK_CLIENT_ID"] == "" and env["SLACK_CLIENT_SECRET"] == "" and env["SLACK_REDIRECT_URI"] == ""
