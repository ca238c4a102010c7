"""``medigraph query`` on the embedded store: saved queries answer what the front matter says.

Expected answers are computed from the YAML front matter of examples/content alone, never
through medigraph.
"""

from __future__ import annotations

import errno
import io
import json
import random
import re
import subprocess
import sys
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import yaml
from click.testing import CliRunner, Result
from rich.cells import cell_len

from medigraph import sparql
from medigraph.cli import cli
from medigraph.export import export
from medigraph.query import (
    Answer,
    ParameterError,
    QueryTimeout,
    bind_params,
    compact,
    default_prefixes,
    insert_values,
    json_term,
    make_term,
    name_forms,
    render,
    run_embedded,
    saved_queries,
    stream_embedded,
    with_prologue,
)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "content"


def front_matters() -> list[dict[str, object]]:
    out = []
    for path in sorted(EXAMPLES.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        out.append(yaml.load(text.split("---\n")[1], Loader=yaml.BaseLoader))
    return out


FM = front_matters()


def topics(fm: dict[str, object]) -> set[str]:
    value = fm.get("communityTopics") or []
    assert isinstance(value, list)
    return set(value)


def published(fm: dict[str, object]) -> datetime:
    return datetime.fromisoformat(str(fm["date"]).replace("Z", "+00:00"))


def exported_store(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The embedded store of an export of ``corpus`` (its N-Quads dump beside it)."""
    where = tmp_path_factory.mktemp("query")
    report = export([corpus], where / "dump.nq", store=where / "store", jobs=1)
    assert report.exit_code == 0
    return where / "store"


@pytest.fixture(scope="session")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return exported_store(EXAMPLES, tmp_path_factory)


def query(store: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["query", "--store", str(store), "-q", *args])


def rows(store: Path, *args: str) -> list[dict[str, str]]:
    """The answer as CSV → dicts (the CLI path, as an analyst would use it)."""
    result = query(store, *args, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    return [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]


# --------------------------------------------------------------------------- saved queries


def test_every_saved_query_says_what_it_answers_and_declares_the_parameters_it_uses() -> None:
    library = saved_queries()
    assert len(library) >= 10
    for saved in library.values():
        assert saved.title and not saved.title.startswith("@"), saved.name
        for param in saved.params:
            assert f"?{param.variable}" in saved.text, (saved.name, param.name)


def test_content_of_a_community(store: Path) -> None:
    name = "Chronic Care Management (CCM)"
    got = rows(store, "community-content", "--param", f"community={name}")
    expected = sorted((fm for fm in FM if fm["identifier"] == name), key=published, reverse=True)
    assert [r["title"] for r in got] == [" ".join(str(fm["title"]).split()) for fm in expected]
    assert {r["community"] for r in got} == {name}


def test_content_by_topic(store: Path) -> None:
    got = rows(store, "content-by-topic", "--param", "topic=KLAS: Telehealth")
    expected = [fm for fm in FM if "KLAS: Telehealth" in topics(fm)]
    assert len(got) == len(expected) == 5
    assert {r["content"].rsplit("/", 1)[1] for r in got} == {str(fm["mdName"]) for fm in expected}


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("topics-per-scheme", ()),
        ("content-by-topic", ()),
        ("orphan-topics", ("--param", "max=1000")),
        ("stale-topics", ("--param", "since=2099-01-01")),
    ],
)
def test_each_topic_column_says_whether_it_holds_the_label_or_the_notation(
    store: Path, name: str, params: tuple[str, ...]
) -> None:
    """An analyst joining answers must know: topics-per-scheme shows a topic's label
    (Telehealth), the others its notation (KLAS: Telehealth); each header says which."""
    topics = {r["topic"] for r in rows(store, name, *params)}
    notations = {t for t in topics if re.fullmatch(r"(Medigy|KLAS|Symplur): .+", t)}
    assert topics and notations in (set(), topics), topics
    said = "the topic's notation" if notations else "the topic's label"
    assert f"topic, {said}" in saved_queries()[name].description


def test_content_by_topic_without_the_parameter_lists_every_topic(store: Path) -> None:
    got = rows(store, "content-by-topic")
    assert len(got) == sum(len(topics(fm)) for fm in FM)


def test_topics_per_scheme_counts_documents(store: Path) -> None:
    got = rows(store, "topics-per-scheme")
    expected = Counter(t for fm in FM for t in topics(fm))
    assert {f"{r['scheme']}: {r['topic']}": int(r["documents"]) for r in got} == dict(expected)
    klas = rows(store, "topics-per-scheme", "--param", "scheme=KLAS")
    assert {r["scheme"] for r in klas} == {"KLAS"}
    assert len(klas) == sum(1 for t in expected if t.startswith("KLAS: "))


def test_recent_content_since_a_date(store: Path) -> None:
    got = rows(store, "recent-content", "--param", "since=2023-01-01")
    cutoff = datetime.fromisoformat("2023-01-01T00:00:00+00:00")
    expected = sorted((fm for fm in FM if published(fm) >= cutoff), key=published, reverse=True)
    assert [r["content"].rsplit("/", 1)[1] for r in got] == [str(fm["mdName"]) for fm in expected]
    assert len(rows(store, "recent-content")) == len(FM)


def test_content_per_publisher(store: Path) -> None:
    got = rows(store, "content-per-publisher")
    brands = Counter(str(fm["link"]["brand"]) for fm in FM)  # type: ignore[index]
    assert {r["publisher"]: int(r["documents"]) for r in got} == dict(brands)


def test_authors_and_their_content(store: Path) -> None:
    got = rows(store, "authors-summary")
    expected: Counter[str] = Counter()
    for fm in FM:
        for author in set(fm["author"]):  # type: ignore[call-overload]
            expected[author.split("@")[0].strip()] += 1
    assert {r["author"]: int(r["documents"]) for r in got} == dict(expected)
    vinit = rows(store, "authors", "--param", "author=Vinit")
    assert len(vinit) == expected["Vinit"]
    assert {r["affiliation"] for r in vinit} == {"maxinovip.com"}


def test_documents_missing_a_description_or_an_image(store: Path) -> None:
    got = rows(store, "missing-description-or-image")
    expected = {}
    for fm in FM:
        missing = [
            k
            for k, key in (("description", "description"), ("image", "featuredImage"))
            if not fm.get(key)
        ]
        if missing:
            expected[str(fm["mdName"])] = ", ".join(missing)
    assert {r["content"].rsplit("/", 1)[1]: r["missing"] for r in got} == expected
    assert all(r["path"].endswith(".md") for r in got)


def test_orphan_topics_are_those_at_most_max_documents_are_about(store: Path) -> None:
    counts = Counter(t for fm in FM for t in topics(fm))
    assert {r["topic"] for r in rows(store, "orphan-topics")} == {
        t for t, n in counts.items() if n == 1
    }
    two = rows(store, "orphan-topics", "--param", "max=2")
    assert {r["topic"] for r in two} == {t for t, n in counts.items() if n <= 2}


def test_stale_topics_have_no_content_since_a_date(store: Path) -> None:
    cutoff = datetime.fromisoformat("2022-01-01T00:00:00+00:00")
    recent = {t for fm in FM if published(fm) >= cutoff for t in topics(fm)}
    every = {t for fm in FM for t in topics(fm)}
    got = rows(store, "stale-topics", "--param", "since=2022-01-01")
    assert {r["topic"] for r in got} == every - recent


def moment(fm: dict[str, object]) -> datetime | None:
    """When a document was published, read as PyYAML reads a YAML timestamp; a date alone
    counts from midnight UTC, and a time without a timezone is UTC (as Hugo reads it)."""
    if "date" not in fm:
        return None
    try:
        value = yaml.safe_load(f"date: {fm['date']}")["date"]
    except ValueError:  # 2099-02-30: a timestamp's form, not a day
        return None
    if isinstance(value, str):  # "March 2, 2099": not a moment at all
        day = re.fullmatch(r"(\d{4}-\d{2}-\d{2})(Z|[+-]\d{2}:\d{2})", value)
        if day is None:
            return None
        # a day with its timezone (2023-12-01-05:00): midnight there
        return datetime.fromisoformat(
            f"{day.group(1)}T00:00:00{day.group(2).replace('Z', '+00:00')}"
        )
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def newest_first(when: datetime | None) -> float:
    """The sort key of DESC(?moment): the newest first, undated documents last."""
    return -when.timestamp() if when else float("inf")


def answered_moment(row: dict[str, str], column: str) -> datetime | None:
    """The moment in a column of an answer (the store writes lexical forms canonically)."""
    return moment({"date": row[column]}) if column in row else None


@pytest.fixture(scope="module")
def mixed(mixed_dates_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return exported_store(mixed_dates_corpus, tmp_path_factory)


def mixed_front_matters(corpus: Path) -> list[dict[str, object]]:
    return [
        yaml.load(path.read_text(encoding="utf-8").split("---\n")[1], Loader=yaml.BaseLoader)
        for path in sorted(corpus.rglob("*.md"))
    ]


def since_moment(since: str) -> datetime:
    return datetime.fromisoformat(since + "T00:00:00+00:00" if len(since) == 10 else since)


@pytest.mark.parametrize(
    "since",
    [
        "2022-01-01",
        "2023-06-01",
        "2023-12-01",
        "2023-12-01T04:15:00.5Z",
        "2023-12-01T07:30:00Z",
        "2023-12-01T08:00:00Z",
        "2023-12-01T08:00:01Z",
        "2023-12-01T10:00:00Z",
        "2023-12-02",
    ],
)
def test_recent_content_counts_a_date_without_time_from_midnight_utc(
    mixed: Path, mixed_dates_corpus: Path, since: str
) -> None:
    """xsd:date and xsd:dateTime do not compare in SPARQL: a document dated 2023-12-01 must
    still be recent since 2023-06-01 (and since 2023-12-01, which is its own midnight)."""
    fms = mixed_front_matters(mixed_dates_corpus)
    assert any(len(str(fm.get("date"))) == 10 for fm in fms)
    cutoff = since_moment(since)
    dated = [(when, fm) for fm in fms if (when := moment(fm)) is not None and when >= cutoff]
    expected = sorted((newest_first(when), str(fm["mdName"])) for when, fm in dated)
    got = rows(mixed, "recent-content", "--param", f"since={since}")
    assert [
        (newest_first(answered_moment(r, "published")), r["content"].rsplit("/", 1)[1]) for r in got
    ] == expected


@pytest.mark.parametrize(
    "since", ["2023-06-01", "2023-12-01", "2023-12-01T07:30:00Z", "2023-12-01T09:59:59Z"]
)
def test_stale_topics_count_a_date_without_time_from_midnight_utc(
    mixed: Path, mixed_dates_corpus: Path, since: str
) -> None:
    """Stale: no document about the topic is recent; last published: the latest moment of the
    dated documents about it (an undated one must not blank it)."""
    fms = mixed_front_matters(mixed_dates_corpus)
    cutoff = since_moment(since)
    recent = {t for fm in fms if (when := moment(fm)) and when >= cutoff for t in topics(fm)}
    every = {t for fm in fms for t in topics(fm)}
    got = rows(mixed, "stale-topics", "--param", f"since={since}")
    assert {r["topic"] for r in got} == every - recent
    assert every - recent != every  # some topic is recent: the test can tell
    latest = latest_per(fms, topics)
    assert {r["topic"]: answered_moment(r, "lastPublished") for r in got} == {
        t: latest[t][1] for t in every - recent
    }


@pytest.mark.parametrize(
    ("name", "group"),
    [
        ("community-content", lambda fm: [fm["identifier"]]),
        ("content-by-topic", topics),
        ("authors", lambda fm: [a.split(" @")[0] for a in fm.get("author", [])]),
    ],
)
def test_listings_put_the_newest_first_whatever_the_form_of_its_date(
    mixed: Path, mixed_dates_corpus: Path, name: str, group: Callable[[dict[str, object]], object]
) -> None:
    """Every document, titled or not, newest first within each group, by the moment: a date
    alone at midnight UTC and a time without a timezone as UTC (SPARQL leaves their order
    against others undefined); undated documents last."""
    fms = mixed_front_matters(mixed_dates_corpus)
    expected = sorted(
        (str(key), newest_first(moment(fm)), str(fm["mdName"])) for fm in fms for key in group(fm)
    )
    assert any("title" not in fm for fm in fms) and any("date" not in fm for fm in fms)
    got = rows(mixed, name)
    column = {"community-content": "community", "content-by-topic": "topic"}.get(name, "author")
    assert [
        (r[column], newest_first(answered_moment(r, "published")), r["content"].rsplit("/", 1)[1])
        for r in got
    ] == expected


def latest_per(
    fms: list[dict[str, object]], group: Callable[[dict[str, object]], object]
) -> dict[str, tuple[datetime | None, datetime | None]]:
    """key → (first, latest) moment of the dated documents in the group, None if none is."""
    moments: dict[str, list[datetime]] = {}
    for fm in fms:
        for key in group(fm):  # type: ignore[attr-defined]
            moments.setdefault(str(key), [])
            if (when := moment(fm)) is not None:
                moments[str(key)].append(when)
    return {key: (min(when), max(when)) if when else (None, None) for key, when in moments.items()}


@pytest.mark.parametrize(
    ("name", "column", "group", "first", "latest"),
    [
        ("communities", "community", lambda fm: [fm["identifier"]], "first", "latest"),
        (
            "content-per-publisher",
            "publisher",
            lambda fm: [fm["link"]["brand"]] if "brand" in fm.get("link", {}) else [],
            "first",
            "latest",
        ),
        ("orphan-topics", "topic", topics, None, "lastPublished"),
        (
            "authors-summary",
            "author",
            lambda fm: [a.split(" @")[0] for a in fm.get("author", [])],
            None,
            "latest",
        ),
    ],
)
def test_first_and_latest_are_the_earliest_and_latest_moments(
    mixed: Path,
    mixed_dates_corpus: Path,
    name: str,
    column: str,
    group: Callable[[dict[str, object]], object],
    first: str | None,
    latest: str,
) -> None:
    """First and latest are found by the moments of the dated documents, whatever the form of
    their dates, and an undated document does not blank them (the columns give the moment: a
    date alone as midnight UTC)."""
    fms = mixed_front_matters(mixed_dates_corpus)
    expected = latest_per(fms, group)
    undated = [fm for fm in fms if "date" not in fm]
    assert undated and any(expected[str(k)][1] for k in group(undated[0]))  # type: ignore[attr-defined]
    params = ("--param", "max=1000") if name == "orphan-topics" else ()
    got = {
        r[column]: (answered_moment(r, first) if first else None, answered_moment(r, latest))
        for r in rows(mixed, name, *params)
    }
    assert got == {key: (when[0] if first else None, when[1]) for key, when in expected.items()}


def fold(text: str) -> str:
    """What makes two spellings the same thing: case and punctuation aside."""
    return re.sub(r"[\W_]+", "", text.casefold())


@pytest.fixture(scope="module")
def variants(name_variants_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return exported_store(name_variants_corpus, tmp_path_factory)


def spelled(pairs: list[tuple[str, str]]) -> dict[str, tuple[str, list[str]]]:
    """fold → (first spelling in code-point order, the documents) for (spelling, document)."""
    names: dict[str, set[str]] = {}
    documents: dict[str, list[str]] = {}
    for name, document in pairs:
        names.setdefault(fold(name), set()).add(name)
        documents.setdefault(fold(name), []).append(document)
    return {key: (min(names[key]), documents[key]) for key in names}


def test_a_thing_spelled_differently_is_counted_once(
    variants: Path, name_variants_corpus: Path
) -> None:
    """A community, publisher, author or topic that some documents spell differently (the
    same up to case and punctuation, so one IRI) is one row, under its first spelling."""
    fms = mixed_front_matters(name_variants_corpus)
    md = [str(fm["mdName"]) for fm in fms]

    communities = spelled([(str(fm["identifier"]), m) for fm, m in zip(fms, md, strict=True)])
    assert any(
        len({fm["identifier"] for fm in fms if fold(str(fm["identifier"])) == k}) > 1
        for k in communities
    )
    got = {r["community"]: int(r["documents"]) for r in rows(variants, "communities")}
    assert got == {name: len(docs) for name, docs in communities.values()}

    brands = spelled([(str(fm["link"]["brand"]), m) for fm, m in zip(fms, md, strict=True)])  # type: ignore[index]
    got = {r["publisher"]: int(r["documents"]) for r in rows(variants, "content-per-publisher")}
    assert got == {name: len(docs) for name, docs in brands.values()}

    people: dict[tuple[str, str], tuple[set[str], set[str], set[str]]] = {}
    for fm, m in zip(fms, md, strict=True):
        for author in fm["author"]:  # type: ignore[union-attr]
            name, _, domain = str(author).partition("@")
            names, domains, docs = people.setdefault(
                (fold(name), fold(domain)), (set(), set(), set())
            )
            names.add(name.strip())
            domains.add(domain.strip())
            docs.add(m)
    # an affiliation is an organisation as a publisher is: all their spellings are its names
    organisations: dict[str, set[str]] = {}
    for fm in fms:
        written = [str(a).partition("@")[2].strip() for a in fm["author"]]  # type: ignore[union-attr]
        for org in [*written, str(fm["link"]["brand"])]:  # type: ignore[index]
            organisations.setdefault(fold(org), set()).add(org)
    got_people = {
        (r["author"], r.get("affiliation", "")): int(r["documents"])
        for r in rows(variants, "authors-summary")
    }
    assert got_people == {
        (min(names), min(organisations[fold(min(domains))]) if fold(min(domains)) else ""): len(
            docs
        )
        for names, domains, docs in people.values()
    }

    topics_ = spelled([(t, m) for fm, m in zip(fms, md, strict=True) for t in topics(fm)])
    got_topics = Counter(r["topic"] for r in rows(variants, "content-by-topic"))
    assert got_topics == {name: len(docs) for name, docs in topics_.values()}
    # topics-per-scheme: a scheme's label and a topic's label, each under its first spelling
    written = [t for fm in fms for t in topics(fm)]
    schemes = spelled([(t.split(": ", 1)[0], t) for t in written])
    terms: dict[str, set[str]] = {}
    for t in written:
        terms.setdefault(fold(t), set()).add(t.split(": ", 1)[1])
    expected_labels = {
        (schemes[fold(name.split(": ", 1)[0])][0], min(terms[fold(name)])): len(set(docs))
        for name, docs in topics_.values()
    }
    got_labels = {
        (r["scheme"], r["topic"]): int(r["documents"]) for r in rows(variants, "topics-per-scheme")
    }
    assert got_labels == expected_labels


@pytest.mark.parametrize(
    ("query_name", "param", "column"),
    [
        ("community-content", "community", "community"),
        ("content-by-topic", "topic", "topic"),
        ("authors", "author", "author"),
    ],
)
def test_a_parameter_matches_any_spelling_of_a_name(
    variants: Path, name_variants_corpus: Path, query_name: str, param: str, column: str
) -> None:
    from tests.conftest import NAME_VARIANTS

    spellings = {
        "community": [v.split(": ", 1)[1] for u, v in NAME_VARIANTS if u.startswith("identifier")]
        + ["Chronic Care Management (CCM)"],
        "topic": ["klas: telehealth", "KLAS: Telehealth"],
        "author": ["vinit", "Vinit"],
    }[param]
    answers = [rows(variants, query_name, "--param", f"{param}={value}") for value in spellings]
    assert answers[0], "no rows: the test proves nothing"
    assert all(answer == answers[0] for answer in answers)
    assert len({r[column] for r in answers[0]}) == 1
    assert len({r["content"] for r in answers[0]}) == len(answers[0])


SPACED_NAMES = """---
owlType: Medigy Communities
openProjectWorkPackageType: News
mdName: spaced
title: Names with spaces around them
date: '2021-02-17T04:49:37Z'
identifier: ' Patient Engagement '
author:
- '  Vinit  @maxinovip.com'
link:
  brand: ' statnews.com '
communityTopics:
- 'KLAS:  Telehealth '
---
Body.
"""
"""A document that writes each name with spaces around it (the export drops them, warning)."""


@pytest.mark.parametrize(
    ("query_name", "param", "written", "trimmed"),
    [
        ("content-by-topic", "topic", "KLAS:  Telehealth ", "KLAS:  Telehealth"),
        ("community-content", "community", " Patient Engagement ", "Patient Engagement"),
        ("authors", "author", "  Vinit  ", "Vinit"),
        ("content-per-publisher", "publisher", " statnews.com ", "statnews.com"),
        ("topics-per-scheme", "scheme", " KLAS", "KLAS"),
    ],
)
def test_a_name_parameter_matches_the_name_as_the_document_writes_it(
    tmp_path_factory: pytest.TempPathFactory,
    query_name: str,
    param: str,
    written: str,
    trimmed: str,
) -> None:
    """The export writes a name without the spaces around it, so a name parameter is taken
    without them too: the spelling copied from the front matter finds the document."""
    corpus = tmp_path_factory.mktemp("spaced") / "content"
    corpus.mkdir()
    (corpus / "spaced.md").write_text(SPACED_NAMES, encoding="utf-8")
    spaced = exported_store(corpus, tmp_path_factory)
    expected = rows(spaced, query_name, "--param", f"{param}={trimmed}")
    assert expected, "no rows: the test proves nothing"
    assert rows(spaced, query_name, "--param", f"{param}={written}") == expected


NAME_QUERIES = [
    ("community-content", "community"),
    ("content-by-topic", "topic"),
    ("authors", "author"),
    ("content-per-publisher", "publisher"),
    ("topics-per-scheme", "scheme"),
]
"""Each saved query with a ``name`` parameter, and that parameter (also its answer's column)."""


@pytest.mark.parametrize("written", ["NFD", "NFC"])
@pytest.mark.parametrize(("query_name", "param"), NAME_QUERIES)
def test_a_name_parameter_matches_in_either_normal_form(
    normal_forms_corpus: Path,
    tmp_path_factory: pytest.TempPathFactory,
    query_name: str,
    param: str,
    written: str,
) -> None:
    """``Télésanté`` typed with ``é`` (NFC) finds the document that writes it ``e`` + accent
    (NFD), which the export gives the same IRI, and the reverse; the rows show the name as
    the document writes it. Before, only the form the document used matched (0 rows)."""
    from tests.conftest import NORMAL_FORM_NAMES

    store = exported_store(normal_forms_corpus, tmp_path_factory)
    name = NORMAL_FORM_NAMES[written][param]
    answers = {
        form: rows(store, query_name, "--param", f"{param}={unicodedata.normalize(form, name)}")
        for form in ("NFC", "NFD")
    }
    assert answers["NFC"] == answers["NFD"]
    assert answers["NFC"], f"the {written} document was not found"
    # as the document writes it; a publisher is a host name, which the export writes in NFC
    shown = unicodedata.normalize("NFC" if param == "publisher" else written, name)
    assert {r[param] for r in answers["NFC"]} == {shown}


def test_a_name_parameter_binds_each_distinct_normal_form_once() -> None:
    nfc = "Télésanté"
    nfd = unicodedata.normalize("NFD", nfc)
    assert name_forms(ox.Literal(nfd)) == (ox.Literal(nfd), ox.Literal(nfc))
    assert name_forms(ox.Literal(nfc)) == (ox.Literal(nfc), ox.Literal(nfd))
    assert name_forms(ox.Literal("KLAS: Telehealth")) == ox.Literal("KLAS: Telehealth")
    bound = insert_values("SELECT * { ?s ?p ?n }", {"n": name_forms(ox.Literal(nfc))})
    assert f'VALUES ?n {{ "{nfc}" "{nfd}" }}' in bound


def test_a_name_parameter_is_trimmed_and_a_string_one_is_not() -> None:
    assert make_term(" KLAS: Telehealth\u00a0", "name") == ox.Literal("KLAS: Telehealth")
    assert make_term(" KLAS: Telehealth ", "string") == ox.Literal(" KLAS: Telehealth ")


def test_content_per_kind_follows_the_ontology_class_hierarchy(store: Path) -> None:
    got = {
        r["kind"].rsplit("/", 1)[1]: int(r["documents"]) for r in rows(store, "content-per-kind")
    }
    kinds = Counter(str(fm.get("openProjectWorkPackageType")) for fm in FM)
    assert got["CreativeWork"] == got["Content"] == len(FM)
    assert got["NewsItem"] == got["NewsArticle"] == kinds["News"]
    assert got["CuratedContent"] == kinds["Curated Content"]


def test_the_ontology_graph_makes_subclass_queries_work(store: Path) -> None:
    """Documents state only their own classes; rdfs:subClassOf* reaches the standard ones."""
    direct = rows(store, "SELECT (COUNT(DISTINCT ?c) AS ?n) { ?c a schema:CreativeWork }")
    inferred = rows(
        store, "SELECT (COUNT(DISTINCT ?c) AS ?n) { ?c a/rdfs:subClassOf* schema:CreativeWork }"
    )
    assert int(direct[0]["n"]) == 0
    assert int(inferred[0]["n"]) == len(FM)


def test_content_graph_is_isomorphic_to_the_document_graph(store: Path) -> None:
    md = str(FM[0]["mdName"])
    result = query(store, "content-graph", "--param", f"id={md}", "--format", "ntriples")
    assert result.exit_code == 0, result.output
    got = ox.Dataset(
        ox.Quad(t.subject, t.predicate, t.object)
        for t in ox.parse(result.stdout.encode(), format=ox.RdfFormat.N_TRIPLES)
    )
    dump = ox.parse(path=str(store.parent / "dump.nq"), format=ox.RdfFormat.N_QUADS)
    expected = ox.Dataset(
        ox.Quad(q.subject, q.predicate, q.object)
        for q in dump
        if q.graph_name.value.endswith("/" + md)
    )  # type: ignore[union-attr]
    assert len(got) > 50
    got.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    expected.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    assert got == expected


# --------------------------------------------------------------------------- the command


def test_default_graph_is_the_union_and_prefixes_are_predeclared(store: Path) -> None:
    got = rows(store, "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a medigy:CommunityContent }")
    assert int(got[0]["n"]) == len(FM)


def test_table_is_aligned_with_prefixed_iris(store: Path) -> None:
    result = query(store, "communities")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["community", "documents", "topics", "first", "latest"]
    assert set(lines[1]) <= {"-", " "}
    assert len(lines) == 2 + len({fm["identifier"] for fm in FM})
    ccm = next(line for line in lines if line.startswith("Chronic Care Management (CCM)"))
    assert ccm.split()[4] == str(
        sum(1 for fm in FM if fm["identifier"] == "Chronic Care Management (CCM)")
    )
    assert "content:" in query(store, "community-content").stdout


def test_a_table_writes_iris_with_the_querys_own_prefixes(store: Path) -> None:
    """A PREFIX the query declares means what it says there: an IRI of the predeclared
    namespace of that name is not shown under it (schema: is https here, content: a relative
    IRI), and the query's own name for a namespace is the one shown."""
    text = (
        "BASE <https://e.org/> PREFIX schema: <https://schema.org/> PREFIX s: <http://schema.org/>"
        " PREFIX content: <relative/> SELECT ?p ?q ?c WHERE { BIND(s:name AS ?p)"
        " BIND(schema:name AS ?q) BIND(<https://medigy.com/content/x> AS ?c) }"
    )
    table = query(store, text)
    assert table.exit_code == 0, table.output
    assert table.stdout.splitlines()[2].split() == [
        "s:name",
        "schema:name",
        "<https://medigy.com/content/x>",
    ]
    turtle = query(store, text.replace("SELECT ?p ?q ?c", "CONSTRUCT { ?c ?p ?q }"))
    assert turtle.exit_code == 0, turtle.output
    assert "@prefix schema: <https://schema.org/> ." in turtle.stdout
    assert "<https://medigy.com/content/x> s:name schema:name ." in turtle.stdout


def test_source_files_have_a_predeclared_prefix(store: Path) -> None:
    """The source files' IRIs (``source/<path>`` under the base, the subjects of
    ``medigy:sourcePath``) had no predeclared prefix: `--prefixes` did not list one, a query
    had to write them whole and a table showed them as ``<https://medigy.com/source/…>``."""
    listed = CliRunner().invoke(cli, ["query", "--prefixes"]).stdout
    assert "PREFIX source: <https://medigy.com/source/>\n" in listed
    other = CliRunner().invoke(cli, ["query", "--prefixes", "--base", "https://e.org/kb/"])
    assert "PREFIX source: <https://e.org/kb/source/>\n" in other.stdout
    text = "SELECT ?s ?path WHERE { ?s medigy:sourcePath ?path } ORDER BY ?path"
    answer = rows(store, text)
    assert answer and all(r["s"] == "https://medigy.com/source/" + r["path"] for r in answer)
    table = query(store, text)
    assert table.exit_code == 0, table.output
    shown = [line.split()[0] for line in table.stdout.splitlines()[2:]]
    assert shown == ["source:" + r["path"].replace("/", "\\/") for r in answer]
    # the prefix is there in a query, and the table's name is one the query reads back
    first = answer[0]["path"]
    again = rows(store, f"SELECT ?path WHERE {{ {shown[0]} medigy:sourcePath ?path }}")
    assert again == [{"path": first}]
    # a query's own source: means what the query says
    own = query(store, "PREFIX source: <http://e.org/other/> " + text)
    assert own.exit_code == 0, own.output
    assert own.stdout.splitlines()[2].split()[0] == f"<https://medigy.com/source/{first}>"
    # Turtle with the prefix is read back by pyoxigraph and rdflib
    import rdflib

    turtle = query(store, "CONSTRUCT { ?s medigy:sourcePath ?p } WHERE { ?s medigy:sourcePath ?p }")
    assert turtle.exit_code == 0, turtle.output
    assert "@prefix source: <https://medigy.com/source/> ." in turtle.stdout
    expected = {(r["s"], r["path"]) for r in answer}
    parsed = ox.parse(turtle.stdout.encode(), format=ox.RdfFormat.TURTLE)
    assert {(t.subject.value, t.object.value) for t in parsed} == expected
    graph = rdflib.Graph().parse(data=turtle.stdout, format="turtle")
    assert {(str(s), str(o)) for s, _, o in graph} == expected


NAMED = {
    "https://medigy.com/topic/klas.télésanté": "topic:klas.télésanté",
    "https://medigy.com/topic/medigy.東京": "topic:medigy.東京",
    "https://medigy.com/person/jürgen": "person:jürgen",
    "https://medigy.com/person/josé.hospital.es": "person:josé\\.hospital\\.es",
    "https://medigy.com/person/ann.example.org": "person:ann\\.example\\.org",
    "https://medigy.com/topic/klas.c++": "topic:klas.c\\+\\+",
    "https://medigy.com/content/sub/x": "content:sub\\/x",
    "https://medigy.com/content/caf%C3%A9": "content:caf%C3%A9",
    "https://medigy.com/content/-x": "content:\\-x",
    "https://medigy.com/content/.x": "content:\\.x",
    "http://schema.org/name": "schema:name",
    "https://medigy.com/content/": "content:",
}
"""IRIs of local names beyond ASCII, and with what SPARQL's PN_LOCAL holds only escaped,
shortened as a SPARQL and Turtle parser reads them back."""
WHOLE = [
    "https://medigy.com/topic/x.",  # rdflib reads no escaped final dot
    "https://medigy.com/topic/x.🙂",  # Oxigraph's SPARQL parser reads nothing beyond U+FFFF
    "https://medigy.com/content/it’s",  # U+2019 is no PN_CHARS
    "https://medigy.com/content/·x",  # U+00B7 may not start a name
    "https://example.org/a",  # no prefix
]


def _read_back(name: str, prefixes: dict[str, str]) -> tuple[str, str]:
    """The IRI a prefixed name stands for, to Oxigraph's SPARQL parser and rdflib's Turtle."""
    import rdflib

    prefix = name.split(":", 1)[0]
    sparql = f"SELECT ?o {{ BIND({name} AS ?o) OPTIONAL {{ {name} ?p ?x }} }}"
    by_oxigraph = next(iter(ox.Store().query(sparql, prefixes=prefixes)))[0].value  # type: ignore[index]
    turtle = f"@prefix {prefix}: <{prefixes[prefix]}> .\n{name} {name} {name} .\n"
    (triple,) = rdflib.Graph().parse(data=turtle, format="turtle")
    return by_oxigraph, str(triple[0])


def test_a_table_shortens_iris_beyond_ascii_as_parsers_read_them_back() -> None:
    """compact() took only ASCII local names: a topic or person with ``ü`` or CJK in its IRI
    stayed a whole ``<…>`` where the ASCII ones were ``topic:…``; and it wrote
    ``person:ann.example.org``, which Oxigraph's SPARQL parser refuses (two dots apart)."""
    names = default_prefixes()
    for iri, shown in NAMED.items():
        assert compact(iri, names) == shown, iri
        assert _read_back(shown, names) == (iri, iri)
    for iri in WHOLE:
        assert compact(iri, names) == f"<{iri}>"
    # every name compact() writes is read back as its IRI
    rng = random.Random(15)
    alphabet = [*"aZ09_-.:/#?~!$&'()*+,;=@·é東ü", "\u0300", "%C3", "%zz", "\u2019", "\U0001f642"]
    mine = {"t": "http://x.org/t/", "aé": "http://x.org/a/", "n.b": "http://x.org/nb/"}
    written = 0
    for _ in range(1500):
        rest = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6)))
        iri = rng.choice(list(mine.values())) + rest
        try:
            ox.NamedNode(iri)
        except ValueError:
            continue
        shown = compact(iri, mine)
        if not shown.startswith("<"):
            written += 1
            assert _read_back(shown, mine) == (iri, iri), shown
    assert written > 500


