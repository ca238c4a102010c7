"""YAML value policy, table-driven: what an unquoted value in front matter becomes.

medigraph reads YAML without YAML 1.1 type resolution: a text field keeps the characters the
editor typed (``NO`` stays "NO", ``012345`` stays "012345", ``12:30:00`` is not 45000), typed
fields (dates, integers) are written with the source text as their lexical form, and what is
doubtful is reported with the file, line and key. Duplicate keys are never resolved silently.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml

from medigraph.diagnostics import Severity
from medigraph.documents import discover, read_document
from medigraph.mapping import MappedDocument, Mapper, MappingError, load_mapping
from medigraph.resources import data_path
from tests._robust import SCHEMA, XSD, export_to, parse_dump, run_cli, seed_document

STRING = ox.NamedNode(XSD + "string")
DATE = ox.NamedNode(XSD + "date")
DATETIME = ox.NamedNode(XSD + "dateTime")
INTEGER = ox.NamedNode(XSD + "integer")


def _document(folder: Path, raw_lines: list[str], drop: tuple[str, ...]) -> tuple[Path, int]:
    """The seed without ``drop`` keys, with ``raw_lines`` (YAML exactly as typed) appended at
    the end of the front matter; returns the file and the line number of the first raw line."""
    fm = seed_document(**dict.fromkeys(drop))
    head = "---\n" + yaml.safe_dump(fm, sort_keys=False, allow_unicode=True)
    first = head.count("\n") + 1
    path = folder / "doc.md"
    path.write_text(head + "".join(line + "\n" for line in raw_lines) + "---\n<p>Body.</p>\n")
    return path, first


def _value(quads: set[ox.Quad], predicate: str) -> set[ox.Literal | ox.NamedNode]:
    return {
        q.object
        for q in quads
        if q.predicate.value == predicate
        and q.subject.value.startswith("https://medigy.com/content/")
    }


# (raw line, key, property, expected literal, expected diagnostic code or None)
TABLE = [
    ("title: NO", "title", SCHEMA + "name", ox.Literal("NO"), None),
    ("title: yes", "title", SCHEMA + "name", ox.Literal("yes"), None),
    ("title: on", "title", SCHEMA + "name", ox.Literal("on"), None),
    ("title: 1.10", "title", SCHEMA + "name", ox.Literal("1.10"), None),
    ("title: 012345", "title", SCHEMA + "name", ox.Literal("012345"), None),
    ("title: 12:30:00", "title", SCHEMA + "name", ox.Literal("12:30:00"), None),
    ("title: 2024-01-05", "title", SCHEMA + "name", ox.Literal("2024-01-05"), None),
    ("title: 0x1F", "title", SCHEMA + "name", ox.Literal("0x1F"), None),
    ("title: .inf", "title", SCHEMA + "name", ox.Literal(".inf"), None),
    ("title: 'null'", "title", SCHEMA + "name", ox.Literal("null"), None),
    ("title: !!str null", "title", SCHEMA + "name", ox.Literal("null"), None),
    ("title: !!str ~", "title", SCHEMA + "name", ox.Literal("~"), None),
    ('title: "a\\tb"', "title", SCHEMA + "name", ox.Literal("a\tb"), None),
    ("title: a\tb", "title", SCHEMA + "name", ox.Literal("a\tb"), None),
    ("mdName: 012345", "mdName", SCHEMA + "identifier", ox.Literal("012345"), None),
    (
        "date: 2024-01-05",
        "date",
        SCHEMA + "datePublished",
        ox.Literal("2024-01-05", datatype=DATE),
        "map.date",
    ),
    # YAML timestamps that are not xsd:dateTime's form: the same moment in that form.
    (
        "date: 2024-01-05 10:00:00",
        "date",
        SCHEMA + "datePublished",
        ox.Literal("2024-01-05T10:00:00", datatype=DATETIME),
        "map.datetime",
    ),
    (
        "date: 2001-12-14 21:59:43.10 -5",
        "date",
        SCHEMA + "datePublished",
        ox.Literal("2001-12-14T21:59:43.10-05:00", datatype=DATETIME),
        "map.datetime",
    ),
    (
        "date: '2024-1-5 9:30:00Z'",
        "date",
        SCHEMA + "datePublished",
        ox.Literal("2024-01-05T09:30:00Z", datatype=DATETIME),
        "map.datetime",
    ),
    (
        "date: 2024-02-30 10:00:00",
        "date",
        SCHEMA + "datePublished",
        ox.Literal("2024-02-30 10:00:00", datatype=DATETIME),
        "map.not-a-date",
    ),
    (
        "date: 2024-01-05T10:00:00",
        "date",
        SCHEMA + "datePublished",
        ox.Literal("2024-01-05T10:00:00", datatype=DATETIME),
        "map.timezone",
    ),
    (  # an offset beyond ±14:00: Python reads it, xsd:dateTime and every store do not
        "date: '2024-06-01T00:00:00+15:00'",
        "date",
        SCHEMA + "datePublished",
        ox.Literal("2024-06-01T00:00:00+15:00", datatype=DATETIME),
        "map.not-a-date",
    ),
    (  # valid XSD, read by SPARQL stores as the next day; rdflib (so validate) refuses it
        "date: 2024-01-05T24:00:00Z",
        "date",
        SCHEMA + "datePublished",
        ox.Literal("2024-01-05T24:00:00Z", datatype=DATETIME),
        "map.datetime",
    ),
    (
        "date: 2024-01-05T10:00:00+02:00",
        "date",
        SCHEMA + "datePublished",
        ox.Literal("2024-01-05T10:00:00+02:00", datatype=DATETIME),
        None,
    ),
    (
        "lastMod: 2021-02-17T10:10:10.785753Z",
        "lastMod",
        SCHEMA + "dateModified",
        ox.Literal("2021-02-17T10:10:10.785753Z", datatype=DATETIME),
        None,
    ),
]


@pytest.mark.parametrize(
    ("raw", "key", "prop", "literal", "code"), TABLE, ids=[row[0] for row in TABLE]
)
def test_value_policy(
    raw: str, key: str, prop: str, literal: ox.Literal, code: str | None, tmp_path: Path
) -> None:
    source, line = _document(tmp_path, [raw], drop=(key,))
    out = tmp_path / "dump.nt"
    report = export_to([source], out, "nt")
    assert report.exported == 1 and report.exit_code == 0, [d.format() for d in report.diagnostics]
    assert _value(parse_dump(out, "nt"), prop) == {literal}
    about_key = [d for d in report.diagnostics if d.key == key]
    if code is None:
        assert about_key == [], [d.format() for d in about_key]
    else:
        assert [(d.code, d.severity, d.line, d.path) for d in about_key] == [
            (code, Severity.WARNING, line, str(source))
        ]


def test_integer_string_mdname_gives_that_iri(tmp_path: Path) -> None:
    source, _ = _document(tmp_path, ["mdName: 012345"], drop=("mdName",))
    out = tmp_path / "dump.nt"
    export_to([source], out, "nt")
    subjects = {q.subject.value for q in parse_dump(out, "nt")}
    assert "https://medigy.com/content/012345" in subjects


def test_duplicate_key_is_reported_not_resolved(tmp_path: Path) -> None:
    source, line = _document(tmp_path, ["title: First", "title: Second"], drop=("title",))
    out = tmp_path / "dump.ttl"
    report = export_to([source], out)
    dup = [d for d in report.diagnostics if d.code == "read.duplicate-key"]
    assert [(d.path, d.line, d.key, d.severity) for d in dup] == [
        (str(source), line + 1, "title", Severity.ERROR)
    ]
    assert f"first on line {line}" in dup[0].message
    assert report.rejected == 1 and report.exit_code == 1
    assert parse_dump(out, "ttl") == set(), "neither value may be written"


def test_nested_duplicate_key_names_its_path(tmp_path: Path) -> None:
    source, line = _document(
        tmp_path,
        ["link:", "  href: https://a.example/", "  href: https://b.example/"],
        drop=("link",),
    )
    report = export_to([source], tmp_path / "dump.ttl")
    dup = [d for d in report.diagnostics if d.code == "read.duplicate-key"]
    assert [(d.line, d.key) for d in dup] == [(line + 2, "link.href")]
    assert report.exit_code == 1


def test_tab_indentation_is_a_yaml_error_with_its_line(tmp_path: Path) -> None:
    source, line = _document(tmp_path, ["link:", "\thref: https://a.example/"], drop=("link",))
    report = export_to([source], tmp_path / "dump.ttl")
    errs = [d for d in report.diagnostics if d.severity is Severity.ERROR]
    assert [(d.code, d.path) for d in errs] == [("read.yaml", str(source))]
    assert errs[0].line in (line, line + 1)
    assert report.exit_code == 1


def test_null_forms_mean_absent_but_quoted_null_is_text(tmp_path: Path) -> None:
    """``~``, ``null`` and an empty value are "no value" (no triple, no error); ``'null'`` is
    the text "null"."""
    source, _ = _document(
        tmp_path,
        ["title: 'null'", "description: null", "searchCategory: ~", "sub:"],
        drop=("title", "description", "searchCategory", "sub"),
    )
    out = tmp_path / "dump.nt"
    report = export_to([source], out, "nt")
    assert report.exit_code == 0
    quads = parse_dump(out, "nt")
    assert _value(quads, SCHEMA + "name") == {ox.Literal("null")}
    assert _value(quads, SCHEMA + "description") == set()
    assert _value(quads, "https://medigy.com/ontology/searchCategory") == set()
    assert _value(quads, "https://medigy.com/ontology/layoutVariant") == set()


def test_merge_keys_are_rejected(tmp_path: Path) -> None:
    source, line = _document(
        tmp_path, ["link:", "  <<: {href: 'https://a.example/'}"], drop=("link",)
    )
    report = export_to([source], tmp_path / "dump.ttl")
    errs = [d for d in report.diagnostics if d.severity is Severity.ERROR]
    assert [(d.line, d.key) for d in errs] == [(line + 1, "link")]
    assert "merge" in errs[0].message


# -- typed values: the lexical form written is exactly the source's -------------------------------

TYPED = [
    ("date: 2026-13-45", ("datePublished", "2026-13-45", DATE)),
    ('date: "2026-08-16T12:05:34Z"', ("datePublished", "2026-08-16T12:05:34Z", DATETIME)),
    # whole numbers in their canonical form, as every store and rdflib read them
    ("featuredImage: {size: [01, -0]}", ("width", "1", INTEGER)),
    ("featuredImage: {size: [01, -0]}", ("height", "0", INTEGER)),
]


@pytest.mark.parametrize(("raw", "expected"), TYPED, ids=[f"{r}-{e[0]}" for r, e in TYPED])
def test_typed_lexical_form_is_the_source_text(
    raw: str, expected: tuple[str, str, ox.NamedNode], tmp_path: Path
) -> None:
    key = raw.split(":")[0]
    source, _ = _document(tmp_path, [raw], drop=(key,))
    out = tmp_path / "dump.ttl"
    report = export_to([source], out)
    assert report.exported == 1, [d.format() for d in report.diagnostics]
    # read the file itself: an ox.Store would canonicalize "01"^^xsd:integer to "1"
    prop, lexical, datatype = expected
    rows = [
        q.object
        for q in parse_dump(out, "ttl")
        if q.predicate.value == SCHEMA + prop and isinstance(q.object, ox.Literal)
    ]
    assert [(v.value, v.datatype) for v in rows] == [(lexical, datatype)]


def test_work_package_id_is_the_number(tmp_path: Path) -> None:
    source, _ = _document(tmp_path, ["id: 01"], drop=("id",))
    out = tmp_path / "dump.nt"
    export_to([source], out, "nt")
    quads = parse_dump(out, "nt")
    ids = {
        q.object
        for q in quads
        if q.predicate.value == SCHEMA + "identifier"
        and q.subject.value == "https://medigy.com/work-package/1"
    }
    assert ids == {ox.Literal("1", datatype=INTEGER)}
    # the literal and the IRI are the number (one work package, one term in every reader)
    assert any(q.subject.value == "https://medigy.com/work-package/1" for q in quads)


def test_validate_flags_impossible_date(tmp_path: Path) -> None:
    """Export writes 2026-13-45 as typed (above); ``validate`` must call it an error."""
    source, line = _document(tmp_path, ["date: 2026-13-45"], drop=("date",))
    done = run_cli("validate", str(source.parent), cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{source}:{line}: error: date: " in done.stdout + done.stderr


def test_topics_written_as_a_json_list_in_text_are_read_as_the_topics(tmp_path: Path) -> None:
    """As OpenProject keeps medigyTopics: ``'["KLAS: Telehealth", …]'`` means those topics,
    the same as the YAML list, with a warning at the key, not one topic named '["KLAS'."""
    topics = ["KLAS: Telehealth", "Medigy: Care Management"]
    as_list = ["communityTopics:"] + [f"- '{topic}'" for topic in topics]
    as_text = ["communityTopics: '" + json.dumps(topics) + "'"]
    found = []
    for name, raw in (("list", as_list), ("text", as_text)):
        folder = tmp_path / name
        folder.mkdir()
        source, line = _document(folder, raw, drop=("communityTopics",))
        out = folder / "dump.nt"
        report = export_to([source], out, "nt")
        assert report.exported == 1, [d.format() for d in report.diagnostics]
        about = [d for d in report.diagnostics if d.key == "communityTopics"]
        found.append((_value(parse_dump(out, "nt"), SCHEMA + "about"), about, line))
    (listed, none, _), (texted, about, line) = found
    assert len(listed) == 2 and texted == listed and none == []
    assert [(d.code, d.severity, d.line) for d in about] == [("map.json", Severity.WARNING, line)]


@pytest.mark.parametrize(
    ("href", "url", "warned"),
    [
        ("photo.jpg", "https://medigy.com/communities/x/news/photo.jpg", False),
        ("photo.jpg?w=800#top", "https://medigy.com/communities/x/news/photo.jpg?w=800#top", False),
        ("my%20photo.jpg", "https://medigy.com/communities/x/news/my%20photo.jpg", False),
        ("'my photo.jpg'", "https://medigy.com/communities/x/news/my%20photo.jpg", True),
        ("/img/a.png", "https://medigy.com/img/a.png", False),
        ("../a.png", "https://medigy.com/communities/x/a.png", False),
        ("../../../../a.png", "https://medigy.com/a.png", False),
        ("https://cdn.example.org/i.jpg?w=10#x", "https://cdn.example.org/i.jpg?w=10#x", False),
        # RFC 3986, not urllib's urljoin: an empty segment stays, `.;p` is a segment
        ("images//a.jpeg", "https://medigy.com/communities/x/news/images//a.jpeg", False),
        (".;p.jpeg", "https://medigy.com/communities/x/news/.;p.jpeg", False),
        ("//cdn.example.org/i.jpg", "https://cdn.example.org/i.jpg", False),
    ],
)
def test_image_href_is_resolved_against_base_path_as_a_browser_would(
    href: str, url: str, warned: bool, tmp_path: Path
) -> None:
    """A relative featuredImage.href is a URL reference on the page at basePath (RFC 3986):
    its query, fragment and escapes are kept, / is the site's root and ../ goes up."""
    raw = ["basePath: /communities/x/news/", "featuredImage:", f"  href: {href}"]
    source, line = _document(tmp_path, raw, drop=("basePath", "featuredImage"))
    out = tmp_path / "dump.nt"
    report = export_to([source], out, "nt")
    assert report.exported == 1, [d.format() for d in report.diagnostics]
    urls = {q.object for q in parse_dump(out, "nt") if q.predicate.value == SCHEMA + "contentUrl"}
    assert urls == {ox.NamedNode(url)}
    about = [(d.code, d.line) for d in report.diagnostics if d.key == "featuredImage.href"]
    assert about == ([("map.iri", line + 2)] if warned else [])


