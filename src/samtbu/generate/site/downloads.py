"""The site's downloads: every artifact serialized at build time (rdflib), the JSON-LD context, the
shapes, the toolkit's own rules, schemas and mapping sets when present, the examples, and content-negotiation configurations
for nginx and Apache so that each IRI of the model answers HTML to a browser and RDF to a machine."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph

from samtbu.generate.site.index import SiteIndex
from samtbu.namespaces import BASE_IRI

FORMATS = {  # file suffix -> (rdflib format, media type, name)
    "ttl": ("turtle", "text/turtle", "Turtle"),
    "jsonld": ("json-ld", "application/ld+json", "JSON-LD"),
    "rdf": ("xml", "application/rdf+xml", "RDF/XML"),
    "nt": ("nt", "application/n-triples", "N-Triples"),
}
FOLDER = "nedlasting"


@dataclass
class Artifact:
    key: str  # text key for the downloads page
    files: list[str]  # paths relative to the language docs root
    note: str = ""


def _bind(graph: Graph, model_graph: Graph) -> Graph:
    for prefix, ns in model_graph.namespaces():
        graph.bind(prefix, ns, override=False)
    return graph


def _parse(paths) -> Graph:
    graph = Graph()
    for path in paths:
        graph.parse(path, format="turtle")
    return graph


def _serialize(graph: Graph, out: Path, base: str, suffixes=tuple(FORMATS)) -> list[str]:
    files = []
    for suffix in suffixes:
        fmt = FORMATS[suffix][0]
        target = out / f"{base}.{suffix}"
        target.parent.mkdir(parents=True, exist_ok=True)
        kwargs = {"auto_compact": True} if fmt == "json-ld" else {}
        graph.serialize(destination=str(target), format=fmt, encoding="utf-8", **kwargs)
        files.append(f"{FOLDER}/{target.relative_to(out).as_posix()}")
    return files


def rdf_bases(idx: SiteIndex) -> dict[str, str]:
    v = idx.model.version
    return {
        "ontologi": f"samtbu-ontologi-{v}",
        "kodelister": f"samtbu-kodelister-{v}",
        "begrepskatalog": f"samtbu-begrepskatalog-{v}",
        "katalog": f"samtbu-katalog-{v}",
        "former": f"former/samtbu-former-{v}",
    }


def _copy_into(out: Path, relative: str, source: Path) -> str:
    """Copy a file to ``out/relative`` (its folders made); returns its path in the site."""
    target = out / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)
    return f"{FOLDER}/{relative}"


def write_downloads(idx: SiteIndex, out: Path, resources=None) -> list[Artifact]:
    """Write every download into ``out`` (the folder ``nedlasting`` of one language tree)."""
    model = idx.model
    root = model.root
    out.mkdir(parents=True, exist_ok=True)
    bases = rdf_bases(idx)
    artifacts = []
    artifacts.append(Artifact("dl_ontology", _serialize(model.ontology, out, bases["ontologi"])))
    artifacts.append(Artifact("dl_code_lists", _serialize(_bind(model.code_lists(), model.vocab), out, bases["kodelister"])))
    catalog_files = sorted((root / "vocab" / "begreper").glob("*.ttl")) + [p for p in [root / "vocab" / "organisasjoner.ttl"] if p.is_file()]
    artifacts.append(Artifact("dl_concepts", _serialize(_parse(catalog_files), out, bases["begrepskatalog"])))
    dcat_files = [p for p in (root / "vocab" / "katalog.ttl", root / "vocab" / "modell.ttl", root / "vocab" / "organisasjoner.ttl") if p.is_file()]
    if dcat_files:
        artifacts.append(Artifact("dl_catalog", _serialize(_parse(dcat_files), out, bases["katalog"])))

    from samtbu.generate.context import context_file_name, context_parts, render_context

    for part in context_parts(model):
        (out / context_file_name(model.version, part)).write_text(render_context(model, part), encoding="utf-8")
    artifacts.append(Artifact("dl_context", [f"{FOLDER}/{context_file_name(model.version, part)}" for part in context_parts(model)]))

    shapes_files = _serialize(model.shapes, out, bases["former"], ("ttl",))
    for path in model.shape_module_files(root):
        shutil.copy2(path, out / "former" / path.name)
        shapes_files.append(f"{FOLDER}/former/{path.name}")
    artifacts.append(Artifact("dl_shapes", shapes_files))
    profile_files = []
    for name, profile in idx.profiles.items():
        profile_files += _serialize(profile.shapes, out, f"former/profil-{name}", ("ttl",))
    if profile_files:
        artifacts.append(Artifact("dl_profiles", profile_files))
    # The rules the toolkit checks itself beside the shapes (shapes/verktoey/: a payload's unknown keys,
    # the cross-record rules of a batch, the rules of an event stream), as the model states them.
    rule_files = [_copy_into(out, f"former/verktoey/{path.name}", path) for path in model.toolkit_rule_files(root)]
    if rule_files:
        artifacts.append(Artifact("dl_toolkit_rules", rule_files))

    schema_files = []
    try:
        from samtbu.generate.jsonschema import render_schema, schema_file_name
    except ImportError:  # that generator is not part of this toolkit version
        render_schema = None
    if render_schema is not None:
        for name in idx.profiles:
            target = out / "jsonschema" / schema_file_name(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(render_schema(model, name), encoding="utf-8")
            schema_files.append(f"{FOLDER}/jsonschema/{schema_file_name(name)}")
    for folder_name in ("schemas", "jsonschema", "json-schema"):
        folder = root / folder_name
        if folder.is_dir():
            schema_files += [_copy_into(out, f"jsonschema/{path.relative_to(folder).as_posix()}", path) for path in sorted(folder.rglob("*.json"))]
    if schema_files:
        artifacts.append(Artifact("dl_schemas", schema_files))

    mapping_files = [_copy_into(out, f"mapping/{path.name}", path) for path in idx.sssom_files()]
    if mapping_files:
        artifacts.append(Artifact("dl_mappings", mapping_files))

    example_files = [_copy_into(out, f"eksempler/{path.name}", path) for path in sorted((root / "examples").glob("*"))
                     if path.suffix in (".json", ".ttl")]
    artifacts.append(Artifact("dl_examples", example_files))

    conneg = out / "conneg"
    conneg.mkdir(exist_ok=True)
    (conneg / "nginx.conf").write_text(nginx_config(idx, resources), encoding="utf-8")
    (conneg / "apache.conf").write_text(apache_config(idx, resources), encoding="utf-8")
    artifacts.append(Artifact("dl_conneg", [f"{FOLDER}/conneg/nginx.conf", f"{FOLDER}/conneg/apache.conf"]))
    return artifacts


# -- content negotiation ---------------------------------------------------------------------------
def html_targets(idx: SiteIndex, resources=None) -> dict[str, str]:
    """IRI path (below the base, with a leading slash) -> site page URL (with the anchor of the element
    that describes it), for every IRI the model defines."""
    from samtbu.generate.site.iris import ResourceIndex, page_url

    resources = resources if resources is not None else ResourceIndex(idx)
    return {r.path: page_url(r.page) + (f"#{r.anchor}" if r.anchor else "") for r in resources}


# The first path segment of every IRI family (the site's own folders never use these names).
def iri_families(resources) -> list[str]:
    return sorted({r.path.strip("/").split("/")[0] for r in resources})


HEADER = """\
# Content negotiation for the IRIs of the samtbu model {version} (generated by `samtbu site build`;
# do not edit). Assumes that {base}(.*) is redirected (w3id.org) to this host's /$1 and that the
# built site is served from the host's root. A client asking for Turtle, JSON-LD, RDF/XML or
# N-Triples gets a 303 to the RDF file of that IRI (nedlasting/rdf/{{IRI path}}.{{ttl,jsonld,rdf,nt}});
# any other client (a browser) gets a 303 to the HTML page, at the element that describes the IRI, in
# nynorsk or English when Accept-Language asks for it. An IRI the model does not define gets 404.
"""
EXTRA_TYPES = {"ttl": "text/turtle", "jsonld": "application/ld+json", "rdf": "application/rdf+xml",
               "nt": "application/n-triples", "tsv": "text/tab-separated-values", "conf": "text/plain",
               "json": "application/json", "md": "text/markdown", "html": "text/html", "css": "text/css",
               "js": "application/javascript", "png": "image/png", "svg": "image/svg+xml"}


def nginx_config(idx: SiteIndex, resources=None) -> str:
    from samtbu.generate.site.iris import ResourceIndex, RDF_FOLDER

    resources = resources if resources is not None else ResourceIndex(idx)
    v = idx.model.version
    out = [HEADER.format(version=v, base=BASE_IRI), "# Include inside http { } (beside the host's own mime.types).", ""]
    out += ["map $http_accept $samtbu_rdf_ext {", '    default "";']
    for suffix, (_fmt, media, _name) in FORMATS.items():
        out.append(f'    "~*{re.escape(media)}" {suffix};')
    out += ["}", "", "map $http_accept_language $samtbu_lang {", '    default "";', '    "~*^nn" /nn;', '    "~*^en" /en;', "}", ""]
    out += ["# An IRI ending in / has its RDF in .../index.{ext}.", "map $uri $samtbu_rdf_path {", "    default $uri;",
            '    "~^(?<samtbu_dir>.*)/$" "${samtbu_dir}/index";', "}", ""]
    # Plain strings in a map match ignoring case, and class and property names differ only in case
    # (Behandlingsgrunnlag / behandlingsgrunnlag): so each IRI is a case-sensitive regular expression.
    out += ["map $uri $samtbu_page {", '    default "";']
    for path, page in html_targets(idx, resources).items():
        out.append(f'    "~^{re.escape(path)}$" "{page}";')
    families = "|".join(re.escape(f) for f in iri_families(resources) if f != "context")
    out += [
        "}", "",
        "server {",
        "    # listen, server_name and root (the built site) as on your host",
        f"    location ~ ^/({families})(/|$) {{",
        '        set $samtbu_rdf "";',
        f'        if ($samtbu_rdf_ext != "") {{ set $samtbu_rdf /{RDF_FOLDER}$samtbu_rdf_path.$samtbu_rdf_ext; }}',
        "        if (-f $document_root$samtbu_rdf) { return 303 $samtbu_rdf; }",
        '        if ($samtbu_page != "") { return 303 $samtbu_lang$samtbu_page; }',
        "        return 404;",
        "    }",
        "    # The JSON-LD context: the JSON document to a JSON-LD processor, the page that explains it to a browser.",
        "    location ~ ^/context/([0-9][0-9.]*)$ {",
        '        set $samtbu_context "";',
        '        if ($http_accept ~* "text/html") { set $samtbu_context html; }',
        f'        if ($samtbu_context = html) {{ return 303 $samtbu_lang{html_targets(idx, resources).get("/context/" + v, "/kom-i-gang/")}; }}',
        f"        rewrite ^/context/([0-9.]+)$ /{FOLDER}/samtbu-context-$1.jsonld last;",
        "    }",
        "    # Types of the downloads that the host's mime.types does not know; in this folder only (a",
        "    # types block replaces the inherited table, so it repeats every type used here).",
        f"    location ^~ /{FOLDER}/ {{",
        "        types {",
        *[f"            {media} {suffix};" for suffix, media in EXTRA_TYPES.items()],
        "        }",
        "    }",
        "}",
        "",
    ]
    return "\n".join(out)


def apache_config(idx: SiteIndex, resources=None) -> str:
    from samtbu.generate.site.iris import ResourceIndex, RDF_FOLDER

    resources = resources if resources is not None else ResourceIndex(idx)
    v = idx.model.version
    out = [HEADER.format(version=v, base=BASE_IRI),
           "# Use inside the <VirtualHost> (or server config) whose DocumentRoot is the built site;",
           "# needs mod_rewrite and mod_mime.", ""]
    for suffix, media in EXTRA_TYPES.items():
        out.append(f"AddType {media} .{suffix}")
    out += ["", "RewriteEngine On", "",
            "# The JSON-LD context: the page that explains it to a browser, the JSON document otherwise.",
            "RewriteCond %{HTTP_ACCEPT} text/html [NC]",
            f"RewriteRule ^/context/([0-9.]+)$ {html_targets(idx, resources).get('/context/' + v, '/kom-i-gang/')} [NE,R=303,L]",
            f"RewriteRule ^/context/([0-9.]+)$ /{FOLDER}/samtbu-context-$1.jsonld [PT,L]", "",
            "# RDF for machines: the file named after the IRI, when it exists."]
    families = "|".join(re.escape(f) for f in iri_families(resources) if f != "context")
    for suffix, (_fmt, media, _name) in FORMATS.items():
        for ending in (".", "index."):  # an IRI ending in / has its RDF in .../index.{ext}
            target = f"/{RDF_FOLDER}%{{REQUEST_URI}}{ending}{suffix}"
            out += [f"RewriteCond %{{HTTP_ACCEPT}} {re.escape(media)} [NC]",
                    f"RewriteCond %{{DOCUMENT_ROOT}}{target} -f",
                    f"RewriteRule ^/({families})(/|$) {target} [R=303,L]"]
    out += ["", "# The language of the HTML page, from Accept-Language.",
            "RewriteRule ^ - [E=SBULANG:]",
            "RewriteCond %{HTTP:Accept-Language} ^nn [NC]", "RewriteRule ^ - [E=SBULANG:/nn]",
            "RewriteCond %{HTTP:Accept-Language} ^en [NC]", "RewriteRule ^ - [E=SBULANG:/en]", "",
            "# HTML for browsers (case-sensitive: Behandlingsgrunnlag is a class, behandlingsgrunnlag a property)."]
    for path, page in html_targets(idx, resources).items():
        if path.startswith("/context/"):
            continue
        out.append(f"RewriteRule ^{re.escape(path)}$ %{{ENV:SBULANG}}{page} [NE,R=303,L]")
    out += [f"RewriteRule ^/({families})(/|$) - [R=404,L]", ""]
    return "\n".join(out)


__all__ = ["write_downloads", "nginx_config", "apache_config", "html_targets", "FORMATS", "Artifact", "FOLDER"]
