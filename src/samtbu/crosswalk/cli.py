"""`samtbu import` and `samtbu export`: thin layer over the crosswalk modules.

Sources and targets are tables of name -> function, so that a new format is one entry:

- ``IMPORTERS[name](data: bytes, source: str) -> ImportResult`` (graph and the unmapped elements);
- ``EXPORTERS[name](graph, **options) -> ExportResult`` (bytes, the facts the target does not carry,
  and the problems found when the output was checked against the target's schema); the options a
  target takes are the keyword parameters of its function (``EXPORT_OPTIONS`` names their flags).

The record for ``export`` is read with ``samtbu.validate.read_payload`` (JSON or Turtle).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable

from rdflib import Graph

from samtbu.errors import SamtbuError
from samtbu.extras import require
from samtbu.cliargs import add_command, add_input, add_issuer_profile_option, add_output, add_quiet
from samtbu.output import output_path_argument, write_output


@dataclass
class ImportResult:
    graph: Graph
    unmapped: list = field(default_factory=list)  # items with __str__ and as_dict()
    side_record: dict | None = None  # what the model does not hold, verbatim (ELMO)


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
    from samtbu.crosswalk.elmo import import_elmo_document

    result = import_elmo_document(data, source=source)
    return ImportResult(result.graph, result.unmapped, result.side_record)


def _export_elmo(graph: Graph, *, side_record=None, national_id: bool = False) -> ExportResult:
    require("elmo", "export --to elmo")
    from samtbu.crosswalk.elmo import export_elmo_report, schema_path, validate_elmo

    result = export_elmo_report(graph, side_record=side_record, national_id=national_id)
    warnings = []
    if schema_path().is_file():
        errors = validate_elmo(result.xml)
        if errors:
            raise ExportInvalidError(f"the ELMO output does not validate against {schema_path()}: {errors[0]}")
    else:
        warnings.append(f"not validated: the ELMO schema is not at {schema_path()} (set SAMTBU_ANCHORS)")
    return ExportResult(result.xml, result.not_carried, warnings)


# -- ELM (European Digital Credential), Open Badges 3.0, schema.org -----------------------------------


def _export_elm(graph: Graph, *, national_id: bool = False) -> ExportResult:
    require("elm", "export --to elm")
    from samtbu.crosswalk.elm import EDC_SHAPES, anchors_available, anchors_dir, export_elm, validate_edc

    result = export_elm(graph, national_id=national_id)
    warnings = list(result.warnings)
    if anchors_available():
        for name, (conforms, text) in validate_edc(result.document).items():
            if not conforms:
                raise ExportInvalidError(f"the EDC output does not conform to {name}: {text.splitlines()[2:4]}")
    else:
        warnings.append(f"not validated: the EDC context and the shapes {', '.join(EDC_SHAPES)} are not all in "
                        f"{anchors_dir()} (set SAMTBU_ANCHORS)")
    return ExportResult(result.to_bytes(), result.not_carried, warnings)


def _export_ob3(graph: Graph, *, national_id: bool = False, issuer_profiles=None) -> ExportResult:
    from samtbu.crosswalk.ob3 import export_ob3, schema_path, validate_ob3

    result = export_ob3(graph, issuer_profiles=issuer_profiles, national_id=national_id)
    warnings = list(result.warnings)
    if schema_path().is_file():
        require("ob3", "export --to ob3")
        errors = validate_ob3(result.document)
        if errors:
            raise ExportInvalidError(f"the OB 3.0 output does not validate against {schema_path()}: {errors[0]}")
    else:
        warnings.append(f"not validated: the OB 3.0 JSON Schema is not at {schema_path()} (set SAMTBU_ANCHORS)")
    return ExportResult(result.to_bytes(), result.not_carried, warnings)


def _export_schemaorg(graph: Graph, national_id: bool = False) -> ExportResult:  # for publishing: never a number
    from samtbu.crosswalk.schemaorg import export_schemaorg

    result = export_schemaorg(graph)
    return ExportResult(result.to_bytes(), result.not_carried, result.warnings)


IMPORTERS: dict[str, Callable[[bytes, str], ImportResult]] = {"elmo": _import_elmo}
EXPORTERS: dict[str, Callable[..., ExportResult]] = {
    "elmo": _export_elmo,
    "elm": _export_elm,
    "ob3": _export_ob3,
    "schemaorg": _export_schemaorg,
}
IMPORT_FORMATS = ("json", "turtle")
EXPORT_SUFFIXES = {"elmo": "xml", "elm": "jsonld", "ob3": "json", "schemaorg": "jsonld"}
# Command-line flag -> keyword parameter of the exporters that take it.
EXPORT_OPTIONS = {"--national-id": "national_id", "--issuer-profile": "issuer_profiles", "--side-record": "side_record"}


def register(sub) -> None:
    from samtbu.grep.cli import add_grep_option

    p = add_command(sub, "import", cmd_import, "turn a document in another format (EMREX ELMO) into a record of the model")
    add_input(p, "file", "the document to import")
    p.add_argument("--from", dest="source_format", choices=sorted(IMPORTERS), required=True, help="the format of the document")
    add_output(p, "{name}.json or .ttl")
    p.add_argument("--format", choices=IMPORT_FORMATS, help="record format (default: from the output file name, else json)")
    p.add_argument("--side-record", dest="side_record", type=output_path_argument, metavar="PATH",
                   help="write the side record here, a file or a folder for {name}.elmo-side.json (default: beside the "
                        "output, NAME.elmo-side.json; with the record on standard output, none is written unless this is given)")
    p.add_argument("--unmapped", type=output_path_argument, metavar="PATH",
                   help="also write the unmapped elements as JSON: a file, or a folder for {name}.unmapped.json")
    add_quiet(p, "do not list the unmapped elements on standard error")

    p = add_command(sub, "export", cmd_export, "write a record of the model in another format (" + ", ".join(sorted(EXPORTERS)) + ")")
    add_input(p, "record", "the record (JSON or Turtle; '-' reads standard input)", stdin=False)
    p.add_argument("--to", dest="target", choices=sorted(EXPORTERS), required=True, help="the target format")
    add_output(p, "{name}.{target}.jsonld, ...")
    p.add_argument("--national-id", action="store_true", help=(
        "put the learner's fødselsnummer in the export (elm: nationalID; elmo: nationalIdentifier; ob3: as a salted "
        "hash), for a receiver with a legal basis to need it; without it, the number is left out and listed as not carried"))
    p.add_argument("--side-record", dest="side_record", type=Path, metavar="FILE",
                   help="elmo: the side record of an import; the document is then the imported one with the record's facts "
                        "written into it")
    add_issuer_profile_option(p, "JSON file of issuer profiles")
    add_quiet(p, "do not list the facts the target does not carry")
    add_grep_option(p)  # subject and programme titles from Grep


def _read_input(path: Path) -> tuple[bytes, str]:
    from samtbu.validate.input import read_file, read_stream

    if str(path) == "-":
        return read_stream(sys.stdin.buffer, "<stdin>"), "<stdin>"
    return read_file(path), str(path)


def _stem(path: Path) -> str:
    """The name outputs are named after when -o names a folder."""
    return "record" if str(path) == "-" else path.name.split(".")[0] or "record"


def cmd_import(args: argparse.Namespace) -> int:
    """Read a document in another format and write it as a record of the model (plain JSON or Turtle). What the
    model does not hold is kept verbatim in a side record (JSON, beside the record, or --side-record)
    and listed on standard error, as is what is not kept at all. A document that is not Norwegian upper
    secondary documentation is imported as what it is: only what the model can state truthfully goes
    into the record. Exit code 0: imported; 2: unreadable or unsafe input.
    """

    data, source = _read_input(args.file)
    result = IMPORTERS[args.source_format](data, source)
    fmt = args.format or ("turtle" if args.output and Path(args.output).suffix.lower() in (".ttl", ".turtle") else "json")
    if fmt == "turtle":
        text = result.graph.serialize(format="turtle")
    else:
        from samtbu.generate.plainjson import frame_plain

        text = json.dumps(frame_plain(result.graph), indent=2, ensure_ascii=False) + "\n"
    # The imported record is the learner's record: its identity number is data, not a leak.
    written = write_output(text, args.output, f"{_stem(args.file)}.{'ttl' if fmt == 'turtle' else 'json'}",
                           carries_identity_numbers=True)
    side_path = args.side_record or (written.with_name(f"{written.name.split('.')[0]}.elmo-side.json") if written else None)
    if result.side_record is not None and side_path is not None:
        # The side record is the source document itself (the learner's own data, like the record).
        write_output(json.dumps(result.side_record, indent=2, ensure_ascii=False) + "\n", side_path,
                     f"{_stem(args.file)}.elmo-side.json", carries_identity_numbers=True)
    if args.unmapped:
        write_output(json.dumps([u.as_dict() for u in result.unmapped], indent=2, ensure_ascii=False) + "\n",
                     args.unmapped, f"{_stem(args.file)}.unmapped.json")
    if result.unmapped and not args.quiet:
        kept = [u for u in result.unmapped if getattr(u, "kept", False)]
        dropped = [u for u in result.unmapped if not getattr(u, "kept", False)]
        if kept:
            where = "kept verbatim in the side record" if side_path is not None else "NOT kept (no side record written)"
            print(f"samtbu: {len(kept)} element(s) of {source} are not held by the model, {where}:", file=sys.stderr)
            for item in kept:
                print(f"  {_masked(item)}", file=sys.stderr)
        if dropped:
            print(f"samtbu: {len(dropped)} element(s) of {source} are not carried:", file=sys.stderr)
            for item in dropped:
                print(f"  {_masked(item)}", file=sys.stderr)
    return 0


def _masked(item) -> str:
    from samtbu.validate.report import mask_identity_numbers

    return mask_identity_numbers(str(item))


def _export_options(args: argparse.Namespace) -> dict:
    """The options given on the command line, each checked to be one the target takes."""
    import inspect

    accepted = inspect.signature(EXPORTERS[args.target]).parameters
    options = {}
    for flag, name in EXPORT_OPTIONS.items():
        value = getattr(args, name, None)
        if value in (None, False):
            continue
        if name not in accepted:
            raise SamtbuError(f"{flag} does not apply to --to {args.target}")
        options[name] = value
    return options


def cmd_export(args: argparse.Namespace) -> int:
    """Write a record (JSON or Turtle) in another format. The facts that the format does not carry are listed
    on standard error; the output is checked against the format's schema where one is available. Exit
    code 0: exported; 2: unreadable record, or output that does not validate.
    """

    from samtbu.validate.input import read_payload

    if str(args.record) == "-":
        data, source = _read_input(args.record)
        payload = read_payload(data, source=source)
    else:
        payload = read_payload(args.record)
    from samtbu.grep import using

    options = _export_options(args)
    with using(args.grep):  # None: the configured snapshot, if any
        result = EXPORTERS[args.target](payload.graph, **options)
    write_output(result.data, args.output, f"{_stem(args.record)}.{args.target}.{EXPORT_SUFFIXES[args.target]}",
                 carries_identity_numbers=args.national_id)
    for warning in result.warnings:
        print(f"samtbu: warning: {warning}", file=sys.stderr)
    if result.not_carried and not args.quiet:
        print(f"samtbu: {len(result.not_carried)} fact(s) of the record are not carried by {args.target}:", file=sys.stderr)
        for item in result.not_carried:
            print(f"  {_masked(item)}", file=sys.stderr)
    return 0
