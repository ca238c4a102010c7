"""A shared thing that documents spell differently: the run warns each document that writes it
otherwise than most documents do, at its key and line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from medigraph.diagnostics import Diagnostic, Severity
from medigraph.export import _SPELLING_EXAMPLES, export
from tests._robust import seed_document, write_doc
from tests.conftest import NAME_VARIANTS
from tests.servers import OxigraphServer


def spelling_warnings(report_diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return [d for d in report_diagnostics if d.code == "map.spelling"]


def expected_warnings(corpus: Path) -> set[tuple[str, int, str, str, str]]:
    """(file, line, key, spelling, usual spelling), found in the files themselves."""
    expected = set()
    for usual, variant in NAME_VARIANTS:
        for path in sorted(corpus.rglob("*.md")):
            lines = path.read_text(encoding="utf-8").split("\n")
            for number, line in enumerate(lines, start=1):
                if line.strip() != variant:
                    continue
                if variant.startswith("- "):  # a list item: its index among the key's items
                    start = max(i for i in range(number - 1) if not lines[i].startswith(("-", " ")))
                    index = number - 2 - start
                    key = f"{lines[start].rstrip(':')}[{index}]"
                else:
                    name = variant.split(":", 1)[0]
                    key = "link.brand" if name == "brand" else name
                written = variant.removeprefix("- ").split(": ", 1)[-1].strip("'")
                common = usual.removeprefix("- ").split(": ", 1)[-1].strip("'")
                if key.startswith("author"):
                    (written, domain), (common, usual_domain) = (
                        written.split(" @"),
                        common.split(" @"),
                    )
                    if domain != usual_domain:  # the affiliation: an organisation of its own
                        expected.add((str(path), number, key, domain, usual_domain))
                if key.startswith("communityTopics"):
                    written = variant.removeprefix("- ").strip("'")
                    common = usual.removeprefix("- ").strip("'")
                expected.add((str(path), number, key, written, common))
    return expected


@pytest.mark.parametrize("jobs", [1, 2])
def test_each_document_spelling_a_thing_otherwise_is_warned_at_its_key_and_line(
    name_variants_corpus: Path, tmp_path: Path, jobs: int
) -> None:
    report = export([name_variants_corpus], tmp_path / "d.ttl", jobs=jobs, cache=False)
    assert report.exit_code == 0
    got = {
        (
            d.path,
            d.line,
            d.key,
            re.match(r"'(.*?)' is written '(.*?)'", d.message).groups(),  # type: ignore[union-attr]
        )
        for d in spelling_warnings(report.diagnostics)
    }
    expected = expected_warnings(name_variants_corpus)
    assert len(expected) == len(NAME_VARIANTS) + 1  # an author and their affiliation
    assert got == {(f, n, k, (w, u)) for f, n, k, w, u in expected}
    assert all(d.severity is Severity.WARNING for d in spelling_warnings(report.diagnostics))


def test_the_warnings_are_the_same_from_the_cache(
    name_variants_corpus: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    first = export([name_variants_corpus], tmp_path / "a.ttl", jobs=1, cache=cache)
    second = export([name_variants_corpus], tmp_path / "a.ttl", jobs=1, cache=cache)
    assert second.cached == second.read > 0
    assert spelling_warnings(second.diagnostics) == spelling_warnings(first.diagnostics)
    assert len(spelling_warnings(first.diagnostics)) == len(NAME_VARIANTS) + 1  # + an affiliation


def test_the_spelling_of_most_documents_stands_and_many_others_are_summed_up(
    tmp_path: Path,
) -> None:
    """Memory stays flat: past a few documents per spelling, the rest are counted."""
    corpus = tmp_path / "c"
    usual, other = "Chronic Care Management (CCM)", "CHRONIC care management (ccm)"
    many = _SPELLING_EXAMPLES + 3
    for index in range(many * 2 + 1):
        # the odd spelling comes first in file order: the majority still decides
        written = other if index % 2 == 0 and index < many * 2 else usual
        fm = seed_document(mdName=f"doc-{index:03d}", identifier=written)
        write_doc(corpus, f"d{index:03d}.md", fm)
    report = export([corpus], tmp_path / "d.ttl", jobs=1, cache=False)
    warned = spelling_warnings(report.diagnostics)
    named = [d for d in warned if d.message.startswith(f"'{other}'")]
    assert len(named) == _SPELLING_EXAMPLES
    assert {Path(d.path).name for d in named} == {
        f"d{index:03d}.md" for index in range(0, 2 * _SPELLING_EXAMPLES, 2)
    }
    assert all(d.key == "identifier" for d in named)
    assert f"in {many + 1} documents" in named[0].message
    assert f"which queries show as '{other}'" in named[0].message  # code-point order
    summary = [d for d in warned if d not in named]
    assert [d.message for d in summary] == [
        f"and {many - _SPELLING_EXAMPLES} more documents write '{other}'"
    ]


def test_a_document_naming_a_thing_several_times_counts_once(tmp_path: Path) -> None:
    """Most documents decide, not most mentions: one document with three authors at
    MaxInoVip.com does not outvote two that write maxinovip.com, nor count as three."""
    corpus = tmp_path / "c"
    many = ["Ann @MaxInoVip.com", "Bob @MaxInoVip.com", "Cy @MaxInoVip.com"]
    write_doc(corpus, "a.md", seed_document(mdName="doc-a", author=many))
    for name in ("b", "c"):
        write_doc(corpus, f"{name}.md", seed_document(mdName=f"doc-{name}"))
    report = export([corpus], tmp_path / "d.ttl", jobs=1, cache=False)
    assert report.exit_code == 0
    warned = [
        (Path(d.path).name, d.key, d.message)
        for d in spelling_warnings(report.diagnostics)
        if "maxinovip" in d.message.lower()
    ]
    assert sorted((name, key) for name, key, _ in warned) == [
        ("a.md", "author[0]"),
        ("a.md", "author[1]"),
        ("a.md", "author[2]"),
    ]
    assert all(
        message.startswith("'MaxInoVip.com' is written 'maxinovip.com' in 2 documents")
        for _, _, message in warned
    )


def test_many_documents_naming_a_thing_twice_are_summed_up_by_document(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    twice = ["Ann @MaxInoVip.com", "Bob @MaxInoVip.com"]
    count = _SPELLING_EXAMPLES  # 2 mentions each: the first half fill the examples
    for index in range(count):
        write_doc(corpus, f"a{index:02d}.md", seed_document(mdName=f"a-{index}", author=twice))
    for index in range(count + 1):
        write_doc(corpus, f"b{index:02d}.md", seed_document(mdName=f"b-{index}"))
    report = export([corpus], tmp_path / "d.ttl", jobs=1, cache=False)
    messages = [d.message for d in spelling_warnings(report.diagnostics)]
    assert f"and {count - _SPELLING_EXAMPLES // 2} more documents write 'MaxInoVip.com'" in messages
    assert any(f"'maxinovip.com' in {count + 1} documents" in m for m in messages)


def test_one_spelling_everywhere_gives_no_warning(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    for index in range(3):
        write_doc(corpus, f"d{index}.md", seed_document(mdName=f"doc-{index}"))
    report = export([corpus], tmp_path / "d.ttl", jobs=1, cache=False)
    assert report.exit_code == 0
    assert spelling_warnings(report.diagnostics) == []


def test_validate_warns_the_same_documents(name_variants_corpus: Path, tmp_path: Path) -> None:
    from medigraph.validation import validate

    exported = export([name_variants_corpus], tmp_path / "d.ttl", jobs=1, cache=False)
    checked = validate([name_variants_corpus], jobs=2)
    assert sorted(spelling_warnings(checked.diagnostics), key=str) == sorted(
        spelling_warnings(exported.diagnostics), key=str
    )
    assert len(spelling_warnings(checked.diagnostics)) == len(NAME_VARIANTS) + 1  # + an affiliation


def test_push_warns_the_same_documents(
    name_variants_corpus: Path, tmp_path: Path, fresh_oxigraph: OxigraphServer
) -> None:
    from medigraph.push import push

    exported = export([name_variants_corpus], tmp_path / "d.ttl", jobs=1, cache=False)
    pushed = push(
        [name_variants_corpus],
        endpoint=fresh_oxigraph.query_endpoint,
        update_endpoint=fresh_oxigraph.update_endpoint,
        jobs=1,
    )
    assert pushed.exit_code == 0
    assert spelling_warnings(pushed.diagnostics) == spelling_warnings(exported.diagnostics)


def test_a_topic_spelled_differently_is_a_warning_not_a_violation(
    name_variants_corpus: Path,
) -> None:
    """As for a community, an author or a publisher: the content itself is fine."""
    from medigraph.validation import validate

    checked = validate([name_variants_corpus], jobs=1)
    assert not checked.failed()
    topic = [
        d
        for d in checked.diagnostics
        if "topic of communityTopics is spelled differently" in d.message
    ]
    assert topic and all(d.severity is Severity.WARNING for d in topic)
    assert all(d.key and d.key.startswith("communityTopics[") for d in topic)


def test_names_are_kept_as_written_but_for_the_spaces_around_them(tmp_path: Path) -> None:
    """A topic keeps the exact spelling its document uses (its notation), a name with spaces
    around it is written without them (and told), an empty topic is none (and told at its
    line), and an author written as an affiliation alone names no person."""

    from medigraph.query import run_embedded

    corpus = tmp_path / "content"
    usual = seed_document(mdName="usual-one", communityTopics=["KLAS: Telehealth"])
    write_doc(corpus, "usual.md", usual)
    write_doc(corpus, "usual-2.md", {**usual, "mdName": "usual-two"})
    odd = seed_document(
        mdName="odd-one",
        communityTopics=["KLAS:Telehealth", ""],
        identifier=" " + str(usual["identifier"]),
        link={**usual["link"], "brand": " " + usual["link"]["brand"] + " "},
        author=["@maxinovip.com", "Vinit @maxinovip.com"],
    )
    write_doc(corpus, "odd.md", odd)
    report = export([corpus], tmp_path / "d.nq", store=tmp_path / "store", jobs=1, cache=False)
    assert report.exported == 3 and report.rejected == 0, report.diagnostics
    told = {(Path(d.path).name, d.key, d.code) for d in report.diagnostics}
    assert {
        ("odd.md", "identifier", "map.spaces"),
        ("odd.md", "link.brand", "map.spaces"),
        ("odd.md", "author[0]", "map.no-person"),
        ("odd.md", "communityTopics[0]", "map.spelling"),
    } <= told
    assert {code for _, key, code in told if key == "communityTopics[1]"} == {"map.empty"}

    def ask(query: str) -> list[tuple[str, ...]]:
        answer = run_embedded(query, store=tmp_path / "store")
        return sorted(tuple(t.value for t in row if t is not None) for row in answer.rows)

    assert ask("SELECT ?n { ?c skos:notation ?n }") == [("KLAS: Telehealth",), ("KLAS:Telehealth",)]
    names = ask("SELECT DISTINCT ?n { ?c a medigy:Community ; schema:name ?n }")
    assert names == [(str(usual["identifier"]),)]
    assert ask("SELECT DISTINCT ?n { ?o a schema:Organization ; schema:name ?n }") == sorted(
        [(usual["link"]["brand"],), ("maxinovip.com",)]
    )
    assert ask("SELECT DISTINCT ?n { ?p a schema:Person ; schema:name ?n }") == [("Vinit",)]
    both = ask(
        'SELECT ?c { VALUES ?n { "KLAS:Telehealth" } ?t skos:notation ?n . ?c schema:about ?t }'
    )
    assert len(both) == 3  # one concept: every document about it, whichever spelling is asked


def test_spellings_that_differ_only_in_unicode_normalisation_say_so(tmp_path: Path) -> None:
    import unicodedata

    corpus = tmp_path / "content"
    composed = "Santé Publique (SP)"
    decomposed = unicodedata.normalize("NFD", composed)
    for index, name in enumerate((composed, composed, decomposed)):
        write_doc(corpus, f"d{index}.md", seed_document(mdName=f"doc-{index}", identifier=name))
    report = export([corpus], tmp_path / "d.ttl", jobs=1, cache=False)
    (told,) = spelling_warnings(report.diagnostics)
    assert Path(told.path).name == "d2.md" and "Unicode normalisation" in told.message
    plain = tmp_path / "plain"
    for index, name in enumerate(("Alpha", "Alpha", "ALPHA")):
        write_doc(plain, f"d{index}.md", seed_document(mdName=f"doc-{index}", identifier=name))
    (other,) = spelling_warnings(export([plain], tmp_path / "p.ttl", jobs=1).diagnostics)
    assert "Unicode" not in other.message


@pytest.mark.parametrize("fmt", ["ttl", "nt"])
def test_a_thing_spelled_two_ways_has_each_triple_once_in_the_dump(
    name_variants_corpus: Path, tmp_path: Path, fmt: str
) -> None:
    """Each spelling brings its own block for the shared thing; the triples the blocks share
    (its type, its links) are written once, and nothing is lost."""
    import pyoxigraph as ox

    out = tmp_path / f"d.{fmt}"
    export([name_variants_corpus], out, jobs=2, cache=False)
    written = [q.triple for q in ox.parse(path=out, format=ox.RdfFormat.from_extension(fmt))]
    assert len(written) == len(set(written))
    quads = tmp_path / "d.nq"
    export([name_variants_corpus], quads, jobs=1, cache=False)
    every = {q.triple for q in ox.parse(path=quads, format=ox.RdfFormat.N_QUADS)}
    assert set(written) == every
