"""Report formats: each is valid for the tool that reads it and says the same as the text."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import rdflib

from medigraph.diagnostics import Diagnostic, Severity
from medigraph.reports import github, junit, render, sarif, text, to_json, turtle
from medigraph.validation import DocumentOutcome, Result, ValidationReport, validate

ROOT = Path(__file__).resolve().parent.parent
BROKEN = ROOT / "examples" / "broken"
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")


def sample() -> ValidationReport:
    bad = "docs/a, b.md"
    diagnostics = [
        Diagnostic(
            bad,
            3,
            "title",
            Severity.ERROR,
            "100% wrong:\nfix it",
            "shacl.MinCount",
            "https://medigy.com/content/a",
            "https://medigy.com/shapes/T",
        ),
        Diagnostic(
            bad,
            9,
            "tags[0]",
            Severity.WARNING,
            "too long",
            "shacl.MaxLength",
            "https://medigy.com/content/a",
            "https://medigy.com/shapes/K",
        ),
        Diagnostic("docs/c.md", 1, None, Severity.ERROR, "no front matter", "read.framing"),
        Diagnostic("docs/d.md", 2, "type", Severity.INFO, "style", "shacl.Pattern"),
    ]
    result = Result(
        "<https://medigy.com/content/a>",
        "<http://schema.org/name>",
        None,
        "https://medigy.com/shapes/T",
        str(SH.MinCountConstraintComponent),
        Severity.ERROR,
        "100% wrong:\nfix it",
    )
    return ValidationReport(
        documents=[
            DocumentOutcome(bad, "https://medigy.com/content/a", False, diagnostics[:2]),
            DocumentOutcome("docs/c.md", None, True, diagnostics[2:3]),
            DocumentOutcome("docs/d.md", None, False, diagnostics[3:]),
            DocumentOutcome("docs/e.md", "https://medigy.com/content/e", False, []),
        ],
        results=[result],
    )


def test_text_lines_are_path_line_severity_key_message() -> None:
    lines = text(sample()).splitlines()
    assert lines[0] == "docs/a, b.md:3: error: title: 100% wrong: fix it"
    assert lines[1] == "    focus https://medigy.com/content/a  shape https://medigy.com/shapes/T"
    assert lines[4] == "docs/c.md:1: error: no front matter"


def test_github_annotations_escape_data_and_properties() -> None:
    assert github(sample()).splitlines() == [
        "::error file=docs/a%2C b.md,line=3,title=title::100%25 wrong:%0Afix it",
        "::warning file=docs/a%2C b.md,line=9,title=tags[0]::too long",
        "::error file=docs/c.md,line=1,title=read.framing::no front matter",
        "::notice file=docs/d.md,line=2,title=type::style",
    ]


def test_github_escapes_colons_in_properties() -> None:
    report = ValidationReport(general=[Diagnostic("C:/x.md", 1, "a:b", Severity.ERROR, "m", "c")])
    assert github(report) == "::error file=C%3A/x.md,line=1,title=a%3Ab::m\n"


def test_github_names_files_as_the_repository_does(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """`medigraph validate ./content --format github` wrote `file=./content/x.md`, and an
    absolute PATH `file=/home/runner/…/x.md`: GitHub shows such annotations on no file of
    the pull request. Relative to the checkout, as the SARIF report names them."""
    monkeypatch.chdir(tmp_path)
    report = ValidationReport(
        general=[
            Diagnostic("./content/a.md", 3, "title", Severity.ERROR, "m", "c"),
            Diagnostic(str(tmp_path / "content" / "b.md"), 4, "date", Severity.ERROR, "m", "c"),
        ]
    )
    assert github(report).splitlines() == [
        "::error file=content/a.md,line=3,title=title::m",
        "::error file=content/b.md,line=4,title=date::m",
    ]


def test_junit_has_the_structure_jenkins_and_github_read() -> None:
    root = ET.fromstring(junit(sample()).split("\n", 1)[1])
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    for attr in ("name", "tests", "failures", "errors"):
        assert attr in suite.attrib
    assert suite.get("tests") == "4"
    assert suite.get("failures") == "2"
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["docs/a, b.md", "docs/c.md", "docs/d.md", "docs/e.md"]
    for case in cases:
        assert case.get("classname") and case.get("name")
        for failure in case.findall("failure"):
            assert failure.get("message") and failure.get("type")
    failure = cases[0].find("failure")
    assert failure is not None
    assert failure.get("type") == "shacl.MinCount"
    assert failure.get("message") == "title: 100% wrong: fix it"
    assert cases[3].find("failure") is None


def test_sarif_has_the_fields_code_scanning_requires() -> None:
    log = json.loads(sarif(sample()))
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-2.1.0.json")
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "medigraph"
    rules = driver["rules"]
    assert len({r["id"] for r in rules}) == len(rules) == 4
    for rule in rules:
        assert rule["id"] and rule["shortDescription"]["text"]
    assert len(run["results"]) == 4
    for result in run["results"]:
        assert result["ruleId"] in {r["id"] for r in rules}
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
        assert result["message"]["text"]
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert not physical["artifactLocation"]["uri"].startswith("/")
        assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert physical["region"]["startLine"] >= 1
    first = run["results"][0]
    assert first["ruleId"] == "https://medigy.com/shapes/T#MinCount"
    assert (
        first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "docs/a%2C%20b.md"
    )
    assert [r["level"] for r in run["results"]] == ["error", "warning", "error", "note"]


def test_json_lists_every_result() -> None:
    data = json.loads(to_json(sample()))
    assert data["conforms"] is False
    assert data["summary"] == {"error": 2, "warning": 1, "info": 1}
    assert data["results"][0] == {
        "path": "docs/a, b.md",
        "line": 3,
        "key": "title",
        "severity": "error",
        "message": "100% wrong:\nfix it",
        "code": "shacl.MinCount",
        "focus": "https://medigy.com/content/a",
        "shape": "https://medigy.com/shapes/T",
    }


def test_turtle_is_a_shacl_validation_report() -> None:
    graph = rdflib.Graph().parse(data=turtle(sample()), format="turtle")
    (report,) = graph.subjects(rdflib.RDF.type, SH.ValidationReport)
    assert graph.value(report, SH.conforms).toPython() is False
    result, unread = sorted(graph.objects(report, SH.result))
    # the document that could not be read is a result too: its file, its check, its line
    assert graph.value(unread, SH.focusNode) == rdflib.URIRef(
        (Path.cwd() / "docs" / "c.md").as_uri()
    )
    assert graph.value(unread, SH.sourceConstraintComponent) == rdflib.URIRef(
        "urn:medigraph:check:read.framing"
    )
    assert graph.value(unread, SH.resultMessage).toPython() == "no front matter"
    assert graph.value(unread, rdflib.URIRef("urn:medigraph:line")).toPython() == 1
    assert graph.value(result, SH.focusNode) == rdflib.URIRef("https://medigy.com/content/a")
    assert graph.value(result, SH.resultPath) == rdflib.URIRef("http://schema.org/name")
    assert graph.value(result, SH.resultSeverity) == SH.Violation
    assert graph.value(result, SH.sourceShape) == rdflib.URIRef("https://medigy.com/shapes/T")


def test_reports_of_a_real_run_are_deterministic() -> None:
    first = validate([BROKEN], jobs=1)
    second = validate([BROKEN], jobs=2, batch_size=1)
    for fmt in ("text", "json", "turtle", "github", "sarif"):
        if fmt == "text":
            strip = lambda s: s.rsplit("\n", 2)[0]  # noqa: E731  (the summary has the time)
            assert strip(render(first, fmt)) == strip(render(second, fmt))
        else:
            assert render(first, fmt) == render(second, fmt), fmt
    sarif_log = json.loads(render(first, "sarif"))
    lines = {
        (
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].rsplit("/", 1)[-1],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for r in sarif_log["runs"][0]["results"]
    }
    assert ("2d17fe5a-682d-580e-b356-af49467a076e.md", 1) in lines


def test_a_text_diagnostic_is_one_line_whatever_the_file_name_holds(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from medigraph.cli import cli

    corpus = tmp_path / "content"
    corpus.mkdir()
    name = "a\n::error file=x::forged\x1b[2J.md"
    (corpus / name).write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["export", str(corpus), "-o", str(tmp_path / "d.ttl"), "--no-store"]
    )
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert not any(line.startswith("::error") for line in lines), lines
    assert "\x1b" not in result.stderr
    assert any("a\\x0a::error file=x::forged\\x1b[2J.md:" in line for line in lines), lines


def test_the_text_report_keeps_the_spaces_of_a_quoted_value() -> None:
    """`'   '` (three spaces) was shown as `' '`: only line breaks become one space."""
    said = Diagnostic("a.md", 4, "link.brand", Severity.WARNING, "'   ' shows nothing", "map.empty")
    multi = Diagnostic("a.md", 5, "title", Severity.ERROR, "first\n   second", "shacl.X")
    report = ValidationReport(documents=[DocumentOutcome("a.md", None, False, [said, multi])])
    lines = text(report).splitlines()
    assert "a.md:4: warning: link.brand: '   ' shows nothing" in lines
    assert (
        sum(
            line.startswith("a.md:5: error: title: first") and line.endswith("second")
            for line in lines
        )
        == 1
    )


def _only(severity: Severity, code: str = "shacl.MinCount", path: str = "a.md") -> ValidationReport:
    problem = Diagnostic(path, 4, "description", severity, "is missing", code)
    return ValidationReport(
        documents=[DocumentOutcome(path, None, code.startswith("read."), [problem])]
    )


def test_turtle_conforms_only_without_any_result_and_lists_reading_errors() -> None:
    """SHACL: sh:conforms is true only when there is no result at all, whatever its severity;
    a document that could not be read or mapped fails the report as it fails the run."""
    for report, conforms in (
        (ValidationReport(documents=[DocumentOutcome("a.md", None, False, [])]), True),
        (_only(Severity.ERROR, "map.iri"), False),
    ):
        graph = rdflib.Graph().parse(data=turtle(report), format="turtle")
        (top,) = graph.subjects(rdflib.RDF.type, SH.ValidationReport)
        assert graph.value(top, SH.conforms).toPython() is conforms
        assert len(list(graph.objects(top, SH.result))) == (0 if conforms else 1)
    warned = ValidationReport(
        documents=[DocumentOutcome("a.md", None, False, [])],
        results=[
            Result(
                "<https://medigy.com/content/a>",
                None,
                None,
                "https://medigy.com/shapes/T",
                str(SH.MinCountConstraintComponent),
                Severity.WARNING,
                "recommended",
            )
        ],
    )
    graph = rdflib.Graph().parse(data=turtle(warned), format="turtle")
    assert graph.value(rdflib.URIRef("urn:medigraph:report"), SH.conforms).toPython() is False


def test_fail_on_decides_what_json_and_junit_call_failed() -> None:
    warned = _only(Severity.WARNING)
    assert json.loads(to_json(warned))["conforms"] is True
    assert json.loads(to_json(warned, Severity.WARNING))["conforms"] is False
    for fail_on, failures in ((Severity.ERROR, "0"), (Severity.WARNING, "1")):
        root = ET.fromstring(junit(warned, fail_on))
        assert root.get("failures") == failures
        assert len(root.findall(".//failure")) == int(failures)


def test_junit_has_one_failure_per_test_case_and_no_control_characters() -> None:
    name = "ctl\x01name\x1b.md"
    problems = [
        Diagnostic(name, 2, "x\x01y", Severity.ERROR, "is written twice", "read.duplicate-key"),
        Diagnostic(name, 5, "date", Severity.ERROR, "is not a date", "shacl.Datatype"),
    ]
    report = ValidationReport(documents=[DocumentOutcome(name, None, True, problems)])
    xml = junit(report)
    root = ET.fromstring(xml)  # expat refuses the characters XML 1.0 cannot hold
    (case,) = root.iter("testcase")
    (failure,) = case.findall("failure")
    assert case.get("name") == "ctl\\x01name\\x1b.md"
    assert "(and 1 more)" in (failure.get("message") or "")
    assert "is written twice" in (failure.text or "") and "is not a date" in (failure.text or "")


def test_github_escapes_control_characters_and_says_when_it_hides_annotations() -> None:
    name = "ctl\x1bname.md"
    report = ValidationReport(
        documents=[
            DocumentOutcome(
                name,
                None,
                False,
                [
                    Diagnostic(name, n, f"k{n}", Severity.ERROR, "bad", "shacl.MinCount")
                    for n in range(1, 13)
                ],
            )
        ]
    )
    lines = github(report).splitlines()
    assert "\x1b" not in "".join(lines)
    assert len(lines) == 13 and lines[0].startswith("::notice title=medigraph validate::12 errors")
    assert "ctl\\x1bname.md" in lines[1]


def test_github_tells_the_counts_first_where_github_shows_them() -> None:
    """GitHub keeps the first 10 notices of a step: with 12 infos, a counts notice after them
    would be the 13th, hidden exactly when it is needed."""
    report = ValidationReport(
        documents=[
            DocumentOutcome(
                "a.md",
                None,
                False,
                [Diagnostic("a.md", n, "k", Severity.INFO, "style", "shacl.In") for n in range(12)]
                + [Diagnostic("a.md", 20, "t", Severity.ERROR, "bad", "shacl.MinCount")],
            )
        ]
    )
    lines = github(report).splitlines()
    notices = [line for line in lines if line.startswith("::notice")]
    assert notices[0] == (
        "::notice title=medigraph validate::1 error, 12 infos; GitHub shows at most 10 "
        "annotations of each kind per step: the step's log lists them all"
    )
    assert len(lines) == 14


def test_sarif_gives_every_result_a_location() -> None:
    report = _only(Severity.ERROR, "ontology.declared-term", path="")
    report.origin = "dump.ttl"
    (result,) = json.loads(sarif(report))["runs"][0]["results"]
    (location,) = result["locations"]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "dump.ttl"
    assert "region" not in location["physicalLocation"]


def test_a_file_name_that_is_not_utf8_is_reported_in_every_format(tmp_path: Path) -> None:
    import os

    import pyoxigraph as ox
    from click.testing import CliRunner

    from medigraph.cli import cli

    seed = next((ROOT / "examples" / "content").rglob("*.md")).read_bytes()
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "good.md").write_bytes(seed)
    with open(os.path.join(os.fsencode(corpus), b"bad\xffname.md"), "wb") as stream:
        stream.write(seed.replace(b"mdName: ", b"mdName: other-", 1))
    for fmt in ("text", "json", "turtle", "junit", "github", "sarif"):
        out = tmp_path / f"report.{fmt}"
        result = CliRunner().invoke(cli, ["validate", str(corpus), "-f", fmt, "-o", str(out)])
        assert result.exit_code == 1, (fmt, result.output)
        written = out.read_bytes().decode("utf-8")  # valid UTF-8
        assert "xffname.md" in written, fmt  # named by its bytes, as an escape
        if fmt in ("json", "sarif"):
            json.loads(written)
        elif fmt == "junit":
            ET.fromstring(written)
        elif fmt == "turtle":
            assert list(ox.parse(written.encode(), format=ox.RdfFormat.TURTLE))


_XML_FORBIDDEN = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""What XML 1.0 cannot hold, escaped or not (its ``Char`` production, negated)."""


