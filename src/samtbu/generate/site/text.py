"""Fixed texts of the documentation site in bokmål, nynorsk and English, and the Markdown page builder.

Everything that describes the model comes from the model; this module only holds the words around it
(headings, column names, notes) and the rule for a missing translation: the text is shown in another
language, marked inline, and listed in a warning at the top of the page. Nothing falls back silently.
"""

from __future__ import annotations

import os
import posixpath
import re
from importlib import resources
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from rdflib import Graph, Literal

from samtbu.model import texts_by_language

LANGS = ("nb", "nn", "en")
_T = TypeVar("_T")
DEFAULT_LANG = "nb"
LANG_NAMES = {
    "nb": {"nb": "bokmål", "nn": "bokmål", "en": "Norwegian Bokmål"},
    "nn": {"nb": "nynorsk", "nn": "nynorsk", "en": "Norwegian Nynorsk"},
    "en": {"nb": "engelsk", "nn": "engelsk", "en": "English"},
}
# Which language to show when the page's own is missing, in order.
FALLBACK_ORDER = {"nb": ("nn", "en"), "nn": ("nb", "en"), "en": ("nb", "nn")}

T: dict[str, tuple[str, str, str]] = {
    # sections
    "overview": ("Oversikt", "Oversikt", "Overview"),
    "ontology": ("Ontologi", "Ontologi", "Ontology"),
    "sharing": ("Deling", "Deling", "Sharing"),
    "crosswalks": ("Koblinger", "Koplingar", "Crosswalks"),
    "concepts": ("Begreper", "Omgrep", "Concepts"),
    "classes": ("Klasser", "Klassar", "Classes"),
    "properties": ("Egenskaper", "Eigenskapar", "Properties"),
    "code_lists": ("Kodelister", "Kodelister", "Code lists"),
    "profiles": ("Valideringsprofiler", "Valideringsprofilar", "Validation profiles"),
    "getting_started": ("Kom i gang", "Kom i gang", "Getting started"),
    "downloads": ("Nedlastinger", "Nedlastingar", "Downloads"),
    "changelog": ("Endringslogg", "Endringslogg", "Changelog"),
    # common fields
    "iri": ("IRI", "IRI", "IRI"),
    "term": ("Term", "Term", "Term"),
    "terms": ("Termer", "Termar", "Terms"),
    "language": ("Språk", "Språk", "Language"),
    "pref_label": ("Anbefalt term", "Tilrådd term", "Preferred term"),
    "alt_label": ("Tillatt term", "Tillaten term", "Admitted term"),
    "hidden_label": ("Frarådet term", "Frårådd term", "Deprecated term"),
    "definition": ("Definisjon", "Definisjon", "Definition"),
    "source": ("Kilde", "Kjelde", "Source"),
    "sources": ("Kilder", "Kjelder", "Sources"),
    "relation_to_source": ("Forhold til kilde", "Forhold til kjelde", "Relation to source"),
    "note": ("Merknad", "Merknad", "Note"),
    "example": ("Eksempel", "Døme", "Example"),
    "examples": ("Eksempler", "Døme", "Examples"),
    "status": ("Status", "Status", "Status"),
    "version": ("Versjon", "Versjon", "Version"),
    "subject_area": ("Fagområde", "Fagområde", "Subject field"),
    "relations": ("Relasjoner til andre begreper", "Relasjonar til andre omgrep", "Relations to other concepts"),
    "generic_broader": ("Overordnet begrep (generisk)", "Overordna omgrep (generisk)", "Broader concept (generic)"),
    "generic_narrower": ("Underordnede begreper (generisk)", "Underordna omgrep (generisk)", "Narrower concepts (generic)"),
    "partitive_whole": ("Helheten det er del av (partitiv)", "Heilskapen det er del av (partitiv)", "Whole it is part of (partitive)"),
    "partitive_parts": ("Deler (partitiv)", "Delar (partitiv)", "Parts (partitive)"),
    "broader": ("Overordnet", "Overordna", "Broader"),
    "narrower": ("Underordnet", "Underordna", "Narrower"),
    "related": ("Se også (assosiativ)", "Sjå også (assosiativ)", "See also (associative)"),
    "criterion": ("Inndelingskriterium", "Inndelingskriterium", "Criterion of subdivision"),
    "mappings": ("Koblinger til andre modeller", "Koplingar til andre modellar", "Mappings to other models"),
    "mapping_relation": ("Relasjon", "Relasjon", "Relation"),
    "mapping_target": ("Mål", "Mål", "Target"),
    "mapping_from": ("Fra", "Frå", "From"),
    "mapping_set": ("Kilde for koblingen", "Kjelde for koplinga", "Source of the mapping"),
    "no_counterpart": ("ingen motsvarighet", "ikkje noko motsvar", "no counterpart"),
    "no_mappings": ("Ingen koblinger er registrert ennå.", "Ingen koplingar er registrerte enno.", "No mappings are recorded yet."),
    "used_in": ("Hvor begrepet brukes", "Kvar omgrepet blir brukt", "Where the concept is used"),
    "not_used": ("Begrepet er ikke implementert av noen klasse eller egenskap ennå.", "Omgrepet er ikkje implementert av nokon klasse eller eigenskap enno.", "No class or property implements the concept yet."),
    "shapes": ("Former (SHACL)", "Formar (SHACL)", "Shapes (SHACL)"),
    "not_in_catalog": ("ikke i katalogen", "ikkje i katalogen", "not in the catalog"),
    "concept": ("Begrep", "Omgrep", "Concept"),
    "module": ("Modul", "Modul", "Module"),
    "superclasses": ("Overklasser", "Overklassar", "Superclasses"),
    "subclasses": ("Underklasser", "Underklassar", "Subclasses"),
    "class_props": ("Egenskaper (fra formene)", "Eigenskapar (frå formene)", "Properties (from the shapes)"),
    "property": ("Egenskap", "Eigenskap", "Property"),
    "range": ("Verdiområde", "Verdiområde", "Range"),
    "domain": ("Domene", "Domene", "Domain"),
    "cardinality": ("Antall", "Tal", "Cardinality"),
    "declared_on": ("Gjelder fra", "Gjeld frå", "Declared on"),
    "no_shape": ("ingen form", "ingen form", "no shape"),
    "diagram": ("Klassediagram", "Klassediagram", "Class diagram"),
    "alignments": ("Koblinger (alignment)", "Koplingar (alignment)", "Alignments"),
    "examples_using": ("Eksempler som bruker den", "Døme som bruker han", "Examples that use it"),
    "no_examples": ("Ingen av eksemplene bruker den.", "Ingen av døma bruker han.", "None of the examples uses it."),
    "kind": ("Type", "Type", "Kind"),
    "ObjectProperty": ("objektegenskap", "objekteigenskap", "object property"),
    "DatatypeProperty": ("dataegenskap", "dataeigenskap", "datatype property"),
    "AnnotationProperty": ("annotasjonsegenskap", "annotasjonseigenskap", "annotation property"),
    "functional": ("Høyst én verdi (funksjonell)", "Høgst éin verdi (funksjonell)", "At most one value (functional)"),
    "code_list": ("Kodeliste", "Kodeliste", "Code list"),
    "code_namespace": ("Navnerom for koder i JSON", "Namnerom for kodar i JSON", "Namespace of codes in JSON"),
    "json_key": ("JSON-nøkkel", "JSON-nøkkel", "JSON key"),
    "constraints": ("Regler i formene", "Reglar i formene", "Rules in the shapes"),
    "shape": ("Form", "Form", "Shape"),
    "message": ("Melding", "Melding", "Message"),
    "severity": ("Alvorlighet", "Alvorsgrad", "Severity"),
    "rule": ("Regel", "Regel", "Rule"),
    "codes": ("Koder", "Kodar", "Codes"),
    "notation": ("Kode", "Kode", "Code"),
    "order": ("Rekkefølge", "Rekkjefølgje", "Order"),
    "passes": ("Bestått", "Bestått", "Pass"),
    "threshold": ("Laveste beståtte karakter", "Lågaste ståtte karakter", "Lowest passing grade"),
    "used_by_props": ("Brukt av egenskapene", "Brukt av eigenskapane", "Used by the properties"),
    "allowed_by": ("Tillatt skala for vurderingstypene", "Tillaten skala for vurderingstypane", "Allowed scale for the assessment types"),
    "yes": ("ja", "ja", "yes"),
    "no": ("nei", "nei", "no"),
    "match": ("Samsvar", "Samsvar", "Match"),
    "description": ("Beskrivelse", "Skildring", "Description"),
    "what_it_checks": ("Hva profilen kontrollerer", "Kva profilen kontrollerer", "What the profile checks"),
    "root_classes": ("Rotklasser (hva en nyttelast handler om)", "Rotklassar (kva ei nyttelast handlar om)", "Root classes (what a payload is about)"),
    "imports": ("Importerte formmoduler", "Importerte formmodular", "Imported shape modules"),
    "rules": ("Reglene", "Reglane", "The rules"),
    "valid_example": ("Gyldig eksempel", "Gyldig døme", "Valid example"),
    "invalid_example": ("Ugyldig eksempel", "Ugyldig døme", "Invalid example"),
    "report": ("Valideringsrapport", "Valideringsrapport", "Validation report"),
    "no_valid_example": ("Ingen av eksemplene hører til denne profilen ennå.", "Ingen av døma høyrer til denne profilen enno.", "None of the examples belongs to this profile yet."),
    "no_invalid_example": ("Det finnes ikke noe ugyldig eksempel for denne profilen ennå.", "Det finst ikkje noko ugyldig døme for denne profilen enno.", "There is no invalid example for this profile yet."),
    "command": ("Kommando", "Kommando", "Command"),
    "payload": ("Nyttelast", "Nyttelast", "Payload"),
    "file": ("Fil", "Fil", "File"),
    "formats": ("Formater", "Format", "Formats"),
    "artifact": ("Artefakt", "Artefakt", "Artifact"),
    "count": ("Antall", "Tal", "Count"),
    "missing_title": ("Mangler oversettelse", "Manglar omsetjing", "Missing translation"),
    "missing_intro": (
        "Noen tekster på denne siden finnes ikke på bokmål ennå. De vises på et annet språk og er merket med språkkoden:",
        "Nokre tekstar på denne sida finst ikkje på nynorsk enno. Dei blir viste på eit anna språk og er merkte med språkkoden:",
        "Some texts on this page are not available in English yet. They are shown in another language and marked with the language code:",
    ),
    "missing_inline": ("mangler på bokmål, vist på", "manglar på nynorsk, vist på", "missing in English, shown in"),
    "breaking": ("brytende", "brytande", "breaking"),
    "added": ("Lagt til", "Lagt til", "Added"),
    "removed": ("Fjernet", "Fjerna", "Removed"),
    "changed": ("Endret", "Endra", "Changed"),
    "codes_kind": ("Koder", "Kodar", "Codes"),
    "what": ("Opplysning", "Opplysning", "Item"),
    "title": ("Tittel", "Tittel", "Title"),
    "value": ("Verdi", "Verdi", "Value"),
    "rdf": ("RDF", "RDF", "RDF"),
    "publisher": ("Utgiver", "Utgjevar", "Publisher"),
    "contact_point": ("Kontaktpunkt", "Kontaktpunkt", "Contact point"),
    "validity": ("Gyldighetsperiode", "Gyldigheitsperiode", "Validity period"),
    "validity_open": ("ikke avgrenset", "ikkje avgrensa", "not limited"),
    "created": ("Opprettet", "Oppretta", "Created"),
    "modified": ("Sist endret", "Sist endra", "Last modified"),
    "collections": ("Begrepssamlinger", "Omgrepssamlingar", "Collections"),
    "collection": ("Begrepssamling", "Omgrepssamling", "Collection"),
    "hierarchy": ("Hierarki", "Hierarki", "Hierarchy"),
    "members": ("Begreper i samlingen", "Omgrep i samlinga", "Concepts in the collection"),
    "domain_of": ("Egenskaper med klassen som domene", "Eigenskapar med klassen som domene", "Properties with the class as domain"),
    "range_of": ("Egenskaper som peker til klassen (verdiområde)", "Eigenskapar som peikar til klassen (verdiområde)", "Properties that point to the class (range)"),
    "node_shapes": ("Former for klassen (SHACL)", "Formar for klassen (SHACL)", "Shapes of the class (SHACL)"),
    "alphabetical": ("Alfabetisk register", "Alfabetisk register", "Alphabetical index"),
    "Violation": ("brudd", "brot", "violation"),
    "Warning": ("advarsel", "åtvaring", "warning"),
    "Info": ("råd", "råd", "info"),
}

