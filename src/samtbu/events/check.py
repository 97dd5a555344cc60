"""One event on its own: the envelope, the change (profile «resultatendring»), the result the change
carries (the result's own profile), and the facts the history rules and the replay need.

This part needs no state and runs in the worker processes; ``stream.py`` applies the history rules
(``history.py``) to the outcomes in stream order.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field

from samtbu.errors import SamtbuError
from samtbu.events.cloudevents import TYPES, envelope_problems, parse_time, utc_key
from samtbu.events.rules import RULES, json_kind, result
from samtbu.model import Model
from samtbu.namespaces import SBU, local_name
from samtbu.validate.report import Result, mask_identity_numbers

CHANGE_PROFILE = "resultatendring"
_SBU = str(SBU)
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_CHANGES = {_SBU + c for c in ("Registrering", "Korrigering", "Tilbaketrekking", "Erstatning")}
_UNKNOWN = {"samtbu:UnknownField", "samtbu:UnknownType"}


@dataclass
class Facts:
    """What the history rules and the replay need to know of one event (no SHACL, no graphs)."""

    line: int
    event_source: str | None = None
    event_id: str | None = None
    digest: str = ""
    change: str | None = None  # class local name: Registrering, Korrigering, ...
    change_iri: str | None = None
    result: str | None = None  # IRI of the result or document concerned
    replaced: str | None = None  # IRI of the replaced one (Erstatning)
    time: str | None = None  # sortable UTC key
    time_text: str | None = None  # as written in the data (or the envelope)
    learner: str | None = None  # grouping key: the fødselsnummer, or the learner's IRI
    reason: str | None = None  # endringsgrunn notation
    begrunnelse: str | None = None
    actor: str | None = None  # organisasjonsnummer, or the organisation's IRI
    actor_name: str | None = None
    result_class: str | None = None
    content: str | None = None  # the result's new content, compact plain JSON (replay only)
    summary: str | None = None  # a few fields of the content for the history (grade, subject, date)


@dataclass
class Outcome:
    index: int
    line: int
    source: str  # "stream:line" for the report
    results: list[Result] = field(default_factory=list)
    facts: Facts | None = None
    unreadable: bool = False


def digest_of(event) -> str:
    text = json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@functools.lru_cache(maxsize=4)
def _result_profiles(root: str) -> dict[str, str | None]:
    """Class IRI -> the profile for a single result of that class (None when there is none)."""
    from rdflib import URIRef

    model = Model.load(root)
    out: dict[str, str | None] = {}
    for cls in model.classes():
        supers = model.hierarchy.with_ancestors(cls)
        exact = [p.name for p in model.profiles.values() if p.name != CHANGE_PROFILE and URIRef(cls) in p.root_classes]
        broad = [p.name for p in model.profiles.values() if p.name != CHANGE_PROFILE and p.root_classes & supers]
        choice = exact if exact else broad
        out[str(cls)] = choice[0] if len(choice) == 1 else None
    return out


def carried_result_profile(graph, model: Model) -> str | None:
    """The profile of the result a change (the data of an event) carries, as ``samtbu events validate``
    applies it to the same data: the one profile for the class of the change's ``gjelderResultat``."""
    from rdflib import RDF

    from samtbu.namespaces import SBU

    for change in graph.subjects(SBU.gjelderResultat, None):
        target = graph.value(change, SBU.gjelderResultat)
        names = {_result_profiles(str(model.root)).get(str(c)) for c in graph.objects(target, RDF.type) if str(c).startswith(_SBU)}
        return next(iter(names)) if len(names) == 1 else None
    return None


_MODEL: list = []


def _model() -> Model:
    """The loaded model, looked up once per process (``Model.load`` resolves paths on every call)."""
    if not _MODEL:
        _MODEL.append(Model.load())
    return _MODEL[0]


def _lex(term) -> str:
    return term[0] if isinstance(term, tuple) else str(term)


def check_event(raw: bytes | str, line: int, index: int, stream: str, *, lang: str = "nb", shacl: bool = True,
                keep_content: bool = False, model: Model | None = None) -> Outcome:
    """Check one line of an event stream; never raises."""
    source = f"{stream}:{line}"
    out = Outcome(index, line, source)
    try:
        event = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        out.unreadable = True
        if isinstance(exc, UnicodeDecodeError):
            problem = ("ikke gyldig UTF-8", "ikkje gyldig UTF-8", "not valid UTF-8")
        else:
            problem = (f"ugyldig JSON (kolonne {exc.colno})", f"ugyldig JSON (kolonne {exc.colno})", f"{exc.msg} (column {exc.colno})")
        out.results.append(result("EventNotJson", lang, focus=source, pointer="", problem=problem))
        return out
    if not isinstance(event, dict):
        out.unreadable = True
        out.results.append(result("EventNotJson", lang, focus=source, pointer="", problem=json_kind(event)))
        return out
    try:
        _check(event, out, lang, shacl, keep_content, model or _model())
    except Exception as exc:  # noqa: BLE001 - one broken event must not stop the stream
        out.results.append(result("InternalError", lang, focus=source, pointer="",
                                  error=mask_identity_numbers(f"{type(exc).__name__}: {exc}")))
    return out


