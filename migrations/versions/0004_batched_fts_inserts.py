"""SQLite full-text search: new rows indexed a batch at a time by the writer, not a trigger per row

A trigger indexes each inserted row on its own; the ingest's single writer now indexes each batch's
new rows with one INSERT ... SELECT (half the write time). Deletes still go through triggers, and
updates re-index only when the searched columns change (reprocess rewrites derived columns only).
Anything that inserts rows into cases or disputed_items without imrdb's store must index them itself
(imrdb.db.store.index_new_rows) or rebuild: INSERT INTO disputed_items_fts(disputed_items_fts) VALUES('rebuild').

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SEARCHED = {"disputed_items": ("description", "rationale"), "cases": ("case_summary",)}


def _columns(table: str, prefix: str = "") -> str:
    return ", ".join(f"{prefix}[{c}]" for c in SEARCHED[table])


def _update_trigger(table: str, only_when_searched_columns_change: bool) -> str:
    fts = f"{table}_fts"
    cols, old, new = _columns(table), _columns(table, "old."), _columns(table, "new.")
    event = f"UPDATE OF {cols}" if only_when_searched_columns_change else "UPDATE"
    return (
        f"CREATE TRIGGER [{table}_au] AFTER {event} ON [{table}] BEGIN "
        f"INSERT INTO [{fts}] ([{fts}], rowid, {cols}) VALUES('delete', old.rowid, {old}); "
        f"INSERT INTO [{fts}] (rowid, {cols}) VALUES (new.rowid, {new}); END"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in SEARCHED:
        op.execute(f"DROP TRIGGER IF EXISTS [{table}_ai]")
        op.execute(f"DROP TRIGGER IF EXISTS [{table}_au]")
        op.execute(_update_trigger(table, only_when_searched_columns_change=True))


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in SEARCHED:
        fts = f"{table}_fts"
        op.execute(f"DROP TRIGGER IF EXISTS [{table}_au]")
        op.execute(_update_trigger(table, only_when_searched_columns_change=False))
        op.execute(
            f"CREATE TRIGGER [{table}_ai] AFTER INSERT ON [{table}] BEGIN "
            f"INSERT INTO [{fts}] (rowid, {_columns(table)}) VALUES (new.rowid, {_columns(table, 'new.')}); END"
        )
        # rows inserted while batched indexing was in force are already indexed