LONG = "x" * 70 + "-0123456789abcdef-" + "y" * 30
"""A value wider than the 80 columns the table used to cut every cell at."""


def test_a_table_in_a_pipe_keeps_every_value_whole(store: Path) -> None:
    """Not a terminal (CliRunner's output, like `| cat`): a path or IRI is read whole."""
    result = query(store, f'SELECT ?long ?n {{ BIND("{LONG}" AS ?long) BIND(3 AS ?n) }}')
    assert result.exit_code == 0
    assert result.stdout.splitlines()[2] == f"{LONG}  3"
    paths = query(store, "missing-description-or-image")
    assert "…" not in paths.stdout
    assert re.search(r"\S+/[0-9a-f-]{36}\.md\b", paths.stdout), paths.stdout


def test_a_table_on_a_terminal_cuts_only_the_widest_cells_to_fit_it() -> None:
    from rich.cells import cell_len

    from medigraph.query import table

    rows = [[ox.Literal("short"), ox.Literal(LONG), ox.Literal(3)]]
    out = io.StringIO()
    table(["name", "long", "n"], rows, {}, out, width=40)
    lines = out.getvalue().splitlines()
    assert max(cell_len(line) for line in lines) <= 40, lines
    assert lines[2].startswith("short  xxx") and lines[2].endswith("…  3"), lines
    wide = io.StringIO()
    table(["name", "long", "n"], rows, {}, wide, width=200)
    assert wide.getvalue().splitlines()[2] == f"short  {LONG}  3"  # fits: nothing cut