@pytest.mark.parametrize("odd", ["\x01", "\x1b", "\ud800", "\udcff", "\ufffe", "\uffff"])
def test_every_format_holds_a_character_xml_forbids(odd: str) -> None:
    """A file name, a key, a message or a value may hold anything a file system or YAML gives
    (``"a\\uFFFFb": 1``): every format is still what its reader accepts, the JUnit report
    well-formed XML, the text one line per result with the character shown as an escape."""
    import pyoxigraph as ox

    path, key, message = f"x{odd}.md", f"a{odd}b", f"is {odd} wrong"
    problems = [
        Diagnostic(path, 3, key, Severity.ERROR, message, "read.duplicate-key"),
        Diagnostic(path, 4, key, Severity.WARNING, message, "shacl.Pattern", "urn:x", "urn:s"),
    ]
    report = ValidationReport(documents=[DocumentOutcome(path, None, True, problems)])
    escaped = f"\\u{ord(odd):04x}" if ord(odd) > 0xFF else f"\\x{ord(odd):02x}"
    for fmt in ("text", "json", "turtle", "junit", "github", "sarif"):
        written = render(report, fmt).encode("utf-8", "backslashreplace").decode("utf-8")
        if fmt == "junit":
            root = ET.fromstring(written.split("\n", 1)[1])  # expat refuses what XML forbids
            (case,) = root.iter("testcase")
            assert case.get("name") == f"x{escaped}.md"
            (failure,) = case.findall("failure")
            assert f"a{escaped}b: is {escaped} wrong" in (failure.get("message") or "")
        elif fmt in ("json", "sarif"):
            json.loads(written)
        elif fmt == "turtle":
            assert list(ox.parse(written.encode(), format=ox.RdfFormat.TURTLE))
        else:  # text and github: shown as an escape, never as the character itself
            assert not _XML_FORBIDDEN.search(written), fmt
            assert f"a{escaped}b" in written, fmt


