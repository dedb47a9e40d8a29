"""Enrich stage: pure functions that derive structured facts from a disputed item's description.

    >>> from imrdb.enrich import classify
    >>> t = classify("Retro Soma 350mg #90")
    >>> (t.treatment_category, t.drug_name, t.drug_class, t.strength, t.quantity, t.is_retrospective)
    ('Pharmaceuticals', 'carisoprodol', 'Muscle Relaxant', '350 mg', 90.0, True)

The vocabulary (drug names, classes, treatment rules, body regions) is data in data/lexicon/;
lexicon_version() identifies the lexicon a row was derived with.
"""

from .coverage import CoverageReport, coverage, format_report
from .lexicon import LexiconError, lexicon_dir, lexicon_version, load_lexicon, reload_lexicon
from .models import Explanation, Treatment
from .treatments import classify, clear_cache, explain

__all__ = [
    "CoverageReport",
    "Explanation",
    "LexiconError",
    "Treatment",
    "classify",
    "clear_cache",
    "coverage",
    "explain",
    "format_report",
    "lexicon_dir",
    "lexicon_version",
    "load_lexicon",
    "reload_lexicon",
]
