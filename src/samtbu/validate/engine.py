"""The engine stage: a payload and a profile in, what the shapes find in it out (``EngineRun``: the
results as ``report.Finding`` values; the SHACL validation report graph only when it is asked for).

The data graph is the payload plus the class hierarchy of the ontology (so that a shape targeting
``sbu:Laerende`` reaches an ``sbu:Elev``). Code lists are not taken from the payload: the shapes
carry the allowed codes themselves (``sh:in``), so a payload cannot add codes to a list.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NamedTuple, cast

import pyshacl
from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.plugins.sparql import parser as sparql_parser
from rdflib.plugins.sparql.algebra import translateQuery

from samtbu.errors import SamtbuError
from samtbu.model import Deferred, Model, Profile
from samtbu.validate.report import Finding, findings_from_shacl
from samtbu.validate.fast.terms import RDF_TYPE as _RDF_TYPE, B, IndexedTriples  # light: rdflib only


class ProfileError(SamtbuError):
    """No profile was given and none could be chosen, or the one given does not exist."""


@functools.lru_cache(maxsize=4)
def _class_hierarchy(root: str) -> Graph:
    hierarchy = Graph()
    for s, o in Model.load(root).subclass_pairs():
        hierarchy.add((s, RDFS.subClassOf, o))
    return hierarchy


def class_hierarchy(model: Model) -> Graph:
    return _class_hierarchy(str(model.root))


def data_graph(payload_graph: Graph, model: Model, grep=None, *, with_hierarchy: bool = True) -> Graph:
    """The payload plus the class hierarchy (unless ``with_hierarchy`` is false); with a Grep
    snapshot, plus what it says about the payload's Grep codes (and without the payload's own claims
    about them: samtbu.grep.facts)."""
    data = PreparedQueryGraph()
    if grep is not None:
        from samtbu.grep.facts import rdflib_facts

        data += rdflib_facts(payload_graph, grep)
    else:
        data += payload_graph
    if with_hierarchy:
        data += class_hierarchy(model)
    return data


@functools.lru_cache(maxsize=2048)
def _prepared_query(text: str, base: str | None, namespaces: tuple | None):
    return translateQuery(sparql_parser.parseQuery(text), base, dict(namespaces) if namespaces else None)


class PreparedQueryGraph(Graph):
    """A graph whose SPARQL queries are parsed once per process.

    pyshacl sends rdflib the text of a SPARQL-based constraint for every focus node, and rdflib
    parses it each time: parsing is most of the time pyshacl takes for a record. This graph keeps
    the parsed and translated query (what ``rdflib.plugins.sparql.prepareQuery`` gives) by its text,
    base and prefixes; it is evaluated with the same bindings on the same graph, so the results are
    rdflib's. Only graphs of this class are affected: rdflib itself is left as it is."""

    def query(self, query_object, processor="sparql", result="sparql", initNs=None, initBindings=None,  # noqa: N803
              use_store_provided=True, **kwargs):
        if isinstance(query_object, str):
            try:
                key = tuple(sorted((str(k), str(v)) for k, v in initNs.items())) if initNs else None
                query_object = _prepared_query(query_object, kwargs.get("base"), key)
            except TypeError:  # an unhashable argument: rdflib parses the text itself
                pass
        return super().query(query_object, processor, result, initNs, initBindings, use_store_provided, **kwargs)


def shacl_validate(data: Graph, shapes: Graph, **options):
    """``pyshacl.validate`` on a copy of ``data`` whose SPARQL queries are parsed once per process;
    pyshacl's ``(conforms, report graph, report text)``. ``data`` itself is not changed."""
    working = PreparedQueryGraph()
    working += data
    # pyshacl works on our copy instead of cloning it into a plain rdflib graph.
    return pyshacl.validate(working, shacl_graph=shapes, inplace=True, **options)


_PREFIX_GUESS = "https://w3id.org/samt-bu/shapes/Sluttkompetanse-programomraade-utdanningsprogram"


@functools.lru_cache(maxsize=32)
def _with_grep(root: str, name: str, snapshot_date: str) -> Profile:
    model = Model.load(root)
    base = model.profile(name)

    def compose() -> Graph:
        from samtbu.grep.facts import grep_shapes

        shapes = Graph()
        shapes += base.shapes
        shapes += grep_shapes(root, snapshot_date)
        # With Grep data, Grep decides whether a programme area belongs to the education programme
        # (sbus:GrepSluttkompetanse-programomraade-utdanningsprogram): the code-prefix guess made without
        # Grep data is switched off, so that one fault gives one result.
        shapes.add((URIRef(_PREFIX_GUESS), SH.deactivated, Literal(True)))
        return shapes

    # The composed graph is made when first read (to compile it, or to describe a result): a batch
    # whose records all take run_engine's shortcut never needs it.
    return Profile(name=base.name, iri=base.iri, path=base.path, shapes=cast(Graph, Deferred(compose)), root_classes=base.root_classes)