# What a SHACL message template's variables ({?value}, {$this}, …) stand for, on a page that shows the
# template rather than a result.
PLACEHOLDER_WORDS = {
    "value": ("verdien", "verdien", "the value"),
    "this": ("noden", "noden", "the node"),
    "focusNode": ("noden", "noden", "the node"),
    "path": ("egenskapen", "eigenskapen", "the property"),
}
PLACEHOLDER = re.compile(r"\{[?$]([A-Za-z_][A-Za-z0-9_]*)\}")

STATUS_LABELS = {
    "DRAFT": ("utkast", "utkast", "draft"),
    "CANDIDATE": ("kandidat", "kandidat", "candidate"),
    "CURRENT": ("gjeldende", "gjeldande", "current"),
    "RETIRED": ("utgått", "utgått", "retired"),
    "DEPRECATED": ("foreldet", "forelda", "deprecated"),
}
RELATIONSHIP_WITH_SOURCE = {
    "derived-from-source": ("basert på kilde", "basert på kjelde", "derived from source"),
    "direct-from-source": ("sitat fra kilde", "sitat frå kjelde", "quoted from source"),
    "self-composed": ("egendefinert", "eigendefinert", "self-composed"),
}


def t(key: str, lang: str) -> str:
    return T[key][LANGS.index(lang)]


