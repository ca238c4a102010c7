"""The benchmarks' own methods: what they time must be what they say they time."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pyoxigraph as ox
import pytest

from medigraph.export import export
from medigraph.query import (
    bind_params,
    check_syntax,
    default_prefixes,
    insert_values,
    saved_queries,
)
from medigraph.store import open_read_only

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "content"


def _benchmark(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        f"medigraph_bench_{name}", ROOT / "benchmarks" / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> ox.Store:
    where = tmp_path_factory.mktemp("bench-store")
    export([EXAMPLES], where / "dump.nq", store=where / "store", jobs=1)
    return open_read_only(where / "store")


def _rows(store: ox.Store, text: str, prefixes: dict[str, str]) -> list[tuple[str, ...]]:
    result = store.query(text, prefixes=prefixes)
    assert isinstance(result, ox.QuerySolutions)
    return [tuple("" if term is None else str(term) for term in row) for row in result]


def test_unordered_drops_only_the_final_order_by() -> None:
    unordered = _benchmark("listing_floor").unordered
    inner = "SELECT ?x { { SELECT ?x { ?x ?p ?o } ORDER BY ?x LIMIT 3 } }"
    assert unordered(inner + " ORDER BY DESC(?x)") == inner + " "
    assert unordered(inner) is None  # its only ORDER BY is inside, with its LIMIT
    assert unordered("SELECT ?x { ?x ?p ?o } ORDER BY ?x LIMIT 5") is None  # other rows
    assert unordered('SELECT ?x { ?x ?p "} ORDER BY ?x" }') is None  # a string is not a clause
    assert unordered("SELECT ?x { ?x ?p ?o } # ORDER BY ?x\n") is None


def test_listing_floor_times_the_rows_of_each_saved_query(store: ox.Store) -> None:
    """Without its ORDER BY a saved query returns the same rows, and COUNT(*) counts them:
    the three timings of listing_floor.py are of the same answer."""
    floor = _benchmark("listing_floor")
    prefixes = default_prefixes()
    values = floor.sample_values(store, prefixes)
    compared = 0
    for saved in saved_queries().values():
        required = {p.name: values[p.name] for p in saved.params if p.required}
        optional = {p.name: values[p.name] for p in saved.params if not p.required}
        for given in [required, {**required, **optional}] if optional else [required]:
            text = insert_values(saved.text, bind_params(saved, saved.text, given, prefixes))
            if check_syntax(text, prefixes) != "bindings":
                continue
            bare = floor.unordered(text)
            if bare is None:
                continue
            full = _rows(store, text, prefixes)
            assert sorted(_rows(store, bare, prefixes)) == sorted(full), saved.name
            counted = _rows(store, f"SELECT (COUNT(*) AS ?n) {{ {bare} }}", prefixes)
            assert counted == [(f'"{len(full)}"^^<http://www.w3.org/2001/XMLSchema#integer>',)]
            compared += bool(full)
    assert compared >= 10  # most saved queries, most with rows
