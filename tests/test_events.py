"""The continuous flow: CloudEvents streams of result changes, validated and replayed.

Fixtures (tests/fixtures/events/): one stream per kind of change, valid and invalid, each with the
exact results per event line and, for the valid ones, the exact replay output."""

from __future__ import annotations

import io
import json
import random
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF

from samtbu.events import replay_stream, validate_stream
from samtbu.events.replay import version_iri
from samtbu.events.synthetic import generate, synthetic_fnr, synthetic_orgnr
from samtbu.model import Model
from samtbu.validate import validate

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "events"
STREAMS = sorted(p for p in FIXTURES.glob("*.ndjson") if not p.name.endswith(".state.expected.ndjson"))
SBU = Namespace("https://w3id.org/samt-bu/def/")
PROV = Namespace("http://www.w3.org/ns/prov#")
ELEVEN_DIGITS = re.compile(r"(?<![0-9A-Za-z])\d{11}(?![0-9A-Za-z])")


def _rows(path: Path, **kwargs) -> tuple[list[dict], object]:
    out = io.StringIO()
    summary = validate_stream(path, out, fmt="json", jobs=1, **kwargs)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert "summary" in rows[-1]
    return rows[:-1], summary


def _normal(results: list[dict]) -> list[str]:
    return sorted(json.dumps({"severity": r["severity"], "constraint": r.get("constraint"),
                              "sourceShape": r.get("source_shape", r.get("sourceShape")), "pointer": r.get("pointer")},
                             sort_keys=True) for r in results)


def test_there_are_fixtures_for_each_kind_of_change_valid_and_invalid():
    names = {p.stem for p in STREAMS}
    assert {"registrering", "korrigering", "tilbaketrekking", "erstatning", "fagskole-korrigering", "duplikat"} <= names
    assert {"korrigering-av-ukjent", "korrigering-foer-registrering", "korrigering-etter-tilbaketrekking",
            "tilbaketrekking-uten-grunn", "erstatning-av-ukjent", "dobbel-registrering", "id-gjenbrukt"} <= names
    for path in STREAMS:
        assert path.with_name(path.stem + ".expected.json").is_file(), path.name


def _worded(results: list[dict], lang: str) -> list[str]:
    """Each result with its value and its message in one language (the expected files give all three)."""
    return sorted(json.dumps({"key": _normal([r])[0], "value": r.get("value"),
                              "message": r["messages"][lang] if "messages" in r else r["message"]}, sort_keys=True)
                  for r in results)


@pytest.mark.parametrize("path", STREAMS, ids=lambda p: p.stem)
def test_stream_gives_exactly_the_expected_results(path: Path):
    expected = json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))
    rows, summary = _rows(path)
    assert [(r["line"], r["outcome"]) for r in rows] == [(e["line"], e["outcome"]) for e in expected]
    for row, want in zip(rows, expected):
        assert _normal(row["results"]) == _normal(want["results"]), (path.stem, row["line"])
    for lang in ("nb", "nn", "en"):
        worded, _ = _rows(path, lang=lang)
        for row, want in zip(worded, expected):
            assert all(set(r["messages"]) == {"nb", "nn", "en"} for r in want["results"]), path.stem
            assert _worded(row["results"], lang) == _worded(want["results"], lang), (path.stem, row["line"], lang)
    failing = any(r["severity"] == "Violation" for e in expected for r in e["results"])
    assert bool(summary.with_violations or summary.unreadable) == failing
    state = path.with_name(path.stem + ".state.expected.ndjson")
    assert state.is_file() == (not failing), "streams without violations carry their expected replay state"


def test_every_event_rule_has_its_messages_in_three_languages_and_a_violation_an_external_source():
    """As for the shapes (tests/test_rules.py): a rule at Violation cites the standard it rests on."""
    from string import Formatter

    from samtbu.events.rules import RULES
    from samtbu.generate.rules import is_external

    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in Formatter().parse(text) if name}

    for rule in RULES.values():
        assert rule.nb and rule.nn and rule.en and len({rule.nb, rule.nn, rule.en}) == 3, rule.name
        assert fields(rule.nb) == fields(rule.nn) == fields(rule.en), rule.name
        assert rule.severity in ("Violation", "Warning"), rule.name
        # InternalError is not a rule of the data but the toolkit's own failure: nothing to cite.
        if rule.severity == "Violation" and rule.name != "InternalError":
            assert is_external(rule.source), f"{rule.name}: a Violation cites only the model"


