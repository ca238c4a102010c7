"""Export: the whole corpus → one dump file, plus a report of what happened."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import sqlite3
import time
import unicodedata
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from .diagnostics import Diagnostic, Severity, error, plural, visible, warning
from .documents import (
    SITE_ROOT,
    Document,
    Paths,
    SourceFile,
    discover,
    is_markdown,
    missing_paths,
    no_documents,
    only_left_out,
    path_list,
    read_document,
    site_root_refusal,
    unlisted,
)
from .mapping import DEFAULT_BASE, Mapper, MappingError, load_mapping
from .pipeline import (
    FileList,
    Processed,
    Settings,
    check_shard,
    default_jobs,
    in_shard,
    list_files,
    run,
)
from .writers import DumpWriter, atomic_output, format_for, format_named_by, output_problem

if TYPE_CHECKING:
    from .cache import Cache

DEFAULT_OUTPUT = os.path.join("output", "medigraph.ttl")


@dataclass
class Report:
    """What a run did: counts, timings and every diagnostic, in source order."""

    read: int = 0
    exported: int = 0
    rejected: int = 0
    triples: int = 0
    cached: int = 0
    """Documents taken unchanged from the incremental cache (counted in ``read`` too)."""
    drafts: int = 0
    """Hugo drafts left out (``draft: true``; ``drafts=True`` exports them)."""
    sections: int = 0
    """Hugo section pages left out (``_index.md`` naming no ``owlType``)."""
    unpublished: int = 0
    """Pages Hugo neither renders nor lists, left out (a headless bundle, ``build`` render and
    list ``never``; ``drafts=True`` exports them)."""
    seconds: float = 0.0
    output: str | None = None
    store: str | None = None
    """What happened to the embedded store, when one was kept (see ``export(store=...)``)."""
    diagnostics: list[Diagnostic] = field(default_factory=list)
    refused: bool = False
    """``export(validate=True)`` found violations and wrote nothing."""
    key_documents: Counter[str] = field(default_factory=Counter)
    unmapped: Counter[str] = field(default_factory=Counter)

    @property
    def exit_code(self) -> int:
        return (
            1
            if self.refused
            or self.rejected
            or any(d.severity is Severity.ERROR for d in self.diagnostics)
            else 0
        )

    def summary(self) -> str:
        if self.refused:
            errors = [d for d in self.diagnostics if d.severity is Severity.ERROR]
            checked = sum(1 for d in errors if d.code.startswith(("shacl.", "ontology.")))
            why = [
                *([f"{self.rejected} rejected by reading or mapping"] if self.rejected else []),
                *(
                    [plural(len(errors) - checked, "other error")]
                    if not self.rejected and len(errors) > checked
                    else []
                ),
                *(
                    [f"{plural(checked, 'violation')} of the shapes or the ontology"]
                    if checked
                    else []
                ),
            ]
            return (
                f"{plural(self.read, 'document')} checked; {', '.join(why) or 'they do not conform'}, "
                "so nothing was written."
            )
        parts = [
            f"{plural(self.read, 'document')} read, {self.exported} exported,"
            f" {self.rejected} rejected",
            plural(self.triples, "triple"),
            *([f"{self.cached} unchanged (from the cache)"] if self.cached else []),
            *(
                [f"{plural(self.drafts, 'draft')} left out (--drafts exports them)"]
                if self.drafts
                else []
            ),
            *(
                [
                    f"{plural(self.unpublished, 'unpublished page')} (headless or build: never)"
                    " left out (--drafts exports them)"
                ]
                if self.unpublished
                else []
            ),
            *(
                [f"{plural(self.sections, 'section page')} (_index.md without owlType) left out"]
                if self.sections
                else []
            ),
            f"{self.seconds:.2f} s",
        ]
        text = "; ".join(parts) + "."
        if self.unmapped:
            top = ", ".join(f"{visible(k)} ({n})" for k, n in sorted(self.unmapped.items())[:10])
            more = f" and {len(self.unmapped) - 10} more" if len(self.unmapped) > 10 else ""
            text += f" Keys not in the mapping (documents): {top}{more}; see --coverage."
        return text


class Collisions:
    """Two documents must never share an IRI; the second one is rejected.

    Every IRI must be remembered, so this structure grows with the corpus: it keeps a
    64-bit digest of each IRI and the document's position (not the strings) in an
    open-addressing table of two arrays (≈ 24 bytes per document, against ≈ 100 for a
    dict of Python ints), and asks ``name_of`` for the first document's name only when
    there is a clash. A digest clash between different IRIs (odds ~n²/2⁶⁵) is told apart
    by comparing the IRI itself.
    """

    def __init__(
        self,
        name_of: Callable[[int], tuple[str, str | None]] | None = None,
        expected: int = 0,
        where_of: Callable[[int], tuple[int, str | None]] | None = None,
    ) -> None:
        self.seen = 0
        self.name_of = name_of
        self.where_of = where_of
        """(line, key) that gave the document at a position its IRI, for the diagnostic."""
        self._count = 0
        size = 1024  # a power of two, at least twice the documents expected: no regrowth
        while size < 2 * expected:
            size *= 2
        self._digests = array("Q", bytes(8 * size))  # 0: an empty slot
        self._owners = array("I", bytes(4 * size))

    def check(self, source: str, subject: str | None) -> Diagnostic | None:
        """The clash of the next document of the run, ``source``, claiming ``subject`` (None:
        it claims no IRI, being rejected, so that a good document may have it)."""
        position = self.seen
        self.seen += 1
        if subject is None:
            return None
        digest = hashlib.blake2b(subject.encode(), digest_size=8).digest()
        first = self._add(int.from_bytes(digest) or 1, position)
        if first == position:
            return None
        name, named = self.name_of(first) if self.name_of else (f"document #{first + 1}", subject)
        if named is not None and named != subject:
            return None  # two IRIs with the same digest: not a clash
        line, key = self.where_of(position) if self.where_of else (1, None)
        return error(
            source,
            line,
            key,
            f"document IRI {subject} is already used by {name}; give it its own mdName",
            "map.collision",
        )

    def _add(self, digest: int, position: int) -> int:
        """The position first recorded for ``digest``, recording ``position`` if it is new."""
        digests = self._digests
        mask = len(digests) - 1
        slot = digest & mask
        while True:
            there = digests[slot]
            if there == digest:
                return self._owners[slot]
            if there == 0:
                break
            slot = (slot + 1) & mask
        digests[slot] = digest
        self._owners[slot] = position
        self._count += 1
        if self._count * 2 > len(digests):
            self._grow()
        return position

    def _grow(self) -> None:
        old = zip(self._digests, self._owners, strict=True)
        size = len(self._digests) * 2
        self._digests = array("Q", bytes(8 * size))
        self._owners = array("I", bytes(4 * size))
        self._count = 0
        for digest, position in old:
            if digest:
                self._add(digest, position)


@contextlib.contextmanager
def _cache_errors(cached: Cache | None) -> Iterator[None]:
    """SQLite's errors while the cache is read or written (a full disk, a failing one) as a
    :class:`CacheError`."""
    try:
        yield
    except sqlite3.Error as exc:
        from .cache import CacheError

        where = f" {cached.file}" if cached is not None else ""
        raise CacheError(f"cannot use the cache{where}: {exc}") from exc


class BadOutput(ValueError):
    """The output cannot be a dump (a ``*.md`` file: a document, or one the next run reads)."""


def export(
    paths: Paths,
    output: str | os.PathLike[str] = DEFAULT_OUTPUT,
    *,
    format: str | None = None,
    base: str = DEFAULT_BASE,
    mapping: str | os.PathLike[str] | None = None,
    jobs: int | None = None,
    shard: tuple[int, int] | None = None,
    on_document: Callable[[Processed], None] | None = None,
    on_start: Callable[[int], None] | None = None,
    store: str | os.PathLike[str] | None = None,
    cache: bool | str | os.PathLike[str] | None = None,
    validate: bool = False,
    drafts: bool = False,
    shapes: str | None = None,
    ontology: str | None = None,
) -> Report:
    """Map every document under ``paths`` and write one dump to ``output`` (``"-"``: stdout).

    Rejected documents are reported and left out; the dump replaces ``output`` atomically.
    With ``store``, the embedded store at that path is brought up to date incrementally
    (see :class:`medigraph.store.StoreSync`); a rejected document keeps its previous graph.
    ``cache`` (a folder, True for ``cache/`` beside the output, False for none; by default
    on when writing under ``./output``) lets a re-export skip unchanged files, see
    :mod:`medigraph.cache`; the dump is byte-identical either way.
    With ``validate``, the documents are first checked against the SHACL shapes and the
    ontology (:func:`medigraph.validation.validate`); when any violation is found nothing is
    written (``report.refused``; the previous dump is left as it was). ``shapes`` and
    ``ontology`` are the files it checks against (default: the bundled ones); ``ontology`` is
    also what the store's ontology graph holds.
    """
    started = time.perf_counter()
    out = os.fspath(output)
    mapping = None if mapping is None else os.fspath(mapping)
    if out == "":
        raise BadOutput("the output needs a file name (or - for standard output)")
    if is_markdown(out.lower()):
        # Over a document, or beside the content where the next export reads it as one.
        raise BadOutput(f"{out}: a dump is not a Markdown file; name it .ttl, .nt, .trig, …")
    # Before the cache, the store or a document is touched: a run that cannot end in a dump
    # must change nothing (docs/reliability.md), and not after a long run.
    problem = output_problem(out)
    if problem is not None:
        raise BadOutput(f"cannot write {problem}")
    check_shard(shard)
    paths = path_list(paths)
    if said := missing_paths(paths):  # it must not write a dump without them
        raise NothingFound(paths, missing=said)
    try:
        fmt = format_for(format, out)
    except ValueError as exc:
        raise BadOutput(str(exc)) from None
    named = format_named_by(out)
    mismatch = named is not None and named.name != fmt.name
    mapper = load_mapping(mapping, base=base)  # fails fast (exit 2) on a broken mapping
    ontology_graph_quads = None
    if ontology is not None and store is not None:
        from .store import ontology_quads

        try:  # the store's ontology graph: read before anything is written
            ontology_graph_quads = ontology_quads(base, ontology)
        except (OSError, SyntaxError) as exc:
            raise MappingError(f"ontology {ontology} cannot be read: {exc}") from exc
    checked: list[Diagnostic] = []
    if validate:
        from .validation import validate as check

        # Only the shard's documents: the others are another machine's (docs/scaling.md).
        verdict = check(
            paths,
            mapping=mapping,
            shapes=shapes,
            ontology=ontology,
            base=base,
            jobs=jobs,
            shard=shard,
        )
        if verdict.failed():
            refused = Report(output=out, refused=True, read=len(verdict.checked))
            refused.rejected = sum(1 for d in verdict.documents if d.rejected)
            refused.diagnostics = verdict.diagnostics
            refused.seconds = time.perf_counter() - started
            return refused
        # reading and mapping problems come again from the export itself
        checked = [
            d for d in verdict.diagnostics if d.code.startswith(("shacl.", "ontology.", "shapes."))
        ]
    settings = Settings(mapping_path=mapping, base=base, fmt=fmt, nquads=store is not None)
    report = Report(output=out, diagnostics=checked)
    if mismatch:
        report.diagnostics.append(
            warning(
                "",
                None,
                None,
                f"{out} is written as {fmt.name} (--format), not as its extension says: a reader"
                " that goes by the name will fail on it",
                "export.format",
            )
        )
    try:
        cached = _open_cache(cache, out, mapper, settings, shard)
    except (OSError, sqlite3.Error) as exc:  # a read-only or full disk, a folder in the way
        from .cache import CacheError

        raise CacheError(f"cannot open the cache for {out}: {exc}") from exc
    if cached is not None:
        settings = replace(settings, stat_files=True)
    count, results, problems = run(
        paths,
        settings,
        jobs=jobs or default_jobs(),
        shard=shard,
        skip=cached.lookup if cached else None,
        lazy_pool=cached is not None and cached.expects_hits(),
    )
    # A shard may hold nothing, but only of a corpus that holds something (an empty checkout
    # exported in shards must fail as it does whole): the whole listing tells, rarely needed.
    if count == 0 and (shard is None or not discover(paths)[0]):
        if cached is not None:
            cached.close(success=False)
        raise NothingFound(paths, problems)
    report.diagnostics.extend(problems)
    if on_start:
        on_start(count)
    clashes = _Clashes(paths, shard, mapper)
    collisions = Collisions(clashes.name, expected=count, where_of=clashes.where)
    keysets: Counter[tuple[str, ...]] = Counter()
    spellings = Spellings(mapper.base)
    with _cache_errors(cached), ExitStack() as stack:
        if cached is not None:
            stack.enter_context(cached)  # closed last: commits even when the dump fails
        # A failed write (a closed pipe) ends the workers now, not at the interpreter's exit.
        stack.callback(getattr(results, "close", lambda: None))
        sync = None
        if store is not None:
            # only exports that keep a store pay for it
            from .store import OPTIMIZE_AFTER, StoreSync

            # A shard sees only part of the corpus: it can tell which graphs of its own files
            # are gone (the manifest records each graph's file), not which of the others'.
            scope = None if shard is None else in_shard(shard)
            sync = stack.enter_context(
                StoreSync(store, base=base, scope=scope, ontology=ontology_graph_quads)
            )
            # A folder that cannot be listed hides its documents: they are not gone.
            sync.unlisted = len(unlisted(problems))
        stream = stack.enter_context(_large_writes(stack.enter_context(atomic_output(out))))
        writer = DumpWriter(stream, fmt, mapper.all_prefixes())
        for item in results:
            if cached is not None:
                if item.cached:
                    report.cached += 1
                else:  # recorded before _account, which may reject it for a clash in this run
                    cached.store(item, item.source)
            if item.left_out(drafts):
                # Not content (a section's list page), or not published (a draft, a headless
                # bundle, build: never), as Hugo has it: not written, and gone from the store.
                report.read += 1
                collisions.check(item.source, None)  # it claims no IRI, but holds its place
                report.diagnostics.extend(item.diagnostics)
                if item.section:
                    report.sections += 1
                else:
                    if item.draft:
                        report.drafts += 1
                    else:
                        report.unpublished += 1
                    keysets[tuple(item.keys)] += 1  # its keys were seen (--coverage)
                    if item.unmapped:  # and are not mapped, as an exported one's would not be
                        report.unmapped.update(set(item.unmapped))
                if on_document:
                    on_document(item)
                continue
            if _account(report, item, collisions, keysets, spellings):
                writer.write(item.blocks)
            if sync is not None:
                sync.document(item)
            if on_document:
                on_document(item)
        left_out = (report.drafts, report.sections, report.unpublished)
        if report.read and report.read == sum(left_out) and shard is None:
            # Only drafts, unpublished and section pages: as empty as a checkout with no file, and written,
            # the store would lose every graph (the dump and the store are left as they were).
            if sync is not None:
                sync.abandon()
            raise NothingFound(paths, [], left_out=left_out)
        report.diagnostics.extend(d for _at, d in spellings.diagnostics(clashes.sources))
        for keys, documents in keysets.items():
            for key in set(keys):
                report.key_documents[key] += documents
        writer.close()
        if sync is not None:
            sync.finish()
            report.store = f"store {sync.path}: {sync.summary()}"
            if sync.compaction_failed:
                report.diagnostics.append(
                    warning(
                        "",
                        None,
                        None,
                        f"the store at {sync.path} is up to date, but compacting it failed"
                        f" ({sync.compaction_failed}): its content is whole; queries may be"
                        " slower until a later export that changes"
                        f" {OPTIMIZE_AFTER} documents or more compacts it",
                        "store.compaction",
                    )
                )
    if cached is not None and cached.reset is not None:
        report.diagnostics.append(
            warning(
                "",
                None,
                None,
                f"the cache {cached.file} could not be read ({cached.reset}); it was started "
                "afresh, and every document was read again",
                "cache.reset",
            )
        )
    report.seconds = time.perf_counter() - started
    return report


class NothingFound(ValueError):
    """No document under the paths given: a mistyped or empty folder, not a corpus. With
    ``missing`` (what :func:`missing_paths` says of those that do not exist), some paths
    given do not exist: refused though the others hold documents, as the command refuses
    them (exit 2)."""

    def __init__(
        self,
        paths: Iterable[str | os.PathLike[str]],
        problems: Iterable[Diagnostic] = (),
        left_out: tuple[int, int, int] = (0, 0, 0),  # drafts, section pages, unpublished
        *,
        missing: str | None = None,
    ) -> None:
        hidden = unlisted(problems)
        if missing:
            message = missing  # what missing_paths says of the paths that do not exist
        elif any(left_out):
            message = only_left_out(paths, *left_out)
        elif all(d.code == SITE_ROOT for d in hidden) and (sites := site_root_refusal(hidden)):
            message = sites  # a site's root, not an empty folder
        else:
            why = "; ".join(d.format() for d in hidden)
            message = f"{no_documents(paths)}{f' ({why})' if why else ''}"
        super().__init__(f"{message}; nothing written")


def _open_cache(
    option: bool | str | os.PathLike[str] | None,
    out: str,
    mapper: Mapper,
    settings: Settings,
    shard: tuple[int, int] | None,
) -> Cache | None:
    from .cache import Cache, cache_file, default_cache_dir, run_fingerprint

    if option is False:
        return None
    if option is None or option is True:
        folder = default_cache_dir(out)
        if folder is None:
            if option is None:
                return None
            folder = Path("output", "cache") if out == "-" else Path(out).parent / "cache"
    else:
        folder = Path(option)
    # A shard sees part of the corpus: it must not forget the rows of the other parts (a
    # dump may be written by several shards in turn), but it forgets its own files that are
    # gone, and rows of another fingerprint, which no run can use again.
    scope = None if shard is None else in_shard(shard)
    return Cache(cache_file(folder, out), run_fingerprint(mapper, settings), scope=scope)


class _Clashes:
    """What a diagnostic made after the fact says about documents at positions of the run:
    for a clash, the first one's name and IRI and the line and key that gave the second its
    IRI; for a spelling, the files' names.

    The export keeps no file list of its own, so the corpus is listed again when first
    needed, as the run listed it, and kept for the next ones (a copied folder can clash
    hundreds of times); each document concerned is read and mapped again.
    """

    def __init__(
        self, paths: list[str | os.PathLike[str]], shard: tuple[int, int] | None, mapper: Mapper
    ) -> None:
        self.paths = paths
        self.shard = shard
        self.mapper = mapper
        self.files: FileList | list[SourceFile] | None = None

    def _listing(self) -> FileList | list[SourceFile]:
        if self.files is None:
            keep = None if self.shard is None else in_shard(self.shard)
            self.files = list_files(self.paths, keep=keep)[0]
        return self.files

    def _read(self, position: int) -> tuple[SourceFile, Document | None]:
        found = self._listing()[position]
        return found, read_document(found)[0]

    def sources(self, positions: set[int]) -> dict[int, str]:
        """The names of the files at ``positions`` (one pass over the listing)."""
        return sources_at(self._listing(), positions)

    def name(self, position: int) -> tuple[str, str | None]:
        found, doc = self._read(position)
        subject = self.mapper.map(doc).subject if doc is not None else None
        return found.source, subject.value if subject is not None else None

    def where(self, position: int) -> tuple[int, str | None]:
        _found, doc = self._read(position)
        if doc is None:
            return 1, None
        _key, key_from = self.mapper.document_key(doc)
        if key_from == "path":  # the IRI comes from the file's path: no key to point at
            return doc.first_line, None
        return doc.line_of(key_from), key_from


def sources_at(files: Iterable[SourceFile], positions: set[int]) -> dict[int, str]:
    """The names of the files at ``positions`` of a run's listing (one pass over it)."""
    last = max(positions, default=-1)
    named = {}
    for position, found in enumerate(files):
        if position > last:
            break
        if position in positions:
            named[position] = found.source
    return named


