"""Alembic environment: metadata from core.models; the engine or connection comes from core.db."""

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel

import core.models  # noqa: F401  (registers every table on SQLModel.metadata)

target_metadata = SQLModel.metadata
config = context.config


def run_with(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite ALTER goes through batch
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_with(connection)
else:
    engine = config.attributes.get("engine")
    if engine is None:
        from sqlalchemy import create_engine

        from core.settings import load_settings

        engine = create_engine(load_settings().database_url)
    with engine.connect() as conn:
        run_with(conn)
        conn.commit()
