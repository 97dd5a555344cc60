"""The table of every validation rule: what it checks, its messages, its source and its kind.

A rule is one constraint of one named shape: a shape with ``sh:minCount`` and ``sh:in`` is two rules,
because a report names both the shape (``sh:sourceShape``) and the constraint component, and the two
rest on different grounds. Its id is ``{shape}/{parameter}`` (``Vurdering-karakter/in``); a shape's
second SPARQL constraint is ``…/sparql-2``.

Kinds (issue 13):
- ``structure``: datatype, cardinality, class, node kind, closed shapes, and ``sh:minLength 1`` (a value
  that is not empty). The model is their source.
- ``domain``: everything else (codes, grades, numbers, dates, patterns, SPARQL rules, what may stand on
  which document). A domain rule at Violation must cite an external source (law or regulation, Udir's
  guidance or handbook, a standard); one whose only source is the model itself is at most a Warning.

Sources are the shape's ``dct:source``; an ``sh:in`` rule without one takes the ``dct:source`` of the
code list(s) its codes belong to. A structure rule without a source names the model term it checks.
A source is external when its IRI is not under the model's base IRI.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from rdflib import RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, SH

from samtbu.model import LANGUAGES, Model
from samtbu.namespaces import BASE_IRI

STRUCTURE = "structure"
DOMAIN = "domain"

# The constraint parameters of SHACL Core that make a rule, in the order a table lists them, with the
# constraint component a report names and the kind of rule. Parameters that only qualify another
# (sh:qualifiedMinCount beside sh:qualifiedValueShape, sh:ignoredProperties beside sh:closed, sh:flags
# beside sh:pattern) are read with it.
COMPONENTS: list[tuple[str, str, str]] = [
    ("closed", "ClosedConstraintComponent", STRUCTURE),
    ("class", "ClassConstraintComponent", STRUCTURE),
    ("datatype", "DatatypeConstraintComponent", STRUCTURE),
    ("nodeKind", "NodeKindConstraintComponent", STRUCTURE),
    ("minCount", "MinCountConstraintComponent", STRUCTURE),
    ("maxCount", "MaxCountConstraintComponent", STRUCTURE),
    ("node", "NodeConstraintComponent", DOMAIN),
    ("in", "InConstraintComponent", DOMAIN),
    ("hasValue", "HasValueConstraintComponent", DOMAIN),
    ("pattern", "PatternConstraintComponent", DOMAIN),
    ("minLength", "MinLengthConstraintComponent", DOMAIN),
    ("maxLength", "MaxLengthConstraintComponent", DOMAIN),
    ("minInclusive", "MinInclusiveConstraintComponent", DOMAIN),
    ("maxInclusive", "MaxInclusiveConstraintComponent", DOMAIN),
    ("minExclusive", "MinExclusiveConstraintComponent", DOMAIN),
    ("maxExclusive", "MaxExclusiveConstraintComponent", DOMAIN),
    ("languageIn", "LanguageInConstraintComponent", DOMAIN),
    ("uniqueLang", "UniqueLangConstraintComponent", STRUCTURE),  # at most one value per language: cardinality
    ("equals", "EqualsConstraintComponent", DOMAIN),
    ("disjoint", "DisjointConstraintComponent", DOMAIN),
    ("lessThan", "LessThanConstraintComponent", DOMAIN),
    ("lessThanOrEquals", "LessThanOrEqualsConstraintComponent", DOMAIN),
    ("not", "NotConstraintComponent", DOMAIN),
    ("and", "AndConstraintComponent", DOMAIN),
    ("or", "OrConstraintComponent", DOMAIN),
    ("xone", "XoneConstraintComponent", DOMAIN),
    ("qualifiedValueShape", "QualifiedMinCountConstraintComponent", DOMAIN),
]


# A logical constraint whose alternatives only name classes, datatypes, node kinds or counts («a school
# or a county authority», «a Sluttkompetanse, or an untyped IRI») is a class constraint: structure.
STRUCTURAL_MEMBER_PARAMETERS = {SH["class"], SH.datatype, SH.nodeKind, SH.minCount, SH.maxCount, SH.path, SH.property,
                                RDF.type}


def _structural(graph: Graph, member) -> bool:
    return set(graph.predicates(member)) <= STRUCTURAL_MEMBER_PARAMETERS and all(
        _structural(graph, p) for p in graph.objects(member, SH.property)
    )


def is_external(iri: str) -> bool:
    return not str(iri).startswith(BASE_IRI)


@dataclass
class Source:
    iri: str
    label: dict[str, str]
    external: bool


@dataclass
class Rule:
    id: str
    kind: str
    profiles: list[str]
    severity: str
    description: dict[str, str | None]
    messages: dict[str, str | None]
    source: list[Source]
    shape: str
    constraint: str
    check: str
    name: dict[str, str | None] = field(default_factory=dict)
    path: str | None = None
    targets: list[str] = field(default_factory=list)
    module: str | None = None

    @property
    def external_sources(self) -> list[Source]:
        return [s for s in self.source if s.external]

    @property
    def model_only(self) -> bool:
        """The rule rests on the model alone (no external source)."""
        return not self.external_sources

    def to_dict(self) -> dict:
        out = asdict(self)
        out["model_only"] = self.model_only
        return out


# -- reading the shapes ------------------------------------------------------------------------------
def _texts(graph: Graph, subject, predicate) -> dict[str, str | None]:
    found: dict[str, str] = {}
    for obj in sorted(graph.objects(subject, predicate), key=str):
        if isinstance(obj, Literal) and obj.language in LANGUAGES:
            found.setdefault(obj.language, str(obj))
    return {lang: found.get(lang) for lang in LANGUAGES}


def _list(graph: Graph, node) -> list:
    return list(Collection(graph, node)) if node is not None else []


def _curie(iri) -> str:
    text = str(iri)
    for prefix, ns in (("sbu:", BASE_IRI + "def/"), ("sbuk:", BASE_IRI + "kode/"), ("sbus:", BASE_IRI + "shapes/"),
                       ("sbup:", BASE_IRI + "profil/"),
                       ("sh:", str(SH)), ("xsd:", "http://www.w3.org/2001/XMLSchema#"),
                       ("rdf:", "http://www.w3.org/1999/02/22-rdf-syntax-ns#")):
        if text.startswith(ns):
            return prefix + text[len(ns):]
    return text


def _code_text(model: Model, value) -> str:
    notation = model.vocab.value(value, SKOS.notation)
    return str(notation) if notation is not None else _curie(value)


def _path_text(graph: Graph, path) -> str | None:
    if path is None:
        return None
    if isinstance(path, URIRef):
        return _curie(path)
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + _curie(inverse)
    items = _list(graph, path) if graph.value(path, RDF.first) is not None else []
    return "/".join(_curie(i) for i in items) if items else "(complex path)"


def _check_text(model: Model, graph: Graph, shape, parameter: str, node=None) -> str:
    """What the constraint checks, in SHACL's own terms (language-neutral, short)."""
    value = graph.value(shape, SH[parameter]) if node is None else node
    if parameter == "in":
        codes = [_code_text(model, v) for v in _list(graph, value)]
        return "sh:in (" + ", ".join(codes) + ")"
    if parameter in ("or", "and", "xone"):
        return f"sh:{parameter} ({len(_list(graph, value))} alternatives)" if parameter != "and" else "sh:and"
    if parameter == "closed":
        ignored = [_curie(v) for v in _list(graph, graph.value(shape, SH.ignoredProperties))]
        allowed = sorted({_curie(p) for ps in graph.objects(shape, SH.property) for p in graph.objects(ps, SH.path)})
        return "sh:closed: only " + ", ".join(allowed + ignored)
    if parameter == "qualifiedValueShape":
        inner = graph.value(shape, SH.qualifiedValueShape)
        cls = graph.value(inner, SH["class"]) if inner is not None else None
        low, high = graph.value(shape, SH.qualifiedMinCount), graph.value(shape, SH.qualifiedMaxCount)
        what = _curie(cls) if cls is not None else "a shape"
        return f"{int(low) if low is not None else 0}..{int(high) if high is not None else '*'} values of {what}"
    if parameter == "sparql":
        return "SPARQL"
    if parameter == "pattern":
        flags = graph.value(shape, SH.flags)
        return f"sh:pattern {value}" + (f" (flags {flags})" if flags is not None else "")
    if parameter == "hasValue":
        return f"sh:hasValue {_code_text(model, value)}"
    return f"sh:{parameter} {_curie(value)}"


