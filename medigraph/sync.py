"""Synchronisation bookkeeping shared by the embedded store and ``push``.

A store that medigraph writes to keeps a manifest: a named graph listing each document
graph medigraph wrote and the hash of its content. Comparing it with the current export
tells which graphs to add, replace or remove — and that an unchanged corpus needs nothing.
Graphs that are not in the manifest were not written by medigraph and are never touched.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from .diagnostics import plural
from .mapping import DEFAULT_BASE
from .sparql import iri
from .sparql import literal as sparql_literal

MEDIGY = "https://medigy.com/ontology/"
CONTENT_HASH = ox.NamedNode(MEDIGY + "contentHash")
MANIFEST_CLASS = ox.NamedNode(MEDIGY + "SyncManifest")
LISTS = ox.NamedNode(MEDIGY + "listsGraph")
SOURCE_PATH = ox.NamedNode(MEDIGY + "managedSource")
"""On a document graph in the manifest: the file it was exported from (its path under the
PATH given, as in diagnostics of a folder), so that a rejected edit that also changes the
name the document claims still keeps the graph its file last gave."""
PROVENANCE_PATH = ox.NamedNode(MEDIGY + "sourcePath")
"""In a document graph, on the source file it was derived from: the file's path, in the
same form as :data:`SOURCE_PATH` (what a graph written before the manifest recorded files
still tells of its file)."""
DERIVED_FROM = ox.NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom")
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
UPDATING = ox.NamedNode(MEDIGY + "updating")
"""On the manifest while an export brings the embedded store up to date; an export that
did not finish leaves it, and ``query`` says so."""
PENDING = "pending"
"""The hash the manifest records while a graph is being written: no content has it (hashes
are hex), so a run that dies meanwhile leaves a graph the next one replaces or removes."""


def manifest_graph(base: str = DEFAULT_BASE) -> ox.NamedNode:
    """The name of the manifest graph for a base IRI."""
    return ox.NamedNode(base + "graph/medigraph-manifest")


def manifest_quads(
    graph: str, content_hash: str, base: str = DEFAULT_BASE, source: str | None = None
) -> list[ox.Quad]:
    """The manifest's statements about one document graph (and the file it came from)."""
    manifest = manifest_graph(base)
    node = ox.NamedNode(graph)
    quads = [
        ox.Quad(manifest, RDF_TYPE, MANIFEST_CLASS, manifest),
        ox.Quad(manifest, LISTS, node, manifest),
        ox.Quad(node, CONTENT_HASH, ox.Literal(content_hash), manifest),
    ]
    if source is not None:
        quads.append(ox.Quad(node, SOURCE_PATH, ox.Literal(source), manifest))
    return quads


MANIFEST_QUERY = """SELECT ?g ?hash ?source{legacy_var} WHERE {{
  GRAPH <{manifest}> {{
    <{manifest}> <{lists}> ?g . ?g <{hash}> ?hash OPTIONAL {{ ?g <{source}> ?source }}{legacy}
  }}{after}
}}"""


def manifest_query(base: str = DEFAULT_BASE, legacy: bool = False, after: str | None = None) -> str:
    """SPARQL that lists (graph, hash, source file or unbound) from the manifest (no document
    text in it); with ``legacy``, also the file a graph's entry records by
    :data:`PROVENANCE_PATH` (``?legacy``), as a few commits did: then the push forgets those.
    With ``after``, only the graphs whose name sorts after it (to read it page by page)."""
    return MANIFEST_QUERY.format(
        after="" if after is None else f" FILTER(STR(?g) > {sparql_literal(after)})",
        manifest=manifest_graph(base).value,
        lists=LISTS.value,
        hash=CONTENT_HASH.value,
        source=SOURCE_PATH.value,
        legacy_var=" ?legacy" if legacy else "",
        legacy=f" OPTIONAL {{ ?g <{PROVENANCE_PATH.value}> ?legacy }}" if legacy else "",
    )


