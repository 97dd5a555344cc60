"""samtbu: the shared semantic model for results from Norwegian education, and its toolkit."""

import logging

from samtbu.namespaces import BASE_IRI, MODEL_VERSION

# rdflib logs every ill-typed literal of a payload with its value and a traceback. Payload values can
# be personal data, and the validation report already names the fault, so those logs are silenced
# wherever samtbu is used (CLI, Python API, HTTP service).
logging.getLogger("rdflib.term").setLevel(logging.ERROR)

__version__ = MODEL_VERSION
__all__ = ["BASE_IRI", "MODEL_VERSION", "__version__"]
