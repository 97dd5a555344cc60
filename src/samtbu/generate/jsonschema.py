"""JSON Schema 2020-12, one per validation profile, generated from the profile's shapes graph, the
ontology and the code lists: for vendors who handle plain JSON only.

What is translated (SHACL Core, severity Violation; Warning and Info shapes only advise and are left
to SHACL):

- the node shapes that apply to a class (``sh:targetClass`` the class or a superclass) are merged
  into ``$defs/{Class}``, selected by the node's ``"type"``;
- ``sh:minCount`` -> ``required`` (and ``minItems``), ``sh:maxCount`` -> ``maxItems``; a property is a
  JSON array exactly when the JSON-LD context makes it a ``@set``;
- ``sh:datatype`` (else the ontology's ``rdfs:range``) -> JSON type, with a ``pattern`` for dates;
  ``rdf:langString`` -> a language map;
- ``sh:pattern``, ``sh:minLength``, ``sh:minInclusive``/``sh:maxInclusive``,
  ``sh:minExclusive``/``sh:maxExclusive`` (``exclusiveMinimum``/``exclusiveMaximum``);
- ``sh:in`` / ``sh:hasValue`` on code properties -> ``enum`` of the notations (as they appear in
  JSON), with their labels in ``x-labels``; a pattern on a Grep IRI becomes a pattern on the code;
- ``sh:class`` / ``sh:or`` of ``sh:class`` -> a nested object whose ``type`` is the class or one of
  its subclasses; ``sh:node`` -> extra constraints on the nested object;
  ``sh:qualifiedValueShape [sh:class C]`` with counts -> ``contains`` / ``minContains`` / ``maxContains``;
- ``sh:closed`` -> ``additionalProperties: false`` over the properties the shape lists. A node whose
  shapes are open still allows only terms of the model: the validator refuses unknown JSON keys,
  because JSON-LD would drop them silently.

- ``sh:minCount`` and a ``sh:qualifiedMinCount`` of one or more both make the property required;
  ``sh:uniqueLang`` is the language map itself (one key per language); ``sh:nodeKind sh:IRI`` on an
  object or code property holds by construction (the context makes the value an IRI).

Every constraint of the profile is accounted for: the schema's top-level ``x-shacl-only`` lists each
one it does not express, ``{"shape", "constraint", "reason"}`` (a blank property shape is named by
the shape that holds it and its path, :func:`shape_ref`): SPARQL constraints (check digits, date
order, cross-node rules), rules that combine conditions (``sh:or``/``sh:not`` on a node or on a
property's values), Warning and Info shapes (advice), and shapes of nodes a JSON payload never
writes as objects (Grep elements) or that JSON Schema cannot select (``sh:targetSubjectsOf``,
``sh:targetNode``). Each definition's own ``x-shacl-only`` names the shapes with such rules for that
class. A test checks, for every profile, that each constraint has its counterpart here or is listed.
References: a node value may be the node itself (an object with its ``type``), or a reference to a
node described elsewhere in the payload, ``{"id": ...}`` or the IRI as a string (the context makes
such a property's value an IRI). Where the shapes name the class of the value (``sh:class``, an
``sh:or`` of classes), the reference carries ``x-refers-to``: ``{"type": [the classes], "allOf":
[the value's sh:node parts], "external": true if an sh:or also allows a node with no type}``: the id
must be described in the same payload as an object of one of the classes that meets the parts.
JSON Schema itself cannot look across the instance, so this is a keyword of our own: a plain
validator treats it as an annotation and accepts any well-formed reference; :func:`error_pointers`
(``reference_validator``) follows it, as SHACL does. Passing the schema is necessary, not sufficient:
``samtbu validate`` is the full check (SPARQL rules, ``x-shacl-only``).
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict

from rdflib import OWL, RDF, RDFS, SKOS, XSD, BNode, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH

from samtbu.generate.context import term_definition
from samtbu.jsonld import CONTEXT_IRIS
from samtbu.model import LANGUAGES, Model, Profile
from samtbu.namespaces import BASE_IRI, SBU, local_name

DIALECT = "https://json-schema.org/draft/2020-12/schema"
REFERENCE = "Referanse"
# The keyword on a reference (an id, as a string or {"id": ...}) that names what it must refer to: a
# node described elsewhere in the same payload whose "type" is one of "type" (and that meets "allOf").
REFERS_TO = "x-refers-to"

_DATE = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
_DATETIME = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?$"
_DATATYPES: dict[URIRef, dict] = {
    XSD.string: {"type": "string"},
    XSD.date: {"type": "string", "format": "date", "pattern": _DATE},
    XSD.dateTime: {"type": "string", "format": "date-time", "pattern": _DATETIME},
    XSD.gYear: {"type": "string", "pattern": "^-?[0-9]{4,}$"},
    XSD.integer: {"type": "integer"},
    XSD.decimal: {"type": "number"},
    XSD.boolean: {"type": "boolean"},
    XSD.anyURI: {"type": "string", "format": "iri"},
}
_LANGUAGE_MAP = {
    "type": "object",
    "propertyNames": {"pattern": "^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$"},
    "additionalProperties": {"type": "string"},
    "minProperties": 1,
}


def schema_id(version: str, profile: str) -> str:
    return f"{BASE_IRI}schema/{version}/{profile}.json"


def schema_file_name(profile: str) -> str:
    return f"{profile}.json"


# -- reading the shapes ------------------------------------------------------------------------


def _list(graph, head) -> list:
    return list(Collection(graph, head)) if head is not None else []


def _is_violation(graph, shape) -> bool:
    severity = graph.value(shape, SH.severity)
    return severity is None or severity == SH.Violation


def _label(graph, node, lang: str = "nb") -> str | None:
    for predicate in (SKOS.prefLabel, RDFS.label):
        for value in graph.objects(node, predicate):
            if isinstance(value, Literal) and value.language == lang:
                return str(value)
    return None


class _Builder:
    def __init__(self, model: Model, profile: Profile):
        self.model = model
        self.profile = profile
        self.shapes = profile.shapes
        self.defs: dict[str, dict] = {}
        self.pending: list[URIRef] = []
        self.translated: dict[str, set[str]] = {}  # shape reference -> constraint parameters expressed
        self.terms = sorted(
            local_name(p, SBU) for p in model.properties() if (p, RDF.type, OWL.AnnotationProperty) not in model.ontology
        )

    # which node shapes apply to a node of a class
    def node_shapes(self, cls: URIRef) -> list:
        supers = self.model.hierarchy.with_ancestors(cls)
        shapes = {s for c in supers for s in self.shapes.subjects(SH.targetClass, c)}
        return sorted((s for s in shapes if _is_violation(self.shapes, s)), key=str)

    def profile_classes(self) -> set[URIRef]:
        return {c for c in self.shapes.objects(None, SH.targetClass) if isinstance(c, URIRef) and str(c).startswith(str(SBU))}

    def value_classes(self) -> set[URIRef]:
        """Classes that appear as the value of some property in the profile's shapes."""
        found: set[URIRef] = set()
        for ps in self.shapes.subjects(SH.path, None):
            for cls in self.shapes.objects(ps, SH["class"]):
                found |= self.model.hierarchy.with_descendants(cls)
            for alternative in _list(self.shapes, self.shapes.value(ps, SH["or"])):
                for cls in self.shapes.objects(alternative, SH["class"]):
                    found |= self.model.hierarchy.with_descendants(cls)
            for q in self.shapes.objects(ps, SH.qualifiedValueShape):
                for cls in self.shapes.objects(q, SH["class"]):
                    found |= self.model.hierarchy.with_descendants(cls)
        return found

    def root_classes(self) -> list[URIRef]:
        """What a payload of the flow is about: the classes named by the profile's root rule
        ("exactly one X", a SPARQL shape on the profile IRI), else the classes its shapes target
        that are not the value of another property."""
        named: set[URIRef] = set()
        for shape in self.shapes.subjects(SH.targetNode, self.profile.iri):
            for constraint in self.shapes.objects(shape, SH.sparql):
                query = str(self.shapes.value(constraint, SH.select) or "")
                for group in re.findall(r"\?klasse\s+IN\s*\(([^)]*)\)", query):
                    named |= {URIRef(i) for i in re.findall(r"<([^>]+)>", group)}
        if named:
            return sorted(named, key=str)
        candidates = set(self.profile.root_classes) or self.profile_classes()
        roots = candidates - self.value_classes()
        return sorted(roots or candidates, key=str)

    # -- properties --------------------------------------------------------------------------
    def collect(self, property_shapes) -> OrderedDict[URIRef, dict]:
        """Merge the property shapes by path: what a node must satisfy for each property. Each
        constraint is recorded as translated (``self.translated``) or as SHACL-only with the reason
        (``self.only``)."""
        merged: OrderedDict[URIRef, dict] = OrderedDict()
        g = self.shapes
        for ps in sorted(property_shapes, key=str):
            path = g.value(ps, SH.path)
            if not isinstance(path, URIRef) or path == RDF.type:
                continue
            c = merged.setdefault(path, {"shapes": [], "only_shacl": []})
            if not _is_violation(g, ps):
                continue  # advice: listed with its reason at the end
            c["shapes"].append(ps)
            done = self.translated.setdefault(shape_ref(g, ps), set())
            if (ps, SH.sparql, None) in g:
                c["only_shacl"].append(ps)
            for key, pred in (("minCount", SH.minCount), ("minLength", SH.minLength),
                              ("minInclusive", SH.minInclusive), ("minExclusive", SH.minExclusive)):
                value = g.value(ps, pred)
                if value is not None:
                    c[key] = max(c.get(key, value.toPython()), value.toPython())
                    done.add(_param(pred))
            for key, pred in (("maxCount", SH.maxCount), ("maxInclusive", SH.maxInclusive),
                              ("maxExclusive", SH.maxExclusive)):
                value = g.value(ps, pred)
                if value is not None:
                    c[key] = min(c.get(key, value.toPython()), value.toPython())
                    done.add(_param(pred))
            for value in g.objects(ps, SH.datatype):
                c.setdefault("datatype", set()).add(value)
                done.add("datatype")
            for value in g.objects(ps, SH.pattern):
                c.setdefault("patterns", set()).add(str(value))
                done.add("pattern")
            if (ps, SH["in"], None) in g:
                values = set(_list(g, g.value(ps, SH["in"])))
                c["in"] = values if "in" not in c else c["in"] & values
                done.add("in")
            for value in g.objects(ps, SH.hasValue):
                c.setdefault("hasValue", set()).add(value)
                done.add("hasValue")
            for cls in g.objects(ps, SH["class"]):
                c.setdefault("classes", []).append({cls})
                c.setdefault("described", []).append(True)
                done.add("class")
            for head in g.objects(ps, SH["or"]):
                classes = _class_alternatives(g, head)
                if classes is not None:
                    # Each alternative a class, or "no type at all" (a reference by IRI): a nested
                    # object of one of the classes, or a {"id": ...} reference.
                    c.setdefault("classes", []).append(classes)
                    c.setdefault("described", []).append(not _allows_untyped(g, head))
                    done.add("or")
                else:
                    c["only_shacl"].append(ps)
            if g.value(ps, SH.nodeKind) in (SH.IRI, SH.BlankNodeOrIRI) and (
                    (path, RDF.type, OWL.ObjectProperty) in self.model.ontology or self.code_namespace(path)):
                done.add("nodeKind")  # the context makes the value an IRI: a nested node, a reference or a code
            if (ps, SH.uniqueLang, Literal(True)) in g and self.model.ontology.value(path, RDFS.range) == RDF.langString:
                done.add("uniqueLang")  # a language map has one key per language
            for node in g.objects(ps, SH.node):
                c.setdefault("nodes", []).append(node)
                done.add("node")
            for q in g.objects(ps, SH.qualifiedValueShape):
                qclass = g.value(q, SH["class"])
                if isinstance(qclass, URIRef) and len(list(g.predicate_objects(q))) == 1:
                    c.setdefault("qualified", []).append(
                        (qclass, g.value(ps, SH.qualifiedMinCount), g.value(ps, SH.qualifiedMaxCount))
                    )
                    done.update({"qualifiedValueShape", "qualifiedMinCount", "qualifiedMaxCount"})
                else:
                    c["only_shacl"].append(ps)
        return merged

    def code_namespace(self, prop: URIRef) -> str | None:
        ns = self.model.ontology.value(prop, SBU.kodeNavnerom)
        return str(ns) if ns is not None else None

    def is_array(self, prop: URIRef, c: dict | None = None) -> bool:
        """Whether the property may have more than one value here: a @set in the context and not
        capped at one by the profile's shapes."""
        definition = term_definition(self.model, prop)
        if not (isinstance(definition, dict) and definition.get("@container") == "@set"):
            return False
        return not (c and c.get("maxCount") is not None and c["maxCount"] <= 1)

    def codes_schema(self, prop: URIRef, iris: set, namespace: str) -> dict:
        """The codes as an enum with their labels; a retired code (owl:deprecated) is listed in
        x-deprecated, an accepted alias (no concept of its own; the skos:hiddenLabel of one) in
        x-aliases with the code it stands for. SHACL accepts both with a warning."""
        vocab = self.model.vocab
        notations, labels, deprecated, aliases = [], {}, [], {}
        for iri in iris:
            text = str(iri)
            notation = text[len(namespace):] if text.startswith(namespace) else text
            notations.append(notation)
            names = {lang: _label(vocab, iri, lang) for lang in LANGUAGES}
            names = {k: v for k, v in names.items() if v}
            if names:
                labels[notation] = names
            if (iri, OWL.deprecated, Literal(True)) in vocab:
                deprecated.append(notation)
            elif (iri, RDF.type, SKOS.Concept) not in vocab:
                for concept in vocab.subjects(SKOS.hiddenLabel, Literal(notation)):
                    target = vocab.value(concept, SKOS.notation)
                    if target is not None:
                        aliases[notation] = str(target)
        notations.sort(key=_natural)
        schema: dict = {"type": "string", "enum": notations}
        if labels:
            schema["x-labels"] = {n: labels[n] for n in notations if n in labels}
        if deprecated:
            schema["x-deprecated"] = sorted(deprecated, key=_natural)
        if aliases:
            schema["x-aliases"] = dict(sorted(aliases.items()))
        return schema

    def value_schema(self, prop: URIRef, c: dict) -> dict:
        onto = self.model.ontology
        namespace = self.code_namespace(prop)
        rng = onto.value(prop, RDFS.range)
        schema: dict
        if namespace is not None:
            schema = {"type": "string"}
            if "in" in c:
                schema = self.codes_schema(prop, c["in"], namespace)
            patterns = []
            for pattern in sorted(c.get("patterns", ())):
                prefix = "^" + re.escape(namespace).replace("\\/", "/").replace("\\:", ":")
                if pattern.startswith(prefix):
                    patterns.append("^" + pattern[len(prefix):])
                else:
                    patterns.append(pattern)
            _add_patterns(schema, patterns)
            if not self.is_array(prop, c) and c.get("hasValue"):
                schema.update(self.codes_schema(prop, c["hasValue"], namespace))
            return schema
        datatypes = c.get("datatype") or ({rng} if isinstance(rng, URIRef) and rng in _DATATYPES | {RDF.langString: 0} else set())
        if RDF.langString in datatypes or rng == RDF.langString:
            return dict(_LANGUAGE_MAP)
        if datatypes:
            schema = dict(_DATATYPES.get(sorted(datatypes)[0], {"type": "string"}))
        elif (prop, RDF.type, OWL.ObjectProperty) in onto:
            classes = c.get("classes") or ([{rng}] if isinstance(rng, URIRef) and str(rng).startswith(str(SBU)) else [])
            if not classes:
                if c.get("in") is not None:
                    return {"enum": sorted(str(x) for x in c["in"])}
                iri = {"type": "string", "format": "iri"}
                union = [m for m in _list(onto, onto.value(rng, OWL.unionOf)) if str(m).startswith(str(SBU))] if isinstance(rng, BNode) else []
                if not union:
                    return iri
                # A range that is a union of classes (a result or a document): the IRI as a string,
                # or a node of one of the classes, or {"id": ...} for a node described elsewhere.
                allowed = set().union(*(self.model.hierarchy.with_descendants(m) for m in union))
                return self.node_reference(sorted(allowed, key=str), typed=False)
            allowed = None
            for alternative in classes:
                expanded = set().union(*(self.model.hierarchy.with_descendants(a) for a in alternative))
                allowed = expanded if allowed is None else allowed & expanded
            # Node shapes for the value: sh:node on the property shapes, and node shapes that target
            # every object of the property (sh:targetObjectsOf), which nest under its key in JSON.
            nodes = set(c.get("nodes", ())) | set(self.shapes.subjects(SH.targetObjectsOf, prop))
            extra = [self.partial_node(n) for n in sorted(nodes, key=str)]
            # Where the shapes name the class (sh:class, or an sh:or of classes), a reference names a
            # node of the class that the payload describes; an sh:or that also allows a node with no
            # type at all (a node known by its IRI alone) lets an id the payload does not describe through.
            typed = "described" in c
            return self.node_reference(sorted(allowed, key=str), extra, typed=typed,
                                       external=typed and not any(c["described"]))
        else:
            schema = {"type": "string"}
        if "patterns" in c and schema.get("type") == "string":
            _add_patterns(schema, sorted(c["patterns"]))
        if "minLength" in c:
            schema["minLength"] = c["minLength"]
        if "minInclusive" in c:
            schema["minimum"] = c["minInclusive"]
        if "maxInclusive" in c:
            schema["maximum"] = c["maxInclusive"]
        if "minExclusive" in c:
            schema["exclusiveMinimum"] = c["minExclusive"]
        if "maxExclusive" in c:
            schema["exclusiveMaximum"] = c["maxExclusive"]
        if "in" in c:
            schema["enum"] = sorted((x.toPython() if isinstance(x, Literal) else str(x)) for x in c["in"])
        return schema

    def property_schema(self, prop: URIRef, c: dict) -> dict:
        value = self.value_schema(prop, c)
        title = _label(self.model.ontology, prop)
        if not self.is_array(prop, c):
            schema = {"title": title, **value} if title else value
            return schema
        # More than one value allowed: a JSON array, or (as JSON-LD allows) one value on its own.
        schema: dict = {"type": "array", "items": value}
        if c.get("minCount"):
            schema["minItems"] = c["minCount"]
        if c.get("maxCount") is not None:
            schema["maxItems"] = c["maxCount"]
        namespace = self.code_namespace(prop)
        if c.get("hasValue") and namespace is not None:
            schema["allOf"] = [
                {"contains": self.codes_schema(prop, {v}, namespace)} for v in sorted(c["hasValue"], key=str)
            ]
        qualified = []
        for qclass, qmin, qmax in sorted(c.get("qualified", ()), key=lambda t: str(t[0])):
            names = sorted(local_name(x, SBU) for x in self.model.hierarchy.with_descendants(qclass))
            contains: dict = {"contains": {"type": "object", "required": ["type"], "properties": {"type": {"enum": names}}}}
            contains["minContains"] = int(qmin) if qmin is not None else 0
            if qmax is not None:
                contains["maxContains"] = int(qmax)
            qualified.append(contains)
        if qualified:
            schema.setdefault("allOf", []).extend(qualified)
        if c.get("minCount", 0) > 1 or sum(q.get("minContains", 0) for q in qualified) > 1:
            return {"title": title, **schema} if title else schema
        single = dict(value)
        for q in qualified:  # one value on its own: it must then satisfy each "contains" itself
            if q.get("minContains", 0) >= 1:
                single = {"allOf": [single, q["contains"]]}
        wrapped = {"if": {"type": "array"}, "then": schema, "else": single}
        return {"title": title, **wrapped} if title else wrapped

    def properties_of(self, merged) -> tuple[dict, list[str], list[str]]:
        properties: dict = {}
        required: list[str] = []
        only_shacl: list[str] = []
        for prop in sorted(merged, key=lambda p: local_name(p, SBU)):
            c = merged[prop]
            name = local_name(prop, SBU)
            only_shacl += [str(s) for s in c["only_shacl"]]
            if not any(k for k in c if k not in ("shapes", "only_shacl")):
                properties[name] = self.unconstrained(prop)
            else:
                properties[name] = self.property_schema(prop, c)
            if c.get("minCount", 0) >= 1 or any(q[1] is not None and int(q[1]) >= 1 for q in c.get("qualified", ())):
                required.append(name)
        return properties, required, only_shacl

    def unconstrained(self, prop: URIRef) -> dict:
        return self.property_schema(prop, {"shapes": [], "only_shacl": []})

    def partial_node(self, shape) -> dict:
        merged = self.collect(list(self.shapes.objects(shape, SH.property)))
        properties, required, _ = self.properties_of(merged)
        schema: dict = {"properties": properties}
        if required:
            schema["required"] = required
        return schema

    # -- nodes -------------------------------------------------------------------------------
    def node_reference(self, classes: list[URIRef], extra: list[dict] | None = None, *, typed: bool = True,
                       external: bool = False) -> dict:
        """A node of one of the classes: an object with its ``type`` (described here), or a reference
        to a node described elsewhere: ``{"id": ...}`` or, as the context makes the property's value an
        IRI, the IRI as a string. ``typed``: the shapes require the node's class, so a reference names
        a node the payload describes, of one of the classes (``x-refers-to``); ``external``: or a node
        the payload does not describe at all."""
        names = sorted(local_name(c, SBU) for c in classes)
        for cls in classes:
            self.require(cls)
        full: dict = {"required": ["type"], "properties": {"type": {"enum": names}}}
        full["allOf"] = [
            {"if": {"properties": {"type": {"const": n}}}, "then": {"$ref": f"#/$defs/{n}"}} for n in names
        ] + list(extra or [])
        refers: dict = {}
        if typed:
            refers[REFERS_TO] = {"type": names, **({"allOf": list(extra)} if extra else {}), **({"external": True} if external else {})}
        return {
            "if": {"type": "string"},
            "then": {"type": "string", "$ref": f"#/$defs/{_ID_DEF}", **refers},
            "else": {
                "type": "object",
                "if": {"required": ["type"]},
                "then": full,
                "else": {"$ref": f"#/$defs/{REFERENCE}", **refers},
            },
        }

    def require(self, cls: URIRef) -> None:
        name = local_name(cls, SBU)
        if name not in self.defs and cls not in self.pending:
            self.pending.append(cls)

    def class_schema(self, cls: URIRef) -> dict:
        g = self.shapes
        node_shapes = self.node_shapes(cls)
        property_shapes = [ps for ns in node_shapes for ps in g.objects(ns, SH.property)]
        merged = self.collect(property_shapes)
        closed_sets: list[set] = []
        only_shacl: list[str] = []
        for ns in node_shapes:
            if g.value(ns, SH.closed) == Literal(True):
                allowed = {g.value(ps, SH.path) for ps in g.objects(ns, SH.property)}
                allowed |= set(_list(g, g.value(ns, SH.ignoredProperties)))
                closed_sets.append(allowed)
                self.translated.setdefault(shape_ref(g, ns), set()).add("closed")
            for pred in (SH["or"], SH["not"], SH["and"], SH.xone, SH.sparql):
                if (ns, pred, None) in g:
                    only_shacl.append(str(ns))
        allowed_terms = set(self.terms)
        if closed_sets:
            allowed = set.intersection(*closed_sets)
            allowed_terms = {local_name(p, SBU) for p in allowed if isinstance(p, URIRef) and str(p).startswith(str(SBU))}
        # A closed shape forbids the other properties: their module constraints do not matter here.
        merged = OrderedDict((p, c) for p, c in merged.items() if local_name(p, SBU) in allowed_terms)
        properties, required, shacl_props = self.properties_of(merged)
        only_shacl += shacl_props
        for name in sorted(allowed_terms - set(properties)):
            properties[name] = self.unconstrained(SBU[name])
        title = _label(self.model.ontology, cls)
        schema: dict = OrderedDict()
        if title:
            schema["title"] = title
        definition = next((str(d) for d in self.model.ontology.objects(cls, SKOS.definition)
                           if isinstance(d, Literal) and d.language == "en"), None)
        if definition:
            schema["description"] = definition
        schema["x-class"] = str(cls)
        schema["x-closed"] = bool(closed_sets)
        schema["type"] = "object"
        props: OrderedDict = OrderedDict()
        props["@context"] = {"$ref": f"#/$defs/{_CONTEXT_DEF}"}
        props["id"] = {"$ref": f"#/$defs/{_ID_DEF}"}
        props["type"] = {"const": local_name(cls, SBU)}
        for name in sorted(properties):
            props[name] = properties[name]
        schema["properties"] = props
        schema["required"] = ["type"] + sorted(set(required) & set(properties))
        schema["additionalProperties"] = False
        if only_shacl:
            schema["x-shacl-only"] = sorted(set(only_shacl))
        return dict(schema)

    def shacl_only(self) -> list[dict]:
        """Every constraint of the profile that the schema does not express, with the reason."""
        out = []
        for ref, param, shape in profile_constraints(self.shapes):
            if param in self.translated.get(ref, ()):
                continue
            out.append({"shape": ref, "constraint": f"sh:{param}", "reason": self.reason(shape, param)})
        return sorted(out, key=lambda e: (e["shape"], e["constraint"]))

    def reason(self, shape, param: str) -> str:
        g = self.shapes
        severity = g.value(shape, SH.severity)
        if severity is not None and severity != SH.Violation:
            return f"severity {_param(severity)}: advice, which does not make a payload invalid"
        if param == "sparql":
            return "a SPARQL constraint (check digits, date order, rules across nodes): checked by samtbu validate"
        if param in ("or", "and", "not", "xone"):
            where = "a node" if g.value(shape, SH.path) is None else "a property's values"
            return f"a rule that combines conditions on {where} (sh:{param}): checked by samtbu validate"
        if param in ("qualifiedValueShape", "qualifiedMinCount", "qualifiedMaxCount"):
            return "counts of values that meet a condition other than a class: checked by samtbu validate"
        holders = [shape] + list(g.subjects(SH.property, shape))
        targets = {p for h in holders for p in (SH.targetSubjectsOf, SH.targetNode) if (h, p, None) in g}
        if targets:
            return f"applies to nodes selected by sh:{_param(next(iter(targets)))}, which JSON Schema cannot select"
        classes = {c for h in holders for c in g.objects(h, SH.targetClass)}
        if classes and not {local_name(sub, SBU) for c in classes for sub in self.model.hierarchy.with_descendants(c)} & set(self.defs):
            names = ", ".join(sorted(local_name(c, SBU) for c in classes))
            return (f"applies to {names}, which a JSON payload of this profile gives only by its code or IRI, never as an "
                    "object with properties of its own")
        if param == "nodeKind":
            return "holds by construction: the context makes every code an IRI"
        return "not expressible in JSON Schema"

    def build(self) -> dict:
        roots = self.root_classes()
        root = self.node_reference(roots)["else"]  # the payload itself is an object, never a reference
        while self.pending:
            cls = self.pending.pop(0)
            self.defs[local_name(cls, SBU)] = self.class_schema(cls)
        defs = {name: self.defs[name] for name in sorted(self.defs)}
        defs[REFERENCE] = {
            "description": "A reference to a node described elsewhere in the payload: only its id.",
            "type": "object",
            "properties": {"id": {"$ref": f"#/$defs/{_ID_DEF}"}},
            "required": ["id"],
            "additionalProperties": False,
        }
        defs[_ID_DEF] = {"type": "string", "format": "iri", "pattern": "^[A-Za-z][A-Za-z0-9+.-]*:"}
        defs[_CONTEXT_DEF] = {"enum": sorted(CONTEXT_IRIS)}
        model, profile = self.model, self.profile
        title = _label(self.shapes, profile.iri) or next(
            (str(t) for t in self.shapes.objects(profile.iri, URIRef("http://purl.org/dc/terms/title"))
             if isinstance(t, Literal) and t.language == "nb"), profile.name)
        description = next(
            (str(t) for t in self.shapes.objects(profile.iri, URIRef("http://purl.org/dc/terms/description"))
             if isinstance(t, Literal) and t.language == "en"), None)
        schema: dict = OrderedDict()
        schema["$schema"] = DIALECT
        schema["$id"] = schema_id(model.version, profile.name)
        schema["title"] = title
        if description:
            schema["description"] = description
        schema["$comment"] = (
            f"Generated by `samtbu jsonschema` from the SHACL profile {profile.iri} (model {model.version}). "
            "Rules that JSON Schema cannot express (SPARQL constraints, node-level sh:or/sh:not) are listed "
            "in x-shacl-only and checked by `samtbu validate` only. A reference ({\"id\": ...} or an IRI string) "
            "names in x-refers-to the classes of the node it must refer to, described in the same payload: a "
            "keyword of samtbu's, which plain validators ignore."
        )
        schema["x-profile"] = str(profile.iri)
        schema["x-shacl-only"] = self.shacl_only()
        schema["x-model-version"] = model.version
        schema["type"] = "object"
        schema["required"] = ["type"]
        schema.update({k: v for k, v in root.items() if k != "type"})
        schema["$defs"] = defs
        return dict(schema)


