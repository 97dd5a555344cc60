"""The Jinja2 templates of what the toolkit writes as pages: the learner's overview (HTML,
``samtbu/share/templates``) and the site's term pages (Markdown, ``samtbu/generate/site/templates``).

The templates are package data (a wheel carries every file under ``src/samtbu``); jinja2 is a
dependency of ``pip install samtbu`` because the overview is part of the core ``share`` feature.
"""

from __future__ import annotations

import functools
import html
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, Template, Undefined
from markupsafe import Markup


def _html_escaped(value: Any) -> Any:
    """A value as ``html.escape`` writes it (``&quot;``, ``&#x27;``), unless it is markup already."""
    if type(value) is str:  # most values: no attribute to look for
        return Markup(html.escape(value))
    if hasattr(value, "__html__"):
        return value
    return Markup(html.escape(str(value)))


@functools.cache
def environment(package: str, html_escaping: bool = True) -> Environment:
    """The environment of a package's ``templates`` folder. HTML templates escape every value
    (autoescape); Markdown templates get values their code has escaped for Markdown already."""
    return Environment(
        loader=PackageLoader(package, "templates"),
        autoescape=html_escaping,
        finalize=_html_escaped if html_escaping else None,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # the templates are package data, not edited while a process runs: no look at the file per page
        auto_reload=False,
        # the HTML macros ask a value which kind it is (v.iso, v.title): an absent attribute is no error there
        undefined=Undefined if html_escaping else StrictUndefined,
    )


@functools.cache
def template(package: str, name: str, html_escaping: bool = True) -> Template:
    """A template of a package, compiled once per process."""
    return environment(package, html_escaping).get_template(name)


def render(package: str, name: str, html_escaping: bool = True, /, **context: Any) -> str:
    """A template of a package filled in with the context."""
    return template(package, name, html_escaping).render(**context)


__all__ = ["environment", "render", "template"]
