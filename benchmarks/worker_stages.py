"""Where an export worker's time goes beyond the floor's, stage by stage, in CPU per document.

    python benchmarks/worker_stages.py benchmarks/corpus/10000 [--documents 3000 --rounds 5]

The export target is a wall time within 1.2× the floor's (one process reading every file
and parsing its front matter with PyYAML's C loader). With two workers on two cores, that
needs a worker at ≈ 2.4× the floor's CPU per document or less (less still, since the main
process writes the dump on the same cores). This script times, in one process over the same
files, each stage's CPU per document (the median of ``--rounds`` rounds; within a round the
stages take turns over each chunk of ``--chunk`` files, so that the VM's drifting speed
reaches them alike):

- ``floor``: what ``benchmarks/floor.py`` does per file;
- ``read``: ``documents.read_document`` (the file, its digest, the front matter with the line
  of every key, the body);
- ``read+map``: and the mapping (``Mapper.map``: the rules, conversions, IRIs, checks and
  diagnostics, the triples in output order);
- ``read+map+ttl``: and the Turtle the dump gets (``writers.serialize_document``);
- ``worker``: ``pipeline.process``, what each export worker runs per file (the above and the
  record it sends back: coverage keys, draft flags, spellings);
- ``terms``: making the same documents' triples again from their text with pyoxigraph
  (``NamedNode``, ``Literal``, ``Triple``), nothing else. Any mapping that hands pyoxigraph
  its triples pays this much; the rest of ``map`` is medigraph's own work on the values.

So ``read + terms + ttl`` is what a worker that only read, made its terms and wrote them would
cost, against the floor. Timings on a shared VM drift; the ratios within one run compare.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import yaml

from medigraph import pipeline
from medigraph.documents import SourceFile, read_document
from medigraph.pipeline import Settings, list_files
from medigraph.writers import FORMATS, serialize_document

Spelled = tuple[str, str, str, str | None, str | None]
"""A triple as text: subject IRI, predicate IRI, object (IRI or lexical form), the literal's
datatype IRI and language (both ``None`` for an IRI)."""


def spelled(triple: ox.Triple) -> Spelled:
    s, p, o = triple.subject, triple.predicate, triple.object
    assert isinstance(s, ox.NamedNode)
    if isinstance(o, ox.Literal):
        return (s.value, p.value, o.value, o.datatype.value, o.language)
    assert isinstance(o, ox.NamedNode)
    return (s.value, p.value, o.value, None, None)


def made(triples: list[Spelled]) -> list[ox.Triple]:
    out = []
    for s, p, o, datatype, language in triples:
        if datatype is None:
            obj: ox.NamedNode | ox.Literal = ox.NamedNode(o)
        elif language is not None:
            obj = ox.Literal(o, language=language)
        else:
            obj = ox.Literal(o, datatype=ox.NamedNode(datatype))
        out.append(ox.Triple(ox.NamedNode(s), ox.NamedNode(p), obj))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--documents", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--chunk", type=int, default=50)
    args = parser.parse_args(argv)

    files, _ = list_files([str(args.corpus)])
    chosen = [files[i] for i in range(min(len(files), args.documents))]
    count = len(chosen)
    turtle = FORMATS["ttl"]
    pipeline._init(Settings(fmt=turtle))
    assert pipeline._worker is not None
    mapper, _settings, prefixes = pipeline._worker

    def floor(files: list[SourceFile]) -> None:
        for found in files:
            with open(found.file, encoding="utf-8") as stream:
                text = stream.read()
            _, front_matter, _body = text.split("---\n", 2)
            yaml.load(front_matter, Loader=yaml.CSafeLoader)

    def read(files: list[SourceFile]) -> None:
        for found in files:
            read_document(found)

    def read_map(serialize: bool) -> Callable[[list[SourceFile]], None]:
        def run(files: list[SourceFile]) -> None:
            for found in files:
                doc, _ = read_document(found)
                if doc is None or mapper.is_section_page(doc):
                    continue
                mapped = mapper.map(doc)
                if serialize and not mapped.rejected:
                    serialize_document(mapped, turtle, prefixes)

        return run

    def worker(files: list[SourceFile]) -> None:
        for found in files:
            pipeline.process(found)

    texts: dict[str, list[Spelled]] = {}
    for found in chosen:
        doc, _ = read_document(found)
        if doc is not None and not mapper.is_section_page(doc):
            texts[found.path] = [spelled(triple) for triple in mapper.map(doc).triples]
    triples = sum(len(each) for each in texts.values())

    def terms(files: list[SourceFile]) -> None:
        for found in files:
            made(texts.get(found.path, []))

    stages: dict[str, Callable[[list[SourceFile]], None]] = {
        "floor": floor,
        "read": read,
        "read+map": read_map(False),
        "read+map+ttl": read_map(True),
        "worker": worker,
        "terms": terms,
    }
    worker(chosen)  # the memos a worker fills in its first documents
    # A shared VM's speed drifts within seconds: every stage runs over the same chunk of
    # files in turn, so a drift reaches all of them alike; a round's time is the sum.
    chunks = [chosen[at : at + args.chunk] for at in range(0, count, args.chunk)]
    rounds: dict[str, list[float]] = {name: [] for name in stages}
    for _round in range(args.rounds):
        spent = dict.fromkeys(stages, 0.0)
        for chunk in chunks:
            for name, stage in stages.items():
                started = time.process_time()
                stage(chunk)
                spent[name] += time.process_time() - started
        for name in stages:
            rounds[name].append(spent[name] / count * 1e6)
    best = {name: statistics.median(times) for name, times in rounds.items()}

    unit = best["floor"]
    print(
        f"{count} documents, {triples / max(1, len(texts)):.1f} triples each, median of {args.rounds} rounds"
    )
    print(f"{'stage':14} {'µs/doc':>8} {'× floor':>8}")
    for name, value in best.items():
        print(f"{name:14} {value:8.0f} {value / unit:8.2f}")
    mapping = best["read+map"] - best["read"]
    ttl = best["read+map+ttl"] - best["read+map"]
    print(
        f"the mapping {mapping / unit:.2f}× the floor, of which making the terms"
        f" {best['terms'] / unit:.2f}×; Turtle {ttl / unit:.2f}×; the worker's record"
        f" {(best['worker'] - best['read+map+ttl']) / unit:.2f}×"
    )
    bare = best["read"] + best["terms"] + ttl
    print(
        f"reading, making the terms and writing them alone: {bare / unit:.2f}× the floor"
        f" (the worker: {best['worker'] / unit:.2f}×; 1.2× the floor's wall time on two"
        " cores needs ≤ 2.4×)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
