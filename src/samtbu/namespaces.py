"""The one place where the model's IRI base and version are defined.

Every IRI the toolkit mints or looks for is derived from BASE_IRI; the model files must use the same
IRIs, and a test checks that they do (and that their owl:versionInfo equals MODEL_VERSION).
"""

from rdflib import Namespace

BASE_IRI = "https://w3id.org/samt-bu/"
MODEL_VERSION = "0.1.0"

SBU = Namespace(BASE_IRI + "def/")  # classes and properties, all modules
SBUB = Namespace(BASE_IRI + "begrep/")  # concept catalog
SBUK = Namespace(BASE_IRI + "kode/")  # code lists: kode/{scheme}/{notation}
SBUS = Namespace(BASE_IRI + "shapes/")  # SHACL shapes
SBUP = Namespace(BASE_IRI + "profil/")  # validation profiles
ONTOLOGY_BASE = BASE_IRI + "ontology/"
CONTEXT_IRI = f"{BASE_IRI}context/{MODEL_VERSION}"
GREP = Namespace("http://psi.udir.no/kl06/")
# The context's @vocab: a JSON key the context does not define expands to an IRI here instead of
# being dropped. Never a term of the model, so every profile rejects it (CONVENTIONS.md, "JSON payloads").
UKJENT = Namespace(BASE_IRI + "ukjent#")

ELM = Namespace("http://data.europa.eu/snb/model/elm/")
DPV = Namespace("https://w3id.org/dpv#")
ODRL = Namespace("http://www.w3.org/ns/odrl/2/")
SKOSNO = Namespace("https://data.norge.no/vocabulary/skosno#")
EUVOC = Namespace("http://publications.europa.eu/ontology/euvoc#")


def code_iri(scheme: str, notation: str) -> str:
    """The IRI of a code in one of the model's code lists."""
    return f"{SBUK}{scheme}/{notation}"
