"""The report: plain values, independent of any output format.

Built from the SHACL validation report graph and the payload (to name the field of the original
payload). Identity numbers are masked here, once, so that no renderer can print one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

SEVERITIES = ("Violation", "Warning", "Info")
SEVERITY_RANK = {"Violation": 3, "Warning": 2, "Info": 1}
_IDENTITY_NUMBER = re.compile(r"(?<!\d)(\d{6})\d{5}(?!\d)")


def mask_identity_numbers(text: str) -> str:
    """Replace every 11-digit run (a possible fødselsnummer or D-number) by its first six digits and
    five asterisks."""
    return _IDENTITY_NUMBER.sub(lambda m: m.group(1) + "*****", text)


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

    @property
    def location(self) -> str:
        """Where the result is, as a person reads it: a JSON Pointer, or subject and predicate."""
        if self.pointer is not None:
            return self.pointer or "/"
        return f"<{self.focus_node}>" + (f" <{self.path}>" if self.path else "")

    def to_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None} | {"location": self.location}


@dataclass
class RecordReport:
    """The results for one payload (record)."""

    source: str
    format: str
    profile: str
    results: list[Result] = field(default_factory=list)
    error: str | None = None  # the payload could not be read at all
    shacl_report: Graph | None = field(default=None, repr=False, compare=False)

    @property
    def conforms(self) -> bool:
        return self.error is None and not any(r.severity == "Violation" for r in self.results)

    def count(self, severity: str) -> int:
        return sum(1 for r in self.results if r.severity == severity)


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

        return render(self, fmt, colour=colour)

    def to_dict(self) -> dict:
        return {
            "conforms": self.conforms,
            "summary": self.summary(),
            "records": [
                {
                    "source": r.source,
                    "format": r.format,
                    "profile": r.profile,
                    "conforms": r.conforms,
                    **({"error": r.error} if r.error else {}),
                    "results": [x.to_dict() for x in r.results],
                }
                for r in self.records
            ],
        }


# -- building results from a SHACL report graph -------------------------------------------------


def _pick_message(messages: Iterable[Literal], lang: str) -> str | None:
    by_lang: dict[str | None, str] = {}
    for message in messages:
        by_lang.setdefault(message.language, str(message))
    for choice in (lang, "en", None, "nb"):
        if choice in by_lang:
            return by_lang[choice]
    return next(iter(by_lang.values()), None)


def _term_text(node: Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, Literal):
        return str(node)
    return str(node)


def _short(iri: str | None) -> str | None:
    if iri is None:
        return None
    return iri.replace(str(SH), "sh:")


_TEMPLATE_VARIABLE = re.compile(r"\{[?$](this|value|path)\}")


def _fill_template(message: str, *, focus, path, value) -> str:
    """Fill the SHACL message template variables an engine left (SHACL 1.0, 4.2: {$this}, {?value},
    {?path}) from the result itself; masking comes after."""
    values = {"this": focus, "value": value, "path": path}

    def fill(match: re.Match) -> str:
        node = values[match.group(1)]
        return match.group(0) if node is None else str(node)

    return _TEMPLATE_VARIABLE.sub(fill, message)


def _tag_filled_messages(messages: list[Literal], templates: list[Literal]) -> list[Literal]:
    """Give each untagged filled-in message the language of the template it was made from."""
    patterns = []
    for template in templates:
        if template.language:
            parts = re.split(r"\{[?$]\w+\}", str(template))
            patterns.append((re.compile("^" + "(.*?)".join(re.escape(p) for p in parts) + "$", re.S), template.language))
    tagged = []
    for message in messages:
        lang = next((language for pattern, language in patterns if pattern.match(str(message))), None)
        tagged.append(Literal(str(message), lang=lang) if lang else message)
    return tagged


def results_from_shacl(
    report_graph: Graph,
    shapes: Graph,
    *,
    lang: str,
    pointer_of,
    expected_of,
) -> list[Result]:
    """Turn each sh:ValidationResult into a masked ``Result``, sorted by place and severity."""
    results = []
    for node in report_graph.subjects(RDF.type, SH.ValidationResult):
        focus = report_graph.value(node, SH.focusNode)
        path = report_graph.value(node, SH.resultPath)
        value = report_graph.value(node, SH.value)
        source_shape = report_graph.value(node, SH.sourceShape)
        constraint = report_graph.value(node, SH.sourceConstraintComponent)
        severity = str(report_graph.value(node, SH.resultSeverity) or SH.Violation).rsplit("#", 1)[-1]
        # The engine's messages have {?value}/{$this} filled in; the shape's own are the fallback
        # when the engine gave none in the wanted language.
        messages = list(report_graph.objects(node, SH.resultMessage))
        if messages and not any(m.language for m in messages):
            # pyshacl drops the language of a SPARQL constraint's message once it has filled it in;
            # the constraint's templates tell which filled message is in which language.
            constraint_node = report_graph.value(node, SH.sourceConstraint)
            templates = list(shapes.objects(constraint_node, SH.message)) if constraint_node is not None else []
            messages = _tag_filled_messages(messages, templates)
        if source_shape is not None and not any(m.language == lang for m in messages):
            messages = list(shapes.objects(source_shape, SH.message)) or messages
        message = _pick_message(messages, lang) or f"{_short(str(constraint))} on {path}"
        message = _fill_template(message, focus=focus, path=path, value=value)
        pointer = pointer_of(focus, path if isinstance(path, URIRef) else None)
        results.append(
            Result(
                severity=severity,
                message=mask_identity_numbers(message),
                focus_node=mask_identity_numbers(str(focus)),
                path=str(path) if isinstance(path, URIRef) else (None if path is None else "(complex path)"),
                value=mask_identity_numbers(_term_text(value)) if value is not None else None,
                expected=expected_of(source_shape, constraint, lang),
                source_shape=str(source_shape) if isinstance(source_shape, URIRef) else None,
                constraint=_short(str(constraint)) if constraint is not None else None,
                pointer=pointer,
            )
        )
    results.sort(key=lambda r: (r.pointer or r.focus_node, -SEVERITY_RANK[r.severity], r.path or "", r.constraint or ""))
    return results
