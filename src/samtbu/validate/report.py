"""The report: plain values, independent of any output format.

Built from what an engine found (``Finding``: what a sh:ValidationResult says, in rdflib terms; the
fast engine gives them directly, pyshacl's report graph is read into them) and the payload (to name
the field of the original payload). Every text a ``Result`` or ``RecordReport`` holds is masked when it is made (with the one
function of the output boundary, ``samtbu.output.mask_identity_numbers``), and so is every rendering:
no renderer and no caller of the Python API can get a full identity number out of a report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from collections.abc import Callable, Iterable
from typing import NamedTuple, cast

from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from samtbu.output import mask_identity_numbers

SEVERITIES = ("Violation", "Warning", "Info")
SEVERITY_RANK = {"Violation": 3, "Warning": 2, "Info": 1}


def _mask_fields(obj) -> None:
    for name, value in obj.__dict__.items():
        if isinstance(value, str) and value not in _NOTHING_TO_MASK:
            masked = mask_identity_numbers(value)
            if masked is value:
                if len(_NOTHING_TO_MASK) >= _NOTHING_TO_MASK_KEPT:
                    _NOTHING_TO_MASK.clear()
                _NOTHING_TO_MASK.add(value)
            else:
                object.__setattr__(obj, name, masked)


# Texts in which mask_identity_numbers found nothing to mask (a record's source, format and profile,
# most messages: they recur from record to record), remembered so that the search is not made again
# for each; a bounded set, and by its definition it holds no identity number.
_NOTHING_TO_MASK: set = set()
_NOTHING_TO_MASK_KEPT = 4096


@dataclass(frozen=True)
class Result:
    severity: str
    message: str
    focus_node: str
    path: str | None = None
    value: str | None = None
    expected: str | None = None
    source_shape: str | None = None
    constraint: str | None = None
    pointer: str | None = None
    subject: str | None = None  # the subject or programme the result is about: "REA3062 Matematikk S2" (with Grep)

    def __post_init__(self) -> None:
        _mask_fields(self)

    @property
    def location(self) -> str:
        """Where the result is, as a person reads it: a JSON Pointer, or subject and predicate."""
        if self.pointer is not None:
            return self.pointer or "/"
        return f"<{self.focus_node}>" + (f" <{self.path}>" if self.path else "")

    def to_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None} | {"location": self.location}


class Deferred:
    """A value built when it is first read (see ``_BuiltWhenRead``). (A plain class: one is made for
    every record validated.)"""

    __slots__ = ("build",)

    def __init__(self, build: Callable[[], Graph]) -> None:
        self.build = build


class _BuiltWhenRead:
    """The descriptor of ``RecordReport.shacl_report``: a ``Deferred`` given for it is built once,
    when the attribute is first read."""

    def __init__(self, slot: str) -> None:
        self.slot = slot

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        value = obj.__dict__.get(self.slot)
        if isinstance(value, Deferred):
            value = obj.__dict__[self.slot] = value.build()
        return value

    def __set__(self, obj, value) -> None:
        obj.__dict__[self.slot] = None if value is self else value


@dataclass
class RecordReport:
    """The results for one payload (record)."""

    source: str
    format: str
    profile: str
    results: list[Result] = field(default_factory=list)
    error: str | None = None  # the payload could not be read at all
    # the SHACL report graph, or a ``Deferred`` that builds it when first read (only the SHACL output
    # formats read it; a conforming record's report alone costs about a quarter of its validation)
    shacl_report: Graph | None = field(default=cast(Graph, _BuiltWhenRead("_shacl_report")), repr=False, compare=False)

    def __post_init__(self) -> None:
        _mask_fields(self)

    def __getstate__(self) -> dict:
        self.shacl_report  # noqa: B018 - a Deferred report is built before pickling (its builder may be a closure)
        return self.__dict__

    @property
    def conforms(self) -> bool:
        return self.error is None and not any(r.severity == "Violation" for r in self.results)

    def count(self, severity: str) -> int:
        return sum(1 for r in self.results if r.severity == severity)

    def to_dict(self) -> dict:
        """One record's part of the JSON report (also one line of a batch's NDJSON report)."""
        return {
            "source": self.source,
            "format": self.format,
            "profile": self.profile,
            "conforms": self.conforms,
            **({"error": self.error} if self.error else {}),
            "results": [r.to_dict() for r in self.results],
        }


@dataclass
class Report:
    """The results for one or more records, validated against one or more profiles."""

    records: list[RecordReport]
    lang: str = "nb"

    @property
    def conforms(self) -> bool:
        return all(r.conforms for r in self.records)

    @property
    def results(self) -> list[Result]:
        return [result for record in self.records for result in record.results]

    def count(self, severity: str) -> int:
        return sum(record.count(severity) for record in self.records)

    @property
    def unreadable(self) -> int:
        return sum(1 for record in self.records if record.error is not None)

    def fails(self, fail_on: str = "Violation") -> bool:
        """True when any result is at least as severe as ``fail_on`` (or a record was unreadable)."""
        threshold = SEVERITY_RANK[fail_on]
        return self.unreadable > 0 or any(SEVERITY_RANK[r.severity] >= threshold for r in self.results)

    def summary(self) -> dict:
        return {
            "records": len(self.records),
            "conforming": sum(1 for r in self.records if r.conforms),
            "unreadable": self.unreadable,
            "violations": self.count("Violation"),
            "warnings": self.count("Warning"),
            "infos": self.count("Info"),
        }

    def render(self, fmt: str = "text", *, colour: bool = False) -> str:
        """The report as text, json, shacl-turtle, shacl-jsonld, junit or sarif."""
        from samtbu.validate.render import render

        return mask_identity_numbers(render(self, fmt, colour=colour))

    def to_dict(self) -> dict:
        return {
            "conforms": self.conforms,
            "summary": self.summary(),
            "records": [r.to_dict() for r in self.records],
        }


# -- building results from a SHACL report graph -------------------------------------------------


def _pick_message(messages: Iterable[Literal], lang: str) -> str | None:
    """The message in the chosen language; nynorsk falls back to bokmål before English."""
    from samtbu.validate.present import language_order

    by_lang: dict[str | None, str] = {}
    for message in messages:
        by_lang.setdefault(message.language, str(message))
    for choice in (*language_order(lang), None):
        if choice in by_lang:
            return by_lang[choice]
    return next(iter(by_lang.values()), None)


def _short(iri: str | None) -> str | None:
    if iri is None:
        return None
    return iri.replace(str(SH), "sh:")


def _fill_template(message: str, values: dict[str, str | None]) -> str:
    """Fill the SHACL message template variables (SHACL 1.0, 4.2: {$this}, {?value}, {?path}, and a
    SPARQL constraint's own) with the texts a person reads (codes as notations, entries by their
    subject); masking comes after."""

    def fill(match: re.Match) -> str:
        text = values.get(match.group(1))
        return match.group(0) if text is None else text

    return _ANY_VARIABLE.sub(fill, message)


def _local_name(iri: str) -> str:
    return iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


_ANY_VARIABLE = re.compile(r"\{[?$](\w+)\}")


def _engine_values(template: str, filled: list) -> dict[str, str]:
    """The values an engine put into a template's other variables (a SPARQL constraint's {?kode}),
    read back from the engine's filled-in message that the template produced."""
    names = [m.group(1) for m in _ANY_VARIABLE.finditer(template)]
    if not set(names) - {"this", "value", "path"}:
        return {}
    pattern, seen, position = "^", set(), 0
    for m in _ANY_VARIABLE.finditer(template):
        pattern += re.escape(template[position:m.start()])
        name = m.group(1)
        pattern += f"(?P=v_{name})" if name in seen else f"(?P<v_{name}>.*?)"
        seen.add(name)
        position = m.end()
    pattern = re.compile(pattern + re.escape(template[position:]) + "$", re.S)
    for message in filled:
        match = pattern.match(str(message))
        if match:
            return {k[2:]: v for k, v in match.groupdict().items()}
    return {}


