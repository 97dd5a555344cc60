"""`samtbu import` and `samtbu export`: thin layer over the crosswalk modules.

Sources and targets are tables of name -> function, so that a new format is one entry:

- ``IMPORTERS[name](data: bytes, source: str) -> ImportResult`` (graph and the unmapped elements);
- ``EXPORTERS[name](graph) -> ExportResult`` (bytes, the facts the target does not carry, and the
  problems found when the output was checked against the target's schema).

The record for ``export`` is read with ``samtbu.validate.read_payload`` (JSON or Turtle).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from rdflib import Graph

from samtbu.errors import SamtbuError
from samtbu.extras import require


@dataclass
class ImportResult:
    graph: Graph
    unmapped: list = field(default_factory=list)  # items with __str__ and as_dict()


@dataclass
class ExportResult:
    data: bytes
    not_carried: list = field(default_factory=list)  # items with __str__
    warnings: list[str] = field(default_factory=list)


class ExportInvalidError(SamtbuError):
    """The exported document does not validate against the target's schema."""


# -- ELMO ---------------------------------------------------------------------------------------


def _import_elmo(data: bytes, source: str) -> ImportResult:
    require("elmo", "import --from elmo")
    from samtbu.crosswalk.elmo import import_elmo

    graph, unmapped = import_elmo(data, source=source)
    return ImportResult(graph, unmapped)


def _export_elmo(graph: Graph) -> ExportResult:
    require("elmo", "export --to elmo")
    from samtbu.crosswalk.elmo import export_elmo_report, schema_path, validate_elmo

    result = export_elmo_report(graph)
    warnings = []
    if schema_path().is_file():
        errors = validate_elmo(result.xml)
        if errors:
            raise ExportInvalidError(f"the ELMO output does not validate against {schema_path()}: {errors[0]}")
    else:
        warnings.append(f"not validated: the ELMO schema is not at {schema_path()} (set SAMTBU_ANCHORS)")
    return ExportResult(result.xml, result.not_carried, warnings)


# -- ELM (European Digital Credential), Open Badges 3.0, schema.org -----------------------------------


def _export_elm(graph: Graph) -> ExportResult:
    from samtbu.crosswalk.elm import EDC_SHAPES, anchors_available, anchors_dir, export_elm, validate_edc

    result = export_elm(graph)
    warnings = list(result.warnings)
    if anchors_available() and all((anchors_dir() / name).is_file() for name in EDC_SHAPES):
        for name, (conforms, text) in validate_edc(result.document).items():
            if not conforms:
                raise ExportInvalidError(f"the EDC output does not conform to {name}: {text.splitlines()[2:4]}")
    else:
        warnings.append(f"not validated: the EDC context and shapes are not in {anchors_dir()} (set SAMTBU_ANCHORS)")
    return ExportResult(result.to_bytes(), result.not_carried, warnings)


def _export_ob3(graph: Graph) -> ExportResult:
    from samtbu.crosswalk.ob3 import export_ob3, schema_path, validate_ob3

    result = export_ob3(graph)
    warnings = list(result.warnings)
    if schema_path().is_file():
        require("ob3", "export --to ob3")
        errors = validate_ob3(result.document)
        if errors:
            raise ExportInvalidError(f"the OB 3.0 output does not validate against {schema_path()}: {errors[0]}")
    else:
        warnings.append(f"not validated: the OB 3.0 JSON Schema is not at {schema_path()} (set SAMTBU_ANCHORS)")
    return ExportResult(result.to_bytes(), result.not_carried, warnings)


def _export_schemaorg(graph: Graph) -> ExportResult:
    from samtbu.crosswalk.schemaorg import export_schemaorg

    result = export_schemaorg(graph)
    return ExportResult(result.to_bytes(), result.not_carried, result.warnings)


IMPORTERS: dict[str, Callable[[bytes, str], ImportResult]] = {"elmo": _import_elmo}
EXPORTERS: dict[str, Callable[[Graph], ExportResult]] = {
    "elmo": _export_elmo,
    "elm": _export_elm,
    "ob3": _export_ob3,
    "schemaorg": _export_schemaorg,
}
IMPORT_FORMATS = ("json", "turtle")


