"""cases.ocr_engine, ocr_confidence, ocr_pages: how a scanned letter's pages were read

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0010'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ocr_engine', sa.String(length=40), nullable=True,
                                      comment='the OCR engine that read its scanned pages, e.g. tesseract 5.5.4; empty when none were'))
        batch_op.add_column(sa.Column('ocr_confidence', sa.Float(), nullable=True,
                                      comment="the OCR engine's mean word confidence over those pages, 0-100"))
        batch_op.add_column(sa.Column('ocr_pages', sa.Integer(), nullable=True,
                                      comment='how many of its pages were scans read by OCR'))
        batch_op.alter_column('source_format', existing_type=sa.String(length=20), existing_nullable=False,
                              comment='pdf, pdf-ocr (scanned: every page read by OCR), pdf-mixed (some pages), text, markdown or html',
                              existing_comment='pdf, text, markdown or html')


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.alter_column('source_format', existing_type=sa.String(length=20), existing_nullable=False,
                              comment='pdf, text, markdown or html',
                              existing_comment='pdf, pdf-ocr (scanned: every page read by OCR), pdf-mixed (some pages), text, markdown or html')
        batch_op.drop_column('ocr_pages')
        batch_op.drop_column('ocr_confidence')
        batch_op.drop_column('ocr_engine')
