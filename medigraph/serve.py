"""``medigraph serve``: a small read-only SPARQL 1.1 endpoint over the embedded store.

Why not ``oxigraph serve``: it opens the store read-write and offers updates; this server
offers only the SPARQL 1.1 Protocol *query* operation (GET and POST, results negotiated by
the ``Accept`` header) with the same defaults as ``medigraph query`` — union default graph,
predeclared prefixes, a time limit — and a page at ``/`` to type a query and see a table.
It holds the store's lock while it runs, so an export cannot change the data under it.

Queries run in worker processes that open the store read-only: pyoxigraph cannot interrupt a
query, but a process can be ended, so a query past its time does not run on for nobody.
"""

from __future__ import annotations

import codecs
import contextlib
import html
import io
import ipaddress
import json
import os
import queue
import re
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, BinaryIO, cast

import pyoxigraph as ox

from .mapping import DEFAULT_BASE
from .query import (
    DEFAULT_TIMEOUT_S,
    QueryError,
    QuerySyntaxError,
    QueryTimeout,
    SavedQuery,
    as_written_in,
    bind_params,
    calls_service,
    check_chained,
    check_nesting,
    check_syntax,
    default_prefixes,
    insert_values,
    looks_like_update,
    query_kind,
    saved_queries,
    uses_service,
    write_rows,
)
from .sparql import check_timeout
from .store import (
    StoreBusy,
    StoreError,
    StoreMissing,
    _is_store,
    open_read_only,
    open_writable,
    reading,
)
from .writers import ReadableLines

MAX_BODY = 1 << 20  # a query, not a dataset: 1 MiB is plenty
LINGER_S = 10.0
LINGER_BYTES = 64 << 20
"""How long, and how much, a refused request's rest is read before its connection closes."""
MAX_LINE = 65536
"""The longest request line http.server reads (a GET's query with it): past it, a 414."""
_HEX = re.compile(rb"[0-9A-Fa-f]{1,16}")
"""A chunk size (RFC 9112 §7.1): hexadecimal digits, nothing else."""
ALLOWED = "GET, HEAD, POST"
NOT_CHARSETS = frozenset({"punycode", "idna", "undefined"})
"""Python text codecs that name no character set a client would send a query in."""
PAGE_PATHS = ("/", "/index.html")
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
"""The names a browser uses for this machine: on a loopback address, requests naming any
other host are refused, so a web page cannot reach the endpoint by DNS rebinding."""

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


SD = "http://www.w3.org/ns/sparql-service-description#"
SD_PREFIXES = {"sd": SD, "formats": "http://www.w3.org/ns/formats/"}
RESULT_FORMATS = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "RDF_XML",
    "JSON-LD",
)


def _description(endpoint: str) -> list[ox.Triple]:
    """What the endpoint offers, in the Service Description vocabulary: SPARQL 1.1 queries
    (no updates), the result formats, and a default graph that is the union of the graphs."""
    service, dataset, graph = ox.BlankNode(), ox.BlankNode(), ox.BlankNode()
    a = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")

    def sd(name: str) -> ox.NamedNode:
        return ox.NamedNode(SD + name)

    triples = [
        ox.Triple(service, a, sd("Service")),
        ox.Triple(service, sd("endpoint"), ox.NamedNode(endpoint)),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")),
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(dataset, a, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), graph),
        ox.Triple(graph, a, sd("Graph")),
    ]
    triples += [
        ox.Triple(service, sd("resultFormat"), ox.NamedNode(SD_PREFIXES["formats"] + name))
        for name in RESULT_FORMATS
    ]
    return triples


class QueryServer(ThreadingHTTPServer):
    """The HTTP server; handlers reach the store, prefixes and limits through it."""

    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        store: ox.Store,
        prefixes: dict[str, str],
        timeout: float,
        store_path: str | Path = "",
        workers: int = 2,
    ) -> None:
        if ":" in address[0]:  # an IPv6 address such as ::1
            self.address_family = socket.AF_INET6
        self.answers: set[str] = set()
        """The temporary files the answers are being written to or sent from: each request
        removes its own; closing the server removes those left (an answer still being sent,
        or one whose request the exit cut short)."""
        super().__init__(address, Handler)
        self.store: ox.Store | None = store
        """Held open for writing (never written) so that no export changes it meanwhile."""
        self.holds_lock = True
        """False when the store's files cannot be written, so it is held read-only."""
        self.prefixes = prefixes
        self.timeout = timeout
        self.page = _page(prefixes)
        self.workers = _Workers(os.fspath(store_path), prefixes, workers)

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that stops reading (``curl … | head``, a closed tab) is no error of the
        server's: only other failures print their traceback."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]

    def server_close(self) -> None:
        """End the query processes, remove the answers' files and let go of the store (an
        export may write it again). Also called by the base class when binding failed, before
        there are any workers."""
        workers = getattr(self, "workers", None)
        if workers is not None:
            workers.close()
        for answer in list(getattr(self, "answers", ())):
            with contextlib.suppress(OSError):
                os.unlink(answer)
        self.store = None  # the last reference: RocksDB's lock goes with it
        super().server_close()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        shown = f"[{host!s}]" if ":" in str(host) else str(host)  # an IPv6 address
        return f"http://{shown}:{port}/"


