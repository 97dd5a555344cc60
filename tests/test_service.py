"""The validation service: the pipeline over HTTP, its limits and refusals, its OpenAPI description
(property-based tests with schemathesis), and a real uvicorn process on loopback with a load smoke run."""

from __future__ import annotations

import json
import logging
import socket
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

fastapi = pytest.importorskip("fastapi", reason="the service needs fastapi (pip install samtbu[service])")
httpx = pytest.importorskip("httpx")
from fastapi.testclient import TestClient  # noqa: E402
from rdflib import Graph  # noqa: E402
from rdflib.namespace import SH  # noqa: E402

from samtbu.service import Limits, create_app  # noqa: E402
from samtbu.validate import validate  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
import service_load  # noqa: E402

EXAMPLES = sorted((REPO / "examples").glob("*.json"))
VITNEMAAL = REPO / "examples" / "vitnemaal-studiespesialisering.json"
FNR = "14830751220"  # the synthetic identity number in the vitnemål example
LIMITS = Limits(max_bytes=64 * 1024, max_depth=16, max_records=5, timeout=120, workers=2, queue=32)
JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def client(model):
    with TestClient(create_app(model, LIMITS)) as c:
        yield c


def problem(response, status: int, slug: str) -> dict:
    assert response.status_code == status, (response.status_code, response.text[:500])
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["type"].endswith("/" + slug), body
    assert body["title"] and body["detail"]
    return body


def profile_for(client, model, path: Path) -> str | None:
    """The profile the service picks for an example, or (when it cannot tell) the one named like the file."""
    response = client.post("/v1/validate", content=path.read_bytes(), headers=JSON)
    if response.status_code == 200:
        return response.headers["x-samtbu-profile"]
    if path.stem in model.profiles:
        return path.stem
    return None


# -- validating ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_examples_give_the_pipelines_answer(client, model, path):
    profile = profile_for(client, model, path)
    if profile is None:
        pytest.skip(f"no profile for {path.name} among {sorted(model.profiles)}")
    response = client.post(f"/v1/validate?profile={profile}", content=path.read_bytes(), headers=JSON)
    assert response.status_code == 200, response.text[:500]
    body = response.json()
    expected = validate(path.read_bytes(), profile, model=model, source="<request>")
    assert body["conforms"] == expected.conforms
    assert body["summary"] == expected.summary()
    assert response.headers["x-samtbu-conforms"] == ("true" if expected.conforms else "false")
    assert FNR not in response.text


def test_a_valid_vitnemaal_conforms(client, model):
    if "vitnemaal" not in model.profiles:
        pytest.skip("no vitnemaal profile yet")
    response = client.post("/v1/validate?profile=vitnemaal", content=VITNEMAAL.read_bytes(), headers=JSON)
    assert response.status_code == 200 and response.json()["conforms"] is True, response.text[:1000]


def broken_vitnemaal() -> bytes:
    data = json.loads(VITNEMAAL.read_text(encoding="utf-8"))
    del data["dokumentnummer"]
    data["utstedelsesdato"] = "not a date"
    data["ukjentFelt"] = FNR
    return json.dumps(data).encode()


def test_an_invalid_vitnemaal_is_reported_with_identity_numbers_masked(client, model):
    if "vitnemaal" not in model.profiles:
        pytest.skip("no vitnemaal profile yet")
    response = client.post("/v1/validate?profile=vitnemaal&lang=en", content=broken_vitnemaal(), headers=JSON)
    assert response.status_code == 200
    body = response.json()
    assert body["conforms"] is False and body["summary"]["violations"] >= 2
    pointers = {r.get("pointer") for r in body["records"][0]["results"]}
    assert "/ukjentFelt" in pointers
    assert FNR not in response.text


def test_messages_in_nynorsk(client, model):
    response = client.post("/v1/validate?profile=vitnemaal&lang=nn", content=broken_vitnemaal(), headers=JSON)
    assert response.status_code == 200
    messages = [r["message"] for r in response.json()["records"][0]["results"]]
    assert "Ukjend felt «ukjentFelt»: det er ikkje eit omgrep i modellen, og innhaldet ville gått tapt." in messages
    assert "Dokumentnummer manglar; det er påkravd i flyten «vitnemaal»." in messages
    bokmaal = client.post("/v1/validate?profile=vitnemaal&lang=nb", content=broken_vitnemaal(), headers=JSON)
    assert "Dokumentnummer mangler; det er påkrevd i flyten «vitnemaal»." in bokmaal.text
    assert client.post("/v1/validate?profile=vitnemaal&lang=se", content=broken_vitnemaal(), headers=JSON).status_code == 422


