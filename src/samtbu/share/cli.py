"""`samtbu share` (the minimal view for a recipient) and `samtbu render` (the learner's overview)."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, UTC
from pathlib import Path

from samtbu.errors import SamtbuError
from samtbu.cliargs import add_command, add_input, add_lang, add_output, add_quiet
from samtbu.output import write_output


def _now(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise SamtbuError(f"--now: not an ISO 8601 date-time: {text!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _stem(path: Path) -> str:
    return path.name.split(".")[0] or "record"


_VIEW_SUFFIXES = {"json": "json", "jsonld": "jsonld", "turtle": "ttl", "ntriples": "nt"}


def cmd_share(args: argparse.Namespace) -> int:
    """Produce the minimal view of RECORD that the sharing policy for the recipient role and purpose allows,
    checked against the policy's closed SHACL profile. Refusals (no policy, consent missing, result not
    final, document not issued) end with exit code 3 and one line on stderr.
    """

    from samtbu.grep import using

    with using(args.grep):  # Grep elements with their codes and titles, when a snapshot is in use
        view = _share(args)
    # The view may carry the identity number only as sbu:foedselsnummer, and only where the policy
    # allows it (share() checks both); anywhere else it is masked like every other output.
    write_output(view.serialize(args.format), args.output,
                 f"{_stem(args.record)}.{args.recipient}-{args.purpose}.{_VIEW_SUFFIXES[args.format]}",
                 carries_identity_numbers=view.policy.allows_identity_number)
    if view.withheld and not args.quiet:
        reasons = sorted({reason for _node, reason in view.withheld})
        print(f"samtbu: {len(view.withheld)} part(s) of the record withheld ({', '.join(reasons)})", file=sys.stderr)
    return 0


def _share(args: argparse.Namespace):
    from samtbu.share.view import share

    return share(
        args.record,
        args.recipient,
        args.purpose,
        consent=args.consent,
        now=_now(args.now),
        recipient_name=args.recipient_name,
        recipient_id=args.recipient_id,
        log=args.log,
    )


def cmd_render(args: argparse.Namespace) -> int:
    """Render the learner's results, competence, completion status and who has received what as one HTML page.
    """

    from samtbu.grep import using
    from samtbu.share.overview import render_overview

    if args.history is not None and not args.history.is_file():
        raise SamtbuError("no such file", where=str(args.history))
    now = _now(args.now)
    try:
        originals = _originals(args, now) if args.credential else None
    except ModuleNotFoundError as exc:
        if exc.name not in ("cryptography", "base58"):
            raise
        raise SamtbuError(f"--credential needs {exc.name}: pip install 'samtbu[sign]'") from None
    with using(args.grep):  # subject and programme titles from Grep, when a snapshot is in use
        html = render_overview(args.record, args.lang, disclosures=args.disclosures, now=now, originals=originals, history=args.history)
    write_output(html, args.output, f"{_stem(args.record)}.html")
    return 0


def _originals(args: argparse.Namespace, now: datetime | None) -> dict:
    """Each signed credential checked (as `samtbu verify` does), by the id of the document it is."""
    import json

    from samtbu.credential.contexts import load_contexts
    from samtbu.credential.trust import read_trust_list
    from samtbu.credential.verify import verify_credential
    from samtbu.share.overview import DigitalOriginal
    from samtbu.validate.input import read_file

    contexts = load_contexts(list(args.contexts or []))
    trust = read_trust_list(args.trust_list) if args.trust_list else None
    lists = []
    for path in args.status_list or []:
        try:
            lists.append(json.loads(read_file(path)))
        except (OSError, ValueError) as exc:
            raise SamtbuError(f"cannot read the status list: {exc}", where=str(path)) from None
    originals = {}
    for path in args.credential:
        try:
            data = read_file(path)
            credential = json.loads(data)
        except (OSError, ValueError) as exc:
            raise SamtbuError(f"cannot read the signed credential: {exc}", where=str(path)) from None
        if not isinstance(credential, dict) or not isinstance(credential.get("id"), str):
            raise SamtbuError("not a credential with an id", where=str(path))
        result = verify_credential(credential, contexts, trust=trust, status_lists=lists, at=now)
        originals[credential["id"]] = DigitalOriginal(result.valid, result.reason, data, path.name)
    return originals


def register(subparsers) -> None:
    from samtbu.grep.cli import add_grep_option

    p = add_command(subparsers, "share", cmd_share,
                    "the minimal view of a learner's record for a recipient role and purpose (or a refusal)")
    add_input(p, "record", "the learner's record (plain JSON, JSON-LD, Turtle, ...)", stdin=False, metavar="RECORD")
    p.add_argument("--recipient", required=True, metavar="ROLE", help="recipient role (code of «mottakerrolle», e.g. oppfoelgingstjenesten)")
    p.add_argument("--purpose", required=True, metavar="PURPOSE", help="purpose (code of «formaal», e.g. oppfoelging)")
    p.add_argument("--consent", type=Path, metavar="FILE", help="the learner's consent (sbu:Samtykke) where the policy requires it")
    p.add_argument("--log", type=Path, metavar="FILE", help="append the disclosure record (sbu:Utlevering) to this file (Turtle; N-Triples for .nt)")
    p.add_argument("--format", choices=("json", "jsonld", "turtle", "ntriples"), default="json", help="output format (default: json)")
    p.add_argument("--recipient-name", metavar="NAME", help="name of the receiving organisation, for the disclosure record")
    p.add_argument("--recipient-id", metavar="ID", help="organisation number or IRI of the recipient, for the disclosure record")
    _add_now(p, "time of disclosure")
    add_output(p, "{record}.{role}-{purpose}.json, ...")
    add_quiet(p, "do not report withheld parts on stderr")
    add_grep_option(p)

    r = add_command(subparsers, "render", cmd_render, "the learner's own overview as an accessible, printable HTML page")
    add_input(r, "record", "the learner's record", stdin=False, metavar="RECORD")
    add_lang(r, "the page", short=False)
    r.add_argument("--disclosures", type=Path, metavar="FILE", help="disclosure log written by `samtbu share --log`")
    r.add_argument("--history", type=Path, metavar="STATE.ndjson",
                   help="the state file of `samtbu events replay`: show the history of corrected results")
    _add_now(r, "the date the page is made")
    add_output(r, "{record}.html")
    r.add_argument("--credential", type=Path, action="append", metavar="FILE",
                   help="a signed credential of one of the documents (samtbu sign): the page says whether it is a "
                        "verified digital original and offers it for download (repeatable)")
    r.add_argument("--trust-list", type=Path, help="the issuers and keys to trust when checking --credential")
    r.add_argument("--status-list", type=Path, action="append", help="a local copy of a status list (repeatable)")
    r.add_argument("--contexts", type=Path, action="append", metavar="DIR", help="a folder with the JSON-LD context files")
    add_grep_option(r)


def _add_now(parser, what: str) -> None:
    parser.add_argument("--now", metavar="DATETIME", help=f"{what} (ISO 8601; default: now)")


__all__ = ["register"]
