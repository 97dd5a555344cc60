"""Signed credentials: the W3C eddsa-rdfc-2022 test vectors, keys, contexts, sign and verify of every
example, tamper cases, dates, status lists and the command line."""

from __future__ import annotations

import copy
import json
import os
import stat
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

pytest.importorskip("cryptography")
pytest.importorskip("base58")

from samtbu.cli import main  # noqa: E402
from samtbu.credential.canonical import CanonicalizationError, canonicalize  # noqa: E402
from samtbu.credential.contexts import (CREDENTIALS_V2, EDC_CONTEXT, KNOWN, OB3_CONTEXT, ContextError,  # noqa: E402
                                        canonical_digest, load_contexts)
from samtbu.credential.dataintegrity import add_proof, proofs_of, verify_proof  # noqa: E402
from samtbu.credential.issue import NotSignableError, sign_credential, unsigned_credential  # noqa: E402
from samtbu.credential.keys import (KeyFileError, SigningKey, public_key_from_did_key, public_key_from_text,  # noqa: E402
                                    read_private_key, write_private_key)
from samtbu.credential.status import (MIN_ENTRIES, Register, decode_list, encode_list, get_bit,  # noqa: E402
                                      new_list_credential, set_bit)
from samtbu.credential.trust import TrustList, add_to_trust_list, parse_trust_list  # noqa: E402
from samtbu.credential.verify import verify_credential  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
# The documents the OB 3.0 form carries; a karakterutskrift claims no achievement, so it is signed
# only in the European Digital Credential form (grades as assessment claims).
DOCUMENT_EXAMPLES = ["vitnemaal-studiespesialisering", "vitnemaal-yrkeskompetanse", "kompetansebevis-delvis",
                     "fagbrev-elektriker"]
NOT_DOCUMENTS = ["enkeltresultat", "fullfoeringsstatus"]
# The issuer profile id of the school of vitnemaal-studiespesialisering (examples/issuer-profiles/ob3.json)
ISSUER = "https://lyngvik-vgs.example/ob3/issuer.json"
SOON = datetime(2026, 8, 1, tzinfo=timezone.utc)  # after every example's date of issue


def vectors_dir() -> Path:
    from tests.conftest import anchors_dir

    path = anchors_dir() / "vc-di-eddsa"
    if not (path / "eddsa-rdfc-2022" / "signedDataInt.json").is_file():
        pytest.skip(f"the W3C vc-di-eddsa test vectors are not at {path} (set SAMTBU_ANCHORS)")
    return path


@pytest.fixture(scope="module")
def contexts():
    ctx = load_contexts()
    for url in (CREDENTIALS_V2, OB3_CONTEXT):
        if url not in ctx.documents:
            pytest.skip(f"the context {url} is not available locally (pip install samtbu[sign], or SAMTBU_ANCHORS)")
    return ctx


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture(scope="module")
def trust(key) -> TrustList:
    return add_to_trust_list(TrustList(), key.public, issuer_id=None, name="skolene i eksemplene",
                             organisation_numbers=["994123750", "974567890", "912345675", "100000008", "998877665"])


def _orgnr(example: str) -> str:
    data = json.loads((EXAMPLES / f"{example}.json").read_text(encoding="utf-8"))
    return data["utsteder"].get("organisasjonsnummer", "")


@pytest.fixture(scope="module")
def signed(contexts, key) -> dict[str, dict]:
    """Every document example, signed in the OB 3.0 form."""
    out = {}
    for name in DOCUMENT_EXAMPLES:
        unsigned = unsigned_credential(EXAMPLES / f"{name}.json", form="ob3")
        out[name], _ = sign_credential(unsigned.document, key, contexts)
    return out


def _trust_for(key, signed_docs) -> TrustList:
    trust = TrustList()
    for document in signed_docs.values():
        add_to_trust_list(trust, key.public, issuer_id=document["issuer"]["id"], name=document["issuer"].get("name"),
                          organisation_numbers=[])
    return trust


