"""The flow: files → documents → per-document graphs, in order, over one or many processes.

``process()`` is what a worker does for one file (read, map, serialize); ``run()`` feeds
workers and yields results in the deterministic order of the files, so every consumer
(dump writer, embedded store, push, validation) sees the same stream whatever ``jobs`` is.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import multiprocessing.pool
import os
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from multiprocessing.pool import AsyncResult

import pyoxigraph as ox

from .diagnostics import Diagnostic, Severity, error
from .documents import SourceFile, discover, read_document
from .mapping import DEFAULT_BASE, MappedDocument, Mapper, load_mapping
from .writers import Block, Format, serialize_document


@dataclass(frozen=True)
class Settings:
    """What a worker needs to rebuild the mapping in its own process."""

    mapping_path: str | None = None
    base: str = DEFAULT_BASE
    fmt: Format | None = None
    nquads: bool = False
    keep_mapped: bool = False


@dataclass
class Processed:
    """One file after read → map → serialize: small, picklable, enough for every consumer."""

    path: str
    source: str
    sha256: str | None
    diagnostics: list[Diagnostic]
    subject: str | None = None
    graph: str | None = None
    blocks: list[Block] = field(default_factory=list)
    nquads: bytes = b""
    triples: int = 0
    keys: list[str] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)
    mapped: MappedDocument | None = None
    cached: bool = False
    """True when this result came from the incremental cache rather than from a worker."""

    @property
    def rejected(self) -> bool:
        return self.graph is None or any(d.severity is Severity.ERROR for d in self.diagnostics)

    @property
    def graph_hash(self) -> str:
        """Identifies the graph's content: same triples, same hash (N-Quads are sorted)."""
        return hashlib.sha256(self.nquads).hexdigest()


Skip = Callable[[SourceFile], Processed | Callable[[], Processed] | None]
"""A hook that spares the work for a file: a ready result, a loader of one, or None."""

_worker: tuple[Mapper, Settings, dict[str, str]] | None = None


def _init(settings: Settings) -> None:
    global _worker
    mapper = load_mapping(settings.mapping_path, base=settings.base)
    _worker = (mapper, settings, mapper.all_prefixes())


def process(found: SourceFile) -> Processed:
    """Read, map and serialize one file (in whichever process runs it).

    A bug in medigraph must not stop a run over thousands of documents: it becomes an
    error diagnostic on the file that triggered it (with the exception, for the bug report).
    """
    try:
        return _process(found)
    except Exception as exc:  # reported as a diagnostic, not swallowed
        message = f"internal error, please report it: {type(exc).__name__}: {exc}"
        return Processed(
            found.path, found.source, None, [error(found.source, None, None, message, "internal")]
        )


def _process(found: SourceFile) -> Processed:
    assert _worker is not None, "call _init first"
    mapper, settings, prefixes = _worker
    doc, problems = read_document(found)
    if doc is None:
        return Processed(found.path, found.source, None, problems)
    mapped = mapper.map(doc)
    result = Processed(
        found.path,
        found.source,
        doc.sha256,
        problems + mapped.diagnostics,
        keys=flatten_keys(doc.front_matter),
        unmapped=mapped.unmapped_keys,
    )
    if mapped.rejected:
        return result
    assert mapped.subject is not None and mapped.graph_name is not None
    result.subject = mapped.subject.value
    result.graph = mapped.graph_name.value
    result.triples = len(mapped.triples)
    if settings.fmt is not None:
        result.blocks = serialize_document(mapped, settings.fmt, prefixes)
    if settings.nquads:
        result.nquads = ox.serialize(list(mapped.quads()), format=ox.RdfFormat.N_QUADS) or b""
    if settings.keep_mapped:
        result.mapped = mapped
    return result


def flatten_keys(fm: Mapping[str, object], prefix: str = "") -> list[str]:
    keys = []
    for name, value in fm.items():
        full = f"{prefix}{name}"
        if isinstance(value, dict) and value:
            keys.extend(flatten_keys(value, full + "."))
        else:
            keys.append(full)
    return keys


