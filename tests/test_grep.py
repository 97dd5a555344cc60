"""Grep reference data: reading Udir's two forms, the snapshot, `samtbu grep`, configuration, and the
Grep checks in validation (both engines)."""

from __future__ import annotations

import gzip
import io
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from samtbu.grep import resolve_snapshot, subject_label, title, titles
from samtbu.grep.config import resolve
from samtbu.grep.reader import GrepReadError, Skip, element_from, iter_json_values, read_elements
from samtbu.grep.store import Snapshot, SnapshotError, build_snapshot
from samtbu.model import Model
from samtbu.validate import validate
from test_fastengine import _quiet  # noqa: F401  (rdflib quiet in the reference runs; the pyshacl engine parses each query once itself)

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "grep" / "grep-eksempler.sqlite"
FIXTURES = sorted(p for p in (REPO / "tests" / "fixtures" / "grep").glob("*.json") if not p.name.endswith(".expected.json"))
EXAMPLES = sorted((REPO / "examples").glob("*.json")) + sorted((REPO / "examples").glob("*.ttl"))
PROFILE = {"vitnemaal": "vitnemaal", "kompetansebevis": "kompetansebevis", "fagbrev": "fagbrev",
           "enkeltresultat": "enkeltresultat", "fullfoeringsstatus": "fullfoeringsstatus", "karakterutskrift": "karakterutskrift",
           "fagskolevitnemaal": "fagskolevitnemaal", "fagskolekarakterutskrift": "fagskolekarakterutskrift",
           "emnevurdering": "emnevurdering", "resultatendring": "resultatendring"}
ONT = "http://psi.udir.no/ontologi/kl06/"


def samtbu(*args, cwd=None, env=None) -> subprocess.CompletedProcess:
    """`samtbu ARGS` in this process (the CLI's main, as the console script runs it), with its own
    working folder and environment; no user configuration is seen."""
    import contextlib

    from samtbu.cli import main

    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    out, err = io.StringIO(), io.StringIO()
    try:
        for key in ("SAMTBU_GREP", "SAMTBU_CONFIG"):
            os.environ.pop(key, None)
        os.environ["XDG_CONFIG_HOME"] = "/nonexistent-samtbu-config"
        os.environ.update(env or {})
        os.chdir(cwd or saved_cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:
                code = exc.code
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="module")
def samples(anchors: Path) -> Path:
    folder = anchors / "no" / "grep-samples"
    if not folder.is_dir():
        pytest.skip(f"Udir's Grep sample records are not at {folder} (set SAMTBU_ANCHORS)")
    return folder


@pytest.fixture(scope="module")
def sample_snapshot(samples: Path, tmp_path_factory) -> Snapshot:
    path = tmp_path_factory.mktemp("grep") / "samples.sqlite"
    build_snapshot(read_elements([samples]), path)
    return Snapshot(path)


@pytest.fixture(scope="module")
def shipped() -> Snapshot:
    return Snapshot(SHIPPED)


# -- reading Udir's records -------------------------------------------------------------------------

_LANGS = ("nob", "nno", "eng", "sme", "default")


def _raw_texts(value) -> dict:
    return {i["spraak"]: i["verdi"] for i in value or []}


def _raw_codes(value) -> list:
    items = value if isinstance(value, list) else ([value] if value else [])
    return [i["uriId"].rsplit("/", 1)[1] for i in items]


def test_every_listed_field_of_the_sample_records_round_trips(samples: Path, sample_snapshot: Snapshot):
    """kode, tittel/kortform per language, status, gyldig-fra/-til, erstatter/erstattes-av,
    opplaeringsfag, programomraader-referanse, laereplan-referanse, fagtype, opplaeringsnivaa: read from
    Udir's files (with the json module, independently of the reader), then out of the snapshot."""
    files = sorted(samples.glob("*.jsonld"))
    assert len(files) == 5
    seen_fields: set = set()
    for file in files:
        raw = json.loads(file.read_text(encoding="utf-8-sig"))
        element = sample_snapshot.get(raw["kode"])
        assert element is not None, file.name
        assert element.type == raw["grepType"].rsplit("/", 1)[1]
        assert element.uri == raw["uriId"]
        for field, texts in (("tittel", element.tittel), ("kortform", element.kortform)):
            assert texts == _raw_texts(raw.get(field)), (file.name, field)
            seen_fields.update(f"{field}:{lang}" for lang in texts if lang in _LANGS)
        assert element.status == raw["status"].rsplit("status_", 1)[1]
        seen_fields.add(f"status:{element.status}")
        for key, attr in (("gyldig-fra", "gyldig_fra"), ("gyldig-til", "gyldig_til")):
            value = raw.get(key)
            assert getattr(element, attr) == (value[:10] if value else None), (file.name, key)
            if value:
                seen_fields.add(key)
        for key in ("erstatter", "erstattes-av", "opplaeringsfag", "programomraader-referanse", "laereplan-referanse",
                    "fagtype", "opplaeringsnivaa"):
            if key in raw:
                assert element.refs.get(key, []) == _raw_codes(raw[key]), (file.name, key)
                seen_fields.add(key)
        assert not element.written_by_samtbu
    wanted = {f"tittel:{lang}" for lang in _LANGS} | {"kortform:nob", "kortform:nno", "kortform:eng", "kortform:sme",
              "kortform:default", "status:publisert", "status:utgaatt", "gyldig-fra", "gyldig-til", "erstatter",
              "erstattes-av", "opplaeringsfag", "programomraader-referanse", "laereplan-referanse", "fagtype", "opplaeringsnivaa"}
    assert wanted <= seen_fields, wanted - seen_fields


def test_the_sample_files_start_with_a_bom_and_read_the_same_without(samples: Path):
    file = samples / "fagkode.NOR0201.jsonld"
    data = file.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    with_bom = list(iter_json_values(io.BytesIO(data), "a"))
    without = list(iter_json_values(io.BytesIO(data[3:]), "b"))
    assert with_bom == without and with_bom[0]["kode"] == "NOR0201"


