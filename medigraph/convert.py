"""Value converters: how a front-matter value becomes RDF terms.

Each converter is named in ``ontology/mapping.yaml`` (``as: dateTime``) and gets the rule
(with its options from the mapping), so the vocabulary and IRI patterns stay in data.
Lexical forms are written exactly as the editor typed them; a value that does not fit the
datatype is reported as a warning here and as a violation by ``validate``.
"""

from __future__ import annotations

import datetime
import difflib
import functools
import json
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from itertools import groupby
from operator import itemgetter
from urllib.parse import urljoin

import pyoxigraph as ox

from . import iris
from ._version import __version__
from .diagnostics import NOT_A_DATE, Diagnostic, Severity, error, plural, warning
from .documents import (
    HUGO_FALSE,
    HUGO_TRUE,
    MAX_DEPTH,
    Document,
    Value,
    hugo_value,
    is_unpublished,
)
from .mapping import RDF_TYPE, KeyRule, MappedDocument, Mapper, NodeRule, get_parts, get_path
from .text import markdown_to_text, visible_text

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_DATETIME = ox.NamedNode(XSD + "dateTime")
XSD_DATE = ox.NamedNode(XSD + "date")
XSD_INTEGER = ox.NamedNode(XSD + "integer")
XSD_DECIMAL = ox.NamedNode(XSD + "decimal")
XSD_BOOLEAN = ox.NamedNode(XSD + "boolean")
_TRUE = ox.Literal("true", datatype=XSD_BOOLEAN)

_DATETIME = re.compile(
    r"^-?\d{4,}-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$"
)
_DATE = re.compile(r"^(-?\d{4,}-\d{2}-\d{2})(Z|[+-]\d{2}:\d{2})?$")
"""An xsd:date: a day, with or without a timezone (``2023-05-02Z``, ``2023-05-02+05:30``)."""
# A YAML 1.1 timestamp (what PyYAML and Hugo read as a moment) that is not in xsd:dateTime's
# lexical form: a space or lower-case t before the time, one-digit month, day or hour, a
# space before the zone, a zone in hours alone (2001-12-14 21:59:43.10 -5).
_YAML_TIMESTAMP = re.compile(
    r"^(\d{4})-(\d\d?)-(\d\d?)(?:[Tt]|[ \t]+)(\d\d?):(\d\d):(\d\d)(?:\.(\d*))?"
    r"(?:[ \t]*(Z|[+-]\d\d?(?::\d\d)?))?$"
)
_DOMAIN = re.compile(rf"^(?=.{{1,253}}$){iris.DOMAIN}$")
"""A web domain name (:data:`medigraph.iris.DOMAIN`) of at most 253 characters."""
_IRI_FORBIDDEN = re.compile(r"[\x00-\x20<>\"{}|\\^`\x7f]")


Term = ox.NamedNode | ox.Literal
Order = tuple[tuple[int, str], tuple[int, str], str]
"""Where a triple goes in a document's output: ((rank, subject), (0 for rdf:type, predicate),
object), all as N-Triples text. Rank 0 is the document, 1 its graph record, 2 anything else."""


@dataclass(frozen=True, slots=True)
class _Resource:
    """A shared resource (a topic, a person, an organisation) as one document adds it."""

    node: ox.NamedNode
    added: tuple[tuple[Order, ox.Triple], ...]
    shared: tuple[ox.NamedNode, ...]
    subjects: frozenset[str]


VIRTUOSO_IRI_LIMIT = 1879
"""Virtuoso 7.2 gives an IRI longer than this back as its first 1,847 characters and a hash,
in every answer (it still tells such IRIs apart): told where one is made."""
_RESOURCE_LIMIT = 4096
"""Shared resources remembered per mapping; forgetting only costs building them again."""
_PREDICATES: dict[ox.NamedNode, tuple[int, str]] = {}
"""The order of each predicate seen (rdf:type first): a few dozen, the same in every document."""
_PREDICATE_LIMIT = 1024


def _predicate_order(p: ox.NamedNode) -> tuple[int, str]:
    order = _PREDICATES.get(p)
    if order is None:
        if len(_PREDICATES) >= _PREDICATE_LIMIT:
            _PREDICATES.clear()
        order = _PREDICATES[p] = (0 if p == RDF_TYPE else 1, str(p))
    return order