def test_an_internal_error_while_checking_an_event_is_reported_in_its_language_and_masked(monkeypatch):
    """A bug in the toolkit must not stop the stream nor print an identity number: the event is
    reported as not checked, with the rule's message in the language asked for."""
    from samtbu.events import check

    def broken(event, *args):
        raise ValueError(f"cannot handle {event['subject']}")

    monkeypatch.setattr(check, "_check", broken)
    line = json.dumps({"specversion": "1.0", "id": "e1", "subject": "12810512345"})
    for lang, start in (("nb", "Verktøyet feilet"), ("nn", "Verktøyet feila"), ("en", "The toolkit failed")):
        out = check.check_event(line, 1, 0, "s.jsonl", lang=lang)
        [res] = out.results
        assert res.constraint == "samtbu:InternalError" and res.severity == "Violation"
        assert res.message.startswith(start), res.message
        assert "ValueError" in res.message and "12810512345" not in res.message


def test_the_words_put_into_a_message_are_in_its_language():
    """An attribute that is not what CloudEvents asks for is described in the message's own language."""
    from samtbu.events.check import check_event

    line = json.dumps({"specversion": "1.0", "id": "x", "source": "urn:x", "type": "org.w3id.samt-bu.resultat.registrert",
                       "subject": "urn:uuid:1", "time": "i går", "data": []})
    words = {lang: " ".join(r.message for r in check_event(line, 1, 0, "s", lang=lang, shacl=False).results)
             for lang in ("nb", "nn", "en")}
    assert "et tidspunkt etter RFC 3339 med tidssone" in words["nb"] and "en JSON-liste" in words["nb"]
    assert "eit tidspunkt etter RFC 3339 med tidssone" in words["nn"] and "ei JSON-liste" in words["nn"]
    assert "an RFC 3339 date-time with time zone" in words["en"] and "a JSON array" in words["en"]
    broken = check_event("{", 1, 0, "s", lang="nn").results[0].message
    assert broken.startswith("Linja er ikkje eit JSON-objekt: ugyldig JSON (kolonne")


@pytest.mark.parametrize("path", [p for p in STREAMS if p.with_name(p.stem + ".state.expected.ndjson").is_file()], ids=lambda p: p.stem)
def test_replay_gives_exactly_the_expected_state(path: Path):
    out = io.StringIO()
    replay_stream(path, report=None, state_out=out, jobs=1)
    assert out.getvalue() == path.with_name(path.stem + ".state.expected.ndjson").read_text(encoding="utf-8")


def test_the_data_of_every_fixture_event_gives_the_same_results_in_pyshacl(model: Model):
    """The fast engine checks event data; it must agree with pyshacl on it (differential)."""
    checked = 0
    for path in STREAMS:
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if not isinstance(event.get("data"), dict):
                continue
            fast = validate(event["data"], "resultatendring", model=model)
            slow = validate(event["data"], "resultatendring", model=model, engine="pyshacl")
            key = lambda rep: sorted((r.severity, r.source_shape or "", r.constraint or "", r.focus_node, r.path or "") for r in rep.results)  # noqa: E731
            assert key(fast) == key(slow), path.stem
            checked += 1
    assert checked >= 25


def test_a_correction_is_the_same_result_in_a_new_version_with_its_history():
    out = io.StringIO()
    replay_stream(FIXTURES / "korrigering.ndjson", report=None, state_out=out, jobs=1)
    state = json.loads(out.getvalue())
    (item,) = state["resultater"]
    assert item["versjon"] == 2 and item["dokumentstatus"] == "gyldig" and item["innhold"]["karakter"] == "6"
    assert [h["innhold"]["karakter"] for h in item["historikk"]] == ["5", "6"]
    assert item["historikk"][1]["endringsgrunn"] == "klage"


