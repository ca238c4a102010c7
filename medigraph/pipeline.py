"""The flow: files → documents → per-document graphs, in order, over one or many processes.

``process()`` is what a worker does for one file (read, map, serialize); ``run()`` feeds
workers and yields results in the deterministic order of the files, so every consumer
(dump writer, embedded store, push, validation) sees the same stream whatever ``jobs`` is.
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import multiprocessing.pool
import os
import signal
import threading
import time
import zlib
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from multiprocessing.pool import AsyncResult
from pathlib import Path
from sys import intern

from .diagnostics import Diagnostic, Severity, internal_error
from .documents import (
    Paths,
    SourceFile,
    as_os_name,
    as_utf8,
    cascade_warning,
    discover,
    is_draft,
    is_unpublished,
    path_list,
    read_document,
)
from .mapping import DEFAULT_BASE, MappedDocument, Mapper, load_mapping
from .writers import Block, Format, nquads, serialize_document


@dataclass(frozen=True)
class Settings:
    """What a worker needs to rebuild the mapping in its own process."""

    mapping_path: str | None = None
    base: str = DEFAULT_BASE
    fmt: Format | None = None
    nquads: bool = False
    keep_mapped: bool = False
    stat_files: bool = False
    """Record each file's stat before reading it: what the incremental cache needs, and only it."""


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
    stat: tuple[int, int, int, int, int] | None = None
    """(clock before the stat, size, mtime_ns, ctime_ns, inode) of the file, taken before it
    was read: what the incremental cache needs to trust the file later without reading it."""
    spellings: list[tuple[str, str, str, int]] = field(default_factory=list)
    """(IRI, name as written, key, line) of the shared things the document names
    (:attr:`medigraph.mapping.MappedDocument.spellings`)."""
    draft: bool = False
    """A Hugo draft (``draft: true``): left out of exports and pushes unless drafts are asked
    for, as Hugo leaves it out of the site."""
    section: bool = False
    """A Hugo section's own page (``_index.md`` with no ``owlType``): a list page, not a
    content document; left out of exports and pushes, and not a rejection."""
    unpublished: bool = False
    """A page Hugo neither renders nor lists (a headless bundle, ``build`` render and list
    ``never``): left out of exports and pushes unless drafts are asked for, as a draft is."""

    def left_out(self, drafts: bool) -> bool:
        """Whether the run leaves this file out, as Hugo leaves it out of the site: a section's
        list page, or a draft or unpublished page unless ``drafts`` are asked for."""
        return self.section or ((self.draft or self.unpublished) and not drafts)

    @property
    def rejected(self) -> bool:
        return self.graph is None or any(d.severity is Severity.ERROR for d in self.diagnostics)

    @property
    def claim(self) -> str | None:
        """The IRI this document claims in the run: none when it is rejected."""
        return None if self.rejected else self.subject

    @property
    def graph_hash(self) -> str:
        """Identifies the graph's content: same triples, same hash (N-Quads are sorted)."""
        return hashlib.sha256(self.nquads).hexdigest()


Skip = Callable[[SourceFile], Processed | Callable[[], Processed] | None]
"""A hook that spares the work for a file: a ready result, a loader of one, or None."""

_worker: tuple[Mapper, Settings, dict[str, str]] | None = None


def _init(settings: Settings, inherited: bool = False) -> None:
    """Load the mapping (``inherited``: forked from a process that loaded it for this run)."""
    global _worker
    if inherited and _worker is not None and _worker[1] == settings:
        return
    mapper = load_mapping(settings.mapping_path, base=settings.base)
    _worker = (mapper, settings, mapper.all_prefixes())


STOPPING = frozenset(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)
"""The signals the command turns into Ctrl-C in its own process (``medigraph.cli``), and
``Pool.terminate`` sends its workers (SIGTERM): a worker must die of them by default."""


