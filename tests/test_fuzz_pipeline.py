"""Fuzzing what runs by default (issue 15): the fast reader (``read_fast``) and the whole default
pipeline, on the command line and over HTTP, with the byte-level corpus of test_fuzz.py plus
structure-aware mutations of JSON(-LD): keywords in any place, nested and listed ``@context``,
``@graph``/``@list``/``@set``, huge numbers, keys given twice, lone surrogates, deep nesting.
Every input ends in a report or a clear input error (exit 2, 4xx): no traceback, no 5xx."""

from __future__ import annotations

import copy
import json
import socket

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from samtbu.cli import main
from samtbu.errors import SamtbuError
from samtbu.model import Model
from samtbu.validate.fast.input import read_fast

from test_fuzz import SEEDS, byte_mutations, json_mutations, json_values

CONTEXT = "https://w3id.org/samt-bu/context/0.1.0"
KEYWORDS = ["@context", "@id", "@type", "@graph", "@list", "@set", "@value", "@language", "@reverse", "@included",
            "@nest", "@index", "@vocab", "@base", "@import", "@protected", "@version", "@json", "@none", "@direction"]
ODD_VALUES = [
    10**400, -(10**30), 1e308, 2**63, 0.1, -0.0, True, None, "", "\u0000", "\ud800", "\udfff", "\U0001F393",
    "urn:no:fnr:23810640081", "http://example.org/x", "_:b0", "@id", "@type", CONTEXT, [CONTEXT], [CONTEXT, {"x": "urn:x"}],
    {"@vocab": "urn:v:"}, {"@import": CONTEXT}, {"@list": [1, 2]}, {"@set": []}, {"@value": "x", "@language": "nb"},
    {"@value": 5, "@type": "http://www.w3.org/2001/XMLSchema#integer"}, {"@graph": [{"type": "Elev"}]},
    {"@context": {"x": {"@id": "urn:x", "@context": {"y": "urn:y"}}}, "x": {"y": 1}},
]


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def _objects(doc) -> list:
    found, stack = [], [doc]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            found.append(value)
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return found


@st.composite
def structured_json(draw) -> bytes:
    """A seed record with JSON-LD keywords and odd values put into its objects, serialised, and then
    perhaps given a key twice, a lone surrogate escape or deep nesting in the text."""
    doc = json.loads(SEEDS["json"])
    if draw(st.booleans()):
        doc["@context"] = draw(st.sampled_from([CONTEXT, [CONTEXT], [CONTEXT, {"merknad": "urn:m"}], {"@vocab": "urn:v:"}]))
    for _ in range(draw(st.integers(1, 5))):
        target = draw(st.sampled_from(_objects(doc)))
        key = draw(st.one_of(st.sampled_from(KEYWORDS), st.sampled_from(sorted(target) or ["x"]), st.text(max_size=6)))
        target[key] = copy.deepcopy(draw(st.one_of(st.sampled_from(ODD_VALUES), json_values)))
    if draw(st.booleans()):
        doc = draw(st.sampled_from([{"@graph": [doc, doc]}, [doc, copy.deepcopy(doc)], {"@context": CONTEXT, "@graph": doc}, doc]))
    text = json.dumps(doc, ensure_ascii=draw(st.booleans()), default=str)
    mutation = draw(st.sampled_from(["none", "duplicate", "surrogate", "deep", "huge"]))
    if mutation == "duplicate" and text.startswith("{") and len(text) > 2:
        key = draw(st.sampled_from(["type", "karakter", "@context", "@id", "id", "x"]))
        text = "{" + json.dumps(key) + ": " + json.dumps(draw(st.sampled_from(ODD_VALUES[:8] + ["4"])), default=str) + ", " + text[1:]
    elif mutation == "surrogate":
        text = text.replace('"karakter"', '"kara\\ud800kter"', 1).replace(': "', ': "\\udc00', 1)
    elif mutation == "deep":
        depth = draw(st.integers(30, 200))
        text = text[:-1] + ', "x": ' + '{"a": ' * depth + "1" + "}" * depth + "}" if text.endswith("}") else text
    elif mutation == "huge":
        text = text.replace('"4"', "1" + "0" * draw(st.integers(20, 5000)), 1)
    return text.encode("utf-8", "surrogatepass")


FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))


def _read_fast(data, fmt=None):
    try:
        return read_fast(data, format=fmt)
    except SamtbuError as exc:
        assert exc.exit_code == 2 and str(exc).strip() and "\n" not in str(exc)
        return None


@pytest.mark.parametrize("fmt", sorted(SEEDS))
def test_the_fast_reader_on_mutated_bytes(fmt):
    @FUZZ
    @given(byte_mutations(SEEDS[fmt]), st.booleans())
    def check(data: bytes, with_flag: bool):
        _read_fast(data, fmt if with_flag else None)

    check()


def test_the_fast_reader_on_mutated_and_structured_json():
    @FUZZ
    @given(st.one_of(json_mutations(), structured_json()))
    def check(data):
        _read_fast(data)
        if isinstance(data, bytes):
            _read_fast(data, "json")
            _read_fast(data, "jsonld")

    check()


def test_the_command_line_on_structured_json(tmp_path_factory, capsys):
    folder = tmp_path_factory.mktemp("fuzz")

    @settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.one_of(structured_json(), byte_mutations(SEEDS["turtle"]), byte_mutations(SEEDS["json"])),
           st.sampled_from(["json", "text", "sarif", "shacl-turtle"]), st.sampled_from([".json", ".jsonld", ".ttl"]))
    def check(data: bytes, report: str, suffix: str):
        path = folder / f"payload{suffix}"
        path.write_bytes(data)
        rc = main(["validate", "-r", report, str(path)])
        out, err = capsys.readouterr()
        assert rc in (0, 1, 2), (rc, err)
        assert "Traceback" not in err and "Traceback" not in out
        if rc == 2:
            assert err.startswith("samtbu: error:") and err.count("\n") == 1, err
        if report == "json" and rc in (0, 1):
            json.loads(out)

    check()


def test_keys_given_twice_are_a_warning_naming_the_key(tmp_path, capsys):
    text = SEEDS["json"].decode()
    doubled = text.replace('"karakter"', '"karakter": "2", "karakter"', 1)
    path = tmp_path / "twice.json"
    path.write_text(doubled, encoding="utf-8")
    for engine in ("fast", "pyshacl"):
        assert main(["validate", "-r", "json", "--lang", "en", "--engine", engine, str(path)]) == 0
        results = json.loads(capsys.readouterr().out)["records"][0]["results"]
        assert [(r["severity"], r["constraint"], r["pointer"]) for r in results] == [("Warning", "samtbu:DuplicateKey", "/karakter")]
        assert "'karakter'" in results[0]["message"]
    path.write_text(text, encoding="utf-8")
    assert main(["validate", "-r", "json", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["records"][0]["results"] == []


@pytest.fixture(scope="module")
def client(model: Model):
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from samtbu.service import Limits, create_app

    with TestClient(create_app(model, Limits(max_depth=64), warm=False)) as c:
        yield c


def test_http_never_answers_5xx_on_structured_json(client):
    @settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.one_of(structured_json(), byte_mutations(SEEDS["json"]), byte_mutations(SEEDS["turtle"])),
           st.sampled_from(["application/json", "application/ld+json", "text/turtle", "application/n-triples"]),
           st.sampled_from(["json", "sarif", "shacl-jsonld", "junit"]))
    def check(data: bytes, content_type: str, report: str):
        response = client.post(f"/v1/validate?report={report}", content=data, headers={"Content-Type": content_type})
        assert response.status_code < 500, (response.status_code, response.text[:500])
        assert response.status_code in (200, 400, 404, 413, 415, 422), (response.status_code, response.text[:500])

    check()


def test_http_reports_keys_given_twice(client):
    doubled = SEEDS["json"].decode().replace('"karakter"', '"karakter": "2", "karakter"', 1)
    response = client.post("/v1/validate?profile=enkeltresultat", content=doubled, headers={"Content-Type": "application/json"})
    assert response.status_code == 200
    results = response.json()["records"][0]["results"]
    assert [(r["severity"], r["constraint"], r["pointer"]) for r in results] == [("Warning", "samtbu:DuplicateKey", "/karakter")]