# -- the W3C test vectors -----------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["oxigraph", "pyld"])
def test_w3c_vectors_reproduce_every_intermediate_value(engine):
    folder = vectors_dir()
    vectors = folder / "eddsa-rdfc-2022"
    contexts = load_contexts()
    pair = json.loads((folder / "keyPair.json").read_text())
    key = SigningKey.from_multibase(pair["privateKeyMultibase"], pair["publicKeyMultibase"])
    assert key.public_multibase == pair["publicKeyMultibase"]
    unsigned = json.loads((folder / "unsigned.json").read_text())
    config = json.loads((vectors / "proofConfigDataInt.json").read_text())
    document, values = add_proof(unsigned, key, contexts, created=config["created"], engine=engine)

    def text(name: str) -> str:
        return (vectors / name).read_text(encoding="utf-8")

    assert values.canonical_document == text("canonDocDataInt.txt")
    assert values.canonical_proof_config == text("proofCanonDataInt.txt")
    assert values.document_hash.hex() == text("docHashDataInt.txt").strip()
    assert values.proof_config_hash.hex() == text("proofHashDataInt.txt").strip()
    assert values.hash_data.hex() == text("combinedHashDataInt.txt").strip()
    assert values.signature.hex() == text("sigHexDataInt.txt").strip()
    assert document["proof"]["proofValue"] == text("sigBTC58DataInt.txt").strip()
    assert document["proof"]["verificationMethod"] == config["verificationMethod"]
    # the whole signed file, byte for byte as the W3C publishes it
    assert json.dumps(document, indent=2) == text("signedDataInt.json")


@pytest.mark.parametrize("engine", ["oxigraph", "pyld"])
def test_w3c_signed_vector_verifies(engine):
    vectors = vectors_dir() / "eddsa-rdfc-2022"
    contexts = load_contexts()
    document = json.loads((vectors / "signedDataInt.json").read_text())
    proof = proofs_of(document)[0]
    check = verify_proof(document, proof, public_key_from_did_key(proof["verificationMethod"]), contexts, engine=engine)
    assert check.verified
    assert check.values.canonical_document == (vectors / "canonDocDataInt.txt").read_text()
    # the issuer (an https URL) is not the did:key: valid only with a trust list that names its key
    alone = verify_credential(document, contexts, engine=engine)
    assert alone.reason == "unknown-issuer"
    assert [c.ok for c in alone.checks if c.name == "signature"] == [True]
    trust = add_to_trust_list(TrustList(), public_key_from_did_key(proof["verificationMethod"]),
                              issuer_id=document["issuer"], name=None, organisation_numbers=[])
    result = verify_credential(document, contexts, trust=trust, engine=engine)
    assert result.valid, result.message
    tampered = copy.deepcopy(document)
    tampered["credentialSubject"]["alumniOf"] = "The School of Examples!"
    assert verify_credential(tampered, contexts, trust=trust, engine=engine).reason == "tampered"


def test_w3c_employ_vector_skips_without_its_context():
    folder = vectors_dir() / "eddsa-rdfc-2022" / "employ"
    if not (folder / "signedDataInt.json").is_file():
        pytest.skip("the employ/ vector is not in the anchors")
    document = json.loads((folder / "signedDataInt.json").read_text())
    contexts = load_contexts()
    missing = [c for c in document["@context"] if isinstance(c, str) and c not in contexts.documents]
    if missing:
        pytest.skip(f"the employ/ vector needs {missing}, which is not available locally (the anchors README says so)")
    proof = proofs_of(document)[0]
    assert verify_proof(document, proof, public_key_from_did_key(proof["verificationMethod"]), contexts).verified


# -- keys -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["multibase", "jwk", "pem"])
def test_key_files_round_trip_with_mode_0600(tmp_path, form):
    key = SigningKey.generate()
    path = tmp_path / f"key.{form}"
    write_private_key(key, path, form)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = read_private_key(path)
    assert again.did == key.did
    assert again.sign(b"x") == key.sign(b"x")  # Ed25519 is deterministic
    with pytest.raises(KeyFileError, match="exists already"):
        write_private_key(key, path, form)


def test_a_key_file_others_may_read_is_refused(tmp_path):
    path = tmp_path / "key.json"
    write_private_key(SigningKey.generate(), path)
    path.chmod(0o644)
    with pytest.raises(KeyFileError, match="chmod 600"):
        read_private_key(path)


def test_the_private_key_is_never_printed(tmp_path, capsys):
    path = tmp_path / "k.json"
    assert main(["keys", "new", "-o", str(path)]) == 0
    printed = capsys.readouterr()
    secret = json.loads(path.read_text())["privateKeyMultibase"]
    assert secret not in printed.out + printed.err
    info = json.loads(printed.out)
    assert info["did"].startswith("did:key:z6Mk")
    assert main(["keys", "show", str(path)]) == 0
    printed = capsys.readouterr()
    assert secret not in printed.out + printed.err and info["did"] in printed.out
    assert secret not in repr(read_private_key(path))


