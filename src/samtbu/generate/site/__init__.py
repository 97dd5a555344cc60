"""The documentation site, generated from the loaded model and built with mkdocs-material.

One module per part of the site:

- ``build``: the build itself (sources, mkdocs, mermaid, search index, serving) and the sections;
- ``index``: the shared index of the model the pages read (``SiteIndex``);
- ``text``: the page object (``Page``) and the texts of the site in bokmål, nynorsk and English;
- ``pages``: one page per concept, class, property, code list and collection (``templates/``);
- ``ontology``, ``profiles``, ``tables``, ``misc``, ``grep``, ``credential``, ``fagskole``,
  ``commands``: the other sections' pages;
- ``iris`` (every IRI with its page and RDF), ``downloads`` (the download files and the
  content-negotiation configurations) and ``search`` (one search index per language).
"""

from __future__ import annotations

from samtbu.generate.site.build import (
    MERMAID_VERSION, SECTIONS, BuildContext, Section, SiteError, build_site, default_cache_dir, default_output_dir,
    default_source_dir, find_mermaid, generate_sources, register_section, serve_site,
)

__all__ = ["build_site", "generate_sources", "register_section", "Section", "BuildContext", "SECTIONS", "serve_site", "find_mermaid",
           "SiteError", "MERMAID_VERSION", "default_cache_dir", "default_output_dir", "default_source_dir"]
