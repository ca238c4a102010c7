"""Push: synchronise per-document graphs into a SPARQL 1.1 store, sending only what changed.

The store keeps a manifest graph (see :mod:`medigraph.sync`) of the document graphs that
medigraph wrote and their content hashes. A push reads it once, streams the corpus (or a
dump) one document graph at a time and sends the graphs whose hash differs, several per
SPARQL Update request within a byte budget. Each request is one transaction that drops and
re-inserts its graphs *and* updates their manifest entries, so after an interruption every
graph is in its old or its new state and the manifest says which. Graphs the manifest does
not list are never touched, apart from the document graphs being written.

A graph too large for the byte budget goes through the Graph Store Protocol when the store
offers it: one PUT to a staging graph, then one update that moves it into place, so a failed
upload (Virtuoso keeps what it read before the failing line) never shows. Its manifest entry
is set to this push's "pending" mark first and to the new hash after, only where the mark is
still there: an interruption between the two, or another push writing the same graph
meanwhile, makes the next push send it again (and drop a staging graph left behind).

A document whose graph the store refuses (a value it cannot hold, a string too long) is
found by splitting the request it was in; the others are pushed, and it is reported.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import re
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

import pyoxigraph as ox

from .diagnostics import Diagnostic, Severity, error, plural, warning
from .documents import (
    EMPTY_FOLDER,
    Paths,
    missing_paths,
    no_documents,
    only_left_out,
    path_list,
    site_root_refusal,
    unlisted,
)
from .export import Collisions, Spellings, _Clashes, sources_at
from .mapping import DEFAULT_BASE, Mapper, MappingError, check_base, load_mapping
from .pipeline import Processed, Settings, default_jobs, list_files, run
from .sparql import (
    MAX_TIMEOUT_S,
    Credentials,
    Endpoint,
    RequestRefused,
    RequestTooLarge,
    StoreError,
    iri,
    literal,
    public_url,
    triple_line,
)
from .store import ontology_graph, ontology_quads
from .sync import (
    CONTENT_HASH,
    LISTS,
    MANIFEST_CLASS,
    PENDING,
    PROVENANCE_PATH,
    RDF_TYPE,
    SOURCE_PATH,
    SyncPlan,
    forget_legacy_sources,
    forget_statement,
    leftover_staging,
    manifest_graph,
    manifest_query,
    provenance_query,
    sources_update,
    staging_graph,
)
from .writers import format_named_by

DEFAULT_BYTE_BUDGET = 150_000
"""Request body bytes: below Jetty's 200,000-byte form limit, Virtuoso's statement limits
and Oxigraph's body cap, and far below the ~1 MB where Virtuoso resets digest uploads."""
MAX_TRIPLES_PER_STATEMENT = 4_000
"""Virtuoso refuses INSERT DATA statements of more than 4,990 triples (SP030)."""
MAX_LINES_PER_REQUEST = 9_000
"""Virtuoso compiles a request into SQL text with a 10,000-line limit."""
REMOVALS_PER_REQUEST = 200
"""Manifest hash of a graph whose Graph Store upload may not have completed."""


class PushError(Exception):
    """A push could not complete; the store is consistent (old or new state per graph).

    ``diagnostics``: what the push had to say before it stopped (the documents' warnings
    and errors), to be shown with the error."""

    def __init__(self, message: str, diagnostics: list[Diagnostic] | None = None) -> None:
        super().__init__(message)
        self.diagnostics = diagnostics or []


class PushUsageError(PushError, ValueError):
    """A push refused before anything was read from or sent to the store: its arguments
    cannot work (an endpoint that is no http(s) URL or holds a password, a path that does
    not exist, …). The command's usage error (exit 2); a ``ValueError`` too, as it was."""


@dataclass
class DocumentGraph:
    """One document's graph, ready to send: N-Triples lines and their content hash."""

    graph: str
    source: str
    lines: list[str]
    path: str | None = None
    """The file's path under its PATH, recorded in the manifest (None: a dump's graph, the
    ontology's)."""

    @property
    def content_hash(self) -> str:
        return content_hash(self.lines)

    def size(self) -> int:
        return sum(len(line.encode("utf-8")) + 1 for line in self.lines)


def ontology_document(base: str = DEFAULT_BASE, file: str | None = None) -> DocumentGraph:
    """The bundled ontology's graph (or that of the Turtle ``file`` given instead), pushed with
    the documents as the embedded store has it."""
    quads = ontology_quads(base, file)
    lines = [triple_line(q.subject, q.predicate, q.object) for q in quads]
    return DocumentGraph(ontology_graph(base).value, "ontology", lines)


