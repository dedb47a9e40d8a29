"""Re-derive stored rows after the lexicon, the citation reader (or imrdb) changes, from what is stored:
no source file is read.

Items: treatment, drug, class, amounts and body region from the description, and their guideline
citations from the stored citation texts. Letters: the timeliness columns (days_to_decision,
days_assigned_to_decision) from the stored dates. Also: what the lexicon misses; citation figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from collections import Counter

from sqlalchemy import and_, func, or_, select

from imrdb import citations
from imrdb.db.engine import migrate, open_existing
from imrdb.db.models import cases, disputed_items, guideline_citations
from imrdb.db.store import Store
from imrdb.enrich import CoverageReport, clear_cache, coverage, load_lexicon, reload_lexicon
from imrdb.rows import citation_row, drug_name_rows, enrichment, timeliness

CHUNK = 1000


@dataclass
class ReprocessReport:
    items: int = 0
    updated: int = 0  # rows written (a new lexicon version alone rewrites every row's version stamp)
    reclassified: int = 0  # rows whose category, drug, class, region or amounts changed
    lexicon_version: str = ""
    citations_before: int = 0
    citations_after: int = 0
    items_recited: int = 0  # items whose citations changed
    letters: int = 0
    letters_updated: int = 0  # letters whose timeliness columns changed

    def summary(self) -> str:
        return (f"{self.items} items re-derived with lexicon {self.lexicon_version}: "
                f"{self.reclassified} reclassified, {self.updated} rows updated; "
                f"citations of {self.items_recited} items re-derived "
                f"({self.citations_before} citation rows before, {self.citations_after} after); "
                f"{self.letters} letters' timeliness re-derived: {self.letters_updated} updated")


def reprocess(db: str | None = None, on_progress=None) -> ReprocessReport:
    """Recompute every item's derived columns from its stored description, and every letter's
    timeliness from its stored dates; write only what changed."""
    lexicon = reload_lexicon()
    clear_cache()
    citations.clear_cache()
    engine = open_existing(db)
    report = ReprocessReport(lexicon_version=lexicon.version)
    try:
        migrate(engine)
        store = Store(engine)
        store.refresh_drug_names(drug_name_rows())
        items = _rederive(engine, store, disputed_items, [disputed_items.c.description], list(enrichment("")),
                          lambda row: enrichment(row.description), on_progress,
                          on_chunk=lambda connection, rows: _rederive_citations(
                              connection, store, [row.id for row in rows], report))
        report.items, report.updated = items.rows, len(items.changed)
        report.reclassified = sum(any(name != "lexicon_version" for name in names) for names in items.changed)
        dates = [cases.c.decision_date, cases.c.application_received, cases.c.date_assigned]
        letters = _rederive(engine, store, cases, dates, list(timeliness(None, None, None)),
                            lambda row: timeliness(row.decision_date, row.application_received, row.date_assigned))
        report.letters, report.letters_updated = letters.rows, len(letters.changed)
    finally:
        engine.dispose()
    return report


@dataclass
class _Rederived:
    rows: int
    changed: list[list[str]]  # per row written, the names of the columns that changed


def _rederive(engine, store: Store, table, inputs: list, derived: list[str], derive, on_progress=None,
              on_chunk=None) -> _Rederived:
    """Walk `table` in id order, CHUNK rows a transaction; write the `derived` columns that `derive(row)`
    gives where they differ from the stored ones; `on_chunk(connection, rows)` does more in the same
    transaction."""
    result = _Rederived(0, [])
    last_id = 0
    while True:
        with engine.begin() as connection:
            rows = connection.execute(
                select(table.c.id, *inputs, *(table.c[name] for name in derived))
                .where(table.c.id > last_id).order_by(table.c.id).limit(CHUNK)
            ).all()
            if not rows:
                break
            changes = []
            for row in rows:
                fresh = derive(row)
                changed = [name for name in fresh if _differs(getattr(row, name), fresh[name])]
                if changed:
                    changes.append({"id": row.id, **fresh})
                    result.changed.append(changed)
            store.update_rows(connection, table, changes)
            if on_chunk:
                on_chunk(connection, rows)
        result.rows += len(rows)
        last_id = rows[-1].id
        if on_progress:
            on_progress(len(rows))
    return result


_CITATION_FIELDS = ("role", "source", "text", "guideline", "year", "topic", "pages")


def _rederive_citations(connection, store: Store, item_ids: list[int], report: ReprocessReport) -> None:
    """Read each item's citations again from their stored texts; rewrite an item's rows where they change.

    A stored text is read as the guideline line it came from was: it may now give two rows ("MTUS Low
    Back Complaints 2004, Section(s): Physical Methods, and Chronic Pain Medical Treatment 2009, ...").
    Rows that repeat the text before them (two ODG chapters read from one text) are read once."""
    columns = [guideline_citations.c[name] for name in ("disputed_item_id", "case_id", "position", *_CITATION_FIELDS)]
    stored = connection.execute(
        select(*columns).where(guideline_citations.c.disputed_item_id.in_(item_ids))
        .order_by(guideline_citations.c.disputed_item_id, guideline_citations.c.position)
    ).all()
    by_item: dict[int, list] = {}
    for row in stored:
        by_item.setdefault(row.disputed_item_id, []).append(row)
    changed_items, fresh_rows = [], []
    for item_id, rows in by_item.items():
        before = [tuple(getattr(row, name) for name in _CITATION_FIELDS) for row in rows]
        after = []
        previous = None
        for row in rows:
            if (row.role, row.text) == previous:
                continue
            previous = (row.role, row.text)
            after += [citation_row(citation, 0) for citation in citations.parse_guideline_text(row.text, row.role)]
        report.citations_before += len(before)
        report.citations_after += len(after)
        if [tuple(fresh[name] for name in _CITATION_FIELDS) for fresh in after] != before:
            changed_items.append(item_id)
            fresh_rows += [{**fresh, "position": position, "disputed_item_id": item_id, "case_id": rows[0].case_id}
                           for position, fresh in enumerate(after, start=1)]
    store.replace_citations(connection, changed_items, fresh_rows)
    store.refresh_letter_hashes(connection, sorted({by_item[item_id][0].case_id for item_id in changed_items}))
    report.items_recited += len(changed_items)


def _differs(stored, fresh) -> bool:
    if isinstance(fresh, bool) or isinstance(stored, bool):
        return (None if stored is None else bool(stored)) != fresh
    if isinstance(fresh, float) and stored is not None:
        return abs(float(stored) - fresh) > 1e-9
    return stored != fresh


def unmapped(db: str | None = None, limit: int = 50) -> list[tuple[str, str, int]]:
    """The most frequent stored item descriptions with no category, or pharmaceuticals with no drug."""
    engine = open_existing(db)
    try:
        with engine.connect() as connection:
            missing = or_(
                disputed_items.c.treatment_category.is_(None),
                and_(disputed_items.c.treatment_category == "Pharmaceuticals",
                     or_(disputed_items.c.drug_name.is_(None), disputed_items.c.drug_class.is_(None))),
            )
            reason = func.coalesce(disputed_items.c.treatment_category, "no category")
            query = (
                select(disputed_items.c.description, reason.label("reason"), func.count().label("n"))
                .where(missing)
                .group_by(disputed_items.c.description, reason)
                .order_by(func.count().desc(), disputed_items.c.description)
                .limit(limit)
            )
            return [(row.description, "no drug" if row.reason == "Pharmaceuticals" else row.reason, row.n)
                    for row in connection.execute(query)]
    finally:
        engine.dispose()


def unmapped_citations(db: str | None = None, limit: int = 50) -> list[tuple[str, str, int]]:
    """The most frequent stored ODG and MTUS citation texts left without a chapter (guideline null)."""
    engine = open_existing(db)
    try:
        with engine.connect() as connection:
            g = guideline_citations.c
            query = (
                select(g.text, g.source, func.count().label("n"))
                .where(g.source.in_(("ODG", "MTUS")), g.guideline.is_(None))
                .group_by(g.text, g.source)
                .order_by(func.count().desc(), g.text)
                .limit(limit)
            )
            return [(row.text, row.source, row.n) for row in connection.execute(query)]
    finally:
        engine.dispose()


@dataclass
class ClosedListTally:
    """How one source's rows stand against its closed list (odg_chapters.csv, mtus_guidelines.csv)."""

    rows: int = 0
    null: int = 0
    outside: Counter = field(default_factory=Counter)  # guideline values not in the list

    def add(self, guideline: str | None, names: set[str]) -> None:
        self.rows += 1
        if guideline is None:
            self.null += 1
        elif guideline not in names:
            self.outside[guideline] += 1

    @property
    def in_list(self) -> int:
        return self.rows - self.null - sum(self.outside.values())


@dataclass
class CitationFigures:
    """How well stored citations group: the targets of issue 14, on any database."""

    rows: int = 0
    odg: ClosedListTally = field(default_factory=ClosedListTally)
    mtus: ClosedListTally = field(default_factory=ClosedListTally)
    two_guidelines: list = field(default_factory=list)  # (id, source, guideline, topic) still naming a second guideline

    def summary(self) -> str:
        def share(part, whole):
            return f"{part}/{whole} ({100.0 * part / whole:.1f}%)" if whole else f"{part}/0"
        odg, mtus = self.odg, self.mtus
        lines = [
            f"citation rows: {self.rows}",
            f"ODG rows: {odg.rows}; guideline in odg_chapters.csv or null: {share(odg.in_list + odg.null, odg.rows)}; "
            f"null: {share(odg.null, odg.rows)}",
            f"MTUS rows: {mtus.rows}; guideline in mtus_guidelines.csv: {share(mtus.in_list, mtus.rows)}; "
            f"null: {share(mtus.null, mtus.rows)}",
            f"rows holding two guidelines: {len(self.two_guidelines)}",
        ]
        for source, tally in (("ODG", odg), ("MTUS", mtus)):
            lines += [f"  {source} guideline outside the list: {name!r} x{n}" for name, n in tally.outside.most_common()]
        lines += [f"  two guidelines: row {row[0]} {row[1]} {row[2]!r} / {row[3]!r}" for row in self.two_guidelines]
        return "\n".join(lines)


def citation_figures(db: str | None = None, source_paths: list[str] | None = None) -> CitationFigures:
    """The figures of every stored citation, or of the letters stored from `source_paths` only."""
    lexicon = load_lexicon()
    figures = CitationFigures()
    closed_lists = {"ODG": (figures.odg, {name.name for name in lexicon.odg_chapters}),
                    "MTUS": (figures.mtus, {name.name for name in lexicon.mtus_guidelines})}
    engine = open_existing(db)
    try:
        with engine.connect() as connection:
            g = guideline_citations.c
            query = select(g.id, g.source, g.guideline, g.topic).join(cases, cases.c.id == g.case_id).order_by(g.id)
            if source_paths is not None:
                query = query.where(cases.c.source_path.in_(source_paths))
            for row in connection.execute(query):
                figures.rows += 1
                if row.source in closed_lists:
                    tally, names = closed_lists[row.source]
                    tally.add(row.guideline, names)
                if citations.holds_two_guidelines(row.source, row.guideline, row.topic):
                    figures.two_guidelines.append(tuple(row))
    finally:
        engine.dispose()
    return figures


def stored_coverage(db: str | None = None) -> CoverageReport:
    """Coverage of the current lexicon over every stored item description."""
    engine = open_existing(db)
    try:
        with engine.connect() as connection:
            descriptions = connection.execute(select(disputed_items.c.description)).scalars()
            return coverage(descriptions)
    finally:
        engine.dispose()