def test_public_keys_in_every_form_name_the_same_key():
    key = SigningKey.generate()
    info = key.public_info()
    forms = [info["publicKeyMultibase"], info["did"], json.dumps(info["publicKeyJwk"])]
    assert {public_key_from_text(f).public_bytes_raw() for f in forms} == {key.public.public_bytes_raw()}
    with pytest.raises(KeyFileError):
        public_key_from_text("z" + "1" * 40)


# -- contexts -------------------------------------------------------------------------------------------


def test_contexts_resolve_only_pinned_versions(tmp_path, anchors):
    source = anchors / "ob3" / "w3c-credentials-v2-context.jsonld"
    document = json.loads(source.read_text())
    assert canonical_digest(document) in KNOWN[CREDENTIALS_V2].digests
    changed = copy.deepcopy(document)
    changed["@context"]["name"] = "https://example.org/not-the-name"
    (tmp_path / "w3c-credentials-v2-context.jsonld").write_text(json.dumps(changed))
    (tmp_path / "ok.jsonld").write_text(json.dumps(document, indent=4))  # another layout, same content
    from samtbu.credential.contexts import _scan

    found = _scan((tmp_path,))
    assert found.sources[CREDENTIALS_V2].name == "ok.jsonld"
    empty = _scan((tmp_path / "nothing",))
    with pytest.raises(ContextError, match="not available locally"):
        empty.document(CREDENTIALS_V2)
    with pytest.raises(ContextError, match="refused"):
        empty.document("https://example.org/some/context")


def test_a_remote_context_is_refused_not_fetched(contexts):
    document = {"@context": [CREDENTIALS_V2, "https://evil.example/context.jsonld"], "type": "VerifiableCredential"}
    for engine in ("oxigraph", "pyld"):
        with pytest.raises(ContextError, match="refused"):
            canonicalize(document, contexts, engine=engine)


def test_both_ob3_context_versions_give_the_same_canonical_form(signed, anchors):
    """The anchors' (1EdTech, npm) and openbadgeslib's OB 3.0.3 contexts differ by two terms no credential of ours uses."""
    from samtbu.credential.contexts import _package_dir, _scan

    package = _package_dir("openbadgeslib", "ob3", "contexts")
    if package is None:
        pytest.skip("openbadgeslib is not installed")
    ours, theirs = _scan((anchors / "ob3",)), _scan((package,))
    assert ours.documents[OB3_CONTEXT] != theirs.documents[OB3_CONTEXT]
    document = {k: v for k, v in signed["vitnemaal-studiespesialisering"].items() if k != "proof"}
    assert canonicalize(document, ours).nquads == canonicalize(document, theirs).nquads


# -- canonicalization -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", DOCUMENT_EXAMPLES)
def test_oxigraph_and_pyld_agree_on_every_credential(contexts, signed, name):
    document = {k: v for k, v in signed[name].items() if k != "proof"}
    a = canonicalize(document, contexts, engine="oxigraph")
    b = canonicalize(document, contexts, engine="pyld")
    assert a.nquads == b.nquads and not a.undefined and not b.undefined
    assert a.nquads.count("\n") > 50


def _canonical_of_text(text: str) -> str:
    import pyoxigraph as ox

    from samtbu.credential.canonical import _rdfc

    return _rdfc(list(ox.parse(text, format=ox.RdfFormat.JSON_LD)), "oxigraph")


@pytest.mark.parametrize("name", DOCUMENT_EXAMPLES)
def test_pruned_contexts_expand_exactly_as_the_whole_ones(contexts, signed, name):
    """The contexts are inlined with only the term definitions a document can reach: the same RDF, for
    the credential, the credential with its proof, and its proof configuration."""
    from samtbu.credential.dataintegrity import proof_configuration

    document = signed[name]
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    config = proof_configuration(unsecured, verification_method=document["proof"][0]["verificationMethod"],
                                 created=document["proof"][0]["created"])
    for doc in (document, unsecured, config):
        pruned, whole = contexts.inline_text(doc), json.dumps(contexts.inline(doc), ensure_ascii=False)
        assert len(pruned) < len(whole) * 0.8
        assert _canonical_of_text(pruned) == _canonical_of_text(whole)