def content_hash(lines: Iterable[str]) -> str:
    """sha256 of the sorted N-Triples lines: the same for a document and its dump."""
    digest = hashlib.sha256()
    for line in sorted(lines):
        digest.update(line.encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


@dataclass
class PushReport:
    """What a push did (or, with ``dry_run``, would do)."""

    endpoint: str = ""
    dry_run: bool = False
    read: int = 0
    rejected: int = 0
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    triples_sent: int = 0
    kept: int = 0
    """Graphs of documents gone, kept by ``--no-delete``."""
    drafts: int = 0
    """Hugo drafts left out (``draft: true``; ``drafts=True`` pushes them)."""
    sections: int = 0
    """Hugo section pages left out (``_index.md`` naming no ``owlType``)."""
    unpublished: int = 0
    """Pages Hugo neither renders nor lists, left out (a headless bundle, ``build`` render and
    list ``never``; ``drafts=True`` pushes them)."""
    requests: int = 0
    writes: int = 0
    """Of the requests, those that changed the store."""
    bytes_sent: int = 0
    retries: int = 0
    seconds: float = 0.0
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return (
            1 if self.rejected or any(d.severity is Severity.ERROR for d in self.diagnostics) else 0
        )

    def summary(self) -> str:
        verb = "would be " if self.dry_run else ""
        return (
            f"{plural(self.read, 'document')} read, {self.rejected} rejected"
            + (
                f", {plural(self.drafts, 'draft')} left out (--drafts pushes them)"
                if self.drafts
                else ""
            )
            + (
                f", {plural(self.unpublished, 'unpublished page')} (headless or build: never)"
                " left out (--drafts pushes them)"
                if self.unpublished
                else ""
            )
            + (f", {plural(self.sections, 'section page')} left out" if self.sections else "")
            + f"; graphs {verb}added {len(self.added)}, "
            f"replaced {len(self.replaced)}, removed {len(self.removed)}, unchanged {self.unchanged}"
            + (f", kept {self.kept} of deleted documents (--no-delete)" if self.kept else "")
            + "; "
            + (
                f"{self.triples_sent} triples to send"  # how they would be batched is not known
                if self.dry_run
                else f"{plural(self.triples_sent, 'triple')} sent in"
                f" {plural(self.writes, 'update')} ({self.bytes_sent / 1000:.1f} kB,"
                f" {plural(self.requests, 'request')} in all)"
                if self.writes
                else f"nothing sent ({plural(self.requests, 'request')} to read the manifest)"
            )
            + f"; {self.seconds:.2f} s."
        )


# --------------------------------------------------------------------------- SPARQL text


def _manifest_entry(graph: str, hash_value: str, manifest: str, path: str | None = None) -> str:
    return (
        f"{iri(manifest)} {iri(RDF_TYPE.value)} {iri(MANIFEST_CLASS.value)} . "
        f"{iri(manifest)} {iri(LISTS.value)} {iri(graph)} . "
        f"{iri(graph)} {iri(CONTENT_HASH.value)} {literal(hash_value)} ."
        + ("" if path is None else f" {iri(graph)} {iri(SOURCE_PATH.value)} {literal(path)} .")
    )


def _forget_hash(graph: str, manifest: str) -> str:
    return forget_statement(graph, manifest, CONTENT_HASH.value)


def _forget_source(graph: str, manifest: str) -> str:
    return forget_statement(graph, manifest, SOURCE_PATH.value)


def _forget_entry(graph: str, manifest: str) -> str:
    """Forget what the manifest says of ``graph``: its hash and its file (one pattern, so a
    request of removals stays short)."""
    pattern = f"GRAPH {iri(manifest)} {{ {iri(graph)} ?p ?o }}"
    return f"DELETE {{ {pattern} }} WHERE {{ {pattern} }}"


def _drop_leftovers(graphs: Iterable[str], leftovers: Mapping[str, str]) -> list[str]:
    """Drop the staging graphs an unfinished push left for ``graphs``: done in the update
    that takes that push's pending mark away, so the push, if still running, cannot record
    a graph it moves afterwards (its mark is gone)."""
    return [f"DROP SILENT GRAPH {iri(leftovers[g])}" for g in graphs if g in leftovers]


def replace_graphs_update(
    docs: list[tuple[DocumentGraph, str]], manifest: str, leftovers: Mapping[str, str] = {}
) -> str:
    """One update: replace each graph and record its new hash, all or nothing."""
    ops: list[str] = _drop_leftovers((doc.graph for doc, _ in docs), leftovers)
    entries: list[str] = []
    for doc, hash_value in docs:
        name = iri(doc.graph)
        ops.append(f"DROP SILENT GRAPH {name}")
        for start in range(0, len(doc.lines), MAX_TRIPLES_PER_STATEMENT):
            chunk = "\n".join(doc.lines[start : start + MAX_TRIPLES_PER_STATEMENT])
            ops.append(f"INSERT DATA {{ GRAPH {name} {{\n{chunk}\n}} }}")
        entries.append(_manifest_entry(doc.graph, hash_value, manifest, doc.path))
        ops.append(_forget_hash(doc.graph, manifest))
        if doc.path is not None:  # a dump's graph leaves the file recorded as it was
            ops.append(_forget_source(doc.graph, manifest))
    ops.append(f"INSERT DATA {{ GRAPH {iri(manifest)} {{\n" + "\n".join(entries) + "\n} }")
    return " ;\n".join(ops)


def set_hashes_update(
    entries: list[tuple[str, str]],
    manifest: str,
    forget: Iterable[str],
    leftovers: Mapping[str, str] = {},
    paths: Mapping[str, str] = {},
) -> str:
    """Record a hash (and, from ``paths``, the file) for each (graph, hash) of ``entries``,
    in place of the hashes (and files) of the graphs in ``forget``."""
    forget = list(forget)
    ops = _drop_leftovers(forget, leftovers)
    ops += [_forget_hash(graph, manifest) for graph in forget]
    ops += [_forget_source(graph, manifest) for graph in forget if graph in paths]
    body = "\n".join(
        _manifest_entry(graph, value, manifest, paths.get(graph)) for graph, value in entries
    )
    ops.append(f"INSERT DATA {{ GRAPH {iri(manifest)} {{\n{body}\n}} }}")
    return " ;\n".join(ops)


def _record_if_marked(graph: str, hash_value: str, token: str, manifest: str) -> str:
    """SPARQL that records ``hash_value`` for ``graph`` only if the manifest still has this
    push's pending ``token`` for it (one transaction: no other push can come in between)."""
    marked = f"GRAPH {iri(manifest)} {{ {iri(graph)} {iri(CONTENT_HASH.value)} {literal(token)} }}"
    recorded = (
        f"GRAPH {iri(manifest)} {{ {iri(graph)} {iri(CONTENT_HASH.value)} {literal(hash_value)} }}"
    )
    return f"DELETE {{ {marked} }} INSERT {{ {recorded} }} WHERE {{ {marked} }}"


def _hashes_query(graphs: list[str], manifest: str) -> str:
    values = " ".join(iri(g) for g in graphs)
    return (
        f"SELECT ?g ?h WHERE {{ VALUES ?g {{ {values} }} "
        f"GRAPH {iri(manifest)} {{ ?g {iri(CONTENT_HASH.value)} ?h }} }}"
    )


def remove_graphs_update(
    graphs: list[str], manifest: str, leftovers: Mapping[str, str] = {}
) -> str:
    ops = _drop_leftovers(graphs, leftovers)
    for graph in graphs:
        ops.append(f"DROP SILENT GRAPH {iri(graph)}")
        ops.append(_forget_entry(graph, manifest))
        ops.append(
            f"DELETE DATA {{ GRAPH {iri(manifest)} {{ {iri(manifest)} {iri(LISTS.value)} {iri(graph)} }} }}"
        )
    return " ;\n".join(ops)


def _removal_chunks(
    graphs: list[str], manifest: str, budget: int, leftovers: Mapping[str, str] = {}
) -> Iterator[list[str]]:
    """The graphs to remove in requests of at most ``budget`` bytes (and 200 graphs): long
    IRIs make long requests, which the server's form limit would refuse."""
    return _chunks(
        graphs, lambda g: len(remove_graphs_update([g], manifest, leftovers).encode()) + 4, budget
    )


Item = TypeVar("Item")


def _chunks(items: list[Item], cost: Callable[[Item], int], budget: int) -> Iterator[list[Item]]:
    """``items`` in runs whose ``cost`` (the bytes each adds to a request) stays within
    ``budget``, and of at most :data:`REMOVALS_PER_REQUEST` items."""
    chunk: list[Item] = []
    size = 0
    for item in items:
        spent = cost(item)
        if chunk and (size + spent > budget or len(chunk) >= REMOVALS_PER_REQUEST):
            yield chunk
            chunk, size = [], 0
        chunk.append(item)
        size += spent
    if chunk:
        yield chunk


_TYPED_INTEGER = re.compile(
    r'(?<=> )"([+-]?[0-9]+)"\^\^<http://www\.w3\.org/2001/XMLSchema#integer> \.$'
)


def upload_body(lines: list[str]) -> bytes:
    """A Turtle body of N-Triples lines; short lines first, because Virtuoso sniffs the format
    from the first three lines and gives up on a line longer than 64 KiB.

    A whole number is written bare (``3000000000``, the same term in Turtle as
    ``"3000000000"^^xsd:integer``): Virtuoso's loader stores a typed one above 2^31 as an
    xsd:decimal, a bare one as the xsd:integer INSERT DATA gives, or refuses it (beyond 64
    bits) as INSERT DATA does."""
    head = sorted(range(len(lines)), key=lambda i: len(lines[i]))[:3]
    order = head + [i for i in range(len(lines)) if i not in set(head)]
    return "".join(_TYPED_INTEGER.sub(r"\1 .", lines[i]) + "\n" for i in order).encode("utf-8")


# --------------------------------------------------------------------------- sources


def graphs_from_processed(item: Processed) -> DocumentGraph:
    lines = [
        triple_line(q.subject, q.predicate, q.object)
        for q in ox.parse(item.nquads, format=ox.RdfFormat.N_QUADS)
    ]
    assert item.graph is not None
    return DocumentGraph(item.graph, item.source, lines, item.path)


def graphs_from_dump(
    path: str, manifest: str, done: set[str] | None = None
) -> Iterator[DocumentGraph]:
    """One DocumentGraph per named graph of a TriG/N-Quads dump, streamed.

    Terms are kept exactly as written (a store would canonicalise typed literals and so
    change the content hash). Each graph must be one block of the file, as ``medigraph
    export`` writes it, so that memory stays flat; triples in the default graph are refused.
    """
    named = format_named_by(path)  # export's own extensions: .nquads and .NQ are N-Quads too
    fmt = named.rdf_format if named is not None else None
    if fmt not in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS):
        raise PushError(
            f"{path}: a dump to push must be TriG (.trig) or N-Quads (.nq or .nquads), one named graph per document"
        )
    done = set() if done is None else done  # shared by the dumps of one push
    current: str | None = None
    lines: list[str] = []
    try:
        for quad in ox.parse(path=path, format=fmt):
            graph = quad.graph_name
            if not isinstance(graph, ox.NamedNode):
                raise PushError(
                    f"{path}: {quad.triple} is not in a named graph; push needs one graph per document"
                )
            if graph.value != current:
                if current is not None and current != manifest:
                    done.add(current)
                    yield DocumentGraph(current, current, lines)
                if graph.value in done:
                    raise PushError(
                        f"{path}: graph <{graph.value}> appears in two places; push needs each graph in one block, as medigraph export writes it"
                    )
                current, lines = graph.value, []
            lines.append(triple_line(quad.subject, quad.predicate, quad.object))
    except (SyntaxError, OSError) as exc:
        raise PushError(f"cannot read the dump {path}: {exc}") from exc
    if current is not None and current != manifest:
        yield DocumentGraph(current, current, lines)


