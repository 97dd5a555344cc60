"""JSON-LD processing without the network: the project's own contexts resolve from the bundled
model; every other remote context is refused."""

from __future__ import annotations

import functools
import json

from samtbu.errors import SamtbuError
from samtbu.model import Model
from samtbu.namespaces import BASE_IRI, CONTEXT_IRI

CONTEXT_IRIS = {CONTEXT_IRI, CONTEXT_IRI + ".jsonld", BASE_IRI + "context"}


@functools.lru_cache(maxsize=4)
def _context_document(root: str) -> dict:
    return context_document(Model.load(root))


def context_document(model: Model) -> dict:
    """The context as a JSON document, made once per model (kept by the compiled-model cache)."""
    def make(model: Model) -> dict:
        from samtbu.generate.context import build_context

        return json.loads(json.dumps(build_context(model)))

    return model.derive("context", make)


def bundled_context(model: Model | None = None) -> dict:
    model = model or Model.load()
    return _context_document(str(model.root))


def document_loader(model: Model | None = None):
    """A pyld document loader that serves only the project's own context, from the bundled model."""

    def load(url: str, options=None) -> dict:
        if url in CONTEXT_IRIS:
            return {"contextUrl": None, "documentUrl": url, "document": bundled_context(model)}
        raise SamtbuError(
            f"remote JSON-LD context {url!r} refused: only the bundled samtbu context ({CONTEXT_IRI}) "
            "is resolved, nothing is fetched"
        )

    return load
