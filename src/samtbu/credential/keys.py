"""Ed25519 keys for Data Integrity proofs: generate, read, write, and name them as ``did:key``.

Signing and verification are the ``cryptography`` package's; this module only moves keys between
the encodings a user meets:

- **Multikey / multibase** (what the W3C test vectors and ``did:key`` use): ``z`` + base58btc of the
  multicodec prefix and the raw key, ``0xed01`` for an Ed25519 public key, ``0x8026`` for an Ed25519
  secret key (its 32-byte seed). A key file in this form is JSON with ``publicKeyMultibase`` and
  ``privateKeyMultibase`` (as ``keyPair.json`` of the test vectors), or the private multibase alone.
- **JWK** (RFC 8037, ``{"kty": "OKP", "crv": "Ed25519", "x": ..., "d": ...}``).
- **PEM** (PKCS #8 private key, SubjectPublicKeyInfo public key); an encrypted PEM is opened with the
  passphrase in ``SAMTBU_KEY_PASSPHRASE``.

A private key is never printed and never part of a ``repr``; a key file is created with mode 0600
(and refused on reading when others may read it, as ssh does).
"""

from __future__ import annotations

import base64
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

import base58
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from samtbu.errors import SamtbuError

ED25519_PUB = b"\xed\x01"  # multicodec ed25519-pub (varint of 0xed)
ED25519_PRIV = b"\x80\x26"  # multicodec ed25519-priv (varint of 0x1300)
KEY_FORMATS = ("multibase", "jwk", "pem")
MAX_KEY_FILE = 64 * 1024


class KeyFileError(SamtbuError):
    """A key that cannot be read, or a key file that is not safe to use."""


def multibase_encode(data: bytes) -> str:
    return "z" + base58.b58encode(data).decode("ascii")


def multibase_decode(text: str) -> bytes:
    if not isinstance(text, str) or not text.startswith("z"):
        raise KeyFileError("a multibase value must be base58btc (start with 'z')")
    try:
        return base58.b58decode(text[1:])
    except ValueError:
        raise KeyFileError("the multibase value is not valid base58btc") from None


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_multibase(key: Ed25519PublicKey) -> str:
    return multibase_encode(ED25519_PUB + _raw_public(key))


def public_key_from_multibase(text: str) -> Ed25519PublicKey:
    raw = multibase_decode(text)
    if len(raw) != 34 or raw[:2] != ED25519_PUB:
        raise KeyFileError("not an Ed25519 public key in multikey form (0xed01 + 32 bytes)")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def did_key(key: Ed25519PublicKey) -> str:
    return "did:key:" + public_key_multibase(key)


def did_key_verification_method(key: Ed25519PublicKey) -> str:
    """The verification method of a did:key: the DID, '#', and the key's multibase again."""
    fragment = public_key_multibase(key)
    return f"did:key:{fragment}#{fragment}"


def public_key_from_did_key(verification_method: str) -> Ed25519PublicKey:
    """The public key a ``did:key`` (with or without its fragment) stands for; nothing is fetched."""
    did, _, fragment = verification_method.partition("#")
    value = did[len("did:key:"):]
    if not did.startswith("did:key:") or (fragment and fragment != value):
        raise KeyFileError(f"{verification_method!r} is not a did:key verification method")
    return public_key_from_multibase(value)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError):
        raise KeyFileError("a JWK member is not base64url") from None


def public_key_jwk(key: Ed25519PublicKey) -> dict:
    return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(_raw_public(key))}


