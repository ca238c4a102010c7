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


@pytest.mark.parametrize(
    "different",
    [
        ("Medigy: Blood Type A+", "Medigy: Blood Type A-"),
        ("KLAS: C++", "KLAS: C#", "KLAS: C"),
        ("🙂 Care", "Care"),
        ("किताब", "कीताब"),  # a vowel sign is part of the word, not punctuation
        ("???", "!!!"),
        ("...", "...."),
    ],
)
def test_slugs_keep_what_tells_names_apart(different: tuple[str, ...]) -> None:
    slugs = [iris.slug(name) for name in different]
    assert len(set(slugs)) == len(slugs), slugs
    for value in slugs:
        ox.NamedNode("https://medigy.com/topic/" + value)


def test_slugs_still_fold_what_does_not() -> None:
    assert iris.slug("C++ ") == iris.slug("c++") == "c++"
    assert iris.slug("???") == iris.slug("？？？")  # fullwidth folds (NFKC) even with no word
    assert iris.slug("value-based care") == iris.slug("Value Based, Care") == "value-based-care"
    # "_" (and its fullwidth form) is punctuation between words, as "-" and "/" are
    assert iris.slug("Health_IT") == iris.slug("Health IT") == iris.slug("health／it")
    assert iris.slug("Care＿Management") == iris.slug("care_management") == "care-management"
    assert iris.slug("_private_") == "private"


@pytest.mark.parametrize("name", ["KLAS", "...", ".", "..", "?.!", "。", "．．", "a.b", "€"])
def test_a_slug_never_holds_the_dot_patterns_join_slugs_with(name: str) -> None:
    """topic/{slug:scheme}.{slug:term}: were a slug to hold a dot, '...: ....' and '....: ...'
    would be one topic (topic/........)."""
    assert "." not in iris.slug(name)


def test_topics_of_dots_only_are_two_topics() -> None:
    def topic(scheme: str, term: str) -> str:
        return f"{iris.slug(scheme)}.{iris.slug(term)}"

    assert topic("...", "....") != topic("....", "...")
    assert topic("...", "....") == "%2E%2E%2E.%2E%2E%2E%2E"
    assert iris.slug("KLAS") == "klas" and iris.slug("???") == "%3F%3F%3F"  # as before


def test_a_web_domain_keeps_its_dots_and_hyphens() -> None:
    assert iris.host("News-Medical.NET") == "news-medical.net"
    assert iris.host("news.medical.net") == "news.medical.net"
    assert iris.host("Fierce Healthcare") == iris.slug("Fierce Healthcare") == "fierce-healthcare"


@pytest.mark.parametrize(
    ("written", "domain"),
    [
        ("example.com\u200e", "example.com"),  # a left-to-right mark pasted along
        ("\u200fexample.com", "example.com"),
        ("exam\u00adple.com", "example.com"),  # a soft hyphen
        ("https://www.example.com\u200e/", "example.com"),
        ("krankenhaus-mu\u0308nchen.de", "krankenhaus-m\u00fcnchen.de"),  # a combining accent
        ("\uff45xample.com", "example.com"),  # full-width, as slug() folds it
    ],
)
def test_a_web_domain_is_read_as_it_is_seen(written: str, domain: str) -> None:
    """A domain with an invisible format character or an accent typed as a combining mark
    is the same site, not a slug of its own (organization/example-com beside example.com)."""
    assert iris.site_domain(written) == domain
    assert iris.host(written) == iris.host(domain) == domain


@pytest.mark.parametrize(
    ("written", "number"),
    [
        ("04557", "4557"),
        ("+4557", "4557"),
        ("0", "0"),
        (" 4557\n", "4557"),
        ("\u0664\u0665\u0665\u0667", "4557"),
    ],
)
def test_a_work_package_number_is_the_number(written: str, number: str) -> None:
    assert iris.integer(written) == number
    assert iris.integer("12-3") == iris.segment("12-3")


@pytest.mark.parametrize("control", ["\u200e", "\u200f", "\u202a", "\u202e", "\u2066", "\u2069"])
def test_bidirectional_formatting_characters_are_percent_encoded(control: str) -> None:
    from medigraph.convert import to_iri

    assert control not in iris.segment(f"invoice{control}gpj.exe")
    assert control not in to_iri(f"https://example.com/invoice{control}gpj.exe")


@pytest.mark.parametrize("control", ["\u200e", "\u202e", "\u2069", "\ue000", "\ufffe"])
def test_a_character_no_iri_holds_is_percent_encoded_in_the_host_too(control: str) -> None:
    """A left-to-right mark pasted after a domain was written raw into the IRI (an invalid
    RFC 3987 IRI) while the same mark in the path was encoded: the host is encoded the same
    way (RFC 3987's ireg-name holds pct-encoded), and an internationalised host is kept."""
    from medigraph.convert import to_iri

    encoded = "".join(f"%{b:02X}" for b in control.encode())
    assert to_iri(f"https://www.example.com{control}") == f"https://www.example.com{encoded}"
    assert to_iri(f"https://{control}x.com/a{control}") == f"https://{encoded}x.com/a{encoded}"
    assert to_iri(f"https://u{control}@x.com:8080/") == f"https://u{encoded}@x.com:8080/"
    assert to_iri("https://münchen.de/ä") == "https://münchen.de/ä"
    assert to_iri("https://a\u00a0b.com/") == "https://a%C2%A0b.com/"  # a space all the same
    assert to_iri("http://[::1]:8080/a") == "http://[::1]:8080/a"


def test_no_minted_segment_holds_a_space_an_ntriples_reader_would_split_on() -> None:
    """Every space beyond ASCII is percent-encoded in a document key or file name: rdflib's
    N-Triples and N-Quads readers take U+00A0, U+2000…U+200A, U+3000 and the like for the
    space between terms, and failed on the whole dump."""
    import rdflib

    spaces = [chr(code) for code in range(0x80, 0x110000) if chr(code).isspace()]
    assert "\u00a0" in spaces and "\u3000" in spaces
    for space in spaces:
        segment = iris.segment(f"a{space}b")
        assert space not in segment
        line = f'<https://medigy.com/content/{segment}> <http://schema.org/name> "x" .\n'
        assert len(rdflib.Graph().parse(data=line, format="nt")) == 1