def make_server(
    store_path: str | Path,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    timeout: float = DEFAULT_TIMEOUT_S,
    base: str = DEFAULT_BASE,
    workers: int | None = None,
    mapping: str | os.PathLike[str] | None = None,
) -> QueryServer:
    """A server bound to ``host:port`` (0: a free port), not yet serving (call ``serve_forever``).

    ``workers`` queries run at once, each in a process of its own (default: the cores, at
    most 4); ``server_close`` ends them. The prefixes predeclared in its queries are the
    bundled mapping's, or the ``mapping`` file's (a broken one raises
    :class:`~medigraph.mapping.MappingError`, before the store is opened)."""
    check_timeout(timeout)
    prefixes = default_prefixes(base, mapping)
    if workers is not None and workers < 1:  # none would ever answer: every query a 503
        raise ValueError(f"workers must be at least 1 (or None: the cores, at most 4): {workers}")
    if not _is_store(Path(store_path)):
        raise StoreMissing(f"no medigraph store at {store_path}")
    # A store an export left half made is refused as `query` refuses it (opened for writing,
    # RocksDB would quietly complete it into an empty one); looked at only under the read
    # lock, as a store an export is writing reads as nonsense ("may be corrupted").
    try:
        with reading(store_path, wait=0):
            open_read_only(store_path)  # closed again at once
    except StoreBusy:
        raise StoreError(
            f"the store at {store_path} is in use by another process (an export is updating"
            " it); start the server when it has finished"
        ) from None
    # Holding the writer's lock (without ever writing) keeps an export from changing the
    # files under a running server; a read-only RocksDB open would not notice it.
    locked = True
    try:
        store = open_writable(store_path, wait=0)
    except StoreError as exc:
        if not _cannot_write(exc):
            raise
        # A store on a read-only volume, or one the user may only read: served all the same
        # (no export can change it either, unless another user's); the caller says so.
        store = open_read_only(store_path)
        locked = False
    size = workers or min(4, os.cpu_count() or 1)
    try:
        server = QueryServer((host, port), store, prefixes, timeout, store_path, size)
    except BaseException as exc:
        # A port in use, a bad base: the error's frames hold the store, and with it the lock,
        # for as long as the caller keeps the error (a REPL keeps the last one).
        del store
        traceback.clear_frames(exc.__traceback__)
        raise
    server.holds_lock = locked
    return server


def _cannot_write(exc: StoreError) -> bool:
    """Whether the store could not be opened for writing because its files cannot be
    written (a read-only file system, no permission), not because another process holds it."""
    cause = exc.__cause__
    text = str(cause or exc).lower()
    return "read-only file system" in text or "permission denied" in text