class Emitter:
    """Collects the triples and diagnostics of one document while the rules run."""

    def __init__(
        self, mapper: Mapper, doc: Document, key: str, key_from: str, problems: list[Diagnostic]
    ) -> None:
        self.m = mapper
        self.doc = doc
        self.key = key
        self.key_from = key_from
        self.problems = problems
        # Each triple once, under its place in the output; built as an ox.Triple only at the
        # end (pyoxigraph takes microseconds to build one with a literal object).
        self._added: dict[Order, ox.Triple | tuple[ox.NamedNode, ox.NamedNode, Term]] = {}
        self.shared: set[ox.NamedNode] = set()
        self.spellings: list[tuple[str, str, str]] = []
        self.node_iris: dict[str, ox.NamedNode | None] = {}
        self.misshapen: set[str] = set()
        """Fields naming a node (``id``) given as a list or mapping: reported, once each."""
        self.unnamed_by: str | None = None
        """The key the document's IRI is made from, when given as a list or mapping: already
        told (``Mapper.map``), and nothing written from it."""
        spec = mapper.document_spec
        self.local: set[ox.NamedNode] = set()
        self.subject = self._mint(spec["iri"])
        self.graph_name = self._mint(spec["graph"])
        self._first = (str(self.subject), str(self.graph_name))
        self._subjects: dict[ox.NamedNode, tuple[int, str]] = {self.graph_name: (1, self._first[1])}
        self._subjects[self.subject] = (0, self._first[0])
        self._tell_long(max(self.subject.value, self.graph_name.value, key=len), key_from)

    @property
    def triples(self) -> list[ox.Triple]:
        """The triples added so far (each once), in the order they were first added."""
        return [_triple(added) for added in self._added.values()]

    # -- helpers ---------------------------------------------------------------------------

    def lookup(self, name: str) -> str | None:
        if name == "key":
            return self.key
        if name == "path":
            return self.doc.path
        value = get_path(self.doc.front_matter, name)
        if not isinstance(value, str):
            return None
        # a zero-width space or a soft hyphen alone names nothing, as spaces do
        return "" if iris.blank(value) else value.strip()

    def _keyed(self, pattern: str) -> str:
        """A key that is the file's path keeps its folders as IRI segments, in every IRI made
        from it (a document's, its graph's, its image's): ``sub/x`` is not mdName ``sub/x``."""
        if "{key}" in pattern and self.key_from == "path":
            return pattern.replace("{key}", "{path:key}")
        return pattern

    def _mint(self, pattern: str) -> ox.NamedNode:
        iri = self.m.expand(self._keyed(pattern), self.lookup)
        assert iri is not None  # the key and the path are never empty
        node = ox.NamedNode(iri)
        self.local.add(node)
        return node

    def add(self, s: ox.NamedNode, p: ox.NamedNode, o: Term) -> None:
        subject = self._subjects.get(s)
        if subject is None:
            subject = self._subjects[s] = (2, str(s))
        predicate = _PREDICATES.get(p) or _predicate_order(p)
        self._added.setdefault((subject, predicate, str(o)), (s, p, o))

    def resource(
        self, key: tuple[str, str], build: Callable[[], ox.NamedNode | None]
    ) -> ox.NamedNode | None:
        """A shared resource that ``build`` makes (adding its triples), named by ``key``.

        Its triples depend on nothing but ``key`` and the mapping, and the same topics and
        people recur in thousands of documents: one built without a problem is remembered
        (with its triples made) and replayed. Never when one of its subjects is this
        document or its graph, whose triples are ordered first.
        """
        memo = self.m.resources
        known = memo.get(key)
        if known is not None and self._apart(known.subjects):
            self._added.update(known.added)
            self.shared.update(known.shared)
            return known.node
        outer, outer_shared, problems = self._added, self.shared, len(self.problems)
        self._added, self.shared = {}, set()
        try:
            node = build()
            added = tuple((order, _triple(made)) for order, made in self._added.items())
            shared = tuple(self.shared)
        finally:
            self._added, self.shared = outer, outer_shared
        self._added.update(added)
        self.shared.update(shared)
        subjects = frozenset(order[0][1] for order, _ in added)
        if node is not None and len(self.problems) == problems and self._apart(subjects):
            if len(memo) >= _RESOURCE_LIMIT:
                memo.clear()
            memo[key] = _Resource(node, added, shared, subjects)
        return node

    def _apart(self, subjects: frozenset[str]) -> bool:
        """Whether none of ``subjects`` (N-Triples text) is this document or its graph."""
        return self._first[0] not in subjects and self._first[1] not in subjects

    def report(
        self, severity: Severity, key: str, message: str, code: str, line: int | None = None
    ) -> None:
        make = error if severity is Severity.ERROR else warning
        where = line if line is not None else self.doc.line_of(key)
        self.problems.append(make(self.doc.source, where, key, message, code))

    def _tell_long(self, iri: str, key: str) -> None:
        """Tell of an IRI that Virtuoso would give back shortened (written whole)."""
        if len(iri) > VIRTUOSO_IRI_LIMIT:
            self.report(
                Severity.WARNING,
                key,
                f"makes an IRI of {len(iri):,} characters ({iri[:40]}…); Virtuoso gives one of"
                f" more than {VIRTUOSO_IRI_LIMIT:,} back as its first 1,847 characters and a"
                " hash, so queries there never show the rest",
                "map.iri",
            )

    def named_node(self, iri: str, key: str, typed: str | None = None) -> ox.NamedNode | None:
        """The IRI ``iri``; with ``typed``, the web address the editor wrote, told as one
        ("is not a valid web address: invalid character '[' in host") if it is none."""
        try:
            node = ox.NamedNode(iri)
            self._tell_long(iri, key)
            return node
        except ValueError as exc:
            if typed is None:
                message = f"{iri!r} cannot be made into a valid IRI"
            else:
                reason = str(exc)
                message = f"{typed!r} is not a valid web address: {reason[:1].lower()}{reason[1:]}"
            self.report(Severity.ERROR, key, message, "map.iri")
            return None

    def node(self, name: str) -> ox.NamedNode | None:
        """The IRI of a secondary node, creating its type and link on first use."""
        if name in self.node_iris:
            return self.node_iris[name]
        rule: NodeRule = self.m.nodes[name]
        iri = self.m.expand(self._keyed(rule.iri), self.lookup)
        node = ox.NamedNode(iri) if iri else None
        self.node_iris[name] = node
        if node is not None and "{key}" in rule.iri:
            self.local.add(node)
        if node is not None:
            owner = self.node(rule.owner) if rule.owner else self.subject
            if owner is None:
                self.node_iris[name] = None
                return None
            self.add(node, RDF_TYPE, self.m.term(rule.cls))
            self.add(owner, self.m.term(rule.link), node)
            if "{slug:" in rule.iri:
                self.shared.add(node)
                for field in _slug_fields(rule.iri):
                    written = self.lookup(field)
                    if written and written.strip():
                        self.spellings.append((node.value, written.strip(), field))
        return node

    # -- the run ---------------------------------------------------------------------------

    def run(self, classes: list[str]) -> None:
        for cls in classes:
            self.add(self.subject, RDF_TYPE, self.m.term(cls))
        fm = self.doc.front_matter
        self._check_parents()
        for rule, path in self.m.plan:
            if rule.key == self.unnamed_by:
                continue
            if path is None:
                value: Value = self.doc.body
            else:
                value = fm.get(path[0]) if len(path) == 1 else get_parts(fm, path)
                if value is None and rule.converter == "hugo-boolean":
                    # Hugo's own flag (draft), which Hugo reads in any case: `Draft: true`
                    # is a draft, left out, and with --drafts says medigy:draft true.
                    value = hugo_value(fm, rule.key)
            if (
                value is None
                or value == ""
                or value == []
                or (rule.key in self.m.naming_keys and isinstance(value, str) and iris.blank(value))
            ):
                if path is not None and self.m.named_by.get(rule.key):
                    self._tell_emptied(rule.key, path)
                if rule.converter == "iri" and rule.options.get("same_as"):
                    self._fallback_iri(rule)
                elif rule.converter == "topic":
                    self._fallback_topics(rule)
                elif path is not None and "else" in rule.options:
                    self._stand_in(rule)
                continue
            if "after" in rule.options and self._given_before(rule):
                continue
            subject = self.node(rule.node) if rule.node else self.subject
            if subject is None:
                pattern = self.m.nodes[rule.node].iri if rule.node else ""
                needs = _fields(pattern)
                # the fields that are missing, not one text or not the number the pattern
                # needs, else (an owner missing) all
                lacking = [name for name in needs if not self._fits(pattern, name)]
                belongs, named = "", rule.node or ""
                if not lacking and rule.node:
                    # its own fields are there: a node it belongs to (owner:) is not
                    owner, owner_pattern, lacking = self._missing_owner(rule.node)
                    if owner:
                        belongs, pattern = f"belongs to the {owner}, which ", owner_pattern
                        named = owner
                lacking = lacking or needs
                if self._refuse_misshapen(named, lacking) and rule.key in lacking:
                    continue  # its own error says why nothing is written
                if rule.converter not in ("variant", "integer-pair"):
                    _items(self, rule, value)  # a mapping or nested list is an error all the same
                self.report(
                    Severity.WARNING,
                    rule.key,
                    f"not written: the {rule.node} it describes {belongs}needs "
                    + ", ".join(self._wanted(name, pattern) for name in lacking),
                    "map.node",
                )
                continue
            CONVERTERS[rule.converter](self, rule, subject, value)
        unpublished = self.m.document_spec.get("unpublished")
        if unpublished and is_unpublished(fm, self.doc.path):  # exported with --drafts
            self.add(self.subject, self.m.term(unpublished), _TRUE)
        self._provenance()

    def _missing_owner(self, name: str) -> tuple[str, str, list[str]]:
        """The first node above ``name`` (by ``owner:``) that is not written, its IRI pattern
        and the fields it lacks; ("", "", []) when none is found."""
        owner = self.m.nodes[name].owner
        while owner is not None:
            rule = self.m.nodes[owner]
            if self.node(owner) is None:
                lacking = [field for field in _fields(rule.iri) if not self._fits(rule.iri, field)]
                if lacking:
                    return owner, rule.iri, lacking
            owner = rule.owner
        return "", "", []

    def _given_before(self, rule: KeyRule) -> bool:
        """Whether a key that ``rule``'s key only stands in for is written (``published`` for
        ``publishDate``, as Hugo ranks its names for a date): then Hugo reads that one, and
        this one is told and not written, rather than made a second value the site never
        shows."""
        for other in rule.options["after"]:
            if get_path(self.doc.front_matter, other) not in (None, "", []):
                self.report(
                    Severity.WARNING,
                    rule.key,
                    f"is Hugo's other name for {rule.options['after'][0]}, and {other} is"
                    f" written too: Hugo reads {other}, so {rule.key} is not written; keep one",
                    "map.key",
                )
                return True
        return False

    def _stand_in(self, rule: KeyRule) -> None:
        """A key that is not written, read from the first of the keys Hugo falls back on
        (``else``) that is: Hugo dates a page without ``date`` by its ``publishDate``, else
        its ``lastMod``. That key's own rule writes it too and tells its problems; here they
        would only be told twice, so they are not."""
        key = stand_in_key(self.doc.front_matter, rule)
        if key is None:
            return
        subject = self.node(rule.node) if rule.node else self.subject
        if subject is None:
            return
        told = len(self.problems)
        value = get_path(self.doc.front_matter, key)
        CONVERTERS[rule.converter](self, replace(rule, key=key), subject, value)
        del self.problems[told:]

    def _tell_emptied(self, key: str, path: tuple[str, ...]) -> None:
        """A key written but left empty (or only white space) that names a node (``id:`` for
        the work package): told at its own line, where the editor emptied it, not only at the
        lines of the keys that are not written for want of it."""
        above = (
            get_parts(self.doc.front_matter, path[:-1]) if len(path) > 1 else self.doc.front_matter
        )
        if not isinstance(above, dict) or path[-1] not in above:
            return  # not written at all: the shapes say when it is required
        nodes = " and the ".join(self.m.named_by[key])
        self.report(
            Severity.WARNING,
            key,
            f"is empty, so the {nodes} it names is not written",
            "map.empty",
        )

    def _refuse_misshapen(self, node: str, fields: list[str]) -> bool:
        """Whether any of ``fields`` (what names ``node``) is a list or a mapping: the value
        cannot be represented, an error as for any text given as a list (the README's "a list
        where text is expected"), so the document is left out, in export and validate alike.
        A missing field stays a warning: the shapes say when one is required."""
        found = False
        for name in fields:
            written = get_path(self.doc.front_matter, name)
            if not isinstance(written, list | dict) or not written:
                continue
            found = True
            if name not in self.misshapen:
                self.misshapen.add(name)
                kind = "a list" if isinstance(written, list) else "a mapping"
                self.report(
                    Severity.ERROR,
                    name,
                    f"must be one text, not {kind}: it names the {node}",
                    "map.type",
                )
        return found

    def _fits(self, pattern: str, name: str) -> bool:
        """Whether field ``name`` gives ``pattern`` its part: there, one text, and a whole
        number where the pattern takes ``{number:name}``."""
        text = self.lookup(name)
        if not text:
            return False
        return f"{{number:{name}}}" not in pattern or iris.whole_number(text) is not None

    def _wanted(self, name: str, pattern: str = "") -> str:
        """A field a node needs, and what is wrong with it when it is there (``identifier as
        one text, not a list``, ``featuredImage.workPackage as a whole number``)."""
        written = get_path(self.doc.front_matter, name)
        if isinstance(written, list):
            return f"{name} as one text, not a list"
        if isinstance(written, dict):
            return f"{name} as one text, not a mapping"
        if isinstance(written, str) and written.strip() and f"{{number:{name}}}" in pattern:
            return f"{name} as a whole number"
        return name

    def _check_parents(self) -> None:
        """``link: https://…`` where the mapping reads ``link.href``: an error, not a silent loss."""
        fm = self.doc.front_matter
        for parent in self.m.parents:
            value = get_parts(fm, parent.path)
            if value is None or value == "" or value == [] or isinstance(value, dict):
                continue
            if parent.enclosing is not None and not isinstance(
                get_parts(fm, parent.enclosing), dict
            ):
                continue  # the enclosing key is already reported
            kind = "a list" if isinstance(value, list) else "a single value"
            self.report(
                Severity.ERROR,
                parent.key,
                f"must be a mapping (with {parent.children}), not {kind}",
                "map.type",
            )

    def _fallback_iri(self, rule: KeyRule) -> None:
        """The primary URL key is absent: the first variant that is present stands in for it,
        and the others are checked against it as they would be against the primary key."""
        variants = rule.options["same_as"]
        for other in variants:
            value = get_path(self.doc.front_matter, other)
            if isinstance(value, str) and value.strip():
                convert_iri(
                    self,
                    KeyRule(
                        other,
                        "iri",
                        rule.properties,
                        None,
                        {
                            "schemes": rule.options.get("schemes"),
                            "same_as": [name for name in variants if name != other],
                        },
                    ),
                    self.subject,
                    value,
                )
                return

    def _fallback_topics(self, rule: KeyRule) -> None:
        """No communityTopics: the list OpenProject keeps as their twin stands in."""
        twin, listed = standing_in(self.m, rule, self.doc.front_matter)
        if twin is not None:
            convert_topic(
                self, KeyRule(twin, "topic", rule.properties, None, {}), self.subject, listed
            )

    def _provenance(self) -> None:
        spec = self.m.document_spec
        prov = spec["provenance"]
        source = self._mint(spec["source"])
        g = self.graph_name
        self.add(g, RDF_TYPE, self.m.term(prov["graph_class"]))
        self.add(g, self.m.term(prov["primary_topic"]), self.subject)
        self.add(g, self.m.term(prov["derived_from"]), source)
        # the nodes named by a key the document is keyed by (the work package of `id`), by
        # the mapping's own names for them
        for name in self.m.document_spec["key"]:
            for node_name in self.m.named_by.get(name, ()):
                node = self.node_iris.get(node_name)
                if node is not None:
                    self.add(g, self.m.term(prov["derived_from"]), node)
        self.add(g, self.m.term(prov["generated_by"]), ox.Literal(f"medigraph {__version__}"))
        self.add(source, RDF_TYPE, self.m.term(prov["source_class"]))
        self.add(source, self.m.term(prov["source_path"]), ox.Literal(self.doc.path))
        self.add(source, self.m.term(prov["text_sha256"]), ox.Literal(self.doc.text_sha256))

    def _unknown_keys(self) -> list[str]:
        """The keys the mapping neither maps nor ignores; those that look like a mapped key
        written wrong (a typo, another case, a dotted name at the wrong level) are told to the
        editor, once for a group written wrong (``FeaturedImage:``) rather than per key in it."""
        flags = self.m.hugo_flags
        unmapped = [
            key for key in self.m.unmapped(self.doc.front_matter) if key.lower() not in flags
        ]
        told: set[str] = set()
        again: set[str] = set()
        """Second spellings of a mapped key (`lastmod` beside `lastMod`): told, and not
        counted among the keys the mapping does not know (it knows them)."""
        for key in unmapped:
            if key in self.m.known_keys:  # `link.href:` written as one key with a dot
                parent, _, leaf = key.rpartition(".")
                self.report(
                    Severity.WARNING,
                    key,
                    f"'{key}' is one key with a dot in its name, so it is not written; the"
                    f" mapping reads {leaf} indented under {parent}:",
                    "map.key",
                    self.doc.line_of_dotted_name(key),
                )
                continue
            written, meant = self._meant(key)
            group = written.rpartition(".")[0]
            if written in told or (meant is None and group not in self.m.children_of):
                continue  # at the top, a key far from every mapped one is the site's own
            told.add(written)
            if meant is None and written in self.doc.front_matter:
                # `link.title:` at the top: one key with a dot in its name, not under link
                why = (
                    f"it is one key with a dot in its name, and the mapping reads only"
                    f" {self.m.children_of[group]} indented under {group}:"
                )
            elif meant is None:
                # In a group the mapping reads (link.title): meant for it, and lost in silence
                # but for the count; what the mapping reads there helps the editor.
                why = f"under {group} it reads {self.m.children_of[group]}"
            elif written.lower() == meant.lower():
                # Only when written twice: one alone is read as the mapping's (Hugo's way)
                again.add(written)
                read = "" if meant in self.m.ignored else ", and the graph has the other's value"
                why = (
                    f"it is {meant} again, as Hugo reads keys without case{read}; keep one of them"
                )
            else:
                why = f"did you mean {meant}?"
            below = " (nor anything under it)" if written != key else ""
            head = (
                f"'{written}' is not written{below}"
                if meant is not None and written.lower() == meant.lower()
                else f"'{written}' is not a key the mapping knows, so it is not written{below}"
            )
            self.report(
                Severity.WARNING,
                written,
                f"{head}; {why}",
                "map.key",
                # a top-level key with a dot in its name (`link.title:`) has its own line
                None if written in self.doc.lines else self.doc.line_of_dotted_name(written),
            )
        if again:
            unmapped = [
                k for k in unmapped if not any(k == w or k.startswith(w + ".") for w in again)
            ]
        return unmapped

    def _meant(self, key: str) -> tuple[str, str | None]:
        """(the part of ``key`` written wrong, the mapped key or group meant there, if any):
        ``FeaturedImage.alt`` is the group ``FeaturedImage`` written for ``featuredImage``.

        Each level is compared with the names the mapping knows at that level, so a group
        written wrong is told once, at its own line, not once per key below it."""
        parts = key.split(".")
        known = self.m.known_keys | self.m.known_parents
        for depth in range(1, len(parts) + 1):
            written = ".".join(parts[:depth])
            if written in known:
                continue
            if depth == 1 and _hugos_own(written, self.m.known_keys):
                return written, None  # Hugo's own (resources): not a Medigy key written wrong
            above = ".".join(parts[: depth - 1])
            siblings = [
                name
                for name in known
                if name.count(".") == depth - 1 and name.rpartition(".")[0] == above
            ]
            return written, _close_name(written, siblings)
        return key, None

    def result(self) -> MappedDocument:
        """The document's triples in output order: the document, its graph record, then the
        rest by subject; within a subject rdf:type first, then by predicate and object."""
        unmapped = self._unknown_keys()
        added = self._added
        shared = {str(node) for node in self.shared}
        triples: list[ox.Triple] = []
        own: list[ox.Triple] = []
        by_subject: list[tuple[str, list[ox.Triple]]] = []
        # Sorted, the triples of each subject are together: one step per subject, not per triple.
        for (_rank, subject), run in groupby(sorted(added), itemgetter(0)):
            made = [_triple(added[order]) for order in run]
            triples += made
            if subject in shared:
                by_subject.append((subject, made))
            else:
                own += made
        by_subject.sort(key=itemgetter(0))
        return MappedDocument(
            self.doc,
            self.subject,
            self.graph_name,
            triples,
            frozenset(self.shared),
            sorted(self.problems, key=Diagnostic.sort_key),
            unmapped,
            (own, [made for _subject, made in by_subject]),
            self.spellings,
            frozenset(self.local),
        )


