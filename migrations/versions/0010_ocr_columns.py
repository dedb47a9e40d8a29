"""cases.ocr_engine, ocr_confidence, ocr_pages: how a scanned letter's pages were read

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


FORMATS = 'pdf, text, markdown or html'
FORMATS_WITH_OCR = 'pdf, pdf-ocr (scanned: every page read by OCR), pdf-mixed (some pages), text, markdown or html'


def _comment_source_format(comment: str, existing: str) -> None:
    """SQLite keeps no column comments (and rebuilding `cases` for one would break the views on it)."""
    if op.get_bind().dialect.name != 'sqlite':
        op.alter_column('cases', 'source_format', existing_type=sa.String(length=20), existing_nullable=False,
                        comment=comment, existing_comment=existing)


# Plain ALTER TABLE ADD / DROP COLUMN (SQLite has both): a batch operation would rebuild `cases` on
# SQLite, and with it drop the full-text triggers and break the views that read it.
def _columns() -> tuple[sa.Column, ...]:
    return (
        sa.Column('ocr_engine', sa.String(length=40), nullable=True,
                  comment='the OCR engine that read its scanned pages, e.g. tesseract 5.5.4; empty when none were'),
        sa.Column('ocr_confidence', sa.Float(), nullable=True,
                  comment="the OCR engine's mean word confidence over those pages, 0-100"),
        sa.Column('ocr_pages', sa.Integer(), nullable=True, comment='how many of its pages were scans read by OCR'),
    )


def upgrade() -> None:
    for column in _columns():
        op.add_column('cases', column)
    _comment_source_format(FORMATS_WITH_OCR, FORMATS)


def downgrade() -> None:
    _comment_source_format(FORMATS, FORMATS_WITH_OCR)
    for column in reversed(_columns()):
        op.execute(f'ALTER TABLE cases DROP COLUMN {column.name}')