def test_pruning_keeps_prefixes_inline_terms_and_protection(contexts, signed):
    base = {k: v for k, v in signed["fagbrev-elektriker"].items() if k != "proof"}
    # a compact IRI in a key, a type and an @id value, through a prefix the document's own context defines
    extended = {**base, "@context": [*base["@context"], {"ex": "https://example.org/ns#", "ex:seeAlso": {"@type": "@id"}}],
                "ex:seeAlso": "ex:thing", "type": [*base["type"], "ex:Thing"]}
    assert _canonical_of_text(contexts.inline_text(extended)) == _canonical_of_text(json.dumps(contexts.inline(extended)))
    assert "<https://example.org/ns#seeAlso> <https://example.org/ns#thing>" in canonicalize(extended, contexts).nquads
    # a protected term of the credentials context that the document does not use is still protected
    redefined = {**base, "@context": [*base["@context"], {"digestMultibase": "https://example.org/ns#digest"}]}
    with pytest.raises(CanonicalizationError, match="protected"):
        canonicalize(redefined, contexts)
    # the undefined-term guard still sees a key the pruned contexts never defined
    assert canonicalize({**base, "karakterTillegg": "6"}, contexts).undefined == ["karakterTillegg"]


def test_terms_no_context_defines_are_reported(contexts, signed):
    document = {k: v for k, v in signed["fagbrev-elektriker"].items() if k != "proof"}
    document["credentialSubject"] = {**document["credentialSubject"], "karakterTillegg": "6"}
    document["@nytt"] = 1
    for engine in ("oxigraph", "pyld"):
        found = canonicalize(document, contexts, engine=engine).undefined
        assert "karakterTillegg" in found and any("/@nytt" in f for f in found)


def test_poison_graphs_are_refused_quickly(contexts):
    nodes = [{"@id": f"_:b{i}", "http://example.org/p": [{"@id": f"_:b{j}"} for j in range(9) if j != i]} for i in range(9)]
    started = time.perf_counter()
    with pytest.raises(CanonicalizationError, match="too symmetric"):
        canonicalize({"@context": {}, "@graph": nodes}, contexts)
    assert time.perf_counter() - started < 1.0


# -- sign and verify every example ------------------------------------------------------------------------


@pytest.mark.parametrize("name", DOCUMENT_EXAMPLES)
def test_every_document_example_signs_and_verifies(signed, key, name):
    document = signed[name]
    [proof] = document["proof"]  # a proof set of one: the OB 3.0 JSON Schema wants a list
    assert proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["verificationMethod"] == key.verification_method
    trust = _trust_for(key, signed)
    result = verify_credential(document, load_contexts(), trust=trust, at=SOON)
    assert result.valid, result.message
    assert {c.name for c in result.checks if c.ok} >= {"proof", "purpose", "key", "signature", "issuer", "validity"}


@pytest.mark.parametrize("name", NOT_DOCUMENTS)
def test_a_record_that_is_no_document_is_not_signed(name):
    with pytest.raises(NotSignableError, match="not a document"):
        unsigned_credential(EXAMPLES / f"{name}.json")


def test_a_karakterutskrift_is_signed_as_grades_not_as_an_achievement(contexts, key):
    with pytest.raises(NotSignableError, match="a karakterutskrift documents grades"):
        unsigned_credential(EXAMPLES / "karakterutskrift-vg2.json", form="ob3")
    unsigned = unsigned_credential(EXAMPLES / "karakterutskrift-vg2.json", form="elm")
    claims = unsigned.document["credentialSubject"]["hasClaim"]
    assert {c["type"] for c in claims} == {"LearningAssessment"}


def test_a_payload_that_does_not_validate_is_refused(tmp_path, key):
    data = json.loads((EXAMPLES / "vitnemaal-studiespesialisering.json").read_text())
    data["dokumenterer"][1]["karakter"] = "7"
    payload = tmp_path / "bad.json"
    payload.write_text(json.dumps(data, ensure_ascii=False))
    with pytest.raises(NotSignableError, match="does not validate") as caught:
        unsigned_credential(payload)
    assert caught.value.report is not None and not caught.value.report.conforms


def test_a_withdrawn_document_is_not_signed_again(tmp_path):
    data = json.loads((EXAMPLES / "vitnemaal-studiespesialisering.json").read_text())
    data["dokumentstatus"] = "annullert"
    payload = tmp_path / "annullert.json"
    payload.write_text(json.dumps(data, ensure_ascii=False))
    with pytest.raises(NotSignableError, match="annullert"):
        unsigned_credential(payload)


