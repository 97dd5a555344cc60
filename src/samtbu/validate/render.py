"""Renderers: a Report in, text out. Nothing here validates; every value is already masked, and
``Report.render`` masks the whole text once more (the SHACL graph's IRIs are not values)."""

from __future__ import annotations

import json
import os
import sys
from xml.etree import ElementTree as ET

from rdflib import RDF, BNode, Graph, Literal
from rdflib.namespace import SH

from samtbu import MODEL_VERSION
from samtbu.namespaces import SAMTBU, UNREADABLE
from samtbu.validate.report import Report

RENDER_FORMATS = ("text", "json", "shacl-turtle", "shacl-jsonld", "junit", "sarif")

_WORDS = {
    "nb": {
        "conforms": "i samsvar med profilen", "not": "IKKE i samsvar", "unreadable": "kunne ikke leses",
        "expected": "forventet", "value": "verdi", "records": "poster", "violations": "brudd",
        "warnings": "advarsler", "infos": "råd", "conforming": "i samsvar", "profile": "profil",
        "Violation": "BRUDD", "Warning": "ADVARSEL", "Info": "RÅD",
        "record": "post", "violation": "brudd", "warning": "advarsel", "info": "råd",
    },
    "nn": {
        "conforms": "i samsvar med profilen", "not": "IKKJE i samsvar", "unreadable": "kunne ikkje lesast",
        "expected": "forventa", "value": "verdi", "records": "postar", "violations": "brot",
        "warnings": "åtvaringar", "infos": "råd", "conforming": "i samsvar", "profile": "profil",
        "Violation": "BROT", "Warning": "ÅTVARING", "Info": "RÅD",
        "record": "post", "violation": "brot", "warning": "åtvaring", "info": "råd",
    },
    "en": {
        "conforms": "conforms to the profile", "not": "does NOT conform", "unreadable": "could not be read",
        "expected": "expected", "value": "value", "records": "records", "violations": "violations",
        "warnings": "warnings", "infos": "infos", "conforming": "conforming", "profile": "profile",
        "Violation": "VIOLATION", "Warning": "WARNING", "Info": "INFO",
        "record": "record", "violation": "violation", "warning": "warning", "info": "info",
    },
}
_COLOURS = {"Violation": "\033[31m", "Warning": "\033[33m", "Info": "\033[36m", "ok": "\033[32m", "dim": "\033[2m"}
_RESET = "\033[0m"


def use_colour(stream=None) -> bool:
    stream = sys.stdout if stream is None else stream  # the stream of the moment, not of import time
    return hasattr(stream, "isatty") and stream.isatty() and "NO_COLOR" not in os.environ


def render(report: Report, fmt: str = "text", *, colour: bool = False) -> str:
    if fmt not in RENDER_FORMATS:
        raise ValueError(f"unknown report format {fmt!r} (use one of: {', '.join(RENDER_FORMATS)})")
    return {
        "text": lambda: render_text(report, colour=colour),
        "json": lambda: json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n",
        "shacl-turtle": lambda: shacl_graph(report).serialize(format="turtle"),
        "shacl-jsonld": lambda: shacl_graph(report).serialize(format="json-ld", indent=2),
        "junit": lambda: render_junit(report),
        "sarif": lambda: json.dumps(render_sarif(report), indent=2, ensure_ascii=False) + "\n",
    }[fmt]()


def render_text(report: Report, *, colour: bool = False) -> str:
    words = _WORDS.get(report.lang, _WORDS["en"])

    def paint(text: str, key: str) -> str:
        return f"{_COLOURS[key]}{text}{_RESET}" if colour else text

    lines = []
    for record in report.records:
        if record.error:
            lines.append(f"{record.source}: {paint(words['unreadable'], 'Violation')}: {record.error}")
            continue
        status = paint(words["conforms"], "ok") if record.conforms else paint(words["not"], "Violation")
        lines.append(f"{record.source} ({words['profile']} {record.profile}): {status}")
        for r in record.results:
            lines.append(f"  {paint(words[r.severity], r.severity)} {r.location}" + (f"  ({r.subject})" if r.subject else ""))
            lines.append(f"    {r.message}")
            details = []
            if r.value is not None:
                details.append(f"{words['value']}: {r.value!r}")
            if r.expected:
                details.append(f"{words['expected']}: {r.expected}")
            if details:
                lines.append("    " + paint("; ".join(details), "dim"))
    s = report.summary()

    def counted(key: str) -> str:  # "1 advarsel", "2 advarsler": the noun agrees with its number
        return f"{s[key]} {words[key[:-1] if s[key] == 1 else key]}"

    lines.append(
        f"{counted('records')}, {s['conforming']} {words['conforming']}, "
        f"{counted('violations')}, {counted('warnings')}, {counted('infos')}"
        + (f", {s['unreadable']} {words['unreadable']}" if s["unreadable"] else "")
    )
    return "\n".join(lines) + "\n"