@pytest.mark.parametrize(
    ("base_path", "url"),
    [
        ("/communities/./ccm/../news/", "https://medigy.com/communities/news/photo.jpeg"),
        ("../../../", "https://medigy.com/photo.jpeg"),
        ("/a/b/..", "https://medigy.com/a/photo.jpeg"),
        ("/a/../../b/", "https://medigy.com/b/photo.jpeg"),
        ("./", "https://medigy.com/photo.jpeg"),
        # no dot segment: as written, empty segments and dots inside a name included
        ("/communities//x.y/..z/", "https://medigy.com/communities//x.y/..z/photo.jpeg"),
    ],
)
def test_dot_segments_of_base_path_are_resolved_never_above_the_root(
    base_path: str, url: str, tmp_path: Path
) -> None:
    """``basePath: ../../../`` gave https://medigy.com/../../../photo.jpeg: its ``.`` and
    ``..`` were kept in the image's IRI, where a browser removes them (RFC 3986 §5.2.4); now
    they are resolved as those of the href are, never above the site's root."""
    raw = [f"basePath: '{base_path}'", "featuredImage:", "  href: photo.jpeg"]
    source, _ = _document(tmp_path, raw, drop=("basePath", "featuredImage"))
    out = tmp_path / "dump.nt"
    report = export_to([source], out, "nt")
    assert report.exit_code == 0, [d.format() for d in report.diagnostics]
    urls = {q.object for q in parse_dump(out, "nt") if q.predicate.value == SCHEMA + "contentUrl"}
    assert urls == {ox.NamedNode(url)}


def test_an_affiliation_is_named_as_written(tmp_path: Path) -> None:
    """``Ann @Health.Example.co.uk``: the organisation is named as the editor wrote it (as a
    publisher's name is), its web address in the lower case hosts are compared in."""
    source, _ = _document(tmp_path, ["author:", "- Ann @Health.Example.co.uk"], drop=("author",))
    out = tmp_path / "dump.nt"
    report = export_to([source], out, "nt")
    assert report.exported == 1, [d.format() for d in report.diagnostics]
    quads = parse_dump(out, "nt")
    org = "https://medigy.com/organization/health.example.co.uk"
    about = {(q.predicate.value, q.object) for q in quads if q.subject.value == org}
    assert (SCHEMA + "name", ox.Literal("Health.Example.co.uk")) in about
    assert (SCHEMA + "url", ox.NamedNode("https://health.example.co.uk/")) in about
    assert [o for p, o in about if p == SCHEMA + "name"] == [ox.Literal("Health.Example.co.uk")]


def test_without_community_topics_the_json_list_of_medigy_topics_stands_in(
    tmp_path: Path,
) -> None:
    """As link.original stands in for a missing link.href: the topics are not lost."""
    with_both, without = tmp_path / "both", tmp_path / "without"
    with_both.mkdir()
    without.mkdir()
    full, _ = _document(with_both, [], drop=())
    alone, _ = _document(without, [], drop=("communityTopics",))
    found = []
    for source, folder in ((full, with_both), (alone, without)):
        out = folder / "dump.nt"
        report = export_to([source], out, "nt")
        assert report.exported == 1 and report.exit_code == 0
        found.append(_value(parse_dump(out, "nt"), SCHEMA + "about"))
    assert len(found[0]) == 3 and found[1] == found[0]


def _mapped(source: Path) -> MappedDocument:
    """What the mapping makes of one file, rejected or not (its triples and diagnostics)."""
    files, _ = discover([source])
    doc, _problems = read_document(files[0])
    assert doc is not None
    return load_mapping().map(doc)


@pytest.mark.parametrize(
    ("extra", "told"),
    [
        ("1", ("map.topic", Severity.ERROR, "topic '1' needs a taxonomy and a term")),
        ("null", ("map.empty", Severity.WARNING, "is an empty item; it is left out")),
        ('["x"]', ("map.type", Severity.ERROR, "must be text, not a list")),
        ('{"a": 1}', ("map.type", Severity.ERROR, "must be text, not a mapping")),
    ],
)
@pytest.mark.parametrize("key", ["openProjectCustomFields.medigyTopics", "communityTopics"])
def test_a_json_topic_list_with_an_item_not_a_topic_keeps_the_others_and_tells_that_item(
    key: str, extra: str, told: tuple[str, Severity, str], tmp_path: Path
) -> None:
    """``'["KLAS: Telehealth", 1]'`` was no list of texts: medigyTopics standing in gave no
    topic and no word, and communityTopics one topic made of the whole text (notation
    ``["KLAS: Telehealth", 1]``, the KLAS scheme labelled ``["KLAS``). The items are read as
    a YAML list's are: each topic kept, the odd item told at its key as there."""
    text = "'" + json.dumps(["KLAS: Telehealth"])[:-1] + ", " + extra + "]'"
    if key == "communityTopics":
        raw, drop = [f"communityTopics: {text}"], ("communityTopics",)
    else:
        raw = ["openProjectCustomFields:", f"  medigyTopics: {text}"]
        drop = ("communityTopics", "openProjectCustomFields")
    source, line = _document(tmp_path, raw, drop=drop)
    mapped = _mapped(source)
    about = [
        (d.code, d.severity, d.line, d.message)
        for d in mapped.diagnostics
        if d.key is not None and d.key.startswith(key)
    ]
    code, severity, message = told
    json_told = [("map.json", Severity.WARNING, line)] if key == "communityTopics" else []
    assert [row[:3] for row in about if row[0] == "map.json"] == json_told
    assert [row[:3] for row in about if row[0] != "map.json"] == [
        (code, severity, line + len(raw) - 1)
    ]
    assert message in about[-1][3]
    assert [d.key for d in mapped.diagnostics if d.code == code] == [f"{key}[1]"]
    topics = {t.object.value for t in mapped.triples if t.predicate.value == SCHEMA + "about"}
    assert topics == {"https://medigy.com/topic/klas.telehealth"}
    labels = {t.object for t in mapped.triples if t.predicate.value.endswith("core#prefLabel")}
    assert labels == {ox.Literal("Telehealth"), ox.Literal("KLAS")}
    report = export_to([source], tmp_path / "dump.nt", "nt")
    assert report.exit_code == (1 if severity is Severity.ERROR else 0)


