"""Serve the database with Datasette: read-only, loopback by default, SQL time-limited.

Besides the settings, this module is a small Datasette plugin (registered by make_datasette) that
datasette-metadata.yml configures under `plugins: imrdb:`:

* hidden_columns: columns left out of a table's default HTML view (the whole letter text, hashes,
  ingest bookkeeping). A table page asked for without ?_col / ?_nocol is redirected to the same
  page with ?_nocol= for each of them, so every link on it (sort, facet, next page) keeps them
  hidden; ?_allcols=1 (the column menu's "Show all columns", the table menu's link) shows them all.
  The JSON API and row pages always have every column.
* two facet types: `related` (facet a table by a column of the row a foreign key points to: letters
  by their reviewer's specialty) and `year` (facet an ISO date column by year).
* the SQL functions wilson_low and wilson_high (imrdb.rates) on every connection Datasette opens, for
  the 95% intervals of the canned queries and dashboard charts (and anyone's own SQL).
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import re
import socket
import sqlite3
import sys
import urllib.parse
from pathlib import Path

import pluggy

from imrdb.db.engine import check_sqlite_database
from imrdb.errors import CannotListen

METADATA_FILE = Path(__file__).resolve().parents[1] / "datasette-metadata.yml"
SETTINGS = {
    "sql_time_limit_ms": "3000",  # no query may hold the server longer than this
    "facet_time_limit_ms": "500",
    "max_returned_rows": "1000",
    "default_page_size": "50",
    "allow_download": "off",
    "num_sql_threads": "3",
    "truncate_cells_html": "300",  # rationales and summaries: the row page has them whole
    # A suggestion is a query per column on every table page: seconds on a large database. The facets
    # people use are configured in datasette-metadata.yml; any column's menu still has "Facet by this".
    "suggest_facets": "off",
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


def checkpoint(path: Path) -> None:
    """Fold the write-ahead log into the database file, so an immutable open sees every row."""
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def indexes_pending(path: Path) -> bool:
    """Whether a first ingest's index build is still to come: it is running, or was stopped in it (read-only)."""
    from imrdb.db.store import SCHEMA_NAMES, build_pending

    with contextlib.closing(sqlite3.connect(f"file:{urllib.parse.quote(str(path.resolve()))}?mode=ro", uri=True)) as connection:
        return build_pending(row[0] for row in connection.execute(SCHEMA_NAMES))


INDEXES_PENDING = ("{path}: the search and facet indexes are not built yet (a first ingest is still loading, or was "
                   "stopped before its end): letters show, but search finds them once an ingest completes the build")


METADATA_DATABASE = "imr"  # the name datasette-metadata.yml is written for
_DATABASE_LINK = re.compile(r"(?<=[(\"'])/imr(?=[/?#\"')])")


def load_metadata(path: Path, database_name: str, metadata: Path = METADATA_FILE) -> dict:
    """The metadata file, with its database section, dashboard charts and links named for the file served."""
    import yaml

    data = yaml.safe_load(metadata.read_text())
    databases = data.get("databases", {})
    if database_name not in databases and METADATA_DATABASE in databases:
        databases[database_name] = databases.pop(METADATA_DATABASE)
        data = _rename_database(data, database_name)
    return data


def _rename_database(value, name: str):
    """Every `db: imr` (dashboard charts and filters) and every /imr/ link in the text, renamed."""
    if isinstance(value, dict):
        return {key: (name if key == "db" and item == METADATA_DATABASE else _rename_database(item, name))
                for key, item in value.items()}
    if isinstance(value, list):
        return [_rename_database(item, name) for item in value]
    if isinstance(value, str):
        return _DATABASE_LINK.sub(f"/{urllib.parse.quote(name)}", value)
    return value


# robots.txt when the operator asks for the site to be indexed (datasette-block-robots otherwise
# disallows everything)
ALLOW_ROBOTS = "User-agent: *\nAllow: /"


def make_datasette(path: Path, immutable: bool = False, metadata: Path = METADATA_FILE, allow_robots: bool = False):
    """A Datasette instance configured like `imrdb serve`, for tests and for scripting."""
    from datasette.app import Datasette

    register_plugin()
    _quiet_client_errors()
    data = load_metadata(path, path.stem, metadata)
    if allow_robots:
        data.setdefault("plugins", {})["datasette-block-robots"] = {"literal": ALLOW_ROBOTS}
    return Datasette(
        immutables=[str(path)] if immutable else [],
        files=[] if immutable else [str(path)],
        metadata=data,
        settings={name: _setting_value(value) for name, value in SETTINGS.items()},
    )