_ID_DEF = "Id"
_CONTEXT_DEF = "Kontekst"


# The parameters that name a constraint of SHACL Core (and SPARQL-based constraints); the others
# (sh:flags, sh:ignoredProperties, sh:qualifiedValueShapesDisjoint) qualify one of these.
CONSTRAINT_PARAMETERS = (
    "class", "datatype", "nodeKind", "minCount", "maxCount", "minExclusive", "minInclusive", "maxExclusive",
    "maxInclusive", "minLength", "maxLength", "pattern", "languageIn", "uniqueLang", "equals", "disjoint", "lessThan",
    "lessThanOrEquals", "not", "and", "or", "xone", "node", "qualifiedValueShape", "qualifiedMinCount",
    "qualifiedMaxCount", "closed", "hasValue", "in", "sparql",
)
TARGETS = (SH.targetClass, SH.targetNode, SH.targetObjectsOf, SH.targetSubjectsOf)


def _param(iri) -> str:
    return str(iri).rsplit("#", 1)[-1]


def shape_ref(graph, shape) -> str:
    """A stable name for a shape: its IRI, or for a blank property shape, the shape that holds it and
    the property it constrains (``{holder} sh:property {path}``)."""
    if isinstance(shape, URIRef):
        return str(shape)
    holder = graph.value(None, SH.property, shape) or graph.value(None, SH.node, shape)
    path = graph.value(shape, SH.path)
    where = local_name(path, SBU) if isinstance(path, URIRef) and str(path).startswith(str(SBU)) else str(path)
    if holder is not None:
        return f"{shape_ref(graph, holder)} sh:property {where}"
    return f"_:{where}"