_HUGO_KEYS = frozenset(
    {
        "aliases",
        "build",
        "cascade",
        "date",
        "description",
        "draft",
        "expirydate",
        "headless",
        "iscjklanguage",
        "keywords",
        "lastmod",
        "layout",
        "linktitle",
        "markup",
        "menus",
        "outputs",
        "params",
        "publishdate",
        "pubdate",
        "resources",
        "sitemap",
        "slug",
        "summary",
        "title",
        "translationkey",
        "type",
        "url",
        "weight",
    }
)
"""Hugo's own front-matter keys (in lower case: Hugo reads keys without case): a key the
mapping does not know but Hugo does is left unmapped quietly, never offered as a typo of a
Medigy key (``resources`` is not ``source``). They are still counted in the coverage."""


def _hugos_own(key: str, known: Iterable[str]) -> bool:
    """Whether ``key`` is one of Hugo's own keys that the mapping does not know under another
    case (``lastmod`` is the mapping's ``lastMod`` written as Hugo allows: worth a hint)."""
    top = key.partition(".")[0].lower()
    return top in _HUGO_KEYS and all(name.lower() != top for name in known)


def _close_name(written: str, names: Iterable[str]) -> str | None:
    """The one of ``names`` (keys of one group, or top-level keys) that ``written`` most
    likely means: the same name in another case (Hugo reads keys without case), else, for a
    short name (five letters or fewer, where difflib's measure misses a slip), two
    neighbouring letters swapped (``tgas``, ``di``), else one close by difflib's measure
    (``titel``, ``link.hreff``). Every comparison is without case, as Hugo reads keys (a
    typo written in lower case, ``lastmdo``, is ``lastMod``'s as much as ``lastMdo`` is); the
    name meant is given as the mapping spells it. Only the last names are compared: the group
    they share (``openProjectCustomFields.``) would make any two keys in it look alike."""
    folded = written.lower()
    leaf = written.rpartition(".")[2]
    by_leaf = {name.rpartition(".")[2]: name for name in sorted(names)}
    for name in by_leaf.values():
        if name.lower() == folded:
            return name
    short = [
        name
        for last, name in by_leaf.items()
        if len(last) <= 5 and _swapped(leaf.lower(), last.lower())
    ]
    if short:
        return max(
            short,
            key=lambda name: difflib.SequenceMatcher(
                None, leaf.lower(), name.rpartition(".")[2].lower()
            ).ratio(),
        )
    # Without case, as Hugo reads keys: `lastmdo` is as close to lastMod as `lastMdo` is.
    by_folded = {last.lower(): name for last, name in by_leaf.items()}
    close = difflib.get_close_matches(leaf.lower(), list(by_folded), n=1, cutoff=0.8)
    return by_folded[close[0]] if close else None


