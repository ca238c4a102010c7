"""The incremental cache: a re-export skips unchanged files and still writes the same bytes."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

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