def _profiles_of(model: Model) -> dict:
    """Which profiles each shape is part of (a profile's graph includes the modules it imports)."""
    member: dict = {}
    for name, profile in sorted(model.profiles.items()):
        shapes = set(profile.shapes.subjects(RDF.type, SH.NodeShape)) | set(profile.shapes.subjects(RDF.type, SH.PropertyShape))
        for shape in shapes:
            member.setdefault(shape, []).append(name)
    return member


def _label(model: Model, iri: URIRef) -> dict[str, str]:
    for graph in (model.vocab, model.ontology, model.shapes):
        texts = {k: v for k, v in _texts(graph, iri, RDFS.label).items() if v}
        if texts:
            return texts
    from samtbu.generate.site_tables import LAW_NAMES, source_id

    law = LAW_NAMES.get(str(iri))
    if law:
        return {lang: f"{name} ({source_id(str(iri))})" for lang, name in zip(LANGUAGES, law)}
    ident = source_id(str(iri))
    return {} if ident == str(iri) else dict.fromkeys(LANGUAGES, ident)


def _sources(model: Model, graph: Graph, shape, parameter: str, node=None) -> list[Source]:
    iris = sorted(set(graph.objects(shape, DCTERMS.source)), key=str)
    if not iris and parameter == "in":
        # An sh:in rule without a source of its own rests on the code list(s) its codes belong to.
        schemes = set()
        for code in _list(graph, graph.value(shape, SH["in"])):
            schemes |= set(model.vocab.objects(code, SKOS.inScheme))
        iris = sorted({s for scheme in schemes for s in model.vocab.objects(scheme, DCTERMS.source)}, key=str)
    if not iris:
        # The model is the source: name the term the rule checks (its path, or its target class).
        term = graph.value(shape, SH.path)
        if not isinstance(term, URIRef):
            term = next(iter(sorted(graph.objects(shape, SH.targetClass), key=str)), None)
        iris = [term] if isinstance(term, URIRef) else [URIRef(BASE_IRI + "modell")]
    return [Source(iri=str(i), label=_label(model, i), external=is_external(str(i))) for i in iris]