def _swapped(written: str, name: str) -> bool:
    """Whether ``written`` is ``name`` with two neighbouring letters swapped (``tgas``,
    ``di``): the slip of a fast typist. A letter added, dropped or changed is not taken for
    one in a short name: ``data``, ``uid`` and ``dates`` are as likely a site's own keys."""
    if len(written) != len(name) or written == name:
        return False
    diff = [i for i, (a, b) in enumerate(zip(written, name, strict=True)) if a != b]
    return (
        len(diff) == 2
        and diff[1] == diff[0] + 1
        and written[diff[0]] == name[diff[1]]
        and written[diff[1]] == name[diff[0]]
    )


@functools.cache
def _slug_fields(pattern: str) -> tuple[str, ...]:
    """The keys whose folded value makes an IRI pattern: ``identifier`` in
    ``community/{slug:identifier}``."""
    return tuple(re.findall(r"\{slug:([^{}]+)\}", pattern))


def _fields(pattern: str) -> list[str]:
    return [name for name in re.findall(r"\{(?:\w+:)?([^{}]+)\}", pattern) if name != "key"]


def _triple(made: ox.Triple | tuple[ox.NamedNode, ox.NamedNode, Term]) -> ox.Triple:
    return made if isinstance(made, ox.Triple) else ox.Triple(*made)


# -- converters -------------------------------------------------------------------------------

Converter = Callable[[Emitter, KeyRule, ox.NamedNode, Value], None]


_LISTS = frozenset({"person", "topic"})
"""Converters of keys that hold a list (``author``, ``communityTopics``), as ``items:`` says
of ``tags``: a mapping there is told as no list, not as no text."""


def _items(em: Emitter, rule: KeyRule, value: Value) -> list[tuple[str, str]]:
    """(key, text) for a scalar or for each item of a list of scalars; others are reported."""
    if isinstance(value, dict) and (rule.converter in _LISTS or "items" in rule.options):
        em.report(
            Severity.ERROR,
            rule.key,
            "must be a list, each item on a line of its own starting with '- ', not a mapping"
            " of 'key: value' lines",
            "map.type",
        )
        return []
    return _items_of(em, rule.key, value)


def _items_of(em: Emitter, name: str, value: Value) -> list[tuple[str, str]]:
    """:func:`_items` for a value written at key ``name`` (``communityTopics[0]`` for a JSON
    list written as one item: its items are ``communityTopics[0][1]``…)."""
    values = value if isinstance(value, list) else [value]
    out = []
    for index, item in enumerate(values):
        key = f"{name}[{index}]" if isinstance(value, list) else name
        if item is None or item == "":
            if isinstance(value, list):
                _empty_item(em, key)
            continue
        if not isinstance(item, str):
            kind = "a list" if isinstance(item, list) else "a mapping"
            em.report(Severity.ERROR, key, f"must be text, not {kind}", "map.type")
            continue
        out.append((key, item))
    return out


def _empty_item(em: Emitter, key: str) -> None:
    """An item of a list left empty (``- ``, ``- ''``, ``- #…``) or, where a name is meant, of
    only white space: nothing is written for it, which the editor is told at its line."""
    if key.endswith("]"):
        em.report(Severity.WARNING, key, "is an empty item; it is left out", "map.empty")


def convert_text(em: Emitter, rule: KeyRule, subject: ox.NamedNode, value: Value) -> None:
    prop = em.m.term_iri(rule.properties[0])
    if isinstance(value, str):  # most keys: one text, nothing to check
        if value:
            if "items" in rule.options:
                _one_of_several(em, rule.key, value, str(rule.options["items"]))
            em.add(subject, prop, ox.Literal(value))
        return
    for _key, text in _items(em, rule, value):
        if text:
            em.add(subject, prop, ox.Literal(text))


def _one_of_several(em: Emitter, key: str, text: str, noun: str) -> None:
    """A key that holds a list of ``noun`` (``items: tag`` in the mapping) given one text
    holding commas or semicolons (``tags: news, telehealth``): a list typed as on a form, but
    one tag, as Hugo shows it; told at its line, as two authors in one item are."""
    marks = [name for mark, name in ((",", "commas"), (";", "semicolons")) if mark in text]
    if marks:
        em.report(
            Severity.WARNING,
            key,
            f"{text.strip()!r} holds {' and '.join(marks)}, but is one text, so it is written"
            f" as one {noun}; write {key} as a list, one {noun} per item",
            "map.list",
        )


def _name(em: Emitter, key: str, text: str) -> str:
    """The name of a shared thing (community, publisher, person, topic) as written, without
    the spaces around it, which are never part of a name: one that has some is told, since
    queries would otherwise show (and match) it with them."""
    name = text.strip()
    if text and iris.blank(name):  # typed, but nothing a reader sees
        if key.endswith("]"):
            return ""  # an item: told as an empty one by the caller
        em.report(
            Severity.WARNING,
            key,
            f"{text!r} shows nothing (only spaces or invisible characters); it names nothing"
            " and is left out",
            "map.empty",
        )
        return ""
    if name != text and name:
        em.report(
            Severity.WARNING,
            key,
            f"{text!r} has spaces around it; written as {name!r}",
            "map.spaces",
        )
    return name


def convert_name(em: Emitter, rule: KeyRule, subject: ox.NamedNode, value: Value) -> None:
    """The name of a shared thing: as written, the spaces around it aside (:func:`_name`)."""
    prop = em.m.term_iri(rule.properties[0])
    if isinstance(value, str) and "items" in rule.options:
        _one_of_several(em, rule.key, value, str(rule.options["items"]))
    for key, text in _items(em, rule, value):
        if name := _name(em, key, text):
            em.add(subject, prop, ox.Literal(name))


def convert_html_text(em: Emitter, rule: KeyRule, subject: ox.NamedNode, value: Value) -> None:
    """HTML reduced to its visible text."""
    _visible_text(em, rule, subject, value, visible_text)


def convert_markdown_text(em: Emitter, rule: KeyRule, subject: ox.NamedNode, value: Value) -> None:
    """Markdown (with the raw HTML it allows) rendered as Hugo renders it, then reduced to
    its visible text."""
    _visible_text(em, rule, subject, value, markdown_to_text)


def _visible_text(
    em: Emitter,
    rule: KeyRule,
    subject: ox.NamedNode,
    value: Value,
    reduce: Callable[[str], tuple[str, tuple[str, int] | None]],
) -> None:
    for key, text in _items(em, rule, value):
        plain, unclosed = reduce(text)
        if unclosed is not None:
            tag, at = unclosed
            em.report(
                Severity.WARNING,
                key,
                f"<{tag}> is never closed, so all the text after it is hidden (as a browser"
                f" hides it); close it with </{tag}>, or write &lt;{tag}&gt; if it is meant as"
                " text",
                "map.text",
                em.doc.body_line + at if rule.key == "body" else None,
            )
        if plain:
            em.add(subject, em.m.term_iri(rule.properties[0]), ox.Literal(plain))


def convert_datetime(em: Emitter, rule: KeyRule, subject: ox.NamedNode, value: Value) -> None:
    for key, typed in _items(em, rule, value):
        text = typed
        match = _DATETIME.match(text)
        is_date = _DATE.match(text) is not None
        if match is None and not is_date and (xsd_form := _xsd_datetime(text)) is not None:
            # The same moment in the form RDF requires, so that it compares and sorts.
            text, match = xsd_form, _DATETIME.match(xsd_form)
            zone = (
                ""
                if match and match.group(7)
                else "; it has no timezone: add Z for UTC or an offset such as +05:30"
            )
            em.report(
                Severity.WARNING,
                key,
                f"{typed!r} is written as {text}, the xsd:dateTime form of the same moment{zone}",
                "map.datetime",
            )
        elif not _real_calendar_value(text, is_date, match):
            like = "date like 2021-02-17" if is_date else "date and time like 2021-02-17T04:49:37Z"
            em.report(Severity.WARNING, key, f"{text!r} is not a real {like}", NOT_A_DATE)
        elif (fraction := _FRACTION.search(text)) is not None and len(fraction.group(0)) > 19:
            em.report(
                Severity.WARNING,
                key,
                f"{text}: SPARQL stores hold at most 18 digits of a second's fraction, and leave"
                " this moment out of every date comparison; write fewer",
                "map.datetime",
            )
        elif text.startswith("-") or len(text.split("-", 1)[0]) > 4:
            em.report(
                Severity.WARNING,
                key,
                f"{text}: a year before 1 or after 9999 is a valid date, but rdflib, and so"
                " validate, cannot read it (validate refuses it); SPARQL stores can"
                + (
                    ", but Virtuoso writes a year before 1 with 3 digits (-044)"
                    if text.startswith("-")
                    else ""
                ),
                "map.datetime",
            )
        elif "T24:00:00" in text:
            em.report(
                Severity.WARNING,
                key,
                f"{text}: 24:00:00 is the end of the day, which SPARQL stores read as 00:00:00"
                f" of the next day and validate refuses; write {_next_midnight(text)} instead",
                "map.datetime",
            )
        elif text.endswith("-00:01"):
            em.report(
                Severity.WARNING,
                key,
                f"{text}: Oxigraph (the embedded store, an Oxigraph server) keeps the offset"
                " -00:01 as no timezone at all, and the queries then read the moment as UTC, a"
                " minute off (a date) or without its timezone; write it in UTC or another offset",
                "map.timezone",
            )
        elif text.endswith("-00:00"):
            em.report(
                Severity.WARNING,
                key,
                f"{text}: the offset -00:00 is UTC, as Z is, but Virtuoso keeps it as no"
                " timezone at all, another moment to its queries; write Z",
                "map.timezone",
            )
        elif is_date:
            em.report(
                Severity.WARNING, key, f"{text} has no time of day; written as a date", "map.date"
            )
            # (a date's timezone, 2023-05-02Z, is its own: no map.timezone for one without)
        elif match is not None and match.group(7) is None:
            em.report(
                Severity.WARNING,
                key,
                f"{text} has no timezone; add Z for UTC or an offset such as +05:30",
                "map.timezone",
            )
        elif fraction is not None and len(fraction.group(0)) > 7:
            em.report(
                Severity.WARNING,
                key,
                f"{text}: Virtuoso keeps 6 digits of a second's fraction and drops the others,"
                " a moment earlier to its queries; write at most 6",
                "map.datetime",
            )
        datatype = XSD_DATE if is_date else XSD_DATETIME
        em.add(subject, em.m.term_iri(rule.properties[0]), ox.Literal(text, datatype=datatype))


