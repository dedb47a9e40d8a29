"""Alembic environment: runs on the connection imrdb hands it, or on the URL in alembic.ini / -x db=."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

from imrdb.db.engine import database_url
from imrdb.db.models import metadata

config = context.config
target_metadata = metadata


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Full-text search objects are made by raw SQL in 0002, not by the models: leave them out of comparisons."""
    if type_ == "table" and ("_fts" in name):
        return False
    if type_ == "column" and name == "search_vector":
        return False
    if type_ == "index" and name and name.endswith("_search_vector"):
        return False
    return True


def run_migrations(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    url = context.get_x_argument(as_dictionary=True).get("db")
    section = config.get_section(config.config_ini_section, {})
    if url:
        section["sqlalchemy.url"] = database_url(url)
    engine = engine_from_config(section, prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as conn:
        run_migrations(conn)
