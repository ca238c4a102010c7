"""Validation: SHACL shapes and ontology conformance, with every result traced to file:line:key.

Documents are read and mapped as for an export, then checked in batches (``batch_size``
documents merged into one rdflib graph, one pySHACL call per batch, batches spread over worker
processes). A SHACL result names a focus node, a path and a value; we find the document whose
graph holds the focus node and the front-matter key whose conversion produced the offending
triple (or, for a missing value, the key that would have), so editors get ``path:line: key``.

Why batching gives the same results as one pySHACL call on the whole graph:

- a document's own nodes (the content item, its graph record, source file, image, work
  package, attachment) are described by that document only, so shapes whose focus is one of
  them see the same triples in a batch as in the whole graph — each document carries its own
  copy of the shared nodes it refers to, and the shapes only need that copy (class, datatype,
  minCount checks on topics, people, organisations);
- shared nodes (community, topic, taxonomy, person, organisation: the same IRI from every
  document that mentions them) can collect *different* triples from different documents, and
  some shapes compare them (``sh:maxCount 1`` on a community's ``mastHead`` says "spelled the
  same everywhere"). Their results are therefore not taken from the batches but from one
  extra pass over the union of every document's shared-node triples, which is small (it grows
  with the number of distinct topics and people, not of documents).

Shapes that would break this — a shape on a shared node that follows links back into
documents, or a counting constraint (maxCount, disjoint, lessThan, …) on a shared node
reached from a document node — are not in ``shapes/medigy-shapes.ttl``; a test runs the
bundled shapes both ways on the examples and compares. A work package or attachment described
by two documents (the same ``id``) is checked per batch.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import math
import os
import re
import time
import warnings
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SH

from . import pyshacl_speed
from .diagnostics import NOT_A_DATE, Diagnostic, Severity, internal_error, plural
from .documents import (
    SITE_ROOT,
    Document,
    Paths,
    SourceFile,
    cascade_warning,
    discover,
    missing_paths,
    no_documents,
    path_list,
    read_document,
    site_root_refusal,
    unlisted,
)
from .mapping import DEFAULT_BASE, RDF_TYPE, MappedDocument, Mapper, get_path, load_mapping
from .resources import data_path

MEDIGY = "https://medigy.com/ontology/"
DEFAULT_BATCH_SIZE = 100
INFERENCE = ("none", "rdfs")
CHECK_UNDECLARED = "urn:medigraph:check:declared-term"
CHECK_DISJOINT = "urn:medigraph:check:disjoint-classes"
_SEVERITIES = {SH.Violation: Severity.ERROR, SH.Warning: Severity.WARNING, SH.Info: Severity.INFO}
_SEVERITY_IRIS = {v: k for k, v in _SEVERITIES.items()}
_DECLARATIONS = frozenset(
    {
        OWL.Class,
        OWL.ObjectProperty,
        OWL.DatatypeProperty,
        OWL.AnnotationProperty,
        OWL.NamedIndividual,
        OWL.Ontology,
        RDF.Property,
        RDFS.Class,
    }
)


class _IllTypedLiteralNoise(logging.Filter):
    """rdflib logs a traceback for every ill-typed literal ("2026-13-45"^^xsd:dateTime); the
    shapes report those values to the editor as violations, so the traceback is only noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Failed to convert Literal lexical form")


logging.getLogger("rdflib.term").addFilter(_IllTypedLiteralNoise())


class ValidationSetupError(Exception):
    """The shapes, the ontology or the mapping cannot be used: a fatal error (exit code 2)."""


def default_shapes() -> Path:
    return data_path("shapes") / "medigy-shapes.ttl"


def default_ontology() -> Path:
    return data_path("ontology") / "medigy.ttl"


@dataclass(frozen=True, order=True)
class Result:
    """One SHACL (or ontology) result. Terms are in N-Triples syntax, shapes by a stable id."""

    focus: str
    path: str | None
    value: str | None
    shape: str
    component: str
    severity: Severity
    message: str

    @property
    def focus_iri(self) -> str:
        """The focus node without N-Triples brackets (as diagnostics show it)."""
        return self.focus[1:-1] if self.focus.startswith("<") else self.focus


def result_order(result: Result) -> tuple[str, str, str, str, str, int, str]:
    """Results in a fixed order; a result without a path or value (a node shape's) first.

    (The dataclass order compares ``None`` with text and fails when one focus node has both.)
    """
    return (
        result.focus,
        result.path or "",
        result.value or "",
        result.shape,
        result.component,
        int(result.severity),
        result.message,
    )


@dataclass
class DocumentOutcome:
    """One source file: whether it could be mapped, and everything found in it."""

    path: str
    subject: str | None
    rejected: bool
    diagnostics: list[Diagnostic] = field(default_factory=list)
    spellings: list[tuple[str, str, str, int]] = field(default_factory=list)
    """(IRI, name as written, key, line) of the shared things the document names."""
    section: bool = False
    """A Hugo section's own page (``_index.md`` naming no ``owlType``): read, but a list page
    of the site, not a document; not counted among the documents checked."""


@dataclass
class ValidationReport:
    """The outcome of a validation run, in deterministic order."""

    documents: list[DocumentOutcome] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    general: list[Diagnostic] = field(default_factory=list)
    """Diagnostics that belong to no document (a missing path, a result with no source)."""
    shapes: str = ""
    seconds: float = 0.0
    origin: str = ""
    """What was checked (the dump, or the first path given): where a problem of no file is."""

    @property
    def diagnostics(self) -> list[Diagnostic]:
        found = list(self.general)
        for doc in self.documents:
            found.extend(one_per_problem(doc.diagnostics))
        return sorted(found, key=diagnostic_order)

    def failed(self, fail_on: Severity = Severity.ERROR) -> bool:
        return any(d.severity >= fail_on for d in self.diagnostics)

    def exit_code(self, fail_on: Severity = Severity.ERROR) -> int:
        return 1 if self.failed(fail_on) else 0

    def counts(self) -> dict[str, int]:
        counts = {"error": 0, "warning": 0, "info": 0}
        for d in self.diagnostics:
            counts[d.severity.label] += 1
        return counts

    @property
    def checked(self) -> list[DocumentOutcome]:
        """The documents checked: every file read but the sections' own pages."""
        return [d for d in self.documents if not d.section]

    def summary(self) -> str:
        c = self.counts()
        sections = sum(d.section for d in self.documents)
        return (
            f"{plural(len(self.documents) - sections, 'document')} checked, "
            f"{sum(1 for d in self.documents if d.rejected)} rejected by reading or mapping; "
            + (f"{plural(sections, 'section page')} (_index.md) passed over; " if sections else "")
            + f"{plural(c['error'], 'error')}, {plural(c['warning'], 'warning')}, "
            f"{plural(c['info'], 'info')}; {self.seconds:.2f} s."
        )


# Mapping warnings about a typed value (a date, a number, an image format) that a shape also
# checks.
_SHAPE_CHECKED = frozenset(
    {
        NOT_A_DATE,
        "map.datetime",
        "map.timezone",
        "map.date",
        "map.integer",
        "map.decimal",
        "map.boolean",
        "map.work-package-type",
        "map.media-type",
    }
)


# Shape results that are not about what one value is, but about how many there are or how
# it stands to other values or documents (two spellings, lastMod before date): a mistake of
# their own, told beside a value's form however severe either is.
_NOT_THE_FORM = frozenset(
    {
        "shacl.MinCount",
        "shacl.MaxCount",
        "shacl.QualifiedMinCount",
        "shacl.QualifiedMaxCount",
        "shacl.UniqueLang",
        "shacl.Equals",
        "shacl.Disjoint",
        "shacl.LessThan",
        "shacl.LessThanOrEquals",
        "shacl.Closed",
        "shacl.SPARQL",
    }
)


# Mapping warnings that say the value at their key is not written (an empty item, a key the
# mapping does not read, a node that lacks what names it, an author who names no person): as
# after a mapping error, what the shapes then say of that key ("author is missing") follows.
# By code, each of which is only ever given to a value left out, never by the message's words.
_LEFT_OUT = frozenset({"map.empty", "map.key", "map.node", "map.no-person"})

# Mapping warnings about how a value is spelled (spaces around it): noise beside the word that
# the same value is not written at all.
_SPELLING_ONLY = frozenset({"map.spaces"})


def _leaves_out(d: Diagnostic) -> bool:
    """Whether the mapping says with ``d`` that the value at its key is not written."""
    return bool(d.key) and (
        d.code in _LEFT_OUT
        or (
            d.severity is Severity.ERROR
            and not d.code.startswith(("shacl.", "ontology."))
            and d.code != NOT_A_DATE  # written as typed
        )
    )


def _as_validate_tells(d: Diagnostic) -> Diagnostic:
    """A date that is none is a violation to validate, as the README says of a value that
    does not fit its type; the export's warning is kept as it is, where the shapes cannot see
    it: rdflib (so pySHACL) reads ``20210217`` or ``2021-W07-3`` as a date, which no store
    does."""
    if d.code == NOT_A_DATE and d.severity < Severity.ERROR:
        return dataclasses.replace(d, severity=Severity.ERROR)
    return d


def _nested(a: str, b: str) -> bool:
    """Whether one key is the other or holds it (``author`` and ``author[0]``), not another
    item of the same list (``author[1]``)."""
    return a == b or b.startswith((a + ".", a + "[")) or a.startswith((b + ".", b + "["))


def _follows(d: Diagnostic, cause: Diagnostic) -> bool:
    """Whether the shape result ``d`` follows from the mapping leaving out ``cause``'s value:
    at its key or the list or group it is part of (after an error, at any item of its list)
    and no more severe, so that dropping it never changes the exit code."""
    if not (d.key and cause.key) or d.severity > cause.severity:
        return False
    if cause.severity is Severity.ERROR:
        return _related(d.key, cause.key)
    return _nested(d.key, cause.key)


def _judges_the_form(d: Diagnostic) -> bool:
    """Whether ``d`` says what is wrong with the form of one value (its type, its pattern, a
    value not among those allowed), by a shape or by the mapping's check of the same."""
    return bool(d.key and d.line is not None) and (
        d.code in _SHAPE_CHECKED or (d.code.startswith("shacl.") and d.code not in _NOT_THE_FORM)
    )