def _next_midnight(text: str) -> str:
    """``2021-02-17T24:00:00Z`` as the moment it is, ``2021-02-18T00:00:00Z`` (the fraction
    and the zone as typed); the next day in words where Python has no such date."""
    day, _, rest = text.partition("T24:00:00")
    try:
        following = datetime.date.fromisoformat(day) + datetime.timedelta(days=1)
    except (ValueError, OverflowError):
        return "00:00:00 of the next day"
    return f"{following.isoformat()}T00:00:00{rest}"


def _xsd_datetime(text: str) -> str | None:
    """A YAML timestamp that xsd:dateTime does not accept, in the form it does; else None."""
    found = _YAML_TIMESTAMP.match(text)
    if found is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = found.groups()
    xsd = f"{year}-{month:0>2}-{day:0>2}T{hour:0>2}:{minute}:{second}"
    if fraction:
        xsd += "." + fraction
    if zone and zone != "Z":
        hours, _, minutes = zone[1:].partition(":")
        zone = f"{zone[0]}{hours:0>2}:{minutes or '00'}"
    xsd += zone or ""
    return xsd if _real_calendar_value(xsd, False, _DATETIME.match(xsd)) else None


def _real_calendar_value(text: str, is_date: bool, match: re.Match[str] | None) -> bool:
    """Shape and ranges: 2026-13-45 is shaped like a date but is none."""
    if not is_date and match is None:
        return False
    try:
        if is_date:
            day, zone = _DATE.match(text).groups()  # type: ignore[union-attr]
            datetime.date.fromisoformat(day)
            if zone and not iris.zone_in_range(zone):
                return False  # +15:00 is no timezone
        else:
            # 24:00:00 is valid xsd:dateTime but not Python; years beyond 9999 likewise.
            moment = datetime.datetime.fromisoformat(text.replace("T24:00:00", "T00:00:00"))
            offset = moment.utcoffset()
            if offset is not None and abs(offset) > datetime.timedelta(hours=14):
                return False  # +15:00: Python reads it, xsd:dateTime (and every store) not
    except ValueError:
        return text.startswith("-") or len(text.split("-", 1)[0]) > 4
    return True


_FRACTION = re.compile(r"\.[0-9]+")
"""A second's fraction in a date and time (``.785753``; ``.`` counted)."""


def _integer(em: Emitter, key: str, text: str) -> ox.Literal:
    """An ``xsd:integer`` in its canonical form (``04557``, ``+4557``, `` 4557`` and ``٤٥٥٧``
    are ``4557``): every reader then sees the same term (rdflib normalises the lexical form,
    Oxigraph keeps it and cannot compare `` 4557``), and the work package's IRI and number
    agree. Other text is told, and written as it is (``validate`` makes it a violation)."""
    number = iris.whole_number(text)
    if number is not None:
        if len(number) > 20 or not iris.INT64[0] <= int(number) <= iris.INT64[1]:
            em.report(
                Severity.WARNING,
                key,
                f"{number} is beyond the 64-bit whole numbers SPARQL stores hold: every numeric"
                " comparison leaves it out",
                "map.integer",
            )
        return ox.Literal(number, datatype=XSD_INTEGER)
    em.report(Severity.WARNING, key, f"{text!r} is not a whole number", "map.integer")
    return ox.Literal(text, datatype=XSD_INTEGER)


_DECIMAL = re.compile(r"([+-]?)0*([0-9]*)(?:\.([0-9]*?)0*)?\Z", re.ASCII)


def convert_decimal(em: Emitter, rule: KeyRule, subject: ox.NamedNode, value: Value) -> None:
    """An ``xsd:decimal`` (a price, ``499.99``) in its canonical form (``+012.50`` is
    ``12.5``), as Oxigraph keeps it and rdflib reads it; other text (``1,200``, ``1e3``, which
    xsd:decimal does not allow) is told, and written as it is, as for ``integer``."""
    for key, text in _items(em, rule, value):
        match = _DECIMAL.match(text.strip())
        if match is None or (not any(match.group(2, 3)) and "0" not in text):
            em.report(
                Severity.WARNING, key, f"{text!r} is not a number (like 499.99)", "map.decimal"
            )
            em.add(
                subject, em.m.term_iri(rule.properties[0]), ox.Literal(text, datatype=XSD_DECIMAL)
            )
            continue
        sign, whole, fraction = match.group(1, 2, 3)
        number = (whole or "0") + (f".{fraction}" if fraction else "")
        if sign == "-" and number != "0":
            number = "-" + number
        em.add(subject, em.m.term_iri(rule.properties[0]), ox.Literal(number, datatype=XSD_DECIMAL))


def convert_integer(em: Emitter, rule: KeyRule, subject: ox.NamedNode, value: Value) -> None:
    for key, text in _items(em, rule, value):
        em.add(subject, em.m.term_iri(rule.properties[0]), _integer(em, key, text))


def convert_integer_pair(em: Emitter, rule: KeyRule, subject: ox.NamedNode, value: Value) -> None:
    wanted = len(rule.properties)
    items = _items(em, rule, value) if isinstance(value, list) else []
    if not isinstance(value, list) or (len(value) != wanted and len(items) != wanted):
        names = " and ".join(p.rsplit("/", 1)[-1] for p in rule.properties)
        em.report(
            Severity.ERROR, rule.key, f"must be a list of {wanted} numbers ({names})", "map.type"
        )
        return
    # An empty item is left out and told (map.empty), as in any list: in a list of two, by
    # position (['', 1200] is the height alone); an extra empty one ([2732, 1200, '']) aside.
    for index, (key, text) in enumerate(items):
        at = int(key[key.rindex("[") + 1 : -1]) if len(value) == wanted else index
        em.add(subject, em.m.term_iri(rule.properties[at]), _integer(em, key, text))


def convert_boolean(em: Emitter, rule: KeyRule, subject: ox.NamedNode, value: Value) -> None:
    for key, text in _items(em, rule, value):
        if text not in ("true", "false", "1", "0"):  # xsd:boolean's lexical space
            em.report(Severity.WARNING, key, f"{text!r} is not true or false", "map.boolean")
        em.add(subject, em.m.term_iri(rule.properties[0]), ox.Literal(text, datatype=XSD_BOOLEAN))


def convert_hugo_boolean(em: Emitter, rule: KeyRule, subject: ox.NamedNode, value: Value) -> None:
    """A flag Hugo reads (``draft``): one value, read as Hugo reads it (``t``, ``TRUE``, ``1``
    are true), written as ``true`` or ``false``. A list is an error (is a page with
    ``draft: [true]`` a draft?); a value Hugo does not read as either is told, not written."""
    if isinstance(value, (list, dict)):
        kind = "a list" if isinstance(value, list) else "a mapping"
        em.report(Severity.ERROR, rule.key, f"must be true or false, not {kind}", "map.type")
        return
    text = value.strip() if isinstance(value, str) else ""
    if text in HUGO_TRUE or text in HUGO_FALSE:
        flag = "true" if text in HUGO_TRUE else "false"
        em.add(subject, em.m.term_iri(rule.properties[0]), ox.Literal(flag, datatype=XSD_BOOLEAN))
        return
    em.report(
        Severity.WARNING,
        rule.key,
        f"{text!r} is not true or false: Hugo reads it as false (the page is published); not"
        " written",
        "map.boolean",
    )


_AUTHORITY = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*")
_STRAY_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_PLAIN_URL = re.compile(r"[A-Za-z0-9\-._~:/?@!$&'()*+,;=]*(?:#[A-Za-z0-9\-._~:/?@!$&'()*+,;=]*)?")
"""ASCII a URL may hold as is, no ``%``, no brackets, at most one ``#``: to_iri keeps it as typed."""


def _percent(char: str) -> str:
    return "".join(f"%{b:02X}" for b in char.encode("utf-8", "surrogatepass"))


def to_iri(text: str) -> str:
    """A URL as typed, with the characters an IRI cannot hold percent-encoded.

    Besides spaces and the other characters no IRI may hold, that covers a ``%`` not followed
    by two hex digits, ``[``/``]`` outside the host, a second ``#`` and non-ASCII characters
    RFC 3987 does not allow (bidirectional formatting characters, private use, non-characters,
    lone surrogates), or that are spaces all the same (a no-break space pasted from a web page,
    U+3000, U+2028) — in the host as in the path.
    """
    if _PLAIN_URL.fullmatch(text.strip()):  # the common case: nothing to encode, no loop
        return text.strip()
    text = _STRAY_PERCENT.sub("%25", text.strip())
    authority = _AUTHORITY.match(text)
    start = authority.end() if authority else 0
    # The host as the path: RFC 3987's ireg-name holds pct-encoded but no bidi mark, private
    # use or space, so a left-to-right mark pasted after the domain is encoded (and told), not
    # written raw into an IRI no reader should accept. Brackets stay: they enclose an IPv6 host.
    out = [_percent(char) if _not_in_iri(char) else char for char in text[:start]]
    fragment = False
    for char in text[start:]:
        if char == "#" and not fragment:
            fragment = True
            out.append(char)
        elif char in "[]#" or _not_in_iri(char):
            out.append(_percent(char))
        else:
            out.append(char)
    return "".join(out)


