"""The sharing policies as table rows for the documentation site: role × purpose × data × legal source.

``policy_table(model_or_policies, lang)`` returns one dict per policy, sorted by role and purpose,
with labels in the requested language (nb, nn or en) and IRIs beside them, so that a page generator
can render a table without knowing RDF:

    role, role_code, purpose, purpose_code, legal_basis, legal_basis_code,
    classes [(label, iri)], properties [(label, iri)], identity_number (bool),
    conditions [text], legal_sources [iri], comment, note (text or None: where the law is unclear),
    policy (IRI), profile (IRI of the closed SHACL profile), title, description
"""

from __future__ import annotations

from rdflib import RDFS
from rdflib.namespace import DCTERMS, SKOS

from samtbu.model import Model
from samtbu.namespaces import SBUK
from samtbu.share.policies import PolicySet, label, load_policies
from samtbu.share.profiles import profile_iri

_CONDITIONS = {
    "consent": {
        "nb": "Krever samtykke fra den lærende.",
        "nn": "Krev samtykke frå den lærande.",
        "en": "Requires the learner's consent.",
    },
    "final": {
        "nb": "Bare endelige resultater: et enkeltresultat så snart det er endelig.",
        "nn": "Berre endelege resultat: eit einskildresultat så snart det er endeleg.",
        "en": "Final results only: a single result as soon as it is final.",
    },
    "issued": {
        "nb": "Bare utstedt og gyldig dokumentasjon: et vitnemål når det er utstedt.",
        "nn": "Berre utferda og gyldig dokumentasjon: eit vitnemål når det er utferda.",
        "en": "Issued and valid documentation only: a certificate once it is issued.",
    },
    "age": {
        "nb": "Bare når den lærende er under {n} år.",
        "nn": "Berre når den lærande er under {n} år.",
        "en": "Only while the learner is under {n}.",
    },
    "none": {
        "nb": "Ingen vilkår utover formålet.",
        "nn": "Ingen vilkår utover formålet.",
        "en": "No conditions beyond the purpose.",
    },
}


def policy_table(model_or_policies: Model | PolicySet | None = None, lang: str = "nb") -> list[dict]:
    """One row per sharing policy (role × purpose × data scope × legal source), in ``lang``."""
    if lang not in ("nb", "nn", "en"):
        raise ValueError(f"unknown language {lang!r} (use nb, nn or en)")
    if isinstance(model_or_policies, PolicySet):
        policies = model_or_policies
    else:
        policies = load_policies(model_or_policies or Model.load())
    model = policies.model
    rows = []
    for policy in policies:
        conditions = []
        if policy.requires_consent:
            conditions.append(_CONDITIONS["consent"][lang])
        if policy.requires_final:
            conditions.append(_CONDITIONS["final"][lang])
        if policy.requires_issued:
            conditions.append(_CONDITIONS["issued"][lang])
        if policy.age_below is not None:
            conditions.append(_CONDITIONS["age"][lang].format(n=policy.age_below))
        rows.append(
            {
                "policy": str(policy.iri),
                "profile": str(profile_iri(policy)),
                "title": policy.text(RDFS.label, lang),
                "description": policy.text(DCTERMS.description, lang),
                "role": label(model, f"{SBUK}mottakerrolle/{policy.role}", lang),
                "role_code": policy.role,
                "purpose": label(model, f"{SBUK}formaal/{policy.purpose}", lang),
                "purpose_code": policy.purpose,
                "legal_basis": label(model, f"{SBUK}behandlingsgrunnlag/{policy.basis}", lang),
                "legal_basis_code": policy.basis,
                "classes": sorted(((label(model, c, lang), str(c)) for c in policy.classes), key=lambda x: x[0].lower()),
                "properties": sorted(((label(model, p, lang), str(p)) for p in policy.properties), key=lambda x: x[0].lower()),
                "identity_number": policy.allows_identity_number,
                "conditions": conditions or [_CONDITIONS["none"][lang]],
                "legal_sources": list(policy.legal_sources),
                "comment": policy.text(RDFS.comment, lang),
                "note": policy.text(SKOS.editorialNote, lang),
            }
        )
    return rows


__all__ = ["policy_table"]
