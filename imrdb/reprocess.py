"""Re-derive stored items' treatment and drug columns after the lexicon changes (no source files read)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select

from imrdb.db.engine import migrate, open_existing
from imrdb.db.models import disputed_items
from imrdb.db.store import Store
from imrdb.enrich import CoverageReport, clear_cache, coverage, reload_lexicon
from imrdb.rows import drug_name_rows, enrichment

CHUNK = 1000


@dataclass
class ReprocessReport:
    items: int = 0
    updated: int = 0  # rows written (a new lexicon version alone rewrites every row's version stamp)
    reclassified: int = 0  # rows whose category, drug, class, region or amounts changed
    lexicon_version: str = ""

    def summary(self) -> str:
        return (f"{self.items} items re-derived with lexicon {self.lexicon_version}: "
                f"{self.reclassified} reclassified, {self.updated} rows updated")


def reprocess(db: str | None = None, on_progress=None) -> ReprocessReport:
    """Recompute every item's derived columns from its stored description; write only what changed."""
    lexicon = reload_lexicon()
    clear_cache()
    engine = open_existing(db)
    report = ReprocessReport(lexicon_version=lexicon.version)
    try:
        migrate(engine)
        store = Store(engine)
        store.refresh_drug_names(drug_name_rows())
        derived = list(enrichment("").keys())
        columns = [disputed_items.c.id, disputed_items.c.description] + [disputed_items.c[name] for name in derived]
        last_id = 0
        while True:
            with engine.begin() as connection:
                rows = connection.execute(
                    select(*columns).where(disputed_items.c.id > last_id).order_by(disputed_items.c.id).limit(CHUNK)
                ).all()
                if not rows:
                    break
                changes = []
                for row in rows:
                    fresh = enrichment(row.description)
                    stored = {name: getattr(row, name) for name in derived}
                    changed = [name for name in derived if _differs(stored[name], fresh[name])]
                    if changed:
                        changes.append({"item_id": row.id, **fresh})
                        report.reclassified += any(name != "lexicon_version" for name in changed)
                store.update_items(connection, changes)
            report.items += len(rows)
            report.updated += len(changes)
            last_id = rows[-1].id
            if on_progress:
                on_progress(len(rows))
    finally:
        engine.dispose()
    return report


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
