"""JSON-LD processing without the network: the project's own contexts resolve from the bundled
model; every other remote context is refused."""

from __future__ import annotations

import functools
import json

from samtbu.errors import SamtbuError
from samtbu.model import Model
from samtbu.namespaces import BASE_IRI, CONTEXT_IRI

# The IRIs a payload may name for the whole context of this version. Extension contexts (terms
# added after the version's context was released) are resolved by ``context_part_of``.
CONTEXT_IRIS = {CONTEXT_IRI, CONTEXT_IRI + ".jsonld", BASE_IRI + "context"}


@functools.lru_cache(maxsize=8)
def _context_document(root: str, part: str | None = None) -> dict:
    return context_document(Model.load(root), part)


def context_document(model: Model, part: str | None = None) -> dict:
    """The context (or one released part of it) as a JSON document, made once per model; the whole
    context is kept by the compiled-model cache."""
    def make(model: Model) -> dict:
        from samtbu.generate.context import build_context

        return json.loads(json.dumps(build_context(model, part)))

    return model.derive("context" if part is None else f"context-part:{part}", make)


def bundled_context(model: Model | None = None) -> dict:
    """The whole context (every term of the model): what plain JSON is read with."""
    model = model or Model.load()
    return _context_document(str(model.root))


def context_part_of(url: str, model: Model | None = None) -> str | None:
    """The extension part an IRI names (``{CONTEXT_IRI}/{module}``, with or without ``.jsonld``)."""
    from samtbu.generate.context import context_parts

    prefix = CONTEXT_IRI + "/"
    if not url.startswith(prefix):
        return None
    part = url[len(prefix):].removesuffix(".jsonld")
    return part if part and part in context_parts(model or Model.load()) else None


def document_loader(model: Model | None = None):
    """A pyld document loader that serves only the project's own contexts, from the bundled model."""

    def load(url: str, options=None) -> dict:
        if url in CONTEXT_IRIS:
            return {"contextUrl": None, "documentUrl": url, "document": bundled_context(model)}
        part = context_part_of(url, model)
        if part is not None:
            document = _context_document(str((model or Model.load()).root), part)
            return {"contextUrl": None, "documentUrl": url, "document": document}
        raise SamtbuError(
            f"remote JSON-LD context {url!r} refused: only the bundled samtbu context ({CONTEXT_IRI}) "
            "is resolved, nothing is fetched"
        )

    return load