def texts_file(name: str) -> dict:
    """A page's texts from generate/site/texts/{name}.yaml (texts for translators, not code): every
    entry written as {nb, nn, en} comes back as an (nb, nn, en) tuple, the form pick() takes."""
    import yaml

    def tuples(value):
        if isinstance(value, dict):
            return tuple(value[lang] for lang in LANGS) if set(value) == set(LANGS) else {k: tuples(v) for k, v in value.items()}
        return [tuples(v) for v in value] if isinstance(value, list) else value

    return tuples(yaml.safe_load(resources.files("samtbu.generate.site").joinpath("texts", f"{name}.yaml").read_text(encoding="utf-8")))


def pick(values: Sequence[_T], lang: str) -> _T:
    """The value for ``lang`` of an (nb, nn, en) triple."""
    return values[LANGS.index(lang)]


# The literals of one property by language tag: the model index's reader (one place).
lang_texts = texts_by_language


def lang_lists(graph: Graph, subject, predicate) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for obj in sorted(graph.objects(subject, predicate), key=str):
        if isinstance(obj, Literal):
            out.setdefault(obj.language or "", []).append(str(obj))
    return out


MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def esc(text: str) -> str:
    """Escape text for Markdown (inline and in table cells)."""
    return MD_SPECIAL.sub(r"\\\1", text).replace("\n", " ")


