"""Interop: credentials signed by samtbu verify with implementations that share none of its code.

- Digital Bazaar's reference libraries on Node (jsonld.js, rdf-canonize, @digitalbazaar/vc,
  data-integrity, eddsa-rdfc-2022-cryptosuite, did-method-key), installed from npm into
  tests/interop by `.ci/run` (``npm ci``), with their own copies of the contexts;
- openbadgeslib's Data Integrity verifier (PyPI; pyld for JSON-LD, its own guards and context copies).
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from pathlib import Path

import pytest

pytest.importorskip("cryptography")

from samtbu.credential.contexts import CREDENTIALS_V2, OB3_CONTEXT, load_contexts  # noqa: E402
from samtbu.credential.issue import sign_credential, unsigned_credential  # noqa: E402
from samtbu.credential.keys import SigningKey  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
INTEROP = REPO / "tests" / "interop"
EXAMPLES = REPO / "examples"
# The documents the OB 3.0 form carries (a karakterutskrift claims no achievement: not in this form).
NAMES = ["vitnemaal-studiespesialisering", "vitnemaal-yrkeskompetanse", "kompetansebevis-delvis", "fagbrev-elektriker"]


@pytest.fixture(scope="module")
def issued(tmp_path_factory):
    """Every document example signed by a key whose did:key is also the issuer's id (as an issuer
    profile with a DID gives it), plus a tampered copy of each."""
    contexts = load_contexts()
    if not {CREDENTIALS_V2, OB3_CONTEXT} <= set(contexts.documents):
        pytest.skip("the credentials v2 and OB 3.0 contexts are not available locally")
    key = SigningKey.generate()
    folder = tmp_path_factory.mktemp("interop")
    files = {}
    for name in NAMES:
        document = unsigned_credential(EXAMPLES / f"{name}.json").document
        document = {**document, "issuer": {**document["issuer"], "id": key.did}}
        signed, _ = sign_credential(document, key, contexts)
        files[name] = folder / f"{name}.json"
        files[name].write_text(json.dumps(signed, ensure_ascii=False, indent=2), encoding="utf-8")
        tampered = copy.deepcopy(signed)
        tampered["credentialSubject"]["achievement"]["name"] += "."
        files[f"{name}-tampered"] = folder / f"{name}-tampered.json"
        files[f"{name}-tampered"].write_text(json.dumps(tampered, ensure_ascii=False), encoding="utf-8")
    return key, files


def _node_verify(*args: str) -> list[dict]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (.ci/run installs it with npm)")
    if not (INTEROP / "node_modules" / "@digitalbazaar" / "vc").is_dir():
        pytest.skip("the npm packages are not installed: run `npm ci` in tests/interop (.ci/run does)")
    run = subprocess.run([node, "verify.mjs", *args], cwd=INTEROP, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    return [json.loads(line) for line in run.stdout.splitlines()]


def test_digital_bazaar_verifies_our_credentials(issued):
    _, files = issued
    results = {Path(r["file"]).stem: r for r in _node_verify(*(str(p) for p in files.values()))}
    for name in NAMES:
        assert results[name]["verified"], (name, results[name]["error"])
        assert not results[f"{name}-tampered"]["verified"]
        assert "Invalid signature" in results[f"{name}-tampered"]["error"]


def test_digital_bazaar_verifies_a_proof_whose_issuer_is_in_a_trust_list(tmp_path):
    """The usual case: the issuer id is the school's, the key a did:key (the proof alone is checked there)."""
    contexts = load_contexts()
    key = SigningKey.generate()
    signed, _ = sign_credential(unsigned_credential(EXAMPLES / "fagbrev-elektriker.json").document, key, contexts)
    path = tmp_path / "fagbrev.json"
    path.write_text(json.dumps(signed, ensure_ascii=False))
    [result] = _node_verify("--proof-only", str(path))
    assert result["verified"], result["error"]


def test_openbadgeslib_verifies_our_credentials(issued):
    ldp = pytest.importorskip("openbadgeslib.ob3.ldp")
    pytest.importorskip("pyld")
    from cryptography.hazmat.primitives import serialization

    key, files = issued
    pem = key.public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    for name in NAMES:
        ldp.verify_data_integrity_proof(json.loads(files[name].read_text()), pem)
        with pytest.raises(ldp.OB3VerificationError):
            ldp.verify_data_integrity_proof(json.loads(files[f"{name}-tampered"].read_text()), pem)