def shard_of(path: str, count: int) -> int:
    """The shard (0-based) a file belongs to: stable across machines and Python versions."""
    return zlib.crc32(path.encode("utf-8")) % count


def _in_shard(shard: tuple[int, int]) -> Callable[[str], bool]:
    index, count = shard
    return lambda path: shard_of(path, count) == index - 1


def select_shard(files: list[SourceFile], shard: tuple[int, int] | None) -> list[SourceFile]:
    if shard is None:
        return files
    index, count = shard
    return [f for f in files if shard_of(f.path, count) == index - 1]


def default_jobs() -> int:
    return max(
        1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    )


def run(
    paths: Iterable[str | os.PathLike[str]],
    settings: Settings,
    jobs: int = 1,
    shard: tuple[int, int] | None = None,
    skip: Skip | None = None,
) -> tuple[int, Iterator[Processed], list[Diagnostic]]:
    """(number of files, results in file order, problems found while listing the paths).

    ``skip`` may return a ready result for a file, or a function that loads it when its turn
    comes (the incremental cache: hits are not all held in memory at once), sparing the work.
    """
    # Workers are forked before the file list exists: otherwise each would carry a copy of
    # the pages holding it (copy-on-write pages are copied as soon as refcounts change).
    pool = _pool(settings, jobs) if jobs > 1 else None
    try:
        # The shard is chosen while listing: a machine holds only its own part of the list.
        files, problems = discover(paths, keep=None if shard is None else _in_shard(shard))
    except BaseException:
        if pool is not None:
            pool.terminate()
        raise
    return len(files), _results(files, settings, pool, jobs, skip), problems


def _pool(settings: Settings, jobs: int) -> multiprocessing.pool.Pool:
    context = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    return context.Pool(jobs, initializer=_init, initargs=(settings,))


def _results(
    files: list[SourceFile],
    settings: Settings,
    pool: multiprocessing.pool.Pool | None,
    jobs: int,
    skip: Skip | None,
) -> Iterator[Processed]:
    try:
        cached: dict[int, Processed | Callable[[], Processed]] = {}
        todo: list[SourceFile] = []
        for position, found in enumerate(files):
            ready = skip(found) if skip else None
            if ready is not None:
                cached[position] = ready
            else:
                todo.append(found)
        if pool is not None and len(todo) < 64:  # not worth the round trips
            pool.terminate()
            pool = None
        computed = _compute(todo, settings, pool, jobs)
        for position in range(len(files)):
            ready = cached.pop(position, None)
            if ready is None:
                yield next(computed)
            else:
                yield ready if isinstance(ready, Processed) else ready()
    finally:
        if pool is not None:
            pool.terminate()


def _compute(
    files: list[SourceFile], settings: Settings, pool: multiprocessing.pool.Pool | None, jobs: int
) -> Iterator[Processed]:
    if not files:
        return
    if pool is None:
        _init(settings)
        for found in files:
            yield process(found)
        return
    # Chunks amortise the pickling round trip; small enough that the workers finish together.
    chunk = max(16, min(128, len(files) // (jobs * 32)))
    parts = (files[start : start + chunk] for start in range(0, len(files), chunk))
    # Pool.imap has no back-pressure: with a slow consumer (a store, a slow disk) every
    # result would pile up in this process. A bounded window of chunks keeps memory flat.
    pending: deque[AsyncResult[list[Processed]]] = deque(
        pool.apply_async(process_chunk, (part,)) for part in islice(parts, jobs * 3)
    )
    while pending:
        done = pending.popleft().get()
        part = next(parts, None)
        if part is not None:
            pending.append(pool.apply_async(process_chunk, (part,)))
        yield from done


def process_chunk(files: list[SourceFile]) -> list[Processed]:
    """``process`` for several files: one message each way per chunk, not per file."""
    return [process(found) for found in files]