def shacl_graph(report: Report) -> Graph:
    """The standard SHACL validation report(s), one sh:ValidationReport per record, with the same
    results as every other format (the toolkit's own checks are in each record's SHACL report, see
    ``validate.add_unknown_terms_to_shacl``); an unreadable record is a report whose one result has
    the constraint component samtbu:Unreadable and the reason. ``Report.render`` masks the
    serialisation."""
    graph = Graph()
    graph.bind("sh", SH)
    graph.bind("samtbu", SAMTBU)
    for record in report.records:
        if record.error is not None:
            _unreadable_report(graph, record.source, record.error)
        elif record.shacl_report is not None:
            for s, p, o in record.shacl_report:
                graph.add((s, p, o))
    return graph


def _unreadable_report(graph: Graph, source: str, reason: str) -> None:
    report, result = BNode(), BNode()
    graph.add((report, RDF.type, SH.ValidationReport))
    graph.add((report, SH.conforms, Literal(False)))
    graph.add((report, SH.result, result))
    graph.add((result, RDF.type, SH.ValidationResult))
    graph.add((result, SH.focusNode, Literal(source)))  # no node was read: the record is named by its source
    graph.add((result, SH.resultSeverity, SH.Violation))
    graph.add((result, SH.sourceConstraintComponent, UNREADABLE))
    graph.add((result, SH.resultMessage, Literal(reason)))


def render_junit(report: Report) -> str:
    """JUnit XML: one test case per record; violations fail it, an unreadable record errors."""
    suite = ET.Element(
        "testsuite",
        name=f"samtbu {MODEL_VERSION}",
        tests=str(len(report.records)),
        failures=str(sum(1 for r in report.records if r.error is None and not r.conforms)),
        errors=str(report.unreadable),
    )
    for record in report.records:
        case = ET.SubElement(suite, "testcase", classname=f"samtbu.{record.profile}", name=record.source)
        if record.error:
            ET.SubElement(case, "error", message=record.error, type="unreadable")
            continue
        lines = [f"{r.severity} {r.location}: {r.message}" for r in record.results]
        violations = [r for r in record.results if r.severity == "Violation"]
        if violations:
            failure = ET.SubElement(case, "failure", message=f"{len(violations)} violation(s)", type="shacl")
            failure.text = "\n".join(lines)
        elif lines:
            ET.SubElement(case, "system-out").text = "\n".join(lines)
    suites = ET.Element("testsuites")
    suites.append(suite)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


_SARIF_LEVEL = {"Violation": "error", "Warning": "warning", "Info": "note"}


def render_sarif(report: Report) -> dict:
    """SARIF 2.1.0: one rule per shape/constraint, one result per finding, located by JSON Pointer."""
    rules: dict[str, dict] = {}
    results = []
    expected_word = _WORDS.get(report.lang, _WORDS["en"])["expected"]
    for record in report.records:
        if record.error:
            rule_id = "samtbu/unreadable"
            rules.setdefault(rule_id, {"id": rule_id, "shortDescription": {"text": "The payload could not be read"}})
            results.append({
                "ruleId": rule_id, "level": "error", "message": {"text": record.error},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": record.source}}}],
            })
            continue
        for r in record.results:
            rule_id = r.source_shape or r.constraint or "samtbu/result"
            rules.setdefault(rule_id, {
                "id": rule_id,
                "shortDescription": {"text": r.constraint or rule_id},
                "properties": {"profile": record.profile},
            })
            results.append({
                "ruleId": rule_id,
                "level": _SARIF_LEVEL[r.severity],
                "message": {"text": r.message + (f" ({expected_word}: {r.expected})" if r.expected else "")},
                "locations": [{
                    "physicalLocation": {"artifactLocation": {"uri": record.source}},
                    "logicalLocations": [{"fullyQualifiedName": r.location, "kind": "member"}],
                }],
                "properties": {k: v for k, v in {"value": r.value, "constraint": r.constraint, "focusNode": r.focus_node, "path": r.path,
                                                  "subject": r.subject}.items() if v is not None},
            })
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "samtbu", "version": MODEL_VERSION, "informationUri": "https://w3id.org/samt-bu/",
                "rules": list(rules.values()),
            }},
            "results": results,
        }],
    }
