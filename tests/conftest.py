"""Shared fixtures: the sample letters, the real dev letters (when ../shared is present), databases."""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
SHARED = Path(os.environ.get("IMRDB_SHARED", ROOT.parent / "shared"))
REAL_DEV = SHARED / "real-letters" / "dev"
DEV_FACTS = SHARED / "real-letters" / "dev-facts.json"
POSTGRES_URL = os.environ.get("IMRDB_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def sample(prefix: str) -> Path:
    return next(SAMPLES.glob(f"{prefix}_*.txt"))


@pytest.fixture(scope="session")
def dev_facts() -> dict:
    if not DEV_FACTS.exists():
        pytest.skip(f"real dev letters not present at {DEV_FACTS.parent} (they live in ../shared, beside the repo)")
    return json.loads(DEV_FACTS.read_text())


def postgres_available() -> str | None:
    """Why PostgreSQL can't be used, or None when it can."""
    try:
        import psycopg  # noqa: F401
        from sqlalchemy import create_engine, text

        engine = create_engine(POSTGRES_URL)
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as error:  # noqa: BLE001 - any failure means: skip with the reason
        return f"no PostgreSQL reachable at {POSTGRES_URL}: {type(error).__name__}: {str(error).splitlines()[0]}"


_PG_REASON = "unchecked"


@contextlib.contextmanager
def postgres_schema() -> Iterator[str]:
    """A URL for a fresh PostgreSQL schema, dropped afterwards; skips when no server answers."""
    global _PG_REASON
    if _PG_REASON == "unchecked":
        _PG_REASON = postgres_available()
    if _PG_REASON:
        pytest.skip(_PG_REASON)
    from sqlalchemy import create_engine, text

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:  # a test that fails inside `with postgres_schema()` leaves no schema behind either
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """A fresh, empty database URL on each backend: a temp SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'imr.db'}"
        return
    with postgres_schema() as url:
        yield url


@pytest.fixture
def postgres_url() -> str:
    """A fresh, empty PostgreSQL schema's URL, for what only PostgreSQL does."""
    with postgres_schema() as url:
        yield url