def test_the_query_command_fits_a_table_to_the_terminal_only(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import medigraph.cli.query as command

    assert command._terminal_width() is None  # CliRunner's standard output is no terminal
    monkeypatch.setattr(command, "_terminal_width", lambda: 50)
    result = query(store, f'SELECT ?long {{ BIND("{LONG}" AS ?long) }}')
    assert result.exit_code == 0
    assert result.stdout.splitlines()[2] == LONG[:49] + "…"


def test_csv_and_tsv_follow_the_sparql_result_formats(store: Path) -> None:
    csv_out = query(
        store, 'SELECT ?n ?d { BIND("a,\\"b" AS ?n) BIND(3 AS ?d) }', "--format", "csv"
    ).stdout_bytes
    assert csv_out == b'n,d\r\n"a,""b",3\r\n'
    tsv_out = query(
        store, 'SELECT ?n ?i { BIND("x\ty" AS ?n) BIND(medigy:Content AS ?i) }', "--format", "tsv"
    ).stdout
    assert tsv_out == '?n\t?i\n"x\\ty"\t<https://medigy.com/ontology/Content>\n'


RDF12 = (
    "SELECT ?t ?d WHERE {"
    ' BIND(TRIPLE(<http://a>, <http://b>, TRIPLE(<http://a>, <http://b>, "c\\t"@en)) AS ?t)'
    ' BIND("a"@en--rtl AS ?d) }'
)
"""RDF 1.2 terms, which pyoxigraph accepts: a triple term (nested) and a literal's base direction."""


def _oxigraphs(text: str, fmt: ox.QueryResultsFormat) -> bytes:
    """Oxigraph's own answer, its result dropped here: a test's frame holding one is kept by
    CliRunner's results (their exc_info's frames lead back to it) until a garbage collection
    on whatever thread, where pyo3 refuses to drop it ("… is unsendable")."""
    own = ox.Store().query(text)
    assert isinstance(own, ox.QuerySolutions)
    return own.serialize(format=fmt) or b""


def test_tsv_and_json_write_rdf_1_2_terms_as_oxigraph_does(store: Path) -> None:
    expected_tsv = _oxigraphs(RDF12, ox.QueryResultsFormat.TSV).decode()
    tsv = query(store, RDF12, "--format", "tsv")
    assert tsv.exit_code == 0, tsv.output
    assert tsv.stdout == expected_tsv
    assert "<<( <http://a> <http://b> <<( <http://a>" in tsv.stdout
    expected_json = json.loads(_oxigraphs(RDF12, ox.QueryResultsFormat.JSON))
    out = query(store, RDF12, "--format", "json")
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout) == expected_json
    assert json.loads(out.stdout)["results"]["bindings"][0]["d"]["its:dir"] == "rtl"


def test_json_is_sparql_results_json(store: Path) -> None:
    out = json.loads(
        query(store, 'SELECT ?l ?x { BIND("hé"@fr AS ?l) }', "--format", "json").stdout
    )
    assert out == {
        "head": {"vars": ["l", "x"]},
        "results": {"bindings": [{"l": {"type": "literal", "value": "hé", "xml:lang": "fr"}}]},
    }


def test_ask_true_and_false_both_exit_0(store: Path) -> None:
    yes = query(store, "ASK { ?c a medigy:Community }")
    no = query(store, "ASK { ?c a medigy:NoSuchClass }")
    assert (yes.exit_code, yes.stdout) == (0, "true\n")
    assert (no.exit_code, no.stdout) == (0, "false\n")
    assert json.loads(query(store, "ASK {}", "--format", "json").stdout) == {
        "head": {},
        "boolean": True,
    }


def test_describe_gives_turtle(store: Path) -> None:
    result = query(store, "DESCRIBE ?c WHERE { ?c a medigy:Community } LIMIT 1")
    assert result.exit_code == 0
    graph = list(ox.parse(result.stdout.encode(), format=ox.RdfFormat.TURTLE))
    assert any(q.predicate.value == "http://schema.org/name" for q in graph)


def test_graph_results_refuse_csv(store: Path) -> None:
    result = query(store, "CONSTRUCT WHERE { ?s a medigy:Community }", "--format", "csv")
    assert result.exit_code == 2 and "use --format turtle, ntriples or table, not" in result.output


def test_query_from_a_file(store: Path, tmp_path: Path) -> None:
    question = tmp_path / "q.rq"
    question.write_text(
        "SELECT (COUNT(DISTINCT ?c) AS ?n) { ?c medigy:community ?x }\n", encoding="utf-8"
    )
    result = CliRunner().invoke(
        cli, ["query", "--store", str(store), "-f", str(question), "--format", "csv"]
    )
    assert result.exit_code == 0
    assert result.stdout_bytes == f"n\r\n{len(FM)}\r\n".encode()


def test_list_and_prefixes(store: Path) -> None:
    listing = CliRunner().invoke(cli, ["query", "--list"]).stdout  # no --store: it is no query
    for name, saved in saved_queries().items():
        assert name in listing
        for param in saved.params:
            assert f"--param {param.name}=" in listing
    prefixes = CliRunner().invoke(cli, ["query", "--prefixes"]).stdout
    assert "PREFIX schema: <http://schema.org/>" in prefixes
    assert all(f"PREFIX {name}:" in prefixes for name in default_prefixes())
    # every prefix the ontology and the shapes declare, e.g. foaf: (medigy:describes ⊑
    # foaf:primaryTopic) and sh: (validate's Turtle report)
    for name in ("ontology/medigy.ttl", "shapes/medigy-shapes.ttl"):
        for declared in re.findall(r"@prefix (\w+):", (ROOT / name).read_text(encoding="utf-8")):
            if declared != "mgs":
                assert f"PREFIX {declared}:" in prefixes, declared
    asked = query(store, "ASK { ?d foaf:primaryTopic ?c . ?r a sh:ValidationReport }")
    assert asked.exit_code == 0, asked.output


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ["--list", "--format", "csv", "--param", "topic=x", "--store", "/no/such/store"],
            "--format, --param, --store only apply to a query, not with --list",
        ),
        (["--list", "--timeout", "5"], "--timeout only applies to a query, not with --list"),
        (
            ["--list", "--endpoint", "http://127.0.0.1:9/q"],
            "--endpoint only applies to a query, not with --list",
        ),
        (["--list", "--base", "https://example.org/"], "--base only applies to a query or"),
        (
            ["--prefixes", "--format", "json"],
            "--format only applies to a query, not with --prefixes",
        ),
        (
            ["--endpoint", "http://127.0.0.1:9/q", "--store", "/no/such/store", "ASK {}"],
            "--store only applies to the embedded store, not with --endpoint",
        ),
    ],
)
def test_options_that_do_nothing_with_the_others_given_are_refused(
    args: list[str], says: str
) -> None:
    done = CliRunner().invoke(cli, ["query", *args])
    assert done.exit_code == 2, done.output
    assert f"Error: {says}" in done.output


def test_options_the_listings_and_endpoint_use_are_taken(store: Path) -> None:
    """--store has a default: only one the user gives is refused; --base makes the prefixes."""
    prefixes = CliRunner().invoke(cli, ["query", "--prefixes", "--base", "https://example.org/"])
    assert prefixes.exit_code == 0 and "<https://example.org/community/>" in prefixes.stdout
    assert CliRunner().invoke(cli, ["query", "--list", "-q"]).exit_code == 0
    unreachable = CliRunner().invoke(
        cli, ["query", "--endpoint", "http://127.0.0.1:9/q", "--timeout", "2", "ASK {}"]
    )
    assert unreachable.exit_code == 2 and "cannot reach the endpoint" in unreachable.output


def test_quiet_silences_the_warnings_about_an_unfinished_export(
    store: Path, tmp_path: Path
) -> None:
    """-q leaves errors only (README), medigraph's own warnings included."""
    import shutil

    from medigraph.mapping import DEFAULT_BASE
    from medigraph.store import UPDATING, manifest_graph

    never = tmp_path / "never"
    ox.Store(str(never)).flush()  # no export has finished in it
    half = tmp_path / "half"
    shutil.copytree(store, half)
    opened = ox.Store(str(half))
    graph = manifest_graph(DEFAULT_BASE)
    opened.update(
        f'INSERT DATA {{ GRAPH {graph} {{ {graph} {UPDATING} "2026-01-01T00:00:00Z" }} }}'
    )
    opened.flush()
    del opened
    for where, says in [(never, "no export has finished"), (half, "an export that began updating")]:
        ask = ["query", "--store", str(where), "ASK { ?s ?p ?o }"]
        loud = CliRunner().invoke(cli, ask)
        assert loud.exit_code == 0 and f"medigraph: warning: {says}" in loud.stderr
        quiet = CliRunner().invoke(cli, [*ask, "-q"])
        assert quiet.exit_code == 0 and quiet.stderr == "", quiet.stderr


def test_no_store_names_the_command_that_builds_it(tmp_path: Path) -> None:
    result = query(tmp_path / "none", "ASK {}")
    assert result.exit_code == 2
    assert "medigraph export" in result.output and str(tmp_path / "none") in result.output


def test_syntax_error_shows_line_column_and_caret(store: Path) -> None:
    result = query(store, "SELECT ?x WHERE {\n  ?x nope:thing ?y }")
    assert result.exit_code == 2
    assert "line 2, column 6" in result.output and "unknown prefix nope:" in result.output
    lines = result.output.splitlines()
    source = next(i for i, line in enumerate(lines) if "?x nope:thing" in line)
    assert lines[source + 1].index("^") == lines[source].index("nope")


@pytest.mark.parametrize(
    "line",
    [
        "\t\t?x nope:thing ?y }",
        '?x <http://e/p> "医疗医疗" . ?x nope:thing ?y }',
        '\t?x <http://e/p> "😀\t😀" .\t?x nope:thing ?y }',
        '?x <http://e/p> "\x1b[31m" . ?x nope:thing ?y }',
    ],
)
def test_the_caret_is_under_the_error_on_a_terminal_whatever_the_line_holds(
    store: Path, line: str
) -> None:
    """Tabs are expanded in the echoed line (a terminal would take each to its own next
    stop), a CJK character or an emoji takes two columns, a control character is shown as
    its escape: the caret is counted in the same terminal cells as the line above it."""
    result = query(store, "SELECT ?x WHERE {\n" + line)
    assert result.exit_code == 2 and "line 2" in result.stderr
    lines = result.stderr.splitlines()
    source = next(i for i, shown in enumerate(lines) if "nope:thing" in shown)
    echoed, caret = lines[source], lines[source + 1]
    assert "\t" not in echoed and "\x1b" not in echoed
    assert caret.strip() == "^"
    assert cell_len(echoed[: echoed.index("nope")]) == caret.index("^")


@pytest.mark.parametrize("inside", ["\u2028", "\x85", "\x0c", "\r"])
def test_the_line_echoed_under_a_syntax_error_is_the_one_oxigraph_means(inside: str) -> None:
    """Oxigraph counts lines by line feeds only; the line echoed was the one str.splitlines
    found, which also breaks at U+2028, U+0085, a form feed or a lone CR in a literal: the
    error named line 3 and showed another."""
    from medigraph.query import QuerySyntaxError, check_syntax

    text = f'SELECT ?x WHERE {{\n  ?x <http://e/p> """a{inside}b""" .\n  ?x nope:thing ?y }}'
    with pytest.raises(QuerySyntaxError) as caught:
        check_syntax(text, {})
    shown = str(caught.value).splitlines()
    assert shown[0].startswith("syntax error at line 3, column 6")
    assert shown[1] == "    ?x nope:thing ?y }"
    assert shown[2].index("^") == shown[1].index("nope")


def test_a_query_over_the_timeout_is_stopped(store: Path) -> None:
    heavy = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    started = datetime.now()
    result = query(store, heavy, "--timeout", "0.5")
    assert result.exit_code == 2 and "did not finish within 0.5 s" in result.output
    assert (datetime.now() - started).total_seconds() < 5


