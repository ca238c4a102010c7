"""The incremental cache: a re-export skips every document whose file has not changed.

One SQLite file per dump (``output/cache/medigraph.ttl.sqlite``) maps each source file to what the
workers made of it last time (its :class:`~medigraph.pipeline.Processed`: serialized
blocks, N-Quads, diagnostics). A row is only used when everything that shaped it is the
same: the file's bytes (sha256), its path and the name it is shown under, and the
*fingerprint* of the run — mapping, ontology, base IRI, output format and the engine's own
source code — so a changed mapping or a new medigraph invalidates the cache by itself and
the result is always byte-identical to a full export.

A file whose size differs from the cached one is a miss without being read; otherwise its
bytes are hashed (cheap, and no YAML parsing): modification times alone would trust an edit
that kept size and mtime (``rsync -t``, ``git checkout`` within a second).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sqlite3
from collections.abc import Callable
from pathlib import Path

from .documents import SourceFile
from .mapping import Mapper
from .pipeline import Processed, Settings

SCHEMA_VERSION = 1
_COMMIT_EVERY = 2000
"""Rows per transaction: bounded memory in SQLite's journal, progress kept if a run dies."""

_ENGINE_MODULES = (
    "documents",
    "mapping",
    "convert",
    "iris",
    "text",
    "writers",
    "pipeline",
    "diagnostics",
)


def cache_file(folder: str | os.PathLike[str], output: str) -> Path:
    """One cache per dump (``output/cache/medigraph.ttl.sqlite``): formats do not evict each other."""
    name = "stdout" if output == "-" else Path(output).name
    return Path(folder) / f"{name}.sqlite"


def default_cache_dir(output: str) -> Path | None:
    """``output/cache`` when the dump is written under ``./output`` (the default place), else None."""
    if output == "-":
        return None
    target = Path(output).resolve().parent
    home = Path("output").resolve()
    return home / "cache" if target == home or home in target.parents else None


def run_fingerprint(mapper: Mapper, settings: Settings) -> str:
    """Everything besides the file itself that decides a cached result, as one hex digest."""
    digest = hashlib.sha256()
    digest.update(f"schema {SCHEMA_VERSION}\n{mapper.fingerprint}\n{mapper.base}\n".encode())
    digest.update(f"{settings.fmt.name if settings.fmt else None} {settings.nquads}\n".encode())
    # The engine's version string does not change on every edit of the code; its source does.
    package = Path(__file__).resolve().parent
    for name in _ENGINE_MODULES:
        with contextlib.suppress(OSError):
            digest.update((package / f"{name}.py").read_bytes())
    return digest.hexdigest()


