"""`samtbu validate --batch`: directories, tar and zip archives and NDJSON streams; a broken record
never stops the batch; reports stream out as JSON lines; the rules that span records."""

from __future__ import annotations

import copy
import io
import json
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from samtbu.validate.batch import CrossRecordIndex, RawRecord, iter_records, run_batch

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"


def _doc(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text())


def _lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _run(source, **kwargs):
    out = io.StringIO()
    summary = run_batch(iter_records(source), out, progress=False, **{"jobs": 1, **kwargs})
    return summary, _lines(out.getvalue())


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    d = tmp_path / "records"
    d.mkdir()
    for name in ("enkeltresultat.json", "enkeltresultat.ttl"):
        (d / name).write_bytes((EXAMPLES / name).read_bytes())
    bad = _doc("enkeltresultat.json")
    bad["id"] = "urn:uuid:00000000-0000-0000-0000-000000000001"
    bad["karakter"] = "7"
    (d / "b-bad.json").write_text(json.dumps(bad))
    (d / "c-broken.json").write_text('{"id": "urn:uuid:x", ')
    (d / "notes.txt").write_text("not a payload")
    return d


def test_directory(folder: Path):
    summary, lines = _run(folder, profile="enkeltresultat")
    records = [line for line in lines if "source" in line and not line.get("crossRecord")]
    assert [Path(r["source"]).name for r in records] == ["b-bad.json", "c-broken.json", "enkeltresultat.json", "enkeltresultat.ttl"]
    by_name = {Path(r["source"]).name: r for r in records}
    assert by_name["enkeltresultat.json"]["conforms"] and by_name["enkeltresultat.ttl"]["conforms"]
    assert not by_name["b-bad.json"]["conforms"]
    assert "malformed JSON" in by_name["c-broken.json"]["error"]
    assert lines[-1]["summary"]["records"] == 4
    assert (summary.records, summary.conforming, summary.with_violations, summary.unreadable) == (4, 2, 1, 1)
    assert summary.by_rule["samtbu:Unreadable"] == 1
    # the JSON and Turtle twins are one record (same id) twice
    assert summary.by_rule["samtbu:DuplicateRecord"] == 2


def test_tar_and_zip(tmp_path: Path, folder: Path):
    tar_path, zip_path = tmp_path / "records.tar.gz", tmp_path / "records.zip"
    # an NDJSON member: two records, one per line (the blank line is no record)
    line = json.dumps(_doc("enkeltresultat.json")) + "\n"
    (folder / "z-lines.ndjson").write_text(line + "\n" + line)
    with tarfile.open(tar_path, "w:gz") as tar:
        for p in sorted(folder.iterdir()):
            tar.add(p, arcname=f"inn/{p.name}")
    with zipfile.ZipFile(zip_path, "w") as z:
        for p in sorted(folder.iterdir()):
            z.write(p, arcname=f"inn/{p.name}")
    for archive in (tar_path, zip_path):
        summary, lines = _run(archive, profile="enkeltresultat", cross_record=False)
        assert (summary.records, summary.conforming, summary.unreadable) == (6, 4, 1), archive
        assert all(":inn/" in line["source"] for line in lines if "source" in line)
        assert [line["source"].rsplit(":", 1)[1] for line in lines if "z-lines" in line.get("source", "")] == ["1", "3"]


def test_ndjson_with_a_broken_line(tmp_path: Path):
    good = _doc("enkeltresultat.json")
    other = copy.deepcopy(good)
    other["id"] = "urn:uuid:00000000-0000-0000-0000-000000000002"
    other["skoleaar"] = "2025-2027"
    stream = tmp_path / "in.ndjson"
    stream.write_text(json.dumps(good) + "\n" + "{not json\n" + "\n" + json.dumps(other) + "\n")
    summary, lines = _run(stream, profile="enkeltresultat")
    records = [line for line in lines if "source" in line]
    assert [r["source"].rsplit(":", 1)[1] for r in records] == ["1", "2", "4"]
    assert records[0]["conforms"] and "error" in records[1] and not records[2]["conforms"]
    assert summary.unreadable == 1 and summary.records == 3