_GREP_PROFILES: dict = {}  # id of a composed profile -> (root, name, date), to find its compiled shapes


def with_grep(profile: Profile, model: Model, grep=None) -> Profile:
    """The profile's shapes graph plus shapes/grep.ttl (messages dated with the snapshot's date): what
    a payload is checked against when a Grep snapshot is configured (the module is imported by no
    profile). ``grep``: the snapshot (its date goes into the messages)."""
    if model.profiles.get(profile.name) is not profile:
        return profile  # already composed (or not one of the model's profiles)
    date = grep.date if grep is not None else ""
    composed = _with_grep(str(model.root), profile.name, date)
    _GREP_PROFILES[id(composed)] = (str(model.root), profile.name, date)
    return composed


def _grep_shortcut(profile: Profile, model: Model):
    """The compiled shapes of the profile that ``profile`` composes with shapes/grep.ttl, when the
    shortcut holds for it: a profile of the model's files, and grep.ttl's shapes those that
    samtbu.grep.facts knows how to rule out. None otherwise."""
    found = _GREP_SHORTCUTS.get(id(profile))
    if found is not None and found[0] is profile:
        return found[1]
    from samtbu.grep.facts import known_grep_shapes

    composed = _GREP_PROFILES.get(id(profile))
    root = str(model.root)
    if composed is None or composed[0] != root or _with_grep(*composed) is not profile or not known_grep_shapes(root):
        return None
    compiled = _compiled(root, composed[1])
    if len(_GREP_SHORTCUTS) >= 64:
        _GREP_SHORTCUTS.clear()
    _GREP_SHORTCUTS[id(profile)] = (profile, compiled)  # (the composed profiles live as long as _with_grep's cache)
    return compiled


_GREP_SHORTCUTS: dict = {}  # id of a composed profile -> (it, its base profile's compiled shapes)


class EngineError(SamtbuError):
    """The reference engine could not validate this payload (a defect of pyshacl/rdflib, not of the
    payload alone): reported as one line, exit code 2, never a traceback."""


def run_shacl(payload_graph: Graph, profile: Profile, model: Model, grep=None) -> Graph:
    """Validate with pyshacl; return the validation report graph."""
    try:
        _conforms, report_graph, _text = pyshacl.validate(
            data_graph(payload_graph, model, grep, with_hierarchy=profile.with_hierarchy),
            shacl_graph=profile.shapes,
            inference="none",
            advanced=True,
            allow_warnings=False,
            allow_infos=False,
            inplace=True,  # a graph of its own (data_graph): pyshacl works on it instead of a plain copy
        )
    except Exception as exc:  # noqa: BLE001 - e.g. rdflib failing on an ill-typed date inside SPARQL
        raise EngineError(
            f"the pyshacl engine failed on this payload ({type(exc).__name__}); "
            "the fast engine (the default) reports what is wrong with it"
        ) from None
    if not isinstance(report_graph, Graph):
        # pyshacl returns a ValidationFailure in place of the report when SHACL rules the shapes out
        # (e.g. a SPARQL constraint that binds $this): the fast engine refuses the same shapes.
        from samtbu.validate.fast import InvalidShapes

        raise InvalidShapes(f"the shapes of profile {profile.name} cannot be used: {report_graph}")
    return report_graph


ENGINES = ("fast", "pyshacl")


@functools.lru_cache(maxsize=32)
def _compiled(root: str, name: str, grep_date: str | None = None):
    from samtbu.validate.fast import CompiledShapes, Unsupported

    model = Model.load(root)
    hierarchy = [(str(s), str(o)) for s, _p, o in class_hierarchy(model)]
    if grep_date is not None:
        from samtbu.modelcache import use_grep_entry

        use_grep_entry(model, grep_date, lambda other: _with_grep(root, other, grep_date))
    profile = _with_grep(root, name, grep_date) if grep_date is not None else model.profile(name)
    from samtbu.modelcache import shapes_to_compile

    try:
        return CompiledShapes(shapes_to_compile(model, profile), hierarchy)
    except Unsupported:
        return None


_OTHER_COMPILED: dict[int, tuple] = {}  # id of a profile not of the model's files -> (profile, compiled or None)
_OTHER_COMPILED_MAX = 64


