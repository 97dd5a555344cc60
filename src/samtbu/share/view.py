"""The minimal view of a learner's record for one recipient role and purpose, and its disclosure.

``share(record, recipient, purpose)`` looks up the policy for the role and purpose, checks its
conditions (consent, final results, issued documents, the learner's age), copies out of the record
only the nodes and properties the policy covers, checks the copy against the policy's closed SHACL
profile, and returns it with a disclosure record (``sbu:Utlevering``). Anything that cannot be
shared ends in ``ShareRefused`` with a reason; a view that fails its profile is never handed out.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, UTC
from pathlib import Path
from typing import Any

from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, XSD

from samtbu.errors import SamtbuError
from samtbu.model import Model
from samtbu.namespaces import SBU, SBUK
from samtbu.share.policies import Policy, PolicySet, Scope, load_policies
from samtbu.share.profiles import check_view
from samtbu.output import holds_identity_number, mask_identity_numbers

FINAL = URIRef(f"{SBUK}resultatstatus/endelig")
VALID = URIRef(f"{SBUK}dokumentstatus/gyldig")
CONSENT_BASIS = "samtykke"


class ShareRefused(SamtbuError):
    """The request cannot be granted. ``reason`` is a short code, the message says why."""

    exit_code = 3

    def __init__(self, reason: str, message: str):
        self.reason = reason
        super().__init__(mask_identity_numbers(message))


# Reason codes (stable; tests and callers may rely on them).
NO_POLICY = "no-policy"
CONSENT_MISSING = "consent-missing"
CONSENT_INVALID = "consent-invalid"
NOT_FINAL = "not-final"
NOT_ISSUED = "not-issued"
NOT_VALID = "document-not-valid"
NOT_IN_FORCE = "result-not-in-force"
AGE = "age-limit"
AGE_UNKNOWN = "age-unknown"
NOTHING_IN_SCOPE = "nothing-in-scope"
PROFILE_FAILED = "profile-failed"
LEARNER_NOT_A_NODE = "learner-not-a-node"


@dataclass
class View:
    """What one recipient receives: the graph, and the same as plain JSON and JSON-LD."""

    graph: Graph
    policy: Policy
    model: Model = field(repr=False)
    disclosure: Graph = field(repr=False)
    disclosure_iri: URIRef | None = None
    resources: list[URIRef] = field(default_factory=list)
    withheld: list[tuple[str, str]] = field(default_factory=list)  # (node, reason code)

    def json(self) -> dict | list:
        """Plain JSON framed like the examples (keys are local names, codes are notations)."""
        from samtbu.generate.plainjson import frame_plain

        return frame_plain(self.graph, self.model)

    def jsonld(self) -> dict:
        """JSON-LD with the project's context (the same document as :meth:`json`, with ``@context``)."""
        from samtbu.generate.context import context_reference

        plain = self.json()
        context = context_reference(self.model, self.graph)
        if isinstance(plain, list):
            return {"@context": context, "@graph": plain}
        return {"@context": context, **plain}

    def serialize(self, format: str = "json") -> str:
        import json

        if format == "json":
            return json.dumps(self.json(), indent=2, ensure_ascii=False) + "\n"
        if format == "jsonld":
            return json.dumps(self.jsonld(), indent=2, ensure_ascii=False) + "\n"
        if format in ("turtle", "ntriples"):
            graph = Graph()
            graph.bind("sbu", SBU)
            graph += self.graph
            return graph.serialize(format="nt" if format == "ntriples" else "turtle")
        raise SamtbuError(f"unknown view format {format!r} (use json, jsonld, turtle or ntriples)")


# -- the record --------------------------------------------------------------------------------


def _record_graph(record: Any, model: Model) -> Graph:
    if isinstance(record, Graph):
        return record
    from samtbu.validate.input import read_payload

    if isinstance(record, str) and not record.lstrip().startswith(("{", "[", "@", "<")) and len(record) < 4096:
        record = Path(record)
    return read_payload(record, model=model).graph


def _types(graph: Graph, node) -> set[URIRef]:
    return {t for t in graph.objects(node, RDF.type) if isinstance(t, URIRef)}


def _roots(graph: Graph) -> list:
    pointed = {o for s, p, o in graph if p != RDF.type}
    return sorted({s for s in graph.subjects(RDF.type, None) if s not in pointed}, key=str)


