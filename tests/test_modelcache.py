"""The compiled-model cache (samtbu.modelcache): the same reports with a warm cache, a cold cache and
none; a changed model file is a new entry; a damaged entry is ignored and built again; processes that
build at the same time leave one whole entry; SAMTBU_NO_CACHE writes nothing."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from samtbu import modelcache
from samtbu.model import Model

REPO = Path(__file__).resolve().parents[1]
GREP = REPO / "grep" / "grep-eksempler.sqlite"


def payloads(folder: Path) -> list[str]:
    return sorted(str(p) for p in folder.rglob("*") if p.suffix in (".json", ".ttl") and not p.name.endswith(".expected.json"))


FIXTURES = payloads(REPO / "tests" / "fixtures" / "invalid") + payloads(REPO / "examples")
GREP_FIXTURES = payloads(REPO / "tests" / "fixtures" / "grep")


def env_with(cache: Path | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("SAMTBU_CACHE_DIR", "SAMTBU_NO_CACHE")}
    if cache is None:
        env["SAMTBU_NO_CACHE"] = "1"
    else:
        env["SAMTBU_CACHE_DIR"] = str(cache)
    return env


def cli(*args: str, cache: Path | None, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "samtbu.cli", *args], env=env_with(cache), capture_output=True,
                          timeout=timeout, cwd=REPO)


def entry(cache: Path) -> Path:
    found = sorted(cache.glob("model-*.samtbu-cache"))
    assert found, f"no entry in {cache}"
    return [p for p in found if "-grep-" not in p.name][0]


def valid(path: Path) -> bool:
    key_prefix = path.name.split("-")[1].split(".")[0]
    try:
        with open(path, "rb") as handle:
            magic, crc, _length = modelcache._HEADER.unpack(handle.read(modelcache._HEADER.size))
            return magic == modelcache.MAGIC and zlib.crc32(handle.read()) == crc and len(key_prefix) == 40
    except OSError:
        return False


# -- identical results ---------------------------------------------------------------------------------

@pytest.mark.parametrize("report", ["json", "text"])
def test_fixtures_give_identical_reports_warm_cold_and_without_cache(tmp_path, report):
    """Every invalid fixture and example, and the Grep fixtures with the shipped snapshot: the report
    of a cold cache (the entry built by this call), a warm one and none is the same, byte for byte."""
    cache = tmp_path / "cache"
    runs = {}
    for mode, folder in (("none", None), ("cold", cache), ("warm", cache)):
        plain = cli("validate", *FIXTURES, "-r", report, "--color", "never", cache=folder)
        grep = cli("validate", *GREP_FIXTURES, "-r", report, "--color", "never", "--grep", str(GREP), cache=folder)
        assert plain.returncode in (1, 2) and grep.returncode == 1, (mode, plain.stderr[-2000:], grep.stderr[-2000:])
        assert b"Traceback" not in plain.stderr + grep.stderr
        runs[mode] = (plain.stdout, grep.stdout)
        if mode == "cold":
            assert valid(entry(cache)) and len(list(cache.glob("*-grep-*.samtbu-cache"))) == 1
    assert runs["cold"] == runs["none"]
    assert runs["warm"] == runs["none"]
    if report == "json":
        records = json.loads(runs["warm"][0])["records"]
        assert len(records) == len(FIXTURES) and sum(1 for r in records if r["results"]) > 80


def test_a_model_from_the_cache_is_the_model_parsed(tmp_path):
    """Every graph, profile, prefix and derived value the entry gives is what parsing gives."""
    from samtbu.model import _parse_model

    parsed = _parse_model(REPO)
    key = modelcache.model_key(REPO)
    path = tmp_path / "entry.samtbu-cache"
    assert modelcache.build_entry(parsed, key, path)
    cached = modelcache._lazy_model(REPO, modelcache.read_entry(path, key), _parse_model)
    for name in ("ontology", "vocab", "shapes"):
        a, b = getattr(parsed, name), getattr(cached, name)
        assert set(a) == set(b) and list(a.namespaces()) == list(b.namespaces()), name
    assert list(parsed.profiles) == list(cached.profiles)
    for name, profile in parsed.profiles.items():
        other = cached.profiles[name]
        assert (other.name, other.iri, other.path, other.root_classes) == (profile.name, profile.iri, profile.path, profile.root_classes)
        assert set(other.shapes) == set(profile.shapes) and list(other.shapes.namespaces()) == list(profile.shapes.namespaces())
        # the same answers in the same order to the pattern queries the compiler asks
        for s, p, o in list(profile.shapes)[:400]:
            assert list(profile.shapes.objects(s, p)) == list(other.shapes.objects(s, p))
            assert list(profile.shapes.subjects(p, o)) == list(other.shapes.subjects(p, o))
        view = modelcache.shapes_to_compile(cached, other)
        assert view is not other.shapes, f"the compile view of {name} was not kept (it compiled differently)"
        assert set(view) == set(profile.shapes)
    assert cached.subclass_pairs() == parsed.subclass_pairs()
    from samtbu.jsonld import context_document

    assert context_document(cached) == context_document(parsed)


def test_parsed_sparql_survives_the_entry():
    """Every SPARQL constraint of the model: the algebra read back from its bytes is rdflib's own."""
    from rdflib.namespace import SH
    from rdflib.plugins.sparql import prepareQuery

    model = Model.load(REPO)
    texts = {str(o) for o in model.shapes.objects(None, SH.select)}
    assert len(texts) > 10
    for text in texts:
        prefixes = "PREFIX sbu: <https://w3id.org/samt-bu/def/>\nPREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"
        try:
            algebra = prepareQuery(prefixes + text).algebra
        except Exception:  # noqa: BLE001 - a query that needs other prefixes: its own shape's
            continue
        again = pickle.loads(modelcache.dumps_algebra(algebra))
        assert _structure(again) == _structure(algebra)
        assert type(again) is type(algebra)