def _targets(graph: Graph, shape) -> list[str]:
    """The shape's targets, as a reader of the table needs them when the rule has no path."""
    out = sorted(_curie(t) for t in graph.objects(shape, SH.targetClass))
    out += sorted(_curie(t) for t in graph.objects(shape, SH.targetNode))
    out += sorted("^" + _curie(t) for t in graph.objects(shape, SH.targetObjectsOf))
    out += sorted(_curie(t) + " (subjects)" for t in graph.objects(shape, SH.targetSubjectsOf))
    return out


def _shape_rules(model: Model, graph: Graph, shape, profiles: list[str]) -> list[Rule]:
    local = str(shape).rsplit("/", 1)[-1]
    severity = str(graph.value(shape, SH.severity) or SH.Violation).rsplit("#", 1)[-1]
    common: dict[str, Any] = dict(
        profiles=profiles,
        severity=severity,
        description=_texts(graph, shape, SH.description),
        shape=str(shape),
        name=_texts(graph, shape, SH.name),
        path=_path_text(graph, graph.value(shape, SH.path)),
        targets=_targets(graph, shape),
        module=str(graph.value(shape, RDFS.isDefinedBy)) if graph.value(shape, RDFS.isDefinedBy) is not None else None,
    )
    messages = _texts(graph, shape, SH.message)
    rules = []
    for parameter, component, kind in COMPONENTS:
        value = graph.value(shape, SH[parameter])
        if value is None or (parameter == "closed" and not value.toPython()):
            continue
        if parameter in ("or", "xone", "and") and all(_structural(graph, member) for member in _list(graph, value)):
            kind = STRUCTURE
        if parameter == "minLength" and value.toPython() == 1:
            kind = STRUCTURE  # «not empty» says only that the value is there: a cardinality in disguise
        rules.append(Rule(
            id=f"{local}/{parameter}", kind=kind, messages=messages,
            source=_sources(model, graph, shape, parameter), constraint="sh:" + component,
            check=_check_text(model, graph, shape, parameter), **common,
        ))
    sparql = sorted(graph.objects(shape, SH.sparql), key=lambda n: str(graph.value(n, SH.select) or ""))
    for number, constraint in enumerate(sparql, start=1):
        own = _texts(graph, constraint, SH.message)
        rules.append(Rule(
            id=f"{local}/sparql" + (f"-{number}" if len(sparql) > 1 else ""), kind=DOMAIN,
            messages={lang: own[lang] or messages[lang] for lang in LANGUAGES},
            source=_sources(model, graph, shape, "sparql"), constraint="sh:SPARQLConstraintComponent",
            check="SPARQL", **common,
        ))
    return rules


TOOLKIT_PREFIX = "samtbu:"  # the id of a rule the toolkit checks itself: "samtbu:UnknownField"


