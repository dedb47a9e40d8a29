"""classify(): one disputed item's description -> Treatment (category, drug, amounts, body region).

Pure functions over the lexicon in data/lexicon/; results are memoised per description.
"""

from __future__ import annotations

import functools

from . import details, drugs, patterns
from .lexicon import DRUG_MARKER, Lexicon, load_lexicon
from .models import DrugEntry, Explanation, Rule, Treatment
from .wordmatch import word_starts

PHARMACEUTICALS = "Pharmaceuticals"
# Therapies whose bare counts ("Acupuncture x 6", "#6") are sessions.
SESSION_CATEGORIES = frozenset({"Rehabilitation", "Therapies"})
CACHE_SIZE = 1 << 15  # distinct descriptions remembered per process (~0.5 KB each)


def classify(description: str) -> Treatment:
    """The treatment a disputed item's description asks for.

    >>> classify("Norco 10/325mg #35").drug_name
    'hydrocodone/acetaminophen'
    """
    return _explain(load_lexicon(), description).treatment


def explain(description: str) -> Explanation:
    """classify() plus the rule and lexicon names that decided it (for curators)."""
    return _explain(load_lexicon(), description)


def clear_cache() -> None:
    _explain.cache_clear()


def _first_rule(lexicon: Lexicon, text: str, positions: list[int] | None = None) -> Rule | None:
    index = lexicon.rule_matcher.first_pattern(text, positions)
    return None if index is None else lexicon.rules[index]


def body_region(lexicon: Lexicon, text: str, positions: list[int] | None = None) -> str | None:
    """The first body region the (normalised) text mentions."""
    found = lexicon.region_matcher.leftmost(text, positions)
    return None if found is None else lexicon.region_names[found[0]]


@functools.lru_cache(maxsize=CACHE_SIZE)
def _explain(lexicon: Lexicon, description: str) -> Explanation:
    text = patterns.normalize(description or "")
    positions = word_starts(text)
    rule = _first_rule(lexicon, text, positions)
    tokens = patterns.NAME_TOKEN.findall(text)

    category = subcategory = decided_by = None
    hits: list[DrugEntry] = []
    if rule is None or not rule.before_drugs or rule.category in lexicon.drug_detail_categories:
        hits = drugs.find_drug_names(lexicon, tokens)
    if rule is not None and rule.before_drugs:
        category, subcategory, decided_by = rule.category, rule.subcategory, rule.name
    elif hits:
        category, decided_by = PHARMACEUTICALS, DRUG_MARKER
    elif rule is not None:
        category, subcategory, decided_by = rule.category, rule.subcategory, rule.name

    fuzzy: list[tuple[str, DrugEntry, float]] = []
    if not hits and category in (None, PHARMACEUTICALS):
        fuzzy = drugs.fuzzy_drug_names(lexicon, tokens)
        if fuzzy:
            hits = [entry for _, entry, _ in fuzzy]
            if category is None:
                category, decided_by = PHARMACEUTICALS, "fuzzy_drug_names"
            subcategory = None

    drug_name = drug_class = strength = dosage_form = None
    ingredients: tuple[str, ...] = ()
    is_drug_item = category in lexicon.drug_detail_categories and (bool(hits) or category == PHARMACEUTICALS)
    if is_drug_item:
        strength = details.parse_strength(text)
        dosage_form = details.parse_dosage_form(text, positions)
        if hits:
            topical = category == PHARMACEUTICALS and (
                dosage_form in patterns.TOPICAL_FORMS or patterns.TOPICAL_WORDS.search(text) is not None
            )
            info = drugs.resolve(lexicon, drugs.add_implied_acetaminophen(lexicon, hits, strength), topical)
            drug_name, drug_class, ingredients = info.drug_name, info.drug_class, info.ingredients
            dosage_form = dosage_form or info.dosage_form
    if category == PHARMACEUTICALS:
        drug_class = drug_class or subcategory  # a class word alone ("opioid medication")
        subcategory = drug_class

    quantity, quantity_unit = details.parse_quantity(
        text,
        is_drug=category == PHARMACEUTICALS,
        sessions=category in SESSION_CATEGORIES or (category, subcategory) == ("Psych Services", "Therapies"),
    )
    treatment = Treatment(
        treatment_category=category,
        treatment_subcategory=subcategory,
        drug_name=drug_name,
        drug_class=drug_class,
        ingredients=ingredients,
        strength=strength,
        dosage_form=dosage_form,
        quantity=quantity,
        quantity_unit=quantity_unit,
        refills=details.parse_refills(text),
        is_retrospective=details.is_retrospective(text),
        body_region=body_region(lexicon, text, positions),
    )
    return Explanation(
        description=description,
        treatment=treatment,
        rule=decided_by,
        drug_names=tuple(entry.name for entry in hits),
        fuzzy=tuple((word, entry.name, score) for word, entry, score in fuzzy),
    )
