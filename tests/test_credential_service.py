"""The credential endpoints of the service: /v1/verify always, /v1/sign only with a key; the same
limits and problem documents as /v1/validate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("cryptography")
from fastapi.testclient import TestClient  # noqa: E402

from samtbu.credential.contexts import CREDENTIALS_V2, OB3_CONTEXT, load_contexts  # noqa: E402
from samtbu.credential.http import CredentialConfig  # noqa: E402
from samtbu.credential.keys import SigningKey, multibase_encode  # noqa: E402
from samtbu.credential.trust import TrustList, add_to_trust_list  # noqa: E402
from samtbu.service import Limits, create_app  # noqa: E402
from tests.test_service import problem  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
VITNEMAAL = REPO / "examples" / "vitnemaal-studiespesialisering.json"
FNR = "14830751220"
LIMITS = Limits(max_bytes=64 * 1024, max_depth=16, max_records=5, timeout=120, workers=2, queue=32)
JSON = {"Content-Type": "application/json"}
AT = {"at": "2026-08-01T00:00:00Z"}


@pytest.fixture(scope="module")
def key():
    return SigningKey.generate()


@pytest.fixture(scope="module")
def contexts():
    ctx = load_contexts()
    if not {CREDENTIALS_V2, OB3_CONTEXT} <= set(ctx.documents):
        pytest.skip("the credentials v2 and OB 3.0 contexts are not available locally")
    return ctx


@pytest.fixture(scope="module")
def signing(model, key, contexts):
    trust = add_to_trust_list(TrustList(), key.public, issuer_id=None, name=None, organisation_numbers=["994123750"])
    with TestClient(create_app(model, LIMITS, credentials=CredentialConfig(key, trust, [], contexts))) as c:
        yield c


@pytest.fixture(scope="module")
def verifying(model, contexts):
    with TestClient(create_app(model, LIMITS)) as c:
        yield c


def test_sign_then_verify_over_http(signing):
    response = signing.post("/v1/sign", content=VITNEMAAL.read_bytes(), headers=JSON)
    assert response.status_code == 200, response.text[:500]
    credential = response.json()
    assert credential["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"
    assert FNR not in response.text  # the export does not carry the identity number
    answer = signing.post("/v1/verify", json={"verifiableCredential": credential, "options": AT})
    assert answer.status_code == 200 and answer.headers["x-samtbu-valid"] == "true", answer.text
    assert answer.json()["valid"] is True
    credential["credentialSubject"]["result"][0]["value"] = "1"
    answer = signing.post("/v1/verify", json={"verifiableCredential": credential, "options": AT})
    assert answer.json()["reason"] == "tampered" and answer.headers["x-samtbu-valid"] == "false"


def test_a_payload_that_does_not_validate_is_refused_with_its_report(signing):
    data = json.loads(VITNEMAAL.read_text())
    data["dokumenterer"][1]["karakter"] = "9"
    body = problem(signing.post("/v1/sign", json=data), 422, "not-signable")
    assert body["report"]["conforms"] is False
    assert FNR not in json.dumps(body)


def test_sign_exists_only_with_a_key(verifying, signing):
    problem(verifying.post("/v1/sign", content=VITNEMAAL.read_bytes(), headers=JSON), 404, "not-found")
    paths = verifying.get("/openapi.json").json()["paths"]
    assert "/v1/verify" in paths and "/v1/sign" not in paths
    assert {"/v1/verify", "/v1/sign"} <= set(signing.get("/openapi.json").json()["paths"])


def test_verify_without_a_trust_list_says_unknown_issuer(verifying, key, contexts):
    from samtbu.credential.issue import sign_credential, unsigned_credential

    credential, _ = sign_credential(unsigned_credential(VITNEMAAL).document, key, contexts)
    answer = verifying.post("/v1/verify", json=credential)
    assert answer.status_code == 200 and answer.json()["reason"] == "unknown-issuer"


def test_verify_refusals_are_problem_documents(verifying):
    problem(verifying.post("/v1/verify", content=b"{not json", headers=JSON), 400, "unreadable-payload")
    problem(verifying.post("/v1/verify", json=[1, 2]), 400, "unreadable-credential")
    problem(verifying.post("/v1/verify", content=b"x" * (LIMITS.max_bytes + 1), headers=JSON), 413, "payload-too-large")
    problem(verifying.post("/v1/verify", content=b"<a> <b> <c> .", headers={"Content-Type": "text/turtle"}), 415, "unsupported-media-type")
    deep: dict = {}
    node = deep
    for _ in range(40):
        node["a"] = {}
        node = node["a"]
    problem(verifying.post("/v1/verify", json=deep), 422, "nesting-too-deep")
    remote = {"@context": ["https://evil.example/ctx"], "type": "VerifiableCredential",
              "proof": {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "proofPurpose": "assertionMethod",
                        "verificationMethod": SigningKey.generate().verification_method, "proofValue": multibase_encode(bytes(range(64)))}}
    problem(verifying.post("/v1/verify", json=remote), 422, "context-unavailable")
    unsigned = verifying.post("/v1/verify", json={"@context": [CREDENTIALS_V2], "type": "VerifiableCredential"})
    assert unsigned.status_code == 200 and unsigned.json()["reason"] == "not-signed"


def test_a_real_server_started_with_a_key_signs_and_verifies(tmp_path, contexts):
    """`samtbu serve --key --trust-list --status-list` as an operator starts it, on loopback; the key
    is in no answer and in no log line."""
    import subprocess
    import sys

    import httpx

    from samtbu.cli import main

    sys.path.insert(0, str(REPO / "benchmarks"))
    import service_load

    key_file, trust, status = tmp_path / "key.json", tmp_path / "trust.json", tmp_path / "status.json"
    assert main(["keys", "new", "-o", str(key_file), "--trust-list", str(trust), "--orgnr", "994123750"]) == 0
    issuer = json.loads(VITNEMAAL.read_text())["utsteder"]["id"]
    assert main(["status", "new", str(status), "--url", "https://skole.example/status/1", "--issuer", issuer,
                 "--key", str(key_file)]) == 0
    secret = json.loads(key_file.read_text())["privateKeyMultibase"]
    port = service_load.free_port()
    process = service_load.start_service(port, extra=["--key", str(key_file), "--trust-list", str(trust),
                                                      "--status-list", str(status), "--log-level", "info"])
    url = f"http://127.0.0.1:{port}"
    try:
        service_load.wait_ready(url, process)
        with httpx.Client(base_url=url, trust_env=False, timeout=120) as http:
            signed = http.post("/v1/sign", content=VITNEMAAL.read_bytes(), headers=JSON)
            assert signed.status_code == 200, signed.text[:300]
            answer = http.post("/v1/verify", json={"verifiableCredential": signed.json(), "options": {"skipStatus": True}})
            assert answer.json()["valid"] is True, answer.text
            assert secret not in signed.text + answer.text
    finally:
        process.terminate()
        try:
            _, err = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            _, err = process.communicate()
    assert secret not in err.decode("utf-8", "replace")
    assert "POST /v1/sign 200" in err.decode("utf-8", "replace")