def _quiet_client_errors() -> None:
    """No traceback in the console for a client's error: a mistyped URL, bad SQL, a query over the limit.

    Where `rich` is installed (Typer brings it), Datasette's error handler prints a traceback with
    every local variable for each error page it renders, 4xx included: some sixty lines for a 404.
    Without `rich` it prints a plain traceback for server errors (500) only, which is what a server
    log should hold. The client still gets Datasette's own error page or JSON either way."""
    from datasette import handle_exception

    handle_exception.rich = None


def _setting_value(value: str):
    if value in ("on", "off"):
        return value == "on"
    return int(value) if value.isdigit() else value


def serve(path: Path, host: str = LOOPBACK, port: int = 8001, immutable: bool = False,
          allow_robots: bool = False) -> None:
    import uvicorn

    check_sqlite_database(path)
    for warning in schema_warnings(path):
        print(f"warning: {warning}", file=sys.stderr, flush=True)
    if immutable:
        checkpoint(path)
    datasette = make_datasette(path, immutable=immutable, allow_robots=allow_robots)
    listening = listen(host, port)  # before saying "Serving": a port in use is one line, not a log
    print(f"Serving {path} read-only at http://{_url_host(host)}:{port}/ (Ctrl-C to stop)", flush=True)
    server = uvicorn.Server(uvicorn.Config(datasette.app(), log_level="warning", lifespan="on"))
    server.run(sockets=[listening])


def schema_warnings(path: Path) -> list[str]:
    """What a user should know before browsing this file: serving never migrates (read-only), so an
    older schema is named with what to run; on a current schema, a first ingest's pending index build.
    (An older schema lacks newer indexes too, so its indexes are not judged.)"""
    missing = missing_columns(path)
    if missing:
        return [f"{path} has an older schema, without {', '.join(missing)}: the queries and charts that use "
                f"them will fail; run `imrdb migrate --db {path}` first"]
    if indexes_pending(path):
        return [INDEXES_PENDING.format(path=path)]
    return []


def missing_columns(path: Path) -> list[str]:
    """The schema's tables and table.column names (imrdb.db.models) that the SQLite file lacks: an older
    revision. A missing table is named once ("table source_files"), not column by column.
    Read from the file's own table list, which is quick (Alembic's revision scan would add 0.3 s to start-up)."""
    from imrdb.db.models import metadata

    uri = f"file:{urllib.parse.quote(str(path.resolve()))}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as connection:
        stored = {name for name, in connection.execute("select m.name || '.' || c.name from sqlite_master m, "
                                                       "pragma_table_info(m.name) c where m.type = 'table'")}
    tables = {name.split(".", 1)[0] for name in stored}
    return [f"table {table.name}" for table in metadata.sorted_tables if table.name not in tables] + [
        f"{table.name}.{column.name}" for table in metadata.sorted_tables if table.name in tables
        for column in table.columns if f"{table.name}.{column.name}" not in stored]


# why a bind failed, and what to do about it
_BIND_FAILURES = {
    errno.EADDRINUSE: "the port is in use (another server?): choose another with --port",
    errno.EADDRNOTAVAIL: "not an address of this machine: use one of its own, or 127.0.0.1",
    errno.EACCES: "ports below 1024 need root: choose another with --port",
}


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to host:port for the server, or CannotListen saying why in one line."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0][0]
    except socket.gaierror as error:
        raise CannotListen(f"--host {host}: cannot resolve it: {error.strerror}") from None
    listening = socket.socket(family, socket.SOCK_STREAM)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a restart need not wait for TIME_WAIT
    try:
        listening.bind((host, port))
    except OSError as error:
        listening.close()
        reason = _BIND_FAILURES.get(error.errno, error.strerror or str(error))
        raise CannotListen(f"cannot serve on {_url_host(host)}:{port}: {reason}") from None
    return listening


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


# --------------------------------------------------------------------------- the imrdb Datasette plugin

PLUGIN_NAME = "imrdb"
hookimpl = pluggy.HookimplMarker("datasette")
SHOW_ALL_COLUMNS = "_allcols"


def register_plugin() -> None:
    """Register this module's Datasette hooks (once per process)."""
    from datasette.plugins import pm

    if pm.get_plugin(PLUGIN_NAME) is None:
        pm.register(sys.modules[__name__], name=PLUGIN_NAME)


def _hidden_columns(datasette) -> dict[str, list[str]]:
    return (datasette.plugin_config(PLUGIN_NAME) or {}).get("hidden_columns") or {}