def fence(text: str, lang: str = "") -> str:
    ticks = "```"
    while ticks in text:
        ticks += "`"
    return f"{ticks}{lang}\n{text.rstrip()}\n{ticks}"


def message_words(text: str, lang: str) -> str:
    """A SHACL message template (Markdown) with its variables ({?value}, {$this}, …) shown as what they
    stand for, in the page's language, on a page that shows the template rather than a result."""
    return PLACEHOLDER.sub(lambda m: f'<var class="sbu-var">{pick(PLACEHOLDER_WORDS[m.group(1)], lang)}</var>'
                           if m.group(1) in PLACEHOLDER_WORDS else f'<var class="sbu-var">{m.group(1)}</var>', text)


@dataclass
class Page:
    """One Markdown page in one language, with relative links and visible translation fallbacks."""

    lang: str
    path: str  # relative to the language's docs folder, e.g. "begreper/person.md"
    title: str = ""
    lines: list[str] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)  # (what, language shown)
    shown: int = 0  # texts from the model shown in the page's own language
    meta: dict = field(default_factory=dict)  # front matter (search boost, tags)

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def t(self, key: str) -> str:
        return t(key, self.lang)

    def lines_of(self, write: Callable[[], object]) -> str:
        """What a writer of lines adds to the page, taken back as text for a template to place."""
        start = len(self.lines)
        write()
        added = self.lines[start:]
        del self.lines[start:]
        return "\n".join(added)

    def link(self, target: str, text: str, anchor: str = "") -> str:
        rel = posixpath.relpath(target, posixpath.dirname(self.path) or ".")
        return f"[{esc(text)}]({rel}{'#' + anchor if anchor else ''})"

    def rel(self, target: str) -> str:
        return posixpath.relpath(target, posixpath.dirname(self.path) or ".")

    def choose(self, texts: dict[str, str], what: str) -> str | None:
        """The text in the page's language, or a visibly marked fallback; None when there is none."""
        if texts.get(self.lang):
            self.shown += 1
            return esc(texts[self.lang])
        for other in FALLBACK_ORDER[self.lang]:
            if texts.get(other):
                self.missing.append((what, other))
                return self.foreign(esc(texts[other]), other) + self.fallback_badge(other)
        if texts.get(""):
            return esc(texts[""])
        return None

    def choose_plain(self, texts: dict[str, str], default: str, what: str | None = None) -> str:
        """For titles and link texts, where no markup may go: the page's language or another one.
        ``what`` names the text in the page's list of missing translations (default: ``default``)."""
        for lang in (self.lang, *FALLBACK_ORDER[self.lang], ""):
            if texts.get(lang):
                if lang not in (self.lang, ""):
                    self.missing.append((what or default, lang))
                else:
                    self.shown += 1
                return texts[lang]
        return default

    def choose_message(self, texts: dict[str, str], what: str) -> str | None:
        """A SHACL message template, its variables shown as words in the page's language."""
        text = self.choose(texts, what)
        return None if text is None else message_words(text, self.lang)

    def foreign(self, text: str, code: str) -> str:
        """Text that is meant to be in another language (a term's translations, a quoted source),
        marked with its language for readers, screen readers and the tests."""
        return text if code == self.lang or not code else f'<span lang="{code}">{text}</span>'

    def fallback_badge(self, shown: str) -> str:
        return (
            f' <span class="sbu-fallback" title="{t("missing_inline", self.lang)} '
            f'{LANG_NAMES[shown][self.lang]}">{shown}</span>'
        )

    def render(self) -> str:
        out = []
        if self.meta:
            import yaml

            out += ["---", yaml.safe_dump(self.meta, allow_unicode=True, sort_keys=False).rstrip(), "---", ""]
        out += [f"# {esc(self.title)}", ""]
        if self.missing:
            seen: dict[str, int] = {}
            for what, shown in self.missing:
                item = f"{what} ({LANG_NAMES[shown][self.lang]})"
                seen[item] = seen.get(item, 0) + 1
            # A long list is folded: the marks in the text say where; the box says how many.
            marker = "!!!" if len(seen) <= 8 else "???"
            out += [f'{marker} warning "{t("missing_title", self.lang)} ({len(self.missing)})"', ""]
            out += ["    " + t("missing_intro", self.lang), ""]
            out += [f"    - {esc(item)}" + (f" × {n}" if n > 1 else "") for item, n in seen.items()]
            out.append("")
        out += self.lines
        return "\n".join(out).rstrip() + "\n"

    def write(self, docs_root: str) -> None:
        target = os.path.join(docs_root, self.lang, self.path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w", encoding="utf-8") as handle:
            handle.write(self.render())


__all__ = [
    "message_words", "LANGS", "DEFAULT_LANG", "T", "t", "pick", "Page", "lang_texts", "lang_lists", "esc", "fence",
    "STATUS_LABELS", "RELATIONSHIP_WITH_SOURCE", "LANG_NAMES",
]
