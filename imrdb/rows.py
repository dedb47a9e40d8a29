"""Letter -> rows for the database tables. Pure functions: no database here.

Runs in the worker processes, so everything a row needs (including the enrichment of each item)
is computed before the single writer sees it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from imrdb import __version__
from imrdb.enrich import classify, lexicon_version
from imrdb.letter import Citation, Letter, Reviewer
from imrdb.sources import SourceText

PARSER_VERSION = __version__


@dataclass
class LetterRows:
    """One letter's rows; ids and foreign keys are filled in by the store."""

    case: dict
    reviewer: dict | None
    items: list[dict]
    citations: list[list[dict]]  # per item, in item order
    size: int | None = None  # the source file's bytes
    letter_sha256: str = ""  # of the letter's facts (`letter_hash`): the same letter from another file has the same

    def __post_init__(self):
        if not self.letter_sha256:
            self.letter_sha256 = letter_hash(self.facts())

    def facts(self) -> list:
        return letter_facts(self.case, self.reviewer, self.items, self.citations)

    @property
    def source_path(self) -> str:
        return self.case["source_path"]

    @property
    def case_number(self) -> str | None:
        return self.case["case_number"]

    @property
    def sha256(self) -> str:
        return self.case["source_sha256"]


# What a letter says, as opposed to how its file spells it: two files are the same letter when these are
# equal (a PDF and its text export, a re-download with other trailing bytes). Columns derived from these
# (decision year, item count, treatment categories, warnings) and the file itself (path, hash, format,
# the whole text with its line breaks) are left out.
FACT_CASE_COLUMNS = ("case_number", "date_assigned", "date_of_injury", "decision_date", "ur_denial_date",
                     "application_received", "priority", "patient_age", "patient_sex", "outcome", "case_summary")
FACT_ITEM_COLUMNS = ("position", "description", "decision", "rationale", "medically_necessary", "original_request",
                     "authorized_request")
FACT_CITATION_COLUMNS = ("role", "text")


def letter_facts(case: dict, reviewer: dict | None, items: list[dict], citations: list[list[dict]]) -> list:
    """A letter's facts as plain values, from the worker's rows or from stored ones alike."""
    return [
        [case[column] for column in FACT_CASE_COLUMNS],
        reviewer["profile_key"] if reviewer else None,
        [[*(item[column] for column in FACT_ITEM_COLUMNS),
          [[citation[column] for column in FACT_CITATION_COLUMNS] for citation in item_citations]]
         for item, item_citations in zip(items, citations)],
    ]


_FIELD, _ITEM, _CITATION = "\x1f", "\x1e", "\x1d"  # separators: clean.py unwraps text with str.split(), which drops them


def _token(value) -> str:
    if value is None:
        return "\x00"
    if isinstance(value, bool):  # before int: True is an int
        return "\x01T" if value else "\x01F"
    return value if isinstance(value, str) else f"\x02{value!r}"


def letter_hash(facts: list) -> str:
    """SHA-256 of `letter_facts`: equal facts, equal hash. (Joined by hand: json.dumps took 34 us a letter.)"""
    case, reviewer, items = facts
    text = _FIELD.join([*map(_token, case), _token(reviewer)]) + _ITEM + _ITEM.join(
        _FIELD.join([*map(_token, item[:-1]), _CITATION.join(_FIELD.join(map(_token, citation)) for citation in item[-1])])
        for item in items)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def changed_fields(old: list, new: list) -> list[str]:
    """What differs between two versions of a letter (`letter_facts`): case columns, "reviewer",
    "items" (a different number of them), or "item N column" / "item N citations"."""
    changed = [column for column, before, after in zip(FACT_CASE_COLUMNS, old[0], new[0]) if before != after]
    if old[1] != new[1]:
        changed.append("reviewer")
    if len(old[2]) != len(new[2]):
        return [*changed, "items"]
    for number, (before, after) in enumerate(zip(old[2], new[2]), start=1):
        changed += [f"item {number} {column}" for column, was, now in zip(FACT_ITEM_COLUMNS, before, after) if was != now]
        if before[-1] != after[-1]:
            changed.append(f"item {number} citations")
    return changed