def _root(key: str) -> str:
    return re.sub(r"\[\d+\]", "", key)


def _related(a: str, b: str) -> bool:
    ra, rb = _root(a), _root(b)
    return ra == rb or ra.startswith(rb + ".") or rb.startswith(ra + ".")


def one_per_problem(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """One report per problem in one document.

    A value the mapping could not represent (an error on ``author``) or left out with a
    warning that says so (``author[0]: '@maxinovip.com' names no person``) makes the shapes
    see no value, so their "author is missing" is a consequence, not a second problem:
    dropped, unless more severe than what the mapping said (a required value stays an error).
    What the mapping says of such a value's spelling (spaces around it) is dropped too. A
    value the mapping wrote but warned about ("not a real date") is judged by the shapes with
    the severity that decides the exit code: the mapping's warning is dropped. And two
    constraints with the same message on the same key and focus say it once (in a fixed
    order, so that which is kept never depends on the run; several foci are several
    problems: three taxonomies spelled two ways are three). Of what is said about the form of
    the value of one key at one line, only the most severe is kept: a value not of its type
    ("date is not a valid date and time") makes the lesser checks of the same value ("no
    timezone", "not true") noise about the same mistake, and a type the mapping does not know
    is one warning, not an info as well that the item is only general content. What is about
    how many values there are or how one stands to others (two spellings) is kept. A page
    without ``date`` is dated by its ``publishDate`` (``else:``): what date's shapes say of
    that value is said at publishDate's line, where publishDate's own shapes judge the same
    value; date's word is dropped when the key's own says as much (as severe, at that line),
    and kept where it alone says it ("date has no timezone": publishDate may lack one).
    """
    diagnostics = [_as_validate_tells(d) for d in diagnostics]
    left_out = [d for d in diagnostics if _leaves_out(d)]
    shape_keys = [(d.key, d.severity) for d in diagnostics if d.key and d.code.startswith("shacl.")]
    told = [
        d
        for d in diagnostics
        if not (d.code.startswith("shacl.") and any(_follows(d, cause) for cause in left_out))
        and not (
            d.code in _SPELLING_ONLY and any(c.key == d.key and c.line == d.line for c in left_out)
        )
        and not (
            d.key
            and d.code in _SHAPE_CHECKED
            # a shape's "no timezone" does not say that a date is none
            and any(
                _related(d.key, k) and (d.severity < Severity.ERROR or severity >= d.severity)
                for k, severity in shape_keys
            )
        )
    ]
    worst: dict[tuple[int | None, str | None], Severity] = {}
    for d in filter(_judges_the_form, told):
        worst[d.line, d.key] = max(d.severity, worst.get((d.line, d.key), d.severity))
    own_word: dict[tuple[str, int | None, str | None], Severity] = {}
    for d in filter(_judges_the_form, told):
        if not d.stands_in_for:
            at = (d.path, d.line, d.key)
            own_word[at] = max(d.severity, own_word.get(at, d.severity))
    kept: list[Diagnostic] = []
    seen: set[tuple[str, int | None, str | None, Severity, str, str | None]] = set()
    for d in sorted(told, key=diagnostic_order):
        if _judges_the_form(d) and d.severity < worst[d.line, d.key]:
            continue
        if (
            d.stands_in_for
            and _judges_the_form(d)
            and (d.path, d.line, d.key) in own_word
            and own_word[d.path, d.line, d.key] >= d.severity
        ):
            continue  # date's shape on publishDate's value, which publishDate's own judges
        identity = (d.path, d.line, d.key, d.severity, d.message, d.focus)
        if identity in seen:
            continue
        seen.add(identity)
        kept.append(d)
    return kept


def diagnostic_order(d: Diagnostic) -> tuple[str, int, str, str, str, str, str]:
    return (*d.sort_key(), d.code, d.focus or "", d.shape or "")


# -- what the shapes and the ontology say ------------------------------------------------------


def _parse_rdf(file: Path, what: str, graph: rdflib.Graph | None = None) -> rdflib.Graph:
    graph = rdflib.Graph() if graph is None else graph
    try:
        graph.parse(file, format=rdflib.util.guess_format(str(file)) or "turtle")
    except FileNotFoundError:
        raise ValidationSetupError(f"{what} {file} not found") from None
    except Exception as exc:  # rdflib raises many kinds for a bad file
        raise ValidationSetupError(f"{what} {file} cannot be read: {exc}") from exc
    return graph


# SHACL Advanced Features: only with these does pySHACL's ``advanced`` mode change a result.
_SHACL_AF_PREDICATES = frozenset({SH.rule, SH.target, SH.expression, SH.condition})
_SHACL_AF_CLASSES = frozenset(
    {
        SH.SPARQLTarget,
        SH.SPARQLTargetType,
        SH.SPARQLFunction,
        SH.SPARQLRule,
        SH.TripleRule,
        SH.Function,
        SH.JSTarget,
        SH.JSTargetType,
        SH.JSFunction,
        SH.JSRule,
    }
)


class Shapes:
    """The shapes graph with stable names for its shapes (blank-node shapes included)."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.graph = _parse_rdf(file, "shapes file", pyshacl_speed.FrozenGraph())
        self.advanced = any(p in _SHACL_AF_PREDICATES for p in self.graph.predicates()) or any(
            o in _SHACL_AF_CLASSES for o in self.graph.objects(None, RDF.type)
        )
        """Whether the shapes use SHACL-AF (rules, custom targets, functions, expressions)."""
        if not any(True for _ in self.graph.triples((None, SH.path, None))) and not any(
            True for _ in self.graph.triples((None, RDF.type, SH.NodeShape))
        ):
            raise ValidationSetupError(f"shapes file {file} declares no shapes")
        self.ids: dict[rdflib.term.Node, str] = {}
        self.names: dict[rdflib.term.Node, str] = {}
        for shape, name in self.graph.subject_objects(SH.name):
            if isinstance(name, rdflib.Literal):
                self.names.setdefault(shape, str(name))
        self._targets: dict[rdflib.term.Node, frozenset[str]] = {}

    def target_classes(self, node: rdflib.term.Node | None) -> frozenset[str]:
        """The classes a shape targets, or the node shapes that hold it as a property do."""
        if node is None:
            return frozenset()
        found = self._targets.get(node)
        if found is None:
            owners = [node, *self.graph.subjects(SH.property, node)]
            found = self._targets[node] = frozenset(
                str(c) for owner in owners for c in self.graph.objects(owner, SH.targetClass)
            )
        return found

    def shape_id(self, node: rdflib.term.Node | None) -> str:
        if node is None:
            return ""
        if isinstance(node, rdflib.URIRef):
            return str(node)
        cached = self.ids.get(node)
        if cached is None:
            cached = self.ids[node] = self._bnode_id(node, 0)
        return cached

    def _bnode_id(self, node: rdflib.term.Node, depth: int) -> str:
        """A blank-node shape: its parent's id, its path and a digest of its description."""
        parents = sorted(
            (self._bnode_id(p, depth + 1) if not isinstance(p, rdflib.URIRef) else str(p))
            for p in self.graph.subjects(None, node)
            if depth < 8
        )
        parent = parents[0] if parents else "urn:medigraph:shape"
        path = self.graph.value(node, SH.path)
        label = self.names.get(node) or (
            _local(str(path)) if isinstance(path, rdflib.URIRef) else ""
        )
        digest = hashlib.sha1(
            "\n".join(
                sorted(
                    f"{p.n3()} {o.n3() if not isinstance(o, rdflib.BNode) else '_'}"
                    for p, o in self.graph.predicate_objects(node)
                )
            ).encode()
        ).hexdigest()[:8]
        return f"{parent}/{label}-{digest}" if label else f"{parent}/{digest}"


class Ontology:
    """Declared terms, superclasses and disjoint pairs of the Medigy ontology."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.graph = _parse_rdf(file, "ontology")
        g = self.graph
        self.declared = frozenset(
            str(s)
            for s, o in g.subject_objects(RDF.type)
            if o in _DECLARATIONS and isinstance(s, rdflib.URIRef)
        )
        parents: dict[str, set[str]] = defaultdict(set)
        for s, o in g.subject_objects(RDFS.subClassOf):
            if isinstance(s, rdflib.URIRef) and isinstance(o, rdflib.URIRef):
                parents[str(s)].add(str(o))
        self.parents = parents
        pairs: set[frozenset[str]] = set()
        for a, b in g.subject_objects(OWL.disjointWith):
            pairs.add(frozenset((str(a), str(b))))
        for group in g.subjects(RDF.type, OWL.AllDisjointClasses):
            members = g.value(group, OWL.members)
            if members is not None:
                items = [str(m) for m in rdflib.collection.Collection(g, members)]
                pairs.update(frozenset((x, y)) for i, x in enumerate(items) for y in items[i + 1 :])
        self.disjoint = frozenset(p for p in pairs if len(p) == 2)
        self.disjoint_pairs: tuple[tuple[str, str], ...] = tuple(
            (a, b) for a, b in sorted(tuple(sorted(pair)) for pair in self.disjoint)
        )
        """The disjoint pairs, each in order and in the order they are reported."""
        self._closure: dict[str, frozenset[str]] = {}

    def ancestors(self, cls: str) -> frozenset[str]:
        found = self._closure.get(cls)
        if found is None:
            seen = {cls}
            todo = [cls]
            while todo:
                for parent in self.parents.get(todo.pop(), ()):
                    if parent not in seen:
                        seen.add(parent)
                        todo.append(parent)
            found = self._closure[cls] = frozenset(seen)
        return found


# -- tracing triples back to front-matter keys ------------------------------------------------


class Tracer:
    """Which key of a document gave which triple, and which key gives a property of a node."""

    def __init__(self, mapper: Mapper) -> None:
        self.m = mapper
        self.by_property: dict[tuple[str, str | None], str] = {}
        for rule in mapper.rules:
            for prop in rule.properties:
                self.by_property.setdefault((prop, rule.node), rule.key)
        for name, node in mapper.nodes.items():
            link = mapper.expand_curie(node.link)
            first = next((r.key for r in mapper.rules if r.node == name), None)
            if first:
                self.by_property.setdefault((link, node.owner), first)
        self.rule_keys = frozenset(r.key for r in mapper.rules) | frozenset(mapper.ignored)
        self.stand_ins = {
            r.key: frozenset(r.options["else"]) for r in mapper.rules if r.options.get("else")
        }
        """Each key's stand-ins (``else:``): date's publishDate, pubdate, …, lastMod, modified."""
        self.class_key = next((e.get("workPackageTypeKey") for e in mapper.classes), None)
        self.narrower: dict[str, frozenset[str]] = {}
        """Each property's sub-properties, at any depth (set by the engine from the ontology):
        the triples inference may have restated on it (``medigy:category`` for keywords)."""

    def know_sub_properties(self, ontology: rdflib.Graph) -> None:
        for prop in set(ontology.objects(None, RDFS.subPropertyOf)):
            below = ontology.transitive_subjects(RDFS.subPropertyOf, prop)
            self.narrower[str(prop)] = frozenset(str(p) for p in below if p != prop)

    def stood_in_for(self, shape_name: str | None, key: str | None, doc: Document) -> str | None:
        """The key a shape (by its ``sh:name``) is about when its result is told at ``key``
        because ``key`` stands in for it in ``doc`` (date's, at publishDate), else None."""
        if not (shape_name and key) or key not in self.stand_ins.get(shape_name, ()):
            return None
        return None if _writes(doc, shape_name) else shape_name

    def is_key(self, name: str, doc: Document | None) -> bool:
        if name in self.rule_keys or (doc is not None and name in doc.lines):
            return True
        return any(k.startswith(name + ".") for k in self.rule_keys)

    def keys_of(self, doc: Document) -> tuple[dict[ox.Triple, str], dict[str, str]]:
        """(triple → key such as ``author[1]``, node IRI → node name) for one document."""
        from .convert import CONVERTERS, Emitter, convert_iri, stand_in_key, standing_in
        from .mapping import KeyRule

        doc = self.m.in_hugo_case(doc)  # as the mapping read it
        key_text, key_from = self.m.document_key(doc)
        owner: dict[ox.Triple, str] = {}
        nodes: dict[str, str] = {}
        classes, _ = self.m.select_class(doc)
        probe = Emitter(self.m, doc, key_text, key_from, [])
        for index, cls in enumerate(classes):
            refined = index == 0 and len(classes) > 1 and self.class_key
            owner[ox.Triple(probe.subject, RDF_TYPE, self.m.term(cls))] = (
                str(self.class_key) if refined else "owlType"
            )
        for name in self.m.nodes:
            node = probe.node(name)
            if node is not None:
                nodes[node.value] = name
        fm = doc.front_matter

        def run(rule: KeyRule, value: Any, key: str) -> list[ox.Triple]:
            em = Emitter(self.m, doc, key_text, key_from, [])
            if value is None or value == "" or value == []:
                if rule.converter == "iri" and rule.options.get("same_as"):
                    for other in rule.options["same_as"]:
                        variant = get_path(fm, other)
                        if isinstance(variant, str) and variant.strip():
                            convert_iri(
                                em,
                                KeyRule(other, "iri", rule.properties, None, {}),
                                em.subject,
                                variant,
                            )
                            return [t for t in em.triples]
                return []
            subject = em.node(rule.node) if rule.node else em.subject
            if subject is None:
                return []
            CONVERTERS[rule.converter](em, rule, subject, value)
            return em.triples

        for rule in self.m.rules:
            value = doc.body if rule.key == "body" else get_path(fm, rule.key)
            key = rule.key
            if rule.converter == "topic" and value in (None, "", []):
                # medigyTopics standing in for it: its topics are its own items'
                twin, listed = standing_in(self.m, rule, fm)
                if twin is not None:
                    rule, value, key = (
                        KeyRule(twin, "topic", rule.properties, None, {}),
                        listed,
                        twin,
                    )
            if value in (None, "", []) and rule.options.get("else"):
                # publishDate standing in for date: its value, told at its own key
                stand_in = stand_in_key(fm, rule)
                if stand_in is not None:
                    value, key = get_path(fm, stand_in), stand_in
                    rule = replace(rule, key=stand_in)
            if (value is None or value == "") and rule.options.get("same_as"):
                key = next(
                    (
                        o
                        for o in rule.options["same_as"]
                        if isinstance(get_path(fm, o), str) and get_path(fm, o)
                    ),
                    rule.key,
                )
            pair = {  # size: [width, height] — each number is an item of its own
                self.m.term_iri(prop): f"{key}[{i}]"
                for i, prop in enumerate(rule.properties)
                if rule.converter == "integer-pair" and isinstance(value, list)
            }
            for t in run(rule, value, key):
                owner.setdefault(t, pair.get(t.predicate, key))
            if isinstance(value, list) and rule.converter != "integer-pair":
                for i, item in enumerate(value):
                    for t in run(rule, item, f"{rule.key}[{i}]"):
                        if owner.get(t) == rule.key:
                            owner[t] = f"{rule.key}[{i}]"
        return owner, nodes


@dataclass
class _Traced:
    doc: Document
    mapped: MappedDocument
    owner: dict[ox.Triple, str]
    nodes: dict[str, str]


def _owner_of_value(
    owner: dict[ox.Triple, str],
    focus: ox.NamedNode,
    path: ox.NamedNode,
    value: ox.NamedNode | ox.Literal | ox.BlankNode,
    narrower: frozenset[str],
) -> str | None:
    """The key that wrote ``value`` on ``focus`` when the result names it otherwise than the
    mapping wrote it: as rdflib reads it (``Z`` as ``+00:00``, ``maybe`` as ``false``: the
    first item with that reading), or on a sub-property of ``path`` (``narrower``), which
    inference restated (``categories[0]``'s value reported on ``schema:keywords``)."""
    if not isinstance(value, ox.Literal):
        return None
    read = _rdflib_literal(value)
    by_path = by_value = None
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Parsing weird boolean", UserWarning)
        for triple, key in sorted(owner.items(), key=lambda item: item[1]):
            if triple.subject != focus or not isinstance(triple.object, ox.Literal):
                continue
            if by_value is None and triple.object == value and triple.predicate.value in narrower:
                by_value = key
            if (
                by_path is None
                and triple.predicate == path
                and _rdflib_literal(triple.object) == read
            ):
                by_path = key
    return by_path or by_value


def _rdflib_literal(term: ox.Literal) -> rdflib.Literal:
    """The literal as rdflib's N-Triples parser makes it (a plain literal has no datatype)."""
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    if term.datatype.value == _XSD_STRING:
        return rdflib.Literal(term.value)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))