def _not_in_iri(char: str) -> bool:
    """Whether an IRI cannot hold ``char`` as is: a space, a control or a delimiter no IRI
    holds, or a character beyond ASCII that RFC 3987 leaves out (a bidirectional formatting
    character, private use) or that is a space all the same (a no-break space)."""
    return bool(_IRI_FORBIDDEN.match(char)) or (
        ord(char) > 0x7F and (char.isspace() or not iris.is_ucschar(char))
    )


def resolve_reference(base: str, reference: str) -> str:
    """``reference`` resolved against ``base`` as RFC 3986 §5.2 says, by pyoxigraph's IRI
    parser (that of a Turtle document with ``base`` as its base; faster than ``urljoin``).

    ``urljoin`` is not the RFC's: it drops empty path segments (``images//a.jpeg``) and reads
    ``.;p`` as the dot-segment ``.`` with parameters, where the RFC has a segment ``.;p``."""
    try:
        parsed = ox.parse(
            f"<{reference}> <urn:x> <urn:x> .", format=ox.RdfFormat.TURTLE, base_iri=base
        )
        subject = next(iter(parsed)).subject
    except (SyntaxError, ValueError, StopIteration):  # not an IRI reference: as before
        return urljoin(base, reference)
    return subject.value if isinstance(subject, ox.NamedNode) else urljoin(base, reference)


def convert_iri(em: Emitter, rule: KeyRule, subject: ox.NamedNode, value: Value) -> None:
    for key, text in _items(em, rule, value):
        candidate = encoded = to_iri(text)
        relative_to = rule.options.get("relative_to")
        resolved = bool(relative_to) and not iris.is_absolute_iri(candidate)
        if resolved and not candidate.startswith("/") and _not_one_folder(em, key, text, rule):
            continue
        if resolved:
            # A URL reference, resolved as a browser on the page would (RFC 3986): a query,
            # a fragment and %XX escapes are kept, / starts at the site's root, ../ goes up.
            folder = to_iri(em.lookup(str(relative_to)) or "").replace("?", "%3F")
            folder = _without_dot_segments(folder.replace("#", "%23").strip("/"))
            candidate = resolve_reference(em.m.base + (folder + "/" if folder else ""), candidate)
        if not iris.is_absolute_iri(candidate):
            em.report(Severity.ERROR, key, f"{text!r} is not a web address (https://…)", "map.iri")
            continue
        schemes = rule.options.get("schemes")
        if schemes and candidate.split(":", 1)[0].lower() not in schemes:
            allowed = " or ".join(f"{scheme}://" for scheme in schemes)
            em.report(Severity.ERROR, key, f"{text!r} is not a web address ({allowed}…)", "map.iri")
            continue
        port = _port(candidate)
        if port is not None and (len(port.lstrip("0")) > 5 or int(port) > _MAX_PORT):
            # RFC 3986 lets a port be any digits; no client reaches one past 65535 (and
            # thousands of digits are not made a number, which Python refuses)
            em.report(
                Severity.ERROR,
                key,
                f"{text!r} is not a valid web address: port {port} is out of range (0-65535)",
                "map.iri",
            )
            continue
        node = em.named_node(candidate, key, text)  # an error when even encoded it is no IRI
        if node is not None and encoded != text.strip():
            em.report(
                Severity.WARNING,
                key,
                f"address contains characters not allowed in a URL; written as {candidate}",
                "map.iri",
            )
        if node is None:
            continue  # told; its variants are not compared with what is not used
        em.add(subject, em.m.term_iri(rule.properties[0]), node)
        for other in rule.options.get("same_as", []):
            _compare_variant(em, key, text, other)


_MAX_PORT = 65535
_PORT = re.compile(
    r"^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#@]*@)?(?:\[[^\]/?#]*\]|[^:/?#\[\]]*):([0-9]+)(?=[/?#]|$)"
)


def _port(iri: str) -> str | None:
    """The port ``iri`` names (its digits as written), if its authority names one."""
    match = _PORT.match(iri)
    return match.group(1) if match else None


def _without_dot_segments(folder: str) -> str:
    """``folder`` (a page's folder, below the base) with its ``.`` and ``..`` segments
    removed as RFC 3986 §5.2.4 removes them from a path: a ``..`` takes the segment before it
    away, and one with none before it is dropped, so a ``basePath`` never leads above the
    site's root (``../../../`` is the root itself), as ``../`` in the address never does."""
    segments = folder.split("/")
    if "." not in segments and ".." not in segments:  # the common case: as written
        return folder
    kept: list[str] = []
    for segment in segments:
        if segment == "..":
            if kept:
                kept.pop()
        elif segment != ".":
            kept.append(segment)
    return "/".join(kept).strip("/")


def _not_one_folder(em: Emitter, key: str, text: str, rule: KeyRule) -> bool:
    """Whether the key a relative address is resolved against (``basePath``) is a list:
    which folder the page is in is unknown, so the address is too (it is not resolved
    against the site's root instead); told at that key's line, as an error. (A mapping is
    already one, where that key is read as text.)"""
    relative_to = str(rule.options["relative_to"])
    folder = get_path(em.doc.front_matter, relative_to)
    if not isinstance(folder, list) or not folder:
        return False
    em.report(
        Severity.ERROR,
        relative_to,
        f"must be one text, not a list: {key} ({text.strip()}) is resolved against it",
        "map.type",
    )
    return True


def _compare_variant(em: Emitter, key: str, text: str, other: str) -> None:
    variant = get_path(em.doc.front_matter, other)
    if isinstance(variant, str) and variant.strip() and variant.strip() != text.strip():
        em.report(
            Severity.WARNING,
            other,
            f"{variant.strip()} differs from {key} ({text.strip()}); {key} is used",
            "map.url-variant",
        )


def convert_variant(em: Emitter, rule: KeyRule, subject: ox.NamedNode, value: Value) -> None:
    """Checked (and used as a fallback) by the key it is a variant of; nothing to write."""
    if value is not None and not isinstance(value, str):
        em.report(Severity.ERROR, rule.key, "must be a single web address", "map.type")


def convert_json_list(em: Emitter, rule: KeyRule, subject: ox.NamedNode, value: Value) -> None:
    """A list kept as OpenProject keeps custom fields, a JSON array in a string (or written as
    a YAML list, or one item): checked against its twin key, which it stands in for."""
    if _json_but_no_list(value):
        em.report(
            Severity.WARNING, rule.key, "is written like JSON but is no JSON list", "map.json"
        )
        return
    twin_key = rule.options.get("same_as_key")
    if not twin_key:
        return
    separator = em.m.kinds.get("topic", {}).get("separator", ":")
    listed = _as_topics(_as_list(value), separator)
    twin = _as_topics(_used_items(get_path(em.doc.front_matter, twin_key)), separator)
    if listed is not None and twin is not None and not _same_topics(listed, twin):
        em.report(
            Severity.WARNING,
            rule.key,
            f"differs from {twin_key}{_difference(listed, twin, twin_key)}; {twin_key} is used",
            "map.json",
        )


def _used_items(value: Value) -> list[Value] | None:
    """The items of a twin key (communityTopics) that its converter uses, as
    :func:`_as_list` gives them but without what it rejects (told at its own line): a
    mapping, text written like JSON that is no list, an item that is a list or a mapping,
    an empty item. None when nothing of it is used: then it is not what "is used", and
    nothing is compared with it."""
    if isinstance(value, dict) or _json_but_no_list(value):
        return None
    items: list[Value] = [
        item for item in _as_list(value) or [] if isinstance(item, str) and not iris.blank(item)
    ]
    return items or None


def _as_topics(listed: list[Value] | None, separator: str) -> list[Value] | None:
    """``listed`` with each text that holds several topics (:func:`several_topics`) as those
    topics, as ``convert_topic`` reads it: compared so, ``'KLAS: Telehealth, Medigy: X'`` is
    the list it was meant as, not one topic that differs from every list."""
    if listed is None:
        return None
    out: list[Value] = []
    for item in listed:
        topics = several_topics(item, separator) if isinstance(item, str) else None
        out += topics or [item]
    return out


def _same_topics(listed: list[Value], twin: list[Value]) -> bool:
    """Whether two lists hold the same topics, in any order and however often each is
    written: the graph's are a set (schema:about has no order), the same from either key."""
    return {repr(item) for item in listed} == {repr(item) for item in twin}


def _difference(listed: list[Value], twin: list[Value], twin_key: str) -> str:
    """What tells two lists of topics apart, as `` (communityTopics lacks 'KLAS: x'; only
    communityTopics has 'KLAS: y')``: which of the two lost a topic is the editor's to say,
    so neither is blamed. Empty when only items that are no text differ."""
    ours = [item for item in listed if isinstance(item, str) and item not in twin]
    theirs = [item for item in twin if isinstance(item, str) and item not in listed]
    parts = []
    if ours:
        parts.append(f"{twin_key} lacks " + ", ".join(repr(item) for item in ours))
    if theirs:
        parts.append(f"only {twin_key} has " + ", ".join(repr(item) for item in theirs))
    return f" ({'; '.join(parts)})" if parts else ""