def ignore_interrupts() -> None:
    """In a worker process: Ctrl-C is the main process's to handle. A terminal sends SIGINT
    to the whole process group; workers that die of it mid-message can leave
    ``Pool.terminate`` waiting forever, while the main process ends them itself.

    SIGTERM and SIGHUP end a worker at once, as by default: ``Pool.terminate`` ends its
    workers with SIGTERM and then waits for them. A worker forked with the command's own
    handler for them (``medigraph.cli``) could lose the signal: the handler runs only
    between Python operations, and a signal that arrives as the child starts is cleared by
    Python's fork, so ``Pool.terminate`` waited forever (``validate`` hung in a CI run).
    :func:`worker_pool` forks the workers with them blocked and at their default; they
    are unblocked here, and one that came in between ends the worker now."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for number in STOPPING:
        if callable(signal.getsignal(number)):  # a Python handler; an ignored one stays so
            signal.signal(number, signal.SIG_DFL)
    if STOPPING and hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOPPING)


def _init_worker(settings: Settings, inherited: bool = False) -> None:
    ignore_interrupts()
    _init(settings, inherited)


def worker_pool(
    jobs: int, initializer: Callable[..., None], initargs: tuple[object, ...]
) -> multiprocessing.pool.Pool:
    """A pool of worker processes (forked where the platform can) that leave Ctrl-C to this
    process: they are started with SIGINT ignored, so one that arrives while they start
    cannot interrupt them before their initializer says so too."""
    jobs = min(jobs, max_workers())
    forking = hasattr(os, "fork")
    context = multiprocessing.get_context("fork" if forking else "spawn")
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
    # SIGTERM and SIGHUP: blocked while the workers are forked (and in the pool's threads,
    # started here, for good), at their default in the workers (see ignore_interrupts); one
    # sent to this process meanwhile is handled once they are unblocked below.
    masking = bool(STOPPING) and hasattr(signal, "pthread_sigmask")
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, STOPPING) if masking else None
    handlers = {}
    if main:
        for number in STOPPING:
            if callable(handler := signal.getsignal(number)):
                handlers[number] = handler
                signal.signal(number, signal.SIG_DFL)
    try:
        return context.Pool(jobs, initializer=initializer, initargs=initargs)
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)
        if main:
            signal.signal(signal.SIGINT, previous)
        if mask is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def abandon(pool: multiprocessing.pool.Pool) -> None:
    """End ``pool`` at once, its work unfinished (Ctrl-C, an error): its workers are killed and
    its threads and pipes let go, with every wait bounded. ``Pool.terminate`` can wait forever
    instead: its task thread blocks on the tasks queue's lock when a worker ended while holding
    it (an export interrupted in its first second hung in 1 run of 6 under load).

    The pool's task and result threads are ended without the locks a killed worker may hold:
    the task thread's pending writes are drained from the tasks pipe, and the result thread
    reads the end of its pipe once this process's end for writing is closed. A thread still
    alive after its bounded wait (a process forked meanwhile holds a copy of the pipe) is left
    alone with its pipes, as before; otherwise a process that fails run after run (a library
    user's callback raising) kept two threads and their pipes per run."""
    # First stop the pool from replacing the workers about to die (its worker thread starts
    # a new one for each that ended: orphaned, it would hold our standard error open).
    handler = getattr(pool, "_worker_handler", None)
    ended = handler is None
    if handler is not None:
        handler._state = multiprocessing.pool.TERMINATE
        handler.join(timeout=2)  # it only sleeps and starts workers: it ends within 0.1 s
        ended = not handler.is_alive()
    workers = list(getattr(pool, "_pool", ()))
    for worker in workers:
        with contextlib.suppress(Exception):
            worker.kill()
    finalizer = getattr(pool, "_terminate", None)
    if finalizer is not None:
        finalizer.cancel()  # at exit too, nothing is to join the pool's threads
    with contextlib.suppress(Exception):
        pool._state = multiprocessing.pool.TERMINATE  # type: ignore[attr-defined]
    deadline = time.monotonic() + 2
    for worker in workers:  # killed: they end at once
        with contextlib.suppress(Exception):
            worker.join(timeout=max(0.0, deadline - time.monotonic()))
    if not ended or any(worker.exitcode is None for worker in workers):
        return
    with contextlib.suppress(Exception):
        _let_go(pool, workers, deadline + 2)


def _let_go(
    pool: multiprocessing.pool.Pool,
    workers: list[multiprocessing.process.BaseProcess],
    until: float,
) -> None:
    """End the task and result threads of ``pool``, whose workers are dead, and close its pipes."""
    tasks, results = pool._task_handler, pool._result_handler  # type: ignore[attr-defined]
    inqueue, outqueue = pool._inqueue, pool._outqueue  # type: ignore[attr-defined]
    # No worker is left to share the results pipe's lock: the task thread's last message to
    # the result thread (it may be sending it already) is written without it.
    lock, outqueue._wlock = outqueue._wlock, None
    tasks._state = multiprocessing.pool.TERMINATE
    pool._taskqueue.put(None)  # type: ignore[attr-defined]
    # The task thread may be blocked writing to the tasks pipe, which no worker reads now:
    # read it empty (raw bytes, without blocking) until the thread has ended.
    fd = inqueue._reader.fileno()
    os.set_blocking(fd, False)
    waiting = time.monotonic() + 0.1
    while tasks.is_alive() and time.monotonic() < until:
        with contextlib.suppress(BlockingIOError):
            while os.read(fd, 1 << 16):
                pass
        tasks.join(timeout=0.01)
        if lock is not None and tasks.is_alive() and time.monotonic() > waiting:
            # Still waiting for the lock: a worker killed while writing a result holds it
            # (taken, and not by this process). It is a semaphore: this process may free it.
            semaphore, lock = lock._semlock, None
            if semaphore._get_value() == 0 and semaphore._count() == 0:
                semaphore.release()
    if tasks.is_alive():
        return
    # Its pipe's last writer closed, the result thread reads its end (EOFError) and returns.
    results._state = multiprocessing.pool.TERMINATE
    outqueue._writer.close()
    results.join(timeout=max(0.0, until - time.monotonic()))
    if results.is_alive():
        return
    outqueue._reader.close()
    inqueue._reader.close()
    inqueue._writer.close()
    notifier = getattr(pool, "_change_notifier", None)
    if notifier is not None:
        notifier._reader.close()
        notifier._writer.close()
    for worker in workers:
        worker.close()


@contextlib.contextmanager
def pool_ended(pool: multiprocessing.pool.Pool) -> Iterator[multiprocessing.pool.Pool]:
    """``pool`` for a ``with`` block: terminated when the block ends, abandoned (see
    :func:`abandon`) when it ends with an exception."""
    try:
        yield pool
    except BaseException:
        abandon(pool)
        raise
    pool.terminate()


def process(found: SourceFile) -> Processed:
    """Read, map and serialize one file (in whichever process runs it).

    A bug in medigraph must not stop a run over thousands of documents: it becomes an
    error diagnostic on the file that triggered it (with the exception, for the bug report).
    """
    try:
        return _process(found)
    except Exception as exc:  # reported as a diagnostic, not swallowed
        return Processed(found.path, found.source, None, [internal_error(found.source, exc)])


def _process(found: SourceFile) -> Processed:
    assert _worker is not None, "call _init first"
    mapper, settings, prefixes = _worker
    stat = None
    if settings.stat_files:
        # Before reading: an edit made after this stat gives the file a later ctime (cache.py).
        checked = time.time_ns()
        with contextlib.suppress(OSError):
            info = os.stat(found.file)
            stat = (checked, info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
    doc, problems = read_document(found)
    if doc is None:
        return Processed(found.path, found.source, None, problems)
    problems.extend(cascade_warning(doc))
    if mapper.is_section_page(doc):
        return Processed(found.path, found.source, doc.sha256, problems, stat=stat, section=True)
    mapped = mapper.map(doc)
    result = Processed(
        found.path,
        found.source,
        doc.sha256,
        problems + mapped.diagnostics,
        keys=flatten_keys(mapped.document.front_matter),  # as the mapping spells them
        unmapped=mapped.unmapped_keys,
        stat=stat,
        draft=is_draft(doc.front_matter),
        unpublished=is_unpublished(doc.front_matter, doc.path),
        # Interned: the same few names recur in every document, and a chunk's pickle then
        # holds each once.
        spellings=[
            (intern(iri), intern(written), intern(key), doc.line_of(key))
            for iri, written, key in mapped.spellings
        ],
    )
    if mapped.subject is not None and mapped.graph_name is not None:
        # Known even when the document is rejected: its last good graph can be kept, and the
        # graphs of deleted documents removed, which an unknown name would hold back.
        result.subject = mapped.subject.value
        result.graph = mapped.graph_name.value
    if mapped.rejected:
        return result
    assert mapped.subject is not None and mapped.graph_name is not None
    result.triples = len(mapped.triples)
    if settings.fmt is not None:
        result.blocks = serialize_document(mapped, settings.fmt, prefixes)
    if settings.nquads:
        result.nquads = nquads(mapped)
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
    # surrogateescape: a name that is not UTF-8 is its bytes (it is refused when read)
    return zlib.crc32(path.encode("utf-8", "surrogateescape")) % count


def check_shard(shard: tuple[int, int] | None) -> None:
    """ValueError unless ``shard`` is (K, N) with 1 ≤ K ≤ N: shards are counted from 1."""
    if shard is None:
        return
    index, count = shard
    if not (isinstance(index, int) and isinstance(count, int) and 1 <= index <= count):
        raise ValueError(f"shard {index}/{count}: K must be between 1 and N (shards count from 1)")


def in_shard(shard: tuple[int, int]) -> Callable[[str], bool]:
    """Whether a relative path belongs to ``shard`` (K, N): the ``keep`` hook of :func:`list_files`."""
    check_shard(shard)
    index, count = shard
    return lambda path: shard_of(path, count) == index - 1


def select_shard(files: list[SourceFile], shard: tuple[int, int] | None) -> list[SourceFile]:
    if shard is None:
        return files
    check_shard(shard)
    index, count = shard
    return [f for f in files if shard_of(f.path, count) == index - 1]


def default_jobs() -> int:
    return max(
        1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    )


WORKERS_PER_CORE = 4
"""At most this many worker processes per core, whatever ``--jobs`` says: the work is CPU
bound, so more only compete for the cores, and ``-j 100000`` forked until the machine's
process table was full."""


def max_workers() -> int:
    return WORKERS_PER_CORE * default_jobs()


def run(
    paths: Paths,
    settings: Settings,
    jobs: int = 1,
    shard: tuple[int, int] | None = None,
    skip: Skip | None = None,
    lazy_pool: bool = False,
) -> tuple[int, Iterator[Processed], list[Diagnostic]]:
    """(number of files, results in file order, problems found while listing the paths).

    ``skip`` may return a ready result for a file, or a function that loads it when its turn
    comes (the incremental cache), sparing the work. It is called once per file, in file
    order, as the results are consumed. ``lazy_pool``: most files are expected to be skipped
    (a re-export), so worker processes are only started once enough files need the work.
    """
    jobs = min(jobs, max_workers())  # chunks and the window are sized for the real workers
    # Workers are forked before the file list exists: otherwise each would carry a copy of
    # the pages holding it (a forked process's RSS counts every page it shares).
    pool = _pool(settings, jobs) if jobs > 1 and not lazy_pool else None
    try:
        # The shard is chosen while listing: a machine holds only its own part of the list.
        files, problems = list_files(paths, keep=None if shard is None else in_shard(shard))
    except BaseException:
        if pool is not None:
            abandon(pool)
        raise
    if pool is not None and len(files) < _IN_PROCESS:  # not worth the round trips
        pool.terminate()
        pool = None
    feeder = _Feeder(settings, pool, jobs, len(files), lazy=jobs > 1 and pool is None)
    return len(files), feeder.results(files, skip), problems


def _pool(settings: Settings, jobs: int, inherited: bool = False) -> multiprocessing.pool.Pool:
    return worker_pool(jobs, _init_worker, (settings, inherited and hasattr(os, "fork")))


class FileList:
    """The files of one folder, in listing order, in a few bytes each.

    A run must know its files before the first result (their number, their order), but one
    :class:`SourceFile` per file costs ≈ 340 bytes (three path strings): 34 MB for 100 000
    files, counted again in every process forked while it exists. This keeps each file's
    name in one byte string and the index of its folder in an array (≈ 45 bytes per file);
    the SourceFile objects are made again as they are iterated.
    """

    def __init__(self, top: str, shown: str) -> None:
        self._top = top
        self._shown = shown
        # (relative folder, prefix of the path to open, prefix of the name shown)
        self._folders: list[tuple[str, str, str]] = []
        self._where = array("I")
        self._names = bytearray()

    def add(self, rel: str) -> None:
        folder, _, name = rel.rpartition("/")
        if not self._folders or self._folders[-1][0] != folder:
            # Built as discover builds them (the same strings with any os.sep): the path to
            # open joins folder by folder, the name shown joins the relative path.
            # The relative path is the names' UTF-8 text (documents.as_utf8); the paths to
            # open and to show are the file system's strings.
            on_disk = as_os_name(folder)
            self._folders.append(
                (
                    folder,
                    os.path.join(self._top, *on_disk.split("/"), "")
                    if folder
                    else os.path.join(self._top, ""),
                    os.path.join(self._shown, on_disk + "/" if folder else ""),
                )
            )
        self._where.append(len(self._folders) - 1)
        # surrogatepass: names that are not UTF-8 (kept by os.fsdecode as surrogates) round-trip
        self._names += name.encode("utf-8", "surrogatepass")
        self._names.append(0)  # no file name contains NUL

    def __len__(self) -> int:
        return len(self._where)

    def __iter__(self) -> Iterator[SourceFile]:
        names = self._names
        folders = self._folders
        start = 0
        for index in self._where:
            end = names.index(0, start)
            name = names[start:end].decode("utf-8", "surrogatepass")
            start = end + 1
            folder, file_prefix, shown_prefix = folders[index]
            on_disk = as_os_name(name)
            shown = shown_prefix + on_disk
            yield SourceFile(
                shown if file_prefix == shown_prefix else file_prefix + on_disk,
                f"{folder}/{name}" if folder else name,
                shown if on_disk is name else as_utf8(shown),
            )

    def __getitem__(self, position: int) -> SourceFile:
        if position < 0:
            position += len(self)
        if not 0 <= position < len(self):
            raise IndexError(position)
        for index, found in enumerate(self):  # only used to name a file in a rare message
            if index == position:
                return found
        raise IndexError(position)  # pragma: no cover


def list_files(
    paths: Paths, keep: Callable[[str], bool] | None = None
) -> tuple[FileList | list[SourceFile], list[Diagnostic]]:
    """What :func:`~medigraph.documents.discover` lists, compactly for a single folder.

    For one folder, ``discover``'s ``keep`` hook sees the relative path of every file it
    would list, in order; recording them here and answering False keeps discover's own list
    empty. Several paths (or a file) are listed by ``discover`` as they are.
    """
    given = path_list(paths)
    if len(given) != 1 or not os.path.isdir(given[0]) or os.path.isfile(given[0]):
        return discover(given, keep=keep)
    files = FileList(os.fspath(Path(given[0])), os.fspath(given[0]))

    def record(rel: str) -> bool:
        if keep is None or keep(rel):
            files.add(rel)
        return False

    listed, problems = discover(given, keep=record)
    assert not listed
    return files, problems


_IN_PROCESS = 64
"""Below this many files to compute, worker processes are not worth their start."""

_QUEUE_LIMIT = 512
"""Results (cached ones, mostly) that may wait behind a chunk still being computed."""

_Waiting = Processed | Callable[[], Processed] | tuple["_Chunk", int]


class _Chunk:
    """Files sent to a worker together: one message each way per chunk, not per file."""

    __slots__ = ("files", "pending", "results")

    def __init__(self) -> None:
        self.files: list[SourceFile] = []
        self.pending: AsyncResult[list[Processed]] | None = None
        self.results: list[Processed | None] | None = None


class _Feeder:
    """Results in file order, from the ``skip`` hook, this process or the workers.

    Files are taken one at a time: those the hook answers wait in a queue behind the chunks
    still being computed; at most ``jobs × 3`` chunks are in flight and at most
    ``_QUEUE_LIMIT`` results wait, so memory does not grow with the corpus nor with a slow
    consumer (Pool.imap has no back-pressure).
    """

    def __init__(
        self,
        settings: Settings,
        pool: multiprocessing.pool.Pool | None,
        jobs: int,
        count: int,
        lazy: bool,
    ) -> None:
        self.settings = settings
        self.pool = pool
        self.jobs = jobs
        self.lazy = lazy
        # Chunks amortise the pickling round trip; small enough that the workers finish together.
        self.chunk_size = max(16, min(128, count // (jobs * 32)))
        self.window = jobs * 3
        self.queue: deque[_Waiting] = deque()
        self.batch: _Chunk | None = None
        self.in_flight = 0
        self.computed = 0
        self.loaded = False

    def results(self, files: Iterable[SourceFile], skip: Skip | None) -> Iterator[Processed]:
        try:
            for found in files:
                ready = skip(found) if skip is not None else None
                if ready is not None:
                    self.queue.append(ready)
                else:
                    self._compute(found)
                yield from self._ready(finish=False)
            yield from self._ready(finish=True)
        except BaseException:  # Ctrl-C, an error, the consumer stopping early
            if self.pool is not None:
                abandon(self.pool)
                self.pool = None
            raise
        finally:
            if self.pool is not None:
                self.pool.terminate()

    def _compute(self, found: SourceFile) -> None:
        self.computed += 1
        if self.pool is None and not (self.lazy and self.computed > _IN_PROCESS):
            if not self.loaded:  # once per run: the mapping file may have changed since
                _init(self.settings)
                self.loaded = True
            self.queue.append(process(found))
            return
        if self.pool is None:  # enough work now: the workers inherit this process's mapping
            self.pool = _pool(self.settings, self.jobs, inherited=self.loaded)
        if self.batch is None:
            self.batch = _Chunk()
        self.queue.append((self.batch, len(self.batch.files)))
        self.batch.files.append(found)
        if len(self.batch.files) >= self.chunk_size:
            self._submit()

    def _submit(self) -> None:
        batch, self.batch = self.batch, None
        assert batch is not None and self.pool is not None
        batch.pending = self.pool.apply_async(process_chunk, (batch.files,))
        self.in_flight += 1

    def _ready(self, finish: bool) -> Iterator[Processed]:
        """Yield the results at the head of the queue that are (or must now be) available."""
        queue = self.queue
        while queue:
            head = queue[0]
            if isinstance(head, tuple):
                chunk, index = head
                if chunk.results is None:
                    full = finish or len(queue) >= _QUEUE_LIMIT or self.in_flight >= self.window
                    if chunk.pending is None:
                        if not full:
                            return
                        self._submit()
                    assert chunk.pending is not None
                    if not (full or chunk.pending.ready()):
                        return
                    chunk.results = list(chunk.pending.get())
                    chunk.pending = None
                    chunk.files = []
                    self.in_flight -= 1
                queue.popleft()
                item = chunk.results[index]
                chunk.results[index] = None  # the consumer may keep it; this chunk does not
                assert item is not None
                yield item
            else:
                queue.popleft()
                yield head if isinstance(head, Processed) else head()


def process_chunk(files: list[SourceFile]) -> list[Processed]:
    """``process`` for several files: one message each way per chunk, not per file."""
    return [process(found) for found in files]