def _structure(value):
    """An algebra as nested tuples, sets in a fixed order (a set read back may iterate otherwise, as
    it does in every new process), the evaluation function of each expression by name."""
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(value, CompValue):
        evalfn = value.__dict__.get("_evalfn")
        return (type(value).__name__, value.name, getattr(evalfn, "__func__", None) and evalfn.__func__.__qualname__,
                tuple((k, _structure(v)) for k, v in dict.items(value)))
    if isinstance(value, (set, frozenset)):
        return ("set", tuple(sorted(repr(_structure(v)) for v in value)))
    if isinstance(value, (list, tuple)):
        return tuple(_structure(v) for v in value)
    if isinstance(value, dict):
        return tuple((k, _structure(v)) for k, v in value.items())
    return repr(value)


# -- never stale ------------------------------------------------------------------------------------------

def _copy_model(target: Path) -> Path:
    for folder in ("ontology", "vocab", "shapes", "contexts", "examples"):
        shutil.copytree(REPO / folder, target / folder)
    return target


VALIDATE_IN = """
import sys
from samtbu.model import Model
from samtbu.validate import validate
model = Model.load(sys.argv[1])
report = validate(open(sys.argv[2], "rb").read(), "enkeltresultat", model=model, lang="en")
print(report.render("json"))
"""