def _as_list(value: Value) -> list[Value] | None:
    """The items of a key that may hold a list: a YAML list, a JSON list in a string, or one
    value (``communityTopics: 'KLAS: Telehealth'`` is a list of one); None when empty."""
    if value is None or value == "" or value == []:
        return None
    listed = _json_list(value)
    if listed is not None:
        return listed
    return value if isinstance(value, list) else [value]


def convert_media_type(em: Emitter, rule: KeyRule, subject: ox.NamedNode, value: Value) -> None:
    table = em.m.media_types
    for key, text in _items(em, rule, value):
        media = table.get(text.upper()) or (text if "/" in text else None)
        if media is None:
            em.report(
                Severity.WARNING,
                key,
                f"unknown image format {text!r}; written as typed",
                "map.media-type",
            )
            media = text
        em.add(subject, em.m.term_iri(rule.properties[0]), ox.Literal(media))


def convert_work_package(em: Emitter, rule: KeyRule, subject: ox.NamedNode, value: Value) -> None:
    spec = em.m.kinds["work-package"]
    for key, text in _items(em, rule, value):
        number = iris.whole_number(text)
        if number is None:
            # Work packages are numbered: a link to "4557-b" would name one that cannot be.
            em.report(
                Severity.WARNING,
                key,
                f"{text!r} is not a work-package number (a whole number); not written",
                "map.integer",
            )
            continue
        iri = em.m.expand(spec["iri"], lambda name, t=text: t if name == "value" else None)  # type: ignore[misc]
        if iri:
            node = em.named_node(iri, key)
            if node is not None:
                em.add(subject, em.m.term_iri(rule.properties[0]), node)
                if "class" in spec:
                    em.add(node, RDF_TYPE, em.m.term(spec["class"]))
                    # canonical, and told when beyond 64 bits, as the document's own id is
                    em.add(node, em.m.term(spec["number"]), _integer(em, key, text))


def _organization(em: Emitter, name: str, key: str) -> ox.NamedNode | None:
    """The organisation ``name`` names; a web site's the same however its domain is written
    (``https://www.x.com/``, ``x.com.``, ``www.x.com`` are ``x.com``)."""
    name = iris.site_domain(name) or name
    return em.resource(
        ("organization", name), functools.partial(_build_organization, em, name, key)
    )


def _build_organization(em: Emitter, name: str, key: str) -> ox.NamedNode | None:
    spec = em.m.kinds["organization"]
    iri = em.m.expand(spec["iri"], lambda field: name if field == "name" else None)
    node = em.named_node(iri, key) if iri else None
    if node is None:
        return None
    em.shared.add(node)
    em.add(node, RDF_TYPE, em.m.term(spec["class"]))
    em.add(node, em.m.term(spec["name"]), ox.Literal(name))
    if _DOMAIN.match(name) and spec.get("url_if_domain"):
        em.add(node, em.m.term(spec["url_if_domain"]), ox.NamedNode(f"https://{name.lower()}/"))
    return node


def convert_organization(em: Emitter, rule: KeyRule, subject: ox.NamedNode, value: Value) -> None:
    for key, text in _items(em, rule, value):
        name = _name(em, key, text)
        if not name:
            _empty_item(em, key)
            continue
        if "://" in name and (domain := iris.site_domain(name)) is not None:
            em.report(
                Severity.WARNING,
                key,
                f"{name!r} is a web address: the publisher is its site, {domain!r} (write that)",
                "map.organization",
            )
            name = domain
        node = _organization(em, name, key)
        if node is not None:
            em.spellings.append((node.value, name, key))
            em.add(subject, em.m.term_iri(rule.properties[0]), node)


def convert_person(em: Emitter, rule: KeyRule, subject: ox.NamedNode, value: Value) -> None:
    for key, text in _items(em, rule, value):
        text = _name(em, key, text)
        if not text:
            _empty_item(em, key)
            continue
        name, domain = _person(em, text)
        if domain is None and "@" in text:
            em.report(
                Severity.WARNING,
                key,
                f"{text!r}: what follows @ is not a web domain, so no affiliation is written"
                " and the whole text is the name (write it like 'Vinit @maxinovip.com')",
                "map.person",
            )
        if not name:
            em.report(
                Severity.WARNING,
                key,
                f"{text!r} names no person, only an affiliation; not written (write the name "
                "before it, like 'Vinit @maxinovip.com')",
                "map.no-person",  # a code of its own: the other map.person warnings write one
            )
            continue
        if domain is not None and _HOLDS_AUTHOR.search(name):
            em.report(
                Severity.WARNING,
                key,
                f"{text!r} holds more than one @: written as one person named {name!r} with"
                f" {domain}; write each author as an item of its own, like 'Vinit @maxinovip.com'",
                "map.person",
            )
        elif domain is not None and not text[text.rfind("@") - 1].isspace():
            em.report(
                Severity.WARNING,
                key,
                f"{text!r} looks like an e-mail address: written as a person named {name!r} with"
                f" {domain}; write the name, a space and @domain, like 'Vinit @maxinovip.com'",
                "map.person",
            )
        node = em.resource(("person", text), functools.partial(_build_person, em, text, key))
        if node is not None:
            em.spellings.append((node.value, name, key))
            if domain and (org := _organization(em, domain, key)) is not None:
                em.spellings.append((org.value, domain, key))  # the publisher's, perhaps
            em.add(subject, em.m.term_iri(rule.properties[0]), node)


_HOLDS_AUTHOR = re.compile(r"@\s*" + iris.DOMAIN + r"(?![\w.-])")
"""An ``@domain`` left in the name the pattern read: a second author in the same item
(``Vinit @maxinovip.com, Geetha``), not an ``@`` of the name itself (``Health@Scale``)."""


def _person(em: Emitter, text: str) -> tuple[str, str | None]:
    """(name, affiliation domain) of an author as written: ``Vinit @maxinovip.com``."""
    return _split_person(em.m.kinds["person"]["pattern"], text)


@functools.lru_cache(maxsize=4096)  # the same authors recur in thousands of documents
def _split_person(pattern: str, text: str) -> tuple[str, str | None]:
    """("", domain) when the text names only an affiliation (``@maxinovip.com``). The domain
    is read as a reader sees it (:func:`iris.as_seen`): ``@x.com`` with a left-to-right mark
    pasted after it, or with an accent typed as a combining one, is the same affiliation."""
    match = re.match(pattern, text, re.DOTALL)  # a name may hold a line break
    if match is None and not text.isascii():
        name, at, domain = text.rpartition("@")
        match = re.match(pattern, name + at + iris.as_seen(domain), re.DOTALL) if at else None
    if match is None:
        return text, None
    name = match.group("name").strip()
    # a name of only invisible characters (a zero-width space before @x.com) is no name
    return ("" if name and iris.blank(name) else name), match.group("domain")


def _build_person(em: Emitter, text: str, key: str) -> ox.NamedNode | None:
    spec = em.m.kinds["person"]
    name, domain = _person(em, text)
    fields = {"name": name, "domain": domain}
    iri = em.m.expand(spec["iri"] if domain else spec["iri_without_domain"], fields.get)
    node = em.named_node(iri, key) if iri else None
    if node is None:
        return None
    em.shared.add(node)
    em.add(node, RDF_TYPE, em.m.term(spec["class"]))
    em.add(node, em.m.term(spec["name"]), ox.Literal(name))
    if domain:
        org = _organization(em, domain, key)  # as written, like a publisher's name
        if org is not None:
            em.add(node, em.m.term(spec["affiliation"]), org)
    return node


def _decode_json(text: str) -> object:
    """JSON text decoded, each number as the text it is written as (``1``, ``2.50``, as YAML
    gives ``- 1`` to the mapping); ValueError also for nesting too deep for the decoder
    (which would otherwise raise RecursionError from a 10 KB value of ``[[[[…``)."""
    try:
        return json.loads(text, parse_int=str, parse_float=str, parse_constant=str)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def _as_value(decoded: object, depth: int = 1) -> Value:
    """A decoded JSON item as YAML would have given it: text as it is, ``true``/``false`` as
    that text, ``null`` as no value, a list or an object as a list or a mapping (which a key
    expecting text reports as one). ValueError when nested deeper than front matter may be
    (``MAX_DEPTH``): ``json.loads`` reads some 1 000 levels, which this and what reads the
    value after it would overflow the stack on (a RecursionError, an internal error)."""
    if decoded is None or isinstance(decoded, str):
        return decoded
    if isinstance(decoded, bool):
        return "true" if decoded else "false"
    if isinstance(decoded, (list, dict)) and depth > MAX_DEPTH:
        raise ValueError(f"nested deeper than {MAX_DEPTH} levels")
    if isinstance(decoded, list):
        return [_as_value(item, depth + 1) for item in decoded]
    if isinstance(decoded, dict):
        return {str(name): _as_value(item, depth + 1) for name, item in decoded.items()}
    return str(decoded)


def _json_list(value: Value) -> list[Value] | None:
    """The items of a JSON list kept in one string (``'["a", "b"]'``, as OpenProject keeps
    medigyTopics), each as YAML would give it (:func:`_as_value`), so that an item that is
    not a topic is told at its key as in a YAML list, and the others kept; else None."""
    if not isinstance(value, str) or not value.lstrip().startswith("["):
        return None
    try:
        decoded = _decode_json(value)
        listed = _as_value(decoded) if isinstance(decoded, list) else None
    except ValueError:  # not JSON, or nested too deeply: written like JSON all the same
        return None
    return listed if isinstance(listed, list) else None