def test_ndjson_chunks_read_by_workers_are_the_same_records(tmp_path: Path):
    """An NDJSON file handed to workers in chunks gives exactly the records, line numbers and
    indexes of reading it line by line: blank and whitespace-only lines, a stray carriage return,
    a last line without a newline, and chunk borders included."""
    from samtbu.validate.batch import CHUNK_RECORDS, RawChunk

    lines = []
    for i in range(CHUNK_RECORDS * 2 + 5):
        lines.append(json.dumps({"n": i}) + "\n")
        if i % 17 == 0:
            lines.append("\n")
        if i % 23 == 0:
            lines.append("  \t \n")
        if i % 31 == 0:
            lines.append('{"broken": "\r" }\n')  # a raw carriage return inside a line
    lines.append(json.dumps({"last": True}))  # no newline at the end
    path = tmp_path / "many.ndjson"
    path.write_bytes("".join(lines).encode())
    plain = list(iter_records(path))
    chunks = list(iter_records(path, chunks=True))
    assert all(isinstance(c, RawChunk) for c in chunks) and len(chunks) == 3
    assert sum(c.records for c in chunks) == len(plain)
    expanded = [r for c in chunks for r in c.expand()]
    assert expanded == plain
    # and the batch over both gives the same reports, on two workers
    out_plain, out_chunks = io.StringIO(), io.StringIO()
    run_batch(iter(plain), out_plain, jobs=2, progress=False, profile="enkeltresultat")
    run_batch(iter(chunks), out_chunks, jobs=2, progress=False, profile="enkeltresultat")
    strip = [line for line in out_plain.getvalue().splitlines() if '"summary"' not in line]
    assert strip == [line for line in out_chunks.getvalue().splitlines() if '"summary"' not in line]
    assert len(strip) >= len(plain)


def test_ndjson_chunk_of_a_vanished_file_is_reported_not_raised(tmp_path: Path):
    path = tmp_path / "gone.ndjson"
    path.write_text(json.dumps(_doc("enkeltresultat.json")) + "\n" + "{}\n")
    chunks = list(iter_records(path, chunks=True))
    path.unlink()
    out = io.StringIO()
    summary = run_batch(iter(chunks), out, jobs=2, progress=False, profile="enkeltresultat")
    assert summary.records == 2 and summary.unreadable == 2
    assert all("cannot read the file" in line["error"] for line in _lines(out.getvalue()) if "source" in line)


def test_ndjson_from_a_stream():
    text = json.dumps(_doc("enkeltresultat.json")) + "\n"
    out = io.StringIO()
    summary = run_batch(iter_records(io.BytesIO(text.encode() * 3), name="<stdin>"), out, profile="enkeltresultat",
                        jobs=1, progress=False, fmt="text", lang="en")
    assert summary.records == 3 and summary.conforming == 3
    assert "Summary: 3 records, 3 conforming" in out.getvalue()
    assert "DuplicateRecord" in out.getvalue()


def test_an_internal_error_is_a_record_not_a_crash(monkeypatch):
    from samtbu.validate import batch

    def explode(*args, **kwargs):
        raise RuntimeError("boom 14830751220")

    monkeypatch.setattr(batch, "validate_payload_indexed", explode)  # what a batch calls (validate_payload and the index)
    out = io.StringIO()
    raw = RawRecord(0, "x.json", (EXAMPLES / "enkeltresultat.json").read_bytes(), "json")
    summary = batch.run_batch([raw, raw], out, profile="enkeltresultat", jobs=1, progress=False)
    assert summary.unreadable == 2
    # named by its kind only: an exception's text could quote the payload (issue 15)
    assert "RuntimeError" in out.getvalue() and "boom" not in out.getvalue() and "148307" not in out.getvalue()


def _vitnemaal(doc_id: str, number: str, fnr: str | None = None, status: str = "gyldig") -> dict:
    doc = _doc("vitnemaal-studiespesialisering.json")
    doc["id"] = doc_id
    doc["dokumentnummer"] = number
    doc["dokumentstatus"] = status
    if fnr:
        doc["utstedtTil"]["foedselsnummer"] = fnr
    return doc