def _attribute(
    tracer: Tracer,
    traced: _Traced,
    shape_name: str | None,
    focus: ox.NamedNode | ox.Literal | ox.BlankNode,
    path: ox.NamedNode | None,
    value: ox.NamedNode | ox.Literal | ox.BlankNode | None,
) -> str | None:
    """The front-matter key responsible for a result on ``focus`` in this document."""
    doc, mapped, owner = traced.doc, traced.mapped, traced.owner
    found: str | None = None
    exact = False
    if path is not None and isinstance(focus, ox.NamedNode):
        if value is not None:
            found = owner.get(ox.Triple(focus, path, value)) or _owner_of_value(
                owner, focus, path, value, tracer.narrower.get(path.value, frozenset())
            )
            exact = found is not None
        if found is None:
            same = sorted(k for t, k in owner.items() if t.subject == focus and t.predicate == path)
            found = same[0] if same else None
            # the key that wrote this property here, where the shape's key is not written
            # (medigyTopics standing in for communityTopics): told there, not at line 1
            exact = bool(found) and shape_name is not None and not _writes(doc, shape_name)
        if found is None:
            if mapped.subject is not None and focus == mapped.subject:
                found = tracer.by_property.get((path.value, None))
            elif focus.value in traced.nodes:
                found = tracer.by_property.get((path.value, traced.nodes[focus.value]))
                if found is None:
                    # a property no key writes on the node (a dump's own triple): the key its
                    # keys are all part of (featuredImage), not the first one, which links it
                    found = _common_key(sorted(k for t, k in owner.items() if t.subject == focus))
    if found is None:
        # a shared node or a value: the key that refers to it (author[1], communityTopics[0])
        refs = sorted(k for t, k in owner.items() if t.object == focus and t.subject != focus)
        found = refs[0] if refs else None
    if found is None and isinstance(focus, ox.NamedNode):
        own = sorted(k for t, k in owner.items() if t.subject == focus)
        # for a property no key writes on this node (a dump's own triple): not the first of
        # its keys, which has nothing to do with it, but the key they all are part of, if any
        found = (own[0] if own else None) if path is None else _common_key(own)
    # sh:name names the key when it is one; a more precise key under it (tags[2]) wins, and
    # so does the key that wrote the very value (keywords[1], where tags write the same property)
    if (
        not exact
        and shape_name
        and tracer.is_key(shape_name, doc)
        and not (
            found
            and (found == shape_name or found.startswith((shape_name + ".", shape_name + "[")))
        )
    ):
        found = shape_name
    return found


def _common_key(keys: Sequence[str]) -> str | None:
    """The key that every one of ``keys`` is or is part of (``featuredImage`` for
    ``featuredImage.alt`` and ``featuredImage.size[0]``; ``author[1]`` for itself), else None."""
    if not keys:
        return None
    parts = [k.split(".") for k in keys]
    shared: list[str] = []
    for names in zip(*parts, strict=False):
        if all(n == names[0] for n in names):
            shared.append(names[0])
            continue
        if all(_root(n) == _root(names[0]) for n in names):
            shared.append(_root(names[0]))  # items of one list: the list
        break
    return ".".join(shared) or None


def _writes(doc: Document, key: str) -> bool:
    """Whether the document has ``key`` (or something below it) at a line."""
    return key in doc.lines or any(k.startswith((key + ".", key + "[")) for k in doc.lines)


# -- the checks --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    """What a worker needs to rebuild the validator in its own process."""

    shapes: str | None = None
    ontology: str | None = None
    mapping: str | None = None
    base: str = DEFAULT_BASE
    inference: str = "none"