FORMATS = {
    "json": "application/json",
    "shacl-jsonld": "application/ld+json",
    "shacl-turtle": "text/turtle",
    "sarif": "application/sarif+json",
    "junit": "application/xml",
    "text": "text/plain",
}


def check_report(fmt: str, text: str) -> None:
    if fmt == "json":
        assert json.loads(text)["conforms"] is False
    elif fmt in ("shacl-jsonld", "shacl-turtle"):
        graph = Graph().parse(data=text, format="json-ld" if fmt == "shacl-jsonld" else "turtle")
        report = next(graph.subjects(predicate=SH.conforms))
        assert str(graph.value(report, SH.conforms)).lower() == "false"
        assert len(list(graph.subjects(predicate=SH.resultSeverity))) >= 1
    elif fmt == "sarif":
        sarif = json.loads(text)
        assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]
    elif fmt == "junit":
        root = ET.fromstring(text.encode())
        assert root.find("testsuite").get("failures") == "1"
    else:
        assert "IKKE" in text or "NOT" in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_report_format_by_parameter_and_by_accept(client, model, fmt):
    if "vitnemaal" not in model.profiles:
        pytest.skip("no vitnemaal profile yet")
    payload = broken_vitnemaal()
    by_param = client.post(f"/v1/validate?profile=vitnemaal&report={fmt}", content=payload, headers=JSON)
    by_accept = client.post("/v1/validate?profile=vitnemaal", content=payload, headers={**JSON, "Accept": FORMATS[fmt]})
    for response in (by_param, by_accept):
        assert response.status_code == 200, response.text[:300]
        assert response.headers["content-type"].startswith(FORMATS[fmt])
        assert FNR not in response.text
        check_report(fmt, response.text)


def test_turtle_and_jsonld_bodies(client, model):
    turtle = REPO / "examples" / "vitnemaal-studiespesialisering.ttl"
    if "vitnemaal" not in model.profiles or not turtle.exists():
        pytest.skip("no vitnemaal profile or Turtle twin")
    response = client.post("/v1/validate?profile=vitnemaal", content=turtle.read_bytes(), headers={"Content-Type": "text/turtle"})
    assert response.status_code == 200 and response.json()["records"][0]["format"] == "turtle"
    data = json.loads(VITNEMAAL.read_text(encoding="utf-8"))
    data = {"@context": "https://w3id.org/samt-bu/context/0.1.0", **data}
    response = client.post("/v1/validate?profile=vitnemaal", content=json.dumps(data), headers={"Content-Type": "application/ld+json"})
    assert response.status_code == 200 and response.json()["conforms"] is True, response.text[:800]


# -- limits and refusals ---------------------------------------------------------------------------


def test_body_too_large(client):
    body = problem(client.post("/v1/validate", content=b" " * (LIMITS.max_bytes + 1), headers=JSON), 413, "payload-too-large")
    assert "limit" in body["detail"]


def test_nesting_too_deep(client):
    nested: dict = {"type": "Vurdering"}
    for _ in range(LIMITS.max_depth + 2):
        nested = {"type": "Vurdering", "vurdertAv": nested}
    problem(client.post("/v1/validate", content=json.dumps(nested), headers=JSON), 422, "nesting-too-deep")
    problem(client.post("/v1/validate", content=b"[" * 5000 + b"]" * 5000, headers=JSON), 422, "nesting-too-deep")


def test_too_many_records(client):
    records = [{"type": "Vurdering", "karakter": "4"} for _ in range(LIMITS.max_records + 1)]
    problem(client.post("/v1/validate?profile=enkeltresultat", content=json.dumps(records), headers=JSON), 422, "too-many-records")
    turtle = "@prefix sbu: <https://w3id.org/samt-bu/def/> .\n" + "".join(
        f"<urn:uuid:00000000-0000-0000-0000-00000000000{i}> a sbu:Vurdering .\n" for i in range(LIMITS.max_records + 1)
    )
    problem(client.post("/v1/validate", content=turtle, headers={"Content-Type": "text/turtle"}), 422, "too-many-records")


