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


def datasette_args(path: Path, host: str = LOOPBACK, port: int = 8001, immutable: bool = False,
                   metadata: Path = METADATA_FILE) -> list[str]:
    """The `datasette serve` arguments imrdb uses; read-only either way.

    Default: opened read-only (mode=ro), so a running ingest's new letters appear as they land.
    `immutable`: opened as an unchanging file (faster counts; only for a finished snapshot).
    """
    args = ["serve", ("-i" if immutable else ""), str(path), "--host", host, "--port", str(port),
            "--metadata", str(metadata)]
    for name, value in SETTINGS.items():
        args += ["--setting", name, value]
    return [arg for arg in args if arg]


def make_datasette(path: Path, immutable: bool = False, metadata: Path = METADATA_FILE):
    """A Datasette instance configured like `imrdb serve`, for tests and for scripting."""
    import yaml
    from datasette.app import Datasette

    return Datasette(
        immutables=[str(path)] if immutable else [],
        files=[] if immutable else [str(path)],
        metadata=yaml.safe_load(metadata.read_text()),
        settings={name: _setting_value(value) for name, value in SETTINGS.items()},
    )


def _setting_value(value: str):
    if value in ("on", "off"):
        return value == "on"
    return int(value) if value.isdigit() else value


def serve(path: Path, host: str = LOOPBACK, port: int = 8001, immutable: bool = False) -> None:
    from datasette.cli import cli as datasette_cli

    check_database(path)
    if immutable:
        checkpoint(path)
    datasette_cli.main(args=datasette_args(path, host, port, immutable), prog_name="datasette")