def _as_date(value) -> date | None:
    if not isinstance(value, Literal):
        return None
    python = value.toPython()
    if isinstance(python, datetime):
        return python.date()
    if isinstance(python, date):
        return python
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _as_datetime(value) -> datetime | None:
    if not isinstance(value, Literal):
        return None
    python = value.toPython()
    if isinstance(python, datetime):
        return python if python.tzinfo else python.replace(tzinfo=UTC)
    if isinstance(python, date):
        return datetime(python.year, python.month, python.day, tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def contains_identity_number(text: str) -> bool:
    """Whether a text holds what the output boundary would mask as an identity number."""
    return holds_identity_number(text)


def _refuse_learner_values(graph: Graph) -> None:
    """A learner must be a node (a ``sbu:Laerende``): a record that names one by a bare value (often
    the identity number itself) cannot be disclosed, since the disclosure record could only name that
    learner by the value. Refused with a reason of its own, before anything is built."""
    for prop in (SBU.gjelderLaerende, SBU.utstedtTil):
        for subject, value in graph.subject_objects(prop):
            if isinstance(value, Literal):
                raise ShareRefused(
                    LEARNER_NOT_A_NODE,
                    f"the record names a learner by a value in {prop.split('/')[-1]} (of {subject}), not by a learner "
                    "node; validate the record against its profile first. Nothing was handed out",
                )


def _learners(graph: Graph, scope: Scope) -> list:
    nodes = set(graph.objects(None, SBU.gjelderLaerende)) | set(graph.objects(None, SBU.utstedtTil))
    nodes |= {s for s in graph.subjects(RDF.type, None) if scope.is_a(_types(graph, s), SBU.Laerende)}
    return sorted(nodes, key=str)


# -- conditions --------------------------------------------------------------------------------


def _is_final(graph: Graph, node, documented_by_valid_doc: set) -> bool:
    status = graph.value(node, SBU.resultatstatus)
    if status is not None:
        return status == FINAL
    # A result on an issued, valid document without its own status is final by being on it.
    return node in documented_by_valid_doc


def _document_problem(graph: Graph, node, today: date) -> str | None:
    issued = _as_date(graph.value(node, SBU.utstedelsesdato))
    if issued is None or issued > today:
        return NOT_ISSUED
    if graph.value(node, SBU.dokumentstatus) != VALID:
        return NOT_VALID
    return None


def _check_consent(consent: Any, policy: Policy, learners: list, record: Graph, now: datetime, model: Model):
    """Return (consent graph, consent node) for a consent that covers this disclosure, or refuse."""
    if consent is None:
        raise ShareRefused(
            CONSENT_MISSING,
            f"the policy for {policy.role!r} and purpose {policy.purpose!r} requires the learner's consent, and none was given",
        )
    graph = _record_graph(consent, model)
    nodes = sorted(graph.subjects(RDF.type, SBU.Samtykke), key=str)
    if not nodes:
        raise ShareRefused(CONSENT_INVALID, "the consent document holds no sbu:Samtykke")
    purpose = URIRef(f"{SBUK}formaal/{policy.purpose}")
    problems = []
    for node in nodes:
        giver = graph.value(node, SBU.gittAv)
        given = _as_datetime(graph.value(node, SBU.gittTidspunkt))
        same_person = giver in learners or any(
            graph.value(giver, SBU.foedselsnummer) is not None
            and graph.value(giver, SBU.foedselsnummer) == record.value(learner, SBU.foedselsnummer)
            for learner in learners
        )
        if not same_person:
            problems.append("it was not given by the learner the record concerns")
        elif purpose not in set(graph.objects(node, SBU.formaal)):
            problems.append(f"it does not cover the purpose {policy.purpose!r}")
        elif given is None:
            problems.append("it has no time at which it was given (gittTidspunkt)")
        elif given > now:
            problems.append("it was given after the time of disclosure")
        else:
            return graph, node
    raise ShareRefused(CONSENT_INVALID, "the consent does not allow this disclosure: " + "; ".join(dict.fromkeys(problems)))


# -- the view ----------------------------------------------------------------------------------


def share(
    record: Any,
    recipient: str,
    purpose: str,
    *,
    consent: Any = None,
    now: datetime | None = None,
    policies: PolicySet | None = None,
    model: Model | None = None,
    recipient_name: str | None = None,
    recipient_id: str | None = None,
    log: Path | str | None = None,
) -> View:
    """The minimal view of ``record`` for a recipient role and purpose, or ``ShareRefused``.

    ``record``/``consent``: a path, text, parsed JSON or an rdflib Graph. ``now``: the time of
    disclosure (default: the current time, UTC). ``policies``: the policies in force (default: the
    files in ``policies/``). ``recipient_name``/``recipient_id``: who receives the view, for the
    disclosure record. ``log``: a file (Turtle, or N-Triples for ``.nt``) the disclosure record is
    appended to.
    """
    model = model or Model.load()
    policies = policies if policies is not None else load_policies(model)
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    today = now.date()

    policy = policies.get(recipient, purpose)
    if policy is None:
        allowed = policies.purposes_of(recipient)
        hint = f" (this role may receive data for: {', '.join(allowed)})" if allowed else " (no policy for this role at all)"
        raise ShareRefused(NO_POLICY, f"no sharing policy lets the role {recipient!r} receive data for the purpose {purpose!r}{hint}")
    scope = Scope(policy, model)
    graph = _record_graph(record, model)
    _refuse_learner_values(graph)
    learners = _learners(graph, scope)

    # Conditions on the person.
    if policy.age_below is not None:
        for learner in learners:
            born = _as_date(graph.value(learner, SBU.foedselsdato))
            if born is None:
                raise ShareRefused(AGE_UNKNOWN, f"the policy applies only to learners under {policy.age_below}, and the record gives no date of birth")
            if _age(born, today) >= policy.age_below:
                raise ShareRefused(AGE, f"the policy applies only to learners under {policy.age_below}; the learner is {_age(born, today)}")
    consent_graph = consent_node = None
    if policy.requires_consent:
        consent_graph, consent_node = _check_consent(consent, policy, learners, graph, now, model)

    # Which results and documents may go.
    withheld: list[tuple[str, str]] = []
    kept_docs, kept_results = set(), set()
    docs = [s for s in set(graph.subjects(RDF.type, None)) if scope.is_a(_types(graph, s), SBU.Dokumentasjon)]
    valid_docs = {d for d in docs if _document_problem(graph, d, today) is None}
    # Results on a document count as final when the document may be shared itself.
    on_doc = {r for d in (valid_docs if policy.requires_issued else docs) for r in graph.objects(d, SBU.dokumenterer)}
    for node in sorted(set(graph.subjects(RDF.type, None)), key=str):
        types = _types(graph, node)
        in_scope = bool(scope.allowed_types(types))
        if scope.is_a(types, SBU.Dokumentasjon):
            problem = _document_problem(graph, node, today) if policy.requires_issued else None
            if problem:
                withheld.append((str(node), problem))
            elif in_scope:
                kept_docs.add(node)
        elif scope.is_a(types, SBU.Resultat):
            status = graph.value(node, SBU.dokumentstatus)
            if status is not None and status != VALID:
                # A result that is withdrawn or replaced in the register is not its current state.
                withheld.append((str(node), NOT_IN_FORCE))
            elif policy.requires_final and scope.is_a(types, SBU.Vurdering) and not _is_final(graph, node, on_doc):
                withheld.append((str(node), NOT_FINAL))
            elif in_scope:
                kept_results.add(node)
    resources = kept_docs | kept_results

    # A record whose top node may not go is refused with the reason, not silently thinned out.
    for root in _roots(graph):
        reason = next((r for n, r in withheld if n == str(root)), None)
        if reason:
            raise ShareRefused(reason, _REASON_TEXT[reason].format(node=root))
    if not resources:
        if withheld:
            reason = withheld[0][1]
            raise ShareRefused(reason, _REASON_TEXT[reason].format(node=withheld[0][0]))
        raise ShareRefused(
            NOTHING_IN_SCOPE,
            f"the record holds nothing the policy for {policy.role!r} and {policy.purpose!r} covers "
            f"(it covers: {', '.join(sorted(str(c).rsplit('/', 1)[-1] for c in policy.classes))})",
        )

    view = _extract(graph, scope, resources, withheld)
    _describe_grep_elements(view)
    conforms, messages = check_view(view, policy, model)
    if not conforms:
        raise ShareRefused(PROFILE_FAILED, "the view does not satisfy the policy's closed profile, so it is not handed out: " + "; ".join(messages[:3]))

    disclosed = sorted((n for n in resources if (n, None, None) in view), key=str)
    disclosure, disclosure_iri = disclosure_record(
        policy, view, disclosed, learners, now, model,
        recipient_name=recipient_name, recipient_id=recipient_id,
        consent_graph=consent_graph, consent_node=consent_node, record=graph,
    )
    result = View(view, policy, model, disclosure, disclosure_iri, disclosed, withheld)
    if log is not None:
        append_log(disclosure, log)
    return result


def _describe_grep_elements(view: Graph) -> None:
    """With a Grep snapshot in use, each Grep element the view refers to gets its code and its titles
    (public reference data from Grep, not the learner's), so that a recipient reads "ENG1007 Engelsk,
    vg1 …" rather than a bare code. Without one the view is as before."""
    from samtbu.grep import active_snapshot

    snapshot = active_snapshot()
    if snapshot is None:
        return
    from samtbu.grep.store import element_titles
    from samtbu.namespaces import GREP

    iris = {o for p in (SBU.gjelderFag, SBU.programomraade, SBU.utdanningsprogram) for o in view.objects(None, p)
            if isinstance(o, URIRef) and str(o).startswith(str(GREP))}
    found = snapshot.get_many(str(o)[len(str(GREP)):] for o in iris)
    for iri in sorted(iris, key=str):
        element = found.get(str(iri)[len(str(GREP)):])
        if element is None:
            continue
        view.add((iri, SBU.kode, Literal(element.kode)))
        for lang, text in element_titles(element).items():
            view.add((iri, SBU.tittel, Literal(text, lang=lang)))


_REASON_TEXT = {
    NOT_FINAL: "the result {node} is not final yet (resultatstatus is not «endelig»); the policy allows only final results",
    NOT_ISSUED: "the document {node} has not been issued yet (its date of issue is in the future or missing); the policy allows only issued documents",
    NOT_VALID: "the document {node} is not valid (dokumentstatus is not «gyldig»); the policy allows only valid documents",
    NOT_IN_FORCE: "the result {node} is no longer in force in the register (dokumentstatus «annullert» or «erstattet»); only the current state is shared",
}


def _extract(graph: Graph, scope: Scope, resources: set, withheld: list) -> Graph:
    """Copy the resources and what they link to within the scope; nothing else."""
    view = Graph()
    view.bind("sbu", SBU)
    included: set = set()
    described = {s for s in graph.subjects()}

    def keep_node(node) -> bool:
        if node in included:
            return True
        types = scope.allowed_types(_types(graph, node))
        if not types:
            return False
        if scope.is_a(types, SBU.Resultat) or scope.is_a(types, SBU.Dokumentasjon):
            return node in resources
        return True

    todo = sorted(resources, key=str)
    while todo:
        node = todo.pop()
        if node in included:
            continue
        included.add(node)
        types = scope.allowed_types(_types(graph, node))
        props = scope.allowed_properties(types)
        for t in types:
            view.add((node, RDF.type, t))
        for p, o in graph.predicate_objects(node):
            if p == RDF.type or p not in props:
                continue
            if isinstance(o, Literal):
                # An identity number goes out only as sbu:foedselsnummer, and only if the policy allows it.
                if p != SBU.foedselsnummer and contains_identity_number(str(o)):
                    withheld.append((str(node), "identity-number-in-text"))
                    continue
                view.add((node, p, o))
            elif o in described:
                if keep_node(o):
                    view.add((node, p, o))
                    todo.append(o)
            elif isinstance(o, URIRef) and scope.code_valued(p):
                view.add((node, p, o))  # a code or a Grep element: a value, not a node
    # Links to nodes that ended up without any triple would dangle: drop them.
    for s, p, o in list(view):
        if p != RDF.type and not isinstance(o, Literal) and o in described and (o, None, None) not in view:
            view.remove((s, p, o))
    return view


# -- the disclosure record ---------------------------------------------------------------------


def _stable_uuid(*parts: str) -> URIRef:
    return URIRef(f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, '|'.join(parts))}")


