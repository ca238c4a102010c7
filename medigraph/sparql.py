"""SPARQL text and the HTTP client that sends it to a SPARQL 1.1 store.

Two jobs, kept together because both guard the same boundary:

* **Escaping.** :func:`term` is the one function that turns an IRI or a literal into
  SPARQL (and N-Triples) text; nothing else in medigraph builds terms by hand.
* **Transport.** :class:`Endpoint` sends SPARQL 1.1 Query and Update requests (built by
  SPARQLWrapper) and Graph Store Protocol requests, with timeouts, retries for requests
  that are safe to repeat, HTTP basic or digest authentication, and errors that name the
  endpoint but never a credential.

Exceptions::

    StoreError                  a request finally failed (endpoint, status, truncated body)
    ├── AuthenticationError     401/403: wrong or missing credentials
    ├── RequestTooLarge         413, or 400/500 whose body says the request was too big
    ├── RequestRefused          400/422, or a Virtuoso data or syntax error: about the content
    └── StoreUnavailable        no answer: refused, reset, timed out (after the retries)

What the stores accept (measured against Oxigraph 0.5 and Virtuoso 7.2.5, see
``tests/test_sparql_escape.py`` and ``tests/test_push_servers.py``): pyoxigraph's
N-Triples form of a literal escapes ``"``, ``\\``, CR, LF, TAB and every other control
character (NUL becomes ``\\u0000``; Virtuoso rejects a raw NUL in INSERT DATA), and keeps
all other characters, non-BMP ones included, as raw UTF-8 — both stores read that back
exactly. Lone surrogates cannot be encoded as UTF-8 and are refused here. IRIs are
checked by pyoxigraph (RFC 3987) and additionally against SPARQL's IRIREF exclusions, so
``>``, ``"``, ``{``, ``}``, spaces and control characters can never close the ``<…>``.
"""

from __future__ import annotations

import base64
import http.client
import json
import logging
import netrc
import os
import random
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import pyoxigraph as ox
from SPARQLWrapper import JSON, POST, POSTDIRECTLY, SPARQLWrapper

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------- escaping

# SPARQL 1.1 IRIREF: ([^<>"{}|^`\]-[#x00-#x20])*
MAX_TIMEOUT_S = 365 * 24 * 3600.0
"""The longest timeout taken (``--timeout``'s limit too): a year. ``1e300`` overflows a clock."""


def check_timeout(timeout: float | None) -> None:
    """A ``ValueError`` unless ``timeout`` is None (no limit) or seconds above 0, at most a
    year, as ``--timeout`` takes them: ``inf`` and ``1e300`` overflowed the clock, ``nan``
    compares with nothing, 0 and below ended every query at once."""
    if timeout is not None and not 0 < timeout <= MAX_TIMEOUT_S:
        raise ValueError(
            f"timeout {timeout!r}: give None (no limit) or seconds above 0, at most a year"
        )


_IRI_FORBIDDEN = re.compile(r'[<>"{}|^`\\\x00-\x20]')
_SURROGATE = re.compile("[\ud800-\udfff]")

Term = ox.NamedNode | ox.Literal
_UPDATE_START = re.compile(
    r"\s*(INSERT|DELETE|DROP|CLEAR|CREATE|LOAD|COPY|MOVE|ADD|WITH)\b", re.IGNORECASE
)


MAX_NESTING = 128
"""How deeply a query may nest (:func:`nesting_depth`). Oxigraph's parser recurses once per
level and overflows the native stack, ending the whole process (no exception to catch),
long before Python's limits: on an 8 MiB stack at about 950 nested ``STR(``, 2,200 ``{``,
4,700 ``(``, 22,700 ``!`` (a level of ``COALESCE(`` takes ~9 KiB). 128 levels take at
most ~1.2 MiB, so even a thread with a 2 MiB stack parses them; no written query comes
near."""
_NESTING = re.compile(r"<<|>>|[({\[\])}\]]|[!+-](?:\s*[!+-])*")


