"""Time every saved query on the embedded store (pyoxigraph) and on rdflib's in-memory SPARQL.

    python benchmarks/query_bench.py --store output/store                    # pyoxigraph only
    python benchmarks/query_bench.py --store S --dump dump.nq                # + rdflib, same data

The store is the one ``medigraph export`` keeps; the dump must be the same export, as
N-Quads or TriG (rdflib reads it into a Dataset whose default graph is the union, as the
store's is) or as Turtle (one rdflib Graph: the same triples, and ≈ 40 % less memory, which
is what lets rdflib hold the 100 000-document corpus). Each query runs ``--repeat`` times after one warm-up; the best time counts.
Each query runs with its optional parameters left out (the answer for everything) and, when
it has any, with a value for each taken from the data (one community, one topic: a user's
typical question); required ones always get a value from the data. Wall and CPU time are
both shown: on a loaded machine the CPU time is the steadier figure. ``--portable`` also times
the portable ``GRAPH ?g`` forms (queries/endpoint/) on the same store.

Results (2 cores, 8 GB; generated corpus from benchmarks/generate.py) are in the report of
the change that added this script; rerun it to get yours.
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import signal
import statistics
import sys
import time
from functools import partial
from pathlib import Path
from typing import Any

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from medigraph.query import (
    SavedQuery,
    bind_params,
    default_prefixes,
    insert_values,
    run_embedded,
    saved_queries,
)
from medigraph.store import open_read_only

SAMPLE = {
    "id": "SELECT ?v { ?g medigy:describes/schema:identifier ?v } LIMIT 1",
    "author": "SELECT ?v { ?c schema:author/schema:name ?v } LIMIT 1",
    "community": "SELECT ?v { ?c medigy:community/schema:name ?v } LIMIT 1",
    "topic": "SELECT ?v { ?c schema:about/skos:notation ?v } LIMIT 1",
    "publisher": "SELECT ?v { ?c schema:publisher/schema:name ?v } LIMIT 1",
    "scheme": "SELECT ?v { ?c skos:inScheme/skos:prefLabel ?v } LIMIT 1",
}
FIXED = {"since": "2022-01-01", "max": "3"}


def sample_values(store: ox.Store, prefixes: dict[str, str]) -> dict[str, str]:
    """One value per parameter name, taken from the data (a user's typical question)."""
    values = dict(FIXED)
    for name, text in SAMPLE.items():
        for row in store.query(text, prefixes=prefixes):  # type: ignore[union-attr]
            values[name] = row["v"].value
    return values


def parameter_sets(
    saved: SavedQuery, values: dict[str, str], bound_only: bool = False
) -> list[dict[str, str]]:
    """The parameters to run ``saved`` with: its optional ones left out (the answer for
    everything) and then given (``bound_only``: only given); required ones always given."""
    required = {p.name: values[p.name] for p in saved.params if p.required}
    optional = {p.name: values[p.name] for p in saved.params if not p.required}
    if not optional:
        return [required]
    given = {**required, **optional}
    return [given] if bound_only else [required, given]


def rdflib_rows(graph: Any, text: str, ns: dict[str, Any]) -> list[Any]:
    return list(graph.query(text, initNs=ns))


def rdflib_timed(
    graph: Any, text: str, ns: dict[str, Any], timeout: float | None
) -> tuple[float, int] | None:
    """(seconds, rows) of rdflib's answer, or None when it takes longer than ``timeout``.

    rdflib cannot be interrupted, so with a timeout the query runs in a forked copy of this
    process (the graph is shared copy-on-write, not loaded again), which is killed when late.
    """
    if timeout is None or not hasattr(os, "fork"):
        seconds, rows, _ = time_it(partial(rdflib_rows, graph, text, ns), 0)
        return seconds, len(rows)
    gc.freeze()  # the child's collector would otherwise touch (and copy) every page
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: answer, report, leave without cleanup
        status = 1
        try:
            os.close(read_end)
            seconds, rows, _ = time_it(partial(rdflib_rows, graph, text, ns), 0)
            os.write(write_end, f"{seconds} {len(rows)}".encode())
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    deadline = time.monotonic() + timeout
    try:
        while os.waitpid(pid, os.WNOHANG) == (0, 0):
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return None
            time.sleep(0.1)
        answer = os.read(read_end, 100).decode().split()
    finally:
        os.close(read_end)
    return (float(answer[0]), int(answer[1])) if len(answer) == 2 else None


def time_it(fn: Any, repeat: int) -> tuple[float, Any, float]:
    """Best wall time, the answer, and the CPU time of the best run."""
    if repeat == 0:  # one run, no warm-up
        started, cpu_started = time.perf_counter(), time.process_time()
        result = fn()
        return time.perf_counter() - started, result, time.process_time() - cpu_started
    result = fn()  # warm-up (and the answer)
    best, cpu = float("inf"), float("inf")
    for _ in range(repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        fn()
        wall = time.perf_counter() - started
        if wall < best:
            best, cpu = wall, time.process_time() - cpu_started
    return best, result, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store", required=True, type=Path)
    parser.add_argument(
        "--dump",
        type=Path,
        help="the same data for rdflib: N-Quads/TriG (a Dataset), or a Turtle dump (.ttl, one graph)",
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--portable", action="store_true", help="also time the endpoint (GRAPH ?g) forms"
    )
    parser.add_argument(
        "--bound-only",
        action="store_true",
        help="only the form with every parameter given (skip the optional ones left out)",
    )
    parser.add_argument(
        "--rdflib-timeout",
        type=float,
        default=None,
        metavar="S",
        help="give up on an rdflib query after S seconds (it runs in a forked child)",
    )
    parser.add_argument(
        "--skip", action="append", default=[], metavar="NAME", help="leave out a saved query"
    )
    args = parser.parse_args(argv)

    store = open_read_only(args.store)
    prefixes = default_prefixes()
    values = sample_values(store, prefixes)
    graph = None
    if args.dump:
        import rdflib

        started = time.perf_counter()
        if args.dump.suffix == ".ttl":  # one graph: what the store's default graph holds
            graph = rdflib.Graph()
            graph.parse(str(args.dump), format="turtle")
        else:
            graph = rdflib.Dataset(default_union=True)
            graph.parse(str(args.dump), format="nquads" if args.dump.suffix == ".nq" else "trig")
        print(
            f"rdflib loaded {len(graph):,} quads in {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
    quads = sum(1 for _ in store.quads_for_pattern(None, None, None, None))
    print(f"store: {args.store} ({quads:,} quads)\n")
    header = f"{'query':<29} {'parameters':<44} {'rows':>7} {'wall s':>7} {'cpu s':>6}"
    if args.portable:
        header += f" {'portable s':>10}"
    if graph is not None:
        header += f" {'rdflib s':>9} {'speed-up':>9}"
    print(header)
    ratios = []
    for name, saved in saved_queries().items():
        if name in args.skip:
            continue
        for given in parameter_sets(saved, values, args.bound_only):
            bound = bind_params(saved, saved.text, given, prefixes)
            wall, answer, cpu = time_it(
                partial(run_embedded, saved.text, params=bound, opened=store, timeout=None),
                args.repeat,
            )
            size = len(answer.rows) if answer.kind == "bindings" else len(answer.triples)
            shown = ", ".join(f"{k}={v}" for k, v in given.items()) or "(all)"
            line = f"{name:<29} {shown[:44]:<44} {size:>7} {wall:>7.3f} {cpu:>6.3f}"
            if args.portable:
                portable = saved.text_for(endpoint=True)
                slow, _, _ = time_it(
                    partial(run_embedded, portable, params=bound, opened=store, timeout=None), 0
                )
                line += f" {slow:>10.2f}"
            if graph is not None:
                import rdflib

                text = insert_values(saved.text, bound)
                if not isinstance(graph, rdflib.Dataset) and re.search(r"\bGRAPH\b", text):
                    print(f"{line}  (rdflib: needs the named graphs, an N-Quads dump)", flush=True)
                    continue
                ns = {k: rdflib.Namespace(v) for k, v in prefixes.items()}
                answered = rdflib_timed(graph, text, ns, args.rdflib_timeout)
                if answered is None:
                    late = f"> {args.rdflib_timeout:.0f}"
                    line += f" {late:>9} {'> ' + format(args.rdflib_timeout / wall, '.0f'):>8}×"
                else:
                    rd_s, rd_rows = answered
                    if rd_rows != size:
                        line += f"  (rdflib: {rd_rows} rows!)"
                    ratios.append(rd_s / wall)
                    line += f" {rd_s:>9.3f} {rd_s / wall:>8.0f}×"
            print(line, flush=True)
    if ratios:
        print(
            f"\nspeed-up over rdflib: min {min(ratios):.0f}×, median {statistics.median(ratios):.0f}×"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
