"""Serve the database with Datasette: read-only, loopback by default, SQL time-limited."""

from __future__ import annotations

import ipaddress
import sqlite3
from pathlib import Path

from imrdb.errors import ImrdbError

METADATA_FILE = Path(__file__).resolve().parents[1] / "datasette-metadata.yml"
SETTINGS = {
    "sql_time_limit_ms": "3000",  # no query may hold the server longer than this
    "facet_time_limit_ms": "500",
    "max_returned_rows": "1000",
    "default_page_size": "50",
    "allow_download": "off",
    "num_sql_threads": "3",
}
LOOPBACK = "127.0.0.1"


def is_public(host: str) -> bool:
    """True for an address other machines can reach (0.0.0.0, a LAN or public address)."""
    if host in ("localhost", ""):
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True  # a host name: assume it resolves to something reachable


def check_database(path: Path) -> None:
    if not path.exists():
        raise ImrdbError(f"{path}: no such database; create it with `imrdb ingest PATH --db {path}`")
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
            connection.execute("select count(*) from cases").fetchone()
    except sqlite3.DatabaseError as error:
        raise ImrdbError(f"{path}: not an imrdb database ({error}); run `imrdb migrate --db {path}`") from None


def checkpoint(path: Path) -> None:
    """Fold the write-ahead log into the database file, so an immutable open sees every row."""
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def load_metadata(path: Path, database_name: str, metadata: Path = METADATA_FILE) -> dict:
    """The metadata file, with its database section named for the file being served."""
    import yaml

    data = yaml.safe_load(metadata.read_text())
    databases = data.get("databases", {})
    if database_name not in databases and "imr" in databases:
        databases[database_name] = databases.pop("imr")
    return data


def make_datasette(path: Path, immutable: bool = False, metadata: Path = METADATA_FILE):
    """A Datasette instance configured like `imrdb serve`, for tests and for scripting."""
    from datasette.app import Datasette

    return Datasette(
        immutables=[str(path)] if immutable else [],
        files=[] if immutable else [str(path)],
        metadata=load_metadata(path, path.stem, metadata),
        settings={name: _setting_value(value) for name, value in SETTINGS.items()},
    )


def _setting_value(value: str):
    if value in ("on", "off"):
        return value == "on"
    return int(value) if value.isdigit() else value


def serve(path: Path, host: str = LOOPBACK, port: int = 8001, immutable: bool = False) -> None:
    import uvicorn

    check_database(path)
    if immutable:
        checkpoint(path)
    datasette = make_datasette(path, immutable=immutable)
    print(f"Serving {path} read-only at http://{host}:{port}/ (Ctrl-C to stop)", flush=True)
    uvicorn.run(datasette.app(), host=host, port=port, log_level="warning", lifespan="on")
