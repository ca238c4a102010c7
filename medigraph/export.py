"""Export: the whole corpus → one dump file, plus a report of what happened."""

from __future__ import annotations

import hashlib
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .diagnostics import Diagnostic, Severity, error
from .documents import discover, read_document
from .mapping import DEFAULT_BASE, Mapper, load_mapping
from .pipeline import Processed, Settings, default_jobs, run, select_shard
from .writers import DumpWriter, atomic_output, format_for

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
            return (
                f"{self.read} documents checked; they do not conform to the shapes, "
                "so nothing was written."
            )
        parts = [
            f"{self.read} documents read, {self.exported} exported, {self.rejected} rejected",
            f"{self.triples} triples",
            *([f"{self.cached} unchanged (from the cache)"] if self.cached else []),
            f"{self.seconds:.2f} s",
        ]
        text = "; ".join(parts) + "."
        if self.unmapped:
            top = ", ".join(f"{k} ({n})" for k, n in sorted(self.unmapped.items())[:10])
            more = f" and {len(self.unmapped) - 10} more" if len(self.unmapped) > 10 else ""
            text += f" Keys not in the mapping (documents): {top}{more}; see --coverage."
        return text


class Collisions:
    """Two documents must never share an IRI; the second one is rejected.

    Every IRI must be remembered, so this is the one structure that grows with the corpus:
    it keeps a 64-bit digest of each IRI and the document's position (not the strings), and
    asks ``name_of`` for the first document's name only when there is a clash. A digest
    clash between different IRIs (odds ~n²/2⁶⁵) is told apart by comparing the IRI itself.
    """

    def __init__(self, name_of: Callable[[int], tuple[str, str | None]] | None = None) -> None:
        self.owner: dict[int, int] = {}
        self.seen = 0
        self.name_of = name_of

    def check(self, item: Processed) -> Diagnostic | None:
        position = self.seen
        self.seen += 1
        if item.subject is None:
            return None
        digest = int.from_bytes(hashlib.blake2b(item.subject.encode(), digest_size=8).digest())
        first = self.owner.setdefault(digest, position)
        if first == position:
            return None
        source, subject = (
            self.name_of(first) if self.name_of else (f"document #{first + 1}", item.subject)
        )
        if subject is not None and subject != item.subject:
            return None  # two IRIs with the same digest: not a clash
        return error(
            item.source,
            1,
            None,
            f"document IRI {item.subject} is already used by {source}; give it its own mdName",
            "map.collision",
        )


def export(
    paths: Iterable[str | os.PathLike[str]],
    output: str | os.PathLike[str] = DEFAULT_OUTPUT,
    *,
    format: str | None = None,
    base: str = DEFAULT_BASE,
    mapping: str | None = None,
    jobs: int | None = None,
    shard: tuple[int, int] | None = None,
    on_document: Callable[[Processed], None] | None = None,
    on_start: Callable[[int], None] | None = None,
    store: str | os.PathLike[str] | None = None,
    cache: bool | str | os.PathLike[str] | None = None,
    validate: bool = False,
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
    written (``report.refused``; the previous dump is left as it was).
    """
    started = time.perf_counter()
    out = os.fspath(output)
    fmt = format_for(format, out)
    mapper = load_mapping(mapping, base=base)  # fails fast (exit 2) on a broken mapping
    checked: list[Diagnostic] = []
    if validate:
        from .validation import validate as check

        paths = list(paths)
        verdict = check(paths, mapping=mapping, base=base, jobs=jobs)
        if verdict.failed():
            refused = Report(output=out, refused=True, read=len(verdict.documents))
            refused.rejected = sum(1 for d in verdict.documents if d.rejected)
            refused.diagnostics = verdict.diagnostics
            refused.seconds = time.perf_counter() - started
            return refused
        # reading and mapping problems come again from the export itself
        checked = [d for d in verdict.diagnostics if d.code.startswith(("shacl.", "ontology."))]
    settings = Settings(mapping_path=mapping, base=base, fmt=fmt, nquads=store is not None)
    report = Report(output=out, diagnostics=checked)
    paths = list(paths)
    cached = _open_cache(cache, out, mapper, settings, shard)
    count, results, problems = run(
        paths,
        settings,
        jobs=jobs or default_jobs(),
        shard=shard,
        skip=cached.lookup if cached else None,
    )
    report.diagnostics.extend(problems)
    if on_start:
        on_start(count)
    collisions = Collisions(lambda position: _first_user(paths, shard, mapper, position))
    with ExitStack() as stack:
        if cached is not None:
            stack.enter_context(cached)  # closed last: commits even when the dump fails
        sync = None
        if store is not None:
            from .store import StoreSync  # only exports that keep a store pay for it

            # A shard sees only part of the corpus, so it cannot tell which graphs are gone.
            sync = stack.enter_context(StoreSync(store, base=base, delete=shard is None))
        stream = stack.enter_context(atomic_output(out))
        writer = DumpWriter(stream, fmt, mapper.all_prefixes())
        for item in results:
            if cached is not None:
                if item.cached:
                    report.cached += 1
                else:  # recorded before _account, which may reject it for a clash in this run
                    cached.store(item, item.source)
            _account(report, item, collisions)
            if not item.rejected:
                writer.write(item.blocks)
            if sync is not None:
                sync.document(item)
            if on_document:
                on_document(item)
        writer.close()
        if sync is not None:
            sync.finish()
            report.store = f"store {sync.path}: {sync.summary()}"
    report.seconds = time.perf_counter() - started
    return report


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
    # A shard sees part of the corpus: it must not forget the rows of the other parts.
    return Cache(cache_file(folder, out), run_fingerprint(mapper, settings), prune=shard is None)


def _first_user(
    paths: list[str | os.PathLike[str]],
    shard: tuple[int, int] | None,
    mapper: Mapper,
    position: int,
) -> tuple[str, str | None]:
    """(name, document IRI) of the document at ``position``: only needed to explain a clash."""
    files = select_shard(discover(paths)[0], shard)
    found = files[position]
    doc, _ = read_document(found)
    subject = mapper.map(doc).subject if doc is not None else None
    return found.source, subject.value if subject is not None else None


def _account(report: Report, item: Processed, collisions: Collisions) -> None:
    report.read += 1
    clash = collisions.check(item)
    if clash is not None:
        item.diagnostics.append(clash)
        item.graph = None
    report.diagnostics.extend(item.diagnostics)
    report.key_documents.update(set(item.keys))
    report.unmapped.update(set(item.unmapped))
    if item.rejected:
        report.rejected += 1
    else:
        report.exported += 1
        report.triples += item.triples
