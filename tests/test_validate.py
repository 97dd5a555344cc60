"""The validator on the model's own examples and invalid fixtures, its reports in every format, and
its promise never to print a full identity number."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from rdflib import Graph
from rdflib.namespace import SH

from samtbu.model import Model
from samtbu.validate import validate
from samtbu.validate.render import RENDER_FORMATS

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((REPO / "examples").glob("*.json")) + sorted((REPO / "examples").glob("*.ttl"))
FIXTURES = sorted((REPO / "tests" / "fixtures" / "invalid").glob("*/*.ttl"))
JSON_FIXTURES = sorted(p for p in (REPO / "tests" / "fixtures" / "invalid").glob("*/*.json") if not p.name.endswith(".expected.json"))
VALID_FIXTURES = sorted(p for p in (REPO / "tests" / "fixtures" / "valid").glob("*/*.json") if not p.name.endswith(".expected.json"))
LANGS = ("nb", "nn", "en")
PROFILE_OF_EXAMPLE = {
    "vitnemaal": "vitnemaal",
    "kompetansebevis": "kompetansebevis",
    "fagbrev": "fagbrev",
    "enkeltresultat": "enkeltresultat",
    "fullfoeringsstatus": "fullfoeringsstatus",
    "karakterutskrift": "karakterutskrift",
    "fagskolevitnemaal": "fagskolevitnemaal",
    "fagskolekarakterutskrift": "fagskolekarakterutskrift",
    "emnevurdering": "emnevurdering",
    "resultatendring": "resultatendring",
}
# An identity number stands alone; blank-node labels may contain 11-digit runs between letters.
ELEVEN_DIGITS = re.compile(r"(?<![0-9A-Za-z])\d{11}(?![0-9A-Za-z])")


def profile_of(path: Path) -> str:
    return PROFILE_OF_EXAMPLE[path.stem.split("-")[0]]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_conforms_to_its_profile(path: Path, model: Model):
    report = validate(path, profile=profile_of(path), model=model)
    assert report.conforms, report.render("text")
    assert report.count("Warning") == 0, report.render("text")


def test_every_profile_has_examples_and_fixtures(model: Model):
    assert {profile_of(p) for p in EXAMPLES} == set(model.profiles)
    assert {p.parent.name for p in FIXTURES + JSON_FIXTURES} == set(model.profiles)
    assert len(FIXTURES) >= 40
    fagskole_and_changes = {"fagskolevitnemaal", "fagskolekarakterutskrift", "emnevurdering", "resultatendring"}
    assert {p.parent.name for p in JSON_FIXTURES} >= {"vitnemaal", "kompetansebevis", "fagbrev", "enkeltresultat", "fullfoeringsstatus"} | fagskole_and_changes
    assert {p.parent.name for p in VALID_FIXTURES} >= {"vitnemaal", "kompetansebevis", "fagbrev", "fullfoeringsstatus"} | fagskole_and_changes


def _result_key(result: dict) -> tuple:
    return (
        result["severity"],
        result.get("sourceShape"),
        result.get("constraint"),
        result.get("focusNode"),
        result.get("path"),
    )


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_invalid_fixture_gives_exactly_the_expected_results(path: Path, model: Model):
    expected_file = path.with_name(path.stem + ".expected.json")
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    report = validate(path, profile=path.parent.name, model=model)
    actual = [
        {
            "severity": r.severity,
            "sourceShape": r.source_shape,
            "constraint": r.constraint.replace("sh:", str(SH)) if r.constraint else None,
            "focusNode": r.focus_node,
            "path": r.path,
        }
        for r in report.results
    ]
    normalise = lambda items: sorted(  # noqa: E731
        (_result_key({**i, "constraint": (i.get("constraint") or "").replace("sh:", str(SH))}) for i in items),
        key=lambda t: tuple("" if x is None else str(x) for x in t),
    )
    assert not report.conforms or all(e["severity"] != "Violation" for e in expected)
    assert normalise(actual) == normalise(expected), report.render("text")
    # ... and each result's message, exactly, in bokmål, nynorsk and English (an entry named by its
    # subject code and kind, never by its urn:uuid; no unfilled template)
    for lang in LANGS:
        shown = report if lang == "nb" else validate(path, profile=path.parent.name, model=model, lang=lang)
        got = sorted((str(_result_key({"severity": r.severity, "sourceShape": r.source_shape, "focusNode": r.focus_node,
                                       "path": r.path, "constraint": (r.constraint or "").replace("sh:", str(SH))})), r.message)
                     for r in shown.results)
        want = sorted((str(_result_key({**e, "constraint": (e.get("constraint") or "").replace("sh:", str(SH))})), e["messages"][lang])
                      for e in expected)
        assert got == want, lang
        assert all("{?" not in r.message and "{$" not in r.message for r in shown.results)


def _expected(path: Path) -> dict:
    """A JSON fixture's expected results: {"base", "description": {nb, en}, "results": [...]}, each
    result with its severity, shape, constraint, JSON Pointer, the value as sent, and its message in
    nb, nn and en."""
    return json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))


def _json_results(report) -> list[tuple]:
    return sorted(
        (r.severity, r.source_shape, r.constraint, r.pointer, r.value)
        for r in report.results
    )


@pytest.mark.parametrize("path", JSON_FIXTURES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_json_fixture_gives_the_expected_results_and_messages_in_nb_nn_en(path: Path, model: Model):
    expected = _expected(path)
    assert set(expected["description"]) >= {"nb", "en"}
    assert expected["results"], f"{path.name}: an invalid fixture lists at least one result"
    for lang in LANGS:
        # a value that is an entry of the payload is named in the report's language: {"nb", "nn", "en"}
        wanted = sorted(
            (e["severity"], e["sourceShape"], e["constraint"], e["pointer"],
             e["value"][lang] if isinstance(e.get("value"), dict) else e.get("value"))
            for e in expected["results"]
        )
        report = validate(path, profile=path.parent.name, model=model, lang=lang)
        assert _json_results(report) == wanted, report.render("text")
        by_place = sorted((r.source_shape or "", r.pointer or "", r.message) for r in report.results)
        assert by_place == sorted((e["sourceShape"] or "", e["pointer"] or "", e["messages"][lang]) for e in expected["results"]), lang
        assert report.conforms == all(e["severity"] != "Violation" for e in expected["results"])
        # what a person reads: no IRI of a payload node, no unfilled template
        for r in report.results:
            assert "urn:uuid:" not in r.message and "{?" not in r.message and "{$" not in r.message, r.message


@pytest.mark.parametrize("path", VALID_FIXTURES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_valid_fixture_conforms_without_any_result(path: Path, model: Model):
    expected = _expected(path)
    assert expected["results"] == [] and set(expected["description"]) >= {"nb", "en"}
    for lang in LANGS:
        report = validate(path, profile=path.parent.name, model=model, lang=lang)
        assert report.conforms and not report.results, report.render("text")


def test_norwegian_messages_have_no_english_words(model: Model):
    """Every message, name and description of every shape is in nb, nn and en, and the Norwegian
    ones use no English words of the kind that leak from templates ("value", "expected", "in all")."""
    from rdflib.namespace import SH as _SH

    english = re.compile(r"\b(the|value|expected|in all|must|missing|invalid|not)\b")
    for profile in model.profiles.values():
        g = profile.shapes
        for prop in (_SH.message, _SH.name, _SH.description):
            for shape in set(g.subjects(prop, None)):
                texts = {o.language: str(o) for o in g.objects(shape, prop)}
                assert {"nb", "nn", "en"} <= set(texts), (shape, prop, sorted(texts))
                for lang in ("nb", "nn"):
                    text = re.sub(r"\{[?$]\w+\}", "", texts[lang])
                    assert not english.search(text), (shape, prop, lang, texts[lang])


@pytest.fixture(scope="module")
def failing_report(model: Model):
    doc = json.loads((REPO / "examples" / "vitnemaal-studiespesialisering.json").read_text(encoding="utf-8"))
    doc["dokumentnummer"] = "V99412375026000123"
    doc["utstedtTil"]["foedselsnummer"] = "27810970231"  # wrong check digit
    return validate(doc, profile="vitnemaal", model=model, source="feil.json")


@pytest.mark.parametrize("fmt", RENDER_FORMATS)
def test_no_output_format_prints_a_full_identity_number(failing_report, fmt: str):
    text = failing_report.render(fmt)
    assert not ELEVEN_DIGITS.search(text), ELEVEN_DIGITS.search(text).group(0)
    assert "278109*****" in text or fmt in ("junit",)


def test_report_points_into_the_original_json(failing_report):
    pointers = {r.pointer for r in failing_report.results}
    assert "/dokumentnummer" in pointers
    assert "/utstedtTil/foedselsnummer" in pointers
    assert not failing_report.conforms


def test_messages_come_in_the_chosen_language(model: Model):
    doc = {"id": "urn:uuid:1", "type": "Vurdering", "karakterr": "4"}
    nb = validate(doc, profile="enkeltresultat", model=model, lang="nb")
    en = validate(doc, profile="enkeltresultat", model=model, lang="en")
    assert any("Ukjent felt" in r.message for r in nb.results)
    assert any("Unknown field" in r.message for r in en.results)


def test_json_and_sarif_and_junit_and_shacl_reports_are_well_formed(failing_report):
    as_json = json.loads(failing_report.render("json"))
    assert as_json["conforms"] is False and as_json["summary"]["violations"] >= 2
    sarif = json.loads(failing_report.render("sarif"))
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    rule_ids = {r["id"] for r in run["tool"]["driver"]["rules"]}
    assert run["results"] and all(r["ruleId"] in rule_ids for r in run["results"])
    assert {r["level"] for r in run["results"]} <= {"error", "warning", "note"}
    junit = ET.fromstring(failing_report.render("junit").encode())
    assert junit.find("testsuite").get("failures") == "1"
    shacl = Graph().parse(data=failing_report.render("shacl-turtle"), format="turtle")
    assert (None, SH.conforms, None) in shacl
    Graph().parse(data=failing_report.render("shacl-jsonld"), format="json-ld")


# -- every format carries the same results -----------------------------------------------------------

_LEVEL = {"error": "Violation", "warning": "Warning", "note": "Info"}


def _short_iri(term) -> str:
    from samtbu.namespaces import SAMTBU

    return str(term).replace(str(SH), "sh:").replace(str(SAMTBU), "samtbu:")


def _shacl_results(graph: Graph) -> list[dict]:
    """Every top-level sh:ValidationResult (a sh:detail is part of its parent's result)."""
    return [{
        "severity": str(graph.value(node, SH.resultSeverity)).rsplit("#", 1)[-1],
        "constraint": _short_iri(graph.value(node, SH.sourceConstraintComponent)),
        "value": graph.value(node, SH.value),
        "messages": {m.language: str(m) for m in graph.objects(node, SH.resultMessage)},
    } for node in graph.objects(None, SH.result)]


def _severity_and_constraint(report, fmt: str) -> list[tuple[str, str]]:
    text = report.render(fmt)
    if fmt == "json":
        pairs = [(r["severity"], r["constraint"]) for rec in json.loads(text)["records"] for r in rec["results"]]
    elif fmt == "sarif":
        pairs = [(_LEVEL[r["level"]], r["properties"]["constraint"]) for r in json.loads(text)["runs"][0]["results"]]
    else:
        graph = Graph().parse(data=text, format={"shacl-turtle": "turtle", "shacl-jsonld": "json-ld"}[fmt])
        pairs = [(r["severity"], r["constraint"]) for r in _shacl_results(graph)]
    return sorted(pairs)


def _severity_and_message(report, fmt: str) -> list[tuple[str, str]]:
    text = report.render(fmt)
    if fmt == "junit":
        root = ET.fromstring(text.encode())
        lines = [line for case in root.iter("testcase") for part in case if part.text for line in part.text.splitlines()]
        return sorted((line.split(" ", 1)[0], line.split(": ", 1)[1]) for line in lines)
    words = {"VIOLATION": "Violation", "WARNING": "Warning", "INFO": "Info"}
    lines = text.splitlines()
    return sorted((words[line.split()[0]], lines[i + 1].strip()) for i, line in enumerate(lines)
                  if line.startswith("  ") and not line.startswith("   ") and line.split()[0] in words)


@pytest.mark.parametrize("engine", ["fast", "pyshacl"])
def test_every_report_format_carries_the_same_results(model: Model, engine: str):
    """An unknown field, a key given twice and a shape's violation: the same results in text, json,
    junit, sarif, shacl-turtle and shacl-jsonld (the SHACL reports once left the toolkit's own checks
    out and said sh:conforms true)."""
    text = (REPO / "examples" / "enkeltresultat.json").read_text(encoding="utf-8")
    text = text.replace('"karakter": "5",', '"karakter": "4",\n  "karakter": "5",\n  "hemmeligFelt": "x",', 1)
    text = text.replace('"organisasjonsnummer": "994123750"', '"organisasjonsnummer": "12", "typo": 1', 1)
    report = validate(text, profile="enkeltresultat", model=model, source="payload.json", lang="en", engine=engine)
    expected = _severity_and_constraint(report, "json")
    assert ("Warning", "samtbu:DuplicateKey") in expected and expected.count(("Violation", "samtbu:UnknownField")) == 2
    assert ("Violation", "sh:PatternConstraintComponent") in expected
    for fmt in ("sarif", "shacl-turtle", "shacl-jsonld"):
        assert _severity_and_constraint(report, fmt) == expected, fmt
    messages = sorted((r.severity, r.message) for r in report.results)
    for fmt in ("text", "junit"):
        assert _severity_and_message(report, fmt) == messages, fmt

    shacl = Graph().parse(data=report.render("shacl-turtle"), format="turtle")
    assert [o.toPython() for o in shacl.objects(None, SH.conforms)] == [False]
    own = {(r["constraint"], str(r["value"])): r for r in _shacl_results(shacl) if r["constraint"].startswith("samtbu:")}
    for result in report.results:
        if result.constraint.startswith("samtbu:"):
            found = own[(result.constraint, result.value)]
            assert found["messages"]["en"] == result.message and {"nb", "en"} <= set(found["messages"])
    typo = next(node for node in shacl.subjects(SH.value, None) if str(shacl.value(node, SH.value)) == "typo")
    assert str(shacl.value(typo, SH.focusNode)) == "urn:uuid:5b7ecac4-b0e1-56c2-927d-4b37bb2e6354"  # the school that holds it


def test_a_warning_alone_makes_the_shacl_report_not_conform(model: Model):
    """SHACL 1.0, 3.6.1: sh:conforms is true only when there is no result at all."""
    text = (REPO / "examples" / "enkeltresultat.json").read_text(encoding="utf-8")
    report = validate(text.replace('"karakter": "5",', '"karakter": "5",\n  "karakter": "5",', 1), profile="enkeltresultat",
                      model=model, source="payload.json")
    assert report.conforms and [r.constraint for r in report.results] == ["samtbu:DuplicateKey"]
    shacl = Graph().parse(data=report.render("shacl-jsonld"), format="json-ld")
    assert [o.toPython() for o in shacl.objects(None, SH.conforms)] == [False]


def test_an_unreadable_record_is_in_the_shacl_report_too(model: Model, tmp_path: Path):
    from samtbu.validate import validate_files

    (tmp_path / "a.json").write_text((REPO / "examples" / "enkeltresultat.json").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    report = validate_files([tmp_path], "enkeltresultat", model=model)
    shacl = Graph().parse(data=report.render("shacl-turtle"), format="turtle")
    assert sorted(o.toPython() for o in shacl.objects(None, SH.conforms)) == [False, True]
    [unreadable] = _shacl_results(shacl)
    assert unreadable["constraint"] == "samtbu:Unreadable" and unreadable["severity"] == "Violation"
    assert [r["ruleId"] for r in json.loads(report.render("sarif"))["runs"][0]["results"]] == ["samtbu/unreadable"]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "samtbu.cli", *args], capture_output=True, text=True, timeout=600)


