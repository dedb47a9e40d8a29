"""Drug names in an item description -> generic ingredients and drug class.

Exact lookup first (every name in drugs.csv / compounds.csv, longest name first), then a guarded
fuzzy fallback for misspellings ("Carsoprodol", "Gabapenten").
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process

from . import patterns
from .lexicon import FUZZY_MAX_LENGTH_DIFFERENCE, FUZZY_MIN_LENGTH, Lexicon
from .models import DrugEntry

# rapidfuzz ratio (0-100) a misspelling must reach. 87 admits one wrong letter in an 8-letter name
# ("Naproxin", "Percoset") or one missing/extra letter in a 6-letter one, nothing looser.
FUZZY_SCORE_CUTOFF = 87.0

TOPICAL_COMPOUNDS = "Topical Compounds"

# Mineral salt words that follow a drug name ("fenoprofen calcium", "esomeprazole magnesium") are part
# of that name, not a second product.
SALT_WORDS = frozenset({"calcium", "magnesium", "potassium", "sodium", "zinc"})

# "Hydrocodone 10/325 mg" is hydrocodone with acetaminophen: an opioid whose strength is written over
# an acetaminophen dose (patterns.ACETAMINOPHEN_STRENGTH).
ACETAMINOPHEN_PARTNERS = frozenset({"hydrocodone", "oxycodone", "tramadol", "codeine", "dihydrocodeine"})


@dataclass(frozen=True)
class DrugInfo:
    drug_name: str  # '/'-joined generic ingredients
    drug_class: str
    ingredients: tuple[str, ...]
    dosage_form: str | None  # the form the product's name implies, if any


def find_drug_names(lexicon: Lexicon, tokens: list[str]) -> list[DrugEntry]:
    """Lexicon entries named in the token list, in order, longest name first at each position."""
    drugs = lexicon.drugs
    hits: list[DrugEntry] = []
    i, count = 0, len(tokens)
    while i < count:
        token = tokens[i]
        size = 1
        entry = None
        if token in lexicon.multiword_first_tokens:
            for size in range(min(lexicon.max_name_tokens, count - i), 1, -1):
                entry = drugs.get(" ".join(tokens[i : i + size]))
                if entry is not None:
                    break
            else:
                size = 1
        if entry is None:
            entry = drugs.get(token)
            if entry is not None and token in SALT_WORDS and i > 0 and hits and drugs.get(tokens[i - 1]) is hits[-1]:
                entry = None  # "naproxen sodium": a salt of the drug just named
        if entry is not None:
            hits.append(entry)
        i += size
    return hits


def fuzzy_match(lexicon: Lexicon, word: str) -> tuple[str, float] | None:
    """The lexicon name a misspelt word stands for, or None. Never matches short or ordinary words."""
    cache = lexicon.fuzzy_cache
    if word in cache:
        return cache[word]
    result = None
    if len(word) >= FUZZY_MIN_LENGTH and word.isalpha() and word not in lexicon.fuzzy_stopwords and word not in lexicon.drugs:
        candidates: list[str] = []
        for length in range(len(word) - FUZZY_MAX_LENGTH_DIFFERENCE, len(word) + FUZZY_MAX_LENGTH_DIFFERENCE + 1):
            candidates.extend(lexicon.fuzzy_names.get((word[0], length), ()))
        if candidates:
            best = process.extractOne(word, candidates, scorer=fuzz.ratio, score_cutoff=FUZZY_SCORE_CUTOFF)
            if best is not None:
                result = (best[0], float(best[1]))
    cache[word] = result
    return result


def fuzzy_drug_names(lexicon: Lexicon, tokens: list[str]) -> list[tuple[str, DrugEntry, float]]:
    """(word, entry, score) for each word of the description that fuzzy-matches a drug name."""
    found = []
    for token in tokens:
        match = fuzzy_match(lexicon, token)
        if match is not None:
            found.append((token, lexicon.drugs[match[0]], match[1]))
    return found


def add_implied_acetaminophen(lexicon: Lexicon, hits: list[DrugEntry], strength: str | None) -> list[DrugEntry]:
    """["hydrocodone"] with strength "10/325 mg" -> also acetaminophen (so: Norco's generic)."""
    if (
        strength
        and len(hits) == 1
        and hits[0].generic in ACETAMINOPHEN_PARTNERS
        and patterns.ACETAMINOPHEN_STRENGTH.search(strength)
        and "acetaminophen" in lexicon.drugs
    ):
        return [hits[0], lexicon.drugs["acetaminophen"]]
    return hits


def resolve(lexicon: Lexicon, hits: list[DrugEntry], topical: bool) -> DrugInfo:
    """One drug name and class for all the products an item names.

    * One product covers every ingredient named ("Norco (hydrocodone/APAP)") -> that product.
    * The ingredients together are a known product ("Hydrocodone/APAP") -> that product.
    * A topical with several ingredients -> "Topical Compounds", ingredients in alphabetical order
      (the same compound is written in any order).
    * Otherwise the products in the order named; the class of the highest-precedence one.
    A single-ingredient topical takes the ingredient's class from topical.csv.
    """
    unique: list[DrugEntry] = []
    for entry in hits:
        if all(entry.generic != seen.generic for seen in unique):
            unique.append(entry)
    ingredients: list[str] = []
    for entry in unique:
        for ingredient in entry.ingredients:
            if ingredient not in ingredients:
                ingredients.append(ingredient)
    wanted = set(ingredients)

    covering = [entry for entry in unique if wanted.issubset(entry.ingredients)]
    if covering:
        product = max(covering, key=lambda entry: len(entry.ingredients))
        drug_class = product.drug_class
        if topical and len(product.ingredients) == 1:
            drug_class = lexicon.topical_class.get(product.generic, drug_class)
        return DrugInfo(product.generic, drug_class, product.ingredients, product.dosage_form)

    known = lexicon.combinations.get(frozenset(wanted))
    if known is not None:
        return DrugInfo(known.generic, known.drug_class, known.ingredients, None)

    if topical:
        ordered = tuple(sorted(wanted))
        return DrugInfo("/".join(ordered), TOPICAL_COMPOUNDS, ordered, None)

    drug_class = min((entry.drug_class for entry in unique), key=lexicon.class_rank)
    return DrugInfo("/".join(ingredients), drug_class, tuple(ingredients), None)