def _check(event: dict, out: Outcome, lang: str, shacl: bool, keep_content: bool, model: Model) -> None:
    ev_id = event.get("id") if isinstance(event.get("id"), str) else None
    focus = ev_id or out.source
    facts = Facts(out.line, event_source=event.get("source") if isinstance(event.get("source"), str) else None,
                  event_id=ev_id, digest=digest_of(event))
    out.facts = facts
    for rule, pointer, words in envelope_problems(event):
        out.results.append(result(rule, lang, focus=focus, pointer=pointer, **words))
    etype = event.get("type")
    expected_class = TYPES.get(etype) if isinstance(etype, str) else None
    if isinstance(etype, str) and etype and expected_class is None:
        out.results.append(result("EventType", lang, focus=focus, pointer="/type", value=etype, type=etype, types=", ".join(TYPES)))
    data = event.get("data")
    if not isinstance(data, dict):
        found = ("ingenting", "ingenting", "nothing") if data is None else json_kind(data)
        if "data_base64" in event:
            found = "data_base64"
        out.results.append(result("EventData", lang, focus=focus, pointer="/data" if "data" in event else "", found=found))
        return

    from samtbu.validate import read_any, validate_payload
    from samtbu.validate.input import InputError

    try:
        payload = read_any(data, source=f"{out.source}/data", model=model)
    except (InputError, SamtbuError) as exc:
        out.results.append(result("EventData", lang, focus=focus, pointer="/data", found=exc.message))
        return
    triples = payload.triples
    by_subject: dict = {}
    for s, p, o in triples:
        by_subject.setdefault(s, {}).setdefault(p, []).append(o)

    def values(node, prop):
        return by_subject.get(node, {}).get(_SBU + prop, [])

    changes = [s for s, props in by_subject.items() if any(str(t) in _CHANGES for t in props.get(_RDF_TYPE, []))]
    if shacl:
        report = validate_payload(payload, CHANGE_PROFILE, lang=lang, model=model, keep_shacl_report=False)
        out.results.extend(_under_data(report.results))
    if len(changes) != 1:
        if not shacl:  # the profile's root rule says this when SHACL runs
            out.results.append(result("EventTypeMismatch", lang, focus=focus, pointer="/data", type=str(etype),
                                      expected=expected_class or "?",
                                      found=("nyttelast uten nøyaktig én endring", "nyttelast utan nøyaktig éi endring",
                                             "payload without exactly one change")))
        return
    change = changes[0]
    change_class = next(local_name(t) for t in by_subject[change][_RDF_TYPE] if str(t) in _CHANGES)
    facts.change, facts.change_iri = change_class, str(change)
    if expected_class is not None and change_class != expected_class:
        out.results.append(result("EventTypeMismatch", lang, focus=focus, pointer="/type", value=etype, type=etype,
                                  expected=expected_class, found=change_class))
    targets = values(change, "gjelderResultat")
    target = targets[0] if len(targets) == 1 and isinstance(targets[0], str) else None
    facts.result = str(target) if target is not None else None
    replaced = values(change, "erstattetResultat")
    facts.replaced = str(replaced[0]) if len(replaced) == 1 and isinstance(replaced[0], str) else None
    subject = event.get("subject")
    if target is not None and isinstance(subject, str) and subject and subject != str(target):
        out.results.append(result("EventSubject", lang, focus=focus, pointer="/subject", value=subject, subject=subject, result=str(target)))
    _check_time(event, data, values(change, "endringstidspunkt"), out, facts, focus, lang)
    _change_facts(change, values, facts)
    if target is None:
        return
    # The result the change carries: its class, its learner, and its own profile.
    classes = [str(t) for t in by_subject.get(target, {}).get(_RDF_TYPE, []) if str(t).startswith(_SBU)]
    facts.result_class = local_name(classes[0]) if classes else None
    learners = values(target, "gjelderLaerende") or values(target, "utstedtTil")
    if learners:
        numbers = values(learners[0], "foedselsnummer")
        facts.learner = _lex(numbers[0]) if numbers else str(learners[0])
    if classes and change_class != "Tilbaketrekking":
        _check_result(payload, str(target), classes, out, lang, shacl, model)
    if keep_content:
        _content_facts(data, payload, target, values, facts, model)


