"""A local trust list: which issuers a verifier accepts, and their public keys. No network.

The file is JSON (``samtbu keys trust`` writes it):

.. code-block:: json

    {"type": "SamtbuTrustList", "version": 1,
     "issuers": [{"id": "https://skole.example/issuer", "name": "Lyngvik videregående skole",
                  "organisasjonsnummer": ["994123750"],
                  "keys": [{"id": "did:key:z6Mk…#z6Mk…", "publicKeyMultibase": "z6Mk…"}]}]}

An issuer is matched by the credential's issuer id or by one of its organisation numbers (as the
credential states it: OB 3.0 ``otherIdentifier`` of type ``ext:organisasjonsnummer``, EDC
``registration``). A key is given as ``publicKeyMultibase``, ``publicKeyJwk`` or ``publicKeyPem``;
its ``id`` is the verification method it is published as (a did:key needs none: it names its key).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from samtbu.credential.keys import (KeyFileError, did_key_verification_method, public_key_from_did_key,
                                    public_key_from_jwk, public_key_from_text, public_key_multibase)
from samtbu.errors import SamtbuError

TRUST_LIST_TYPE = "SamtbuTrustList"


class TrustListError(SamtbuError):
    """A trust list file that cannot be read."""


@dataclass
class TrustedKey:
    public: Ed25519PublicKey
    id: str | None = None

    def matches(self, verification_method: str) -> bool:
        if self.id is not None and self.id == verification_method:
            return True
        if verification_method.startswith("did:key:"):
            try:
                return public_key_multibase(public_key_from_did_key(verification_method)) == public_key_multibase(self.public)
            except KeyFileError:
                return False
        return False


@dataclass
class TrustedIssuer:
    id: str | None
    name: str | None = None
    organisation_numbers: list[str] = field(default_factory=list)
    keys: list[TrustedKey] = field(default_factory=list)


@dataclass
class TrustList:
    issuers: list[TrustedIssuer] = field(default_factory=list)
    source: str = "<trust list>"

    def issuers_for(self, issuer_id: str | None, organisation_numbers: list[str]) -> list[TrustedIssuer]:
        return [i for i in self.issuers
                if (issuer_id is not None and i.id == issuer_id) or set(organisation_numbers) & set(i.organisation_numbers)]

    def key_for(self, verification_method: str) -> Ed25519PublicKey | None:
        """A key listed under any issuer with this verification method id (to check a signature)."""
        for issuer in self.issuers:
            for key in issuer.keys:
                if key.id == verification_method:
                    return key.public
        return None

    def to_json(self) -> dict:
        return {"type": TRUST_LIST_TYPE, "version": 1, "issuers": [
            {k: v for k, v in (("id", i.id), ("name", i.name), ("organisasjonsnummer", i.organisation_numbers or None),
                               ("keys", [{k2: v2 for k2, v2 in (("id", key.id), ("publicKeyMultibase", public_key_multibase(key.public)))
                                          if v2 is not None} for key in i.keys])) if v is not None}
            for i in self.issuers]}


def _key(entry: dict, where: str) -> TrustedKey:
    try:
        if "publicKeyMultibase" in entry:
            public = public_key_from_text(entry["publicKeyMultibase"])
        elif "publicKeyJwk" in entry:
            public = public_key_from_jwk(entry["publicKeyJwk"])
        elif "publicKeyPem" in entry:
            public = public_key_from_text(entry["publicKeyPem"])
        elif str(entry.get("id", "")).startswith("did:key:"):
            public = public_key_from_did_key(entry["id"])
        else:
            raise TrustListError("a key needs publicKeyMultibase, publicKeyJwk or publicKeyPem", where=where)
    except KeyFileError as exc:
        raise TrustListError(exc.message, where=where) from None
    return TrustedKey(public, entry.get("id"))


def parse_trust_list(data: dict, source: str = "<trust list>") -> TrustList:
    if not isinstance(data, dict) or data.get("type") != TRUST_LIST_TYPE or not isinstance(data.get("issuers"), list):
        raise TrustListError(f"not a trust list (a JSON object with \"type\": \"{TRUST_LIST_TYPE}\" and \"issuers\")", where=source)
    issuers = []
    for i, entry in enumerate(data["issuers"]):
        where = f"{source}: /issuers/{i}"
        if not isinstance(entry, dict):
            raise TrustListError("an issuer must be an object", where=where)
        numbers = entry.get("organisasjonsnummer", [])
        numbers = [numbers] if isinstance(numbers, str) else numbers
        if not entry.get("id") and not numbers:
            raise TrustListError("an issuer needs an id or an organisasjonsnummer", where=where)
        keys = [_key(k, f"{where}/keys/{j}") for j, k in enumerate(entry.get("keys", [])) if isinstance(k, dict)]
        if not keys:
            raise TrustListError("an issuer needs at least one key", where=where)
        issuers.append(TrustedIssuer(entry.get("id"), entry.get("name"), [str(n) for n in numbers], keys))
    return TrustList(issuers, source)


def read_trust_list(path: Path) -> TrustList:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TrustListError(f"cannot read the trust list: {exc.strerror or exc}", where=str(path)) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise TrustListError(f"the trust list is not valid JSON: {exc}", where=str(path)) from None
    return parse_trust_list(data, str(path))


def add_to_trust_list(trust: TrustList, public: Ed25519PublicKey, *, issuer_id: str | None, name: str | None,
                      organisation_numbers: list[str], key_id: str | None = None) -> TrustList:
    """The trust list with this key added to the issuer (matched by id or organisation number) or a new one."""
    key = TrustedKey(public, key_id or did_key_verification_method(public))
    for issuer in trust.issuers_for(issuer_id, organisation_numbers):
        if not any(public_key_multibase(k.public) == public_key_multibase(public) for k in issuer.keys):
            issuer.keys.append(key)
        issuer.organisation_numbers = sorted(set(issuer.organisation_numbers) | set(organisation_numbers))
        issuer.name = issuer.name or name
        issuer.id = issuer.id or issuer_id
        return trust
    trust.issuers.append(TrustedIssuer(issuer_id, name, organisation_numbers, [key]))
    return trust


__all__ = ["TrustList", "TrustedIssuer", "TrustedKey", "TrustListError", "read_trust_list", "parse_trust_list",
           "add_to_trust_list", "TRUST_LIST_TYPE"]
