"""`samtbu context` (and the other generators): thin layer over samtbu.generate."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from samtbu.model import Model


def register(sub) -> None:
    p = sub.add_parser(
        "context",
        help="generate the JSON-LD context",
        description="Generate the JSON-LD 1.1 context from the ontology and shapes (deterministic output).",
    )
    p.add_argument(
        "-o", "--output", type=Path,
        help="a file, or a directory to write the versioned file name into (default: standard output)",
    )
    p.set_defaults(func=cmd_context)

    p = sub.add_parser(
        "catalog",
        help="generate the ModellDCAT-AP-NO description of the model (Turtle)",
        description="Generate the full ModellDCAT-AP-NO description of the information model: vocab/modell.ttl "
        "plus the model elements derived from the ontology, code lists and shapes (deterministic output).",
    )
    p.add_argument(
        "-o", "--output", type=Path,
        help="a file, or a directory to write the versioned file name into (default: standard output)",
    )
    p.set_defaults(func=cmd_catalog)


def write_text(text: str, output: Path | None, file_name: str) -> Path | None:
    """Write to stdout, a file, or a directory (with the artifact's versioned file name)."""
    if output is None:
        sys.stdout.write(text)
        return None
    target = output / file_name if output.is_dir() else output
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}", file=sys.stderr)
    return target


def cmd_context(args: argparse.Namespace) -> int:
    from samtbu.generate.context import context_file_name, render_context

    model = Model.load()
    write_text(render_context(model), args.output, context_file_name(model.version))
    return 0


def cmd_catalog(args: argparse.Namespace) -> int:
    from samtbu.generate.modelldcat import model_description_file_name, render_model_description

    model = Model.load()
    write_text(render_model_description(model), args.output, model_description_file_name(model.version))
    return 0
