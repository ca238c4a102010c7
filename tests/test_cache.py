"""The incremental cache: a re-export skips unchanged files and still writes the same bytes."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from medigraph import cache as cache_module
from medigraph import pipeline
from medigraph.cli import cli
from medigraph.export import export
from medigraph.resources import data_path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "content"
SEED = "communities/chronic-care-management/curated-content/d12da9f4-80a4-53d7-ad46-1e538af2b729.md"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    shutil.copytree(EXAMPLES, tmp_path / "content")
    return tmp_path / "content"


def _full(corpus: Path, tmp_path: Path, fmt: str = "ttl") -> bytes:
    out = tmp_path / f"full-{fmt}" / f"dump.{fmt}"
    export([corpus], out, jobs=1, cache=False)
    return out.read_bytes()


@pytest.mark.parametrize("fmt", ["ttl", "nq"])
def test_unchanged_reexport_comes_from_the_cache_and_is_byte_identical(
    corpus: Path, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / "out" / f"medigraph.{fmt}"
    first = export([corpus], out, jobs=1, cache=True)
    assert first.cached == 0 and (tmp_path / "out" / "cache").is_dir()
    again = export([corpus], out, jobs=1, cache=True)
    assert again.cached == again.read == first.read
    assert (again.exported, again.triples, again.diagnostics) == (
        first.exported,
        first.triples,
        first.diagnostics,
    )
    assert out.read_bytes() == _full(corpus, tmp_path, fmt)


def test_what_is_left_out_stays_out_when_it_comes_from_the_cache(
    corpus: Path, tmp_path: Path
) -> None:
    """A draft and a section page are left out because of what they say: a result loaded
    from the cache must say it too (a cached draft was published by the second export)."""
    seed = corpus / SEED
    seed.write_text(
        seed.read_text(encoding="utf-8").replace("\ntitle:", "\ndraft: true\ntitle:", 1),
        encoding="utf-8",
    )
    (corpus / "_index.md").write_text("---\ntitle: Home\n---\n", encoding="utf-8")
    out = tmp_path / "out" / "medigraph.nq"
    for run in range(3):
        report = export([corpus], out, jobs=1, cache=True, drafts=run == 1)
        assert report.cached == (0 if run == 0 else report.read), run
        assert (report.drafts, report.sections) == ((0, 1) if run == 1 else (1, 1)), run
        full = tmp_path / f"full{run}" / "dump.nq"
        export([corpus], full, jobs=1, cache=False, drafts=run == 1)
        assert out.read_bytes() == full.read_bytes(), run


def test_a_changed_file_is_mapped_again(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "medigraph.ttl"
    export([corpus], out, cache=True)
    seed = corpus / SEED
    seed.write_text(seed.read_text().replace("title: Three Actions", "title: Four Actions"))
    report = export([corpus], out, cache=True)
    assert report.cached == report.read - 1
    assert b"Four Actions Health Systems" in out.read_bytes()
    assert out.read_bytes() == _full(corpus, tmp_path)


def test_an_edit_that_keeps_size_and_mtime_is_still_noticed(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "medigraph.ttl"
    export([corpus], out, cache=True)
    seed = corpus / SEED
    before = seed.stat()
    seed.write_text(seed.read_text().replace("title: Three", "title: Thr3e"))
    os.utime(seed, ns=(before.st_atime_ns, before.st_mtime_ns))
    report = export([corpus], out, cache=True)
    assert report.cached == report.read - 1
    assert out.read_bytes() == _full(corpus, tmp_path)


def test_a_touched_but_unchanged_file_is_a_hit(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "medigraph.ttl"
    export([corpus], out, cache=True)
    os.utime(corpus / SEED, ns=(1, 1))
    assert export([corpus], out, cache=True).cached == export([corpus], out, cache=True).read


def test_deleted_and_added_files_are_followed(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "medigraph.ttl"
    export([corpus], out, cache=True)
    seed = corpus / SEED
    moved = corpus / "communities" / "moved.md"
    seed.rename(moved)
    report = export([corpus], out, cache=True)
    assert report.cached == report.read - 1
    assert out.read_bytes() == _full(corpus, tmp_path)


def test_a_changed_mapping_invalidates_the_cache(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "medigraph.ttl"
    export([corpus], out, cache=True)
    spec = yaml.safe_load((data_path("ontology") / "mapping.yaml").read_text())
    spec["keys"]["title"]["property"] = "schema:headline"
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(yaml.safe_dump(spec))
    report = export([corpus], out, cache=True, mapping=str(mapping))
    assert report.cached == 0
    assert b"schema:headline" in out.read_bytes()
    assert export([corpus], out, cache=True, mapping=str(mapping)).cached == report.read


def test_a_different_base_or_format_does_not_reuse_results(corpus: Path, tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    export([corpus], tmp_path / "a.ttl", cache=folder)
    assert (
        export([corpus], tmp_path / "a.ttl", cache=folder, base="https://example.org/").cached == 0
    )
    assert export([corpus], tmp_path / "a.ttl", cache=folder, format="nt").cached == 0


@pytest.mark.parametrize(
    ("module", "name", "value"),
    [
        ("sys", "version", "3.99.0 (another build)"),
        ("unicodedata", "unidata_version", "99.0.0"),
        ("yaml", "__with_libyaml__", "another parser"),
    ],
)
def test_another_python_or_yaml_parser_does_not_reuse_results(
    corpus: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    module: str,
    name: str,
    value: str,
) -> None:
    """What a result is made of depends on the Python that made it: its html.parser reads the
    bodies (patch releases change it), its Unicode database folds names into IRIs, and YAML is
    read by libyaml or by PyYAML's own parser. A cache kept across an upgrade must not hand
    back what the old one made."""
    import importlib

    out = tmp_path / "out" / "medigraph.nq"
    assert export([corpus], out, jobs=1, cache=True).cached == 0
    assert export([corpus], out, jobs=1, cache=True).cached > 0
    monkeypatch.setattr(importlib.import_module(module), name, value)
    assert export([corpus], out, jobs=1, cache=True).cached == 0


def test_cache_is_on_by_default_only_under_output(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    export([corpus], "elsewhere/dump.ttl")
    assert not (tmp_path / "elsewhere" / "cache").exists()
    export([corpus], "output/medigraph.ttl")
    assert (tmp_path / "output" / "cache" / "medigraph.ttl.sqlite").is_file()
    assert export([corpus], "output/medigraph.ttl").cached > 0


def test_cli_cache_options(corpus: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "o" / "d.ttl"
    args = ["export", str(corpus), "-o", str(out), "--no-store"]
    result = runner.invoke(cli, [*args, "--cache"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, [*args, "--cache"])
    assert "unchanged (from the cache)" in result.output
    shutil.rmtree(tmp_path / "o")
    result = runner.invoke(cli, [*args, "--no-cache"])
    assert result.exit_code == 0 and not (tmp_path / "o" / "cache").exists()


def test_broken_documents_are_reported_again_from_the_cache(tmp_path: Path) -> None:
    broken = ROOT / "examples" / "broken"
    out = tmp_path / "out" / "medigraph.ttl"
    first = export([broken], out, cache=True)
    again = export([broken], out, cache=True)
    assert again.diagnostics == first.diagnostics
    assert (again.rejected, again.exit_code) == (first.rejected, first.exit_code)


# -- the stat fast path (git-index-like): unchanged files are not read again -------------------


def _cache_db(out: Path) -> sqlite3.Connection:
    return sqlite3.connect(out.parent / "cache" / f"{out.name}.sqlite")


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files the cache opens to hash them (those whose stat alone was not trusted)."""
    opened: list[str] = []

    def spy(file: str, *args: Any, **kwargs: Any) -> Any:
        opened.append(os.fspath(file))
        return open(file, *args, **kwargs)

    monkeypatch.setattr(cache_module, "open", spy, raising=False)
    return opened


