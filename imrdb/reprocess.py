"""Re-derive stored rows after the lexicon (or imrdb) changes, from what is stored: no source file is read.

Items: treatment, drug, class, amounts and body region from the description. Letters: the timeliness
columns (days_to_decision, days_assigned_to_decision) from the stored dates.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select

from imrdb.db.engine import migrate, open_existing
from imrdb.db.models import cases, disputed_items
from imrdb.db.store import Store
from imrdb.enrich import CoverageReport, clear_cache, coverage, reload_lexicon
from imrdb.rows import drug_name_rows, enrichment, timeliness

CHUNK = 1000


@dataclass
class ReprocessReport:
    items: int = 0
    updated: int = 0  # rows written (a new lexicon version alone rewrites every row's version stamp)
    reclassified: int = 0  # rows whose category, drug, class, region or amounts changed
    lexicon_version: str = ""
    letters: int = 0
    letters_updated: int = 0  # letters whose timeliness columns changed

    def summary(self) -> str:
        return (f"{self.items} items re-derived with lexicon {self.lexicon_version}: "
                f"{self.reclassified} reclassified, {self.updated} rows updated; "
                f"{self.letters} letters' timeliness re-derived: {self.letters_updated} updated")


def reprocess(db: str | None = None, on_progress=None) -> ReprocessReport:
    """Recompute every item's derived columns from its stored description, and every letter's
    timeliness from its stored dates; write only what changed."""
    lexicon = reload_lexicon()
    clear_cache()
    engine = open_existing(db)
    report = ReprocessReport(lexicon_version=lexicon.version)
    try:
        migrate(engine)
        store = Store(engine)
        store.refresh_drug_names(drug_name_rows())
        items = _rederive(engine, store, disputed_items, [disputed_items.c.description], list(enrichment("")),
                          lambda row: enrichment(row.description), on_progress)
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


def _rederive(engine, store: Store, table, inputs: list, derived: list[str], derive, on_progress=None) -> _Rederived:
    """Walk `table` in id order, CHUNK rows a transaction; write the `derived` columns that `derive(row)`
    gives where they differ from the stored ones."""
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
        result.rows += len(rows)
        last_id = rows[-1].id
        if on_progress:
            on_progress(len(rows))
    return result


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


def stored_coverage(db: str | None = None) -> CoverageReport:
    """Coverage of the current lexicon over every stored item description."""
    engine = open_existing(db)
    try:
        with engine.connect() as connection:
            descriptions = connection.execute(select(disputed_items.c.description)).scalars()
            return coverage(descriptions)
    finally:
        engine.dispose()
