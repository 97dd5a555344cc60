"""Validate payloads against the model's SHACL profiles.

One pipeline for the CLI, the Python API and the HTTP service:
input (detect, parse safely) -> engine (SHACL) -> report (plain values, masked) -> render.

>>> from samtbu.validate import validate
>>> report = validate(Path("examples/enkeltresultat.json"), profile="enkeltresultat")
>>> report.conforms, report.render("text")
"""

from __future__ import annotations

import re
import warnings
from dataclasses import replace
from functools import partial
from pathlib import Path
from collections.abc import Iterable
from typing import Any, cast
from urllib.parse import quote

from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.namespace import SH

from samtbu.errors import SamtbuError
from samtbu.model import Model, Profile
from samtbu.namespaces import GREP, SAMTBU, SBU, UKJENT
from samtbu.validate.engine import (
    ENGINES, EngineError, EngineRun, ProfileError, detect_profile, detect_profile_triples, run_engine, with_grep,
)
from samtbu.validate.expected import describe_expected
from samtbu.validate.input import FORMATS, SUFFIXES, InputError, Payload, payload_files, read_payload
from samtbu.validate.present import Presenter
from samtbu.validate.report import Deferred, RecordReport, Report, Result, results_from_findings

PayloadLike = str | bytes | dict | list | Path | Graph

# rdflib warns on stderr when it reads an ill-typed boolean ("nei"); the report says what is wrong
# with the value, and stderr is kept for the one-line error of exit code 2.
warnings.filterwarnings("ignore", message="Parsing weird boolean", category=UserWarning)


# The toolkit's rule for each kind of unknown term the reader finds (its texts, severity and
# sources are in the model: shapes/verktoey/regler.ttl).
_UNKNOWN_RULE = {"field": "UnknownField", "type": "UnknownType", "duplicate": "DuplicateKey"}


def unknown_term_results(payload: Payload, lang: str, model: Model | None = None) -> list[Result]:
    """JSON keys and types the context does not define would vanish in JSON-LD, and of a key given
    twice only the last value is read; report them."""
    if not payload.unknown_terms:
        return []
    model = model or Model.load()
    results = []
    for pointer, name, kind in payload.unknown_terms:
        rule = model.toolkit_rule(_UNKNOWN_RULE[kind])
        results.append(
            Result(
                severity=rule.severity,
                message=rule.message(lang, name=name),
                focus_node=payload.source,
                value=name,
                expected=rule.expected_text(lang),
                constraint=rule.constraint,
                pointer=pointer,
            )
        )
    return results


def validate_payload(
    payload: Payload, profile: str | Profile | None = None, *, lang: str = "nb", model: Model | None = None, engine: str = "fast",
    keep_shacl_report: bool = True, grep=None,
) -> RecordReport:
    """Validate one parsed payload; the profile is detected from its root node when not given.

    ``engine``: "fast" (default; compiled shapes, falls back to pyshacl for what it does not
    implement) or "pyshacl". Both give the same report. ``profile``: a profile's name, or a
    ``Profile`` made at run time (a sharing policy's closed profile). ``keep_shacl_report=False``: the record
    need not carry the SHACL report graph (``shacl_report`` is then None), as in a batch.
    ``grep``: a Grep snapshot (``samtbu.grep.Snapshot``) or None: with one, the payload's Grep codes
    are checked against it (shapes/grep.ttl) and results name their subject by code and title."""
    return validate_payload_indexed(payload, profile, lang=lang, model=model, engine=engine,
                                    keep_shacl_report=keep_shacl_report, grep=grep)[0]


def validate_payload_indexed(
    payload: Payload, profile: str | None = None, *, lang: str = "nb", model: Model | None = None, engine: str = "fast",
    keep_shacl_report: bool = True, grep=None,
) -> tuple[RecordReport, Any]:
    """``validate_payload``, and the fast engine's triple index of the payload (``EngineRun.data``,
    None when it built none), for a caller that reads the record again (a batch's facts)."""
    model = model or Model.load()
    triples = getattr(payload, "triples", None)
    if isinstance(profile, Profile):  # a profile made at run time (a sharing policy's closed profile)
        chosen = profile
    elif profile:
        chosen = model.profile(profile)
    else:
        chosen = detect_profile_triples(triples, model) if triples is not None else detect_profile(payload.graph, model)
    if grep is not None:
        chosen = with_grep(chosen, model, grep)
    run = run_engine(payload, chosen, model, engine, grep=grep)
    results: list[Result] = []
    if run.findings:
        vocab = model.vocab

        def expected_of(shape, constraint, language, sent, sent_literal=False):
            return describe_expected(chosen.shapes, shape, constraint, language, vocab, sent=sent, sent_literal=sent_literal)

        results = results_from_findings(
            run.findings, chosen.shapes, lang=lang, presenter=Presenter(payload, lang, vocab), expected_of=expected_of
        )
    if payload.unknown_terms:
        results = unknown_term_results(payload, lang, model) + results
    if grep is not None and results:
        results = name_subjects(results, payload, grep, lang)
    # the SHACL report graph is made only when it is read (for the SHACL formats; most callers never do)
    shacl_report = cast(Graph, Deferred(partial(_shacl_report, run, payload, model))) if keep_shacl_report else None
    return RecordReport(payload.source, payload.format, chosen.name, results, shacl_report=shacl_report), run.data


