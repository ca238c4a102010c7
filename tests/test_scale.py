"""Scale properties: the dump does not depend on the number of workers, and shards add up."""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path
from types import ModuleType

import pytest

from medigraph.documents import discover
from medigraph.export import export
from medigraph.pipeline import select_shard, shard_of
from tests._bench import load_benchmark
from tests._trees import random_tree

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "content"
SEED = (
    EXAMPLES
    / "communities/chronic-care-management/curated-content/d12da9f4-80a4-53d7-ad46-1e538af2b729.md"
)


def _generator() -> ModuleType:
    return load_benchmark("generate")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 generated documents (enough for the process pool to split them into many chunks)."""
    out = tmp_path_factory.mktemp("corpus")
    _generator().generate(300, out)
    return out


def test_generator_is_deterministic(tmp_path: Path) -> None:
    generate = _generator()
    first = generate.generate(20, tmp_path / "a")
    second = generate.generate(20, tmp_path / "b")
    files = sorted(p.relative_to(first) for p in first.rglob("*.md"))
    assert len(files) == 20
    for rel in files:
        assert (first / rel).read_bytes() == (second / rel).read_bytes()


def test_generated_documents_export_cleanly(corpus: Path, tmp_path: Path) -> None:
    report = export([corpus], tmp_path / "d.ttl", jobs=1, cache=False)
    assert (report.read, report.rejected) == (300, 0)
    assert not [d for d in report.diagnostics if d.severity.label == "error"]


@pytest.mark.parametrize("fmt", ["ttl", "nq", "trig", "nt", "jsonld"])
def test_dump_is_byte_identical_for_any_number_of_jobs(
    corpus: Path, tmp_path: Path, fmt: str
) -> None:
    dumps = []
    for jobs in (1, 2, 3):
        out = tmp_path / f"j{jobs}.{fmt}"
        export([corpus, EXAMPLES], out, jobs=jobs, cache=False)
        dumps.append(out.read_bytes())
    assert dumps[0] == dumps[1] == dumps[2]


def test_every_file_is_in_exactly_one_shard(corpus: Path) -> None:
    files, _ = discover([corpus])
    shards = [select_shard(files, (k, 4)) for k in range(1, 5)]
    assert sorted(f.path for shard in shards for f in shard) == sorted(f.path for f in files)
    assert all(shard for shard in shards)  # 300 files: no shard is empty
    assert shard_of("communities/a/b.md", 4) == shard_of("communities/a/b.md", 4)


def _quads(path: Path) -> set[bytes]:
    return {line for line in path.read_bytes().splitlines() if line.strip()}


def test_shards_together_hold_exactly_the_quads_of_the_full_export(
    corpus: Path, tmp_path: Path
) -> None:
    full = tmp_path / "full.nq"
    export([corpus, EXAMPLES], full, jobs=2, cache=False)
    union: set[bytes] = set()
    documents = 0
    for k in (1, 2, 3):
        part = tmp_path / f"part{k}.nq"
        report = export([corpus, EXAMPLES], part, jobs=2, shard=(k, 3), cache=False)
        documents += report.read
        union |= _quads(part)
    assert union == _quads(full)
    assert documents == len(discover([corpus, EXAMPLES])[0])


def test_shard_turtle_dumps_parse_and_add_up_to_the_full_graph(
    corpus: Path, tmp_path: Path
) -> None:
    import pyoxigraph as ox

    full = tmp_path / "full.ttl"
    export([corpus], full, jobs=2, cache=False)
    union = ox.Store()
    for k in (1, 2):
        part = tmp_path / f"part{k}.ttl"
        export([corpus], part, shard=(k, 2), cache=False)
        union.load(path=str(part), format=ox.RdfFormat.TURTLE)
    whole = ox.Store()
    whole.load(path=str(full), format=ox.RdfFormat.TURTLE)
    assert set(union) == set(whole)


SHARED_IRIS = """
SELECT ?g (COUNT(DISTINCT ?source) AS ?sources) WHERE {
  GRAPH ?g { ?g medigy:describes ?content ; prov:wasDerivedFrom ?source .
             ?source a medigy:SourceFile }
}
GROUP BY ?g HAVING (COUNT(DISTINCT ?source) > 1)
"""
"""docs/scaling.md's check, after loading the shards: graphs that two documents made."""