def reviewer_row(reviewer: Reviewer) -> dict | None:
    if not (reviewer.specialties or reviewer.licensure_states):
        return None
    return {
        "profile_key": reviewer.profile_key,
        "specialties": list(reviewer.specialties),
        "primary_specialty": reviewer.primary_specialty,
        "licensure_states": list(reviewer.licensure_states),
    }


def enrichment(description: str, version: str | None = None) -> dict:
    """The derived columns of a disputed item (treatment category, drug, class, ...); `version` is
    lexicon_version() when the caller has it (a letter's items share it)."""
    treatment = classify(description)
    return {
        "treatment_category": treatment.treatment_category,
        "treatment_subcategory": treatment.treatment_subcategory,
        "drug_name": treatment.drug_name,
        "drug_class": treatment.drug_class,
        "strength": treatment.strength,
        "dosage_form": treatment.dosage_form,
        "quantity": treatment.quantity,
        "quantity_unit": treatment.quantity_unit,
        "refills": treatment.refills,
        "is_retrospective": treatment.is_retrospective,
        "body_region": treatment.body_region,
        "lexicon_version": version or lexicon_version(),
    }


def days_between(start: str | None, end: str | None) -> int | None:
    """Whole days from one ISO date to another (negative when `end` is earlier), None without both."""
    if not (start and end):
        return None
    return (dt.date.fromisoformat(end) - dt.date.fromisoformat(start)).days


def timeliness(decision_date: str | None, application_received: str | None, date_assigned: str | None) -> dict:
    """A case's timeliness columns (cases.days_to_decision, cases.days_assigned_to_decision) from its dates."""
    return {
        "days_to_decision": days_between(application_received, decision_date),
        "days_assigned_to_decision": days_between(date_assigned, decision_date),
    }


def drug_name_rows() -> list[dict]:
    """The drug lexicon as rows of `drug_names`: every name letters use, with its generic and class."""
    from imrdb.enrich.lexicon import load_lexicon

    return [{"name": key, "generic": entry.generic, "drug_class": entry.drug_class}
            for key, entry in sorted(load_lexicon().drugs.items())]


def citation_row(citation: Citation, position: int) -> dict:
    return {
        "position": position,
        "role": citation.role,
        "source": citation.source,
        "text": citation.text,
        "guideline": citation.guideline,
        "year": citation.year,
        "topic": citation.topic,
        "pages": citation.pages,
    }


def letter_rows(letter: Letter, source: SourceText, size: int | None = None) -> LetterRows:
    decision_date = letter.decision_date
    case = {
        "case_number": letter.case_number,
        "date_assigned": letter.date_assigned,
        "date_of_injury": letter.date_of_injury,
        "decision_date": decision_date,
        "ur_denial_date": letter.ur_denial_date,
        "application_received": letter.application_received,
        "decision_year": int(decision_date[:4]) if decision_date else None,
        "decision_month": decision_date[:7] if decision_date else None,
        **timeliness(decision_date, letter.application_received, letter.date_assigned),
        "priority": letter.priority,
        "patient_age": letter.patient_age,
        "patient_sex": letter.patient_sex,
        "outcome": letter.outcome,
        "item_count": len(letter.items),
        "case_summary": letter.case_summary,
        "letter_text": letter.letter_text,
        "parse_warnings": list(letter.warnings),
        "warning_count": len(letter.warnings),
        "source_path": str(source.path),
        "source_sha256": source.sha256,
        "source_format": source.format,
        "ocr_engine": source.ocr.engine if source.ocr else None,
        "ocr_confidence": source.ocr.confidence if source.ocr else None,
        "ocr_pages": len(source.ocr.pages) if source.ocr else None,
        "parser_version": PARSER_VERSION,
    }
    items = []
    citations = []
    version = lexicon_version()
    specialty = letter.reviewer.primary_specialty
    for item in letter.items:
        items.append({
            "position": item.position,
            "description": item.description,
            "decision": item.decision,
            "rationale": item.rationale,
            "medically_necessary": item.medically_necessary,
            "original_request": item.original_request,
            "authorized_request": item.authorized_request,
            "reviewer_specialty": specialty,
            **enrichment(item.description, version),
        })
        citations.append([citation_row(citation, index) for index, citation in enumerate(item.citations, start=1)])
    return LetterRows(case, reviewer_row(letter.reviewer), items, citations, size)
