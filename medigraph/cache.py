"""The incremental cache: a re-export skips every document whose file has not changed.

One SQLite file per dump (``output/cache/medigraph.ttl.sqlite``) maps each source file to what the
workers made of it last time (the bytes of its serialized blocks, N-Quads, diagnostics). A
row is only used when everything that shaped it is the same: the file's bytes (sha256), its
path and the name it is shown under, and the *fingerprint* of the run — mapping, ontology,
base IRI, output format, the engine's own source code and the Python and libraries it runs
on — so a changed mapping, a new medigraph or a Python upgrade invalidates the cache by
itself and the result is always byte-identical to a full export.

Whether the bytes are the same is decided the way git decides it for its index:

- the row keeps the file's size, mtime, ctime and inode as they were *before* the bytes that
  were hashed were read, and when that stat was taken;
- a file whose stat is exactly the recorded one is trusted without being read, unless its
  mtime or ctime was less than ``RACY_NS`` (3 s) before the recorded stat was taken: an edit in
  that same clock tick could leave every field as it was, so such a file is read and hashed,
  like git's "racily clean" entries (and recorded again, so the next run trusts it);
- any other file of the same size is read and hashed: touched but unchanged, it is a hit (and
  its new stat is recorded); an edit that restored size and mtime (``rsync -t``, ``touch -d``)
  changes the ctime, which no user can set, so it is caught too.

What this cannot see, like git: an edit that keeps size, mtime, ctime and inode (a file system
whose clock runs more than ``RACY_NS`` behind this machine's, e.g. an NFS server with a skewed
clock, or someone resetting the system clock).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import io
import os
import pickle
import sqlite3
import stat as stat_mode
import sys
import time
import unicodedata
from collections import deque
from collections.abc import Callable
from pathlib import Path

import yaml

from .diagnostics import Diagnostic, Severity
from .documents import SourceFile
from .mapping import Mapper
from .pipeline import Processed, Settings

try:
    import fcntl
except ImportError:  # not POSIX: no lock between runs
    fcntl = None  # type: ignore[assignment]

SCHEMA_VERSION = 4
RACY_NS = 3_000_000_000
"""A stat is trusted only when the file's mtime and ctime are this much older than the moment
the stat was taken (covers coarse kernel clocks and 2-second FAT timestamps)."""
_WINDOW = 128
"""Rows read ahead in one query, in source order (the files come in that order)."""
_COMMIT_EVERY = 2000
"""Rows per transaction: bounded memory in SQLite's journal, progress kept if a run dies."""
LOCK_WAIT_S = 10.0
"""How long a run waits for another run that uses the same cache before giving up."""


class CacheError(Exception):
    """The cache cannot be used now: another run holds it."""


_ALLOWED = {
    ("medigraph.diagnostics", "Diagnostic"): Diagnostic,
    ("medigraph.diagnostics", "Severity"): Severity,
}


class _Unpickler(pickle.Unpickler):
    """Rows are read back as data only: a row can name no class but the two a result holds,
    so a tampered cache file cannot make ``pickle`` run code."""

    def find_class(self, module: str, name: str) -> type:
        try:
            return _ALLOWED[module, name]
        except KeyError:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the cache") from None


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
    """One cache per dump (``output/cache/medigraph.ttl.sqlite``): formats do not evict each
    other, and neither do two dumps of one name in two folders (``output/a/x.ttl`` has
    ``output/cache/a%2Fx.ttl.sqlite``): the dump's path from the cache folder's parent."""
    if output == "-":
        return Path(folder) / "stdout.sqlite"
    name = Path(output).name
    place = os.path.relpath(os.path.realpath(output), os.path.dirname(os.path.realpath(folder)))
    if not place.startswith(os.pardir) and not os.path.isabs(place):
        name = place.replace("%", "%25").replace(os.sep, "%2F")
    return Path(folder) / f"{name}.sqlite"