def register(sub) -> None:
    p = sub.add_parser(
        "import",
        help="turn a document in another format (EMREX ELMO) into a record of the model",
        description=(
            "Read a document in another format and write it as a record of the model (plain JSON or Turtle). "
            "Every element with no counterpart in the model is listed on standard error. "
            "Exit code 0: imported; 2: unreadable or unsafe input."
        ),
    )
    p.add_argument("file", type=Path, help="the document to import ('-' reads standard input)")
    p.add_argument("--from", dest="source_format", choices=sorted(IMPORTERS), required=True, help="the format of the document")
    p.add_argument("-o", "--output", type=Path, help="write the record to this file (default: standard output)")
    p.add_argument("--format", choices=IMPORT_FORMATS, help="record format (default: from the output file name, else json)")
    p.add_argument("--unmapped", type=Path, help="also write the unmapped elements as JSON to this file")
    p.add_argument("-q", "--quiet", action="store_true", help="do not list the unmapped elements on standard error")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser(
        "export",
        help="write a record of the model in another format (" + ", ".join(sorted(EXPORTERS)) + ")",
        description=(
            "Write a record (JSON or Turtle) in another format. The facts that the format does not carry are "
            "listed on standard error; the output is checked against the format's schema where one is available. "
            "Exit code 0: exported; 2: unreadable record, or output that does not validate."
        ),
    )
    p.add_argument("record", type=Path, help="the record (JSON or Turtle; '-' reads standard input)")
    p.add_argument("--to", dest="target", choices=sorted(EXPORTERS), required=True, help="the target format")
    p.add_argument("-o", "--output", type=Path, help="write to this file (default: standard output)")
    p.add_argument("-q", "--quiet", action="store_true", help="do not list the facts the target does not carry")
    from samtbu.grep.cli import add_grep_option

    add_grep_option(p)  # subject and programme titles from Grep
    p.set_defaults(func=cmd_export)


def _read_input(path: Path) -> tuple[bytes, str]:
    from samtbu.validate.input import MAX_BYTES, InputError

    if str(path) == "-":
        data = sys.stdin.buffer.read(MAX_BYTES + 1)
        return data, "<stdin>"
    try:
        if path.stat().st_size > MAX_BYTES:
            raise InputError(f"file is over the limit of {MAX_BYTES:,} bytes", where=str(path))
        return path.read_bytes(), str(path)
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", where=str(path)) from None


def _write(data: bytes, output: Path | None) -> None:
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(data)
        print(f"wrote {output}", file=sys.stderr)


def cmd_import(args: argparse.Namespace) -> int:
    data, source = _read_input(args.file)
    result = IMPORTERS[args.source_format](data, source)
    fmt = args.format or ("turtle" if args.output and args.output.suffix.lower() in (".ttl", ".turtle") else "json")
    if fmt == "turtle":
        text = result.graph.serialize(format="turtle")
    else:
        from samtbu.generate.plainjson import frame_plain

        text = json.dumps(frame_plain(result.graph), indent=2, ensure_ascii=False) + "\n"
    _write(text.encode("utf-8"), args.output)
    if args.unmapped:
        args.unmapped.write_text(
            json.dumps([u.as_dict() for u in result.unmapped], indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    if result.unmapped and not args.quiet:
        print(f"samtbu: {len(result.unmapped)} element(s) of {source} have no counterpart in the model:", file=sys.stderr)
        for item in result.unmapped:
            print(f"  {_masked(item)}", file=sys.stderr)
    return 0


def _masked(item) -> str:
    from samtbu.validate.report import mask_identity_numbers

    return mask_identity_numbers(str(item))


def cmd_export(args: argparse.Namespace) -> int:
    from samtbu.validate.input import read_payload

    if str(args.record) == "-":
        data, source = _read_input(args.record)
        payload = read_payload(data, source=source)
    else:
        payload = read_payload(args.record)
    from samtbu.grep import using

    with using(args.grep):  # None: the configured snapshot, if any
        result = EXPORTERS[args.target](payload.graph)
    _write(result.data, args.output)
    for warning in result.warnings:
        print(f"samtbu: warning: {warning}", file=sys.stderr)
    if result.not_carried and not args.quiet:
        print(f"samtbu: {len(result.not_carried)} fact(s) of the record are not carried by {args.target}:", file=sys.stderr)
        for item in result.not_carried:
            print(f"  {_masked(item)}", file=sys.stderr)
    return 0
