"""Minted IRIs: valid for every Unicode code point, injective, stable."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from medigraph import iris


def test_every_code_point_gives_a_valid_iri_segment() -> None:
    rejected = []
    for code in range(0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue  # surrogates cannot come out of UTF-8 decoding
        segment = iris.segment("a" + chr(code))
        try:
            ox.NamedNode("https://medigy.com/content/" + segment)
        except ValueError:
            rejected.append(hex(code))
    assert rejected == []


def test_segments_are_injective_on_tricky_neighbours() -> None:
    values = ["a b", "a%20b", "a/b", "a%2Fb", ".", "..", "%2E", "%", "%25", "é", "e\u0301"]
    segments = [iris.segment(v) for v in values]
    # NFC folds é and e + combining accent into one: the same name, deliberately.
    assert len(set(segments)) == len(values) - 1
    assert iris.segment("..") == "%2E%2E"


def test_slugs_fold_case_and_punctuation() -> None:
    assert iris.slug("KLAS: Telehealth") == iris.slug("klas  telehealth") == "klas-telehealth"
    assert iris.slug("Chronic Care Management (CCM)") == "chronic-care-management-ccm"


@pytest.mark.parametrize("space", ["\u00a0", "\u3000", "\u2028", " "])
def test_a_url_with_a_unicode_space_is_percent_encoded_not_refused(space: str) -> None:
    from medigraph.convert import to_iri
    from medigraph.iris import is_absolute_iri

    iri = to_iri(f"https://example.com/a{space}b")
    assert is_absolute_iri(iri) and space not in iri
    assert iri == "https://example.com/a" + "".join(f"%{b:02X}" for b in space.encode()) + "b"


def test_an_author_name_with_a_line_break_keeps_its_affiliation() -> None:
    from medigraph.convert import _split_person
    from medigraph.mapping import load_mapping

    pattern = load_mapping().kinds["person"]["pattern"]
    assert _split_person(pattern, "Nl\nOrg @example.org") == ("Nl\nOrg", "example.org")
