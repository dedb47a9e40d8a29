"""full-text search over item descriptions, rationales and case summaries

SQLite: FTS5 tables with the porter stemmer, in sqlite-utils' layout (disputed_items_fts,
cases_fts, external content, kept in sync by triggers), so Datasette's search box finds them.
PostgreSQL: a stored tsvector column on each table with a GIN index.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# table -> the columns its search covers
SEARCHED = {"disputed_items": ("description", "rationale"), "cases": ("case_summary",)}


def _sqlite_fts(table: str, columns: tuple[str, ...]) -> list[str]:
    cols = ", ".join(f"[{c}]" for c in columns)
    new = ", ".join(f"new.[{c}]" for c in columns)
    old = ", ".join(f"old.[{c}]" for c in columns)
    fts = f"{table}_fts"
    return [
        f"CREATE VIRTUAL TABLE [{fts}] USING FTS5 ({cols}, tokenize='porter', content=[{table}])",
        f"INSERT INTO [{fts}] (rowid, {cols}) SELECT rowid, {cols} FROM [{table}]",
        f"CREATE TRIGGER [{table}_ai] AFTER INSERT ON [{table}] BEGIN "
        f"INSERT INTO [{fts}] (rowid, {cols}) VALUES (new.rowid, {new}); END",
        f"CREATE TRIGGER [{table}_ad] AFTER DELETE ON [{table}] BEGIN "
        f"INSERT INTO [{fts}] ([{fts}], rowid, {cols}) VALUES('delete', old.rowid, {old}); END",
        f"CREATE TRIGGER [{table}_au] AFTER UPDATE ON [{table}] BEGIN "
        f"INSERT INTO [{fts}] ([{fts}], rowid, {cols}) VALUES('delete', old.rowid, {old}); "
        f"INSERT INTO [{fts}] (rowid, {cols}) VALUES (new.rowid, {new}); END",
    ]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table, columns in SEARCHED.items():
        if dialect == "sqlite":
            for statement in _sqlite_fts(table, columns):
                op.execute(statement)
        elif dialect == "postgresql":
            document = " || ' ' || ".join(f"coalesce({c}, '')" for c in columns)
            op.execute(
                f"ALTER TABLE {table} ADD COLUMN search_vector tsvector "
                f"GENERATED ALWAYS AS (to_tsvector('english', {document})) STORED"
            )
            op.execute(f"CREATE INDEX ix_{table}_search_vector ON {table} USING GIN (search_vector)")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in SEARCHED:
        if dialect == "sqlite":
            for suffix in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER IF EXISTS [{table}_{suffix}]")
            op.execute(f"DROP TABLE IF EXISTS [{table}_fts]")
        elif dialect == "postgresql":
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_search_vector")
            op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector")