def test_withdrawn_and_replaced_results_keep_their_history_with_the_document_status_codes():
    out = io.StringIO()
    replay_stream(FIXTURES / "tilbaketrekking.ndjson", report=None, state_out=out, jobs=1)
    (item,) = json.loads(out.getvalue())["resultater"]
    assert item["dokumentstatus"] == "annullert" and [h["hendelse"] for h in item["historikk"]] == ["registrert", "trukket-tilbake"]
    out = io.StringIO()
    replay_stream(FIXTURES / "erstatning.ndjson", report=None, state_out=out, jobs=1)
    items = {i["dokumentstatus"]: i for i in json.loads(out.getvalue())["resultater"]}
    assert set(items) == {"gyldig", "erstattet"}
    assert items["erstattet"]["historikk"][-1]["erstattetAv"] == items["gyldig"]["id"]
    assert items["gyldig"]["historikk"][0]["erstatter"] == items["erstattet"]["id"]


def test_the_history_in_prov_o():
    prov = io.StringIO()
    replay_stream(FIXTURES / "korrigering.ndjson", report=None, prov=prov, jobs=1)
    g = Graph().parse(data=prov.getvalue(), format="nt")
    result = URIRef("urn:uuid:83af98cb-e6e8-5782-9eac-1b60b456ef97")
    v1, v2 = URIRef(version_iri(str(result), 1)), URIRef(version_iri(str(result), 2))
    assert (v2, PROV.wasRevisionOf, v1) in g
    assert (v1, PROV.specializationOf, result) in g and (v2, SBU.versjonAv, result) in g
    correction = g.value(v2, PROV.wasGeneratedBy)
    assert (correction, RDF.type, SBU.Korrigering) in g and (correction, RDF.type, PROV.Activity) in g
    assert g.value(correction, SBU.endringsgrunn) == URIRef("https://w3id.org/samt-bu/kode/endringsgrunn/klage")
    assert str(g.value(correction, PROV.wasAssociatedWith)) == "urn:samtbu:organisasjonsnummer:994123750"
    prov = io.StringIO()
    replay_stream(FIXTURES / "tilbaketrekking.ndjson", report=None, prov=prov, jobs=1)
    g = Graph().parse(data=prov.getvalue(), format="nt")
    withdrawal = g.value(URIRef(version_iri(str(result), 1)), PROV.wasInvalidatedBy)
    assert (withdrawal, RDF.type, SBU.Tilbaketrekking) in g


