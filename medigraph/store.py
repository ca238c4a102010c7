"""The embedded on-disk store (pyoxigraph/RocksDB) that ``export`` keeps in step and ``query`` reads.

It holds the same per-document named graphs as ``push`` and a manifest of the same shape (see
:mod:`medigraph.sync`), plus the ontology in a graph of its own so that queries can follow
``rdfs:subClassOf*``. Updates are incremental: a re-export touches only the graphs whose
content hash changed, each batch in one transaction, and never a graph the manifest does not
list.

The store's default graph is kept equal to the *deduplicated* union of the document graphs
and the ontology graph. Every document graph carries its own copy of the shared things it
mentions (a community, a topic), so a union computed at query time would match a community's
name once per document that mentions it — on 100k documents a join through a community turns
into billions of rows. Keeping the union materialised, with a triple removed only when no
other graph still holds it, makes plain queries without ``GRAPH ?g`` both correct and fast.
"""

from __future__ import annotations

import contextlib
import datetime
import errno
import hashlib
import logging
import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Self

import pyoxigraph as ox

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, as for the cache
    fcntl = None  # type: ignore[assignment]

from .diagnostics import plural
from .mapping import DEFAULT_BASE
from .pipeline import Processed
from .resources import data_path
from .sync import (
    CONTENT_HASH,
    LISTS,
    MANIFEST_CLASS,
    PENDING,
    SOURCE_PATH,
    UPDATING,
    SyncPlan,
    forget_legacy_sources,
    manifest_graph,
    manifest_quads,
    manifest_query,
    provenance_query,
    read_manifest,
    sources_update,
)

DEFAULT_STORE = os.path.join("output", "store")
BATCH_SIZE = 500
OPTIMIZE_AFTER = 2000
"""Graphs changed in one export above which the store is compacted afterwards."""
LOCK_WAIT_S = 10.0


class StoreError(Exception):
    """The store cannot be used: missing, locked by another process, or unreadable."""


class StoreBusy(StoreError):
    """An export kept updating the store for longer than a query would wait."""


READ_LOCK = "medigraph.lock"
"""A file in the store's folder: an export holds it exclusively while it updates the store,
each ``query`` shared while it reads. RocksDB lets a reader open a store that another
process is writing, but what it then reads is undefined (half a batch, files already
compacted away), and an export's bulk loads are not one transaction.

The store's folder itself is the gate in front of it: an export holds the folder's lock from
the moment it wants the store, so queries that start after that wait, and the ones already
reading are all it waits for (without the gate, queries that overlap would keep an export
out for good)."""

_log = logging.getLogger("medigraph")


def _open_lock(path: Path, write: bool) -> tuple[int, int] | None:
    """(gate, lock) descriptors: the store folder's and its lock file's, or None when there is
    no store there or it cannot take a lock (no ``fcntl``; a reader's store that has no lock
    file and whose folder cannot be written, which no export by this user can change)."""
    if fcntl is None or not _is_store(path):
        return None
    gate = os.open(path, os.O_RDONLY)
    try:
        lock = path / READ_LOCK
        if write or not lock.exists():
            return gate, os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        return gate, os.open(lock, os.O_RDONLY)
    except OSError:
        os.close(gate)
        raise


@contextlib.contextmanager
def reading(path: str | os.PathLike[str], wait: float | None = None) -> Iterator[float | None]:
    """Hold the store at ``path`` against exports while the block reads it; while an export
    updates it (or waits to), wait for that export to end, at most ``wait`` seconds
    (:class:`StoreBusy`). Gives the seconds left of ``wait``, for the reading itself."""
    started = time.monotonic()
    try:
        held = _open_lock(Path(path), write=False)
    except OSError:
        held = None  # a store one may only read
    try:
        if held is not None:
            gate, lock = held
            for fd in (gate, lock):  # the lock: a moment, once through the gate
                if not _try_lock(fd, fcntl.LOCK_SH):
                    if wait != 0:
                        _log.warning(
                            "waiting for the export that is updating %s (or about to) to finish",
                            path,
                        )
                    _wait_for(fd, fcntl.LOCK_SH, started, wait, path)
            fcntl.flock(gate, fcntl.LOCK_UN)  # readers only pass through the gate
        yield None if wait is None else max(0.0, wait - (time.monotonic() - started))
    finally:
        if held is not None:
            for fd in held:
                os.close(fd)  # and with it the lock