def test_the_elm_form_signs_and_verifies(key):
    contexts = load_contexts()
    missing = [u for u in (EDC_CONTEXT, "https://w3id.org/security/data-integrity/v2") if u not in contexts.documents]
    if missing:
        pytest.skip(f"the ELM form needs {missing} locally")
    unsigned = unsigned_credential(EXAMPLES / "vitnemaal-studiespesialisering.json", form="elm")
    assert unsigned.document["@context"][-1] == "https://w3id.org/security/data-integrity/v2"
    document, _ = sign_credential(unsigned.document, key, contexts)
    trust = add_to_trust_list(TrustList(), key.public, issuer_id=document["issuer"]["id"], name=None, organisation_numbers=[])
    assert verify_credential(document, contexts, trust=trust, at=SOON).valid
    tampered = copy.deepcopy(document)
    tampered["credentialSubject"]["givenName"]["nb"] = "Marte"
    assert verify_credential(tampered, contexts, trust=trust, at=SOON).reason == "tampered"
    tampered = copy.deepcopy(document)
    tampered["credentialSubject"]["nickname"] = "added"  # not defined by the v1 and EDC contexts: would be dropped
    assert verify_credential(tampered, contexts, trust=trust, at=SOON).reason == "tampered"


def test_the_elm_form_without_its_contexts_is_one_clear_error(tmp_path, capsys, monkeypatch):
    """From an installed wheel the VC 1.1 and EDC contexts are missing (no PyPI package ships them):
    `sign --form elm` stops before any work with one line naming each context and how to supply it."""
    key_file = tmp_path / "key.json"
    assert main(["keys", "new", "-o", str(key_file)]) == 0
    monkeypatch.setenv("SAMTBU_ANCHORS", str(tmp_path / "no-anchors"))
    monkeypatch.delenv("SAMTBU_CONTEXTS", raising=False)
    capsys.readouterr()
    payload = str(EXAMPLES / "vitnemaal-studiespesialisering.json")
    for command in (["sign", payload], ["sign", "--batch", payload, "-o", str(tmp_path / "out.ndjson")]):
        assert main([*command, "--key", str(key_file), "--form", "elm"]) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1, err
        assert "https://www.w3.org/2018/credentials/v1" in err and "@digitalbazaar/credentials-context" in err
        assert "--contexts DIR" in err and "nothing is fetched" in err
    assert not (tmp_path / "out.ndjson").exists()


def test_the_elm_form_signs_with_contexts_from_a_folder_the_user_names(tmp_path, capsys, monkeypatch, anchors):
    """The user's copies of the VC 1.1 and EDC contexts (here copied from the anchors) in a --contexts folder."""
    from samtbu.credential.contexts import CREDENTIALS_V1

    sources = load_contexts().sources
    if CREDENTIALS_V1 not in sources or EDC_CONTEXT not in sources:
        pytest.skip(f"the VC 1.1 and EDC contexts are not in {anchors} (ob3/, elm/)")
    folder = tmp_path / "contexts"
    folder.mkdir()
    for url in (CREDENTIALS_V1, EDC_CONTEXT):
        (folder / sources[url].name).write_bytes(sources[url].read_bytes())
    key_file, out = tmp_path / "key.json", tmp_path / "elm.json"
    assert main(["keys", "new", "-o", str(key_file)]) == 0
    monkeypatch.setenv("SAMTBU_ANCHORS", str(tmp_path / "no-anchors"))
    payload = str(EXAMPLES / "vitnemaal-studiespesialisering.json")
    assert main(["sign", payload, "--key", str(key_file), "--form", "elm", "--contexts", str(folder), "-o", str(out)]) == 0
    capsys.readouterr()
    assert main(["verify", str(out), "--contexts", str(folder), "--at", "2026-08-01T00:00:00Z", "--format", "json"]) == 1
    checks = json.loads(capsys.readouterr().out)
    assert checks["reason"] == "unknown-issuer"  # no trust list names the issuer's key, but the signature verifies
    assert {c["check"]: c["ok"] for c in checks["checks"]}["signature"] is True


def test_a_signed_ob3_credential_still_passes_the_ob3_json_schema(signed, key):
    from samtbu.crosswalk.ob3 import schema_path, validate_ob3

    if not schema_path().is_file():
        pytest.skip(f"the OB 3.0 JSON Schema is not at {schema_path()} (set SAMTBU_ANCHORS)")
    for name, document in signed.items():
        assert validate_ob3(document) == [], name
    status_list, _ = add_proof(new_list_credential("https://skole.example/status/9", ISSUER, valid_from="2026-06-01T00:00:00Z"),
                               key, load_contexts())
    unsigned = unsigned_credential(EXAMPLES / "fagbrev-elektriker.json")
    with_status, _ = sign_credential(unsigned.document, key, load_contexts(), status_list=status_list,
                                     register=Register(Path("unused.index.json"), status_list["id"], MIN_ENTRIES))
    assert validate_ob3(with_status) == []