def _compiled_other(profile: Profile, model: Model):
    """A profile made at run time (a sharing policy's closed profile): compiled once per profile
    object, with the class hierarchy only when the profile asks for it. The profile is kept with its
    compiled shapes, so that its id is not reused while the entry lives."""
    entry = _OTHER_COMPILED.get(id(profile))
    if entry is not None and entry[0] is profile:
        return entry[1]
    from samtbu.validate.fast import CompiledShapes, Unsupported

    hierarchy = [(str(s), str(o)) for s, _p, o in class_hierarchy(model)] if profile.with_hierarchy else []
    try:
        compiled = CompiledShapes(profile.shapes, hierarchy)
    except Unsupported:
        compiled = None
    while len(_OTHER_COMPILED) >= _OTHER_COMPILED_MAX:
        _OTHER_COMPILED.pop(next(iter(_OTHER_COMPILED)))
    _OTHER_COMPILED[id(profile)] = (profile, compiled)
    return compiled


def compiled_shapes(profile: Profile, model: Model):
    """The profile compiled for the fast engine, or None when it needs pyshacl."""
    root = str(model.root)
    if model.profiles.get(profile.name) is profile:
        return _compiled(root, profile.name)
    composed = _GREP_PROFILES.get(id(profile))
    if composed is not None and composed[0] == root and _with_grep(*composed) is profile:
        return _grep_compiled(root, profile.name, composed[2])
    return _compiled_other(profile, model)


@functools.lru_cache(maxsize=32)
def _grep_compiled(root: str, name: str, grep_date: str):
    """A profile composed with shapes/grep.ttl, compiled. When run_engine's shortcut holds for it,
    compiled when first used (only records that a Grep shape may report on need it; composed now),
    and the profile's own shapes, which the shortcut runs, compiled now (before a batch forks)."""
    from samtbu.grep.facts import known_grep_shapes

    if not known_grep_shapes(root):
        return _compiled(root, name, grep_date)
    _compiled(root, name)
    # The composed graph is made now, though: a record with results reads it (to describe them),
    # and a batch's workers would otherwise each make it again after the fork.
    _with_grep(root, name, grep_date).shapes  # noqa: B018
    return _CompiledWhenUsed(lambda: _compiled(root, name, grep_date))


class _CompiledWhenUsed:
    """Compiled shapes made on their first use; as compiled shapes that need pyshacl
    (``compiled_shapes`` gives None for them) when they cannot be compiled."""

    def __init__(self, make: Callable):
        self._make = make

    def _get(self):
        compiled = self._make()  # (cached by _compiled)
        if compiled is None:
            from samtbu.validate.fast import Unsupported

            raise Unsupported("the composed profile needs pyshacl")
        return compiled

    def validate(self, data):
        return self._get().validate(data)

    def __getattr__(self, name: str):
        return getattr(self._get(), name)


class EngineRun(NamedTuple):
    """What an engine found in one payload. (A named tuple: one is made for every record validated.)"""

    findings: list[Finding]
    # builds the SHACL validation report graph (for the SHACL output formats; most callers never ask)
    shacl_report: Callable[[], Graph]
    # the fast engine's triple index of the payload (fastterms.Data; with a Grep snapshot, its facts
    # too), for later passes over the same record (batch facts); None when it built none
    data: Any = None


def run_engine(payload, profile: Profile, model: Model, engine: str = "fast", *, grep=None) -> EngineRun:
    """Validate a payload (``Payload`` or ``FastPayload``) with the chosen engine.

    The fast engine falls back to pyshacl for a profile (or a record) it cannot handle; it gives its
    results directly, and makes a report graph of them only when ``shacl_report`` is called.
    ``grep``: a Grep snapshot (``samtbu.grep.store.Snapshot``); the profile is then checked with
    shapes/grep.ttl and the data graph carries the snapshot's facts about the payload's codes."""
    if engine not in ENGINES:
        raise SamtbuError(f"unknown engine {engine!r} (use one of: {', '.join(ENGINES)})")
    if grep is not None:
        profile = with_grep(profile, model, grep)
    data = None
    if engine == "fast":
        fast = _fast()
        Unsupported, findings, report_graph = fast.Unsupported, fast.findings, fast.report_graph

        compiled = compiled_shapes(profile, model)
        if compiled is not None:
            triples = getattr(payload, "triples", None)
            if triples is None:
                from_rdflib = fast.from_rdflib
                triples = [(from_rdflib(s), from_rdflib(p), from_rdflib(o)) for s, p, o in payload.graph]
            left_out = None
            if grep is not None:
                from samtbu.grep.facts import grep_data

                data, grep_may_report = grep_data(triples, grep)
                if not grep_may_report:
                    # No shape of shapes/grep.ttl can report on this payload (samtbu.grep.facts), so
                    # the profile's own compiled shapes give the same results: they are the composed
                    # shapes but for grep.ttl's and the deactivated prefix guess, whose results are
                    # left out. (Most records of a batch: a fraction of the cost of grep.ttl's shapes.)
                    base = _grep_shortcut(profile, model)
                    if base is not None:
                        compiled, left_out = base, _PREFIX_GUESS
            else:
                data = fast.Data(triples)
            try:
                results = compiled.validate(data)
                if left_out is not None and results:
                    results = [r for r in results if str(r.shape.node) != left_out]
            except Unsupported:
                pass
            else:
                if not results:
                    return EngineRun([], _conforming_report, data)
                # (the shapes graph when the report is made: a cached model's is read when first used)
                return EngineRun(findings(results), lambda: report_graph(results, profile.shapes), data)
    graph = run_shacl(payload.graph, profile, model, grep)
    return EngineRun(findings_from_shacl(graph), lambda: graph, data)


