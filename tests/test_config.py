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
