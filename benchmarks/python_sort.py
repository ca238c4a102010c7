"""A saved listing sorted by Python instead of by the engine: what it would save, what it costs.

    python benchmarks/python_sort.py --store /tmp/qb/store100k [--repeat 2] [--only NAME ...]

On the on-disk Oxigraph store an ``ORDER BY`` on texts is slow: each comparison looks the
texts up again (docs/benchmarks.md, "What reading and sorting a listing costs"). This script
times, for each saved SELECT query that ends in an ``ORDER BY`` of plain variables (``?v``,
``DESC(?v)``), with its optional parameters left out and then given a value from the data:

- **engine**: the saved query as ``medigraph query`` runs it, every row read into Python;
- **python**: the same query without its final ``ORDER BY``, with the sort keys it does not
  select added to its projection (``?moment``), every row read into Python, then sorted by
  Python's stable sort, one pass per key from the last (``reverse=True`` for ``DESC``), on
  keys that follow SPARQL's order (unbound, then IRIs by their text, then literals: texts by
  code point, integers by value, ``xsd:dateTime`` values with a time zone as instants).

Each side runs in a fresh interpreter (its peak RSS is its own), alternating, ``--repeat``
times; the CPU time, wall time and peak RSS of the best run are shown, and whether Python
gave the same rows in the same order. A column holding any other kind of value (a blank node,
a date, a decimal, texts with a language, moments with and without a time zone) would need
SPARQL's own rules, so the query is reported as not sortable in Python.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import re
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from listing_floor import listings, unordered

from medigraph.query import blank_literals, default_prefixes, saved_queries
from medigraph.store import open_read_only

XSD = "http://www.w3.org/2001/XMLSchema#"
_KEY = re.compile(r"\s*(?:(ASC|DESC)\s*\(\s*\?(\w+)\s*\)|\?(\w+))", re.IGNORECASE)
_OUTER = re.compile(r"\bSELECT\s+((?:\?\w+\s+)+)WHERE\b", re.IGNORECASE)


class NotSortable(Exception):
    """A value whose place in SPARQL's order this script does not compute."""


def sort_keys(text: str, bare: str) -> list[tuple[str, bool]] | None:
    """(variable, descending) for each key of ``text``'s final ORDER BY, or None when a key
    is not a plain variable."""
    clause = text[len(bare) :].strip()
    clause = re.sub(r"^ORDER\s+BY", "", clause, flags=re.IGNORECASE)
    keys, at = [], 0
    while at < len(clause.rstrip()):
        found = _KEY.match(clause, at)
        if found is None:
            return None
        direction, wrapped, plain = found.groups()
        keys.append((wrapped or plain, (direction or "").upper() == "DESC"))
        at = found.end()
    return keys or None


def projected(bare: str, keys: list[tuple[str, bool]]) -> tuple[str, list[str]]:
    """``bare`` selecting its sort keys too, and the variables it selected itself."""
    plain = blank_literals(bare)
    outer = _OUTER.search(plain)
    first = re.search(r"\bSELECT\b", plain, re.IGNORECASE)
    if outer is None or first is None or outer.start() != first.start():
        raise NotSortable("the outer SELECT does not list its variables")
    own = [name.lstrip("?") for name in outer.group(1).split()]
    extra = [name for name, _ in keys if name not in own]
    start = outer.start(1) + len(outer.group(1))
    return bare[:start] + "".join(f"?{name} " for name in extra) + bare[start:], own


