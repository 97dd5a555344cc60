"""The JSON Schema per profile: deterministic, valid 2020-12, every valid example passes, and a
structural fault fails at the JSON Pointer the SHACL report names."""

from __future__ import annotations

import copy
import inspect
import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from samtbu.generate.jsonschema import build_schema, error_pointers, render_schema, schema_id
from samtbu.model import Model
from samtbu.validate import validate

MODEL = Model.load()
PROFILES = sorted(MODEL.profiles)
EXAMPLE_PROFILE = {
    "vitnemaal-studiespesialisering": "vitnemaal",
    "vitnemaal-yrkeskompetanse": "vitnemaal",
    "kompetansebevis-delvis": "kompetansebevis",
    "fagbrev-elektriker": "fagbrev",
    "enkeltresultat": "enkeltresultat",
    "fullfoeringsstatus": "fullfoeringsstatus",
}
INVALID_DIR = Path(__file__).parent / "fixtures" / "invalid"


def _example(name: str) -> dict:
    return json.loads((MODEL.root / "examples" / f"{name}.json").read_text(encoding="utf-8"))


def _normalise(pointer: str) -> str:
    """A schema error names the offending item or the "type" key of a nested node; SHACL names the
    property of the focus node. Reduce both to the property."""
    pointer = re.sub(r"/type$", "", pointer)
    return re.sub(r"/[0-9]+$", "", pointer)


def _shacl_violations(data, profile: str) -> set[str]:
    # The reference is pyshacl: where the validator offers other engines, the comparison uses it.
    options = {"engine": "pyshacl"} if "engine" in inspect.signature(validate).parameters else {}
    report = validate(data, profile=profile, **options)
    return {r.pointer for rec in report.records for r in rec.results if r.severity == "Violation" and r.pointer is not None}


@pytest.fixture(scope="module")
def schemas() -> dict[str, dict]:
    return {name: build_schema(MODEL, name) for name in PROFILES}


@pytest.mark.parametrize("profile", PROFILES)
def test_schema_is_valid_2020_12_and_deterministic(profile, schemas):
    schema = schemas[profile]
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == schema_id(MODEL.version, profile)
    assert schema["$id"] == f"https://w3id.org/samt-bu/schema/{MODEL.version}/{profile}.json"
    assert render_schema(MODEL, profile) == render_schema(MODEL, profile)


def test_codes_are_enums_with_labels(schemas):
    vurdering = schemas["vitnemaal"]["$defs"]["Vurdering"]["properties"]
    karakter = vurdering["karakter"]
    assert {"1", "6", "IV", "BM"} <= set(karakter["enum"])
    assert karakter["x-labels"]["IV"]["nb"] == "Ikke vurderingsgrunnlag"
    assert set(karakter["x-labels"]["4"]) == {"nb", "nn", "en"}
    # Udir's data systems write BM; BMG is an accepted alias and ID a retired code (SHACL warns)
    assert karakter["x-aliases"] == {"BMG": "BM"} and karakter["x-deprecated"] == ["ID"]
    assert vurdering["gjelderFag"]["pattern"] == "^[A-Za-z0-9]+$"  # the Grep IRI pattern, on the code
    kompetanse = schemas["vitnemaal"]["$defs"]["Sluttkompetanse"]["properties"]
    assert kompetanse["programomraade"]["pattern"] == "^[A-Za-z0-9]{6}[A-Za-z0-9-]{4}$"
    assert "pattern" not in kompetanse["utdanningsprogram"]  # its form rule is a warning
    assert schemas["vitnemaal"]["$defs"]["Vitnemaal"]["properties"]["dokumentnummer"]["pattern"] == "^[VK][0-9]{18}$"


def test_closed_shapes_forbid_other_properties(schemas):
    for profile in PROFILES:
        for name, definition in schemas[profile]["$defs"].items():
            if "x-class" in definition:
                assert definition["additionalProperties"] is False, (profile, name)


@pytest.mark.parametrize("example", sorted(EXAMPLE_PROFILE))
def test_every_valid_example_passes(example, schemas):
    profile = EXAMPLE_PROFILE[example]
    data = _example(example)
    errors = error_pointers(schemas[profile], data)
    violations = _shacl_violations(copy.deepcopy(data), profile)
    if not violations:
        assert errors == [], errors
    else:  # the example is not valid right now (the model is being edited): the schema agrees with SHACL
        assert {_normalise(p) for p, _ in errors} <= {_normalise(v) for v in violations}, (errors, violations)


def _mutate(data: dict, pointer: str, value=None, *, delete: bool = False) -> dict:
    data = copy.deepcopy(data)
    parts = pointer.strip("/").split("/")
    node = data
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    key = int(parts[-1]) if isinstance(node, list) else parts[-1]
    if delete:
        del node[key]
    else:
        node[key] = value
    return data