def disclosure_record(
    policy: Policy,
    view: Graph,
    disclosed: list,
    learners: list,
    now: datetime,
    model: Model,
    *,
    recipient_name: str | None = None,
    recipient_id: str | None = None,
    consent_graph: Graph | None = None,
    consent_node=None,
    record: Graph | None = None,
) -> tuple[Graph, URIRef]:
    """An ``sbu:Utlevering``: who received what, when, for what purpose and on which basis.

    It names the disclosed results and documents by their identifiers and class, and the learner
    they concern by identifier and class only: no identity number, name or grade is written."""
    record = record if record is not None else view
    g = Graph()
    g.bind("sbu", SBU)
    g.bind("dct", DCTERMS)
    iri = URIRef(f"urn:uuid:{uuid.uuid4()}")
    g.add((iri, RDF.type, SBU.Utlevering))
    g.add((iri, SBU.mottakerrolle, URIRef(f"{SBUK}mottakerrolle/{policy.role}")))
    g.add((iri, SBU.formaal, URIRef(f"{SBUK}formaal/{policy.purpose}")))
    g.add((iri, SBU.behandlingsgrunnlag, URIRef(f"{SBUK}behandlingsgrunnlag/{policy.basis}")))
    g.add((iri, SBU.utleveringstidspunkt, Literal(now.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"), datatype=XSD.dateTime)))
    g.add((iri, DCTERMS.conformsTo, policy.iri))

    def add_learner(node):
        for t in _types(record, node):
            g.add((node, RDF.type, t))

    # The recipient.
    if policy.role == "laerende" and learners and recipient_id is None:
        recipient = learners[0]
        add_learner(recipient)
    else:
        recipient = URIRef(recipient_id) if recipient_id and ":" in recipient_id else _stable_uuid("mottaker", policy.role, recipient_name or "", recipient_id or "")
        if policy.role == "foresatt":
            g.add((recipient, RDF.type, SBU.Person))
        else:
            g.add((recipient, RDF.type, SBU.Mottakertjeneste))
            if recipient_name:
                g.add((recipient, SBU.navn, Literal(recipient_name)))
            if recipient_id and recipient_id.isdigit() and len(recipient_id) == 9:
                g.add((recipient, SBU.organisasjonsnummer, Literal(recipient_id)))
    g.add((iri, SBU.mottaker, recipient))

    # What: each result and document, its class and the learner it concerns, and, for a result
    # from the register, the version that was shared (sbu:Resultatversjon in the record).
    for node in disclosed:
        g.add((iri, SBU.utlevertRessurs, node))
        for t in _types(view, node):
            g.add((node, RDF.type, t))
        for version in sorted(record.subjects(SBU.versjonAv, node), key=str):
            g.add((iri, SBU.utlevertVersjon, version))
            g.add((version, RDF.type, SBU.Resultatversjon))
            g.add((version, SBU.versjonAv, node))
            for number in record.objects(version, SBU.versjonsnummer):
                g.add((version, SBU.versjonsnummer, number))
        for p in (SBU.gjelderLaerende, SBU.utstedtTil):
            for learner in record.objects(node, p):
                if isinstance(learner, URIRef):
                    g.add((node, p, learner))
                    add_learner(learner)

    if consent_graph is not None and consent_node is not None:
        consent = consent_node if isinstance(consent_node, URIRef) else _stable_uuid(
            "samtykke", *(str(o) for o in sorted(consent_graph.objects(consent_node, None), key=str))
        )
        g.add((iri, SBU.basertPaaSamtykke, consent))
        g.add((consent, RDF.type, SBU.Samtykke))
        for purpose in consent_graph.objects(consent_node, SBU.formaal):
            g.add((consent, SBU.formaal, purpose))
        given = consent_graph.value(consent_node, SBU.gittTidspunkt)
        if given is not None:
            g.add((consent, SBU.gittTidspunkt, given))
        if learners:
            g.add((consent, SBU.gittAv, learners[0]))
            add_learner(learners[0])
    for _s, _p, o in g:
        if isinstance(o, Literal) and contains_identity_number(str(o)):
            raise ShareRefused(PROFILE_FAILED, "the disclosure record would hold an identity number; nothing was handed out")
    return g, iri


def append_log(disclosure: Graph, path: Path | str) -> None:
    """Append a disclosure record to a log file: N-Triples for ``.nt``, otherwise Turtle."""
    import fcntl

    path = Path(path)
    fmt = "nt" if path.suffix.lower() == ".nt" else "turtle"
    # The log is output like any other: an identifier that holds an identity number is masked, as
    # it was in the view the recipient got.
    text = mask_identity_numbers(disclosure.serialize(format=fmt))
    # Identifiers (urn:uuid:...) may hold digit runs by chance; what must never be written is a
    # value that could be an identity number.
    if any(isinstance(o, Literal) and contains_identity_number(str(o)) for o in disclosure.objects()):
        raise ShareRefused(PROFILE_FAILED, "the disclosure record would hold an identity number; it was not written")
    try:
        with path.open("a", encoding="utf-8") as out:
            fcntl.flock(out, fcntl.LOCK_EX)
            if fmt == "turtle":
                out.write("\n# sbu:Utlevering\n")
            out.write(text if text.endswith("\n") else text + "\n")
    except OSError as exc:
        raise SamtbuError(f"cannot append to the disclosure log: {exc.strerror or exc}", where=str(path)) from None


def read_log(path: Path | str) -> Graph:
    """All disclosure records in a log file."""
    path = Path(path)
    graph = Graph()
    if not path.exists():
        return graph
    try:
        graph.parse(path, format="nt" if path.suffix.lower() == ".nt" else "turtle")
    except Exception as exc:  # noqa: BLE001
        raise SamtbuError(f"the disclosure log does not parse: {exc}", where=str(path)) from None
    return graph


__all__ = ["share", "View", "ShareRefused", "disclosure_record", "append_log", "read_log", "contains_identity_number"]
