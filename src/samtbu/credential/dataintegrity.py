"""W3C Data Integrity proofs with the ``eddsa-rdfc-2022`` cryptosuite (vc-di-eddsa v1.0, section 3.3).

Creating a proof, step by step as the specification names them:

1. *proof configuration*: ``type`` DataIntegrityProof, ``cryptosuite``, ``created``,
   ``verificationMethod``, ``proofPurpose``, and the document's ``@context``;
2. *transformation*: the document without ``proof`` and the proof configuration, each canonicalized
   with RDFC-1.0 (``samtbu.credential.canonical``);
3. *hashing*: SHA-256 of each; the data to sign is the proof configuration's hash followed by the
   document's;
4. *serialization*: an Ed25519 signature (``cryptography``) of those 64 bytes, written as multibase
   base58btc in ``proofValue``.

Verification repeats 1-3 from the proof as found (without ``proofValue``) and checks the signature.
Every intermediate value is kept in ``Intermediates`` so the tests can compare each with the W3C test
vectors byte for byte.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, UTC

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from samtbu.credential.canonical import canonicalize
from samtbu.credential.contexts import CREDENTIALS_V2, DATA_INTEGRITY_V2, ContextSet
from samtbu.credential.keys import KeyFileError, SigningKey, multibase_decode, multibase_encode
from samtbu.errors import SamtbuError

CRYPTOSUITE = "eddsa-rdfc-2022"
PROOF_TYPE = "DataIntegrityProof"


class ProofError(SamtbuError):
    """A proof that cannot be made or checked (as opposed to one that does not verify)."""


class UndefinedTermsError(ProofError):
    """Keys or types that no context defines: a signature would not cover them."""

    def __init__(self, terms: list[str], where: str = "document"):
        self.terms = terms
        super().__init__(f"the {where} uses terms that no context defines, so a signature cannot cover them: "
                         + ", ".join(terms[:10]) + (" …" if len(terms) > 10 else ""))


@dataclass
class Intermediates:
    canonical_document: str
    canonical_proof_config: str
    document_hash: bytes
    proof_config_hash: bytes
    signature: bytes | None = None

    @property
    def hash_data(self) -> bytes:
        return self.proof_config_hash + self.document_hash


def now_timestamp() -> str:
    return datetime.now(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def with_data_integrity_context(document: dict) -> dict:
    """A document whose contexts do not define the proof terms (a VC 1.1 credential) gets the Data
    Integrity v2 context added, as the Data Integrity specification asks."""
    ctx = document.get("@context")
    entries = ctx if isinstance(ctx, list) else [ctx]
    if CREDENTIALS_V2 in entries or DATA_INTEGRITY_V2 in entries:
        return document
    return {**document, "@context": [*entries, DATA_INTEGRITY_V2]}


_CONFIG_CACHE_SIZE = 256


def _canonical_config(proof_config: dict, contexts: ContextSet, engine: str):
    """The canonical proof configuration, remembered: a batch signs many documents in the same second
    with the same key, so their configurations are equal (the document's canonical form never is)."""
    cache = contexts.config_cache  # kept with the contexts it was computed from
    key = (json.dumps(proof_config, sort_keys=True, ensure_ascii=False), engine)
    found = cache.get(key)
    if found is None:
        found = canonicalize(proof_config, contexts, engine=engine)
        if len(cache) >= _CONFIG_CACHE_SIZE:
            cache.clear()
        cache[key] = found
    return found


def _transform(document: dict, proof_config: dict, contexts: ContextSet, engine: str) -> Intermediates:
    doc = canonicalize(document, contexts, engine=engine)
    if doc.undefined:
        raise UndefinedTermsError(doc.undefined)
    config = _canonical_config(proof_config, contexts, engine)
    if config.undefined:
        raise UndefinedTermsError(config.undefined, "proof")
    return Intermediates(doc.nquads, config.nquads, hashlib.sha256(doc.nquads.encode("utf-8")).digest(),
                         hashlib.sha256(config.nquads.encode("utf-8")).digest())


def proof_configuration(document: dict, *, verification_method: str, created: str, proof_purpose: str = "assertionMethod",
                        extra: dict | None = None) -> dict:
    config = {"type": PROOF_TYPE, "cryptosuite": CRYPTOSUITE, "created": created,
              "verificationMethod": verification_method, "proofPurpose": proof_purpose, **(extra or {})}
    if "@context" in document:
        config["@context"] = document["@context"]
    return config


def add_proof(document: dict, key: SigningKey, contexts: ContextSet, *, created: str | None = None,
              verification_method: str | None = None, proof_purpose: str = "assertionMethod",
              engine: str = "oxigraph", extra: dict | None = None, proof_set: bool = False) -> tuple[dict, Intermediates]:
    """The document with an ``eddsa-rdfc-2022`` proof added, and the values computed on the way.
    ``proof_set``: write ``proof`` as a list of one proof (the same RDF; the Open Badges 3.0 JSON
    Schema wants the list)."""
    if "proof" in document:
        raise ProofError("the document has a proof already; sign the unsecured document")
    config = proof_configuration(document, verification_method=verification_method or key.verification_method,
                                 created=created or now_timestamp(), proof_purpose=proof_purpose, extra=extra)
    values = _transform(document, config, contexts, engine)
    values.signature = key.sign(values.hash_data)
    proof = {k: v for k, v in config.items() if k != "@context"}
    proof["proofValue"] = multibase_encode(values.signature)
    return {**document, "proof": [proof] if proof_set else proof}, values


@dataclass
class ProofCheck:
    verified: bool
    proof: dict
    values: Intermediates | None = None
    reason: str | None = None  # why it does not verify, in a few words


def proofs_of(document: dict) -> list[dict]:
    proof = document.get("proof")
    if proof is None:
        raise ProofError("the document has no proof")
    proofs = proof if isinstance(proof, list) else [proof]
    if not proofs or not all(isinstance(p, dict) for p in proofs):
        raise ProofError("the proof is not an object")
    return proofs


def verify_proof(document: dict, proof: dict, public_key: Ed25519PublicKey, contexts: ContextSet, *,
                 engine: str = "oxigraph") -> ProofCheck:
    """Check one ``eddsa-rdfc-2022`` proof of ``document`` with ``public_key``."""
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError(f"unsupported proof: type {proof.get('type')!r}, cryptosuite {proof.get('cryptosuite')!r} "
                         f"(this verifier checks {PROOF_TYPE} with {CRYPTOSUITE})")
    value = proof.get("proofValue")
    if not isinstance(value, str):
        raise ProofError("the proof has no proofValue")
    try:
        signature = multibase_decode(value)
    except KeyFileError as exc:
        raise ProofError(f"the proofValue is not valid: {exc.message}") from None
    if len(signature) != 64:
        return ProofCheck(False, proof, None, "the proofValue is not a 64-byte Ed25519 signature")
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    if "@context" in options and options["@context"] != unsecured.get("@context"):
        return ProofCheck(False, proof, None, "the proof's @context differs from the document's")
    if "@context" in unsecured:
        options["@context"] = unsecured["@context"]
    try:
        values = _transform(unsecured, options, contexts, engine)
    except UndefinedTermsError as exc:
        return ProofCheck(False, proof, None, f"content not covered by the signature: {', '.join(exc.terms[:5])}")
    values.signature = signature
    try:
        public_key.verify(signature, values.hash_data)
    except InvalidSignature:
        return ProofCheck(False, proof, values, "the signature does not match the content")
    return ProofCheck(True, proof, values)


__all__ = ["add_proof", "verify_proof", "proofs_of", "proof_configuration", "ProofCheck", "ProofError", "Intermediates",
           "UndefinedTermsError", "with_data_integrity_context", "CRYPTOSUITE", "PROOF_TYPE", "now_timestamp"]
