"""SPARQL over the knowledge graph: the embedded store or any SPARQL 1.1 endpoint, same answers.

A query (text, file or one of the saved queries shipped in ``queries/``) is checked with
Oxigraph's SPARQL 1.1 parser, run with the ontology's and the standard vocabularies' prefixes
predeclared, and comes back as an :class:`Answer` that :func:`render` writes as a table, CSV,
TSV, SPARQL results JSON, Turtle or N-Triples. :func:`stream_embedded` writes the answer of the
embedded store row by row as the engine hands the rows over, so that an answer of any size is
never held in memory whole (the command line spools it and shows it once it is complete).

Failures, all subclasses of :class:`QueryError`::

    QueryError
    ├── QuerySyntaxError   the query does not parse (line, column and the offending line)
    ├── ParameterError     a --param is unknown, missing or not a valid value of its type
    ├── QueryTimeout       the query ran longer than the timeout and was abandoned
    ├── EndpointError      a remote endpoint is unreachable or answered with an error
    └── FormatError        the output format does not fit the kind of result
    (medigraph.store.StoreMissing / StoreError: no embedded store, or it cannot be opened)

Parameters are always bound as RDF terms, never pasted into the query text as such: on the
embedded store and on an endpoint alike, each goes into a ``VALUES`` block that opens the WHERE
group of each SELECT (the query, a sub-select) using the variable in its own scope, its term
written by :func:`medigraph.sparql.term`, the project's one escaping function. (pyoxigraph's
``substitutions`` were used before; they do not reach sub-selects, and Oxigraph plans a
``VALUES`` block better: 0.57 s against 3.4 s for one topic's content at 100 000 documents.)
"""

from __future__ import annotations

import contextlib
import csv
import faulthandler
import http.client
import io
import json
import os
import pickle
import re
import select
import signal
import socket
import tempfile
import threading
import time
import traceback
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import IO, Literal, TypeGuard, TypeVar, cast

import pyoxigraph as ox
from rich.cells import cell_len, set_cell_size

from .diagnostics import plural, visible
from .iris import INT64, blank, zone_in_range
from .mapping import DEFAULT_BASE, PN_CHARS_BASE, load_mapping
from .resources import data_path
from .sparql import (
    MAX_CHAINED,
    MAX_NESTING,
    Credentials,
    NoRedirect,
    chained,
    check_endpoint_url,
    check_timeout,
    nesting_depth,
    public_url,
    read_quietly,
)
from .sparql import term as sparql_term
from .store import DEFAULT_STORE, open_read_only, reading
from .writers import rdflib_prefixes, rdflib_readable

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
_TERMS = (ox.NamedNode, ox.BlankNode, ox.Literal, ox.Triple)
Bound = Term | tuple[Term, ...]
"""What a parameter binds its variable to: one term, or the terms any of which it matches
(a ``name`` in each of its Unicode normal forms, :func:`name_forms`), all in one ``VALUES``
block."""
ParamValue = Bound | str | int | float | Decimal | date | datetime
"""A parameter given to :func:`run_embedded` and the like: an RDF term or a tuple of them (as
:func:`bind_params` gives them, by variable) or a value as ``--param`` takes it, by
parameter name (:func:`as_terms`)."""
Kind = Literal["bindings", "boolean", "graph"]
XSD = "http://www.w3.org/2001/XMLSchema#"
FORMATS = ("table", "csv", "tsv", "json", "turtle", "ntriples")
DEFAULT_TIMEOUT_S = 60.0
USER_AGENT = "medigraph-query"


class QueryError(Exception):
    """Anything that stops a query from giving an answer; the message is for the user."""