def _check_time(event: dict, data: dict, times: list, out: Outcome, facts: Facts, focus: str, lang: str) -> None:
    """The envelope's time agrees with the change's endringstidspunkt; the time the change is filed under."""
    data_time = parse_time(_lex(times[0])) if len(times) == 1 else None
    envelope_time = parse_time(event.get("time")) if isinstance(event.get("time"), str) else None
    if data_time is not None and envelope_time is not None and data_time != envelope_time:
        out.results.append(result("EventTime", lang, focus=focus, pointer="/time", value=event.get("time"),
                                  time=event.get("time"), data_time=_lex(times[0])))
    when = data_time or envelope_time
    if when is not None:
        given = data.get("endringstidspunkt") if isinstance(data.get("endringstidspunkt"), str) else None
        facts.time = utc_key(when)
        facts.time_text = (given or _lex(times[0])) if data_time is not None else event.get("time")


def _change_facts(change, values, facts: Facts) -> None:
    """Why the change was made, and by whom."""
    reasons = values(change, "endringsgrunn")
    facts.reason = local_name(reasons[0]) if reasons else None
    texts = values(change, "begrunnelse")
    facts.begrunnelse = _lex(texts[0]) if texts else None
    actors = values(change, "utfoertAv")
    if actors:
        numbers = values(actors[0], "organisasjonsnummer")
        facts.actor = _lex(numbers[0]) if numbers else str(actors[0])
        names = values(actors[0], "navn")
        facts.actor_name = _lex(names[0]) if names else None


def _check_result(payload, target: str, classes: list[str], out: Outcome, lang: str, shacl: bool, model: Model) -> None:
    """The result the change carries, against its own profile (one for its classes, else a Warning)."""
    from samtbu.validate import validate_payload
    from samtbu.validate.engine import ProfileError

    profiles = _result_profiles(str(model.root))
    names = {profiles.get(c) for c in classes}
    name = next(iter(names)) if len(names) == 1 else None
    if name is None:
        out.results.append(result("EventNoProfile", lang, focus=target, pointer="/data/gjelderResultat",
                                  cls=", ".join(local_name(c) for c in classes)))
    elif shacl:
        try:
            report = validate_payload(payload, name, lang=lang, model=model, keep_shacl_report=False)
        except ProfileError as exc:  # pragma: no cover - the profile names come from the model
            out.results.append(result("InternalError", lang, focus=target, error=exc.message))
        else:
            out.results.extend(r for r in _under_data(report.results) if r.constraint not in _UNKNOWN)


def _content_facts(data: dict, payload, target, values, facts: Facts, model: Model) -> None:
    """The result's content as it is stored (standing alone), and a summary of what it says."""
    content = data.get("gjelderResultat")
    if not isinstance(content, dict) or "@context" in data:
        content = _framed_result(payload, str(target), model)
    actor = data.get("utfoertAv")
    if isinstance(actor, dict) and actor.get("id") and len(actor) > 1:
        content = _inline(content, actor)
    facts.content = json.dumps(content, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    summary = {}
    for prop in ("karakter", "fagskolekarakter", "vurderingstype", "vurderingsdato", "gjelderFag", "dokumentstatus"):
        found = values(target, prop)
        if found:
            summary[prop] = local_name(found[0]) if isinstance(found[0], str) else _lex(found[0])
    emne = values(target, "gjelderEmne")
    if emne:
        codes = values(emne[0], "emnekode")
        if codes:
            summary["emnekode"] = _lex(codes[0])
    facts.summary = json.dumps(summary, ensure_ascii=False, separators=(",", ":"), sort_keys=True) if summary else None


def _inline(content, node: dict):
    """The content with references ``{"id": X}`` to the node X replaced by its description (the
    organisation is described once in an event, in utfoertAv; the stored content stands alone)."""
    if isinstance(content, dict):
        if set(content) == {"id"} and content["id"] == node["id"]:
            return dict(node)
        return {k: _inline(v, node) for k, v in content.items()}
    if isinstance(content, list):
        return [_inline(v, node) for v in content]
    return content


def _under_data(results: list[Result]) -> list[Result]:
    """Pointers of a validation of ``data`` as pointers into the event."""
    from dataclasses import replace

    return [replace(r, pointer=None if r.pointer is None else "/data" + r.pointer) for r in results]


def _framed_result(payload, target: str, model: Model):
    """The result's content as plain JSON, framed from the graph (for data given as JSON-LD)."""
    from samtbu.generate.plainjson import frame_plain

    framed = frame_plain(payload.graph, model)
    stack = [framed]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            if value.get("id") == target and "type" in value:
                return value
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return {"id": target}


__all__ = ["check_event", "Outcome", "Facts", "digest_of", "CHANGE_PROFILE", "RULES"]