def toolkit_rules(model: Model) -> list[Rule]:
    """The rules the toolkit checks itself (``shapes/verktoey/``): unknown JSON keys and types, a key
    given twice (every profile's JSON payloads), and the cross-record rules of a batch. Their id is the
    constraint component reports name (``samtbu:UnknownField``)."""
    everyone = sorted(model.profiles)
    return [
        Rule(
            id=rule.constraint, kind=rule.kind, profiles=everyone, severity=rule.severity,
            description={lang: rule.descriptions.get(lang) for lang in LANGUAGES},
            messages={lang: rule.messages.get(lang) for lang in LANGUAGES},
            source=[Source(iri=str(i), label=_label(model, i), external=is_external(str(i))) for i in rule.sources],
            shape=str(rule.iri), constraint=rule.constraint, check="samtbu:" + str(rule.scope).rsplit("#", 1)[-1],
            name={lang: rule.names.get(lang) for lang in LANGUAGES},
            module=str(rule.module) if rule.module is not None else None,
        )
        for rule in model.toolkit_rules.values()
    ]


def collect_rules(model: Model) -> list[Rule]:
    """Every rule of every shape the model has (module shapes, including those no profile uses yet,
    and profile shapes), and the rules the toolkit checks itself, sorted by id."""
    graph = model.shapes
    member = _profiles_of(model)
    shapes = {s for k in (SH.NodeShape, SH.PropertyShape) for s in graph.subjects(RDF.type, k)}
    shapes |= {s for s in graph.objects(None, SH.property)}
    rules = []
    for shape in sorted((s for s in shapes if isinstance(s, URIRef)), key=str):
        rules += _shape_rules(model, graph, shape, member.get(shape, []))
    # Blank shapes are parameters of a named shape's rule (inside sh:or, sh:not, sh:qualifiedValueShape).
    return sorted(rules + toolkit_rules(model), key=lambda r: r.id)


def unsourced_violations(rules: list[Rule]) -> list[Rule]:
    """Domain rules at Violation that cite no external source: each is a defect of the model."""
    return [r for r in rules if r.kind == DOMAIN and r.severity == "Violation" and r.model_only]


# -- rendering ---------------------------------------------------------------------------------------
MISSING = {"nb": "(mangler på bokmål)", "nn": "(manglar på nynorsk)", "en": "(missing in English)"}


def render_json(rules: list[Rule]) -> str:
    return json.dumps([r.to_dict() for r in rules], ensure_ascii=False, indent=2) + "\n"