@pytest.fixture(scope="module")
def synthetic_stream(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("events") / "synthetic.ndjson"
    with path.open("w", encoding="utf-8") as out:
        counts = generate(out, 400, seed=7)
    assert counts["Korrigering"] and counts["Tilbaketrekking"] and counts["Erstatning"]
    return path


def test_the_synthetic_stream_is_valid_and_uses_synthetic_identity_numbers(synthetic_stream: Path):
    rows, summary = _rows(synthetic_stream)
    assert summary.records == 400 and summary.with_violations == 0 and summary.with_warnings == 0
    assert summary.rejected == 0 and summary.applied == 400
    for number in set(re.findall(r'"foedselsnummer":"(\d{11})"', synthetic_stream.read_text(encoding="utf-8"))):
        assert 81 <= int(number[2:4]) <= 92, "month + 80"
    assert synthetic_fnr(datetime(2009, 1, 27).date(), 702) == "27810970230"
    assert synthetic_orgnr("99412375") == "994123750"


def test_replay_is_deterministic_whatever_the_workers(synthetic_stream: Path):
    outputs = []
    for jobs in (1, 2, 2):
        state, prov = io.StringIO(), io.StringIO()
        replay_stream(synthetic_stream, report=None, state_out=state, prov=prov, jobs=jobs)
        outputs.append((state.getvalue(), prov.getvalue()))
    assert outputs[0] == outputs[1] == outputs[2]
    learners = [json.loads(line)["laerende"].get("foedselsnummer", "") for line in outputs[0][0].splitlines()]
    assert learners == sorted(learners) and len(learners) == len(set(learners))


def test_replay_is_order_checked(synthetic_stream: Path, tmp_path: Path):
    """Shuffled, the same events no longer come in order: changes before what they change are rejected."""
    lines = synthetic_stream.read_text(encoding="utf-8").splitlines()
    random.Random(3).shuffle(lines)
    shuffled = tmp_path / "shuffled.ndjson"
    shuffled.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary, _ = replay_stream(shuffled, report=None, state_out=io.StringIO(), jobs=1, shacl=False)
    assert summary.rejected > 0 and summary.by_rule
    assert set(summary.by_rule) <= {"samtbu:ResultUnknown", "samtbu:ResultOutOfOrder", "samtbu:ResultNotInForce",
                                    "samtbu:ResultAlreadyRegistered"}


def test_sharing_uses_the_current_state_and_the_log_records_the_version(tmp_path: Path):
    from samtbu.share import read_log, share

    records = tmp_path / "records"
    replay_stream(FIXTURES / "korrigering.ndjson", report=None, records=records, jobs=1)
    (record,) = records.glob("*.json")
    assert not ELEVEN_DIGITS.search(record.name)
    log = tmp_path / "log.ttl"
    view = share(record, "laerende", "egen-oversikt", now=datetime(2026, 7, 5, tzinfo=timezone.utc), log=log)
    result = URIRef("urn:uuid:83af98cb-e6e8-5782-9eac-1b60b456ef97")
    assert str(view.graph.value(result, SBU.karakter)).endswith("/6")
    assert (None, SBU.versjonAv, None) not in view.graph, "the version node is not part of the view"
    entries = read_log(log)
    (version,) = set(entries.objects(None, SBU.utlevertVersjon))
    assert version == URIRef(version_iri(str(result), 2))
    assert int(entries.value(version, SBU.versjonsnummer)) == 2
    # A withdrawn result is not in the record at all, and a result marked withdrawn is withheld.
    withdrawn = tmp_path / "withdrawn"
    replay_stream(FIXTURES / "tilbaketrekking.ndjson", report=None, records=withdrawn, jobs=1)
    assert not list(withdrawn.glob("*.json"))
    data = json.loads((REPO / "examples" / "enkeltresultat.json").read_text(encoding="utf-8"))
    data["dokumentstatus"] = "annullert"
    from samtbu.share import ShareRefused

    with pytest.raises(ShareRefused) as refused:
        share(data, "laerende", "egen-oversikt", now=datetime(2026, 7, 5, tzinfo=timezone.utc))
    assert refused.value.reason == "result-not-in-force"


@pytest.mark.parametrize("lang,words", [("nb", ("Versjon 2", "korrigert", "Klage")), ("nn", ("Versjon 2", "korrigert", "Klage")),
                                        ("en", ("Version 2", "corrected", "Appeal"))])
def test_the_overview_shows_the_history_of_a_corrected_grade(tmp_path: Path, lang: str, words):
    from samtbu.share.overview import render_overview

    records, state = tmp_path / "records", tmp_path / "state.ndjson"
    with state.open("w", encoding="utf-8") as out:
        replay_stream(FIXTURES / "korrigering.ndjson", report=None, records=records, state_out=out, jobs=1)
    (record,) = records.glob("*.json")
    html = render_overview(record, lang, history=state, now=datetime(2026, 7, 5, tzinfo=timezone.utc))
    history = re.search(r'<tr class="history">.*?</tr>', html, re.S).group(0)
    for word in words:
        assert word in history
    assert "<strong>5</strong>" in history and "<strong>6</strong>" in history
    assert not ELEVEN_DIGITS.search(html)


def _cli(*args: str, input_text: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "samtbu.cli", *args], capture_output=True, text=True, input=input_text, cwd=REPO)