def _wait_for(fd: int, kind: int, started: float, wait: float | None, path: object) -> None:
    while not _try_lock(fd, kind):
        if wait is not None and time.monotonic() - started >= wait:
            raise StoreBusy(
                f"an export is still updating the store at {path} (or waiting to) after"
                f" {wait:g} s; query again when it has finished"
            )
        time.sleep(0.05)


def _try_lock(fd: int, kind: int) -> bool:
    try:
        fcntl.flock(fd, kind | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _hold_for_writing(path: Path) -> tuple[int, int] | None:
    """The store's gate and read lock, held exclusively (see :data:`READ_LOCK`), taken before
    RocksDB opens the store for writing (opening it rewrites some of its files): from now on
    new queries wait, and the ones reading are given :data:`LOCK_WAIT_S` to finish."""
    try:
        held = _open_lock(path, write=True)
    except OSError as exc:
        raise StoreError(
            f"cannot open the store's lock {path / READ_LOCK}: {exc.strerror or exc}"
        ) from exc
    if held is None:
        return None
    gate, lock = held
    deadline = time.monotonic() + LOCK_WAIT_S
    for fd, why in (
        # Queries hold the gate only for a moment: held longer, it is another export's.
        (gate, "is in use by another process (another export?); stop it and try again"),
        (
            lock,
            "is being read by `medigraph query` (queries that started before this export,"
            f" still reading after {LOCK_WAIT_S:g} s); try again when they have finished",
        ),
    ):
        while not _try_lock(fd, fcntl.LOCK_EX):
            if time.monotonic() >= deadline:
                os.close(gate)
                os.close(lock)
                raise StoreError(f"the store at {path} {why}")
            time.sleep(0.05)
    _HELD.update(held)
    return held


_HELD: set[int] = set()
"""The descriptors of the locks this process holds for writing. A process forked meanwhile
(an export's workers) closes its copies, so that the locks end with this process, not with
the last worker still finishing its chunk."""


def _release(held: tuple[int, int] | None) -> None:
    for fd in held or ():
        _HELD.discard(fd)
        os.close(fd)


def _forget_in_child() -> None:
    for fd in _HELD:
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_in_child)


class StoreMissing(StoreError):
    """No store at the given path yet (``medigraph export`` builds one)."""


def ontology_graph(base: str = DEFAULT_BASE) -> ox.NamedNode:
    """The named graph that holds the ontology (class and property alignments)."""
    return ox.NamedNode(base + "graph/ontology")


def ontology_quads(base: str = DEFAULT_BASE, file: str | None = None) -> list[ox.Quad]:
    """Every ``ontology/*.ttl`` file (or the Turtle ``file`` given instead), as quads in the
    ontology graph, in a stable order.

    The ontology's blank nodes (OWL lists, ``owl:AllDisjointClasses``) are skolemised from a
    canonical labelling, so the same ontology always gives the same IRIs and content hash.
    """
    graph = ontology_graph(base)
    dataset = ox.Dataset()
    files = [Path(file)] if file is not None else sorted(data_path("ontology").glob("*.ttl"))
    for path in files:
        with path.open("rb") as stream:
            for quad in ox.parse(stream, format=ox.RdfFormat.TURTLE):
                dataset.add(ox.Quad(quad.subject, quad.predicate, quad.object, graph))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    genid = base + ".well-known/genid/ontology-"

    def skolem(
        term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple,
    ) -> ox.NamedNode | ox.Literal | ox.Triple:
        return ox.NamedNode(genid + term.value) if isinstance(term, ox.BlankNode) else term

    quads = []
    for quad in dataset:
        subject = skolem(quad.subject)
        assert not isinstance(subject, ox.Literal)
        quads.append(ox.Quad(subject, quad.predicate, skolem(quad.object), graph))
    return sorted(quads, key=str)


def _is_store(path: Path) -> bool:
    return (path / "CURRENT").is_file()


def _marking(base: str, started: bool) -> str:
    """SPARQL that marks the manifest as being updated (``started``), or clears the mark."""
    manifest = manifest_graph(base)
    clear = f"DELETE WHERE {{ GRAPH {manifest} {{ {manifest} {UPDATING} ?since }} }}"
    if not started:
        return clear
    now = ox.Literal(
        datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime"),
    )
    return f"{clear} ;\nINSERT DATA {{ GRAPH {manifest} {{ {manifest} {UPDATING} {now} }} }}"