@pytest.mark.parametrize("text", ["'[\"KLAS: Telehealth\", oops]'", '\'{"KLAS": "Telehealth"}\''])
def test_topics_written_like_json_but_no_json_list_are_no_topic(text: str, tmp_path: Path) -> None:
    """A JSON list cut short, or a JSON object, was one topic in the KLAS scheme, labelled
    ``["KLAS`` (``{"KLAS"``) beside KLAS for every query: now an error at the key."""
    source, line = _document(tmp_path, [f"communityTopics: {text}"], drop=("communityTopics",))
    mapped = _mapped(source)
    assert [
        (d.key, d.line, d.code, d.severity)
        for d in mapped.diagnostics
        if d.key == "communityTopics"
    ] == [("communityTopics", line, "map.json", Severity.ERROR)]
    assert [t for t in mapped.triples if t.predicate.value == SCHEMA + "about"] == []


@pytest.mark.parametrize(
    "raw",
    [
        ["communityTopics: 'KLAS: Telehealth'"],
        ["communityTopics:", "- 'KLAS: Telehealth'"],
        ["communityTopics: '[\"KLAS: Telehealth\"]'"],
    ],
)
def test_medigy_topics_are_checked_against_community_topics_in_any_form(
    raw: list[str], tmp_path: Path
) -> None:
    """communityTopics written as one topic (or JSON text) was not compared with the three
    medigyTopics of the seed, where a one-item YAML list was: each form is a list to compare.
    (A JSON object is rejected, not used, and not compared: see the test below.)"""
    source, _ = _document(tmp_path, raw, drop=("communityTopics",))
    told = [
        d.message
        for d in _mapped(source).diagnostics
        if d.key == "openProjectCustomFields.medigyTopics"
    ]
    assert len(told) == 1
    assert told[0].startswith("differs from communityTopics (communityTopics lacks 'Medigy: ")
    assert told[0].endswith("; communityTopics is used")


@pytest.mark.parametrize(
    ("raw", "key", "how"),
    [
        (
            ["communityTopics: 'Medigy: Fundamental Technologies, KLAS: Telehealth'"],
            "communityTopics",
            "write communityTopics as a list, one topic per item",
        ),
        (
            ["communityTopics:", "- 'Medigy: Fundamental Technologies; KLAS: Telehealth'"],
            "communityTopics[0]",
            "write each topic as an item of its own",
        ),
    ],
)
def test_several_topics_written_as_one_text_are_read_as_those_topics_and_told(
    raw: list[str], key: str, how: str, tmp_path: Path
) -> None:
    """`'Medigy: X, KLAS: Telehealth'` (a list typed as on a form) made up a topic "X, KLAS:
    Telehealth" of Medigy and lost KLAS's, with no word but medigyTopics blamed for differing.
    It is read as its topics, with a warning at its line; medigyTopics, holding the same two,
    is not told."""
    twin = ["openProjectCustomFields:"]
    twin += ['  medigyTopics: \'["Medigy: Fundamental Technologies","KLAS: Telehealth"]\'']
    source, line = _document(
        tmp_path, raw + twin, drop=("communityTopics", "openProjectCustomFields")
    )
    out = tmp_path / "dump.nt"
    report = export_to([source], out, "nt")
    told = [(d.key, d.line, d.severity, d.code, d.message) for d in report.diagnostics]
    assert told == [
        (
            key,
            line + len(raw) - 1,
            Severity.WARNING,
            "map.topic",
            f"{raw[-1].split(' ', 1)[1][1:-1]!r} looks like 2 topics written as one text: read"
            f" as 'Medigy: Fundamental Technologies', 'KLAS: Telehealth'; {how}",
        )
    ]
    about = {o.value.rsplit("/", 1)[1] for o in _value(parse_dump(out, "nt"), SCHEMA + "about")}
    assert about == {"medigy.fundamental-technologies", "klas.telehealth"}
    assert report.exit_code == 0


@pytest.mark.parametrize(
    ("key", "noun", "text", "marks"),
    [
        ("tags", "tag", "news, telehealth, virtual care", "commas"),
        ("keywords", "keyword", "rpm, ccm", "commas"),
        ("categories", "category", "news; events", "semicolons"),
    ],
)
def test_a_list_of_tags_typed_as_one_text_is_told(
    key: str, noun: str, text: str, marks: str, tmp_path: Path
) -> None:
    """`tags: news, telehealth, virtual care` became one keyword with no word, even with
    --fail-on info, where two authors in one item are told. It stays one (as Hugo shows it),
    with a warning at its line."""
    source, line = _document(tmp_path, [f"{key}: {text}"], drop=(key,))
    out = tmp_path / "dump.nt"
    report = export_to([source], out, "nt")
    told = [(d.key, d.line, d.severity, d.code, d.message) for d in report.diagnostics]
    assert told == [
        (
            key,
            line,
            Severity.WARNING,
            "map.list",
            f"{text!r} holds {marks}, but is one text, so it is written as one {noun};"
            f" write {key} as a list, one {noun} per item",
        )
    ]
    prop = "https://medigy.com/ontology/category" if key == "categories" else SCHEMA + "keywords"
    assert {o.value for o in _value(parse_dump(out, "nt"), prop)} >= {text}


def test_tags_as_a_list_or_one_tag_and_other_text_with_commas_are_not_told(
    tmp_path: Path,
) -> None:
    """Only one text where a list of tags is meant is told: an item holding a comma was
    written as a list on purpose, and a title or a description holds commas as text does."""
    raw = ["tags:", "- news, and more", "keywords: rpm", "title: Care, at home"]
    raw += ["summary: Short, and to the point"]
    source, _ = _document(tmp_path, raw, drop=("tags", "title"))
    report = export_to([source], tmp_path / "dump.nt", "nt")
    assert report.diagnostics == []


def test_a_topic_whose_term_holds_a_comma_is_one_topic(tmp_path: Path) -> None:
    """Only a part with a taxonomy of its own starts another topic: `Medigy: Payers,
    Providers` is one topic, as it was."""
    raw = ["communityTopics: 'Medigy: Payers, Providers'"]
    source, _ = _document(tmp_path, raw, drop=("communityTopics", "openProjectCustomFields"))
    out = tmp_path / "dump.nt"
    report = export_to([source], out, "nt")
    assert report.diagnostics == []
    about = {o.value.rsplit("/", 1)[1] for o in _value(parse_dump(out, "nt"), SCHEMA + "about")}
    assert about == {"medigy.payers-providers"}


def test_a_medigy_topics_that_differs_names_the_topics_that_differ(tmp_path: Path) -> None:
    """ "differs from communityTopics" blamed medigyTopics whichever of the two had lost a
    topic: the topics only one of them holds are named."""
    raw = ["communityTopics: 'Medigy: Fundamental Technologies, KLAS: Telehealth'"]
    source, _line = _document(tmp_path, raw, drop=("communityTopics",))
    report = export_to([source], tmp_path / "dump.nt", "nt")
    told = [d.message for d in report.diagnostics if d.code == "map.json"]
    assert told == [
        "differs from communityTopics (communityTopics lacks 'Symplur: Virtual Care');"
        " communityTopics is used"
    ]


_MAPPING = (
    "must be a list, each item on a line of its own starting with '- ', not a mapping of"
    " 'key: value' lines"
)
_JSON_OBJECT = (
    "is written like JSON but is not a JSON list of topics; write the topics as a YAML list,"
    " one per line"
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            ["communityTopics:", "  KLAS: Telehealth"],
            [(0, "communityTopics", "map.type", Severity.ERROR, _MAPPING)],
        ),
        (
            ["communityTopics:", "- - 'KLAS: Telehealth'"],
            [(1, "communityTopics[0]", "map.type", Severity.ERROR, "must be text, not a list")],
        ),
        (
            ["communityTopics: '[[\"KLAS: Telehealth\"]]'"],
            [
                (
                    0,
                    "communityTopics",
                    "map.json",
                    Severity.WARNING,
                    "is a JSON list written as text; read as its 0 topics (write it as a YAML"
                    " list)",
                ),
                (0, "communityTopics[0]", "map.type", Severity.ERROR, "must be text, not a list"),
            ],
        ),
        (
            ['communityTopics: \'{"KLAS": "Telehealth"}\''],
            [(0, "communityTopics", "map.json", Severity.ERROR, _JSON_OBJECT)],
        ),
        (
            ["communityTopics:", "- ''"],
            [
                (
                    1,
                    "communityTopics[0]",
                    "map.empty",
                    Severity.WARNING,
                    "is an empty item; it is left out",
                )
            ],
        ),
    ],
)
def test_medigy_topics_is_not_compared_with_a_community_topics_not_used(
    raw: list[str], expected: list[tuple[int, str, str, Severity, str]], tmp_path: Path
) -> None:
    """medigyTopics was told it "differs from communityTopics …; communityTopics is used"
    when communityTopics was itself rejected (a mapping, a list in a list): nothing of it is
    used, so only its own diagnostics are told."""
    source, line = _document(tmp_path, raw, drop=("communityTopics",))
    report = export_to([source], tmp_path / "dump.nt", "nt")
    told = [
        (d.path, d.line, d.key, d.code, d.severity, d.message)
        for d in report.diagnostics
        if d.key and "Topics" in d.key
    ]
    assert told == [(str(source), line + at, *rest) for at, *rest in expected]


@pytest.mark.parametrize(
    ("raw", "drop", "key", "says"),
    [
        (["link.href: https://e.org/x"], ("link",), "link.href", "reads href indented under link:"),
        (["titel: Hello"], ("title",), "titel", "did you mean title?"),
        (["link:", "  hreff: https://e.org/x"], ("link",), "link.hreff", "did you mean link.href?"),
    ],
)
def test_a_key_written_wrong_is_told_at_its_line(
    raw: list[str], drop: tuple[str, ...], key: str, says: str, tmp_path: Path
) -> None:
    """A mapped key with a typo, or dotted at the wrong level, would be dropped in silence
    (only counted among the keys not in the mapping)."""
    source, line = _document(tmp_path, raw, drop=drop)
    report = export_to([source], tmp_path / "dump.nt", "nt")
    told = [d for d in report.diagnostics if d.code == "map.key"]
    assert [(d.key, d.line, d.severity) for d in told] == [
        (key, line + len(raw) - 1, Severity.WARNING)
    ]
    assert says in told[0].message
    assert report.unmapped == {key: 1}


