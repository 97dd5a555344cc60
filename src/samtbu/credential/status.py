"""W3C Bitstring Status List v1.0: withdrawn and replaced documents, published as one signed list.

- The list is a credential (``BitstringStatusListCredential``) whose subject carries ``encodedList``:
  the bitstring, GZIP-compressed, as multibase base64url (``u``…). Bit 0 is the left-most bit of the
  first byte; a set bit means the purpose (``revocation`` or ``suspension``) applies. The list has
  at least 131,072 entries (16 KiB), as the specification requires for group privacy.
- A signed document carries a ``credentialStatus`` entry (``BitstringStatusListEntry``) with its
  index and the list's URL. Indexes are drawn at random (not in issuing order, which would tell when
  a document was issued) and kept in the issuer's register beside the list (``LIST.index.json``).
- The model's document status maps onto it: ``annullert`` and ``erstattet`` set the revocation bit,
  ``gyldig`` clears it (``samtbu status update --records``).

A verifier reads the list from a local copy (``samtbu verify --status-list FILE``); nothing is fetched.
"""

from __future__ import annotations

import base64
import gzip
import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from samtbu.credential.contexts import CREDENTIALS_V2
from samtbu.errors import SamtbuError

MIN_ENTRIES = 131_072
PURPOSES = ("revocation", "suspension")
LIST_TYPE = "BitstringStatusListCredential"
ENTRY_TYPE = "BitstringStatusListEntry"
REVOKING_DOCUMENT_STATUS = ("annullert", "erstattet")


class StatusListError(SamtbuError):
    """A status list that cannot be made, read or used."""


def encode_list(bits: bytes | bytearray) -> str:
    # mtime=0: the same bitstring always encodes to the same text
    return "u" + base64.urlsafe_b64encode(gzip.compress(bytes(bits), mtime=0)).rstrip(b"=").decode("ascii")