def test_the_issuer_is_matched_by_organisation_number(contexts, signed, key):
    document = signed["vitnemaal-studiespesialisering"]
    by_number = add_to_trust_list(TrustList(), key.public, issuer_id=None, name=None, organisation_numbers=["994123750"])
    assert verify_credential(document, contexts, trust=by_number, at=SOON).valid
    other = add_to_trust_list(TrustList(), key.public, issuer_id=None, name=None, organisation_numbers=["974567890"])
    assert verify_credential(document, contexts, trust=other, at=SOON).reason == "unknown-issuer"
    stranger = add_to_trust_list(TrustList(), SigningKey.generate().public, issuer_id=ISSUER, name=None, organisation_numbers=[])
    result = verify_credential(document, contexts, trust=stranger, at=SOON)
    assert result.reason == "unknown-issuer" and "not one of the issuer's keys" in result.message


def test_an_issuer_that_is_its_did_key_needs_no_trust_list(contexts, key):
    document = {"@context": [CREDENTIALS_V2], "id": "urn:uuid:3e6b1f2a-0d8c-5b7e-9a41-2c6d8e0f1a3b",
                "type": ["VerifiableCredential"], "issuer": key.did, "validFrom": "2026-06-19T00:00:00Z",
                "credentialSubject": {"id": "urn:uuid:c42096c3-3479-5bf0-b097-f694c472bc65"}}
    signed_doc, _ = add_proof(document, key, contexts)
    assert verify_credential(signed_doc, contexts, at=SOON).valid


# -- tampering -----------------------------------------------------------------------------------------


def _verdict(document, contexts, trust) -> str | None:
    return verify_credential(document, contexts, trust=trust, at=SOON).reason


def test_tampering_fails_with_the_right_reason(contexts, signed, key):
    trust = _trust_for(key, signed)
    original = signed["vitnemaal-studiespesialisering"]
    assert _verdict(original, contexts, trust) is None

    grade = copy.deepcopy(original)
    result = grade["credentialSubject"]["result"][0]
    result["value"] = "6" if result["value"] != "6" else "5"
    assert _verdict(grade, contexts, trust) == "tampered"

    date = copy.deepcopy(original)
    date["awardedDate"] = "2026-06-13T00:00:00Z"
    assert _verdict(date, contexts, trust) == "tampered"

    name = copy.deepcopy(original)
    identity = name["credentialSubject"]["identifier"][0]
    identity["identityHash"] = identity["identityHash"][:-1] + ("0" if identity["identityHash"][-1] != "0" else "1")
    assert _verdict(name, contexts, trust) == "tampered"

    added_known = copy.deepcopy(original)
    added_known["credentialSubject"]["achievement"]["version"] = "2"
    assert _verdict(added_known, contexts, trust) == "tampered"

    added_unknown = copy.deepcopy(original)
    added_unknown["credentialSubject"]["tilleggspoeng"] = 4
    result = verify_credential(added_unknown, contexts, trust=trust, at=SOON)
    assert result.reason == "tampered" and "tilleggspoeng" in result.message

    swapped = copy.deepcopy(signed["vitnemaal-yrkeskompetanse"])
    swapped["proof"] = copy.deepcopy(original["proof"])
    assert _verdict(swapped, contexts, trust) == "tampered"


def test_reordered_json_keys_still_verify(contexts, signed, key):
    trust = _trust_for(key, signed)

    def reverse(node):
        if isinstance(node, dict):
            return {k: reverse(node[k]) for k in reversed(list(node))}
        if isinstance(node, list):
            return [reverse(v) for v in node]
        return node

    document = reverse(signed["vitnemaal-studiespesialisering"])
    assert list(document)[0] == "proof"
    assert _verdict(document, contexts, trust) is None
    compact = json.loads(json.dumps(signed["fagbrev-elektriker"], separators=(",", ":")))
    assert _verdict(compact, contexts, trust) is None


def test_validity_dates(contexts, key):
    base = {"@context": [CREDENTIALS_V2], "id": "urn:uuid:9b2f4c1e-7a3d-5e8f-b6c0-1d2e3f4a5b6c", "type": ["VerifiableCredential"],
            "issuer": key.did, "validFrom": "2026-06-19T00:00:00Z", "validUntil": "2031-06-19T00:00:00Z",
            "credentialSubject": {"id": "urn:uuid:c42096c3-3479-5bf0-b097-f694c472bc65"}}
    document, _ = add_proof(base, key, contexts)
    assert verify_credential(document, contexts, at=SOON).valid
    assert verify_credential(document, contexts, at=datetime(2032, 1, 1, tzinfo=timezone.utc)).reason == "expired"
    assert verify_credential(document, contexts, at=datetime(2026, 1, 1, tzinfo=timezone.utc)).reason == "not-yet-valid"
    purpose = copy.deepcopy(base)
    purpose, _ = add_proof(purpose, key, contexts, proof_purpose="authentication")
    assert verify_credential(purpose, contexts, at=SOON).reason == "wrong-proof-purpose"