def test_cross_record_rules(tmp_path: Path):
    a = _vitnemaal("urn:uuid:00000000-0000-0000-0000-00000000000a", "V994123750202600001")
    b = _vitnemaal("urn:uuid:00000000-0000-0000-0000-00000000000b", "V994123750202600001", fnr="01850751234")
    c = _vitnemaal("urn:uuid:00000000-0000-0000-0000-00000000000c", "V994123750202600003")  # same learner as a
    d = _vitnemaal("urn:uuid:00000000-0000-0000-0000-00000000000d", "V994123750202600004", status="annullert")
    stream = tmp_path / "vm.jsonl"
    stream.write_text("".join(json.dumps(x) + "\n" for x in (a, b, c, d, d)))
    summary, lines = _run(stream, profile="vitnemaal", lang="en")
    cross = [line for line in lines if line.get("crossRecord")]
    found = {(line["source"].rsplit(":", 1)[1], r["constraint"]) for line in cross for r in line["results"]}
    assert found == {
        ("1", "samtbu:DuplicateDocumentNumber"), ("2", "samtbu:DuplicateDocumentNumber"),
        ("1", "samtbu:DuplicateValidVitnemaal"), ("3", "samtbu:DuplicateValidVitnemaal"),
        ("4", "samtbu:DuplicateRecord"), ("5", "samtbu:DuplicateRecord"),
    }
    text = json.dumps(cross, ensure_ascii=False)
    assert "14830751220" not in text and "148307*****" in text  # identity numbers masked
    for line in cross:
        for r in line["results"]:
            # two valid vitnemål is a Warning: the sources do not say a new one voids the earlier one
            expected = "Warning" if r["constraint"] == "samtbu:DuplicateValidVitnemaal" else "Violation"
            assert r["severity"] == expected and r["message"] and r["location"].startswith("/")
    assert summary.cross_record == 6


def test_cross_record_messages_in_norwegian():
    index = CrossRecordIndex()
    from samtbu.validate.batch import Facts

    for i in (1, 2):
        index.add(Facts(f"r{i}", [(f"urn:x:{i}", "https://w3id.org/samt-bu/def/Fagbrev", ["2025/0317"], [], [], [])], [f"urn:x:{i}"]))
    [first, second] = index.results("nb")
    assert "Dokumentnummeret «2025/0317» er utstedt til 2 ulike dokumenter" in first.results[0].message


@pytest.mark.parametrize("fmt", ["junit", "sarif"])
def test_compact_formats(folder: Path, fmt: str):
    out = io.StringIO()
    summary = run_batch(iter_records(folder), out, fmt=fmt, profile="enkeltresultat", jobs=1, progress=False)
    text = out.getvalue()
    assert summary.records == 4
    if fmt == "junit":
        assert text.startswith("<?xml") and 'errors="1"' in text
    else:
        assert json.loads(text)["version"] == "2.1.0"


