"""Writers: N-Quads written from the triples' N-Triples are the N-Quads of the quads."""

from __future__ import annotations

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