def profile_constraints(graph) -> list[tuple[str, str, object]]:
    """Every constraint of a profile's shapes graph: (shape reference, parameter, shape), for each
    shape with a target, each property shape of such a shape, and each shape it names with sh:node.
    The shapes inside a logical constraint (sh:or, sh:not, ...) or a qualified value shape are part
    of that one constraint."""
    todo = [s for t in TARGETS for s in graph.subjects(t, None)]
    seen, found = set(), []
    while todo:
        shape = todo.pop()
        if shape in seen:
            continue
        seen.add(shape)
        ref = shape_ref(graph, shape)
        for param in CONSTRAINT_PARAMETERS:
            if (shape, SH[param], None) in graph and (param != "closed" or graph.value(shape, SH.closed) == Literal(True)):
                found.append((ref, param, shape))
        todo += list(graph.objects(shape, SH.property)) + list(graph.objects(shape, SH.node))
    return sorted(set(found), key=lambda t: (t[0], t[1]))


def _class_alternatives(graph, head) -> set | None:
    """The classes of an sh:or whose every alternative is ``[sh:class C]`` or "no rdf:type" (a node
    given only by its IRI); None for any other sh:or."""
    classes = set()
    for alternative in _list(graph, head):
        pairs = list(graph.predicate_objects(alternative))
        if len(pairs) == 1 and pairs[0][0] == SH["class"] and isinstance(pairs[0][1], URIRef):
            classes.add(pairs[0][1])
            continue
        inner = graph.value(alternative, SH.property)
        if (len(pairs) == 1 and pairs[0][0] == SH.property and graph.value(inner, SH.path) == RDF.type
                and graph.value(inner, SH.maxCount) == Literal(0)):
            continue  # a reference by IRI: JSON's {"id": ...}
        return None
    return classes or None


