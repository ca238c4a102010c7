"""The saved queries on a columnar in-memory SPARQL engine (maplib), against the embedded store.

    python -m venv benchmarks/.venv-maplib
    benchmarks/.venv-maplib/bin/pip install maplib -e .
    benchmarks/.venv-maplib/bin/python benchmarks/columnar_engine.py DUMP.ttl --store STORE

maplib (Data Treehouse, Apache-2.0) answers SPARQL over Polars data frames in memory. This
script reads a Turtle dump written by ``medigraph export`` and the bundled ontology into one
maplib model (the same triples as the embedded store's default graph), prints how long that
took and the peak memory, then runs every saved query whose parameters are all optional,
with none given (the "(all)" lines of ``listing_floor.py``), and prints maplib's time and
rows beside the embedded store's (``--store``, best of ``--repeat`` for both).

It is here to tell whether another engine could meet the issue's "< 1 s" for whole listings,
and at what price; medigraph does not use it. Queries with ``GRAPH`` patterns are not run:
maplib 0.20 stops the process's model with a panic on them.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import re
import resource
import sys
import time
from pathlib import Path
from typing import Any

import maplib  # type: ignore[import-not-found,unused-ignore]
import pyoxigraph as ox

from medigraph.query import blank_literals, default_prefixes, saved_queries
from medigraph.resources import data_path
from medigraph.store import open_read_only


def best_of(repeat: int, run: Any) -> tuple[float, int]:
    times, rows = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        rows = run()
        times.append(time.perf_counter() - started)
    return min(times), rows


def oxigraph_rows(store: ox.Store, text: str, prefixes: dict[str, str]) -> int:
    result = store.query(text, prefixes=prefixes)
    if isinstance(result, ox.QuerySolutions):
        count = 0
        for row in result:
            for term in row:
                if term is not None:
                    term.value  # noqa: B018 - read every term, as medigraph query does
            count += 1
        return count
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("dump", type=Path, help="a Turtle dump from medigraph export")
    parser.add_argument("--store", type=Path, help="the embedded store of the same export")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)

    prefixes = default_prefixes()
    prologue = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in prefixes.items())
    model = maplib.Model()
    started = time.perf_counter()
    model.read(str(args.dump), format="turtle")
    for file in sorted(data_path("ontology").glob("*.ttl")):
        model.read(str(file), format="turtle")
    loaded = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(
        f"maplib {importlib.metadata.version('maplib')}: read in {loaded:.1f} s, peak RSS {peak} MB"
    )
    store = open_read_only(args.store) if args.store else None

    print(f"{'query':<30} {'maplib s':>9} {'rows':>8} {'store s':>8} {'rows':>8}")
    for name, saved in saved_queries().items():
        if any(p.required for p in saved.params):
            continue
        if re.search(r"\bGRAPH\b", blank_literals(saved.text), re.IGNORECASE):
            print(f"{name:<30} {'not run: GRAPH patterns':>9}")
            continue

        def on_maplib(text: str = saved.text) -> int:
            return int(model.query(prologue + text).height)

        try:
            seconds, rows = best_of(args.repeat, on_maplib)
            shown = f"{seconds:>9.2f} {rows:>8}"
        except BaseException as exc:  # maplib reports some gaps as Rust panics
            if isinstance(exc, KeyboardInterrupt):
                raise
            shown = f"fails: {type(exc).__name__}: {str(exc).splitlines()[0][:60]}"
        line = f"{name:<30} {shown}"
        if store is not None:
            seconds, rows = best_of(
                args.repeat, lambda text=saved.text: oxigraph_rows(store, text, prefixes)
            )
            line = f"{line:<49} {seconds:>8.2f} {rows:>8}" if "fails" not in shown else line
            if "fails" in shown:
                line += f"   (store: {seconds:.2f} s, {rows} rows)"
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
