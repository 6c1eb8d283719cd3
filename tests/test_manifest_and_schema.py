"""The app manifest validates against Slack's schema; the migrations match the models."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from bot.config import BOT_SCOPES
from bot.storage.database import make_engine, migrate
from bot.storage.models import Base

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT.parent / "shared" / "specs" / "slack-app-manifest.schema.v1.json"


def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


@pytest.mark.skipif(not SCHEMA.exists(), reason=f"Slack's manifest schema is not at {SCHEMA}")
def test_manifest_validates_against_slacks_schema():
    jsonschema.validate(manifest(), json.loads(SCHEMA.read_text()))


def test_manifest_declares_what_the_bot_uses():
    m = manifest()
    [command] = m["features"]["slash_commands"]
    assert command["command"] == "/mentor" and "request" in command["usage_hint"]
    assert m["features"]["bot_user"]["display_name"]
    assert m["settings"]["interactivity"]["is_enabled"] is True
    assert m["settings"]["event_subscriptions"]["bot_events"] == [
        "app_home_opened",
        "user_change",
        "app_uninstalled",
        "tokens_revoked",
    ]
    assert m["settings"]["socket_mode_enabled"] is True
    scopes = set(m["oauth_config"]["scopes"]["bot"])
    # An OAuth install asks for exactly what the manifest declares.
    assert scopes == set(BOT_SCOPES)
    assert scopes == {
        "commands",
        "chat:write",
        "chat:write.public",
        "im:write",
        "mpim:write",
        "users:read",
        "users:read.email",
        "files:write",
    }


def test_migrations_build_exactly_the_models(database_url):
    engine = make_engine(database_url)
    migrate(engine)
    migrate(engine)  # a second start finds nothing to do
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
        tables = set(inspect(conn).get_table_names())
    engine.dispose()
    assert diff == []
    assert {
        "workspaces",
        "programs",
        "people",
        "mentor_profiles",
        "mentoring_requests",
        "proposals",
        "pairings",
        "deliveries",
        "check_ins",
        "prompt_uses",
        "feedback",
        "surveys",
        "help_reports",
        "cohort_plans",
    } <= tables


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/x.db")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        # Checkpoints every 32 MiB of WAL, not after every 4 MiB a bulk write commits.
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 8000
    engine.dispose()


def test_upgrading_a_database_with_data_keeps_it_and_fills_new_columns(database_url):
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from bot.storage.database import MIGRATIONS_DIR

    engine = make_engine(database_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.connect() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
        conn.commit()
        conn.execute(text("INSERT INTO workspaces (team_id, created_at) VALUES ('T1', CURRENT_TIMESTAMP)"))
        conn.execute(
            text(
                "INSERT INTO programs (team_id, name, kind, status, topics, created_at) "
                "VALUES ('T1', 'Old', 'classic', 'open', '[]', CURRENT_TIMESTAMP)"
            )
        )
        conn.commit()
    migrate(engine)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT name, cadence_weeks, length_weeks, owners, default_capacity FROM programs"))
        name, cadence, length, owners, capacity = row.one()
    engine.dispose()
    assert (name, cadence, length, capacity) == ("Old", 1, 12, 2)
    assert owners in ("[]", [])