def _allows_untyped(graph, head) -> bool:
    """Whether an sh:or has the alternative "no rdf:type" (a node given only by its IRI)."""
    return any(graph.value(graph.value(a, SH.property), SH.path) == RDF.type for a in _list(graph, head))


def _add_patterns(schema: dict, patterns: list[str]) -> None:
    if not patterns:
        return
    schema["pattern"] = patterns[0]
    if len(patterns) > 1:
        schema["allOf"] = [{"pattern": p} for p in patterns[1:]]


def _natural(text: str):
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", text) if part]


def build_schema(model: Model, profile: str) -> dict:
    """The JSON Schema of one validation profile (deterministic)."""
    return _Builder(model, model.profile(profile)).build()


def render_schema(model: Model, profile: str) -> str:
    return json.dumps(build_schema(model, profile), indent=2, ensure_ascii=False) + "\n"


# -- using a schema: errors as JSON Pointers, comparable with the SHACL report ------------------


def described_nodes(instance) -> dict[str, tuple[dict, list]]:
    """The nodes a payload describes, by id, with where the (first) description is (a JSON path):
    each object with an ``id`` and a ``type`` (a node given only as ``{"id": ...}`` or as an IRI
    string is a reference, not a description)."""
    found: dict[str, tuple[dict, list]] = {}
    todo: list[tuple[object, list]] = [(instance, [])]
    while todo:
        value, path = todo.pop(0)
        if isinstance(value, dict):
            if isinstance(value.get("id"), str) and "type" in value:
                found.setdefault(value["id"], (value, path))
            todo += [(v, path + [k]) for k, v in value.items()]
        elif isinstance(value, list):
            todo += [(v, path + [i]) for i, v in enumerate(value)]
    return found