PROVENANCE_QUERY = """SELECT ?g ?path WHERE {{
  GRAPH <{manifest}> {{
    <{manifest}> <{lists}> ?g FILTER NOT EXISTS {{ ?g <{recorded}> ?file }}
  }}
  GRAPH ?g {{ ?g <{derived}> ?source . ?source <{path}> ?path }}
  {after}
}}"""


def provenance_query(base: str = DEFAULT_BASE, after: str | None = None) -> str:
    """SPARQL that lists (graph, file) for the graphs the manifest lists without their file
    (written before it recorded files), from each graph's own provenance: one query, and only
    those graphs' statements about their source file are read."""
    return PROVENANCE_QUERY.format(
        manifest=manifest_graph(base).value,
        lists=LISTS.value,
        recorded=SOURCE_PATH.value,
        derived=DERIVED_FROM.value,
        path=PROVENANCE_PATH.value,
        after="" if after is None else f"FILTER(STR(?g) > {sparql_literal(after)})",
    )


def forget_statement(graph: str, manifest: str, predicate: str) -> str:
    """SPARQL that forgets what the manifest says of ``graph`` by ``predicate`` (its hash, its
    file), whatever it says."""
    pattern = f"GRAPH {iri(manifest)} {{ {iri(graph)} {iri(predicate)} ?h }}"
    return f"DELETE {{ {pattern} }} WHERE {{ {pattern} }}"


def forget_legacy_sources(manifest: str) -> str:
    """SPARQL that forgets every file the manifest recorded by :data:`PROVENANCE_PATH`, as
    medigraph did for a short while (3e795b8 to 275662e) before it recorded them by
    :data:`SOURCE_PATH`: left in place, ``?s medigy:sourcePath ?p`` over a union default
    graph gave the document graphs too, and the store differed from a fresh one for good.
    The graphs' own provenance (in their graphs, not the manifest's) is not touched."""
    pattern = f"GRAPH {iri(manifest)} {{ ?g {iri(PROVENANCE_PATH.value)} ?path }}"
    return f"DELETE WHERE {{ {pattern} }}"


def sources_update(moved: list[tuple[str, str]], manifest: str) -> str:
    """SPARQL that records the file of each unchanged (graph, file) in the manifest, in place
    of the one it recorded (or none: a manifest from before files were recorded); one
    transaction, for the embedded store and for push alike."""
    ops = [forget_statement(graph, manifest, SOURCE_PATH.value) for graph, _ in moved]
    body = " ".join(
        f"{iri(graph)} {iri(SOURCE_PATH.value)} {sparql_literal(path)} ." for graph, path in moved
    )
    ops.append(f"INSERT DATA {{ GRAPH {iri(manifest)} {{ {body} }} }}")
    return " ;\n".join(ops)