def _shacl_report(run: EngineRun, payload: Payload, model: Model) -> Graph:
    graph = run.shacl_report()
    add_unknown_terms_to_shacl(graph, payload, model)
    return graph


def add_unknown_terms_to_shacl(report_graph: Graph, payload: Payload, model: Model | None = None) -> None:
    """The results of ``unknown_term_results`` in the record's SHACL report as well, so that the
    shacl-turtle and shacl-jsonld reports carry what the other formats do: each a sh:ValidationResult
    on the node that holds the key, with the toolkit's constraint component (samtbu:UnknownField,
    samtbu:UnknownType, samtbu:DuplicateKey), its severity, value and messages; sh:conforms is
    false when there is any result (SHACL 1.0, 3.6.1)."""
    if not payload.unknown_terms:
        return
    report = report_graph.value(predicate=RDF.type, object=SH.ValidationReport, any=False)
    if report is None:
        report = BNode()
        report_graph.add((report, RDF.type, SH.ValidationReport))
    holders = _holders(payload)
    model = model or Model.load()
    for pointer, name, kind in payload.unknown_terms:
        rule = model.toolkit_rule(_UNKNOWN_RULE[kind])
        node = BNode()
        report_graph.add((report, SH.result, node))
        report_graph.add((node, RDF.type, SH.ValidationResult))
        report_graph.add((node, SH.focusNode, holders(pointer)))
        report_graph.add((node, SH.resultSeverity, SH[rule.severity]))
        report_graph.add((node, SH.sourceConstraintComponent, rule.iri))
        if kind == "field" and _PLAIN_KEY.fullmatch(name):  # what a JSON-LD processor makes of it with the
            report_graph.add((node, SH.resultPath, UKJENT[name]))  # context's @vocab (when that is an IRI)
        elif kind == "type":
            report_graph.add((node, SH.resultPath, RDF.type))
        report_graph.add((node, SH.value, Literal(name)))
        for language, message in rule.message_per_language(name=name).items():
            report_graph.add((node, SH.resultMessage, Literal(message, lang=language)))
    report_graph.set((report, SH.conforms, Literal(False)))
    report_graph.bind("samtbu", SAMTBU)


# A key that is an IRI's local part as it stands (a space or a quote would make no IRI, and
# percent-encoding would split an identity number past the mask).
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_.\-]+")


def _holders(payload: Payload):
    """pointer of a JSON key -> the RDF node of the object that holds it (the nearest enclosing
    object that is a node); the payload's source as a literal when no node holds it."""
    from samtbu.validate.fast import to_rdflib

    by_pointer: dict[str, object] = {}
    for node, pointer in payload.pointers.items():
        by_pointer.setdefault(pointer, node)

    def holder(pointer: str):
        parts = pointer.split("/")[:-1]
        while True:
            node = by_pointer.get("/".join(parts))
            if node is not None:
                return node if isinstance(node, (URIRef, BNode)) else to_rdflib(node)
            if not parts:
                return Literal(payload.source)
            parts.pop()

    return holder


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
    if grep is False:
        return None
    from samtbu.grep import resolve_snapshot

    return resolve_snapshot(grep)


def read_any(data: PayloadLike, *, format: str | None = None, source: str | None = None, model: Model | None = None, engine: str = "fast"):
    """Read a payload for the chosen engine: light triples for "fast", an rdflib graph for "pyshacl"."""
    if engine not in ENGINES:
        raise SamtbuError(f"unknown engine {engine!r} (use one of: {', '.join(ENGINES)})")
    if engine == "fast" and not isinstance(data, Graph):
        from samtbu.validate.fast import read_fast

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
    "validate", "validate_files", "validate_payload", "validate_payload_indexed", "read_payload", "Report", "RecordReport", "Result",
    "InputError", "ProfileError", "SamtbuError", "FORMATS", "ENGINES", "read_any",
]