def test_a_changed_shape_file_is_a_new_entry_never_a_stale_one(tmp_path):
    root = _copy_model(tmp_path / "model")
    cache = tmp_path / "cache"
    payload = json.loads((REPO / "examples" / "enkeltresultat.json").read_text(encoding="utf-8"))
    payload["karakter"] = "9"
    (tmp_path / "payload.json").write_text(json.dumps(payload), encoding="utf-8")

    def grade_rule() -> tuple[str, str]:
        """The severity and shape of the result on /karakter (a code not in the grade code list)."""
        done = subprocess.run([sys.executable, "-c", VALIDATE_IN, str(root), str(tmp_path / "payload.json")],
                              env=env_with(cache), capture_output=True, timeout=600, check=True)
        found = {(r["severity"], r["source_shape"]) for record in json.loads(done.stdout)["records"] for r in record["results"]
                 if r.get("pointer") == "/karakter"}
        assert len(found) == 1, done.stdout
        return found.pop()

    key = modelcache.model_key(root)
    severity, shape = grade_rule()
    assert severity == "Violation"
    assert grade_rule() == (severity, shape)  # from the entry
    # that rule becomes a warning: the same files but one, so another key
    shapes = root / "shapes" / "vurdering.ttl"
    text = shapes.read_text(encoding="utf-8")
    start = text.index("sbus:" + shape.rsplit("/", 1)[-1] + "\n")
    at = text.index("sh:severity sh:Violation ;", start)
    shapes.write_text(text[:at] + "sh:severity sh:Warning ;" + text[at + len("sh:severity sh:Violation ;"):], encoding="utf-8")
    assert modelcache.model_key(root) != key
    assert grade_rule() == ("Warning", shape)
    assert len(list(cache.glob("model-*.samtbu-cache"))) == 2


def test_the_key_covers_every_model_file_and_the_toolkit(tmp_path):
    root = _copy_model(tmp_path / "model")
    key = modelcache.model_key(root)
    assert modelcache.model_key(root) == key
    for name in ("ontology/core.ttl", "vocab/kodelister/karakter.ttl", "shapes/profiler/vitnemaal.ttl", "shapes/grep.ttl"):
        path = root / name
        original = path.read_bytes()
        path.write_bytes(original + b"\n# a comment\n")
        assert modelcache.model_key(root) != key, name
        path.write_bytes(original)
    assert modelcache.model_key(root) == key
    modelcache._TOOLKIT[:] = [b"another toolkit"]
    try:
        assert modelcache.model_key(root) != key
    finally:
        modelcache._TOOLKIT.clear()


# -- damaged entries, concurrency, switches ---------------------------------------------------------------

def _damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "flipped":
        middle = len(data) // 2
        path.write_bytes(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:])
    elif how == "garbage":
        path.write_bytes(b"not a cache entry at all" * 10)
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "header-only":
        path.write_bytes(data[: modelcache._HEADER.size])
    elif how == "writable-by-others":
        path.chmod(0o666)
    elif how == "other-format":
        path.write_bytes(b"SAMTBUC\x00" + data[8:])
    elif how == "bad-parts":
        # the file checks out whole (its CRC made again), but parts do not unpickle: each is read
        # from the model files instead, when it is used
        header = modelcache._HEADER
        _magic, _crc, length = header.unpack(data[:header.size])
        offsets = pickle.loads(data[header.size:header.size + length])["parts"]
        body = bytearray(data[header.size:])
        for name in ("graph:profile:vitnemaal", "view:vitnemaal", "derived:fast-json-terms"):
            offset, size = offsets[name]
            start = length + offset
            body[start:start + size] = b"\x00" * size
        path.write_bytes(header.pack(modelcache.MAGIC, zlib.crc32(bytes(body)), length) + bytes(body))


@pytest.mark.parametrize("how", ["truncated", "flipped", "garbage", "empty", "header-only", "writable-by-others", "other-format",
                                 "bad-parts"])
def test_a_damaged_entry_is_ignored_and_built_again(tmp_path, how):
    cache = tmp_path / "cache"
    example = str(REPO / "examples" / "vitnemaal-studiespesialisering.json")
    first = cli("validate", example, "-r", "json", cache=cache)
    assert first.returncode == 0, first.stderr
    path = entry(cache)
    _damage(path, how)
    again = cli("validate", example, "-r", "json", cache=cache)
    assert again.returncode == 0 and again.stdout == first.stdout, again.stderr
    assert b"Traceback" not in again.stderr and again.stderr == b""
    assert valid(path) and not path.stat().st_mode & 0o022
    if how == "bad-parts":  # used as it is (the parts read from the files), not built again
        assert cli("validate", example, "-r", "json", cache=cache).stdout == first.stdout


