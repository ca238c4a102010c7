"""Writers: N-Quads written from the triples' N-Triples are the N-Quads of the quads."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
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
