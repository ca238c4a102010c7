"""What the ORDER BY of a whole listing costs, and what sorting on an integer rank would save.

    python benchmarks/rank_sort.py --store /tmp/qb/store100k

The on-disk store compares two strings by reading both from RocksDB, so ``ORDER BY ?topic``
over 270 000 rows costs millions of lookups; an integer or a date is compared where it
stands. This script times ``content-by-topic`` as shipped against the same query sorted on
each topic's rank among the topics (an integer: how many topics sort before it, computed in
a sub-select), checks that both give the same rows in the same order, and times that rank
sub-select for growing numbers of distinct keys: it compares every pair, so it grows with
the square of their number.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from medigraph.query import default_prefixes, saved_queries
from medigraph.store import open_read_only

RANKED = """SELECT ?topic ?published ?title ?content WHERE {
  ?concept skos:notation ?topic .
  ?content schema:about ?concept .
  ?g medigy:describes ?content .
  ?content schema:name ?title .
  OPTIONAL { ?content schema:datePublished ?published }
  { SELECT ?topic (COUNT(?lower) AS ?rank) WHERE {
      { SELECT DISTINCT ?topic { ?c skos:notation ?topic } }
      OPTIONAL { { SELECT DISTINCT ?lower { ?c2 skos:notation ?lower } } FILTER(?lower < ?topic) }
    } GROUP BY ?topic }
}
ORDER BY ?rank DESC(?published) ?content"""

RANK_OF = """SELECT ?x (COUNT(?lower) AS ?rank) WHERE {{
  {{ SELECT DISTINCT ?x {{ ?c medigy:sourcePath ?x }} LIMIT {k} }}
  OPTIONAL {{ {{ SELECT DISTINCT ?lower {{ ?c2 medigy:sourcePath ?lower }} LIMIT {k} }}
             FILTER(?lower < ?x) }}
}} GROUP BY ?x"""
"""The rank sub-select over ``k`` distinct strings (source paths, which every document has)."""


def timed(
    store: ox.Store, text: str, prefixes: dict[str, str]
) -> tuple[float, list[tuple[str | None, ...]]]:
    started = time.perf_counter()
    result = store.query(text, prefixes=prefixes)
    assert isinstance(result, ox.QuerySolutions)
    rows = [tuple(None if term is None else term.value for term in row) for row in result]
    return time.perf_counter() - started, rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store", required=True, type=Path)
    parser.add_argument("--keys", type=int, nargs="*", default=[250, 500, 1000, 2000])
    args = parser.parse_args(argv)
    store = open_read_only(args.store)
    prefixes = default_prefixes()
    shipped, expected = timed(store, saved_queries()["content-by-topic"].text, prefixes)
    ranked, rows = timed(store, RANKED, prefixes)
    print(f"content-by-topic as shipped        {shipped:7.2f} s  {len(expected)} rows")
    print(
        f"sorted on the topics' rank         {ranked:7.2f} s  same rows in the same order: "
        f"{rows == expected}"
    )
    for k in args.keys:
        seconds, ranks = timed(store, RANK_OF.format(k=k), prefixes)
        print(f"rank of {len(ranks):>6} distinct strings  {seconds:7.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