def test_cli_batch_on_two_workers(folder: Path, tmp_path: Path):
    out = tmp_path / "report.jsonl"
    proc = subprocess.run(
        [sys.executable, "-m", "samtbu.cli", "validate", "--batch", str(folder), "-p", "enkeltresultat", "-r", "json",
         "-j", "2", "-o", str(out), "--lang", "en"],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 2, proc.stderr  # one record is unreadable
    lines = _lines(out.read_text())
    assert lines[-1]["summary"]["records"] == 4
    assert "Summary: 4 records, 2 conforming, 1 with violations" in proc.stderr


def test_the_benchmark_cohort_is_clean_where_meant_and_faulty_where_injected(model):
    """benchmarks/cohort.py: every grade code of the model's code list is used where the model allows
    it (the generator refuses to run when the code list and its table differ), so a record without an
    injected fault has no violation; every injected fault within a record is found. The identity
    check of benchmarks/run.py relies on both (its strata are these faults)."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    from cohort import CROSS_RECORD_FAULTS, FAULTS, Cohort, grade_codes

    from samtbu.validate import validate

    cohort = Cohort(500, seed=77, fault_rate=0.3)
    used_grades: set[str] = set()
    found: dict[str, int] = {}
    for i, (_name, _profile, doc) in enumerate(cohort.records()):
        used_grades.update(v["karakter"] for v in doc["dokumenterer"] if isinstance(v, dict) and "karakter" in v)
        severities = {r.severity for r in validate(json.dumps(doc), None, model=model, grep=False).results}
        fault = cohort.known_faults.get(i)
        if fault is None:
            assert "Violation" not in severities, (i, severities)
        elif fault not in CROSS_RECORD_FAULTS:  # (a copy of a faulty record may carry that record's fault)
            assert severities, (i, fault)
            found[fault] = found.get(fault, 0) + 1
    assert {f for f, _ in FAULTS} - set(CROSS_RECORD_FAULTS) - set(found) <= {"karakter-ig"}  # IG: kompetansebevis only, rare
    assert set(grade_codes()) - used_grades <= {"IG"}, set(grade_codes()) - used_grades  # IG only as a fault


def _facts_by_definition(triples) -> tuple[list, list]:
    """The cross-record facts as the rules define them, straight from the triples (no index)."""
    from samtbu.validate.batch import _DOCUMENT_CLASSES, _RDF_TYPE, _SBU
    from samtbu.validate.fast import L

    def text(term):
        return term[0] if type(term) is L else str(term)

    def values(node, prop):
        return list(dict.fromkeys(o for s, p, o in triples if s == node and p == _SBU + prop))

    objects = {o for _s, _p, o in triples}
    subjects = list(dict.fromkeys(s for s, _p, _o in triples))
    typed = [s for s in subjects if any(p == _RDF_TYPE for s2, p, _o in triples if s2 == s)]
    roots = sorted(s for s in typed if type(s) is str and s not in objects)
    documents = []
    for node in subjects:
        classes = sorted(str(t) for t in values_of(triples, node, _RDF_TYPE) if str(t) in _DOCUMENT_CLASSES)
        if not classes:
            continue
        fnrs = sorted({text(f) for holder in values(node, "utstedtTil") for f in values(holder, "foedselsnummer")})
        competences = sorted({(str(k), ";".join(sorted(str(x) for x in values(result, "programomraade"))))
                              for result in values(node, "dokumenterer") for k in values(result, "kompetansetype")})
        documents.append((str(node) if type(node) is str else None, classes[0], [text(v) for v in values(node, "dokumentnummer")],
                          [str(v) for v in values(node, "dokumentstatus")], fnrs, competences))
    return roots, documents


def values_of(triples, node, predicate) -> list:
    return list(dict.fromkeys(o for s, p, o in triples if s == node and p == predicate))


def test_facts_for_the_cross_record_rules_are_those_of_the_triples(model):
    """What a record gives the cross-record pass (read through the engine's index) is what the rules
    define on its triples: the roots (typed IRI nodes that are no triple's object) and, per document
    in the order of the record, its id, class, numbers, status, holders' numbers and competences.
    Over every example and every invalid fixture, and a record of two documents."""
    from samtbu.validate import read_any, validate_payload_indexed
    from samtbu.validate.batch import extract_facts

    paths = [p for p in sorted(EXAMPLES.glob("*")) if p.suffix in (".json", ".ttl")]
    paths += [p for p in sorted((REPO / "tests" / "fixtures" / "invalid").glob("*/*"))
              if p.suffix in (".json", ".ttl") and not p.name.endswith(".expected.json")]
    # one record of two documents (two profiles: no profile is chosen, the facts are read all the same)
    two = "\n".join((EXAMPLES / name).read_text() for name in ("vitnemaal-studiespesialisering.ttl", "kompetansebevis-delvis.ttl"))
    checked = with_documents = 0
    for source in [*paths, two]:
        try:
            payload = read_any(source, format=None if isinstance(source, Path) else "turtle", model=model)
        except Exception:  # noqa: BLE001 - a fixture that cannot be read gives no facts
            continue
        try:
            _record, data = validate_payload_indexed(payload, None, model=model, keep_shacl_report=False)
        except Exception:  # noqa: BLE001 - no profile: the facts are made from the triples
            data = None
        facts = extract_facts(payload, str(source), data)
        roots, documents = _facts_by_definition(payload.triples)
        assert (facts.roots, facts.documents) == (roots, documents), source
        assert extract_facts(payload, str(source)).documents == documents  # without the engine's index
        checked += 1
        with_documents += bool(documents)
    assert checked > 100 and with_documents > 50
    assert len(documents) == 2 and len(roots) == 2  # the last: two documents in one record


def test_a_conforming_records_line_is_what_json_dumps_writes():
    from samtbu.validate.batch import render_record
    from samtbu.validate.report import RecordReport

    for source in ("a.json", 'x"y\\z\n\tæøå\u2028\x01.json', "folder/12345678901.json"):
        record = RecordReport(source, "json", "vitnemaal", [])
        assert render_record(record, "json", "nb") == json.dumps(record.to_dict(), ensure_ascii=False) + "\n"
    assert "12345678901" not in render_record(RecordReport("folder/12345678901.json", "json", "vitnemaal"), "json", "nb")


def test_the_summary_counts_every_record_of_every_task(tmp_path: Path):
    """Workers give back a task's reports as one text and the records' stats compactly: the summary,
    the reports and the cross-record pass see every record once, on one worker and on two."""
    from samtbu.validate.batch import CHUNK_RECORDS

    good, bad = json.dumps(_doc("enkeltresultat.json")), json.dumps({**_doc("enkeltresultat.json"), "karakter": "7"})
    lines = [bad if i % 10 == 3 else good for i in range(CHUNK_RECORDS * 2 + 7)]
    path = tmp_path / "many.ndjson"
    path.write_text("\n".join(lines) + "\n{not json\n")
    outs = {}
    for jobs in (1, 2):
        out = io.StringIO()
        summary = run_batch(iter_records(path, chunks=True), out, jobs=jobs, progress=False)
        records = [r for r in _lines(out.getvalue()) if "summary" not in r and not r.get("crossRecord")]
        assert summary.records == len(lines) + 1 == len(records)
        assert summary.unreadable == 1 and summary.with_violations == sum(1 for line in lines if line is bad)
        assert summary.conforming == len(lines) - summary.with_violations
        assert [r["source"] for r in records] == [f"{path}:{i}" for i in range(1, len(lines) + 2)]
        assert summary.cross_record == len(lines)  # the same record id in every readable record
        outs[jobs] = [line for line in out.getvalue().splitlines() if '"summary"' not in line]
    assert outs[1] == outs[2]


def test_the_batch_benchmark_alone_prints_its_figures(tmp_path: Path):
    """benchmarks/run.py --batch-only: per round the batch's wall and CPU time and its CPU per record
    with the start-up taken off, then the best round, from a real batch of the cohort."""
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "run.py"), "--learners", "40", "--jobs", "2", "--batch-only", "--rounds", "2",
         "--workdir", str(tmp_path)],
        capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    rounds = [line for line in proc.stdout.splitlines() if line.startswith("round ")]
    assert len(rounds) == 2 and all("ms CPU per record without it" in line for line in rounds)
    assert "samtbu --batch, this tree (best of 2): 40 records" in proc.stdout


_LAZY_SCRIPT = r"""
import io, json, os, sys
from pathlib import Path
from samtbu.validate.batch import SERIAL_RECORDS, iter_records, run_batch
from samtbu.validate.engine import _compiled

forks = []
os.register_at_fork(before=lambda: forks.append(1))
path, jobs = Path(sys.argv[1]), int(sys.argv[2])
out = io.StringIO()
summary = run_batch(iter_records(path, chunks=True), out, jobs=jobs, progress=False)
lines = [line for line in out.getvalue().splitlines() if '"summary"' not in line]
print(json.dumps({"lines": lines, "compiled_here": _compiled.cache_info().currsize, "forks": len(forks),
                  "serial": SERIAL_RECORDS, "records": summary.records}))
"""


def _lazy_batch(path: Path, jobs: int) -> dict:
    done = subprocess.run([sys.executable, "-c", _LAZY_SCRIPT, str(path), str(jobs)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


def test_a_profile_is_compiled_when_its_first_record_is_met(tmp_path: Path):
    """A batch compiles only the profiles its records need, when the first of them is met: in the
    parent for the first records (before the workers fork, so they share them), in a worker for a
    profile first met later. The reports are those of one process, in the same order; a batch that
    ends within the first records starts no worker."""
    from samtbu.validate.batch import SERIAL_RECORDS

    enkelt, vitnemaal = json.dumps(_doc("enkeltresultat.json")), json.dumps(_doc("vitnemaal-studiespesialisering.json"))
    bad = json.dumps({**_doc("vitnemaal-studiespesialisering.json"), "dokumentnummer": 7})
    late = tmp_path / "late.ndjson"  # the vitnemål profile is first needed after the records the parent validates
    late.write_text("\n".join([enkelt] * (SERIAL_RECORDS + 10) + [vitnemaal, bad] * 40) + "\n")
    one, two = _lazy_batch(late, 1), _lazy_batch(late, 2)
    assert one["records"] == two["records"] == SERIAL_RECORDS + 90
    assert one["lines"] == two["lines"]  # identical reports, identical order
    assert one["compiled_here"] == 2 and one["forks"] == 0  # enkeltresultat and vitnemaal, of the model's 10
    assert two["compiled_here"] == 1 and two["forks"] == 2  # the parent met enkeltresultat only; the workers the rest
    assert sum('"profile": "vitnemaal"' in line and '"conforms": false' in line for line in two["lines"]) == 40
    small = tmp_path / "small.ndjson"
    small.write_text("\n".join([enkelt, vitnemaal, bad] * 10) + "\n")
    few = _lazy_batch(small, 2)
    assert few["forks"] == 0 and few["compiled_here"] == 2 and few["records"] == 30
    assert few["lines"] == _lazy_batch(small, 1)["lines"]


def test_the_benchmark_signs_and_verifies_a_sample_of_the_cohort(tmp_path: Path):
    """benchmarks/run.py's signing step (benchmarks/credential.py --sample-of): records of the cohort
    spread evenly, each validated, exported, signed and verified; the faulty ones refused."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    from cohort import Cohort, write_ndjson

    cohort = Cohort(60, 2026, fault_rate=0.2)
    path = tmp_path / "cohort.ndjson"
    write_ndjson(cohort, path)
    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / "credential.py"), "--sample-of", str(path), "--sample", "12"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(done.stdout.splitlines()[-1])
    assert figures["records"] == 12 and figures["signed"] + sum(figures["refused"].values()) == 12
    assert figures["signed"] > 0 and figures["verified"] == figures["signed"]
    assert all(figures["cpu_ms"][step] > 0 for step in ("secure", "verify", "validate+export+secure"))
    assert set(cohort.known_faults) & set(range(0, 60, 5))  # every 5th record: some carry a fault
    assert figures["refused"].get("does not validate", 0) > 0  # and are refused, not signed


def test_line_ends_found_in_blocks_are_those_of_reading_line_by_line(tmp_path: Path):
    """The parent scans an NDJSON file in blocks: lines that span blocks, blank and whitespace-only
    lines (also across a block border), a raw carriage return and a last line without a newline give
    the lengths and blanks of reading the file line by line, whatever the block size."""
    from samtbu.validate.batch import _line_lengths
    from samtbu.validate.input import MAX_BYTES, bounded_lines

    path = tmp_path / "lines.ndjson"
    path.write_bytes(b'{"a": 1}\n\n   \t \n \r\n  {"b": "\r"}\n\x0b\x0c\n{"c": [1, 2, 3]}\n      \n  x')
    with path.open("rb") as stream:
        expected = [(length, not line.strip()) for line, length in bounded_lines(stream, MAX_BYTES)]
    assert [blank for _length, blank in expected] == [False, True, True, True, False, True, False, True, False]
    for block_size in (1, 2, 3, 5, 8, 1 << 20):
        assert list(_line_lengths(path, block_size)) == expected, block_size


_KILLED_WORKER_SCRIPT = r"""
import io, json, os, signal, sys
from pathlib import Path
from samtbu.validate import batch
from samtbu.validate.batch import BatchError, iter_records, run_batch

path = Path(sys.argv[1])
validate_record = batch.validate_record

def dies_on_its_record(raw, fmt, lang):  # the workers are forked: they run this too
    if raw.source.endswith(":300") and os.getpid() != PARENT:
        os.kill(os.getpid(), signal.SIGKILL)
    return validate_record(raw, fmt, lang)

PARENT = os.getpid()
batch.validate_record = dies_on_its_record
try:
    run_batch(iter_records(path, chunks=True), io.StringIO(), jobs=2, progress=False)
except BatchError as exc:
    print(json.dumps({"error": exc.message}))
"""


def test_a_worker_that_is_killed_stops_the_batch_with_a_clear_error(tmp_path: Path):
    """A worker killed in the middle of a task (the kernel's out-of-memory killer, say) ends the
    batch with a BatchError that says so and names where its task began: never a hang (a
    multiprocessing.Pool waited forever for the lost task) and never a silent gap in the reports."""
    from samtbu.validate.batch import CHUNK_RECORDS

    path = tmp_path / "many.ndjson"
    path.write_text((json.dumps(_doc("enkeltresultat.json")) + "\n") * 400)
    done = subprocess.run([sys.executable, "-c", _KILLED_WORKER_SCRIPT, str(path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    error = json.loads(done.stdout.splitlines()[-1])["error"]
    first_of_task = (300 - 1) // CHUNK_RECORDS * CHUNK_RECORDS + 1
    assert "killed by signal 9" in error and f"{path}:{first_of_task} on" in error, error


def test_reports_are_written_while_the_input_waits(tmp_path: Path):
    """Reading the input never holds back the reports of records already validated: a stream whose
    writer waits until it has seen reports (a pipe from a program that waits for answers) gets
    them; an error raised by the input after that ends the batch, the reports written so far in order."""
    import threading

    data = json.dumps(_doc("enkeltresultat.json")).encode()
    seen = threading.Event()

    class Out(io.StringIO):
        def write(self, text):
            if self.getvalue().count("\n") + text.count("\n") >= 250:
                seen.set()
            return super().write(text)

    def records():
        for i in range(300):
            yield RawRecord(i, f"r{i}.json", data, "json")
        assert seen.wait(120), "no report written while the input waited"
        yield RawRecord(300, "r300.json", data, "json")
        raise RuntimeError("the input broke")

    out = Out()
    with pytest.raises(RuntimeError, match="the input broke"):
        run_batch(records(), out, jobs=2, progress=False, profile="enkeltresultat", cross_record=False)
    sources = [line["source"] for line in _lines(out.getvalue())]
    assert len(sources) >= 250 and sources == [f"r{i}.json" for i in range(len(sources))]


def test_tasks_too_large_to_queue_in_a_pipe(tmp_path: Path):
    """Records in a directory go to the workers with their bytes: a task over QUEUED_TASK_BYTES is
    sent only to an idle worker (not queued behind a running one, where parent and worker could each
    wait for the other once both pipes are full), and the reports are those of one process, in order."""
    from samtbu.validate.batch import QUEUED_TASK_BYTES

    folder = tmp_path / "large"
    folder.mkdir()
    doc = _doc("enkeltresultat.json")
    for i in range(200):
        record = {**doc, "id": f"urn:uuid:00000000-0000-0000-0000-{i:012d}"}
        if i % 3 == 0:  # padding the parser reads past: a task of 32 such records is far over the limit
            record["kommentar"] = "x" * (QUEUED_TASK_BYTES // 4)
        (folder / f"r{i:03d}.json").write_text(json.dumps(record))
    outs = []
    for jobs in (1, 2):
        out = io.StringIO()
        summary = run_batch(iter_records(folder), out, jobs=jobs, progress=False, profile="enkeltresultat")
        assert summary.records == 200
        outs.append([line for line in out.getvalue().splitlines() if '"summary"' not in line])
    assert outs[0] == outs[1]