class QuerySyntaxError(QueryError):
    """The query does not parse; ``line`` and ``column`` are 1-based."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


class ParameterError(QueryError):
    """A parameter is unknown, missing, or not a valid value of its declared type."""


class QueryTimeout(QueryError):
    """The query was still running when the timeout expired."""


class EndpointError(QueryError):
    """A remote endpoint could not be reached or answered with an error."""


class FormatError(QueryError):
    """The requested output format does not suit the result (e.g. CSV for CONSTRUCT)."""


# --------------------------------------------------------------------------- answers


@dataclass
class Answer:
    """The result of one query, fully read: solutions, a boolean, or triples."""

    kind: Kind
    variables: list[str] = field(default_factory=list)
    rows: list[list[Term | None]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[ox.Triple] = field(default_factory=list)
    seconds: float = 0.0

    def size(self) -> str:
        if self.kind == "boolean":
            return "true" if self.boolean else "false"
        if self.kind == "graph":
            return f"{len(self.triples)} triples"
        return plural(len(self.rows), "row")


def _read(
    result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples,
    stop: threading.Event | None = None,
) -> Answer:
    if isinstance(result, ox.QueryBoolean):
        return Answer("boolean", boolean=bool(result))
    if isinstance(result, ox.QueryTriples):
        return Answer("graph", triples=list(_until(result, stop)))
    names = [v.value for v in result.variables]
    return Answer("bindings", variables=names, rows=list(_solutions(result, names, stop)))


def _solutions(
    result: ox.QuerySolutions, names: list[str], stop: threading.Event | None = None
) -> Iterator[list[Term | None]]:
    """Each solution as a row of terms (None when unbound), in the order of ``names``."""
    for solution in _until(result, stop):
        yield [solution[name] for name in names]


def _until(items: Iterable[R], stop: threading.Event | None) -> Iterator[R]:
    """``items``, given up with :class:`QueryTimeout` once ``stop`` is set: a query abandoned
    on timeout stops at its next row instead of reading (and writing) rows for nobody."""
    for item in items:
        if stop is not None and stop.is_set():
            raise QueryTimeout("abandoned after its timeout")
        yield item


# --------------------------------------------------------------------------- saved queries


PARAM_TYPES = ("string", "name", "iri", "integer", "decimal", "boolean", "date", "dateTime")
"""``name`` is a string that names a shared thing (community, publisher, person, topic,
scheme): the export writes such names without the spaces around them, so the value is
matched without them too (:func:`make_term`), and in either Unicode normal form
(:func:`name_forms`)."""


@dataclass(frozen=True)
class Param:
    """A parameter a saved query declares:
    ``# @param NAME TYPE[=DEFAULT] [required] [as ?VARIABLE] DESCRIPTION``.

    Its value is bound to ``?NAME``, or to ``?VARIABLE`` when the query needs the name for
    something else (a column showing one spelling of a name, while the parameter matches
    any). An optional parameter left out stays unbound, which the saved queries read as "all".
    """

    name: str
    type: str
    description: str
    required: bool = False
    default: str | None = None
    var: str = ""
    """The variable the value is bound to (``name`` when empty)."""

    @property
    def variable(self) -> str:
        return self.var or self.name


@dataclass(frozen=True)
class SavedQuery:
    """A ``.rq`` file of the library: its header comment says what it answers and its parameters.

    ``text`` is written for the embedded store, whose default graph is the deduplicated union
    of the document graphs, and shaped for Oxigraph's planner (each triple pattern in its own
    sub-select, so that large joins are hash joins). ``endpoint_text`` asks the same question
    of any SPARQL 1.1 store, whatever its default graph is, through ``GRAPH ?g``: it is read
    from ``endpoint/NAME.rq`` beside the query, or is ``text`` when there is no such file.
    """

    name: str
    path: Path
    text: str
    title: str
    description: str
    params: tuple[Param, ...]
    endpoint_text: str = ""

    def text_for(self, endpoint: bool) -> str:
        """The query to send: the portable form for a remote endpoint."""
        return (self.endpoint_text or self.text) if endpoint else self.text


_PARAM_LINE = re.compile(
    r"^@param\s+(\w+)\s+(\w+)(?:=(\"(?:[^\"\\]|\\.)*\"(?=\s|$)|\S+))?(?:\s+(required)\b)?"
    r"(?:\s+as\s+\?(\w+)\b)?\s*(.*)$"
)
"""A default is one word, or text in double quotes with JSON's escapes, as ``--param`` takes
it (``name="Chronic Care Management (CCM)"``): unquoted, a default ends at the first space."""


_PROLOGUE_LINE = re.compile(r"(?i)(PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s*<[^>]*>)\s*(#.*)?$")
"""A line of the prologue: one PREFIX or BASE declaration alone on it."""


def _prologue(lines: list[str]) -> Iterator[tuple[int, str | None]]:
    """(index, the comment's text) of each comment line of a query's prologue, and (index,
    None) for each blank or PREFIX/BASE line among them, up to the first other line. A line
    may be indented as the query is (a heredoc, a string in code)."""
    for index, raw in enumerate(lines):
        stripped = raw.strip()
        if stripped.startswith("#"):
            yield index, stripped[1:].strip()
        elif not stripped or _PROLOGUE_LINE.match(stripped):
            yield index, None
        else:
            return


def _header(text: str) -> tuple[list[Param], list[str]]:
    """The parameters and the prose of the header comment at the top of a query. The prose is
    its first block of comment lines; parameters are read from every comment line of the
    prologue, up to the first line that is neither a comment, blank, nor a PREFIX or BASE
    declaration (a ``# @param`` after a blank line or below the prefixes is no less meant).
    ``ValueError`` names a malformed ``@param`` line, or one that declares a name again."""
    params: list[Param] = []
    prose: list[str] = []
    first_block = True
    for _index, line in _prologue(text.split("\n")):
        if line is None:
            first_block = not prose  # blank lines before the header are no break in it
            continue
        if not re.match(r"@param(?:\s|$)", line):
            if first_block:
                prose.append(line)
            continue
        match = _PARAM_LINE.match(line)
        if not match or match.group(2) not in PARAM_TYPES:
            raise ValueError(f"malformed parameter line {line!r}")
        name, kind, default, required, variable, description = match.groups()
        if default is not None and default.startswith('"') and len(default) > 1:
            try:
                default = _unquoted(default)
            except ParameterError:
                raise ValueError(f"malformed parameter line {line!r}") from None
        if any(p.name == name for p in params):
            raise ValueError(f"parameter {name} is declared twice")
        params.append(
            Param(
                name,
                kind,
                description,
                required=bool(required),
                default=default,
                var=variable or "",
            )
        )
    return params, prose


def parse_saved(path: Path) -> SavedQuery:
    """Read a saved query and the header comment at its top."""
    text = path.read_text(encoding="utf-8")
    try:
        params, prose = _header(text)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
    # The first paragraph is the title (what it answers); the rest explains.
    blank = prose.index("") if "" in prose else len(prose)
    title = " ".join(prose[:blank]).strip() or path.stem
    description = " ".join(p for p in prose[blank:] if p).strip()
    portable = path.parent / "endpoint" / path.name
    endpoint_text = portable.read_text(encoding="utf-8") if portable.is_file() else ""
    if endpoint_text:
        _same_params(portable, endpoint_text, params)
    return SavedQuery(path.stem, path, text, title, description, tuple(params), endpoint_text)


def _same_params(portable: Path, text: str, params: list[Param]) -> None:
    """A ``ValueError`` unless the portable form's ``# @param`` header declares what the
    embedded form's does. Plain values given with its text (``run_remote(saved.text_for(
    endpoint=True), params={"topic": …})``, or ``medigraph query -f`` on the file) are bound
    by that header: without it ``topic`` would bind ``?topic`` as a string rather than
    ``?topicNotation`` as a name, and quietly match other rows."""
    try:
        own = _header(text)[0]
    except ValueError as exc:
        raise ValueError(f"{portable}: {exc}") from None
    if own != params:
        raise ValueError(
            f"{portable}: its # @param lines must be those of ../{portable.name}, which"
            " declares the same parameters"
        )


def declared_params(text: str, name: str = "the query") -> tuple[Param, ...]:
    """The parameters a query given as text (or a file) declares in its own header, as a
    saved query does (none without ``# @param`` lines): they are bound by their types, as
    the saved query's would be, rather than as strings. A malformed line is a
    :class:`ParameterError`: ignored, it would bind its parameter as a string again."""
    try:
        return tuple(_header(text)[0])
    except ValueError as exc:
        raise ParameterError(
            f"{name}: {exc}; write # @param NAME TYPE[=DEFAULT] [required] [as ?VARIABLE]"
            f" DESCRIPTION (types: {', '.join(PARAM_TYPES)})"
        ) from None


def as_written_in(text: str, names: Collection[str]) -> str:
    """The query with the header's ``# @param`` lines of the parameters ``names`` turned into
    prose, for a query whose values are already written into it (``serve``'s page binds a
    saved query's in a ``VALUES`` block): declared still, they would be bound again where the
    text is given to ``medigraph query`` — asked for when required, and a second value given
    with ``--param`` would contradict the first and match nothing."""
    lines = text.split("\n")
    for i, line in _prologue(lines):  # the lines :func:`_header` reads
        match = _PARAM_LINE.match(line) if line is not None else None
        if match and match.group(1) in names:
            kind, description = match.group(2), match.group(6)
            indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
            lines[i] = (
                f"{indent}# {match.group(1)} ({kind}, its value written into the query):"
                f" {description}"
            )
    return "\n".join(lines)


def saved_queries(folder: Path | None = None) -> dict[str, SavedQuery]:
    """Every saved query shipped with medigraph (or in ``folder``), by name."""
    where = folder or data_path("queries")
    return {p.stem: parse_saved(p) for p in sorted(where.glob("*.rq"))}


def is_saved_name(text: str) -> bool:
    """A bare word such as ``content-by-topic`` names a saved query rather than being SPARQL."""
    return re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", text.strip()) is not None


# --------------------------------------------------------------------------- prefixes


QUERY_PREFIXES = {
    "foaf": "http://xmlns.com/foaf/0.1/",
    "sh": "http://www.w3.org/ns/shacl#",
}
"""Vocabularies a query may need beyond the mapping's: the ontology aligns terms with FOAF,
and ``validate --format turtle`` writes a SHACL report."""


def default_prefixes(
    base: str = DEFAULT_BASE, mapping: str | os.PathLike[str] | None = None
) -> dict[str, str]:
    """The prefixes predeclared in every query: the mapping's vocabularies and minted IRIs,
    ``source:`` for its source files' IRIs (``source/<path>`` under the base, which the
    dumps, written with the mapping's prefixes only, leave in full), and
    :data:`QUERY_PREFIXES`. The bundled mapping's, or those of the ``mapping`` file given
    (read each time; a broken one raises :class:`~medigraph.mapping.MappingError`). A new
    dict each time, the caller's to change."""
    if mapping is not None:
        return _prefixes_of(base, os.fspath(mapping))
    return dict(_default_prefixes(base))


@cache
def _default_prefixes(base: str) -> dict[str, str]:
    """:func:`default_prefixes`, made once per base (never given out: a caller that added a
    prefix to it, or took one out, changed every later query's)."""
    return _prefixes_of(base, None)


def _prefixes_of(base: str, mapping: str | None) -> dict[str, str]:
    mapper = load_mapping(mapping, base=base)
    prefixes = mapper.all_prefixes()
    source = str(mapper.document_spec.get("source", "")).partition("{")[0]
    if source.endswith("/"):
        prefixes.setdefault("source", mapper.base + source)
    for name, namespace in QUERY_PREFIXES.items():
        prefixes.setdefault(name, namespace)
    return prefixes


def shown_prefixes(text: str, prefixes: Mapping[str, str]) -> dict[str, str]:
    """The prefixes an answer to the query ``text`` is written with (a table's ``schema:name``,
    Turtle's ``@prefix``): the query's own PREFIX declarations first, so that its names are
    the ones shown, then the predeclared ``prefixes`` it does not declare again. A name the
    query declares means what the query says, never the predeclared namespace; when its IRI
    is not an absolute one (relative to a BASE, or escaped) the name is not used at all."""
    own = _declared_prefixes(text)
    shown: dict[str, str] = {}
    for name, namespace in own.items():
        with contextlib.suppress(ValueError):
            shown[name] = ox.NamedNode(namespace).value
    return shown | {n: iri for n, iri in prefixes.items() if n not in own}


def compact(iri: str, prefixes: Mapping[str, str]) -> str:
    """``schema:name`` for ``http://schema.org/name`` when a prefix fits, else ``<iri>``.

    The name after the prefix is written as SPARQL's (and Turtle's) PN_LOCAL reads it back:
    letters beyond ASCII as they are (``topic:klas.télésanté``), ``%`` and two hex digits kept,
    the punctuation PN_LOCAL holds only escaped written with a backslash
    (``source:news\\/post.md``), a first ``-`` or ``.`` escaped, and every dot of a name with
    more than one (``person:ann\\.example\\.org``: Oxigraph's SPARQL parser reads no name with
    two dots apart, ``person:ann.example.org``, though the grammar does). An IRI whose rest holds a
    character no local name holds, one beyond U+FFFF (``🙂``: the grammar's, but Oxigraph's
    SPARQL parser reads none), or ends in a dot (which rdflib cannot read escaped), is
    written whole; of the prefixes that fit, the longest whose name can be written is used."""
    fitting = [(ns, name) for name, ns in prefixes.items() if iri.startswith(ns)]
    for namespace, name in sorted(fitting, key=lambda pair: -len(pair[0])):
        local = _local_name(iri[len(namespace) :])
        if local is not None:
            return f"{name}:{local}"
    return f"<{iri}>"


_NAME_CHARS = PN_CHARS_BASE + "_0-9\u00b7\u0300-\u036f\u203f-\u2040"
"""SPARQL's VARNAME characters (PN_CHARS without '-'): Python's \\w is not the grammar's (it
lacks U+00B7, U+0300–U+036F, U+203F–U+2040 and holds others), so names are told by these."""
_LOCAL_CHAR = re.compile(rf"[{_NAME_CHARS}\-:]")
"""A character PN_LOCAL holds as it is, after its first (PN_CHARS and ``:``)."""
_LOCAL_FIRST = re.compile(rf"[{PN_CHARS_BASE}_0-9:]")
"""A character PN_LOCAL may start with as it is (PN_CHARS_U, a digit, ``:``)."""
_LOCAL_ESCAPED = frozenset("_~.-!$&'()*+,;=/?#@")
"""PN_LOCAL_ESC: the characters a local name holds after a backslash (``%`` aside: an IRI
holds it only before two hex digits, kept as written)."""
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
_PLAIN_LOCAL = re.compile(r"[A-Za-z0-9_:](?:[A-Za-z0-9_:-]*(?:\.[A-Za-z0-9_:-]+)?)?")
"""An ASCII local name that needs no escape: PN_LOCAL's letters, digits, ``_``, ``-`` and ``:``
(not first: ``-``), one dot inside."""


def _local_name(rest: str) -> str | None:
    """``rest`` (what follows a namespace in an IRI) written as a PN_LOCAL that a SPARQL or
    Turtle parser (Oxigraph, rdflib) expands back to it, or None when none is."""
    if _PLAIN_LOCAL.fullmatch(rest):  # most names (content:…, topic:klas.telehealth): as they are
        return rest
    if not rest.endswith(".") and _PLAIN_LOCAL.fullmatch(rest.replace(".", "_")):
        return rest.replace(".", "\\.")  # person:ann.example.org, dots escaped as below
    if rest.endswith(".") or any(ord(char) > 0xFFFF for char in rest):
        return None  # Oxigraph's SPARQL parser reads no name beyond U+FFFF (t:🙂), rdflib no x\\.
    # Oxigraph's SPARQL parser reads no name with two dots apart (person:a.example.org):
    # every dot of such a name is escaped, which both parsers read.
    dot = "." if rest.count(".") < 2 else ""
    out: list[str] = []
    i = 0
    while i < len(rest):
        char = rest[i]
        if char == "%" and _PERCENT.match(rest, i):
            out.append(rest[i : i + 3])
            i += 3
            continue
        if (_LOCAL_FIRST if i == 0 else _LOCAL_CHAR).fullmatch(char) or (i and char == "." == dot):
            out.append(char)
        elif char in _LOCAL_ESCAPED:
            out.append("\\" + char)
        else:
            return None
        i += 1
    return "".join(out)


# --------------------------------------------------------------------------- parameters


_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME = re.compile(
    r"(?P<day>[0-9]{4}-[0-9]{2}-[0-9]{2})(?P<time>T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?)?"
    r"(?P<zone>Z|[+-][0-9]{2}:[0-9]{2})?"
)
"""A dateTime parameter: xsd:dateTime's form, or a day alone, with or without its timezone
(``2023-05-02Z``, as a document's date may be written: midnight there)."""


_FORMS = {
    "integer": "digits, e.g. 3, between -9223372036854775808 and 9223372036854775807",
    "decimal": (
        "e.g. 2.5, at most 18 digits after the point, between -170141183460469231731.687303715884105728"
        " and 170141183460469231731.687303715884105727"
    ),
    "date": "e.g. 2022-01-31",
    "dateTime": (
        "e.g. 2022-01-31, 2022-01-31Z or 2022-01-31T10:00:00+02:00; an offset is at most ±14:00,"
        " a second's fraction at most 18 digits"
    ),
}
DECIMAL_RANGE = (
    Decimal("-170141183460469231731.687303715884105728"),
    Decimal("170141183460469231731.687303715884105727"),
)
"""The decimals SPARQL stores hold (Oxigraph's: 128 bits, 18 digits after the point): a value
beyond them, or with more digits after the point, is an invalid literal there, and every
comparison with it matches nothing."""


def _fraction_digits(text: str) -> int:
    """How many digits after the point ``text`` needs (its trailing zeros aside)."""
    _whole, point, fraction = text.partition(".")
    return len(fraction.rstrip("0")) if point else 0


def make_term(value: str, kind: str, prefixes: Mapping[str, str] | None = None) -> Term:
    """The RDF term for a parameter value of a declared type (``ParameterError`` if invalid)."""
    try:
        if kind == "string":
            return ox.Literal(value)
        if kind == "name":
            # As the export writes a name (convert._name): a topic written 'KLAS: Telehealth '
            # is stored, and found, as "KLAS: Telehealth", so the spelling as written matches.
            if blank(value):  # the export writes no such name: it would match nothing
                raise ParameterError(
                    f"{value!r} is empty: no name is (leave the parameter out for all of them)"
                )
            return ox.Literal(value.strip())
        if kind == "iri":
            return ox.NamedNode(_expand_iri(value, prefixes or {}))
        if kind == "integer":
            if not _INTEGER.fullmatch(value) or not INT64[0] <= int(value) <= INT64[1]:
                raise ValueError(value)  # 1_0, ٣ or beyond the store's 64-bit integers
            return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))
        if kind == "decimal":
            if not _DECIMAL.fullmatch(value):
                raise ValueError(value)
            number = Decimal(value)
            if not DECIMAL_RANGE[0] <= number <= DECIMAL_RANGE[1] or _fraction_digits(value) > 18:
                raise ValueError(value)  # beyond what a store's decimals hold: never compared
            # Written out in full: str() gives 1E-7 for 0.0000001, no xsd:decimal.
            text = format(number, "f")
            return ox.Literal(text, datatype=ox.NamedNode(XSD + "decimal"))
        if kind == "boolean":
            if value.lower() not in ("true", "false", "1", "0"):
                raise ValueError(value)
            return ox.Literal(value.lower() in ("true", "1"))
        if kind == "date":
            if not _DATE.fullmatch(value):
                raise ValueError(value)
            return ox.Literal(
                date.fromisoformat(value).isoformat(), datatype=ox.NamedNode(XSD + "date")
            )
        if kind == "dateTime":
            # xsd:dateTime's own form (or a date alone): Python also reads 2022-W01, 20220101
            # and offsets beyond ±14:00 or with seconds, which no SPARQL store compares.
            found = _DATETIME.fullmatch(value)
            if not found or (found["zone"] and not zone_in_range(found["zone"])):
                raise ValueError(value)
            if _fraction_digits(found["time"] or "") > 18:  # as a document's date (convert)
                raise ValueError(value)
            # the ranges: no 2022-02-30, no 25:00
            datetime.fromisoformat(found["day"] + (found["time"] or "T00:00:00"))
            # The value as given, to the last digit (Python's datetime would cut the seconds
            # at microseconds); with no timezone it is UTC, as the documents' dates are taken:
            # SPARQL compares a zoneless value with none of them near it.
            text = found["day"] + (found["time"] or "T00:00:00") + (found["zone"] or "Z")
            return ox.Literal(text, datatype=ox.NamedNode(XSD + "dateTime"))
    except (ValueError, InvalidOperation) as exc:
        hint = _FORMS.get(kind)
        raise ParameterError(
            f"{value!r} is not a valid {kind}" + (f" ({hint})" if hint else "")
        ) from exc
    raise ParameterError(f"unknown parameter type {kind!r}")


IRI_SCHEMES = frozenset(
    [
        "http",
        "https",
        "urn",
        "mailto",
        "file",
        "tag",
        "ftp",
        "ftps",
        "data",
        "info",
        "doi",
        "geo",
        "tel",
        "ws",
        "wss",
        "did",
        "ldap",
        "news",
        "sip",
        "sips",
        "xmpp",
        "irc",
        "ssh",
        "git",
        "svn",
        "telnet",
        "uuid",
        "about",
        "blob",
    ]
)
"""Schemes an IRI written ``<…>`` is taken to have: a ``<scheme:…>`` whose scheme is none of
these but a prefix's name (``<content:x>``) is a prefixed name in brackets by mistake."""


def _expand_iri(value: str, prefixes: Mapping[str, str]) -> str:
    if value.startswith("<") and value.endswith(">"):
        if (mistake := _bracketed_prefix(value, prefixes)) is not None:
            raise ParameterError(mistake)
        return value[1:-1]
    name, colon, local = value.partition(":")
    if colon and name in prefixes and not local.startswith("//"):
        return prefixes[name] + local
    return value


def _bracketed_prefix(value: str, prefixes: Mapping[str, str]) -> str | None:
    """What to say of ``<content:x>``, a prefixed name in brackets (its scheme a prefix's
    name, none of :data:`IRI_SCHEMES`): taken as written, it would be an IRI of scheme
    ``content:`` that no IRI of the graph has, and the query would answer nothing, without a
    word. None for anything else."""
    name, colon, local = value[1:-1].partition(":")
    if not colon or name not in prefixes or name.lower() in IRI_SCHEMES:
        return None
    return (
        f"{value} would be an IRI of scheme {name}:, not the prefixed name: {name}: is a"
        f" prefix, so you probably mean <{prefixes[name]}{local}>"
    )


def name_forms(term: Term) -> Bound:
    """A ``name`` parameter's term, and the same text in the other Unicode normal forms (NFC,
    NFD) when they differ: ``é`` typed as one character and as ``e`` + accent is the same
    name, which the export gives one IRI (:func:`medigraph.iris.segment`) but writes as each
    document spells it. Bound together, the value matches the documents written in either
    form, and each row still shows the name as its documents write it. The term as given
    comes first (a use that takes one term only, :func:`insert_values`, takes it)."""
    if not isinstance(term, ox.Literal):
        return term
    forms = dict.fromkeys(
        [term.value, *(unicodedata.normalize(form, term.value) for form in ("NFC", "NFD"))]
    )
    if len(forms) == 1:
        return term
    return tuple(ox.Literal(form) for form in forms)