def _dump_source(doc: DocumentGraph) -> str | None:
    """The source file a dump's document graph says it was derived from (``medigy:sourcePath``),
    to name it in a diagnostic; None when it says none."""
    marker = f" {PROVENANCE_PATH} "
    for line in doc.lines:
        if marker in line:
            with contextlib.suppress(SyntaxError):
                for triple in ox.parse(line, format=ox.RdfFormat.N_TRIPLES):
                    if isinstance(triple.object, ox.Literal):
                        return triple.object.value
    return None


_TRUE = ox.Literal("true", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))


def _draft_lines(mapper: Mapper) -> tuple[str, ...]:
    """How a draft's own triple ends in a document graph's N-Triples lines (`` <…/draft>
    "true"^^<…#boolean> .``), for each property the mapping writes Hugo's draft flag to."""
    return tuple(
        f" {ox.NamedNode(mapper.term_iri(rule.properties[0]).value)} {_TRUE} ."
        for rule in mapper.rules
        if rule.converter == "hugo-boolean"
    )


def _unpublished_lines(mapper: Mapper) -> tuple[str, ...]:
    """How the triple marking a page Hugo does not publish ends (the mapping's
    ``document.unpublished``), as :func:`_draft_lines` for drafts."""
    unpublished = mapper.document_spec.get("unpublished")
    return (f" {mapper.term(unpublished)} {_TRUE} .",) if unpublished else ()


def _is_draft(doc: DocumentGraph, endings: tuple[str, ...]) -> bool:
    """Whether a dump's document graph is a Hugo draft (exported with ``--drafts``)."""
    return bool(endings) and any(line.endswith(endings) for line in doc.lines)


# --------------------------------------------------------------------------- the push


REFUSED_BEFORE_GIVING_UP = 16
"""Documents refused one by one, with none taken, after which the store is taken to refuse
every update (a read-only or misconfigured store): a few refused documents are the documents'
fault, and are named while the others are pushed."""