def test_hugos_own_page_keys_are_mapped(tmp_path: Path) -> None:
    """Hugo's publishDate, expiryDate, summary, keywords, linkTitle and weight are in the
    graph (they had only been counted as keys the mapping does not know)."""
    raw = [
        "publishDate: 2024-01-02T03:04:05Z",
        "expiryDate: 2030-01-01",
        "summary: In short",
        "keywords: [rpm, ccm]",
        "linkTitle: Short",
        "weight: 010",
    ]
    source, line = _document(tmp_path, raw, drop=())
    report = export_to([source], tmp_path / "dump.nt", "nt")
    quads = parse_dump(tmp_path / "dump.nt", "nt")
    dcterms = "http://purl.org/dc/terms/"
    assert _value(quads, dcterms + "available") == {
        ox.Literal("2024-01-02T03:04:05Z", datatype=ox.NamedNode(XSD + "dateTime"))
    }
    assert _value(quads, SCHEMA + "expires") == {
        ox.Literal("2030-01-01", datatype=ox.NamedNode(XSD + "date"))
    }
    assert _value(quads, SCHEMA + "abstract") == {ox.Literal("In short")}
    assert {ox.Literal("rpm"), ox.Literal("ccm")} <= _value(quads, SCHEMA + "keywords")
    assert _value(quads, SCHEMA + "alternateName") == {ox.Literal("Short")}
    assert _value(quads, "https://medigy.com/ontology/weight") == {
        ox.Literal("10", datatype=ox.NamedNode(XSD + "integer"))
    }
    assert report.unmapped == {}
    # the date without a time of day is told at its own line, as for date and lastMod
    told = [(d.key, d.line) for d in report.diagnostics if d.severity is Severity.WARNING]
    assert told == [("expiryDate", line + 1)]


def test_hugos_other_names_for_its_dates_are_read(tmp_path: Path) -> None:
    """Hugo reads pubdate and published as publishDate, unpublishdate as expiryDate and
    modified as lastmod: `unpublishdate` had even been hinted as publishDate."""
    raw = [
        "pubdate: 2024-01-02T03:04:05Z",
        "unpublishdate: 2030-01-01T00:00:00Z",
        "modified: 2024-02-02T00:00:00Z",
    ]
    source, _line = _document(tmp_path, raw, drop=("lastMod",))
    out = tmp_path / "dump.nt"
    report = export_to([source], out, "nt")
    assert report.diagnostics == [] and report.unmapped == {}
    quads = parse_dump(out, "nt")
    assert {o.value for o in _value(quads, "http://purl.org/dc/terms/available")} == {
        "2024-01-02T03:04:05Z"
    }
    assert {o.value for o in _value(quads, SCHEMA + "expires")} == {"2030-01-01T00:00:00Z"}
    assert {o.value for o in _value(quads, SCHEMA + "dateModified")} == {"2024-02-02T00:00:00Z"}


@pytest.mark.parametrize(
    ("raw", "drop", "used"),
    [
        (["publishDate: '2021-02-17T04:49:37Z'"], ("date",), "publishDate"),
        (["pubdate: '2021-02-17T04:49:37Z'"], ("date",), "pubdate"),
        (["lastMod: '2021-02-17T04:49:37Z'"], ("date", "lastMod"), "lastMod"),
    ],
)
def test_a_page_without_date_is_dated_as_hugo_dates_it(
    tmp_path: Path, raw: list[str], drop: tuple[str, ...], used: str
) -> None:
    """Hugo dates a page without `date` by its publishDate (pubdate, published), else its
    lastmod; validate said "date is missing" and the dump had no schema:datePublished. Now
    the key Hugo uses gives it, and keeps its own property too."""
    source, line = _document(tmp_path, raw, drop=drop)
    out = tmp_path / "dump.nt"
    report = export_to([source], out, "nt")
    assert report.diagnostics == []
    quads = parse_dump(out, "nt")
    moment = ox.Literal("2021-02-17T04:49:37Z", datatype=DATETIME)
    assert _value(quads, SCHEMA + "datePublished") == {moment}
    own = SCHEMA + "dateModified" if used == "lastMod" else "http://purl.org/dc/terms/available"
    assert moment in _value(quads, own)
    result = run_cli("validate", str(source), "--format", "json")
    assert result.returncode == 0, result.stdout
    assert json.loads(result.stdout)["results"] == []
    # a problem of that value is told at the key written, at its line
    text = source.read_text().replace("04:49:37Z'", "04:49:37'")
    source.write_text(text)
    result = run_cli("validate", str(source), "--format", "json")
    found = {(r["key"], r["line"]) for r in json.loads(result.stdout)["results"]}
    assert found == {(used, line)}, result.stdout


def test_publish_date_beside_date_leaves_date_as_it_is(tmp_path: Path) -> None:
    """Only a missing date is taken from publishDate: one written is schema:datePublished."""
    source, _line = _document(tmp_path, ["publishDate: '2030-01-01T00:00:00Z'"], drop=())
    out = tmp_path / "dump.nt"
    export_to([source], out, "nt")
    written = {o.value for o in _value(parse_dump(out, "nt"), SCHEMA + "datePublished")}
    assert written == {str(seed_document()["date"])}


def test_else_must_name_keys_of_the_mapping() -> None:
    spec = yaml.safe_load((data_path("ontology") / "mapping.yaml").read_text())
    spec["keys"]["date"]["else"] = ["publishdate"]
    with pytest.raises(MappingError, match="else must list other keys"):
        Mapper(spec)


def test_an_image_work_package_beyond_64_bits_is_told_as_an_id_is(tmp_path: Path) -> None:
    """The same 26-digit number got a map.integer warning as `id` and none as the image's
    `workPackage`, though both write a work package's schema:identifier."""
    raw = ["featuredImage:", "  href: a.jpg", "  workPackage: 099999999999999999999999999"]
    source, line = _document(tmp_path, raw, drop=("featuredImage",))
    report = export_to([source], tmp_path / "dump.nt", "nt")
    told = [(d.key, d.line, d.code) for d in report.diagnostics]
    assert ("featuredImage.workPackage", line + 2, "map.integer") in told
    numbers = _value_of_any(parse_dump(tmp_path / "dump.nt", "nt"), SCHEMA + "identifier")
    assert ox.Literal("99999999999999999999999999", datatype=ox.NamedNode(XSD + "integer")) in (
        numbers
    )


@pytest.mark.parametrize(
    "invisible", ["\\u200B", "\\u00AD", "\\u200B\\u200E ", "   ", "\\u3164", "\\u2800", "\\u180E"]
)
def test_a_name_of_only_invisible_characters_names_nothing(tmp_path: Path, invisible: str) -> None:
    """A community, publisher or author written as a zero-width space or a soft hyphen had an
    IRI of that character, with no word (validate then called it missing); it is as empty
    as spaces: told at its line, and nothing is named."""
    raw = [
        f'identifier: "{invisible}"',
        "link:",
        f'  brand: "{invisible}"',
        "  href: https://e.org/x",
        "author:",
        f'- "{invisible}"',
    ]
    source, line = _document(tmp_path, raw, drop=("identifier", "link", "author"))
    out = tmp_path / "dump.nt"
    report = export_to([source], out, "nt")
    told = {(d.key, d.line, d.code) for d in report.diagnostics}
    assert {
        ("identifier", line, "map.empty"),
        ("link.brand", line + 2, "map.empty"),
        ("author[0]", line + 5, "map.empty"),
    } <= told
    named = {
        q.subject.value
        for q in parse_dump(out, "nt")
        if q.subject.value.startswith(
            (
                "https://medigy.com/community/",
                "https://medigy.com/organization/",
                "https://medigy.com/person/",
            )
        )
    }
    assert named == set()


def test_hugos_other_name_beside_the_first_is_told_not_written(tmp_path: Path) -> None:
    """`published` beside `publishDate` (or `modified` beside `lastmod`) made two dates, the
    one the site never shows among them, and validate then called them a list."""
    raw = [
        "publishDate: 2024-01-02T03:04:05Z",
        "published: 2023-01-01T00:00:00Z",
        "lastmod: 2024-02-02T00:00:00Z",
        "modified: 2023-02-02T00:00:00Z",
    ]
    source, line = _document(tmp_path, raw, drop=("lastMod",))
    out = tmp_path / "dump.nt"
    report = export_to([source], out, "nt")
    told = [(d.key, d.line, d.code) for d in report.diagnostics]
    assert told == [("published", line + 1, "map.key"), ("modified", line + 3, "map.key")]
    assert "Hugo reads publishDate, so published is not written" in report.diagnostics[0].message
    quads = parse_dump(out, "nt")
    assert {o.value for o in _value(quads, "http://purl.org/dc/terms/available")} == {
        "2024-01-02T03:04:05Z"
    }
    assert {o.value for o in _value(quads, SCHEMA + "dateModified")} == {"2024-02-02T00:00:00Z"}


def test_an_empty_size_item_leaves_out_that_dimension_only(tmp_path: Path) -> None:
    """`size: ['', 1200]` rejected the whole document ("must be a list of 2 numbers"): an
    empty item is left out and told, as in any list, and the height still written."""
    raw = ["featuredImage:", "  href: a.jpg", "  size:", "  - ''", "  - 1200"]
    source, line = _document(tmp_path, raw, drop=("featuredImage",))
    out = tmp_path / "dump.nt"
    report = export_to([source], out, "nt")
    assert report.exported == 1 and report.exit_code == 0
    told = [(d.key, d.line, d.code) for d in report.diagnostics]
    assert told == [("featuredImage.size[0]", line + 3, "map.empty")]
    quads = parse_dump(out, "nt")
    assert {o.value for o in _value_of_any(quads, SCHEMA + "height")} == {"1200"}
    assert _value_of_any(quads, SCHEMA + "width") == set()
    # a trailing empty item beside both numbers is left out, not the document
    raw = ["featuredImage:", "  href: a.jpg", "  size:", "  - 2732", "  - 1200", "  - ''"]
    source, line = _document(tmp_path, raw, drop=("featuredImage",))
    report = export_to([source], out, "nt")
    assert report.exported == 1
    assert [(d.key, d.line, d.code) for d in report.diagnostics] == [
        ("featuredImage.size[2]", line + 5, "map.empty")
    ]
    quads = parse_dump(out, "nt")
    assert {o.value for o in _value_of_any(quads, SCHEMA + "width")} == {"2732"}