def order_key(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> tuple[int, Any]:
    if term is None:
        return (0, "")
    if isinstance(term, ox.NamedNode):
        return (2, term.value)
    if isinstance(term, ox.Literal) and term.language is None:
        kind = term.datatype.value
        if kind == XSD + "string":
            return (3, term.value)
        if kind == XSD + "integer":
            return (4, int(term.value))
        if kind == XSD + "dateTime":
            try:
                moment = datetime.datetime.fromisoformat(term.value)
            except ValueError:  # more than six decimals, year 0 or beyond 9999, 24:00:00
                raise NotSortable(term) from None
            if moment.tzinfo is None:
                raise NotSortable(term)
            return (5, moment)
    raise NotSortable(term)


def digest(rows: list[list[Any]]) -> str:
    return hashlib.sha256(repr([[str(t) for t in row] for row in rows]).encode()).hexdigest()


def child(store_path: str, side: str, text: str) -> dict[str, object]:
    """Run one side in this (fresh) interpreter."""
    store = open_read_only(store_path)
    prefixes = default_prefixes()
    started_cpu, started = time.process_time(), time.perf_counter()
    if side == "engine":
        result = store.query(text, prefixes=prefixes)
        assert isinstance(result, ox.QuerySolutions)
        names = [v.value for v in result.variables]
        rows = [[solution[name] for name in names] for solution in result]
    else:
        bare = unordered(text)
        keys = sort_keys(text, bare or "") if bare else None
        if bare is None or keys is None:
            return {"error": "no final ORDER BY of plain variables"}
        try:
            widened, own = projected(bare, keys)
        except NotSortable as exc:
            return {"error": f"not sortable in Python: {exc}"}
        result = store.query(widened, prefixes=prefixes)
        assert isinstance(result, ox.QuerySolutions)
        names = [v.value for v in result.variables]
        held = [tuple(solution[name] for name in names) for solution in result]
        column = {name: at for at, name in enumerate(names)}
        try:
            for name, descending in reversed(keys):
                at = column[name]
                held.sort(key=lambda row, at=at: order_key(row[at]), reverse=descending)
        except NotSortable as exc:
            return {"error": f"not sortable in Python: {exc}"}
        rows = [[row[column[name]] for name in own] for row in held]
    return {
        "cpu": time.process_time() - started_cpu,
        "wall": time.perf_counter() - started,
        "rows": len(rows),
        "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "digest": digest(rows),
        "sorted": digest(sorted(rows, key=lambda row: [str(t) for t in row])),
    }


def run_side(store: Path, side: str, text: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", side, "--store", str(store)],
        input=text,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return {"error": f"failed: {done.stderr.strip().splitlines()[-1]}", "rows": 0}
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store", required=True, type=Path)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--only", nargs="*", default=None, help="saved query names")
    parser.add_argument("--child", choices=("engine", "python"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(str(args.store), args.child, sys.stdin.read())))
        return 0

    from query_bench import sample_values

    store = open_read_only(args.store)
    prefixes = default_prefixes()
    values = sample_values(store, prefixes)
    del store
    print(
        f"{'query':<30} {'parameters':<38} {'rows':>7} {'engine cpu s':>12} {'python cpu s':>12}"
        f" {'engine MB':>9} {'python MB':>9}  same order"
    )
    for name, saved in saved_queries().items():
        if args.only and name not in args.only:
            continue
        for given, text, _bare in listings(saved, values, prefixes):
            best: dict[str, dict[str, Any]] = {}
            for _ in range(args.repeat):
                for side in ("engine", "python"):
                    got = run_side(args.store, side, text)
                    if "error" in got or got["cpu"] < best.get(side, {}).get("cpu", 1e9):
                        best[side] = got
            optional = {p.name for p in saved.params if not p.required}
            shown = ", ".join(f"{k}={v}" for k, v in given.items() if k in optional) or "(all)"
            engine, python = best["engine"], best["python"]
            if "error" in python:
                print(f"{name:<30} {shown[:38]:<38} {engine['rows']:>7}  {python['error']}")
                continue
            same = python["digest"] == engine["digest"]
            rows_same = python["sorted"] == engine["sorted"]
            print(
                f"{name:<30} {shown[:38]:<38} {engine['rows']:>7} {engine['cpu']:>12.2f}"
                f" {python['cpu']:>12.2f} {engine['rss']:>9} {python['rss']:>9}"
                f"  {same}{'' if same or not rows_same else ' (same rows)'}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
