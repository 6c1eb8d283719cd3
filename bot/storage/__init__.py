"""Storage: the engine and sessions, typed models, StrEnum statuses and Alembic migrations."""
