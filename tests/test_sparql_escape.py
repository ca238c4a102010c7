"""The one escaping function: every string and IRI survives a trip through SPARQL text."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medigraph.sparql import iri, literal, term, triple_line

# What a hostile or unlucky document may hold; also pushed through real stores in
# tests/test_push_servers.py.
INJECTION = [
    "plain",
    'a "quoted" word',
    'triple """ quotes """',
    "literal backslash-u: \\u0022 and \\U0001F600",
    "double backslash: \\\\u0022",
    "closing } braces } and > angle <",
    "} } ; DROP ALL ; INSERT DATA { <urn:x> <urn:y> <urn:z> }",
    "new\nline, carriage\r\nreturn, tab\t",
    "nul \x00 byte",
    "controls \x01\x08\x0b\x0c\x1f\x7f",
    "non-BMP 😀 𝄞 and BMP é ü ß",
    "line separator \u2028 paragraph \u2029",
    "'single' and ''' quotes",
    "\\",
    "ends with backslash \\",
    "# not a comment",
    "?var $var",
    "",
]


def roundtrip(text: str) -> str:
    store = ox.Store()
    store.update(f"INSERT DATA {{ GRAPH <urn:g> {{ <urn:s> <urn:p> {literal(text)} }} }}")
    (row,) = list(store.query("SELECT ?o WHERE { GRAPH <urn:g> { <urn:s> <urn:p> ?o } }"))
    value = row["o"]
    assert isinstance(value, ox.Literal)
    return value.value


@pytest.mark.parametrize("text", INJECTION)
def test_injection_corpus_round_trips_through_sparql_update(text: str) -> None:
    assert roundtrip(text) == text


@pytest.mark.parametrize("text", INJECTION)
def test_injection_corpus_is_one_line_without_raw_nul(text: str) -> None:
    # One line: INSERT DATA bodies and N-Triples are line oriented; Virtuoso rejects raw NUL.
    encoded = literal(text)
    assert "\n" not in encoded and "\r" not in encoded and "\x00" not in encoded


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",))))
def test_any_text_round_trips(text: str) -> None:
    assert roundtrip(text) == text


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",))))
def test_any_text_round_trips_as_ntriples(text: str) -> None:
    line = triple_line(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal(text))
    (parsed,) = list(ox.parse(line.encode(), format=ox.RdfFormat.N_TRIPLES))
    assert parsed.object == ox.Literal(text)


def test_language_and_datatype_are_kept() -> None:
    store = ox.Store()
    xsd_date = "http://www.w3.org/2001/XMLSchema#date"
    store.update(
        "INSERT DATA { <urn:s> <urn:p> "
        + literal("Grüße", language="de-AT")
        + " , "
        + literal("2024-02-29", datatype=xsd_date)
        + " }"
    )
    objects = {q.object for q in store.quads_for_pattern(None, None, None)}
    assert objects == {
        ox.Literal("Grüße", language="de-at"),
        ox.Literal("2024-02-29", datatype=ox.NamedNode(xsd_date)),
    }


@pytest.mark.parametrize("text", ["a\ud800b", "\udfff"])
def test_lone_surrogates_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="surrogate"):
        literal(text)


@pytest.mark.parametrize(
    "value",
    [
        "urn:a>b",
        "urn:a b",
        'urn:a"b',
        "urn:a{b",
        "urn:a}b",
        "urn:a\nb",
        "urn:a\x00",
        "urn:a\\b",
        "no-scheme",
        "urn:a|b",
        "urn:a^b",
        "urn:a`b",
    ],
)
def test_iris_that_could_escape_their_brackets_are_refused(value: str) -> None:
    with pytest.raises(ValueError):
        iri(value)


def test_unicode_iris_are_kept_raw() -> None:
    value = "https://medigy.com/topic/é/😀?q=a&b=c#frag"
    assert iri(value) == f"<{value}>"
    assert term(ox.NamedNode(value)) == f"<{value}>"


def test_blank_nodes_are_refused() -> None:
    with pytest.raises(ValueError, match="BlankNode"):
        term(ox.BlankNode("b0"))