def test_parameters_are_checked(store: Path) -> None:
    assert "has no parameter 'nope'" in query(store, "content-by-topic", "--param", "nope=1").output
    missing = query(store, "stale-topics")
    assert missing.exit_code == 2 and "needs --param since=" in missing.output
    bad = query(store, "orphan-topics", "--param", "max=many")
    assert bad.exit_code == 2 and "not a valid integer" in bad.output
    assert query(store, "no-such-query").exit_code == 2


def test_a_parameter_is_a_term_never_query_text(store: Path) -> None:
    hostile = 'x" } } ; DROP ALL ; SELECT * { ?s ?p ?o FILTER("'
    result = query(store, "content-by-topic", "--param", f"topic={hostile}", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["results"]["bindings"] == []
    text = insert_values(saved_queries()["content-by-topic"].text, {"topic": ox.Literal(hostile)})
    parsed = ox.Store().query(text, prefixes=default_prefixes())  # still one well-formed query
    assert isinstance(parsed, ox.QuerySolutions)
    del parsed  # pyoxigraph's results must be dropped on the thread that made them


def test_ad_hoc_parameters_bind_strings_and_iris(store: Path) -> None:
    got = rows(
        store,
        "SELECT ?name { ?c a medigy:Community ; schema:name ?name } GROUP BY ?name",
        "--param",
        "c=<https://medigy.com/community/chronic-care-management-ccm>",
    )
    assert got == [{"name": "Chronic Care Management (CCM)"}]
    with pytest.raises(ParameterError, match="does not occur"):
        bind_params(None, "SELECT * {}", {"x": "1"}, {})
    for elsewhere in ('BIND("?x" AS ?y)', "?y <http://e/?x=1> ?z", "# ?x\n"):
        with pytest.raises(ParameterError, match="does not occur"):
            bind_params(None, f"SELECT * {{ {elsewhere} }}", {"x": "1"}, {})


YEAR = (
    "# Content of a year.\n#\n# @param y integer{default}{required} the year, e.g. 2021\n"
    "SELECT ?c WHERE {{ ?c schema:datePublished ?d FILTER(YEAR(?d) = ?y) }}\n"
)


def published_in(year: int) -> set[str]:
    return {str(fm["mdName"]) for fm in FM if published(fm).year == year}


def test_a_query_file_with_a_header_is_bound_by_it_as_a_saved_query_is(
    store: Path, tmp_path: Path
) -> None:
    """Its `# @param since dateTime` made a string of 2021-01-01 with -f, every comparison
    failed and the answer was empty (exit 0); the header is the query's, wherever it is read."""
    saved = rows(store, "recent-content", "--param", "since=2021-01-01")
    recent = ROOT / "queries" / "recent-content.rq"
    assert rows(store, "-f", str(recent), "--param", "since=2021-01-01") == saved
    assert 0 < len(saved) < len(FM)

    def contents(*args: str) -> set[str]:
        return {r["c"].rsplit("/", 1)[1] for r in rows(store, *args)}

    text = YEAR.format(default="", required="")
    assert contents(text, "--param", "y=2021") == published_in(2021) != set()
    assert contents(YEAR.format(default="=2022", required=""), "-p", "y=2021") == published_in(2021)
    assert contents(YEAR.format(default="=2022", required="")) == published_in(2022)
    renamed = text.replace("integer the", "integer as ?year the").replace("?y)", "?year)")
    assert contents(renamed, "-p", "y=2021") == published_in(2021)
    # indented as in a heredoc or a string in code: the @param line is still the header's
    indented = "\n".join("    " + line for line in text.splitlines())
    assert contents(indented, "--param", "y=2021") == published_in(2021)
    # after a blank line, or below the prefixes: still the prologue's, still typed
    for spaced in (
        text.replace("#\n# @param", "\n# @param"),
        "PREFIX ex: <http://example.org/>\n" + text.replace("# Content of a year.\n#\n", ""),
    ):
        assert "\n# @param y" in spaced
        assert contents(spaced, "--param", "y=2021") == published_in(2021), spaced
    # The same refusals as a saved query's, exit 2.
    required = tmp_path / "year.rq"
    required.write_text(YEAR.format(default="", required=" required"), encoding="utf-8")
    missing = query(store, "-f", str(required))
    assert missing.exit_code == 2 and f"{required} needs --param y=… (integer:" in missing.output
    unknown = query(store, text, "-p", "y=2021", "-p", "c=<https://medigy.com/content/x>")
    assert unknown.exit_code == 2 and "has no parameter 'c' (its parameters: y)" in unknown.output
    invalid = query(store, text, "-p", "y=twenty")
    assert invalid.exit_code == 2 and "--param y: 'twenty' is not a valid integer" in invalid.output
    # A header that binds nothing is said to, not read as no header at all.
    typo = query(store, text.replace("?y)", "?year)"), "-p", "y=2021")
    assert typo.exit_code == 2 and "declares parameter y, but ?y does not occur" in typo.output
    unused = query(store, text.replace("?y)", "?year)"))  # given no value: the same typo
    assert unused.exit_code == 2 and "declares parameter y, but ?y does not occur" in unused.output
    malformed = query(store, text.replace("integer", "number"), "-p", "y=2021")
    assert malformed.exit_code == 2 and "malformed parameter line '@param y number" in (
        malformed.output
    )
    # The library reads the header of the text it is given too.
    assert bind_params(None, text, {"y": "2021"}, {}) == {
        "y": ox.Literal("2021", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    }


def test_a_prefixed_name_in_brackets_is_refused_with_the_iri_it_probably_means(
    store: Path,
) -> None:
    """<content:x> was bound as an IRI of scheme "content" and matched nothing (exit 0)."""
    text = "SELECT ?t WHERE { ?c schema:name ?t }"
    mdname = "d12da9f4-80a4-53d7-ad46-1e538af2b729"
    assert rows(store, text, "-p", f"c=<https://medigy.com/content/{mdname}>") != []
    result = query(store, text, "-p", f"c=<content:{mdname}>")
    assert result.exit_code == 2
    assert f"probably mean <https://medigy.com/content/{mdname}>" in result.output
    declared = "PREFIX ex: <http://example.org/ns#>\n" + text  # the query's own prefixes too
    with pytest.raises(ParameterError, match=re.escape("probably mean <http://example.org/ns#a>")):
        bind_params(None, declared, {"c": "<ex:a>"}, default_prefixes())
    typed = "# @param c iri a document\n" + text  # and a typed parameter's value
    with pytest.raises(
        ParameterError, match=re.escape("probably mean <https://medigy.com/content/a>")
    ):
        bind_params(None, typed, {"c": "<content:a>"}, default_prefixes())
    # An IRI of a scheme IRIs have is one, whatever prefixes there are.
    for iri in ("urn:x", "tag:medigy.com,2024:x", "mailto:a@b.org"):
        prefixes = {iri.split(":")[0]: "http://example.org/"}
        assert bind_params(None, text, {"c": f"<{iri}>"}, prefixes) == {"c": ox.NamedNode(iri)}


def test_an_undeclared_parameter_written_in_double_quotes_is_text(store: Path) -> None:
    """A text written <…> could not be looked up: <Untitled> was refused as an IRI, and
    <https://example.org/> silently became one."""
    text = (
        'SELECT ?t WHERE { VALUES ?t { "<Untitled>" "<https://example.org/>" "a\\"b\\\\c" }'
        " FILTER(?t = ?v) }"
    )
    for value, meant in [
        ('"<Untitled>"', "<Untitled>"),
        ('"<https://example.org/>"', "<https://example.org/>"),
        ('"a\\"b\\\\c"', 'a"b\\c'),
    ]:
        assert rows(store, text, "--param", f"v={value}") == [{"t": meant}], value
    assert rows(store, text, "--param", "v=<https://example.org/>") == []  # an IRI: no text
    unquoted = query(store, text, "--param", "v=<Untitled>")
    assert unquoted.exit_code == 2
    assert 'not a valid iri; for text, write it in double quotes: "<Untitled>"' in unquoted.output
    for broken in ('"a" "b"', '"a\\"', '"\\ud800"'):
        result = query(store, text, "--param", f"v={broken}")
        assert result.exit_code == 2 and "is not a valid quoted string" in result.output, broken


def test_a_value_that_reads_as_a_prefixed_name_is_bound_as_text_with_a_hint(store: Path) -> None:
    """`--param c=schema:Person` is the text "schema:Person" (the rule for undeclared values),
    which matches no class: a warning gives the IRI it reads as. Other text gets none."""
    text = "SELECT ?x WHERE { ?x a ?c }"
    hinted = CliRunner().invoke(
        cli, ["query", "--store", str(store), text, "--param", "c=schema:Person"]
    )
    assert hinted.exit_code == 0, hinted.output
    assert (
        'medigraph: warning: --param c=schema:Person is bound as the text "schema:Person";'
        " for the IRI write --param 'c=<http://schema.org/Person>'" in hinted.stderr
    )
    for value in ("KLAS: Telehealth", "nothere:x", "<http://schema.org/Person>", '"schema:x"'):
        quiet = CliRunner().invoke(
            cli, ["query", "--store", str(store), text, "--param", f"c={value}"]
        )
        assert quiet.exit_code == 0 and "warning: --param" not in quiet.stderr, value
    # a query's own PREFIX counts; -q silences the hint
    own = "PREFIX ex: <http://example.org/> SELECT ?x WHERE { ?x a ?c }"
    told = CliRunner().invoke(cli, ["query", "--store", str(store), own, "--param", "c=ex:T"])
    assert "--param 'c=<http://example.org/T>'" in told.stderr
    assert "warning" not in query(store, own, "--param", "c=ex:T").stderr


def test_a_value_that_reads_as_a_date_or_a_number_is_bound_as_text_with_a_hint(
    store: Path,
) -> None:
    """`FILTER(?d > ?since)` with `--param since=2021-01-01` answered no row without a word:
    an undeclared value is text, and a date and time compares with no text. The warning says
    so and gives the header line that types it, which then answers the rows."""
    text = "SELECT ?c WHERE { ?c schema:datePublished ?d FILTER(?d > ?since) }"
    args = ["query", "--store", str(store), "--format", "csv", text]
    told = CliRunner().invoke(cli, [*args, "--param", "since=2021-01-01"])
    assert told.exit_code == 0 and told.stdout.split() == ["c"]  # no row, as the rule says
    assert (
        'medigraph: warning: --param since=2021-01-01 is bound as the text "2021-01-01", which'
        " compares with no date (such a comparison is an error, and leaves the row out); to bind"
        " it typed, declare it at the top of the query: # @param since dateTime" in told.stderr
    )
    typed = CliRunner().invoke(
        cli, [*args[:-1], "# @param since dateTime\n" + text, "--param", "since=2021-01-01"]
    )
    assert typed.exit_code == 0 and len(typed.stdout.split()) > 1
    assert "warning" not in typed.stderr
    for value, kind in (
        ("2021-01-01T10:00:00Z", "dateTime"),
        ("42", "integer"),
        ("1.5", "decimal"),
    ):
        hinted = CliRunner().invoke(cli, [*args, "--param", f"since={value}"])
        assert f"declare it at the top of the query: # @param since {kind}" in hinted.stderr
    for value in ('"2021-01-01"', "KLAS: Telehealth", "2021", "v1.5"):
        plain = CliRunner().invoke(cli, [*args, "--param", f"since={value}"])
        assert ("warning: --param" in plain.stderr) == (value == "2021"), value
    assert "warning" not in query(store, text, "--param", "since=2021-01-01").stderr  # -q


def test_parameter_types() -> None:
    assert make_term("2022-01-01", "dateTime") == ox.Literal(
        "2022-01-01T00:00:00Z", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")
    )
    # a day with its timezone, as a document's date may be written: midnight there
    assert make_term("2023-05-02+09:30", "dateTime") == ox.Literal(
        "2023-05-02T00:00:00+09:30",
        datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime"),
    )
    assert make_term("2023-05-02Z", "dateTime").value == "2023-05-02T00:00:00Z"
    for refused in ("2023-02-30Z", "2023-05-02+15:00"):
        with pytest.raises(ParameterError):
            make_term(refused, "dateTime")
    assert make_term("schema:name", "iri", default_prefixes()) == ox.NamedNode(
        "http://schema.org/name"
    )
    with pytest.raises(ParameterError):
        make_term("yesterday", "date")


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("2022-01-01T00:00:00+20:00", "dateTime"),  # Python reads it; no store compares it
        ("2022-01-01T00:00:00+05:30:15", "dateTime"),
        ("2022-W01", "dateTime"),
        ("20220101", "dateTime"),
        ("2022-02-30", "dateTime"),
        ("9223372036854775808", "integer"),  # beyond the store's 64-bit integers
        ("1_0", "integer"),
        (" 2 ", "integer"),
        ("٣", "integer"),
        ("1e3", "decimal"),
        ("2022-1-1", "date"),
        # more digits of a second's fraction, or of a decimal, than the stores hold
        ("2023-05-02T08:00:00.1234567890123456789Z", "dateTime"),
        ("1.1234567890123456789", "decimal"),
        ("170141183460469231732", "decimal"),
        ("-170141183460469231731.687303715884105729", "decimal"),
    ],
)
def test_a_value_no_store_would_compare_is_refused(value: str, kind: str) -> None:
    """Else the query answers nothing (or everything) without a word: every comparison with
    an invalid literal is an error in SPARQL."""
    with pytest.raises(ParameterError, match=f"not a valid {kind} "):
        make_term(value, kind)


@pytest.mark.parametrize(
    ("value", "kind", "lexical"),
    [
        ("2022-01-01T10:00:00.5-14:00", "dateTime", "2022-01-01T10:00:00.5-14:00"),
        ("2022-01-01T10:00:00", "dateTime", "2022-01-01T10:00:00Z"),
        # every digit kept: Python's datetime would cut it to 00:00:00, a moment earlier
        ("2024-01-01T00:00:00.0000001Z", "dateTime", "2024-01-01T00:00:00.0000001Z"),
        ("2024-01-01", "dateTime", "2024-01-01T00:00:00Z"),
        ("9223372036854775807", "integer", "9223372036854775807"),
        ("-007", "integer", "-7"),
        (".5", "decimal", "0.5"),
        # written out: Python's str() gives 1E-7, which no store reads as a decimal
        ("0.0000001", "decimal", "0.0000001"),
        ("1.5000000000000000000", "decimal", "1.5000000000000000000"),  # trailing zeros: 1.5
        ("-170141183460469231731.687303715884105728", "decimal", None),
        ("2023-05-02T08:00:00.1234567890123456780000Z", "dateTime", None),
    ],
)
def test_values_at_the_edges_are_taken(value: str, kind: str, lexical: str | None) -> None:
    term = make_term(value, kind)
    assert isinstance(term, ox.Literal) and term.value == (lexical or value)
    # and a store compares it (an invalid literal compares with nothing)
    zero = '"2000-01-01T00:00:00Z"^^xsd:dateTime' if kind == "dateTime" else "0"
    ask = f"PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> ASK {{ FILTER({sparql.term(term)} != {zero}) }}"
    assert ox.Store().query(ask), value


def test_a_decimal_parameter_is_compared(store: Path) -> None:
    """0.0000001 was bound as "1E-7"^^xsd:decimal, no decimal for a store: every comparison
    with it matched nothing, without a word."""
    text = "# @param x decimal a number\nSELECT ?x (?x > 0 AS ?positive) {}"
    result = query(store, text, "--format", "csv", "--param", "x=0.0000001")
    assert result.exit_code == 0 and result.stdout.splitlines()[1] == "0.0000001,true"
    answer = run_embedded(text, store=store, params={"x": Decimal("1E-7")})
    assert [str(term) for term in answer.rows[0]] == [
        '"0.0000001"^^<http://www.w3.org/2001/XMLSchema#decimal>',
        '"true"^^<http://www.w3.org/2001/XMLSchema#boolean>',
    ]
    refused = query(
        store, "stale-topics", "--param", "since=2022-01-01T00:00:00.1234567890123456789Z"
    )
    assert refused.exit_code == 2 and "a second's fraction at most 18 digits" in refused.output