def test_processes_building_at_once_leave_one_whole_entry(tmp_path):
    cache = tmp_path / "cache"
    example = str(REPO / "examples" / "fagbrev-elektriker.json")
    procs = [subprocess.Popen([sys.executable, "-m", "samtbu.cli", "validate", example, "-r", "json"], env=env_with(cache),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO) for _ in range(4)]
    outputs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], [e[-500:] for _o, e in outputs]
    assert len({o for o, _e in outputs}) == 1 and all(e == b"" for _o, e in outputs)
    entries = list(cache.glob("model-*.samtbu-cache"))
    assert len(entries) == 1 and valid(entries[0])
    assert not list(cache.glob(".tmp-*")), "a temporary file was left behind"
    warm = cli("validate", example, "-r", "json", cache=cache)
    assert warm.stdout == outputs[0][0]


def test_no_cache_writes_nothing(tmp_path):
    cache = tmp_path / "cache"
    env = env_with(cache)
    env["SAMTBU_NO_CACHE"] = "1"
    done = subprocess.run([sys.executable, "-m", "samtbu.cli", "validate", str(REPO / "examples" / "enkeltresultat.json")],
                          env=env, capture_output=True, timeout=600, cwd=REPO)
    assert done.returncode == 0 and not cache.exists()


def test_a_cache_folder_that_cannot_be_written_only_costs_time(tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("in the way")
    done = cli("validate", str(REPO / "examples" / "enkeltresultat.json"), cache=blocked / "cache")
    assert done.returncode == 0 and done.stderr == b""


def test_cache_command_builds_shows_and_clears(tmp_path):
    cache = tmp_path / "cache"
    built = cli("cache", "build", "--grep", str(GREP), cache=cache)
    assert built.returncode == 0, built.stderr
    assert len(list(cache.glob("model-*.samtbu-cache"))) == 2
    info = cli("cache", "info", cache=cache)
    assert b"(this model)" in info.stdout and b"Grep snapshot" in info.stdout
    cleared = cli("cache", "clear", cache=cache)
    assert cleared.returncode == 0 and b"removed 2 entries" in cleared.stdout
    assert not list(cache.glob("model-*"))
    off = cli("cache", "build", cache=None)
    assert off.returncode == 2 and b"turned off" in off.stderr and b"Traceback" not in off.stderr


COUNT_COMPILES = """
import hashlib, json
from pathlib import Path
from samtbu import modelcache
from samtbu.validate import validate
calls = {"from the entry": 0, "compiled": 0}
original = modelcache.CompileMemo.code
def code(self, source, filename):
    key = hashlib.sha256(f"{filename}\\0{source}".encode()).hexdigest()
    calls["from the entry" if key in self.code_blobs else "compiled"] += 1
    return original(self, source, filename)
modelcache.CompileMemo.code = code
calls.update({"source kept": 0, "source generated": 0})
original_generated = modelcache.CompileMemo.generated
def generated(self, key):
    kept = original_generated(self, key)
    calls["source kept" if kept is not None else "source generated"] += 1
    return kept
modelcache.CompileMemo.generated = generated
for path in sorted(Path("examples").glob("*.json")):
    validate(path)
print(json.dumps(calls))
"""


def test_every_process_finds_its_generated_code_in_the_entry(tmp_path):
    """The generated functions (conformance and join plans) are the same source in every process,
    whatever its hash seed, so the entry's compiled code is used and nothing is compiled again; the
    source of the conformance functions is not generated again either (the entry keeps it)."""
    cache = tmp_path / "cache"
    assert cli("cache", "build", cache=cache).returncode == 0
    for seed in ("1", "2"):
        env = {**env_with(cache), "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", COUNT_COMPILES], env=env, capture_output=True, timeout=600, cwd=REPO)
        calls = json.loads(done.stdout)
        assert calls["compiled"] == 0 and calls["from the entry"] > 20, (seed, calls, done.stderr[-1000:])
        assert calls["source generated"] == 0 and calls["source kept"] >= 5, (seed, calls)
