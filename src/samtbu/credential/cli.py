"""`samtbu keys`, `samtbu sign`, `samtbu verify` and `samtbu status`: thin, over the library.

Exit codes: ``sign`` 0 signed, 1 refused (the payload does not validate, or is no valid document),
2 unreadable; ``verify`` 0 valid, 1 invalid (the reason is printed), 2 unreadable; ``keys`` and
``status`` 0 done, 2 error. A private key is never printed.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from pathlib import Path

from samtbu.errors import SamtbuError
from samtbu.extras import require
from samtbu.output import OUTPUT_HELP, output_path_argument


def _with_extra(func):
    """A command of this module, with a clear error when the ``sign`` extra is not installed."""

    def run(args) -> int:
        require("sign", getattr(args, "command", None))  # one line naming the extra (samtbu.extras)
        return func(args)

    run.__name__ = func.__name__
    return run


def _contexts(args):
    from samtbu.credential.contexts import load_contexts

    return load_contexts(list(args.contexts or []))


def _read_json(path: Path, what: str):
    """Bounded like a payload: /dev/zero or a FIFO as a credential or status list once read until
    memory ran out."""
    from samtbu.validate.input import read_json_file

    return read_json_file(path, what)


def _dump(document) -> bytes:
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _write(data: bytes, output: str | Path | None, *, quiet: bool = False, default_name: str = "credential.json") -> None:
    """Signed output through the output boundary (samtbu.output): the -o rule, an atomic write.
    A signature covers every byte, so nothing can be masked in it: a document that would hold an
    identity number is refused instead of written."""
    from samtbu.output import holds_identity_number, write_output

    if holds_identity_number(data.decode("utf-8", "replace")):
        raise SamtbuError("the signed document would hold an identity number (11 digits), which cannot be masked "
                          "without breaking its signature; nothing was written")
    write_output(data, None if output is None or str(output) == "-" else output, default_name, carries_identity_numbers=True)


def _common(p, *, engine: bool = True) -> None:
    p.add_argument("--contexts", type=Path, action="append", metavar="DIR",
                   help="a folder with the JSON-LD context files (repeatable; also SAMTBU_CONTEXTS); nothing is fetched")
    if engine:
        p.add_argument("--engine", choices=("oxigraph", "pyld"), default="oxigraph", help="the RDFC-1.0 implementation (default: oxigraph)")


# -- keys -------------------------------------------------------------------------------------------


def cmd_keys_new(args) -> int:
    from samtbu.credential.keys import SigningKey, write_private_key
    from samtbu.output import output_target

    key = SigningKey.generate()
    # The -o rule of every command; the key file itself is written by keys.py (mode 0600 from the
    # start, never replaced without --force), not through write_output.
    target = output_target(args.output, KEY_FILE_NAMES[args.format])
    write_private_key(key, target, args.format, overwrite=args.force)
    info = {"file": str(target), **key.public_info()}
    if args.trust_list:
        _add_trust(args.trust_list, key.public, args)
        info["trustList"] = str(args.trust_list)
    print(json.dumps(info, indent=2))
    return 0


def cmd_keys_show(args) -> int:
    from samtbu.credential.keys import read_private_key

    print(json.dumps(read_private_key(args.key).public_info(), indent=2))
    return 0


def _add_trust(path: Path, public, args) -> None:
    from samtbu.credential.trust import TrustList, add_to_trust_list, read_trust_list

    if not args.issuer and not args.orgnr:
        raise SamtbuError("name the issuer: --issuer ID and/or --orgnr NUMBER")
    trust = read_trust_list(path) if path.exists() else TrustList(source=str(path))
    add_to_trust_list(trust, public, issuer_id=args.issuer, name=args.name, organisation_numbers=list(args.orgnr or []))
    _write(_dump(trust.to_json()), path, quiet=True)


def cmd_keys_trust(args) -> int:
    from samtbu.credential.keys import public_key_from_text, read_private_key

    if args.key:
        public = read_private_key(args.key).public
    elif args.public_key:
        public = public_key_from_text(args.public_key)
    else:
        raise SamtbuError("give the key: --key FILE (its public half is used) or --public-key TEXT")
    _add_trust(args.trust_list, public, args)
    print(f"added to {args.trust_list}", file=sys.stderr)
    return 0


def _issuer_args(p) -> None:
    p.add_argument("--issuer", help="the issuer id the credentials name")
    p.add_argument("--orgnr", action="append", help="the issuer's organisasjonsnummer (repeatable)")
    p.add_argument("--name", help="the issuer's name")


# -- sign -------------------------------------------------------------------------------------------


def _status(args):
    from samtbu.credential.status import Register

    if not args.status_list:
        return None, None
    status_list = _read_json(args.status_list, "status list")
    return status_list, Register.for_list(args.status_list, status_list)


def _signed_name(payload: Path, batch: bool) -> str:
    """The file a signed credential (or a batch's NDJSON) is written to when -o names a folder."""
    stem = "credential" if str(payload) == "-" else payload.name.split(".")[0] or "credential"
    return f"{stem}.signed.{'ndjson' if batch else 'json'}"


def cmd_sign(args) -> int:
    from samtbu.credential.contexts import FORM_CONTEXTS
    from samtbu.credential.issue import NotSignableError, sign_credential, unsigned_credential
    from samtbu.credential.keys import read_private_key
    from samtbu.output import output_target

    if args.form == "elm":
        require("elm", "sign --form elm")  # the EDC form's page images (Pillow)
    key = read_private_key(args.key)
    contexts = _contexts(args)
    contexts.require(FORM_CONTEXTS[args.form], f"sign --form {args.form}")
    if args.batch:
        from samtbu.credential.batch import sign_batch

        status_list, register = _status(args)
        output = output_target(args.output, _signed_name(args.payload, True))
        summary = sign_batch(args.payload, output, key, contexts, form=args.form, jobs=args.jobs, engine=args.engine,
                             status_list=status_list, register=register, issuer_profiles=args.issuer_profiles)
        if register is not None:
            register.save()
        print(json.dumps(summary, indent=2), file=sys.stderr)
        return 0 if summary["refused"] == 0 and summary["unreadable"] == 0 else 1
    try:
        from samtbu.validate.input import read_stream

        unsigned = unsigned_credential(args.payload if str(args.payload) != "-" else read_stream(sys.stdin.buffer, "<stdin>"),
                                       form=args.form, source=str(args.payload), profile=args.profile,
                                       issuer_profiles=args.issuer_profiles)
    except NotSignableError as exc:
        if exc.report is not None and not args.quiet:
            print(exc.report.render("text"), file=sys.stderr)
        raise
    status_list, register = _status(args)
    signed, _ = sign_credential(unsigned.document, key, contexts, status_list=status_list, register=register,
                                created=args.created, verification_method=args.verification_method, engine=args.engine)
    _write(_dump(signed), args.output, default_name=_signed_name(args.payload, False))
    if register is not None:
        register.save()
    if not args.quiet:
        print(f"signed {signed.get('id')} ({args.form}) with {key.verification_method}", file=sys.stderr)
    return 0


# -- verify -----------------------------------------------------------------------------------------


def _moment(text: str | None) -> datetime | None:
    from samtbu.credential.verify import parse_time

    if text is None:
        return None
    moment = parse_time(text)
    if moment is None:
        raise SamtbuError(f"--at {text!r} is not a date and time (e.g. 2026-08-01T12:00:00Z)")
    return moment


def cmd_verify(args) -> int:
    from samtbu.credential.trust import read_trust_list
    from samtbu.credential.verify import verify_credential

    contexts = _contexts(args)
    trust = read_trust_list(args.trust_list) if args.trust_list else None
    lists = [_read_json(p, "status list") for p in args.status_list or []]
    at = _moment(args.at)
    outcomes = []
    worst = 0
    for path in args.credential:
        credential = _read_json(path, "credential")
        if not isinstance(credential, dict):
            raise SamtbuError("a credential must be a JSON object", where=str(path))
        result = verify_credential(credential, contexts, trust=trust, status_lists=lists, at=at, engine=args.engine,
                                   check_status=not args.skip_status)
        if args.skip_status:
            result.warnings.append("the status was not checked (--skip-status)")
        outcomes.append((path, result))
        worst = max(worst, result.exit_code)
    if args.format == "json":
        items = [{"file": str(p), **r.as_dict()} for p, r in outcomes]
        print(json.dumps(items[0] if len(items) == 1 else items, indent=2, ensure_ascii=False))
    else:
        for path, result in outcomes:
            print(f"{path}: {'VALID' if result.valid else 'INVALID'}: {result.message}")
            if args.verbose or not result.valid:
                for check in result.checks:
                    mark = {True: "ok  ", False: "FAIL", None: "-   "}[check.ok]
                    print(f"  {mark} {check.name}: {check.detail}")
            for warning in result.warnings:
                print(f"  warning: {warning}")
    return worst


# -- status -----------------------------------------------------------------------------------------


def _sign_list(list_credential: dict, args) -> dict:
    from samtbu.credential.dataintegrity import add_proof, now_timestamp
    from samtbu.credential.keys import read_private_key

    key = read_private_key(args.key)
    unsigned = {k: v for k, v in list_credential.items() if k != "proof"}
    unsigned["validFrom"] = now_timestamp()
    signed, _ = add_proof(unsigned, key, _contexts(args), engine=getattr(args, "engine", "oxigraph"))
    return signed


def cmd_status_new(args) -> int:
    from samtbu.credential.dataintegrity import now_timestamp
    from samtbu.credential.status import new_list_credential

    if args.list.exists() and not args.force:
        raise SamtbuError("the status list exists already (use --force to start it again)", where=str(args.list))
    issuer = args.issuer
    document = new_list_credential(args.url, issuer, purpose=args.purpose, entries=args.entries, valid_from=now_timestamp())
    _write(_dump(_sign_list(document, args)), args.list)
    return 0


def _credential_ids(args) -> list[str]:
    ids = list(args.credential_id or [])
    for path in args.signed or []:
        document = _read_json(path, "credential")
        if not isinstance(document, dict) or not isinstance(document.get("id"), str):
            raise SamtbuError("the credential has no id", where=str(path))
        ids.append(document["id"])
    return ids


def _change(args, changes: dict[str, bool]) -> int:
    from samtbu.credential.status import Register, decode_list, encode_list, list_subject, set_bit

    list_credential = _read_json(args.list, "status list")
    register = Register.for_list(args.list, list_credential)
    subject = list_subject(list_credential)
    bits = decode_list(subject["encodedList"])
    unknown = [cid for cid in changes if cid not in register.assigned]
    if unknown:
        raise SamtbuError(f"not in this list's register: {', '.join(unknown[:5])}", where=str(register.path))
    for credential_id, value in changes.items():
        set_bit(bits, register.assigned[credential_id], value)
    updated = {**list_credential, "credentialSubject": {**subject, "encodedList": encode_list(bits)}}
    _write(_dump(_sign_list(updated, args)), args.list)
    set_count = sum(changes.values())
    print(f"{set_count} set, {len(changes) - set_count} cleared ({subject['statusPurpose']})", file=sys.stderr)
    return 0


def cmd_status_set(args) -> int:
    ids = _credential_ids(args)
    if not ids:
        raise SamtbuError("name the credentials: --id ID or signed credential files")
    return _change(args, dict.fromkeys(ids, args.action == "revoke"))


def cmd_status_update(args) -> int:
    """Each record's dokumentstatus decides its bit: annullert and erstattet set it, gyldig clears it."""
    from samtbu.credential.status import REVOKING_DOCUMENT_STATUS, Register
    from samtbu.namespaces import SBU
    from samtbu.validate import expand_paths, read_any

    changes = {}
    for path, skipped in expand_paths(args.records):
        if skipped is not None:  # a symbolic link, a FIFO, a device (samtbu.validate.input.payload_files)
            raise SamtbuError(skipped, where=str(path))
        graph = read_any(path).graph
        for document, status in graph.subject_objects(SBU.dokumentstatus):
            changes[str(document)] = str(status).rsplit("/", 1)[-1] in REVOKING_DOCUMENT_STATUS
    register = Register.for_list(args.list, _read_json(args.list, "status list"))
    known = {cid: value for cid, value in changes.items() if cid in register.assigned}
    if not known:
        raise SamtbuError("none of the records has an entry in this status list")
    return _change(args, known)


def cmd_status_show(args) -> int:
    from samtbu.credential.status import decode_list, get_bit, list_subject

    list_credential = _read_json(args.list, "status list")
    subject = list_subject(list_credential)
    bits = decode_list(subject["encodedList"])
    info = {"id": list_credential.get("id"), "issuer": list_credential.get("issuer"), "validFrom": list_credential.get("validFrom"),
            "statusPurpose": subject.get("statusPurpose"), "entries": len(bits) * 8,
            "set": sum(bin(b).count("1") for b in bits)}
    if args.index is not None:
        info["index"] = {"index": args.index, "set": get_bit(bits, args.index)}
    print(json.dumps(info, indent=2, ensure_ascii=False))
    return 0


KEY_FORMATS = ("multibase", "jwk", "pem")  # as samtbu.credential.keys (not imported here: it needs samtbu[sign])
KEY_FILE_NAMES = {"multibase": "signing-key.json", "jwk": "signing-key.jwk", "pem": "signing-key.pem"}


def register(sub) -> None:
    keys = sub.add_parser("keys", help="Ed25519 signing keys: make one, show its public half, trust an issuer's key",
                          description="Signing keys for `samtbu sign`. A private key is written with mode 0600 and never printed.")
    ksub = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    p = ksub.add_parser("new", help="make a new Ed25519 key file (mode 0600) and print its public key and did:key")
    p.add_argument("-o", "--output", type=output_path_argument, metavar="PATH", required=True,
                   help="the private key file to write, or a folder (an existing one, or a path ending in /) for "
                        "signing-key.json (.jwk, .pem); missing folders are created")
    p.add_argument("--format", choices=KEY_FORMATS, default="multibase", help="key file format (default: multibase Multikey JSON)")
    p.add_argument("--force", action="store_true", help="overwrite an existing key file")
    p.add_argument("--trust-list", type=Path, help="also add the public key to this trust list, for --issuer / --orgnr")
    _issuer_args(p)
    p.set_defaults(func=_with_extra(cmd_keys_new))
    p = ksub.add_parser("show", help="print the public key of a key file (did:key, multibase, JWK)")
    p.add_argument("key", type=Path)
    p.set_defaults(func=_with_extra(cmd_keys_show))
    p = ksub.add_parser("trust", help="add an issuer's public key to a trust list (made if missing)")
    p.add_argument("trust_list", type=Path)
    p.add_argument("--key", type=Path, help="a private key file (only its public half is written)")
    p.add_argument("--public-key", help="a public key: multibase, did:key, JWK or PEM")
    _issuer_args(p)
    p.set_defaults(func=_with_extra(cmd_keys_trust))

    p = sub.add_parser("sign", help="validate a payload and issue it as a signed W3C Verifiable Credential (eddsa-rdfc-2022)",
                       description=("Validate the payload against its profile, export it (Open Badges 3.0, or the European "
                                    "Digital Credential form) and add a Data Integrity proof (eddsa-rdfc-2022). A payload "
                                    "that does not validate is refused. Exit 0 signed, 1 refused, 2 unreadable."))
    p.add_argument("payload", type=Path, help="the record (JSON or Turtle; '-' reads standard input); with --batch, an NDJSON file")
    p.add_argument("--key", type=Path, required=True, help="the private key file (multibase, JWK or PEM; mode 0600)")
    p.add_argument("-o", "--output", type=output_path_argument, metavar="PATH",
                   help=OUTPUT_HELP + " ({payload}.signed.json; with --batch {payload}.signed.ndjson)")
    p.add_argument("--form", choices=("ob3", "elm"), default="ob3", help="Open Badges 3.0 (default) or European Digital Credential")
    p.add_argument("--profile", help="validate against this profile (default: detected)")
    p.add_argument("--issuer-profile", dest="issuer_profiles", type=Path, metavar="FILE",
                   help="ob3: the issuer profiles by organisasjonsnummer, each with the id (HTTP(S) URL or DID) that "
                        "resolves to the issuer's Profile (default: $SAMTBU_OB3_ISSUER_PROFILES)")
    p.add_argument("--status-list", type=Path, help="add a credentialStatus entry in this status list (its register is updated)")
    p.add_argument("--verification-method", help="the verificationMethod to name (default: the key's did:key)")
    p.add_argument("--created", help="the proof's created time (default: now)")
    p.add_argument("--batch", action="store_true", help="the input is NDJSON, one record a line; the output NDJSON, one credential a line")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="processes for --batch (default: every core)")
    p.add_argument("-q", "--quiet", action="store_true")
    _common(p)
    p.set_defaults(func=_with_extra(cmd_sign))

    p = sub.add_parser("verify", help="verify signed credentials offline: proof, key, issuer, dates, status",
                       description=("Verify W3C Verifiable Credentials with an eddsa-rdfc-2022 proof, offline. "
                                    "Exit 0 valid, 1 invalid (the reason is printed: tampered, unknown issuer, expired, "
                                    "revoked, ...), 2 unreadable."))
    p.add_argument("credential", type=Path, nargs="+", help="signed credential files ('-' reads standard input)")
    p.add_argument("--trust-list", type=Path, help="the issuers and keys to trust (samtbu keys trust)")
    p.add_argument("--status-list", type=Path, action="append", help="a local copy of a status list credential (repeatable)")
    p.add_argument("--skip-status", action="store_true", help="do not check credentialStatus (the result says so)")
    p.add_argument("--at", help="check the dates at this time instead of now (ISO 8601)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("-v", "--verbose", action="store_true", help="list every check, also for a valid credential")
    _common(p)
    p.set_defaults(func=_with_extra(cmd_verify))

    status = sub.add_parser("status", help="Bitstring Status List: publish withdrawn and replaced documents",
                            description="A signed W3C Bitstring Status List credential and the issuer's register of indexes beside it.")
    ssub = status.add_subparsers(dest="status_command", metavar="ACTION", required=True)
    p = ssub.add_parser("new", help="start a signed status list credential")
    p.add_argument("list", type=Path, help="the status list credential file to write")
    p.add_argument("--url", required=True, help="the URL the list will be published at (its id)")
    p.add_argument("--issuer", required=True, help="the issuer id (the same as the credentials')")
    p.add_argument("--key", type=Path, required=True)
    p.add_argument("--purpose", choices=("revocation", "suspension"), default="revocation")
    p.add_argument("--entries", type=int, default=131_072, help="size of the list (default and minimum 131072)")
    p.add_argument("--force", action="store_true")
    _common(p, engine=False)
    p.set_defaults(func=_with_extra(cmd_status_new))
    for action, text in (("revoke", "set the status bit of credentials (withdrawn)"), ("reinstate", "clear the status bit of credentials")):
        p = ssub.add_parser(action, help=text)
        p.add_argument("list", type=Path)
        p.add_argument("signed", type=Path, nargs="*", help="signed credential files")
        p.add_argument("--id", dest="credential_id", action="append", help="a credential id (repeatable)")
        p.add_argument("--key", type=Path, required=True)
        _common(p, engine=False)
        p.set_defaults(func=_with_extra(cmd_status_set), action=action)
    p = ssub.add_parser("update", help="set each record's bit from its dokumentstatus (annullert, erstattet: set; gyldig: clear)")
    p.add_argument("list", type=Path)
    p.add_argument("--records", type=Path, nargs="+", required=True, help="record files or folders")
    p.add_argument("--key", type=Path, required=True)
    _common(p, engine=False)
    p.set_defaults(func=_with_extra(cmd_status_update))
    p = ssub.add_parser("show", help="summary of a status list (size, bits set), or one index")
    p.add_argument("list", type=Path)
    p.add_argument("--index", type=int)
    p.set_defaults(func=_with_extra(cmd_status_show))
