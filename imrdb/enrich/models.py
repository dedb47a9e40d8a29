"""Plain data classes of the enrich stage. No database here."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Treatment:
    """What one disputed item asks for, derived from its description alone."""

    treatment_category: str | None = None  # DWC treatment category: "Pharmaceuticals", "DMEPOS", ...
    treatment_subcategory: str | None = None  # DWC subcategory; for Pharmaceuticals the drug class
    drug_name: str | None = None  # generic ingredient(s), lower case, '/'-joined: "hydrocodone/acetaminophen"
    drug_class: str | None = None  # "Opioids", "Muscle Relaxant", "Topical Compounds", ...
    ingredients: tuple[str, ...] = ()  # drug_name split on '/'
    strength: str | None = None  # as stated, spacing normalised: "10/325 mg", "350 mg", "10%"
    dosage_form: str | None = None  # tablet, capsule, cream, patch, gel, solution, dose pack, ...
    quantity: float | None = None  # 60 for "#60"; 6 for "3 times a week for 2 weeks"
    quantity_unit: str | None = None  # count, box, container, g, ml, session, visit, day, week, month, hour
    refills: int | None = None
    is_retrospective: bool = False
    body_region: str | None = None  # first region mentioned: "lumbar spine", "knee", "wrist/hand", ...


@dataclass(frozen=True)
class DrugEntry:
    """One lexicon row: a name a letter may use for a drug product."""

    name: str  # as written in the data file
    key: str  # the name's tokens joined by single spaces: the lookup key
    generic: str  # '/'-joined generic ingredients
    ingredients: tuple[str, ...]
    drug_class: str
    dosage_form: str | None
    source: str  # "drugs.csv:12"


@dataclass(frozen=True)
class Rule:
    """One ordered treatment rule from treatments.yaml."""

    name: str
    category: str
    subcategory: str | None
    pattern: str
    examples: tuple[str, ...]
    before_drugs: bool  # True when the rule sits above the drug-name marker


@dataclass(frozen=True)
class Explanation:
    """Why classify() said what it said: for curators and the `imrdb unmapped` report."""

    description: str
    treatment: Treatment
    rule: str | None  # the treatment rule that decided the category, or "drug_names"
    drug_names: tuple[str, ...]  # lexicon names found in the text, as the data file writes them
    fuzzy: tuple[tuple[str, str, float], ...]  # (word in text, lexicon name, score) fuzzy matches


@dataclass(frozen=True)
class GuidelineName:
    """One lexicon row naming a guideline: an ODG chapter, an MTUS guideline or another source."""

    name: str  # canonical: "Low Back", "Chronic Pain Medical Treatment Guidelines", "UpToDate"
    pattern: str  # a regular expression for one way letters write it
    kind: str  # "chapter" (the words name it) or "section" (the words name a section it holds)
    examples: tuple[str, ...]
    source: str  # "odg_chapters.csv:12"