class Cache:
    """Cached results of one run's fingerprint; use as a context manager.

    ``lookup`` is the ``skip`` hook of :func:`medigraph.pipeline.run`: it answers with a
    loader (so hits are not all held in memory at once) or ``None``. ``store`` records a
    freshly computed result. ``close`` commits and drops rows that can never hit again.
    """

    def __init__(
        self, file: str | os.PathLike[str], fingerprint: str, *, prune: bool = True
    ) -> None:
        self.file = Path(file)
        self.fingerprint = fingerprint
        self.prune = prune
        self.hits = 0
        self.misses = 0
        self._pending = 0
        self.file.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.file, timeout=30, isolation_level=None)
        # Pruning frees pages; let the file give them back instead of only ever growing.
        self.db.execute("PRAGMA auto_vacuum=INCREMENTAL")
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS documents ("
            " fingerprint TEXT NOT NULL, source TEXT NOT NULL, path TEXT NOT NULL,"
            " size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, sha256 TEXT NOT NULL,"
            " result BLOB NOT NULL, PRIMARY KEY (fingerprint, source))"
        )
        self.db.execute("CREATE TEMP TABLE seen (source TEXT PRIMARY KEY)")
        self.db.execute("BEGIN")

    def __enter__(self) -> Cache:
        return self

    def __exit__(self, kind: object, value: object, traceback: object) -> None:
        self.close(success=kind is None)

    # -- the skip hook -----------------------------------------------------------------------

    def lookup(self, found: SourceFile) -> Callable[[], Processed] | None:
        """A loader of the cached result of ``found`` (a SourceFile), or None to compute it."""
        # One indexed query per file rather than the whole index in memory: memory stays flat.
        row = self.db.execute(
            "SELECT path, size, mtime_ns, sha256 FROM documents WHERE fingerprint = ? AND source = ?",
            (self.fingerprint, found.source),
        ).fetchone()
        try:
            stat = os.stat(found.file)
        except OSError:
            return self._miss()  # the reader reports it, as on any run
        if row is None or row[0] != found.path or row[1] != stat.st_size:
            return self._miss()
        try:
            with open(found.file, "rb") as stream:
                data = stream.read()
        except OSError:
            return self._miss()
        sha = hashlib.sha256(data).hexdigest()
        if sha != row[3]:
            return self._miss()
        self.hits += 1
        self.db.execute("INSERT OR IGNORE INTO seen VALUES (?)", (found.source,))
        if row[2] != stat.st_mtime_ns:  # touched but unchanged: remember the new time
            self.db.execute(
                "UPDATE documents SET mtime_ns = ? WHERE fingerprint = ? AND source = ?",
                (stat.st_mtime_ns, self.fingerprint, found.source),
            )
        source = found.source
        return lambda: self._load(source)

    def _miss(self) -> Callable[[], Processed] | None:
        self.misses += 1
        return None

    def _load(self, source: str) -> Processed:
        (blob,) = self.db.execute(
            "SELECT result FROM documents WHERE fingerprint = ? AND source = ?",
            (self.fingerprint, source),
        ).fetchone()
        result: Processed = pickle.loads(blob)
        result.cached = True
        return result

    # -- recording ---------------------------------------------------------------------------

    def store(self, item: Processed, file: str | os.PathLike[str]) -> None:
        """Record a freshly computed result (before the run changes it, e.g. for a collision)."""
        if item.sha256 is None:
            return  # unreadable files are retried every time: the problem may be fixed meanwhile
        try:
            stat = os.stat(file)
        except OSError:
            return
        # Size and time are only hints for the next lookup; the sha256 is of the bytes the
        # worker read, so an edit made meanwhile is caught by the hash check next time.
        kept = Processed(
            item.path,
            item.source,
            item.sha256,
            list(item.diagnostics),
            subject=item.subject,
            graph=item.graph,
            blocks=item.blocks,
            nquads=item.nquads,
            triples=item.triples,
            keys=item.keys,
            unmapped=item.unmapped,
        )
        self.db.execute(
            "INSERT OR REPLACE INTO documents VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                self.fingerprint,
                item.source,
                item.path,
                stat.st_size,
                stat.st_mtime_ns,
                item.sha256,
                pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL),
            ),
        )
        self.db.execute("INSERT OR IGNORE INTO seen VALUES (?)", (item.source,))
        self._pending += 1
        if self._pending >= _COMMIT_EVERY:
            self.db.execute("COMMIT")
            self.db.execute("BEGIN")
            self._pending = 0

    def close(self, success: bool = True) -> None:
        """Commit; after a complete run, forget files that are gone and other fingerprints."""
        try:
            if success and self.prune:
                self.db.execute(
                    "DELETE FROM documents WHERE fingerprint = ? AND source NOT IN (SELECT source FROM seen)",
                    (self.fingerprint,),
                )
                # One cache per output: rows of an older mapping or engine can never hit again.
                self.db.execute("DELETE FROM documents WHERE fingerprint != ?", (self.fingerprint,))
            self.db.execute("COMMIT")
            if success and self.prune:
                self.db.execute("PRAGMA incremental_vacuum")
        finally:
            self.db.close()
