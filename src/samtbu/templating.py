"""The Jinja2 templates of what the toolkit writes as pages: the learner's overview (HTML,
``samtbu/share/templates``) and the site's term pages (Markdown, ``samtbu/generate/site/templates``).

The templates are package data (a wheel carries every file under ``src/samtbu``); jinja2 is a
dependency of ``pip install samtbu`` because the overview is part of the core ``share`` feature.

A template is compiled once per process (``template``), and its compiled code is kept in the
toolkit's cache folder (the compiled-model cache's: ``$SAMTBU_CACHE_DIR``, else the user's cache
folder, under ``templates/``; off with ``SAMTBU_NO_CACHE=1``), so a command that draws one page does
not compile the templates again (30 ms of a 45 ms first page, ``benchmarks/overview.py``). Jinja2
keys an entry by the template's name and file and checks it against a checksum of the source; the
folder's name carries the Jinja2 version and the environment's options, which change the code.
"""

from __future__ import annotations

import functools
import hashlib
import html
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import BytecodeCache, Environment, PackageLoader, StrictUndefined, Template, Undefined
from jinja2.bccache import Bucket
from markupsafe import Markup


def _html_escaped(value: Any) -> Any:
    """A value as ``html.escape`` writes it (``&quot;``, ``&#x27;``), unless it is markup already."""
    if type(value) is not str:  # most values are: no attribute to look for
        if hasattr(value, "__html__"):
            return value
        value = str(value)
    return Markup(html.escape(value))


class CompiledTemplates(BytecodeCache):
    """Compiled templates in a folder, one file each. Only a file that this user owns and nobody else
    can write is read (loading it runs its code); one is written to a temporary file and renamed into
    place; a folder that cannot be written only costs the compile."""

    def __init__(self, folder: Path):
        self.folder = folder

    def _file(self, bucket: Bucket) -> Path:
        return self.folder / f"{bucket.key}.jinja2-code"

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            with open(self._file(bucket), "rb") as handle:
                status = os.fstat(handle.fileno())
                if hasattr(os, "getuid") and (status.st_uid != os.getuid() or status.st_mode & 0o022):
                    return
                bucket.load_bytecode(handle)
        except (OSError, EOFError, ValueError, TypeError, pickle.UnpicklingError):  # none there, or cut short: compiled again
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        temporary = None
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".tmp-", suffix=".jinja2-code")
            with os.fdopen(handle, "wb") as out:
                bucket.write_bytecode(out)
            os.replace(temporary, self._file(bucket))
        except OSError:
            if temporary is not None:
                with _ignored_os_error():
                    os.unlink(temporary)


class _ignored_os_error:
    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        return kind is not None and issubclass(kind, OSError)


def _compiled_templates(options: dict[str, Any]) -> CompiledTemplates | None:
    """The folder of the templates compiled with these options (None when the cache is off)."""
    from samtbu import modelcache

    if not modelcache.enabled():
        return None
    described = repr(sorted((name, getattr(value, "__name__", value)) for name, value in options.items()))
    tag = hashlib.sha256(f"{jinja2.__version__}\0{described}".encode()).hexdigest()[:16]
    return CompiledTemplates(modelcache.cache_dir() / "templates" / f"jinja2-{jinja2.__version__}-{tag}")


@functools.cache
def environment(package: str, html_escaping: bool = True) -> Environment:
    """The environment of a package's ``templates`` folder. HTML templates escape every value
    (autoescape); Markdown templates get values their code has escaped for Markdown already."""
    options: dict[str, Any] = {
        "finalize": _html_escaped if html_escaping else None,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "keep_trailing_newline": True,
        # the templates are package data, not edited while a process runs: no look at the file per page
        "auto_reload": False,
        # the HTML macros ask a value which kind it is (v.iso, v.title): an absent attribute is no error there
        "undefined": Undefined if html_escaping else StrictUndefined,
    }
    return Environment(loader=PackageLoader(package, "templates"), autoescape=html_escaping,
                       bytecode_cache=_compiled_templates({"autoescape": html_escaping, **options}), **options)


@functools.cache
def template(package: str, name: str, html_escaping: bool = True) -> Template:
    """A template of a package, compiled once per process."""
    return environment(package, html_escaping).get_template(name)


def render(package: str, name: str, html_escaping: bool = True, /, **context: Any) -> str:
    """A template of a package filled in with the context."""
    return template(package, name, html_escaping).render(**context)


__all__ = ["environment", "render", "template", "CompiledTemplates"]
