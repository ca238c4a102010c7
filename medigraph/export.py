"""Export: the whole corpus → one dump file, plus a report of what happened."""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .diagnostics import Diagnostic, Severity, error
from .mapping import DEFAULT_BASE, load_mapping
from .pipeline import Processed, Settings, default_jobs, run
from .writers import DumpWriter, atomic_output, format_for

DEFAULT_OUTPUT = os.path.join("output", "medigraph.ttl")


@dataclass
class Report:
    """What a run did: counts, timings and every diagnostic, in source order."""

    read: int = 0
    exported: int = 0
    rejected: int = 0
    triples: int = 0
    seconds: float = 0.0
    output: str | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    key_documents: Counter[str] = field(default_factory=Counter)
    unmapped: Counter[str] = field(default_factory=Counter)

    @property
    def exit_code(self) -> int:
        return 1 if self.rejected or any(d.severity is Severity.ERROR for d in self.diagnostics) else 0

    def summary(self) -> str:
        parts = [
            f"{self.read} documents read, {self.exported} exported, {self.rejected} rejected",
            f"{self.triples} triples",
            f"{self.seconds:.2f} s",
        ]
        text = "; ".join(parts) + "."
        if self.unmapped:
            top = ", ".join(f"{k} ({n})" for k, n in sorted(self.unmapped.items())[:10])
            more = f" and {len(self.unmapped) - 10} more" if len(self.unmapped) > 10 else ""
            text += f" Keys not in the mapping (documents): {top}{more}; see --coverage."
        return text


class Collisions:
    """Two documents must never share an IRI; the second one is rejected."""

    def __init__(self) -> None:
        self.owner: dict[str, str] = {}

    def check(self, item: Processed) -> Diagnostic | None:
        if item.subject is None:
            return None
        first = self.owner.setdefault(item.subject, item.source)
        if first == item.source:
            return None
        return error(
            item.source,
            1,
            None,
            f"document IRI {item.subject} is already used by {first}; give it its own mdName",
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
) -> Report:
    """Map every document under ``paths`` and write one dump to ``output`` (``"-"``: stdout).

    Rejected documents are reported and left out; the dump replaces ``output`` atomically.
    """
    started = time.perf_counter()
    out = os.fspath(output)
    fmt = format_for(format, out)
    mapper = load_mapping(mapping, base=base)  # fails fast (exit 2) on a broken mapping
    settings = Settings(mapping_path=mapping, base=base, fmt=fmt)
    report = Report(output=out)
    count, results, problems = run(paths, settings, jobs=jobs or default_jobs(), shard=shard)
    report.diagnostics.extend(problems)
    if on_start:
        on_start(count)
    collisions = Collisions()
    with atomic_output(out) as stream:
        writer = DumpWriter(stream, fmt, mapper.all_prefixes())
        for item in results:
            _account(report, item, collisions)
            if not item.rejected:
                writer.write(item.blocks)
            if on_document:
                on_document(item)
        writer.close()
    report.seconds = time.perf_counter() - started
    return report


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