def bind_params(
    query: SavedQuery | None,
    text: str,
    given: Mapping[str, str],
    prefixes: Mapping[str, str],
    *,
    name: str = "the query",
) -> dict[str, Bound]:
    """Check ``--param`` values against the query and turn them into RDF terms.

    For a saved query, or a query given as ``text`` (called ``name`` in messages) whose own
    header declares parameters (``# @param`` lines, :func:`declared_params`), the declared
    types apply, defaults fill in and an undeclared value is refused. For any other query a
    value is an undeclared parameter's (:func:`adhoc_term`): a string, an IRI when written
    ``<…>``, text when written ``"…"``. The result maps each variable to bind
    (:attr:`Param.variable`) to its term, or for a ``name`` whose normal forms differ to
    the tuple of them (:func:`name_forms`). ``prefixes`` and the query's own PREFIX
    declarations expand the prefixed names of IRI values.
    """
    plain = _blank(text)
    used = set(re.findall(rf"[?$]([{_NAME_CHARS}]+)", plain))  # not "?x" in a string
    names = {**prefixes, **_declared_prefixes(text)}
    params = query.params if query is not None else declared_params(text, name)
    label = query.name if query is not None else name
    if query is None and not params:
        return _bind_adhoc(text, plain, used, given, names)
    bound: dict[str, Bound] = {}
    declared = {p.name: p for p in params}
    for given_name in given:
        if given_name not in declared:
            known = ", ".join(declared) or "none"
            raise ParameterError(
                f"{label} has no parameter {given_name!r} (its parameters: {known})"
            )
    for param in params:
        if param.variable not in used:  # a header's typo would bind nothing, silently
            _not_in_an_iri(text, param.variable)
            raise ParameterError(
                f"{label} declares parameter {param.name}, but ?{param.variable} does not occur"
                " in the query"
            )
        chosen = given.get(param.name, param.default)
        if chosen is None:
            if param.required:
                raise ParameterError(
                    f"{label} needs --param {param.name}=… ({param.type}: {param.description})"
                )
            continue
        try:
            term = make_term(chosen, param.type, names)
            bound[param.variable] = name_forms(term) if param.type == "name" else term
        except ParameterError as exc:
            raise ParameterError(f"--param {param.name}: {exc}") from None
    return bound


def as_terms(
    text: str, params: Mapping[str, ParamValue] | None, prefixes: Mapping[str, str]
) -> dict[str, Bound]:
    """The terms to bind for ``params`` given to :func:`run_embedded` and the like.

    RDF terms (and tuples of them) are taken as they are, each for the variable it is keyed
    by (what :func:`bind_params` gives). Plain values (``{"topic": "KLAS: Telehealth"}``, numbers,
    booleans, dates) are what ``--param NAME=VALUE`` takes, so they are bound as it binds
    them: by :func:`bind_params` after the ``# @param`` header of ``text`` (types, defaults,
    the variable each parameter binds), or for a query without one as strings, ``<…>`` an
    IRI. Both at once is a :class:`ParameterError`: they are keyed differently.
    No ``params`` is the command line without ``--param``: the header's defaults fill in and
    a required parameter is asked for.
    """
    if not params:
        return bind_params(None, text, {}, prefixes) if declared_params(text) else {}
    terms: dict[str, Bound] = {name: value for name, value in params.items() if _is_bound(value)}
    if len(terms) == len(params):
        return terms
    if terms:
        raise ParameterError(
            f"params {', '.join(terms)} are RDF terms and {', '.join(set(params) - set(terms))}"
            " are not: give all as RDF terms (bind_params's, by variable) or all as values"
            " as --param takes them (by parameter name)"
        )
    given = {name: _as_param_text(name, value) for name, value in params.items()}
    return bind_params(None, text, given, prefixes)


def _is_bound(value: object) -> TypeGuard[Bound]:
    """Whether ``value`` is an RDF term, or a non-empty tuple of them."""
    if isinstance(value, tuple):
        return bool(value) and all(isinstance(item, _TERMS) for item in value)
    return isinstance(value, _TERMS)