def default_cache_dir(output: str) -> Path | None:
    """``output/cache`` when the dump is written under ``./output`` (the default place), else None."""
    if output == "-":
        return None
    # realpath, not Path.resolve, which raises RuntimeError on a link that loops (./output
    # -> output): such a place is no folder, so the dump is not under it.
    target = Path(os.path.realpath(output)).parent
    home = Path(os.path.realpath("output"))
    return home / "cache" if target == home or home in target.parents else None


def run_fingerprint(mapper: Mapper, settings: Settings) -> str:
    """Everything besides the file itself that decides a cached result, as one hex digest."""
    digest = hashlib.sha256()
    digest.update(f"schema {SCHEMA_VERSION}\n{mapper.fingerprint}\n{mapper.base}\n".encode())
    digest.update(f"{settings.fmt.name if settings.fmt else None} {settings.nquads}\n".encode())
    # Libraries whose output is part of the result: the bodies' Markdown rendering, the terms.
    for distribution in ("markdown-it-py", "pyoxigraph", "PyYAML"):
        digest.update(f"{distribution} {_version(distribution)}\n".encode())
    # And Python's own: the bodies' HTML is read by its html.parser (changed by patch
    # releases), slugs and names fold by its Unicode database (newer with each minor
    # version), and YAML is read by libyaml when PyYAML has it, else by PyYAML's own parser
    # (their diagnostics differ).
    with_libyaml = getattr(yaml, "__with_libyaml__", False)
    digest.update(
        f"python {sys.implementation.name} {sys.version}\n"
        f"unicode {unicodedata.unidata_version}\nlibyaml {with_libyaml}\n".encode()
    )
    # The engine's version string does not change on every edit of the code; its source does.
    package = Path(__file__).resolve().parent
    for name in _ENGINE_MODULES:
        with contextlib.suppress(OSError):
            digest.update((package / f"{name}.py").read_bytes())
    return digest.hexdigest()


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "?"


_Row = tuple[str, int, str, int, int, int, int, int, str, bytes]
"""source, rowid, path, size, mtime_ns, ctime_ns, inode, checked_ns, sha256, result."""

_COLUMNS = "source, rowid, path, size, mtime_ns, ctime_ns, inode, checked_ns, sha256, result"


def _signed(inode: int) -> int:
    """SQLite integers are signed 64-bit; inodes may use all 64 bits."""
    return inode - (1 << 64) if inode >= 1 << 63 else inode