def nesting_depth(plain: str) -> int:
    """How deeply ``plain`` nests: the most brackets (``(``, ``{``, ``[``, ``<<``) open at
    once, each unary operator of a run (``!!x``, ``- -1``) counting one level more.

    ``plain`` is the query with its comments, strings and IRIs blanked (a ``(`` in a
    literal is no bracket). Binary operators in a run (``1 - -1``) count as well: a level
    or two too many, never too few."""
    depth = deepest = 0
    for match in _NESTING.finditer(plain):
        token = match.group()
        if token in ("<<", "(", "{", "["):
            depth += 1
            deepest = max(deepest, depth)
        elif token in (">>", ")", "}", "]"):
            depth = max(0, depth - 1)
        else:
            deepest = max(deepest, depth + sum(c in "!+-" for c in token))
    return deepest


MAX_CHAINED = 500
"""How many patterns and operators a query may hold (:func:`chained`). A long flat chain of
them in one group parses, but Oxigraph's engine recurses once per link while it runs the
query and overflows the native stack, ending the whole process; on an 8 MiB stack at about
2,600 ``MINUS`` or ``BIND``, 6,500 ``UNION``, ``OPTIONAL``, ``GRAPH`` or ``VALUES``, 6,900
``+``, 8,000 triple patterns or groups, 9,300 ``FILTER``, ``&&`` or ``||``, 10,700 ``|``
(and the parser itself at about 87,000 ``UNION``). 500 of the costliest (~3 KiB each) take
~1.5 MiB, so even a thread with a 2 MiB stack runs them (it overflows at about 680); a
written query holds a few dozen, and a chain of a few hundred joins takes Oxigraph minutes
to plan."""
_CHAINED = re.compile(
    r"<<|>>|[({\[\])}\]]|&&|\|\||[|/*+,;-]|\.(?![0-9])|\b(?:FILTER|BIND)\b", re.IGNORECASE
)
_VALUES_DATA = re.compile(r"\bVALUES\b([^{}]*\{)[^{}]*\}", re.IGNORECASE)
"""A VALUES block: its data (terms, ``-1``, ``1.5``) holds no operator, however long."""


def chained(plain: str) -> int:
    """How many patterns and operators ``plain`` holds that Oxigraph's engine may chain: groups
    (``{``, which each ``OPTIONAL``, ``MINUS``, ``UNION``, ``GRAPH``, ``SERVICE``, ``EXISTS``
    and ``VALUES`` opens), ``FILTER``, ``BIND``, triple patterns (``.``, ``;``, and ``,`` but
    between the arguments of a function or ``IN``), and the binary operators ``&&``, ``||``,
    ``+``, ``-``, ``*``, ``/`` and ``|``.

    ``plain`` is the query with its comments, strings and IRIs blanked, as for
    :func:`nesting_depth`. The count is the whole query's, not one chain's, and takes a
    hyphen in a name (``ex:a-b``) or a unary ``-`` for an operator: some too many, never
    too few."""
    plain = _VALUES_DATA.sub(lambda m: "VALUES" + m.group(1) + "}", plain)
    count = 0
    opened: list[str] = []
    for match in _CHAINED.finditer(plain):
        token = match.group()
        if token in ("<<", "(", "{", "["):
            opened.append(token)
            count += token == "{"
        elif token in (">>", ")", "}", "]"):
            if opened:
                opened.pop()
        elif token != "," or not opened or opened[-1] != "(":
            count += 1
    return count


def iri(value: str | ox.NamedNode) -> str:
    """``<value>`` for SPARQL; raises ``ValueError`` for anything that is not a plain IRI."""
    text = value.value if isinstance(value, ox.NamedNode) else value
    if _IRI_FORBIDDEN.search(text) or _SURROGATE.search(text):
        raise ValueError(f"not usable as an IRI in SPARQL: {text[:80]!r}")
    return str(ox.NamedNode(text))  # pyoxigraph validates RFC 3987


def literal(value: str, *, language: str | None = None, datatype: str | None = None) -> str:
    """A quoted SPARQL literal (with ``@lang`` or ``^^<datatype>``), escaped for every store."""
    if _SURROGATE.search(value):
        raise ValueError("a literal must not contain lone surrogates (not encodable as UTF-8)")
    if language is not None:
        return term(ox.Literal(value, language=language))
    if datatype is not None:
        iri(datatype)
        return term(ox.Literal(value, datatype=ox.NamedNode(datatype)))
    return term(ox.Literal(value))


