"""Writers: N-Quads written from the triples' N-Triples are the N-Quads of the quads."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medigraph.mapping import load_mapping
from medigraph.writers import nquads
from tests.test_mapping_memo import document

MAPPER = load_mapping()
TEXT = st.lists(
    st.sampled_from([" .\n", " .", ".\n", "\n", "\r", '"', "\\", " ", "a", "é", "\u2028", "\x00"])
    | st.text(max_size=3),
    min_size=1,
    max_size=12,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(TEXT, TEXT)
def test_nquads_are_the_serialized_quads(title: str, tag: str) -> None:
    mapped = MAPPER.map(document(1, title=title, tags=[tag, "x .\ny"], description=title))
    expected = ox.serialize(list(mapped.quads()), format=ox.RdfFormat.N_QUADS)
    assert nquads(mapped) == expected


def test_a_pipe_or_a_link_to_one_is_written_as_it_comes(tmp_path: Path) -> None:
    """``-o /dev/stdout``, ``-o >(cmd)``, a FIFO: nothing to replace, and replacing the name
    of a device (as root, ``/dev/null``) would break the machine."""
    import os
    import threading

    from medigraph.writers import atomic_output

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "link"
    link.symlink_to(fifo)
    got: list[bytes] = []
    for target in (fifo, link):
        got.clear()
        reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
        reader.start()
        with atomic_output(target) as stream:
            stream.write(b"answer\n")
        reader.join(10)
        assert got == [b"answer\n"]
        assert fifo.is_fifo() and link.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "pipe"]  # no temporaries


def test_a_link_to_a_file_is_replaced_not_followed(tmp_path: Path) -> None:

    from medigraph.writers import atomic_output

    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("keep me")
    link = tmp_path / "report.json"
    link.symlink_to(elsewhere)
    with atomic_output(link) as stream:
        stream.write(b"{}")
    assert elsewhere.read_text() == "keep me"
    assert not link.is_symlink() and link.read_text() == "{}"


def test_a_link_to_a_folder_is_not_replaced(tmp_path: Path) -> None:
    """A link to a file is replaced; a link to a folder was too, by a file with the folder's
    mode (executable): it is a folder, refused as one."""
    from medigraph.writers import atomic_output

    (tmp_path / "target").mkdir()
    link = tmp_path / "dirlink"
    link.symlink_to("target")
    for target in (link, tmp_path / "target"):
        with pytest.raises(IsADirectoryError), atomic_output(target) as stream:
            stream.write(b"x")
    assert link.is_symlink() and not any((tmp_path / "target").iterdir())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dirlink", "target"]


def test_what_stops_an_output_is_said_before_anything_is_written(tmp_path: Path) -> None:
    """Asked before a run starts: links that loop (which made Path.resolve raise a
    RuntimeError, a traceback), folders and links to them, a file or a dangling link where a
    folder must be; a place that can be written is not changed by the asking."""
    from medigraph.writers import output_problem

    (tmp_path / "loop.ttl").symlink_to("loop.ttl")
    (tmp_path / "ld").symlink_to("ld")
    (tmp_path / "dir").mkdir()
    (tmp_path / "dirlink").symlink_to("dir")
    (tmp_path / "file").write_text("")
    (tmp_path / "dangling").symlink_to("nowhere")
    (tmp_path / "filelink.ttl").symlink_to("file")
    before = sorted(p.name for p in tmp_path.iterdir())
    at = str(tmp_path)
    assert output_problem(tmp_path / "loop.ttl") == (
        f"{at}/loop.ttl: {at}/loop.ttl is a symbolic link that loops (it leads back to itself)"
    )
    assert output_problem(tmp_path / "ld" / "sub" / "x.ttl") == (
        f"{at}/ld/sub/x.ttl: {at}/ld is a symbolic link that loops (it leads back to itself)"
    )
    assert output_problem(tmp_path / "dir") == f"{at}/dir: is a folder, not a file"
    assert (
        output_problem(tmp_path / "dirlink") == f"{at}/dirlink: is a link to a folder, not a file"
    )
    assert output_problem(tmp_path / "file" / "x.ttl") == (
        f"{at}/file/x.ttl: {at}/file is a file, not a folder"
    )
    assert output_problem(tmp_path / "dangling" / "x.ttl") == (
        f"{at}/dangling/x.ttl: {at}/dangling is a link to nowhere, which does not exist"
    )
    for fine in ("-", "new.ttl", "new/folders/x.ttl", "file", "filelink.ttl", "dangling"):
        assert output_problem(fine if fine == "-" else tmp_path / fine) is None, fine
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_a_long_output_name_gets_a_short_temporary_name(tmp_path: Path) -> None:
    """The temporary file beside the dump adds the host name and the pid: with a 250-byte
    name it was longer than the file system allows, and the export failed."""
    from medigraph.writers import atomic_output

    for name in ("d" * 250 + ".nt", "é" * 120 + ".nt"):
        target = tmp_path / name
        with atomic_output(target) as stream:
            stream.write(b"x")
        assert target.read_bytes() == b"x"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["d" * 250 + ".nt", "é" * 120 + ".nt"]
    )


def test_an_extension_medigraph_does_not_write_is_refused_unless_a_format_is_named() -> None:
    """``-o x.trix``, ``x.jsonl``, ``x.7z``, ``x.csv`` or ``dump.txt`` got Turtle, exit 0,
    where ``.rdf`` and ``.gz`` were refused: every extension is now one of medigraph's own,
    or none (Turtle), or refused; ``--format`` writes under any name."""
    import pytest

    from medigraph.writers import FORMATS, format_for

    for ext in ("trix", "rj", "hext", "jsonl", "ndjson", "7z", "tar", "br", "lz4", "csv"):
        with pytest.raises(ValueError, match=r"which medigraph does not write|no format medigraph"):
            format_for(None, f"out/x.{ext}")
    for ext in ("txt", "html", "yaml", "TXT", "bak"):
        with pytest.raises(ValueError) as refused:
            format_for(None, f"dump.{ext}")
        assert str(refused.value) == (
            f"dump.{ext}: .{ext.lower()} is no format medigraph writes; name the dump .ttl, .nt,"
            " .trig, .nq or .jsonld, or give --format to write it under this name"
        )
        assert format_for("nt", f"dump.{ext}") is FORMATS["nt"]
    assert format_for(None, "out/dump") is FORMATS["ttl"]
    assert format_for(None, "-") is FORMATS["ttl"]
    assert format_for(None, "x.TTL") is FORMATS["ttl"]
    assert format_for(None, "x.json") is FORMATS["jsonld"]
    assert format_for(None, "x.nquads") is FORMATS["nq"]
    # a name that is all extension is read by it: `-o .nq` wrote Turtle, which push --dump
    # then refused as no N-Quads
    assert format_for(None, "out/.nq") is FORMATS["nq"]
    with pytest.raises(ValueError):
        format_for(None, ".dump")
