"""Export a documentation record to an Open Badges 3.0 ``AchievementCredential`` (unsigned), valid
against the OB 3.0 AchievementCredential JSON Schema.

Term correspondences: ``crosswalks/ob3.sssom.tsv``. Shape of the credential:

- ``issuer``: a ``Profile`` whose ``id`` is the issuer's own HTTP(S) URL or DID, from the issuer profile
  configuration (:func:`load_issuer_profiles`; OB 3.0 identifies an issuer by "an HTTP URL that
  resolves to an issuer profile", or by a DID, see its recommended practices), with the issuer's
  name and organisasjonsnummer (``otherIdentifier``). A record whose issuer has no configured profile
  is refused: a made-up or unresolvable issuer id would make the credential unverifiable. Whether the
  id resolves is checked as far as can be done offline (:func:`issuer_id_problems`; nothing is
  fetched): a URL's form and host (a domain name anyone can resolve: localhost, .invalid, .local and
  private addresses are refused; documentation names such as .example are noted), the URL a
  ``did:web`` resolves to, a ``did:key`` decoded to its key; other DID methods are noted as not checked.
  What was checked is in the export's warnings;
- ``credentialSubject.achievement``: one ``Achievement`` for the document's Sluttkompetanse (name from
  the competence type and yrkestittel, ``achievementType`` by document class, ``humanCode`` the
  programområde, EQF/NKR levels as ``alignment``s);
- every Vurdering is a ``Result`` whose ``resultDescription`` is the id of one ``ResultDescription``
  (per subject and assessment type) in the achievement (``resultType`` LetterGrade, ``allowedValue``
  the grade scale's codes).

A **karakterutskrift** is refused: an AchievementCredential states that the subject achieved its
achievement (``AchievementSubject`` requires ``achievement``: the schema's ``required: [type,
achievement]``), and OB 3.0 results exist only under such an achievement; a karakterutskrift documents
grades, fails included, and no achieved competence (Udir's guidelines, chapter 1). CLR 2.0 would wrap
one AchievementCredential per subject, each again claiming the subject as achieved. The ELM export
carries a karakterutskrift faithfully (grades as assessment claims, no qualification).

Personal data: the learner is identified as OB 3.0 recommends where plaintext would expose personal
data: an ``IdentityObject`` with a salted SHA-256 hash (``identityHash`` "sha256$" + hex digest of the
UTF-8 identity followed by the salt, ``hashed`` true, ``salt`` given), of the name ("fornavn
etternavn", one space) by default; with ``national_id=True`` also of the fødselsnummer
(``nationalIdentityNumber``). A verifier who knows the holder's name (or number) recomputes the hash.
The fødselsnummer and the birth date are otherwise not carried (listed as such). The salt is random
per credential unless given. The credential is unsigned: signing is the issuer's.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Literal

from samtbu.crosswalk.elm import DOCUMENT_TITLES, _datetime, anchors_dir
from samtbu.errors import SamtbuError
from samtbu.crosswalk.record import CrosswalkError, NotCarried, NotExportable, Record, as_graph, load_mapping_set
from samtbu.model import Model
from samtbu.namespaces import SBU

CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
SCHEMA_FILE = ("ob3", "ob-v3p0-achievementcredential.schema.json")
ISSUER_PROFILES_ENV = "SAMTBU_OB3_ISSUER_PROFILES"
ACHIEVEMENT_TYPES = {
    "Vitnemaal": "Diploma",
    "Kompetansebevis": "Certificate",
    "Fagbrev": "ApprenticeshipCertificate",
    "Svennebrev": "JourneymanCertificate",
    "Praksisbrev": "Certificate",
}
# Issuer id: an HTTP(S) URL, or a DID (W3C DID Core: did:<method>:<method-specific-id>).
RESOLVABLE_ID = re.compile(r"^(https?://[^\s/?#]+\.[^\s/?#]+(/[^\s]*)?|did:[a-z0-9]+:[A-Za-z0-9._:%-]+)$")
DNS_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# Names that never resolve for a verifier elsewhere: RFC 6761 § 6.3 (localhost), § 6.4 (invalid), RFC 6762
# (.local: multicast DNS on the local link only); and names reserved for documentation and testing
# (RFC 2606, RFC 6761 § 6.2, § 6.5), which resolve to no issuer either: fine in an example, never in a
# credential a verifier must check.
NEVER_RESOLVES = ("localhost", "invalid", "local")
DOCUMENTATION_NAMES = ("example", "test", "example.com", "example.net", "example.org")


def _host_problems(host: str, where: str) -> tuple[list[str], list[str]]:
    """(errors, notes) for the host of an issuer URL: a DNS name a verifier anywhere can resolve."""
    import ipaddress

    host = host.lower().rstrip(".")
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        address = None
    if address is not None:
        if not address.is_global:
            return [f"{where}: {host} is a private, loopback or reserved address that a verifier elsewhere cannot reach"], []
        return [], [f"{where}: an IP address rather than a domain name; it resolves only while the issuer keeps it"]
    labels = host.split(".")
    top_level_ok = labels[-1].isalpha() or labels[-1].startswith("xn--")
    if len(host) > 253 or len(labels) < 2 or not all(DNS_LABEL.match(label) for label in labels) or not top_level_ok:
        return [f"{where}: {host!r} is not a domain name (RFC 1035 labels, a top-level domain)"], []
    if labels[-1] in NEVER_RESOLVES:
        return [f"{where}: names under .{labels[-1]} never resolve for a verifier elsewhere (RFC 6761, RFC 6762)"], []
    if labels[-1] in DOCUMENTATION_NAMES or ".".join(labels[-2:]) in DOCUMENTATION_NAMES:
        return [], [f"{where}: {host} is reserved for documentation and testing (RFC 2606, RFC 6761) and never resolves: "
                    "fine in an example, not in a credential a verifier must check"]
    return [], []


def issuer_id_problems(issuer_id: str) -> tuple[list[str], list[str]]:
    """What can be checked offline of whether an issuer id resolves, as OB 3.0 asks ("an HTTP URL that
    resolves to an issuer profile", or a DID): (errors, notes). Nothing is fetched. An HTTP(S) URL: its
    form (RFC 3986, no user or password) and its host, a domain name a verifier anywhere can resolve
    (not localhost, .invalid, .local or a private address; a documentation name such as .example is
    noted). ``did:web``: the HTTPS URL of the DID document it resolves to (DID Web method § 3.2) and
    that URL's host, as above. ``did:key``: resolved here, to its Ed25519 public key (did:key method:
    the DID is the key). Another DID method needs its resolver: noted as not checked."""
    from urllib.parse import unquote, urlsplit

    where = f"issuer id {issuer_id!r}"
    if not RESOLVABLE_ID.match(issuer_id):
        return [f"{where}: OB 3.0 identifies an issuer by an HTTP(S) URL that resolves to its Profile, or by a DID"], []
    if issuer_id.startswith("did:web:"):
        segments = [unquote(p) for p in issuer_id[len("did:web:"):].split(":")]
        url = "https://" + "/".join(segments) + ("/did.json" if len(segments) > 1 else "/.well-known/did.json")
        errors, notes = _host_problems(urlsplit(url).hostname or "", where)
        return errors, notes + [f"{where}: resolves to the DID document at {url} (not fetched)"]
    if issuer_id.startswith("did:key:"):
        try:
            from samtbu.credential.keys import public_key_from_did_key
        except ImportError:  # the signing extra is not installed
            return [], [f"{where}: a did:key is resolved by decoding it; samtbu[sign] is not installed, so not checked"]
        try:
            public_key_from_did_key(issuer_id)
        except SamtbuError as exc:
            return [f"{where}: a did:key resolves to its key, and this one does not: {exc}"], []
        return [], []
    if issuer_id.startswith("did:"):
        method = issuer_id.split(":")[1]
        return [], [f"{where}: did:{method} is resolved by its method's resolver, which samtbu does not run: not checked"]
    parts = urlsplit(issuer_id)
    if parts.username is not None or parts.password is not None:
        return [f"{where}: a URL with a user name or password is not an issuer's public Profile"], []
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        return [f"{where}: the port is not a number"], []
    errors, notes = _host_problems(parts.hostname or "", where)
    notes.append(f"{where}: form and host checked offline; the Profile it names is not fetched (no network at run time)")
    if parts.scheme == "http":
        notes.append(f"{where}: plain http; a verifier may refuse to fetch a Profile without TLS")
    return errors, notes
# Profile fields an issuer profile may add to what the record says.
PROFILE_FIELDS = ("url", "email", "phone", "description", "image", "address", "official")
KARAKTERUTSKRIFT_REFUSAL = (
    "not exported: an Open Badges 3.0 AchievementCredential states that the learner achieved its achievement (its "
    "AchievementSubject requires one: the OB 3.0 schema's required [type, achievement]), and OB 3.0 results exist only "
    "under such an achievement; a karakterutskrift documents grades (fails included) and no achieved "
    "competence (Udir's guidelines for vitnemål and kompetansebevis, chapter 1), and CLR 2.0 would claim each subject "
    "as achieved. Export it with --to elm: grades as assessment claims, no qualification"
)


@dataclass
class Ob3Export:
    document: dict
    not_carried: list[NotCarried] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_bytes(self) -> bytes:
        return (json.dumps(self.document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def load_issuer_profiles(source=None) -> dict[str, dict]:
    """Issuer profiles by organisasjonsnummer: a dict, or a JSON file mapping each organisasjonsnummer
    to an OB 3.0 Profile fragment (``id`` required: an HTTP(S) URL that resolves to the issuer's
    Profile, or a DID; optionally ``url``, ``email``, ``phone``, ``description``, ``image``,
    ``address``). Without ``source``, the file named by ``$SAMTBU_OB3_ISSUER_PROFILES``, if set."""
    if source is None:
        env = os.environ.get(ISSUER_PROFILES_ENV)
        if not env:
            return {}
        source = Path(env)
    if isinstance(source, (str, Path)):
        from samtbu.validate.input import read_json_file

        path = Path(source)
        data = read_json_file(path, "issuer profiles file")  # bounded: /dev/zero is too large, not all of memory
        where = str(path)
    else:
        data, where = source, "<issuer profiles>"
    if not isinstance(data, dict):
        raise CrosswalkError("the issuer profiles must be a JSON object: organisasjonsnummer -> profile", where=where)
    profiles = {}
    for orgnr, profile in data.items():
        if orgnr.startswith("$") or orgnr.startswith("_"):
            continue  # "$comment" and the like
        if not re.fullmatch(r"\d{9}", orgnr):
            raise CrosswalkError(f"key {orgnr!r} is not an organisasjonsnummer (9 digits)", where=where)
        if not isinstance(profile, dict) or not isinstance(profile.get("id"), str):
            raise CrosswalkError(f"the profile of {orgnr} has no id", where=where)
        errors, _ = issuer_id_problems(profile["id"])
        if errors:
            raise CrosswalkError(f"the profile of {orgnr}: {errors[0]}", where=where)
        unknown = sorted(set(profile) - {"id", "name", *PROFILE_FIELDS})
        if unknown:
            raise CrosswalkError(f"the profile of {orgnr} has fields this export does not write: {', '.join(unknown)}", where=where)
        profiles[orgnr] = profile
    return profiles


def identity_hash(identity: str, salt: str) -> str:
    """OB 3.0 IdentityHash: "sha256$" + the hex SHA-256 of the UTF-8 identity followed by the salt."""
    return "sha256$" + hashlib.sha256((identity + salt).encode("utf-8")).hexdigest()


def schema_path():
    folder, name = SCHEMA_FILE
    return anchors_dir() / folder / name


def validate_ob3(document: dict) -> list[str]:
    """Errors against the OB 3.0 AchievementCredential JSON Schema (from the anchors)."""
    from jsonschema import Draft201909Validator

    path = schema_path()
    if not path.is_file():
        raise CrosswalkError(f"the OB 3.0 JSON Schema {path} is missing (set SAMTBU_ANCHORS)")
    schema = json.loads(path.read_text(encoding="utf-8"))
    validator = Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)
    return sorted(f"/{'/'.join(str(p) for p in e.absolute_path)}: {e.message}" for e in validator.iter_errors(document))


def _nb(labels: dict[str, str], fallback: str) -> str:
    return labels.get("nb") or labels.get("en") or fallback


def _issuer(r: Record, node, profiles: dict[str, dict]) -> dict:
    name = r.value(node, "navn")
    orgnr = r.value(node, "organisasjonsnummer")
    profile = profiles.get(str(orgnr)) if orgnr is not None else None
    if profile is None:
        which = f"organisasjonsnummer {orgnr}" if orgnr is not None else "the issuer (it has no organisasjonsnummer)"
        raise CrosswalkError(
            f"no OB 3.0 issuer profile for {which}: OB 3.0 identifies the issuer by an HTTP(S) URL that resolves to its "
            "Profile, or by a DID; give the issuer's profile with --issuer-profile FILE "
            f"(or ${ISSUER_PROFILES_ENV}), see examples/issuer-profiles/ob3.json")
    if name is not None and profile.get("name") not in (None, str(name)):
        raise CrosswalkError(f"the issuer profile of {orgnr} names {profile['name']!r}, the record {str(name)!r}")
    issuer: dict = {"id": profile["id"], "type": ["Profile"]}
    if name is not None:
        issuer["name"] = str(name)
    for key in PROFILE_FIELDS:
        if key in profile:
            issuer[key] = profile[key]
    issuer["otherIdentifier"] = [{"type": "IdentifierEntry", "identifier": str(orgnr), "identifierType": "ext:organisasjonsnummer"}]
    owner = r.value(node, "skoleeier")
    if owner is not None:
        parent: dict = {"id": str(owner), "type": ["Profile"]}
        owner_name = r.value(owner, "navn")
        if owner_name is not None:
            parent["name"] = str(owner_name)
        owner_orgnr = r.value(owner, "organisasjonsnummer")
        if owner_orgnr is not None and str(owner_orgnr) in profiles:
            parent["id"] = profiles[str(owner_orgnr)]["id"]
        issuer["parentOrg"] = parent
    return issuer


def export_ob3(payload, *, issuer_profiles=None, salt: str | None = None, national_id: bool = False,
               model: Model | None = None) -> Ob3Export:
    """The record (a graph, or anything ``read_payload`` reads) as an OB 3.0 AchievementCredential,
    the facts it does not carry and warnings. ``issuer_profiles``: see :func:`load_issuer_profiles`."""
    model = model or Model.load()
    r = Record.from_graph(as_graph(payload, model), model, target="ob3")
    if r.document_class == "Karakterutskrift":
        raise NotExportable(KARAKTERUTSKRIFT_REFUSAL)
    profiles = load_issuer_profiles(issuer_profiles)
    mapping = load_mapping_set("ob3", model)
    doc = r.document
    issuer_node = r.value(doc, "utsteder")
    learner = r.value(doc, "utstedtTil")
    issued = r.value(doc, "utstedelsesdato")
    if issuer_node is None or learner is None or issued is None:
        raise CrosswalkError("an OB 3.0 credential needs the document's utsteder, utstedtTil and utstedelsesdato")
    title = DOCUMENT_TITLES.get(r.document_class, {"nb": r.document_class})
    issuer = _issuer(r, issuer_node, profiles)

    kompetanser = r.results("Sluttkompetanse")
    if not kompetanser:
        raise CrosswalkError(
            f"the {r.document_class} documents no Sluttkompetanse: an AchievementCredential would claim a competence "
            "the record does not state")
    kompetanse = kompetanser[0]
    achievement: dict = {"id": r.uuid_for("achievement"), "type": ["Achievement"],
                         "achievementType": ACHIEVEMENT_TYPES.get(r.document_class, "Achievement")}
    alignments = []
    kind = r.value(kompetanse, "kompetansetype")
    achievement_name = _nb(r.labels(kind), _nb(title, r.document_class)) if kind is not None else _nb(title, r.document_class)
    yrkestittel = {lit.language: str(lit) for lit in r.values(kompetanse, "yrkestittel") if isinstance(lit, Literal)}
    if yrkestittel:
        achievement_name = f"{achievement_name}: {yrkestittel.get('nb') or next(iter(yrkestittel.values()))}"
    for prop, framework, prefix in (("eqfNivaa", "EQF", "http://data.europa.eu/snb/eqf/"),
                                    ("nkrNivaa", "NKR", "http://data.europa.eu/snb/qdr/")):
        level = r.value(kompetanse, prop)
        if level is None:
            continue
        target = r.exact_match(level, prefix) or level
        alignments.append({"type": ["Alignment"], "targetName": f"{framework} {r.notation(level)}",
                           "targetUrl": str(target), "targetFramework": framework, "targetCode": r.notation(level),
                           "targetType": "ext:QualificationLevel"})
    programomraade = r.value(kompetanse, "programomraade")
    if programomraade is not None:
        achievement["humanCode"] = r.notation(programomraade)
    programme = r.value(kompetanse, "utdanningsprogram")
    if programme is not None:
        # the programme by name when Grep has it, else its code
        achievement["fieldOfStudy"] = _nb(r.grep_titles(programme), r.notation(programme))
    r.used.add((kompetanse, SBU.gjelderLaerende, r.graph.value(kompetanse, SBU.gjelderLaerende)))
    achievement["name"] = achievement_name
    achievement["description"] = f"{_nb(title, r.document_class)}: {achievement_name}"
    achievement["criteria"] = {"narrative": (
        "Tildelt etter opplæringslova (LOV-2023-06-09-30) og forskrift til opplæringslova (FOR-2024-06-03-900).")}
    achievement["inLanguage"] = "nb"
    if alignments:
        achievement["alignment"] = alignments

    descriptions: dict[str, dict] = {}
    results = []
    for vurdering in r.results("Vurdering"):
        fag = r.value(vurdering, "gjelderFag")
        kind = r.value(vurdering, "vurderingstype")
        grade = r.value(vurdering, "karakter")
        r.used.add((vurdering, SBU.gjelderLaerende, r.graph.value(vurdering, SBU.gjelderLaerende)))
        fag_code = r.notation(fag) if fag is not None else ""
        fag_name = " ".join(x for x in (fag_code, _nb(r.grep_titles(fag), "") if fag is not None else "") if x)
        kind_name = _nb(r.labels(kind), r.notation(kind)) if kind is not None else "vurdering"
        key = f"{fag_code}|{kind}"
        if key not in descriptions:
            description: dict = {"id": r.uuid_for("resultDescription", key), "type": ["ResultDescription"],
                                 "name": f"{fag_name}, {kind_name}" if fag_name else kind_name, "resultType": "LetterGrade"}
            # The grades of the scales the assessment type allows (sbu:tillattKarakterskala).
            scales = sorted(model.vocab.objects(kind, SBU.tillattKarakterskala), key=str) if kind is not None else []
            scale = r.grade_scale(vurdering)
            if scale is not None and scale not in scales:
                scales.append(scale)
            codes = sorted({n for sc in scales for n in r.scheme_notations(sc)})
            if codes:
                description["allowedValue"] = codes
            if fag is not None:
                description["alignment"] = [{"type": ["Alignment"], "targetName": fag_name, "targetUrl": str(fag),
                                             "targetCode": fag_code, "targetFramework": "Grep", "targetType": "ext:Fagkode"}]
            descriptions[key] = description
        result: dict = {"type": ["Result"], "resultDescription": descriptions[key]["id"]}
        if grade is not None:
            result["value"] = r.notation(grade)
            allowed = descriptions[key].setdefault("allowedValue", [])
            if result["value"] not in allowed:  # an assessment expression (IV, IM, ...) the record uses
                allowed.append(result["value"])
        results.append(result)
    if descriptions:
        achievement["resultDescription"] = list(descriptions.values())

    salt = salt if salt is not None else secrets.token_hex(16)
    subject: dict = {"type": ["AchievementSubject"], "achievement": achievement}
    identifiers = []
    given, family = r.value(learner, "fornavn"), r.value(learner, "etternavn")
    if given is not None or family is not None:
        name = " ".join(str(x) for x in (given, family) if x is not None)
        identifiers.append({"type": "IdentityObject", "hashed": True, "identityType": "name",
                            "identityHash": identity_hash(name, salt), "salt": salt})
    if national_id and (fnr := r.value(learner, "foedselsnummer")) is not None:
        identifiers.append({"type": "IdentityObject", "hashed": True, "identityType": "nationalIdentityNumber",
                            "identityHash": identity_hash(str(fnr), salt), "salt": salt})
    if not identifiers:
        raise CrosswalkError("the learner has no name: an OB 3.0 credential subject needs an identifier")
    subject["identifier"] = identifiers
    if results:
        subject["result"] = results
    awarded = r.value(kompetanse, "oppnaaddDato") or issued

    credential: dict = {
        "@context": [CREDENTIALS_V2, OB3_CONTEXT],
        "id": str(doc),
        "type": ["VerifiableCredential", "AchievementCredential"],
        "name": _nb(title, r.document_class),
        "issuer": issuer,
        "validFrom": _datetime(issued),
        "awardedDate": _datetime(awarded),
        "credentialSubject": subject,
    }
    number = r.value(doc, "dokumentnummer")
    if number is not None:
        credential["description"] = f"{_nb(title, r.document_class)} {number}"
    warnings = ["the credential is unsigned (no proof): signing is the issuer's"]
    # What was checked of the issuer id (offline; nothing is fetched), as notes beside the export.
    warnings += issuer_id_problems(issuer["id"])[1]
    return Ob3Export(credential, r.not_carried(mapping), warnings)


def export(payload, *, issuer_profiles=None, salt: str | None = None, national_id: bool = False,
           model: Model | None = None) -> dict:
    """The record as an unsigned OB 3.0 AchievementCredential (a dict): for signing and for callers
    that need only the credential."""
    return export_ob3(payload, issuer_profiles=issuer_profiles, salt=salt, national_id=national_id, model=model).document


__all__ = ["export", "export_ob3", "validate_ob3", "load_issuer_profiles", "issuer_id_problems", "identity_hash", "Ob3Export", "schema_path"]