def test_a_junit_report_of_a_key_holding_uffff_is_well_formed(tmp_path: Path) -> None:
    """YAML writes U+FFFF as ``"\\uFFFF"``; the key is quoted in the report, escaped."""
    from click.testing import CliRunner

    from medigraph.cli import cli

    seed = next((ROOT / "examples" / "content").rglob("*.md")).read_text(encoding="utf-8")
    twice = '"a\\uFFFFb": 1\n"a\\uFFFFb": 2\n'
    (tmp_path / "dup.md").write_text(seed.replace("---\n", "---\n" + twice, 1), encoding="utf-8")
    out = tmp_path / "report.xml"
    done = CliRunner().invoke(cli, ["validate", str(tmp_path), "-f", "junit", "-o", str(out)])
    assert done.exit_code == 1, done.output
    (failure,) = ET.parse(out).getroot().iter("failure")
    assert "a\\uffffb" in (failure.get("message") or "")


def test_sarif_rules_are_described_in_an_editors_words() -> None:
    """GitHub titles a code scanning alert with its rule's short description and requires a
    full description and help text: a rule described as ``shacl.MinCount`` titled every
    missing key's alert alike, in words no editor reads."""
    report = sample()
    not_a_date = "'x' is not a real date and time like 2021-02-17T04:49:37Z"
    report.documents[3].diagnostics.append(
        Diagnostic("docs/d.md", 4, "date", Severity.ERROR, not_a_date, "map.not-a-date")
    )
    rules = {r["id"]: r for r in json.loads(sarif(report))["runs"][0]["tool"]["driver"]["rules"]}
    title = rules["https://medigy.com/shapes/T#MinCount"]
    assert title["shortDescription"]["text"] == "title: 100% wrong: fix it"
    assert "https://medigy.com/shapes/T" in title["fullDescription"]["text"]
    assert rules["https://medigy.com/shapes/K#MaxLength"]["shortDescription"]["text"] == (
        "tags[0]: too long"
    )
    # A check's messages quote the value: its rule says what it is about, the same every run.
    date = rules["map.not-a-date"]["shortDescription"]["text"]
    assert date == "How a value is written (map.not-a-date)"
    for rule in rules.values():
        assert rule["shortDescription"]["text"] != rule["id"]
        assert rule["fullDescription"]["text"].startswith(rule["shortDescription"]["text"])
        assert rule["help"]["text"]


