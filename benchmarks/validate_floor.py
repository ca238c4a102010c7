"""Where `medigraph validate`'s time goes, and the least it could take with pySHACL.

    python benchmarks/validate_floor.py benchmarks/corpus/10000

Runs the validation of the corpus in this one process (``jobs=1``, the bundled shapes,
batches as ``medigraph validate`` makes them) and measures the CPU time spent

- inside ``pyshacl.validate`` (the SHACL engine itself, on graphs already built),
- turning each batch's triples into the rdflib graph pySHACL needs,
- reading and mapping the documents (what the export does too),
- on everything else (the ontology checks, tracing results to lines, starting up).

Then it times ``medigraph export`` of the same corpus (Turtle, no cache, no store, every
core) and prints the ratio the issue's target is about. pySHACL's CPU time, the rdflib
graphs it takes and the reading and mapping, spread perfectly over every core with
everything else free, is a lower bound for a validation whose results are pySHACL's: when
it is over 3× the export, no change to medigraph reaches 3× without another SHACL engine.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyshacl  # noqa: E402

from medigraph import validation  # noqa: E402
from medigraph.pipeline import default_jobs  # noqa: E402

spent = {"pyshacl": 0.0, "rdflib": 0.0, "map": 0.0}


def _timed(name: str, fn: Any) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[name] += time.process_time() - started

    return wrapper


def export_seconds(corpus: Path, jobs: int) -> float:
    medigraph = Path(sys.executable).with_name("medigraph")
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        command = [str(medigraph), "export", str(corpus), "-o", os.path.join(out, "d.ttl")]
        subprocess.run(
            [*command, "--no-cache", "--no-store", "-q", "--jobs", str(jobs)], check=True
        )
        return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--jobs", type=int, default=default_jobs(), help="cores to count on")
    args = parser.parse_args(argv)

    pyshacl.validate = _timed("pyshacl", pyshacl.validate)
    validation.to_rdflib = _timed("rdflib", validation.to_rdflib)
    validation._map = _timed("map", validation._map)
    cpu_started, started = time.process_time(), time.perf_counter()
    report = validation.validate([args.corpus], jobs=1)
    total_cpu = time.process_time() - cpu_started
    wall = time.perf_counter() - started
    documents = len(report.documents)
    rest = total_cpu - spent["pyshacl"] - spent["rdflib"] - spent["map"]
    per_doc = 1000 / max(documents, 1)
    print(f"{documents} documents, {len(report.results)} SHACL results, one process: {wall:.1f} s")
    for name, label in (
        ("pyshacl", "pySHACL"),
        ("rdflib", "rdflib graphs"),
        ("map", "reading, mapping"),
    ):
        print(f"  {label:<18} {spent[name]:7.1f} s CPU  {spent[name] * per_doc:.2f} ms/doc")
    print(f"  {'everything else':<18} {rest:7.1f} s CPU  {rest * per_doc:.2f} ms/doc")
    export = export_seconds(args.corpus, args.jobs)
    print(f"export (Turtle, --jobs {args.jobs}): {export:.2f} s")
    cores = args.jobs
    alone = spent["pyshacl"] / cores
    needed = (spent["pyshacl"] + spent["rdflib"] + spent["map"]) / cores
    print(
        f"over {cores} cores, perfectly shared: pySHACL alone ≥ {alone:.1f} s "
        f"({alone / export:.1f}× the export); with the rdflib graphs it needs and the reading "
        f"and mapping the export does too ≥ {needed:.1f} s ({needed / export:.1f}×); target 3×"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
