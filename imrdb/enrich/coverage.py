"""How much of a batch of item descriptions the lexicon understands, and what it misses."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from .lexicon import lexicon_version
from .treatments import PHARMACEUTICALS, classify


@dataclass(frozen=True)
class CoverageReport:
    total: int  # descriptions counted (duplicates included)
    categorized: int  # with a treatment category
    pharmaceutical: int  # category Pharmaceuticals
    pharmaceutical_with_drug: int  # ... and a drug name
    pharmaceutical_with_class: int  # ... and a drug class
    by_category: list[tuple[str, int]] = field(default_factory=list)  # most frequent first
    uncategorized: list[tuple[str, int]] = field(default_factory=list)  # description, count; most frequent first
    unnamed_drugs: list[tuple[str, int]] = field(default_factory=list)  # pharmaceutical without a drug name
    lexicon_version: str = ""

    @property
    def categorized_share(self) -> float:
        return self.categorized / self.total if self.total else 1.0

    @property
    def drug_named_share(self) -> float:
        return self.pharmaceutical_with_drug / self.pharmaceutical if self.pharmaceutical else 1.0


def _most_frequent(counter: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))


def coverage(descriptions: Iterable[str]) -> CoverageReport:
    """Classify every description and count what got a category, a drug name and a drug class."""
    total = categorized = pharmaceutical = with_drug = with_class = 0
    categories: Counter[str] = Counter()
    uncategorized: Counter[str] = Counter()
    unnamed: Counter[str] = Counter()
    for description in descriptions:
        total += 1
        treatment = classify(description)
        if treatment.treatment_category is None:
            uncategorized[description.strip()] += 1
            continue
        categorized += 1
        categories[treatment.treatment_category] += 1
        if treatment.treatment_category == PHARMACEUTICALS:
            pharmaceutical += 1
            with_drug += treatment.drug_name is not None
            with_class += treatment.drug_class is not None
            if treatment.drug_name is None:
                unnamed[description.strip()] += 1
    return CoverageReport(
        total=total,
        categorized=categorized,
        pharmaceutical=pharmaceutical,
        pharmaceutical_with_drug=with_drug,
        pharmaceutical_with_class=with_class,
        by_category=_most_frequent(categories),
        uncategorized=_most_frequent(uncategorized),
        unnamed_drugs=_most_frequent(unnamed),
        lexicon_version=lexicon_version(),
    )


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def format_report(report: CoverageReport, limit: int = 25) -> str:
    """A plain-text report: counts, categories, then the most frequent misses (up to `limit` each)."""
    lines = [
        f"Lexicon {report.lexicon_version}",
        f"Items:                        {report.total}",
        f"  with a treatment category:  {report.categorized} ({_share(report.categorized, report.total)})",
        f"Pharmaceutical items:         {report.pharmaceutical}",
        f"  with a drug name:           {report.pharmaceutical_with_drug} ({_share(report.pharmaceutical_with_drug, report.pharmaceutical)})",
        f"  with a drug class:          {report.pharmaceutical_with_class} ({_share(report.pharmaceutical_with_class, report.pharmaceutical)})",
    ]
    if report.by_category:
        lines.append("")
        lines.append("By category:")
        lines.extend(f"  {count:>7}  {category}" for category, count in report.by_category)
    for title, misses in (
        ("Uncategorized descriptions", report.uncategorized),
        ("Pharmaceutical descriptions without a drug name", report.unnamed_drugs),
    ):
        if misses:
            lines.append("")
            lines.append(f"{title} ({len(misses)} distinct, most frequent first):")
            lines.extend(f"  {count:>7}  {description}" for description, count in misses[:limit])
            if len(misses) > limit:
                lines.append(f"  ... and {len(misses) - limit} more")
    return "\n".join(lines)