def test_github_and_sarif_name_files_from_the_repository_root(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A step run in a folder of the checkout (`working-directory: site`) named the files
    from that folder (`content/x.md`), where GitHub names them from the repository's root
    (`site/content/x.md`): the annotations and code scanning alerts were on no file."""
    (tmp_path / ".git").mkdir()
    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    monkeypatch.chdir(site)
    report = ValidationReport(
        general=[
            Diagnostic("content/a, b.md", 3, "title", Severity.ERROR, "m", "c"),
            Diagnostic(str(site / "content" / "b.md"), 4, "date", Severity.ERROR, "m", "c"),
        ]
    )
    assert sorted(github(report).splitlines()) == [
        "::error file=site/content/a%2C b.md,line=3,title=title::m",
        "::error file=site/content/b.md,line=4,title=date::m",
    ]
    (run,) = json.loads(sarif(report))["runs"]
    uris = [
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]
    ]
    assert sorted(uris) == ["site/content/a%2C%20b.md", "site/content/b.md"]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.as_uri() + "/"
    # Outside any checkout, the working folder is the root, as before.
    (tmp_path / ".git").rmdir()
    assert "::error file=content/a%2C b.md,line=3,title=title::m" in github(report).splitlines()


def test_junit_test_cases_name_their_file_and_line(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """GitHub's JUnit reporters (mikepenz/action-junit-report, which docs/ci.md uses) put a
    failure's annotation at the test case's `file` and `line`; without them, on a file named
    after the classname's last part (`validate`, line 1), which no pull request holds."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "site").mkdir()
    monkeypatch.chdir(tmp_path / "site")
    report = ValidationReport(
        documents=[
            DocumentOutcome(
                "content/a, b.md",
                None,
                False,
                [
                    Diagnostic("content/a, b.md", 9, "tags", Severity.WARNING, "w", "c"),
                    Diagnostic("content/a, b.md", 12, "date", Severity.ERROR, "e", "c"),
                ],
            ),
            DocumentOutcome("content/ok.md", "https://medigy.com/content/ok", False, []),
        ]
    )
    root = ET.fromstring(junit(report).split("\n", 1)[1])
    cases = {c.get("name"): c for c in root.iter("testcase")}
    bad, ok = cases["content/a, b.md"], cases["content/ok.md"]
    assert (bad.get("file"), bad.get("line")) == ("site/content/a, b.md", "12")
    assert (ok.get("file"), ok.get("line")) == ("site/content/ok.md", None)
    # The warning fails the case with --fail-on warning: its line is the first failing one.
    root = ET.fromstring(junit(report, Severity.WARNING).split("\n", 1)[1])
    assert next(root.iter("testcase")).get("line") == "9"


def test_a_problem_of_the_shapes_file_is_reported_on_that_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A shapes file's path through an undeclared property (``sh:path medigy:masthead``)
    belongs to no document: every format placed it on no file, and SARIF on the folder
    checked (``"uri": "ok"``, no region), which code scanning shows on no file. It is on
    the shapes file now, at the statement's line, named as documents are (from the root of
    the checkout); a problem of a document is told as before."""
    (tmp_path / ".git").mkdir()
    site = tmp_path / "site"
    (site / "ok").mkdir(parents=True)
    seed = next((ROOT / "examples" / "content").rglob("*.md"))
    (site / "ok" / "a.md").write_bytes(seed.read_bytes())
    shapes = (ROOT / "shapes" / "medigy-shapes.ttl").read_text(encoding="utf-8")
    written = "sh:path medigy:slug ; sh:maxCount 1"
    line = shapes[: shapes.index(written)].count("\n") + 1
    (site / "typo.ttl").write_text(
        shapes.replace(written, "sh:path medigy:masthead ; sh:maxCount 1", 1), encoding="utf-8"
    )
    monkeypatch.chdir(site)
    report = validate(["ok"], shapes="typo.ttl", jobs=1)
    report.documents[0].diagnostics.append(
        Diagnostic("ok/a.md", 2, "title", Severity.ERROR, "m", "shacl.MinCount")
    )

    (run,) = json.loads(sarif(report))["runs"]
    where = {r["ruleId"]: r["locations"][0]["physicalLocation"] for r in run["results"]}
    assert where["shapes.declared-path"] == {
        "artifactLocation": {"uri": "site/typo.ttl", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": line},
    }
    assert where["shacl.MinCount"]["artifactLocation"]["uri"] == "site/ok/a.md"
    annotations = github(report).splitlines()
    assert annotations[0] == "::error file=site/ok/a.md,line=2,title=title::m"
    assert annotations[1].startswith(
        f"::warning file=site/typo.ttl,line={line},title=shapes.declared-path::shapes file"
    )
    assert text(report).startswith(f"ok/a.md:2: error: title: m\ntypo.ttl:{line}: warning: ")
    (told,) = [r for r in json.loads(to_json(report))["results"] if r["path"] == "typo.ttl"]
    assert (told["line"], told["code"]) == (line, "shapes.declared-path")
    # its rule is described as what it is: no front-matter key, no reading or mapping
    (rule,) = [r for r in run["tool"]["driver"]["rules"] if r["id"] == "shapes.declared-path"]
    assert rule["shortDescription"]["text"] == ("What the shapes file names (shapes.declared-path)")
    assert "mapping" not in rule["fullDescription"]["text"]
    assert "front-matter" not in rule["help"]["text"]
    cases = {c.get("name"): c for c in ET.fromstring(junit(report).split("\n", 1)[1]).iter()}
    assert cases["typo.ttl"].get("file") == "site/typo.ttl"
    assert cases["ok/a.md"].get("file") == "site/ok/a.md"


def test_a_property_the_ontology_given_lacks_is_reported_on_the_ontology(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the bundled shapes (no file of the repository), a path through a property the
    ``--ontology`` given does not declare is told on that ontology file, without a line (the
    file does not name the term): not on the folder checked."""
    (tmp_path / "ok").mkdir()
    seed = next((ROOT / "examples" / "content").rglob("*.md"))
    (tmp_path / "ok" / "a.md").write_bytes(seed.read_bytes())
    ontology = (ROOT / "ontology" / "medigy.ttl").read_text(encoding="utf-8")
    declared = "medigy:weight\n    a owl:DatatypeProperty ;"
    assert declared in ontology
    (tmp_path / "onto.ttl").write_text(
        ontology.replace(declared, "medigy:weight\n    a rdfs:Resource ;", 1), encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    report = validate(["ok"], ontology="onto.ttl", jobs=1)
    told = [d for d in report.diagnostics if d.code == "shapes.declared-path"]
    assert [(d.path, d.line) for d in told] == [("onto.ttl", None)] * len(told) and told
    (run,) = json.loads(sarif(report))["runs"]
    for result in run["results"]:
        if result["ruleId"] == "shapes.declared-path":
            assert result["locations"][0]["physicalLocation"] == {
                "artifactLocation": {"uri": "onto.ttl", "uriBaseId": "%SRCROOT%"}
            }
