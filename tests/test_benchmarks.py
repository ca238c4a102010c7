"""The benchmarks' own methods: what they time must be what they say they time."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from medigraph.export import export
from medigraph.query import default_prefixes, saved_queries
from medigraph.store import open_read_only
from tests._bench import load_benchmark

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "content"


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
    unordered = load_benchmark("listing_floor").unordered
    inner = "SELECT ?x { { SELECT ?x { ?x ?p ?o } ORDER BY ?x LIMIT 3 } }"
    assert unordered(inner + " ORDER BY DESC(?x)") == inner + " "
    assert unordered(inner) is None  # its only ORDER BY is inside, with its LIMIT
    assert unordered("SELECT ?x { ?x ?p ?o } ORDER BY ?x LIMIT 5") is None  # other rows
    assert unordered('SELECT ?x { ?x ?p "} ORDER BY ?x" }') is None  # a string is not a clause
    assert unordered("SELECT ?x { ?x ?p ?o } # ORDER BY ?x\n") is None


def test_listing_floor_times_the_rows_of_each_saved_query(store: ox.Store) -> None:
    """Without its ORDER BY a saved query returns the same rows, and COUNT(*) counts them:
    the three timings of listing_floor.py are of the same answer."""
    floor = load_benchmark("listing_floor")
    prefixes = default_prefixes()
    values = floor.sample_values(store, prefixes)
    compared = 0
    for saved in saved_queries().values():
        for _given, text, bare in floor.listings(saved, values, prefixes):
            full = _rows(store, text, prefixes)
            assert sorted(_rows(store, bare, prefixes)) == sorted(full), saved.name
            counted = _rows(store, f"SELECT (COUNT(*) AS ?n) {{ {bare} }}", prefixes)
            assert counted == [(f'"{len(full)}"^^<http://www.w3.org/2001/XMLSchema#integer>',)]
            compared += bool(full)
    assert compared >= 10  # most saved queries, most with rows


def test_listing_floor_in_memory_copy_answers_the_same(store: ox.Store) -> None:
    """``--memory`` times the same data: every quad copied, and each saved query gives the
    same rows in the same order on the copy."""
    floor = load_benchmark("listing_floor")
    copy = floor.in_memory(store)
    assert len(copy) == len(store) > 1000
    assert set(copy.named_graphs()) == set(store.named_graphs())
    prefixes = default_prefixes()
    values = floor.sample_values(store, prefixes)
    compared = 0
    for saved in saved_queries().values():
        for _given, text, _bare in floor.listings(saved, values, prefixes):
            assert _rows(copy, text, prefixes) == _rows(store, text, prefixes), saved.name
            compared += 1
    assert compared >= 10


def test_compiled_mapping_probe_times_the_package_it_is_given() -> None:
    """The probe imports the package from the root it is handed (here the checkout, not a
    compiled copy) and reports a per-document CPU time."""
    bench = load_benchmark("compiled_mapping")
    compiled, micros = bench.per_document(ROOT, EXAMPLES, 19)
    assert compiled is False
    assert 0 < micros < 1_000_000


def test_instruction_probe_runs_each_side_over_the_files_it_says() -> None:
    """Both sides of benchmarks/instructions.py go over ``warm`` + ``count`` files (the
    difference of two counts is then the cost of ``count`` documents), and the worker side
    maps them without a failure."""
    import subprocess

    bench = load_benchmark("instructions")
    for side in ("floor", "worker"):
        done = subprocess.run(
            bench.probe(EXAMPLES, side, 2, 3), capture_output=True, text=True, cwd=ROOT
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.split() == ["5"]


def test_the_floor_refuses_what_is_no_corpus(tmp_path: Path) -> None:
    """floor.py took any argument for the corpus: ``--help`` or a mistyped folder gave a floor
    of "0 documents, 0.00 s", exit 0."""
    bench = load_benchmark("floor")
    assert bench.cli(["--help"]) == 2
    assert bench.cli([str(tmp_path / "missing")]) == 2
    assert bench.cli([str(EXAMPLES)]) == 0


def test_rank_sort_orders_content_by_topic_as_shipped(store: ox.Store) -> None:
    """The rank-keyed form the benchmark times answers content-by-topic exactly: same rows,
    same order."""
    bench = load_benchmark("rank_sort")
    prefixes = default_prefixes()
    _, expected = bench.timed(store, saved_queries()["content-by-topic"].text, prefixes)
    _, ranked = bench.timed(store, bench.RANKED, prefixes)
    assert len(expected) > 20 and ranked == expected
    _, ranks = bench.timed(store, bench.RANK_OF.format(k=5), prefixes)
    assert sorted(int(rank) for _, rank in ranks) == [0, 1, 2, 3, 4]


def test_validate_shared_targets_leaves_out_only_the_shared_nodes() -> None:
    """benchmarks/validate_shared_targets.py times pySHACL with the shared nodes left out of
    the shapes' targets: the batches hold shared nodes, and the documents' own results are the
    same both ways (else the timing would compare two different validations)."""
    import re
    import subprocess
    import sys

    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "validate_shared_targets.py"),
            str(EXAMPLES),
            "--documents",
            "19",
            "--rounds",
            "1",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    counts = re.search(r"shared nodes per batch: \[([\d, ]+)\]", done.stdout)
    assert counts is not None and min(int(n) for n in counts.group(1).split(",")) > 0
    assert "results the same: True" in done.stdout, done.stdout