def term(node: Term | ox.BlankNode | ox.Triple | ox.DefaultGraph) -> str:
    """The one place a term becomes SPARQL / N-Triples text.

    pyoxigraph's N-Triples form is what both supported stores read back exactly (see the
    module docstring). Blank nodes are refused: medigraph graphs have none, and a blank
    node label in INSERT DATA would mint a new node on every push.
    """
    if isinstance(node, ox.NamedNode):
        # pyoxigraph has validated the IRI (RFC 3987); the IRIREF check stays as the guard.
        text = node.value
        if _IRI_FORBIDDEN.search(text):
            raise ValueError(f"not usable as an IRI in SPARQL: {text[:80]!r}")
        return f"<{text}>"
    if isinstance(node, ox.Literal):
        # A pyoxigraph literal holds valid Unicode (no lone surrogates). It escapes NUL
        # as \u0000 already; the guard is for a future change, since Virtuoso rejects a
        # raw NUL in INSERT DATA.
        text = str(node)
        return text.replace("\x00", "\\u0000") if "\x00" in text else text
    raise ValueError(f"cannot push {type(node).__name__} terms: {node}")


def triple_line(subject: Any, predicate: Any, obj: Any) -> str:
    """``s p o .`` — a line of N-Triples that is also valid inside INSERT DATA."""
    return f"{term(subject)} {term(predicate)} {term(obj)} ."


# --------------------------------------------------------------------------- credentials