@pytest.mark.parametrize("value", ["", "   ", "\u200b"])
def test_an_empty_name_is_refused(store: Path, value: str) -> None:
    """``--param topic=$TOPIC`` with the variable empty answered no row, without a word: the
    export writes no empty name, so it could match nothing."""
    result = query(store, "content-by-topic", "--param", f"topic={value}")
    assert result.exit_code == 2
    assert "--param topic: " in result.output and "is empty: no name is" in result.output


def test_a_parameter_given_twice_is_refused(store: Path) -> None:
    result = query(
        store, "content-by-topic", "--param", "topic=KLAS: Telehealth", "--param", "topic=KLAS: HIE"
    )
    assert result.exit_code == 2 and "topic is given twice" in result.output


def test_library_api_runs_on_the_store(store: Path) -> None:
    answer = run_embedded("SELECT DISTINCT ?s { ?s a skos:ConceptScheme } ORDER BY ?s", store=store)
    assert [t.value.rsplit("/", 1)[1] for row in answer.rows for t in row if t is not None] == [
        "klas",
        "medigy",
        "symplur",
    ]


# --------------------------------------------------------------------------- streamed answers

MIXED = """SELECT ?s ?name ?label ?n ?b ?none WHERE {
  ?s schema:name ?name .
  BIND(STRLANG(CONCAT("a\\tb\\r\\n", ?name), "en") AS ?label)
  BIND(STRLEN(?name) AS ?n)
  BIND(BNODE(STR(?s)) AS ?b)
} ORDER BY ?s ?name LIMIT 40"""
"""IRIs, plain, language-tagged and numeric literals with tabs and line breaks, blank nodes
and a variable never bound: every kind of cell each format writes."""


def _reference_json(answer: Answer) -> str:
    """SPARQL results JSON as one json.dumps of the whole document (what the streamed writer
    must reproduce byte for byte)."""
    bindings = [
        {n: json_term(t) for n, t in zip(answer.variables, row, strict=True) if t is not None}
        for row in answer.rows
    ]
    document = {"head": {"vars": answer.variables}, "results": {"bindings": bindings}}
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"


@pytest.mark.parametrize(
    "text",
    [MIXED, "SELECT ?s { ?s schema:nope ?o }", "SELECT * {}", "SELECT ?x { VALUES ?x { 1 } }"],
    ids=["mixed", "no-rows", "no-variables", "one"],
)
def test_streamed_json_is_the_whole_document_dumped_at_once(store: Path, text: str) -> None:
    answer = run_embedded(text, store=store)
    assert render(answer, "json", default_prefixes()) == _reference_json(answer)
    streamed = io.StringIO()
    stream_embedded(text, streamed, "json", store=store)
    assert streamed.getvalue() == _reference_json(answer)
    if answer.rows:
        assert json.loads(streamed.getvalue())["results"]["bindings"]