@pytest.mark.parametrize(
    ("typed", "datatype", "code"),
    [
        ("2023-05-02Z", "date", "map.date"),
        ("2023-05-02+05:30", "date", "map.date"),
        ("2023-05-02+15:00", "date", "map.not-a-date"),
        ("-0044-03-15T12:00:00Z", "dateTime", "map.datetime"),
        ("12023-05-02T13:30:00Z", "dateTime", "map.datetime"),
        # Oxigraph's stores keep the offset -00:01 as none: told (-00:02 is kept)
        ("2021-12-31T23:59:59-00:01", "dateTime", "map.timezone"),
        ("2021-12-31-00:01", "date", "map.timezone"),
        # Virtuoso keeps -00:00 (UTC) as no timezone, and 6 digits of a second: told
        ("2021-12-31T23:59:59-00:00", "dateTime", "map.timezone"),
        ("2021-12-31-00:00", "date", "map.timezone"),
        ("2021-12-31T23:59:59.1234567Z", "dateTime", "map.datetime"),
    ],
)
def test_dates_with_a_timezone_and_far_years(
    tmp_path: Path, typed: str, datatype: str, code: str
) -> None:
    """A date with its timezone (2023-05-02Z) is an xsd:date (it was an ill-typed dateTime);
    a year before 1 or after 9999 is valid XSD that validate (rdflib) refuses: told."""
    source, line = _document(tmp_path, [f"date: '{typed}'"], drop=("date",))
    out = tmp_path / "dump.nt"
    report = export_to([source], out, "nt")
    assert [(d.key, d.line, d.code) for d in report.diagnostics] == [("date", line, code)]
    assert _value(parse_dump(out, "nt"), SCHEMA + "datePublished") == {
        ox.Literal(typed, datatype=ox.NamedNode(XSD + datatype))
    }


def test_a_year_before_one_is_told_of_virtuosos_three_digits(tmp_path: Path) -> None:
    """The warning said "SPARQL stores can" read a year before 1; Virtuoso stores -0044 as
    -044, which is no date: the editor is told so (a year after 9999 it keeps)."""
    told = {}
    for typed in ("-0044-03-15T12:00:00Z", "12023-05-02T13:30:00Z"):
        source, _ = _document(tmp_path, [f"date: '{typed}'"], drop=("date",))
        report = export_to([source], tmp_path / "dump.nt", "nt")
        [diagnostic] = report.diagnostics
        told[typed] = diagnostic.message
    assert "Virtuoso writes a year before 1 with 3 digits (-044)" in told["-0044-03-15T12:00:00Z"]
    assert "Virtuoso" not in told["12023-05-02T13:30:00Z"]


def test_an_iri_virtuoso_gives_back_shortened_is_told(tmp_path: Path) -> None:
    """Virtuoso gives an IRI of more than 1,879 characters back as its first 1,847 and a
    hash: a web address (or a document's name) that long is told at its key, and written
    whole; one of 1,879 characters is not told."""
    href = "https://www.example.org/track?u=" + "a" * 2000
    name = "n" * 1900
    source, line = _document(
        tmp_path,
        ["link:", f"  href: {href}", "  brand: example.org", f"mdName: {name}"],
        drop=("link", "mdName"),
    )
    out = tmp_path / "dump.nt"
    report = export_to([source], out, "nt")
    told = [(d.key, d.line, d.code) for d in report.diagnostics if "1,879" in d.message]
    assert told == [("link.href", line + 1, "map.iri"), ("mdName", line + 3, "map.iri")]
    quads = parse_dump(out, "nt")
    assert _value_of_any(quads, SCHEMA + "isBasedOn") == {ox.NamedNode(href)}
    assert any(q.subject.value.endswith(name) for q in quads)
    short = "https://www.example.org/?u=" + "a" * (1879 - 27)
    assert len(short) == 1879
    source, line = _document(tmp_path, ["link:", f"  href: {short}"], drop=("link",))
    report = export_to([source], out, "nt")
    assert not [d for d in report.diagnostics if "1,879" in d.message]


def test_oxigraph_keeps_the_offset_minus_one_minute_as_none(tmp_path: Path) -> None:
    """Why -00:01 is told: the on-disk store (and so an Oxigraph server) answers the moment
    without a timezone; another offset is kept. Drop the warning once this fails."""
    store = ox.Store(str(tmp_path / "store"))
    for typed in ("2021-12-31T23:59:59-00:01", "2021-12-31T23:59:59-00:02"):
        literal = ox.Literal(typed, datatype=ox.NamedNode(XSD + "dateTime"))
        store.add(
            ox.Quad(ox.NamedNode("https://e.org/" + typed[-2:]), ox.NamedNode(SCHEMA), literal)
        )
    assert sorted(q.object.value for q in store) == [
        "2021-12-31T23:59:59-00:02",
        "2022-01-01T00:00:59",
    ]


def test_an_address_no_encoding_saves_is_one_error_not_a_warning_too(tmp_path: Path) -> None:
    """A no-break space after the port: "written as …" was told, then the same address
    "cannot be made into a valid IRI"; only the error is true."""
    raw = ["link:", '  href: "https://www.example.org:80\\u00a0/2023/agenda"', "  brand: e.org"]
    source, line = _document(tmp_path, raw, drop=("link",))
    report = export_to([source], tmp_path / "dump.nt", "nt")
    told = [(d.key, d.line, d.severity) for d in report.diagnostics if d.code == "map.iri"]
    assert told == [("link.href", line + 1, Severity.ERROR)]


def test_the_end_of_a_day_is_told_with_the_moment_to_write(tmp_path: Path) -> None:
    """`24:00:00` was told "write that instead", naming rdflib: the editor gets the moment."""
    source, line = _document(tmp_path, ["date: '2021-02-28T24:00:00Z'"], drop=("date",))
    report = export_to([source], tmp_path / "dump.nt", "nt")
    assert [(d.key, d.line, d.message) for d in report.diagnostics] == [
        (
            "date",
            line,
            "2021-02-28T24:00:00Z: 24:00:00 is the end of the day, which SPARQL stores read as"
            " 00:00:00 of the next day and validate refuses; write 2021-03-01T00:00:00Z instead",
        )
    ]


def test_an_address_that_is_none_is_told_in_an_editors_words_alone(tmp_path: Path) -> None:
    """`https://[www.…` was "cannot be made into a valid IRI" (RDF's word), and link.original
    was told to differ from it, "link.href is used", though link.href was not used at all."""
    raw = [
        "link:",
        "  href: https://[www.example.org/2023/agenda",
        "  original: https://www.example.org/2023/agenda",
        "  brand: e.org",
    ]
    source, line = _document(tmp_path, raw, drop=("link",))
    report = export_to([source], tmp_path / "dump.nt", "nt")
    told = [(d.key, d.line, d.severity, d.message) for d in report.diagnostics]
    assert told == [
        (
            "link.href",
            line + 1,
            Severity.ERROR,
            "'https://[www.example.org/2023/agenda' is not a valid web address: invalid"
            " character '[' in host",
        )
    ]


def test_an_address_with_a_port_out_of_range_is_no_web_address(tmp_path: Path) -> None:
    """`https://x.com:99999999999/a` was written as the link (RFC 3986 lets a port be any
    digits), an address no client can reach: it is told as any other invalid address."""
    raw = [
        "link:",
        "  href: https://x.com:99999999999/a",
        "  brand: x.com",
        "featuredImage:",
        "  href: https://x.com:65536/i.png",
    ]
    source, line = _document(tmp_path, raw, drop=("link", "featuredImage"))
    out = tmp_path / "dump.nt"
    report = export_to([source], out, "nt")
    told = [(d.path, d.line, d.key, d.code, d.severity, d.message) for d in report.diagnostics]
    assert told == [
        (
            str(source),
            line + 1,
            "link.href",
            "map.iri",
            Severity.ERROR,
            "'https://x.com:99999999999/a' is not a valid web address: port 99999999999 is out"
            " of range (0-65535)",
        ),
        (
            str(source),
            line + 4,
            "featuredImage.href",
            "map.iri",
            Severity.ERROR,
            "'https://x.com:65536/i.png' is not a valid web address: port 65536 is out of range"
            " (0-65535)",
        ),
    ]
    raw[1], raw[4] = "  href: https://x.com:65535/a", "  href: https://[::1]:8080/i.png"
    source, _line = _document(tmp_path, raw, drop=("link", "featuredImage"))
    report = export_to([source], out, "nt")
    assert [d for d in report.diagnostics if d.code == "map.iri"] == []
    objects = {q.object.value for q in parse_dump(out, "nt")}
    assert {"https://x.com:65535/a", "https://[::1]:8080/i.png"} <= objects


def test_medigy_topics_in_any_form_stand_in_and_are_compared(tmp_path: Path) -> None:
    """medigyTopics written as a YAML list (or one topic) was "not a JSON list": it neither
    stood in for a missing communityTopics nor was compared with a present one."""
    raw = ["openProjectCustomFields:", "  medigyTopics:", "  - 'KLAS: Other'", "  - 'Medigy: X'"]
    source, _line = _document(tmp_path, raw, drop=("openProjectCustomFields", "communityTopics"))
    out = tmp_path / "dump.nt"
    report = export_to([source], out, "nt")
    assert report.diagnostics == []
    about = {o.value.rsplit("/", 1)[1] for o in _value(parse_dump(out, "nt"), SCHEMA + "about")}
    assert about == {"klas.other", "medigy.x"}
    one = [
        "communityTopics: 'KLAS: Telehealth'",
        "openProjectCustomFields:",
        "  medigyTopics: 'KLAS: Other'",
    ]
    source, line = _document(tmp_path, one, drop=("openProjectCustomFields", "communityTopics"))
    report = export_to([source], out, "nt")
    told = [(d.key, d.line, d.message) for d in report.diagnostics]
    assert told == [
        (
            "openProjectCustomFields.medigyTopics",
            line + 2,
            "differs from communityTopics (communityTopics lacks 'KLAS: Other'; only"
            " communityTopics has 'KLAS: Telehealth'); communityTopics is used",
        )
    ]
    # a JSON list cut short is no topic (it had labelled the shared KLAS scheme `["KLAS`)
    cut = [
        "openProjectCustomFields:",
        """  medigyTopics: '["KLAS: Telehealth","Symplur: Virtual'""",
    ]
    source, line = _document(tmp_path, cut, drop=("openProjectCustomFields", "communityTopics"))
    report = export_to([source], out, "nt")
    assert [(d.key, d.line, d.code) for d in report.diagnostics] == [
        ("openProjectCustomFields.medigyTopics", line + 1, "map.json")
    ]
    assert (
        _value_of_any(parse_dump(out, "nt"), "http://www.w3.org/2004/02/skos/core#prefLabel")
        == set()
    )


def test_an_author_of_an_invisible_name_and_a_domain_names_no_person(tmp_path: Path) -> None:
    """`"\\u200b @maxinovip.com"` made person/\u200b.maxinovip.com with no word."""
    source, line = _document(tmp_path, ["author:", '- "\\u200b @maxinovip.com"'], drop=("author",))
    out = tmp_path / "dump.nt"
    report = export_to([source], out, "nt")
    assert [(d.key, d.line, d.code) for d in report.diagnostics] == [
        ("author[0]", line + 1, "map.no-person")
    ]
    assert _value(parse_dump(out, "nt"), SCHEMA + "author") == set()