def standing_in(
    mapper: Mapper, rule: KeyRule, fm: dict[str, Value]
) -> tuple[str | None, list[Value]]:
    """(the key that stands in for ``rule``'s missing topics, its items): the twin the mapping
    names (``medigyTopics``, kept as OpenProject keeps it) in any form but JSON-looking text
    that is no list; (None, []) when there is none, or it is empty."""
    for twin, _path in mapper.plan:
        if twin.converter == "json-list" and twin.options.get("same_as_key") == rule.key:
            value = get_path(fm, twin.key)
            if _json_but_no_list(value):
                return None, []
            listed = _as_list(value)
            return (twin.key, listed) if listed else (None, [])
    return None, []


def stand_in_key(fm: dict[str, Value], rule: KeyRule) -> str | None:
    """The first of the keys a missing key falls back on (the mapping's ``else``, in the
    order Hugo ranks them: ``publishDate``, …, ``lastMod`` for ``date``) that is written;
    None when ``rule`` has none, or none is written."""
    for other in rule.options.get("else", ()):
        if get_path(fm, other) not in (None, "", []):
            return str(other)
    return None


def _json_but_no_list(value: Value) -> bool:
    """Text written like JSON that is no JSON list (cut short, an object): no list of topics."""
    return isinstance(value, str) and _looks_like_json(value) and _json_list(value) is None


def _looks_like_json(text: str) -> bool:
    """Text in brackets or braces (``'["KLAS: Telehealth", oops]'``, a list cut short, or
    ``'{"KLAS": "Telehealth"}'``): JSON that is no list of topics, never one topic (whose
    taxonomy would be ``["KLAS``, a label of the shared KLAS scheme)."""
    stripped = text.strip()
    return (stripped[:1], stripped[-1:]) in (("[", "]"), ("{", "}")) or bool(
        _JSON_OPENING.match(stripped)  # '["KLAS: Telehealth","Symplur: Vi' (cut short)
    )


_JSON_OPENING = re.compile(r'[\[{]\s*"')
"""A JSON list or object's opening: a bracket and a quoted string (no taxonomy is that)."""


def convert_topic(em: Emitter, rule: KeyRule, subject: ox.NamedNode, value: Value) -> None:
    separator = em.m.kinds["topic"]["separator"]
    if (listed := _json_list(value)) is not None:
        # As OpenProject keeps medigyTopics: the topics are meant, not one odd topic.
        em.report(
            Severity.WARNING,
            rule.key,
            f"is a JSON list written as text; read as its {_topic_count(listed)}"
            " (write it as a YAML list)",
            "map.json",
        )
        value = listed
    elif isinstance(value, str) and _looks_like_json(value):
        em.report(
            Severity.ERROR,
            rule.key,
            "is written like JSON but is not a JSON list of topics; write the topics as a"
            " YAML list, one per line",
            "map.json",
        )
        return
    items = _items(em, rule, value)
    if isinstance(value, list) and any(_looks_like_json(written) for _key, written in items):
        items = _json_items(em, items)
    items = _several_items(em, items, separator)
    for key, written in items:
        if iris.blank(written):
            _empty_item(em, key)  # an empty item is no topic, as ~ is none (a zero-width space too)
            continue
        text = _name(em, key, written)
        scheme, sep, term = _split_topic(text, separator)
        scheme, term = scheme.strip(), term.strip()
        if not sep or not scheme or not term:
            em.report(
                Severity.ERROR,
                key,
                f"topic {text!r} needs a taxonomy and a term, like 'KLAS: Telehealth'",
                "map.topic",
            )
            continue
        # The notation is the topic as written (what editors and the saved queries' topic
        # parameter use); taxonomy and term are its parts.
        concept = em.resource(
            ("topic", text), functools.partial(_build_topic, em, text, scheme, term, key)
        )
        if concept is not None:
            em.spellings.append((concept.value, text, key))
            em.add(subject, em.m.term_iri(rule.properties[0]), concept)


def _topic_count(listed: list[Value]) -> str:
    return plural(sum(isinstance(x, str) and bool(x.strip()) for x in listed), "topic")


def _json_items(em: Emitter, items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Items of a YAML list of topics, an item that is a JSON list (``- '["KLAS: x", "KLAS:
    y"]'``) read as its topics, with a warning at the item; one that is JSON but no list an
    error there: never one topic of the whole text, whose taxonomy ``["KLAS`` would label the
    shared KLAS scheme."""
    out: list[tuple[str, str]] = []
    for key, written in items:
        if not _looks_like_json(written):
            out.append((key, written))
            continue
        listed = _json_list(written)
        if listed is None:
            em.report(
                Severity.ERROR,
                key,
                "is written like JSON but is not a JSON list of topics; write each topic as an"
                " item of its own",
                "map.json",
            )
            continue
        em.report(
            Severity.WARNING,
            key,
            f"is a JSON list written as one item; read as its {_topic_count(listed)} (write"
            " each topic as an item of its own)",
            "map.json",
        )
        out += _items_of(em, key, listed)  # spaces alone: told as empty by the caller
    return out


def _several_items(
    em: Emitter, items: list[tuple[str, str]], separator: str
) -> list[tuple[str, str]]:
    """``items`` with each that holds several topics written as one text (``'Medigy: X, KLAS:
    Telehealth'``, a list typed as on a form) read as those topics, with a warning at its
    line: as one, it made up a topic (``X, KLAS: Telehealth`` of Medigy) and lost KLAS's."""
    out: list[tuple[str, str]] = []
    for key, written in items:
        topics = several_topics(written, separator)
        if topics is None:
            out.append((key, written))
            continue
        how = (
            "write each topic as an item of its own"
            if key.endswith("]")
            else f"write {key} as a list, one topic per item"
        )
        em.report(
            Severity.WARNING,
            key,
            f"{written.strip()!r} looks like {len(topics)} topics written as one text: read as "
            + ", ".join(repr(topic) for topic in topics)
            + f"; {how}",
            "map.topic",
        )
        out += [(key, topic) for topic in topics]
    return out


_LIST_MARK = re.compile(r"\s*[,;]\s*")
"""What separates topics typed as one text: a comma or a semicolon."""


def several_topics(text: str, separator: str) -> list[str] | None:
    """The topics of a text that holds several, separated by commas or semicolons, each with
    its taxonomy (``Medigy: X, KLAS: Telehealth``); None for one topic, also one whose term
    holds a comma (``Medigy: Payers, Providers``): a part without a taxonomy of its own
    belongs to the topic before it."""
    if not _LIST_MARK.search(text):  # most topics: no comma, no semicolon
        return None
    topics: list[str] = []
    marks = ["", *_LIST_MARK.findall(text)]
    for mark, part in zip(marks, _LIST_MARK.split(text), strict=True):
        scheme, sep, term = _split_topic(part, separator)
        if sep and scheme.strip() and term.strip():
            topics.append(part.strip())
        elif topics:
            topics[-1] += mark + part
        else:
            return None  # no taxonomy before the first mark: one topic, told as it is
    return topics if len(topics) > 1 else None


def _split_topic(text: str, separator: str) -> tuple[str, str, str]:
    """``text.partition(separator)``, where a character that is the separator once folded
    (NFKC, as the topic's IRI is) counts too: ``KLAS： Telehealth``, typed with a full-width
    colon, is KLAS's Telehealth, not a topic without a taxonomy."""
    parts = text.partition(separator)
    if parts[1] or separator not in unicodedata.normalize("NFKC", text):
        return parts
    for at, char in enumerate(text):
        if char != separator and unicodedata.normalize("NFKC", char) == separator:
            return text[:at], char, text[at + 1 :]
    return parts


def _build_topic(
    em: Emitter, notation: str, scheme: str, term: str, key: str
) -> ox.NamedNode | None:
    spec = em.m.kinds["topic"]
    fields = {"scheme": scheme, "term": term}
    concept = em.named_node(em.m.expand(spec["iri"], fields.get) or "", key)
    scheme_node = em.named_node(em.m.expand(spec["scheme_iri"], fields.get) or "", key)
    if concept is None or scheme_node is None:
        return None
    em.shared.update((concept, scheme_node))
    em.add(concept, RDF_TYPE, em.m.term(spec["class"]))
    em.add(concept, em.m.term(spec["label"]), ox.Literal(term))
    em.add(concept, em.m.term(spec["notation"]), ox.Literal(notation))
    em.add(concept, em.m.term(spec["in_scheme"]), scheme_node)
    em.add(concept, em.m.term(spec["top_concept_of"]), scheme_node)
    em.add(scheme_node, RDF_TYPE, em.m.term(spec["scheme_class"]))
    em.add(scheme_node, em.m.term(spec["scheme_label"]), ox.Literal(scheme))
    return concept


CONVERTERS: dict[str, Converter] = {
    "text": convert_text,
    "html-text": convert_html_text,
    "markdown-text": convert_markdown_text,
    "hugo-boolean": convert_hugo_boolean,
    "name": convert_name,
    "dateTime": convert_datetime,
    "integer": convert_integer,
    "decimal": convert_decimal,
    "integer-pair": convert_integer_pair,
    "boolean": convert_boolean,
    "iri": convert_iri,
    "variant": convert_variant,
    "json-list": convert_json_list,
    "media-type": convert_media_type,
    "work-package": convert_work_package,
    "organization": convert_organization,
    "person": convert_person,
    "topic": convert_topic,
}