@dataclass
class _Pending:
    docs: list[tuple[DocumentGraph, str]] = field(default_factory=list)
    size: int = 0
    lines: int = 0


class _Sender:
    """Batches changed graphs into requests within the budget and sends them."""

    def __init__(
        self,
        endpoint: Endpoint,
        manifest: str,
        report: PushReport,
        budget: int,
        on_sent: Callable[[int], None] | None,
        base: str = DEFAULT_BASE,
        leftovers: Mapping[str, str] = {},
    ) -> None:
        self.endpoint = endpoint
        self.manifest = manifest
        self.base = base
        self.leftovers = leftovers
        """graph → staging graph an unfinished push may have left (dropped when replaced)."""
        self.refused: list[tuple[DocumentGraph, StoreError]] = []
        """Documents whose graph the store refused: not pushed, reported at the end."""
        self.stored = 0
        self.report = report
        self.budget = budget
        self.batch = _Pending()
        self.on_sent = on_sent
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="medigraph-push")
        self.inflight: Future[None] | None = None
        self.overhead = len(_manifest_entry("urn:" + "x" * 80, "0" * 64, manifest)) + 200
        self.token = f"{PENDING}:{uuid.uuid4().hex}"
        """This push's pending mark: no content hash, and no other push's."""

    def add(self, doc: DocumentGraph, hash_value: str) -> None:
        size = doc.size() + self.overhead
        lines = len(doc.lines) + 4
        if size > self.budget and self.endpoint.graph_store_url is not None:
            self.wait()
            self.put([(doc, hash_value)])
            return
        if self.batch.docs and (
            self.batch.size + size > self.budget or self.batch.lines + lines > MAX_LINES_PER_REQUEST
        ):
            self.flush()
        self.batch.docs.append((doc, hash_value))
        self.batch.size += size
        self.batch.lines += lines

    def flush(self) -> None:
        if self.batch.docs:
            docs, self.batch = self.batch.docs, _Pending()
            # One request in flight while the next batch is prepared: client-side
            # serialisation overlaps with the store's work; order is kept.
            self.wait()
            self.inflight = self.pool.submit(self.send, docs)

    def wait(self) -> None:
        if self.inflight is not None:
            inflight, self.inflight = self.inflight, None
            inflight.result()

    def close(self) -> None:
        try:
            self.wait()
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def send(self, docs: list[tuple[DocumentGraph, str]]) -> None:
        names = ", ".join(doc.source for doc, _ in docs[:3]) + (
            f" and {len(docs) - 3} more" if len(docs) > 3 else ""
        )
        what = f"replacing the graphs of {names}"
        try:
            self.endpoint.update(replace_graphs_update(docs, self.manifest, self.leftovers), what)
        except RequestRefused as exc:
            # About the data: split the batch to find the document(s) the store refuses.
            if len(docs) == 1:
                self.refused.append((docs[0][0], exc))
                if self.stored == 0 and len(self.refused) >= REFUSED_BEFORE_GIVING_UP:
                    # So many documents refused, one by one, and none ever taken: the store
                    # refuses updates, not these documents (a request for each would follow).
                    raise PushError(
                        f"the store refused {len(self.refused)} documents one by one and took"
                        f" none: {exc}"
                    ) from None
                return
            middle = len(docs) // 2
            self.send(docs[:middle])
            self.send(docs[middle:])
            return
        except RequestTooLarge as exc:
            # Halve and try again: a size error is about this request, not the data.
            if len(docs) > 1:
                middle = len(docs) // 2
                self.send(docs[:middle])
                self.send(docs[middle:])
                return
            if self.endpoint.graph_store_url is not None:
                self.put(docs)
                return
            raise PushError(
                f"{exc} — the graph of {docs[0][0].source} alone is too large; give --graph-store or a larger server limit"
            ) from None
        self._sent(docs)

    def put(self, docs: list[tuple[DocumentGraph, str]]) -> None:
        """Graph Store uploads, bracketed by manifest updates so no state is ever claimed early.

        The graph is marked pending with this push's own token; the new hash is recorded only
        where that mark is still there. Another push that marked, uploaded or recorded the
        same graph meanwhile (two pushes at once) leaves its mark or hash instead, and the
        graph may then hold either push's content: it is marked pending, so the next push
        sends it again, rather than claimed by either."""
        graphs = [doc.graph for doc, _ in docs]
        paths = {doc.graph: doc.path for doc, _ in docs if doc.path is not None}
        self.endpoint.update(
            set_hashes_update(
                [(g, self.token) for g in graphs], self.manifest, graphs, self.leftovers, paths
            ),
            f"marking {docs[0][0].source} as pending",
        )
        docs = [(doc, value) for doc, value in docs if self._upload(doc, value)]
        if not docs:
            return
        graphs = [doc.graph for doc, _ in docs]
        recorded = {
            row["g"]: row.get("h")
            for row in self.endpoint.select(_hashes_query(graphs, self.manifest), "checking")
        }
        raced = [doc for doc, value in docs if recorded.get(doc.graph) != value]
        if raced:
            moved = [doc.graph for doc in raced]
            self.endpoint.update(
                set_hashes_update([(g, PENDING) for g in moved], self.manifest, moved),
                f"marking {raced[0].source} for the next push",
            )
            self.report.diagnostics.append(
                warning(
                    raced[0].source,
                    None,
                    None,
                    f"another push wrote {len(raced)} of the same graphs at the same time; they"
                    " are marked to be sent again: push again once the other push is done",
                    "push.race",
                )
            )
        self._sent(docs)

    def _upload(self, doc: DocumentGraph, hash_value: str) -> bool:
        """Upload ``doc`` to its staging graph and move it into place (one update: readers
        see the old graph or the new one). False when the store refused the upload: the
        live graph is untouched, and the manifest keeps the pending mark, so the next push
        tries again."""
        staging = staging_graph(self.base, doc.graph, self.token)
        drop = f"DROP SILENT GRAPH {iri(staging)}"
        try:
            self.endpoint.put_graph(
                staging, upload_body(doc.lines), f"uploading the graph of {doc.source}"
            )
        except (RequestRefused, RequestTooLarge) as exc:
            self.endpoint.update(drop, f"removing the refused upload of {doc.source}")
            self.refused.append((doc, exc))
            return False
        except StoreError:
            # The next push drops it too, should this fail: the pending mark names it.
            with contextlib.suppress(StoreError):
                self.endpoint.update(drop, f"removing the upload of {doc.source}")
            raise
        # Not repeated: once moved, the staging graph is gone, and a second MOVE would
        # empty the graph.
        self.endpoint.update(
            f"MOVE SILENT GRAPH {iri(staging)} TO GRAPH {iri(doc.graph)} ;\n"
            + _record_if_marked(doc.graph, hash_value, self.token, self.manifest),
            f"replacing the graph of {doc.source}",
            idempotent=False,
        )
        return True

    def _sent(self, docs: list[tuple[DocumentGraph, str]]) -> None:
        self.stored += len(docs)
        self.report.triples_sent += sum(len(doc.lines) for doc, _ in docs)
        if self.on_sent:
            self.on_sent(len(docs))


