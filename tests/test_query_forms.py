"""Each saved query comes in two forms that must ask the same question.

``queries/NAME.rq`` is written for the embedded store (its default graph is the deduplicated
union, and it is shaped for Oxigraph's planner); ``queries/endpoint/NAME.rq`` asks any SPARQL
1.1 store through ``GRAPH ?g``. Both run here on the same embedded store, for every
combination of parameter values (left out, or a value taken from the data), and must give the
same rows in the same order. tests/test_query_endpoint.py then compares the embedded form with
a real Oxigraph server answering the portable form.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pyoxigraph as ox
import pytest

from medigraph.export import export
from medigraph.query import (
    Answer,
    ParameterError,
    ParamValue,
    bind_params,
    declared_params,
    default_prefixes,
    insert_values,
    run_embedded,
    saved_queries,
    values_position,
    values_positions,
)
from medigraph.store import open_read_only

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "content"

# Where a parameter's values come from: a query over the data, so the test follows the content.
SAMPLES = {
    "author": "SELECT DISTINCT ?v { ?c schema:author/schema:name ?v } ORDER BY ?v LIMIT 2",
    "community": "SELECT DISTINCT ?v { ?c medigy:community/schema:name ?v } ORDER BY ?v LIMIT 2",
    "topic": "SELECT DISTINCT ?v { ?c schema:about/skos:notation ?v } ORDER BY ?v LIMIT 2",
    "publisher": "SELECT DISTINCT ?v { ?c schema:publisher/schema:name ?v } ORDER BY ?v LIMIT 2",
    "scheme": "SELECT DISTINCT ?v { ?c skos:inScheme/skos:prefLabel ?v } ORDER BY ?v LIMIT 2",
    "id": "SELECT ?v { ?g medigy:describes/schema:identifier ?v } ORDER BY ?v LIMIT 2",
}
FIXED = {"since": ["2022-01-01", "2023-06-01T00:00:00Z", "2023-12-01"], "max": ["1", "3"]}


@pytest.fixture(scope="module", params=["examples", "mixed dates", "name variants"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> ox.Store:
    """The example content, a copy with dates written as editors also write them (a date
    without a time of day, an offset), and one where a few documents spell a community, a
    publisher, an author and a topic differently: both forms must answer alike."""
    fixtures = {"mixed dates": "mixed_dates_corpus", "name variants": "name_variants_corpus"}
    corpus = (
        EXAMPLES
        if request.param == "examples"
        else request.getfixturevalue(fixtures[request.param])
    )
    where = tmp_path_factory.mktemp("forms")
    report = export([corpus], where / "dump.nq", store=where / "store", jobs=1)
    assert report.exit_code == 0
    return open_read_only(where / "store")


def samples(store: ox.Store, name: str) -> list[str]:
    if name in FIXED:
        return FIXED[name]
    solutions = store.query(SAMPLES[name], prefixes=default_prefixes())
    assert isinstance(solutions, ox.QuerySolutions)
    values = [str(row["v"].value) for row in solutions]
    assert values, f"no sample value for {name}"
    return values


def content(answer: Answer) -> object:
    if answer.kind == "graph":
        return sorted(str(t) for t in answer.triples)
    if answer.kind == "boolean":
        return answer.boolean
    return [[str(term) if term is not None else None for term in row] for row in answer.rows]


@pytest.mark.parametrize("name", sorted(saved_queries()))
def test_embedded_and_portable_forms_give_the_same_answers(store: ox.Store, name: str) -> None:
    saved = saved_queries()[name]
    portable = saved.text_for(endpoint=True)
    assert saved.endpoint_text and portable != saved.text, "no portable form in queries/endpoint"
    assert "GRAPH" in portable
    for param in saved.params:
        assert f"?{param.variable}" in portable, (name, param.name)
    choices = [
        [(p.name, v) for v in samples(store, p.name)] + ([] if p.required else [(p.name, None)])
        for p in saved.params
    ]
    answered = 0
    for combination in itertools.product(*choices):
        given = {k: v for k, v in combination if v is not None}
        bound = bind_params(saved, saved.text, given, default_prefixes())
        fast = run_embedded(saved.text, params=bound, opened=store, timeout=None)
        slow = run_embedded(portable, params=bound, opened=store, timeout=None)
        assert content(fast) == content(slow), (name, given)
        answered += bool(fast.rows or fast.triples or fast.boolean)
    assert answered, f"{name} answered nothing for any parameter value: the check proves little"


def test_a_parameter_used_only_in_a_sub_select_is_bound_there() -> None:
    store = ox.Store()
    for i in range(1, 11):
        store.add(ox.Quad(ox.NamedNode(f"http://x/{i}"), ox.NamedNode("http://x/v"), ox.Literal(i)))
    text = (
        "SELECT ?s ?v WHERE { { SELECT ?s ?v { ?s <http://x/v> ?v FILTER(?v < ?lim) }"
        " ORDER BY DESC(?v) LIMIT 3 } } ORDER BY ?v"
    )
    query = insert_values(text, {"lim": ox.Literal(5)})
    assert query.index("VALUES ?lim") > query.index("SELECT ?s ?v {")
    solutions = store.query(query)
    assert isinstance(solutions, ox.QuerySolutions)
    assert [int(row["v"].value) for row in solutions] == [2, 3, 4]


def test_a_parameter_tested_in_a_sub_selects_having_is_bound_in_that_sub_select() -> None:
    """HAVING comes after the sub-select's WHERE group and is still the sub-select's: a value
    bound outside it would not reach it (a sub-select sees only its own variables)."""
    store = ox.Store()
    for group, value in [("a", 1), ("a", 2), ("b", 3)]:
        store.add(
            ox.Quad(
                ox.NamedNode(f"http://x/{group}"), ox.NamedNode("http://x/v"), ox.Literal(value)
            )
        )
    text = (
        "SELECT ?s ?n WHERE { { SELECT ?s (COUNT(*) AS ?n) { ?s <http://x/v> ?v } GROUP BY ?s"
        " HAVING (MAX(IF(!BOUND(?want) || ?v = ?want, 1, 0)) = 1) } } ORDER BY ?s"
    )
    for bind in (False, True):
        query = insert_values(text, {"want": ox.Literal(3)}, bind=bind)
        assert query.index("AS ?want)" if bind else "VALUES ?want") > query.index("(COUNT(*)")
        solutions = store.query(query)
        assert isinstance(solutions, ox.QuerySolutions)
        assert [row["s"].value for row in solutions] == ["http://x/b"]


def grouped_store() -> ox.Store:
    store = ox.Store()
    for group, value in [("a", 1), ("a", 2), ("b", 3)]:
        store.add(
            ox.Quad(
                ox.NamedNode(f"http://x/{group}"), ox.NamedNode("http://x/v"), ox.Literal(value)
            )
        )
    return store


def test_a_parameter_used_after_grouping_is_written_in() -> None:
    """After GROUP BY only the keys and the aggregates are in scope: a VALUES block in the
    WHERE group (or after the query) does not reach a HAVING, a projection or an ORDER BY
    that uses the parameter outside an aggregate. There the term is written in."""
    store = grouped_store()
    having = (
        "SELECT ?s ?n WHERE { { SELECT ?s (COUNT(*) AS ?n) { ?s <http://x/v> ?v } GROUP BY ?s"
        " HAVING (MIN(?v) = ?want) } }"
    )
    projected = (
        "SELECT ?s (?want AS ?w) ?want (COUNT(*) AS ?n) { ?s <http://x/v> ?v } GROUP BY ?s"
        " ORDER BY DESC(?want) ?s"
    )
    keyed = (
        "SELECT ?want (COUNT(*) AS ?n) { ?s <http://x/v> ?v FILTER(?v >= ?want) } GROUP BY ?want"
    )
    expected = {
        having: [["<http://x/b>", '"1"^^<http://www.w3.org/2001/XMLSchema#integer>']],
        projected: [
            [
                f"<http://x/{g}>",
                *[f'"{i}"^^<http://www.w3.org/2001/XMLSchema#integer>' for i in (3, 3, n)],
            ]
            for g, n in (("a", 2), ("b", 1))
        ],
        keyed: [[f'"{i}"^^<http://www.w3.org/2001/XMLSchema#integer>' for i in (3, 1)]],
    }
    for text, rows in expected.items():
        for bind in (False, True):
            query = insert_values(text, {"want": ox.Literal(3)}, bind=bind)
            assert ("VALUES ?want" in query or "BIND(" in query) == (text == keyed), query
            answer = run_embedded(query, opened=store, timeout=None)
            assert content(answer) == rows, (text, bind)
        # as the CLI runs it: the query with its value parses where the bare text does not
        answer = run_embedded(text, params={"want": ox.Literal(3)}, opened=store, timeout=None)
        assert content(answer) == rows, text
    assert "HAVING (MIN(?v) = (" in insert_values(having, {"want": ox.Literal(3)})
    assert '("3"^^<http://www.w3.org/2001/XMLSchema#integer> AS ?want)' in insert_values(
        projected, {"want": ox.Literal(3)}
    )


def test_a_parameter_used_at_two_levels_is_bound_at_each() -> None:
    """A sub-select sees only its own variables: a parameter it uses without projecting it
    gets a block of its own, as the outer query's does (one at the outer level alone left the
    inner use free, matching anything)."""
    text = "SELECT ?x WHERE { ?x <p> ?y { SELECT ?y { ?y <q> ?x } } }"
    inner_group = text.index("{", text.index("SELECT ?y")) + 1
    assert values_positions(text, "x") == [text.index("{") + 1, inner_group]
    assert values_position(text, "x") == text.index("{") + 1
    assert values_positions(text, "y") == [text.index("{") + 1, inner_group]
    # A name that merely starts like the parameter does not count as a use.
    inner = "SELECT * WHERE { ?xs <p> ?o { SELECT ?x { ?x <q> 1 } } }"
    assert values_positions(inner, "x") == [inner.index("{", inner.index("SELECT ?x")) + 1]


def keyword_store() -> ox.Store:
    store = ox.Store()
    p = ox.NamedNode("http://x/k")
    for doc, words in [("a", ["news", "ai"]), ("b", ["news"]), ("c", ["ai", "policy"])]:
        for word in words:
            store.add(ox.Quad(ox.NamedNode(f"http://x/{doc}"), p, ox.Literal(word)))
    return store


@pytest.mark.parametrize(
    "text",
    [
        # used in a sub-select (not projected) and outside it
        "SELECT ?c ?n WHERE { { SELECT ?c (COUNT(?k) AS ?n) WHERE { ?c <http://x/k> ?k"
        " FILTER(?k != ?kw) } GROUP BY ?c } ?c <http://x/k> ?kw }",
        # used in two sibling sub-selects, neither projecting it
        "SELECT ?c WHERE { { SELECT ?c WHERE { ?c <http://x/k> ?kw } }"
        " { SELECT ?c WHERE { ?c <http://x/k> ?k FILTER(?k = ?kw) } } }",
        # used in a sub-select nested in another that uses it too
        "SELECT ?c WHERE { { SELECT ?c WHERE { ?c <http://x/k> ?kw"
        " { SELECT ?c WHERE { ?c <http://x/k> ?k FILTER(?k != ?kw) } } } } }",
    ],
)
def test_a_parameter_at_several_levels_answers_as_the_value_written_in(text: str) -> None:
    """Bound by VALUES (or BIND, for an endpoint), a parameter gives the rows that writing the
    value at each use gives: bound at the outer level only, the sub-select's ?kw was unbound
    (no row passed its FILTER) or free (it matched every keyword)."""
    store = keyword_store()
    written = text.replace("?kw", '"news"')
    expected = sorted(str(row) for row in store.query(written))
    assert expected  # the question has an answer
    for bind in (False, True):
        query = insert_values(text, {"kw": ox.Literal("news")}, bind=bind)
        assert sorted(str(row) for row in store.query(query)) == expected, query


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("SELECT ?c { { SELECT ?c WHERE { ?c <http://x/k> ?any } } ?c <http://x/k> ?kw }", "ai"),
        ("SELECT ?c { { SELECT ?c WHERE { ?c <http://x/k> ?kw } } UNION { ?c <http://x/k> ?kw } }",
         "policy"),
        ("ASK { { SELECT ?c WHERE { ?c <http://x/k> ?any } } ?c <http://x/k> ?kw }", "none"),
        ("SELECT ?c (EXISTS { ?c <http://x/k> 'ai' } AS ?ai) WHERE { ?c <http://x/k> ?kw }",
         "news"),
    ],
)  # fmt: skip
def test_a_query_without_the_where_keyword_binds_its_own_group(text: str, value: str) -> None:
    """WHERE is optional (`SELECT * { … }`, `ASK { … }`): the query's own group is the first
    brace outside brackets, not the first "WHERE {" after the form, which was a sub-select's
    (the block went in there and the query's own uses matched anything)."""
    store = keyword_store()
    written = text.replace("?kw", f'"{value}"')

    def answer(query: str) -> object:
        result = store.query(query)
        if isinstance(result, ox.QueryBoolean):
            return bool(result)
        return sorted(str(row) for row in result)

    for bind in (False, True):
        query = insert_values(text, {"kw": ox.Literal(value)}, bind=bind)
        assert answer(query) == answer(written), query


def test_an_exists_in_the_projection_refuses_only_a_parameter_it_uses() -> None:
    """An EXISTS in a select's projection that does not use the parameter was refused as if
    it did ("?kw is used in an EXISTS of a select's projection"); one that uses it still is."""
    store = keyword_store()
    text = (
        "SELECT ?c (EXISTS { ?c <http://x/k> 'ai' } AS ?ai) WHERE { ?c <http://x/k> ?kw }"
        " ORDER BY ?c"
    )
    answer = run_embedded(text, params={"kw": "news"}, opened=store, timeout=None)
    written = run_embedded(text.replace("?kw", "'news'"), opened=store, timeout=None)
    assert answer.rows == written.rows and len(answer.rows) == 2
    using = "SELECT ?c (EXISTS { ?c <http://x/k> ?kw } AS ?has) WHERE { ?c <http://x/k> ?k }"
    with pytest.raises(ParameterError, match="used in an EXISTS of a select's projection"):
        run_embedded(using, params={"kw": "news"}, opened=store, timeout=None)


@pytest.mark.parametrize(
    "text",
    [
        "SELECT ?c ?kw WHERE { { SELECT ?c (MIN(?k) AS ?kw) WHERE { ?c <http://x/k> ?k }"
        " GROUP BY ?c } }",
        "SELECT ?c ?kw WHERE { ?c <http://x/k> ?any"
        " { SELECT ?c ?kw WHERE { ?c <http://x/k> ?k BIND(UCASE(?k) AS ?kw) } } }",
    ],
)
def test_a_sub_select_that_binds_the_parameter_hands_it_out_to_be_joined(text: str) -> None:
    """A sub-select that binds the variable itself (``AS ?kw``) gets no block of its own,
    which would bind it twice: its value is joined with the block outside, as before."""
    store = keyword_store()
    value = "ai" if "MIN" in text else "NEWS"
    joined = text[: text.rindex("}")] + f' FILTER(?kw = "{value}") }}'
    expected = sorted(str(row) for row in store.query(joined))
    assert expected
    for bind in (False, True):
        query = insert_values(text, {"kw": ox.Literal(value)}, bind=bind)
        block = 'BIND("' if bind else "VALUES ?kw"
        assert query.count(block) == 1 and query.index(block) < query.index("{ SELECT"), query
        assert sorted(str(row) for row in store.query(query)) == expected, query


@pytest.mark.parametrize("name", sorted(saved_queries()))
def test_the_portable_form_declares_the_embedded_forms_parameters(name: str) -> None:
    """Plain values given with the portable text (``run_remote(saved.text_for(endpoint=True),
    params={"topic": …})``, ``medigraph query -f queries/endpoint/NAME.rq --param``) are bound
    by its own header: without one, ``topic`` bound ``?topic`` as a string, not
    ``?topicNotation`` as a name, and ``max=2`` the string "2": other rows, silently."""
    saved = saved_queries()[name]
    assert declared_params(saved.text_for(endpoint=True)) == saved.params


def test_plain_values_give_the_same_rows_with_either_form(store: ox.Store) -> None:
    library = saved_queries()
    cases: list[tuple[str, dict[str, ParamValue]]] = [
        ("content-by-topic", {"topic": " KLAS: Telehealth"}),
        ("orphan-topics", {"max": 2}),
        ("authors", {"author": "José Álvarez "}),
    ]
    for name, given in cases:
        saved = library[name]
        fast = run_embedded(saved.text, params=given, opened=store, timeout=None)
        slow = run_embedded(saved.text_for(endpoint=True), params=given, opened=store, timeout=None)
        assert content(fast) == content(slow), name


def test_a_portable_form_whose_header_differs_is_refused(tmp_path: Path) -> None:
    shipped = saved_queries()["orphan-topics"]
    (tmp_path / "endpoint").mkdir()
    (tmp_path / "orphan-topics.rq").write_text(shipped.text, encoding="utf-8")
    header = "# @param max integer=1"
    assert header in shipped.endpoint_text
    for portable in (
        shipped.endpoint_text.replace(header, "#"),  # no header: max would be a string
        shipped.endpoint_text.replace(header, "# @param max string=1"),
    ):
        (tmp_path / "endpoint" / "orphan-topics.rq").write_text(portable, encoding="utf-8")
        with pytest.raises(ValueError, match=r"endpoint/orphan-topics\.rq: its # @param lines"):
            saved_queries(tmp_path)
