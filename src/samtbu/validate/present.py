"""How a result is shown to a person: the value as it was sent, codes as their notations, an entry of
a document by its subject code (and title, where known), never by its urn:uuid.

Used by ``report.results_from_findings`` for every engine; nothing here validates.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from rdflib import SKOS, Graph, Literal, URIRef
from rdflib.term import Node

from samtbu.namespaces import GREP, SBU, SBUK
from samtbu.validate.fast.terms import IndexedTriples, from_rdflib, to_rdflib  # light: rdflib only

# The property of a result's entry that a rule is about (shapes: sbu:rapportFelt), so that the
# result points at that field of the entry (/dokumenterer/7/karakter), not at the list.
REPORT_FIELD = SBU.rapportFelt
_FALLBACK_LANGS = {"nb": ("nb", "nn", "en"), "nn": ("nn", "nb", "en"), "en": ("en", "nb", "nn")}


def language_order(lang: str) -> tuple[str, ...]:
    """The languages to try for a text, best first: nynorsk falls back to bokmål, not to English."""
    return _FALLBACK_LANGS.get(lang, (lang, "en", "nb"))


def code_text(iri: str) -> str | None:
    """A code IRI of the model's code lists or of Grep as the code that was sent (its notation)."""
    for namespace in (str(SBUK), str(GREP)):
        if iri.startswith(namespace):
            local = iri[len(namespace):]
            if namespace == str(SBUK):
                local = local.split("/", 1)[1] if "/" in local else local
            return unquote(local)
    return None


def json_at(document: Any, pointer: str | None) -> tuple[bool, Any]:
    """The value at a JSON Pointer of the original payload: (found, value)."""
    if document is None or pointer is None:
        return False, None
    node = document
    if pointer == "":
        return True, node
    for raw in pointer.split("/")[1:]:
        key = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return False, None
    return True, node