@pytest.mark.parametrize("fmt", ["table", "csv", "tsv", "json"])
def test_streaming_and_spooling_change_no_byte(
    store: Path, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same bytes from a materialised answer, from rows written as the engine hands them
    over, and through the command line with its spools moved to temporary files."""
    held = render(run_embedded(MIXED, store=store), fmt, default_prefixes())
    assert held.count("\n") >= 40
    streamed = io.StringIO(newline="")
    assert stream_embedded(MIXED, streamed, fmt, store=store) == "40 rows"
    assert streamed.getvalue() == held
    monkeypatch.setattr("medigraph.query.TABLE_SPOOL", 10)
    monkeypatch.setattr("medigraph.cli.query.SPOOL_IN_MEMORY", 10)
    spooled = query(store, MIXED, "--format", fmt)
    assert spooled.exit_code == 0, spooled.output
    assert spooled.stdout_bytes == held.encode()


def test_a_timeout_while_rows_are_written_shows_none_of_them(store: Path) -> None:
    """Rows are written as they come, yet a timeout leaves stdout empty: the answer waits in
    a spool until it is complete."""
    endless = "SELECT ?a ?b ?c { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"  # billions of rows
    for fmt in ("csv", "table"):
        result = CliRunner().invoke(
            cli, ["query", "--store", str(store), endless, "--format", fmt, "--timeout", "1"]
        )
        assert result.exit_code == 2
        assert "did not finish within 1 s" in result.stderr
        assert result.stdout == ""


def test_the_format_is_checked_before_the_query_runs(store: Path) -> None:
    """Run first, this query would end in a timeout (another message) after --timeout."""
    endless = "CONSTRUCT { ?a ?p ?b } WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"
    result = query(store, endless, "--format", "csv", "--timeout", "3")
    assert result.exit_code == 2 and "use --format turtle, ntriples or table, not" in result.output
    assert "did not finish" not in result.output


def test_a_query_abandoned_on_timeout_stops_at_its_next_row(store: Path) -> None:
    """The worker thread of a timed-out query does not go on reading and writing rows for
    nobody (into memory or a temporary file) until the process ends."""
    endless = "SELECT ?a ?b ?c { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"

    def workers() -> set[threading.Thread]:
        return {t for t in threading.enumerate() if t.name == "medigraph-query" and t.is_alive()}

    for run in (
        lambda: stream_embedded(endless, io.StringIO(), "table", store=store, timeout=0.5),
        lambda: run_embedded(endless, store=store, timeout=0.5),
    ):
        before = workers()
        with pytest.raises(QueryTimeout):
            run()
        # the worker may already have stopped at its next row (a quick machine): nothing left
        for abandoned in workers() - before:
            abandoned.join(10)
        assert workers() - before == set()


def test_a_table_shows_control_characters_as_escapes_and_csv_keeps_them(store: Path) -> None:
    question = 'SELECT ?t WHERE { VALUES ?t { "a\\u001b]0;owned\\u0007b\\u0000c" } }'
    shown = query(store, question)
    assert shown.exit_code == 0, shown.output
    assert "\x1b" not in shown.stdout and "\x07" not in shown.stdout
    assert "a\\x1b]0;owned\\x07b\\x00c" in shown.stdout
    kept = query(store, question, "--format", "csv")
    assert "a\x1b]0;owned\x07b\x00c" in kept.stdout


def test_endpoint_credentials_come_from_the_environment_and_are_never_shown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import base64
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    secret = "S3cret PW"
    seen: list[str | None] = []

    class Guarded(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            auth = self.headers.get("Authorization")
            seen.append(auth)
            ok = auth == "Basic " + base64.b64encode(f"etl:{secret}".encode()).decode()
            body = b'{"head": {}, "boolean": true}' if ok else f"denied {auth}".encode()
            self.send_response(200 if ok else 401)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Guarded)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/query"
    runner = CliRunner()
    try:
        monkeypatch.setenv("MEDIGRAPH_USER", "etl")
        monkeypatch.setenv("MEDIGRAPH_PASSWORD", secret)
        good = runner.invoke(cli, ["query", "--endpoint", url, "ASK {}", "--format", "json"])
        assert good.exit_code == 0 and json.loads(good.stdout)["boolean"] is True, good.output
        monkeypatch.setenv("MEDIGRAPH_PASSWORD", secret + "x")
        refused = runner.invoke(cli, ["query", "--endpoint", url, "ASK {}"])
        assert refused.exit_code == 2 and "HTTP 401" in refused.output
        assert secret not in refused.output  # the server's echo is redacted
        monkeypatch.delenv("MEDIGRAPH_PASSWORD")
        in_url = url.replace("http://", f"http://etl:{secret.replace(' ', '%20')}@")
        given = runner.invoke(cli, ["query", "--endpoint", in_url, "ASK {}"])
        assert given.exit_code == 2 and "MEDIGRAPH_PASSWORD" in given.output
        assert "S3cret" not in given.output
    finally:
        server.shutdown()
        server.server_close()
    assert len(seen) == 2  # the URL with a password was never sent


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--endpoint", "http://example.invalid:abc/query"], "port"),
        (["--base", "nope"], "--base"),
    ],
)
def test_bad_endpoint_or_base_is_a_usage_error(args: list[str], words: str) -> None:
    result = CliRunner().invoke(cli, ["query", *args, "ASK {}"])
    assert result.exit_code == 2 and words in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_construct_is_turtle_by_default_and_a_table_when_asked(store: Path) -> None:
    construct = "CONSTRUCT { ?c a medigy:Community } WHERE { ?c a medigy:Community }"
    default = query(store, construct)
    assert default.exit_code == 0 and "@prefix" in default.stdout
    shown = query(store, construct, "--format", "table")
    lines = shown.stdout.splitlines()
    assert shown.exit_code == 0 and lines[0].split() == ["subject", "predicate", "object"]
    communities = {fm["identifier"] for fm in FM}
    assert len(lines) == 2 + len(communities)
    assert all(line.split()[1:] == ["rdf:type", "medigy:Community"] for line in lines[2:])


def test_recent_content_lists_only_documents_with_a_real_moment(
    mixed: Path, mixed_dates_corpus: Path
) -> None:
    """A date that is not a moment (2099-02-30, "March 2, 2099") is never recent, with or
    without ``since``; it was listed first, its year being the latest."""
    fms = mixed_front_matters(mixed_dates_corpus)
    dated = sorted(
        ((moment(fm), str(fm["mdName"])) for fm in fms if moment(fm) is not None),
        key=lambda pair: (newest_first(pair[0]), pair[1]),
    )
    got = rows(mixed, "recent-content")
    assert [r["content"].rsplit("/", 1)[1] for r in got] == [name for _, name in dated][:50]


def test_the_command_line_says_what_went_wrong(store: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    bom = tmp_path / "q.rq"
    bom.write_bytes(b"\xef\xbb\xbfASK { ?s ?p ?o }\n")  # saved by a Windows editor
    done = runner.invoke(cli, ["query", "--store", str(store), "-f", str(bom)])
    assert done.exit_code == 0 and "true" in done.output, done.output
    update = runner.invoke(cli, ["query", "--store", str(store), "INSERT DATA { <a:b> <a:c> 1 }"])
    assert update.exit_code == 2 and "this is a SPARQL update" in update.output
    typo = runner.invoke(cli, ["query", "--store", str(store), "SELECT ?x WHERE { ?x ?y }"])
    assert typo.exit_code == 2 and "syntax error at line 1" in typo.output
    nothing = runner.invoke(cli, ["query", "--store", str(store)])
    assert nothing.exit_code == 2 and "not both" not in nothing.output
    one = runner.invoke(
        cli, ["query", "--store", str(store), "SELECT ?c WHERE { ?c a medigy:Community } LIMIT 1"]
    )
    assert one.exit_code == 0 and "medigraph: 1 row in" in one.output


HEAVY_ASK = "ASK { VALUES ?a { %s } VALUES ?b { %s } FILTER(?a + ?b < 0) }" % (
    (" ".join(str(i) for i in range(3000)),) * 2
)
"""Nine million rows to filter, whatever the data: many seconds if it is evaluated."""


def test_the_syntax_check_parses_and_never_evaluates() -> None:
    """check_syntax tells the form without running the query: no time outside --timeout, and
    a SERVICE clause is not fetched from this machine before the query goes anywhere."""
    import socket
    import time

    from medigraph.query import check_syntax

    names = default_prefixes()
    started = time.perf_counter()
    assert check_syntax(HEAVY_ASK, names) == "boolean"
    assert time.perf_counter() - started < 1
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(0.3)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
        for text in (
            f"ASK {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
            f"SELECT * {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        ):
            check_syntax(text, names)
        with pytest.raises(TimeoutError):
            listener.accept()  # nothing was fetched
    forms = {
        "SELECT * { ?s ?p ?o }": "bindings",
        "PREFIX ask: <http://e.org/> PREFIX a.select: <http://e.org/a>\n# CONSTRUCT\nDESCRIBE ask:x": "graph",
        'BASE <http://e.org/ASK> CONSTRUCT { ?s ?p "SELECT" } WHERE { ?s ?p ?o }': "graph",
        "ask { ?select ?p ?o }": "boolean",
        "select (count(*) as ?ask) { ?s ?p ?o }": "bindings",
    }
    for text, kind in forms.items():
        assert check_syntax(text, names) == kind, text


def test_the_form_is_told_by_sparqls_name_characters() -> None:
    """A prefix name holding a character that SPARQL allows in names and Python's \\w does
    not (U+00B7, U+203F, combining marks) is a name, not the query form or an update verb."""
    from medigraph.query import check_syntax, looks_like_update

    names = default_prefixes()
    forms = {
        "PREFIX construct·x: <http://x/> SELECT ?s { ?s a ?t } LIMIT 1": "bindings",
        "PREFIX construct\u203fx: <http://x/> SELECT ?s { ?s a ?t } LIMIT 1": "bindings",
        "PREFIX ask\u0301: <http://x/> SELECT ?s { ?s a ?t } LIMIT 1": "bindings",
        "PREFIX select·x: <http://x/> CONSTRUCT { ?s a ?t } WHERE { ?s a ?t }": "graph",
    }
    for text, kind in forms.items():
        assert check_syntax(text, names) == kind, text
    assert looks_like_update("PREFIX a·b: <http://x/> INSERT DATA { <http://x/a> <http://x/b> 1 }")


def test_a_query_with_a_middle_dot_prefix_runs_in_its_format(store: Path) -> None:
    done = query(store, "--format", "csv", "PREFIX construct·x: <http://x/> ASK { ?s a ?t }")
    assert done.exit_code == 0 and done.stdout == "true\n", done.output
    update = query(store, "PREFIX a·b: <http://x/> INSERT DATA { <http://x/a> <http://x/b> 1 }")
    assert update.exit_code == 2 and "this is a SPARQL update" in update.output


def test_a_variable_or_name_called_select_starts_no_sub_select(store: Path) -> None:
    """?select, $select, ex:select are not the keyword: the VALUES block stays in the query's
    own WHERE group, not in a later group (an OPTIONAL that never matches)."""
    for name in ("?select", "$select", "ex:select"):
        nm = "?nm" if name == "ex:select" else name
        text = (
            "PREFIX ex: <http://e.org/> SELECT ?c WHERE { ?c schema:name "
            f"{nm} . {'?c ' + name + ' ?z . ' if name == 'ex:select' else ''}"
            "OPTIONAL { ?c <http://example.org/none> ?d } "
            f"FILTER({nm} = ?want) }}"
        )
        if name == "ex:select":  # a pattern with ex:select would match nothing: drop it
            text = text.replace("?c ex:select ?z . ", "BIND(ex:select AS ?z) ")
        placed = insert_values(text, {"want": ox.Literal("x")})
        assert placed.index("VALUES ?want") < placed.index("OPTIONAL"), placed
        found = rows(store, text, "--param", "want=Value-Based Care (VBC)")
        assert len(found) == 1, (name, found)


def test_a_parameter_in_a_grouped_projection_is_not_a_syntax_error(store: Path) -> None:
    """Unbound, ?want may not be projected by a grouped select; bound (written in) it is the
    value, as when the value is written in by hand. A real syntax error stays where it was."""
    text = "SELECT ?c (?want AS ?w) WHERE { ?x medigy:community ?c } GROUP BY ?c LIMIT 1"
    done = query(store, "--format", "csv", text, "-p", "want=hello")
    assert done.exit_code == 0, done.output
    assert done.stdout.splitlines()[0] == "c,w" and done.stdout.splitlines()[1].endswith(",hello")
    broken = query(store, text.replace("LIMIT 1", "LIMIT"), "-p", "want=hello")
    assert broken.exit_code == 2 and "syntax error at line 1, column 75" in broken.output


def test_a_comparison_without_spaces_does_not_hide_a_parameter(store: Path) -> None:
    """``?nm<?want&&?nm>"A"``: ``<?want…>`` is a less-than, not an IRI (as the grammar reads
    it after an operand); where the reading is unsure, the parameter is not left unbound."""
    spaced = 'SELECT ?nm WHERE { ?c a medigy:Community ; schema:name ?nm FILTER(?nm < ?want && ?nm > "A") }'
    tight = spaced.replace(" < ", "<").replace(" && ", "&&").replace(" > ", ">")
    assert "?nm<?want&&?nm>" in tight
    expected = rows(store, spaced, "--param", "want=Patient")
    assert expected and rows(store, tight, "--param", "want=Patient") == expected
    unsure = "SELECT ?c WHERE { ?c medigy:community ?x FILTER(?c<1&&?want>2) }"
    done = query(store, unsure, "--param", "want=2")
    assert done.exit_code == 2
    assert "?want occurs only inside <1&&?want>, which is read as an IRI" in done.output
    with pytest.raises(ParameterError, match="put spaces around them"):
        insert_values(unsure, {"want": ox.Literal(2)})


def test_an_empty_query_is_not_called_an_update(store: Path) -> None:
    for text in ("", "   ", "# TODO\n# later"):
        done = query(store, text)
        assert done.exit_code == 2 and "the query is empty" in done.output, (text, done.output)
        assert "update" not in done.output


DEEP = "ASK { FILTER(" + "(" * 5000 + "true" + ")" * 5000 + ") }"
"""Deep enough to overflow Oxigraph's parser on an 8 MiB stack (a segfault, exit 139)."""


def test_a_deeply_nested_query_is_refused_before_the_parser_overflows(tmp_path: Path) -> None:
    """pyoxigraph's parser recursed past the native stack and ended the process with a
    segfault: in the embedded run, in --endpoint's own syntax check and with parameters.
    Run as processes, so the old code fails the test instead of ending pytest."""
    import subprocess

    from tests._robust import medigraph_command

    braces = "SELECT * WHERE " + "{ " * 3000 + "?s ?p ?o" + " }" * 3000
    declared = "# @param c iri the community\nSELECT ?c WHERE { ?c ?p ?o " + DEEP[4:]
    runs = {
        "embedded": ["--store", str(tmp_path / "none"), DEEP],
        "braces": ["--store", str(tmp_path / "none"), braces],
        "--endpoint": ["--endpoint", "http://127.0.0.1:9/query", DEEP],
        "with a parameter": ["--store", str(tmp_path / "none"), declared, "-p", "c=<http://e/c>"],
    }
    for what, args in runs.items():
        done = subprocess.run(
            [*medigraph_command(), "query", "-q", *args], capture_output=True, text=True
        )
        assert done.returncode == 2, (what, done.returncode, done.stderr[-300:])
        assert re.search(r"nested too deeply \((3000|500\d) levels; at most 128\)", done.stderr)


def test_nesting_is_counted_outside_strings_iris_and_comments() -> None:
    from medigraph.query import QuerySyntaxError, check_syntax
    from medigraph.sparql import MAX_NESTING

    names = default_prefixes()
    at_most = "ASK { FILTER(" + "(" * (MAX_NESTING - 2) + "true" + ")" * (MAX_NESTING - 2) + ") }"
    assert check_syntax(at_most, names) == "boolean"
    for deep in (
        at_most.replace("((", "(((", 1).replace("))", ")))", 1),  # one level more
        "ASK { FILTER(" + "!" * 200 + "true) }",  # unary operators nest as deep
        "ASK { FILTER(" + "- " * 200 + "1 = 1) }",
        "SELECT * { " + "<< ?s ?p " * 200 + "?o" + " >>" * 200 + " ?q ?z }",
        "SELECT * { ?s ?p " + "[ ?q " * 200 + "1" + " ]" * 200 + " }",
    ):
        with pytest.raises(QuerySyntaxError, match="nested too deeply"):
            check_syntax(deep, names)
    literal = '"' + "(" * 5000 + '"'
    quiet = f"SELECT * {{ ?s ?p {literal} . ?s ?p <http://e/{'(' * 5000}> }} # {'{' * 5000}"
    assert check_syntax(quiet, names) == "bindings"


def test_a_comment_ends_at_a_carriage_return() -> None:
    """Oxigraph ends a comment at CR as at LF: read to the next LF, the comment hid the
    rest of a query with CR line ends from the nesting limit (``medigraph query`` ended with
    a segfault) and its form from :func:`query_kind`."""
    from medigraph.query import QuerySyntaxError, check_nesting, query_kind

    with pytest.raises(QuerySyntaxError, match=r"nested too deeply \(3001 levels"):
        check_nesting("SELECT * WHERE { # deep\r" + "{" * 3000 + "}" * 3001)
    assert query_kind("# a graph\rCONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }") == "graph"


def test_the_nesting_limit_parses_on_a_small_stack() -> None:
    """MAX_NESTING levels of the costliest constructs (~9 KiB of stack each) parse in a thread
    with a 2 MiB stack: the limit keeps well away from the crash, not just under it on 8 MiB.
    In a process of its own: a crash would otherwise end pytest."""
    import subprocess
    import sys

    from medigraph.sparql import MAX_NESTING

    script = f"""
import threading, pyoxigraph as ox
n = {MAX_NESTING}
queries = [
    "ASK {{ FILTER(" + "COALESCE(" * (n - 2) + "1" + ")" * (n - 2) + ") }}",
    "ASK {{ FILTER(" + "STR(" * (n - 2) + "1" + ")" * (n - 2) + ") }}",
    "ASK " + "{{ " * n + "}}" * n,
    "ASK {{ " + "FILTER NOT EXISTS {{ " * (n - 1) + "}}" * n,
    "SELECT * {{ ?s ?p " + "[ ?q " * (n - 1) + "1" + " ]" * (n - 1) + " }}",
]
def parse():
    for q in queries:
        ox.Store().query(q)
threading.stack_size(2 << 20)
thread = threading.Thread(target=parse)
thread.start()
thread.join()
print("parsed")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert (done.returncode, done.stdout.strip()) == (0, "parsed"), done.stderr[-500:]


def chains(n: int) -> dict[str, str]:
    """Flat chains of ``n`` links in one group, of each kind Oxigraph's engine recurses on."""
    return {
        "UNION": "SELECT * { " + " UNION ".join(["{ ?s ?p ?o }"] * n) + " }",
        "OPTIONAL": "SELECT * { ?s ?p ?o " + "OPTIONAL { ?s ?p ?o } " * n + "}",
        "MINUS": "SELECT * { ?s ?p ?o " + "MINUS { ?s ?p ?o } " * n + "}",
        "FILTER": "SELECT * { ?s ?p ?o " + "FILTER(?o) " * n + "}",
        "BIND": "SELECT * { ?s ?p ?o " + "".join(f"BIND(1 AS ?b{i}) " for i in range(n)) + "}",
        "triple patterns": "SELECT * { " + " . ".join(["?s ?p ?o"] * n) + " }",
        "+": "ASK { FILTER(" + " + ".join(["1"] * n) + " = 1) }",
    }


def _query_in_a_process(store: Path, tmp_path: Path, text: str) -> subprocess.CompletedProcess[str]:
    """``medigraph query -f`` of ``text`` as a process of its own: a query that crashes the
    engine then fails the test instead of ending pytest."""
    from tests._robust import medigraph_command

    file = tmp_path / "query.rq"
    file.write_text(text, encoding="utf-8")
    return subprocess.run(
        [*medigraph_command(), "query", "-q", "--store", str(store), "-f", str(file)],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_long_chain_is_refused_before_the_engine_overflows(store: Path, tmp_path: Path) -> None:
    """20,000 UNION, OPTIONAL, MINUS, FILTER or triple patterns in one group parse, but
    Oxigraph's engine overflowed the stack running them: `medigraph query` ended with a
    segfault (exit 139, no message). As processes, so the old code fails the test instead of
    ending pytest."""
    for what, text in chains(20_000).items():
        done = _query_in_a_process(store, tmp_path, text)
        assert done.returncode == 2, (what, done.returncode, done.stderr[-300:])
        assert re.search(
            r"too long to run: 200\d\d patterns and operators .*at most 500\)", done.stderr
        )


def test_depth_hidden_by_a_less_than_the_scan_takes_for_an_iri_is_no_crash(
    store: Path, tmp_path: Path
) -> None:
    """``FILTER(!(?x<'a>'))`` reads, for the scan that blanks strings, as the IRI ``<'a>``
    and then a string to the last ``'`` of the query: 3 000 braces after it were hidden from
    the nesting limit and parsed in this process, and Oxigraph's parser overflowed the stack
    (`medigraph query` ended with a segfault, exit 139). Counted everywhere, they send the
    parse to a process of its own, whose crash is an error (exit 2)."""
    from medigraph.query import _may_hide_depth, saved_queries

    text = "SELECT * WHERE { ?s ?p ?x FILTER(!(?x<'a>')) " + "{" * 3000 + "}" * 3000 + "} #'"
    done = _query_in_a_process(store, tmp_path, text)
    assert done.returncode == 2, (done.returncode, done.stderr[-300:])
    assert "parsing the query failed" in done.stderr
    # The saved queries are parsed here, not in a process of their own (≈ 40 ms each).
    shipped = [
        text for query in saved_queries().values() for text in (query.text, query.endpoint_text)
    ]
    assert shipped and not any(_may_hide_depth(text) for text in shipped)
    assert _may_hide_depth("SELECT * { " + "- " * 70 + "1 }")


def test_the_chain_limit_is_counted_outside_strings_iris_comments_and_values() -> None:
    from medigraph.query import QuerySyntaxError, _blank, check_chained
    from medigraph.sparql import MAX_CHAINED, chained

    assert chained(_blank("SELECT * { ?s ?p ?a, ?b ; ?q ?c . ?s ?p [ ?x ?y, ?z ] }")) == 6
    numbers = " ".join(f"-{i}.5" for i in range(5000))
    quiet = (
        f'SELECT * {{ ?s ?p "{"." * 5000}" . ?s ?p <http://e/{"-" * 5000}> '
        f"FILTER(?o IN ({', '.join(['1'] * 5000)}) || CONCAT({', '.join(['?o'] * 5000)}))"
        f" VALUES ?o {{ {numbers} }} }} # {'UNION ' * 5000}"
    )
    assert chained(_blank(quiet)) == 6  # * { . FILTER || and the VALUES block's {
    check_chained(quiet)
    at_most = chains(MAX_CHAINED - 2)["MINUS"]  # SELECT * and the outer group: two more
    assert chained(_blank(at_most)) == MAX_CHAINED
    check_chained(at_most)
    with pytest.raises(QuerySyntaxError, match="too long to run: 501 patterns and operators"):
        check_chained(at_most.replace("MINUS", "MINUS { } MINUS", 1))


def test_the_chain_limit_runs_on_a_small_stack() -> None:
    """MAX_CHAINED links of the costliest chains (MINUS and BIND: ~3 KiB each) run in a
    thread with a 2 MiB stack: the limit keeps well away from the crash, not just under it on
    8 MiB. In a process of its own: a crash would otherwise end pytest."""
    import subprocess
    import sys

    from medigraph.query import _blank
    from medigraph.sparql import MAX_CHAINED, chained

    links = MAX_CHAINED - 2
    queries = [chains(links)[kind] for kind in ("UNION", "MINUS", "FILTER", "BIND")]
    queries.append(chains(MAX_CHAINED)["+"])  # ASK: no `*`; its group and FILTER not chained
    assert [chained(_blank(q)) for q in queries] == [MAX_CHAINED] * 4 + [MAX_CHAINED + 1]
    script = """
import json, sys, threading, pyoxigraph as ox
def run():
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.Literal("o")))
    for q in json.load(sys.stdin):
        result = store.query(q)
        if not isinstance(result, ox.QueryBoolean):
            list(result)
threading.stack_size(2 << 20)
thread = threading.Thread(target=run)
thread.start()
thread.join()
print("ran")
"""
    done = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(queries),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert (done.returncode, done.stdout.strip()) == (0, "ran"), done.stderr[-500:]


SLOW_TO_PARSE = "ASK { FILTER(" + "SUBSTR(" * 28 + "?x" + ", 1)" * 28 + ") }"
"""200 bytes that Oxigraph's parser takes hours over: each nested SUBSTR( doubles its time
(0.8 s at 18 levels, 50 s at 24 on a slow machine), far below the nesting limit."""


def test_a_query_slow_to_parse_is_held_to_the_timeout(tmp_path: Path) -> None:
    """The syntax check ran before the timed execution, outside --timeout, and could not be
    stopped: Oxigraph's parser holds the GIL, so no thread could give up on it. Embedded (with
    and without --format, which the command line checks first to choose) and before sending
    to an endpoint. As processes, with a deadline of their own, so the old code fails the test
    instead of holding pytest for hours."""
    import subprocess
    import time

    from tests._robust import medigraph_command

    runs = {
        "embedded": ["--store", str(tmp_path / "none")],
        "embedded, --format json": ["--store", str(tmp_path / "none"), "--format", "json"],
        "--endpoint": ["--endpoint", "http://127.0.0.1:9/query"],
    }
    for what, args in runs.items():
        started = time.monotonic()
        try:
            done = subprocess.run(
                [*medigraph_command(), "query", "-q", "--timeout", "2", *args, SLOW_TO_PARSE],
                capture_output=True,
                text=True,
                timeout=60,
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"{what}: still parsing after 60 s, past --timeout 2")
        assert done.returncode == 2, (what, done.returncode, done.stderr[-300:])
        assert "parsing the query did not finish within 2 s (see --timeout)" in done.stderr
        assert time.monotonic() - started < 30, what


def test_a_parse_given_up_on_leaves_no_process_behind() -> None:
    """The parse runs in a process of its own, killed when its time is up: not left running
    on a core for nobody."""
    import time

    import psutil

    from medigraph.query import QuerySyntaxError, QueryTimeout, check_bound

    before = {child.pid for child in psutil.Process().children(recursive=True)}
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match=r"parsing the query did not finish within 1 s"):
        check_bound(SLOW_TO_PARSE, default_prefixes(), {}, timeout=1)
    assert time.monotonic() - started < 20
    assert {child.pid for child in psutil.Process().children(recursive=True)} <= before
    # what parses in time is told as before, errors included
    assert check_bound("ASK {}", default_prefixes(), {}, timeout=30) == ("boolean", "ASK {}")
    with pytest.raises(QuerySyntaxError, match="unknown prefix nope:") as raised:
        check_bound("SELECT * {\n ?s nope:p ?o }", default_prefixes(), {}, timeout=30)
    assert (raised.value.line, raised.value.column) == (2, 5)


def test_a_crash_of_the_parser_is_an_error_not_the_end_of_the_process() -> None:
    """Where Oxigraph's parser overflows its stack (a chain of ~87,000 UNION), its process
    ends: that is the parsing process, and the caller gets an error."""
    import os
    import signal

    from medigraph.query import QueryError, _apart

    with pytest.raises(QueryError, match=r"parsing the query failed: .*crashed \(SIGSEGV\)"):
        _apart(lambda: os.kill(os.getpid(), signal.SIGSEGV), None, "parsing the query")


def test_a_query_that_is_not_utf8_is_an_error_not_a_traceback(store: Path, tmp_path: Path) -> None:
    import os
    import subprocess

    from tests._robust import medigraph_command

    latin1 = tmp_path / "latin1.rq"
    latin1.write_bytes('SELECT * { ?s ?p "café" }'.encode("latin-1"))
    base = [*medigraph_command(), "query", "--store", str(store)]
    runs = {
        "from a file": subprocess.run([*base, "-f", str(latin1)], capture_output=True),
        "from stdin": subprocess.run(
            [*base, "-f", "-"], input=latin1.read_bytes(), capture_output=True
        ),
        "as an argument": subprocess.run(
            [*base, os.fsdecode(latin1.read_bytes())], capture_output=True
        ),
    }
    for how, done in runs.items():
        assert done.returncode == 2, (how, done.stderr)
        assert b"Traceback" not in done.stderr and b"not UTF-8 text" in done.stderr, how
    assert f"{latin1} is not UTF-8 text".encode() in runs["from a file"].stderr
    assert b"standard input is not UTF-8" in runs["from stdin"].stderr


def test_quiet_silences_the_retry_warnings(tmp_path: Path) -> None:
    import socket
    import subprocess
    import sys

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    url = f"http://127.0.0.1:{port}/query"
    base = [sys.executable, "-m", "medigraph", "push", str(EXAMPLES), "--endpoint", url]
    base += ["--retries", "1", "--timeout", "1"]
    loud = subprocess.run(base, capture_output=True, text=True, cwd=tmp_path)
    quiet = subprocess.run([*base, "-q"], capture_output=True, text=True, cwd=tmp_path)
    assert loud.returncode == quiet.returncode == 2
    assert "medigraph: warning: reading the medigraph manifest" in loud.stderr
    assert "warning" not in quiet.stderr and "Error:" in quiet.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_standard_output_is_an_error_not_a_traceback(store: Path) -> None:
    import subprocess

    from tests._robust import medigraph_command

    for args in (["--store", str(store), "--format", "csv", "SELECT * { ?s ?p ?o }"], ["--list"]):
        with open("/dev/full", "wb") as full:
            done = subprocess.run(
                [*medigraph_command(), "query", *args], stdout=full, stderr=subprocess.PIPE
            )
        assert done.returncode == 2
        assert done.stderr.decode().strip().splitlines() == [
            "Error: cannot write standard output: No space left on device"
        ]


def test_a_run_started_with_standard_output_closed_ends_quietly(
    store: Path, tmp_path: Path
) -> None:
    """`>&-`: Python gives such a run no sys.stdout. A command with something to write ends
    with 1 and says nothing (as with `| head`); one that writes only files works."""
    import os
    import subprocess

    from tests._robust import medigraph_command

    def closed(*args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [*medigraph_command(), *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            preexec_fn=lambda: os.close(1),
            cwd=tmp_path,
        )

    for args in (
        ["query", "--store", str(store), "-q", "communities"],
        ["export", str(EXAMPLES), "-o", "-", "-q"],
        ["validate", str(EXAMPLES), "-q"],
    ):
        done = closed(*args)
        assert (done.returncode, done.stderr) == (1, b""), (args, done.stderr.decode())
    dump = tmp_path / "d.ttl"
    done = closed("export", str(EXAMPLES), "-o", str(dump), "--no-store", "-q")
    assert (done.returncode, done.stderr) == (0, b"") and dump.stat().st_size > 0


def test_answers_are_utf8_whatever_the_locale_of_standard_output(store: Path) -> None:
    """A Windows console or a Latin-1 locale cannot encode every name: the answer is written
    as UTF-8 bytes (as SPARQL's CSV, TSV and JSON are), not lost to a UnicodeEncodeError."""
    import os
    import subprocess

    from tests._robust import medigraph_command

    environment = {**os.environ, "PYTHONIOENCODING": "cp1252"}
    text = 'SELECT ?x WHERE { BIND("Zoë → 東京" AS ?x) }'
    for fmt in ("csv", "tsv", "json", "table"):
        done = subprocess.run(
            [*medigraph_command(), "query", "--store", str(store), text, "--format", fmt],
            capture_output=True,
            env=environment,
        )
        assert done.returncode == 0, (fmt, done.stderr)
        assert "Zoë → 東京".encode() in done.stdout, fmt
    listed = subprocess.run(
        [*medigraph_command(), "query", "--list"], capture_output=True, env=environment
    )
    assert listed.returncode == 0 and b"content-by-topic" in listed.stdout


def test_a_table_aligns_wide_characters_and_shows_bidi_controls_as_escapes() -> None:
    """Columns line up on a terminal (a CJK character takes two columns, a combining mark
    none), and a right-to-left override cannot reorder the row it is in."""
    from rich.cells import cell_len

    from medigraph.query import table

    rows = [
        [ox.Literal("東京"), ox.Literal("a")],
        [ox.Literal("e\u0301te\u0301"), ox.Literal("b")],
        [ox.Literal("abc\u202edef"), ox.Literal("c")],
    ]
    out = io.StringIO()
    table(["name", "x"], rows, {}, out)
    lines = out.getvalue().splitlines()
    starts = {cell_len(line[: line.rindex(" ") + 1]) for line in lines[2:]}
    assert len(starts) == 1, lines  # the second column starts at the same column everywhere
    assert "\u202e" not in out.getvalue() and "abc\\u202edef" in out.getvalue()


CC = "<https://medigy.com/ontology/CommunityContent>"


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("SELECT ?s WHERE { { ?s a ?c FILTER(?c = ?x) } }", "nested group"),
        ("SELECT ?s WHERE { GRAPH ?g { ?s a ?c FILTER(?c = ?x) } }", "nested group"),
        ("SELECT ?s WHERE { ?s a ?c MINUS { ?s a ?d FILTER(?d = ?x) } }", "nested group"),
        ("SELECT ?s WHERE { { ?s a ?c } UNION { ?s a ?c FILTER(?c = ?x) } }", "nested group"),
        (
            "SELECT ?c (COUNT(*) AS ?n) WHERE { ?s a ?c } GROUP BY ?c HAVING EXISTS { ?t a ?c , ?x }",
            "EXISTS",
        ),
        ("SELECT ?c (EXISTS { ?t a ?c , ?x } AS ?e) WHERE { ?s a ?c } GROUP BY ?c", "EXISTS"),
        ("SELECT ?s WHERE { ?s a ?c } VALUES ?x { UNDEF }", "own VALUES"),
    ],
)
def test_a_parameter_where_no_binding_stands_for_writing_it_in_is_refused(
    store: Path, text: str, where: str
) -> None:
    """Better refused than a silent wrong answer: a VALUES block opening the outer group
    does not reach a FILTER in a nested group (evaluated first), nor an EXISTS after
    grouping; the query's own VALUES would be overridden."""
    done = query(store, text, "--param", f"x={CC}")
    assert done.exit_code == 2, done.output
    assert "cannot be bound there" in done.output and where in done.output


