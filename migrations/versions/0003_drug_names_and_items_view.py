"""drug_names lexicon table and the items_detail view

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# The view as it was at this revision (later revisions redefine it; a migration never changes).
ITEMS_DETAIL_VIEW = "items_detail"
ITEMS_DETAIL_SQL = """
select
  i.id as item_id, c.id as case_id, c.case_number, c.decision_date, c.decision_year, c.decision_month,
  c.priority, c.outcome as case_outcome, c.patient_age, c.patient_sex,
  r.primary_specialty as reviewer_specialty, r.specialties as reviewer_specialties,
  i.position, i.description, i.decision, i.medically_necessary, i.original_request,
  i.treatment_category, i.treatment_subcategory, i.drug_name, i.drug_class, i.body_region,
  i.is_retrospective, i.quantity, i.refills
from disputed_items i
join cases c on c.id = i.case_id
left join reviewers r on r.id = c.reviewer_id
"""

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "drug_names",
        sa.Column("name", sa.String(length=200), nullable=False,
                  comment="a name letters use: brand, generic, misspelling (lower case)"),
        sa.Column("generic", sa.String(length=300), nullable=False, comment="generic ingredient(s), lower case"),
        sa.Column("drug_class", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_drug_names")),
        comment="the drug lexicon (data/lexicon), refreshed by every ingest: lets queries match brand names",
    )
    op.create_index("ix_drug_names_generic", "drug_names", ["generic"])
    op.execute(f"CREATE VIEW {ITEMS_DETAIL_VIEW} AS {ITEMS_DETAIL_SQL}")


def downgrade() -> None:
    op.execute(f"DROP VIEW IF EXISTS {ITEMS_DETAIL_VIEW}")
    op.drop_index("ix_drug_names_generic", table_name="drug_names")
    op.drop_table("drug_names")