def test_documents_clashing_across_shards_are_found_after_loading(tmp_path: Path) -> None:
    """A shard cannot see a clash with a document of another shard; both shards write the
    graph. The check in the recipe finds exactly those graphs once the shards are loaded."""
    import pyoxigraph as ox

    from medigraph.pipeline import shard_of
    from medigraph.query import default_prefixes

    seed = SEED
    docs = tmp_path / "docs"
    docs.mkdir()
    names = [f"copy{i}.md" for i in range(20)]
    first, other = names[0], next(n for n in names if shard_of(n, 2) != shard_of(names[0], 2))
    for name in (first, other):
        (docs / name).write_bytes(seed.read_bytes())
    store = ox.Store()
    for k in (1, 2):
        part = tmp_path / f"part{k}.nq"
        report = export([docs], part, shard=(k, 2), cache=False)
        assert report.rejected == 0  # each shard alone sees no clash
        store.load(path=str(part), format=ox.RdfFormat.N_QUADS)
    found = [row["g"].value for row in store.query(SHARED_IRIS, prefixes=default_prefixes())]  # type: ignore[union-attr]
    assert found == ["https://medigy.com/graph/content/d12da9f4-80a4-53d7-ad46-1e538af2b729"]
    whole = ox.Store()
    export([docs], tmp_path / "full.nq", cache=False)
    whole.load(path=str(tmp_path / "full.nq"), format=ox.RdfFormat.N_QUADS)
    assert list(whole.query(SHARED_IRIS, prefixes=default_prefixes())) == []  # type: ignore[arg-type]


def test_a_duplicate_document_iri_names_the_first_document(tmp_path: Path) -> None:
    seed = SEED
    for name in ("a.md", "b.md"):
        (tmp_path / "docs").mkdir(exist_ok=True)
        (tmp_path / "docs" / name).write_bytes(seed.read_bytes())
    report = export([tmp_path / "docs"], tmp_path / "d.ttl", jobs=1, cache=False)
    clashes = [d for d in report.diagnostics if d.code == "map.collision"]
    assert report.rejected == 1 and len(clashes) == 1
    assert clashes[0].path.endswith("b.md") and "a.md" in clashes[0].message


@pytest.mark.parametrize("shard", [None, (1, 2), (2, 2)])
def test_many_clashes_name_the_first_document_and_list_the_corpus_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shard: tuple[int, int] | None
) -> None:
    """Each clash names the first document with that IRI in the run (the shard's, when
    sharded); the corpus is listed again once for all of them, not once per clash."""
    import medigraph.export as export_module

    seed = SEED
    docs = tmp_path / "docs"
    docs.mkdir()
    names = [f"copy-{n:02}.md" for n in range(12)]
    for name in names:
        (docs / name).write_bytes(seed.read_bytes())
    listed = []
    real = export_module.list_files

    def counting(*args: object, **kwargs: object) -> object:
        listed.append(args)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(export_module, "list_files", counting)
    report = export([docs], tmp_path / "d.ttl", jobs=1, cache=False, shard=shard)
    mine = [n for n in names if shard is None or shard_of(n, shard[1]) == shard[0] - 1]
    clashes = [d for d in report.diagnostics if d.code == "map.collision"]
    assert len(mine) >= 3 and report.exported == 1
    assert sorted(Path(d.path).name for d in clashes) == mine[1:]
    assert all(f"already used by {docs / mine[0]};" in d.message for d in clashes)
    md_name = next(
        n for n, text in enumerate(seed.read_text().splitlines(), 1) if text.startswith("mdName:")
    )
    assert {(d.line, d.key) for d in clashes} == {(md_name, "mdName")}
    assert len(listed) == 1


def test_a_file_reached_twice_is_listed_once(tmp_path: Path) -> None:
    seed = EXAMPLES / "communities/chronic-care-management/curated-content"
    root = tmp_path / "root"
    shutil.copytree(seed, root / "cc")
    (root / "link.md").symlink_to(root / "cc" / "d12da9f4-80a4-53d7-ad46-1e538af2b729.md")
    files, _ = discover([root, root / "cc"])
    # "cc/…" sorts before "link.md": the real file is listed, the link and the second root not.
    assert [f.path for f in files] == sorted(
        p.relative_to(root).as_posix() for p in (root / "cc").glob("*.md")
    )


@pytest.mark.parametrize(
    ("given", "listed"),
    [
        (["doc.md", "doc.md"], ["doc.md"]),
        (["doc.md", "./doc.md"], ["doc.md"]),
        (["doc.md", "{abs}/doc.md"], ["doc.md"]),
        (["doc.md", "d/../doc.md"], ["doc.md"]),
        (["link.md", "link.md"], ["link.md"]),
        (["doc.md", "link.md"], ["doc.md"]),
        (["doc.md", "."], ["doc.md", "d/doc.md"]),
        ([".", "doc.md"], ["d/doc.md", "doc.md"]),
        (["d/doc.md", "d"], ["doc.md"]),
        (["d", "d/doc.md", "d/doc.md"], ["doc.md"]),
    ],
)
def test_a_file_given_twice_keeps_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given: list[str], listed: list[str]
) -> None:
    """The same file given twice, by any spelling, beside a link to it or with its folder, is
    listed once under its own name. Relative to the common path of two spellings of one file
    its path was "", and its source IRI could not be minted: the document was rejected."""
    (tmp_path / "d").mkdir()
    shutil.copy(SEED, tmp_path / "doc.md")
    shutil.copy(SEED, tmp_path / "d" / "doc.md")
    (tmp_path / "link.md").symlink_to("doc.md")
    monkeypatch.chdir(tmp_path)
    files, problems = discover([path.format(abs=tmp_path) for path in given])
    assert not problems
    assert [f.path for f in files] == listed


