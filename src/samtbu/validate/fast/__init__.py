"""The fast SHACL engine: the model's shapes compiled once to Python, run on a compact triple index.

The rest of the toolkit reads it through the names below only (``engine.py`` runs it, the batch and
the Grep facts share its triple index, the compiled-model cache stores what it compiles). Its
modules, in the order a payload meets them:

- ``input``: reads a JSON payload straight into the engine's terms (no rdflib graph on the way);
- ``terms``: the terms (``B``, ``L``, IRIs as str) and the triple index ``Data``, and the bridges to rdflib;
- ``engine``: compiles a profile's shapes (``CompiledShapes``), one function per SHACL constraint
  component, and returns the findings; ``report_graph`` writes them as a SHACL report when asked;
- ``codegen``: generates the Python of the conformance check for the common shapes;
- ``sparql``: compiles the SHACL-SPARQL constraints to Python (rdflib's algebra, evaluated without rdflib).

Imports are lazy (PEP 562): ``samtbu.validate.fast.Data`` loads only ``terms``, so a command that
needs the triple index does not pay for the compiler.
"""

from __future__ import annotations

import importlib

_ENTRY = {
    "CompiledShapes": "engine", "InvalidShapes": "engine", "Unsupported": "engine",
    "findings": "engine", "report_graph": "engine",
    "read_fast": "input",
    "Data": "terms", "L": "terms", "RDF_TYPE": "terms", "from_rdflib": "terms", "to_rdflib": "terms",
    "forget_compiled_queries": "sparql",
}

__all__ = sorted(_ENTRY)


def __getattr__(name: str):
    module = _ENTRY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