@dataclass(frozen=True)
class Credentials:
    """A user name and password for HTTP basic or digest auth; never shown by ``repr()``."""

    user: str
    password: str = field(repr=False)
    scheme: Literal["basic", "digest"] = "basic"
    host: str | None = None
    """The one host they are sent to (the one they were found for); None: any endpoint's."""

    def __repr__(self) -> str:
        return f"Credentials(user={self.user!r}, password='***', scheme={self.scheme!r})"

    def for_url(self, url: str) -> bool:
        """Whether a request to ``url`` may carry them: a ``~/.netrc`` entry, or the password
        given for one endpoint, must not reach another host (a query endpoint elsewhere)."""
        return self.host is None or (urllib.parse.urlsplit(url).hostname or "") == self.host

    __str__ = __repr__

    @classmethod
    def lookup(
        cls,
        endpoint: str,
        *,
        user: str | None = None,
        scheme: Literal["basic", "digest"] = "basic",
        environ: Mapping[str, str] | None = None,
        netrc_file: str | None = None,
        user_option: str | None = None,
    ) -> Credentials | None:
        """Credentials from ``MEDIGRAPH_USER``/``MEDIGRAPH_PASSWORD`` or ``~/.netrc``, for the
        host of ``endpoint`` only (:meth:`for_url`).

        The password never comes from the command line (it would show in ``ps`` and in
        shell history). ``None`` when no password is found: requests go unauthenticated.
        ``user_option``: the caller's option that gives a user (``--user``), offered when a
        password has none; a command without one is told MEDIGRAPH_USER only.
        """
        env = os.environ if environ is None else environ
        user = user or env.get("MEDIGRAPH_USER") or None
        password = env.get("MEDIGRAPH_PASSWORD")
        host = urllib.parse.urlsplit(endpoint).hostname or ""
        if password is None:
            entry = _netrc_entry(host, netrc_file)
            if entry is not None and (user is None or entry[0] in (user, "")):
                user = user or entry[0]
                password = entry[1]
        if password is None:
            return None
        if not user:
            other = f" (or give {user_option})" if user_option else ""
            raise ValueError(f"a password is set but no user: set MEDIGRAPH_USER{other}")
        return cls(user, password, scheme, host)

    @property
    def basic_token(self) -> str:
        """The token of an HTTP basic ``Authorization`` header."""
        return base64.b64encode(f"{self.user}:{self.password}".encode()).decode()

    def secrets(self) -> list[str]:
        """Every form in which the password could appear in a server's echo of a request."""
        forms = {self.password, urllib.parse.quote(self.password, safe=""), self.basic_token}
        return sorted((f for f in forms if f), key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets():
            text = text.replace(secret, "***")
        return text


def _netrc_entry(host: str, path: str | None) -> tuple[str, str] | None:
    try:
        entries = netrc.netrc(path)
    except (FileNotFoundError, netrc.NetrcParseError, OSError):
        return None
    found = entries.authenticators(host)
    if found is None:
        return None
    login, _account, password = found
    return (login or "", password) if password else None


# --------------------------------------------------------------------------- errors


class StoreError(Exception):
    """A request to the store failed for good."""

    def __init__(
        self, message: str, *, endpoint: str, status: int | None = None, body: str = ""
    ) -> None:
        super().__init__(message)
        self.endpoint = endpoint
        self.status = status
        self.body = body


class AuthenticationError(StoreError):
    """The store refused the credentials (or wanted some)."""


class RequestTooLarge(StoreError):
    """The store said the request was too big: split it, do not repeat it."""


class RequestRefused(StoreError):
    """The store refused what the request holds (a value or syntax it does not take): not
    repeated as is; a batch of documents can be split to find the one it refuses."""


class StoreUnavailable(StoreError):
    """No usable answer (connection refused or reset, timeout, 5xx) after the retries."""


# Phrases with which stores say "too big": Virtuoso SR578 (string concatenation too
# large), SP030 "memory exhausted" (its parser stack: SP030 alone is any SPARQL compiler
# error, a value it cannot type too), Jetty "Form too large", nginx/Oxigraph "payload too
# large", "body too big". Looked for in the store's words only, not in the query Virtuoso
# echoes after them (a document's own text: an mdName saying "exceed").
_SIZE_ERROR = re.compile(
    r"too (large|big|long)|payload|memory exhausted|SR578|exceed|maximum (request|body|form)",
    re.IGNORECASE,
)
_ECHOED_QUERY = re.compile(r"\bSPARQL query:")


def _own_words(text: str) -> str:
    """The store's message without the query it echoes after it (Virtuoso's ``SPARQL
    query: …``)."""
    return _ECHOED_QUERY.split(text, maxsplit=1)[0]


# Virtuoso answers 500 (Graph Store) or 400 (SPARQL) with an SQL state: class 22 is a data
# exception (SR341 integer out of range, SR553 ...), 37000 and 42xxx syntax errors. Those
# are about the request's content; a deadlock (40001) or the like may pass when repeated.
_DATA_ERROR = re.compile(r"\b(?:Virtuoso|Error)\s+(?:22[0-9A-Z]{3}|37000|42[0-9A-Z]{3})\b")
_REFUSED_STATUS = frozenset({400, 422})
_RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
_BODY_LIMIT = 500


def public_url(url: str) -> str:
    """``url`` without user-info, for messages."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def check_endpoint_url(url: str, option: str = "endpoint") -> str:
    """Refuse URLs that are not http(s) or that carry a password (use the environment)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"--{option} must be an http(s) URL")
    try:
        parts.port  # noqa: B018 (read to check it)
    except ValueError as exc:
        what = "is out of range (0-65535)" if "range" in str(exc) else "is not a number"
        raise ValueError(f"--{option} has a port that {what}") from None
    if parts.password is not None:
        raise ValueError(
            f"--{option} contains a password; put it in MEDIGRAPH_PASSWORD or ~/.netrc instead"
        )
    if parts.username is not None:  # urllib would take it for part of the host name
        raise ValueError(
            f"--{option} contains a user name; put the user in MEDIGRAPH_USER (and the"
            " password in MEDIGRAPH_PASSWORD or ~/.netrc) instead"
        )
    return url


# --------------------------------------------------------------------------- transport


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is not followed: urllib re-sends a POST redirected by 301, 302 or 303 as a
    GET without its body (a write lost, or a query answered for another question), maybe to
    another host. The request fails, and the caller names the new address."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class _Digest(urllib.request.AbstractDigestAuthHandler):
    """urllib's digest arithmetic, driven by hand so the header can be sent up front.

    urllib answers a challenge by re-sending the whole body; Virtuoso closes the socket
    on the first, unauthenticated attempt, which resets large uploads. Reusing the nonce
    (with an increasing nonce count) sends every body once, as curl does.
    """

    def __init__(self, credentials: Credentials, url: str) -> None:
        manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        manager.add_password(None, url, credentials.user, credentials.password)
        super().__init__(manager)
        self.challenge: dict[str, str] | None = None

    def __repr__(self) -> str:
        return "<digest auth>"

    def header(self, request: urllib.request.Request) -> str | None:
        if self.challenge is None:
            return None
        value = self.get_authorization(request, self.challenge)
        return None if value is None else f"Digest {value}"


