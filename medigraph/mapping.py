"""Mapping: one ``Document`` → one per-document graph, driven by ``ontology/mapping.yaml``.

The mapping file decides classes, properties, IRI patterns and converters; this module is
the engine that applies it. Converters live in ``convert``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
import yaml

from . import iris
from ._version import __version__
from .diagnostics import Diagnostic, Severity, error, warning
from .documents import Document, Value, is_section_page, page_key
from .resources import data_path

if TYPE_CHECKING:
    from .convert import _Resource

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DEFAULT_BASE = "https://medigy.com/"
_FIELD = re.compile(r"\{(?:(slug|path|host|integer|number):)?([^{}]+)\}")


_PATTERNS: dict[str, list[tuple[str, str | None, str | None]]] = {}


def _split_pattern(pattern: str) -> list[tuple[str, str | None, str | None]]:
    """(text before, how, field name) for each ``{how:name}`` of an IRI pattern, then the rest."""
    parts: list[tuple[str, str | None, str | None]] = []
    last = 0
    for match in _FIELD.finditer(pattern):
        parts.append((pattern[last : match.start()], match.group(1), match.group(2)))
        last = match.end()
    parts.append((pattern[last:], None, None))
    return parts


class MappingError(Exception):
    """The mapping file itself is wrong: a fatal error (exit code 2), not a document problem."""


@dataclass(frozen=True)
class KeyRule:
    key: str
    converter: str
    properties: tuple[str, ...]
    node: str | None
    options: Mapping[str, Any]


@dataclass(frozen=True)
class NodeRule:
    name: str
    iri: str
    cls: str
    link: str
    owner: str | None


@dataclass
class MappedDocument:
    """The outcome of mapping one document: its graph (unless rejected) and what was noticed."""

    document: Document
    subject: ox.NamedNode | None
    graph_name: ox.NamedNode | None
    triples: list[ox.Triple]
    shared: frozenset[ox.NamedNode]
    """Subjects that other documents may describe too (community, topics, people, …)."""
    diagnostics: list[Diagnostic]
    unmapped_keys: list[str] = field(default_factory=list)
    by_subject: tuple[list[ox.Triple], list[list[ox.Triple]]] | None = None
    """``split()``, when the mapping already knew it."""
    spellings: list[tuple[str, str, str]] = field(default_factory=list)
    """(IRI, name as written, key) of each shared thing a key names (a community, a topic, a
    person, an organization): its IRI comes from a folded name, so other documents may spell
    the same thing differently, which only the whole run can see."""
    local: frozenset[ox.NamedNode] = frozenset()
    """Subjects minted from this document's own key (it, its graph, its image, its source
    file): no other document describes them. Anything else it describes (a community, a
    work package another document also has) may be described elsewhere too."""

    @property
    def rejected(self) -> bool:
        return self.subject is None or any(d.severity is Severity.ERROR for d in self.diagnostics)

    def split(self) -> tuple[list[ox.Triple], list[list[ox.Triple]]]:
        """(the triples whose subject is not shared, then those of each shared subject in the
        order of their IRIs), each in the order of ``triples``."""
        if self.by_subject is not None:
            return self.by_subject
        own: list[ox.Triple] = []
        shared: dict[ox.NamedNode, list[ox.Triple]] = {}
        for t in self.triples:
            if t.subject in self.shared:
                shared.setdefault(t.subject, []).append(t)  # type: ignore[arg-type]
            else:
                own.append(t)
        return own, [triples for _, triples in sorted(shared.items(), key=lambda i: str(i[0]))]

    def quads(self) -> Iterator[ox.Quad]:
        """The triples in the document's graph; none for a document that has no graph (an
        unknown owlType: nothing was mapped)."""
        if self.graph_name is None:
            return
        for t in self.triples:
            yield ox.Quad(t.subject, t.predicate, t.object, self.graph_name)


PN_CHARS_BASE = (
    # Turtle's and SPARQL's PN_CHARS_BASE, as character-class ranges
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_PN_CHARS = PN_CHARS_BASE + "_\\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PN_PREFIX = re.compile(rf"(?:[{PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?)?")
"""Turtle's (and SPARQL's) PN_PREFIX: a prefix name, empty for ``:`` itself."""
RDFLIB_KEYWORD_DOT = re.compile(r"(a|is|has|true|false|this)\.")
"""A prefix name that starts with one of rdflib's Notation3 keywords and a dot (``a.b``,
``is.x``, ``true.x``): Turtle allows it, but rdflib reads the keyword and stops at the dot, so
it cannot read a prefixed name under it (``a.b:name`` as a predicate, ``true.x:y`` anywhere)."""


def _check_prefix_name(name: object, source: str) -> None:
    """A mapping's prefix names are written into Turtle and TriG dumps as they are (pyoxigraph
    checks none): one that is no Turtle prefix name would make a dump no parser reads."""
    if not isinstance(name, str) or not _PN_PREFIX.fullmatch(name):
        raise MappingError(
            f"{source}: prefix name {name!r} is not a Turtle prefix name (a letter, then"
            " letters, digits, '_', '-' or '.', not ending in '.')"
        )
    if RDFLIB_KEYWORD_DOT.match(name):
        raise MappingError(
            f"{source}: prefix name {name!r} starts with {name.split('.')[0]!r} and a dot,"
            " which rdflib reads as its keyword: rename it"
        )


_CURIE = re.compile(r"[A-Za-z][\w.-]*:[^\s/]*\Z")
"""A value of the mapping that names a term by a prefix (``schema:name``, ``skos:Concept``)."""


def _check_iri_patterns(
    spec: object, base: str, source: str, prefixes: Mapping[str, str], where: str = ""
) -> None:
    """Each IRI pattern of the mapping (``iri``, ``scheme_iri``, ``iri_without_domain``,
    ``document.source``: text around ``{field}``s, under the base) makes an IRI when its fields
    are filled, and each term it names by a prefix (a node's ``class``, ``name``, a provenance
    property) has a known prefix and makes an IRI; else every document would be an internal
    error (they are used only as documents are mapped). The fields are always escaped."""
    items = (
        spec.items()
        if isinstance(spec, dict)
        else enumerate(spec)
        if isinstance(spec, list)
        else ()
    )
    for key, value in items:
        at = f"{where}.{key}" if where else str(key)
        if not isinstance(value, str):
            _check_iri_patterns(value, base, source, prefixes, at)
        elif isinstance(key, str) and (
            key == "iri"
            or key.startswith("iri_")
            or key.endswith("_iri")
            or at == "document.source"
        ):
            _check_iri(base + _FIELD.sub("x", value), f"{source}: IRI pattern {at} ({value!r})")
        else:
            prefix, colon, local = value.partition(":")
            if colon and prefix in prefixes and not local.startswith("//"):
                _check_iri(prefixes[prefix] + local, f"{source}: {at} ({value!r})")
            elif _CURIE.match(value) and prefix not in prefixes:
                raise MappingError(f"{source}: unknown prefix in {value!r} ({at})")


def _check_iri(iri: str, what: str) -> None:
    try:
        ox.NamedNode(iri)
    except ValueError as exc:
        raise MappingError(f"{what} is not a valid IRI: {iri!r} ({exc})") from exc


def check_base(base: str) -> str:
    """``base`` if it can be the base of minted IRIs, else :class:`MappingError` saying why."""
    if not re.match(r"^[a-z][a-z0-9+.-]*://[^\s<>\"{}|\\^`]*/$", base):
        scheme, sep, rest = base.partition("://")
        if sep and scheme != scheme.lower() and re.match(r"^[a-z][a-z0-9+.-]*$", scheme.lower()):
            raise MappingError(
                f"base IRI {base!r}: write its scheme in lower case (IRIs are compared as written):"
                f" {scheme.lower() + sep + rest!r}"
            )
        raise MappingError(
            f"base IRI must be an absolute IRI (scheme://…) ending in '/', with no spaces"
            f' or <>"{{}}|\\^` in it: {base!r}'
        )
    for refusal in (_base_character, _base_authority, _base_path):
        if (why := refusal(base)) is not None:
            raise MappingError(f"base IRI {base!r}: {why}")
    _check_iri(base, "base IRI")  # a%zz passes the pattern; every minted IRI would fail
    return base


def _base_character(base: str) -> str | None:
    """Why a character of ``base`` cannot begin every minted IRI: a bidirectional formatting
    character (RFC 3987 §4.1; it would show every IRI reordered), another one no IRI holds
    unescaped, or a ``?`` or ``#``, which would put every minted path in a query or a
    fragment (``https://x.org/#/`` makes an image ``https://x.org/#/image/…``, and its
    address, resolved against the base, leaves ``#/`` and the page's folder out)."""
    for char in base:
        if char in "?#":
            part = "a query" if char == "?" else "a fragment"
            return f"{char!r} starts {part}, which every IRI minted under it would end in"
        if (
            ord(char) < 0x20
            or ord(char) == 0x7F
            or (ord(char) > 0x7F and (char.isspace() or not iris.is_ucschar(char)))
        ):
            kind = "a bidirectional formatting character" if iris.is_bidi(char) else "a character"
            return f"it holds {kind} no IRI may hold unescaped (U+{ord(char):04X})"
    return None


def _base_authority(base: str) -> str | None:
    """Why the host or port of ``base`` names no site: none given (``https:///``, which only a
    ``file:`` IRI may leave out) or a port beyond 65535."""
    scheme, _, rest = base.partition("://")
    authority = rest.split("/", 1)[0].rpartition("@")[2]
    host, port = authority, ""
    if not authority.endswith("]"):  # an IPv6 address in brackets holds ':' of its own
        host, _, port = authority.rpartition(":") if ":" in authority else (authority, "", "")
    if not host and scheme != "file":
        return "it names no host (scheme://host/…)"
    if port and (not port.isascii() or not port.isdigit() or int(port) > 65_535):
        return f"its port {port!r} is not a number from 0 to 65535"
    return None


def _base_path(base: str) -> str | None:
    """Why the path of ``base`` is not as a reader resolves it: a ``.`` or ``..`` segment,
    which any IRI resolver removes, so an IRI minted under it would not be compared equal to
    itself once resolved."""
    path = base.partition("://")[2].partition("/")[2]
    if any(segment in (".", "..") for segment in path.split("/")):
        return "its path holds a '.' or '..' segment: write the folder it leads to"
    return None


class Mapper:
    """A loaded mapping: compiled once, applied to many documents."""

    def __init__(
        self, spec: dict[str, Any], base: str = DEFAULT_BASE, source: str = "mapping"
    ) -> None:
        self.spec = spec
        self.source = source
        self.base = check_base(base)
        try:
            self.prefixes: dict[str, str] = dict(spec["prefixes"])
            self.document_spec: dict[str, Any] = spec["document"]
            self.classes: list[dict[str, Any]] = spec["classes"]
            self.fallbacks: list[dict[str, Any]] = spec.get("fallbacks", [])
            self.kinds: dict[str, Any] = spec.get("kinds", {})
            self.ignored: dict[str, str] = dict(spec.get("ignored", {}))
            self.nodes = {
                name: NodeRule(name, n["iri"], n["class"], n["link"], n.get("owner"))
                for name, n in spec.get("nodes", {}).items()
            }
            self.rules = [self._rule(key, r) for key, r in spec["keys"].items()]
        except (KeyError, TypeError) as exc:
            raise MappingError(f"{source}: incomplete mapping ({exc})") from exc
        if spec.get("version", 1) != 1:
            raise MappingError(
                f"{source}: version {spec['version']!r}: this medigraph reads version 1 mappings"
            )
        _check_classes(self.classes, self.fallbacks, source)
        _check_document(self.document_spec, source)
        _check_kinds(self.kinds, {rule.converter for rule in self.rules}, source)
        self.media_types = {
            str(name).upper(): media for name, media in self.kinds.get("media-type", {}).items()
        }
        """``kinds.media-type`` by its names in upper case: a value is matched in any case."""
        for name, iri in self.prefixes.items():
            _check_prefix_name(name, source)
            _check_iri(str(iri), f"{source}: prefix {name}")
        for name, rel in spec.get("base_prefixes", {}).items():
            _check_prefix_name(name, source)
            if name in self.prefixes:
                raise MappingError(
                    f"{source}: prefix {name} is under prefixes: and base_prefixes: both (the"
                    " dumps would name one of them only): rename one"
                )
            _check_iri(self.base + str(rel), f"{source}: prefix {name}")
        _check_iri_patterns(
            {k: v for k, v in spec.items() if k not in ("prefixes", "base_prefixes")},
            self.base,
            source,
            self.prefixes,
        )
        self.known_keys = frozenset(r.key for r in self.rules) | frozenset(self.ignored)
        self._number_keys = frozenset(r.key for r in self.rules if r.converter == "integer")
        self.hugo_flags = frozenset(
            r.key.lower() for r in self.rules if r.converter == "hugo-boolean"
        )
        """Hugo's flags the mapping reads (``draft``), in lower case: Hugo reads them in any."""
        self.known_parents = frozenset(
            key.rsplit(".", depth)[0]
            for key in self.known_keys
            for depth in range(1, key.count(".") + 1)
        )
        # Compiled once, used for every document: each rule with the path of its key (None
        # for the body), and the keys that must hold a mapping since rules read keys below them.
        self.plan = tuple(
            (rule, None if rule.key == "body" else tuple(rule.key.split(".")))
            for rule in self.rules
        )
        self.parents = _parents(self.rules)
        self.children_of = {parent.key: parent.children for parent in self.parents}
        """The names the mapping reads below each group (``link``: ``brand, href, original``)."""
        self._spelled: dict[str, dict[str, str]] = {}
        """For each level the mapping reads ("" the top, ``featuredImage``…): its names by
        their lower case (``lastmod`` → ``lastMod``), as Hugo matches front-matter keys."""
        self._groups: dict[str, list[tuple[str, str]]] = {}
        """The groups at each level, with their paths (``featuredImage`` at the top,
        ``wpAttachment``, ``featuredImage.wpAttachment`` in it)."""
        for name in sorted(self.known_keys | self.known_parents):
            group, _, leaf = name.rpartition(".")
            self._spelled.setdefault(group, {})[leaf.lower()] = leaf
            if name in self.known_parents:
                self._groups.setdefault(group, []).append((leaf, name))
        self._exact = {group: frozenset(names.values()) for group, names in self._spelled.items()}
        self.named_by = _named_by(self.document_spec["key"], self.nodes)
        """The keys an IRI is made from, each with the nodes it names (none for a key that
        only names the document: ``mdName``)."""
        self.naming_keys = frozenset(self.named_by) | frozenset(
            rule.key for rule in self.rules if rule.converter in ("iri", "work-package")
        )
        """Keys whose value names or addresses something (an IRI is made from it): a value
        of only white space names nothing, as an empty one."""
        self._iri_cache: dict[str, ox.NamedNode] = {}
        self.resources: dict[tuple[str, str], _Resource] = {}
        """Shared resources already built, by kind and text (see ``convert.Emitter.resource``)."""
        from . import convert  # local: convert imports this module's types

        self._converters = convert.CONVERTERS
        for rule in self.rules:
            if rule.converter not in self._converters:
                raise MappingError(
                    f"{source}: key {rule.key}: unknown converter {rule.converter!r}"
                )
            if rule.node and rule.node not in self.nodes:
                raise MappingError(f"{source}: key {rule.key}: unknown node {rule.node!r}")
            stand_ins = rule.options.get("else", [])
            if not isinstance(stand_ins, list) or not all(
                isinstance(k, str) and k in self.known_keys and k != rule.key for k in stand_ins
            ):
                raise MappingError(
                    f"{source}: key {rule.key}: else must list other keys of the mapping"
                )
            _check_rule(rule, self.known_keys, source)
        _check_variants(self.rules, source)
        for rule in self.rules:
            if rule.key in self.ignored:
                raise MappingError(
                    f"{source}: key {rule.key} is under keys: and ignored: both (it is"
                    " written, while --coverage would call it ignored): keep one"
                )
        for node in self.nodes.values():
            _check_node(node, self.nodes, self.known_keys, source)
        for at, entry in enumerate(self.classes):
            wp_key = entry.get("workPackageTypeKey")
            if wp_key is not None and wp_key not in self.known_keys:
                raise MappingError(
                    f"{source}: classes.{at}: workPackageTypeKey names {wp_key!r}, not a key"
                    " of the mapping"
                )
        for at, rule in enumerate(self.fallbacks):
            for name in rule["when"]:
                if name not in self.known_keys:
                    raise MappingError(
                        f"{source}: fallbacks.{at}: when names {name!r}, not a key of the mapping"
                    )

    def _rule(self, key: str, spec: dict[str, Any]) -> KeyRule:
        if not isinstance(spec, dict):
            raise MappingError(
                f"{self.source}: key {key}: must be a mapping of options"
                f" ({{ property: …, as: … }}), not {spec!r}"
            )
        unknown = sorted(set(spec) - KEY_OPTIONS)
        if unknown:
            raise MappingError(
                f"{self.source}: key {key}: unknown option {unknown[0]!r}"
                f" (a key takes {', '.join(sorted(KEY_OPTIONS))})"
            )
        if "variant_of" in spec:
            return KeyRule(key, "variant", (), None, spec)
        if "as" not in spec:
            raise MappingError(f"{self.source}: key {key}: no converter (as: text, …)")
        listed = spec.get("properties", [spec.get("property")])
        if not isinstance(listed, list) or not all(isinstance(p, str | None) for p in listed):
            raise MappingError(f"{self.source}: key {key}: properties must be a list of terms")
        try:
            props = tuple(self.expand_curie(p) for p in listed if p)
        except MappingError as exc:
            raise MappingError(f"{exc} (key {key})") from None
        return KeyRule(key, spec["as"], props, spec.get("node"), spec)

    @cached_property
    def fingerprint(self) -> str:
        """Changes whenever the mapping, the ontology or the engine version changes."""
        digest = hashlib.sha256(repr((self.spec, self.base, __version__)).encode())
        ontology = data_path("ontology") / "medigy.ttl"
        if ontology.exists():
            digest.update(ontology.read_bytes())
        return digest.hexdigest()

    def expand_curie(self, curie: str) -> str:
        prefix, _, local = curie.partition(":")
        if prefix in self.prefixes:
            return self.prefixes[prefix] + local
        raise MappingError(f"{self.source}: unknown prefix in {curie!r}")

    def term(self, curie: str) -> ox.NamedNode:
        node = self._iri_cache.get(curie)
        if node is None:
            node = self._iri_cache[curie] = ox.NamedNode(self.expand_curie(curie))
        return node

    def term_iri(self, iri: str) -> ox.NamedNode:
        node = self._iri_cache.get(iri)
        if node is None:
            node = self._iri_cache[iri] = ox.NamedNode(iri)
        return node

    def all_prefixes(self) -> dict[str, str]:
        """Vocabulary prefixes plus prefixes for the minted IRIs under the base."""
        merged = dict(self.prefixes)
        for name, rel in self.spec.get("base_prefixes", {}).items():
            merged[name] = self.base + rel
        return merged

    def expand(self, pattern: str, lookup: Callable[[str], str | None]) -> str | None:
        """An IRI from a pattern, or ``None`` when a field it needs is missing."""
        parts = _PATTERNS.get(pattern)
        if parts is None:  # split once: patterns are few, and applied to every document
            parts = _PATTERNS[pattern] = _split_pattern(pattern)
        missing = False
        out = []
        for literal, how, name in parts:
            out.append(literal)
            if name is None:
                continue
            text = lookup(name)
            if text is None or text == "":
                missing = True
            elif how == "slug":
                out.append(iris.slug(text))
            elif how == "host":
                out.append(iris.host(text))
            elif how == "integer":
                out.append(iris.integer(text))
            elif how == "number":
                number = iris.whole_number(text)
                if number is None:
                    missing = True
                else:
                    out.append(number)
            elif how == "path":
                out.append("/".join(iris.segment(part, False) for part in text.split("/")))
            else:
                out.append(iris.segment(text))
        return None if missing else self.base + "".join(out)

    # -- selecting the class ---------------------------------------------------------------

    def is_section_page(self, doc: Document) -> bool:
        """A Hugo section's own page (``_index.md``) that names no ``owlType``: a list page of
        the site, not a content document; it is left out, not rejected (every Hugo site has
        them). One that names an ``owlType`` (in any case, as Hugo reads keys) is mapped like
        any document; ``owlType:`` or ``owlType: ''`` names none."""
        if not is_section_page(doc.path):
            return False
        return self.in_hugo_case(doc).front_matter.get("owlType") in (None, "")

    def select_class(self, doc: Document) -> tuple[list[str], list[Diagnostic]]:
        fm = doc.front_matter
        owl_type = fm.get("owlType")
        problems: list[Diagnostic] = []
        if owl_type is None or owl_type == "":  # `owlType: ''` is no value, as `owlType:` is
            owl_type = self._fallback(fm)
            if owl_type is None:
                line = doc.line_of("owlType")  # the document's first line when it is not there
                return [], [
                    error(doc.source, line, "owlType", "owlType is missing", "map.owl-type")
                ]
        if not isinstance(owl_type, str):
            line = doc.line_of("owlType")
            return [], [
                error(doc.source, line, "owlType", "owlType must be a single name", "map.owl-type")
            ]
        for entry in self.classes:
            if entry["owlType"] != owl_type:
                continue
            classes = [entry["class"]]
            wp_key = entry.get("workPackageTypeKey")
            wp_type = fm.get(wp_key) if wp_key else None
            if isinstance(wp_type, str) and wp_type.strip():
                wp_type = wp_type.strip()  # as its value is written (the spaces told there)
                refined = entry.get("workPackageTypes", {}).get(wp_type)
                if refined:
                    classes.insert(0, refined)
                else:
                    known = ", ".join(entry.get("workPackageTypes", {}))
                    problems.append(
                        warning(
                            doc.source,
                            doc.line_of(wp_key),
                            wp_key,
                            f"unknown work-package type {wp_type!r} (known: {known}); "
                            f"mapped as {entry['class']}",
                            "map.work-package-type",
                        )
                    )
            return classes, problems
        known = ", ".join(repr(e["owlType"]) for e in self.classes)
        return [], [
            error(
                doc.source,
                doc.line_of("owlType"),
                "owlType",
                f"unknown owlType {owl_type!r} (known: {known})",
                "map.owl-type",
            )
        ]

    def _fallback(self, fm: dict[str, Value]) -> str | None:
        for rule in self.fallbacks:
            if all(_matches(fm.get(k), v) for k, v in rule["when"].items()):
                return str(rule["owlType"])
        return None

    # -- applying ---------------------------------------------------------------------------

    def in_hugo_case(self, doc: Document) -> Document:
        """``doc`` with its keys spelled as the mapping spells them where they differ only in
        case (``lastmod``, ``Date``, ``FeaturedImage.Alt``): Hugo reads front-matter keys
        without case, so the site shows such a value, and the graph must have it too. A key
        also written in the mapping's own case keeps that one (the other stays unknown, and
        is told). Lines follow the keys. The same document when nothing needs it."""
        renamed: dict[str, str] = {}
        front_matter = self._respelled(doc.front_matter, "", None, renamed)
        if not renamed:
            return doc
        lines: dict[str, int] = {}
        for key, line in doc.lines.items():
            lines[_renamed_key(key, renamed)] = line
        return replace(doc, front_matter=front_matter, lines=lines)

    def _respelled(
        self, fm: dict[str, Value], group: str, written: str | None, renamed: dict[str, str]
    ) -> dict[str, Value]:
        """``fm`` (the mapping at ``group``, written ``written`` in the file, None when as
        ``group``) respelled; the keys renamed are added to ``renamed`` (as written → as the
        mapping spells them). Most documents need nothing: a set comparison a level."""
        rename: dict[str, str] = {}
        exact = self._exact[group]
        if not exact.issuperset(fm):
            spelled = self._spelled[group]
            taken = set()
            for key in fm:  # in the file's order: of two spellings, the first is read
                if key in exact:
                    continue
                wanted = spelled.get(key.lower())
                if wanted is not None and wanted not in fm and wanted not in taken:
                    rename[key] = wanted
                    taken.add(wanted)
        changed: dict[str, Value] = {}
        for sub, at in self._groups.get(group, ()):
            found = sub if sub in fm else next((k for k, w in rename.items() if w == sub), "")
            value = fm.get(found)
            if found and isinstance(value, dict):
                same = written is None and found == sub
                was = None if same else _joined(written or group, found)
                inner = self._respelled(value, at, was, renamed)
                if inner is not value:
                    changed[found] = inner
        if not rename and not changed:
            return fm
        for key, wanted in rename.items():
            renamed[_joined(group if written is None else written, key)] = _joined(group, wanted)
        return {rename.get(k, k): changed.get(k, v) for k, v in fm.items()}

    def map(self, doc: Document) -> MappedDocument:
        from .convert import Emitter

        doc = self.in_hugo_case(doc)
        classes, problems = self.select_class(doc)
        key_text, key_from = self.document_key(doc)
        unnamed = self._misshapen_key(doc)
        if unnamed is not None:
            problems.append(unnamed)
        if not classes or unnamed is not None:
            if not any(p.severity is Severity.ERROR for p in problems):
                return MappedDocument(doc, None, None, [], frozenset(), problems)
            if unnamed is not None:
                return self._unnamed(doc, classes, key_text, key_from, problems, unnamed.key)
            # Rejected, but its names do not depend on its class: known, they keep its last
            # good graph where it has one, and let the graphs of deleted documents go (an
            # unnamed reject, such as a Hugo section's _index.md, would hold them all back).
            named = Emitter(self, doc, key_text, key_from, problems)
            return MappedDocument(doc, named.subject, named.graph_name, [], frozenset(), problems)
        emitter = Emitter(self, doc, key_text, key_from, problems)
        emitter.run(classes)
        return emitter.result()

    def _misshapen_key(self, doc: Document) -> Diagnostic | None:
        """A key the document's IRI is made from given as a list or a mapping (``mdName:
        [a, b]``), where no key before it gives the IRI: an error, as ``id: [4557, 4558]`` is,
        not a fall back to the next key (``id``), which would name another document."""
        for name in self.document_spec["key"]:
            value = get_path(doc.front_matter, name)
            if isinstance(value, str) and not iris.blank(value):
                return None
            if isinstance(value, dict) or (isinstance(value, list) and value):
                kind = "a list" if isinstance(value, list) else "a mapping"
                names = " and the ".join(("document", *self.named_by.get(name, ())))
                return error(
                    doc.source,
                    doc.line_of(name),
                    name,
                    f"must be one text, not {kind}: it names the {names}",
                    "map.type",
                )
        return None

    def _unnamed(
        self,
        doc: Document,
        classes: list[str],
        key_text: str,
        key_from: str,
        problems: list[Diagnostic],
        misshapen: str | None,
    ) -> MappedDocument:
        """A document rejected before its name is known (its key a list): mapped for its
        other diagnostics, but with no IRI, so that no graph is taken for its own (its last
        good one is kept, and no other document's removed as deleted)."""
        from .convert import Emitter

        emitter = Emitter(self, doc, key_text, key_from, problems)
        if misshapen is not None:
            emitter.misshapen.add(misshapen)  # told once, not again for the node it names
            emitter.unnamed_by = misshapen
        if classes:
            emitter.run(classes)
        done = emitter.result()
        return MappedDocument(
            doc, None, None, [], frozenset(), done.diagnostics, done.unmapped_keys
        )

    def document_key(self, doc: Document) -> tuple[str, str]:
        """(the text the document's IRI is made from, the front-matter key it came from, or
        ``"path"`` when no key of the mapping's ``document.key`` list is set)."""
        for name in self.document_spec["key"]:
            value = get_path(doc.front_matter, name)
            if isinstance(value, str) and not iris.blank(value):  # a zero-width space names nothing
                if name in self._number_keys:  # `id: 042` is work package 42's document
                    return iris.whole_number(value) or value.strip(), name
                return value.strip(), name
        return page_key(doc.path), "path"

    def unmapped(self, fm: Mapping[str, Value]) -> list[str]:
        """Front-matter keys (dotted, leaves and mappings) that neither map nor are ignored.

        A key whose own name holds a dot (``link.href:`` at the top) is one of them: the
        mapping's ``link.href`` is ``href`` under ``link``."""
        found: list[str] = []
        for name, value in fm.items():
            if "." in name:
                found.append(name)
            else:
                self._collect_unmapped(name, value, found)
        return found

    def _collect_unmapped(self, key: str, value: Value, found: list[str]) -> None:
        if key in self.known_keys:
            return
        if isinstance(value, dict) and value:
            for name, inner in value.items():
                if "." in name:
                    found.append(f"{key}.{name}")
                else:
                    self._collect_unmapped(f"{key}.{name}", inner, found)
        elif key not in self.known_parents:
            # A known group left empty or given the wrong shape (`link: ~`, a list for
            # `featuredImage`) is the mapping's business, reported there, not an unknown key.
            found.append(key)


KEY_OPTIONS = frozenset(
    {
        "property",
        "properties",
        "as",
        "node",
        "items",
        "else",
        "after",
        "same_as",
        "same_as_key",
        "schemes",
        "relative_to",
        "variant_of",
    }
)
"""What a key of the mapping's ``keys:`` may say; anything else is a mistake (``elsee:``)."""

_OPTION_OF = {
    "same_as": "iri",
    "schemes": "iri",
    "relative_to": "iri",
    "same_as_key": "json-list",
}
"""Options that only one converter reads (elsewhere they would be ignored, with no word)."""

_NO_PROPERTY = frozenset({"variant", "json-list"})
"""Converters that write no property of their own (they check, or stand in for, another key)."""


def _check_rule(rule: KeyRule, known: frozenset[str], source: str) -> None:
    """A key's options as the converters read them: a mistake here (a list written as one
    text, a key that is not in the mapping) would otherwise be applied silently, or make every
    document an internal error."""
    where = f"{source}: key {rule.key}"
    options = rule.options
    if rule.converter not in _NO_PROPERTY:
        if not rule.properties:
            raise MappingError(f"{where}: no property (property: prefix:name)")
        if len(rule.properties) > 1 and rule.converter != "integer-pair":
            raise MappingError(
                f"{where}: as {rule.converter} writes one property; several (properties:)"
                " are for integer-pair"
            )
    for option in ("after", "same_as", "schemes"):
        listed = options.get(option)
        if listed is not None and (
            not isinstance(listed, list) or not all(isinstance(k, str) for k in listed)
        ):
            raise MappingError(f"{where}: {option} must be a list ([a, b]), not {listed!r}")
    for option in ("after", "same_as"):
        for other in options.get(option) or ():
            if other not in known or other == rule.key:
                raise MappingError(
                    f"{where}: {option} names {other!r}, not another key of the mapping"
                )
    for option in ("variant_of", "same_as_key", "relative_to"):
        other = options.get(option)
        if other is not None and (not isinstance(other, str) or other not in known):
            raise MappingError(f"{where}: {option} names {other!r}, not a key of the mapping")
    for scheme in options.get("schemes") or ():
        if scheme != scheme.lower():
            raise MappingError(f"{where}: schemes are written in lower case, not {scheme!r}")
    for option, converter in _OPTION_OF.items():
        if option in options and rule.converter != converter:
            raise MappingError(
                f"{where}: {option} is read by as: {converter}, not as: {rule.converter}"
            )
    if "items" in options and not isinstance(options["items"], str):
        raise MappingError(f"{where}: items names what one item is (items: tag), as one text")
    if "items" in options and rule.converter not in ("text", "name"):
        raise MappingError(
            f"{where}: items is read by as: text and as: name, not as: {rule.converter}"
        )


def _check_variants(rules: list[KeyRule], source: str) -> None:
    """A ``variant_of`` key is listed in its key's ``same_as`` (which is what reads it: else
    it is never checked nor stands in), and each key ``same_as`` lists says ``variant_of``
    that key (else it is also written by a rule of its own)."""
    by_key = {rule.key: rule for rule in rules}
    for rule in rules:
        target = rule.options.get("variant_of")
        if target is not None and rule.key not in (by_key[target].options.get("same_as") or ()):
            raise MappingError(
                f"{source}: key {rule.key}: variant_of {target}, but {target}'s same_as does"
                " not list it (which is what reads it)"
            )
        for other in rule.options.get("same_as") or ():
            if other in by_key and by_key[other].options.get("variant_of") != rule.key:
                raise MappingError(
                    f"{source}: key {other}: listed in {rule.key}'s same_as, so it says"
                    f" variant_of: {rule.key}"
                )


def _check_node(
    node: NodeRule, nodes: Mapping[str, NodeRule], known: frozenset[str], source: str
) -> None:
    """A node's ``owner`` is another node, and its IRI pattern's fields are keys of the
    mapping, each ``{how:key}`` a way the engine knows: a node named by a key no document can
    hold would never be written, with no word said."""
    where = f"{source}: nodes.{node.name}"
    seen = {node.name}
    owner = node.owner
    while owner is not None:
        if owner not in nodes:
            raise MappingError(f"{where}: owner {owner!r} is not a node of the mapping")
        if owner in seen:
            raise MappingError(f"{where}: owner {owner!r} is owned by {node.name} in turn")
        seen.add(owner)
        owner = nodes[owner].owner
    for match in re.finditer(r"\{([^{}]*)\}", str(node.iri)):
        field_text = match.group(1)
        found = _FIELD.fullmatch(match.group(0))
        name = found.group(2) if found else field_text
        if ":" in name:
            raise MappingError(
                f"{where}: IRI pattern field {{{field_text}}}: write {{key}}, {{slug:key}},"
                " {host:key}, {integer:key}, {number:key} or {path:key}"
            )
        if name not in known and name not in ("key", "path"):
            raise MappingError(
                f"{where}: IRI pattern field {{{field_text}}} names {name!r}, not a key of"
                " the mapping"
            )


_PROVENANCE = (
    "graph_class",
    "source_class",
    "primary_topic",
    "derived_from",
    "source_path",
    "text_sha256",
    "generated_by",
)

_KINDS: dict[str, tuple[str, ...]] = {
    # what each converter reads of its kind (kinds.<name>); media-type's table may be empty
    "organization": ("iri", "class", "name"),
    "person": ("pattern", "iri", "iri_without_domain", "class", "name", "affiliation"),
    "topic": (
        "separator",
        "iri",
        "class",
        "label",
        "notation",
        "in_scheme",
        "top_concept_of",
        "scheme_iri",
        "scheme_class",
        "scheme_label",
    ),
    "work-package": ("iri",),
}
_KIND_OF = {"person": ("person", "organization"), "organization": ("organization",)}
"""The kinds a converter needs (a person's affiliation is an organization)."""


def _text_at(spec: Mapping[str, Any], name: str, where: str) -> None:
    if not isinstance(spec.get(name), str) or not spec[name]:
        raise MappingError(f"{where}.{name} is missing or not text")


def _check_document(spec: object, source: str) -> None:
    """``document:``'s key list, patterns and provenance terms, read for every document."""
    if not isinstance(spec, dict):
        raise MappingError(f"{source}: document must be a mapping")
    keys = spec.get("key")
    if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
        raise MappingError(
            f"{source}: document.key must be a list of keys ([mdName, id]), not {keys!r}"
        )
    for name in ("iri", "graph", "source"):
        _text_at(spec, name, f"{source}: document")
    provenance = spec.get("provenance")
    if not isinstance(provenance, dict):
        raise MappingError(f"{source}: document.provenance must be a mapping")
    for name in _PROVENANCE:
        _text_at(provenance, name, f"{source}: document.provenance")


def _check_kinds(kinds: object, converters: set[str], source: str) -> None:
    """The kinds the mapping's converters use (``as: person`` reads ``kinds.person``, and
    ``kinds.organization`` for the affiliation), with the fields they read."""
    if not isinstance(kinds, dict):
        raise MappingError(f"{source}: kinds must be a mapping")
    for converter in sorted(converters):
        for kind in _KIND_OF.get(converter, (converter,) if converter in _KINDS else ()):
            spec = kinds.get(kind)
            if not isinstance(spec, dict):
                raise MappingError(
                    f"{source}: kinds.{kind} is missing, and as: {converter} needs it"
                )
            for name in _KINDS[kind]:
                _text_at(spec, name, f"{source}: kinds.{kind}")
    if "person" in kinds and isinstance(kinds["person"], dict) and "pattern" in kinds["person"]:
        try:
            groups = re.compile(str(kinds["person"]["pattern"])).groupindex
        except re.error as exc:
            raise MappingError(
                f"{source}: kinds.person.pattern is no regular expression: {exc}"
            ) from None
        if not {"name", "domain"} <= set(groups):
            raise MappingError(
                f"{source}: kinds.person.pattern must have the groups (?P<name>…) and (?P<domain>…)"
            )
    if "work-package" in converters and "class" in kinds["work-package"]:
        _text_at(kinds["work-package"], "number", f"{source}: kinds.work-package")
    table = kinds.get("media-type", {})
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise MappingError(f"{source}: kinds.media-type must map names to media types")


def _check_classes(
    classes: list[dict[str, Any]], fallbacks: list[dict[str, Any]], source: str
) -> None:
    """Each ``classes:`` entry names an owlType and a class; each fallback one of those
    owlTypes (else every document it matches would be told its owlType is unknown)."""
    names: list[str] = []
    for at, entry in enumerate(classes):
        if not isinstance(entry, dict) or not {"owlType", "class"} <= set(entry):
            raise MappingError(f"{source}: classes.{at}: needs owlType: and class:")
        if not isinstance(entry["owlType"], str) or not isinstance(entry["class"], str):
            raise MappingError(f"{source}: classes.{at}: owlType and class are each one text")
        refined = entry.get("workPackageTypes", {})
        if not isinstance(refined, dict) or not all(isinstance(c, str) for c in refined.values()):
            raise MappingError(
                f"{source}: classes.{at}.workPackageTypes must map each type to one class"
            )
        if entry["owlType"] in names:
            raise MappingError(
                f"{source}: classes.{at}: owlType {entry['owlType']!r} is already"
                f" classes.{names.index(entry['owlType'])} (the first would be used)"
            )
        names.append(entry["owlType"])
    for at, rule in enumerate(fallbacks):
        if not isinstance(rule, dict) or not isinstance(rule.get("when"), dict):
            raise MappingError(f"{source}: fallbacks.{at}: needs when: {{key: value}} and owlType:")
        if rule.get("owlType") not in names:
            raise MappingError(
                f"{source}: fallbacks.{at}: owlType {rule.get('owlType')!r} is not one of"
                f" classes: ({', '.join(map(repr, names))})"
            )


@dataclass(frozen=True)
class ParentKey:
    """A key that rules read below (``link`` for ``link.href``): it must hold a mapping."""

    key: str
    path: tuple[str, ...]
    enclosing: tuple[str, ...] | None
    """The path of the key it is itself below, if any."""
    children: str
    """The names read below it, for the message: ``brand, href, original``."""


def _parents(rules: list[KeyRule]) -> tuple[ParentKey, ...]:
    children: dict[str, list[str]] = {}
    for rule in rules:
        parts = rule.key.split(".")
        for depth in range(1, len(parts)):
            children.setdefault(".".join(parts[:depth]), []).append(".".join(parts[: depth + 1]))
    return tuple(
        ParentKey(
            parent,
            tuple(parent.split(".")),
            tuple(parent.rsplit(".", 1)[0].split(".")) if "." in parent else None,
            ", ".join(sorted({c.rsplit(".", 1)[-1] for c in names})),
        )
        for parent, names in children.items()
    )


def _named_by(
    document_keys: Sequence[str], nodes: Mapping[str, NodeRule]
) -> dict[str, tuple[str, ...]]:
    """Each key an IRI is made from (``identifier`` for ``community/{slug:identifier}``), with
    the nodes whose IRI it makes; the document's own keys (``mdName``, ``id``) too."""
    named: dict[str, tuple[str, ...]] = {key: () for key in document_keys}
    for node in nodes.values():
        for match in _FIELD.finditer(node.iri):
            if match.group(2) not in ("key", "path"):
                named[match.group(2)] = (*named.get(match.group(2), ()), node.name)
    return named


def _joined(group: str, key: str) -> str:
    return f"{group}.{key}" if group else key


def _renamed_key(key: str, renamed: Mapping[str, str]) -> str:
    """A line's key (``FeaturedImage.Alt``, ``Tags[1]``) under the names ``renamed`` gives
    its groups and itself (``featuredImage.alt``, ``tags[1]``)."""
    cut = len(key)
    while cut > 0:
        head = key[:cut]
        if head in renamed:
            return renamed[head] + key[cut:]
        cut = max(head.rfind("."), head.rfind("["))
    return key


def _matches(value: Value, wanted: Any) -> bool:
    if not isinstance(value, str):
        return False
    text = str(wanted)
    if text.endswith("*"):
        return value.startswith(text[:-1])
    return value == text


def get_path(fm: Mapping[str, Value], dotted: str) -> Value:
    """``link.href`` → ``fm["link"]["href"]``; ``None`` where any step is missing."""
    return get_parts(fm, dotted.split("."))


def get_parts(fm: Mapping[str, Value], parts: Sequence[str]) -> Value:
    """``get_path`` for a key already split: ``("link", "href")``."""
    current: Value = fm  # type: ignore[assignment]
    for part in parts:
        if not isinstance(current, dict):
            return None
        current = current.get(part)
    return current


def load_mapping(path: str | Path | None = None, base: str = DEFAULT_BASE) -> Mapper:
    """Load a mapping file (default: the bundled ``ontology/mapping.yaml``)."""
    file = Path(path) if path else data_path("ontology") / "mapping.yaml"
    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        spec = yaml.load(file.read_text(encoding="utf-8"), Loader=loader)
    except OSError as exc:
        raise MappingError(f"cannot read mapping {file}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise MappingError(f"mapping {file} is not valid YAML: {exc}") from exc
    if not isinstance(spec, dict):
        raise MappingError(f"mapping {file} must be a YAML mapping")
    return Mapper(spec, base=base, source=str(file))