def test_validation_time_limit(model, monkeypatch):
    """A validation that runs past the limit is answered 422, naming the limit."""
    import time

    import samtbu.validate

    real = samtbu.validate.validate_payload

    def slow(*args, **kwargs):
        time.sleep(0.5)
        return real(*args, **kwargs)

    monkeypatch.setattr(samtbu.validate, "validate_payload", slow)
    with TestClient(create_app(model, Limits(timeout=0.1, workers=1), warm=False)) as fast:
        response = fast.post("/v1/validate", content=VITNEMAAL.read_bytes(), headers=JSON)
        body = problem(response, 422, "validation-timeout")
        assert "0.1 s" in body["detail"]


def test_unsupported_media_type(client):
    problem(client.post("/v1/validate", content=b"<a/>", headers={"Content-Type": "application/xml"}), 415, "unsupported-media-type")
    problem(client.post("/v1/validate", content=b"{}"), 415, "unsupported-media-type")


def test_unknown_profile_and_version(client):
    body = problem(client.post("/v1/validate?profile=nope", content=b"{}", headers=JSON), 404, "unknown-profile")
    assert "nope" in body["detail"]
    problem(client.post("/v1/validate?version=9.9.9", content=b"{}", headers=JSON), 404, "unknown-version")


def test_not_acceptable(client):
    problem(client.post("/v1/validate", content=b"{}", headers={**JSON, "Accept": "image/png"}), 406, "not-acceptable")


@pytest.mark.parametrize(
    "content, content_type, needle",
    [
        (b'{"type": "Vurdering", "karakter": }', "application/json", "malformed JSON"),
        (b"\xff\xfe{}", "application/json", "UTF-8"),
        (b"", "application/json", "empty"),
        (b"<urn:x> a <urn:y>", "text/turtle", "malformed Turtle"),
        (json.dumps({"@context": "https://example.org/evil.jsonld", "@id": "urn:x"}).encode(), "application/ld+json", "refused"),
    ],
    ids=["malformed-json", "not-utf8", "empty", "malformed-turtle", "remote-context"],
)
def test_unreadable_payloads(client, content, content_type, needle):
    body = problem(client.post("/v1/validate", content=content, headers={"Content-Type": content_type}), 400, "unreadable-payload")
    assert needle in body["detail"]


def test_a_relative_id_is_refused_naming_the_field_and_value(client):
    """The same refusal as the CLI and the Python API (one pipeline): a 400 that names the pointer and
    the value, never an IRI made up from a default base."""
    payload = json.loads((REPO / "examples" / "enkeltresultat.json").read_text(encoding="utf-8"))
    payload["vurdertAv"]["id"] = "skoler/lyngvik"
    body = problem(client.post("/v1/validate", content=json.dumps(payload), headers=JSON), 400, "unreadable-payload")
    assert "relative id at /vurdertAv/id ('skoler/lyngvik')" in body["detail"]
    assert "example.org" not in body["detail"]


def test_no_outbound_network(client, monkeypatch):
    """A remote @context is refused without any connection being tried."""
    attempts = []
    real_connect = socket.socket.connect

    def guarded(self, address):
        attempts.append(address)
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    payload = {"@context": ["https://example.org/ctx.jsonld"], "@id": "urn:x", "@type": "https://w3id.org/samt-bu/def/Vurdering"}
    problem(client.post("/v1/validate", content=json.dumps(payload), headers={"Content-Type": "application/ld+json"}), 400, "unreadable-payload")
    assert attempts == []


def test_request_log_has_no_payload_and_no_identity_number(client, model, caplog):
    if "vitnemaal" not in model.profiles:
        pytest.skip("no vitnemaal profile yet")
    with caplog.at_level(logging.INFO, logger="samtbu.service"):
        client.post("/v1/validate?profile=vitnemaal&lang=en", content=broken_vitnemaal(), headers=JSON)
        client.get(f"/v1/lookup/{FNR}")
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "POST /v1/validate 200" in text
    assert FNR not in text and "Lyngvær" not in text and "lang=en" not in text
    assert "148307*****" in text


