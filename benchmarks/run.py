"""Rerunnable benchmark: medigraph against the floor and two alternatives, on generated corpora.

    python benchmarks/run.py --sizes 1000 10000 100000

For each size it generates (once) ``benchmarks/corpus/<size>/`` and measures, one command
at a time, wall time, documents/s, triples/s and the peak RSS of the whole process tree
(psutil, polled every 20 ms; workers included) of:

- (a) the floor: one process reading every file and parsing its front matter (C loader);
- ``medigraph export`` to Turtle and to N-Quads (no cache, no embedded store);
- a full export that fills the incremental cache, then an unchanged re-export;
- ``medigraph validate`` (when the command exists);
- (b) python-frontmatter + one rdflib Graph + ``serialize(format="turtle")``;
- (c) morph-kgc with an RML mapping of the same fields (its own venv, see morph_kgc_run.py).

Results go to ``benchmarks/results/<size>.json`` and into the results block of
``docs/benchmarks.md``, with the machine they ran on and the load average.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil  # type: ignore[import-untyped]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PYTHON = sys.executable
_SCRIPT = Path(PYTHON).parent / "medigraph"  # the console script of the environment running this
MEDIGRAPH = [str(_SCRIPT)] if _SCRIPT.exists() else [shutil.which("medigraph") or "medigraph"]
MORPH_PYTHON = HERE / ".venv-morph" / "bin" / "python"
START, END = "<!-- results:start -->", "<!-- results:end -->"


@dataclass
class Measure:
    name: str
    command: str
    seconds: float
    peak_rss_mb: float
    documents: int
    triples: int
    exit_code: int
    note: str = ""

    @property
    def docs_per_s(self) -> float:
        return self.documents / self.seconds if self.seconds else 0.0

    @property
    def triples_per_s(self) -> float:
        return self.triples / self.seconds if self.seconds else 0.0


def measure(
    name: str, argv: list[str], documents: int, timeout: float, cwd: Path = ROOT
) -> Measure:
    """Run ``argv``; wall time and the peak of the summed RSS of it and all its descendants."""
    shown = " ".join(str(a) for a in argv).replace(str(ROOT) + "/", "")
    print(f"  {name}: {shown}", file=sys.stderr, flush=True)
    peak = 0
    started = time.perf_counter()
    proc = subprocess.Popen(
        argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    stop = threading.Event()

    def poll() -> None:
        nonlocal peak
        try:
            root = psutil.Process(proc.pid)
        except psutil.NoSuchProcess:
            return
        while not stop.is_set():
            total = 0
            try:
                for p in [root, *root.children(recursive=True)]:
                    with contextlib.suppress(psutil.NoSuchProcess):
                        total += p.memory_info().rss
            except psutil.NoSuchProcess:
                break
            peak = max(peak, total)
            stop.wait(0.02)

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    note = ""
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        note = f"stopped after {timeout:.0f} s"
    seconds = time.perf_counter() - started
    stop.set()
    watcher.join()
    found = re.search(r"(\d+) triples", err or "")
    if proc.returncode != 0 and not note:
        last = (err or "").strip().splitlines()[-1][:160] if err and err.strip() else ""
        note = f"exit {proc.returncode} {last}".strip()
    result = Measure(
        name,
        shown,
        seconds,
        peak / 2**20,
        documents,
        int(found.group(1)) if found else 0,
        proc.returncode,
        note,
    )
    print(f"    {seconds:.2f} s, {result.peak_rss_mb:.0f} MB {note}", file=sys.stderr, flush=True)
    return result


def machine() -> dict[str, str]:
    model = ""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        model = next(
            (
                line.split(":", 1)[1].strip()
                for line in out.splitlines()
                if line.startswith("Model name")
            ),
            "",
        )
    except OSError:
        pass
    return {
        "cpu": model or platform.processor(),
        "cores": str(os.cpu_count()),
        "ram": f"{psutil.virtual_memory().total / 2**30:.1f} GiB",
        "python": platform.python_version(),
        "os": platform.platform(),
    }


def has_validate() -> bool:
    return (
        subprocess.run(
            [*MEDIGRAPH, "validate", "--help"], capture_output=True, check=False
        ).returncode
        == 0
    )


def bench(
    size: int, jobs: int, timeout: float, baselines: bool, validate: bool = True
) -> dict[str, object]:
    sys.path.insert(0, str(HERE))
    from generate import generate

    corpus = generate(size, HERE / "corpus" / str(size))
    rel = corpus.relative_to(ROOT)
    load_before = os.getloadavg()
    results: list[Measure] = []
    with tempfile.TemporaryDirectory(prefix="medigraph-bench-") as tmp:
        out = Path(tmp)
        export = [*MEDIGRAPH, "export", str(rel), "-j", str(jobs), "--no-store"]
        run = [
            ("floor (a): read + CSafeLoader", [PYTHON, str(HERE / "floor.py"), str(rel)]),
            ("medigraph export → Turtle", [*export, "-o", f"{out}/d.ttl", "--no-cache"]),
            ("medigraph export → N-Quads", [*export, "-o", f"{out}/d.nq", "--no-cache"]),
            (
                "medigraph export → Turtle, filling the cache",
                [*export, "-o", f"{out}/c/d.ttl", "--cache"],
            ),
            (
                "medigraph export → Turtle, unchanged re-export",
                [*export, "-o", f"{out}/c/d.ttl", "--cache"],
            ),
        ]
        if validate and has_validate():
            run.append(
                (
                    "medigraph validate",
                    [*MEDIGRAPH, "validate", str(rel), "-o", f"{out}/report.txt"],
                )
            )
        if baselines:
            run.append(
                (
                    "(b) python-frontmatter + rdflib",
                    [PYTHON, str(HERE / "naive_rdflib.py"), str(rel), f"{out}/b.ttl"],
                )
            )
            if MORPH_PYTHON.exists():
                run.append(
                    (
                        "(c) morph-kgc (RML)",
                        [
                            str(MORPH_PYTHON),
                            str(HERE / "morph_kgc_run.py"),
                            str(rel),
                            f"{out}/m.ttl",
                        ],
                    )
                )
        for name, argv in run:
            results.append(measure(name, argv, size, timeout))
        same = (out / "d.ttl").read_bytes() == (out / "c" / "d.ttl").read_bytes()
    return {
        "size": size,
        "jobs": jobs,
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "cached_dump_identical": same,
        "results": [
            asdict(r) | {"docs_per_s": r.docs_per_s, "triples_per_s": r.triples_per_s}
            for r in results
        ],
    }


def table(runs: list[dict[str, object]], info: dict[str, str]) -> str:
    lines = [
        f"Machine: {info['cpu']}, {info['cores']} cores, {info['ram']} RAM; Python {info['python']}; {info['os']}.",
        "",
    ]
    for run in runs:
        before = " / ".join(f"{x:.2f}" for x in run["load_before"])  # type: ignore[attr-defined]
        after = " / ".join(f"{x:.2f}" for x in run["load_after"])  # type: ignore[attr-defined]
        lines += [
            f"### {run['size']:,} documents (jobs = {run['jobs']})",
            "",
            f"Load average (1/5/15 min) before: {before}; after: {after}. "
            f"Re-export byte-identical to the full export: {run['cached_dump_identical']}.",
            "",
            "| run | wall s | documents/s | triples/s | peak RSS MB (tree) | note |",
            "| --- | ---: | ---: | ---: | ---: | --- |",
        ]
        for r in run["results"]:  # type: ignore[attr-defined]
            triples = f"{r['triples_per_s']:,.0f}" if r["triples"] else "–"
            lines.append(
                f"| {r['name']} | {r['seconds']:.2f} | {r['docs_per_s']:,.0f} | {triples} | {r['peak_rss_mb']:.0f} | {r['note']} |"
            )
        lines += ["", "<details><summary>commands</summary>", "", "```"]
        lines += [r["command"] for r in run["results"]]  # type: ignore[attr-defined]
        lines += ["```", "", "</details>", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--timeout", type=float, default=1800, help="seconds before a run is stopped"
    )
    parser.add_argument("--no-baselines", action="store_true", help="skip (b) and (c)")
    parser.add_argument("--no-validate", action="store_true", help="skip medigraph validate")
    parser.add_argument("--tag", default="", help="suffix of the results files (<size><tag>.json)")
    parser.add_argument(
        "--doc", type=Path, default=ROOT / "docs" / "benchmarks.md", help="markdown to update"
    )
    args = parser.parse_args(argv)
    info = machine()
    runs = []
    (HERE / "results").mkdir(exist_ok=True)
    for size in args.sizes:
        print(f"{size} documents", file=sys.stderr)
        run = bench(size, args.jobs, args.timeout, not args.no_baselines, not args.no_validate)
        (HERE / "results" / f"{size}{args.tag}.json").write_text(
            json.dumps(run | {"machine": info}, indent=2)
        )
        runs.append(run)
    block = table(runs, info)
    print(block)
    if args.doc.exists() and START in args.doc.read_text():
        text = args.doc.read_text()
        head, rest = text.split(START, 1)
        tail = rest.split(END, 1)[1]
        args.doc.write_text(f"{head}{START}\n{block}\n{END}{tail}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