def test_unchanged_files_are_trusted_on_their_stat_without_being_read(
    corpus: Path, tmp_path: Path, reads: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out" / "medigraph.ttl"
    export([corpus], out, jobs=1, cache=True)
    # The files were copied just now: within RACY_NS of the first run, they are hashed once more.
    again = export([corpus], out, jobs=1, cache=True)
    assert again.cached == again.read and len(reads) == again.read
    reads.clear()
    monkeypatch.setattr(cache_module, "RACY_NS", 0)  # as if the files were older
    third = export([corpus], out, jobs=1, cache=True)
    assert third.cached == third.read and reads == []
    assert out.read_bytes() == _full(corpus, tmp_path)


def test_a_racily_clean_file_is_hashed_and_an_edit_in_the_same_tick_is_caught(
    corpus: Path, tmp_path: Path, reads: list[str]
) -> None:
    out = tmp_path / "out" / "medigraph.ttl"
    export([corpus], out, jobs=1, cache=True)
    seed = str(corpus / SEED)
    with _cache_db(out) as db:
        # Simulate an edit that kept size, mtime, ctime and inode, made in the clock tick of
        # the recorded stat: the row's hash no longer matches the bytes, its stat still does.
        db.execute("UPDATE documents SET sha256 = 'edited' WHERE source = ?", (seed,))
        db.execute("UPDATE documents SET checked_ns = ctime_ns + 1 WHERE source = ?", (seed,))
    report = export([corpus], out, jobs=1, cache=True)
    assert seed in reads and report.cached == report.read - 1
    assert out.read_bytes() == _full(corpus, tmp_path)


def test_an_edit_invisible_to_stat_outside_the_racy_window_is_trusted(
    corpus: Path, tmp_path: Path, reads: list[str]
) -> None:
    """The documented limitation, as in git: size, mtime, ctime and inode all unchanged and
    the file older than RACY_NS when its stat was recorded → its bytes are not read."""
    out = tmp_path / "out" / "medigraph.ttl"
    export([corpus], out, jobs=1, cache=True)
    seed = str(corpus / SEED)
    with _cache_db(out) as db:
        db.execute("UPDATE documents SET sha256 = 'edited' WHERE source = ?", (seed,))
        db.execute(
            "UPDATE documents SET checked_ns = max(mtime_ns, ctime_ns) + ? WHERE source = ?",
            (cache_module.RACY_NS + 1, seed),
        )
    report = export([corpus], out, jobs=1, cache=True)
    assert seed not in reads and report.cached == report.read


def test_a_touched_file_is_hashed_once_then_trusted_again(
    corpus: Path, tmp_path: Path, reads: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache_module, "RACY_NS", 0)
    out = tmp_path / "out" / "medigraph.ttl"
    export([corpus], out, jobs=1, cache=True)
    os.utime(corpus / SEED, ns=(1, 1))
    report = export([corpus], out, jobs=1, cache=True)
    assert reads == [str(corpus / SEED)] and report.cached == report.read
    reads.clear()
    assert export([corpus], out, jobs=1, cache=True).cached == report.read and reads == []


def test_a_file_replaced_by_another_with_the_same_size_and_times_is_caught(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache_module, "RACY_NS", 0)
    out = tmp_path / "out" / "medigraph.ttl"
    export([corpus], out, jobs=1, cache=True)
    seed = corpus / SEED
    before = seed.stat()
    replacement = seed.with_name("replacement.tmp")
    replacement.write_text(seed.read_text().replace("title: Three", "title: Thr3e"))
    os.utime(replacement, ns=(before.st_atime_ns, before.st_mtime_ns))
    replacement.replace(seed)  # an editor's atomic save: a new inode
    report = export([corpus], out, jobs=1, cache=True)
    assert report.cached == report.read - 1
    assert out.read_bytes() == _full(corpus, tmp_path)


def test_rows_of_deleted_and_renamed_files_are_dropped(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "medigraph.ttl"
    export([corpus], out, jobs=1, cache=True)
    seed = corpus / SEED
    seed.rename(corpus / "communities" / "renamed.md")
    (corpus / "communities" / "chronic-care-management" / "_index.md").unlink(missing_ok=True)
    report = export([corpus], out, jobs=1, cache=True)
    with _cache_db(out) as db:
        sources = {source for (source,) in db.execute("SELECT source FROM documents")}
    listed = {str(p) for p in corpus.rglob("*.md")}
    assert sources <= listed and len(sources) == report.read - report.rejected
    assert str(corpus / "communities" / "renamed.md") in sources
    assert out.read_bytes() == _full(corpus, tmp_path)


def test_roots_out_of_name_order_are_still_cached(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "b")
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "extra.md").write_bytes((tmp_path / "b" / SEED).read_bytes())
    roots = [tmp_path / "b", tmp_path / "a"]  # b/… is listed before a/…
    out = tmp_path / "out" / "medigraph.ttl"
    first = export(roots, out, jobs=1, cache=True)
    again = export(roots, out, jobs=1, cache=True)
    assert again.cached == again.read == first.read
    assert again.diagnostics == first.diagnostics
    full = tmp_path / "full.ttl"
    export(roots, full, jobs=1, cache=False)
    assert out.read_bytes() == full.read_bytes()


def test_a_cache_of_an_older_schema_is_replaced(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "medigraph.ttl"
    (tmp_path / "out" / "cache").mkdir(parents=True)
    with _cache_db(out) as db:
        db.execute(
            "CREATE TABLE documents (fingerprint TEXT NOT NULL, source TEXT NOT NULL,"
            " path TEXT NOT NULL, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,"
            " sha256 TEXT NOT NULL, result BLOB NOT NULL, PRIMARY KEY (fingerprint, source))"
        )
    assert export([corpus], out, jobs=1, cache=True).cached == 0
    again = export([corpus], out, jobs=1, cache=True)
    assert again.cached == again.read
    assert out.read_bytes() == _full(corpus, tmp_path)


def test_a_mostly_cached_run_with_workers_is_byte_identical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cached results wait behind chunks computed by workers, started late (lazy pool)."""
    monkeypatch.setattr(pipeline, "_IN_PROCESS", 2)
    monkeypatch.setattr(pipeline, "_QUEUE_LIMIT", 5)
    monkeypatch.setattr(cache_module, "_WINDOW", 3)
    corpus = tmp_path / "content"
    shutil.copytree(EXAMPLES, corpus)
    out = tmp_path / "out" / "medigraph.ttl"
    export([corpus], out, jobs=2, cache=True)
    files = sorted(corpus.rglob("*.md"))
    for file in files[::3]:
        file.write_text(file.read_text().replace("title: ", "title: Changed ", 1))
    report = export([corpus], out, jobs=2, cache=True)
    assert 0 < report.cached < report.read
    assert out.read_bytes() == _full(corpus, tmp_path)


class _Planted:
    """What a tampered row would run, were it unpickled with ``pickle.loads``."""

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (os.system, ("touch PLANTED",))


def test_a_tampered_row_runs_no_code_and_the_file_is_mapped_again(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pickle

    out = tmp_path / "out" / "medigraph.ttl"
    export([corpus], out, jobs=1, cache=True)
    monkeypatch.chdir(tmp_path)
    db = sqlite3.connect(tmp_path / "out" / "cache" / "medigraph.ttl.sqlite")
    with db:
        db.execute("UPDATE documents SET result = ?", (pickle.dumps(_Planted()),))
    db.close()
    again = export([corpus], out, jobs=1, cache=True)
    assert not (tmp_path / "PLANTED").exists()
    assert again.cached == 0 and again.exported == again.read
    assert out.read_bytes() == _full(corpus, tmp_path)
    assert export([corpus], out, jobs=1, cache=True).cached == again.read  # rows replaced


def test_a_row_of_the_wrong_shape_is_a_miss(corpus: Path, tmp_path: Path) -> None:
    import pickle

    out = tmp_path / "out" / "medigraph.ttl"
    export([corpus], out, jobs=1, cache=True)
    db = sqlite3.connect(tmp_path / "out" / "cache" / "medigraph.ttl.sqlite")
    with db:
        db.execute("UPDATE documents SET result = ?", (pickle.dumps(("a", "b")),))
        db.execute("UPDATE documents SET result = ? WHERE rowid = 1", (b"not a pickle",))
    db.close()
    again = export([corpus], out, jobs=1, cache=True)
    assert again.cached == 0
    assert out.read_bytes() == _full(corpus, tmp_path)


def test_a_damaged_cache_file_is_started_afresh_with_a_warning(
    corpus: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out" / "medigraph.ttl"
    export([corpus], out, jobs=1, cache=True)
    file = tmp_path / "out" / "cache" / "medigraph.ttl.sqlite"
    file.write_bytes(b"this is not a database" * 1000)
    result = CliRunner().invoke(
        cli, ["export", str(corpus), "-o", str(out), "--cache", "-j", "1", "--no-store"]
    )
    assert result.exit_code == 0, result.output
    assert "warning: the cache" in result.stderr and "started afresh" in result.stderr
    assert out.read_bytes() == _full(corpus, tmp_path)
    again = export([corpus], out, jobs=1, cache=True)
    assert again.cached == again.read and not any(
        d.code == "cache.reset" for d in again.diagnostics
    )


def test_a_second_run_on_the_same_cache_waits_then_stops_with_exit_2(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fcntl

    out = tmp_path / "out" / "medigraph.ttl"
    export([corpus], out, jobs=1, cache=True)
    before = out.read_bytes()
    monkeypatch.setattr(cache_module, "LOCK_WAIT_S", 0.3)
    with open(tmp_path / "out" / "cache" / "medigraph.ttl.sqlite.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # another run holds the cache
        result = CliRunner().invoke(
            cli, ["export", str(corpus), "-o", str(out), "--cache", "-j", "1", "--no-store"]
        )
    assert result.exit_code == 2
    assert "in use by another export" in result.stderr and "--no-cache" in result.stderr
    assert "Traceback" not in result.output
    assert out.read_bytes() == before
    assert export([corpus], out, jobs=1, cache=True).cached > 0  # released: usable again


def test_a_full_disk_under_the_cache_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's "database or disk is full" (then a COMMIT with no transaction left) was a
    traceback and exit 1; it is exit 2 and a message naming the cache, nothing written."""
    import sqlite3

    from click.testing import CliRunner

    from medigraph.cache import Cache
    from medigraph.cli import cli

    def full(self, item, file):  # type: ignore[no-untyped-def]
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(Cache, "store", full)
    out = tmp_path / "d.ttl"
    done = CliRunner().invoke(cli, ["export", str(EXAMPLES), "-o", str(out), "--cache", "-j", "1"])
    assert done.exit_code == 2, done.output
    assert "cannot use the cache" in done.output and "disk is full" in done.output
    assert not out.exists()


def test_a_full_disk_when_the_cache_opens_keeps_the_cache(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's "database or disk is full" as the cache opened (it recovers its write-ahead
    log, begins a transaction) was taken for a damaged file: the cache was deleted, every row
    lost, with a warning that it "could not be read". It is kept; the export stops, exit 2."""
    out = tmp_path / "out" / "medigraph.ttl"
    export([corpus], out, jobs=1, cache=True)
    before = out.read_bytes()
    file = tmp_path / "out" / "cache" / "medigraph.ttl.sqlite"
    real = cache_module.Cache._connect
    calls = []

    def full(self: cache_module.Cache) -> sqlite3.Connection:
        calls.append(1)
        if len(calls) == 1:
            raise sqlite3.OperationalError("database or disk is full")
        return real(self)

    monkeypatch.setattr(cache_module.Cache, "_connect", full)
    result = CliRunner().invoke(
        cli, ["export", str(corpus), "-o", str(out), "--cache", "-j", "1", "--no-store"]
    )
    assert result.exit_code == 2, result.output
    assert "cannot open the cache" in result.stderr and "disk is full" in result.stderr
    assert "started afresh" not in result.stderr and "Traceback" not in result.output
    assert out.read_bytes() == before
    monkeypatch.setattr(cache_module.Cache, "_connect", real)
    again = export([corpus], out, jobs=1, cache=True)  # space freed: every row still there
    assert file.exists() and again.cached == again.read > 0


def test_an_io_error_reading_the_cache_keeps_it(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An I/O error while a row is read (a disk failing, a network share gone) is no damage:
    the cache is not started afresh (deleted); the export stops, exit 2, naming the cache."""
    out = tmp_path / "out" / "medigraph.ttl"
    export([corpus], out, jobs=1, cache=True)
    before = out.read_bytes()

    def failing(self: cache_module.Cache, source: str) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(cache_module.Cache, "_row", failing)
    result = CliRunner().invoke(
        cli, ["export", str(corpus), "-o", str(out), "--cache", "-j", "1", "--no-store"]
    )
    assert result.exit_code == 2, result.output
    assert "cannot use the cache" in result.stderr and "disk I/O error" in result.stderr
    assert "started afresh" not in result.stderr and "Traceback" not in result.output
    assert out.read_bytes() == before
    monkeypatch.undo()
    again = export([corpus], out, jobs=1, cache=True)
    assert again.cached == again.read > 0


@pytest.mark.parametrize("in_the_way", ["file-for-folder", "folder-for-file"])
def test_what_stands_where_the_cache_goes_is_named(
    corpus: Path, tmp_path: Path, in_the_way: str
) -> None:
    """A file where the cache's folder goes was "[Errno 17] File exists: 'out/cache'", a
    folder where its file goes "unable to open database file"; each is now said as it is,
    exit 2, nothing written (as for an -o that is a folder)."""
    out = tmp_path / "out" / "medigraph.ttl"
    (tmp_path / "out").mkdir()
    if in_the_way == "file-for-folder":
        (tmp_path / "out" / "cache").write_text("notes\n")
        said = "out/cache is a file, not a folder"
    else:
        (tmp_path / "out" / "cache" / "medigraph.ttl.sqlite").mkdir(parents=True)
        said = "medigraph.ttl.sqlite: is a folder, not a file"
    result = CliRunner().invoke(
        cli, ["export", str(corpus), "-o", str(out), "--cache", "-j", "1", "--no-store"]
    )
    assert result.exit_code == 2, result.output
    assert "cannot open the cache" in result.stderr and said in result.stderr, result.stderr
    assert "File exists" not in result.stderr and "unable to open" not in result.stderr
    assert not out.exists()


def test_two_dumps_of_one_name_in_two_folders_keep_two_caches(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`output/a/x.ttl` and `output/b/x.ttl` shared `output/cache/x.ttl.sqlite` and replaced
    each other's rows, so neither ever reused it."""
    monkeypatch.chdir(tmp_path)
    for _ in range(2):
        for folder in ("a", "b"):
            report = export([corpus], Path("output", folder, "x.ttl"), jobs=1)
    assert report.cached == report.read
    assert sorted(p.name for p in Path("output", "cache").glob("*.sqlite")) == [
        "a%2Fx.ttl.sqlite",
        "b%2Fx.ttl.sqlite",
    ]


def test_pruned_rows_give_their_pages_back(corpus: Path, tmp_path: Path) -> None:
    """Rows of an older fingerprint are dropped after a complete run, and the file gives
    their space back (a bare execute() of the vacuum pragma freed one page)."""
    out = tmp_path / "out" / "medigraph.nq"
    export([corpus], out, jobs=1, cache=True)
    export([corpus], out, jobs=1, cache=True, base="https://example.org/")
    db = sqlite3.connect(tmp_path / "out" / "cache" / "medigraph.nq.sqlite")
    try:
        assert db.execute("PRAGMA freelist_count").fetchone()[0] == 0
        assert db.execute("SELECT COUNT(DISTINCT fingerprint) FROM documents").fetchone()[0] == 1
    finally:
        db.close()


def test_a_shards_cache_forgets_older_fingerprints_and_its_own_files_that_are_gone(
    corpus: Path, tmp_path: Path
) -> None:
    """A shard's run may not forget the rows of another shard's files (two shards may write
    one dump in turn), but the rows of its own files that are gone can never hit again, nor
    those of an older mapping, base or medigraph: they were kept for good, one more copy of
    the shard in the cache at each change (the shards of docs/scaling.md's recipe are never
    exported unsharded, which dropped them)."""
    from medigraph.pipeline import shard_of

    out = tmp_path / "out" / "medigraph.nq"
    files = sorted(p.relative_to(corpus).as_posix() for p in corpus.rglob("*.md"))
    mine = [p for p in files if shard_of(p, 2) == 0]
    theirs = [p for p in files if shard_of(p, 2) == 1]
    assert mine and theirs

    def rows() -> list[tuple[str, str]]:
        db = sqlite3.connect(out.parent / "cache" / f"{out.name}.sqlite")
        try:
            return sorted(db.execute("SELECT fingerprint, path FROM documents").fetchall())
        finally:
            db.close()

    export([corpus], out, jobs=1, cache=True, shard=(2, 2))  # the other shard, same dump
    export([corpus], out, jobs=1, cache=True, shard=(1, 2))
    (corpus / mine[0]).unlink()
    export([corpus], out, jobs=1, cache=True, shard=(1, 2))
    assert sorted(path for _fingerprint, path in rows()) == sorted(mine[1:] + theirs)
    assert export([corpus], out, jobs=1, cache=True, shard=(2, 2)).cached == len(theirs)

    export([corpus], out, jobs=1, cache=True, shard=(1, 2), base="https://example.org/")
    kept = rows()
    assert len({fingerprint for fingerprint, _path in kept}) == 1
    assert [path for _fingerprint, path in kept] == mine[1:]