@pytest.mark.parametrize(
    "text",
    [
        "SELECT ?s WHERE { ?s a ?c FILTER(?c = ?x) }",
        "SELECT ?s WHERE { ?s a ?c OPTIONAL { ?s a ?x } }",  # a pattern, not an expression
        "SELECT ?s WHERE { ?s a ?c FILTER EXISTS { ?s a ?c FILTER(?c = ?x) } }",
        "SELECT ?x (COUNT(*) AS ?n) WHERE { ?s a ?x } GROUP BY (?x)",
        "SELECT ?c (COUNT(*) AS ?n) WHERE { ?s a ?c } GROUP BY ?c HAVING (?c = ?x)",
        # a nested group whose own pattern binds it: its join does the work
        "SELECT ?s WHERE { ?s ?p ?o OPTIONAL { ?s a ?x FILTER(isIRI(?x)) } }",
    ],
)
def test_a_parameter_gives_what_writing_it_in_gives(store: Path, text: str) -> None:
    given = query(store, text, "--param", f"x={CC}", "--format", "csv")
    written = query(
        store,
        text.replace("?x", CC).replace(f"{CC} (COUNT", f"({CC} AS ?x) (COUNT"),
        "--format",
        "csv",
    )
    assert given.exit_code == 0, given.output
    if "GROUP BY (?x)" in text:  # a key: the parameter keeps its name in the answer
        assert given.stdout.splitlines()[1:] == [f"{CC[1:-1]},19"]
        return
    assert written.exit_code == 0, written.output
    assert sorted(given.stdout.splitlines()[1:]) == sorted(written.stdout.splitlines()[1:])
    assert len(given.stdout.splitlines()) > 1


def test_the_api_refuses_an_unbindable_parameter_as_the_command_does(store: Path) -> None:
    from medigraph.query import ParameterError, make_term, run_embedded

    text = "SELECT ?s WHERE { ?s a ?t . { ?s ?p ?o FILTER(?n = 1) } } LIMIT 3"
    with pytest.raises(ParameterError, match="nested group"):
        run_embedded(text, store=store, params={"n": make_term("1", "integer", {})})


def test_the_api_binds_plain_values_as_param_does(store: Path) -> None:
    """``run_embedded(text, params={"topic": "KLAS: Telehealth"})`` failed with "cannot push
    str terms" (a message about push). Plain values are bound as ``--param`` binds them: by
    the query's own header (the variable, the type, a required one), else as strings."""
    from datetime import date

    from medigraph.query import ParameterError, bind_params, default_prefixes, saved_queries

    saved = saved_queries()
    by_topic = saved["content-by-topic"]
    terms = bind_params(by_topic, by_topic.text, {"topic": "KLAS: Telehealth"}, default_prefixes())
    expected = run_embedded(by_topic.text, store=store, params=terms).rows
    plain = run_embedded(by_topic.text, store=store, params={"topic": "KLAS: Telehealth"})
    assert plain.rows == expected and len(expected) > 0
    assert {row[0] for row in plain.rows} == {ox.Literal("KLAS: Telehealth")}
    streamed = io.StringIO()
    stream_embedded(
        by_topic.text, streamed, "csv", store=store, params={"topic": "KLAS: Telehealth"}
    )
    assert len(streamed.getvalue().splitlines()) == len(expected) + 1
    # Typed by the header: a date for a dateTime, a number for an integer.
    recent = saved["recent-content"]
    since = {"since": "2023-01-01"}
    assert (
        run_embedded(recent.text, store=store, params={"since": date(2023, 1, 1)}).rows
        == run_embedded(
            recent.text, store=store, params=bind_params(recent, recent.text, since, {})
        ).rows
    )
    orphans = saved["orphan-topics"]  # max integer=1
    assert (
        run_embedded(orphans.text, store=store, params={"max": 2}).rows
        == run_embedded(
            orphans.text,
            store=store,
            params=bind_params(orphans, orphans.text, {"max": "2"}, default_prefixes()),
        ).rows
    )
    with pytest.raises(ParameterError, match="not a valid dateTime"):
        run_embedded(recent.text, store=store, params={"since": "yesterday"})
    with pytest.raises(ParameterError, match="has no parameter 'topics'"):
        run_embedded(by_topic.text, store=store, params={"topics": "KLAS: Telehealth"})
    # No header: a string, as `query -f` with --param binds it.
    adhoc = "SELECT ?c WHERE { ?c schema:about/skos:notation ?t }"
    found = run_embedded(adhoc, store=store, params={"t": "KLAS: Telehealth"})
    assert sorted(found.rows, key=str) == sorted(([row[3]] for row in expected), key=str)
    with pytest.raises(ParameterError, match="a list is no value"):
        run_embedded(adhoc, store=store, params={"t": ["KLAS: Telehealth"]})  # type: ignore[dict-item]
    with pytest.raises(ParameterError, match="all as RDF terms"):
        run_embedded(adhoc, store=store, params={"t": "x", "c": ox.NamedNode("urn:x")})


@pytest.mark.parametrize(
    ("text", "sent"),
    [
        ("PREFIX Schema: <http://schema.org/>\nSELECT * { ?s schema:name ?o }", True),
        ('SELECT * { ?s schema:name "PREFIX schema: <x>" }', True),
        ("# PREFIX schema: <x>\nSELECT * { ?s schema:name ?o }", True),
        ("prefix schema: <http://x/>\nSELECT * { ?s schema:name ?o }", False),
    ],
)
def test_a_predeclared_prefix_is_sent_unless_the_query_declares_that_very_name(
    text: str, sent: bool
) -> None:
    """Prefix names are case-sensitive and a PREFIX in a string declares nothing: either
    left schema: undeclared at the endpoint (HTTP 400; tests/test_query_endpoint.py asks
    Oxigraph and Virtuoso). The keyword itself is case-insensitive."""
    prologue = with_prologue(text, default_prefixes()).removesuffix(text)
    assert ("PREFIX schema: <http://schema.org/>\n" in prologue) == sent