def render_text(rules: list[Rule], lang: str = "nb") -> str:
    counts = {k: sum(1 for r in rules if r.kind == k) for k in (STRUCTURE, DOMAIN)}
    lines = [f"{len(rules)} rules: {counts[STRUCTURE]} structure, {counts[DOMAIN]} domain"]
    missing = unsourced_violations(rules)
    if missing:
        lines.append(f"{len(missing)} domain rules at Violation cite no external source: " + ", ".join(r.id for r in missing))
    for rule in rules:
        lines.append("")
        lines.append(f"{rule.id}  [{rule.kind}, {rule.severity}]  profiles: {', '.join(rule.profiles) or '(none yet)'}")
        if rule.path or rule.targets:
            lines.append(f"  on: {rule.path or ', '.join(rule.targets)}")
        lines.append(f"  checks: {rule.check}")
        description = rule.description.get(lang) or next((rule.description[o] for o in LANGUAGES if rule.description.get(o)), None)
        if description:
            lines.append(f"  {_one_line(description)}")
        for code in LANGUAGES:
            lines.append(f"  message {code}: {_one_line(rule.messages.get(code) or MISSING[code])}")
        for source in rule.source:
            label = source.label.get(lang) or next(iter(source.label.values()), "")
            kind = "" if source.external else " (the model)"
            lines.append(f"  source{kind}: {label + ' ' if label else ''}<{source.iri}>")
    return "\n".join(lines) + "\n"


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# -- the site page -----------------------------------------------------------------------------------
PAGE_PATH = "regler.md"
WORDS: dict[str, tuple[str, str, str]] = {
    "title": ("Valideringsregler", "Valideringsreglar", "Validation rules"),
    "intro": (
        "Alle regler i alle valideringsprofilene, og i formmodulene som ingen profil bruker ennå. En regel er én "
        "begrensning i én form; id-en er formens navn og begrensningen, slik valideringsrapporten viser dem. "
        "«Struktur» er datatype, antall, klasse, nodetype og lukket form: der er modellen selv kilden. «Domene» er "
        "alt annet (koder, karakterer, tall, datoer, mønstre og SPARQL-regler): en slik regel med alvorlighet "
        "Violation viser til en ekstern kilde (lov eller forskrift, Udirs veiledning eller håndbok, en standard); "
        "en domeneregel som bare har modellen som kilde, er høyst en advarsel (Warning). Sist står reglene som "
        "verktøyet kontrollerer selv (ukjente felt og typer, et felt som står to ganger, og reglene på tvers av "
        "postene i et parti); id-en deres er navnet valideringsrapporten gir dem (`samtbu:UnknownField`).",
        "Alle reglar i alle valideringsprofilane, og i formmodulane som ingen profil bruker enno. Ein regel er éi "
        "avgrensing i éi form; id-en er namnet på forma og avgrensinga, slik valideringsrapporten viser dei. "
        "«Struktur» er datatype, tal, klasse, nodetype og lukka form: der er modellen sjølv kjelda. «Domene» er "
        "alt anna (kodar, karakterar, tal, datoar, mønster og SPARQL-reglar): ein slik regel med alvorsgrad "
        "Violation viser til ei ekstern kjelde (lov eller forskrift, rettleiing eller handbok frå Udir, ein "
        "standard); ein domeneregel som berre har modellen som kjelde, er høgst ei åtvaring (Warning). Sist står reglane som "
        "verktøyet kontrollerer sjølv (ukjende felt og typar, eit felt som står to gonger, og reglane på tvers av "
        "postane i eit parti); id-en deira er namnet valideringsrapporten gir dei (`samtbu:UnknownField`).",
        "Every rule of every validation profile, and of the shape modules no profile uses yet. A rule is one "
        "constraint of one shape; its id is the shape's name and the constraint, as the validation report shows "
        "them. «Structure» is datatype, cardinality, class, node kind and closed shapes: there the model itself is "
        "the source. «Domain» is everything else (codes, grades, numbers, dates, patterns and SPARQL rules): such a "
        "rule at severity Violation cites an external source (a law or regulation, Udir's guidance or handbook, a "
        "standard); a domain rule whose only source is the model is at most a Warning. Last come the rules the "
        "toolkit checks itself (unknown fields and types, a key given twice, and the rules across the records of a "
        "batch); their id is the name the validation report gives them (`samtbu:UnknownField`).",
    ),
    "counts": ("{n} regler: {s} struktur, {d} domene.", "{n} reglar: {s} struktur, {d} domene.", "{n} rules: {s} structure, {d} domain."),
    "unsourced": (
        "Disse domenereglene har alvorlighet Violation, men viser ikke til noen ekstern kilde:",
        "Desse domenereglane har alvorsgrad Violation, men viser ikkje til nokon ekstern kjelde:",
        "These domain rules have severity Violation but cite no external source:",
    ),
    "cli": ("Samme tabell på kommandolinjen:", "Same tabell på kommandolinja:", "The same table on the command line:"),
    "rule": ("Regel", "Regel", "Rule"),
    "kind": ("Type", "Type", "Kind"),
    "severity": ("Alvorlighet", "Alvorsgrad", "Severity"),
    "profiles": ("Profiler", "Profilar", "Profiles"),
    "checks": ("Hva regelen kontrollerer", "Kva regelen kontrollerer", "What it checks"),
    "messages": ("Meldinger", "Meldingar", "Messages"),
    "source": ("Kilde", "Kjelde", "Source"),
    "structure": ("struktur", "struktur", "structure"),
    "domain": ("domene", "domene", "domain"),
    "no_profile": ("ingen ennå", "ingen enno", "none yet"),
    "the_model": ("modellen", "modellen", "the model"),
    "model_only": ("bare modellen", "berre modellen", "the model only"),
    "module": ("Formmodul", "Formmodul", "Shape module"),
    "profile_shapes": ("Profil", "Profil", "Profile"),
    "toolkit": ("Regler som verktøyet kontrollerer selv", "Reglar som verktøyet kontrollerer sjølv", "Rules the toolkit checks itself"),
    "missing": ("mangler", "manglar", "missing"),
    "rule_texts": ("navn og beskrivelser av regler", "namn og skildringar av reglar", "names and descriptions of rules"),
}


def _w(key: str, lang: str) -> str:
    return WORDS[key][LANGUAGES.index(lang)]


def _section(rule: Rule) -> str:
    module = rule.module or ""
    return module.rsplit("/", 1)[-1] if module else "?"


