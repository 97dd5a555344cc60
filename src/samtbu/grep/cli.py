"""`samtbu grep import|info|show`: build a local Grep snapshot, say what is loaded, show one element."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from samtbu.errors import SamtbuError
from samtbu.grep.config import configured_snapshot, resolve
from samtbu.grep.reader import MAX_RECORD_BYTES, SKIP_REASONS, read_elements
from samtbu.grep.store import ATTRIBUTION, ATTRIBUTION_LINKS, GREP_LANGUAGES, build_snapshot, element_title
from samtbu.output import output_path_argument, output_target

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_LANG_NAMES = {"nb": "bokmål", "nn": "nynorsk", "en": "English", "se": "davvisámegiella", "sma": "åarjelsaemien", "smj": "julevsámegiella"}


def add_grep_option(parser: argparse.ArgumentParser) -> None:
    """``--grep FILE`` for the commands that use Grep (validate, export, render, share, serve, site)."""
    parser.add_argument("--grep", metavar="SNAPSHOT", default=None, help=(
        "Grep snapshot to use (from `samtbu grep import`; 'none' for none). Default: $SAMTBU_GREP, "
        "else [grep] snapshot in samtbu.toml or ~/.config/samtbu/config.toml, else no Grep data"))


SNAPSHOT_FILE_NAME = "grep.sqlite"  # what -o FOLDER/ holds


def cmd_import(args: argparse.Namespace) -> int:
    target = output_target(args.output, SNAPSHOT_FILE_NAME)
    if target is None:
        path, how = resolve(args.grep)
        if path is None:
            raise SamtbuError("where should the snapshot go? Give -o FILE, or configure one (SAMTBU_GREP, "
                              "or [grep] snapshot in samtbu.toml)")
        if path.is_dir():  # the configured snapshot is a file that readers open: no name is made up here
            raise SamtbuError(f"the configured snapshot ({how}) is a folder; configure the file, or give -o", where=str(path))
        target = path
    if args.date and not _DATE.match(args.date):
        raise SamtbuError(f"--date: not a date (YYYY-MM-DD): {args.date!r}")
    sources = [str(p) for p in args.paths]
    result = build_snapshot(read_elements(args.paths, limit=args.max_element_bytes), target,
                            snapshot_date=args.date, sources=sources)
    out = sys.stdout
    out.write(f"wrote {result.path}: {result.elements:,} Grep element(s), snapshot date {result.snapshot_date}, id {result.snapshot_id}\n")
    for kind, n in result.by_type.items():
        out.write(f"  {n:>8,}  {kind}\n")
    if result.written_by_samtbu:
        out.write(f"  {result.written_by_samtbu:,} of them written by samtbu for its examples (not Udir's data)\n")
    if result.skipped:
        total = sum(result.skipped.values())
        sys.stderr.write(f"samtbu: {total:,} value(s) skipped: " + "; ".join(
            f"{n:,} {SKIP_REASONS.get(r, r)}" for r, n in result.skipped.items()) + "\n")
        for line in result.examples:
            sys.stderr.write(f"  {line}\n")
    sys.stderr.write(f"samtbu: {ATTRIBUTION['en']} (NLOD: {ATTRIBUTION_LINKS[0]})\n")
    return 0


def _snapshot(args):
    snapshot = configured_snapshot(args.grep)
    if snapshot is None:
        _path, how = resolve(args.grep)
        why = "" if how == "not configured" else f" ({how})"  # say how it was switched off, if it was
        raise SamtbuError(f"no Grep snapshot is configured{why}: give --grep FILE, set SAMTBU_GREP, or add "
                          "[grep] snapshot = \"FILE\" to samtbu.toml; build one with `samtbu grep import`")
    return snapshot


def cmd_info(args: argparse.Namespace) -> int:
    snapshot = _snapshot(args)
    info = snapshot.info()
    _path, how = resolve(args.grep)
    info["configured_by"] = how
    if args.json:
        print(json.dumps(info, indent=2, ensure_ascii=False))
        return 0
    print(f"Grep snapshot {info['path']}  (configured by {how})")
    print(f"  snapshot date  {info['snapshot_date']}  ({info['snapshot_date_source']})")
    print(f"  imported       {info['imported_at']}")
    print(f"  id             {info['snapshot_id']}  (format {info['format']})")
    print(f"  elements       {info['elements']:,}")
    for kind, n in info["by_type"].items():
        print(f"    {n:>8,}  {kind}")
    if info["written_by_samtbu"]:
        print(f"  written by samtbu for its examples, not Udir's data: {info['written_by_samtbu']:,}")
    if info["skipped"]:
        print("  skipped at import: " + "; ".join(f"{n:,} {SKIP_REASONS.get(r, r)}" for r, n in info["skipped"].items()))
    print(f"  {info['attribution']['nb']} / {info['attribution']['en']}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    snapshot = _snapshot(args)
    code = args.code.strip()
    if code.startswith("http://psi.udir.no/kl06/"):
        code = code[len("http://psi.udir.no/kl06/"):]
    element = snapshot.get(code)
    if element is None:
        near = [e.kode for e in snapshot.search(code, 8)]
        hint = f"; similar: {', '.join(near)}" if near else ""
        raise SamtbuError(f"{code!r} is not in the Grep snapshot of {snapshot.date}{hint}")
    if args.json:
        print(json.dumps(element.to_json(), indent=2, ensure_ascii=False))
        return 0
    langs = args.lang or ["nb", "nn", "en"]
    print(f"{element.kode}  ({element.type}, {element.uri})")
    for lang in langs:
        title = element_title(element, lang, fallback=False)
        print(f"  {lang}  {title if title else '–  (no ' + _LANG_NAMES.get(lang, lang) + ' title in Grep)'}")
    others = {GREP_LANGUAGES.get(k, k): v for k, v in element.tittel.items() if GREP_LANGUAGES.get(k, k) not in langs and k != "default"}
    for lang, text in others.items():
        print(f"  {lang}  {text}")
    short = {lang: element_title(element, lang, fallback=False, short=True) for lang in langs}
    if element.kortform and any(short.values()):
        print("  short form: " + "; ".join(f"{lang} {t}" for lang, t in short.items() if t))
    print(f"  {'status':<26} {element.status or '–'}")
    if element.gyldig_fra or element.gyldig_til:
        print(f"  {'valid':<26} {element.gyldig_fra or '…'} – {element.gyldig_til or '…'}")
    for name, codes in element.refs.items():
        print(f"  {name:<26} {', '.join(codes)}")
    if element.url_data:
        print(f"  {'data':<26} {element.url_data}")
    if element.written_by_samtbu:
        print("  written by samtbu for its examples and tests: NOT Udir's data (see grep/README.md)")
    else:
        print(f"  {ATTRIBUTION['nb'] if langs[0] in ('nb', 'nn') else ATTRIBUTION['en']}")
    print(f"  snapshot {snapshot.date} ({snapshot.path})")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("grep", help="Grep reference data (Udir): import a snapshot, show what is loaded",
                              description="Udir's Grep (subjects, programmes, curricula) read offline from a local snapshot.")
    sub = p.add_subparsers(dest="grep_command", metavar="ACTION", required=True)

    imp = sub.add_parser("import", help="build a snapshot from Grep files (JSON-LD dump or REST JSON), folders, tar or zip",
                         description=("Read Grep elements from files (one element, a JSON array, a JSON-LD @graph or NDJSON; "
                                      "a UTF-8 BOM is allowed), folders and tar/zip archives, and write a snapshot file. "
                                      "Values that are not usable elements are skipped and counted; a file that is not JSON "
                                      "or is truncated stops the import (exit 2) and leaves an existing snapshot as it was."))
    imp.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files, folders, .tar(.gz) or .zip archives")
    imp.add_argument("-o", "--output", type=output_path_argument, metavar="PATH", help=(
        f"snapshot file to write, or a folder (an existing one, or a path ending in /) for {SNAPSHOT_FILE_NAME}; "
        "missing folders are created (default: the configured snapshot)"))
    imp.add_argument("--date", metavar="YYYY-MM-DD", help="the date the data was taken from Grep (default: the latest sist-endret in it)")
    imp.add_argument("--max-element-bytes", type=int, default=MAX_RECORD_BYTES, metavar="N",
                     help=f"skip an element with more than N characters of kept text (default {MAX_RECORD_BYTES:,})")
    add_grep_option(imp)
    imp.set_defaults(func=cmd_import)

    info = sub.add_parser("info", help="what the configured snapshot holds: date, counts, id")
    info.add_argument("--json", action="store_true", help="print as JSON")
    add_grep_option(info)
    info.set_defaults(func=cmd_info)

    show = sub.add_parser("show", help="one Grep element: titles in nb/nn/en, status, validity, references")
    show.add_argument("code", metavar="CODE", help="a Grep code (e.g. NOR1260) or its IRI")
    show.add_argument("-l", "--lang", action="append", choices=("nb", "nn", "en", "se"), help="title language(s) (default: nb, nn, en)")
    show.add_argument("--json", action="store_true", help="print as JSON")
    add_grep_option(show)
    show.set_defaults(func=cmd_show)