# -- status lists ------------------------------------------------------------------------------------------


def test_bitstring_encoding():
    bits = bytearray(MIN_ENTRIES // 8)
    set_bit(bits, 0, True)
    set_bit(bits, 94567, True)
    assert bits[0] == 0x80  # index 0 is the left-most bit
    decoded = decode_list(encode_list(bits))
    assert get_bit(decoded, 0) and get_bit(decoded, 94567) and not get_bit(decoded, 1)
    assert encode_list(bits).startswith("u") and encode_list(bits) == encode_list(bits)
    from samtbu.credential.status import StatusListError

    with pytest.raises(StatusListError, match="fewer"):
        decode_list(encode_list(bytearray(100)))


def test_revoked_credential_fails_with_revoked(tmp_path, contexts, key, signed):
    trust = _trust_for(key, signed)
    list_path = tmp_path / "status.json"
    status_list, _ = add_proof(new_list_credential("https://skole.example/status/2026", ISSUER, valid_from="2026-06-01T00:00:00Z"),
                               key, contexts)
    register = Register.for_list(list_path, status_list)
    unsigned = unsigned_credential(EXAMPLES / "vitnemaal-studiespesialisering.json")
    document, _ = sign_credential(unsigned.document, key, contexts, status_list=status_list, register=register)
    entry = document["credentialStatus"]
    assert entry["type"] == "BitstringStatusListEntry" and entry["statusListCredential"] == status_list["id"]
    assert verify_credential(document, contexts, trust=trust, status_lists=[status_list], at=SOON).valid
    assert verify_credential(document, contexts, trust=trust, at=SOON).reason == "status-unknown"

    bits = decode_list(status_list["credentialSubject"]["encodedList"])
    set_bit(bits, int(entry["statusListIndex"]), True)
    revoked = {k: v for k, v in status_list.items() if k != "proof"}
    revoked["credentialSubject"] = {**revoked["credentialSubject"], "encodedList": encode_list(bits)}
    revoked, _ = add_proof(revoked, key, contexts)
    result = verify_credential(document, contexts, trust=trust, status_lists=[revoked], at=SOON)
    assert result.reason == "revoked" and result.message.startswith("revoked")

    forged = copy.deepcopy(status_list)  # a list someone changed after signing: it cannot clear a revocation
    forged["credentialSubject"]["encodedList"] = revoked["credentialSubject"]["encodedList"]
    assert verify_credential(document, contexts, trust=trust, status_lists=[forged], at=SOON).reason == "status-unknown"

    stranger = SigningKey.generate()
    other_issuer = {k: v for k, v in status_list.items() if k != "proof"}
    other_issuer["issuer"] = stranger.did
    other_issuer, _ = add_proof(other_issuer, stranger, contexts)
    assert verify_credential(document, contexts, trust=trust, status_lists=[other_issuer], at=SOON).reason == "status-unknown"


# -- the command line -----------------------------------------------------------------------------------------


def test_cli_sign_verify_status_exit_codes(tmp_path, capsys, contexts):
    key_file, trust_file, list_file = tmp_path / "key.json", tmp_path / "trust.json", tmp_path / "status.json"
    assert main(["keys", "new", "-o", str(key_file), "--trust-list", str(trust_file), "--orgnr", "994123750",
                 "--name", "Lyngvik videregående skole"]) == 0
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    parse_trust_list(json.loads(trust_file.read_text()))
    assert main(["status", "new", str(list_file), "--url", "https://skole.example/status/1", "--issuer", ISSUER,
                 "--key", str(key_file)]) == 0
    out = tmp_path / "vm.json"
    payload = EXAMPLES / "vitnemaal-studiespesialisering.json"
    assert main(["sign", str(payload), "--key", str(key_file), "-o", str(out), "--status-list", str(list_file)]) == 0
    capsys.readouterr()
    verify = ["verify", str(out), "--trust-list", str(trust_file), "--status-list", str(list_file), "--at", "2026-08-01T00:00:00Z"]
    assert main(verify + ["--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["valid"] is True
    assert main(["verify", str(out), "--at", "2026-08-01T00:00:00Z", "--skip-status"]) == 1
    assert "unknown issuer" in capsys.readouterr().out

    # the model's document status decides the bit: annullert -> revoked
    record = json.loads(payload.read_text())
    record["dokumentstatus"] = "annullert"
    (tmp_path / "records").mkdir()
    (tmp_path / "records" / "vm.json").write_text(json.dumps(record, ensure_ascii=False))
    assert main(["status", "update", str(list_file), "--records", str(tmp_path / "records"), "--key", str(key_file)]) == 0
    capsys.readouterr()
    assert main(verify) == 1
    assert "revoked" in capsys.readouterr().out
    assert main(["status", "reinstate", str(list_file), str(out), "--key", str(key_file)]) == 0
    assert main(verify) == 0

    tampered = tmp_path / "tampered.json"
    document = json.loads(out.read_text())
    document["credentialSubject"]["result"][0]["value"] = "1"
    tampered.write_text(json.dumps(document, ensure_ascii=False))
    assert main(verify[:1] + [str(tampered)] + verify[2:]) == 1
    assert "tampered" in capsys.readouterr().out

    (tmp_path / "broken.json").write_text("{ not json")
    assert main(["verify", str(tmp_path / "broken.json")]) == 2
    assert main(["verify", str(tmp_path / "missing.json")]) == 2
    capsys.readouterr()

    bad = json.loads(payload.read_text())
    bad["dokumenterer"][1]["karakter"] = "9"
    (tmp_path / "bad.json").write_text(json.dumps(bad, ensure_ascii=False))
    assert main(["sign", str(tmp_path / "bad.json"), "--key", str(key_file), "-o", str(tmp_path / "x.json")]) == 1
    err = capsys.readouterr().err
    assert "does not validate" in err and not (tmp_path / "x.json").exists()
    assert "14830751220" not in err  # identity numbers never in full in a report
    key_file.chmod(0o644)
    assert main(["sign", str(payload), "--key", str(key_file)]) == 2


def test_cli_batch_signs_on_every_core(tmp_path, capsys, contexts):
    key_file = tmp_path / "key.json"
    assert main(["keys", "new", "-o", str(key_file), "--trust-list", str(tmp_path / "trust.json"), "--orgnr", "994123750"]) == 0
    lines = []
    for name in DOCUMENT_EXAMPLES + ["karakterutskrift-vg2", "enkeltresultat"]:
        lines.append(json.dumps(json.loads((EXAMPLES / f"{name}.json").read_text()), ensure_ascii=False))
    (tmp_path / "in.ndjson").write_text("\n".join(lines) + "\n")
    out = tmp_path / "out.ndjson"
    assert main(["sign", "--batch", str(tmp_path / "in.ndjson"), "--key", str(key_file), "-o", str(out), "--jobs", "2"]) == 1
    err = capsys.readouterr().err
    assert '"signed": 4' in err and '"refused": 2' in err  # the karakterutskrift (no OB 3.0 form) and the enkeltresultat
    documents = [json.loads(line) for line in out.read_text().splitlines()]
    assert [d["id"] for d in documents] == [json.loads(line)["id"] for line in lines[:4]]  # input order kept
    trust = TrustList()
    for d in documents:
        add_to_trust_list(trust, read_private_key(key_file).public, issuer_id=d["issuer"]["id"], name=None, organisation_numbers=[])
    assert all(verify_credential(d, contexts, trust=trust, at=SOON).valid for d in documents)


def test_no_key_material_in_files_others_can_read(tmp_path):
    """Whatever the CLI writes besides the key file is public material."""
    key_file = tmp_path / "key.json"
    main(["keys", "new", "-o", str(key_file), "--trust-list", str(tmp_path / "trust.json"), "--orgnr", "994123750"])
    secret = json.loads(key_file.read_text())["privateKeyMultibase"]
    for path in tmp_path.iterdir():
        if path != key_file:
            assert secret not in path.read_text()
    assert os.stat(key_file).st_mode & 0o077 == 0


def test_a_verification_method_that_only_the_trust_list_knows(contexts, key):
    """A key published under the issuer's own id (not a did:key) resolves from the trust list only."""
    method = "https://skole.example/issuer#key-2026"
    unsigned = unsigned_credential(EXAMPLES / "fagbrev-elektriker.json")
    document, _ = sign_credential(unsigned.document, key, contexts, verification_method=method)
    assert document["proof"][0]["verificationMethod"] == method
    trust = parse_trust_list({"type": "SamtbuTrustList", "version": 1, "issuers": [
        {"id": document["issuer"]["id"], "keys": [{"id": method, "publicKeyJwk": key.public_info()["publicKeyJwk"]}]}]})
    assert verify_credential(document, contexts, trust=trust, at=SOON).valid
    result = verify_credential(document, contexts, at=SOON)
    assert result.reason == "unknown-issuer" and "nothing is fetched" in result.message
