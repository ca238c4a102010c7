"""Writing: per-document graphs → Turtle, N-Triples, TriG, N-Quads or JSON-LD, streamed.

Workers serialize each document into blocks with pyoxigraph; the single writer only
concatenates bytes, skipping shared blocks (a topic, a person) already written, so output
is deterministic and memory stays flat. Files are replaced atomically.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import os
import re
import socket
import stat
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import pyoxigraph as ox

from .mapping import RDFLIB_KEYWORD_DOT, MappedDocument


@dataclass(frozen=True)
class Format:
    name: str
    rdf_format: ox.RdfFormat
    datasets: bool
    extension: str


FORMATS: dict[str, Format] = {
    "ttl": Format("ttl", ox.RdfFormat.TURTLE, False, "ttl"),
    "nt": Format("nt", ox.RdfFormat.N_TRIPLES, False, "nt"),
    "trig": Format("trig", ox.RdfFormat.TRIG, True, "trig"),
    "nq": Format("nq", ox.RdfFormat.N_QUADS, True, "nq"),
    "jsonld": Format("jsonld", ox.RdfFormat.JSON_LD, True, "jsonld"),
}

Block = tuple[bytes | None, bytes]
"""(dedupe key or None, serialized bytes): a shared block is written once per dump."""


def prefix_header(prefixes: dict[str, str]) -> bytes:
    return b"".join(
        f"@prefix {name}: <{iri}> .\n".encode() for name, iri in sorted(prefixes.items())
    )


def _bytes(data: bytes | None) -> bytes:
    assert data is not None  # serialize() returns bytes when given no output
    return data


_PROBE = ox.Triple(
    ox.NamedNode("urn:x-medigraph:s"), ox.NamedNode("urn:x-medigraph:p"), ox.Literal("o")
)
_HEADERS: dict[tuple[tuple[str, str], ...], bytes] = {}
_SHARED_BLOCKS: dict[
    tuple[str, tuple[tuple[str, str], ...]], dict[tuple[ox.Triple, ...], Block]
] = {}
_SHARED_LIMIT = 50_000
"""Shared blocks remembered per worker: the same topic or person recurs in thousands of documents."""


def _header(prefixes: dict[str, str], key: tuple[tuple[str, str], ...]) -> bytes:
    """The exact prefix lines pyoxigraph writes before the triples, for these prefixes."""
    header = _HEADERS.get(key)
    if header is None:
        probe = _bytes(ox.serialize([_PROBE], format=ox.RdfFormat.TURTLE, prefixes=prefixes))
        header = _HEADERS[key] = probe[: probe.index(b"<urn:x-medigraph:s>")]
    return header


_TRAILING_DOT = re.compile(
    rb"(^|[\s^])((?:[A-Za-z]|[\x80-\xff])(?:[\w.-]|[\x80-\xff])*)?:(\S*?)(?<!\\)\\\.(?=\s|$)",
    re.MULTILINE,
)
"""A prefixed name whose local part ends in an escaped dot (``content:report-v2\\.``), which
Turtle allows and pyoxigraph writes, but rdflib cannot read. Its prefix may hold letters
beyond ASCII (a query's own ``aé:``), which are bytes from 0x80 in UTF-8. In a literal a
backslash is always doubled, so its ``\\.`` is never taken for one."""


def rdflib_prefixes(prefixes: dict[str, str]) -> dict[str, str]:
    """``prefixes`` without the names rdflib cannot read a prefixed name under: Turtle written
    with the others names its IRIs in full (or by another prefix) instead."""
    return {name: iri for name, iri in prefixes.items() if not RDFLIB_KEYWORD_DOT.match(name)}


def rdflib_readable(data: bytes, prefixes: dict[str, str]) -> bytes:
    """Turtle or TriG with every IRI that ends in a dot written in full (``<…report-v2.>``)
    rather than as a prefixed name, so that rdflib reads it too; anything else as it is."""
    if b"\\." not in data:  # nearly always: one scan
        return data

    def full(found: re.Match[bytes]) -> bytes:
        namespace = prefixes.get((found.group(2) or b"").decode(errors="replace"))
        if namespace is None:
            return found.group(0)
        local = re.sub(rb"\\(.)", rb"\1", found.group(3)) + b"."
        return found.group(1) + b"<" + namespace.encode() + local + b">"

    return _TRAILING_DOT.sub(full, data)


class ReadableLines(io.RawIOBase):
    """A binary stream that passes Turtle through :func:`rdflib_readable` line by line (no
    term spans lines in what pyoxigraph writes), for answers streamed to a file."""

    def __init__(self, stream: BinaryIO, prefixes: dict[str, str]) -> None:
        super().__init__()
        self.stream = stream
        self.prefixes = prefixes
        self.pending = b""

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        lines, _, self.pending = (self.pending + chunk).rpartition(b"\n")
        if lines:
            self.stream.write(rdflib_readable(lines + b"\n", self.prefixes))
        return len(chunk)

    def flush(self) -> None:
        if self.pending:
            self.stream.write(rdflib_readable(self.pending, self.prefixes))
            self.pending = b""
        self.stream.flush()


def _strip_prefixes(data: bytes, count: int, header: bytes | None = None) -> bytes:
    """pyoxigraph writes the prefix lines first; the dump writes them once, at the top."""
    if header and data.startswith(header):  # one comparison instead of a scan per prefix
        return data[len(header) :]
    cut = 0
    for _ in range(count):
        if not data.startswith(b"@prefix", cut):
            break
        cut = data.index(b"\n", cut) + 1
    return data[cut:]


def serialize_document(
    mapped: MappedDocument, fmt: Format, prefixes: dict[str, str]
) -> list[Block]:
    """One document's blocks in ``fmt``; the document's own triples first, then shared ones."""
    if fmt.name == "nq":
        return [(None, nquads(mapped))]
    if fmt.datasets:
        quads = list(mapped.quads())
        if fmt.name == "jsonld":
            data = _bytes(ox.serialize(quads, format=fmt.rdf_format))
            return [(None, data.strip().removeprefix(b"[").removesuffix(b"]"))]
        data = _bytes(
            ox.serialize(
                quads, format=fmt.rdf_format, prefixes=prefixes if fmt.name == "trig" else None
            )
        )
        if fmt.name == "trig":
            data = rdflib_readable(_strip_prefixes(data, len(prefixes)), prefixes)
        return [(None, data)]
    own, shared = mapped.split()
    key = tuple(prefixes.items())
    header = _header(prefixes, key) if fmt.name == "ttl" else None
    blocks: list[Block] = [(None, _serialize_triples(own, fmt, prefixes, header))]
    memo = _SHARED_BLOCKS.setdefault((fmt.name, key), {})
    for triples in shared:
        # The same triples give the same bytes: serialize and hash each shared block once.
        known = tuple(triples)
        block = memo.get(known)
        if block is None:
            if len(memo) >= _SHARED_LIMIT:
                memo.clear()  # bounded memory: forgetting only costs a re-serialization
            data = _serialize_triples(triples, fmt, prefixes, header)
            block = memo[known] = (hashlib.blake2b(data, digest_size=16).digest(), data)
        blocks.append(block)
    return blocks


def nquads(mapped: MappedDocument) -> bytes:
    """The document's graph as N-Quads: its triples as N-Triples with the graph name put in
    every line, which is the N-Quads pyoxigraph writes for its quads, without making them.

    A line of N-Triples ends with `` .\n`` and nothing else can hold that sequence: a
    literal's line breaks are escaped and IRIs have no spaces.
    """
    assert mapped.graph_name is not None
    data = _bytes(ox.serialize(mapped.triples, format=ox.RdfFormat.N_TRIPLES))
    return data.replace(b" .\n", f" {mapped.graph_name} .\n".encode())


def _serialize_triples(
    triples: list[ox.Triple], fmt: Format, prefixes: dict[str, str], header: bytes | None = None
) -> bytes:
    if fmt.name == "ttl":
        data = _bytes(ox.serialize(triples, format=fmt.rdf_format, prefixes=prefixes))
        return rdflib_readable(_strip_prefixes(data, len(prefixes), header), prefixes)
    return _bytes(ox.serialize(triples, format=fmt.rdf_format))


class DumpWriter:
    """Concatenates document blocks into one valid dump in a stream."""

    def __init__(self, stream: BinaryIO, fmt: Format, prefixes: dict[str, str]) -> None:
        self.stream = stream
        self.fmt = fmt
        self.prefixes = prefixes
        self.seen: set[bytes] = set()
        self.subjects: dict[bytes, bytes | set[ox.Triple]] = {}
        """First token (the subject) of each shared block written → that block, or once a
        second block of the subject came, the triples written for it."""
        self.documents = 0
        if fmt.name in ("ttl", "trig"):
            stream.write(prefix_header(prefixes))
        elif fmt.name == "jsonld":
            stream.write(b"[")

    def write(self, blocks: list[Block]) -> None:
        parts = []
        for key, data in blocks:
            if key is not None:
                if key in self.seen:
                    continue
                self.seen.add(key)
                data = self._unwritten(data)
            parts.append(data)
        if not parts or not any(parts):
            return
        if self.fmt.name == "jsonld":
            self.stream.write((b",\n" if self.documents else b"\n") + b"".join(parts))
        elif self.fmt.name in ("ttl", "trig"):
            self.stream.write(b"\n" + b"".join(parts))
        else:
            self.stream.write(b"".join(parts))
        self.documents += 1

    def _unwritten(self, block: bytes) -> bytes:
        """A shared block without the triples an earlier block of its subject wrote.

        Documents that spell a shared thing differently (one IRI, two names) give two blocks
        for it, which share its type and links: written as they are, those triples would be
        in the dump twice. Only a subject seen before is read back, which is rare."""
        subject = block.split(None, 1)[0] if block else b""
        written = self.subjects.get(subject)
        if written is None:
            self.subjects[subject] = block
            return block
        if isinstance(written, bytes):
            written = self.subjects[subject] = set(self._triples(written))
        fresh = [t for t in self._triples(block) if t not in written]
        written.update(fresh)
        if not fresh:
            return b""
        header = (
            _header(self.prefixes, tuple(self.prefixes.items())) if self.fmt.name == "ttl" else None
        )
        return _serialize_triples(fresh, self.fmt, self.prefixes, header)

    def _triples(self, block: bytes) -> list[ox.Triple]:
        text = prefix_header(self.prefixes) + block if self.fmt.name == "ttl" else block
        return [q.triple for q in ox.parse(text, format=self.fmt.rdf_format)]

    def close(self) -> None:
        if self.fmt.name == "jsonld":
            self.stream.write(b"\n]\n")
        self.stream.flush()


@contextlib.contextmanager
def atomic_output(target: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Write to a temporary file beside ``target``; replace ``target`` only on success.

    A ``target`` that is a pipe, a terminal or a device (``/dev/stdout``, ``/dev/null``,
    ``>(cmd)``), or a link to one, is written as it comes: there is no file to replace, and
    replacing the device's name would be wrong. A link to a file is itself replaced, not
    followed: a link planted in a shared folder cannot make the run overwrite another file."""
    if os.fspath(target) == "-":
        buffer = getattr(sys.stdout, "buffer", None)
        if buffer is None:  # a text stream, as contextlib.redirect_stdout(io.StringIO()) sets
            held = io.BytesIO()
            yield held
            sys.stdout.write(held.getvalue().decode("utf-8"))
            return
        yield buffer
        buffer.flush()
        return
    path = Path(target)
    try:
        mode = os.stat(path).st_mode
    except OSError:
        mode = None
    if mode is not None and stat.S_ISDIR(mode):
        # A folder, or a link to one: os.replace would put the dump in the link's place.
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), os.fspath(target))
    if mode is not None and not stat.S_ISREG(mode):
        with open(path, "wb") as stream:
            yield stream
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(path)
    fd, tmp = tempfile.mkstemp(
        prefix=_temporary_prefix(path, os.getpid()), suffix=".tmp", dir=path.parent
    )
    try:
        os.fchmod(fd, _file_mode(path))
        with os.fdopen(fd, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _temporary_stem(path: Path) -> str:
    """``.NAME.HOST.``: the start of this host's temporary files for ``path``."""
    host = re.sub(r"[^A-Za-z0-9-]", "_", socket.gethostname())[:64] or "host"
    name = path.name
    encoded = os.fsencode(name)
    if len(encoded) > 120:
        # A name near the file system's 255 bytes leaves no room for the rest: its start and
        # a digest of the whole name stand for it.
        digest = hashlib.blake2b(encoded, digest_size=8).hexdigest()
        name = f"{encoded[:60].decode('utf-8', 'ignore')}~{digest}"  # whole characters only
    return f".{name}.{host}."


def _temporary_prefix(path: Path, pid: int) -> str:
    """``.NAME.HOST.PID.``: whose temporary file it is, so a later run can tell a dead one."""
    return f"{_temporary_stem(path)}{pid}."


def _remove_stale_temporaries(path: Path) -> None:
    """Delete the temporary files that runs killed on this host left beside ``path``.

    Only files named by :func:`_temporary_prefix` for ``path`` with this host's name are
    considered, and only when their process is gone: a live export's file (or another host's,
    on a shared file system) is never touched. A file of ``path`` named as older versions
    named them (``.NAME.`` and 8 characters, no host or process) is removed when it has not
    been written for an hour (:func:`_remove_older_versions_temporary`).
    """
    own = _temporary_stem(path)
    try:
        names = os.listdir(path.parent)
    except OSError:
        return
    older = re.compile(re.escape(f".{path.name}.") + r"[a-z0-9_]{8}\.tmp")
    for name in names:
        if older.fullmatch(name):
            _remove_older_versions_temporary(path.parent / name)
            continue
        if not (name.startswith(own) and name.endswith(".tmp")):
            continue
        pid_text = name[len(own) :].split(".", 1)[0]
        if not pid_text.isdigit() or _alive(int(pid_text)):
            continue
        with contextlib.suppress(OSError):
            os.unlink(path.parent / name)


OLDER_TEMPORARY_AGE = 3600.0
"""Seconds since a temporary file of the older form (``.NAME.`` and mkstemp's 8 characters,
``.tmp``: named so before the host and process were in the name) was last written, after
which it is taken for a killed run's leftover: its name says no process to ask about."""


def _remove_older_versions_temporary(file: Path) -> None:
    """Delete ``file``, a temporary file of a dump as versions before the host and process
    were in its name wrote it, if it is a plain file (not a link, not a folder) that has not
    been written for :data:`OLDER_TEMPORARY_AGE` seconds: an older version's run still
    writing it (streaming, it is written all the time) is left alone."""
    try:
        found = os.lstat(file)
    except OSError:
        return
    if not stat.S_ISREG(found.st_mode) or time.time() - found.st_mtime < OLDER_TEMPORARY_AGE:
        return
    with contextlib.suppress(OSError):
        os.unlink(file)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. another user's process
        return True
    return True


def _file_mode(path: Path) -> int:
    """Keep the mode of the file being replaced; new files get the usual 0666 & ~umask."""
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def output_problem(target: str | os.PathLike[str]) -> str | None:
    """What stops :func:`atomic_output` from writing ``target`` (``"NAME: why"``), if anything.

    Asked before a run reads, maps or changes anything (the cache, the embedded store), so
    that an output that cannot be written fails the run at once, with nothing written. The
    folder that will hold the temporary file (or the nearest one of it that exists, as the
    others are made) is tried with a temporary file of its own, removed at once: only
    creating one tells (a read-only mount, ``/sys``, an ACL, root's folders in a container)."""
    out = os.fspath(target)
    if out == "-":
        return None
    path = Path(out)
    try:
        mode: int | None = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        mode = None  # not there yet (or a dangling link, which the dump replaces)
    except OSError as exc:
        return _path_problem(out, path, exc)
    if mode is not None and stat.S_ISDIR(mode):
        what = "a link to a folder" if os.path.islink(path) else "a folder"
        return f"{out}: is {what}, not a file"
    if mode is not None and not stat.S_ISREG(mode):
        return None  # a device or a pipe, written as it comes
    folder = path.parent
    while not os.path.isdir(folder):
        if os.path.lexists(folder):
            try:
                os.stat(folder)
            except FileNotFoundError:
                return f"{out}: {folder} is a link to {os.readlink(folder)}, which does not exist"
            except OSError as exc:
                return _path_problem(out, folder, exc)
            return f"{out}: {folder} is a file, not a folder"
        folder = folder.parent
    try:
        fd, probe = tempfile.mkstemp(
            prefix=_temporary_prefix(path, os.getpid()), suffix=".tmp", dir=folder
        )
    except OSError as exc:
        return f"{out}: {exc.strerror or exc}"
    os.close(fd)
    os.unlink(probe)
    return None


def _path_problem(out: str, path: Path, exc: OSError) -> str:
    """``exc``, met on the way to ``path``, said of the link that loops when it is one (``ld ->
    ld``: "Too many levels of symbolic links" does not say which)."""
    if exc.errno == errno.ELOOP:
        for step in [*reversed(path.parents), path]:
            try:
                os.stat(step)
            except OSError as inner:
                if inner.errno == errno.ELOOP:
                    return f"{out}: {step} is a symbolic link that loops (it leads back to itself)"
                break
    return f"{out}: {exc.strerror or exc}"


FORMAT_ALIASES = {"turtle": "ttl", "json": "jsonld", "nquads": "nq", "ntriples": "nt"}
"""Other names of the dump formats (the query command's names among them)."""

_NOT_WRITTEN = {
    "rdf": "RDF/XML",
    "owl": "RDF/XML",
    "xml": "RDF/XML",
    "n3": "Notation3",
    "hdt": "HDT",
    "trix": "TriX",
    "rj": "RDF/JSON",
    "hext": "HexTuples",
    "jsonl": "JSON lines",
    "ndjson": "JSON lines",
    "gz": "a gzip archive",
    "bz2": "a bzip2 archive",
    "xz": "an xz archive",
    "zst": "a zstd archive",
    "zip": "a zip archive",
    "7z": "a 7-Zip archive",
    "tar": "a tar archive",
    "br": "a Brotli archive",
    "lz4": "an LZ4 archive",
}
"""What some extensions medigraph does not write name, for the message that refuses them."""

WRITTEN_EXTENSIONS = ".ttl, .nt, .trig, .nq or .jsonld"


def format_for(name: str | None, output: str | None) -> Format:
    """The format named, else the one the output file's extension implies, else (no
    extension, or standard output) Turtle.

    Any other extension is a ValueError when no format is named: ``dump.rdf``, ``dump.gz``
    or ``dump.txt`` would hold Turtle under a name that says otherwise or nothing, and the
    next reader (``validate --graph``, a partner's tool) would guess another format from it.
    A format that is named is written under any name."""
    if name:
        wanted = FORMAT_ALIASES.get(name.lower(), name.lower())
        if wanted not in FORMATS:
            raise ValueError(f"unknown format {name!r}; use one of {', '.join(FORMATS)}")
        return FORMATS[wanted]
    if output and output != "-":
        named = format_named_by(output)
        if named is not None:
            return named
        ext = extension(output)
        if ext in _NOT_WRITTEN:
            raise ValueError(
                f"{output}: .{ext} is {_NOT_WRITTEN[ext]}, which medigraph does not write; name"
                f" the dump {WRITTEN_EXTENSIONS} (or give --format)"
            )
        if ext:
            raise ValueError(
                f"{output}: .{ext} is no format medigraph writes; name the dump"
                f" {WRITTEN_EXTENSIONS}, or give --format to write it under this name"
            )
    return FORMATS["ttl"]


def extension(name: str | os.PathLike[str]) -> str:
    """The extension of a file name, in lower case and without its dot (``""`` if none); a
    name that is all extension (``.nq``) has that one, as it would be read by."""
    base = Path(name).name
    if base.startswith(".") and base.count(".") == 1:
        return base[1:].lower()
    return Path(name).suffix.lstrip(".").lower()


def format_named_by(output: str | os.PathLike[str]) -> Format | None:
    """The format the output's extension names, if it names one (medigraph's own table of
    extensions, which ``validate --graph`` reads a dump by too)."""
    ext = extension(output)
    return FORMATS.get(FORMAT_ALIASES.get(ext, ext)) if os.fspath(output) != "-" else None