def test_only_a_query_that_may_parse_long_is_parsed_in_a_process_of_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A process of its own cost every query ≈ 40 ms or more (recent-content 0.23 → 0.42 s
    on the 100 000-document store): a query that parses in milliseconds is parsed here."""
    import medigraph.query as query
    from medigraph.sparql import MAX_CHAINED

    apart: list[str] = []
    real = query._apart

    def counted(work: Any, timeout: float | None, what: str) -> Any:
        apart.append(what)
        return real(work, timeout, what)

    monkeypatch.setattr(query, "_apart", counted)
    prefixes = query.default_prefixes()
    for saved in query.saved_queries().values():
        query.check_bound(saved.text_for(endpoint=False), prefixes, {}, timeout=30)
    assert apart == []
    deep = "SELECT * { BIND(" + "REGEX(" * 15 + '"a"' + ',"a")' * 15 + " AS ?x) }"
    assert query.check_bound(deep, prefixes, {}, timeout=30)[0] == "bindings"
    long = "SELECT * { " + " ".join(f"?s <urn:p> ?o{n} ." for n in range(MAX_CHAINED + 1)) + " }"
    query.check_bound(long, prefixes, {}, timeout=30)
    assert apart == ["parsing the query", "parsing the query"]


def test_depth_written_to_look_like_an_iri_is_parsed_apart() -> None:
    """``?t<REGEX(…)&&?t>?p`` reads as one IRI to the scanner, where Oxigraph parses a
    comparison: blanked, it hid 50 000 levels from the nesting limit (a segfault) and 24
    levels of REGEX from the timed parse (hours, unstoppable)."""
    from medigraph.query import QueryError, check_bound, check_syntax

    deep = "SELECT * { ?s ?t ?p FILTER(?t<" + "(" * 50_000 + "?p" + ")" * 50_000 + "&&?t>?p) }"
    with pytest.raises(QueryError, match="crashed"):  # in a process of its own, not this one
        check_bound(deep, default_prefixes(), {}, timeout=60)
    # an IRI that holds a parenthesis, as IRIs may, is still read as one
    wiki = "SELECT * { ?s <https://en.wikipedia.org/wiki/Foo_(bar)> ?o }"
    assert check_syntax(wiki, {}) == "bindings"


def test_a_deep_query_hidden_as_an_iri_is_parsed_in_a_process_of_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import medigraph.query as query

    apart: list[str] = []
    monkeypatch.setattr(query, "_apart", lambda work, timeout, what: apart.append(what))
    hidden = "SELECT * { ?s ?t ?p FILTER(?t<" + "REGEX(" * 24 + "?t" + ",?p)" * 24 + "&&?t>?p) }"
    query.check_bound(hidden, query.default_prefixes(), {}, timeout=2)
    assert apart == ["parsing the query"]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        # an aggregate without GROUP BY beside a plain variable: the commonest slip
        (
            "SELECT ?s (COUNT(?o) AS ?n) WHERE { ?s ?p ?o }",
            "a variable the SELECT shows (or its HAVING or ORDER BY uses) is neither grouped",
        ),
        (
            "SELECT ?s WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY ?o",
            "is neither grouped (GROUP BY) nor inside an aggregate: add it to GROUP BY",
        ),
        (
            "SELECT (DATATYPE(?o) AS ?t) (COUNT(?o) AS ?n) WHERE { ?s ?p ?o } GROUP BY (DATATYPE(?o))",
            "an expression the SELECT computes uses a variable that is neither grouped",
        ),
        ("ASK { ?s ?p ?o } GROUP BY ?s", "GROUP BY goes with a SELECT that names"),
        ("SELECT (1 AS ?x) (2 AS ?x) {}", "the SELECT names one variable twice"),
    ],
)
def test_a_check_of_meaning_is_said_in_words_not_as_tokens_expected(
    store: Path, text: str, said: str
) -> None:
    """Oxigraph reports these among the tokens it expected, and they were shown so:
    'expected one of "$", "(", ":", "<", "?", ENCODE_FOR_URI, IF, LANGMATCHES, TZ, The SELECT
    contains a variable that is unbound, …', as if a token were missing at the end of a
    query that only lacked a GROUP BY."""
    result = query(store, text)
    assert result.exit_code == 2
    first = result.stderr.splitlines()[0]
    assert first.startswith("Error: syntax error at line 1, column ") and said in first
    assert "expected" not in first and "unbound" not in first and '"$"' not in first


@pytest.mark.parametrize("names", [("aé", "rel"), ("n", "a.b"), ("n", "is.x"), ("n", "true.x")])
def test_construct_turtle_with_the_querys_own_prefixes_is_read_by_rdflib(
    store: Path, names: tuple[str, str]
) -> None:
    """The query's own PREFIX names write its Turtle, as Turtle allows; rdflib, which the
    answer must be readable by too, cannot read a name ending in an escaped dot under a prefix
    with a letter beyond ASCII (``aé:v2\\.``), nor a prefix that starts with one of its
    keywords and a dot (``a.b:``, ``is.x:``, ``true.x:``)."""
    import rdflib

    node, predicate = names
    text = (
        f"PREFIX {node}: <http://example.org/n/> PREFIX {predicate}: <http://example.org/p/> "
        f"CONSTRUCT {{ ?d {predicate}:name ?n ; {predicate}:next <http://example.org/n/v2.> }} "
        "WHERE { ?c a medigy:Community ; schema:name ?n "
        'BIND(IRI(CONCAT("http://example.org/n/", ENCODE_FOR_URI(?n), ".")) AS ?d) }'
    )
    done = query(store, "--format", "turtle", text)
    assert done.exit_code == 0, done.output
    expected = {
        (t.subject.value, t.predicate.value, t.object.value)
        for t in ox.parse(done.stdout.encode(), format=ox.RdfFormat.TURTLE)
    }
    assert len(expected) == 2 * len({fm["identifier"] for fm in FM})
    graph = rdflib.Graph().parse(data=done.stdout, format="turtle")
    assert {(str(s), str(p), str(o)) for s, p, o in graph} == expected


@pytest.mark.parametrize(
    ("text", "shown"),
    [("a\n\tb  c", "a b c"), ("   ", ""), (" lead\r\n", "lead"), ("x\x07y", "x\\x07y")],
)
def test_a_table_cell_is_one_line_as_the_readme_says(text: str, shown: str) -> None:
    """README (`--format`): a table row is one line — a run of white space, line breaks and
    tabs included, is one space, the white space around the value none, another control
    character ``\\xNN`` (csv, tsv and json give the value exactly)."""
    from medigraph.query import display

    assert display(ox.Literal(text), {}) == shown


def test_the_api_without_params_applies_the_header_as_param_does(store: Path) -> None:
    """``run_embedded(saved.text)`` with no ``params`` skipped the ``# @param`` header: a
    default was not filled in (orphan-topics' ``max=1`` left unbound: 0 rows, where
    ``medigraph query orphan-topics`` shows 12) and a required parameter was not asked for
    (stale-topics ran without ``since``). No params is the command line without ``--param``."""
    from medigraph.query import ParameterError, bind_params, default_prefixes, saved_queries

    saved = saved_queries()
    orphans = saved["orphan-topics"]  # max integer=1
    by_default = bind_params(orphans, orphans.text, {}, default_prefixes())
    expected = run_embedded(orphans.text, store=store, params=by_default).rows
    assert len(expected) > 0
    assert run_embedded(orphans.text, store=store).rows == expected
    assert run_embedded(orphans.text, store=store, params={}).rows == expected
    streamed = io.StringIO()
    assert stream_embedded(orphans.text, streamed, "csv", store=store) == f"{len(expected)} rows"
    stale = saved["stale-topics"]  # since dateTime required
    with pytest.raises(ParameterError, match="needs --param since"):
        run_embedded(stale.text, store=store)
    with pytest.raises(ParameterError, match="needs --param since"):
        stream_embedded(stale.text, io.StringIO(), "csv", store=store, params={})


@pytest.mark.parametrize("timeout", [0.0, -1.0, float("inf"), float("nan"), 1e300])
def test_a_timeout_no_clock_can_be_set_to_is_refused_by_the_api(
    store: Path, timeout: float, capfd: pytest.CaptureFixture[str]
) -> None:
    """``--timeout`` refuses these; the API let them through: ``inf`` and ``1e300`` raised
    OverflowError (and a thread printed its traceback on stderr), ``nan`` ran without a limit
    on the store, 0 and below timed out at once (an endpoint's with an empty message, or a
    ValueError of urllib's). Each is a ValueError now, before the store or the endpoint is
    touched (the endpoint here is closed: no network error hides it)."""
    from medigraph.query import run_remote, stream_remote
    from medigraph.serve import make_server

    text = "SELECT * WHERE { ?s ?p ?o } LIMIT 1"
    calls: list[Callable[[], object]] = [
        lambda: run_embedded(text, store=store, timeout=timeout),
        lambda: stream_embedded(text, io.StringIO(), "csv", store=store, timeout=timeout),
        lambda: run_remote(text, "http://127.0.0.1:9/query", timeout=timeout),
        lambda: stream_remote(text, "http://127.0.0.1:9/q", io.StringIO(), "csv", timeout=timeout),
        lambda: make_server(store, timeout=timeout),
    ]
    for call in calls:
        with pytest.raises(ValueError, match="seconds above 0, at most a year"):
            call()
    assert capfd.readouterr() == ("", "")
    assert len(run_embedded(text, store=store, timeout=None).rows) == 1


def test_default_prefixes_is_the_callers_own_dict(store: Path) -> None:
    """``default_prefixes()`` gave its cached dict itself: a program that added its own
    prefix to it, or took one out, changed the prefixes of every later query in the process
    (``run_embedded(saved.text)`` then failed with "unknown prefix schema:")."""
    from medigraph.query import default_prefixes, saved_queries

    by_topic = saved_queries()["content-by-topic"]
    before = run_embedded(by_topic.text, store=store).rows
    mine = default_prefixes()
    mine.pop("schema")
    mine["ex"] = "http://example.org/"
    assert "schema" in default_prefixes() and "ex" not in default_prefixes()
    assert run_embedded(by_topic.text, store=store).rows == before


def test_no_store_is_a_store_error_as_the_readme_says(tmp_path: Path) -> None:
    """The README names what ``run_embedded`` raises for a store that is not there: a
    ``StoreMissing`` (a ``StoreError``, no ``QueryError``), and nothing is made there."""
    from medigraph.query import QueryError
    from medigraph.store import StoreError, StoreMissing

    for where in (tmp_path / "none", tmp_path):
        with pytest.raises(StoreMissing) as raised:
            run_embedded("ASK {}", store=where)
        assert isinstance(raised.value, StoreError) and not isinstance(raised.value, QueryError)
    assert list(tmp_path.iterdir()) == []


def test_query_and_serve_predeclare_the_prefixes_of_a_mapping_given(
    store: Path, tmp_path: Path
) -> None:
    """query predeclared only the bundled mapping's prefixes: a query over an export made with
    --mapping mine.yaml had to declare the prefixes only that mapping has. query --mapping
    (and serve --mapping) predeclare them, and --prefixes lists them; a broken one is exit 2."""
    mine = tmp_path / "mine.yaml"
    mine.write_text(
        (ROOT / "ontology" / "mapping.yaml")
        .read_text(encoding="utf-8")
        .replace("base_prefixes:\n", "base_prefixes:\n  item: content/\n", 1)
        .replace("prefixes:\n", "prefixes:\n  ex: http://example.org/ns#\n", 1),
        encoding="utf-8",
    )
    question = (
        "SELECT ?t WHERE { item:1e85cdb8-f16a-503d-af11-ae932e4836ef schema:name ?t } # ex:nothing"
    )
    args = ["query", "--store", str(store), "--format", "csv"]
    without = CliRunner().invoke(cli, [*args, question])
    assert without.exit_code == 2 and "item" in without.stderr, without.output
    given = CliRunner().invoke(cli, [*args, "--mapping", str(mine), question])
    assert given.exit_code == 0, given.output
    assert "Why Naïve Enrollment Targets" in given.stdout
    listed = CliRunner().invoke(cli, ["query", "--prefixes", "--mapping", str(mine)]).stdout
    assert "PREFIX item: <https://medigy.com/content/>" in listed
    assert "PREFIX ex: <http://example.org/ns#>" in listed
    assert "PREFIX item:" not in CliRunner().invoke(cli, ["query", "--prefixes"]).stdout
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 1\nprefixes: [\n", encoding="utf-8")
    refused = CliRunner().invoke(cli, [*args, "--mapping", str(broken), question])
    assert refused.exit_code == 2 and "Traceback" not in refused.output

    from medigraph.query import default_prefixes
    from medigraph.serve import make_server

    server = make_server(store, port=0, workers=1, mapping=mine)
    try:
        assert server.prefixes["item"] == "https://medigy.com/content/"
    finally:
        server.server_close()
    assert default_prefixes(mapping=mine)["ex"] == "http://example.org/ns#"


def test_no_query_result_is_dropped_on_another_thread_than_its_own(store: Path) -> None:
    """pyoxigraph's results may only be dropped on the thread that made them (else pyo3
    prints "Exception ignored ... is unsendable, but is being dropped on another thread").
    A query's worker thread cleared the frames of the error it raised, but not those of the
    errors chained to it (one raised while another was handled), which kept the result alive
    until the caller's thread let go of the error, or its garbage collector did."""
    import gc

    from medigraph import query as q

    reported: list[str] = []
    hook = sys.unraisablehook
    sys.unraisablehook = lambda raised: reported.append(str(raised.exc_value))

    def chained(result: object, stop: object) -> None:
        def rows(solutions: Any) -> Iterator[object]:
            for solution in solutions:
                yield solution
                raise ValueError("while writing")

        try:
            for _ in rows(result):
                pass
        except ValueError:
            raise KeyError("while handling it") from None

    class Closed(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(errno.EPIPE, "closed")

    endless = "SELECT ?a ?b ?c { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"
    try:
        for _ in range(3):
            with pytest.raises(KeyError):
                q._on_embedded("SELECT * { ?s ?p ?o }", chained, store, None, None, 30, None)
            gc.collect()
            for fmt in ("json", "csv", "tsv", "table"):
                with pytest.raises((BrokenPipeError, q.QueryError)):
                    stream_embedded("SELECT * { ?s ?p ?o }", Closed(), fmt, store=store)
                gc.collect()
            with pytest.raises(QueryTimeout):
                stream_embedded(endless, io.StringIO(), "csv", store=store, timeout=0.2)
            gc.collect()
            assert run_embedded("SELECT * { ?s ?p ?o } LIMIT 3", store=store).rows
            gc.collect()
        for thread in threading.enumerate():
            if thread.name == "medigraph-query":
                thread.join(10)
        gc.collect()
    finally:
        sys.unraisablehook = hook
    assert reported == []


def test_an_error_of_the_callers_output_is_raised_as_itself(store: Path) -> None:
    """stream_embedded told a closed output (BrokenPipeError from ``out.write``) as the
    query's failure, QueryError("the query failed: …"); it is the caller's own error."""

    class Closed(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(errno.EPIPE, "the reader went away")

    for fmt in ("json", "csv", "tsv", "table"):
        with pytest.raises(BrokenPipeError, match="the reader went away"):
            stream_embedded("SELECT * { ?s ?p ?o }", Closed(), fmt, store=store)
    with pytest.raises(BrokenPipeError, match="the reader went away"):
        stream_embedded("CONSTRUCT WHERE { ?s ?p ?o }", Closed(), "turtle", store=store)


def test_prefixes_given_replace_the_predeclared_ones(store: Path) -> None:
    """As the README says: ``prefixes=`` is the whole set (the command line passes
    ``default_prefixes(base)`` for its --base), so a saved query needs the predeclared ones
    added to, not replaced by, a caller's own."""
    from medigraph.query import QuerySyntaxError

    saved = saved_queries()["communities"]
    mine = {"ex": "https://example.org/"}
    with pytest.raises(QuerySyntaxError, match="prefix"):
        run_embedded(saved.text, store=store, prefixes=mine)
    both = {**default_prefixes(), **mine}
    assert run_embedded(saved.text, store=store, prefixes=both).rows
    answer = run_embedded("SELECT ?x { BIND(ex:a AS ?x) }", store=store, prefixes=both)
    assert answer.rows == [[ox.NamedNode("https://example.org/a")]]


def test_an_error_of_the_callers_output_is_not_the_endpoints() -> None:
    """stream_remote told a closed output as "cannot reach the endpoint …: Broken pipe"."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from medigraph.query import stream_remote

    rows = [{"x": {"type": "literal", "value": str(i)}} for i in range(5)]
    body = json.dumps({"head": {"vars": ["x"]}, "results": {"bindings": rows}}).encode()

    class Endpoint(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    class Closed(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(errno.EPIPE, "the reader went away")

    import gc

    reported: list[str] = []
    hook = sys.unraisablehook
    sys.unraisablehook = lambda raised: reported.append(str(raised.exc_value))
    server = ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/q"
        for fmt in ("json", "csv", "table"):
            with pytest.raises(BrokenPipeError, match="the reader went away"):
                stream_remote("SELECT ?x { ?x ?p ?o }", url, Closed(), fmt, timeout=10)
            # The answer's results, made on this thread, are not left in a cycle that a
            # collection on another thread would drop them from ("… is unsendable").
            collector = threading.Thread(target=gc.collect)
            collector.start()
            collector.join()
    finally:
        sys.unraisablehook = hook
        server.shutdown()
        server.server_close()
    assert reported == []


def test_the_readmes_first_query_example_answers_documents_titles(store: Path) -> None:
    """The README's first `medigraph query` example asks for titles: it must answer the
    documents' titles only, not every name in the graph (a person's, a publisher's, a
    community's, an attachment's file name, which `schema:name` holds too)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = re.search(r"medigraph query '(SELECT \?title [^']*)'", readme)
    assert example is not None
    text = re.sub(r"\s*LIMIT \d+\s*$", "", example.group(1))  # every row, not the first 5
    answered = [row["title"] for row in rows(store, text)]
    titles = sorted(str(fm["title"]) for fm in FM if fm.get("title"))
    assert sorted(answered) == titles


def test_a_headers_default_with_spaces_is_written_in_double_quotes(store: Path) -> None:
    """A default ends at the first space (`name=Chronic Care Management (CCM)` has the
    default "Chronic", the rest is the description, and no row matched); in double quotes,
    with JSON's escapes as `--param` takes text, it holds spaces."""
    community = "Chronic Care Management (CCM)"
    wanted = {str(fm["mdName"]) for fm in FM if fm.get("identifier") == community}
    assert wanted
    text = (
        f'# @param community name="{community}" the community\n'
        "SELECT ?c WHERE { ?c medigy:community/schema:name ?community }"
    )

    def contents(*args: str) -> set[str]:
        return {r["c"].rsplit("/", 1)[1] for r in rows(store, *args)}

    assert contents(text) == wanted
    other = str(next(fm["identifier"] for fm in FM if fm.get("identifier") != community))
    assert contents(text, "-p", f"community={other}") == {
        str(fm["mdName"]) for fm in FM if fm.get("identifier") == other
    }
    unclosed = query(store, text.replace('" the', " the"))
    assert unclosed.exit_code == 2 and "malformed parameter line" in unclosed.output