def unfinished_update(path: str | os.PathLike[str], base: str = DEFAULT_BASE) -> str | None:
    """When an export that did not finish began to update the store at ``path`` (its answers
    may then mix documents before and after that export), else None. ``"never"`` when no
    export ever finished there (a store with no manifest: one killed before its first batch)."""
    # Any base's manifest: the store follows the last export, whatever base it used
    # (`query --base` only sets the prefixes).
    marked = f"SELECT ?since WHERE {{ GRAPH ?m {{ ?m a {MANIFEST_CLASS} ; {UPDATING} ?since }} }}"
    listed = f"ASK {{ GRAPH ?m {{ ?m a {MANIFEST_CLASS} }} }}"
    try:
        with reading(path, wait=0):
            store = open_read_only(path)
            for row in store.query(marked):  # type: ignore[union-attr]
                return str(row["since"].value)
            if not store.query(listed):
                return "never"
    except StoreBusy:  # an export is updating it now: not one that did not finish
        return None
    return None


def open_read_only(path: str | os.PathLike[str]) -> ox.Store:
    """Open an existing store for queries; :class:`StoreMissing` if there is none."""
    where = Path(path)
    if not _is_store(where):
        raise StoreMissing(f"no medigraph store at {where}")
    try:
        return ox.Store.read_only(str(where))
    except (OSError, RuntimeError) as exc:  # pyoxigraph raises RocksDB's errors as either
        if "column family not found" in str(exc).lower():
            raise StoreError(
                f"the store at {where} is incomplete: an export into it was stopped before it"
                " wrote anything; run `medigraph export` again to build it"
            ) from exc
        raise StoreError(f"cannot open the store at {where}: {exc}") from exc


_ROCKSDB_FILE = re.compile(
    r"CURRENT|IDENTITY|LOCK|LOG(\.old\.\d+)?|MANIFEST-\d+|OPTIONS-\d+(\.dbtmp)?|\d+\.(log|sst|blob|dbtmp)"
    r"|medigraph\.lock"
)
"""What RocksDB keeps in a store's folder (also one that a killed run left half made)."""


def open_writable(path: str | os.PathLike[str], wait: float = LOCK_WAIT_S) -> ox.Store:
    """Open (creating) a store for writing, waiting a little if another process holds it.

    A folder that holds anything else (the content, the output folder itself) is refused:
    RocksDB would put its files among the user's.
    """
    where = Path(path)
    if where.is_dir() and not _is_store(where):
        foreign = sorted(e.name for e in where.iterdir() if not _ROCKSDB_FILE.fullmatch(e.name))
        if foreign:
            raise StoreError(
                f"{where} is not a medigraph store and holds other files ({foreign[0]}"
                f"{', …' if len(foreign) > 1 else ''}); give a new or empty folder for the store"
            )
    deadline = time.monotonic() + wait
    while True:
        try:
            where.mkdir(parents=True, exist_ok=True)
            return ox.Store(str(where))
        except OSError as exc:
            # RocksDB allows one writer; another export (or `medigraph serve`) may hold it
            # for a moment, so retry before giving up with a message that says why.
            locked = "lock" in str(exc).lower()
            if locked and time.monotonic() < deadline:
                time.sleep(0.2)
                continue
            if locked:
                raise StoreError(
                    f"the store at {where} is in use by another process "
                    "(another export, or `medigraph serve`?); stop it and try again"
                ) from exc
            if exc.errno in (errno.EEXIST, errno.ENOTDIR, errno.ELOOP):
                # A dangling link, a link that loops, a file on the way: "File exists" said
                # nothing of which, or why.
                from .writers import output_problem

                problem = output_problem(where / "CURRENT")
                if problem is not None:
                    raise StoreError(
                        f"cannot open the store at {where}: {problem.split(': ', 1)[1]}"
                    ) from exc
            raise StoreError(f"cannot open the store at {where}: {exc}") from exc


def read_current_manifest(store: ox.Store, base: str = DEFAULT_BASE) -> dict[str, str]:
    """graph → content hash, as the store's manifest says now."""
    return _read_plan(store, base).current