async def _default_view_redirect(datasette, scope) -> str | None:
    """Where a table page without column choices should go to hide its configured columns, or None."""
    hidden = _hidden_columns(datasette)
    parts = scope.get("path", "").strip("/").split("/")
    if not hidden or len(parts) != 2:
        return None
    database_name, table = (urllib.parse.unquote(part) for part in parts)
    if table not in hidden or database_name not in datasette.databases:
        return None  # also .json, .csv: "cases.json" is not a configured table
    query = urllib.parse.parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    if any(key in ("_col", "_nocol", SHOW_ALL_COLUMNS) for key, _ in query):
        return None
    database = datasette.get_database(database_name)
    if not await database.table_exists(table):
        return None
    columns = set(await database.table_columns(table))
    to_hide = [column for column in hidden[table] if column in columns]
    if not to_hide:
        return None
    path = urllib.parse.quote(scope["path"], safe="/~-._")
    return path + "?" + urllib.parse.urlencode(query + [("_nocol", column) for column in to_hide])


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def hide_default_columns(scope, receive, send):
            if scope["type"] == "http" and scope.get("method") == "GET":
                location = await _default_view_redirect(datasette, scope)
                if location:
                    await send({"type": "http.response.start", "status": 302,
                                "headers": [(b"location", location.encode("latin-1")),
                                            (b"content-type", b"text/plain; charset=utf-8")]})
                    await send({"type": "http.response.body", "body": b""})
                    return
            await app(scope, receive, send)

        return hide_default_columns

    return wrap


@hookimpl
def prepare_connection(conn, database, datasette):
    from imrdb.rates import register_functions

    register_functions(conn)


@hookimpl
def table_actions(datasette, actor, database, table, request):
    if request is None or table not in _hidden_columns(datasette) or SHOW_ALL_COLUMNS in request.args:
        return None
    query = [(key, value) for key, value in urllib.parse.parse_qsl(request.query_string, keep_blank_values=True)
             if key not in ("_col", "_nocol")]
    href = request.path + "?" + urllib.parse.urlencode(query + [(SHOW_ALL_COLUMNS, "1")])
    hidden = ", ".join(_hidden_columns(datasette)[table])
    return [{"href": href, "label": f"Show all columns ({hidden})"}]


# Datasette 0.65 lists every column description above the table: fold the list away.
_FOLD_DESCRIPTIONS_SCRIPT = """
(function () {
  var list = document.querySelector("dl.column-descriptions");
  if (!list) { return; }
  var details = document.createElement("details");
  details.className = "column-descriptions-details";
  var summary = document.createElement("summary");
  summary.textContent = "What the columns mean (" + list.querySelectorAll("dt").length + ")";
  list.parentNode.insertBefore(details, list);
  details.appendChild(summary);
  details.appendChild(list);
})();
"""

# table.js's "Show all columns" drops ?_col and ?_nocol, which would bring the defaults back: ask for all.
_SHOW_ALL_SCRIPT = """
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest("a.dropdown-show-all-columns");
  if (!link) { return; }
  var url = new URL(link.getAttribute("href"), location.href);
  url.searchParams.set("%s", "1");
  link.setAttribute("href", url.pathname + url.search);
}, true);
""" % SHOW_ALL_COLUMNS


# Long text gets room to read instead of a column one word wide; the folded column list looks clickable.
_CSS = """
.rows-and-columns td.col-case_summary, .rows-and-columns td.col-rationale,
.rows-and-columns td.col-letter_text { min-width: 32em; }
.rows-and-columns td.col-description, .rows-and-columns td.col-original_request,
.rows-and-columns td.col-authorized_request, .rows-and-columns td.col-text,
.rows-and-columns td.col-guideline, .rows-and-columns td.col-topic { min-width: 14em; }
.rows-and-columns td[class*="date"], .rows-and-columns td.col-case_number { white-space: nowrap; }
details.column-descriptions-details { margin: 0.5em 0 1em 0; }
details.column-descriptions-details > summary { cursor: pointer; color: #276890; }
"""
CSS_PATH = "/-/imrdb.css"


@hookimpl
def register_routes(datasette):
    from datasette.utils.asgi import Response

    async def stylesheet():
        return Response(_CSS, content_type="text/css; charset=utf-8", headers={"cache-control": "max-age=3600"})

    return [("^" + re.escape(CSS_PATH) + "$", stylesheet)]


@hookimpl
def extra_css_urls(template, database, table, columns, view_name, request, datasette):
    return [datasette.urls.path(CSS_PATH)]


@hookimpl
def extra_body_script(template, database, table, columns, view_name, request, datasette):
    if view_name != "table":
        return None
    if table in _hidden_columns(datasette):
        return _FOLD_DESCRIPTIONS_SCRIPT + _SHOW_ALL_SCRIPT
    return _FOLD_DESCRIPTIONS_SCRIPT


_FACET_CLASSES: list = []


@hookimpl
def register_facet_classes():
    if not _FACET_CLASSES:
        _FACET_CLASSES.extend(_make_facet_classes())
    return _FACET_CLASSES