def test_a_value_is_blamed_on_the_key_that_wrote_it(tmp_path: Path) -> None:
    """tags and keywords both write schema:keywords: an empty keyword is keywords[1] at its
    line, not the tags list the shape is named after."""
    raw = ["keywords:", "  - rpm", "  - '  '", "weight: heavy"]
    source, line = _document(tmp_path, raw, drop=())
    result = run_cli("validate", str(source), "--format", "json")
    assert result.returncode == 1, result.stderr
    found = {(r["key"], r["line"]) for r in json.loads(result.stdout)["results"]}
    assert found == {("keywords[1]", line + 2), ("weight", line + 3)}


def test_hugos_own_keys_are_not_taken_for_typos(tmp_path: Path) -> None:
    """`resources` is Hugo's page-resources key, not `source` written wrong; `lastmod` is the
    mapping's `lastMod` in Hugo's spelling, and read as it (Hugo reads keys without case)."""
    raw = ["resources:", "  - src: a.jpg", "outputs: [html]", "lastmod: 2024-01-02"]
    source, line = _document(tmp_path, raw, drop=("lastMod",))
    out = tmp_path / "dump.nt"
    report = export_to([source], out, "nt")
    assert [d for d in report.diagnostics if d.code == "map.key"] == []
    assert set(report.unmapped) == {"resources", "outputs"}
    assert _value(parse_dump(out, "nt"), SCHEMA + "dateModified") == {
        ox.Literal("2024-01-02", datatype=ox.NamedNode(XSD + "date"))
    }
    # what is told about the value is told at its own line, under the mapping's name
    told = [(d.key, d.line) for d in report.diagnostics]
    assert told == [("lastMod", line + 3)]


def test_a_node_not_written_names_only_the_field_it_lacks(tmp_path: Path) -> None:
    raw = [
        "featuredImage:",
        "  href: x.jpg",
        "  workPackage: 9105",
        "  wpAttachment:",
        "    fileName: [a.jpg, b.jpg]",
        "    link: /api/v3/attachments/1/content",
    ]
    source, _ = _document(tmp_path, raw, drop=("featuredImage",))
    report = export_to([source], tmp_path / "dump.nt", "nt")
    told = {d.message for d in report.diagnostics if d.code == "map.node"}
    assert told == {
        "not written: the imageAttachment it describes needs"
        " featuredImage.wpAttachment.fileName as one text, not a list"
    }


def _line_of(key: str, raw: list[str], first: int) -> int:
    """The line of ``key`` (its last name) among ``raw`` lines that start at line ``first``."""
    leaf = key.rpartition(".")[2] + ":"
    return first + next(n for n, text in enumerate(raw) if text.strip().startswith(leaf))


@pytest.mark.parametrize(
    ("raw", "drop", "key", "meant"),
    [
        (["Date: '2021-02-17T04:49:37Z'"], ("date",), "Date", "date"),
        (["Tags:", "- news"], ("tags",), "Tags", "tags"),
        (["Slug: a-slug"], ("slug",), "Slug", "slug"),
        (["Id: 4557"], ("id",), "Id", "id"),
        (["Type: communities/x"], ("type",), "Type", "type"),
        (["TITLE: Hello"], ("title",), "TITLE", "title"),
        (["featuredImage:", "  ALT: A photo"], ("featuredImage",), "featuredImage.ALT", None),
        (["FeaturedImage:", "  Alt: A photo"], ("featuredImage",), "FeaturedImage.Alt", None),
        (
            ["Link:", "  brand: e.org", "  HREF: https://e.org/x"],
            ("link",),
            "Link.HREF",
            "link.href",
        ),
    ],
)
def test_a_key_in_another_case_is_read_as_hugo_reads_it(
    raw: list[str], drop: tuple[str, ...], key: str, meant: str | None, tmp_path: Path
) -> None:
    """Hugo reads `Date:` as `date:` (keys without case): the page shows that date, and so
    does the graph. Nothing is told; the key is the mapping's in the coverage."""
    source, _line = _document(tmp_path, raw, drop=drop)
    out = tmp_path / "dump.nt"
    report = export_to([source], out, "nt")
    assert [d for d in report.diagnostics if d.code == "map.key"] == []
    assert report.unmapped == {}
    meant = meant or "featuredImage.alt"
    assert meant in report.key_documents and key not in report.key_documents
    property_of = {
        "date": ("datePublished", "2021-02-17T04:49:37Z"),
        "tags": ("keywords", "news"),
        "title": ("name", "Hello"),
        "featuredImage.alt": ("caption", "A photo"),
        "link.href": ("isBasedOn", "https://e.org/x"),
    }
    if meant in property_of:
        name, text = property_of[meant]
        assert {o.value for o in _value_of_any(parse_dump(out, "nt"), SCHEMA + name)} >= {text}


def _value_of_any(quads: set[ox.Quad], predicate: str) -> set[ox.Literal | ox.NamedNode]:
    return {q.object for q in quads if q.predicate.value == predicate}


def test_a_key_written_in_two_other_cases_reads_the_first_and_tells_the_second(
    tmp_path: Path,
) -> None:
    """`Title:` and `TITLE:` (neither the mapping's `title`) are one key to Hugo: the first
    is read, the second told at its line; it had overwritten the first without a word."""
    raw = [
        "Title: First",
        "TITLE: Second",
        "FeaturedImage:",
        "  alt: A",
        "FEATUREDIMAGE:",
        "  alt: B",
    ]
    source, line = _document(tmp_path, raw, drop=("title", "featuredImage"))
    out = tmp_path / "dump.nt"
    report = export_to([source], out, "nt")
    told = [(d.key, d.line) for d in report.diagnostics if d.code == "map.key"]
    assert told == [("TITLE", line + 1), ("FEATUREDIMAGE", line + 4)]
    assert report.unmapped == {}
    quads = parse_dump(out, "nt")
    assert {o.value for o in _value(quads, SCHEMA + "name")} == {"First"}
    assert {o.value for o in _value_of_any(quads, SCHEMA + "caption")} == {"A"}


def test_a_key_written_in_two_cases_keeps_the_mappings_and_tells_the_other(
    tmp_path: Path,
) -> None:
    """`date:` and `Date:` are one key to Hugo: the graph keeps `date`'s value, and the other
    is told at its line, as a duplicate would be."""
    raw = ["Date: '2030-01-01T00:00:00Z'"]
    source, line = _document(tmp_path, raw, drop=())
    out = tmp_path / "dump.nt"
    report = export_to([source], out, "nt")
    told = [(d.key, d.line, d.message) for d in report.diagnostics if d.code == "map.key"]
    assert told == [
        (
            "Date",
            line,
            "'Date' is not written; it is date again,"
            " as Hugo reads keys without case, and the graph has the other's value; keep one"
            " of them",
        )
    ]
    assert {o.value for o in _value(parse_dump(out, "nt"), SCHEMA + "datePublished")} == {
        "2021-02-17T04:49:37.317526Z"
    }
    assert report.unmapped == {}  # told, but a key the mapping knows: not "not in the mapping"


@pytest.mark.parametrize(
    ("raw", "drop", "key", "meant"),
    [
        (["tgas:", "- news"], ("tags",), "tgas", "tags"),
        (["sulg: a-slug"], ("slug",), "sulg", "slug"),
        (["dtae: '2021-02-17T04:49:37Z'"], ("date",), "dtae", "date"),
        (["di: 4557"], ("id",), "di", "id"),
        (["tag: news"], ("tags",), "tag", "tags"),
        (["Tgas: news"], ("tags",), "Tgas", "tags"),
        (["featuredImage:", "  atl: A photo"], ("featuredImage",), "featuredImage.atl", None),
    ],
)
def test_a_short_key_with_two_letters_swapped_is_told_at_its_line(
    raw: list[str], drop: tuple[str, ...], key: str, meant: str | None, tmp_path: Path
) -> None:
    """difflib's 0.8 never matches a swap in four letters (`tgas`, 0.75) or in two (`di`):
    a short key is one slip from the key meant."""
    source, line = _document(tmp_path, raw, drop=drop)
    report = export_to([source], tmp_path / "dump.nt", "nt")
    told = [
        (d.key, d.line, d.severity, d.message) for d in report.diagnostics if d.code == "map.key"
    ]
    meant = meant or "featuredImage.alt"
    assert told == [
        (
            key,
            _line_of(key, raw, line),
            Severity.WARNING,
            f"'{key}' is not a key the mapping knows, so it is not written; did you mean {meant}?",
        )
    ]


@pytest.mark.parametrize(
    ("raw", "drop", "key", "meant"),
    [
        (["lastmdo: '2021-02-17T10:10:10Z'"], ("lastMod",), "lastmdo", "lastMod"),
        (["mdnmae: d12da9f4"], ("mdName",), "mdnmae", "mdName"),
        (["masthaed: CCM CoP"], ("mastHead",), "masthaed", "mastHead"),
        (["owltpye: Medigy Communities"], (), "owltpye", "owlType"),
        (["basepaht: /communities/x/"], ("basePath",), "basepaht", "basePath"),
        (["featuredimage:", "  atl: A photo"], ("featuredImage",), "featuredImage.atl", None),
        (
            ["link:", "  brand: e.org", "  hreff: https://e.org/x"],
            ("link",),
            "link.hreff",
            "link.href",
        ),
        (
            ["openprojectcustomfields:", "  sourceurk: https://e.org/x"],
            ("openProjectCustomFields",),
            "openProjectCustomFields.sourceurk",
            "openProjectCustomFields.sourceUrl",
        ),
    ],
)
def test_a_key_typo_written_in_lower_case_is_told_as_the_mapping_spells_the_key(
    raw: list[str], drop: tuple[str, ...], key: str, meant: str | None, tmp_path: Path
) -> None:
    """A typo written in lower case (as Hugo's own docs write keys: lastmod) was compared
    with the mapping's names in their case: `lastmdo` was far from lastMod while `lastMdo` was
    caught, and the value (a date, the mdName that names the document) was lost in silence."""
    source, line = _document(tmp_path, raw, drop=drop)
    report = export_to([source], tmp_path / "dump.nt", "nt")
    told = [
        (d.key, d.line, d.severity, d.message) for d in report.diagnostics if d.code == "map.key"
    ]
    meant = meant or "featuredImage.alt"
    assert told == [
        (
            key,
            _line_of(key, raw, line),
            Severity.WARNING,
            f"'{key}' is not a key the mapping knows, so it is not written; did you mean {meant}?",
        )
    ]


