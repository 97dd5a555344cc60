"""Verify a signed credential offline: proof, key, issuer, dates and status, with one reason.

The checks, in the order their failures are reported:

1. ``proof``: present, ``DataIntegrityProof`` with ``eddsa-rdfc-2022`` (else *unsupported proof*);
2. ``purpose``: ``assertionMethod`` (else *wrong proof purpose*);
3. ``key``: the verification method resolves to a public key, from the ``did:key`` itself or from
   the trust list (else *unknown issuer*);
4. ``signature``: the canonical form and hashes of the document as it is now match the signature
   (else *tampered*, also for content no context defines);
5. ``issuer``: the key belongs to the credential's issuer: in the trust list (by issuer id or
   organisation number) when one is given, otherwise the issuer is the did:key itself (else
   *unknown issuer*);
6. ``validity``: ``validFrom``/``validUntil`` (VC 2.0), ``issuanceDate``/``expirationDate`` (VC 1.1)
   and the proof's ``expires`` hold at the time of checking (else *expired* or *not yet valid*);
7. ``status``: each ``credentialStatus`` entry is read from a local copy of its status list, which
   must itself verify and come from the same issuer (else *revoked*, *suspended*, or *status unknown*
   when no usable copy is given).

Exit codes of ``samtbu verify``: 0 valid, 1 invalid (with the reason), 2 unreadable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, UTC

from samtbu.credential.contexts import ContextSet
from samtbu.credential.dataintegrity import CRYPTOSUITE, PROOF_TYPE, ProofError, proofs_of, verify_proof
from samtbu.credential.keys import KeyFileError, public_key_from_did_key, public_key_multibase
from samtbu.credential.status import StatusListError, entries_of, read_entry
from samtbu.credential.trust import TrustList

# Reason codes, most important first, with the text a person reads.
REASONS = {
    "not-signed": "the document has no proof",
    "unsupported-proof": f"the proof is not a {PROOF_TYPE} with {CRYPTOSUITE}",
    "wrong-proof-purpose": "the proof is not made for assertions (assertionMethod)",
    "tampered": "tampered: the content does not match the signature",
    "unknown-issuer": "unknown issuer: the signing key is not known to belong to the issuer",
    "revoked": "revoked: the issuer has withdrawn the document",
    "suspended": "suspended: the issuer has suspended the document",
    "expired": "expired",
    "not-yet-valid": "not yet valid",
    "status-unknown": "status unknown: the document's status list could not be checked",
}
REASON_LABELS_NB = {
    "not-signed": "ikke signert", "unsupported-proof": "ukjent signaturtype", "wrong-proof-purpose": "feil signaturformål",
    "tampered": "endret etter signering", "unknown-issuer": "ukjent utsteder", "revoked": "trukket tilbake",
    "suspended": "midlertidig ugyldig", "expired": "utløpt", "not-yet-valid": "ikke gyldig ennå",
    "status-unknown": "status ukjent",
}


@dataclass
class Check:
    name: str
    ok: bool | None  # None: not run (skipped, or not applicable)
    detail: str = ""

    def as_dict(self) -> dict:
        return {"check": self.name, "ok": self.ok, "detail": self.detail}


@dataclass
class Verification:
    checks: list[Check] = field(default_factory=list)
    reason: str | None = None
    credential_id: str | None = None
    issuer: str | None = None
    types: list[str] = field(default_factory=list)
    verification_method: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.reason is None

    @property
    def exit_code(self) -> int:
        return 0 if self.valid else 1

    @property
    def message(self) -> str:
        if self.valid:
            return "valid"
        failed = next((c for c in self.checks if c.ok is False), None)
        text = REASONS[self.reason]
        return f"{text} ({failed.detail})" if failed and failed.detail else text

    def fail(self, reason: str, check: str, detail: str) -> None:
        self.checks.append(Check(check, False, detail))
        if self.reason is None or list(REASONS).index(reason) < list(REASONS).index(self.reason):
            self.reason = reason

    def as_dict(self) -> dict:
        return {"valid": self.valid, "reason": self.reason, "message": self.message, "id": self.credential_id,
                "issuer": self.issuer, "type": self.types, "verificationMethod": self.verification_method,
                "checks": [c.as_dict() for c in self.checks], "warnings": self.warnings}


def issuer_id(credential: dict) -> str | None:
    issuer = credential.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def organisation_numbers(credential: dict) -> list[str]:
    """The issuer's organisation numbers as the credential states them (OB 3.0 or EDC form)."""
    issuer = credential.get("issuer")
    if not isinstance(issuer, dict):
        return []
    numbers = []
    for entry in issuer.get("otherIdentifier") or []:
        if isinstance(entry, dict) and str(entry.get("identifierType", "")).endswith("organisasjonsnummer"):
            numbers.append(str(entry.get("identifier")))
    registrations = issuer.get("registration")
    for entry in registrations if isinstance(registrations, list) else [registrations]:
        if isinstance(entry, dict) and entry.get("schemeName") == "organisasjonsnummer" and entry.get("notation"):
            numbers.append(str(entry["notation"]))
    return numbers