# -- the other endpoints ----------------------------------------------------------------------------


def test_profiles(client, model):
    body = client.get("/v1/profiles").json()
    assert body["version"] == model.version
    names = [p["name"] for p in body["profiles"]]
    assert names == sorted(model.profiles)
    for entry in body["profiles"]:
        assert entry["iri"].startswith("https://w3id.org/samt-bu/profil/")
        assert entry["version"] == model.version
        assert entry["title"].get("nb")


def test_context(client, model):
    from samtbu.jsonld import bundled_context

    from samtbu.generate.context import context_file_name, context_parts

    response = client.get("/context")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/ld+json")
    assert response.json() == bundled_context(model)
    # A version's context is its released file, byte for byte the same content; the terms added
    # after the release come from the extension contexts.
    for part in context_parts(model):
        path = f"/context/{model.version}" + (f"/{part}" if part else "")
        response = client.get(path)
        assert response.status_code == 200 and response.headers["content-type"].startswith("application/ld+json")
        released = model.root / "contexts" / context_file_name(model.version, part)
        assert response.json() == json.loads(released.read_text(encoding="utf-8")), path
    problem(client.get("/context/0.0.9"), 404, "unknown-version")
    problem(client.get(f"/context/{model.version}/no-such-module"), 404, "unknown-context")


def test_schema_route_follows_the_generator(client, model):
    from samtbu.service import _schema_builder

    paths = client.get("/openapi.json").json()["paths"]
    if _schema_builder() is None:
        assert not any(p.startswith("/schema/") for p in paths)
        return
    assert "/schema/{version}/{profile}.json" in paths
    name = sorted(model.profiles)[0]
    response = client.get(f"/schema/{model.version}/{name}.json")
    assert response.status_code == 200 and isinstance(response.json(), dict)
    problem(client.get(f"/schema/{model.version}/nope.json"), 404, "unknown-profile")


def test_health_and_openapi(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json()["status"] == "ready"
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    for path in ("/v1/validate", "/v1/profiles", "/context", "/context/{version}", "/healthz", "/readyz"):
        assert path in spec["paths"], path
    problem(client.get("/no/such/path"), 404, "not-found")


# -- property-based API tests from the OpenAPI description -------------------------------------------

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402


@pytest.fixture(scope="module")
def api_schema(client):
    return schemathesis.openapi.from_asgi("/openapi.json", client.app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_answers_5xx(case):
    case.call_and_validate(checks=[schemathesis.checks.not_a_server_error])


# -- a real uvicorn process on loopback ---------------------------------------------------------------


@pytest.fixture(scope="module")
def server():
    with service_load.serving() as url:
        yield url


def test_real_server_validates_and_refuses(server, model):
    with httpx.Client(base_url=server, trust_env=False, timeout=120) as http:
        assert http.get("/readyz").json()["status"] == "ready"
        if "vitnemaal" in model.profiles:
            response = http.post("/v1/validate?profile=vitnemaal&report=sarif", content=VITNEMAAL.read_bytes(), headers=JSON)
            assert response.status_code == 200 and json.loads(response.text)["version"] == "2.1.0"
        big = http.post("/v1/validate", content=b" " * (Limits().max_bytes + 10), headers=JSON)
        problem(big, 413, "payload-too-large")
        problem(http.post("/v1/validate", content=b"x", headers={"Content-Type": "image/png"}), 415, "unsupported-media-type")


def test_load_smoke_run(server, model):
    """A short open-loop run of the load benchmark: every request answered 200 with a conforming report
    (speed is not asserted: benchmarks/service_load.py measures it)."""
    if "vitnemaal" not in model.profiles:
        pytest.skip("no vitnemaal profile yet")
    phase = service_load.Phase("smoke", VITNEMAAL, "vitnemaal", rate=20, duration=2)
    figures = service_load.measure(server, phase, None)
    assert figures["errors"] == 0 and figures["refused_503"] == 0, figures
    assert figures["ok"] == 40 and figures["p99_ms"] >= figures["p50_ms"] > 0
