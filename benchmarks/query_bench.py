"""Time every saved query on the embedded store (pyoxigraph) and on rdflib's in-memory SPARQL.

    python benchmarks/query_bench.py --store output/store                    # pyoxigraph only
    python benchmarks/query_bench.py --store S --dump dump.nq                # + rdflib, same data

The store is the one ``medigraph export`` keeps; the dump must be the same export as
N-Quads or TriG (rdflib reads it into a Dataset whose default graph is the union, as the
store's is). Each query runs ``--repeat`` times after one warm-up; the best time counts.
Parameters: optional ones are left unbound (the query answers for everything, its most
expensive form); required ones get a value taken from the data.

Results (2 cores, 8 GB; generated corpus from benchmarks/generate.py) are in the report of
the change that added this script; rerun it to get yours.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from functools import partial
from pathlib import Path
from typing import Any

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from medigraph.query import (
    bind_params,
    default_prefixes,
    insert_values,
    run_embedded,
    saved_queries,
)
from medigraph.store import open_read_only


def required_values(store: ox.Store) -> dict[str, str]:
    row = next(
        iter(
            store.query(  # type: ignore[call-overload]
                "SELECT ?id { GRAPH ?g { ?g <https://medigy.com/ontology/describes> ?c . ?c <http://schema.org/identifier> ?id } } LIMIT 1"
            )
        )
    )
    return {"id": row["id"].value, "since": "2022-01-01"}


def rdflib_rows(graph: Any, text: str, ns: dict[str, Any]) -> list[Any]:
    return list(graph.query(text, initNs=ns))


def time_it(fn: Any, repeat: int) -> tuple[float, Any]:
    result = fn()  # warm-up (and the answer)
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store", required=True, type=Path)
    parser.add_argument("--dump", type=Path, help="the same data as N-Quads/TriG, for rdflib")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    store = open_read_only(args.store)
    prefixes = default_prefixes()
    values = required_values(store)
    graph = None
    if args.dump:
        import rdflib

        started = time.perf_counter()
        graph = rdflib.Dataset(default_union=True)
        graph.parse(str(args.dump), format="nquads" if args.dump.suffix == ".nq" else "trig")
        print(
            f"rdflib loaded {len(graph):,} quads in {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
    quads = sum(1 for _ in store.quads_for_pattern(None, None, None, None))
    print(f"store: {args.store} ({quads:,} quads)\n")
    print(f"{'query':<30} {'rows':>7} {'oxigraph s':>11} {'rdflib s':>9} {'speed-up':>9}")
    ratios = []
    for name, saved in saved_queries().items():
        given = {p.name: values[p.name] for p in saved.params if p.required}
        bound = bind_params(saved, saved.text, given, prefixes)
        ox_s, answer = time_it(
            partial(run_embedded, saved.text, params=bound, opened=store, timeout=None),
            args.repeat,
        )
        size = len(answer.rows) if answer.kind == "bindings" else len(answer.triples)
        line = f"{name:<30} {size:>7} {ox_s:>11.4f}"
        if graph is not None:
            import rdflib

            text = insert_values(saved.text, bound) if bound else saved.text
            ns = {k: rdflib.Namespace(v) for k, v in prefixes.items()}
            rd_s, result = time_it(partial(rdflib_rows, graph, text, ns), 1)
            if len(result) != size:
                line += f"  (rdflib: {len(result)} rows!)"
            ratios.append(rd_s / ox_s)
            line += f" {rd_s:>9.3f} {rd_s / ox_s:>8.0f}×"
        print(line)
    if ratios:
        print(
            f"\nspeed-up over rdflib: min {min(ratios):.0f}×, median {statistics.median(ratios):.0f}×"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