_SPELLING_EXAMPLES = 10
"""Mentions (a document's key and line) remembered per spelling of a shared thing, to be
named in a warning."""


class _Spelling:
    __slots__ = ("count", "examples")

    def __init__(self) -> None:
        self.count = 0
        """The documents that write it (each once, however often it names the thing)."""
        self.examples: list[tuple[int, int, str]] = []
        """(position in the run, line, key) of the first few mentions."""


class Spellings:
    """A community, topic, person or organization gets its IRI from its name folded (case and
    punctuation aside), so documents may spell one thing differently; the saved queries then
    show one spelling (the first in code-point order). Only the whole run can tell: at its
    end, each document that writes a thing otherwise than most documents do is warned at its
    key and line.

    Memory does not grow with the documents: a count per spelling of each shared thing, and
    the positions of its first few documents (the files are named from a listing at the end).
    """

    def __init__(self, base: str = DEFAULT_BASE) -> None:
        self.base = base
        self._seen: dict[str, dict[str, _Spelling]] = {}
        """IRI → spelling → documents that write it, and where the first few do."""

    def note(self, position: int, named: Iterable[tuple[str, str, str, int]]) -> None:
        """Count the (IRI, spelling, key, line) of the document at ``position`` in the run."""
        seen = self._seen
        counted: set[tuple[str, str]] = set()  # a document counts once, however often it names
        for iri, written, key, line in named:
            spellings = seen.get(iri)
            if spellings is None:
                spellings = seen[iri] = {}
            entry = spellings.get(written)
            if entry is None:
                entry = spellings[written] = _Spelling()
            if (iri, written) not in counted:
                counted.add((iri, written))
                entry.count += 1
            if len(entry.examples) < _SPELLING_EXAMPLES:
                entry.examples.append((position, line, key))

    def diagnostics(
        self, sources: Callable[[set[int]], dict[int, str]]
    ) -> list[tuple[int, Diagnostic]]:
        """(position, warning) for the documents that spell a thing as fewer documents do."""
        differing = {iri: spellings for iri, spellings in self._seen.items() if len(spellings) > 1}
        if not differing:
            return []
        names = sources(
            {
                position
                for spellings in differing.values()
                for entry in spellings.values()
                for position, _line, _key in entry.examples
            }
        )
        found: list[tuple[int, Diagnostic]] = []
        for iri, spellings in sorted(differing.items()):
            usual = min(spellings, key=lambda written: (-spellings[written].count, written))
            count = spellings[usual].count
            first, line, _key = spellings[usual].examples[0]
            shown = min(spellings)
            for written in sorted(spellings):
                if written == usual:
                    continue
                others, mine = spellings[written].count, spellings[written].examples
                same = unicodedata.normalize("NFC", written) == unicodedata.normalize("NFC", usual)
                message = (
                    f"{written!r} is written {usual!r} in {count} document"
                    f"{'s' if count > 1 else ''} (first {names.get(first, '?')}:{line}); both are "
                    f"one {self._kind(iri)} (case and punctuation aside), which queries show as "
                    f"{shown!r}: write it the same way"
                    + (
                        " (they look alike but differ in Unicode normalisation: an accent typed"
                        " as one character or as a letter and a combining mark)"
                        if same
                        else ""
                    )
                )
                for position, at, key in mine:
                    found.append(
                        (
                            position,
                            warning(names.get(position, "?"), at, key, message, "map.spelling"),
                        )
                    )
                told = len({position for position, _at, _key in mine})
                if others > told:
                    position, at, key = mine[0]
                    more = f"and {others - told} more documents write {written!r}"
                    found.append(
                        (position, warning(names.get(position, "?"), at, key, more, "map.spelling"))
                    )
        return found

    def _kind(self, iri: str) -> str:
        """``community`` for ``https://medigy.com/community/x``: the mapping's IRI pattern."""
        kind = iri[len(self.base) :].split("/", 1)[0] if iri.startswith(self.base) else ""
        return kind if kind.isalpha() else "thing"


