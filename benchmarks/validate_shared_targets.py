"""What pySHACL spends in each batch on the shared nodes, whose batch results validate discards.

    python benchmarks/validate_shared_targets.py benchmarks/corpus/10000 [--documents 1000]

``validate`` checks documents in batches of 100; each batch's graph holds the documents'
copies of the communities, topics, people and organisations they name, and pySHACL makes each
of those a focus node of its shape (``sh:targetClass``) in every batch. Their results are
then taken from one pass over every document's description of them (medigraph/validation.py),
so the batches' work on them is spent for nothing. This measures how much: the same batches,
in alternating rounds, with every target (as shipped) and with the shared nodes left out of
the shapes' targets (they stay in the graph: the documents' shapes follow links to them), and
checks that the documents' own results are the same both ways.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pyshacl.shape
import rdflib

from medigraph import validation
from medigraph.pipeline import list_files
from medigraph.validation import Engine, Options, _map

BATCH = 100


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)

    engine = Engine(Options())
    validation._engine = engine
    files, _ = list_files([args.corpus])
    chosen = [files[i] for i in range(min(len(files), args.documents))]
    batches: list[tuple[set[ox.Triple], set[ox.NamedNode]]] = []
    for at in range(0, len(chosen), BATCH):
        triples: set[ox.Triple] = set()
        shared: set[ox.NamedNode] = set()
        for found in chosen[at : at + BATCH]:
            _outcome, _doc, mapped = _map(engine, found)
            if mapped is None or mapped.rejected:
                continue
            triples.update(mapped.triples)
            shared.update(
                t.subject
                for t in mapped.triples
                if isinstance(t.subject, ox.NamedNode) and t.subject in mapped.shared
            )
        batches.append((triples, shared))

    left_out: set[rdflib.URIRef] = set()
    targets = pyshacl.shape.Shape.focus_nodes

    def focus_nodes(shape: Any, graph: Any, debug: bool = False) -> Any:
        found = targets(shape, graph, debug)
        return {node for node in found if node not in left_out} if left_out else found

    pyshacl.shape.Shape.focus_nodes = focus_nodes  # type: ignore[method-assign]

    def run(leave_shared_out: bool) -> tuple[float, list[list[str]]]:
        own_results = []
        started = time.process_time()
        for triples, shared in batches:
            left_out.clear()
            if leave_shared_out:
                left_out.update(rdflib.URIRef(node.value) for node in shared)
            results = engine.shacl(triples)
            own_results.append(sorted(str(r[0]) for r in results if r[1] not in shared))
        return time.process_time() - started, own_results

    print(
        f"{len(chosen)} documents in {len(batches)} batches; shared nodes per batch: "
        f"{sorted({len(shared) for _t, shared in batches})}"
    )
    run(False)  # warm pySHACL's memos
    for round_ in range(1, args.rounds + 1):
        every, kept = run(False)
        fewer, found = run(True)
        print(
            f"round {round_}: every target {every:.2f} s CPU, shared nodes left out "
            f"{fewer:.2f} s ({100 * (fewer - every) / every:+.1f} %); the documents' own "
            f"results the same: {kept == found} ({sum(map(len, kept))} results)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
