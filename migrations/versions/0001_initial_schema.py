"""initial schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('ingest_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paths', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False, comment='the files and folders given to imrdb ingest'),
    sa.Column('status', sa.String(length=20), nullable=False, comment='running, finished, interrupted or failed'),
    sa.Column('files_seen', sa.Integer(), nullable=False),
    sa.Column('ingested', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('replaced', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('host', sa.String(length=200), nullable=True),
    sa.Column('imrdb_version', sa.String(length=40), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ingest_runs'))
    )
    op.create_table('reviewers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('profile_key', sa.String(length=1000), nullable=False, comment='certifications and licensure states: one row per distinct anonymous reviewer profile'),
    sa.Column('specialties', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False, comment='board certifications in the letter\'s order, e.g. ["Anesthesiology", "Pain Management"]'),
    sa.Column('primary_specialty', sa.String(length=200), nullable=True, comment='the first certification'),
    sa.Column('licensure_states', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False, comment='states of licensure, e.g. ["California", "Missouri"]'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reviewers')),
    sa.UniqueConstraint('profile_key', name=op.f('uq_reviewers_profile_key'))
    )
    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_number', sa.String(length=20), nullable=True, comment='e.g. CM14-0039927; null when the letter has no header'),
    sa.Column('date_assigned', sa.String(length=10), nullable=True),
    sa.Column('date_of_injury', sa.String(length=10), nullable=True),
    sa.Column('decision_date', sa.String(length=10), nullable=True),
    sa.Column('ur_denial_date', sa.String(length=10), nullable=True),
    sa.Column('application_received', sa.String(length=10), nullable=True),
    sa.Column('decision_year', sa.Integer(), nullable=True, comment='year of decision_date, for faceting'),
    sa.Column('decision_month', sa.String(length=7), nullable=True, comment='YYYY-MM of decision_date, for charts'),
    sa.Column('priority', sa.String(length=20), nullable=True, comment='Standard or Expedited'),
    sa.Column('patient_age', sa.Integer(), nullable=True),
    sa.Column('patient_sex', sa.String(length=10), nullable=True, comment='male or female'),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=30), nullable=True, comment='Upheld, Overturned, or Partially Overturned'),
    sa.Column('item_count', sa.Integer(), nullable=False),
    sa.Column('case_summary', sa.Text(), nullable=True, comment='the clinical case summary, unwrapped'),
    sa.Column('letter_text', sa.Text(), nullable=True, comment='the whole normalized letter'),
    sa.Column('parse_warnings', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=True, comment='what looked wrong when the letter was read'),
    sa.Column('warning_count', sa.Integer(), nullable=False),
    sa.Column('source_path', sa.Text(), nullable=False),
    sa.Column('source_sha256', sa.String(length=64), nullable=False),
    sa.Column('source_format', sa.String(length=20), nullable=False, comment='pdf, text, markdown or html'),
    sa.Column('ingested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ingest_run_id', sa.Integer(), nullable=True),
    sa.Column('parser_version', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['ingest_run_id'], ['ingest_runs.id'], name=op.f('fk_cases_ingest_run_id_ingest_runs')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['reviewers.id'], name=op.f('fk_cases_reviewer_id_reviewers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('case_number', name=op.f('uq_cases_case_number')),
    sa.UniqueConstraint('source_sha256', name=op.f('uq_cases_source_sha256'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_application_received', ['application_received'], unique=False)
        batch_op.create_index('ix_cases_date_of_injury', ['date_of_injury'], unique=False)
        batch_op.create_index('ix_cases_decision_date', ['decision_date'], unique=False)
        batch_op.create_index('ix_cases_decision_month', ['decision_month'], unique=False)
        batch_op.create_index('ix_cases_decision_year', ['decision_year'], unique=False)
        batch_op.create_index('ix_cases_outcome', ['outcome'], unique=False)
        batch_op.create_index('ix_cases_priority', ['priority'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_reviewer_id'), ['reviewer_id'], unique=False)

    op.create_table('ingest_errors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('path', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('stage', sa.String(length=20), nullable=False, comment='read, parse or store'),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['ingest_runs.id'], name=op.f('fk_ingest_errors_run_id_ingest_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ingest_errors'))
    )
    op.create_table('disputed_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False, comment='1-based, in letter order'),
    sa.Column('description', sa.Text(), nullable=False, comment='the item as its heading states it: "Soma 350 mg #60"'),
    sa.Column('decision', sa.String(length=20), nullable=False, comment='Upheld (denial stands) or Overturned'),
    sa.Column('rationale', sa.Text(), nullable=True),
    sa.Column('medically_necessary', sa.Boolean(), nullable=True, comment="1 or 0 from the rationale's conclusion"),
    sa.Column('original_request', sa.Text(), nullable=True, comment='for a modified request: what was originally requested'),
    sa.Column('authorized_request', sa.Text(), nullable=True, comment='for a modified request: what the claims administrator authorized'),
    sa.Column('treatment_category', sa.String(length=100), nullable=True),
    sa.Column('treatment_subcategory', sa.String(length=100), nullable=True),
    sa.Column('drug_name', sa.String(length=300), nullable=True, comment='generic ingredient(s), lower case'),
    sa.Column('drug_class', sa.String(length=100), nullable=True),
    sa.Column('strength', sa.String(length=100), nullable=True),
    sa.Column('dosage_form', sa.String(length=100), nullable=True),
    sa.Column('quantity', sa.Float(), nullable=True),
    sa.Column('quantity_unit', sa.String(length=40), nullable=True),
    sa.Column('refills', sa.Integer(), nullable=True),
    sa.Column('is_retrospective', sa.Boolean(), nullable=True),
    sa.Column('body_region', sa.String(length=100), nullable=True),
    sa.Column('lexicon_version', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_disputed_items_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disputed_items')),
    sa.UniqueConstraint('case_id', 'position', name=op.f('uq_disputed_items_case_id_position'))
    )
    with op.batch_alter_table('disputed_items', schema=None) as batch_op:
        batch_op.create_index('ix_disputed_items_body_region', ['body_region'], unique=False)
        batch_op.create_index('ix_disputed_items_decision', ['decision'], unique=False)
        batch_op.create_index('ix_disputed_items_drug_class', ['drug_class'], unique=False)
        batch_op.create_index('ix_disputed_items_drug_name', ['drug_name'], unique=False)
        batch_op.create_index('ix_disputed_items_treatment', ['treatment_category', 'treatment_subcategory'], unique=False)

    op.create_table('guideline_citations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('disputed_item_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False, comment='1-based within the item'),
    sa.Column('role', sa.String(length=30), nullable=False, comment='claims_administrator or imr_reviewer'),
    sa.Column('source', sa.String(length=20), nullable=False, comment='MTUS, ACOEM, ODG, CCR (Title 8 CCR) or Other'),
    sa.Column('text', sa.Text(), nullable=False, comment='the citation as written'),
    sa.Column('guideline', sa.String(length=300), nullable=True, comment='guideline or chapter: "Chronic Pain Medical Treatment Guidelines", "Low Back Complaints"'),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('topic', sa.Text(), nullable=True, comment='topic or section: "Carisoprodol", "Special Studies"'),
    sa.Column('pages', sa.String(length=100), nullable=True, comment='pages as written: "63-66"'),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_guideline_citations_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['disputed_item_id'], ['disputed_items.id'], name=op.f('fk_guideline_citations_disputed_item_id_disputed_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guideline_citations'))
    )
    with op.batch_alter_table('guideline_citations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_guideline_citations_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_guideline_citations_disputed_item_id'), ['disputed_item_id'], unique=False)
        batch_op.create_index('ix_guideline_citations_source', ['role', 'source'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('guideline_citations', schema=None) as batch_op:
        batch_op.drop_index('ix_guideline_citations_source')
        batch_op.drop_index(batch_op.f('ix_guideline_citations_disputed_item_id'))
        batch_op.drop_index(batch_op.f('ix_guideline_citations_case_id'))

    op.drop_table('guideline_citations')
    with op.batch_alter_table('disputed_items', schema=None) as batch_op:
        batch_op.drop_index('ix_disputed_items_treatment')
        batch_op.drop_index('ix_disputed_items_drug_name')
        batch_op.drop_index('ix_disputed_items_drug_class')
        batch_op.drop_index('ix_disputed_items_decision')
        batch_op.drop_index('ix_disputed_items_body_region')

    op.drop_table('disputed_items')
    op.drop_table('ingest_errors')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_reviewer_id'))
        batch_op.drop_index('ix_cases_priority')
        batch_op.drop_index('ix_cases_outcome')
        batch_op.drop_index('ix_cases_decision_year')
        batch_op.drop_index('ix_cases_decision_month')
        batch_op.drop_index('ix_cases_decision_date')
        batch_op.drop_index('ix_cases_date_of_injury')
        batch_op.drop_index('ix_cases_application_received')

    op.drop_table('cases')
    op.drop_table('reviewers')
    op.drop_table('ingest_runs')