def test_hugos_keys_and_ignored_keys_in_lower_case_are_not_taken_for_typos(
    tmp_path: Path,
) -> None:
    """Compared without case, Hugo's own keys and the keys the mapping ignores, written in
    lower case as Hugo allows, are still not offered as typos of a Medigy key."""
    raw = ["expirydate: 2030-01-01T00:00:00Z", "iscjklanguage: false", "translationkey: x"]
    raw += ["resources: []", "outputs: [html]", "layout: x", "headless: false", "markup: md"]
    raw += ["breadcrumblinks: [/]", "owltype: Medigy Communities", "linktitle: Short"]
    source, _ = _document(tmp_path, raw, drop=("breadcrumbLinks", "owlType"))
    report = export_to([source], tmp_path / "dump.nt", "nt")
    assert [d.format() for d in report.diagnostics if d.code == "map.key"] == []
    assert set(report.unmapped) == {
        "iscjklanguage",
        "translationkey",
        "resources",
        "outputs",
        "layout",
        "headless",
        "markup",
    }


def test_short_keys_of_hugo_or_far_from_any_key_are_not_taken_for_typos(tmp_path: Path) -> None:
    """Hugo's own keys stay quiet (`url`, `menus`, `build`), and so does a short key more than
    one slip from every mapped key (`toc`, `lang`)."""
    raw = ["url: /x/", "menus: main", "build: {}", "toc: true", "lang: en", "src: a.jpg"]
    raw += ["data: x"]  # a letter changed: as likely the site's own key
    source, _ = _document(tmp_path, raw, drop=())
    report = export_to([source], tmp_path / "dump.nt", "nt")
    assert [d.format() for d in report.diagnostics if d.code == "map.key"] == []
    assert set(report.unmapped) == {"url", "menus", "build", "toc", "lang", "src", "data"}


@pytest.mark.parametrize(
    ("raw", "drop", "key", "meant"),
    [
        (
            ["lnik:", "  brand: e.org", "  href: https://e.org/x"],
            ("link",),
            "lnik",
            "link?",
        ),
        (
            [
                "featuredImage:",
                "  href: a.jpg",
                "  wpAttachmnet:",
                "    fileName: a.jpg",
                "    link: /api/v3/attachments/1/content",
            ],
            ("featuredImage",),
            "featuredImage.wpAttachmnet",
            "featuredImage.wpAttachment?",
        ),
    ],
)
def test_a_group_written_wrong_is_told_once_at_its_own_line(
    raw: list[str], drop: tuple[str, ...], key: str, meant: str, tmp_path: Path
) -> None:
    """`FeaturedImage:` drops every key below it: one hint at its line, not one per key."""
    source, line = _document(tmp_path, raw, drop=drop)
    report = export_to([source], tmp_path / "dump.nt", "nt")
    told = [
        (d.key, d.line, d.severity, d.message) for d in report.diagnostics if d.code == "map.key"
    ]
    assert told == [
        (
            key,
            _line_of(key, raw, line),
            Severity.WARNING,
            f"'{key}' is not a key the mapping knows, so it is not written (nor anything under"
            f" it); did you mean {meant}",
        )
    ]


@pytest.mark.parametrize(
    ("raw", "drop", "empty", "written"),
    [
        (["author:", "- ", "- Vinit @maxinovip.com"], ("author",), ["author[0]"], 1),
        (["author:", "- '   '", "- Vinit @maxinovip.com"], ("author",), ["author[0]"], 1),
        (
            ["communityTopics:", "- 'KLAS: Telehealth'", "- # gone", "- ''", "- '  '"],
            ("communityTopics",),
            ["communityTopics[1]", "communityTopics[2]", "communityTopics[3]"],
            1,
        ),
        (["tags:", "- news", "- ~"], ("tags",), ["tags[1]"], 1),
    ],
)
def test_an_empty_list_item_is_told_at_its_line(
    raw: list[str], drop: tuple[str, ...], empty: list[str], written: int, tmp_path: Path
) -> None:
    """An item left empty (`- `, `- #…`, `- ''`, or only spaces where a name is meant) is no
    author or topic: it is left out, and the editor told at its own line."""
    source, line = _document(tmp_path, raw, drop=drop)
    out = tmp_path / "dump.nt"
    report = export_to([source], out, "nt")
    told = [
        (d.key, d.line, d.severity, d.message) for d in report.diagnostics if d.code == "map.empty"
    ]
    assert told == [
        (
            key,
            line + int(key[key.index("[") + 1 : -1]) + 1,
            Severity.WARNING,
            "is an empty item; it is left out",
        )
        for key in empty
    ]
    assert report.exported == 1
    predicate = {
        "author": SCHEMA + "author",
        "communityTopics": SCHEMA + "about",
        "tags": SCHEMA + "keywords",
    }
    assert len(_value(parse_dump(out, "nt"), predicate[drop[0]])) == written


@pytest.mark.parametrize(
    ("raw", "drop", "key", "node", "not_written"),
    [
        (["id:"], ("id",), "id", "workPackage", ["openProjectWorkPackageType"]),
        (["id: '  '"], ("id",), "id", "workPackage", ["openProjectWorkPackageType"]),
        (
            ["identifier:"],
            ("identifier",),
            "identifier",
            "community",
            ["mastHead", "type"],
        ),
    ],
)
def test_a_key_emptied_that_names_a_node_is_told_at_its_line(
    raw: list[str],
    drop: tuple[str, ...],
    key: str,
    node: str,
    not_written: list[str],
    tmp_path: Path,
) -> None:
    """`id:` left empty (or only spaces): told at the id line, besides each key not written
    for want of it; an id of spaces is no id, as an empty one."""
    source, line = _document(tmp_path, raw, drop=drop)
    report = export_to([source], tmp_path / "dump.nt", "nt")
    told = sorted((d.key, d.line, d.code, d.message) for d in report.diagnostics)
    assert (key, line, "map.empty", f"is empty, so the {node} it names is not written") in told
    assert sorted(d.key for d in report.diagnostics if d.code == "map.node") == not_written
    assert len(told) == 1 + len(not_written)


def test_a_web_address_of_only_spaces_is_none(tmp_path: Path) -> None:
    """`featuredImage.href: '  '` resolved to the page's folder and `link.href: '  '` was
    "not a web address": both are no value, as empty ones (link.original stands in)."""
    raw = [
        "featuredImage:",
        "  href: '  '",
        "  alt: A photo",
        "link:",
        "  href: '   '",
        "  original: https://e.org/x",
    ]
    # without the seed's cleanUrl and sourceUrl, which link.original standing in would be
    # told it differs from
    drop = ("featuredImage", "link", "openProjectCustomFields")
    source, _ = _document(tmp_path, raw, drop=drop)
    out = tmp_path / "dump.nt"
    report = export_to([source], out, "nt")
    assert [d.format() for d in report.diagnostics] == []
    quads = parse_dump(out, "nt")
    assert [q for q in quads if q.predicate.value == SCHEMA + "contentUrl"] == []
    assert _value(quads, SCHEMA + "isBasedOn") == {ox.NamedNode("https://e.org/x")}


@pytest.mark.parametrize(
    ("link", "used", "told"),
    [
        (
            ["link:", "  original: https://x.com/a"],
            "link.original",
            ["openProjectCustomFields.cleanUrl", "openProjectCustomFields.sourceUrl"],
        ),
        ([], "openProjectCustomFields.cleanUrl", ["openProjectCustomFields.sourceUrl"]),
    ],
)
def test_a_variant_standing_in_for_link_href_is_checked_against_the_others(
    link: list[str], used: str, told: list[str], tmp_path: Path
) -> None:
    """Without link.href, the variant standing in was used and the others, which disagree
    with it, went untold; they are checked against it as against link.href."""
    raw = [
        *link,
        "openProjectCustomFields:",
        "  cleanUrl: https://y.org/b",
        "  sourceUrl: https://z.net/c",
    ]
    source, _ = _document(tmp_path, raw, drop=("link", "openProjectCustomFields"))
    out = tmp_path / "dump.nt"
    report = export_to([source], out, "nt")
    assert report.exit_code == 0
    variants = [d for d in report.diagnostics if d.code == "map.url-variant"]
    assert [d.key for d in variants] == told
    assert all(f"differs from {used} (" in d.message for d in variants)
    url = "https://x.com/a" if link else "https://y.org/b"
    assert _value(parse_dump(out, "nt"), SCHEMA + "isBasedOn") == {ox.NamedNode(url)}


@pytest.mark.parametrize(
    ("base_path", "href", "kind"),
    [
        (["basePath:", "- /communities/a/news/", "- /communities/b/news/"], "photo.jpeg", "list"),
        (["basePath:", "- /communities/a/news/", "- /communities/b/news/"], "?w=8", "list"),
        (["basePath:", "- /communities/a/news/", "- /communities/b/news/"], "/img/a.png", None),
    ],
)
def test_an_image_resolved_against_base_path_given_as_a_list_is_an_error(
    base_path: list[str], href: str, kind: str | None, tmp_path: Path
) -> None:
    """``basePath: [a, b]`` left the page's folder unknown, and ``photo.jpeg`` was resolved
    against the site's root (https://medigy.com/photo.jpeg) with no word: an error at
    basePath's line. An address from the site's root does not depend on it."""
    raw = [*base_path, "featuredImage:", f"  href: {href}"]
    source, line = _document(tmp_path, raw, drop=("basePath", "featuredImage"))
    out = tmp_path / "dump.nt"
    report = export_to([source], out, "nt")
    told = [
        (d.key, d.line, d.code, d.severity, d.message)
        for d in report.diagnostics
        if d.key == "basePath"
    ]
    if kind is None:
        assert told == [] and report.exit_code == 0
        urls = {
            q.object for q in parse_dump(out, "nt") if q.predicate.value == SCHEMA + "contentUrl"
        }
        assert urls == {ox.NamedNode("https://medigy.com/img/a.png")}
        return
    assert told == [
        (
            "basePath",
            line,
            "map.type",
            Severity.ERROR,
            f"must be one text, not a {kind}: featuredImage.href ({href}) is resolved against it",
        )
    ]
    assert report.exit_code == 1 and report.exported == 0