def parse_time(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _check_dates(credential: dict, proof: dict, at: datetime, result: Verification) -> None:
    starts = [(k, credential.get(k)) for k in ("validFrom", "issuanceDate") if k in credential]
    ends = [(k, credential.get(k)) for k in ("validUntil", "expirationDate") if k in credential]
    if "expires" in proof:
        ends.append(("proof.expires", proof["expires"]))
    for name, value in starts + ends:
        if parse_time(value) is None:
            result.fail("tampered", "validity", f"{name} {value!r} is not a date and time")
            return
    for name, value in starts:
        if parse_time(value) > at:
            result.fail("not-yet-valid", "validity", f"{name} is {value}")
            return
    for name, value in ends:
        if parse_time(value) < at:
            result.fail("expired", "validity", f"{name} was {value}")
            return
    result.checks.append(Check("validity", True, f"valid at {at.strftime('%Y-%m-%dT%H:%M:%SZ')}"))


def _resolve_key(verification_method: str, trust: TrustList | None):
    if verification_method.startswith("did:key:"):
        return public_key_from_did_key(verification_method), "did:key"
    if trust is not None:
        key = trust.key_for(verification_method)
        if key is not None:
            return key, trust.source
    return None, None


def _issuer_bound(credential: dict, verification_method: str, public_key, trust: TrustList | None,
                  numbers: list[str]) -> tuple[bool, str]:
    issuer = issuer_id(credential)
    if trust is not None:
        entries = trust.issuers_for(issuer, organisation_numbers(credential) + numbers)
        if not entries:
            return False, f"the issuer {issuer} is not in the trust list {trust.source}"
        wanted = public_key_multibase(public_key)
        for entry in entries:
            if any(public_key_multibase(k.public) == wanted and (k.id is None or k.id == verification_method
                                                                  or verification_method.startswith("did:key:"))
                   for k in entry.keys):
                return True, f"{entry.name or entry.id} in {trust.source}"
        return False, f"the key {verification_method} is not one of the issuer's keys in {trust.source}"
    controller = verification_method.split("#", 1)[0]
    if controller.startswith("did:key:") and issuer == controller:
        return True, "the issuer is the did:key that signed"
    return False, (f"the issuer {issuer} is not the controller of {controller}; "
                   "give a trust list that names the issuer's key (--trust-list)")


def verify_credential(credential: dict, contexts: ContextSet, *, trust: TrustList | None = None,
                      status_lists: list[dict] | None = None, at: datetime | None = None, engine: str = "oxigraph",
                      check_status: bool = True, same_issuer_as: dict | None = None) -> Verification:
    """All checks on one credential; ``Verification.reason`` is None when it is valid. A status list
    is checked with ``same_issuer_as`` the credential it serves: its issuer has the same id, so the
    organisation numbers that credential states identify it in the trust list too."""
    at = at or datetime.now(UTC)
    types = credential.get("type", [])
    result = Verification(credential_id=credential.get("id") if isinstance(credential.get("id"), str) else None,
                          issuer=issuer_id(credential), types=types if isinstance(types, list) else [types])
    try:
        proofs = proofs_of(credential)
    except ProofError as exc:
        result.fail("not-signed", "proof", exc.message)
        return result
    numbers = organisation_numbers(same_issuer_as) if same_issuer_as and issuer_id(same_issuer_as) == result.issuer else []
    for proof in proofs:
        _verify_one(credential, proof, contexts, trust, result, engine, numbers)
    _check_dates(credential, proofs[0], at, result)
    if check_status:
        _check_status(credential, contexts, trust, status_lists or [], engine, result)
    return result


def _verify_one(credential, proof, contexts, trust, result: Verification, engine: str, numbers: list[str]) -> None:
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        result.fail("unsupported-proof", "proof", f"type {proof.get('type')!r}, cryptosuite {proof.get('cryptosuite')!r}")
        return
    result.checks.append(Check("proof", True, f"{PROOF_TYPE}, {CRYPTOSUITE}"))
    if proof.get("proofPurpose") != "assertionMethod":
        result.fail("wrong-proof-purpose", "purpose", f"proofPurpose is {proof.get('proofPurpose')!r}")
    else:
        result.checks.append(Check("purpose", True, "assertionMethod"))
    method = proof.get("verificationMethod")
    if isinstance(method, dict):
        method = method.get("id")
    if not isinstance(method, str):
        result.fail("unsupported-proof", "key", "the proof has no verificationMethod")
        return
    result.verification_method = method
    try:
        public_key, source = _resolve_key(method, trust)
    except KeyFileError as exc:
        result.fail("unknown-issuer", "key", f"{method}: {exc.message}")
        return
    if public_key is None:
        result.fail("unknown-issuer", "key", f"{method} is not a did:key and not in a trust list (nothing is fetched)")
        return
    result.checks.append(Check("key", True, f"{method} (from {source})"))
    try:
        check = verify_proof(credential, proof, public_key, contexts, engine=engine)
    except ProofError as exc:
        result.fail("tampered", "signature", exc.message)
        return
    if not check.verified:
        result.fail("tampered", "signature", check.reason or "")
        return
    result.checks.append(Check("signature", True, "the canonical form and hashes match the signature"))
    bound, detail = _issuer_bound(credential, method, public_key, trust, numbers)
    if bound:
        result.checks.append(Check("issuer", True, detail))
    else:
        result.fail("unknown-issuer", "issuer", detail)


def _check_status(credential, contexts, trust, status_lists, engine, result: Verification) -> None:
    try:
        entries = entries_of(credential)
    except StatusListError as exc:
        result.fail("status-unknown", "status", exc.message)
        return
    if not entries:
        result.checks.append(Check("status", None, "the document has no credentialStatus"))
        return
    by_url = {lst.get("id"): lst for lst in status_lists if isinstance(lst, dict)}
    for entry in entries:
        if entry.get("type") != "BitstringStatusListEntry":
            result.fail("status-unknown", "status", f"unsupported status type {entry.get('type')!r}")
            continue
        url = entry.get("statusListCredential")
        list_credential = by_url.get(url)
        if list_credential is None:
            result.fail("status-unknown", "status", f"no local copy of the status list {url} (give it with --status-list)")
            continue
        if issuer_id(list_credential) != issuer_id(credential):
            result.fail("status-unknown", "status", f"the status list {url} has another issuer ({issuer_id(list_credential)})")
            continue
        # the list tells the status now, whatever time the credential's dates are checked at
        list_check = verify_credential(list_credential, contexts, trust=trust, engine=engine, check_status=False,
                                       same_issuer_as=credential)
        if not list_check.valid:
            result.fail("status-unknown", "status", f"the status list {url} does not verify: {list_check.message}")
            continue
        try:
            outcome = read_entry(entry, list_credential)
        except StatusListError as exc:
            result.fail("status-unknown", "status", exc.message)
            continue
        if outcome.state in ("revoked", "suspended"):
            result.fail(outcome.state, "status", outcome.detail)
        elif outcome.state == "valid":
            result.checks.append(Check("status", True, outcome.detail))
        else:
            result.fail("status-unknown", "status", outcome.detail)


__all__ = ["verify_credential", "Verification", "Check", "REASONS", "REASON_LABELS_NB", "issuer_id", "organisation_numbers",
           "parse_time"]