def public_key_from_jwk(jwk: dict) -> Ed25519PublicKey:
    if not isinstance(jwk, dict) or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or "x" not in jwk:
        raise KeyFileError("the JWK is not an Ed25519 key (kty OKP, crv Ed25519, x)")
    raw = _b64url_decode(jwk["x"])
    if len(raw) != 32:
        raise KeyFileError("the JWK's x is not 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def public_key_from_text(text: str) -> Ed25519PublicKey:
    """A public key as a trust list or a user gives it: multibase, did:key, JWK (JSON) or PEM."""
    text = text.strip()
    if text.startswith("did:key:"):
        return public_key_from_did_key(text)
    if text.startswith("z"):
        return public_key_from_multibase(text)
    if text.startswith("{"):
        try:
            return public_key_from_jwk(json.loads(text))
        except json.JSONDecodeError:
            raise KeyFileError("the public key is not valid JSON (JWK)") from None
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(text.encode("ascii"))
        except (ValueError, UnicodeError):
            raise KeyFileError("the PEM public key cannot be read") from None
        if not isinstance(key, Ed25519PublicKey):
            raise KeyFileError("the PEM public key is not an Ed25519 key")
        return key
    raise KeyFileError("unknown public key form (use multibase 'z6Mk…', did:key, a JWK or PEM)")


@dataclass(frozen=True)
class SigningKey:
    """An Ed25519 private key and what names it. ``repr`` shows the public half only."""

    private: Ed25519PrivateKey

    def __repr__(self) -> str:
        return f"SigningKey({self.did})"

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    @property
    def did(self) -> str:
        return did_key(self.public)

    @property
    def verification_method(self) -> str:
        return did_key_verification_method(self.public)

    @property
    def public_multibase(self) -> str:
        return public_key_multibase(self.public)

    def sign(self, data: bytes) -> bytes:
        return self.private.sign(data)

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_multibase(cls, private_multibase: str, public_multibase: str | None = None) -> SigningKey:
        raw = multibase_decode(private_multibase)
        if len(raw) != 34 or raw[:2] != ED25519_PRIV:
            raise KeyFileError("not an Ed25519 secret key in multikey form (0x8026 + 32 bytes)")
        key = cls(Ed25519PrivateKey.from_private_bytes(raw[2:]))
        if public_multibase is not None and public_multibase != key.public_multibase:
            raise KeyFileError("the key file's public key does not belong to its private key")
        return key

    @classmethod
    def from_jwk(cls, jwk: dict) -> SigningKey:
        public = public_key_from_jwk(jwk)
        if "d" not in jwk:
            raise KeyFileError("the JWK has no private part (d)")
        raw = _b64url_decode(jwk["d"])
        if len(raw) != 32:
            raise KeyFileError("the JWK's d is not 32 bytes")
        key = cls(Ed25519PrivateKey.from_private_bytes(raw))
        if _raw_public(key.public) != _raw_public(public):
            raise KeyFileError("the JWK's x does not belong to its d")
        return key

    @classmethod
    def from_text(cls, text: str) -> SigningKey:
        """A private key in any of the supported forms, told apart by how the text starts."""
        text = text.strip()
        if text.startswith("-----BEGIN"):
            passphrase = os.environ.get("SAMTBU_KEY_PASSPHRASE")
            try:
                key = serialization.load_pem_private_key(text.encode("ascii"), password=passphrase.encode() if passphrase else None)
            except TypeError:
                raise KeyFileError("the PEM key is encrypted: set SAMTBU_KEY_PASSPHRASE") from None
            except (ValueError, UnicodeError):
                raise KeyFileError("the PEM private key cannot be read (or the passphrase is wrong)") from None
            if not isinstance(key, Ed25519PrivateKey):
                raise KeyFileError("the PEM private key is not an Ed25519 key")
            return cls(key)
        if text.startswith("{"):
            try:
                data = json.loads(text)
            except json.JSONDecodeError:
                raise KeyFileError("the key file is not valid JSON") from None
            if isinstance(data, dict) and "privateKeyMultibase" in data:
                return cls.from_multibase(data["privateKeyMultibase"], data.get("publicKeyMultibase"))
            if isinstance(data, dict) and data.get("kty"):
                return cls.from_jwk(data)
            raise KeyFileError("the JSON key file has neither privateKeyMultibase nor a JWK private key")
        if text.startswith("z"):
            return cls.from_multibase(text)
        raise KeyFileError("unknown private key form (use multibase, a JWK or PEM)")

    def export(self, form: str) -> str:
        """The key as the text of a key file (private part included)."""
        if form == "multibase":
            seed = self.private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
            return json.dumps({"type": "Multikey", "id": self.verification_method, "controller": self.did,
                               "publicKeyMultibase": self.public_multibase,
                               "privateKeyMultibase": multibase_encode(ED25519_PRIV + seed)}, indent=2) + "\n"
        if form == "jwk":
            seed = self.private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
            return json.dumps({**public_key_jwk(self.public), "d": _b64url(seed), "kid": self.verification_method}, indent=2) + "\n"
        if form == "pem":
            return self.private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()).decode("ascii")
        raise KeyFileError(f"unknown key format {form!r} (use one of: {', '.join(KEY_FORMATS)})")

    def public_info(self) -> dict:
        """What may be shown and shared: the public key in every form, never the private one."""
        return {"did": self.did, "verificationMethod": self.verification_method,
                "publicKeyMultibase": self.public_multibase, "publicKeyJwk": public_key_jwk(self.public)}


def write_private_key(key: SigningKey, path: Path, form: str = "multibase", *, overwrite: bool = False) -> None:
    """Write the key file with mode 0600 from the moment it exists (never world-readable)."""
    text = key.export(form)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if overwrite else os.O_EXCL)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        raise KeyFileError("the key file exists already; it is not overwritten (remove it, or use --force)", where=str(path)) from None
    except OSError as exc:
        raise KeyFileError(f"cannot create the key file: {exc.strerror or exc}", where=str(path)) from None
    try:
        os.fchmod(fd, 0o600)  # an existing file overwritten keeps no wider mode
        os.write(fd, text.encode("ascii"))
    finally:
        os.close(fd)


def read_private_key(path: Path) -> SigningKey:
    """Read a private key file; refused when group or others may read it."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise KeyFileError("not a regular file", where=str(path))
        if info.st_mode & 0o077 and os.name == "posix":
            raise KeyFileError(
                f"the private key file may be read by others (mode {stat.S_IMODE(info.st_mode):04o}); "
                "restrict it with chmod 600", where=str(path))
        if info.st_size > MAX_KEY_FILE:
            raise KeyFileError("too large for a key file", where=str(path))
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise KeyFileError(f"cannot read the key file: {exc.strerror or exc}", where=str(path)) from None
    except UnicodeDecodeError:
        raise KeyFileError("the key file is not text", where=str(path)) from None
    try:
        return SigningKey.from_text(text)
    except KeyFileError as exc:
        raise KeyFileError(exc.message, where=str(path)) from None


__all__ = [
    "SigningKey", "KeyFileError", "KEY_FORMATS", "read_private_key", "write_private_key", "public_key_from_text",
    "public_key_from_did_key", "public_key_from_multibase", "public_key_multibase", "did_key",
    "did_key_verification_method", "multibase_encode", "multibase_decode", "public_key_jwk",
]