def _host_name(header: str) -> str:
    """The host named by a ``Host`` header, without its port (``[::1]:80`` → ``::1``)."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


ALIASES = frozenset({"application/json", "application/xml"})
"""Other names of offered types, answered when named but never chosen for a range (``*/*``)."""
_WEIGHT = re.compile(r"(?:0(?:\.\d*)?|1(?:\.0*)?|\.\d+)")
"""A weight (RFC 9110 §12.4.2: at most three decimals, read here with any number of them,
and ``.5`` as Java's default ``Accept`` writes it)."""


def _ranges(accept: str) -> list[tuple[str, float]]:
    """The media ranges of an Accept header with their weights, in order. A weight that is
    no number from 0 to 1 (``q=abc``, ``q=1.5``) is ignored, as if not given (1); an entry
    that is no ``type/subtype`` is ignored."""
    ranges = []
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q" and _WEIGHT.fullmatch(value.strip()):
                quality = float(value)
        media = media.lower()
        if media.count("/") == 1 and all(media.split("/")):
            ranges.append((media, quality))
    return ranges


def _choose(accept: str, offered: dict[str, object], default: str) -> str | None:
    """The offered media type the Accept header prefers; ``None`` if it accepts none.

    As RFC 9110 §12.5.1 has it, the most specific range that matches a type gives its
    weight (``text/*;q=0.9, text/csv;q=0.1``: CSV 0.1, TSV 0.9), and weight 0 makes it not
    acceptable (``*/*, text/turtle;q=0``: anything but Turtle). Of the types with the
    highest weight, the one whose range comes first in the header; for one range, the
    default first, then the others as offered (:data:`ALIASES` only when named)."""
    if not accept.strip():
        return default
    ranges = _ranges(accept)
    best: tuple[float, int, int, str] | None = None
    for rank, media in enumerate(dict.fromkeys((default, *offered))):
        kind = media.split("/")[0]
        matches = [
            (specific, -position, quality)
            for position, (name, quality) in enumerate(ranges)
            for specific in [{media: 2, f"{kind}/*": 1, "*/*": 0}.get(name, -1)]
            if specific == 2 or (specific >= 0 and media not in ALIASES)
        ]
        if not matches:
            continue
        _specific, position, quality = max(matches)  # the most specific; of those the first
        if quality > 0:
            key = (-quality, -position, rank, media)
            best = key if best is None or key < best else best
    return best[3] if best is not None else None


class Handler(BaseHTTPRequestHandler):
    """SPARQL 1.1 Protocol query operation, and the page."""

    server: QueryServer
    server_version = "medigraph-serve"

    timeout = 60
    """Seconds a connection may stay silent (reading a request, taking an answer)."""

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet by default: queries may be long and personal

    _unread = False
    """Whether a request was refused before it was read whole (413, 414)."""

    def handle(self) -> None:
        super().handle()
        if self._unread:
            self._linger()

    def _linger(self) -> None:
        """Read and drop what the client still sends of a request refused unread, for a
        while, before closing: closed with data unread, the connection is reset, and a
        client still sending (Python's urllib, a body or a URL of a few MiB)
        gets a broken pipe instead of the answer that says what to do."""
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_WR)  # the answer is whole: EOF after it
            end = time.monotonic() + LINGER_S
            dropped = 0
            while dropped < LINGER_BYTES and (left := end - time.monotonic()) > 0:
                self.connection.settimeout(min(left, 2.0))
                data = self.connection.recv(1 << 16)
                if not data:
                    break
                dropped += len(data)

    def _trusted(self) -> bool:
        """Whether the request comes to this endpoint by its own name, and from its own page
        or from no page at all: answers ``False`` (after sending 403) otherwise.

        A web page the user opens elsewhere can send requests to a loopback port: by a form
        (no ``Origin`` check in the browser for a simple POST), a link or an image (a GET with
        no ``Origin`` at all: ``Sec-Fetch-Site`` tells it) or, once its own name resolves to
        127.0.0.1 (DNS rebinding), as the same origin, reading every answer. The page itself
        may be opened from anywhere (a shared link): it then runs nothing by itself."""
        bound = str(self.server.server_address[0])
        with contextlib.suppress(ValueError):
            if not ipaddress.ip_address(bound).is_loopback:
                return True  # served to the network on purpose: any name reaches it
        own = LOOPBACK_NAMES | {bound}
        host = _host_name(self.headers.get("Host", ""))
        origin = self.headers.get("Origin")
        if host and host not in own:  # browsers always name the host; old clients may not
            self._error(HTTPStatus.FORBIDDEN, "unknown host; use http://127.0.0.1:PORT/")
            return False
        if self._from_elsewhere() and urllib.parse.urlsplit(self.path).path not in PAGE_PATHS:
            self._error(HTTPStatus.FORBIDDEN, "requests from other web pages are refused")
            return False
        if origin is not None:
            parts = urllib.parse.urlsplit(origin)
            try:
                port = parts.port
            except ValueError:
                port = None
            if not (
                parts.scheme == "http"
                and (parts.hostname or "") in own
                and port == self.server.server_address[1]
            ):
                self._error(HTTPStatus.FORBIDDEN, "requests from other web pages are refused")
                return False
        return True

    def _from_elsewhere(self) -> bool:
        """Whether a browser says another site (or another port of this one) sent the
        request; typed addresses, bookmarks, the page's own requests and clients that are
        not browsers say nothing of the kind."""
        site = (self.headers.get("Sec-Fetch-Site") or "").strip().lower()
        return site in ("cross-site", "same-site")

    def do_GET(self) -> None:
        if not self._trusted():
            return
        url = urllib.parse.urlsplit(self.path)
        form = self._form(url.query)
        if form is None:
            return
        if url.path in PAGE_PATHS:
            # A link from elsewhere to /?query=… fills the text box; the person runs it.
            autorun = "false" if self._from_elsewhere() else "true"
            page = self.server.page.replace("@AUTORUN@", autorun, 1)
            self._send(HTTPStatus.OK, "text/html; charset=utf-8", page.encode())
        elif url.path == "/query" and not form:
            self._describe()
        elif url.path == "/query":
            self._query(form)
        else:
            self._error(HTTPStatus.NOT_FOUND, "not found; the SPARQL endpoint is /query")

    do_HEAD = do_GET  # the same status and headers; _send leaves the body out

    def _not_allowed(self) -> None:
        self._error(
            HTTPStatus.METHOD_NOT_ALLOWED,
            "use GET or POST (SPARQL 1.1 Protocol query operation)",
            {"Allow": ALLOWED},
        )

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_CONNECT = do_TRACE = _not_allowed

    def _form(self, query: str, charset: str = "utf-8") -> dict[str, list[str]] | None:
        """The parameters of a query string or form body, given as its bytes read as Latin-1
        (as http.server reads the request line), decoded as ``charset`` (UTF-8 unless the
        request says otherwise, as WHATWG URL-encoded parsing has it): raw bytes and
        percent-escapes alike. ``None``, after a 400, when they are not text in it: a
        replacement character would change the query quietly."""
        # Latin-1 maps bytes to the first 256 code points one to one, so the parsed names
        # and values give back the exact bytes, escaped or not, to decode as the charset.
        fields = urllib.parse.parse_qs(query, keep_blank_values=True, encoding="latin-1")
        try:
            return {
                name.encode("latin-1").decode(charset): [
                    value.encode("latin-1").decode(charset) for value in values
                ]
                for name, values in fields.items()
            }
        except UnicodeDecodeError:
            self._error(HTTPStatus.BAD_REQUEST, f"the request is not {charset} text")
            return None

    def _body(self) -> bytes | None:
        """The request body, ``Content-Length`` bytes or chunked; ``None`` after an error."""
        codings = (self.headers.get("Transfer-Encoding") or "").lower()
        if codings:
            if [c.strip() for c in codings.split(",")] != ["chunked"]:
                # RFC 9112 §6.1: a transfer coding the server does not apply (gzip) is a 501.
                self._error(HTTPStatus.NOT_IMPLEMENTED, f"transfer coding {codings!r}")
                return None
            return self._chunked()
        declared = (self.headers.get("Content-Length") or "0").strip()
        length = int(declared) if declared.isascii() and declared.isdigit() else -1
        if length < 0:
            self._error(HTTPStatus.BAD_REQUEST, "Content-Length must be a number of bytes")
            return None
        if length > MAX_BODY:
            self._too_large()
            return None
        return self.rfile.read(length)

    def _too_large(self) -> None:
        self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "query too large")
        self._unread = True
        self.close_connection = True

    def _chunked(self) -> bytes | None:
        """A chunked body (HTTP/1.1 clients that stream one), at most ``MAX_BODY`` bytes."""
        body = bytearray()
        while True:
            line = self.rfile.readline(1024).split(b";")[0].strip()
            # Hex digits only: int(…, 16) also takes "-1" (read to the end, past the limit),
            # "+6", "0x6" and "6_0".
            if not _HEX.fullmatch(line):
                self._error(HTTPStatus.BAD_REQUEST, "malformed chunked body")
                return None
            size = int(line, 16)
            if size == 0:
                while self.rfile.readline(1024).strip():
                    pass  # trailers
                return bytes(body)
            if len(body) + size > MAX_BODY:
                self._too_large()
                return None
            body += self.rfile.read(size)
            if self.rfile.readline(1024).strip():  # only a line end follows a chunk's data
                self._error(HTTPStatus.BAD_REQUEST, "malformed chunked body")
                return None

    def do_POST(self) -> None:
        if not self._trusted():
            return
        url = urllib.parse.urlsplit(self.path)
        if url.path in ("/update", "/store"):
            self._error(HTTPStatus.FORBIDDEN, "this endpoint is read-only")
            return
        if url.path != "/query":
            self._error(HTTPStatus.NOT_FOUND, "not found; the SPARQL endpoint is /query")
            return
        raw = self._body()
        form = self._form(url.query)
        if raw is None or form is None:
            return
        kind = (self.headers.get_content_type() or "").lower()
        charset = self.headers.get_content_charset() or "utf-8"
        try:
            codec = codecs.lookup(charset)
        except LookupError:
            self._error(HTTPStatus.BAD_REQUEST, f"unknown charset {charset!r}")
            return
        if not getattr(codec, "_is_text_encoding", True) or codec.name in NOT_CHARSETS:
            # Python's codecs that are no character set: rot13, base64 and zlib turn bytes
            # into bytes (decoding raised LookupError: no answer, a traceback), punycode and
            # idna encode host names (punycode decodes in quadratic time: minutes of a core
            # for a 1 MiB body).
            self._error(HTTPStatus.BAD_REQUEST, f"{charset!r} is not a character set")
            return
        if kind == "application/sparql-query":
            # SPARQL 1.1 Protocol §2.1.3: the body is the query. A query (or an update) in
            # the URL too would be one of two, answered or ignored silently; other
            # parameters (a cache-buster) are ignored as they are for GET and forms.
            extra = sorted(set(form) & {"query", "update"})
            if extra:
                self._error(
                    HTTPStatus.BAD_REQUEST,
                    f"a POST of application/sparql-query takes the query as its body, not"
                    f" {' or '.join(extra)} in the URL too",
                )
                return
            try:
                form["query"] = [raw.decode(charset)]
            except UnicodeDecodeError:
                self._error(HTTPStatus.BAD_REQUEST, f"the query is not {charset} text")
                return
        elif kind == "application/x-www-form-urlencoded":
            # Bytes, raw or percent-escaped, that stand for text in the charset (a byte order
            # mark before the first field is no part of its name).
            fields = self._form(raw.removeprefix(codecs.BOM_UTF8).decode("latin-1"), charset)
            if fields is None:
                return
            for key, values in fields.items():
                form.setdefault(key, []).extend(values)
        elif kind == "application/sparql-update":
            self._error(HTTPStatus.FORBIDDEN, "this endpoint is read-only: no SPARQL updates")
            return
        else:
            self._error(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, f"unsupported content type {kind}")
            return
        self._query(form)

    def _describe(self) -> None:
        """A GET with no query: the SPARQL 1.1 Service Description of this endpoint."""
        media = _choose(self.headers.get("Accept", ""), dict(GRAPH_TYPES), "text/turtle")
        if media is None:
            self._error(HTTPStatus.NOT_ACCEPTABLE, "acceptable: " + ", ".join(GRAPH_TYPES))
            return
        out = io.BytesIO()
        ox.serialize(
            _description(self.server.url + "query"), out, GRAPH_TYPES[media], prefixes=SD_PREFIXES
        )
        self._send(HTTPStatus.OK, f"{media}; charset=utf-8", out.getvalue())

    def _query(self, form: dict[str, list[str]]) -> None:
        if "update" in form:
            self._error(HTTPStatus.FORBIDDEN, "this endpoint is read-only: no SPARQL updates")
            return
        queries = form.get("query", [])
        if len(queries) != 1:
            self._error(HTTPStatus.BAD_REQUEST, "give exactly one query parameter")
            return
        text = queries[0].removeprefix("\ufeff")  # a byte order mark, as query strips it
        server = self.server
        defaults = form.get("default-graph-uri", [])
        named = form.get("named-graph-uri", [])
        if uses_service(text):
            # The page is reachable from any web page the user opens: a federated query
            # would let one make this machine fetch other addresses. (What this reading of
            # the text misses, the worker's parse finds: FederatedQuery.)
            self._error(HTTPStatus.FORBIDDEN, NO_SERVICE)
            return
        try:
            check_nesting(text)  # here: what is too deep or too long would crash the worker
            check_chained(text)
            for graph in defaults + named:
                ox.NamedNode(graph)  # checked here, for a clear error before any work
        except QuerySyntaxError as exc:
            self._refuse(text, exc)
            return
        except ValueError as exc:
            self._error(HTTPStatus.BAD_REQUEST, f"invalid graph IRI: {exc}")
            return
        # The kind of result, read from the query's form; the parse is the worker's, within
        # the time limit (some queries of a few hundred bytes take minutes to parse).
        kind = query_kind(text)
        offered: dict[str, object] = dict(GRAPH_TYPES if kind == "graph" else RESULTS_TYPES)
        media = _choose(
            self.headers.get("Accept", ""),
            offered,
            "text/turtle" if kind == "graph" else "application/sparql-results+json",
        )

        # A worker process answers into a temporary file, sent once complete (with its
        # length): an answer of any size does not sit in memory, an error is still an error
        # status, and a query past its time is stopped by ending its process. With no
        # acceptable format, it only parses the query: a syntax error is told first.
        fd, answer = tempfile.mkstemp(prefix="medigraph-serve-", suffix=".answer")
        server.answers.add(answer)
        os.close(fd)
        try:
            try:
                job = _Job(text, defaults, named, media, answer)
                server.workers.run(job, server.timeout, self._client_gone)
            except ClientGone:
                self.close_connection = True  # nobody to answer
                return
            except QuerySyntaxError as exc:
                self._refuse(text, exc)
                return
            except QueryTimeout as exc:
                self._error(HTTPStatus.SERVICE_UNAVAILABLE, str(exc))
                return
            except NotRepresentable as exc:
                self._error(HTTPStatus.NOT_ACCEPTABLE, str(exc))
                return
            except FederatedQuery as exc:
                self._error(HTTPStatus.FORBIDDEN, str(exc))
                return
            except WorkerFailed as exc:  # the server's failure, not the request's
                self._error(HTTPStatus.INTERNAL_SERVER_ERROR, f"the query failed: {exc}")
                return
            except QueryError as exc:
                self._error(HTTPStatus.BAD_REQUEST, f"the query failed: {exc}")
                return
            if media is None:
                self._error(HTTPStatus.NOT_ACCEPTABLE, "acceptable: " + ", ".join(offered))
                return
            with open(answer, "rb") as payload:
                payload.seek(0, os.SEEK_END)
                self._send_file(HTTPStatus.OK, f"{media}; charset=utf-8", payload)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(answer)
            server.answers.discard(answer)

    def _client_gone(self) -> bool:
        """Whether the client closed its connection (a closed tab, a cancelled request, a
        script that gave up): it has sent its request, so a connection that reads as ended
        has nobody left to take the answer."""
        try:
            if hasattr(select, "poll"):  # any descriptor (select() takes none past 1023)
                poller = select.poll()
                poller.register(self.connection, select.POLLIN)
                readable = bool(poller.poll(0))
            else:
                readable = bool(select.select([self.connection], [], [], 0)[0])
            return readable and not self.connection.recv(1, socket.MSG_PEEK)
        except ValueError:  # cannot tell: the query goes on
            return False
        except OSError:  # reset, or closed
            return True

    def _refuse(self, text: str, exc: QuerySyntaxError) -> None:
        """A 400 for a query that does not parse, a 403 for an update sent as a query."""
        if looks_like_update(text):
            self._error(HTTPStatus.FORBIDDEN, "this endpoint is read-only: no SPARQL updates")
        else:
            self._error(HTTPStatus.BAD_REQUEST, str(exc))

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The errors http.server finds itself (a request line over 64 KiB, a malformed
        request, too many headers), in plain text as all the others, not its HTML page."""
        status = HTTPStatus(code)
        if status == HTTPStatus.REQUEST_URI_TOO_LONG:
            message = (
                f"the request line is longer than {MAX_LINE // 1024} KiB; send the query by"
                " POST (a form, or an application/sparql-query body)"
            )
            self._unread = True
        self._error(status, message or status.phrase.lower(), {"Connection": "close"})

    def _error(
        self, status: HTTPStatus, message: str, headers: dict[str, str] | None = None
    ) -> None:
        self._send(status, "text/plain; charset=utf-8", (message + "\n").encode(), headers)

    def _send(
        self, status: HTTPStatus, media: str, payload: bytes, headers: dict[str, str] | None = None
    ) -> None:
        self._headers(status, media, len(payload), headers)
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _send_file(self, status: HTTPStatus, media: str, payload: IO[bytes]) -> None:
        size = payload.tell()
        payload.seek(0)
        self._headers(status, media, size)
        if self.command != "HEAD":
            shutil.copyfileobj(payload, self.wfile, 1 << 20)

    def _headers(
        self, status: HTTPStatus, media: str, size: int, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(size))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        # No other site may show the page in a frame of its own: a page laid over it could
        # make the person press Run (click-jacking). Both headers, for browsers old and new.
        self.send_header("X-Frame-Options", "DENY")
        self.send_header("Content-Security-Policy", "frame-ancestors 'none'")
        self.end_headers()


@dataclass(frozen=True)
class _Job:
    """One query for a worker process (plain data: it crosses a pipe)."""

    text: str
    default_graphs: list[str]
    named_graphs: list[str]
    media: str | None
    """None: only parse the query (no format suits it)."""
    answer: str
    """The file to write the answer to."""


class WorkerFailed(QueryError):
    """A query process ended without answering: a failure of the server (500)."""


class ClientGone(QueryError):
    """The client closed its connection while its query ran: the query was stopped."""


class NotRepresentable(QueryError):
    """The answer holds a character the chosen format cannot carry (406)."""


class FederatedQuery(QueryError):
    """The query has a SERVICE clause, which this endpoint does not run (403)."""


NO_SERVICE = "this endpoint does not run SERVICE (federated) queries; use medigraph query"
REPLIES: dict[str, type[QueryError]] = {
    "syntax": QuerySyntaxError,
    "not representable": NotRepresentable,
    "service": FederatedQuery,
}
"""The failures a worker names, by name."""


XML_TYPES = frozenset({"application/sparql-results+xml", "application/xml", "application/rdf+xml"})
_NOT_XML = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]")
"""Characters XML 1.0 cannot hold, not even as references: C0 controls but TAB, LF and CR;
U+FFFE and U+FFFF. (In UTF-8 a byte below 0x80 is always that character.)"""