def _make_facet_classes() -> list:
    from datasette.database import QueryInterrupted
    from datasette.facets import Facet
    from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args

    def sql_string(value: str) -> str:
        return "'" + str(value).replace("'", "''") + "'"

    class _ComputedFacet(Facet):
        """A facet whose values are computed from a column; selecting one adds a filter to the URL."""

        order = "count desc, value"

        def describe(self, config: dict) -> tuple[str, str] | None:
            """(the facet's name, the column it starts from) for a config, or None to skip it."""
            raise NotImplementedError

        async def value_sql(self, column: str, config: dict) -> tuple[str, str] | None:
            """(the SQL expression of the value, the from clause), or None when this table can't have it."""
            raise NotImplementedError

        def filter_args(self, column: str, value, config: dict) -> list[tuple[str, str]]:
            """The query-string arguments that select rows with this value."""
            raise NotImplementedError

        async def facet_results(self):
            results, timed_out = [], []
            pairs = self.get_querystring_pairs()
            size = self.get_facet_size()
            for source_and_config in self.get_configs():
                config, source = source_and_config["config"], source_and_config["source"]
                described = self.describe(config)
                if described is None:
                    continue
                name, column = described
                value_and_from = await self.value_sql(column, config)
                if value_and_from is None:
                    continue
                value, from_clause = value_and_from
                sql = (f"select {value} as value, count(*) as count from {from_clause} "
                       f"where {value} is not null and {value} != '' "
                       f"group by {value} order by {self.order} limit {size + 1}")
                try:
                    rows = await self.ds.execute(self.database, sql, self.params, truncate=False,
                                                 custom_time_limit=self.ds.setting("facet_time_limit_ms"))
                except QueryInterrupted:
                    timed_out.append(name)
                    continue
                facet_arg = f"_facet_{self.type}"
                values = []
                for row in rows.rows[:size]:
                    args = self.filter_args(column, row["value"], config)
                    selected = all(arg in pairs for arg in args)
                    toggle = (path_with_removed_args(self.request, dict(args)) if selected
                              else path_with_added_args(self.request, args))
                    values.append({"value": row["value"], "label": row["value"], "count": row["count"],
                                   "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(toggle)),
                                   "selected": selected})
                removal = {key for key, item in pairs if key == facet_arg}
                results.append({
                    "name": name, "type": self.type, "results": values, "hideable": source != "metadata",
                    "toggle_url": self.ds.urls.path(path_with_removed_args(self.request, removal)),
                    "truncated": len(rows.rows) > size,
                })
            return results, timed_out

    class RelatedFacet(_ComputedFacet):
        """Facet by a column of the row a foreign key points to.

        metadata: `- related: {column: reviewer_id, field: primary_specialty, name: reviewer_specialty}`
        URL: ?_facet_related={"column": "reviewer_id", "field": "primary_specialty"}
        Selecting a value adds ?_where=reviewer_id in (select id from reviewers where primary_specialty = '...').
        """

        type = "related"

        def describe(self, config):
            column, field = config.get("column"), config.get("field")
            if not (column and field):
                return None
            return config.get("name") or f"{column}.{field}", column

        async def _target(self, column: str) -> tuple[str, str] | None:
            if not self.table:
                return None
            database = self.ds.get_database(self.database)
            for key in await database.foreign_keys_for_table(self.table):
                if key["column"] == column:
                    return key["other_table"], key["other_column"]
            return None

        async def value_sql(self, column, config):
            target = await self._target(column)
            if target is None:
                return None
            other_table, other_column = target
            self._targets = getattr(self, "_targets", {})
            self._targets[column] = target
            return (f"related.{escape_sqlite(config['field'])}",
                    f"({self.sql}) as faceted join {escape_sqlite(other_table)} as related "
                    f"on related.{escape_sqlite(other_column)} = faceted.{escape_sqlite(column)}")

        def filter_args(self, column, value, config):
            other_table, other_column = self._targets[column]
            return [("_where", f"{escape_sqlite(column)} in (select {escape_sqlite(other_column)} from "
                               f"{escape_sqlite(other_table)} where {escape_sqlite(config['field'])} = {sql_string(value)})")]

    class YearFacet(_ComputedFacet):
        """Facet an ISO date column (YYYY-MM-DD text) by year: ?_facet_year=date_of_injury.

        Selecting a year filters on a date range (?date_of_injury__gte=2010-01-01&date_of_injury__lt=2011-01-01),
        which the column's index answers.
        """

        type = "year"
        order = "value desc"

        def describe(self, config):
            column = config.get("column") or config.get("simple")
            return (config.get("name") or column, column) if column else None

        async def value_sql(self, column, config):
            return f"substr({escape_sqlite(column)}, 1, 4)", f"({self.sql})"

        def filter_args(self, column, value, config):
            if not str(value).isdigit():
                return [(f"{column}__startswith", str(value))]
            year = int(value)
            return [(f"{column}__gte", f"{year:04d}-01-01"), (f"{column}__lt", f"{year + 1:04d}-01-01")]

    return [RelatedFacet, YearFacet]