@pytest.mark.parametrize(
    ("group", "key", "says"),
    [
        ("featuredImage", "caption", "under featuredImage it reads alt, format, href, size,"),
        ("featuredImage", "credit", "under featuredImage it reads alt, format, href, size,"),
        ("link", "title", "under link it reads brand, href, original"),
        (
            "openProjectCustomFields",
            "reviewer",
            "under openProjectCustomFields it reads cleanUrl, medigyTopics, sourceUrl",
        ),
        ("openProjectCustomFields", "sourceUrk", "did you mean openProjectCustomFields.sourceUrl?"),
        ("link", "hrfe", "did you mean link.href?"),
    ],
)
def test_an_unknown_key_in_a_group_is_told_and_compared_by_its_own_name(
    group: str, key: str, says: str, tmp_path: Path
) -> None:
    """The group's name, shared by every key in it, made any two look alike to difflib
    (`featuredImage.caption`: "did you mean featuredImage.alt?", `…reviewer`: "…sourceUrl?"),
    while `link.title` (a shorter group) was not told at all. Each key in a group the mapping
    reads is told at its line, with a key meant only when its own name is close."""
    seed = seed_document()[group]
    raw = [f"{group}:"] + [f"  {name}: {json.dumps(value)}" for name, value in seed.items()]
    raw += [f"  {key}: x"]
    source, line = _document(tmp_path, raw, drop=(group,))
    report = export_to([source], tmp_path / "dump.nt", "nt")
    told = [(d.key, d.line, d.message) for d in report.diagnostics if d.code == "map.key"]
    assert [row[:2] for row in told] == [(f"{group}.{key}", line + len(raw) - 1)]
    assert told[0][2].startswith(f"'{group}.{key}' is not a key the mapping knows, so it is not")
    assert says in told[0][2]
    assert report.unmapped == {f"{group}.{key}": 1}


def test_an_unknown_dotted_key_at_the_top_is_told_as_one_key_with_a_dot(tmp_path: Path) -> None:
    """`'link.title':` at the top was told "under link it reads …", as if written under link."""
    source, line = _document(tmp_path, ["'link.title': A title"], drop=())
    report = export_to([source], tmp_path / "dump.nt", "nt")
    told = [(d.key, d.line, d.message) for d in report.diagnostics if d.code == "map.key"]
    assert told == [
        (
            "link.title",
            line,
            "'link.title' is not a key the mapping knows, so it is not written; it is one key"
            " with a dot in its name, and the mapping reads only brand, href, original indented"
            " under link:",
        )
    ]


@pytest.mark.parametrize(
    "topics",
    [
        # another order, as an editor ranks them
        "['KLAS: Telehealth', 'Medigy: Fundamental Technologies', 'Symplur: Virtual Care']",
        # one written twice
        "['Medigy: Fundamental Technologies', 'KLAS: Telehealth', 'Symplur: Virtual Care',"
        " 'KLAS: Telehealth']",
    ],
)
def test_a_medigy_topics_with_the_same_topics_in_another_order_is_not_told(
    tmp_path: Path, topics: str
) -> None:
    """The topics are a set in the graph (schema:about has no order): medigyTopics holding
    the same ones as communityTopics gives the same graph either way, and there is nothing to
    tell (it was told "differs from communityTopics", without saying how)."""
    source, _line = _document(tmp_path, [f"communityTopics: {topics}"], drop=("communityTopics",))
    out = tmp_path / "dump.nt"
    report = export_to([source], out, "nt")
    assert [d.message for d in report.diagnostics if d.code == "map.json"] == []
    about = {o.value.rsplit("/", 1)[1] for o in _value(parse_dump(out, "nt"), SCHEMA + "about")}
    assert about == {"klas.telehealth", "medigy.fundamental-technologies", "symplur.virtual-care"}


@pytest.mark.parametrize(
    ("key", "raw"),
    [
        ("author", ["author:", "  name: Vinit @maxinovip.com"]),
        ("communityTopics", ["communityTopics:", "  KLAS: Telehealth", "  Medigy: Care"]),
        ("tags", ["tags:", "  news: 1"]),
    ],
)
def test_a_mapping_where_a_list_is_expected_is_told_as_no_list(
    tmp_path: Path, key: str, raw: list[str]
) -> None:
    """`communityTopics:` with `KLAS: Telehealth` below it (the list's dashes forgotten) was
    told "must be text, not a mapping": the editor is told to write a list."""
    source, line = _document(tmp_path, raw, drop=(key, "openProjectCustomFields"))
    report = export_to([source], tmp_path / "dump.nt", "nt")
    assert report.rejected == 1
    assert [(d.key, d.line, d.severity, d.code, d.message) for d in report.diagnostics] == [
        (
            key,
            line,
            Severity.ERROR,
            "map.type",
            "must be a list, each item on a line of its own starting with '- ', not a mapping"
            " of 'key: value' lines",
        )
    ]


def _with_key(rule: dict[str, object]) -> Mapper:
    spec = yaml.safe_load((data_path("ontology") / "mapping.yaml").read_text())
    spec["keys"]["alsoKnownAs"] = rule
    return Mapper(spec)


def test_items_on_a_name_key_tells_one_text_holding_commas(tmp_path: Path) -> None:
    """``items:`` on a key converted ``as: name`` (a list of names) was silently ignored:
    ``alsoKnownAs: RPM, Remote bundle`` became one name with no word, where ``as: text``
    gives the ``map.list`` warning the mapping's comment promises for ``items``."""
    mapper = _with_key({"property": "schema:alternateName", "as": "name", "items": "name"})
    source, line = _document(tmp_path, ["alsoKnownAs: RPM, Remote bundle"], drop=())
    files, _ = discover([source])
    doc, _problems = read_document(files[0])
    assert doc is not None
    done = mapper.map(doc)
    told = [(d.key, d.line, d.code) for d in done.diagnostics]
    assert ("alsoKnownAs", line, "map.list") in told
    names = {t.object for t in done.triples if t.predicate.value == SCHEMA + "alternateName"}
    assert names == {ox.Literal("RPM, Remote bundle")}


def test_items_on_a_key_whose_converter_ignores_it_is_refused() -> None:
    with pytest.raises(MappingError, match="key alsoKnownAs: items is read by as: text"):
        _with_key({"property": "schema:alternateName", "as": "integer", "items": "number"})


def test_a_renamed_work_package_node_still_says_what_the_graph_is_derived_from(
    tmp_path: Path,
) -> None:
    """The document graph's ``prov:wasDerivedFrom`` the work package was found by the node's
    name in Python (``workPackage``): a mapping naming that node otherwise (``openProject``)
    silently lost it. It is the node named by a key the document is keyed by (``id``)."""
    source, _line = _document(tmp_path, [], drop=())
    files, _ = discover([source])
    doc, _problems = read_document(files[0])
    assert doc is not None
    derived = "http://www.w3.org/ns/prov#wasDerivedFrom"

    def sources(mapper: Mapper) -> set[str]:
        done = mapper.map(doc)
        assert done.graph_name is not None
        return {
            t.object.value
            for t in done.triples
            if t.subject == done.graph_name and t.predicate.value == derived
        }

    text = (data_path("ontology") / "mapping.yaml").read_text()
    renamed = yaml.safe_load(
        text.replace("  workPackage:\n", "  openProject:\n").replace(
            "node: workPackage,", "node: openProject,"
        )
    )
    assert "openProject" in renamed["nodes"]
    expected = sources(load_mapping())
    assert any("/work-package/" in iri for iri in expected)
    assert sources(Mapper(renamed)) == expected


def test_a_key_of_a_node_whose_owner_is_missing_names_what_the_owner_needs(
    tmp_path: Path,
) -> None:
    """A node owned by another (``owner:``) whose own fields are written but whose owner's
    are not was told "needs <its own field>", the key that was written: the owner's fields,
    the ones to write, went unsaid. (The bundled mapping's one owned node, the image's
    attachment, has an owner that always exists.)"""
    spec = yaml.safe_load((data_path("ontology") / "mapping.yaml").read_text())
    spec["nodes"]["vendor"] = {
        "iri": "vendor/{slug:vendorName}",
        "class": "schema:Organization",
        "link": "schema:provider",
    }
    spec["nodes"]["contact"] = {
        "iri": "contact/{host:vendorDomain}",
        "class": "schema:ContactPoint",
        "link": "schema:contactPoint",
        "owner": "vendor",
    }
    spec["keys"]["vendorName"] = {"node": "vendor", "property": "schema:name", "as": "name"}
    spec["keys"]["vendorDomain"] = {"node": "contact", "property": "schema:url", "as": "text"}
    source, line = _document(tmp_path, ["vendorDomain: acme.com"], drop=())
    files, _ = discover([source])
    doc, _problems = read_document(files[0])
    assert doc is not None
    done = Mapper(spec).map(doc)
    (told,) = [d for d in done.diagnostics if d.key == "vendorDomain"]
    assert told.line == line and told.code == "map.node"
    assert "vendorName" in told.message and "needs vendorDomain" not in told.message


@pytest.mark.parametrize(
    ("written", "lexical", "told"),
    [
        ("499.99", "499.99", False),
        ("'1.50'", "1.5", False),
        ("12", "12", False),
        ("+012.0", "12", False),
        ("-0.0", "0", False),
        (".5", "0.5", False),
        ("'1,200'", "1,200", True),
        ("1e3", "1e3", True),
    ],
)
def test_a_decimal_key_writes_the_canonical_number_stores_and_rdflib_agree_on(
    tmp_path: Path, written: str, lexical: str, told: bool
) -> None:
    """A price (499.99) could not be mapped without Python: the converters had whole numbers
    only. ``as: decimal`` writes ``xsd:decimal`` in its canonical form (``1.50`` is ``1.5``,
    as Oxigraph keeps it and rdflib reads it), other text as typed with a ``map.decimal``
    warning, as ``integer`` does."""
    mapper = _with_key({"property": "schema:price", "as": "decimal"})
    source, line = _document(tmp_path, [f"alsoKnownAs: {written}"], drop=())
    files, _ = discover([source])
    doc, _problems = read_document(files[0])
    assert doc is not None
    done = mapper.map(doc)
    decimal = ox.NamedNode(XSD + "decimal")
    (price,) = [t.object for t in done.triples if t.predicate.value == SCHEMA + "price"]
    assert price == ox.Literal(lexical, datatype=decimal)
    codes = [(d.key, d.line, d.code) for d in done.diagnostics]
    assert (("alsoKnownAs", line, "map.decimal") in codes) is told
    if not told:  # the term a store keeps is the one written
        store = ox.Store()
        store.add(ox.Quad(done.subject, ox.NamedNode(SCHEMA + "price"), price))  # type: ignore[arg-type]
        assert [q.object for q in store] == [price]


def test_a_media_type_table_written_in_lower_case_is_read(tmp_path: Path) -> None:
    """``kinds.media-type`` was looked up by the value in upper case only: a mapping that
    wrote its names as ``heic: image/heic`` never matched ``heic`` nor ``HEIC``, each told as
    an unknown format and written as typed."""
    spec = yaml.safe_load((data_path("ontology") / "mapping.yaml").read_text())
    spec["kinds"]["media-type"]["heic"] = "image/heic"
    source, _line = _document(
        tmp_path, ["featuredImage:", "  format: heic"], drop=("featuredImage",)
    )
    files, _ = discover([source])
    doc, _problems = read_document(files[0])
    assert doc is not None
    done = Mapper(spec).map(doc)
    assert not [d for d in done.diagnostics if d.code == "map.media-type"]
    formats = {t.object for t in done.triples if t.predicate.value == SCHEMA + "encodingFormat"}
    assert formats == {ox.Literal("image/heic")}