_SHAPE_TERMS = (SH.targetClass, SH["class"])
"""What a shape says a node must be an instance of (a path to an undeclared property is told
at the documents that write it, as any undeclared term is, and warned of by
:func:`_shape_path_warnings`)."""

CHECK_SHAPE_PATH = "shapes.declared-path"

_PATH_PARTS = (
    RDF.first,
    RDF.rest,
    SH.inversePath,
    SH.alternativePath,
    SH.zeroOrMorePath,
    SH.oneOrMorePath,
    SH.zeroOrOnePath,
)
"""What a SHACL path is built of: a sequence (an RDF list), or an inverse, alternative or
repeated path of other paths."""


def _path_terms(graph: rdflib.Graph, path: rdflib.term.Node) -> list[rdflib.URIRef]:
    """The IRIs of the properties a SHACL path goes through, whatever its form."""
    found: list[rdflib.URIRef] = []
    todo, seen = [path], set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        if isinstance(node, rdflib.URIRef):
            if node != RDF.nil:
                found.append(node)
            continue
        for predicate in _PATH_PARTS:
            todo.extend(graph.objects(node, predicate))
    return found


def _shape_path_warnings(
    shapes: Shapes, ontology: Ontology, where: str = "", lines: bool = False
) -> list[Diagnostic]:
    """A shape's ``sh:path`` (or a part of a sequence, inverse or alternative path), or its
    ``sh:targetSubjectsOf``/``sh:targetObjectsOf``, that names a Medigy property the ontology
    does not declare (``medigy:masthead`` for
    ``medigy:mastHead``): no document writes it, so the shape checks nothing and no document
    is told of the term. A warning, not a refusal: a property still missing from an ontology
    the documents do write is told at their keys as well (an error there).

    Told on the file ``where`` (the shapes or the ontology file the user gave; "" for none),
    and with ``lines`` (``where`` is the shapes file) at the line that names the term, so
    that annotations and code scanning alerts are on that file, not on a folder."""
    out: list[Diagnostic] = []
    finder: _TermLines | None = None  # the file is read only when a warning needs a line
    told: set[tuple[str, str]] = set()
    uses = (
        (SH.path, "has a path through"),
        (SH.targetSubjectsOf, "targets the subjects of"),
        (SH.targetObjectsOf, "targets the objects of"),
    )
    for predicate, use in uses:
        for shape, path in shapes.graph.subject_objects(predicate):
            for term in _path_terms(shapes.graph, path):
                iri = str(term)
                if not iri.startswith(MEDIGY) or iri in ontology.declared:
                    continue
                shape_id = shapes.shape_id(shape)
                if (shape_id, iri) in told:
                    continue
                told.add((shape_id, iri))
                if where and lines and finder is None:
                    finder = _TermLines(shapes)
                out.append(
                    Diagnostic(
                        where,
                        finder.line(shape, term) if finder is not None else None,
                        None,
                        Severity.WARNING,
                        f"shapes file {shapes.file}: {shape_id} {use}"
                        f" medigy:{iri[len(MEDIGY) :]}, which the ontology {ontology.file} does not"
                        " declare: a typo (the shape checks nothing), or a property to add to it",
                        CHECK_SHAPE_PATH,
                    )
                )
    return sorted(out, key=diagnostic_order)


class _TermLines:
    """Where a shapes file written as text (Turtle, N-Triples, RDF/XML, JSON-LD) names a
    term: the first line after its shape's subject (its named parent's, for a blank-node
    shape) that spells the term, as ``prefix:name``, ``<IRI>`` or ``"IRI"``. The graph keeps
    no lines; a term the text does not spell so (or a file that cannot be read) has none."""

    def __init__(self, shapes: Shapes) -> None:
        self.graph = shapes.graph
        try:
            text = Path(shapes.file).read_text(encoding="utf-8", errors="replace")
        except OSError:
            text = ""
        self.lines = ["" if line.lstrip().startswith("#") else line for line in text.splitlines()]

    def _spelled(self, iri: str, subject: bool = False) -> re.Pattern[str]:
        names = [re.escape(f"<{iri}>"), re.escape(f'"{iri}"')]
        for prefix, namespace in self.graph.namespaces():
            local = iri[len(str(namespace)) :]
            if iri.startswith(str(namespace)) and re.fullmatch(r"[\w][\w.-]*", local):
                names.append(rf"(?<![\w.:-]){re.escape(f'{prefix}:{local}')}(?![\w:-])")
        return re.compile(("^\\s*" if subject else "") + f"(?:{'|'.join(names)})")

    def _first(self, pattern: re.Pattern[str], start: int = 0) -> int | None:
        for index in range(start, len(self.lines)):
            if pattern.search(self.lines[index]):
                return index
        return None

    def line(self, shape: rdflib.term.Node, term: rdflib.term.Node) -> int | None:
        named = shape
        for _ in range(8):  # a blank-node shape: the named shape that holds it
            if not isinstance(named, rdflib.BNode):
                break
            named = min(self.graph.subjects(None, named), key=str, default=named)
        start = 0
        if isinstance(named, rdflib.URIRef):
            start = self._first(self._spelled(str(named), subject=True)) or 0
        found = self._first(self._spelled(str(term)), start)
        if found is None and start:
            found = self._first(self._spelled(str(term)))
        return None if found is None else found + 1


_SHAPE_REFERENCES = (SH.node, SH.qualifiedValueShape, SH["not"], SH.property)
"""Where a shape names another shape (as do the members of sh:and, sh:or and sh:xone)."""


def _check_shape_references(shapes: Shapes) -> None:
    """A shape named by an IRI (``sh:node mgs:TopicInSchemShape``) that the shapes file does
    not describe at all: to SHACL an empty shape, which every value conforms to, so the
    constraint checked nothing, silently; a typo, or a shape not yet written."""
    graph = shapes.graph
    named: list[tuple[rdflib.term.Node, rdflib.term.Node]] = []
    for predicate in _SHAPE_REFERENCES:
        named.extend(graph.subject_objects(predicate))
    for predicate in (SH["and"], SH["or"], SH.xone):
        for shape, members in graph.subject_objects(predicate):
            named.extend((shape, m) for m in rdflib.collection.Collection(graph, members))
    for shape, target in sorted(named):
        if (
            isinstance(target, rdflib.URIRef)
            and next(graph.predicate_objects(target), None) is None
        ):
            raise ValidationSetupError(
                f"shapes file {shapes.file}: {shapes.shape_id(shape)} names the shape"
                f" <{target}>, which the file does not describe (so it would check nothing):"
                " a typo, or a shape still to write"
            )


def _check_shape_terms(shapes: Shapes, ontology: Ontology) -> None:
    """A shape's class or target class that is a Medigy term the ontology does not declare
    (``medigy:Comunity``): a typo, or a class not yet added to the ontology, that would fail
    every document (or check none) with messages blaming the editors' keys, while no document
    holds the term for the undeclared-term check to tell."""
    for predicate in _SHAPE_TERMS:
        for shape, term in sorted(shapes.graph.subject_objects(predicate)):
            if (
                isinstance(term, rdflib.URIRef)
                and str(term).startswith(MEDIGY)
                and str(term) not in ontology.declared
            ):
                raise ValidationSetupError(
                    f"shapes file {shapes.file}: {shapes.shape_id(shape)} names"
                    f" medigy:{str(term)[len(MEDIGY) :]} ({_local(str(predicate))}), which the"
                    f" ontology {ontology.file} does not declare: a typo, or a term to add to it"
                )


