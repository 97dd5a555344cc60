"""samtbu: the shared semantic model for results from Norwegian education, and its toolkit."""

from samtbu.namespaces import BASE_IRI, MODEL_VERSION

__version__ = MODEL_VERSION
__all__ = ["BASE_IRI", "MODEL_VERSION", "__version__"]