def _read_plan(
    store: ox.Store,
    base: str,
    delete: bool = True,
    scope: Callable[[str], bool] | None = None,
) -> SyncPlan:
    """A plan from the store's manifest: each graph's hash, and the file it came from."""
    rows = store.query(manifest_query(base))
    assert isinstance(rows, ox.QuerySolutions)
    hashes, sources = [], {}
    for row in rows:
        graph = str(row["g"].value)
        hashes.append((graph, str(row["hash"].value)))
        if row["source"] is not None:
            sources[graph] = str(row["source"].value)
    return SyncPlan(read_manifest(hashes), delete=delete, sources=sources, scope=scope)


class StoreSync:
    """Brings a store in line with one export, fed one :class:`Processed` document at a time.

    Use as a context manager; call :meth:`document` for every item of the export (in any
    order) and leave the block to apply the last batch and the removals.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] = DEFAULT_STORE,
        *,
        base: str = DEFAULT_BASE,
        delete: bool = True,
        batch_size: int = BATCH_SIZE,
        scope: Callable[[str], bool] | None = None,
        ontology: list[ox.Quad] | None = None,
    ) -> None:
        self.path = Path(path)
        self.base = base
        self.delete = delete
        self.scope = scope
        """For an export of part of the corpus (a shard): whether a file (its path under the
        PATHs) is in that part; only the graphs of such files are removed when not exported."""
        self.ontology = ontology
        """The ontology graph's quads, when not the bundled ontology's."""
        self.batch_size = batch_size
        self.plan = SyncPlan({}, delete=delete)
        self.kept_removals: list[str] = []
        self.unidentified_rejects = 0
        self.unlisted = 0
        """Files or folders that could not be listed: the documents in them are unknown."""
        self._store: ox.Store | None = None
        self._read_lock: tuple[int, int] | None = None
        self._finished = False
        self._written = False
        """Whether this sync changed the store (a batch, a removal, another base's graphs)."""
        self._pending: list[tuple[str, str, bytes | list[ox.Quad]]] = []
        """(graph, content hash, N-Quads or quads) waiting for the next transaction."""
        self._source_of: dict[str, str] = {}
        """graph → the file it is written from, for the manifest (the ontology has none)."""
        self.other_bases: dict[str, int] = {}
        """Base IRI → graphs removed because an export under another base made them."""
        self.compaction_failed: str | None = None
        """Why compacting the store failed after :meth:`finish` had written all of it (a full
        disk): the store is up to date, only not compacted. None when it did not fail."""

    def __enter__(self) -> Self:
        # The queries' turn ends before RocksDB opens the store, since opening it for
        # writing already replaces some of its files (a query opening it then would fail).
        self._read_lock = _hold_for_writing(self.path)
        try:
            self._store = open_writable(self.path)
            if self._read_lock is None:  # a new store: it has a lock to take only now
                self._read_lock = _hold_for_writing(self.path)
        except BaseException:
            _release(self._read_lock)
            self._read_lock = None
            self._store = None
            raise
        self._drop_other_bases()
        self.plan = _read_plan(self._store, self.base, self.delete, self.scope)
        quads = self.ontology if self.ontology is not None else ontology_quads(self.base)
        nquads = ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""
        self._consider(ontology_graph(self.base).value, hashlib.sha256(nquads).hexdigest(), quads)
        self._store.update(_marking(self.base, started=True))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
                self.finish()
        finally:
            self._store = None  # closes RocksDB and releases the lock
            _release(self._read_lock)
            self._read_lock = None

    def abandon(self) -> None:
        """Leave the store as it was: nothing is applied. A store this sync has not changed
        yet (the export found nothing to write) is whole, and not marked half updated."""
        self._finished = True
        if not self._written and self._store is not None:
            self._store.update(_marking(self.base, started=False))

    def _drop_other_bases(self) -> None:
        """The store follows the export: the graphs an export under another base IRI made
        (listed by that base's manifest) go, or the union would count every document twice.
        Graphs no manifest lists were not made by medigraph and stay."""
        store = self._store
        assert store is not None
        ours = manifest_graph(self.base).value
        listed: dict[str, list[str]] = {}
        query = f"SELECT ?m ?g WHERE {{ GRAPH ?m {{ ?m a {MANIFEST_CLASS} ; {LISTS} ?g }} }}"
        for row in store.query(query):  # type: ignore[union-attr]
            manifest, graph = row["m"].value, row["g"].value
            if manifest != ours:
                listed.setdefault(manifest, []).append(graph)
        if not listed:
            return
        self._written = True
        suffix = ours.removeprefix(self.base)
        for manifest, graphs in listed.items():
            self.other_bases[manifest.removesuffix(suffix)] = len(graphs)
        everything = {g.value for g in store.named_graphs()}
        theirs = set(listed) | {g for graphs in listed.values() for g in graphs}
        if everything <= theirs:  # nothing else in the store: start afresh (fast)
            store.clear()
            return
        drops = [
            f"{_forget_in_union(ox.NamedNode(graph))} ;\nDROP SILENT GRAPH {ox.NamedNode(graph)}"
            for graph in sorted(theirs - set(listed))
        ]
        for start in range(0, len(drops), self.batch_size):
            store.update(" ;\n".join(drops[start : start + self.batch_size]))
        for manifest in sorted(listed):
            store.update(f"DROP SILENT GRAPH {ox.NamedNode(manifest)}")

    def document(self, item: Processed) -> None:
        """Take one document of the export into account (rejected ones keep their old graph)."""
        if item.rejected:
            # Its last good version stays, found by its file (the edit may have changed its
            # name too); a broken edit must not erase published content. A clash's IRI, and
            # so the graph of that name, is another document's, which is kept.
            self.plan.keep_last_good(item.graph, item.path)
            if item.subject is None:
                self.unidentified_rejects += 1
            return
        assert item.graph is not None
        if not item.nquads and item.triples:
            raise ValueError(
                "StoreSync needs the documents' N-Quads: run with Settings(nquads=True)"
            )
        self._consider(item.graph, item.graph_hash, item.nquads, item.path)

    def _consider(
        self,
        graph: str,
        content_hash: str,
        data: bytes | list[ox.Quad],
        source: str | None = None,
    ) -> None:
        if self.plan.consider(graph, content_hash, source) == "unchanged":
            return
        if source is not None:
            self._source_of[graph] = source
        self._pending.append((graph, content_hash, data))
        if len(self._pending) >= self.batch_size:
            self._flush()

    def finish(self) -> None:
        """Apply what is pending, then remove the graphs of documents that are gone (once)."""
        if self._finished:
            return
        self._finished = True
        self._flush()
        self._record_sources(self.plan.moved)
        if self.plan.needs_provenance() and not (self.unidentified_rejects or self.unlisted):
            # A store from before the manifest recorded files: a graph about to go may be
            # what a rejected file gave under its old name, which the graph itself tells.
            self._record_sources(self.plan.learn(_provenance(self._store, self.base)))
        removed = self.plan.removed()
        if removed and (self.unidentified_rejects or self.unlisted):
            # A document that could not be mapped has no graph name, so any graph could be
            # its previous version: keep them all rather than drop published content.
            self.kept_removals = removed
            removed = []
        if removed:
            self._apply([], removed)
        assert self._store is not None
        try:
            legacy = forget_legacy_sources(manifest_graph(self.base).value)
            self._store.update(f"{legacy} ;\n{_marking(self.base, started=False)}")
            self._store.flush()
        except OSError as exc:
            raise StoreError(f"cannot write the store at {self.path}: {exc}") from exc
        changed = len(self.plan.added) + len(self.plan.replaced) + len(removed)
        if changed >= OPTIMIZE_AFTER:
            # Bulk loads leave RocksDB with many small uncompacted files; measured on 100k
            # documents, compacting (13 s) made default-graph queries 5x faster. The store is
            # whole and marked so by now: a compaction that fails (a full disk) leaves its
            # files as they were, so the export goes on (its dump written) with a warning.
            try:
                self._store.optimize()
            except OSError as exc:
                self.compaction_failed = exc.strerror or str(exc)

    def _record_sources(self, moved: list[tuple[str, str]]) -> None:
        """Record the file of each (graph, file) in the manifest, ``batch_size`` at a time."""
        for start in range(0, len(moved), self.batch_size):
            self._written = True
            self._store.update(  # type: ignore[union-attr]
                sources_update(
                    moved[start : start + self.batch_size], manifest_graph(self.base).value
                )
            )

    def removed(self) -> list[str]:
        """Graphs this sync removed (after :meth:`finish`)."""
        return [] if self.kept_removals else self.plan.removed()

    def summary(self) -> str:
        # (the graphs are the documents' and the ontology's, which the store keeps too)
        text = (
            f"{plural(len(self.plan.added), 'graph')} added, {len(self.plan.replaced)} replaced, "
            f"{len(self.removed())} removed, {self.plan.unchanged} unchanged"
        )
        for base, count in sorted(self.other_bases.items()):
            text += f"; {plural(count, 'graph')} of an export under base {base} removed"
        if self.kept_removals:
            why = []
            if self.unidentified_rejects:
                why.append(
                    f"{plural(self.unidentified_rejects, 'rejected document')} could not be"
                    " identified"
                )
            if self.unlisted:
                places = "file or folder" if self.unlisted == 1 else "files or folders"
                why.append(f"{self.unlisted} {places} could not be listed")
            kept = len(self.kept_removals)
            text += (
                f"; {plural(kept, 'graph')} of documents no longer exported"
                f" {'was' if kept == 1 else 'were'} kept because {' and '.join(why)}"
            )
        return text

    def _flush(self) -> None:
        if self._pending:
            batch, self._pending = self._pending, []
            self._apply(batch, [])

    def _apply(
        self, batch: list[tuple[str, str, bytes | list[ox.Quad]]], removed: list[str]
    ) -> None:
        self._written = True
        try:
            self._write(batch, removed)
        except OSError as exc:  # RocksDB: a full or read-only disk
            raise StoreError(f"cannot write the store at {self.path}: {exc}") from exc
        for graph, _hash, _data in batch:  # recorded: memory stays flat over the run
            self._source_of.pop(graph, None)

    def _write(
        self, batch: list[tuple[str, str, bytes | list[ox.Quad]]], removed: list[str]
    ) -> None:
        store = self._store
        assert store is not None
        fresh = [entry for entry in batch if entry[0] not in self.plan.current]
        if len(fresh) == len(batch) and not removed and not self._leftovers(fresh):
            # Only new graphs: the bulk loader (several times faster than a transaction),
            # which is not one transaction. So the manifest lists the graphs first, with a
            # hash no content has, and gets their real hashes once they are loaded: a run
            # killed in between leaves graphs the next run replaces (their document is
            # still there) or removes (it is gone), never graphs nothing lists.
            pending = [
                q
                for g, _h, _d in fresh
                for q in manifest_quads(g, PENDING, self.base, self._source_of.get(g))
            ]
            store.extend(pending)
            named = [_nquads(data) for _graph, _hash, data in fresh]
            store.bulk_load(b"".join(named), format=ox.RdfFormat.N_QUADS)
            union = b"".join(
                _in_default_graph(data, graph)
                for (graph, _h, _d), data in zip(fresh, named, strict=True)
            )
            store.bulk_load(union, format=ox.RdfFormat.N_QUADS)
            store.update(self._confirm_text(fresh))
            return
        # Replacing a graph is "drop then insert"; only a SPARQL update does both in one
        # transaction in pyoxigraph. The terms are written by pyoxigraph's own N-Triples
        # serializer (str(term)), whose escaping is valid SPARQL, so document text is
        # never pasted in raw.
        store.update(self._update_text(batch, removed))

    def _source_statement(self, graph: str) -> str:
        """The manifest's statement of the file ``graph`` came from, or nothing."""
        source = self.plan.sources.get(graph)
        if source is None:
            return ""
        return f"{ox.NamedNode(graph)} {SOURCE_PATH} {ox.Literal(source)} ."

    def _confirm_text(self, fresh: list[tuple[str, str, bytes | list[ox.Quad]]]) -> str:
        """SPARQL that gives loaded graphs their real hashes in the manifest (one transaction)."""
        manifest = manifest_graph(self.base)
        pending, real = ox.Literal(PENDING), []
        for graph, content_hash, _data in fresh:
            real.append(f"{ox.NamedNode(graph)} {CONTENT_HASH} {ox.Literal(content_hash)} .")
        old = " ".join(f"{ox.NamedNode(g)} {CONTENT_HASH} {pending} ." for g, _h, _d in fresh)
        return (
            f"DELETE DATA {{ GRAPH {manifest} {{ {old} }} }} ;\n"
            f"INSERT DATA {{ GRAPH {manifest} {{ {' '.join(real)} }} }}"
        )

    def _leftovers(self, fresh: list[tuple[str, str, bytes | list[ox.Quad]]]) -> bool:
        """Whether a graph about to be added already holds data (from an interrupted run)."""
        store = self._store
        assert store is not None
        return any(store.contains_named_graph(ox.NamedNode(graph)) for graph, _h, _d in fresh)

    def _update_text(
        self, batch: list[tuple[str, str, bytes | list[ox.Quad]]], removed: list[str]
    ) -> str:
        manifest = manifest_graph(self.base)
        drops: list[str] = []
        old_hashes: list[str] = []
        inserts: list[str] = []
        for graph in removed:
            drops.append(_forget_in_union(ox.NamedNode(graph)))
            drops.append(f"DROP SILENT GRAPH {ox.NamedNode(graph)}")
            old = ox.Literal(self.plan.current[graph])
            old_hashes.append(
                f"{manifest} {LISTS} {ox.NamedNode(graph)} . {ox.NamedNode(graph)} {CONTENT_HASH} {old} ."
            )
            old_hashes.append(self._source_statement(graph))
        for graph, content_hash, data in batch:
            node = ox.NamedNode(graph)
            # A graph not in the manifest may hold leftovers of an interrupted run.
            drops.append(_forget_in_union(node))
            drops.append(f"DROP SILENT GRAPH {node}")
            if graph in self.plan.current:
                old_hashes.append(f"{node} {CONTENT_HASH} {ox.Literal(self.plan.current[graph])} .")
                old_hashes.append(self._source_statement(graph))
            triples = " ".join(f"{q.subject} {q.predicate} {q.object} ." for q in _quads(data))
            inserts.append(f"GRAPH {node} {{ {triples} }}")
            inserts.append(triples)  # the default graph: the union
            manifest_part = " ".join(
                f"{q.subject} {q.predicate} {q.object} ."
                for q in manifest_quads(graph, content_hash, self.base, self._source_of.get(graph))
            )
            inserts.append(f"GRAPH {manifest} {{ {manifest_part} }}")
        parts = list(drops)
        if old_hashes:
            parts.append(f"DELETE DATA {{ GRAPH {manifest} {{ {' '.join(old_hashes)} }} }}")
        if inserts:
            parts.append(f"INSERT DATA {{ {' '.join(inserts)} }}")
        return " ;\n".join(parts)


def _provenance(store: ox.Store | None, base: str) -> Iterator[tuple[str, str]]:
    """(graph, file) of the graphs the manifest lists without their file, as their own
    provenance records it (one query)."""
    assert store is not None
    rows = store.query(provenance_query(base))
    assert isinstance(rows, ox.QuerySolutions)
    for row in rows:
        yield str(row["g"].value), str(row["path"].value)


def _forget_in_union(graph: ox.NamedNode) -> str:
    """SPARQL that removes from the default graph (the union) what only ``graph`` holds."""
    return (
        f"DELETE {{ ?s ?p ?o }} WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} "
        f"FILTER NOT EXISTS {{ GRAPH ?other {{ ?s ?p ?o }} FILTER(?other != {graph}) }} }}"
    )


def _in_default_graph(nquads: bytes, graph: str) -> bytes:
    """The same statements in the default graph: drop the graph name ending every line.

    Safe on bytes: in N-Quads a line break inside a literal is always escaped, so every
    real line ends with `` <graph> .`` written by the serializer.
    """
    suffix = f" {ox.NamedNode(graph)} .\n".encode()
    out = []
    for line in nquads.split(b"\n"):
        if not line:
            continue
        if not (line + b"\n").endswith(suffix):
            raise ValueError(f"a statement of {graph} is not in that graph: {line[:200]!r}")
        out.append(line[: 1 - len(suffix)] + b" .\n")
    return b"".join(out)


def _nquads(data: bytes | list[ox.Quad]) -> bytes:
    if isinstance(data, bytes):
        return data
    return ox.serialize(data, format=ox.RdfFormat.N_QUADS) or b""


def _quads(data: bytes | list[ox.Quad]) -> list[ox.Quad]:
    if isinstance(data, list):
        return data
    return list(ox.parse(data, format=ox.RdfFormat.N_QUADS))