class Engine:
    """Shapes, ontology and mapping, loaded once per process."""

    def __init__(self, options: Options) -> None:
        pyshacl_speed.install()
        if options.inference not in INFERENCE:
            raise ValidationSetupError(
                f"unknown inference {options.inference!r} (use none or rdfs)"
            )
        self.options = options
        self.shapes = Shapes(Path(options.shapes) if options.shapes else default_shapes())
        self.ontology = Ontology(Path(options.ontology) if options.ontology else default_ontology())
        _check_shape_terms(self.shapes, self.ontology)
        _check_shape_references(self.shapes)
        # Told on the file to fix: the shapes file given, else the ontology given (that
        # the bundled shapes expect a property it lacks), else on no file.
        self.shape_warnings = _shape_path_warnings(
            self.shapes,
            self.ontology,
            options.shapes or options.ontology or "",
            lines=bool(options.shapes),
        )
        """Paths of the shapes through undeclared Medigy properties, told once per run."""
        try:
            self.mapper = load_mapping(options.mapping, base=options.base)
        except Exception as exc:
            raise ValidationSetupError(str(exc)) from exc
        self.tracer = Tracer(self.mapper)
        self.tracer.know_sub_properties(self.ontology.graph)
        self._undeclared: dict[ox.NamedNode, bool] = {}
        """Whether each IRI seen is a Medigy term the ontology does not declare."""

    # SHACL ---------------------------------------------------------------------------------

    def shacl(self, triples: Iterable[ox.Triple]) -> list[tuple[Result, Any, Any, Any]]:
        """pySHACL over ``triples``: (result, focus, path, value) with ox terms for tracing."""
        import pyshacl

        with warnings.catch_warnings():
            # rdflib warns on stderr for an ill-typed boolean ("maybe"); a shape reports it.
            warnings.filterwarnings("ignore", "Parsing weird boolean", UserWarning)
            return self._shacl(pyshacl, to_rdflib(triples))

    def _shacl(self, pyshacl: Any, data: rdflib.Graph) -> list[tuple[Result, Any, Any, Any]]:
        try:
            with pyshacl_speed.validating():
                _conforms, report, _text = pyshacl.validate(
                    data,
                    shacl_graph=self.shapes.graph,
                    ont_graph=self.ontology.graph if self.options.inference == "rdfs" else None,
                    inference=self.options.inference,
                    abort_on_first=False,
                    allow_infos=True,
                    allow_warnings=True,
                    meta_shacl=False,
                    advanced=self.shapes.advanced,
                    js=False,
                    inplace=True,
                    debug=False,
                )
        except Exception as exc:  # pyshacl reports a broken shape by raising
            raise ValidationSetupError(
                f"shapes file {self.shapes.file} cannot be used: {exc}"
            ) from exc
        # A result pySHACL gives as the detail of another (why a topic fails sh:node: its
        # own missing scheme, on the topic) is part of that result, not a second problem.
        details = set(report.objects(None, SH.detail))
        found = [n for n in report.subjects(RDF.type, SH.ValidationResult) if n not in details]
        nodes = self._not_inherited(report, found)
        return [self._result(report, node, data) for node in nodes]

    def _not_inherited(
        self, report: rdflib.Graph, nodes: list[rdflib.term.Node]
    ) -> list[rdflib.term.Node]:
        """Under rdfs, or in a dump that holds the ontology (as a store does, whose
        rdfs:subClassOf triples SHACL's class targets follow), a community is a
        schema:Organization too, so the shape of publishers finds what the community's shape
        finds (two spellings of its name), in the words of another key. Of two results that
        say the same (focus, path, value, constraint, severity), the one from a shape of a
        broader class than the other's is left out."""

        def problem(node: rdflib.term.Node) -> tuple[rdflib.term.Node | None, ...]:
            return tuple(
                report.value(node, p)
                for p in (
                    SH.focusNode,
                    SH.resultPath,
                    SH.value,
                    SH.sourceConstraintComponent,
                    SH.resultSeverity,
                )
            )

        same: dict[tuple[rdflib.term.Node | None, ...], list[rdflib.term.Node]] = defaultdict(list)
        for node in nodes:
            same[problem(node)].append(node)
        kept = []
        for node in nodes:
            mine = self.shapes.target_classes(report.value(node, SH.sourceShape))
            others = [
                self.shapes.target_classes(report.value(other, SH.sourceShape))
                for other in same[problem(node)]
                if other != node
            ]
            if not (mine and any(self._narrower(theirs, mine) for theirs in others)):
                kept.append(node)
        return kept

    def _narrower(self, theirs: frozenset[str], mine: frozenset[str]) -> bool:
        """Whether each class in ``mine`` is a proper superclass of one in ``theirs``."""
        return bool(theirs) and all(
            any(cls != t and cls in self.ontology.ancestors(t) for t in theirs) for cls in mine
        )

    def _classes_not_allowed(
        self, shape_node: rdflib.term.Node | None, value: rdflib.term.Node, data: rdflib.Graph
    ) -> str | None:
        """Why a value fails a shape's ``sh:or`` of classes (``mgs:DocumentGraphShape``'s
        ``medigy:Content`` or ``medigy:CommunityContent``) when its class is none of them: a
        content class of a mapping of one's own, which the shape must list (checked without
        inference, sh:class does not follow the ontology's rdfs:subClassOf); else None."""
        graph = self.shapes.graph
        members = graph.value(shape_node, SH["or"]) if shape_node is not None else None
        if members is None:
            return None
        # Only the provenance shape's: its message blames medigraph (a kind shape's, which
        # asks for a class of the document's own type, tells the editor's key already).
        graph_class = self.mapper.term(self.mapper.document_spec["provenance"]["graph_class"])
        owner = graph.value(None, SH.property, shape_node)
        if owner is None or rdflib.URIRef(graph_class.value) not in set(
            graph.objects(owner, SH.targetClass)
        ):
            return None
        allowed: list[str] = []
        for member in rdflib.collection.Collection(graph, members):
            classes = list(graph.objects(member, SH["class"]))
            if len(classes) != 1 or len(set(graph.predicates(member, None))) != 1:
                return None  # not an sh:or of classes alone
            allowed.append(str(classes[0]))
        types = sorted(str(t) for t in data.objects(value, RDF.type))
        if not types or any(t in allowed for t in types):
            return None
        named = " and ".join(_curie(t) for t in types)
        listed = " or ".join(_curie(a) for a in allowed)
        return (
            f"the content item is a {named}, not a {listed} as this shape asks (without"
            f" inference, subclasses do not count): add [ sh:class {_curie(types[0])} ] to its"
            f" sh:or in {self.shapes.file}, or make it a subclass of one in the ontology and"
            " validate with --inference rdfs"
        )

    def _result(
        self, g: rdflib.Graph, node: rdflib.term.Node, data: rdflib.Graph | None = None
    ) -> tuple[Result, Any, Any, Any]:
        focus = to_ox(g.value(node, SH.focusNode))
        raw_path = g.value(node, SH.resultPath)
        path = ox.NamedNode(str(raw_path)) if isinstance(raw_path, rdflib.URIRef) else None
        raw_value = g.value(node, SH.value)
        value = to_ox(raw_value) if raw_value is not None else None
        shape_node = g.value(node, SH.sourceShape)
        raw_severity = g.value(node, SH.resultSeverity)
        severity = (
            _SEVERITIES.get(raw_severity, Severity.ERROR)
            if isinstance(raw_severity, rdflib.URIRef)
            else Severity.ERROR
        )
        messages = sorted(
            g.objects(node, SH.resultMessage),
            key=lambda m: (getattr(m, "language", None) not in (None, "en"), str(m)),
        )
        component = str(g.value(node, SH.sourceConstraintComponent) or "")
        message = (
            str(messages[0])
            if messages
            else f"does not conform to {self.shapes.shape_id(shape_node)}"
        )
        if (
            component == str(SH.OrConstraintComponent)
            and raw_value is not None
            and data is not None
        ):
            message = self._classes_not_allowed(shape_node, raw_value, data) or message
        result = Result(
            str(focus),
            str(path) if path is not None else (raw_path.n3() if raw_path is not None else None),
            str(value) if value is not None else None,
            self.shapes.shape_id(shape_node),
            component,
            severity,
            message,
        )
        return (
            result,
            focus,
            path,
            (value, self.shapes.names.get(shape_node) if shape_node is not None else None),
        )

    # ontology ------------------------------------------------------------------------------

    def ontology_check(self, triples: Sequence[ox.Triple]) -> list[tuple[Result, Any, Any, Any]]:
        """Undeclared Medigy terms and values typed with disjoint classes."""
        out: list[tuple[Result, Any, Any, Any]] = []
        declared = self.ontology.declared
        undeclared = self._undeclared
        if len(undeclared) >= _LIMIT:
            undeclared.clear()
        types: dict[ox.NamedNode, set[str]] = defaultdict(set)
        seen: set[tuple[str, str, str]] = set()
        for t in triples:
            predicate, value_term = t.predicate, t.object  # each read makes a new Python object
            if predicate == RDF_TYPE and isinstance(value_term, ox.NamedNode):
                types[t.subject].add(value_term.value)  # type: ignore[index]
            for term in (predicate, value_term):
                if not isinstance(term, ox.NamedNode):
                    continue
                bad = undeclared.get(term)
                if bad is None:
                    iri = term.value
                    bad = undeclared[term] = iri.startswith(MEDIGY) and iri not in declared
                if bad:
                    marker = (str(t.subject), str(t.predicate), term.value)
                    if marker in seen:
                        continue
                    seen.add(marker)
                    role = (
                        "property"
                        if term == t.predicate
                        else "class"
                        if t.predicate == RDF_TYPE
                        else "term"
                    )
                    value = t.object if term == t.object else None
                    message = f"{_curie(term.value)} is used as a {role} but is not declared in the Medigy ontology"
                    result = Result(
                        str(t.subject),
                        t.predicate.value,
                        str(value) if value is not None else None,
                        CHECK_UNDECLARED,
                        CHECK_UNDECLARED,
                        Severity.ERROR,
                        message,
                    )
                    out.append((result, t.subject, t.predicate, (value, None)))
        for subject, classes in sorted(types.items(), key=lambda item: str(item[0])):
            if not any(c.startswith(MEDIGY) for c in classes):
                continue
            closure: dict[str, str] = {}
            for cls in sorted(classes):
                for ancestor in self.ontology.ancestors(cls):
                    closure.setdefault(ancestor, cls)
            for a, b in self.ontology.disjoint_pairs:
                if a in closure and b in closure:
                    value = ox.NamedNode(max(closure[a], closure[b]))
                    message = (
                        f"is typed {_curie(closure[a])} and {_curie(closure[b])}, "
                        f"but the ontology says {_curie(a)} and {_curie(b)} are disjoint"
                    )
                    result = Result(
                        str(subject),
                        RDF_TYPE.value,
                        str(value),
                        CHECK_DISJOINT,
                        CHECK_DISJOINT,
                        Severity.ERROR,
                        message,
                    )
                    out.append((result, subject, RDF_TYPE, (value, None)))
        return out


