"""The schema: SQLAlchemy tables are its one source; Alembic migrations in migrations/ create it.

Table and column names are a contract that queries, the Datasette metadata and other tools rely on.
Dates are ISO "YYYY-MM-DD" text so that SQLite and PostgreSQL compare and display them the same.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB

# JSON arrays are jsonb on PostgreSQL, JSON text on SQLite.
JSONArray = JSON().with_variant(JSONB(), "postgresql")

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

reviewers = Table(
    "reviewers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("profile_key", String(1000), nullable=False, unique=True,
           comment="certifications and licensure states: one row per distinct anonymous reviewer profile"),
    Column("specialties", JSONArray, nullable=False, comment='board certifications in the letter\'s order, e.g. ["Anesthesiology", "Pain Management"]'),
    Column("primary_specialty", String(200), comment="the first certification"),
    Column("licensure_states", JSONArray, nullable=False, comment='states of licensure, e.g. ["California", "Missouri"]'),
)

ingest_runs = Table(
    "ingest_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("paths", JSONArray, nullable=False, comment="the files and folders given to imrdb ingest"),
    Column("status", String(20), nullable=False, comment="running, finished, interrupted or failed"),
    Column("files_seen", Integer, nullable=False, default=0),
    Column("ingested", Integer, nullable=False, default=0),
    Column("unchanged", Integer, nullable=False, default=0),
    Column("replaced", Integer, nullable=False, default=0),
    Column("failed", Integer, nullable=False, default=0),
    Column("duplicate", Integer, nullable=False, default=0, server_default="0",
           comment="files whose letter was stored already from another file (same facts)"),
    Column("host", String(200)),
    Column("pid", Integer, comment="process id of the ingest on its host"),
    Column("imrdb_version", String(40)),
)

cases = Table(
    "cases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_number", String(20), unique=True, comment="e.g. CM14-0039927; null when the letter has no header"),
    Column("date_assigned", String(10)),
    Column("date_of_injury", String(10)),
    Column("decision_date", String(10)),
    Column("ur_denial_date", String(10)),
    Column("application_received", String(10)),
    Column("decision_year", Integer, comment="year of decision_date, for faceting"),
    Column("decision_month", String(7), comment="YYYY-MM of decision_date, for charts"),
    # Timeliness (0008). The statutory IMR clock (Labor Code 4610.6(d): 30 days, 3 expedited) runs from the
    # receipt of the request *and its supporting documents*, which no letter dates; these run from the dates
    # letters do state, both earlier than the documents' receipt, so they can only overstate the time taken.
    Column("days_to_decision", Integer,
           comment="decision_date minus application_received, in days (null without both dates)"),
    Column("days_assigned_to_decision", Integer,
           comment="decision_date minus date_assigned (assignment to the reviewing organization), in days"),
    Column("priority", String(20), comment="Standard or Expedited"),
    Column("patient_age", Integer),
    Column("patient_sex", String(10), comment="male or female"),
    Column("reviewer_id", Integer, ForeignKey("reviewers.id")),
    Column("outcome", String(30), comment="Upheld, Overturned, or Partially Overturned"),
    Column("item_count", Integer, nullable=False, default=0),
    Column("case_summary", Text, comment="the clinical case summary, unwrapped"),
    Column("letter_text", Text, comment="the whole normalized letter"),
    Column("parse_warnings", JSONArray, comment="what looked wrong when the letter was read"),
    Column("warning_count", Integer, nullable=False, default=0),
    Column("source_path", Text, nullable=False),
    Column("source_sha256", String(64), nullable=False, unique=True),
    Column("source_format", String(20), nullable=False,
           comment="pdf, pdf-ocr (scanned: every page read by OCR), pdf-mixed (some pages), text, markdown or html"),
    Column("ocr_engine", String(40),
           comment="the OCR engine that read its scanned pages, e.g. tesseract 5.5.4; empty when none were"),
    Column("ocr_confidence", Float, comment="the OCR engine's mean word confidence over those pages, 0-100"),
    Column("ocr_pages", Integer, comment="how many of its pages were scans read by OCR"),
    Column("ingested_at", DateTime(timezone=True), nullable=False),
    Column("ingest_run_id", Integer, ForeignKey("ingest_runs.id")),
    Column("parser_version", String(20)),
)
# Facet and filter indexes carry the other facet columns too, so a filtered, faceted page is
# answered from the index without reading the wide rows (letter_text makes a row ~7.5 KB).
_CASE_FACETS = (cases.c.outcome, cases.c.priority, cases.c.decision_year, cases.c.reviewer_id, cases.c.date_of_injury)
Index("ix_cases_decision_date", cases.c.decision_date, *_CASE_FACETS, cases.c.decision_month)
Index("ix_cases_outcome", *_CASE_FACETS)
Index("ix_cases_decision_year", cases.c.decision_year, cases.c.outcome, cases.c.priority, cases.c.reviewer_id,
      cases.c.date_of_injury)
Index("ix_cases_decision_month", cases.c.decision_month, cases.c.decision_date, cases.c.reviewer_id)
Index("ix_cases_priority", cases.c.priority, cases.c.outcome, cases.c.decision_year, cases.c.reviewer_id,
      cases.c.date_of_injury)
Index("ix_cases_date_of_injury", cases.c.date_of_injury, cases.c.outcome, cases.c.priority, cases.c.decision_year,
      cases.c.reviewer_id)
Index("ix_cases_reviewer_id", cases.c.reviewer_id, cases.c.outcome, cases.c.priority, cases.c.decision_year,
      cases.c.date_of_injury, cases.c.decision_date, cases.c.decision_month)
Index("ix_cases_application_received", cases.c.application_received)
# the timeliness query and chart: grouped by month and priority, days in order (percentiles), from the index alone
Index("ix_cases_timeliness", cases.c.decision_month, cases.c.priority, cases.c.days_to_decision,
      cases.c.days_assigned_to_decision, cases.c.decision_date, cases.c.reviewer_id)

disputed_items = Table(
    "disputed_items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False, comment="1-based, in letter order"),
    Column("description", Text, nullable=False, comment='the item as its heading states it: "Soma 350 mg #60"'),
    Column("decision", String(20), nullable=False, comment="Upheld (denial stands) or Overturned"),
    Column("rationale", Text),
    Column("medically_necessary", Boolean, comment="1 or 0 from the rationale's conclusion"),
    Column("original_request", Text, comment="for a modified request: what was originally requested"),
    Column("authorized_request", Text, comment="for a modified request: what the claims administrator authorized"),
    Column("treatment_category", String(100)),
    Column("treatment_subcategory", String(100)),
    Column("drug_name", String(300), comment="generic ingredient(s), lower case"),
    Column("drug_class", String(100)),
    Column("strength", String(100)),
    Column("dosage_form", String(100)),
    Column("quantity", Float),
    Column("quantity_unit", String(40)),
    Column("refills", Integer),
    Column("is_retrospective", Boolean),
    Column("body_region", String(100)),
    Column("reviewer_specialty", String(200), comment="the letter's reviewer's primary specialty (copied for fast facets)"),
    Column("lexicon_version", String(40)),
    UniqueConstraint("case_id", "position"),
)
Index("ix_disputed_items_decision", disputed_items.c.decision, disputed_items.c.medically_necessary, disputed_items.c.treatment_category,
      disputed_items.c.treatment_subcategory, disputed_items.c.drug_class, disputed_items.c.case_id)
Index("ix_disputed_items_treatment", disputed_items.c.treatment_category, disputed_items.c.treatment_subcategory, disputed_items.c.drug_name,
      disputed_items.c.decision, disputed_items.c.drug_class, disputed_items.c.case_id)
Index("ix_disputed_items_drug_class", disputed_items.c.drug_class, disputed_items.c.decision, disputed_items.c.treatment_category,
      disputed_items.c.treatment_subcategory, disputed_items.c.drug_name, disputed_items.c.case_id)
Index("ix_disputed_items_drug_name", disputed_items.c.drug_name, disputed_items.c.decision, disputed_items.c.case_id)
Index("ix_disputed_items_case_facets", disputed_items.c.case_id, disputed_items.c.decision, disputed_items.c.treatment_category,
      disputed_items.c.treatment_subcategory, disputed_items.c.drug_class, disputed_items.c.drug_name, disputed_items.c.medically_necessary)
Index("ix_disputed_items_reviewer_specialty", disputed_items.c.reviewer_specialty, disputed_items.c.decision, disputed_items.c.treatment_category,
      disputed_items.c.drug_class)
Index("ix_disputed_items_body_region", disputed_items.c.body_region)

guideline_citations = Table(
    "guideline_citations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("disputed_item_id", Integer, ForeignKey("disputed_items.id", ondelete="CASCADE"), nullable=False),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("position", Integer, nullable=False, comment="1-based within the item"),
    Column("role", String(30), nullable=False, comment="claims_administrator or imr_reviewer"),
    Column("source", String(20), nullable=False, comment="MTUS, ACOEM, ODG, CCR (Title 8 CCR) or Other"),
    Column("text", Text, nullable=False, comment="the citation as written"),
    Column("guideline", String(300), comment='guideline or chapter: "Chronic Pain Medical Treatment Guidelines", "Low Back Complaints"'),
    Column("year", Integer),
    Column("topic", Text, comment='topic or section: "Carisoprodol", "Special Studies"'),
    Column("pages", String(100), comment='pages as written: "63-66"'),
)
Index("ix_guideline_citations_source", guideline_citations.c.source, guideline_citations.c.role, guideline_citations.c.guideline, guideline_citations.c.topic,
      guideline_citations.c.disputed_item_id, guideline_citations.c.case_id)
Index("ix_guideline_citations_disputed_item_id", guideline_citations.c.disputed_item_id, guideline_citations.c.role, guideline_citations.c.source, guideline_citations.c.guideline, guideline_citations.c.topic)
Index("ix_guideline_citations_guideline", guideline_citations.c.guideline, guideline_citations.c.source, guideline_citations.c.role,
      guideline_citations.c.topic, guideline_citations.c.disputed_item_id, guideline_citations.c.case_id)

ingest_errors = Table(
    "ingest_errors",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("ingest_runs.id")),
    Column("path", Text, nullable=False),
    Column("sha256", String(64)),
    Column("stage", String(20), nullable=False, comment="read, parse or store"),
    Column("message", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Every file that gave a letter, by its bytes' SHA-256: a file seen before is unchanged (never parsed
# again), whichever version of its letter the case holds now. Refused files are not here: they are retried.
source_files = Table(
    "source_files",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("path", Text, nullable=False, comment="the file as the ingest was given it"),
    Column("sha256", String(64), nullable=False, comment="SHA-256 of the file's bytes"),
    Column("size", Integer, comment="bytes (unknown for files recorded before revision 0009)"),
    Column("letter_sha256", String(64),
           comment="SHA-256 of the letter's facts: another file with the same is a duplicate (null: recorded before 0009)"),
    Column("case_id", Integer, ForeignKey("cases.id"), comment="the case this file's letter is (or was, for a replaced version)"),
    Column("outcome", String(20), nullable=False,
           comment="when first seen: ingested, replaced (a corrected letter), duplicate (the same letter), unchanged "
                   "(known bytes at a new path) or superseded (replaced later in the same run)"),
    Column("ingest_run_id", Integer, ForeignKey("ingest_runs.id"), comment="the run that first saw it"),
    Column("first_seen_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("sha256", "path"),
)
Index("ix_source_files_case_id", source_files.c.case_id)
Index("ix_source_files_letter_sha256", source_files.c.letter_sha256)

# A stored letter replaced by a different one with the same case number (a corrected letter).
case_replacements = Table(
    "case_replacements",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False),
    Column("case_number", String(20), nullable=False),
    Column("old_sha256", String(64), nullable=False, comment="the replaced version's file"),
    Column("new_sha256", String(64), nullable=False, comment="the file that replaced it"),
    Column("old_path", Text),
    Column("new_path", Text, nullable=False),
    Column("changed_fields", JSONArray, nullable=False,
           comment='what differs: case columns, "reviewer", "items", or "item 2 decision"'),
    Column("ingest_run_id", Integer, ForeignKey("ingest_runs.id")),
    Column("replaced_at", DateTime(timezone=True), nullable=False),
)
Index("ix_case_replacements_case_id", case_replacements.c.case_id)

drug_names = Table(
    "drug_names",
    metadata,
    Column("name", String(200), primary_key=True, comment="a name letters use: brand, generic, misspelling (lower case)"),
    Column("generic", String(300), nullable=False, comment="generic ingredient(s), lower case"),
    Column("drug_class", String(100)),
    comment="the drug lexicon (data/lexicon), refreshed by every ingest: lets queries match brand names",
)
Index("ix_drug_names_generic", drug_names.c.generic)

# One row per disputed item with its case, reviewer and treatment: the headline questions are one GROUP BY.
ITEMS_DETAIL_VIEW = "items_detail"
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
