"""``medigraph serve``: a small read-only SPARQL 1.1 endpoint over the embedded store.

Why not ``oxigraph serve``: it opens the store read-write and offers updates; this server
offers only the SPARQL 1.1 Protocol *query* operation (GET and POST, results negotiated by
the ``Accept`` header) with the same defaults as ``medigraph query`` — union default graph,
predeclared prefixes, a time limit — and a page at ``/`` to type a query and see a table.
It holds the store's lock while it runs, so an export cannot change the data under it.
"""

from __future__ import annotations

import html
import json
import threading
import urllib.parse
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox

from .mapping import DEFAULT_BASE
from .query import (
    DEFAULT_TIMEOUT_S,
    QueryError,
    QuerySyntaxError,
    QueryTimeout,
    _with_timeout,
    check_syntax,
    default_prefixes,
    saved_queries,
)
from .store import StoreMissing, _is_store, open_writable

MAX_BODY = 1 << 20  # a query, not a dataset: 1 MiB is plenty

RESULTS_TYPES = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "application/xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD
    if hasattr(ox.RdfFormat, "JSON_LD")
    else ox.RdfFormat.TURTLE,
}


class QueryServer(ThreadingHTTPServer):
    """The HTTP server; handlers reach the store, prefixes and limits through it."""

    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], store: ox.Store, prefixes: dict[str, str], timeout: float
    ) -> None:
        super().__init__(address, Handler)
        self.store = store
        self.prefixes = prefixes
        self.timeout = timeout
        self.page = _page(prefixes)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}/"


def make_server(
    store_path: str | Path,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    timeout: float = DEFAULT_TIMEOUT_S,
    base: str = DEFAULT_BASE,
) -> QueryServer:
    """A server bound to ``host:port`` (0: a free port), not yet serving (call ``serve_forever``)."""
    if not _is_store(Path(store_path)):
        raise StoreMissing(f"no medigraph store at {store_path}")
    # Holding the writer's lock (without ever writing) keeps an export from changing the
    # files under a running server; a read-only RocksDB open would not notice it.
    store = open_writable(store_path, wait=0)
    return QueryServer((host, port), store, default_prefixes(base), timeout)


def _choose(accept: str, offered: dict[str, object], default: str) -> str | None:
    """The offered media type the Accept header prefers; ``None`` if it accepts none."""
    if not accept.strip():
        return default
    choices: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        if quality <= 0:
            continue
        media = media.lower()
        if media in offered:
            choices.append((-quality, position, media))
        elif media in ("*/*", "application/*", "text/*"):
            choices.append((-quality, position, default))
    return min(choices)[2] if choices else None


class Handler(BaseHTTPRequestHandler):
    """SPARQL 1.1 Protocol query operation, and the page."""

    server: QueryServer
    server_version = "medigraph-serve"

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet by default: queries may be long and personal

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        form = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        if url.path in ("/", "/index.html"):
            self._send(HTTPStatus.OK, "text/html; charset=utf-8", self.server.page.encode())
        elif url.path == "/query":
            self._query(form)
        else:
            self._error(HTTPStatus.NOT_FOUND, "not found; the SPARQL endpoint is /query")

    def do_POST(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        if url.path in ("/update", "/store"):
            self._error(HTTPStatus.FORBIDDEN, "this endpoint is read-only")
            return
        if url.path != "/query":
            self._error(HTTPStatus.NOT_FOUND, "not found; the SPARQL endpoint is /query")
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "query too large")
            return
        body = self.rfile.read(length).decode("utf-8", "replace")
        kind = (self.headers.get_content_type() or "").lower()
        form = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        if kind == "application/sparql-query":
            form["query"] = [body]
        elif kind == "application/x-www-form-urlencoded":
            for key, values in urllib.parse.parse_qs(body, keep_blank_values=True).items():
                form.setdefault(key, []).extend(values)
        elif kind == "application/sparql-update":
            self._error(HTTPStatus.FORBIDDEN, "this endpoint is read-only: no SPARQL updates")
            return
        else:
            self._error(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, f"unsupported content type {kind}")
            return
        self._query(form)

    def _query(self, form: dict[str, list[str]]) -> None:
        if "update" in form:
            self._error(HTTPStatus.FORBIDDEN, "this endpoint is read-only: no SPARQL updates")
            return
        queries = form.get("query", [])
        if len(queries) != 1:
            self._error(HTTPStatus.BAD_REQUEST, "give exactly one query parameter")
            return
        text = queries[0]
        server = self.server
        options: dict[str, object] = {"prefixes": server.prefixes}
        defaults = form.get("default-graph-uri", [])
        named = form.get("named-graph-uri", [])
        try:
            kind = check_syntax(text, server.prefixes)
            if defaults:
                options["default_graph"] = [ox.NamedNode(g) for g in defaults]
            # Otherwise the store's default graph: the deduplicated union of the documents.
            if named:
                options["named_graphs"] = [ox.NamedNode(g) for g in named]
        except QuerySyntaxError as exc:
            self._error(HTTPStatus.BAD_REQUEST, str(exc))
            return
        except ValueError as exc:
            self._error(HTTPStatus.BAD_REQUEST, f"invalid graph IRI: {exc}")
            return
        offered: dict[str, object] = dict(GRAPH_TYPES if kind == "graph" else RESULTS_TYPES)
        media = _choose(
            self.headers.get("Accept", ""),
            offered,
            "text/turtle" if kind == "graph" else "application/sparql-results+json",
        )
        if media is None:
            self._error(HTTPStatus.NOT_ACCEPTABLE, "acceptable: " + ", ".join(offered))
            return

        def work() -> bytes:
            result = server.store.query(text, **options)  # type: ignore[arg-type]
            if isinstance(result, ox.QueryTriples):
                triples = list(result)
                rdf_format = GRAPH_TYPES[media]
                if rdf_format in (ox.RdfFormat.TURTLE,):
                    return ox.serialize(triples, format=rdf_format, prefixes=server.prefixes) or b""
                return ox.serialize(triples, format=rdf_format) or b""
            output = result.serialize(format=RESULTS_TYPES[media])
            assert output is not None
            return output

        try:
            payload = _with_timeout(work, server.timeout, "the query")
        except QueryTimeout as exc:
            self._error(HTTPStatus.SERVICE_UNAVAILABLE, str(exc))
            return
        except (QueryError, OSError, RuntimeError, SyntaxError) as exc:
            self._error(HTTPStatus.BAD_REQUEST, f"the query failed: {exc}")
            return
        self._send(HTTPStatus.OK, f"{media}; charset=utf-8", payload)

    def _error(self, status: HTTPStatus, message: str) -> None:
        self._send(status, "text/plain; charset=utf-8", (message + "\n").encode())

    def _send(self, status: HTTPStatus, media: str, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)