def push(
    paths: Paths = (),
    *,
    endpoint: str,
    update_endpoint: str | None = None,
    graph_store: str | None = None,
    dump: str | os.PathLike[str] | Iterable[str | os.PathLike[str]] | None = None,
    credentials: Credentials | None = None,
    byte_budget: int = DEFAULT_BYTE_BUDGET,
    delete: bool = True,
    dry_run: bool = False,
    allow_empty: bool = False,
    jobs: int | None = None,
    base: str = DEFAULT_BASE,
    mapping: str | os.PathLike[str] | None = None,
    timeout: float = 60.0,
    retries: int = 3,
    on_start: Callable[[int], None] | None = None,
    on_document: Callable[[str], None] | None = None,
    on_sent: Callable[[int], None] | None = None,
    plan_out: Callable[[str, str], None] | None = None,
    drafts: bool = False,
    ontology: str | os.PathLike[str] | None = None,
) -> PushReport:
    """Synchronise the document graphs of ``paths`` (or of a TriG/N-Quads ``dump``) into a store.

    Raises :class:`PushError` wherever the command exits 2: when the store cannot be read
    or written (graphs sent before the failure are complete and recorded, the rest keep
    their previous state), for a broken mapping, and as :class:`PushUsageError` for
    arguments that cannot work (an endpoint that is no http(s) URL or holds a password, a
    path or dump that does not exist). ``plan_out(action, graph)`` is told every
    add/replace/remove (for ``--dry-run``).
    No document under ``paths`` (no document graph in the dumps) is a :class:`PushError`
    unless ``allow_empty``: pushing nothing removes every graph a push under ``base`` wrote,
    the ontology's and the manifest included (an empty checkout must not unpublish the
    site). ``ontology`` (a Turtle file) is pushed as the ontology's graph instead of the
    bundled ontology, as ``export --ontology`` keeps it in the embedded store; one that cannot
    be read is a :class:`PushError`.
    Whatever can be refused without the store (arguments, the mapping, an empty corpus) is
    refused before it is contacted: a mistyped folder is not hidden behind a network error.
    Documents that are all left out (drafts, unpublished or section pages) are refused only
    when the store holds graphs the push would remove: that needs the store's manifest.
    """
    started = time.perf_counter()
    paths = path_list(paths)
    mapping = None if mapping is None else os.fspath(mapping)
    dumps = None if dump is None else path_list(dump)
    if dumps is not None and paths:
        raise PushUsageError("give document paths or a dump, not both")
    if dumps is None and not paths:
        raise PushUsageError("give document paths to push, or a dump")
    if dumps == []:
        raise PushUsageError("give document paths or at least one dump")
    if byte_budget < 1_000:
        raise PushUsageError("the byte budget must be at least 1000 bytes")
    if not 0 < timeout <= MAX_TIMEOUT_S or retries < 0:  # as --timeout and --retries are checked
        raise PushUsageError(f"timeout {timeout} s and {retries} retries: no request can be sent")
    ontology = None if ontology is None else os.fspath(ontology)
    _refuse_missing([*paths, *(dumps or []), *([] if ontology is None else [ontology])])
    _refuse_repeated(dumps or [])
    try:
        check_base(base)
    except MappingError as exc:  # an argument that cannot work, as the command's usage error
        raise PushUsageError(str(exc)) from None
    try:
        mapper = load_mapping(mapping, base=base)  # fail fast on a broken mapping
        client = Endpoint(
            endpoint,
            update_endpoint,
            graph_store,
            credentials=credentials,
            timeout=timeout,
            retries=retries,
        )
    except MappingError as exc:
        raise PushError(str(exc)) from exc
    except ValueError as exc:  # the endpoint's URLs
        raise PushUsageError(str(exc)) from None
    try:  # the store's ontology graph: read before the store is contacted
        ontology_graph_document = ontology_document(base, ontology)
    except (OSError, SyntaxError) as exc:
        raise PushError(f"ontology {ontology} cannot be read: {exc}; nothing pushed") from exc
    report = PushReport(endpoint=public_url(client.update_url), dry_run=dry_run)
    manifest = manifest_graph(base).value
    sender: _Sender | None = None
    items: Iterator[Processed] = iter(())
    try:
        keep_all = False
        collisions = Collisions()
        # Where the names of document graphs start: a dump's other graphs are not pushed.
        own = mapper.base + mapper.document_spec["graph"].split("{", 1)[0]
        draft_lines = _draft_lines(mapper)
        unpublished_lines = _unpublished_lines(mapper)
        dump_names = ""
        reading = [""]  # the dump the graph at hand comes from (they are read in turn)
        if dumps is not None:
            count, problems = -1, list[Diagnostic]()
            # Several dumps (the shards of one export) are one corpus: a graph none of them
            # holds is a deleted document's; one shard alone would delete all the others'.
            dump_names = ", ".join(os.fspath(one) for one in dumps)
            # Each dump is checked for a graph in two blocks; a graph in two dumps (two
            # documents of different shards that got one IRI) is told below, per document.
            dump_files = [os.fspath(one) for one in dumps]

            def dump_graphs() -> Iterator[DocumentGraph]:
                for one in dump_files:
                    reading[0] = one
                    yield from graphs_from_dump(one, manifest)

            graphs = dump_graphs()
            # Dumps of an empty checkout (its shards, say) are an empty corpus, as PATHS are:
            # judged on the first graph, before anything is sent.
            first = next(graphs, None)
            if first is None and not allow_empty:
                raise PushError(
                    f"{dump_names}: no document graph in "
                    f"{'the dump' if len(dumps) == 1 else f'any of the {len(dumps)} dumps'}; "
                    "nothing pushed (pushing none removes every graph a push wrote; give "
                    "--allow-empty to do that)"
                )
            source: Iterator[DocumentGraph | Processed] = itertools.chain(
                () if first is None else (first,), graphs
            )
        else:
            clashes = _Clashes(list(paths), None, mapper)  # a clash names the first file
            collisions = Collisions(clashes.name, where_of=clashes.where)
            settings = Settings(mapping_path=mapping, base=base, nquads=True)
            count, items, problems = run(paths, settings, jobs=jobs or default_jobs())
            # Started at once, so that its workers end with it (``close``) however the push
            # stops, and map while the store is asked for its manifest.
            head = next(items, None)
            empty = [p.path for p in problems if p.code == EMPTY_FOLDER]
            if empty and not allow_empty:
                raise PushError(
                    f"{no_documents(empty)}: nothing pushed (pushing them empty removes the "
                    "graphs of the documents they held; give --allow-empty to do that)"
                )
            if count == 0 and (sites := site_root_refusal(problems)):
                raise PushError(f"{sites}; nothing pushed")
            if count == 0 and not allow_empty:
                raise PushError(
                    f"{no_documents(paths)}: nothing pushed (pushing none removes every graph "
                    "a push wrote; give --allow-empty to do that)"
                )
            source = itertools.chain(() if head is None else (head,), items)
            keep_all = bool(unlisted(problems))  # a folder not listed hides its documents
        # Only now the store: what the corpus alone refuses has been refused.
        current, sources, legacy = _read_manifest(client, base)
        plan = SyncPlan(current, delete=delete, sources=sources)
        leftovers = leftover_staging(base, plan.current)
        long_names = _long_names(plan.current)
        sender = _Sender(client, manifest, report, byte_budget, on_sent, base, leftovers)
        report.diagnostics.extend(problems)
        if on_start and count >= 0:
            on_start(count)
        spellings = Spellings(base)

        def offer(doc: DocumentGraph) -> None:
            """Send ``doc`` if the store does not hold it as it is."""
            value = doc.content_hash
            if long_names and doc.graph not in plan.current and len(doc.graph) > LONG_NAME:
                _as_stored(client, plan, doc.graph, manifest, long_names, leftovers, base)
            action = plan.consider(doc.graph, value, doc.path)
            if action == "unchanged":
                return
            if plan_out:
                plan_out(action, doc.graph)
            if dry_run:
                report.triples_sent += len(doc.lines)
            else:
                sender.add(doc, value)

        # The ontology goes with the documents, as in the embedded store: the saved queries
        # follow rdfs:subClassOf* through it, and must answer the same on both. Offered with
        # the first document graph: a push with none (--allow-empty) removes it too.
        ontology_graph_offered: DocumentGraph | None = ontology_graph_document
        for entry in source:
            report.read += 1
            if isinstance(entry, DocumentGraph) and not drafts and _is_draft(entry, draft_lines):
                # A dump exported with --drafts: its drafts stay out unless asked for, as
                # when pushing the documents.
                report.drafts += 1
                if on_document:
                    on_document(entry.source)
                continue
            if (
                isinstance(entry, DocumentGraph)
                and not drafts
                and _is_draft(entry, unpublished_lines)
            ):  # and so do its pages Hugo does not publish
                report.unpublished += 1
                if on_document:
                    on_document(entry.source)
                continue
            if isinstance(entry, Processed) and entry.left_out(drafts):
                # Not content (a section's list page), or not published (a draft, a headless
                # bundle, build: never), as Hugo has it: gone from the store. It claims no IRI, but holds its place in the run.
                collisions.check(entry.source, None)
                report.diagnostics.extend(entry.diagnostics)
                if entry.section:
                    report.sections += 1
                elif entry.draft:
                    report.drafts += 1
                else:
                    report.unpublished += 1
                if on_document:
                    on_document(entry.source)
                continue
            if isinstance(entry, Processed):
                unnamed = entry.graph is None
                doc = _accept(entry, report, collisions, plan)
                if doc is not None:
                    spellings.note(report.read - 1, entry.spellings)
                if on_document:
                    on_document(entry.source)
                if doc is None:
                    keep_all = keep_all or unnamed
                    continue
            else:
                doc = entry
                if on_document:
                    on_document(doc.source)
                if not doc.graph.startswith(own):  # a dump names its graphs itself
                    report.rejected += 1
                    keep_all = True  # which graph did it mean to replace? none is removed
                    report.diagnostics.append(
                        error(
                            reading[0],
                            None,
                            None,
                            f"graph <{doc.graph}> is not a document graph of {base} (names "
                            f"start with {own}; exported with another --base?): not pushed, "
                            "as push never touches graphs it did not write",
                            "push.graph",
                        )
                    )
                    continue
                if doc.graph in plan.seen:  # an earlier dump's document has this name
                    report.rejected += 1
                    report.diagnostics.append(
                        error(
                            _dump_source(doc) or reading[0],
                            None,
                            None,
                            f"its graph <{doc.graph}> (in {reading[0]}) is also in an earlier "
                            "--dump: two "
                            "documents of different shards got the same IRI, a clash no "
                            "shard can see (docs/scaling.md); the earlier one is pushed, not "
                            "this one: give one of them its own mdName",
                            "push.collision",
                        )
                    )
                    continue
            if ontology_graph_offered is not None:
                offer(ontology_graph_offered)
                ontology_graph_offered = None
            offer(doc)
        # No document graph pushed or kept: every graph a push wrote under this base goes,
        # the ontology's and the manifest too (the next push starts afresh).
        emptied = allow_empty and delete and not keep_all and not plan.seen
        if ontology_graph_offered is not None and not emptied:
            # the documents are all rejected (and keep their graphs), say
            offer(ontology_graph_offered)
        if not dry_run:
            sender.flush()
            sender.wait()
            _report_refused(sender.refused, report, plan)
            _record_sources(client, plan.moved, manifest, byte_budget, forget_legacy=legacy)
        if plan.needs_provenance() and not keep_all:
            # A manifest from before files were recorded: a graph about to go may be what a
            # rejected file gave under its old name, which the graph itself tells.
            kept = plan.learn(_provenance(client, base))
            if not dry_run:
                _record_sources(client, kept, manifest, byte_budget)
        report.diagnostics.extend(
            d for _at, d in spellings.diagnostics(lambda at: sources_at(list_files(paths)[0], at))
        )
        removed = plan.removed()
        nothing_else = report.read > 0 and report.read == (
            report.drafts + report.sections + report.unpublished
        )
        if removed and nothing_else and not allow_empty:
            # As with no document at all: pushing them would remove every graph a push wrote
            # (dumps exported with --drafts, pushed without it, as much as documents).
            given = paths if dumps is None else dumps
            raise PushError(
                f"{only_left_out(given, report.drafts, report.sections, report.unpublished)}:"
                " nothing removed (give"
                " --allow-empty to remove every graph a push wrote)"
            )
        if removed and keep_all:
            report.diagnostics.append(
                warning(
                    "",
                    None,
                    None,
                    f"{plural(len(removed), 'graph')} not removed: a document (or a dump's graph) was refused before its graph name was known, or a folder could not be listed, and any of them could be a document's last version",
                    "push.keep",
                )
            )
            removed = []
        for graph in removed:
            if plan_out:
                plan_out("remove", graph)
        if not dry_run:
            for chunk in _removal_chunks(removed, manifest, byte_budget, leftovers):
                client.update(
                    remove_graphs_update(chunk, manifest, leftovers),
                    f"removing {len(chunk)} graphs of deleted documents",
                )
            if emptied and plan.current and len(removed) == len(plan.current):
                client.update(f"DROP SILENT GRAPH {iri(manifest)}", "removing the manifest")
    except StoreError as exc:
        raise PushError(str(exc), report.diagnostics) from None
    except PushError as exc:
        exc.diagnostics = report.diagnostics
        raise
    finally:
        getattr(items, "close", lambda: None)()  # the workers, when the push stopped early
        if sender is not None:
            sender.close()
    report.added, report.replaced, report.removed = plan.added, plan.replaced, removed
    report.kept = len(plan.kept())
    report.unchanged = plan.unchanged
    report.writes = client.traffic.writes
    report.requests, report.bytes_sent, report.retries = (
        client.traffic.requests,
        client.traffic.bytes_sent,
        client.traffic.retries,
    )
    report.seconds = time.perf_counter() - started
    return report