def test_cli_lang_nn_and_a_quiet_stderr(tmp_path: Path):
    """`--lang nn` gives nynorsk messages; an invalid payload gives its report on stdout and nothing
    on stderr (rdflib's warning about "nei" as a boolean included)."""
    doc = json.loads((REPO / "examples" / "enkeltresultat.json").read_text(encoding="utf-8"))
    doc["somPrivatist"] = "nei"
    doc["karakter"] = "9"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    result = run_cli("validate", "--lang", "nn", str(bad))
    assert result.returncode == 1 and result.stderr == "", result.stderr
    assert "BROT /karakter" in result.stdout and "«9» er ikkje ein karakter i kodelista «karakter»." in result.stdout
    assert "verdi: 'nei'" in result.stdout and "IKKJE i samsvar" in result.stdout
    # the summary's nouns agree with their numbers: one record, two violations
    assert result.stdout.rstrip().endswith("1 post, 0 i samsvar, 2 brot, 0 åtvaringar, 0 råd"), result.stdout


def test_exit_2_prints_only_the_one_line_error(tmp_path: Path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"type": "Vurdering",', encoding="utf-8")
    result = run_cli("validate", "--profile", "enkeltresultat", str(broken))
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("samtbu: error: "), result.stderr


def test_cli_exit_codes_and_fail_on(tmp_path: Path):
    ok = run_cli("validate", "--profile", "enkeltresultat", str(REPO / "examples" / "enkeltresultat.json"))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = tmp_path / "bad.json"
    doc = json.loads((REPO / "examples" / "enkeltresultat.json").read_text(encoding="utf-8"))
    doc["karakter"] = "9"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    failing = run_cli("validate", "--profile", "enkeltresultat", "--report", "json", str(bad))
    assert failing.returncode == 1
    assert json.loads(failing.stdout)["records"][0]["results"][0]["pointer"] == "/karakter"


def test_directory_of_files_is_reported_per_record(tmp_path: Path):
    for name in ("a.json", "b.json"):
        (tmp_path / name).write_text((REPO / "examples" / "enkeltresultat.json").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    result = run_cli("validate", "--profile", "enkeltresultat", "--report", "json", str(tmp_path))
    report = json.loads(result.stdout)
    assert report["summary"] == {"records": 3, "conforming": 2, "unreadable": 1, "violations": 0, "warnings": 0, "infos": 0}
    assert result.returncode == 2


def test_message_templates_are_filled_and_masked(failing_report):
    """SHACL message templates ({$this}, {?value}, {?path}) never reach the reader unfilled, and a
    filled-in identity number is masked like every other value."""
    messages = [r.message for r in failing_report.results]
    assert not [m for m in messages if "{?" in m or "{$" in m], messages
    assert any("278109*****" in m for m in messages), messages


def test_a_sparql_message_is_filled_when_the_model_is_loaded_again(model: Model):
    """The fast engine keeps a profile compiled from one load of the model; a report for another load
    names the SPARQL constraint by a blank node of the first. The message is still the constraint's,
    with its own variables and the value filled (a code by its notation, not its IRI)."""
    import samtbu.model as model_module

    path = REPO / "tests" / "fixtures" / "invalid" / "fagskolevitnemaal" / "grad-passer-ikke.json"
    want = _expected(path)["results"][0]["messages"]["nb"]
    assert validate(path, profile="fagskolevitnemaal", model=model).results[0].message == want
    again = model_module._load_cached.__wrapped__(str(model.root))  # another load, outside the cache
    assert again is not model
    (result,) = validate(path, profile="fagskolevitnemaal", model=again).results
    assert result.message == want and "https://" not in result.message


def test_a_conforming_records_shacl_report_is_built_when_first_read(model: Model):
    """A conforming record's SHACL report graph is made only when read (most callers never do), and
    is then the report pyshacl writes: one sh:ValidationReport that conforms; the same graph on every
    read, and also after the record was pickled (a batch's JUnit and SARIF records cross processes)."""
    import pickle

    from rdflib import Literal
    from rdflib.namespace import SH

    from samtbu.validate import validate
    from samtbu.validate.report import Deferred

    record = validate(REPO / "examples" / "enkeltresultat.json", model=model, grep=False).records[0]
    assert record.conforms and isinstance(record.__dict__["_shacl_report"], Deferred)
    copy = pickle.loads(pickle.dumps(record))
    for r in (record, copy):
        graph = r.shacl_report
        assert r.shacl_report is graph
        assert set(graph.objects(None, SH.conforms)) == {Literal(True)} and len(graph) == 2
