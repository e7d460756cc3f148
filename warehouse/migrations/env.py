"""Alembic environment: migrations run on the engine handed over by warehouse.db."""

from alembic import context

from dasv.warehouse.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        from dasv.settings import Settings
        from dasv.warehouse.db import make_engine

        engine = make_engine(Settings().resolved_database_url())
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        context.run_migrations()


run_migrations_online()