def _refuse_missing(paths: Iterable[str | os.PathLike[str]]) -> None:
    """A path or dump that does not exist is the command's usage error (exit 2), refused
    before the store is contacted (and a missing folder would keep every graph)."""
    if said := missing_paths(paths):
        raise PushUsageError(f"{said}; nothing pushed")


def _refuse_repeated(dumps: Iterable[str | os.PathLike[str]]) -> None:
    """A dump given twice (by the same name or another) is the command's usage error: each
    of its graphs would be told as two shards' documents clashing."""
    seen: dict[tuple[int, int], str] = {}
    for dump in dumps:
        try:
            status = os.stat(dump)
        except OSError:
            continue  # told by _refuse_missing, or when it is read
        key = (status.st_dev, status.st_ino)
        if key in seen:
            raise PushUsageError(
                f"--dump {os.fspath(dump)} is given twice (as {seen[key]} too); nothing pushed"
            )
        seen[key] = os.fspath(dump)


def _report_refused(
    refused: list[tuple[DocumentGraph, StoreError]], report: PushReport, plan: SyncPlan
) -> None:
    """Each document whose graph the store refused: an error naming it, with the store's
    words; not counted as added or replaced (the store keeps what it had)."""
    for doc, exc in refused:
        report.rejected += 1
        if doc.path is not None:  # the graph its file gave before, under another name?
            plan.keep_last_good(None, doc.path)
        for listed in (plan.added, plan.replaced):
            if doc.graph in listed:
                listed.remove(doc.graph)
        said = f"HTTP {exc.status}: {exc.body}" if exc.status is not None else str(exc)
        source, graph = doc.source, ""
        if doc.path is None and doc.source == doc.graph:  # a dump's: named by its file
            source = _dump_source(doc) or doc.source
            graph = f" <{doc.graph}>" if source != doc.graph else ""
        report.diagnostics.append(
            error(
                source,
                None,
                None,
                f"the store refused this document's graph{graph}, so it was not pushed (the"
                f" store keeps what it had; the next push tries again): {said}",
                "push.refused",
            )
        )