def _as_param_text(name: str, value: object) -> str:
    """A plain parameter value as it would be written after ``--param NAME=``."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")  # Decimal("0.0000001") is 1E-7 by str()
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")  # 1e-05 as 0.00001, as xsd:decimal has it
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise ParameterError(
        f"param {name}: a {type(value).__name__} is no value of a parameter; give text,"
        " a number, a boolean or a date, as --param takes them, or an RDF term"
    )


def _bind_adhoc(
    text: str, plain: str, used: set[str], given: Mapping[str, str], prefixes: Mapping[str, str]
) -> dict[str, Bound]:
    """:func:`bind_params` for a query that declares no parameters: each ``--param NAME``
    must name a variable of the query that a binding can stand for."""
    bound: dict[str, Bound] = {}
    for name, value in given.items():
        if name not in used:
            _not_in_an_iri(text, name)
            raise ParameterError(f"parameter {name} does not occur in the query as ?{name}")
        if (where := _unbindable(plain, name)) is not None:
            raise ParameterError(_unbindable_message(name, where))
        try:
            bound[name] = adhoc_term(value, prefixes)
        except ParameterError as exc:
            raise ParameterError(f"--param {name}: {exc}") from None
    return bound


def adhoc_term(value: str, prefixes: Mapping[str, str] | None = None) -> Term:
    """The term for an undeclared parameter's value: ``"…"`` is the text between the quotes
    (with JSON's escapes, ``\\"`` and ``\\\\``), ``<…>`` an IRI, anything else the string
    as given. The quotes are the one way to give text that is written ``<…>`` (a title such
    as ``<Untitled>``, or one that reads as an address)."""
    if len(value) >= 2 and value.startswith('"') and value.endswith('"'):
        return ox.Literal(_unquoted(value))
    if value.startswith("<") and value.endswith(">"):
        try:
            return make_term(value, "iri", prefixes)
        except ParameterError as exc:
            if _bracketed_prefix(value, prefixes or {}) is not None:
                raise
            quoted = json.dumps(value, ensure_ascii=False)
            raise ParameterError(f"{exc}; for text, write it in double quotes: {quoted}") from None
    return ox.Literal(value)


_PREFIXED_NAME = re.compile(r"([A-Za-z][\w.-]*)?:(\S*)")


def prefixed_name_hints(
    text: str, given: Mapping[str, str], prefixes: Mapping[str, str]
) -> list[str]:
    """Warnings for undeclared parameters whose value reads as a prefixed name of a known
    prefix (``content:x``, ``schema:Person``): it is bound as that text, as the rule says, but
    a value like that is usually meant as the IRI, and a string then matches nothing. A
    query that declares its parameters types them itself: nothing to say."""
    if declared_params(text):
        return []
    names = {**prefixes, **_declared_prefixes(text)}
    hints = []
    for name, value in given.items():
        match = _PREFIXED_NAME.fullmatch(value)
        if match is None or (match.group(1) or "") not in names:
            continue
        iri = names[match.group(1) or ""] + match.group(2)
        hints.append(
            f"--param {name}={value} is bound as the text {json.dumps(value, ensure_ascii=False)};"
            f" for the IRI write --param '{name}=<{iri}>'"
        )
    for name, value in given.items():
        kind = next((k for k, form in _TYPED_LOOKING if form.fullmatch(value)), None)
        if kind is None:
            continue
        hints.append(
            f"--param {name}={value} is bound as the text {json.dumps(value, ensure_ascii=False)},"
            f" which compares with no {_TYPED_WORDS[kind]} (such a comparison is an error, and"
            f" leaves the row out); to bind it typed, declare it at the top of the query:"
            f" # @param {name} {_TYPED_PARAM[kind]}"
        )
    return hints


_TYPED_LOOKING = (
    ("date", re.compile(r"-?\d{4,}-\d\d-\d\d(?:Z|[+-]\d\d:\d\d)?")),
    ("dateTime", re.compile(r"-?\d{4,}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)?")),
    ("integer", re.compile(r"[+-]?\d+")),
    ("decimal", re.compile(r"[+-]?\d*\.\d+")),
)
"""Values of an undeclared ``--param`` that read as a typed value, which the rule binds as
text: ``FILTER(?d > ?since)`` with ``--param since=2025-01-01`` matched nothing, without a
word, as a date and time never compares with a string."""
_TYPED_PARAM = {
    "date": "dateTime",
    "dateTime": "dateTime",
    "integer": "integer",
    "decimal": "decimal",
}
"""The type to declare: ``dateTime`` for a date too, as the documents' dates are dates and
times, which an ``xsd:date`` does not compare with (a date given to it means midnight UTC)."""
_TYPED_WORDS = {
    "date": "date",
    "dateTime": "date and time",
    "integer": "number",
    "decimal": "number",
}


def _unquoted(value: str) -> str:
    """The text of a value written as a JSON string (``ParameterError`` when it is not one)."""
    try:
        text = json.loads(value, strict=False)  # strict: a line break typed as itself is fine
        if not isinstance(text, str):
            raise ValueError(value)
        text.encode("utf-8")  # no lone surrogate (\ud800), which no store can be given
    except (ValueError, UnicodeEncodeError):
        raise ParameterError(
            f'{value!r} is not a valid quoted string: between the double quotes write \\" for'
            " \" and \\\\ for \\ (JSON's escapes); or leave the quotes out"
        ) from None
    return text


_DECLARED_PREFIX = re.compile(r"(?i)\bPREFIX\s+([\w.-]*):\s*<([^<>]*)>")


def _declared_prefixes(text: str) -> dict[str, str]:
    """The prefixes the query declares itself (``PREFIX ex: <…>``), outside comments and
    strings (a ``"PREFIX x: <…>"`` in a literal declares nothing)."""
    return dict(_DECLARED_PREFIX.findall(_blank(text, ("comment", "string"))))


def _not_in_an_iri(text: str, name: str) -> None:
    """A :class:`ParameterError` when ``?name`` is seen only inside what reads as a relative
    IRI, ``<…>`` with no space and no scheme (``?a<1&&?name>2``): a comparison without spaces
    could be one, and telling them apart needs the grammar. Better said than a parameter
    silently unbound. (``<http://e/?name=1>`` is an IRI.)"""
    for start, end, what in _scan(text):
        if (
            what == "iri"
            and not re.match(r"<[A-Za-z][A-Za-z0-9+.-]*:", text[start:end])
            and re.search(_var(name), text[start:end])
        ):
            raise ParameterError(
                f"?{name} occurs only inside {text[start:end]}, which is read as an IRI; if it"
                " holds comparisons (< and >), put spaces around them"
            )


# --------------------------------------------------------------------------- running


T = TypeVar("T")
R = TypeVar("R")


def _with_timeout(
    work: Callable[[], T],
    timeout: float | None,
    what: str,
    stop: threading.Event | None = None,
    shown: float | None = None,
) -> T:
    """Run ``work`` in a worker thread and give up after ``timeout`` seconds (what is left of
    the ``shown`` limit, when some of it went into waiting).

    pyoxigraph releases the GIL while it evaluates, so the caller regains control on time;
    the abandoned thread is a daemon and cannot keep the process alive. On timeout ``stop``
    is set, for ``work`` to end at its next row (:func:`_until`).
    """
    if timeout is None:
        return work()
    box: dict[str, T | BaseException] = {}

    def target() -> None:
        try:
            box["value"] = work()
        except BaseException as exc:
            # pyoxigraph's results may only be dropped on the thread that made them; the
            # traceback's frames would keep them alive until the caller lets go of the error
            # (or its garbage collector does: "… is unsendable, but is being dropped on
            # another thread"), and so would those of the errors chained to it.
            _forget_frames(exc)
            box["error"] = exc

    worker = threading.Thread(target=target, name="medigraph-query", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        if stop is not None:
            stop.set()
        limit = timeout if shown is None else shown
        raise QueryTimeout(f"{what} did not finish within {limit:g} s (see --timeout)")
    if "error" in box:
        error = box.pop("error")
        assert isinstance(error, BaseException)
        try:
            raise error
        finally:
            del error  # not left in this frame, which its traceback holds (a cycle)
    value = box["value"]
    assert not isinstance(value, BaseException)
    return value


def _forget_frames(error: BaseException) -> None:
    """Clear the local variables of the frames of ``error``'s traceback and of those of the
    errors chained to it (its cause, its context, a group's members)."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [error]
    while todo:
        exc = todo.pop()
        if exc is None or id(exc) in seen:
            continue
        seen.add(id(exc))
        traceback.clear_frames(exc.__traceback__)
        todo += [exc.__cause__, exc.__context__]
        if isinstance(exc, BaseExceptionGroup):
            todo += exc.exceptions


def _apart(work: Callable[[], T], timeout: float | None, what: str) -> T:
    """``work`` done in a forked process, given up (the process killed) after ``timeout``
    seconds; what it returns, or the exception it raises. For parsing a query:

    Oxigraph's parser holds the GIL, so a thread parsing cannot be abandoned as
    :func:`_with_timeout` abandons one evaluating (the waiting thread never runs again until
    the parse returns), and some queries take exponential time to parse (each nested
    ``SUBSTR(`` doubles it: 20 s at 24 levels, in a 200-byte query). A process can be ended,
    and its crash (the parser overflows its stack on a chain of ~87,000 ``UNION``) is an error
    here instead of the end of this one. Where there is no fork, ``work`` runs here, unlimited.
    """
    if not hasattr(os, "fork"):
        return work()
    reading_end, writing_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child, which coverage does not follow
        code = 1
        try:
            os.close(reading_end)
            faulthandler.disable()  # a crash is the caller's to tell, not a dump of frames
            try:
                data = pickle.dumps(("value", work()))
            except Exception as exc:  # any: raised again in the caller
                try:
                    data = pickle.dumps(("error", exc))
                except Exception:
                    data = pickle.dumps(("error", QueryError(f"{type(exc).__name__}: {exc}")))
            with open(writing_end, "wb") as pipe:
                pipe.write(data)
            code = 0
        finally:
            os._exit(code)  # never back into the caller's code, nor its atexit handlers
    os.close(writing_end)
    reaped = False
    try:
        given = _read_within(reading_end, timeout)
        if given is None:
            raise QueryTimeout(f"{what} did not finish within {timeout:g} s (see --timeout)")
        _, status = os.waitpid(pid, 0)
        reaped = True
        if not given:
            ended = os.waitstatus_to_exitcode(status)
            how = signal.Signals(-ended).name if ended < 0 else f"exit status {ended}"
            raise QueryError(f"{what} failed: Oxigraph's parser crashed ({how})")
        kind, value = pickle.loads(given)
        if kind == "error":
            raise cast("Exception", value)
        return cast("T", value)
    finally:
        if not reaped:  # given up on (a timeout, Ctrl-C): not left parsing for nobody
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


def _read_within(fd: int, timeout: float | None) -> bytes | None:
    """All that ``fd`` gives until its end, read as it comes (an answer larger than a pipe
    holds would otherwise block its writer); ``None`` if that takes over ``timeout`` s."""
    until = None if timeout is None else time.monotonic() + timeout
    chunks: list[bytes] = []
    with open(fd, "rb", buffering=0) as pipe:
        while True:
            left = None if until is None else until - time.monotonic()
            if left is not None and (left <= 0 or not select.select([pipe], [], [], left)[0]):
                return None
            chunk = pipe.read(1 << 16)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


def _keyword(words: str) -> str:
    """A regular expression for one of ``words`` (``A|B``) as a keyword: not part of a variable
    (``?select``), a prefixed name (``ex:select``, ``select:x``, ``a·select``), a blank node
    label or a language tag (``@select``)."""
    return rf"(?<![{_NAME_CHARS}\-.:?$@\\])(?:{words})(?![{_NAME_CHARS}\-.:])"


def _var(name: str) -> str:
    """A regular expression for the variable ``?name`` or ``$name`` (not ``?name·x``)."""
    return rf"[?$]{re.escape(name)}(?![{_NAME_CHARS}])"


_FORM = re.compile(_keyword("(SELECT|ASK|CONSTRUCT|DESCRIBE)"), re.IGNORECASE)
"""The query form: the first of these words outside comments, strings and IRIs (the prologue
before it holds only PREFIX, BASE, prefix names and IRIs)."""
_KINDS: dict[str, Kind] = {
    "select": "bindings",
    "ask": "boolean",
    "construct": "graph",
    "describe": "graph",
}


def check_syntax(text: str, prefixes: Mapping[str, str]) -> Kind:
    """Parse the query (raising :class:`QuerySyntaxError`) and tell what kind of result it gives.

    The query is parsed, never evaluated: one whose work does not depend on the data (VALUES
    blocks multiplied) would run on here outside any time limit, and a SERVICE clause would
    be fetched from this machine. pyoxigraph parses a query before it refuses these two
    arguments together (``tests/test_query.py`` holds it to that), so the refusal means it
    parsed."""
    check_nesting(text)
    try:
        _parse_only(text, prefixes)
    except SyntaxError as exc:
        if looks_like_update(text):
            raise QuerySyntaxError(
                "this is a SPARQL update (INSERT, DELETE, LOAD, CLEAR, …): medigraph query only"
                " asks questions (SELECT, ASK, CONSTRUCT, DESCRIBE); export and push write the"
                " stores"
            ) from None
        if not _blank(text, ("comment",)).strip():
            raise QuerySyntaxError(
                "the query is empty (nothing but blanks and comments): give SELECT, ASK,"
                " CONSTRUCT or DESCRIBE"
            ) from None
        raise syntax_error(text, str(exc)) from None
    except ValueError as exc:  # text that is not Unicode
        raise QuerySyntaxError(f"the query cannot be read: {exc}") from None
    return query_kind(text)


def _parse_only(text: str, prefixes: Mapping[str, str]) -> None:
    """Parse the query, never run it: :class:`SyntaxError` if it does not parse,
    :class:`ValueError` if it is no text pyoxigraph takes. pyoxigraph parses a query before
    it refuses these two arguments together (``tests/test_query.py`` holds it to that), so
    the refusal means it parsed."""
    try:
        ox.Store().query(
            text,
            prefixes=dict(prefixes),
            use_default_graph_as_union=True,
            default_graph=ox.DefaultGraph(),
        )
    except ValueError as exc:
        if "use_default_graph_as_union" not in str(exc):
            raise


def query_kind(text: str) -> Kind:
    """What kind of result the query gives, read from its form (the first of SELECT, ASK,
    CONSTRUCT, DESCRIBE) without parsing it: no more than the parser would say of a query
    that parses."""
    form = _FORM.search(_blank(text))
    return _KINDS[form.group(1).lower()] if form else "bindings"


def check_nesting(text: str) -> None:
    """A :class:`QuerySyntaxError` for a query nested past :data:`MAX_NESTING` levels, before
    pyoxigraph parses it: its parser would overflow the stack and end the process."""
    depth = nesting_depth(_blank(text))
    if depth > MAX_NESTING:
        raise QuerySyntaxError(
            f"the query is nested too deeply ({depth} levels; at most {MAX_NESTING})"
        )


def check_chained(text: str) -> None:
    """A :class:`QuerySyntaxError` for a query with more than :data:`MAX_CHAINED` patterns and
    operators, before Oxigraph runs it: its engine would overflow the stack on a long chain
    and end the process. Only where Oxigraph runs the query here (the embedded store,
    ``serve``): an endpoint's engine has limits of its own."""
    count = chained(_blank(text))
    if count > MAX_CHAINED:
        raise QuerySyntaxError(
            f"the query is too long to run: {count} patterns and operators (groups, FILTER,"
            f" BIND, triple patterns, &&, ||, +, -, *, /, |; at most {MAX_CHAINED}); split it"
            " into several queries"
        )


def check_bound(
    text: str,
    prefixes: Mapping[str, str],
    params: Mapping[str, Bound],
    *,
    bind: bool = False,
    timeout: float | None = None,
) -> tuple[Kind, str]:
    """:func:`check_syntax` for a query with parameters, and the query with them bound
    (:func:`insert_values`). A query can need its values to parse: a grouped select may not
    project an unbound ``?name`` nor use it outside an aggregate, where the term written in
    is fine. Errors name the places in ``text`` as given; a parameter where no binding stands
    for writing the value in is a :class:`ParameterError` (:func:`_unbindable`).

    A query that may take long to parse (nested deeper than :data:`QUICK_PARSE_DEPTH`, or
    longer than :data:`MAX_CHAINED`) is checked in a process of its own, given up after
    ``timeout`` seconds with :class:`QueryTimeout` (:func:`_apart`): its parse can take longer
    than any time limit. Any other is checked here: a process of its own costs more (≈ 40 ms,
    and more as this one grows) than its parse."""
    plain = _syntax(text)
    if (
        nesting_depth(plain) <= QUICK_PARSE_DEPTH
        and chained(plain) <= MAX_CHAINED
        and not _may_hide_depth(text)
    ):
        return _check_bound(text, prefixes, params, bind)
    return _apart(lambda: _check_bound(text, prefixes, params, bind), timeout, "parsing the query")


def _may_hide_depth(text: str) -> bool:
    """Whether ``text`` holds more brackets, or a longer run of unary operators, than
    :data:`MAX_NESTING` levels, counted everywhere (in strings, comments and IRIs too).

    The limits count on the query with its strings, comments and IRIs blanked, and the scan
    that finds those (:func:`_scan`) reads a ``<`` as an IRI or as less-than by the text
    after it, where Oxigraph's parser decides by the grammar: a query written to be read the
    other way (``FILTER(?x<'a>')`` followed by 3 000 braces) hid its depth in what the scan
    took for a string, and the parser overflowed the stack (``query`` ended with a segfault).
    Counted everywhere, no such query can nest past the limit unseen; one that could is
    parsed in a process of its own, where a crash is an error. The saved queries hold at
    most 110 brackets."""
    if sum(text.count(bracket) for bracket in "({[") > MAX_NESTING:
        return True
    return any(len(run.group()) > MAX_NESTING for run in _UNARY_RUN.finditer(text))


_UNARY_RUN = re.compile(r"[!+-](?:\s*[!+-])*")

QUICK_PARSE_DEPTH = 14
"""How deeply a query may nest and still be parsed in this process. The slowest nesting
measured, ``REGEX(`` in ``REGEX(``, doubles the parse per level: 1.6 ms at 10 levels, 26 ms
at 14 (less than a process of its own costs), 20 s at 24. The saved queries nest at most 12
levels (their date expressions)."""


def _check_bound(
    text: str, prefixes: Mapping[str, str], params: Mapping[str, Bound], bind: bool
) -> tuple[Kind, str]:
    plain = _blank(text)
    for name in params:
        if (where := _unbindable(plain, name)) is not None:
            raise ParameterError(_unbindable_message(name, where))
    try:
        kind = check_syntax(text, prefixes)
    except QuerySyntaxError as exc:
        if not params:
            raise
        try:
            query = insert_values(text, params, bind=bind)
            return check_syntax(query, prefixes), query
        except QueryError:
            raise exc from None
    query = insert_values(text, params, bind=bind)
    if query != text:
        try:  # what is sent must parse too, whether the store is here or an endpoint's
            check_syntax(query, prefixes)
        except QuerySyntaxError:
            raise ParameterError(
                "the query does not parse with its parameters bound (a parameter in a place"
                " the binding does not handle); write the values into the query"
            ) from None
    return kind, query


def syntax_error(text: str, message: str) -> QuerySyntaxError:
    """A readable syntax error: the line and column, the offending line and a caret under it."""
    match = re.match(r"error at (\d+):(\d+): (.*)", message, re.S)
    if not match:
        return QuerySyntaxError(f"syntax error: {message}")
    line, column, detail = int(match.group(1)), int(match.group(2)), match.group(3)
    # Lines as Oxigraph counts them: only a line feed ends one (str.splitlines also breaks at
    # CR, U+2028, U+0085, form feed…, and showed another line than the one meant).
    lines = text.split("\n")
    source = lines[line - 1].removesuffix("\r") if 0 < line <= len(lines) else ""
    detail = " ".join(detail.split())
    if "Prefix not found" in detail:
        before = source[: max(column - 1, 0)]
        name = re.search(r"([A-Za-z][\w.-]*)?:[\w.-]*$", before.rstrip())
        prefix = (name.group(1) or "") if name else "?"
        if name:
            column = name.start() + 1
        detail = f"unknown prefix {prefix}: (declare it with PREFIX, or see `medigraph query --prefixes`)"
    elif reasons := _reasons(detail):
        detail = "; ".join(reasons)
    elif detail.startswith("expected one of") and len(detail) > 160:
        detail = detail[:160].rsplit(",", 1)[0] + ", …"
    before = source[: min(max(column - 1, 0), len(source))]
    caret = " " * cell_len(_echoed(before)) + "^"
    return QuerySyntaxError(
        f"syntax error at line {line}, column {column}: {detail}\n  {_echoed(source)}\n  {caret}",
        line,
        column,
    )


_GROUPING = (
    "neither grouped (GROUP BY) nor inside an aggregate: add it to GROUP BY, or take it"
    " through an aggregate (SAMPLE(?x), MIN(?x), COUNT(?x)); an aggregate without GROUP BY"
    " makes all the rows one group"
)
_REASONS = {
    "The SELECT contains a variable that is unbound": (
        "a variable the SELECT shows (or its HAVING or ORDER BY uses) is " + _GROUPING
    ),
    "The SELECT contains an expression with a variable that is unbound": (
        "an expression the SELECT computes uses a variable that is neither grouped (GROUP BY)"
        " nor inside an aggregate: group by the expression under a name, GROUP BY (STR(?x) AS"
        " ?name), and show ?name, or take the variable through an aggregate (SAMPLE(?x),"
        " MIN(?x), COUNT(?x))"
    ),
    "SELECT * is not authorized with GROUP BY": (
        "GROUP BY goes with a SELECT that names the grouped variables and the aggregates: not"
        " with SELECT *, nor with ASK, CONSTRUCT or DESCRIBE (group in a sub-select)"
    ),
    "Duplicated variable name in SELECT": "the SELECT names one variable twice",
    "The SELECT overrides an existing variable using an expression": (
        "an (… AS ?x) of the SELECT names a variable the query already binds: choose another name"
    ),
}
"""Oxigraph's checks of a query's meaning, which its parser reports among the tokens it
expected ('expected one of "$", "(", …, IF, TZ, The SELECT contains a variable that is
unbound, …'), as if a token were missing: said in words instead."""


def _reasons(detail: str) -> list[str]:
    """The checks of meaning among the items an 'expected …' message lists (an item that is
    a sentence, not a quoted token, a keyword or a character class), said in words."""
    if not detail.startswith("expected"):
        return []
    items = detail.removeprefix("expected one of ").removeprefix("expected ").split(", ")
    sentences = [i for i in items if " " in i and not i.startswith(('"', "'", "["))]
    return [_REASONS.get(s, s) for s in sentences]


ECHO_TAB = 4
"""Columns between the tab stops of a query line echoed under a syntax error."""


def _echoed(text: str) -> str:
    """A query line (or its beginning) as echoed under a syntax error: tabs expanded to spaces
    and control characters escaped, so that the caret's column, counted in terminal cells (a
    CJK character or an emoji takes two), is the character's on any terminal. Left to the
    terminal, a tab would take it to its own next stop, 8 columns on, not one."""
    return visible(text.expandtabs(ECHO_TAB))


Result = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples
Parsed = ox.QuerySolutions | ox.QueryBoolean | list[ox.Triple]
"""An endpoint's answer, as read: solutions, a boolean, or a graph's triples."""


def run_embedded(
    text: str,
    *,
    store: str | Path = DEFAULT_STORE,
    params: Mapping[str, ParamValue] | None = None,
    prefixes: Mapping[str, str] | None = None,
    timeout: float | None = DEFAULT_TIMEOUT_S,
    opened: ox.Store | None = None,
) -> Answer:
    """Run a query on the embedded store, whose default graph is the union of the document
    graphs (kept deduplicated by the store)."""
    answer, seconds = _on_embedded(
        text,
        lambda result, stop: _read(result, stop),
        store,
        params,
        prefixes,
        timeout,
        opened,
    )
    answer.seconds = seconds
    return answer


def stream_embedded(
    text: str,
    out: IO[str],
    fmt: str,
    *,
    store: str | Path = DEFAULT_STORE,
    params: Mapping[str, ParamValue] | None = None,
    prefixes: Mapping[str, str] | None = None,
    timeout: float | None = DEFAULT_TIMEOUT_S,
    opened: ox.Store | None = None,
    width: int | None = None,
) -> str:
    """:func:`run_embedded`, writing the answer to ``out`` as ``fmt`` while the engine hands
    its rows over, so that no answer is held in memory whole; what it held ("12 rows").
    ``width``: the terminal's columns, which a table is fitted to (:func:`table`).

    The timeout covers the writing too. ``out`` is the caller's to discard when an error
    (a timeout included) leaves it with part of an answer: the command line writes to a
    spool and shows it only once the answer is complete.
    """
    shown = shown_prefixes(text, default_prefixes() if prefixes is None else prefixes)
    output = _Output(out)
    try:
        size, _seconds = _on_embedded(
            text,
            lambda result, stop: write_result(
                result, fmt, shown, cast("IO[str]", output), stop, width
            ),
            store,
            params,
            prefixes,
            timeout,
            opened,
            fmt,
        )
    except _OutputError as exc:  # the caller's own error (a closed pipe), not the query's
        failed = exc.error
    else:
        return size
    # Out of the handler: chained to the wrapper, it would hold its frames. Nor left in this
    # frame, which its traceback holds: a cycle, freed by the garbage collector on whatever
    # thread runs it, where pyoxigraph's results in the frames below may not be dropped.
    try:
        raise failed
    finally:
        del failed


class _OutputError(Exception):
    """What ``out.write`` raised while an answer was written: raised again as itself by
    :func:`stream_embedded` and :func:`stream_remote`, where it had been the query's failure (``QueryError("the query
    failed: [Errno 32] Broken pipe")`` for a closed pipe; an endpoint's "cannot reach the
    endpoint … Broken pipe")."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


class _Output:
    """The caller's ``out``, whose errors are told apart from the query's."""

    def __init__(self, out: IO[str]) -> None:
        self._out = out

    def write(self, text: str) -> int:
        try:
            return self._out.write(text)
        except Exception as exc:
            raise _OutputError(exc) from None


def _on_embedded(
    text: str,
    handle: Callable[[Result, threading.Event], T],
    store: str | Path,
    params: Mapping[str, ParamValue] | None,
    prefixes: Mapping[str, str] | None,
    timeout: float | None,
    opened: ox.Store | None,
    fmt: str | None = None,
) -> tuple[T, float]:
    """Check the query (and that ``fmt`` suits it), then run it and ``handle`` its result on
    a worker thread within ``timeout``; what ``handle`` gave and the seconds both took."""
    check_timeout(timeout)
    names = dict(default_prefixes() if prefixes is None else prefixes)
    check_chained(text)
    started = time.monotonic()
    kind, query = check_bound(text, names, as_terms(text, params, names), timeout=timeout)
    if fmt is not None:
        check_format(kind, fmt)
    rest = None if timeout is None else timeout - (time.monotonic() - started)
    if rest is not None and rest <= 0:
        raise QueryTimeout(f"the query did not finish within {timeout:g} s (see --timeout)")
    # While the answer is read, no export changes the store (an export waits, and one
    # under way is waited for): each document is before or after it, never half written.
    waiting = contextlib.nullcontext(rest) if opened is not None else reading(store, rest)
    with waiting as left:  # one --timeout for the parse, the wait and the query together
        target = opened if opened is not None else open_read_only(store)

        stop = threading.Event()

        def work() -> tuple[T, float]:
            started = time.perf_counter()
            try:
                result = target.query(query, prefixes=names)
            except RuntimeError as exc:
                raise QueryError(f"the query failed: {exc}") from None
            return handle(result, stop), time.perf_counter() - started

        try:
            return _with_timeout(work, left, "the query", stop, shown=timeout)
        except SyntaxError as exc:  # pragma: no cover - check_syntax catches these first
            raise syntax_error(text, str(exc)) from None
        except OSError as exc:
            raise QueryError(f"the query failed: {exc}") from exc


def with_prologue(text: str, prefixes: Mapping[str, str]) -> str:
    """The query with PREFIX lines for the predeclared prefixes it does not declare itself.

    Prefix names are case-sensitive (``Schema:`` declares nothing for ``schema:``), and a
    ``PREFIX`` in a string or a comment declares nothing: counted, either left a prefix the
    local check knew undeclared at the endpoint, which refused the query (HTTP 400)."""
    declared = _declared_prefixes(text)
    lines = [f"PREFIX {n}: <{iri}>" for n, iri in prefixes.items() if n not in declared]
    return "\n".join([*lines, text])


def run_remote(
    text: str,
    endpoint: str,
    *,
    params: Mapping[str, ParamValue] | None = None,
    prefixes: Mapping[str, str] | None = None,
    timeout: float | None = DEFAULT_TIMEOUT_S,
    union_default_graph: bool = False,
) -> Answer:
    """Run a query on a SPARQL 1.1 endpoint (SPARQL Protocol, POST form)."""
    started = time.perf_counter()
    answer = _on_endpoint(
        text,
        endpoint,
        _answer,
        params,
        prefixes,
        timeout,
        union_default_graph,
    )
    answer.seconds = time.perf_counter() - started
    return answer


def stream_remote(
    text: str,
    endpoint: str,
    out: IO[str],
    fmt: str,
    *,
    params: Mapping[str, ParamValue] | None = None,
    prefixes: Mapping[str, str] | None = None,
    timeout: float | None = DEFAULT_TIMEOUT_S,
    union_default_graph: bool = False,
    width: int | None = None,
) -> str:
    """:func:`run_remote`, writing the answer to ``out`` as ``fmt`` while it is read from the
    endpoint's response (never whole in memory); what it held ("12 rows"). ``width`` as
    for :func:`stream_embedded`.

    As with :func:`stream_embedded`, ``out`` holds part of an answer when an error stops it.
    """
    names = dict(default_prefixes() if prefixes is None else prefixes)
    shown = shown_prefixes(text, names)

    output = cast("IO[str]", _Output(out))

    def write(parsed: Parsed) -> str:
        return write_result(parsed, fmt, shown, output, width=width)

    try:
        return _on_endpoint(
            text, endpoint, write, params, names, timeout, union_default_graph, fmt=fmt
        )
    except _OutputError as exc:  # the caller's own error, not the endpoint's
        failed = exc.error
    try:
        raise failed  # out of the handler, and not left in this frame (see stream_embedded)
    finally:
        del failed


def _on_endpoint(
    text: str,
    endpoint: str,
    handle: Callable[[Parsed], T],
    params: Mapping[str, ParamValue] | None,
    prefixes: Mapping[str, str] | None,
    timeout: float | None,
    union_default_graph: bool,
    fmt: str | None = None,
) -> T:
    """Check the query (and that ``fmt`` suits it), POST it to ``endpoint`` and ``handle``
    the results it answers with (:func:`_parsed`) while the response is open; results that
    stop parsing, at once or while ``handle`` reads them, are the endpoint's error, and so
    are results that do not fit the query (:func:`_fitting`)."""
    check_timeout(timeout)
    names = dict(default_prefixes() if prefixes is None else prefixes)
    kind, bound = check_bound(
        text, names, as_terms(text, params, names), bind=True, timeout=timeout
    )
    if fmt is not None:
        check_format(kind, fmt)
    if union_default_graph and has_dataset_clause(text):
        raise QueryError(
            "--union-default-graph and the query's own FROM (or FROM NAMED) do not go"
            " together: Oxigraph then takes the union of every graph as the default graph,"
            " whatever FROM says; leave out one of them"
        )
    try:
        check_endpoint_url(endpoint)  # never a password in the URL: it would be shown
        credentials = Credentials.lookup(endpoint)
    except ValueError as exc:
        raise EndpointError(str(exc)) from None
    shown = public_url(endpoint)
    query = with_prologue(bound, names)
    form: dict[str, str] = {"query": query}
    url = endpoint
    if union_default_graph:
        # Oxigraph's protocol extension; other stores (Virtuoso) already query all graphs.
        url += ("&" if "?" in url else "?") + "union-default-graph"
    accept = (
        "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"
        if kind == "graph"
        else "application/sparql-results+json, application/sparql-results+xml;q=0.5"
    )
    request = urllib.request.Request(
        url,
        data=urllib.parse.urlencode(form).encode("utf-8"),
        headers={
            "Accept": accept,
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": USER_AGENT,
        },
        method="POST",
    )
    if credentials is not None:  # HTTP basic, never copied to a redirect's target
        request.add_unredirected_header("Authorization", f"Basic {credentials.basic_token}")
    late = f"{shown} did not answer within {timeout:g} s (see --timeout)" if timeout else ""
    media = ""
    body: _Deadline | None = None
    # One deadline for the whole request: connecting, the status line and headers (which
    # may trickle in), and the body.
    watch = _Watch(timeout)
    try:
        with watch, watch.opener.open(request, timeout=timeout) as response:
            media = response.headers.get_content_type()
            body = _Deadline(response, watch.until)
            parsed = _parsed(cast("IO[bytes]", body), media, kind, shown)
            handled = handle(_fitting(parsed, kind, projected_variables(bound), shown))
        if watch.fired:
            # The watch shut the socket down while the body was read: an answer with no
            # length then just ends, and what was parsed is only its beginning.
            raise QueryTimeout(late)
        return handled
    except urllib.error.HTTPError as exc:
        raise _http_error(exc, shown, url, credentials) from None
    except (SyntaxError, OSError, http.client.HTTPException) as exc:
        if watch.fired or (body is not None and body.expired) or isinstance(exc, TimeoutError):
            raise QueryTimeout(late) from None
        if (body is not None and body.cut_short) or (
            media and isinstance(exc, http.client.IncompleteRead)
        ):
            raise EndpointError(
                f"{shown} answered, but the answer broke off: the connection closed before its"
                " end, or its chunked encoding is malformed"
            ) from None
        if isinstance(exc, SyntaxError):
            why = visible(str(exc))
            raise EndpointError(
                f"{shown} sent results that do not parse as {media}: {why}"
            ) from None
        if isinstance(exc, urllib.error.URLError):
            if isinstance(exc.reason, TimeoutError):
                raise QueryTimeout(late) from None
            reason = visible(str(exc.reason))
            raise EndpointError(f"cannot reach the endpoint {shown}: {reason}") from None
        if isinstance(exc, http.client.HTTPException) and media == "":
            reason = f"it does not answer as an HTTP server ({type(exc).__name__})"
        else:
            reason = visible(str(exc) or type(exc).__name__)
        raise EndpointError(f"cannot reach the endpoint {shown}: {reason}") from None


class _Watch:
    """A deadline over a whole request: at ``timeout`` seconds from its start, the sockets of
    the request's connections are shut down, which ends any read waiting on them (urllib's
    timeout bounds each socket read, so a status line and headers that trickle in would
    never end). ``fired`` tells that ending from the endpoint's own errors."""

    def __init__(self, timeout: float | None) -> None:
        self.until = None if timeout is None else time.monotonic() + timeout
        self.fired = False
        self._connections: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()
        self._timer = None if timeout is None else threading.Timer(timeout, self._fire)
        watch = self

        class Plain(urllib.request.HTTPHandler):
            def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
                return self.do_open(watch._connection(http.client.HTTPConnection), req)

        class Secure(urllib.request.HTTPSHandler):
            def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
                return self.do_open(
                    watch._connection(http.client.HTTPSConnection),
                    req,
                    context=self._context,  # type: ignore[attr-defined]
                )

        self.opener = urllib.request.build_opener(NoRedirect(), Plain(), Secure())

    def _connection(
        self, kind: type[http.client.HTTPConnection]
    ) -> Callable[..., http.client.HTTPConnection]:
        def make(*args: object, **kwargs: object) -> http.client.HTTPConnection:
            connection = kind(*args, **kwargs)  # type: ignore[arg-type]
            with self._lock:
                self._connections.append(connection)
            return connection

        return make

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            for connection in self._connections:
                if connection.sock is not None:
                    # The plain socket's shutdown, under any TLS layer: a read waiting on it
                    # returns, and the TLS object is left to the reading thread.
                    with contextlib.suppress(OSError):
                        socket.socket.shutdown(connection.sock, socket.SHUT_RDWR)

    def __enter__(self) -> _Watch:
        if self._timer is not None:
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._timer is not None:
            self._timer.cancel()


def _http_error(
    exc: urllib.error.HTTPError, shown: str, url: str, credentials: Credentials | None
) -> EndpointError:
    """The endpoint's error status as a message safe for a terminal: its body on one line,
    with control characters escaped and no credential in it."""
    try:
        raw = read_quietly(exc)
    finally:
        exc.close()
    detail = " ".join(raw.decode("utf-8", "replace").split())[:500]
    if credentials is not None:
        detail = credentials.redact(detail)
    detail = visible(detail)
    location = exc.headers.get("Location") if 300 <= exc.code < 400 else None
    if location:
        target = visible(public_url(urllib.parse.urljoin(url, location)))
        return EndpointError(
            f"{shown} redirected the query (HTTP {exc.code}) to {target}; use --endpoint {target}"
        )
    if 300 <= exc.code < 400:
        return EndpointError(
            f"{shown} answered HTTP {exc.code} {visible(str(exc.reason))}, a redirect that"
            " does not say where to (no Location header)"
        )
    hint = ""
    if exc.code == 401:  # a 403 is a refusal that credentials do not change
        hint = (
            " (set MEDIGRAPH_USER and MEDIGRAPH_PASSWORD or use ~/.netrc)"
            if credentials is None
            else " (the credentials were refused)"
        )
    reason = visible(str(exc.reason))
    said = f": {detail}" if detail else " (with no message)"
    return EndpointError(f"{shown} answered HTTP {exc.code} {reason}{hint}{said}")


class _Deadline(io.RawIOBase):
    """An endpoint's response that may be read only until ``until`` (time.monotonic()):
    urllib's timeout bounds each socket read, so an answer that trickles in would never
    end. ``expired`` tells a read that failed for that reason from the endpoint's errors."""

    def __init__(self, response: IO[bytes], until: float | None) -> None:
        super().__init__()
        self.response = response
        self.until = until
        self.expired = False
        self.cut_short = False  # the connection closed before the Content-Length was read
        # The socket under http.client's buffered reader, to wait no longer than what is left.
        raw = getattr(getattr(response, "fp", None), "raw", None)
        self._socket = getattr(raw, "_sock", None)
        self._read1 = getattr(response, "read1", response.read)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self.until is not None:
            left = self.until - time.monotonic()
            if left <= 0:
                self.expired = True
                raise TimeoutError("the answer took too long")
            if self._socket is not None:
                with contextlib.suppress(OSError):
                    self._socket.settimeout(left)
        try:  # read1: what one socket read gives (read would wait for all it asked for)
            data = self._read1(len(buffer))
        except TimeoutError:
            self.expired = True
            raise
        if not data and len(buffer) and getattr(self.response, "length", None):
            # http.client ends a body cut short quietly: the parser would call it malformed.
            self.cut_short = True
            raise http.client.IncompleteRead(b"", self.response.length)  # type: ignore[attr-defined]
        buffer[: len(data)] = data
        return len(data)


def _answer(result: Parsed) -> Answer:
    return Answer("graph", triples=result) if isinstance(result, list) else _read(result)


def _parsed(body: IO[bytes], media: str, kind: Kind, endpoint: str) -> Parsed:
    """The endpoint's response read as it comes: solutions or a boolean, or the triples of a
    graph result (read whole: pyoxigraph serializes a graph in one call), each once: a graph is
    a set, and Oxigraph's DESCRIBE over its union default graph repeats a triple once per
    graph that states it (a topic's label 155 times, for 155 documents)."""
    if kind == "graph":
        rdf_format = ox.RdfFormat.from_media_type(media)
        if rdf_format is None:
            raise EndpointError(f"{endpoint} answered a graph query with {media}")
        return list(dict.fromkeys(q.triple for q in ox.parse(body, format=rdf_format)))
    results_format = ox.QueryResultsFormat.from_media_type(media)
    if results_format is None:
        raise EndpointError(f"{endpoint} answered with {media}, not SPARQL results")
    return ox.parse_query_results(body, format=results_format)


def _fitting(parsed: Parsed, kind: Kind, projection: list[str] | None, endpoint: str) -> Parsed:
    """The endpoint's results, when they are the kind the query asks for: rows for a SELECT,
    under the variables it selects (``projection``; None for ``SELECT *``, whose variables are
    the pattern's), and a boolean for an ASK. Anything else (a proxy's answer, the wrong
    service, a store that rewrote the query) is an :class:`EndpointError`, not an answer.
    A selected variable may be unbound in every row; it is still in the results' head."""
    if kind == "bindings" and isinstance(parsed, ox.QueryBoolean):
        value = "true" if parsed else "false"
        raise EndpointError(
            f"{endpoint} answered a SELECT query with a boolean ({value}), not rows"
        )
    if kind == "boolean" and isinstance(parsed, ox.QuerySolutions):
        raise EndpointError(
            f"{endpoint} answered an ASK query with rows (of {_variables(parsed)}), not a boolean"
        )
    if (
        kind == "bindings"
        and isinstance(parsed, ox.QuerySolutions)
        and projection is not None
        and {v.value for v in parsed.variables} != set(projection)
    ):
        selected = ", ".join("?" + n for n in projection) or "no variable"
        raise EndpointError(
            f"{endpoint} answered with rows of {_variables(parsed)}, but the query selects"
            f" {selected}"
        )
    return parsed


def _variables(solutions: ox.QuerySolutions) -> str:
    names = [visible(v.value) for v in solutions.variables]
    return ", ".join("?" + n for n in names) or "no variable"


_PROJECTION_TOKEN = re.compile(
    rf"[(){{*]|[?$][{_NAME_CHARS}]+|" + _keyword("AS|WHERE|FROM"), re.IGNORECASE
)


def projected_variables(text: str) -> list[str] | None:
    """The variables a SELECT query selects, in order: each ``?x`` of its projection and each
    ``(… AS ?x)``; None for ``SELECT *`` and for the other forms."""
    plain = _blank(text)
    form = _FORM.search(plain)
    if form is None or form.group(1).upper() != "SELECT":
        return None
    names: list[str] = []
    depth = 0
    after_as = False
    for found in _PROJECTION_TOKEN.finditer(plain, form.end()):
        token = found.group(0)
        if depth == 0 and (token == "{" or token.upper() in ("WHERE", "FROM")):
            break  # the projection ends where the dataset or the WHERE group begins
        if token == "*" and depth == 0:
            return None
        if token in "()":
            depth += 1 if token == "(" else -1
        elif token[0] in "?$" and (depth == 0 or (depth == 1 and after_as)):
            names.append(token[1:])
        after_as = token.upper() == "AS"
    return names


_BLANK_KINDS = ("comment", "string", "iri")
_last_blank = threading.local()
"""The last text :func:`_blank` blanked of its default kinds in this thread, and the result."""


def _blank(
    text: str,
    kinds: tuple[str, ...] = _BLANK_KINDS,
    keep: Callable[[int, int], object] | None = None,
) -> str:
    """The query with its spans of these kinds blanked (same length): what is left is SPARQL
    syntax, where a keyword or a variable is one. An IRI for which ``keep(start, end)`` is
    true is left as written.

    The default blanking of the last text is kept, one per thread: ``serve`` reads a query
    through several checks, each of which blanked it anew (of a 1 MiB query, 4 × 0.5-1 s in
    the server's process, holding the interpreter's lock)."""
    plain = kinds == _BLANK_KINDS and keep is None
    last: tuple[str, str] | None = getattr(_last_blank, "pair", None)
    if plain and last is not None and last[0] == text:
        return last[1]
    out = list(text)
    for start, end, what in _scan(text):
        if what in kinds and not (what == "iri" and keep is not None and keep(start, end)):
            out[start:end] = " " * (end - start)
    blanked = "".join(out)
    if plain:
        _last_blank.pair = (text, blanked)
    return blanked


def _syntax(text: str) -> str:
    """The query with its comments, strings and IRIs blanked, but an IRI that holds a
    bracket, ``?``, ``&``, ``,``, ``;``, ``!``, ``=``, ``+`` or ``*`` kept: for telling
    whether the query parses quickly (:func:`check_bound`). In an expression,
    ``?t<REGEX(…)&&?t>?p`` reads as an IRI where Oxigraph parses a comparison, and blanked
    it hid any depth; counted, such a query is parsed in a process of its own, where a parse
    that takes hours is stopped and one that crashes is an error. (The limits themselves count
    on :func:`_blank`: an IRI may hold any number of brackets, ``Foo_(bar)``.)"""
    return _blank(text, keep=lambda start, end: _SYNTAX_IN_IRI.search(text, start + 1, end - 1))


_SYNTAX_IN_IRI = re.compile(r"[()\[\],;&?!=+*]")

_IRI = re.compile(r'<(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>')
"""An IRI as Oxigraph reads one: the grammar's characters, and ``\\u``/``\\U`` escapes."""
_SERVICE = re.compile(_keyword("SERVICE"), re.IGNORECASE)
_LINE_END = re.compile(r"[\r\n]")
"""Where a comment ends: SPARQL's end of line is a line feed or a carriage return."""
_LESS_THAN_VAR = re.compile(rf"<[?$][{_NAME_CHARS}]")
"""``<?x`` or ``<$x``: a less-than before a variable (``?a<?b&&?c>?d``), which the grammar
reads so in an expression; as an IRI it would be a relative one that starts with a query
string, which no one writes in a query."""


_UPDATE = re.compile(
    rf"\s*(?:(?:PREFIX\s+[{_NAME_CHARS}.\-]*:|BASE)\s*)*"
    + _keyword("INSERT|DELETE|DROP|CLEAR|CREATE|LOAD|COPY|MOVE|ADD|WITH"),
    re.IGNORECASE,
)


def looks_like_update(text: str) -> bool:
    """Whether the text starts as a SPARQL update does (after its prologue), to tell an
    update sent as a query from a query with a syntax error."""
    return _UPDATE.match(_blank(text)) is not None


_FROM = re.compile(_keyword("FROM"), re.IGNORECASE)


def has_dataset_clause(text: str) -> bool:
    """Whether the query names its own dataset (``FROM <g>`` or ``FROM NAMED <g>``); the word
    in a comment, a string, an IRI, a variable or a prefixed name does not count. Oxigraph's
    ``union-default-graph`` option replaces the default graph such a query chooses (one that
    has only FROM NAMED chooses an empty one) with the union of every graph in the store."""
    return _FROM.search(_blank(text)) is not None


def union_repeats_matter(text: str) -> bool:
    """Whether the answer to ``text`` asked of an endpoint's union default graph (Oxigraph's
    ``union-default-graph``, which holds a triple once per graph that states it) can be
    multiplied by that repetition: a SELECT (rows repeated, counts multiplied), or any query
    with a sub-select (a count or a LIMIT inside it), that matches a pattern in the default
    graph. Not an ASK, a CONSTRUCT or a DESCRIBE without a sub-select (a boolean, or a set of
    triples written once each), a SELECT DISTINCT without aggregates or sub-selects, nor a
    query whose every pattern is in a ``GRAPH`` (as the saved queries' endpoint forms are),
    a ``SERVICE`` or a ``FILTER EXISTS``. Read from the text, as :func:`has_dataset_clause`
    does; when unsure (a function named by a prefixed name in a FILTER), it says True."""
    plain = _blank(text)
    form = _FORM.search(plain)
    if form is None:
        return True
    selects = list(_selects(plain))
    nested = any(head != form.end() for head, _opening, _closing_brace, _end in selects)
    distinct = re.match(r"\s*" + _keyword("DISTINCT"), plain[form.end() :], re.IGNORECASE)
    once = form.group(1).upper() != "SELECT" or (distinct and not _AGGREGATE.search(plain))
    if once and not nested:
        return False  # a boolean, a set of triples, or rows each once
    try:
        opening = _where_start(plain) - 1
    except QueryError:
        return True
    terms = list(plain)
    for start, _end, what in _scan(text):
        if what == "iri":
            terms[start] = "<"  # a term of a pattern, which blanking left out
    spans = [(head, opening_brace) for head, opening_brace, _c, _e in selects]
    spans += [(closing + 1, end) for _h, _o, closing, end in selects]
    for found in _ELSEWHERE.finditer(plain):
        brace = plain.find("{", found.end())
        if brace >= 0:
            spans.append((found.start(), _closing(plain, brace) + 1))
    spans += [(i, _closing(plain, i, "()") + 1) for i, char in enumerate(plain) if char == "("]
    for start, end in spans:
        terms[start:end] = " " * (end - start)
    where = "".join(terms[opening + 1 : _closing(plain, opening)])
    return re.search(r"[?$<\[:]", where) is not None


_ELSEWHERE = re.compile(_keyword("GRAPH|SERVICE|EXISTS|VALUES"), re.IGNORECASE)
"""Keywords whose group matches no pattern in the default graph, or multiplies nothing."""


def uses_service(text: str) -> bool:
    """Whether the query has a SERVICE clause (a federated query that fetches another URL);
    the word in a comment, a string, an IRI, a variable or a prefixed name does not count."""
    return _SERVICE.search(_blank(text)) is not None


def calls_service(text: str, prefixes: Mapping[str, str]) -> bool:
    """Whether Oxigraph's parser reads a SERVICE clause in ``text``, a query that parses.

    Each ``service``, in any case and anywhere, is written with other letters (``qqqqqqq``,
    cased alike): in a string, a comment, an IRI, a variable or a name they read as the
    word did, but they are no keyword, so the query then fails to parse exactly when one
    was SERVICE. Parsed, never run, as :func:`check_syntax` does (and as slow). No scanner
    of the text decides, as it does for :func:`uses_service`: one that takes a ``'`` or a
    ``#`` for the start of a string or a comment where Oxigraph does not (``?x<'a>'``, an
    IRI ``<?x#>``) would hide a SERVICE from it. ``text`` must parse as it is."""
    if not _SERVICE_LETTERS.search(text):
        return False

    def mask(name: str) -> str:
        return _SERVICE_LETTERS.sub(
            lambda m: "".join("Q" if c.isupper() else "q" for c in m.group()), name
        )

    try:  # a predeclared prefix whose name holds the word is written alike
        _parse_only(mask(text), {mask(name): iri for name, iri in prefixes.items()})
    except SyntaxError:
        return True
    return False


_SERVICE_LETTERS = re.compile("service", re.IGNORECASE)


def _scan(text: str) -> list[tuple[int, int, str]]:
    """Spans of comments, strings and IRIs: the places where braces and keywords don't count."""
    spans: list[tuple[int, int, str]] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "#":  # to the end of the line: LF or CR, as Oxigraph reads it
            line_end = _LINE_END.search(text, i)
            end = line_end.start() if line_end else len(text)
            spans.append((i, end, "comment"))
            i = end
        elif char in "\"'":
            quote = char * 3 if text.startswith(char * 3, i) else char
            j = i + len(quote)
            while j < len(text) and not text.startswith(quote, j):
                j += 2 if text[j] == "\\" else 1
            spans.append((i, j + len(quote), "string"))
            i = j + len(quote)
        elif char == "<" and not _LESS_THAN_VAR.match(text, i) and (match := _IRI.match(text, i)):
            spans.append((i, match.end(), "iri"))
            i = match.end()
        elif char == "\\":  # an escape in a prefixed name (ex:a\#b): the next one is a letter
            i += 2
        else:
            i += 1
    return spans


def where_group_start(text: str) -> int:
    """Index just after the ``{`` that opens the query's WHERE group."""
    return _where_start(blank_literals(text))


def _where_start(plain: str) -> int:
    """:func:`where_group_start` on the query with comments, strings and IRIs blanked."""
    form = _FORM.search(plain)
    if form is None:
        raise QueryError("not a query (no SELECT, ASK, CONSTRUCT or DESCRIBE)")
    if form.group(1).upper() == "CONSTRUCT":
        template = re.match(r"\s*\{", plain[form.end() :])
        if template is None:
            raise QueryError("parameters need the long CONSTRUCT form: CONSTRUCT { … } WHERE { … }")
        # Skip the template; the next brace opens the pattern.
        opening = plain.find("{", _closing(plain, form.end() + template.end() - 1) + 1)
        if opening < 0:
            raise QueryError("cannot find the WHERE group of this CONSTRUCT query")
        return opening + 1
    # The first brace outside brackets: the WHERE keyword is optional (`SELECT * { … }`,
    # `ASK { … }`), and the first "WHERE {" after the form may be a sub-select's; a brace in
    # brackets is an expression's (`SELECT (EXISTS { … } AS ?x)`).
    opening = _group_brace(plain, form.end(), len(plain))
    if opening < 0:
        raise QueryError("parameters need a WHERE { … } group in the query")
    return opening + 1


def _group_brace(plain: str, start: int, end: int) -> int:
    """The first ``{`` from ``start`` to ``end`` outside brackets (-1: none): a query's (or a
    sub-select's) WHERE group, past a projection whose expressions may hold braces of their
    own (``SELECT (EXISTS { … } AS ?x)``)."""
    depth = 0
    for at in range(start, end):
        char = plain[at]
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        elif char == "{" and depth == 0:
            return at
    return -1


def blank_literals(text: str) -> str:
    """The query with comments, strings and IRIs blanked (same length): what is left is the
    query's own syntax, where a keyword such as ORDER BY or GRAPH can be searched for without
    matching text inside a literal, an IRI or a comment."""
    return _blank(text)


def _closing(plain: str, opening: int, pair: str = "{}") -> int:
    """Index of the ``}`` (or ``pair[1]``) that closes the one at ``opening`` (len(plain) if
    none)."""
    depth = 0
    for i in range(opening, len(plain)):
        if plain[i] == pair[0]:
            depth += 1
        elif plain[i] == pair[1]:
            depth -= 1
            if depth == 0:
                return i
    return len(plain)


def values_position(text: str, name: str) -> int:
    """Where the (outermost) VALUES block for ``?name`` goes: just inside the WHERE group of
    the outermost SELECT (the query or a sub-select) that uses the variable in a scope of its
    own; :func:`values_positions` gives every block's place."""
    return _values_positions(blank_literals(text), name)[0]


def values_positions(text: str, name: str) -> list[int]:
    """Where the VALUES blocks for ``?name`` go: just inside the WHERE group of each SELECT
    (the query or a sub-select) that uses the variable in its own scope, in order.

    A sub-select sees only its own variables: one that uses the parameter (a filter before a
    LIMIT, say) without projecting it does not see a block outside it, and one outside it does
    not see a block inside. So each scope that uses it gets a block of its own, as
    substitution writes the value at every use (``SELECT ?x { ?x <p> ?y { SELECT ?y { ?y <q>
    ?x } } }`` binds ``?x`` in both: bound at the outer level alone, the inner ``?x`` matched
    anything).
    """
    return _values_positions(blank_literals(text), name)


def _values_positions(plain: str, name: str, skip: Collection[int] = ()) -> list[int]:
    outer = _where_start(plain)
    uses = [m.start() for m in re.finditer(_var(name), plain) if m.start() not in skip]
    if not uses:
        return [outer]
    # The projection and the modifiers after the WHERE group (GROUP BY, HAVING, ORDER BY)
    # count as inside: a variable the sub-select projects, or tests in its HAVING, but the
    # outer query never uses is still the sub-select's own.
    subs = [(head, opening, end) for head, opening, _close, end in _selects(plain) if head > outer]
    scopes = {_scope_of(use, outer, subs) for use in uses}
    # A sub-select that binds the variable itself, ``(… AS ?name)`` in its projection or a
    # BIND, hands its value out to be joined with the block outside: it gets none of its own
    # (a block there would bind the variable twice).
    binding = {
        _scope_of(use, outer, subs)
        for use in uses
        if _bound_by_as(plain, max(0, use - _AS_WINDOW), use)
    }
    return sorted(scopes - (binding - {outer})) or [outer]


_AS_WINDOW = 256
"""How far before a variable ``AS`` is looked for (the white space between them included)."""


def _scope_of(use: int, outer: int, subs: list[tuple[int, int, int]]) -> int:
    """The place of the block that a use at ``use`` sees: inside the WHERE group of the
    innermost sub-select holding it (the one that starts last), else the query's own."""
    holding = [(head, opening) for head, opening, end in subs if head <= use < end]
    return max(holding)[1] + 1 if holding else outer


_AGGREGATE = re.compile(
    _keyword("COUNT|SUM|MIN|MAX|AVG|SAMPLE|GROUP_CONCAT") + r"\s*\(", re.IGNORECASE
)
_GROUP_BY = re.compile(_keyword("GROUP") + r"\s+" + _keyword("BY"), re.IGNORECASE)
_AFTER_GROUP_BY = re.compile(_keyword("HAVING|ORDER|LIMIT|OFFSET|VALUES"), re.IGNORECASE)
_HAVING = re.compile(_keyword("HAVING"), re.IGNORECASE)


def _selects(plain: str) -> Iterator[tuple[int, int, int, int]]:
    """For the query's SELECT and each sub-select: (end of the keyword, the WHERE group's
    ``{``, its ``}``, the end of the select). Between the first two is the projection,
    after the group the modifiers (GROUP BY, HAVING, ORDER BY, …)."""
    form = _FORM.search(plain)
    for match in re.finditer(_keyword("SELECT"), plain, re.IGNORECASE):
        before = plain[: match.start()].rstrip()
        if before.endswith("{"):  # a sub-select is the one thing in its braces
            end = _closing(plain, len(before) - 1)
        elif form is not None and form.start() == match.start():
            end = len(plain)
        else:
            continue
        opening = _group_brace(plain, match.end(), end)
        if opening >= 0:
            yield match.end(), opening, _closing(plain, opening), end


def _after_grouping(plain: str, name: str) -> dict[int, bool]:
    """The uses of ``?name`` that a grouped select evaluates after grouping — in its
    projection, HAVING or ORDER BY, outside an aggregate — where only the GROUP BY keys and
    the aggregates are in scope: a VALUES block in its WHERE group does not reach them (nor
    one after the query, which is joined with the final solutions). Each maps to whether it
    is projected bare (``SELECT ?name``). A parameter that is a GROUP BY key is in scope."""
    late: dict[int, bool] = {}
    variable = re.compile(_var(name))
    for head, opening, closing, end in _selects(plain):
        tail = closing + 1
        aggregates = [
            (found.end() - 1, _closing(plain, found.end() - 1, "()"))
            for start, stop in ((head, opening), (tail, end))
            for found in _AGGREGATE.finditer(plain, start, stop)
        ]
        group_by = _GROUP_BY.search(plain, tail, end)
        if not (group_by or aggregates or _HAVING.search(plain, tail, end)):
            continue  # not grouped: the WHERE group's values reach everything
        keys = (0, 0)
        if group_by is not None:
            after = _AFTER_GROUP_BY.search(plain, group_by.end(), end)
            keys = (group_by.end(), after.start() if after else end)
            if any(
                _bare(plain, keys[0], use.start())
                or _bound_by_as(plain, keys[0], use.start())
                or _bracketed(plain, use.start(), use.end())
                for use in variable.finditer(plain, *keys)
            ):
                continue  # GROUP BY ?name, GROUP BY (… AS ?name): a key, in scope
        for start, stop in ((head, opening), (tail, end)):
            for use in variable.finditer(plain, start, stop):
                at = use.start()
                if keys[0] <= at < keys[1] or any(a < at < b for a, b in aggregates):
                    continue  # evaluated on each solution before grouping
                if _bound_by_as(plain, start, at):
                    continue  # (… AS ?name): bound here, not a use
                late[at] = start == head and _bare(plain, head, at)
    return late


_FILTER_OR_BIND = re.compile(_keyword("FILTER|BIND"), re.IGNORECASE)
_VALUES = re.compile(_keyword("VALUES"), re.IGNORECASE)
_EXISTS = re.compile(_keyword("EXISTS"), re.IGNORECASE)


def _unbindable(plain: str, name: str) -> str | None:
    """Where an ad-hoc query uses ``?name`` so that a VALUES block (or BIND) cannot stand for
    writing the value in, if it does; None when it can. (The saved queries are tested form by
    form, on both kinds of store; an ad-hoc one gets this check instead.)

    - in a FILTER or BIND of a group nested in the one the block opens (``{ … }``, OPTIONAL,
      MINUS, a UNION branch, GRAPH): such a group is evaluated before it is joined, without
      the value;
    - in the query's own VALUES for that variable;
    - in an EXISTS in a select's projection, HAVING or ORDER BY, which the grouped-select
      rewriting does not reach.
    """
    uses = [m.start() for m in re.finditer(_var(name), plain)]
    if not uses:
        return None
    for found in _VALUES.finditer(plain):
        clause_end = plain.find("{", found.end())
        if clause_end >= 0 and any(found.end() <= use < clause_end for use in uses):
            return "in the query's own VALUES"
    for head, opening, closing, end in _selects(plain):
        for start, stop in ((head, opening), (closing + 1, end)):
            for found in _EXISTS.finditer(plain, start, stop):
                brace = plain.find("{", found.end(), stop)
                inside = (brace, _closing(plain, brace)) if brace >= 0 else (found.end(), stop)
                if any(inside[0] < use < inside[1] for use in uses):
                    return "in an EXISTS of a select's projection, HAVING or ORDER BY"
    outer = _where_start(plain)
    subs = [(head, opening, end) for head, opening, _close, end in _selects(plain) if head > outer]
    sub_selects = {opening for _head, opening, _close, _end in _selects(plain)}  # own scopes
    for use in uses:
        group = _enclosing_group(plain, use)
        block = _scope_of(use, outer, subs) - 1  # the `{` of the group its block opens
        if group <= block:
            continue
        if _EXISTS.search(plain[:group].rstrip()[-10:]):
            continue  # an EXISTS sees the solution the block is part of
        if group in sub_selects:
            continue
        if _in_expression(plain, group, use) and not any(
            _enclosing_group(plain, other) == group and not _in_expression(plain, group, other)
            for other in uses
        ):  # (a pattern of the same group binding it makes the group's own join do the work)
            return "in a FILTER or BIND of a nested group ({ … }, OPTIONAL, MINUS, UNION, GRAPH)"
    return None


def _in_expression(plain: str, group: int, at: int) -> bool:
    """Whether ``at`` lies inside the brackets of a FILTER or BIND of the group at ``group``."""
    clauses = list(_FILTER_OR_BIND.finditer(plain, group, at))
    return bool(clauses) and not _bare(plain, clauses[-1].end(), at)


def _unbindable_message(name: str, where: str) -> str:
    return (
        f"?{name} is used {where}: a value given with --param cannot be bound there as writing"
        " it in would bind it; write the value into the query"
    )


def _enclosing_group(plain: str, at: int) -> int:
    """The position of the ``{`` of the innermost group holding ``at`` (-1: none)."""
    depth = 0
    for i in range(at - 1, -1, -1):
        if plain[i] == "}":
            depth += 1
        elif plain[i] == "{":
            if depth == 0:
                return i
            depth -= 1
    return -1


def _bracketed(plain: str, start: int, end: int) -> bool:
    """Whether the variable from ``start`` to ``end`` stands alone in brackets (``(?x)``)."""
    return plain[:start].rstrip().endswith("(") and plain[end:].lstrip().startswith(")")


def _bare(plain: str, start: int, at: int) -> bool:
    """Whether ``at`` is outside every parenthesis opened since ``start``."""
    return plain.count("(", start, at) == plain.count(")", start, at)


def _bound_by_as(plain: str, start: int, at: int) -> bool:
    """Whether the variable at ``at`` follows ``AS`` (``(… AS ?x)`` binds it)."""
    return re.search(_keyword("AS") + r"\s*$", plain[start:at], re.IGNORECASE) is not None


def _used_in_exists(plain: str, name: str) -> bool:
    """Whether ``?name`` occurs inside an ``EXISTS { … }`` (or ``NOT EXISTS``) of the query."""
    spans = []
    for found in re.finditer(_keyword("EXISTS") + r"\s*\{", plain, re.IGNORECASE):
        opening = found.end() - 1
        spans.append((opening, _closing(plain, opening)))
    return any(
        start < use.start() < end for use in re.finditer(_var(name), plain) for start, end in spans
    )


def insert_values(text: str, params: Mapping[str, Bound], *, bind: bool = False) -> str:
    """The query with a ``VALUES ?name { term }`` block for each parameter (``{ term term }``
    for a tuple of terms, any of which the parameter matches: :func:`name_forms`).

    A block opens the WHERE group of each SELECT that uses the variable in its own scope
    (:func:`values_positions`): there the value is joined with everything the group matches,
    which for the variables used in that group (and its FILTERs, OPTIONALs, EXISTS) is exactly
    what substituting the term would do. A use that a grouped select evaluates after grouping
    (in its projection, HAVING or ORDER BY, outside an aggregate) sees no block, so the term
    is written in its place, ``(term)``, or ``(term AS ?name)`` when projected bare. The
    terms are written by :func:`medigraph.sparql.term`, the project's one escaping function.

    ``bind``: a ``BIND(term AS ?name)`` in the same place instead, for a variable no
    ``EXISTS`` uses — the same solution (the group's first step, one row). For endpoints,
    around two Virtuoso faults: it compares a date from a VALUES block with the store's dates
    wrongly (``recent-content`` with ``since`` kept 1 document of 50, or hung), and it does not
    see a BIND's value inside ``FILTER EXISTS`` (a name parameter then matched every name).
    Oxigraph answers every form alike. A tuple of terms is always a VALUES block, and a use
    written in takes its first term (the value as given).
    """
    if not params:
        return text
    plain = blank_literals(text)
    at: dict[int, list[str]] = {}
    written: dict[int, tuple[int, str]] = {}  # where the term replaces a use: (end, text)
    for name, bound in params.items():
        terms = bound if isinstance(bound, tuple) else (bound,)
        value = sparql_term(terms[0])
        values = " ".join(sparql_term(term) for term in terms)
        if not re.search(_var(name), plain):
            _not_in_an_iri(text, name)  # hidden in what reads as an IRI: not bound silently
        late = _after_grouping(plain, name)
        for use, bare in late.items():
            end = use + 1 + len(name)
            written[use] = (end, f"({value} AS ?{name})" if bare else f"({value})")
        if all(use.start() in late for use in re.finditer(_var(name), plain)):
            continue  # every use is written in: no block to join
        block = (
            f" BIND({value} AS ?{name}) "
            if bind and len(terms) == 1 and not _used_in_exists(plain, name)
            else f" VALUES ?{name} {{ {values} }} "
        )
        for position in _values_positions(plain, name, late):
            at.setdefault(position, []).append(block)
    for position in sorted(at.keys() | written.keys(), reverse=True):
        if position in written:
            end, replacement = written[position]
            text = text[:position] + replacement + text[end:]
        if position in at:
            text = text[:position] + "".join(at[position]) + text[position:]
    return text


# --------------------------------------------------------------------------- output


def check_format(kind: Kind, fmt: str) -> None:
    """:class:`FormatError` when ``fmt`` does not suit a result of ``kind`` (before running)."""
    if fmt not in FORMATS:
        raise FormatError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if kind == "graph" and fmt not in ("table", "turtle", "ntriples"):
        raise FormatError(
            "a CONSTRUCT or DESCRIBE query gives triples: use --format turtle, ntriples or"
            f" table, not {fmt}"
        )
    if kind != "graph" and fmt in ("turtle", "ntriples"):
        raise FormatError(
            f"--format {fmt} is for CONSTRUCT and DESCRIBE; use table, csv, tsv or json"
        )


def render(answer: Answer, fmt: str, prefixes: Mapping[str, str]) -> str:
    """The answer as text in one of :data:`FORMATS` (``FormatError`` if it does not fit)."""
    out = io.StringIO(newline="")
    write_answer(answer, fmt, prefixes, out)
    return out.getvalue()


def write_answer(answer: Answer, fmt: str, prefixes: Mapping[str, str], out: IO[str]) -> str:
    """Write ``answer`` to ``out`` as ``fmt``, row by row; what it held ("12 rows", "true")."""
    check_format(answer.kind, fmt)
    if answer.kind == "graph":
        return write_triples(answer.triples, fmt, prefixes, out)
    if answer.kind == "boolean":
        return write_boolean(bool(answer.boolean), fmt, out)
    return write_rows(answer.variables, answer.rows, fmt, prefixes, out)


def write_result(
    result: Result | list[ox.Triple],
    fmt: str,
    prefixes: Mapping[str, str],
    out: IO[str],
    stop: threading.Event | None = None,
    width: int | None = None,
) -> str:
    """Like :func:`write_answer`, reading the engine's rows as they come: an answer of any
    size is written without being held in memory; a table fitted to ``width`` if given."""
    if isinstance(result, ox.QueryBoolean):
        check_format("boolean", fmt)
        return write_boolean(bool(result), fmt, out)
    if isinstance(result, ox.QueryTriples | list):
        check_format("graph", fmt)
        return write_triples(_until(result, stop), fmt, prefixes, out, width)
    check_format("bindings", fmt)
    names = [v.value for v in result.variables]
    return write_rows(names, _solutions(result, names, stop), fmt, prefixes, out, width)


def write_boolean(value: bool, fmt: str, out: IO[str]) -> str:
    text = "true" if value else "false"
    out.write(json.dumps({"head": {}, "boolean": value}) + "\n" if fmt == "json" else text + "\n")
    return text


def write_triples(
    triples: Iterable[ox.Triple],
    fmt: str,
    prefixes: Mapping[str, str],
    out: IO[str],
    width: int | None = None,
) -> str:
    count = 0

    def counted(items: Iterable[ox.Triple] = triples) -> Iterator[ox.Triple]:
        # ``triples`` as an argument, not from the closure: a frame keeps its function, and
        # a closure's cells, after it is cleared (see _forget_frames).
        nonlocal count
        for triple in items:
            count += 1
            yield triple

    if fmt == "table":  # asked for: one row per triple, as for any answer
        rows: Iterator[list[Term | None]] = ([t.subject, t.predicate, t.object] for t in counted())
        table(["subject", "predicate", "object"], rows, prefixes, out, width)
        return plural(count, "triple")
    if fmt == "ntriples":
        data = ox.serialize(counted(), format=ox.RdfFormat.N_TRIPLES)
    else:
        names = rdflib_prefixes(dict(prefixes))
        data = rdflib_readable(
            ox.serialize(counted(), format=ox.RdfFormat.TURTLE, prefixes=names) or b"", names
        )
    out.write((data or b"").decode())
    return plural(count, "triple")


def write_rows(
    variables: list[str],
    rows: Iterable[list[Term | None]],
    fmt: str,
    prefixes: Mapping[str, str],
    out: IO[str],
    width: int | None = None,
) -> str:
    """Solutions as CSV, TSV, SPARQL results JSON or a table (fitted to ``width`` if given);
    "N rows"."""
    if fmt == "csv":
        count = _csv(variables, rows, out)
    elif fmt == "tsv":
        count = _tsv(variables, rows, out)
    elif fmt == "json":
        count = _json(variables, rows, out)
    else:
        count = table(variables, rows, prefixes, out, width)
    return plural(count, "row")


def _csv_term(term: Term | None) -> str:
    # SPARQL 1.1 CSV: IRIs and literals as their plain text, blank nodes as _:label.
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Triple):
        return str(term)
    return term.value


def _csv(variables: list[str], rows: Iterable[list[Term | None]], out: IO[str]) -> int:
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(variables)
    count = 0
    for row in rows:
        writer.writerow([_csv_term(term) for term in row])
        count += 1
    return count


def _tsv_term(term: Term | None) -> str:
    """A term in SPARQL TSV: N-Triples syntax (tabs and newlines escaped by it); a triple term
    ``<<( s p o )>>`` as Oxigraph writes one (``str`` writes a triple bare, as three terms,
    which no reader tells from three columns' worth of text)."""
    if term is None:
        return ""
    if isinstance(term, ox.Triple):
        return f"<<( {term} )>>"  # a nested triple term is written so by str already
    return str(term)


def _tsv(variables: list[str], rows: Iterable[list[Term | None]], out: IO[str]) -> int:
    # SPARQL 1.1 TSV: terms in N-Triples/Turtle syntax (tabs and newlines escaped by it).
    out.write("\t".join(f"?{v}" for v in variables) + "\n")
    count = 0
    for row in rows:
        out.write("\t".join(_tsv_term(t) for t in row) + "\n")
        count += 1
    return count


def json_term(term: Term) -> dict[str, object]:
    """One term in SPARQL 1.1 results JSON."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": json_term(term.subject),
                "predicate": json_term(term.predicate),
                "object": json_term(term.object),
            },
        }
    out: dict[str, object] = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
        if term.direction is not None:  # RDF 1.2's base direction, "a"@en--ltr
            out["its:dir"] = term.direction.value
    elif term.datatype.value != XSD + "string":
        out["datatype"] = term.datatype.value
    return out


_JSON_ROW_INDENT = "   "
"""How deep ``json.dumps(..., indent=1)`` puts each binding: document, results, bindings."""


def _json(variables: list[str], rows: Iterable[list[Term | None]], out: IO[str]) -> int:
    """SPARQL 1.1 results JSON, laid out as ``json.dumps(document, indent=1)`` would, one
    binding at a time (a line break inside a value is escaped, so re-indenting each line of
    a binding is safe)."""
    marker = "\x00rows"
    shell = json.dumps(
        {"head": {"vars": variables}, "results": {"bindings": [marker]}},
        ensure_ascii=False,
        indent=1,
    )
    before, after = shell.split(_JSON_ROW_INDENT + json.dumps(marker))
    count = 0
    for row in rows:
        binding = {
            name: json_term(term)
            for name, term in zip(variables, row, strict=True)
            if term is not None
        }
        text = json.dumps(binding, ensure_ascii=False, indent=1)
        out.write((before if count == 0 else ",\n") + _JSON_ROW_INDENT)
        out.write(text.replace("\n", "\n" + _JSON_ROW_INDENT))
        count += 1
    if count:
        out.write(after + "\n")
    else:  # json.dumps writes an empty list as [] on the line of its key
        empty = {"head": {"vars": variables}, "results": {"bindings": []}}
        out.write(json.dumps(empty, ensure_ascii=False, indent=1) + "\n")
    return count


def display(term: Term | None, prefixes: Mapping[str, str]) -> str:
    """A term as an analyst wants to read it in a table: prefixed IRIs, plain literal text."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return compact(term.value, prefixes)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Triple):
        return f"<< {display(term.subject, prefixes)} {display(term.predicate, prefixes)} {display(term.object, prefixes)} >>"
    # One line per row, however long the text, and nothing a terminal would act on.
    return visible(" ".join(term.value.split()))


TABLE_SPOOL = 8 << 20
"""Bytes of table cells kept in memory; a larger answer's cells wait in a temporary file."""


def table(
    variables: list[str],
    rows: Iterable[list[Term | None]],
    prefixes: Mapping[str, str],
    out: IO[str],
    width: int | None = None,
) -> int:
    """Plain aligned columns, every cell whole; with ``width`` (a terminal's columns), the
    widest cells are cut, with an ellipsis, as far as the rows need to fit in it.

    Whole cells by default: in a pipe or a file the table is read for its values (the path
    of a file to open, an IRI to paste), which a cut would spoil; on a terminal a row wider
    than the screen would wrap and break the columns. The widths need every row, so the
    cells are made once and kept, one line of tab-separated cells per row, in a spool that
    moves to a temporary file when large: a cell never holds a tab or a line break
    (``display`` folds a literal's white space, and an IRI has none).
    """
    widths = [cell_len(v) for v in variables]
    numeric = [True] * len(variables)
    count = 0
    with tempfile.SpooledTemporaryFile(
        max_size=TABLE_SPOOL, mode="w+", encoding="utf-8", newline="\n"
    ) as spool:
        for row in rows:
            cells = [display(t, prefixes) for t in row]
            for i, (term, cell) in enumerate(zip(row, cells, strict=True)):
                widths[i] = max(widths[i], cell_len(cell))
                if term is not None and not _is_number(term):
                    numeric[i] = False
            spool.write("\t".join(cells) + "\n")
            count += 1
        if width is not None:
            widths = _fit(widths, width)
        header = [_pad(_cut(v, w), w) for v, w in zip(variables, widths, strict=True)]
        out.write("  ".join(header).rstrip())
        out.write("\n" + "  ".join("-" * w for w in widths) + "\n")
        spool.seek(0)
        for line in spool:
            cells = line[:-1].split("\t") if variables else []
            parts = [
                _pad(_cut(c, w), w, right=numeric[i])
                for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            ]
            out.write("  ".join(parts).rstrip() + "\n")
    return count


NARROWEST_CUT = 12
"""Columns a cut cell keeps at least: fewer would leave too little to recognise a value
(a row of many columns then wraps on a narrow terminal rather than showing nothing)."""


def _fit(widths: list[int], width: int) -> list[int]:
    """Column widths for rows at most ``width`` columns wide (two spaces between columns):
    the widest columns are narrowed to one limit, the narrow ones kept whole."""
    room = width - 2 * max(len(widths) - 1, 0)
    if sum(widths) <= room:
        return widths
    low, high = NARROWEST_CUT, max(widths)  # the largest limit that fits, by bisection
    while low < high:
        limit = (low + high + 1) // 2
        if sum(min(w, limit) for w in widths) <= room:
            low = limit
        else:
            high = limit - 1
    return [min(w, low) for w in widths]


def _is_number(term: Term | None) -> bool:
    return isinstance(term, ox.Literal) and term.datatype.value in (
        XSD + "integer",
        XSD + "decimal",
        XSD + "double",
        XSD + "float",
    )


def _cut(text: str, width: int) -> str:
    """``text`` at most ``width`` columns wide on a terminal (a CJK character or an emoji
    takes two, a combining mark none), cut with an ellipsis."""
    if len(text) <= width // 2 or cell_len(text) <= width:
        return text
    return set_cell_size(text, width - 1).rstrip() + "…"


def _pad(text: str, width: int, right: bool = False) -> str:
    """``text`` padded with spaces to ``width`` terminal columns."""
    fill = " " * (width - cell_len(text))
    return fill + text if right else text + fill
