"""The flow: files → documents → per-document graphs, in order, over one or many processes.

``process()`` is what a worker does for one file (read, map, serialize); ``run()`` feeds
workers and yields results in the deterministic order of the files, so every consumer
(dump writer, embedded store, push, validation) sees the same stream whatever ``jobs`` is.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox

from .diagnostics import Diagnostic, Severity
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

    @property
    def rejected(self) -> bool:
        return self.graph is None or any(d.severity is Severity.ERROR for d in self.diagnostics)

    @property
    def graph_hash(self) -> str:
        """Identifies the graph's content: same triples, same hash (N-Quads are sorted)."""
        return hashlib.sha256(self.nquads).hexdigest()


_worker: tuple[Mapper, Settings, dict[str, str]] | None = None


def _init(settings: Settings) -> None:
    global _worker
    mapper = load_mapping(settings.mapping_path, base=settings.base)
    _worker = (mapper, settings, mapper.all_prefixes())


def process(found: SourceFile) -> Processed:
    """Read, map and serialize one file (in whichever process runs it)."""
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
        result.nquads = ox.serialize(list(mapped.quads()), format=ox.RdfFormat.N_QUADS)
    if settings.keep_mapped:
        result.mapped = mapped
    return result


def flatten_keys(fm: dict[str, object], prefix: str = "") -> list[str]:
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


def select_shard(files: list[SourceFile], shard: tuple[int, int] | None) -> list[SourceFile]:
    if shard is None:
        return files
    index, count = shard
    return [f for f in files if shard_of(f.path, count) == index - 1]


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def run(
    paths: Iterable[str | os.PathLike[str]],
    settings: Settings,
    jobs: int = 1,
    shard: tuple[int, int] | None = None,
    skip: Callable[[SourceFile], Processed | None] | None = None,
) -> tuple[int, Iterator[Processed], list[Diagnostic]]:
    """(number of files, results in file order, problems found while listing the paths).

    ``skip`` may return a ready result for a file (the incremental cache), sparing the work.
    """
    files, problems = discover(paths)
    files = select_shard(files, shard)
    return len(files), _results(files, settings, jobs, skip), problems


def _results(
    files: list[SourceFile],
    settings: Settings,
    jobs: int,
    skip: Callable[[SourceFile], Processed | None] | None,
) -> Iterator[Processed]:
    cached: dict[int, Processed] = {}
    todo: list[SourceFile] = []
    order: list[int | None] = []
    for found in files:
        ready = skip(found) if skip else None
        if ready is not None:
            cached[len(order)] = ready
            order.append(None)
        else:
            order.append(len(todo))
            todo.append(found)
    computed = _compute(todo, settings, jobs)
    for position in range(len(order)):
        if order[position] is None:
            yield cached.pop(position)
        else:
            yield next(computed)


def _compute(files: list[SourceFile], settings: Settings, jobs: int) -> Iterator[Processed]:
    if not files:
        return
    if jobs <= 1 or len(files) < 64:
        _init(settings)
        for found in files:
            yield process(found)
        return
    context = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    chunk = max(8, min(256, len(files) // (jobs * 16) or 8))
    with context.Pool(jobs, initializer=_init, initargs=(settings,)) as pool:
        yield from pool.imap(process, files, chunksize=chunk)