class _XmlText(io.RawIOBase):
    """A binary stream that passes Oxigraph's XML through with each CR written ``&#13;``:
    written raw, every XML parser reads it as LF (and CR LF as one LF). Oxigraph writes no
    CR of its own and none can be in an IRI, a language tag or a name, so each is in a
    literal's text, where a reference is its exact equal. A character XML 1.0 cannot hold
    at all stops the answer (:class:`NotRepresentable`): a document no parser reads, or a
    value silently changed, would be worse than no answer."""

    def __init__(self, stream: IO[bytes], other: str) -> None:
        super().__init__()
        self.stream = stream
        self.other = other
        """The formats to suggest instead."""
        self.tail = b""

    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        chunk = bytes(cast("bytes", data))
        seen = self.tail + chunk  # U+FFFE may be cut between two writes
        if found := _NOT_XML.search(seen):
            code = ord(found.group().decode()) if len(found.group()) > 1 else found.group()[0]
            raise NotRepresentable(
                f"the answer holds U+{code:04X}, which XML 1.0 cannot represent; ask for"
                f" {self.other} instead"
            )
        self.tail = seen[-2:]
        self.stream.write(chunk.replace(b"\r", b"&#13;"))
        return len(chunk)


_XML_START = (
    "A-Z_a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_XML_LOCAL_NAME = re.compile(
    f"[{_XML_START}][{_XML_START}\\-.0-9\u00b7\u0300-\u036f\u203f-\u2040]*$"
)
"""The end of a predicate's IRI that RDF/XML writes as an element's local name (an NCName,
XML 1.0 Namespaces): a predicate without one (``http://e/1``, ``…#``, ``…/``) cannot be
written; Oxigraph writes an element ``<oxprefix:>``, which no XML parser reads."""


