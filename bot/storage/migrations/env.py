"""Alembic environment: runs on the connection that bot.storage.database.migrate hands over."""

from alembic import context
from sqlalchemy import create_engine

from bot.storage import rollups
from bot.storage.models import Base

target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        # `alembic` invoked directly: use the URL given with -x url=...
        url = context.get_x_argument(as_dictionary=True).get("url", "sqlite:///mentor-bot.db")
        with create_engine(url).connect() as conn:
            _run(conn)
            conn.commit()
        return
    _run(connection)


def _will_migrate(current: str | None) -> bool:
    target = context.get_revision_argument()
    if target in ("head", "heads"):
        target = context.script.get_current_head()
    return target != current


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        # The stats rollups' triggers are set aside while migrations run (on SQLite, copying a table
        # would trip over them), and put back, with the rollups summed again, once they are done.
        before = context.get_context().get_current_revision()
        if _will_migrate(before):
            rollups.uninstall(connection)
        context.run_migrations()
        rollups.keep_up_to_date(connection, migrated=context.get_context().get_current_revision() != before)


run_migrations_online()