def _fast():
    """The fast engine's package, imported when first used (a process that only reads the model
    need not load it) and then looked up once per call instead of imported again."""
    global _FAST
    if _FAST is None:
        from samtbu.validate import fast

        _FAST = fast
    return _FAST


_FAST = None


def _conforming_report() -> Graph:
    """The SHACL report of a payload with no result, as pyshacl writes it."""
    from samtbu.validate.fast import report_graph

    return report_graph([], Graph())  # (no result: the shapes are not read)


def detect_profile(payload_graph: Graph, model: Model) -> Profile:
    """Choose the profile whose root classes match the payload's root nodes (nodes nothing points to)."""
    objects = set(payload_graph.objects())
    roots = {s for s in payload_graph.subjects(RDF.type, None) if s not in objects}
    root_types = {t for r in roots for t in payload_graph.objects(r, RDF.type)}
    return choose_profile(root_types, model)


def detect_profile_triples(triples, model: Model) -> Profile:
    """``detect_profile`` on light triples (fast engine)."""
    if type(triples) is IndexedTriples and triples.root is not None:
        # A JSON document's nodes other than its top one are all objects of triples: the top one is
        # the only possible root, and it is one unless some triple points back to it. (Its types
        # are class IRIs of the context, str.)
        root = triples.root
        types = triples.spo.get(root, _NO_PROPERTIES).get(_RDF_TYPE, ())
        if types and type(root) is not B:
            for by_o in triples.pos.values():
                if root in by_o:
                    types = ()
                    break
        return choose_profile(frozenset(types), model)
    objects = {o for _s, _p, o in triples}
    root_types = {URIRef(o) for s, p, o in triples if p == _RDF_TYPE and s not in objects and isinstance(o, str)}
    return choose_profile(root_types, model)


_NO_PROPERTIES: dict = {}


def choose_profile(root_types: set | frozenset, model: Model) -> Profile:
    """The profile for a payload whose root nodes have these classes (IRIs as URIRef or str);
    remembered per model and set of classes."""
    chosen = model.derived.get("profile-by-root-types")
    if chosen is None:
        chosen = model.derive("profile-by-root-types", lambda _model: {})
    key = frozenset(root_types)
    found = chosen.get(key)
    if found is None:
        found = _choose_profile(frozenset(URIRef(t) for t in key), model)
        if len(chosen) >= 1024:  # payloads name few combinations of classes; a flood of others is not kept
            chosen.clear()
        chosen[key] = found
    return found


def _choose_profile(root_types: frozenset, model: Model) -> Profile:
    superclasses = {sup for t in root_types for sup in model.hierarchy.with_ancestors(t)}
    candidates = [p for p in model.profiles.values() if p.root_classes & (root_types | superclasses)]
    if len(candidates) == 1:
        return candidates[0]
    names = ", ".join(sorted(model.profiles))
    if not candidates:
        raise ProfileError(f"cannot tell which profile this payload is for; give one with --profile ({names})")
    # Prefer the profile aimed at the most specific class present.
    exact = [p for p in candidates if p.root_classes & root_types]
    if len(exact) == 1:
        return exact[0]
    raise ProfileError(
        "the payload fits several profiles ("
        + ", ".join(sorted(p.name for p in candidates))
        + "); give one with --profile"
    )


__all__ = [
    "run_shacl", "run_engine", "detect_profile", "detect_profile_triples", "data_graph", "class_hierarchy",
    "compiled_shapes", "with_grep", "shacl_validate", "PreparedQueryGraph", "ENGINES", "ProfileError", "OWL",
    "EngineRun",
]