def _xml_predicates(triples: Iterable[ox.Triple]) -> Iterator[ox.Triple]:
    """``triples``, stopped (:class:`NotRepresentable`) at one whose predicate RDF/XML cannot
    write as an element name."""
    for triple in triples:
        if not _XML_LOCAL_NAME.search(triple.predicate.value):
            raise NotRepresentable(
                f"the answer has the predicate <{triple.predicate.value}>, which RDF/XML cannot"
                " write (its IRI does not end in an XML name); ask for Turtle or N-Triples"
                " instead"
            )
        yield triple


class _Workers:
    """The processes that run the queries, at most ``size`` at a time.

    pyoxigraph cannot stop a query it is evaluating: in a thread, a query past its time would
    run on (a count over a cross product, for ever) and take a core from every later one.
    A process can be ended. Each worker opens the store read-only once and answers queries
    one after the other; one that runs past its time is killed and replaced when needed.
    """

    def __init__(self, store_path: str, prefixes: dict[str, str], size: int) -> None:
        self.store_path = store_path
        self.prefixes = prefixes
        self.size = size
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._running: set[_Worker] = set()
        self._closed = False

    def run(self, job: _Job, timeout: float | None, gone: Callable[[], bool] | None = None) -> None:
        """Run ``job``; :class:`QueryTimeout` past ``timeout`` seconds (the wait for a free
        worker included; None: no limit), :class:`QueryError` with the engine's message if it
        fails, :class:`WorkerFailed` if its process ended without answering. If ``gone()``
        turns true meanwhile (the client left), its process is ended: :class:`ClientGone`."""
        started = time.monotonic()
        worker = self._take(timeout)
        try:
            worker.send(job)
        except OSError:  # it died between the check and the job: nothing ran, try another
            self._end(worker)
            worker = self._take(timeout)
            sent = False
        else:
            sent = True
        left = None if timeout is None else max(0.0, timeout - (time.monotonic() - started))
        try:
            if not sent:
                worker.send(job)
            if not self._wait(worker, left, gone):
                raise QueryTimeout(f"the query did not finish within {timeout:g} s (see --timeout)")
            reply = worker.recv()
        except (QueryTimeout, ClientGone, OSError, EOFError) as exc:
            self._end(worker)
            if isinstance(exc, (QueryTimeout, ClientGone)):
                raise
            ended = str(exc) or type(exc).__name__
            raise WorkerFailed(f"the query process ended unexpectedly ({ended})") from None
        self._idle.put(worker)
        if isinstance(reply, tuple):
            raise REPLIES[reply[0]](reply[1])
        if reply is not None:
            raise QueryError(reply)

    @staticmethod
    def _wait(worker: _Worker, left: float | None, gone: Callable[[], bool] | None) -> bool:
        """Whether ``worker`` answers within ``left`` seconds (None: no limit), looking every
        quarter of a second whether its client is ``gone`` (:class:`ClientGone`)."""
        if gone is None:
            return worker.poll(left)
        end = None if left is None else time.monotonic() + left
        while True:
            step = 0.25 if end is None else max(0.0, min(0.25, end - time.monotonic()))
            if worker.poll(step):
                return True
            if gone():
                raise ClientGone("the client closed its connection")
            if end is not None and time.monotonic() >= end:
                return False

    def _take(self, timeout: float | None) -> _Worker:
        """An idle worker that is still alive (one ended meanwhile, by the OOM killer or a
        signal, is replaced), a new one if there is room, or the next to be free."""
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                break
            if worker.alive():
                return worker
            self._end(worker)
        with self._lock:
            if self._closed:
                raise QueryError("the server is shutting down")
            if len(self._running) < self.size:
                worker = _Worker(self.store_path, self.prefixes)
                self._running.add(worker)
                return worker
        try:
            worker = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise QueryTimeout(
                f"no query process was free within {timeout or 0:g} s (all {self.size} busy)"
            ) from None
        if not worker.alive():
            self._end(worker)
            return self._take(timeout)
        return worker

    def _end(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._running.discard(worker)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            running, self._running = self._running, set()
        for worker in running:
            worker.kill()


class _Worker:
    """One query process: ``python -m medigraph.serve --worker STORE``, spoken to over its
    stdin and stdout (a new interpreter, so it never runs the caller's own main module)."""

    def __init__(self, store: str, prefixes: dict[str, str]) -> None:
        package_root = str(Path(__file__).resolve().parent.parent)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "medigraph.serve", "--worker", store],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self._to = Connection(os.dup(self.process.stdin.fileno()), readable=False)
        self._from = Connection(os.dup(self.process.stdout.fileno()), writable=False)
        self.process.stdin.close()
        self.process.stdout.close()
        self._ending = threading.Lock()
        self._ended = False
        self._to.send(prefixes)

    def send(self, job: _Job) -> None:
        self._to.send(job)

    def poll(self, timeout: float | None) -> bool:
        return self._from.poll(timeout)

    def recv(self) -> str | tuple[str, str] | None:
        reply: str | tuple[str, str] | None = self._from.recv()
        return reply

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """End the process and close its pipes, once: the server's closing (Ctrl-C, SIGTERM)
        and the handler whose query it was running (it sees the pipe end) both end it, and
        two threads closing one pipe closed its descriptor twice, the second time failing
        (EBADF: ``serve`` ended with exit 2 instead of 0) or closing a descriptor opened
        meanwhile for something else."""
        with self._ending:
            if self._ended:
                return
            self._ended = True
        self.process.kill()
        self.process.wait(5)
        self._to.close()
        self._from.close()


