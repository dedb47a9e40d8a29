"""covering facet indexes and items reviewer_specialty

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23

Facet and filter indexes that carry the other facet columns, so that on a database of 200,000
letters a filtered, faceted page is answered from an index instead of the wide rows; and
disputed_items.reviewer_specialty (the letter's reviewer's primary specialty) so items facet by
specialty without a join. The items_detail view reads it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


ITEMS_DETAIL_SQL = """
select
  i.id as item_id, c.id as case_id, c.case_number, c.decision_date, c.decision_year, c.decision_month,
  c.priority, c.outcome as case_outcome, c.patient_age, c.patient_sex,
  i.reviewer_specialty, r.specialties as reviewer_specialties,
  i.position, i.description, i.decision, i.medically_necessary, i.original_request,
  i.treatment_category, i.treatment_subcategory, i.drug_name, i.drug_class, i.body_region,
  i.is_retrospective, i.quantity, i.refills
from disputed_items i
join cases c on c.id = i.case_id
left join reviewers r on r.id = c.reviewer_id
"""
FILL_REVIEWER_SPECIALTY = """
update disputed_items set reviewer_specialty = (
  select r.primary_specialty from cases c join reviewers r on r.id = c.reviewer_id where c.id = disputed_items.case_id)
"""


def upgrade() -> None:
    op.execute("DROP VIEW IF EXISTS items_detail")
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_date_of_injury'))
        batch_op.create_index('ix_cases_date_of_injury', ['date_of_injury', 'outcome', 'priority', 'decision_year', 'reviewer_id'], unique=False)
        batch_op.drop_index(batch_op.f('ix_cases_decision_date'))
        batch_op.create_index('ix_cases_decision_date', ['decision_date', 'outcome', 'priority', 'decision_year', 'reviewer_id', 'date_of_injury', 'decision_month'], unique=False)
        batch_op.drop_index(batch_op.f('ix_cases_decision_month'))
        batch_op.create_index('ix_cases_decision_month', ['decision_month', 'decision_date', 'reviewer_id'], unique=False)
        batch_op.drop_index(batch_op.f('ix_cases_decision_year'))
        batch_op.create_index('ix_cases_decision_year', ['decision_year', 'outcome', 'priority', 'reviewer_id', 'date_of_injury'], unique=False)
        batch_op.drop_index(batch_op.f('ix_cases_outcome'))
        batch_op.create_index('ix_cases_outcome', ['outcome', 'priority', 'decision_year', 'reviewer_id', 'date_of_injury'], unique=False)
        batch_op.drop_index(batch_op.f('ix_cases_priority'))
        batch_op.create_index('ix_cases_priority', ['priority', 'outcome', 'decision_year', 'reviewer_id', 'date_of_injury'], unique=False)
        batch_op.drop_index(batch_op.f('ix_cases_reviewer_id'))
        batch_op.create_index('ix_cases_reviewer_id', ['reviewer_id', 'outcome', 'priority', 'decision_year', 'date_of_injury', 'decision_date', 'decision_month'], unique=False)

    with op.batch_alter_table('disputed_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reviewer_specialty', sa.String(length=200), nullable=True, comment="the letter's reviewer's primary specialty (copied for fast facets)"))
        batch_op.drop_index(batch_op.f('ix_disputed_items_decision'))
        batch_op.create_index('ix_disputed_items_decision', ['decision', 'medically_necessary', 'treatment_category', 'treatment_subcategory', 'drug_class', 'case_id'], unique=False)
        batch_op.drop_index(batch_op.f('ix_disputed_items_drug_class'))
        batch_op.create_index('ix_disputed_items_drug_class', ['drug_class', 'decision', 'treatment_category', 'treatment_subcategory', 'drug_name', 'case_id'], unique=False)
        batch_op.drop_index(batch_op.f('ix_disputed_items_drug_name'))
        batch_op.create_index('ix_disputed_items_drug_name', ['drug_name', 'decision', 'case_id'], unique=False)
        batch_op.drop_index(batch_op.f('ix_disputed_items_treatment'))
        batch_op.create_index('ix_disputed_items_treatment', ['treatment_category', 'treatment_subcategory', 'drug_name', 'decision', 'drug_class', 'case_id'], unique=False)
        batch_op.create_index('ix_disputed_items_case_facets', ['case_id', 'decision', 'treatment_category', 'treatment_subcategory', 'drug_class', 'drug_name', 'medically_necessary'], unique=False)
        batch_op.create_index('ix_disputed_items_reviewer_specialty', ['reviewer_specialty', 'decision', 'treatment_category', 'drug_class'], unique=False)

    with op.batch_alter_table('guideline_citations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_guideline_citations_disputed_item_id'))
        batch_op.create_index('ix_guideline_citations_disputed_item_id', ['disputed_item_id', 'role', 'source', 'guideline', 'topic'], unique=False)
        batch_op.drop_index(batch_op.f('ix_guideline_citations_source'))
        batch_op.create_index('ix_guideline_citations_source', ['source', 'role', 'guideline', 'topic', 'disputed_item_id', 'case_id'], unique=False)

    op.execute(FILL_REVIEWER_SPECIALTY)
    op.execute(f"CREATE VIEW items_detail AS {ITEMS_DETAIL_SQL}")


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS items_detail")
    with op.batch_alter_table('guideline_citations', schema=None) as batch_op:
        batch_op.drop_index('ix_guideline_citations_source')
        batch_op.create_index(batch_op.f('ix_guideline_citations_source'), ['role', 'source'], unique=False)
        batch_op.drop_index('ix_guideline_citations_disputed_item_id')
        batch_op.create_index(batch_op.f('ix_guideline_citations_disputed_item_id'), ['disputed_item_id'], unique=False)

    with op.batch_alter_table('disputed_items', schema=None) as batch_op:
        batch_op.drop_index('ix_disputed_items_reviewer_specialty')
        batch_op.drop_index('ix_disputed_items_case_facets')
        batch_op.drop_index('ix_disputed_items_treatment')
        batch_op.create_index(batch_op.f('ix_disputed_items_treatment'), ['treatment_category', 'treatment_subcategory'], unique=False)
        batch_op.drop_index('ix_disputed_items_drug_name')
        batch_op.create_index(batch_op.f('ix_disputed_items_drug_name'), ['drug_name'], unique=False)
        batch_op.drop_index('ix_disputed_items_drug_class')
        batch_op.create_index(batch_op.f('ix_disputed_items_drug_class'), ['drug_class'], unique=False)
        batch_op.drop_index('ix_disputed_items_decision')
        batch_op.create_index(batch_op.f('ix_disputed_items_decision'), ['decision'], unique=False)
        batch_op.drop_column('reviewer_specialty')

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_reviewer_id')
        batch_op.create_index(batch_op.f('ix_cases_reviewer_id'), ['reviewer_id'], unique=False)
        batch_op.drop_index('ix_cases_priority')
        batch_op.create_index(batch_op.f('ix_cases_priority'), ['priority'], unique=False)
        batch_op.drop_index('ix_cases_outcome')
        batch_op.create_index(batch_op.f('ix_cases_outcome'), ['outcome'], unique=False)
        batch_op.drop_index('ix_cases_decision_year')
        batch_op.create_index(batch_op.f('ix_cases_decision_year'), ['decision_year'], unique=False)
        batch_op.drop_index('ix_cases_decision_month')
        batch_op.create_index(batch_op.f('ix_cases_decision_month'), ['decision_month'], unique=False)
        batch_op.drop_index('ix_cases_decision_date')
        batch_op.create_index(batch_op.f('ix_cases_decision_date'), ['decision_date'], unique=False)
        batch_op.drop_index('ix_cases_date_of_injury')
        batch_op.create_index(batch_op.f('ix_cases_date_of_injury'), ['date_of_injury'], unique=False)

    op.execute(f"CREATE VIEW items_detail AS {ITEMS_DETAIL_SQL.replace('i.reviewer_specialty,', 'r.primary_specialty as reviewer_specialty,')}")
