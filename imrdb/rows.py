"""Letter -> rows for the database tables. Pure functions: no database here.

Runs in the worker processes, so everything a row needs (including the enrichment of each item)
is computed before the single writer sees it.
"""

from __future__ import annotations

from dataclasses import dataclass

from imrdb import __version__
from imrdb.enrich import classify, lexicon_version
from imrdb.letter import Letter, Reviewer
from imrdb.sources import SourceText

PARSER_VERSION = __version__


@dataclass
class LetterRows:
    """One letter's rows; ids and foreign keys are filled in by the store."""

    case: dict
    reviewer: dict | None
    items: list[dict]
    citations: list[list[dict]]  # per item, in item order

    @property
    def case_number(self) -> str | None:
        return self.case["case_number"]

    @property
    def sha256(self) -> str:
        return self.case["source_sha256"]


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


def drug_name_rows() -> list[dict]:
    """The drug lexicon as rows of `drug_names`: every name letters use, with its generic and class."""
    from imrdb.enrich.lexicon import load_lexicon

    return [{"name": key, "generic": entry.generic, "drug_class": entry.drug_class}
            for key, entry in sorted(load_lexicon().drugs.items())]


def letter_rows(letter: Letter, source: SourceText) -> LetterRows:
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
        citations.append([
            {
                "position": index,
                "role": citation.role,
                "source": citation.source,
                "text": citation.text,
                "guideline": citation.guideline,
                "year": citation.year,
                "topic": citation.topic,
                "pages": citation.pages,
            }
            for index, citation in enumerate(item.citations, start=1)
        ])
    return LetterRows(case, reviewer_row(letter.reviewer), items, citations)