def reference_validator(schema: dict, instance):
    """A JSON Schema 2020-12 validator of ``schema`` that also follows the payload's references: the
    keyword ``x-refers-to`` on a reference (an id as a string, or ``{"id": ...}``) requires the node
    it names to be described in the same payload, with a ``type`` among ``type`` and meeting ``allOf``
    (``external``: an id the payload does not describe is allowed too). This is what SHACL checks of
    a node given by reference (``sh:class``, ``sh:node``); a plain JSON Schema validator ignores the
    keyword, and then accepts every well-formed reference. A fault in the referred node's own fields
    is reported where the node is described (``error.described_at``, a JSON path), as SHACL does."""
    from jsonschema import Draft202012Validator, ValidationError, validators

    nodes = described_nodes(instance)

    def refers_to(validator, spec, value, _schema):
        iri = value.get("id") if isinstance(value, dict) else value
        if not isinstance(iri, str):
            return
        expected = ", ".join(spec.get("type", ()))
        if iri not in nodes:
            if not spec.get("external"):
                yield ValidationError(f"{iri!r} refers to a node this payload does not describe (expected a {expected})")
            return
        node, where = nodes[iri]
        kinds = node["type"] if isinstance(node["type"], list) else [node["type"]]
        if not set(kinds) & set(spec.get("type", ())):
            yield ValidationError(f"{iri!r} refers to a {'/'.join(map(str, kinds))}, expected a {expected}")
            return
        for part in spec.get("allOf", ()):
            for error in validator.descend(node, part):
                for leaf in _leaves([error]):
                    found = ValidationError(leaf.message, validator=leaf.validator, validator_value=leaf.validator_value,
                                            instance=leaf.instance, schema=leaf.schema)
                    found.described_at = where + list(leaf.absolute_path)
                    yield found

    cls = validators.extend(Draft202012Validator, {REFERS_TO: refers_to})
    return cls(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def error_pointers(schema: dict, instance) -> list[tuple[str, str]]:
    """(JSON Pointer, message) for each error, the pointer naming the offending field the way the
    SHACL report does: a missing required field and an extra field are named by their own key.
    References are followed (:func:`reference_validator`)."""
    validator = reference_validator(schema, instance)
    found: list[tuple[str, str]] = []
    for error in _leaves(validator.iter_errors(instance)):
        path = getattr(error, "described_at", None)
        base = "".join(f"/{_escape(str(p))}" for p in (path if path is not None else error.absolute_path))
        if error.validator == "required" and isinstance(error.instance, dict):
            missing = [k for k in error.validator_value if k not in error.instance]
            found += [(f"{base}/{_escape(k)}", error.message) for k in missing]
        elif error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = set(error.schema.get("properties", {}))
            found += [(f"{base}/{_escape(k)}", error.message) for k in error.instance if k not in known]
        else:
            found.append((base, error.message))
    return sorted(set(found))


def _leaves(errors):
    for error in errors:
        if error.context:
            yield from _leaves(error.context)
        else:
            yield error


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


__all__ = ["build_schema", "render_schema", "schema_id", "schema_file_name", "error_pointers", "reference_validator",
           "described_nodes", "REFERS_TO", "profile_constraints",
           "shape_ref", "CONSTRAINT_PARAMETERS", "DIALECT"]
