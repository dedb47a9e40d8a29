"""drug_names lexicon table and the items_detail view

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from imrdb.db.models import ITEMS_DETAIL_SQL, ITEMS_DETAIL_VIEW

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
