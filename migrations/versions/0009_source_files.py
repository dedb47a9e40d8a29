"""source_files (every file ever ingested), case_replacements, ingest_runs.duplicate

Every file that gave a letter is remembered by the SHA-256 of its bytes, so a file seen before is
never parsed again whichever version of its letter the case holds now, and the same letter from
another file (a re-download, the text export beside the PDF) is a duplicate, not a replacement.
A replacement (a corrected letter) is recorded with what changed.

The stored cases are copied into source_files (their size and letter hash unknown), so a database
an older imrdb made keeps treating its files as unchanged.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

JSONArray = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

BACKFILL = """
insert into source_files (path, sha256, size, letter_sha256, case_id, outcome, ingest_run_id, first_seen_at, last_seen_at)
select source_path, source_sha256, null, null, id, 'ingested', ingest_run_id, ingested_at, ingested_at from cases
"""


def upgrade() -> None:
    with op.batch_alter_table('ingest_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('duplicate', sa.Integer(), nullable=False, server_default='0',
                                      comment='files whose letter was stored already from another file (same facts)'))
    op.create_table(
        'source_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('path', sa.Text(), nullable=False, comment='the file as the ingest was given it'),
        sa.Column('sha256', sa.String(length=64), nullable=False, comment="SHA-256 of the file's bytes"),
        sa.Column('size', sa.Integer(), nullable=True, comment='bytes (unknown for files recorded before revision 0009)'),
        sa.Column('letter_sha256', sa.String(length=64), nullable=True,
                  comment="SHA-256 of the letter's facts: another file with the same is a duplicate (null: recorded before 0009)"),
        sa.Column('case_id', sa.Integer(), nullable=True,
                  comment="the case this file's letter is (or was, for a replaced version)"),
        sa.Column('outcome', sa.String(length=20), nullable=False,
                  comment='when first seen: ingested, replaced (a corrected letter), duplicate (the same letter), unchanged '
                          '(known bytes at a new path) or superseded (replaced later in the same run)'),
        sa.Column('ingest_run_id', sa.Integer(), nullable=True, comment='the run that first saw it'),
        sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_source_files_case_id_cases')),
        sa.ForeignKeyConstraint(['ingest_run_id'], ['ingest_runs.id'], name=op.f('fk_source_files_ingest_run_id_ingest_runs')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_source_files')),
        sa.UniqueConstraint('sha256', 'path', name=op.f('uq_source_files_sha256_path')),
    )
    op.create_index('ix_source_files_case_id', 'source_files', ['case_id'], unique=False)
    op.create_index('ix_source_files_letter_sha256', 'source_files', ['letter_sha256'], unique=False)
    op.create_table(
        'case_replacements',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('case_number', sa.String(length=20), nullable=False),
        sa.Column('old_sha256', sa.String(length=64), nullable=False, comment="the replaced version's file"),
        sa.Column('new_sha256', sa.String(length=64), nullable=False, comment='the file that replaced it'),
        sa.Column('old_path', sa.Text(), nullable=True),
        sa.Column('new_path', sa.Text(), nullable=False),
        sa.Column('changed_fields', JSONArray, nullable=False,
                  comment='what differs: case columns, "reviewer", "items", or "item 2 decision"'),
        sa.Column('ingest_run_id', sa.Integer(), nullable=True),
        sa.Column('replaced_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_replacements_case_id_cases')),
        sa.ForeignKeyConstraint(['ingest_run_id'], ['ingest_runs.id'], name=op.f('fk_case_replacements_ingest_run_id_ingest_runs')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_replacements')),
    )
    op.create_index('ix_case_replacements_case_id', 'case_replacements', ['case_id'], unique=False)
    op.execute(BACKFILL)


def downgrade() -> None:
    op.drop_index('ix_case_replacements_case_id', table_name='case_replacements')
    op.drop_table('case_replacements')
    op.drop_index('ix_source_files_letter_sha256', table_name='source_files')
    op.drop_index('ix_source_files_case_id', table_name='source_files')
    op.drop_table('source_files')
    with op.batch_alter_table('ingest_runs', schema=None) as batch_op:
        batch_op.drop_column('duplicate')