def serve_in_thread(server: QueryServer) -> threading.Thread:
    """Start serving in a daemon thread (for tests and notebooks); stop with ``server.shutdown()``."""
    thread = threading.Thread(target=server.serve_forever, name="medigraph-serve", daemon=True)
    thread.start()
    return thread


def _page(prefixes: dict[str, str]) -> str:
    saved = {q.name: {"title": q.title, "text": q.text} for q in saved_queries().values()}
    listing = "\n".join(f"PREFIX {n}: <{iri}>" for n, iri in sorted(prefixes.items()))
    data = json.dumps(saved).replace("</", "<\\/")  # never let a query close the script
    return PAGE.replace("@SAVED@", data).replace("@PREFIXES@", html.escape(listing))


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>medigraph SPARQL</title>
<style>
body{font:14px system-ui,sans-serif;margin:1.5em;max-width:110em}
textarea{width:100%;height:14em;font:13px monospace}
table{border-collapse:collapse;margin-top:1em}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}
th{background:#eee}#status{margin:.5em 0;color:#555}#error{color:#b00;white-space:pre;font-family:monospace}
pre{background:#f6f6f6;padding:.5em}
</style></head><body>
<h1>medigraph SPARQL</h1>
<p>Read-only endpoint: <code>/query</code> (SPARQL 1.1 Protocol). The default graph is the union
of all document graphs; these prefixes are predeclared:</p>
<details><summary>prefixes</summary><pre>@PREFIXES@</pre></details>
<p><label>Saved query: <select id="saved"><option value="">—</option></select></label></p>
<form id="form"><textarea id="query" name="query" spellcheck="false">SELECT DISTINCT ?community WHERE { ?c medigy:community/schema:name ?community } ORDER BY ?community</textarea>
<p><button type="submit">Run</button></p></form>
<div id="status"></div><div id="error"></div><div id="result"></div>
<script>
const saved = @SAVED@;
const select = document.getElementById("saved");
for (const [name, q] of Object.entries(saved)) {
  const option = document.createElement("option"); option.value = name; option.textContent = name + " — " + q.title;
  select.appendChild(option);
}
select.addEventListener("change", () => { if (select.value) document.getElementById("query").value = saved[select.value].text; });
function cell(term) {
  if (!term) return "";
  if (term.type === "literal" && term["xml:lang"]) return term.value + " @" + term["xml:lang"];
  return term.value;
}
async function run(text) {
  const status = document.getElementById("status"), error = document.getElementById("error"), out = document.getElementById("result");
  status.textContent = "running…"; error.textContent = ""; out.textContent = "";
  const started = performance.now();
  const response = await fetch("query", {method: "POST",
    headers: {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json, text/turtle;q=0.9"},
    body: new URLSearchParams({query: text})});
  const body = await response.text();
  const seconds = ((performance.now() - started) / 1000).toFixed(3);
  if (!response.ok) { status.textContent = "error " + response.status; error.textContent = body; return; }
  if (!(response.headers.get("Content-Type") || "").includes("json")) {
    const pre = document.createElement("pre"); pre.textContent = body; out.appendChild(pre);
    status.textContent = "triples in " + seconds + " s"; return;
  }
  const data = JSON.parse(body);
  if ("boolean" in data) { out.textContent = String(data.boolean); out.dataset.boolean = String(data.boolean); status.textContent = "answered in " + seconds + " s"; return; }
  const table = document.createElement("table"); table.id = "results";
  const head = table.insertRow();
  for (const name of data.head.vars) { const th = document.createElement("th"); th.textContent = name; head.appendChild(th); }
  for (const row of data.results.bindings) {
    const tr = table.insertRow();
    for (const name of data.head.vars) tr.insertCell().textContent = cell(row[name]);
  }
  out.appendChild(table);
  status.textContent = data.results.bindings.length + " rows in " + seconds + " s";
  status.dataset.rows = String(data.results.bindings.length);
}
document.getElementById("form").addEventListener("submit", (event) => { event.preventDefault(); run(document.getElementById("query").value); });
const initial = new URLSearchParams(location.search).get("query");
if (initial) { document.getElementById("query").value = initial; run(initial); }
</script></body></html>
"""
