"""How much of a saved query's time on the embedded store is the engine handing its rows over.

    python benchmarks/listing_floor.py --store /tmp/qb/store100k

For each saved SELECT query that ends in an ``ORDER BY``, with its optional parameters left
out and again given a value from the data (required ones always get one), as
``query_bench.py`` does, three timings on the same store, best of ``--repeat``:

- **full**: the saved query as ``medigraph query`` runs it, every row read into Python;
- **unordered**: the same query without its final ``ORDER BY``, every row read (a query
  whose ``ORDER BY`` comes with a ``LIMIT`` returns other rows without it, and is left out);
- **counted**: the unordered query wrapped in ``SELECT (COUNT(*) AS ?n) { … }``: the engine
  finds every row but hands none of its terms over.

``reading`` = ``unordered − counted`` is what handing the rows' terms over costs: the on-disk
Oxigraph store keeps each IRI and each literal longer than 15 bytes as an id, and looks its
text up in RocksDB when it is read (``full − unordered`` is the sort, which looks the texts
up again at each comparison). Every form of a query that returns the same rows must read the
same terms, so ``reading`` is a lower bound for all of them on this store: a listing whose
reading alone takes over a second cannot answer in under one, and no form can be faster than
another engine by more than that engine's time divided by ``reading``.

``--memory`` copies the store into an in-memory Oxigraph store first (every term held in
RAM, no RocksDB lookups) and times the same queries there: what the other layout the same
engine offers would give. It prints how long the copy took; at 100 000 documents it needs
≈ 100 s and ≈ 4.5 GB.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from query_bench import parameter_sets, sample_values

from medigraph.query import (
    SavedQuery,
    bind_params,
    blank_literals,
    check_syntax,
    default_prefixes,
    insert_values,
    saved_queries,
)
from medigraph.store import open_read_only

_TAIL = re.compile(r"\bORDER\s+BY\b", re.IGNORECASE)


def unordered(text: str) -> str | None:
    """``text`` without its final ORDER BY, or None when it has none or limits its rows."""
    plain = blank_literals(text)
    last_brace = plain.rfind("}")
    found = [m for m in _TAIL.finditer(plain) if m.start() > last_brace]
    if not found or re.search(r"\b(LIMIT|OFFSET)\b", plain[found[-1].start() :], re.IGNORECASE):
        return None
    return text[: found[-1].start()]


def listings(
    saved: SavedQuery, values: dict[str, str], prefixes: dict[str, str]
) -> Iterator[tuple[dict[str, str], str, str]]:
    """(parameters, query, query without its ORDER BY) for each SELECT form of ``saved`` that
    this script times, with the parameters of ``query_bench.parameter_sets``."""
    for given in parameter_sets(saved, values):
        text = insert_values(saved.text, bind_params(saved, saved.text, given, prefixes))
        if check_syntax(text, prefixes) != "bindings":
            continue
        bare = unordered(text)
        if bare is not None:
            yield given, text, bare


def in_memory(store: ox.Store) -> ox.Store:
    """An in-memory store with every quad of ``store`` (its default graph included)."""
    copy = ox.Store()
    copy.bulk_extend(store.quads_for_pattern(None, None, None, None))
    return copy


def best(
    store: ox.Store, text: str, prefixes: dict[str, str], repeat: int
) -> tuple[float, int, int]:
    """Best wall time over ``repeat`` runs (after one warm-up), the rows and the columns."""
    times, rows, columns = [], 0, 0
    for _ in range(repeat + 1):
        started = time.perf_counter()
        result = store.query(text, prefixes=prefixes)
        assert isinstance(result, ox.QuerySolutions)
        columns, rows = len(result.variables), 0
        for row in result:
            for term in row:
                if term is not None:
                    term.value  # noqa: B018 - reading the term is what is measured
            rows += 1
        times.append(time.perf_counter() - started)
    return min(times[1:] or times), rows, columns


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store", required=True, type=Path)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument(
        "--memory", action="store_true", help="time the queries on an in-memory copy of the store"
    )
    args = parser.parse_args(argv)

    store = open_read_only(args.store)
    prefixes = default_prefixes()
    values = sample_values(store, prefixes)
    if args.memory:
        started = time.perf_counter()
        store = in_memory(store)
        print(f"copied {len(store)} quads into memory in {time.perf_counter() - started:.1f} s")
    print(
        f"{'query':<30} {'parameters':<40} {'rows':>7} {'cols':>4} {'full s':>7} {'unordered s':>11} "
        f"{'counted s':>9} {'reading s':>9} {'µs/term':>7}"
    )
    for name, saved in saved_queries().items():
        for given, text, bare in listings(saved, values, prefixes):
            full, rows, columns = best(store, text, prefixes, args.repeat)
            loose, _, _ = best(store, bare, prefixes, args.repeat)
            counted, _, _ = best(
                store, f"SELECT (COUNT(*) AS ?n) {{ {bare} }}", prefixes, args.repeat
            )
            reading = max(0.0, loose - counted)
            per_term = reading / (rows * columns) * 1e6 if rows * columns else 0.0
            optional = {p.name for p in saved.params if not p.required}
            shown = ", ".join(f"{k}={v}" for k, v in given.items() if k in optional) or "(all)"
            print(
                f"{name:<30} {shown[:40]:<40} {rows:>7} {columns:>4} {full:>7.2f} "
                f"{loose:>11.2f} {counted:>9.2f} {reading:>9.2f} {per_term:>7.1f}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