def _account(
    report: Report,
    item: Processed,
    collisions: Collisions,
    keysets: Counter[tuple[str, ...]],
    spellings: Spellings,
) -> bool:
    """Count ``item`` in the report; whether it is exported (False: rejected)."""
    report.read += 1
    clash = collisions.check(item.source, item.claim)
    if clash is not None:
        item.diagnostics.append(clash)
        item.graph = None
    if not item.rejected:
        spellings.note(report.read - 1, item.spellings)
    if item.diagnostics:
        report.diagnostics.extend(item.diagnostics)
    keysets[tuple(item.keys)] += 1  # most documents have one of a few sets of keys
    if item.unmapped:
        report.unmapped.update(set(item.unmapped))
    if item.rejected:
        report.rejected += 1
        return False
    report.exported += 1
    report.triples += item.triples
    return True


@contextlib.contextmanager
def _large_writes(stream: BinaryIO) -> Iterator[BinaryIO]:
    """One system call per megabyte of dump rather than one per document.

    A file opened by Python buffers 8 KB, less than most documents: every document would be
    a system call of its own (≈ 0.3 s of CPU per 100 000 documents).
    """
    raw = getattr(stream, "raw", None)
    if not isinstance(stream, io.BufferedWriter) or raw is None:
        yield stream
        return
    stream.flush()
    large = io.BufferedWriter(raw, buffer_size=1 << 20)
    try:
        yield large
    finally:
        large.detach()  # flushes; the file itself is the caller's to close
