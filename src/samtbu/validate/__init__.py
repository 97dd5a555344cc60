"""Validate payloads against the model's SHACL profiles.

One pipeline for the CLI, the Python API and the HTTP service:
input (detect, parse safely) -> engine (SHACL) -> report (plain values, masked) -> render.

>>> from samtbu.validate import validate
>>> report = validate(Path("examples/enkeltresultat.json"), profile="enkeltresultat")
>>> report.conforms, report.render("text")
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from pathlib import Path
from typing import Iterable
from urllib.parse import quote

from rdflib import Graph
from rdflib.namespace import SH

from samtbu.errors import SamtbuError
from samtbu.model import Model
from samtbu.namespaces import GREP, SBU
from samtbu.validate.engine import (
    ENGINES, EngineError, ProfileError, detect_profile, detect_profile_triples, run_engine, with_grep,
)
from samtbu.validate.expected import describe_expected
from samtbu.validate.input import FORMATS, SUFFIXES, InputError, Payload, payload_files, read_payload
from samtbu.validate.present import Presenter
from samtbu.validate.report import RecordReport, Report, Result, results_from_shacl

PayloadLike = str | bytes | dict | list | Path | Graph

# rdflib warns on stderr when it reads an ill-typed boolean ("nei"); the report says what is wrong
# with the value, and stderr is kept for the one-line error of exit code 2.
warnings.filterwarnings("ignore", message="Parsing weird boolean", category=UserWarning)


_UNKNOWN = {
    "field": {
        "nb": "Ukjent felt «{name}»: det er ikke et begrep i modellen, og innholdet ville gått tapt.",
        "nn": "Ukjend felt «{name}»: det er ikkje eit omgrep i modellen, og innhaldet ville gått tapt.",
        "en": "Unknown field '{name}': it is not a term of the model, and its content would be lost.",
    },
    "type": {
        "nb": "Ukjent type «{name}»: det er ingen klasse i modellen med dette navnet.",
        "nn": "Ukjend type «{name}»: det finst ingen klasse i modellen med dette namnet.",
        "en": "Unknown type '{name}': the model has no class of that name.",
    },
    "duplicate": {
        "nb": "Feltet «{name}» står to ganger i samme objekt: bare den siste verdien blir lest, de andre går tapt.",
        "nn": "Feltet «{name}» står to gonger i same objekt: berre den siste verdien blir lesen, dei andre går tapt.",
        "en": "The key '{name}' is given twice in one object: only the last value is read, the others are lost.",
    },
}
_A_TERM = {"nb": "et begrep i samtbu-konteksten", "nn": "eit omgrep i samtbu-konteksten", "en": "a term of the samtbu context"}
_UNKNOWN_CONSTRAINT = {"field": "samtbu:UnknownField", "type": "samtbu:UnknownType", "duplicate": "samtbu:DuplicateKey"}


def unknown_term_results(payload: Payload, lang: str) -> list[Result]:
    """JSON keys and types the context does not define would vanish in JSON-LD, and of a key given
    twice only the last value is read; report them."""
    lang = lang if lang in _A_TERM else "en"
    results = []
    for pointer, name, kind in payload.unknown_terms:
        results.append(
            Result(
                # A key given twice is a Warning: the JSON is valid, but data would be lost silently.
                severity="Warning" if kind == "duplicate" else "Violation",
                message=_UNKNOWN[kind][lang].format(name=name),
                focus_node=payload.source,
                value=name,
                expected=None if kind == "duplicate" else _A_TERM[lang],
                constraint=_UNKNOWN_CONSTRAINT[kind],
                pointer=pointer,
            )
        )
    return results


def validate_payload(
    payload: Payload, profile: str | None = None, *, lang: str = "nb", model: Model | None = None, engine: str = "fast",
    keep_shacl_report: bool = True, grep=None,
) -> RecordReport:
    """Validate one parsed payload; the profile is detected from its root node when not given.

    ``engine``: "fast" (default; compiled shapes, falls back to pyshacl for what it does not
    implement) or "pyshacl". Both give the same report. ``keep_shacl_report=False``: the record
    need not carry the SHACL report graph (``shacl_report`` is then None), as in a batch.
    ``grep``: a Grep snapshot (``samtbu.grep.Snapshot``) or None: with one, the payload's Grep codes
    are checked against it (shapes/grep.ttl) and results name their subject by code and title."""
    model = model or Model.load()
    triples = getattr(payload, "triples", None)
    if profile:
        chosen = model.profile(profile)
    else:
        chosen = detect_profile_triples(triples, model) if triples is not None else detect_profile(payload.graph, model)
    if grep is not None:
        chosen = with_grep(chosen, model, grep)
    report_graph = run_engine(payload, chosen, model, engine, report_if_conforms=keep_shacl_report, grep=grep)
    if report_graph is None:  # conforms, and no report graph wanted
        results = unknown_term_results(payload, lang)
        return RecordReport(payload.source, payload.format, chosen.name,
                            name_subjects(results, payload, grep, lang) if grep is not None and results else results)
    if (None, SH.result, None) in report_graph:
        vocab = model.vocab

        def expected_of(shape, constraint, language, sent, sent_literal=False):
            return describe_expected(chosen.shapes, shape, constraint, language, vocab, sent=sent, sent_literal=sent_literal)

        results = results_from_shacl(
            report_graph, chosen.shapes, lang=lang, presenter=Presenter(payload, lang, vocab), expected_of=expected_of
        )
    else:  # conforms: nothing to present (a model from the compiled-model cache reads no graph for it)
        results = []
    results = unknown_term_results(payload, lang) + results
    if grep is not None and results:
        results = name_subjects(results, payload, grep, lang)
    return RecordReport(payload.source, payload.format, chosen.name, results,
                        shacl_report=report_graph if keep_shacl_report else None)


_GREP_VALUED = {str(SBU.gjelderFag), str(SBU.programomraade), str(SBU.utdanningsprogram)}


def name_subjects(results: list[Result], payload, grep, lang: str) -> list[Result]:
    """Each result about an assessment, or about a Grep code, names the subject (or programme) by
    its code and its title in the snapshot: "REA3062 Matematikk S2"."""
    from samtbu.grep import subject_label

    gjelder = str(SBU.gjelderFag)
    triples = getattr(payload, "triples", None)
    if triples is None:
        triples = [(str(s), str(p), o) for s, p, o in payload.graph.triples((None, SBU.gjelderFag, None))]
    fag_of = {str(s): str(o) for s, p, o in triples if p == gjelder and isinstance(o, str)}
    out = []
    for r in results:
        iri = fag_of.get(r.focus_node)
        if iri is None and r.value and r.value.startswith(str(GREP)):
            iri = r.value
        elif iri is None and r.value and r.path in _GREP_VALUED:  # the value is shown as its code
            iri = str(GREP) + quote(r.value, safe="")
        label = subject_label(iri, grep, lang) if iri else None
        out.append(replace(r, subject=label) if label else r)
    return out


def validate(
    data: PayloadLike,
    profile: str | None = None,
    *,
    format: str | None = None,
    lang: str = "nb",
    source: str | None = None,
    model: Model | None = None,
    engine: str = "fast",
    grep=None,
) -> Report:
    """Validate one payload (text, bytes, parsed JSON, a path or an rdflib Graph) against a profile.

    ``grep``: the Grep snapshot to check codes against: a ``Snapshot``, a path, ``False`` (none), or
    None for the configured one ($SAMTBU_GREP or samtbu.toml; none when nothing is configured).
    Raises ``InputError`` (exit code 2 in the CLI) when the payload cannot be read, and
    ``ProfileError`` when the profile is unknown or cannot be detected.
    """
    model = model or Model.load()
    snapshot = snapshot_for(grep)
    payload = read_any(data, format=format, source=source, model=model, engine=engine)
    return Report([validate_payload(payload, profile, lang=lang, model=model, engine=engine, grep=snapshot)], lang=lang)


def snapshot_for(grep):
    """A ``Snapshot`` or None from what a caller gave (see ``validate``)."""
    from samtbu.grep import resolve_snapshot

    return resolve_snapshot(grep)


def read_any(data: PayloadLike, *, format: str | None = None, source: str | None = None, model: Model | None = None, engine: str = "fast"):
    """Read a payload for the chosen engine: light triples for "fast", an rdflib graph for "pyshacl"."""
    if engine not in ENGINES:
        raise SamtbuError(f"unknown engine {engine!r} (use one of: {', '.join(ENGINES)})")
    if engine == "fast" and not isinstance(data, Graph):
        from samtbu.validate.fastinput import read_fast

        return read_fast(data, format=format, source=source, model=model)
    return read_payload(data, format=format, source=source, model=model)


def expand_paths(paths: Iterable[Path], *, follow_symlinks: bool = False) -> list[tuple[Path, str | None]]:
    """Files as given, and for a directory every payload file in it (recursively, sorted), each with
    the reason it is skipped, or None (see ``input.payload_files``)."""
    files: list[tuple[Path, str | None]] = []
    for path in paths:
        if path.is_dir():
            files.extend(payload_files(path, follow_symlinks=follow_symlinks))
        else:
            files.append((path, None))
    return files


def validate_files(
    paths: Iterable[Path],
    profile: str | None = None,
    *,
    format: str | None = None,
    lang: str = "nb",
    model: Model | None = None,
    engine: str = "fast",
    grep=None,
    follow_symlinks: bool = False,
) -> Report:
    """Validate many files; an unreadable one is reported as such and the others go on."""
    model = model or Model.load()
    snapshot = snapshot_for(grep)
    paths = list(paths)
    records = []
    for path, skipped in expand_paths(paths, follow_symlinks=follow_symlinks):
        fmt = format or SUFFIXES.get(path.suffix.lower(), "?")
        if skipped is not None:
            records.append(RecordReport(str(path), fmt, profile or "?", error=skipped))
            continue
        try:
            payload = read_any(path, format=format, model=model, engine=engine)
            records.append(validate_payload(payload, profile, lang=lang, model=model, engine=engine, grep=snapshot))
        except (InputError, ProfileError, EngineError) as exc:
            records.append(RecordReport(str(path), fmt, profile or "?", error=exc.message))
    if not records:
        raise InputError("no payload files found", where=", ".join(str(p) for p in paths))
    return Report(records, lang=lang)


__all__ = [
    "validate", "validate_files", "validate_payload", "read_payload", "Report", "RecordReport", "Result",
    "InputError", "ProfileError", "SamtbuError", "FORMATS", "ENGINES", "read_any",
]