def test_listing_one_shard_is_selecting_it_from_the_full_list(corpus: Path) -> None:
    files, _ = discover([corpus, EXAMPLES])
    for k in (1, 2, 3):

        def keep(path: str, k: int = k) -> bool:
            return shard_of(path, 3) == k - 1

        listed, _ = discover([corpus, EXAMPLES], keep=keep)
        assert listed == select_shard(files, (k, 3))


def _listing_by_os_walk(paths: list[Path]) -> list[tuple[str, str]]:
    """What discover lists, the slow and obvious way: os.walk, realpath, first one wins."""
    found, seen = [], set()
    for root in paths:
        if root.is_file():
            candidates = [(root, root.name, str(root))]
        else:
            rels = sorted(
                (Path(folder, name).relative_to(root).as_posix(), Path(folder, name))
                for folder, dirs, files in os.walk(root)
                for name in files
                if name.endswith(".md")
            )
            candidates = [(file, rel, os.path.join(str(root), rel)) for rel, file in rels]
        for file, rel, shown in candidates:
            real = os.path.realpath(file)
            if real not in seen:
                seen.add(real)
                found.append((rel, shown))
    return found


def test_lazy_listing_matches_os_walk_on_trees_full_of_links(tmp_path: Path) -> None:
    rng = random.Random(7)
    names = ["a", "a-b", "a.md", "ab", "b", "é", "A", "a0"]
    for trial in range(40):
        root = tmp_path / str(trial) / "root"
        random_tree(root, rng, names, files=(1, 12), links=(0, 6), nowhere=tmp_path / "nowhere.md")
        for paths in ([root], [root, root / "a"], [root / "a" / "..", root]):
            paths = [p for p in paths if p.is_dir()]
            listed = [(f.path, f.source) for f in discover(paths)[0]]
            assert listed == _listing_by_os_walk(paths), (trial, paths)


@pytest.mark.parametrize("stop", ["SIGTERM", "SIGHUP"])
def test_kill_ends_an_export_as_ctrl_c_does(tmp_path: Path, stop: str) -> None:
    """SIGTERM (a CI job cancelled, `timeout`, a service manager) or SIGHUP (the terminal
    closed), sent to the main process alone, ended it at once: the temporary dump was left
    beside the output, exit -15, and each worker printed a BrokenPipeError traceback. It now
    ends as Ctrl-C does: 130, "medigraph: interrupted", nothing left but the old dump."""
    import signal
    import subprocess
    import time

    from tests._robust import medigraph_command

    corpus = tmp_path / "c"
    _generator().generate(1000, corpus)
    out = tmp_path / "out" / "d.ttl"
    out.parent.mkdir()
    out.write_text("# the previous dump\n")
    args = [*medigraph_command(), "export", str(corpus), "-j", "2", "-q", "-o", str(out)]
    args += ["--store", str(tmp_path / "s")]
    stopped = 0
    for delay in (1.0, 2.0, 3.0):
        process = subprocess.Popen(
            args, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        time.sleep(delay)
        process.send_signal(getattr(signal, stop))  # the main process only
        try:
            _out, err = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            pytest.fail(f"the export hung after {stop} at {delay} s")
        said = err.decode()
        assert "Traceback" not in said and "Exception ignored" not in said, said
        if process.returncode in (0, -getattr(signal, stop)):
            continue  # it finished first, or the signal came while Python was still starting
        assert process.returncode == 130, said
        assert "Traceback" not in said and said.strip().splitlines()[-1] == "medigraph: interrupted"
        assert sorted(p.name for p in out.parent.iterdir()) == ["d.ttl"], "a temporary dump left"
        assert out.read_text() == "# the previous dump\n"
        stopped += 1
    assert stopped, "no run was stopped; the corpus is too small for this machine"


@pytest.mark.parametrize("command", ["export", "validate"])
def test_ctrl_c_ends_a_parallel_run_promptly_with_130(tmp_path: Path, command: str) -> None:
    """A terminal sends SIGINT to the whole process group. Workers that died of it could leave
    Pool.terminate waiting forever (a run in three hung); the run must end, with 130 — not 1,
    which CI would read as "documents rejected" or "violations found"."""
    import signal
    import subprocess
    import time

    from tests._robust import medigraph_command

    corpus = tmp_path / "c"
    _generator().generate(2000, corpus)
    args = [*medigraph_command(), command, str(corpus), "-j", "2", "-q"]
    if command == "export":
        args += ["-o", str(tmp_path / "d.ttl"), "--store", str(tmp_path / "s"), "--cache"]
    interrupted = 0
    for delay in (0.4, 0.8, 1.2, 1.6):
        process = subprocess.Popen(
            args,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        time.sleep(delay)
        os.killpg(process.pid, signal.SIGINT)
        try:
            _out, err = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            pytest.fail(f"{command} hung after Ctrl-C at {delay} s")
        if process.returncode == 0:
            continue  # it finished first
        assert process.returncode == 130, err.decode()
        assert err.decode().strip().splitlines()[-1] == "medigraph: interrupted"
        interrupted += 1
    assert interrupted, "no run was interrupted; the corpus is too small for this machine"
