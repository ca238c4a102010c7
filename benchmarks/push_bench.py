"""Push benchmark: medigraph push vs one N-Quads bulk upload vs one PUT per document.

Generates a corpus by copying examples/content with new mdName/id values (in a temp
dir), maps it once to N-Quads, starts a local Oxigraph server per measurement and times:

* bulk:   POST of the whole N-Quads file to /store (the floor for getting the data in);
* put:    one Graph Store PUT (N-Triples) per document graph;
* push:   ``medigraph push --dump`` (batched SPARQL Update + manifest), then a re-push of
          the unchanged corpus; and ``medigraph push`` from the documents (mapping included).

Run:  .venv/bin/python benchmarks/push_bench.py --copies 300
"""

from __future__ import annotations

import argparse
import platform
import shutil
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from medigraph.export import export  # noqa: E402
from medigraph.push import graphs_from_dump, ntriples_body, push  # noqa: E402
from tests.servers import OxigraphServer  # noqa: E402


def generate(target: Path, copies: int) -> int:
    sources = sorted((ROOT / "examples" / "content").rglob("*.md"))
    count = 0
    for copy in range(copies):
        for index, source in enumerate(sources):
            text = source.read_text(encoding="utf-8")
            old = source.stem
            new = str(uuid.UUID(int=copy * 1_000_003 + index + 1))
            text = text.replace(old, new)
            text = text.replace("\nid: ", f"\nid: {copy + 1}0000", 1)
            out = (
                target
                / f"c{copy}"
                / source.relative_to(ROOT / "examples" / "content").parent
                / f"{new}.md"
            )
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text, encoding="utf-8")
            count += 1
    return count


def timed(label: str, action) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    action()
    seconds = time.perf_counter() - started
    print(f"{label:<44} {seconds:8.2f} s", flush=True)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--copies", type=int, default=300, help="copies of examples/content (19 documents each)"
    )
    parser.add_argument("--byte-budget", type=int, default=None)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="medigraph-push-bench-"))
    try:
        documents = generate(work / "content", args.copies)
        dump = work / "corpus.nq"
        report = export([work / "content"], dump)
        print(
            f"{documents} documents, {report.triples} triples, {dump.stat().st_size / 1e6:.1f} MB of N-Quads; "
            f"{platform.processor() or platform.machine()}, Python {platform.python_version()}"
        )
        budget = {"byte_budget": args.byte_budget} if args.byte_budget else {}
        results = {}
        with OxigraphServer() as server:
            data = dump.read_bytes()

            def bulk() -> None:
                request = urllib.request.Request(
                    server.graph_store_endpoint,
                    data=data,
                    method="POST",
                    headers={"Content-Type": "application/n-quads"},
                )
                urllib.request.urlopen(request, timeout=600).read()

            results["bulk"] = timed("one N-Quads bulk POST", bulk)
        with OxigraphServer() as server:
            graphs = list(graphs_from_dump(str(dump), "urn:none"))

            def puts() -> None:
                for doc in graphs:
                    url = f"{server.graph_store_endpoint}?{urllib.parse.urlencode({'graph': doc.graph})}"
                    request = urllib.request.Request(
                        url,
                        data=ntriples_body(doc.lines),
                        method="PUT",
                        headers={"Content-Type": "application/n-triples"},
                    )
                    urllib.request.urlopen(request, timeout=60).read()

            results["put"] = timed("one PUT per document", puts)
        with OxigraphServer() as server:
            urls = {
                "endpoint": server.query_endpoint,
                "update_endpoint": server.update_endpoint,
                "graph_store": server.graph_store_endpoint,
            }
            results["push_dump"] = timed(
                "medigraph push --dump",
                lambda: print("   ", push(dump=dump, **urls, **budget).summary()),
            )  # type: ignore[arg-type]
            results["repush_dump"] = timed(
                "medigraph push --dump, unchanged",
                lambda: print("   ", push(dump=dump, **urls, **budget).summary()),
            )  # type: ignore[arg-type]
            results["repush_docs"] = timed(
                "medigraph push PATH, unchanged (maps all)",
                lambda: print("   ", push([work / "content"], **urls, **budget).summary()),
            )  # type: ignore[arg-type]
        with OxigraphServer() as server:
            urls = {
                "endpoint": server.query_endpoint,
                "update_endpoint": server.update_endpoint,
                "graph_store": server.graph_store_endpoint,
            }
            results["push_docs"] = timed(
                "medigraph push PATH (maps all)",
                lambda: print("   ", push([work / "content"], **urls, **budget).summary()),
            )  # type: ignore[arg-type]
        print(f"push --dump / bulk = {results['push_dump'] / results['bulk']:.2f} (target <= 1.5)")
        print(
            f"PUT per document / push --dump = {results['put'] / results['push_dump']:.2f} (target >= 3)"
        )
        print(
            f"re-push unchanged: {results['repush_dump']:.2f} s from the dump, {results['repush_docs']:.2f} s from documents (target < 5)"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