# The plain JSON of Grep's REST API for the same kinds of objects (as data.udir.no/kl06/v201906 gives
# them: references as small objects with kode, the læreplan's title under "tekst", its validity in
# "gyldighetsperiode", a programområde's programmes in "utdanningsprogram-referanse").
REST_LAEREPLAN = {
    "id": "c4c70d0a-8c21-49f4-9298-7113231bb8e2", "kode": "NOR01-06", "uri": "http://psi.udir.no/kl06/NOR01-06",
    "url-data": "https://data.udir.no/kl06/v201906/laereplaner-lk20/NOR01-06",
    "tittel": {"tekst": [{"spraak": "default", "verdi": "Læreplan i norsk"}, {"spraak": "nob", "verdi": "Læreplan i norsk"}], "forskrift": True},
    "kortform": [{"spraak": "default", "verdi": "Norsk"}, {"spraak": "nob", "verdi": "Norsk"}],
    "grep-type": "http://psi.udir.no/ontologi/kl06/laereplan_lk20",
    "status": "https://data.udir.no/kl06/v201906/status/status_publisert",
    "fagtype": [{"kode": "fagtype_grunnskolefag", "uri": "http://psi.udir.no/kl06/fagtype_grunnskolefag", "tittel": "Grunnskolefag"},
                {"kode": "fagtype_fellesfag", "uri": "http://psi.udir.no/kl06/fagtype_fellesfag", "tittel": "Fellesfag"}],
    "gyldighetsperiode": {"gyldig-fra": {"overskrift": [], "dato": "2020-08-01T00:00:00"}, "gyldig-til": {"overskrift": [], "dato": None}},
    "erstatter": [{"kode": "NOR1-05", "uri": "http://psi.udir.no/kl06/NOR1-05", "tittel": "Læreplan i norsk",
                   "gyldighet": {"gyldig-fra": None, "gyldig-til": None}}],
    "erstattes-av": [],
}
REST_OPPLAERINGSFAG = {
    "kode": "NOR1Z37", "uri": "http://psi.udir.no/kl06/NOR1Z37", "grep-type": "http://psi.udir.no/ontologi/kl06/opplaeringsfag",
    "tittel": [{"spraak": "nob", "verdi": "Norsk 1.-2. årstrinn"}], "status": "https://data.udir.no/kl06/v201906/status/status_utgaatt",
    "programomraader-referanse": [{"kode": "STUSP1----", "uri": "http://psi.udir.no/kl06/STUSP1----"}],
    "laereplan-referanse": [{"kode": "NOR1-05", "uri": "http://psi.udir.no/kl06/NOR1-05"}],
    "fagtype": {"kode": "fagtype_grunnskolefag", "uri": "http://psi.udir.no/kl06/fagtype_grunnskolefag"},
    "opplaeringsnivaa": {"kode": "opplaeringsnivaa_grunnskole"},
    "erstattes-av": [{"kode": "NOR1Z47"}, {"kode": "NOR1Z48"}],
}
REST_PROGRAMOMRAADE = {
    "kode": "ELELE3----", "uri": "http://psi.udir.no/kl06/ELELE3----", "grep-type": "http://psi.udir.no/ontologi/kl06/programomraade",
    "tittel": [{"spraak": "nob", "verdi": "Elektrikerfaget"}], "status": "https://data.udir.no/kl06/v201906/status/status_publisert",
    "gyldighet": {"gyldig-fra": "2022-08-01T00:00:00", "gyldig-til": None},
    "utdanningsprogram-referanse": [{"kode": "EL", "uri": "http://psi.udir.no/kl06/EL", "gyldighet": {"gyldig-fra": None, "gyldig-til": None}}],
}


def test_the_rest_form_is_read_like_the_dump():
    lp = element_from(REST_LAEREPLAN, "rest")
    assert (lp.kode, lp.type, lp.status, lp.gyldig_fra, lp.gyldig_til) == ("NOR01-06", "laereplan_lk20", "publisert", "2020-08-01", None)
    assert lp.tittel == {"default": "Læreplan i norsk", "nob": "Læreplan i norsk"} and lp.kortform["nob"] == "Norsk"
    assert lp.refs == {"erstatter": ["NOR1-05"], "fagtype": ["fagtype_grunnskolefag", "fagtype_fellesfag"]}
    of = element_from(REST_OPPLAERINGSFAG, "rest")
    assert of.refs == {"erstattes-av": ["NOR1Z47", "NOR1Z48"], "programomraader-referanse": ["STUSP1----"],
                       "laereplan-referanse": ["NOR1-05"], "fagtype": ["fagtype_grunnskolefag"],
                       "opplaeringsnivaa": ["opplaeringsnivaa_grunnskole"]}
    assert of.status == "utgaatt"
    po = element_from(REST_PROGRAMOMRAADE, "rest")
    assert po.gyldig_fra == "2022-08-01" and po.refs == {"utdanningsprogram-referanse": ["EL"]}


def _dump_records(samples: Path) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8-sig")) for p in sorted(samples.glob("*.jsonld"))]


def test_every_container_gives_the_same_snapshot(samples: Path, tmp_path: Path):
    """A folder, a JSON array, a JSON-LD @graph, NDJSON, a tar.gz and a zip of the same records."""
    records = _dump_records(samples)
    (tmp_path / "array.json").write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "graph.jsonld").write_text(json.dumps({"@context": records[0]["@context"], "@graph": records}), encoding="utf-8")
    (tmp_path / "lines.ndjson").write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    with tarfile.open(tmp_path / "dump.tar.gz", "w:gz") as tar:
        for p in sorted(samples.glob("*.jsonld")):
            tar.add(p, arcname=f"dump/{p.name}")
    with zipfile.ZipFile(tmp_path / "dump.zip", "w") as z:
        for p in sorted(samples.glob("*.jsonld")):
            z.write(p, arcname=f"dump/{p.name}")
    ids = set()
    for source in ([samples], [tmp_path / "array.json"], [tmp_path / "graph.jsonld"], [tmp_path / "lines.ndjson"],
                   [tmp_path / "dump.tar.gz"], [tmp_path / "dump.zip"]):
        result = build_snapshot(read_elements(source), tmp_path / "s.sqlite")
        assert result.elements == 5 and not result.skipped, (source, result)
        ids.add(result.snapshot_id)
    assert len(ids) == 1