def test_cli_exit_codes_languages_and_masking(tmp_path: Path):
    ok = _cli("events", "validate", str(FIXTURES / "korrigering.ndjson"), "-j", "1")
    assert ok.returncode == 0, ok.stderr
    bad = _cli("events", "validate", str(FIXTURES / "korrigering-av-ukjent.ndjson"), "-j", "1", "--lang", "nn")
    assert bad.returncode == 1 and "som ikkje er registrert" in bad.stdout
    en = _cli("events", "validate", str(FIXTURES / "korrigering-foer-registrering.ndjson"), "-j", "1", "--lang", "en")
    assert en.returncode == 1 and "must come in time order" in en.stdout
    broken = _cli("events", "validate", str(FIXTURES / "ikke-json.ndjson"), "-j", "1")
    assert broken.returncode == 2
    missing = _cli("events", "validate", str(tmp_path / "nope.ndjson"))
    assert missing.returncode == 2 and "Traceback" not in missing.stderr and "no such file" in missing.stderr
    stdin = _cli("events", "validate", "-", "-j", "1", "-r", "json", input_text=(FIXTURES / "id-gjenbrukt.ndjson").read_text(encoding="utf-8"))
    assert stdin.returncode == 1 and json.loads(stdin.stdout.splitlines()[-1])["summary"]["events"] == 2
    for run in (bad, en, stdin):
        assert not ELEVEN_DIGITS.search(run.stdout + run.stderr)
    out = tmp_path / "state.ndjson"
    replay = _cli("events", "replay", str(FIXTURES / "korrigering.ndjson"), "-o", str(out), "-j", "1")
    assert replay.returncode == 0 and out.read_text(encoding="utf-8") == (FIXTURES / "korrigering.state.expected.ndjson").read_text(encoding="utf-8")


def test_the_event_commands_follow_the_one_output_rule(tmp_path: Path):
    """-o a folder: the default file name inside it; the report is masked, the register's own data
    (state, PROV-O, records, a synthetic stream) keeps its identity numbers; no temporary file is left."""
    stream = FIXTURES / "korrigering.ndjson"
    folder = str(tmp_path / "out") + "/"
    runs = [
        _cli("events", "validate", str(stream), "-j", "1", "-o", folder),
        _cli("events", "replay", str(stream), "-j", "1", "-o", folder, "--prov", folder, "--report-file", folder,
             "--records", str(tmp_path / "records")),
        _cli("events", "generate", "--count", "20", "-o", folder),
        _cli("events", "schema", "-o", folder),
    ]
    assert [r.returncode for r in runs] == [0, 0, 0, 0], [r.stderr[-800:] for r in runs]
    out = tmp_path / "out"
    names = sorted(p.name for p in out.iterdir())
    assert names == ["events-20-seed1.ndjson", "korrigering.prov.nt", "korrigering.report.txt", "korrigering.state.ndjson",
                     "samtbu-event-schema.json"], names
    assert (out / "korrigering.state.ndjson").read_text(encoding="utf-8") == (FIXTURES / "korrigering.state.expected.ndjson").read_text(encoding="utf-8")
    assert ELEVEN_DIGITS.search((out / "events-20-seed1.ndjson").read_text(encoding="utf-8"))
    assert list((tmp_path / "records").glob("*.json"))
    assert not list(tmp_path.rglob("*.part"))
    file_in_missing_folder = tmp_path / "a" / "b" / "report.ndjson"
    assert _cli("events", "validate", str(stream), "-j", "1", "-o", str(file_in_missing_folder)).returncode == 0
    assert json.loads(file_in_missing_folder.read_text(encoding="utf-8").splitlines()[-1])["summary"]["events"] == 2


def test_a_state_file_carries_the_register_from_one_stream_to_the_next(tmp_path: Path):
    """Validate the correction alone against the state the registration left."""
    lines = (FIXTURES / "korrigering.ndjson").read_text(encoding="utf-8").splitlines()
    first, second = tmp_path / "first.ndjson", tmp_path / "second.ndjson"
    first.write_text(lines[0] + "\n", encoding="utf-8")
    second.write_text(lines[1] + "\n", encoding="utf-8")
    state = tmp_path / "register.sqlite"
    assert validate_stream(first, None, jobs=1, state=state).applied == 1
    assert validate_stream(second, None, jobs=1, state=state).applied == 1
    assert validate_stream(second, None, jobs=1, state=tmp_path / "empty.sqlite").rejected == 1


def test_the_event_schema_accepts_the_fixture_events_and_refuses_a_bad_envelope():
    import jsonschema

    from samtbu.events.schema import event_schema

    schema = event_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    for case in ("registrering", "korrigering", "tilbaketrekking", "erstatning", "fagskole-korrigering"):
        for line in (FIXTURES / f"{case}.ndjson").read_text(encoding="utf-8").splitlines():
            assert not list(validator.iter_errors(json.loads(line))), case
    bad = json.loads((FIXTURES / "konvolutt.ndjson").read_text(encoding="utf-8"))
    assert list(validator.iter_errors(bad))