LONG_NAME = 1024
"""Graph names at least this long may be answered shortened by a store: Virtuoso 7.2 gives
an IRI of more than 1,879 characters back as its first 1,847 and a hash (and takes either
form for the same graph). Names that share their first this many characters with a longer
name a push offers are asked of the store (:func:`_as_stored`)."""


def _long_names(current: Mapping[str, str]) -> dict[str, list[str]]:
    """The manifest's names of :data:`LONG_NAME` characters or more, by their beginning."""
    found: dict[str, list[str]] = {}
    for graph in current:
        if len(graph) >= LONG_NAME:
            found.setdefault(graph[:LONG_NAME], []).append(graph)
    return found


def _as_stored(
    client: Endpoint,
    plan: SyncPlan,
    graph: str,
    manifest: str,
    long_names: Mapping[str, list[str]],
    leftovers: dict[str, str],
    base: str,
) -> None:
    """When the manifest lists ``graph`` under the shortened name a store answered for it,
    put the entry under ``graph`` in ``plan``: otherwise the push sends the graph again as a
    new one and then removes the shortened name, which the store takes for the same graph.

    The store is asked for the hash its manifest records for ``graph`` (given in full, which
    it matches); the shortened name read with that hash is the same entry."""
    candidates = [
        name
        for name in long_names.get(graph[:LONG_NAME], ())
        if len(name) < len(graph) and name in plan.current and name not in plan.seen
    ]
    if not candidates:
        return
    rows = client.select(
        f"SELECT ?h WHERE {{ GRAPH {iri(manifest)} {{ {iri(graph)} {iri(CONTENT_HASH.value)} ?h }} }}",
        "reading the manifest's entry of a graph with a long name",
    )
    hashes = {row["h"] for row in rows if "h" in row}
    same = [name for name in candidates if plan.current[name] in hashes]
    if len(same) != 1:
        return
    (name,) = same
    plan.current[graph] = plan.current.pop(name)
    if name in plan.sources:
        plan.sources[graph] = plan.sources.pop(name)
    if leftovers.pop(name, None) is not None:  # the staging graph is named from the full name
        leftovers.update(leftover_staging(base, {graph: plan.current[graph]}))