class Finding(NamedTuple):
    """One result as an engine finds it, in rdflib terms: what a sh:ValidationResult says (SHACL 1.0,
    3.6.2). The report stage presents it; the SHACL report graph is made (by the engine) only when a
    SHACL format is asked for."""

    focus: Node | None
    path: Node | None  # an IRI, or the blank node of a complex path in the shapes graph
    value: Node | None
    source_shape: Node | None
    component: Node | None  # the constraint component
    severity: Node  # sh:Violation, sh:Warning or sh:Info
    messages: tuple  # the engine's messages (Literals), variables filled in
    source_constraint: Node | None = None  # a SPARQL constraint's node


def findings_from_shacl(report_graph: Graph) -> list[Finding]:
    """The results of a SHACL validation report graph (pyshacl's), nested ones (sh:detail) too."""
    value = report_graph.value
    return [
        Finding(
            value(node, SH.focusNode), value(node, SH.resultPath), value(node, SH.value), value(node, SH.sourceShape),
            value(node, SH.sourceConstraintComponent), value(node, SH.resultSeverity) or SH.Violation,
            tuple(report_graph.objects(node, SH.resultMessage)), value(node, SH.sourceConstraint),
        )
        for node in report_graph.subjects(RDF.type, SH.ValidationResult)
    ]


