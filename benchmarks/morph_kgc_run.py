"""Baseline (c): morph-kgc with an RML mapping of the same fields, over the front matter as JSON.

Runs in its own virtual environment (``benchmarks/.venv-morph``): morph-kgc pins
``pyoxigraph<0.4`` and ``rdflib<7.3``, which the medigraph environment cannot have. Step 1
dumps every document's front matter (PyYAML's C loader) and body into one JSON array; step 2
is ``morph_kgc.materialize_oxigraph`` with ``benchmarks/rml/medigy.rml.ttl``; step 3 writes
the graph as Turtle with pyoxigraph. All three are timed together.

    benchmarks/.venv-morph/bin/python benchmarks/morph_kgc_run.py CORPUS OUTPUT.ttl
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent


def dump_json(corpus: Path, target: Path) -> int:
    documents = []
    for file in sorted(corpus.rglob("*.md")):
        _, fm_text, body = file.read_text(encoding="utf-8").split("---\n", 2)
        fm = yaml.load(fm_text, Loader=yaml.CSafeLoader)
        fm["body"] = body.strip()
        documents.append(fm)
    target.write_text(json.dumps(documents, ensure_ascii=False, default=str), encoding="utf-8")
    return len(documents)


def main(corpus: str, output: str) -> int:
    import morph_kgc
    import pyoxigraph

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp, "frontmatter.json")
        count = dump_json(Path(corpus), data)
        mapping = Path(tmp, "mapping.rml.ttl")
        mapping.write_text(
            (HERE / "rml" / "medigy.rml.ttl").read_text().replace("CORPUS_JSON", str(data))
        )
        config = f"[DataSource]\nmappings: {mapping}\n[CONFIGURATION]\nnumber_of_processes: {os.cpu_count() or 1}\n"
        store = morph_kgc.materialize_oxigraph(config)
        with open(output, "wb") as stream:
            # Turtle has no graphs: the quads (one named graph per document) become triples.
            triples = {(q.subject, q.predicate, q.object) for q in store}
            pyoxigraph.serialize((pyoxigraph.Triple(*t) for t in triples), stream, "text/turtle")
    print(
        f"{count} documents, {len(triples)} triples, {time.perf_counter() - started:.2f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1], sys.argv[2]))