MANIFEST_PAGE = 5000
"""Rows per request when the manifest is read page by page (a store answered fewer rows than
it holds)."""


def _manifest_rows(client: Endpoint, base: str) -> list[dict[str, str]]:
    """The manifest's rows, all of them: a store may answer a SELECT with at most so many rows
    and drop the others without a word (Virtuoso's ResultSetMaxRows, 10 000 in the Debian
    package's virtuoso.ini), so the rows are counted too (one row), and when fewer came the
    manifest is read again page by page, by graph name, until a page comes empty (a page too
    may be cut short)."""
    query = manifest_query(base, legacy=True)
    rows = client.select(query, "reading the medigraph manifest")
    counted = client.select(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ {{ {query} }} }}", "counting the manifest's entries"
    )
    if not counted or int(counted[0].get("n", "0")) <= len(rows):
        return rows
    return list(
        _paged(
            client,
            lambda after: manifest_query(base, legacy=True, after=after),
            MANIFEST_PAGE,
            "reading the medigraph manifest page by page",
        )
    )


def _paged(
    client: Endpoint, query: Callable[[str | None], str], size: int, what: str
) -> Iterator[dict[str, str]]:
    """The rows of ``query(after)``, a SELECT of ``?g`` filtered to the graphs whose name sorts
    after ``after``, asked page by page in the order of ``?g``, until a page comes empty: not
    by OFFSET (Virtuoso sorts at most 10 000 rows for a LIMIT, SR353, so an OFFSET past them
    fails), and not until a page comes short, since a store may answer fewer rows than asked
    (Virtuoso's ResultSetMaxRows)."""
    after: str | None = None
    while True:
        page = client.select(f"{query(after)} ORDER BY STR(?g) LIMIT {size}", what)
        yield from page
        if not page or "g" not in page[-1]:  # (a row without its graph: nothing to page by)
            return
        after = page[-1]["g"]


def _read_manifest(client: Endpoint, base: str) -> tuple[dict[str, str], dict[str, str], bool]:
    """graph → hash, graph → the file it came from, as the store's manifest says, and
    whether it records a file by medigy:sourcePath too (as a few commits did)."""
    current: dict[str, str] = {}
    sources: dict[str, str] = {}
    legacy = False
    for row in _manifest_rows(client, base):
        graph, value = row.get("g"), row.get("hash")
        if graph is None or value is None:
            continue
        legacy = legacy or row.get("legacy") is not None
        # Two hashes for one graph (an interrupted foreign writer?): force a replacement.
        current[graph] = value if current.get(graph, value) == value else PENDING
        if (source := row.get("source")) is not None:
            sources[graph] = source
    return current, sources, legacy


def _record_sources(
    client: Endpoint,
    moved: list[tuple[str, str]],
    manifest: str,
    budget: int,
    forget_legacy: bool = False,
) -> None:
    """Record the file of each (graph, file) in the manifest, in requests of ``budget``.

    With ``forget_legacy`` (the manifest records files by medigy:sourcePath, as a few commits
    did), those statements are forgotten too: with the first request, or in one of their own
    when no file is to be recorded. Not only when a graph is unchanged: a push that replaced
    every graph, or one over a manifest that recorded them by managedSource as well (as the
    pushes after those commits left it), kept them for good."""

    def cost(entry: tuple[str, str]) -> int:
        return len(sources_update([entry], manifest).encode()) + 4

    legacy = forget_legacy_sources(manifest) + " ;\n" if forget_legacy else ""
    for entries in _chunks(moved, cost, budget - len(legacy.encode())):
        client.update(
            legacy + sources_update(entries, manifest),
            f"recording the files of {plural(len(entries), 'unchanged graph')}",
        )
        legacy = ""
    if legacy:
        client.update(
            forget_legacy_sources(manifest), "forgetting files recorded by medigy:sourcePath"
        )


PROVENANCE_PAGE = 5000
"""Rows per request when graphs the manifest lists without their file are asked for it:
answers of some hundred kilobytes, however many graphs an old manifest lists."""


def _provenance(client: Endpoint, base: str) -> Iterator[tuple[str, str]]:
    """(graph, file) of the graphs the manifest lists without their file, as their own
    provenance records it: one query, paged (after a push has recorded the files of the
    graphs it kept, only graphs it did not see are left, usually one page and an empty
    one)."""
    rows = _paged(
        client,
        lambda after: provenance_query(base, after),
        PROVENANCE_PAGE,
        "reading the files of graphs the manifest has none for",
    )
    for row in rows:
        if "g" in row and "path" in row:
            yield row["g"], row["path"]


def _accept(
    item: Processed, report: PushReport, collisions: Collisions, plan: SyncPlan
) -> DocumentGraph | None:
    clash = collisions.check(item.source, item.claim)
    if clash is not None:
        item.diagnostics.append(clash)
        plan.seen.add(item.graph or "")
        item.graph = None
    report.diagnostics.extend(item.diagnostics)
    if item.rejected:
        report.rejected += 1
        # A document that got worse keeps its last good graph in the store: the one its file
        # gave, whatever name the broken edit claims (and the graph of that name).
        plan.keep_last_good(item.graph, item.path)
        return None
    try:
        return graphs_from_processed(item)
    except ValueError as exc:
        report.rejected += 1
        report.diagnostics.append(
            error(item.source, None, None, f"cannot push this document: {exc}", "push.term")
        )
        plan.keep_last_good(item.graph, item.path)
        return None
