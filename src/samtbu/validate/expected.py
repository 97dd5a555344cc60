"""What a constraint expected, said in words, from the shape's own parameters."""

from __future__ import annotations

from rdflib import OWL, RDF, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH, SKOS

from samtbu.namespaces import SBUK

# (bokmål, nynorsk, English)
_TEXT = {
    "MinCount": ("minst {v} verdi(er)", "minst {v} verdi(ar)", "at least {v} value(s)"),
    "MaxCount": ("høyst {v} verdi(er)", "høgst {v} verdi(ar)", "at most {v} value(s)"),
    "Datatype": ("en verdi av datatypen {v}", "ein verdi av datatypen {v}", "a value of datatype {v}"),
    "Class": ("en instans av {v}", "ein instans av {v}", "an instance of {v}"),
    "NodeKind": ("nodetype {v}", "nodetype {v}", "node kind {v}"),
    "Pattern": ("en verdi som passer mønsteret {v}", "ein verdi som passar mønsteret {v}", "a value matching the pattern {v}"),
    "MinLength": ("minst {v} tegn", "minst {v} teikn", "at least {v} characters"),
    "MaxLength": ("høyst {v} tegn", "høgst {v} teikn", "at most {v} characters"),
    "MinInclusive": ("≥ {v}", "≥ {v}", "≥ {v}"),
    "MaxInclusive": ("≤ {v}", "≤ {v}", "≤ {v}"),
    "MinExclusive": ("> {v}", "> {v}", "> {v}"),
    "MaxExclusive": ("< {v}", "< {v}", "< {v}"),
    "HasValue": ("verdien {v}", "verdien {v}", "the value {v}"),
    "In": ("én av: {v}", "éin av: {v}", "one of: {v}"),
    "Closed": ("ingen andre egenskaper enn dem profilen tillater", "ingen andre eigenskapar enn dei profilen tillèt",
               "no properties other than those the profile allows"),
    "LanguageIn": ("språk: {v}", "språk: {v}", "languages: {v}"),
    "UniqueLang": ("høyst én verdi per språk", "høgst éin verdi per språk", "at most one value per language"),
    "LessThanOrEquals": ("en verdi ≤ verdien av {v}", "ein verdi ≤ verdien av {v}", "a value ≤ the value of {v}"),
    "LessThan": ("en verdi < verdien av {v}", "ein verdi < verdien av {v}", "a value < the value of {v}"),
    "Equals": ("samme verdi som {v}", "same verdi som {v}", "the same value as {v}"),
    "Disjoint": ("ingen verdi felles med {v}", "ingen verdi felles med {v}", "no value in common with {v}"),
}
_IN_ALL = ("{n} i alt", "{n} i alt", "{n} in all")
_AS_STRING = (
    'koden "{v}" som tekst (med anførselstegn i JSON)',
    'koden "{v}" som tekst (med hermeteikn i JSON)',
    'the code "{v}" as a string (in quotes in JSON)',
)
_PARAMETER = {
    "MinCount": SH.minCount, "MaxCount": SH.maxCount, "Datatype": SH.datatype, "Class": SH["class"],
    "NodeKind": SH.nodeKind, "Pattern": SH.pattern, "MinLength": SH.minLength, "MaxLength": SH.maxLength,
    "MinInclusive": SH.minInclusive, "MaxInclusive": SH.maxInclusive, "MinExclusive": SH.minExclusive,
    "MaxExclusive": SH.maxExclusive, "HasValue": SH.hasValue, "In": SH["in"], "LanguageIn": SH.languageIn,
    "LessThanOrEquals": SH.lessThanOrEquals, "LessThan": SH.lessThan, "Equals": SH.equals, "Disjoint": SH.disjoint,
}
_MAX_LISTED = 12


def _name(node, shapes: Graph, vocab: Graph | None) -> str:
    if isinstance(node, Literal):
        return str(node)
    iri = str(node)
    if vocab is not None and iri.startswith(str(SBUK)):
        notation = vocab.value(node, SKOS.notation)
        if notation is not None:
            return str(notation)
    for sep in ("#", "/"):
        if sep in iri:
            prefix, local = iri.rsplit(sep, 1)
            if "XMLSchema" in prefix:
                return f"xsd:{local}"
            if prefix.endswith("shacl"):
                return f"sh:{local}"
            return local or iri
    return iri


def _retired_or_alias(node, vocab: Graph | None) -> bool:
    if vocab is None or not isinstance(node, URIRef) or not str(node).startswith(str(SBUK)):
        return False
    return (node, OWL.deprecated, Literal(True)) in vocab or (node, RDF.type, None) not in vocab


def _language_index(lang: str) -> int:
    return {"nb": 0, "nn": 1}.get(lang, 2)


def describe_expected(
    shapes: Graph, shape, constraint, lang: str, vocab: Graph | None = None, *, sent: str | None = None,
    sent_literal: bool = False,
) -> str | None:
    """E.g. ``one of: 1, 2, 3`` for an sh:in constraint; None for SPARQL and other rules whose message
    says it. ``sent``: the value as sent, never listed among the values expected instead of it."""
    if shape is None or constraint is None:
        return None
    component = str(constraint).rsplit("#", 1)[-1].removesuffix("ConstraintComponent")
    if component not in _TEXT:
        return None
    template = _TEXT[component][_language_index(lang)]
    if component not in _PARAMETER:  # Closed, UniqueLang: the words need no parameter
        return template
    parameter = _PARAMETER[component]
    value = shapes.value(shape, parameter)
    if value is None:
        return None
    if component == "Pattern" and str(value).startswith("^http"):
        return None  # a pattern on an IRI is not what the sender wrote; the message says the form
    if component in ("In", "LanguageIn"):
        items = list(Collection(shapes, value))
        names = [_name(i, shapes, vocab) for i in items]
        if sent_literal and sent in names and not any(isinstance(i, Literal) for i in items):
            # a code sent as a JSON number or boolean: right code, wrong type
            return _AS_STRING[_language_index(lang)].format(v=sent)
        # what a sender should write: the current codes, not a retired code or an accepted alias
        current = [n for i, n in zip(items, names) if not _retired_or_alias(i, vocab)]
        names = [n for n in dict.fromkeys(current) if n != sent]
        text = ", ".join(names[:_MAX_LISTED])
        if len(names) > _MAX_LISTED:
            text += ", … (" + _IN_ALL[_language_index(lang)].format(n=len(names)) + ")"
        return template.format(v=text)
    return template.format(v=_name(value, shapes, vocab))


__all__ = ["describe_expected", "RDF", "URIRef"]