def decode_list(encoded: str) -> bytearray:
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise StatusListError("encodedList is not multibase base64url (it must start with 'u')")
    text = encoded[1:]
    try:
        data = gzip.decompress(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (ValueError, OSError, EOFError) as exc:
        raise StatusListError(f"encodedList cannot be decoded: {exc}") from None
    if len(data) * 8 < MIN_ENTRIES:
        raise StatusListError(f"the status list has {len(data) * 8:,} entries, fewer than the {MIN_ENTRIES:,} required")
    return bytearray(data)


def get_bit(bits: bytes | bytearray, index: int) -> bool:
    if not 0 <= index < len(bits) * 8:
        raise StatusListError(f"status index {index} is outside the list (0–{len(bits) * 8 - 1})")
    return bool(bits[index // 8] >> (7 - index % 8) & 1)


def set_bit(bits: bytearray, index: int, value: bool) -> None:
    get_bit(bits, index)
    mask = 1 << (7 - index % 8)
    bits[index // 8] = bits[index // 8] | mask if value else bits[index // 8] & ~mask


def new_list_credential(url: str, issuer: str | dict, *, purpose: str = "revocation", entries: int = MIN_ENTRIES,
                        valid_from: str) -> dict:
    if purpose not in PURPOSES:
        raise StatusListError(f"unknown status purpose {purpose!r} (use one of: {', '.join(PURPOSES)})")
    if entries < MIN_ENTRIES or entries % 8:
        raise StatusListError(f"a status list needs at least {MIN_ENTRIES:,} entries, a multiple of 8")
    return {
        "@context": [CREDENTIALS_V2],
        "id": url,
        "type": ["VerifiableCredential", LIST_TYPE],
        "issuer": issuer,
        "validFrom": valid_from,
        "credentialSubject": {"id": f"{url}#list", "type": "BitstringStatusList", "statusPurpose": purpose,
                              "encodedList": encode_list(bytearray(entries // 8))},
    }


def list_subject(list_credential: dict) -> dict:
    types = list_credential.get("type", [])
    subject = list_credential.get("credentialSubject")
    if LIST_TYPE not in (types if isinstance(types, list) else [types]) or not isinstance(subject, dict):
        raise StatusListError(f"not a {LIST_TYPE}")
    return subject


def status_entry(list_credential: dict, index: int) -> dict:
    url = list_credential["id"]
    return {"id": f"{url}#{index}", "type": ENTRY_TYPE, "statusPurpose": list_subject(list_credential)["statusPurpose"],
            "statusListIndex": str(index), "statusListCredential": url}


@dataclass
class Register:
    """The issuer's record of which index each credential has in one list (``LIST.index.json``)."""

    path: Path
    list_url: str
    entries: int
    assigned: dict[str, int] = field(default_factory=dict)

    @classmethod
    def for_list(cls, list_path: Path, list_credential: dict) -> Register:
        path = list_path.with_name(list_path.name.removesuffix(".json") + ".index.json")
        entries = len(decode_list(list_subject(list_credential)["encodedList"])) * 8
        if path.is_file():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                assigned = {str(k): int(v) for k, v in data["assigned"].items()}
            except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
                raise StatusListError(f"the status register cannot be read: {exc}", where=str(path)) from None
            if data.get("statusListCredential") != list_credential["id"]:
                raise StatusListError("the register belongs to another status list", where=str(path))
            return cls(path, list_credential["id"], entries, assigned)
        return cls(path, list_credential["id"], entries)

    def index_for(self, credential_id: str) -> int:
        """The credential's index; a new one is drawn at random among the free ones."""
        if credential_id in self.assigned:
            return self.assigned[credential_id]
        used = set(self.assigned.values())
        if len(used) >= self.entries:
            raise StatusListError(f"the status list {self.list_url} is full ({self.entries:,} entries); start another")
        while True:
            index = secrets.randbelow(self.entries)
            if index not in used:
                self.assigned[credential_id] = index
                return index

    def save(self) -> None:
        data = {"statusListCredential": self.list_url, "entries": self.entries, "assigned": dict(sorted(self.assigned.items()))}
        self.path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def entries_of(credential: dict) -> list[dict]:
    status = credential.get("credentialStatus")
    if status is None:
        return []
    items = status if isinstance(status, list) else [status]
    if not all(isinstance(i, dict) for i in items):
        raise StatusListError("credentialStatus is not an object")
    return items


@dataclass
class StatusOutcome:
    state: str  # "valid", "revoked", "suspended", "unknown", "unsupported"
    detail: str = ""


def read_entry(entry: dict, list_credential: dict) -> StatusOutcome:
    """What one ``BitstringStatusListEntry`` says, read from the (already verified) list."""
    try:
        index = int(entry.get("statusListIndex"))
    except (TypeError, ValueError):
        return StatusOutcome("unknown", f"statusListIndex {entry.get('statusListIndex')!r} is not a number")
    subject = list_subject(list_credential)
    purpose = entry.get("statusPurpose")
    if subject.get("statusPurpose") != purpose:
        return StatusOutcome("unknown", f"the entry's purpose {purpose!r} differs from the list's {subject.get('statusPurpose')!r}")
    bits = decode_list(subject.get("encodedList"))
    if get_bit(bits, index):
        return StatusOutcome("revoked" if purpose == "revocation" else "suspended",
                             f"{purpose} set at index {index} of {list_credential.get('id')}")
    return StatusOutcome("valid", f"index {index} of {list_credential.get('id')} not set")


__all__ = ["encode_list", "decode_list", "get_bit", "set_bit", "new_list_credential", "status_entry", "Register",
           "entries_of", "read_entry", "StatusOutcome", "StatusListError", "MIN_ENTRIES", "PURPOSES", "ENTRY_TYPE",
           "LIST_TYPE", "REVOKING_DOCUMENT_STATUS", "list_subject"]