# -- samtbu grep import / info / show ---------------------------------------------------------------


def test_grep_show_prints_the_titles_in_nb_nn_en(samples: Path, tmp_path: Path):
    snapshot = tmp_path / "s.sqlite"
    done = samtbu("grep", "import", str(samples), "-o", str(snapshot))
    assert done.returncode == 0, done.stderr
    assert "5 Grep element(s)" in done.stdout and "NLOD" in done.stderr
    shown = samtbu("grep", "show", "NOR0201", "--grep", str(snapshot))
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert "  nb  Norsk 1. årstrinn" in lines and "  nn  Norsk 1. årssteg" in lines and "  en  Norwegian" in lines
    assert "tilgjengeliggjort på data.udir.no" in shown.stdout
    shown = samtbu("grep", "show", "NOR1Z37", "--grep", str(snapshot))
    assert "  en  –  (no English title in Grep)" in shown.stdout.splitlines()
    assert "utgaatt" in shown.stdout and "NOR1Z47, NOR1Z48" in shown.stdout
    missing = samtbu("grep", "show", "NOR9999", "--grep", str(snapshot))
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1 and "not in the Grep snapshot" in missing.stderr
    info = samtbu("grep", "info", "--json", "--grep", str(snapshot))
    data = json.loads(info.stdout)
    assert data["elements"] == 5 and data["by_type"]["fagkode"] == 1 and data["snapshot_date"] == "2020-08-21"
    assert data["attribution"]["en"].startswith("Contains data under NLOD")


