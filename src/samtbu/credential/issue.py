"""From a payload to a signed credential: validate, export, add status, add the proof.

1. The payload is read and validated against its profile (the one validation pipeline); a payload
   with violations is refused with its report, as is a document whose ``dokumentstatus`` is not
   ``gyldig`` (a withdrawn or replaced document is not issued again).
2. The record is exported by the crosswalk (``samtbu.crosswalk.ob3.export_ob3`` for the Open Badges
   3.0 form, ``samtbu.crosswalk.elm.export_elm`` for the European Digital Credential form): signing
   adds nothing to what the export says, so a change to an export is a change to what is signed.
3. With a status list, the credential gets a ``credentialStatus`` entry (``samtbu.credential.status``).
4. The Data Integrity proof is added (``eddsa-rdfc-2022``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import URIRef

from samtbu.credential.contexts import OB3_CONTEXT, ContextSet
from samtbu.credential.dataintegrity import Intermediates, add_proof, with_data_integrity_context
from samtbu.credential.keys import SigningKey
from samtbu.credential.status import Register, status_entry
from samtbu.errors import SamtbuError
from samtbu.model import Model
from samtbu.namespaces import SBU

FORMS = ("ob3", "elm")


class NotSignableError(SamtbuError):
    """A payload that must not be signed: it does not validate, or it is no document to issue."""

    exit_code = 1

    def __init__(self, message: str, *, where: str | None = None, report=None):
        super().__init__(message, where=where)
        self.report = report


@dataclass
class Unsigned:
    document: dict
    profile: str
    warnings: list[str] = field(default_factory=list)


def export_credential(graph, form: str, model: Model, *, issuer_profiles=None, salt: str | None = None) -> dict:
    """The unsigned credential of a record graph, made by the crosswalk of that form. The OB 3.0 form
    names the issuer by its profile (``issuer_profiles``, else ``$SAMTBU_OB3_ISSUER_PROFILES``: see
    ``samtbu.crosswalk.ob3.load_issuer_profiles``)."""
    from samtbu.crosswalk.record import CrosswalkError

    try:
        if form == "ob3":
            from samtbu.crosswalk.ob3 import export_ob3

            return export_ob3(graph, model=model, issuer_profiles=issuer_profiles, salt=salt).document
        if form == "elm":
            from samtbu.crosswalk.elm import export_elm

            return with_data_integrity_context(export_elm(graph, model=model).document)
    except CrosswalkError as exc:
        raise NotSignableError(f"not a document that can be issued as a credential: {exc.message}") from None
    raise SamtbuError(f"unknown credential form {form!r} (use one of: {', '.join(FORMS)})")


def _document_status(graph) -> str | None:
    for value in graph.objects(None, SBU.dokumentstatus):
        text = str(value)
        return text.rsplit("/", 1)[-1] if isinstance(value, URIRef) else text
    return None


def unsigned_credential(data, *, form: str = "ob3", source: str | None = None, model: Model | None = None,
                        profile: str | None = None, lang: str = "en", format: str | None = None,
                        issuer_profiles=None, salt: str | None = None) -> Unsigned:
    """Validate a payload and export it; ``NotSignableError`` when it must not be signed."""
    from samtbu.validate import read_any, validate_payload
    from samtbu.validate.report import Report

    model = model or Model.load()
    payload = read_any(data, format=format, source=source, model=model)
    record = validate_payload(payload, profile, lang=lang, model=model, keep_shacl_report=False)
    if not record.conforms:
        violations = record.count("Violation")
        raise NotSignableError(f"the payload does not validate against the profile {record.profile} "
                               f"({violations} violation(s)); it is not signed", where=payload.source,
                               report=Report([record], lang=lang))
    graph = payload.graph
    status = _document_status(graph)
    if status is not None and status != "gyldig":
        raise NotSignableError(f"the document's dokumentstatus is {status!r}: only a valid (gyldig) document is signed; "
                               "publish its withdrawal in the status list instead", where=payload.source)
    document = export_credential(graph, form, model, issuer_profiles=issuer_profiles, salt=salt)
    return Unsigned(document, record.profile, [f"{r.severity}: {r.message}" for r in record.results])


def sign_credential(document: dict, key: SigningKey, contexts: ContextSet, *, status_list: dict | None = None,
                    register: Register | None = None, created: str | None = None, verification_method: str | None = None,
                    engine: str = "oxigraph") -> tuple[dict, Intermediates]:
    """Add a status entry (when a status list and its register are given) and the proof."""
    if status_list is not None:
        if register is None:
            raise SamtbuError("a status list needs its register to assign an index")
        credential_id = document.get("id")
        if not isinstance(credential_id, str):
            raise NotSignableError("the credential has no id, so it cannot be given a status list entry")
        document = {**document, "credentialStatus": status_entry(status_list, register.index_for(credential_id))}
    return add_proof(document, key, contexts, created=created, verification_method=verification_method, engine=engine,
                     proof_set=OB3_CONTEXT in document.get("@context", []))


__all__ = ["unsigned_credential", "sign_credential", "export_credential", "NotSignableError", "Unsigned", "FORMS"]
