"""Optional parts of the toolkit and the extras that install them.

``pip install samtbu`` gives the validator, the JSON-LD context and the JSON Schemas. Everything else
needs an extra (``pip install 'samtbu[service]'``); a command that needs one that is missing ends
with one line naming the extra to install (exit code 2), never a traceback.
"""

from __future__ import annotations

import importlib.util

from samtbu.errors import SamtbuError

# extra -> (what it gives, the modules it installs as they are imported). Keep in step with
# [project.optional-dependencies] in pyproject.toml (tests/test_packaging.py checks it).
EXTRAS: dict[str, tuple[str, tuple[str, ...]]] = {
    "service": ("the validation service over HTTP", ("fastapi", "uvicorn", "fastapi_offline")),
    "site": ("the documentation site", ("mkdocs", "material", "mkdocs_static_i18n")),
    "elmo": ("EMREX ELMO import and export", ("lxml",)),
    "elm": ("the European Digital Credential export (its page images)", ("PIL",)),
    "ob3": ("the Open Badges 3.0 export (its JSON Schema check)", ("jsonschema",)),
    "publish": ("publishing to a SPARQL endpoint over HTTP", ("httpx",)),
    "reasoner": ("the OWL reasoner (HermiT)", ("owlready2",)),
    "sign": ("signing and verifying credentials", ("cryptography", "base58")),
    "grep": ("importing Grep dumps", ("ijson",)),
}

# Modules that come with an extra but are imported under another name (or pulled in by one).
_ALSO = {"starlette": "service", "pydantic": "service"}


class MissingExtra(SamtbuError):
    """A command needs an optional dependency that is not installed."""

    def __init__(self, extra: str, module: str, command: str | None = None):
        what = EXTRAS[extra][0]
        who = f"samtbu {command}" if command else what[0].upper() + what[1:]
        super().__init__(f"{who} needs {module}, which is not installed: pip install 'samtbu[{extra}]'")
        self.extra = extra
        self.module = module


def missing(extra: str) -> str | None:
    """The first module of an extra that cannot be imported here, or None when all can."""
    for module in EXTRAS[extra][1]:
        if importlib.util.find_spec(module) is None:
            return module
    return None


def require(extra: str, command: str | None = None) -> None:
    """Raise ``MissingExtra`` (one line, exit code 2) unless every module of the extra is installed."""
    module = missing(extra)
    if module is not None:
        raise MissingExtra(extra, module, command)


def extra_for(exc: ModuleNotFoundError, command: str | None = None) -> MissingExtra | None:
    """The ``MissingExtra`` for an import that failed inside a command, if the module is an optional one."""
    top = (exc.name or "").split(".")[0]
    for extra, (_what, modules) in EXTRAS.items():
        if top in modules:
            return MissingExtra(extra, top, command)
    if top in _ALSO:
        return MissingExtra(_ALSO[top], top, command)
    return None


__all__ = ["EXTRAS", "MissingExtra", "extra_for", "missing", "require"]