@dataclass
class SyncPlan:
    """Decides, one document graph at a time, what a store needs; remembers what it saw."""

    current: dict[str, str]
    """graph → content hash, as the store's manifest says now."""
    delete: bool = True
    sources: dict[str, str] = field(default_factory=dict)
    """graph → the file it was exported from, as the manifest says now (graphs written
    before the manifest recorded files, and a dump's, have none)."""
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: int = 0
    seen: set[str] = field(default_factory=set)
    moved: list[tuple[str, str]] = field(default_factory=list)
    """(graph, file) of unchanged graphs whose manifest entry names another file, or none:
    only that entry is rewritten."""
    rejected_files: set[str] = field(default_factory=set)
    """The files of the documents rejected in this run: the graphs they gave stay."""
    scope: Callable[[str], bool] | None = None
    """For a run that sees part of the corpus (a shard): whether a file is in that part. Only
    graphs whose recorded file is in it can be gone; the others (another shard's, or of no
    recorded file) are not this run's to remove."""
    _by_source: dict[str, list[str]] | None = None

    def consider(self, graph: str, content_hash: str, source: str | None = None) -> str:
        """``"add"``, ``"replace"`` or ``"unchanged"`` for one graph of the export, made
        from the file ``source`` (None: not known, as for a dump's graph)."""
        self.seen.add(graph)
        old = self.current.get(graph)
        if old is None:
            self.added.append(graph)
            return "add"
        if old != content_hash:
            self.replaced.append(graph)
            return "replace"
        self.unchanged += 1
        if source is not None and self.sources.get(graph) != source:
            self.moved.append((graph, source))
        return "unchanged"

    def keep_last_good(self, graph: str | None, source: str) -> None:
        """A rejected document: the graph the manifest records for its file stays, and so
        does the graph of the name it claims now (``graph``, when known). Keyed by the file
        because a broken edit may also change the name (``mdName``): the graph its name
        gave before is its last good one. A good document that claims either graph in this
        run still replaces it: kept here means only "not removed"."""
        if graph is not None:
            self.seen.add(graph)
        self.rejected_files.add(source)
        if self._by_source is None:
            self._by_source = {}
            for named, path in self.sources.items():
                self._by_source.setdefault(path, []).append(named)
        self.seen.update(self._by_source.get(source, ()))

    def needs_provenance(self) -> bool:
        """Whether a graph this run would remove has no file in the manifest (written before
        it recorded files) while a document was rejected: that graph may be the rejected
        file's last good one, which only the graph's own provenance can tell
        (:meth:`learn`). False in the usual run (no rejection, or every file recorded), so
        that it costs nothing."""
        if not (self.delete and self.rejected_files) or self.scope is not None:
            return False  # (a partial run removes no graph of unrecorded file anyway)
        return any(graph not in self.sources for graph in set(self.current) - self.seen)

    def learn(self, found: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        """Take (graph, file) as graphs the manifest lists without their file tell it in
        their provenance (after every document was considered): a graph a rejected
        document's file gave stays, as if the manifest had recorded the file. Gives the
        (graph, file) kept so, for the manifest to record as it records :attr:`moved`, so
        that the next run need not ask again."""
        kept: list[tuple[str, str]] = []
        for graph, path in found:
            if (
                path in self.rejected_files
                and graph in self.current
                and graph not in self.sources
                and graph not in self.seen
            ):
                self.seen.add(graph)
                kept.append((graph, path))
        return kept

    def removed(self) -> list[str]:
        """Graphs in the manifest that the export no longer has (empty with ``delete=False``)."""
        if not self.delete:
            return []
        gone = set(self.current) - self.seen
        if self.scope is not None:
            scope, sources = self.scope, self.sources
            gone = {g for g in gone if g in sources and scope(sources[g])}
        return sorted(gone)

    def kept(self) -> list[str]:
        """Graphs of documents gone that ``delete=False`` keeps."""
        return [] if self.delete else sorted(set(self.current) - self.seen)

    def summary(self) -> str:
        return (
            f"{plural(len(self.added), 'graph')} added, {len(self.replaced)} replaced, "
            f"{len(self.removed())} removed, {self.unchanged} unchanged"
        )


def read_manifest(rows: Iterable[tuple[str, str]]) -> dict[str, str]:
    return {graph: content_hash for graph, content_hash in rows}


def staging_graph(base: str, graph: str, token: str) -> str:
    """Where a push uploads ``graph`` through the Graph Store before moving it into place
    in one update, so a failed upload never leaves the live graph cut short.

    Named from the graph and the push's pending ``token`` (which the manifest holds until
    the graph is recorded): a push that died between the two leaves a staging graph that
    the next push can name from the manifest, and drops. Never a document graph's name."""
    digest = hashlib.sha256(f"{graph}\n{token}".encode()).hexdigest()[:32]
    return f"{base}graph/medigraph-staging/{digest}"


def leftover_staging(base: str, current: dict[str, str]) -> dict[str, str]:
    """graph → the staging graph a push that marked it (and did not finish) may have left."""
    return {
        graph: staging_graph(base, graph, mark)
        for graph, mark in current.items()
        if mark.startswith(PENDING + ":")
    }