def _digest_challenge(headers: Any) -> dict[str, str] | None:
    for value in headers.get_all("WWW-Authenticate") or []:
        scheme, _, rest = value.partition(" ")
        if scheme.lower() == "digest":
            items = urllib.request.parse_http_list(rest)
            return urllib.request.parse_keqv_list([i for i in items if i])
    return None


@dataclass
class Traffic:
    """What went over the wire (for the report and the benchmark)."""

    requests: int = 0
    writes: int = 0
    """Of the requests, those that change the store (updates, Graph Store PUTs)."""
    bytes_sent: int = 0
    retries: int = 0


class Endpoint:
    """A SPARQL 1.1 store: query and update endpoints, optionally a Graph Store endpoint.

    Every request has a timeout. Only requests marked idempotent are retried (with
    exponential backoff and jitter) after connection errors, timeouts and 5xx answers;
    a size error is never retried as is.
    """

    def __init__(
        self,
        query: str,
        update: str | None = None,
        graph_store: str | None = None,
        *,
        credentials: Credentials | None = None,
        timeout: float = 60.0,
        retries: int = 3,
        backoff: float = 0.5,
    ) -> None:
        self.query_url = check_endpoint_url(query, "endpoint")
        self.update_url = check_endpoint_url(update or query, "update-endpoint")
        self.graph_store_url = (
            None if graph_store is None else check_endpoint_url(graph_store, "graph-store")
        )
        self._credentials = credentials
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.traffic = Traffic()
        self._opener = urllib.request.build_opener(NoRedirect())
        self._digest: dict[str, _Digest] = {}

    def __repr__(self) -> str:
        auth = "none" if self._credentials is None else self._credentials.scheme
        return f"Endpoint(query={public_url(self.query_url)!r}, update={public_url(self.update_url)!r}, graph_store={self.graph_store_url and public_url(self.graph_store_url)!r}, auth={auth!r})"

    # -- SPARQL 1.1 Protocol (requests built by SPARQLWrapper) --------------------

    def select(self, query: str, what: str = "query") -> list[dict[str, str]]:
        """Run a SELECT; rows map variable → lexical value (unbound variables left out)."""
        wrapper = SPARQLWrapper(self.query_url)
        wrapper.setQuery(query)
        wrapper.setReturnFormat(JSON)
        request = wrapper._createRequest()  # SPARQLWrapper encodes; we send (auth, retries)
        body = self._send(request, what, idempotent=True)
        try:
            result = json.loads(body)
            bindings = result["results"]["bindings"]
        except (ValueError, KeyError, TypeError) as exc:
            raise StoreError(
                f"{what}: {public_url(self.query_url)} did not answer with SPARQL JSON results",
                endpoint=public_url(self.query_url),
                body=self._clip(body),
            ) from exc
        return [{name: cell["value"] for name, cell in row.items()} for row in bindings]

    def update(self, text: str, what: str = "update", *, idempotent: bool = True) -> None:
        """Send one SPARQL Update request (one transaction on Oxigraph and Virtuoso)."""
        wrapper = SPARQLWrapper(self.query_url, updateEndpoint=self.update_url)
        wrapper.setMethod(POST)
        wrapper.setRequestMethod(POSTDIRECTLY)  # no form encoding: body size is the text size
        if not _UPDATE_START.match(text):
            raise ValueError("not a SPARQL update")
        # setQuery() classifies the text with regular expressions that cost ~14 ms per
        # 150 kB (half of a push's time): classify a stub, then hand over the real text.
        wrapper.setQuery("INSERT DATA {}")
        wrapper.queryString = text
        request = wrapper._createRequest()
        request.full_url = self.update_url  # SPARQLWrapper appends an empty "?"
        self.traffic.writes += 1
        self._send(request, what, idempotent=idempotent)

    # -- Graph Store HTTP Protocol -------------------------------------------------

    def put_graph(self, graph: str, turtle: bytes, what: str) -> None:
        """Replace one named graph with a Turtle body (N-Triples lines, whole numbers bare).

        PUT is idempotent, and repeated after connection errors and 5xx answers, but not
        after a timeout: the store is likely still loading the body."""
        if self.graph_store_url is None:
            raise ValueError("no graph store endpoint configured")
        url = self.graph_store_url + ("&" if "?" in self.graph_store_url else "?")
        url += urllib.parse.urlencode({"graph": graph})
        request = urllib.request.Request(url, data=turtle, method="PUT")
        request.add_header("Content-Type", "text/turtle; charset=utf-8")
        self.traffic.writes += 1
        self._send(request, what, idempotent=True, repeat_after_timeout=False)

    # -- transport -----------------------------------------------------------------

    def _authorize(self, request: urllib.request.Request) -> None:
        credentials = self._credentials
        if credentials is None or not credentials.for_url(request.full_url):
            return
        # Unredirected headers are never copied to a redirect target.
        if credentials.scheme == "basic":
            request.add_unredirected_header("Authorization", f"Basic {credentials.basic_token}")
            return
        digest = self._digest_for(request.full_url)
        if digest.challenge is None:
            self._fetch_challenge(request.full_url, digest)
        value = digest.header(request)
        if value is not None:
            request.add_unredirected_header("Authorization", value)

    def _digest_for(self, url: str) -> _Digest:
        parts = urllib.parse.urlsplit(url)
        root = f"{parts.scheme}://{parts.netloc}/"
        if root not in self._digest:
            assert self._credentials is not None
            self._digest[root] = _Digest(self._credentials, root)
        return self._digest[root]

    def _fetch_challenge(self, url: str, digest: _Digest) -> None:
        # A body-less request just to learn the nonce, so no body is sent twice.
        probe = urllib.request.Request(url, method="GET")
        try:
            with self._opener.open(probe, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            digest.challenge = _digest_challenge(exc.headers)
            exc.close()
        except (OSError, http.client.HTTPException):
            pass  # the real request will report the problem

    def _send(
        self,
        request: urllib.request.Request,
        what: str,
        *,
        idempotent: bool,
        repeat_after_timeout: bool = True,
    ) -> bytes:
        """Send ``request``; ``repeat_after_timeout=False``: a request that timed out is not
        sent again (the store may still be working on it: a large upload would then be
        loaded several times over, each copy as slow as the first)."""
        endpoint = public_url(request.full_url.split("?")[0])
        size = len(request.data) if isinstance(request.data, bytes) else 0
        attempt = 0
        reauthenticated = False
        while True:
            self._authorize(request)
            self.traffic.requests += 1
            self.traffic.bytes_sent += size
            started = time.perf_counter()
            try:
                with self._opener.open(request, timeout=self.timeout) as response:
                    body: bytes = response.read()
                log.debug(
                    "%s: %s %s, %d bytes, %.3f s",
                    what,
                    request.get_method(),
                    endpoint,
                    size,
                    time.perf_counter() - started,
                )
                return body
            except urllib.error.HTTPError as exc:
                status = exc.code
                text = self._clip(read_quietly(exc))
                challenge = _digest_challenge(exc.headers) if status == 401 else None
                exc.close()
                if (
                    status == 401
                    and challenge is not None
                    and self._credentials is not None
                    and self._credentials.scheme == "digest"
                    and not reauthenticated
                ):
                    # Stale or first nonce: answer the challenge once.
                    self._digest_for(request.full_url).challenge = challenge
                    reauthenticated = True
                    continue
                if status in (401, 403):
                    hint = ""
                    if challenge is not None and (
                        self._credentials is None or self._credentials.scheme != "digest"
                    ):
                        hint = " (the server asks for digest auth: use --auth digest)"
                    elif self._credentials is None:
                        hint = " (set MEDIGRAPH_USER and MEDIGRAPH_PASSWORD or use ~/.netrc)"
                    raise AuthenticationError(
                        f"{what}: {endpoint} refused the request: HTTP {status}{hint}: {text}",
                        endpoint=endpoint,
                        status=status,
                        body=text,
                    ) from None
                if status == 413 or (status in (400, 500) and _SIZE_ERROR.search(_own_words(text))):
                    # The server's own words: "too long" may be about one string, not the
                    # request as a whole (Virtuoso's SP029 on a 12 MB literal).
                    raise RequestTooLarge(
                        f"{what}: {endpoint} refused the request ({size} bytes): HTTP {status}: {text}",
                        endpoint=endpoint,
                        status=status,
                        body=text,
                    ) from None
                if status in _REFUSED_STATUS or (
                    status == 500 and _DATA_ERROR.search(_own_words(text))
                ):
                    raise RequestRefused(
                        f"{what}: {endpoint} answered HTTP {status}: {text}",
                        endpoint=endpoint,
                        status=status,
                        body=text,
                    ) from None
                if idempotent and status in _RETRY_STATUS and attempt < self.retries:
                    attempt = self._pause(attempt, what, endpoint, f"HTTP {status}")
                    continue
                cls = StoreUnavailable if status in _RETRY_STATUS else StoreError
                raise cls(
                    f"{what}: {endpoint} answered HTTP {status}: {text}",
                    endpoint=endpoint,
                    status=status,
                    body=text,
                ) from None
            except (OSError, http.client.HTTPException) as exc:
                reason = _reason(exc)
                if reason == "timed out" and not repeat_after_timeout:
                    raise StoreUnavailable(
                        f"{what}: {endpoint} did not answer within {self.timeout:g} s ({size}"
                        " bytes sent; not sent again, as the store may still be loading it:"
                        " give a larger --timeout)",
                        endpoint=endpoint,
                    ) from None
                if idempotent and attempt < self.retries:
                    attempt = self._pause(attempt, what, endpoint, reason)
                    continue
                tries = f" after {attempt + 1} attempts" if attempt else ""
                raise StoreUnavailable(
                    f"{what}: {endpoint} did not answer{tries}: {reason}", endpoint=endpoint
                ) from None

    def _pause(self, attempt: int, what: str, endpoint: str, reason: str) -> int:
        delay = self.backoff * (2**attempt) * (0.5 + random.random())
        log.warning("%s: %s: %s; retrying in %.1f s", what, endpoint, reason, delay)
        self.traffic.retries += 1
        time.sleep(delay)
        return attempt + 1

    def _clip(self, body: bytes) -> str:
        """The server's answer, made safe to show: redacted, one line, truncated."""
        text = _html_message(body.decode("utf-8", errors="replace"))
        text = re.sub(r"(?i)(authorization|www-authenticate|cookie)\s*:[^\n]*", r"\1: ***", text)
        text = re.sub(
            r"(?i)\b(digest|basic)\s+[^\s,]+(,\s*\w+=(\"[^\"]*\"|[^\s,]*))*", r"\1 ***", text
        )
        if self._credentials is not None:
            text = self._credentials.redact(text)
        text = " ".join(text.split())
        return text if len(text) <= _BODY_LIMIT else text[:_BODY_LIMIT] + " …"


def _html_message(text: str) -> str:
    """The message of an HTML error page (Virtuoso's ``<h3>Error 37000</h3><xmp>SP029:
    …</xmp>``) without its markup, so the store's own words fit the truncated body."""
    if not re.match(r"\s*<(!DOCTYPE\s+html|html)\b", text, re.IGNORECASE):
        return text
    quoted = re.findall(r"(?is)<(?:h3|xmp|pre)>(.*?)</(?:h3|xmp|pre)>", text)
    if quoted:
        return " ".join(quoted)
    return re.sub(r"<[^>]*>", " ", re.sub(r"(?is)<(head|style|script)\b.*?</\1>", " ", text))


def read_quietly(exc: urllib.error.HTTPError) -> bytes:
    """The first 64 KiB of an error answer's body; nothing when it cannot be read."""
    try:
        return exc.read(64 * 1024)
    except (OSError, http.client.HTTPException):
        return b""


def _reason(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.URLError):
        exc = exc.reason if isinstance(exc.reason, BaseException) else exc
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return "timed out"
    name = type(exc).__name__
    detail = getattr(exc, "strerror", None) or str(exc)
    return f"{name}: {detail}" if detail else name
