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
# The toolkit's own checks, beside the shapes' (a JSON key the context does not define, a key given
# twice, an unreadable record, the cross-record rules of a batch): their constraint components in
# every report format, "samtbu:UnknownField" in JSON, SARIF and JUnit, this IRI in the SHACL reports.
SAMTBU = Namespace(BASE_IRI + "validering#")
# The constraint component of a record that cannot be read (a rule of shapes/verktoey/regler.ttl, as
# every rule the toolkit checks itself): its IRI in SHACL reports, its name in the other formats.
UNREADABLE = SAMTBU.Unreadable
UNREADABLE_ID = "samtbu:Unreadable"

ELM = Namespace("http://data.europa.eu/snb/model/elm/")
DPV = Namespace("https://w3id.org/dpv#")
ODRL = Namespace("http://www.w3.org/ns/odrl/2/")
SKOSNO = Namespace("https://data.norge.no/vocabulary/skosno#")
EUVOC = Namespace("http://publications.europa.eu/ontology/euvoc#")


def code_iri(scheme: str, notation: str) -> str:
    """The IRI of a code in one of the model's code lists."""
    return f"{SBUK}{scheme}/{notation}"


def local_name(iri: object, *namespaces: str, foreign: str = "segment") -> str:
    """The name of an IRI within the model: the part after the first of ``namespaces`` it starts with.

    An IRI in none of them (or with none given) gives, with ``foreign="segment"``, the part after its
    last ``/`` or ``#`` (a trailing ``/`` ignored: a code list's IRI gives the list's name); with
    ``foreign="iri"``, the IRI whole (an element name that must not hide where a term comes from)."""
    text = str(iri)
    for namespace in namespaces:
        if text.startswith(str(namespace)):
            return text[len(str(namespace)):]
    if foreign == "iri":
        return text
    trimmed = text.rstrip("/")
    return trimmed[max(trimmed.rfind("/"), trimmed.rfind("#")) + 1:]