def _answer_queries(store_path: str) -> None:
    """A worker process: answer each job read from stdin; write None, or the error's text."""
    jobs = Connection(os.dup(0), writable=False)
    replies = Connection(os.dup(1), readable=False)
    sys.stdout = sys.stderr  # nothing may write into the replies
    prefixes: dict[str, str] = jobs.recv()
    store = ox.Store.read_only(store_path)
    while True:
        try:
            job: _Job = jobs.recv()
        except (EOFError, OSError):
            return
        try:
            # Parsed here, not by the server: a parse can take longer than any time limit,
            # and only a process can be stopped (Oxigraph's parser holds the GIL).
            check_syntax(job.text, prefixes)
            if calls_service(job.text, prefixes):  # as Oxigraph reads it, not as a scanner
                replies.send(("service", NO_SERVICE))
                continue
            if job.media is None:
                replies.send(None)
                continue
            options: dict[str, object] = {"prefixes": prefixes}
            if job.default_graphs or job.named_graphs:
                # A protocol dataset is whole (SPARQL 1.1 Query §13.2): named graphs alone
                # leave the default graph empty, a default graph alone leaves no named ones.
                options["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
                options["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
            # Otherwise the store's default graph: the deduplicated union of the documents.
            result = store.query(job.text, **options)  # type: ignore[arg-type]
            # The media was chosen from the query's form as read from its text: should that
            # reading ever differ from the parser's, it is this query's error, not the end of
            # the worker.
            graph = isinstance(result, ox.QueryTriples)
            if job.media not in (GRAPH_TYPES if graph else RESULTS_TYPES):
                raise ValueError(
                    f"the query gives {'a graph' if graph else 'solutions'}, which cannot be"
                    f" written as {job.media}"
                )
            with open(job.answer, "wb") as file:
                out: BinaryIO = file
                if job.media in XML_TYPES:
                    other = (
                        "Turtle or N-Triples" if graph else "JSON (application/sparql-results+json)"
                    )
                    out = cast("BinaryIO", _XmlText(file, other))
                if isinstance(result, ox.QueryTriples):
                    rdf_format = GRAPH_TYPES[job.media]
                    turtle = rdf_format == ox.RdfFormat.TURTLE
                    if turtle:  # IRIs that end in a dot written in full, for rdflib
                        readable = ReadableLines(out, prefixes)
                        ox.serialize(
                            result, cast("IO[bytes]", readable), rdf_format, prefixes=prefixes
                        )
                        readable.flush()
                    elif rdf_format == ox.RdfFormat.RDF_XML:
                        ox.serialize(_xml_predicates(result), out, rdf_format)
                    else:
                        ox.serialize(result, out, rdf_format)
                elif isinstance(result, ox.QuerySolutions) and job.media == "text/csv":
                    # pyoxigraph leaves an IRI with a comma unquoted; the CLI's writer is right.
                    variables = [v.value for v in result.variables]
                    rows = ([solution[v] for v in variables] for solution in result)
                    with io.TextIOWrapper(out, encoding="utf-8", newline="") as text:
                        write_rows(variables, rows, "csv", prefixes, text)
                else:
                    result.serialize(out, RESULTS_TYPES[job.media])
        except QuerySyntaxError as exc:
            replies.send(("syntax", str(exc)))
        except NotRepresentable as exc:
            replies.send(("not representable", str(exc)))
        except Exception as exc:  # any: a worker never dies on a query
            replies.send(str(exc) or type(exc).__name__)
        else:
            replies.send(None)


def serve_in_thread(server: QueryServer) -> threading.Thread:
    """Start serving in a daemon thread (for tests and notebooks); stop with ``server.shutdown()``."""
    thread = threading.Thread(target=server.serve_forever, name="medigraph-serve", daemon=True)
    thread.start()
    return thread


_EXAMPLE = re.compile(r"""e\.g\. "?([^"\s(,;]+)"?""")


def _page_text(query: SavedQuery, prefixes: dict[str, str]) -> str:
    """A saved query as the page offers it: defaults bound, and each required parameter bound
    to the example its description gives, in a VALUES block the person can edit. Left
    unbound, `since` would make every topic stale and `max` would match nothing."""
    examples = {}
    for param in query.params:
        found = _EXAMPLE.search(param.description) if param.required else None
        if found:
            examples[param.name] = found.group(1)
    try:
        bound = bind_params(query, query.text, examples, prefixes)
    except QueryError:
        return query.text  # no usable example: as written
    if not bound:
        return query.text
    written = [p.name for p in query.params if p.variable in bound]
    return as_written_in(insert_values(query.text, bound), written)


def _page(prefixes: dict[str, str]) -> str:
    saved = {
        q.name: {"title": q.title, "text": _page_text(q, prefixes)}
        for q in saved_queries().values()
    }
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
let current = null;  // the last run: an earlier one still running is cancelled, its answer never shown
async function run(text) {
  const status = document.getElementById("status"), error = document.getElementById("error"), out = document.getElementById("result");
  if (current) current.abort();
  const mine = current = new AbortController();
  status.textContent = "running…"; error.textContent = ""; out.textContent = "";
  const started = performance.now();
  let response, body;
  try {
    response = await fetch("query", {method: "POST", signal: mine.signal,
      headers: {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json, text/turtle;q=0.9"},
      body: new URLSearchParams({query: text})});
    body = await response.text();
  } catch (failure) {  // no answer at all: the server was stopped, or the connection lost
    if (mine !== current) return;  // cancelled by a later run
    status.textContent = "error";
    error.textContent = "no answer from the server (" + failure.message + "): is medigraph serve still running?";
    return;
  }
  if (mine !== current) return;
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
const autorun = @AUTORUN@;  // false when another site linked here: the person presses Run
if (initial) { document.getElementById("query").value = initial; if (autorun) run(initial); }
</script></body></html>
"""


if __name__ == "__main__" and sys.argv[1:2] == ["--worker"]:
    _answer_queries(sys.argv[2])