def _local(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _curie(iri: str) -> str:
    return "medigy:" + iri[len(MEDIGY) :] if iri.startswith(MEDIGY) else f"<{iri}>"


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_PREDICATES: dict[ox.NamedNode, rdflib.URIRef] = {}
"""Predicates converted in earlier batches: a few dozen, the same in every batch."""
_LIMIT = 200_000
"""Entries kept in a per-process table of IRIs before it is emptied."""


def to_rdflib(triples: Iterable[ox.Triple]) -> rdflib.Graph:
    """pyoxigraph → rdflib, each distinct term converted once.

    The same terms as rdflib's N-Triples parser makes from pyoxigraph's N-Triples (a plain
    literal has no datatype; blank nodes keep their labels), three times faster; predicates
    are kept from one batch to the next.
    """
    graph = rdflib.Graph()
    terms: dict[Any, Any] = {}
    if len(_PREDICATES) >= _LIMIT:
        _PREDICATES.clear()

    def term(t: Any) -> Any:
        found = terms.get(t)
        if found is None:
            if isinstance(t, ox.NamedNode):
                found = rdflib.URIRef(t.value)
            elif isinstance(t, ox.BlankNode):
                found = rdflib.BNode(t.value)
            elif isinstance(t, ox.Literal):
                found = _rdflib_literal(t)
            else:
                raise TypeError(f"unexpected term {t!r}")
            terms[t] = found
        return found

    # The store's own add: Graph.add only checks that the terms are rdflib nodes (they are)
    # and passes the graph as the context, as here.
    add = graph.store.add
    for t in triples:
        p = t.predicate
        predicate = _PREDICATES.get(p)
        if predicate is None:
            predicate = _PREDICATES[p] = rdflib.URIRef(p.value)
        add((term(t.subject), predicate, term(t.object)), graph, False)
    return graph


def to_ox(term: Any) -> Any:
    if isinstance(term, rdflib.URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, rdflib.BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, rdflib.Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"unexpected term {term!r}")


# -- batches -------------------------------------------------------------------------------


@dataclass
class _BatchOutcome:
    documents: list[DocumentOutcome]
    results: list[Result]
    general: list[Diagnostic]
    shared: set[bytes]
    """N-Triples lines of the shared nodes' descriptions in this batch."""
    refs: dict[str, list[int]]
    """Shared node → positions (in the whole run) of the documents that refer to it."""
    held: list[tuple[Result, Any, Any, Any]] = field(default_factory=list)
    """Results on shared nodes within this batch: the final ones for a node no other document
    describes (most work packages and attachments), which then needs no second pass."""


_engine: Engine | None = None


def _init(options: Options) -> None:
    global _engine
    _engine = Engine(options)
    pyshacl_speed.collect_less()


def _init_worker(options: Options) -> None:
    from .pipeline import ignore_interrupts

    ignore_interrupts()
    _init(options)


def _map(
    engine: Engine, found: SourceFile
) -> tuple[DocumentOutcome, Document | None, MappedDocument | None]:
    """Read and map one file; a bug in medigraph becomes an error on that file, as in the
    export (:func:`medigraph.pipeline.process`), not the end of the run."""
    try:
        return _map_unguarded(engine, found)
    except Exception as exc:  # reported as a diagnostic, not swallowed
        problem = internal_error(found.source, exc)
        return DocumentOutcome(found.source, None, True, [problem]), None, None


def _map_unguarded(
    engine: Engine, found: SourceFile
) -> tuple[DocumentOutcome, Document | None, MappedDocument | None]:
    doc, problems = read_document(found)
    if doc is None:
        return DocumentOutcome(found.source, None, True, list(problems)), None, None
    problems = [*problems, *cascade_warning(doc)]  # as the export tells it
    if engine.mapper.is_section_page(doc):  # a list page of the site, not a document
        return DocumentOutcome(found.source, None, False, list(problems), section=True), None, None
    mapped = engine.mapper.map(doc)
    outcome = DocumentOutcome(
        found.source,
        mapped.subject.value if mapped.subject is not None else None,
        mapped.rejected,
        list(problems) + list(mapped.diagnostics),
        [(iri, written, key, doc.line_of(key)) for iri, written, key in mapped.spellings],
    )
    # a document with mapping errors still has a graph: check it too, so one run shows all
    return outcome, doc, mapped if mapped.subject is not None else None


def _diagnostic(
    result: Result, path: str, line: int | None, key: str | None, code: str
) -> Diagnostic:
    return Diagnostic(
        path,
        line,
        key,
        result.severity,
        result.message,
        code,
        result.focus_iri,
        result.shape or None,
    )


def _code(result: Result) -> str:
    if result.component.startswith("urn:medigraph:check:"):
        return "ontology." + result.component.rsplit(":", 1)[-1]
    return "shacl." + _local(result.component).removesuffix("ConstraintComponent")


Batch = tuple[int, list[SourceFile], frozenset[int]]
"""(position of the first file in the run, the files, offsets of files to map but not check)."""


def _check_batch(batch: Batch) -> _BatchOutcome:
    """:func:`_validate_batch`, then its garbage collected (see ``pyshacl_speed``)."""
    try:
        return _validate_batch(batch)
    finally:
        pyshacl_speed.collect_batch()


def _validate_batch(batch: Batch) -> _BatchOutcome:
    assert _engine is not None, "call _init first"
    engine = _engine
    start, files, unchecked = batch
    outcomes: list[DocumentOutcome] = []
    mapped_docs: list[tuple[int, Document, MappedDocument]] = []
    for offset, found in enumerate(files):
        outcome, doc, mapped = _map(engine, found)
        outcomes.append(outcome)
        if doc is not None and mapped is not None and offset not in unchecked:
            mapped_docs.append((offset, doc, mapped))

    shared_nodes: set[ox.NamedNode] = set()
    triples: set[ox.Triple] = set()
    own: dict[Any, int] = {}
    shared_lines: set[bytes] = set()
    refs: dict[str, list[int]] = defaultdict(list)
    rejected: list[tuple[int, MappedDocument]] = []
    for offset, _doc, mapped in mapped_docs:
        if mapped.rejected:
            # Its own nodes are checked, so one run shows all its problems, but alone: what it
            # says of other things is not exported, and must not put other documents in the
            # wrong (nor right), nor may another rejected copy of it (the same mdName). Its
            # results are not the exported graph's.
            rejected.append((offset, mapped))
            continue
        # What only this document describes is checked here; anything else it describes (a
        # community, a work package another document has too) is checked once, over every
        # document's description of it, so that the results are those of the whole graph.
        own_triples = [t for t in mapped.triples if t.subject in mapped.local]
        shared_triples = [t for t in mapped.triples if t.subject not in mapped.local]
        shared_here = {t.subject for t in shared_triples if isinstance(t.subject, ox.NamedNode)}
        shared_nodes.update(shared_here)
        for t in own_triples:
            own.setdefault(t.subject, offset)
        triples.update(mapped.triples)
        for node in sorted(shared_here, key=str):
            refs[node.value].append(start + offset)
        # Descriptions of things many documents share (a community, a topic) come along;
        # those of a work package or an attachment, mostly one document's own, are read
        # again at the end in the rare case that another document describes them too.
        common = [t for t in shared_triples if t.subject in mapped.shared]
        if common:
            data = ox.serialize(common, format=ox.RdfFormat.N_TRIPLES)
            shared_lines.update(line for line in (data or b"").splitlines() if line)

    raw: list[tuple[Result, Any, Any, Any]] = []
    held: list[tuple[Result, Any, Any, Any]] = []
    if triples:
        for r in engine.shacl(triples):
            (held if r[1] in shared_nodes else raw).append(r)
    exported = [(o, m) for o, _d, m in mapped_docs if not m.rejected]
    for _offset, mapped in exported:
        raw.extend(r for r in engine.ontology_check(mapped.triples) if r[1] not in shared_nodes)
    placed: list[tuple[int | None, tuple[Result, Any, Any, Any]]] = []
    for r in raw:
        at = own.get(r[1])
        if at is None:
            at = next((o for o, m in exported if any(t.object == r[1] for t in m.triples)), None)
        placed.append((at, r))
    # Rejected documents are checked together, except two that describe the same node (copies
    # under one mdName): those go to separate calls.
    groups: list[tuple[dict[ox.NamedNode, int], list[MappedDocument]]] = []
    for offset, mapped in rejected:
        group = next((g for g in groups if g[0].keys().isdisjoint(mapped.local)), None)
        if group is None:
            group = ({}, [])
            groups.append(group)
        group[0].update(dict.fromkeys(mapped.local, offset))  # its own nodes → the document
        group[1].append(mapped)
    for owners, members in groups:
        apart = engine.shacl([t for m in members for t in m.triples])
        for m in members:
            apart += engine.ontology_check(m.triples)
        placed.extend((owners[r[1]], r) for r in apart if r[1] in owners)

    traced: dict[int, _Traced] = {}
    general: list[Diagnostic] = []
    results: set[Result] = set()
    by_offset = {offset: (doc, mapped) for offset, doc, mapped in mapped_docs}
    results.update(r[0] for r in raw)  # a rejected document's (apart) are not the graph's
    unnamed = {offset: _unnamed_links(engine, mapped) for offset, _doc, mapped in mapped_docs}
    for offset_found, (result, focus, path, (value, shape_name)) in placed:
        if offset_found is None:
            general.append(_diagnostic(result, "", None, None, _code(result)))
            continue
        if value is not None and path is not None and path.value in unnamed[offset_found]:
            continue  # a value compared with a node the mapping could not name (id: [1, 2])
        if offset_found not in traced:
            doc, mapped = by_offset[offset_found]
            owner, nodes = engine.tracer.keys_of(doc)
            traced[offset_found] = _Traced(mapped.document, mapped, owner, nodes)
        where = traced[offset_found]
        key = _attribute(engine.tracer, where, shape_name, focus, path, value)
        told = _diagnostic(result, where.doc.source, where.doc.line_of(key), key, _code(result))
        stood_in_for = engine.tracer.stood_in_for(shape_name, key, where.doc)
        outcomes[offset_found].diagnostics.append(
            dataclasses.replace(told, stands_in_for=stood_in_for) if stood_in_for else told
        )
    return _BatchOutcome(
        outcomes, sorted(results, key=result_order), general, shared_lines, dict(refs), held
    )


def _unnamed_links(engine: Engine, mapped: MappedDocument) -> frozenset[str]:
    """The links to the nodes this document names with a list or a mapping (``id: [1, 2]``
    for its work package), which the mapping refused (``map.type``) and did not write, or
    with a key left empty (``id:``, ``map.empty``).

    A shape that compares a value with such a node (the image's work package "should be the
    same number as id") would blame the value for the missing node: that is the refused or
    emptied field's own diagnostic, already reported at its key."""
    keys = {d.key for d in mapped.diagnostics if d.code in ("map.type", "map.empty") and d.key}
    if not keys:
        return frozenset()
    from .convert import _fields

    m = engine.mapper
    return frozenset(
        m.expand_curie(node.link) for node in m.nodes.values() if keys & set(_fields(node.iri))
    )


def _attribute_shared(
    engine: Engine, found: SourceFile, raw: list[tuple[Result, Any, Any, Any]]
) -> list[Diagnostic]:
    """Results on shared nodes, told to a document that refers to them (at the referring key)."""
    _outcome, doc, mapped = _map(engine, found)
    if doc is None or mapped is None:
        return []
    owner, nodes = engine.tracer.keys_of(doc)
    traced = _Traced(mapped.document, mapped, owner, nodes)
    own = set(mapped.triples)
    described = {t.subject for t in mapped.triples if t.subject not in mapped.local}
    out = []
    for result, focus, path, (value, shape_name) in raw:
        if focus not in described:
            continue
        # a value only some documents wrote: tell those documents only
        if (
            value is not None
            and path is not None
            and any(t.subject == focus and t.predicate == path for t in own)
            and ox.Triple(focus, path, value) not in own
        ):
            continue
        key = _spelled_by(mapped, own, focus, path, value) or _attribute(
            engine.tracer, traced, shape_name, focus, path, value
        )
        out.append(_diagnostic(result, doc.source, doc.line_of(key), key, _code(result)))
    return out


def _spelled_by(
    mapped: MappedDocument, own: set[ox.Triple], focus: Any, path: Any, value: Any
) -> str | None:
    """The key that spelled the shared thing a result on its name is about, else None.

    An organisation is a publisher (``link.brand``) in one document and an author's
    ``@domain`` in another, or in the same one: the mapping recorded each spelling with its
    key, so the result goes where this document wrote the thing, not to the first key that
    writes the property. A result about another of its values (a community's mastHead or
    type) is not about its name: None, for :func:`_attribute` to find the key that wrote it.
    """
    if not isinstance(focus, ox.NamedNode):
        return None
    spelled = [(written, key) for iri, written, key in mapped.spellings if iri == focus.value]
    names = {written for written, _key in spelled}
    about_name = path is None or any(
        t.subject == focus
        and t.predicate == path
        and isinstance(t.object, ox.Literal)
        and t.object.value in names
        for t in own
    )
    if not spelled or not about_name:
        return None
    return next(
        (k for w, k in spelled if isinstance(value, ox.Literal) and w == value.value),
        spelled[0][1],
    )


def _batches(files: list[SourceFile], size: int) -> list[Batch]:
    return [
        (start, files[start : start + size], frozenset()) for start in range(0, len(files), size)
    ]


def validate(
    paths: Paths,
    *,
    shapes: str | os.PathLike[str] | None = None,
    ontology: str | os.PathLike[str] | None = None,
    mapping: str | os.PathLike[str] | None = None,
    base: str = DEFAULT_BASE,
    inference: str = "none",
    jobs: int | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    shard: tuple[int, int] | None = None,
    on_start: Callable[[int], None] | None = None,
    on_document: Callable[[DocumentOutcome], None] | None = None,
) -> ValidationReport:
    """Map every document under ``paths`` and check it against the shapes and the ontology.

    ``batch_size`` documents share one pySHACL call (0: all in one call); ``jobs`` worker
    processes run batches side by side. ``shard`` (K, N) checks only the documents of that
    shard, as ``export --shard`` exports them: what documents of other shards say of a shared
    thing (a community's mastHead), a clash or a spelling across shards, is not seen. Raises
    ``ValidationSetupError`` wherever the command exits 2: unusable shapes, ontology or
    mapping, a path that does not exist, nothing to check under the paths.
    """
    from .export import Collisions, Spellings, _Clashes
    from .pipeline import check_shard, default_jobs, in_shard, max_workers

    started = time.perf_counter()
    paths = path_list(paths)
    _refuse_missing(paths)
    shapes, ontology, mapping = (
        None if p is None else os.fspath(p) for p in (shapes, ontology, mapping)
    )
    options = Options(shapes, ontology, mapping, base, inference)
    engine = Engine(options)  # fails fast on a broken shapes file, before any worker starts
    engine.shacl([])
    check_shard(shard)
    # As the export does, the shard is chosen while listing: the others' files are not read.
    # A shard may hold nothing, but only of a corpus that holds something: whether the
    # corpus is empty is told by the whole listing, which the hook sees file by file.
    listed = False
    chosen = None if shard is None else in_shard(shard)

    def keep(rel: str) -> bool:
        nonlocal listed
        listed = True
        return chosen is None or chosen(rel)

    files, problems = discover(paths, keep=keep)
    if not listed:
        raise _nothing_to_check(paths, problems)
    report = ValidationReport(
        general=[*problems, *engine.shape_warnings],
        shapes=str(engine.shapes.file),
        origin=os.fspath(paths[0]) if paths else "",
    )
    if on_start:
        on_start(len(files))
    workers = min(max(1, jobs or default_jobs()), max_workers())
    size = batch_size if batch_size > 0 else max(1, len(files))
    if workers > 1 and len(files) > 1:
        size = max(1, min(size, math.ceil(len(files) / workers)))
    results: set[Result] = set()
    shared_lines: set[bytes] = set()
    held: list[tuple[Result, Any, Any, Any]] = []
    refs: dict[str, array[int]] = {}
    clashes = _Clashes([], None, engine.mapper)
    clashes.files = files
    collisions = Collisions(clashes.name, expected=len(files), where_of=clashes.where)
    spellings = Spellings(base)
    batches = _batches(files, size)
    for batch, outcome_batch in zip(
        batches, _run_batches(batches, workers, options, engine), strict=True
    ):
        clashed: dict[int, Diagnostic] = {}
        for offset, outcome in enumerate(outcome_batch.documents):
            claim = None if outcome.rejected else outcome.subject  # as export does
            clash = collisions.check(outcome.path, claim)
            if clash is not None:
                clashed[offset] = clash
        if clashed:
            # As export leaves the second document out, check the batch without it: its
            # triples would be merged with the first document's (the same IRIs).
            outcome_batch = _recheck(engine, (batch[0], batch[1], frozenset(clashed)))
            for offset, clash in clashed.items():
                outcome_batch.documents[offset].diagnostics.append(clash)
                outcome_batch.documents[offset].rejected = True
        results.update(outcome_batch.results)
        report.general.extend(outcome_batch.general)
        shared_lines |= outcome_batch.shared
        held += outcome_batch.held
        for node, positions in outcome_batch.refs.items():
            refs.setdefault(node, array("l")).extend(positions)
        for outcome in outcome_batch.documents:
            if not outcome.rejected:
                spellings.note(len(report.documents), outcome.spellings)
            outcome.spellings = []  # counted: the report need not keep them
            report.documents.append(outcome)
            if on_document:
                on_document(outcome)

    # Shared nodes: a node only one document describes was checked in its batch; the others,
    # in one pass over every document's description of them.
    several = {node for node, positions in refs.items() if len(positions) > 1}
    lines = [line for line in shared_lines if _subject_of(line) in several]
    lines += _descriptions(engine, files, several - {_subject_of(line) for line in lines}, refs)
    shared_raw = [r for r in held if r[1].value in refs and r[1].value not in several]
    if lines:
        parsed = ox.parse(b"\n".join(sorted(lines)) + b"\n", format=ox.RdfFormat.N_TRIPLES)
        shared_raw += [r for r in engine.shacl(parsed) if r[1].value in several]
    if shared_raw:
        results.update(r[0] for r in shared_raw)
        wanted: dict[int, list[tuple[Result, Any, Any, Any]]] = defaultdict(list)
        for raw in shared_raw:
            for position in refs[raw[1].value]:
                wanted[position].append(raw)
        for position in sorted(wanted):
            report.documents[position].diagnostics.extend(
                _attribute_shared(engine, files[position], wanted[position])
            )

    def sources(wanted: set[int]) -> dict[int, str]:
        return {position: files[position].source for position in wanted}

    for position, spelled in spellings.diagnostics(sources):
        report.documents[position].diagnostics.append(spelled)
    for outcome in report.documents:
        outcome.diagnostics = _distinct(outcome.diagnostics)
    report.general = _distinct(report.general)
    report.results = sorted(results, key=result_order)
    report.seconds = time.perf_counter() - started
    return report


def _refuse_missing(paths: Sequence[str | os.PathLike[str]]) -> None:
    """A path that does not exist is the command's usage error (exit 2), not a report with
    one error: a mistyped path must not pass a CI gate, nor look like a document problem."""
    if said := missing_paths(paths):
        raise ValidationSetupError(f"{said}: nothing checked")


def _nothing_to_check(
    paths: Sequence[str | os.PathLike[str]], problems: list[Diagnostic]
) -> ValidationSetupError:
    """The refusal of a corpus in which nothing at all was listed (an empty folder, several
    empty ones, one that cannot be read, a Hugo site's root): as the export refuses it, with
    what hid the documents."""
    hidden = unlisted(problems)
    if hidden and all(d.code == SITE_ROOT for d in hidden):
        return ValidationSetupError(f"{site_root_refusal(hidden)}: nothing to check")
    why = "; ".join(d.format() for d in hidden)
    return ValidationSetupError(
        f"{no_documents(paths)}{f' ({why})' if why else ''}: nothing to check"
    )


def _distinct(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Each diagnostic once, in order. A diagnostic's equality leaves its focus and shape out,
    so a set kept one of several results that differ only there (three taxonomies spelled two
    ways, told at one key), and which one depended on the run's hash seed."""
    ordered = sorted(diagnostics, key=diagnostic_order)
    return list({(d, d.focus, d.shape): d for d in ordered}.values())


def _subject_of(line: bytes) -> str:
    """The subject IRI of an N-Triples line (medigraph writes no blank nodes)."""
    return line[1 : line.index(b">")].decode()


def _recheck(engine: Engine, batch: Batch) -> _BatchOutcome:
    """A batch checked again in this process (rare: a document clashed with an earlier one)."""
    global _engine
    _engine = engine
    return _check_batch(batch)


def _descriptions(
    engine: Engine, files: list[SourceFile], nodes: set[str], refs: dict[str, array[int]]
) -> list[bytes]:
    """N-Triples lines of every description of ``nodes`` (IRIs), read again from the
    documents that describe them (``refs``): work packages several documents share."""
    positions = sorted({p for node in nodes for p in refs[node]})
    triples: set[ox.Triple] = set()
    for position in positions:
        _outcome, _doc, mapped = _map(engine, files[position])
        if mapped is not None:
            triples.update(
                t
                for t in mapped.triples
                if isinstance(t.subject, ox.NamedNode) and t.subject.value in nodes
            )
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) if triples else b""
    return [line for line in (data or b"").splitlines() if line]


def _run_batches(
    batches: list[Batch], workers: int, options: Options, engine: Engine
) -> Iterator[_BatchOutcome]:
    if workers <= 1 or len(batches) <= 1:
        global _engine
        _engine = engine
        with pyshacl_speed.collecting_less():
            for batch in batches:
                yield _check_batch(batch)
        return
    from .pipeline import pool_ended, worker_pool

    with pool_ended(worker_pool(min(workers, len(batches)), _init_worker, (options,))) as pool:
        yield from pool.imap(_check_batch, batches)


# -- an existing dump --------------------------------------------------------------------------


def validate_graph(
    file: str | os.PathLike[str],
    *,
    format: str | None = None,
    shapes: str | None = None,
    ontology: str | None = None,
    mapping: str | None = None,
    base: str = DEFAULT_BASE,
    inference: str = "none",
    root: str | os.PathLike[str] | None = None,
) -> ValidationReport:
    """Check a dump (any RDF format pyoxigraph reads; datasets are merged into one graph).

    Results are traced to source files through the provenance the dump carries (graph record →
    ``medigy:describes`` the content, ``prov:wasDerivedFrom`` a source file with
    ``medigy:sourcePath``); with ``root`` the source files are read again for line numbers.
    """
    started = time.perf_counter()
    engine = Engine(Options(shapes, ontology, mapping, base, inference))
    path = Path(file)
    try:
        rdf_format = _rdf_format(path, format)
        with path.open("rb") as stream:
            quads = list(ox.parse(stream, format=rdf_format))
    except OSError as exc:
        raise ValidationSetupError(f"cannot read {file}: {exc.strerror or exc}") from exc
    except (SyntaxError, ValueError) as exc:
        raise ValidationSetupError(f"{file} is not valid RDF: {exc}") from exc
    triples = sorted({ox.Triple(q.subject, q.predicate, q.object) for q in quads}, key=str)
    sources = _sources(triples, engine.mapper)
    if not sources:
        # As a folder with no Markdown file: a mistyped path (an empty file, the ontology)
        # must not pass a CI gate with "0 documents checked".
        raise ValidationSetupError(
            f"no documents in {file} (no graph record naming a document's source file, as"
            " medigraph export writes one for each): nothing to check"
        )
    report = ValidationReport(
        general=list(engine.shape_warnings),
        shapes=str(engine.shapes.file),
        origin=os.fspath(file),
    )
    raw = engine.shacl(triples) + engine.ontology_check(triples)
    report.results = sorted({r[0] for r in raw}, key=result_order)
    docs: dict[str, tuple[Document | None, _Traced | None]] = {}
    outcomes: dict[str, DocumentOutcome] = {}
    for content, source_path in sorted(sources.items()):
        outcomes.setdefault(source_path, DocumentOutcome(source_path, content.value, False))
    links = defaultdict(set)
    for t in triples:
        if isinstance(t.object, ox.NamedNode):
            links[t.object].add(t.subject)
    provenance = engine.mapper.document_spec["provenance"]
    writers = _Writers(quads, raw, engine.mapper.term(provenance["primary_topic"]))
    for result, focus, rpath, (value, shape_name) in raw:
        owners = _owners(focus, sources, links)
        if not owners:
            report.general.append(_diagnostic(result, "", None, None, _code(result)))
            continue
        for content in writers.told(owners, focus, rpath, value):
            source_path = sources[content]
            shown = os.path.join(os.fspath(root), source_path) if root is not None else source_path
            if source_path not in docs:
                docs[source_path] = (
                    _reread(engine, shown, source_path) if root is not None else (None, None)
                )
            _doc, traced = docs[source_path]
            if traced is not None:
                # a shared thing's result where this document spelled it, as when documents
                # are checked (:func:`_attribute_shared`)
                key = _spelled_by(
                    traced.mapped, set(traced.mapped.triples), focus, rpath, value
                ) or _attribute(engine.tracer, traced, shape_name, focus, rpath, value)
                line: int | None = traced.doc.line_of(key)
                stood_in_for = engine.tracer.stood_in_for(shape_name, key, traced.doc)
            else:
                key = shape_name if shape_name and engine.tracer.is_key(shape_name, None) else None
                if key is None and rpath is not None:
                    key = (
                        engine.tracer.by_property.get((rpath.value, None))
                        if focus == content
                        else None
                    )
                line = stood_in_for = None
            told = _diagnostic(result, shown, line, key, _code(result))
            outcomes[source_path].diagnostics.append(
                dataclasses.replace(told, stands_in_for=stood_in_for) if stood_in_for else told
            )
    report.documents = [outcomes[p] for p in sorted(outcomes)]
    for outcome in report.documents:
        outcome.path = (
            os.path.join(os.fspath(root), outcome.path) if root is not None else outcome.path
        )
        outcome.diagnostics = sorted(set(outcome.diagnostics), key=diagnostic_order)
    report.general = sorted(set(report.general), key=diagnostic_order)
    report.seconds = time.perf_counter() - started
    return report


class _Writers:
    """Which documents' named graphs wrote the values that results are about.

    A community's ``type`` written ``x`` by one document of a hundred is that document's
    mistake: as when documents are validated (:func:`_attribute_shared`), a document whose
    graph gives the node's property other values, and not this one, is not told. A dump
    without named graphs (Turtle, N-Triples) does not say who wrote what: every document
    that refers to the node is told.
    """

    def __init__(
        self,
        quads: Sequence[ox.Quad],
        raw: Sequence[tuple[Result, Any, Any, Any]],
        describes: ox.NamedNode,
    ) -> None:
        wanted = {(r[1], r[2], r[3][0]) for r in raw if r[2] is not None and r[3][0] is not None}
        pairs = {(focus, path) for focus, path, _value in wanted}
        self.describing: dict[tuple[Any, Any], set[Any]] = defaultdict(set)
        """(node, property) → the graphs that give it some value."""
        self.holding: dict[tuple[Any, Any, Any], set[Any]] = defaultdict(set)
        """(node, property, value) of a result → the graphs that hold that triple."""
        self.graph_of: dict[Any, Any] = {}
        """Content → the named graph that describes it."""
        for q in quads:
            graph = q.graph_name
            if not isinstance(graph, ox.NamedNode):
                continue
            pair = (q.subject, q.predicate)
            if q.predicate == describes:
                self.graph_of[q.object] = graph
            if pair in pairs:
                self.describing[pair].add(graph)
                triple = (q.subject, q.predicate, q.object)
                if triple in wanted:
                    self.holding[triple].add(graph)

    def told(self, owners: list[ox.NamedNode], focus: Any, path: Any, value: Any) -> list[Any]:
        """The ``owners`` to tell of a result: not those whose graph wrote other values only."""
        if path is None or value is None:
            return list(owners)
        others_only = self.describing.get((focus, path), set()) - self.holding.get(
            (focus, path, value), set()
        )
        kept = [content for content in owners if self.graph_of.get(content) not in others_only]
        return kept or list(owners)


_READ_ONLY = {"rdf": ox.RdfFormat.RDF_XML, "xml": ox.RdfFormat.RDF_XML, "n3": ox.RdfFormat.N3}
"""The extensions of the formats a dump is read in but medigraph does not write, beside
export's own table: not pyoxigraph's guesses, which read ``dump.txt`` (that an export given
``--format`` wrote) as N-Triples."""


def _rdf_format(path: Path, name: str | None) -> ox.RdfFormat:
    """The format ``name`` says (any name a reader knows), else the one the extension says
    in medigraph's own table, as export names its dumps; else the user is asked."""
    from .writers import FORMATS, extension, format_named_by

    if name:
        wanted = name.lower()
        if wanted in FORMATS:
            return FORMATS[wanted].rdf_format
        if wanted == "turtle":
            return ox.RdfFormat.TURTLE
        found = ox.RdfFormat.from_extension(wanted) or ox.RdfFormat.from_media_type(wanted)
        if found is None:
            raise ValidationSetupError(
                f"unknown --graph-format {name!r}; use ttl, nt, trig, nq, jsonld or rdf"
            )
        return found
    named = format_named_by(path)
    if named is not None:
        return named.rdf_format
    ext = extension(path)
    if not ext:  # export writes Turtle under a name without an extension
        return ox.RdfFormat.TURTLE
    if ext in _READ_ONLY:
        return _READ_ONLY[ext]
    raise ValidationSetupError(
        f"cannot tell the RDF format of {path} from .{ext}; give --graph-format (ttl, nt,"
        " trig, nq, jsonld, rdf or n3)"
    )


def _sources(triples: Sequence[ox.Triple], mapper: Mapper) -> dict[ox.NamedNode, str]:
    """Content node → source path, from the graph records in the dump, read by the terms the
    mapping's ``provenance`` names (those the export wrote them with)."""
    prov = mapper.document_spec["provenance"]
    describes = mapper.term(prov["primary_topic"])
    derived = mapper.term(prov["derived_from"])
    source_path = mapper.term(prov["source_path"])
    by_subject: dict[Any, dict[Any, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for t in triples:
        by_subject[t.subject][t.predicate].append(t.object)
    found: dict[ox.NamedNode, str] = {}
    for record, props in by_subject.items():
        for content in props.get(describes, []):
            for source in props.get(derived, []):
                for text in by_subject.get(source, {}).get(source_path, []):
                    if isinstance(text, ox.Literal) and isinstance(content, ox.NamedNode):
                        found[content] = text.value
        del record
    return found


def _owners(
    focus: Any, sources: dict[ox.NamedNode, str], links: dict[Any, set[Any]]
) -> list[ox.NamedNode]:
    """The content items from which ``focus`` is reached (itself, or through links)."""
    if focus in sources:
        return [focus]
    seen = {focus}
    todo = [focus]
    found: set[ox.NamedNode] = set()
    while todo:
        for parent in links.get(todo.pop(), ()):
            if parent in seen:
                continue
            seen.add(parent)
            if parent in sources:
                found.add(parent)
            else:
                todo.append(parent)
    if not found:  # a graph record or source file: the content it describes
        found.update(c for c in sources if focus in links.get(c, ()))
    return sorted(found, key=str)


def _reread(engine: Engine, shown: str, rel: str) -> tuple[Document | None, _Traced | None]:
    doc, _problems = read_document(SourceFile(Path(shown), rel, shown))
    if doc is None:
        return None, None
    mapped = engine.mapper.map(doc)
    owner, nodes = engine.tracer.keys_of(doc)
    return mapped.document, _Traced(mapped.document, mapped, owner, nodes)