def rules_page(idx, lang: str):
    """The site page (nb, nn or en) with every rule, grouped by the shape module or profile that defines it."""
    from samtbu.generate.site_tables import source_link
    from samtbu.generate.site_text import Page, esc

    class WidePage(Page):
        """The table needs the width: the page hides the section navigation (mkdocs-material front matter)."""

        def render(self) -> str:
            return "---\nhide:\n  - navigation\n---\n\n" + super().render()

    rules = collect_rules(idx.model)
    page = WidePage(lang, PAGE_PATH)
    page.title = _w("title", lang)
    page.add(_w("intro", lang), "")
    counts = {k: sum(1 for r in rules if r.kind == k) for k in (STRUCTURE, DOMAIN)}
    page.add(_w("counts", lang).format(n=len(rules), s=counts[STRUCTURE], d=counts[DOMAIN]), "")
    page.add(f"{_w('cli', lang)} `samtbu rules --lang {lang}` (`--format json`).", "")
    unsourced = unsourced_violations(rules)
    if unsourced:
        page.add(f'!!! warning "{_w("unsourced", lang)}"', "")
        page.add(*[f"    - [`{r.id}`](#{_anchor(r.id)})" for r in unsourced], "")

    sections: dict[str, list[Rule]] = {}
    for rule in rules:
        sections.setdefault(_section(rule), []).append(rule)
    profile_names = set(idx.model.profiles)
    toolkit = {_section(r) for r in rules if r.id.startswith(TOOLKIT_PREFIX)}
    for section in sorted(sections, key=lambda s: (s in toolkit, s in profile_names, s)):
        if section in toolkit:  # shapes/verktoey/{section}.ttl
            page.add(f"## {_w('toolkit', lang)} (`shapes/verktoey/{section}.ttl`)", "")
        else:
            heading = _w("profile_shapes", lang) if section in profile_names else _w("module", lang)
            page.add(f"## {heading} `{section}`", "")
        page.add(f"| {_w('rule', lang)} | {_w('checks', lang)} | {_w('messages', lang)} | {_w('source', lang)} |",
                 "|---|---|---|---|")
        for rule in sections[section]:
            page.add(_row(page, idx, rule, lang, esc, source_link))
        page.add("")
    return page


def _anchor(rule_id: str) -> str:
    return "regel-" + re.sub(r"[^A-Za-z0-9_-]+", "-", rule_id).strip("-").lower()


def _row(page, idx, rule: Rule, lang: str, esc, source_link) -> str:
    from samtbu.generate.site_text import T, message_words, t

    profiles = ", ".join(page.link(f"profiler/{p}.md", p) for p in rule.profiles) or f"*{_w('no_profile', lang)}*"
    severity = t(rule.severity, lang) if rule.severity in T else rule.severity
    first = (f'<a id="{_anchor(rule.id)}"></a>`{rule.id}`<br>{_w(rule.kind, lang)}, {severity}'
             f"<br>{_w('profiles', lang)}: {profiles}")
    # One entry in the page's list of missing translations for all rules, not one per rule.
    name = page.choose(rule.name, _w("rule_texts", lang))
    description = page.choose(rule.description, _w("rule_texts", lang))
    on = rule.path or ", ".join(rule.targets)
    check = f"`{esc(on)}`: {esc(rule.check)}" if on else esc(rule.check)
    checks = "<br>".join(x for x in (f"**{name}**" if name else None, check, description) if x)
    messages = "<br>".join(
        f"{code}: " + (message_words(esc(_one_line(rule.messages[code])), lang) if rule.messages.get(code)
                       else f'<span class="sbu-missing"><em>{_w("missing", lang)}</em></span>')
        for code in LANGUAGES
    )
    sources = []
    for source in rule.source:
        if source.external:
            sources.append(source_link(idx, source.iri, lang))
            continue
        model_iri = source.iri == BASE_IRI + "modell"
        text = _w("the_model", lang) if model_iri else f"{_w('the_model', lang)}: {_curie(source.iri)}"
        target = idx.path(URIRef(source.iri))
        sources.append(page.link(target, text) if target else esc(text))
    if rule.kind == DOMAIN and rule.model_only:
        sources.append(f"*({_w('model_only', lang)})*")
    return f"| {first} | {checks} | {messages} | {'<br>'.join(sources)} |"


__all__ = ["Rule", "Source", "collect_rules", "unsourced_violations", "render_json", "render_text", "rules_page",
           "is_external", "PAGE_PATH", "STRUCTURE", "DOMAIN", "COMPONENTS"]