def test_grep_info_without_a_snapshot_is_one_clear_line(tmp_path: Path):
    done = samtbu("grep", "info", cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "no Grep snapshot is configured: give --grep FILE" in done.stderr, done.stderr


def _assert_one_line_error(done, *words):
    assert done.returncode == 2, done
    assert "Traceback" not in done.stderr and done.stderr.startswith("samtbu: error:"), done.stderr
    for word in words:
        assert word in done.stderr, done.stderr


def test_bad_input_gives_a_clear_error_and_leaves_the_snapshot(samples: Path, tmp_path: Path):
    snapshot = tmp_path / "s.sqlite"
    assert samtbu("grep", "import", str(samples), "-o", str(snapshot)).returncode == 0
    before = snapshot.read_bytes()
    whole = (samples / "laereplan.NOR1-05.jsonld").read_bytes()
    (tmp_path / "truncated.jsonld").write_bytes(whole[: len(whole) // 2])
    _assert_one_line_error(samtbu("grep", "import", str(tmp_path / "truncated.jsonld"), "-o", str(snapshot)),
                           "truncated.jsonld", "truncated after")
    (tmp_path / "broken.json").write_text('[{"kode": "A", "grep-type": "fagkode"} {"kode": "B"}]', encoding="utf-8")
    _assert_one_line_error(samtbu("grep", "import", str(tmp_path / "broken.json"), "-o", str(snapshot)), "broken.json", "not valid JSON")
    (tmp_path / "latin1.json").write_bytes('{"kode": "Ø"}'.encode("latin-1"))
    _assert_one_line_error(samtbu("grep", "import", str(tmp_path / "latin1.json"), "-o", str(snapshot)), "latin1.json")
    (tmp_path / "bad.zip").write_bytes(b"PK\x03\x04 not really")
    _assert_one_line_error(samtbu("grep", "import", str(tmp_path / "bad.zip"), "-o", str(snapshot)), "bad.zip", "zip")
    _assert_one_line_error(samtbu("grep", "import", str(tmp_path / "nothing-here"), "-o", str(snapshot)), "no such file")
    (tmp_path / "empty.json").write_text("[]", encoding="utf-8")
    _assert_one_line_error(samtbu("grep", "import", str(tmp_path / "empty.json"), "-o", str(snapshot)), "no Grep elements")
    assert snapshot.read_bytes() == before
    (tmp_path / "not-a-snapshot.sqlite").write_text("hello", encoding="utf-8")
    _assert_one_line_error(samtbu("grep", "info", "--grep", str(tmp_path / "not-a-snapshot.sqlite")), "not a samtbu Grep snapshot")


def test_odd_values_are_skipped_and_counted(samples: Path, tmp_path: Path):
    records = _dump_records(samples)
    older = dict(records[1], **{"sist-endret": "2000-01-01T00:00:00", "tittel": [{"spraak": "nob", "verdi": "old"}]})
    newer = dict(records[1], **{"sist-endret": "2030-01-01T00:00:00", "tittel": [{"spraak": "nob", "verdi": "new"}]})
    odd = [
        {"kode": "X1", "grep-type": "http://psi.udir.no/ontologi/kl06/ikke_en_grep_type"},  # unknown type
        {"grep-type": "http://psi.udir.no/ontologi/kl06/fagkode"},  # no kode
        {"kode": "X2"},  # no type
        "a string", 42, None,
        older, newer,
    ]
    (tmp_path / "dump.json").write_text(json.dumps(records + odd, ensure_ascii=False), encoding="utf-8")
    done = samtbu("grep", "import", str(tmp_path / "dump.json"), "-o", str(tmp_path / "s.sqlite"))
    assert done.returncode == 0, done.stderr
    info = Snapshot(tmp_path / "s.sqlite").info()
    assert info["elements"] == 5
    assert info["skipped"] == {"duplicate": 2, "no-code": 1, "no-type": 1, "not-an-object": 3, "unknown-type": 1}
    assert Snapshot(tmp_path / "s.sqlite").get(records[1]["kode"]).tittel == {"nob": "new"}  # the one changed last
    assert "8 value(s) skipped" in done.stderr and "ikke_en_grep_type" in done.stderr


def test_an_element_over_the_limit_is_skipped_in_bounded_memory(tmp_path: Path):
    """About 50 MB: a dump whose one element has a 30 MB title (over the limit of kept text: skipped,
    counted) and 20 MB of text samtbu does not keep, around ordinary elements. The import's peak
    memory stays below the file's size (benchmarks/grep_import.py measures a 1 GB dump). With a
    lower limit the 30 MB string is longer than any value may be: the import stops with one line."""
    big = tmp_path / "big.json"
    with big.open("w", encoding="utf-8") as out:
        out.write("[")
        for i in range(2000):
            out.write(json.dumps({"kode": f"A{i:05d}", "grep-type": ONT + "fagkode", "tittel": [{"spraak": "nob", "verdi": f"fag {i}"}],
                                  "vurderingsordning": [{"spraak": "nob", "verdi": "x" * 10_000}]}) + ",")
        out.write('{"kode": "HUGE", "grep-type": "%sfagkode", "tittel": [{"spraak": "nob", "verdi": "' % ONT)
        for _ in range(30):
            out.write("y" * 1_000_000)
        out.write('"}]}]')
    assert big.stat().st_size > 50_000_000
    script = (
        "import resource, sys\n"
        "from samtbu.grep.cli import register\n"
        "from samtbu.cli import main\n"
        f"rc = main(['grep', 'import', {str(big)!r}, '-o', {str(tmp_path / 's.sqlite')!r}, '--max-element-bytes', '10000000'])\n"
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss over fork and exec, so a child of a big pytest
        # process would report the parent's peak (523 MiB in CI, after the whole suite)
        "peak = next(line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM:'))\n"
        "print(peak, rc)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    peak_kib, rc = done.stdout.splitlines()[-1].split()
    assert rc == "0", done.stderr
    assert "1 element over the size limit" in done.stderr
    info = Snapshot(tmp_path / "s.sqlite").info()
    assert info["elements"] == 2000 and info["skipped"] == {"too-large": 1}
    # the parser holds one string token (the 30 MB title, in its buffer and as a str) at a time and
    # nothing holds the file: a loose ceiling here, with the toolkit's own imports (about 100 MiB);
    # benchmarks/grep_import.py measures a 1 GB dump at 132 MiB
    assert int(peak_kib) * 1024 < 350_000_000, f"peak {int(peak_kib) // 1024} MiB"
    _assert_one_line_error(samtbu("grep", "import", str(big), "-o", str(tmp_path / "t.sqlite"), "--max-element-bytes", "5000000"),
                           "big.json", "longer than 20,000,000 bytes")


# -- configuration ----------------------------------------------------------------------------------


def test_flag_then_environment_then_config_file(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("SAMTBU_GREP", raising=False)
    monkeypatch.delenv("SAMTBU_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)
    assert resolve(None) == (None, "not configured")
    (tmp_path / "samtbu.toml").write_text('[grep]\nsnapshot = "data/g.sqlite"\n', encoding="utf-8")
    assert resolve(None) == (tmp_path / "data" / "g.sqlite", str(tmp_path / "samtbu.toml"))
    monkeypatch.setenv("SAMTBU_GREP", "/elsewhere/g.sqlite")
    assert resolve(None) == (Path("/elsewhere/g.sqlite"), "SAMTBU_GREP")
    assert resolve("mine.sqlite") == (Path("mine.sqlite"), "--grep")
    assert resolve("none")[0] is None
    monkeypatch.setenv("SAMTBU_GREP", "none")
    assert resolve(None)[0] is None
    monkeypatch.delenv("SAMTBU_GREP")
    (tmp_path / "samtbu.toml").write_text("[grep]\nsnapshot = 3\n", encoding="utf-8")
    with pytest.raises(Exception, match="snapshot"):
        resolve(None)


def test_the_config_file_is_used_by_validate(tmp_path: Path):
    (tmp_path / "samtbu.toml").write_text(f'[grep]\nsnapshot = "{SHIPPED}"\n', encoding="utf-8")
    fixture = REPO / "tests" / "fixtures" / "grep" / "fagkode-ukjent.json"
    with_config = samtbu("validate", "--fail-on", "warning", str(fixture), cwd=tmp_path)
    assert with_config.returncode == 1 and "SAK1099" in with_config.stdout
    off = samtbu("validate", "--fail-on", "warning", "--grep", "none", str(fixture), cwd=tmp_path)
    assert off.returncode == 0, off.stdout
    env = samtbu("validate", "--fail-on", "warning", str(fixture), env={"SAMTBU_GREP": str(SHIPPED)})
    assert env.returncode == 1


# -- the shipped snapshot ---------------------------------------------------------------------------


def test_every_record_samtbu_wrote_is_flagged(shipped: Snapshot):
    files = sorted((REPO / "grep" / "samtbu").glob("*.jsonld"))
    assert files
    for file in files:
        raw = json.loads(file.read_text(encoding="utf-8"))
        assert raw["http://purl.org/dc/terms/creator"] == {"@id": "https://w3id.org/samt-bu/"}, file.name
        assert shipped.get(raw["kode"]).written_by_samtbu
    assert shipped.info()["written_by_samtbu"] == len(files)
    readme = (REPO / "grep" / "README.md").read_text(encoding="utf-8")
    assert "dct:creator" in readme or "http://purl.org/dc/terms/creator" in readme
    assert "Inneholder data under NLOD" in readme


def test_the_shipped_snapshot_is_what_its_sources_give(samples: Path, shipped: Snapshot, tmp_path: Path):
    rebuilt = build_snapshot(read_elements([samples, REPO / "grep" / "samtbu"]), tmp_path / "r.sqlite", snapshot_date=shipped.date)
    assert rebuilt.snapshot_id == shipped.id, "run scripts/build-grep-snapshot"
    real = [c for c in shipped.codes() if not shipped.get(c).written_by_samtbu]
    assert sorted(real) == sorted(["NOR0201", "NOR01-06", "NOR1-05", "NOR1Z37", "aarstrinn1"])


def test_every_grep_code_of_the_examples_is_in_the_shipped_snapshot(shipped: Snapshot):
    from samtbu.grep.facts import grep_iris
    from samtbu.validate.fast.input import read_fast

    for path in EXAMPLES:
        for iri in grep_iris(read_fast(path).triples):
            assert shipped.get_iri(iri) is not None, (path.name, iri)


# -- validation with and without a snapshot ---------------------------------------------------------


def _profile(path: Path) -> str:
    return PROFILE[path.stem.split("-")[0]]


def _keys(report) -> list:
    return sorted((r.severity, r.source_shape, r.constraint, r.focus_node, r.path, r.value, r.message, r.pointer, r.subject)
                  for r in report.results)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_give_no_new_results_with_the_shipped_snapshot(path: Path, model: Model, shipped: Snapshot):
    without = validate(path, _profile(path), model=model, grep=False)
    with_grep = validate(path, _profile(path), model=model, grep=shipped)
    assert _keys(with_grep) == _keys(without) == [], with_grep.render("text")


SBUS_PREFIX_RULE = "https://w3id.org/samt-bu/shapes/Sluttkompetanse-programomraade-utdanningsprogram"

@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
@pytest.mark.parametrize("engine", ["fast", "pyshacl"])
def test_grep_fixture_gives_exactly_the_expected_results(path: Path, engine: str, model: Model, shipped: Snapshot):
    expected = json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))
    profile = "fagbrev" if path.stem.startswith("programomraade") else "enkeltresultat"
    report = validate(path, profile, model=model, engine=engine, grep=shipped)
    actual = [{"severity": r.severity, "sourceShape": r.source_shape, "constraint": r.constraint, "focusNode": r.focus_node,
               "path": r.path, "value": r.value, "message": r.message} for r in report.results]
    assert sorted(map(json.dumps, actual)) == sorted(map(json.dumps, expected)), report.render("text")
    without = validate(path, profile, model=model, engine=engine, grep=False).results
    if path.stem.startswith("programomraade"):
        # without Grep data the code prefix gives a warning, which Grep data turns into the violation above
        assert [(r.severity, r.source_shape) for r in without] == [("Warning", SBUS_PREFIX_RULE)]
    else:
        assert not without


def test_the_messages_name_the_snapshot_date_and_the_replacing_code(shipped: Snapshot, model: Model):
    fixtures = REPO / "tests" / "fixtures" / "grep"
    unknown = validate(fixtures / "fagkode-ukjent.json", "enkeltresultat", model=model, grep=shipped, lang="en").results[0]
    assert unknown.message == "The subject code is not a subject code in the Grep snapshot of 2026-12-03."
    assert unknown.value == "SAK1099"  # the code as sent, not its IRI
    expired = validate(fixtures / "fagkode-utgaatt.json", "enkeltresultat", model=model, grep=shipped, lang="en").results[0]
    assert "replaced by NOR0201" in expired.message and expired.subject == "NOR0001 Norwegian (replaced by NOR0201)"
    wrong = validate(fixtures / "programomraade-annet-utdanningsprogram.json", "fagbrev", model=model, grep=shipped)
    assert wrong.results[0].message == "Programområdet ELELE3---- hører ikke til utdanningsprogrammet ST i Grep (uttrekket fra 2026-12-03)."
    assert not wrong.conforms


def test_a_code_valid_on_the_assessment_date_is_not_reported_though_utgaatt_now(shipped: Snapshot, model: Model):
    doc = json.loads((REPO / "tests" / "fixtures" / "grep" / "fagkode-utgaatt.json").read_text(encoding="utf-8"))
    doc["vurderingsdato"], doc["skoleaar"] = "2007-06-05", "2006-2007"  # (before the learner's birth: other rules say so)
    report = validate(json.dumps(doc), "enkeltresultat", model=model, grep=shipped)
    assert not [r for r in report.results if "Grep" in (r.source_shape or "")], report.render("text")


def test_a_payload_cannot_vouch_for_its_own_codes(shipped: Snapshot, model: Model):
    """Turtle that says the programme area belongs to ST is not believed."""
    ttl = (REPO / "examples" / "fagbrev-elektriker.ttl").read_text(encoding="utf-8")
    ttl = ttl.replace("sbu:utdanningsprogram kl06:EL ;", "sbu:utdanningsprogram kl06:ST ;")
    assert "kl06:ST ;" in ttl
    ttl += ("\n<http://psi.udir.no/kl06/ELELE3----> <http://psi.udir.no/ontologi/kl06/utdanningsprogram-referanse> "
            "<http://psi.udir.no/kl06/ST> .\n")
    for engine in ("fast", "pyshacl"):
        report = validate(ttl, "fagbrev", format="turtle", model=model, grep=shipped, engine=engine)
        grep_results = [r for r in report.results if (r.source_shape or "").endswith("programomraade-utdanningsprogram")]
        assert len(grep_results) == 1 and "2026-12-03" in grep_results[0].message, report.render("text")


def test_results_name_the_subject_by_code_and_title(shipped: Snapshot, model: Model):
    doc = json.loads((REPO / "examples" / "enkeltresultat.json").read_text(encoding="utf-8"))
    doc["karakter"] = "9"
    with_grep = validate(json.dumps(doc), "enkeltresultat", model=model, grep=shipped)
    assert {r.subject for r in with_grep.results} == {"SAK1001 Samfunnskunnskap"}
    assert "(SAK1001 Samfunnskunnskap)" in with_grep.render("text")
    assert json.loads(with_grep.render("json"))["records"][0]["results"][0]["subject"] == "SAK1001 Samfunnskunnskap"
    assert {r.subject for r in validate(json.dumps(doc), "enkeltresultat", model=model, grep=shipped, lang="en").results} == {
        "SAK1001 Social studies"}
    without = validate(json.dumps(doc), "enkeltresultat", model=model, grep=False)
    assert {r.subject for r in without.results} == {None}


def test_title_api(shipped: Snapshot):
    assert title("REA3056", "nn", shipped) == "Matematikk R1"
    assert title("http://psi.udir.no/kl06/NOR1Z37", "en", shipped) == "Norsk 1.-2. årstrinn"  # falls back to Grep's default
    assert title("NOR1Z37", "en", shipped, fallback=False) is None
    assert titles("NOR0201", shipped) == {"nb": "Norsk 1. årstrinn", "en": "Norwegian", "se": "Dárogiella 1. jahkeceahkki",
                                           "nn": "Norsk 1. årssteg"}
    assert title("UKJENT1", "nb", shipped) is None
    assert subject_label("http://psi.udir.no/kl06/ST", shipped, "en") == "ST Specialization in general studies"
    assert resolve_snapshot(False) is None and resolve_snapshot(shipped) is shipped


def test_a_snapshot_replaced_under_a_running_process_is_read_again(tmp_path: Path, shipped: Snapshot):
    from samtbu.grep.config import open_snapshot

    path = tmp_path / "s.sqlite"
    path.write_bytes(SHIPPED.read_bytes())
    first = open_snapshot(path)
    assert first.get("REA3056") is not None
    build_snapshot([element_from(REST_PROGRAMOMRAADE, "x")], path)
    os.utime(path, ns=(first.path.stat().st_atime_ns, first.path.stat().st_mtime_ns + 10**9))
    again = open_snapshot(path)
    assert again is not first and again.get("REA3056") is None and again.get("ELELE3----") is not None


def test_the_snapshot_is_read_only_to_validation(shipped: Snapshot):
    with pytest.raises(sqlite3.OperationalError):
        shipped._conn().execute("DELETE FROM element")


def test_a_skip_is_not_an_element():
    assert isinstance(element_from(["not", "an", "object"], "x"), Skip)
    with pytest.raises(GrepReadError):
        list(iter_json_values(io.BytesIO(b"{"), "x"))
    assert list(iter_json_values(io.BytesIO(gzip.decompress(gzip.compress(b'{"kode": "A"}'))), "x")) == [{"kode": "A"}]


# -- batch, HTTP service, exports, views, site --------------------------------------------------------


def test_batch_checks_against_the_snapshot_on_every_worker(tmp_path: Path):
    lines = [json.dumps(json.loads(p.read_text(encoding="utf-8"))) for p in FIXTURES]
    (tmp_path / "cohort.ndjson").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for jobs in ("1", "2"):
        done = samtbu("validate", "--batch", str(tmp_path / "cohort.ndjson"), "-j", jobs, "-r", "json", "--no-cross-record",
                      "-o", str(tmp_path / f"r{jobs}.jsonl"), "--grep", str(SHIPPED))
        assert done.returncode == 1, done.stderr
        records = [json.loads(line) for line in (tmp_path / f"r{jobs}.jsonl").read_text(encoding="utf-8").splitlines()]
        shapes = sorted((r.get("source_shape") or "").rsplit("/", 1)[-1] for rec in records for r in rec.get("results", []))
        assert shapes == ["GrepSluttkompetanse-programomraade-utdanningsprogram", "GrepVurdering-gjelderFag-gyldig",
                          "GrepVurdering-gjelderFag-kjent"]


def test_the_http_service_checks_against_its_snapshot(model: Model):
    from fastapi.testclient import TestClient

    from samtbu.service import Limits, create_app

    limits = Limits(max_bytes=64 * 1024, max_depth=16, max_records=5, timeout=120, workers=1, queue=8)
    body = (REPO / "tests" / "fixtures" / "grep" / "fagkode-ukjent.json").read_bytes()
    with TestClient(create_app(model, limits, warm=False, grep=SHIPPED)) as client:
        assert client.get("/readyz").json()["grep"]["snapshot_date"] == "2026-12-03"
        report = client.post("/v1/validate?profile=enkeltresultat", content=body, headers={"Content-Type": "application/json"}).json()
        assert [r["source_shape"].rsplit("/", 1)[1] for rec in report["records"] for r in rec["results"]] == ["GrepVurdering-gjelderFag-kjent"]
    with TestClient(create_app(model, limits, warm=False)) as client:
        report = client.post("/v1/validate?profile=enkeltresultat", content=body, headers={"Content-Type": "application/json"}).json()
        assert "grep" not in client.get("/readyz").json() and report["conforms"] and not report["records"][0]["results"]


def _subject_titles_everywhere(text: str) -> bool:
    return "Samfunnskunnskap" in text


@pytest.mark.parametrize("target", ["elm", "ob3", "schemaorg", "elmo"])
def test_exports_carry_the_titles_with_a_snapshot_and_not_without(target: str, tmp_path: Path, anchors: Path):
    example = REPO / "examples" / "vitnemaal-studiespesialisering.json"
    with_grep = samtbu("export", str(example), "--to", target, "-q", "-o", str(tmp_path / "a"), "--grep", str(SHIPPED),
                       env={"SAMTBU_ANCHORS": str(anchors)})
    assert with_grep.returncode == 0, with_grep.stderr
    text = (tmp_path / "a").read_text(encoding="utf-8")
    assert "Matematikk R2" in text and "Samfunnskunnskap" in text, target
    if target in ("elm", "schemaorg", "elmo"):  # languages the snapshot has: nb, nn and en
        assert "Mathematics R2" in text and "Engelsk, vg1 studieførebuande utdanningsprogram" in text
    without = samtbu("export", str(example), "--to", target, "-q", "-o", str(tmp_path / "b"), "--grep", "none",
                     env={"SAMTBU_ANCHORS": str(anchors)})
    assert without.returncode == 0 and "Matematikk R2" not in (tmp_path / "b").read_text(encoding="utf-8")


@pytest.mark.parametrize("path", sorted((REPO / "examples").glob("*.json")), ids=lambda p: p.name)
def test_the_overview_of_every_example_shows_subject_titles(path: Path, tmp_path: Path, shipped: Snapshot):
    from samtbu.grep import using
    from samtbu.share.overview import render_overview
    from samtbu.share.view import ShareRefused

    try:
        with using(False):
            plain = render_overview(path, "nb")
    except ShareRefused:
        pytest.skip(f"{path.name} is not a learner's own record")
    with using(shipped):
        html = render_overview(path, "nb")
        english = render_overview(path, "en")
    codes = [iri.rsplit("/", 1)[1] for iri in __import__("samtbu.grep.facts", fromlist=["x"]).grep_iris(
        __import__("samtbu.validate.fast.input", fromlist=["x"]).read_fast(path).triples)]
    if not codes:
        # a fagskole record: its course unit codes are the college's own, not Grep's
        assert "Fagskole" in path.read_text(encoding="utf-8"), path.name
        pytest.skip(f"{path.name} holds no Grep code (a fagskole record)")
    for code in codes:
        element = shipped.get(code)
        from samtbu.grep.store import element_title

        assert f'{code} <span class="grep-tittel">{element_title(element, "nb")}' in html.replace("&#x27;", "'"), code
        assert element_title(element, "en", fallback=False) is None or element_title(element, "en") in english
    assert 'class="grep-tittel"' not in plain


def test_a_shared_view_names_grep_elements_and_still_meets_its_policy(shipped: Snapshot):
    from datetime import datetime, timezone

    from samtbu.grep import using
    from samtbu.share.view import share

    example = REPO / "examples" / "vitnemaal-studiespesialisering.json"
    now = datetime(2026, 8, 1, tzinfo=timezone.utc)
    with using(shipped):
        view = share(example, "opptak-hoeyere-utdanning", "opptak-hoeyere-utdanning", now=now).json()
    sluttkompetanse = next(d for d in view["dokumenterer"] if d["type"] == "Sluttkompetanse")
    assert sluttkompetanse["programomraade"] == {"id": "http://psi.udir.no/kl06/STREA3----", "kode": "STREA3----",
                                                 "tittel": {"nb": "Vg3 realfag", "nn": "Vg3 realfag", "en": "Vg3 natural sciences and mathematics"}}
    with using(False):
        plain = share(example, "opptak-hoeyere-utdanning", "opptak-hoeyere-utdanning", now=now).json()
    assert next(d for d in plain["dokumenterer"] if d["type"] == "Sluttkompetanse")["programomraade"] == "STREA3----"


def test_the_policy_profile_refuses_anything_else_about_a_grep_element(model: Model):
    from rdflib import Graph, Literal, URIRef

    from samtbu.share.policies import PolicySet
    from samtbu.share.profiles import check_view
    from samtbu.share.view import share
    from datetime import datetime, timezone

    example = REPO / "examples" / "vitnemaal-studiespesialisering.json"
    view = share(example, "opptak-hoeyere-utdanning", "opptak-hoeyere-utdanning", now=datetime(2026, 8, 1, tzinfo=timezone.utc))
    graph = Graph()
    graph += view.graph
    graph.add((URIRef("http://psi.udir.no/kl06/ENG1007"), URIRef("https://w3id.org/samt-bu/def/fornavn"), Literal("x")))
    conforms, messages = check_view(graph, view.policy, model)
    assert not conforms and any("Grep element" in m for m in messages)


def test_the_site_explains_grep_and_links_each_grep_valued_property(model: Model):
    from samtbu.generate.site.grep import grep_page
    from samtbu.generate.site.index import SiteIndex
    from samtbu.generate.site.pages import property_page
    from samtbu.namespaces import SBU

    idx = SiteIndex(model)
    for lang in ("nb", "nn", "en"):
        page = "\n".join(grep_page(idx, lang).lines)
        assert "samtbu grep import" in page and "SAMTBU_GREP" in page and "NLOD" in page
        for shape in ("GrepVurdering-gjelderFag-kjent", "GrepVurdering-gjelderFag-gyldig",
                      "GrepSluttkompetanse-programomraade-utdanningsprogram"):
            assert f"`{shape}`" in page
        assert "udir-1-2023" in page  # the Violation's source
        for prop, kind in ((SBU.gjelderFag, "fagkode"), (SBU.programomraade, "programomraade"), (SBU.utdanningsprogram, "utdanningsprogram")):
            text = "\n".join(property_page(idx, prop, lang).lines)
            assert f"(http://psi.udir.no/ontologi/kl06/{kind})" in text and "grep.md)" in text, (prop, lang)
    assert "grep.md)" not in "\n".join(property_page(idx, SBU.karakter, "nb").lines)


# -- the shortcut: records that no Grep shape can report on skip grep.ttl's shapes ------------------


def test_the_shortcut_is_written_for_the_grep_shapes_as_they_are():
    """samtbu.grep.facts._may_report rules out every shape of shapes/grep.ttl: when a shape, a query
    or a target there changes, review it, then update KNOWN_GREP_SHAPES (until then the shortcut is
    off and every record is checked with grep.ttl's shapes, which is slower but right)."""
    from samtbu.grep.facts import KNOWN_GREP_SHAPES, grep_shapes_digest, known_grep_shapes

    assert grep_shapes_digest(str(REPO)) == KNOWN_GREP_SHAPES
    assert known_grep_shapes(str(REPO))


def _grep_mutations(doc: dict, kind: int) -> None:
    """Faults that shapes/grep.ttl reports (and one that only the prefix guess, deactivated with Grep, would)."""
    vurderinger = [x for x in doc.get("dokumenterer", []) if isinstance(x, dict) and x.get("type") == "Vurdering"]
    kompetanse = [x for x in doc.get("dokumenterer", []) if isinstance(x, dict) and x.get("programomraade")]
    if kind == 0 and vurderinger:
        vurderinger[0]["gjelderFag"] = "SAK1099"  # not in the snapshot
    elif kind == 1 and vurderinger:
        vurderinger[-1]["gjelderFag"] = "NOR0001"  # utgått, replaced by NOR0201
    elif kind == 2 and vurderinger:
        vurderinger[0]["gjelderFag"] = "NOR0201"  # gyldig-fra 2008-08-01
        vurderinger[0]["vurderingsdato"], vurderinger[0]["skoleaar"] = "2007-06-05", "2006-2007"
    elif kind == 3 and kompetanse:
        kompetanse[0]["programomraade"] = "ELELE3----"  # EL's (in the second snapshot, ST's too)
    elif kind == 4 and kompetanse:
        kompetanse[0]["programomraade"] = "STREA1----"  # not in the snapshot
    elif kind == 5 and vurderinger:
        vurderinger[0]["gjelderFag"] = "STREA3----"  # a code of another type
    elif kind == 6 and kompetanse:
        kompetanse[0]["utdanningsprogram"] = "EL"  # STREA3---- is ST's


@pytest.fixture(scope="module")
def widened_snapshot(shipped: Snapshot, tmp_path_factory) -> Snapshot:
    """The shipped snapshot, with ELELE3---- under ST as well as EL: a programme area that Grep puts
    under the programme though its code does not start with the programme's (the prefix guess only)."""
    import dataclasses

    elements = [shipped.get(code) for code in shipped.codes()]
    elements = [dataclasses.replace(e, refs={**e.refs, "utdanningsprogram-referanse": ["EL", "ST"]}) if e.kode == "ELELE3----" else e
                for e in elements]
    path = tmp_path_factory.mktemp("grep") / "widened.sqlite"
    build_snapshot(elements, path, snapshot_date=shipped.date)
    return Snapshot(path)


@pytest.mark.parametrize("which", ["shipped", "widened"])
def test_the_shortcut_gives_exactly_the_results_of_the_grep_shapes(which: str, model: Model, shipped: Snapshot,
                                                                   widened_snapshot: Snapshot, monkeypatch):
    """Every record of a mixed cohort (half with a fault the model reports, a third with a Grep fault)
    gives the same results, in the same order, with the shortcut as with grep.ttl's shapes run on it,
    and the shortcut is taken where no Grep shape reports."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    from cohort import Cohort

    from samtbu.validate import engine

    snapshot = shipped if which == "shipped" else widened_snapshot
    taken = []
    shortcut = engine._grep_shortcut

    def counted(profile, model):
        found = shortcut(profile, model)
        taken.append(found is not None)
        return found

    def keys(report) -> list:
        return [(r.severity, r.source_shape, r.constraint, r.focus_node, r.path, r.value, r.message, r.pointer, r.subject)
                for r in report.results]

    docs = []
    for i, (_name, _profile, doc) in enumerate(Cohort(240, seed=21, fault_rate=0.5).records()):
        if i % 3 == 0:
            _grep_mutations(doc, (i // 3) % 7)
        docs.append(json.dumps(doc, ensure_ascii=False))
    monkeypatch.setattr(engine, "_grep_shortcut", counted)
    fast = [validate(d, None, model=model, grep=snapshot) for d in docs]
    monkeypatch.setattr(engine, "_grep_shortcut", lambda profile, model: None)
    full = [validate(d, None, model=model, grep=snapshot) for d in docs]
    grep_results = 0
    for i, (a, b) in enumerate(zip(fast, full)):
        assert keys(a) == keys(b), (i, a.render("text"), b.render("text"))
        grep_results += any("/Grep" in (r.source_shape or "") for r in b.results)
    assert grep_results >= 40 and sum(taken) >= len(docs) - grep_results - 10, (grep_results, sum(taken))
    if which == "widened":  # the prefix guess fired and was left out, as the composed shapes deactivate it
        without = [validate(d, None, model=model, grep=False) for d in docs[9::21]]
        assert any(r.source_shape == SBUS_PREFIX_RULE for report in without for r in report.results)


def test_the_grep_index_is_the_payload_s_plus_the_facts_and_leaves_the_payload_s_alone(shipped: Snapshot):
    """grep_data adds the facts to a copy of the payload's index: the same triples and the same
    index as indexing the filtered payload and the facts anew, and the payload's index unchanged."""
    import copy

    from samtbu.grep.facts import GREP_VALUED, _indexed, grep_data, is_payload_grep_claim, light_facts
    from samtbu.grep.reader import GREP_IRI, GREP_ONTOLOGY
    from samtbu.validate.fast import Data, read_fast
    from samtbu.validate.fast.terms import RDF_TYPE, IndexedTriples

    fixture = read_fast(REPO / "tests" / "fixtures" / "grep" / "programomraade-annet-utdanningsprogram.json").triples
    claim = ("http://psi.udir.no/kl06/ELELE3----", GREP_ONTOLOGY + "utdanningsprogram-referanse", "http://psi.udir.no/kl06/ST")
    claiming = _indexed(Data([*fixture, claim, (claim[0], RDF_TYPE, GREP_ONTOLOGY + "programomraade")]))  # as a reader would index it
    payloads = [read_fast(path).triples for path in EXAMPLES] + [fixture, claiming]
    for triples in payloads:
        indexed = type(triples) is IndexedTriples
        before = copy.deepcopy((list(triples), triples.spo, triples.pos) if indexed else list(triples))
        data, _may_report = grep_data(triples, shipped)
        assert ((list(triples), triples.spo, triples.pos) if indexed else list(triples)) == before
        kept = [t for t in triples if not is_payload_grep_claim(t[1], t[2])]
        iris = list(dict.fromkeys(o for _s, p, o in kept if p in GREP_VALUED and type(o) is str and o.startswith(GREP_IRI)))
        anew = Data(kept + light_facts(iris, shipped))
        assert sorted(data.triples) == sorted(anew.triples) and len(data.triples) == len(anew.triples)
        as_sets = lambda index: {k: {k2: set(v2) for k2, v2 in v.items()} for k, v in index.items()}  # noqa: E731
        assert as_sets(data.spo) == as_sets(anew.spo) and as_sets(data.pos) == as_sets(anew.pos)
    assert claim not in grep_data(claiming, shipped)[0].triples