class Cache:
    """Cached results of one run's fingerprint; use as a context manager.

    ``lookup`` is the ``skip`` hook of :func:`medigraph.pipeline.run`: it answers with a
    loader (so hits are not all held in memory at once) or ``None``. ``store`` records a
    freshly computed result. ``close`` commits and drops rows that can never hit again.

    Files are looked up in listing order, which is the order of their names: rows are read
    ahead ``_WINDOW`` at a time, in that order, in one query (not one per file); a file out of
    that order gets a query of its own.
    """

    def __init__(
        self,
        file: str | os.PathLike[str],
        fingerprint: str,
        *,
        prune: bool = True,
        scope: Callable[[str], bool] | None = None,
    ) -> None:
        self.file = Path(file)
        self.fingerprint = fingerprint
        self.prune = prune
        self.scope = scope
        """For a run that sees part of the corpus (a shard): whether a file (its path under
        the PATHs) is in that part. Only the rows of such files can be of files that are gone:
        the others' are kept (another shard's run may use them)."""
        self.hits = 0
        self.misses = 0
        self.verified = 0
        """Hits whose bytes had to be read and hashed (touched, copied or racily clean files)."""
        self._pending = 0
        self._refresh: list[tuple[int, int, int, int, int, int]] = []
        self._window: deque[_Row] = deque()
        self._exhausted = False
        self._last: str | None = None
        self._seen = bytearray()  # one bit per rowid used (hit or stored) by this run
        self._marked = 0
        self._keys: dict[str, list[str]] = {}
        self.reset: str | None = None
        """Why the cache file was found unusable and started afresh, if it was."""
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # a file where its folder goes ("File exists" said nothing)
            raise self._in_the_way(exc) from None
        self._lock = self._take_lock()
        try:
            try:
                self.db = self._connect()
            except sqlite3.OperationalError as exc:
                # A full disk, an I/O error, a file it may not write: the cache is whole, and
                # is kept (the export stops: "cannot open the cache …").
                if self.file.is_dir():  # SQLite says only "unable to open database file"
                    raise self._in_the_way(exc) from None
                raise
            except sqlite3.DatabaseError as exc:  # not a cache (damaged, or another file)
                self.db = self._afresh(exc)
        except BaseException:
            self._release_lock()
            raise

    def _in_the_way(self, exc: Exception) -> Exception:
        """``exc`` said as what stands where the cache goes (a file in place of its folder,
        a folder in place of its file), when that is what it is."""
        from .writers import output_problem

        problem = output_problem(self.file)
        return CacheError(f"cannot open the cache {problem}") if problem else exc

    def _afresh(self, exc: sqlite3.DatabaseError) -> sqlite3.Connection:
        """An empty cache in place of a file found damaged (``reset`` says why)."""
        self.reset = f"{exc}"
        for stale in (self.file, Path(f"{self.file}-wal"), Path(f"{self.file}-shm")):
            stale.unlink(missing_ok=True)
        return self._connect()

    def _take_lock(self) -> int | None:
        """One run at a time per cache: a second one waits a little, then says why it stops."""
        if fcntl is None:
            return None
        fd = os.open(f"{self.file}.lock", os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + LOCK_WAIT_S
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except OSError:
                if time.monotonic() < deadline:
                    time.sleep(0.2)
                    continue
                os.close(fd)
                raise CacheError(
                    f"the cache {self.file} is in use by another export of the same output; "
                    "wait for it to finish, or run with --no-cache"
                ) from None

    def _release_lock(self) -> None:
        if self._lock is not None:
            os.close(self._lock)  # closing the descriptor releases the lock
            self._lock = None

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.file, timeout=30, isolation_level=None)
        try:
            # A new file: pages that hold a whole row (≈ 8 KB) rather than chaining overflow pages.
            db.execute("PRAGMA page_size=16384")
            # Pruning frees pages; let the file give them back instead of only ever growing.
            db.execute("PRAGMA auto_vacuum=INCREMENTAL")
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("BEGIN IMMEDIATE")
            (version,) = db.execute("PRAGMA user_version").fetchone()
            if version != SCHEMA_VERSION:  # a cache of an older medigraph: start afresh
                db.execute("DROP TABLE IF EXISTS documents")
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db.execute(
                "CREATE TABLE IF NOT EXISTS documents ("
                " fingerprint TEXT NOT NULL, source TEXT NOT NULL, path TEXT NOT NULL,"
                " size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, ctime_ns INTEGER NOT NULL,"
                " inode INTEGER NOT NULL, checked_ns INTEGER NOT NULL, sha256 TEXT NOT NULL,"
                " result BLOB NOT NULL, PRIMARY KEY (fingerprint, source))"
            )
            db.execute("COMMIT")
            db.execute("BEGIN")
        except BaseException:
            db.close()
            raise
        return db

    def __enter__(self) -> Cache:
        return self

    def __exit__(self, kind: object, value: object, traceback: object) -> None:
        self.close(success=kind is None)

    def expects_hits(self) -> bool:
        """Whether this fingerprint has rows at all (if not, every file is computed)."""
        return (
            self.db.execute(
                "SELECT 1 FROM documents WHERE fingerprint = ? LIMIT 1", (self.fingerprint,)
            ).fetchone()
            is not None
        )

    # -- the skip hook -----------------------------------------------------------------------

    def lookup(self, found: SourceFile) -> Processed | None:
        """The cached result of ``found`` (a SourceFile), or None to compute it."""
        try:
            row = self._row(found.source)
        except UnicodeEncodeError:  # a name SQLite cannot store: never cached
            row = None
        except sqlite3.OperationalError:
            raise  # an I/O error is no damage: the cache is kept ("cannot use the cache …")
        except sqlite3.DatabaseError as exc:  # damaged past its header: start afresh
            with contextlib.suppress(sqlite3.Error):
                self.db.close()
            self.db = self._afresh(exc)
            self._window.clear()
            self._exhausted, self._last = True, None
            self._seen, self._marked = bytearray(), 0
            return self._miss()
        if row is None or row[2] != found.path:
            return self._miss()
        checked = time.time_ns()  # before the stat, as when the row was written
        try:
            info = os.stat(found.file)
        except OSError:
            return self._miss()  # the reader reports it, as on any run
        if info.st_size != row[3] or not stat_mode.S_ISREG(info.st_mode):
            return self._miss()
        now = (info.st_mtime_ns, info.st_ctime_ns, _signed(info.st_ino))
        if now != row[4:7] or max(row[4], row[5]) >= row[7] - RACY_NS:
            # Changed stat, or racily clean: the bytes decide.
            try:
                with open(found.file, "rb") as stream:
                    data = stream.read()
            except OSError:
                return self._miss()
            if hashlib.sha256(data).hexdigest() != row[8]:
                return self._miss()
            self.verified += 1
            self._refresh.append((info.st_size, *now, checked, row[1]))
            if len(self._refresh) >= _COMMIT_EVERY:
                self._flush_refresh()
        try:
            loaded = self._load(row, found)
        except Exception:  # a row this medigraph did not write: computed again, and replaced
            return self._miss()
        self.hits += 1
        self._mark(row[1])
        return loaded

    def _row(self, source: str) -> _Row | None:
        """The row of ``source``, from the read-ahead window when the files come in order."""
        if self._last is not None and source <= self._last:
            row: _Row | None = self.db.execute(
                f"SELECT {_COLUMNS} FROM documents WHERE fingerprint = ? AND source = ?",
                (self.fingerprint, source),
            ).fetchone()
            return row
        self._last = source
        window = self._window
        while True:
            while window and window[0][0] < source:
                window.popleft()
            if window:
                return window[0] if window[0][0] == source else None
            if self._exhausted:
                return None
            # Every row from ``source`` on, up to the window's size: when a file is not among
            # them, it has no row (rows added since are of files looked up before).
            rows = self.db.execute(
                f"SELECT {_COLUMNS} FROM documents WHERE fingerprint = ? AND source >= ?"
                " ORDER BY source LIMIT ?",
                (self.fingerprint, source, _WINDOW),
            ).fetchall()
            window.extend(rows)
            self._exhausted = len(rows) < _WINDOW

    def _miss(self) -> Processed | None:
        self.misses += 1
        return None

    def _mark(self, rowid: int) -> None:
        byte, bit = divmod(rowid, 8)
        if byte >= len(self._seen):
            self._seen.extend(bytes(max(byte + 1 - len(self._seen), len(self._seen))))
        if not self._seen[byte] & (1 << bit):
            self._seen[byte] |= 1 << bit
            self._marked += 1

    def _is_marked(self, rowid: int) -> bool:
        byte, bit = divmod(rowid, 8)
        return byte < len(self._seen) and bool(self._seen[byte] & (1 << bit))

    def _load(self, row: _Row, found: SourceFile) -> Processed:
        (subject, graph, triples, blocks, nquads, keys, unmapped, diagnostics, spellings, kind) = (
            _Unpickler(io.BytesIO(row[9])).load()
        )
        if not (
            isinstance(kind, tuple)
            and isinstance(nquads, bytes)
            and isinstance(blocks, list)
            and all(isinstance(d, Diagnostic) for d in diagnostics)
        ):
            raise ValueError("not a result of this medigraph")
        if isinstance(keys, str):  # most documents share their set of keys: split it once
            split = self._keys.get(keys)
            if split is None:
                if len(self._keys) >= 10_000:
                    self._keys.clear()
                split = self._keys[keys] = keys.split("\0") if keys else []
            keys = split
        return Processed(
            found.path,
            found.source,
            row[8],
            list(diagnostics),
            subject=subject,
            graph=graph,
            blocks=blocks,
            nquads=nquads,
            triples=triples,
            keys=list(keys),
            unmapped=list(unmapped),
            cached=True,
            spellings=list(spellings),
            draft=bool(kind[0]),
            section=bool(kind[1]),
            unpublished=bool(kind[2]),
        )

    # -- recording ---------------------------------------------------------------------------

    def store(self, item: Processed, file: str | os.PathLike[str]) -> None:
        """Record a freshly computed result (before the run changes it, e.g. for a collision)."""
        if item.sha256 is None:
            return  # unreadable files are retried every time: the problem may be fixed meanwhile
        if item.stat is not None:
            checked, size, mtime, ctime, inode = item.stat
        else:  # not stat'ed before it was read: recorded as unverified (hashed next time)
            try:
                info = os.stat(file)
            except OSError:
                return
            checked, size, mtime, ctime, inode = (
                0,
                info.st_size,
                info.st_mtime_ns,
                info.st_ctime_ns,
                info.st_ino,
            )
        keys: str | tuple[str, ...] = (
            tuple(item.keys) if any("\0" in key for key in item.keys) else "\0".join(item.keys)
        )
        result = (
            item.subject,
            item.graph,
            item.triples,
            item.blocks,
            item.nquads,
            keys,
            tuple(item.unmapped),
            tuple(item.diagnostics),
            tuple(item.spellings),
            (item.draft, item.section, item.unpublished),
        )
        try:
            cursor = self.db.execute(
                "INSERT OR REPLACE INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    self.fingerprint,
                    item.source,
                    item.path,
                    size,
                    mtime,
                    ctime,
                    _signed(inode),
                    checked,
                    item.sha256,
                    pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL),
                ),
            )
        except UnicodeEncodeError:  # a name SQLite cannot store (not UTF-8): never cached
            return
        assert cursor.lastrowid is not None
        self._mark(cursor.lastrowid)
        self._pending += 1
        if self._pending >= _COMMIT_EVERY:
            self._flush_refresh()
            self.db.execute("COMMIT")
            self.db.execute("BEGIN")
            self._pending = 0

    def _flush_refresh(self) -> None:
        """Record the new stat of files found unchanged by their bytes: trusted next time."""
        if self._refresh:
            self.db.executemany(
                "UPDATE documents SET size = ?, mtime_ns = ?, ctime_ns = ?, inode = ?,"
                " checked_ns = ? WHERE rowid = ?",
                self._refresh,
            )
            self._refresh = []

    def close(self, success: bool = True) -> None:
        """Commit; after a complete run, forget files that are gone and other fingerprints."""
        try:
            self._flush_refresh()
            if success and self.prune:
                (rows,) = self.db.execute(
                    "SELECT count(*) FROM documents WHERE fingerprint = ?", (self.fingerprint,)
                ).fetchone()
                if rows > self._marked:  # rows of files that are gone (or renamed)
                    scope = self.scope
                    stale = [
                        (rowid,)
                        for (rowid, path) in self.db.execute(
                            "SELECT rowid, path FROM documents WHERE fingerprint = ?",
                            (self.fingerprint,),
                        ).fetchall()
                        if not self._is_marked(rowid) and (scope is None or scope(path))
                    ]
                    self.db.executemany("DELETE FROM documents WHERE rowid = ?", stale)
                # One cache per output: rows of an older mapping or engine can never hit again.
                # (Two ranges of the primary key, not ``!=``, which would read every row.)
                self.db.execute(
                    "DELETE FROM documents WHERE fingerprint < ? OR fingerprint > ?",
                    (self.fingerprint, self.fingerprint),
                )
            self.db.execute("COMMIT")
            if success and self.prune:
                # Every free page: a bare execute() of the pragma through the sqlite3 module
                # runs one step of it, which frees one page; a script runs it to the end.
                self.db.executescript("PRAGMA incremental_vacuum;")
        except sqlite3.Error as exc:
            # A full disk (SQLite has then rolled back): the rows of this run are not kept,
            # the earlier ones are. After a failed run that is all there is to say.
            if success:
                raise CacheError(f"cannot write the cache {self.file}: {exc}") from exc
        finally:
            self.db.close()
            self._release_lock()
