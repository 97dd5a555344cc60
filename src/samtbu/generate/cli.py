"""`samtbu context` (and the other generators): thin layer over samtbu.generate."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from samtbu.model import Model
from samtbu.cliargs import add_command, add_lang, add_output
from samtbu.output import OUTPUT_HELP, output_folder, write_output


def register(sub) -> None:
    p = add_command(sub, "context", cmd_context, "generate the JSON-LD context")
    add_output(p, help=OUTPUT_HELP + "; a folder without --part gets the base context and every extension")
    p.add_argument("--part", default=None, metavar="MODULE",
                   help="write only this extension context (a module name); default: the base context")

    register_site(sub)
    register_rules(sub)

    p = add_command(sub, "catalog", cmd_catalog, "generate the ModellDCAT-AP-NO description of the model (Turtle)")
    add_output(p)

    p = add_command(sub, "jsonschema", cmd_jsonschema, "generate the JSON Schema (2020-12) of each validation profile")
    p.add_argument("--profile", help="only this profile (default: all profiles; required without -o if there are several)")
    add_output(p, help="with --profile: " + OUTPUT_HELP + "; without: the folder to write {profile}.json into (created if missing)")


def cmd_context(args: argparse.Namespace) -> int:
    """Generate the JSON-LD 1.1 context from the ontology and shapes (deterministic output). The released
    context of a version never changes; terms added after it are written as extension contexts, one per
    ontology module (samtbu-context-{version}-{module}.jsonld). With a directory as output, the base and
    every extension are written; otherwise one part (--part).
    """

    from samtbu.generate.context import context_file_name, context_parts, render_context

    from samtbu.errors import SamtbuError
    from samtbu.model import ModelError

    model = Model.load()
    parts = context_parts(model)
    if args.part is not None and args.part not in parts:
        raise SamtbuError(f"--part: no extension context {args.part!r} (extensions: {', '.join(p for p in parts if p) or 'none'})")
    given = args.output
    if given is not None and args.part is None and (str(given).endswith(("/", os.sep)) or Path(given).is_dir()):
        # The base context of the version, then one extension per module that added terms after it.
        for part in parts:
            write_output(render_context(model, part), given, context_file_name(model.version, part))
        return 0
    part = args.part or ""
    try:
        write_output(render_context(model, part), given, context_file_name(model.version, part))
    except ModelError as exc:
        raise SamtbuError(str(exc)) from None
    return 0


def cmd_catalog(args: argparse.Namespace) -> int:
    """Generate the full ModellDCAT-AP-NO description of the information model: vocab/modell.ttl plus the model
    elements derived from the ontology, code lists and shapes (deterministic output).
    """

    from samtbu.generate.modelldcat import model_description_file_name, render_model_description

    model = Model.load()
    write_output(render_model_description(model), args.output, model_description_file_name(model.version))
    return 0


def cmd_jsonschema(args: argparse.Namespace) -> int:
    """Generate one JSON Schema 2020-12 per validation profile from its shapes, the ontology and the code lists
    (deterministic output). Without -o, one profile is printed to standard output.
    """

    from samtbu.errors import SamtbuError
    from samtbu.generate.jsonschema import render_schema, schema_file_name

    model = Model.load()
    if args.profile:
        name = model.profile(args.profile).name
        write_output(render_schema(model, name), args.output, schema_file_name(name))
        return 0
    names = sorted(model.profiles)
    if args.output is None:
        if len(names) != 1:
            raise SamtbuError(f"give --profile (one of: {', '.join(names)}) or -o DIR to write them all")
        write_output(render_schema(model, names[0]), None, schema_file_name(names[0]))
        return 0
    folder = output_folder(args.output)
    for name in names:
        write_output(render_schema(model, name), str(folder) + "/", schema_file_name(name))
    return 0


def register_rules(sub) -> None:
    """`samtbu rules`: the table of every validation rule (samtbu.generate.rules)."""
    p = add_command(sub, "rules", cmd_rules, "list every validation rule: what it checks, its messages, its source and its kind")
    p.add_argument("-f", "--format", choices=("text", "json"), default="text", help="output format (default: text)")
    p.add_argument("-p", "--profile", help="only the rules of this profile")
    p.add_argument("--kind", choices=("structure", "domain"), help="only rules of this kind")
    p.add_argument("--severity", type=str.capitalize, choices=("Violation", "Warning", "Info"), help="only rules of this severity")
    add_lang(p, "descriptions and source names in text output", also="messages are shown in all three")
    add_output(p, "rules.txt or rules.json")


def cmd_rules(args: argparse.Namespace) -> int:
    """List every rule of every validation profile (and of the shape modules no profile uses yet): the
    constraint it checks, its severity, its messages in nb, nn and en, its source (law, regulation,
    Udir's guidance, a standard, or the model itself) and its kind: structure (datatype, cardinality,
    class, node kind, closed shape) or domain (codes, grades, numbers, dates, patterns, SPARQL rules).
    """

    from samtbu.generate.rules import collect_rules, render_json, render_text

    model = Model.load()
    rules = collect_rules(model)
    if args.profile:
        name = model.profile(args.profile).name
        rules = [r for r in rules if name in r.profiles]
    if args.kind:
        rules = [r for r in rules if r.kind == args.kind]
    if args.severity:
        rules = [r for r in rules if r.severity == args.severity]
    text = render_json(rules) if args.format == "json" else render_text(rules, args.lang)
    write_output(text, args.output, "rules." + ("txt" if args.format == "text" else "json"))
    return 0


def register_site(sub) -> None:
    """`samtbu site build|serve`: the documentation site (samtbu.generate.site)."""
    p = sub.add_parser("site", help="build or serve the documentation site (mkdocs-material)",
                       description="The published concept catalog and model documentation, generated from the model.")
    site_sub = p.add_subparsers(dest="site_command", metavar="ACTION", required=True)
    b = add_command(site_sub, "build", cmd_site_build, "generate the pages and run mkdocs build --strict")
    add_output(b, metavar="DIR", help=SITE_FOLDER)
    b.add_argument("--src", type=Path, help="folder for the generated Markdown sources (default: build/site-src)")
    s = add_command(site_sub, "serve", cmd_site_serve, "build the site (unless --no-build) and serve it on 127.0.0.1")
    add_output(s, metavar="DIR", help=SITE_FOLDER)
    s.add_argument("-p", "--port", type=int, default=8000, help="port (default: 8000)")
    s.add_argument("--no-build", action="store_true", help="serve the folder as it is")


SITE_FOLDER = "site folder, created if missing (default: build/site)"


def cmd_site_build(args: argparse.Namespace) -> int:
    from samtbu.extras import require
    from samtbu.generate.site import build_site

    require("site", "site build")
    out = build_site(Model.load(), output_folder(args.output) if args.output else None, src=args.src)
    print(f"built {out} (open {out / 'index.html'})", file=sys.stderr)
    return 0


def cmd_site_serve(args: argparse.Namespace) -> int:
    from samtbu.errors import listening_socket
    from samtbu.generate.site import build_site, default_output_dir, serve_site

    model = Model.load()
    if args.no_build:  # serve what is there; a missing folder is named by serve_site
        serve_site(Path(args.output) if args.output else default_output_dir(model), port=args.port)
        return 0
    from samtbu.extras import require

    require("site", "site serve")
    sock = listening_socket("127.0.0.1", args.port)  # a busy port is said before the build, not after it
    serve_site(build_site(model, output_folder(args.output) if args.output else None), sock=sock)
    return 0