def json_scalar_text(value: Any) -> str | None:
    """A JSON scalar as the sender wrote it (true/false, numbers as written, strings unquoted)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, str):
        return value
    return None


class _TripleIndex:
    """What a presenter reads of a payload's graph (``value``, ``objects``, whether a node is a
    subject), read from the fast reader's index of the payload's triples: the same terms in the same
    order as the rdflib graph of those triples gives them (both keep the order the triples were
    read in, and a term once), without building that graph, which costs more than validating the
    record did."""

    __slots__ = ("spo",)

    def __init__(self, spo: dict):
        self.spo = spo

    def objects(self, subject: Node, predicate: Node) -> list[Node]:
        by_p = self.spo.get(from_rdflib(subject))
        objs = by_p.get(str(predicate)) if by_p else None
        if not objs:
            return []
        # (two light terms may be one rdflib term, e.g. an ill-typed literal rdflib normalises)
        return list(dict.fromkeys(to_rdflib(o) for o in objs))

    def value(self, subject: Node, predicate: Node) -> Node | None:
        by_p = self.spo.get(from_rdflib(subject))
        objs = by_p.get(str(predicate)) if by_p else None
        return to_rdflib(objs[0]) if objs else None

    def has_subject(self, node: Node) -> bool:
        return from_rdflib(node) in self.spo


class Presenter:
    """Shows the nodes and values of one payload's results."""

    def __init__(self, payload, lang: str, vocab: Graph | None = None):
        self.payload = payload
        self.lang = lang
        self.vocab = vocab  # the code lists: a type code is named by its label
        self._graph: Graph | _TripleIndex | None = None

    @property
    def graph(self) -> Graph | _TripleIndex:
        """The payload's graph, or for a payload the fast reader indexed (whose rdflib graph is not
        built yet), the same read from its index."""
        if self._graph is None:
            triples = getattr(self.payload, "triples", None)
            if type(triples) is IndexedTriples and getattr(self.payload, "_graph", None) is None:
                self._graph = _TripleIndex(triples.spo)
            else:
                self._graph = self.payload.graph
        return self._graph

    def has_subject(self, node: Node) -> bool:
        """Whether the payload says anything about the node."""
        graph = self.graph
        return graph.has_subject(node) if isinstance(graph, _TripleIndex) else (node, None, None) in graph

    def pointer(self, node: Node | None) -> str | None:
        return None if node is None else self.payload.pointer(node)

    def is_entry(self, node: Node | None) -> bool:
        """A node of the payload itself (it has a place in the original JSON)."""
        return node is not None and not isinstance(node, Literal) and self.pointer(node) is not None

    # -- values ------------------------------------------------------------------------------

    def value_text(self, value: Node | None, pointer: str | None = None) -> str | None:
        """A value as the sender wrote it: the JSON scalar at the result's place when there is one,
        a code as its notation, an entry by its subject, anything else as its lexical form."""
        if value is None:
            return None
        if isinstance(value, Literal):
            sent = self._sent_literal(value, pointer)
            return sent if sent is not None else str(value)
        if self.is_entry(value):
            return self.entry_text(value)
        code = code_text(str(value))
        if code is not None:
            return code
        # A node with no place in a JSON original (a Turtle or JSON-LD payload's own IRI): an
        # assessment or a competence is still named by its subject and kind, a document by its
        # number, the rest by its IRI.
        described = self._described(value)
        if described is None:
            number = self.graph.value(value, SBU.dokumentnummer)
            described = str(number) if isinstance(number, Literal) else None
        return described if described is not None else str(value)

    def _sent_literal(self, value: Literal, pointer: str | None) -> str | None:
        found, sent = json_at(getattr(self.payload, "document", None), pointer)
        if not found:
            return None
        candidates = sent if isinstance(sent, list) else [sent]
        if isinstance(sent, dict):  # a language map, or a value object
            candidates = [v for v in sent.values() if not isinstance(v, (dict, list))] or [sent.get("@value")]
        texts = [json_scalar_text(c) for c in candidates]
        texts = [t for t in texts if t is not None]
        if len(texts) == 1:
            return texts[0]
        for text in texts:  # several values at that place: the one rdflib reads as this value
            try:
                if Literal(text, datatype=value.datatype, lang=value.language) == value or text == str(value):
                    return text
            except Exception:  # noqa: BLE001 - an ill-typed lexical form compares as unequal
                continue
        return None

    # -- entries -----------------------------------------------------------------------------

    def entry_text(self, node: Node) -> str:
        """An entry as a person knows it: an assessment by its subject code (and title) and the
        kind of assessment, a course unit assessment by its course unit, a competence by its type,
        a Grep element by its code, otherwise its place in the payload."""
        described = self._described(node)
        if described is not None:
            return described
        if isinstance(node, URIRef) and str(node).startswith(str(GREP)):
            return self.grep_text(node)
        pointer = self.pointer(node)
        return pointer if pointer else "/"

    def _described(self, node: Node) -> str | None:
        """An assessment by its subject (or course unit) and kind, a competence or status by its type."""
        graph = self.graph
        fag = graph.value(node, SBU.gjelderFag)
        kind = graph.value(node, SBU.vurderingstype)
        if fag is not None:
            return self.grep_text(fag) + (f", {self.code_label(kind)}" if kind is not None else "")
        emne = graph.value(node, SBU.gjelderEmne)  # a course unit assessment from a fagskole
        if emne is not None and graph.value(emne, SBU.emnekode) is not None:
            return self.course_unit_text(emne)
        for prop in (SBU.vurderingstype, SBU.kompetansetype, SBU.fullfoeringskategori):
            code = graph.value(node, prop)
            if code is not None:
                return self.code_label(code)
        return None

    def code_label(self, code: Node) -> str:
        """A code by its label in the chosen language (lower-cased as in running text), else its notation."""
        if self.vocab is not None:
            labels = {l.language: str(l) for l in self.vocab.objects(code, SKOS.prefLabel) if isinstance(l, Literal)}
            for lang in language_order(self.lang):
                label = labels.get(lang)
                if label:
                    return label[:1].lower() + label[1:] if label[1:2].islower() else label
        return code_text(str(code)) or str(code)

    def grep_text(self, node: Node) -> str:
        """A Grep element as its code, with its title in the chosen language where the payload gives one."""
        code = code_text(str(node)) or str(node)
        titles = {t.language: str(t) for t in self.graph.objects(node, SBU.tittel) if isinstance(t, Literal)}
        for lang in language_order(self.lang):
            if lang in titles:
                return f"{code} ({titles[lang]})"
        return code

    def course_unit_text(self, node: Node) -> str:
        """A course unit as its code (the college's own), with its name in the chosen language."""
        code = str(self.graph.value(node, SBU.emnekode))
        names = {t.language: str(t) for t in self.graph.objects(node, SBU.emnenavn) if isinstance(t, Literal)}
        for lang in language_order(self.lang):
            if lang in names:
                return f"{code} ({names[lang]})"
        return code

    def field_values(self, node: Node, prop: URIRef) -> list[Node]:
        return sorted(self.graph.objects(node, prop), key=str)


__all__ = ["Presenter", "REPORT_FIELD", "code_text", "json_at", "language_order"]