# Structural faults: (profile, example, where, new value or DELETE, the pointer both must name).
DELETE = object()
STRUCTURAL = [
    ("vitnemaal", "vitnemaal-studiespesialisering", "/dokumentnummer", DELETE, "/dokumentnummer"),
    ("vitnemaal", "vitnemaal-studiespesialisering", "/dokumenterer/1/karakter", "7", "/dokumenterer/1/karakter"),
    ("vitnemaal", "vitnemaal-studiespesialisering", "/dokumentnummer", "V26-1", "/dokumentnummer"),
    ("vitnemaal", "vitnemaal-studiespesialisering", "/utstedelsesdato", 20260619, "/utstedelsesdato"),
    ("vitnemaal", "vitnemaal-studiespesialisering", "/utstedtTil/navn", "Maren", "/utstedtTil/navn"),
    ("vitnemaal", "vitnemaal-studiespesialisering", "/utstedtTil/telefon", "12345678", "/utstedtTil/telefon"),
    ("vitnemaal", "vitnemaal-studiespesialisering", "/utstedtTil/foedselsnummer", DELETE, "/utstedtTil/foedselsnummer"),
    ("vitnemaal", "vitnemaal-studiespesialisering", "/dokumenterer/1/type", "Foo", "/dokumenterer/1/type"),
    ("vitnemaal", "vitnemaal-studiespesialisering", "/utsteder/type", "Proevenemnd", "/utsteder"),
    ("vitnemaal", "vitnemaal-studiespesialisering", "/dokumenterer/0", DELETE, "/dokumenterer"),
    ("kompetansebevis", "kompetansebevis-delvis", "/utsteder", DELETE, "/utsteder"),
    ("kompetansebevis", "kompetansebevis-delvis", "/dokumenterer/2/vurderingstype", "foo", "/dokumenterer/2/vurderingstype"),
    ("fagbrev", "fagbrev-elektriker", "/dokumenterer/1/karakter", "A", "/dokumenterer/1/karakter"),
    ("enkeltresultat", "enkeltresultat", "/somPrivatist", "nei", "/somPrivatist"),
    ("enkeltresultat", "enkeltresultat", "/skoleaar", "2025/26", "/skoleaar"),
    ("enkeltresultat", "enkeltresultat", "/vurdertAv/organisasjonsnummer", DELETE, "/vurdertAv/organisasjonsnummer"),
    ("fullfoeringsstatus", "fullfoeringsstatus", "/normertTidAar", "tre", "/normertTidAar"),
    ("fullfoeringsstatus", "fullfoeringsstatus", "/statusPerDato", DELETE, "/statusPerDato"),
]


@pytest.mark.parametrize("profile,example,where,value,expected", STRUCTURAL, ids=lambda v: v if isinstance(v, str) else "")
def test_structural_fault_fails_at_the_shacl_pointer(profile, example, where, value, expected, schemas):
    data = _mutate(_example(example), where, None if value is DELETE else value, delete=value is DELETE)
    violations = _shacl_violations(copy.deepcopy(data), profile)
    assert expected in violations, violations
    errors = {_normalise(p) for p, _ in error_pointers(schemas[profile], data)}
    assert _normalise(expected) in errors, errors


def _invalid_fixtures():
    """Invalid fixtures with a JSON twin, if the fixture set has them: (profile, path)."""
    if not INVALID_DIR.is_dir():
        return []
    return sorted((p.parent.name, p) for p in INVALID_DIR.glob("*/*.json") if not p.name.endswith(".expected.json"))


@pytest.mark.parametrize("profile,path", _invalid_fixtures() or [pytest.param(None, None, marks=pytest.mark.skip(
    reason="no JSON invalid fixtures in tests/fixtures/invalid/{profile}/; structural faults are made by mutation above"))])
def test_invalid_fixture_schema_errors_are_shacl_violations(profile, path, schemas):
    if profile not in schemas:
        pytest.skip(f"{path}: no profile {profile!r}")
    expected = json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))["results"]
    if all(e["severity"] != "Violation" for e in expected):
        pytest.skip(f"{path.name}: warnings only; the schema leaves warnings to SHACL")
    data = json.loads(path.read_text(encoding="utf-8"))
    violations = {_normalise(v) for v in _shacl_violations(copy.deepcopy(data), profile)}
    assert violations, f"{path} is not invalid"
    errors = {_normalise(p) for p, _ in error_pointers(schemas[profile], data)}
    # Every schema error is a SHACL violation at the same place. (Not every SHACL violation is a
    # schema error: SPARQL and cross-node rules are SHACL-only.)
    assert errors <= violations, (errors, violations)


def test_cli_writes_every_profile(tmp_path):
    from samtbu.cli import main

    assert main(["jsonschema", "-o", str(tmp_path)]) == 0
    assert sorted(p.stem for p in tmp_path.glob("*.json")) == PROFILES
    first = {p.name: p.read_bytes() for p in tmp_path.glob("*.json")}
    assert main(["jsonschema", "-o", str(tmp_path)]) == 0
    assert first == {p.name: p.read_bytes() for p in tmp_path.glob("*.json")}