def results_from_findings(
    findings: Iterable[Finding],
    shapes: Graph,
    *,
    lang: str,
    presenter,
    expected_of,
) -> list[Result]:
    """Turn each finding into a masked ``Result``, sorted by place and severity.

    - The message is the shape's own (in the chosen language, the engine's filled-in text only
      when the shape has none), its variables filled with what a person recognises.
    - A rule about one entry of a document (the shape names the entry's field with sbu:rapportFelt)
      points at that field of the entry and shows the field's value, not the document and an IRI.
    - The value is shown as it was sent: the JSON scalar, a code's notation."""
    from samtbu.validate.present import REPORT_FIELD

    results = []
    for focus, path, value, source_shape, constraint, severity_iri, filled_messages, source_constraint in findings:
        severity = str(severity_iri).rsplit("#", 1)[-1]
        simple_path = path if isinstance(path, URIRef) else None

        field = shapes.value(source_shape, REPORT_FIELD) if source_shape is not None else None
        entry = value if presenter.is_entry(value) else (focus if field is not None else None)
        if field is not None and presenter.is_entry(entry):
            pointer = f"{presenter.pointer(entry)}/{_local_name(str(field))}"
            shown = presenter.field_values(entry, field)
            value_text = ", ".join(presenter.value_text(v, pointer) or "" for v in shown) or None
            subject_text = presenter.entry_text(entry)
        else:
            pointer = _pointer_of(presenter, focus, simple_path)
            value_text = presenter.value_text(value, pointer)
            subject_text = value_text

        filled = list(filled_messages)
        messages = list(shapes.objects(source_shape, SH.message)) if source_shape is not None else []
        if not messages:  # a SPARQL constraint's own templates (the shape has none)
            messages = _constraint_messages(shapes, source_shape, source_constraint)
        if not any(m.language in (lang, "nb") for m in messages):
            messages = filled + messages
        message = _pick_message(messages, lang) or f"{_short(str(constraint))} on {path}"
        extra = {k: presenter.value_text(URIRef(v)) if v.startswith(("http://", "https://")) else v
                 for k, v in _engine_values(message, filled).items()}
        message = _fill_template(message, {
            **extra,
            "value": subject_text,
            "this": presenter.value_text(focus) if focus is not None else None,
            "path": _local_name(str(path)) if simple_path is not None else None,
        })
        results.append(
            Result(
                severity=severity,
                message=message,
                focus_node=str(focus),
                path=str(path) if simple_path is not None else (None if path is None else "(complex path)"),
                value=value_text,
                expected=expected_of(source_shape, constraint, lang, value_text, isinstance(value, Literal)),
                source_shape=str(source_shape) if isinstance(source_shape, URIRef) else None,
                constraint=_short(str(constraint)) if constraint is not None else None,
                pointer=pointer,
            )
        )
    results.sort(key=lambda r: (r.pointer or r.focus_node, -SEVERITY_RANK[r.severity], r.path or "", r.constraint or "", r.message))
    return results


def _constraint_messages(shapes: Graph, source_shape, constraint_node) -> list:
    """The message templates of the SPARQL constraint that gave a result. The report names the
    constraint by a blank node, which is the shapes graph's own only when the engine compiled this
    very graph (a compiled profile may come from another load of the model): otherwise the shape's
    single SPARQL constraint is the one."""
    if constraint_node is not None and (constraint_node, SH.message, None) in shapes:
        return list(shapes.objects(constraint_node, SH.message))
    constraints = list(shapes.objects(source_shape, SH.sparql)) if source_shape is not None else []
    return list(shapes.objects(constraints[0], SH.message)) if len(constraints) == 1 else []


def _pointer_of(presenter, focus, path: URIRef | None) -> str | None:
    """The JSON Pointer of a result: the focus node's place, and the field when the path is one of
    the model's properties; results about the payload as a whole (a profile's "exactly one
    vitnemål" rule, whose focus is the profile) point at the document root."""
    from samtbu.namespaces import SBU

    base = presenter.pointer(focus)
    if base is None:
        return "" if presenter.payload.pointers and not presenter.has_subject(focus) else None
    if path is not None and str(path).startswith(str(SBU)):
        return f"{base}/{str(path)[len(str(SBU)):]}"
    return base
