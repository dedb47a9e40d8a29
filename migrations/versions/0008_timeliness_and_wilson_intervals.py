"""timeliness columns on cases; Wilson score interval functions on PostgreSQL

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

cases.days_to_decision (decision_date minus application_received) and
cases.days_assigned_to_decision (decision_date minus date_assigned), in days, filled here for the
letters already stored (`imrdb reprocess` and every ingest compute them too), and an index for the
timeliness query. On PostgreSQL, the SQL functions wilson_low(successes, n[, z]) and
wilson_high(successes, n[, z]) that imrdb registers on every SQLite connection (imrdb/rates.py), so
the same interval queries run on both backends.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


# The dates are ISO YYYY-MM-DD text, valid dates by construction (imrdb.parse.parse_date).
FILL_DAYS = {
    "sqlite": """
        update cases set
          days_to_decision = cast(julianday(decision_date) - julianday(application_received) as integer),
          days_assigned_to_decision = cast(julianday(decision_date) - julianday(date_assigned) as integer)
        where decision_date is not null
    """,
    "postgresql": r"""
        update cases set
          days_to_decision = case when application_received ~ '^\d{4}-\d{2}-\d{2}$'
                                  then decision_date::date - application_received::date end,
          days_assigned_to_decision = case when date_assigned ~ '^\d{4}-\d{2}-\d{2}$'
                                           then decision_date::date - date_assigned::date end
        where decision_date ~ '^\d{4}-\d{2}-\d{2}$'
    """,
}

# imrdb.rates.wilson_interval in SQL: NULL where the interval is undefined, exact 0 and 1 at the ends.
# numeric in and out, so that round(100 * wilson_low(...), 1) works as it does on SQLite.
_WILSON = """
CREATE OR REPLACE FUNCTION {name}(successes numeric, n numeric, z numeric DEFAULT 1.96)
RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN n IS NULL OR successes IS NULL OR z IS NULL OR n <= 0 OR successes < 0 OR successes > n OR z <= 0 THEN NULL
    WHEN successes = {exact_at} THEN {exact}
    ELSE {bound}({exact},
      (successes / n + z * z / (2 * n) {sign} z * sqrt(successes / n * (1 - successes / n) / n + z * z / (4 * n * n)))
      / (1 + z * z / n))
  END
$$
"""
WILSON_FUNCTIONS = {
    "wilson_low": _WILSON.format(name="wilson_low", exact_at="0", exact="0", bound="greatest", sign="-"),
    "wilson_high": _WILSON.format(name="wilson_high", exact_at="n", exact="1", bound="least", sign="+"),
}


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('days_to_decision', sa.Integer(), nullable=True,
                                      comment='decision_date minus application_received, in days (null without both dates)'))
        batch_op.add_column(sa.Column('days_assigned_to_decision', sa.Integer(), nullable=True,
                                      comment='decision_date minus date_assigned (assignment to the reviewing organization), in days'))
    dialect = op.get_bind().dialect.name
    op.execute(FILL_DAYS[dialect])
    op.create_index('ix_cases_timeliness', 'cases', ['decision_month', 'priority', 'days_to_decision',
                                                     'days_assigned_to_decision', 'decision_date', 'reviewer_id'])
    if dialect == "postgresql":
        for statement in WILSON_FUNCTIONS.values():
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in WILSON_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {name}(numeric, numeric, numeric)")
    op.drop_index('ix_cases_timeliness', table_name='cases')
    # plain ALTER TABLE (SQLite 3.35+), not a batch copy of cases, which the items_detail view refers to
    for column in ('days_assigned_to_decision', 'days_to_decision'):
        op.execute(f"ALTER TABLE cases DROP COLUMN {column}")
