"""One search index per language, made from the index mkdocs-material writes for the whole site.

The i18n plugin gives the theme one index for all three languages, so an English search returned
bokmål pages first. After the build, ``split_search_index`` writes ``search/search_index.{nb,nn,en}.json``
with the pages of one language each (and that language's stemmer: "no" for bokmål and nynorsk);
``overrides/main.html`` makes each page load the index of its own language.

The text of a section loses identifiers written as code (shape names such as
``FagbrevProfil-Sluttkompetanse-shape``): they are not words anyone searches for, and the theme would
offer them as completions. A concept's page carries its own terms (pref and alt labels of the page's
language) in a field of its own that weighs most; and overrides/main.html puts the pages whose term
is exactly the query before the others (lunr ranks a longer term that starts like the query, or
shares its words, as high as the term itself).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from samtbu.generate.site.text import LANGS

SEARCH_LANG = {"nb": ["no"], "nn": ["no"], "en": ["en"]}
TERMS_FIELD = "terms"
LABELS = "labels"
TERM_MARK = "qq"  # letters, so the trimmer keeps them; no nb, nn or en stemmer removes them
PREFIX = {"nb": "", "nn": "nn/", "en": "en/"}
CODE = re.compile(r"<code>(.*?)</code>", re.S)
# An identifier: CamelCase, or words joined by hyphens or underscores with a capital or a digit in it.
IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9]*(?:[-_.:/][A-Za-z0-9]+)+$|^[a-z]+[A-Z][A-Za-z0-9]*$|^[A-Z][a-z0-9]+[A-Z][A-Za-z0-9]*$")


def _language(location: str) -> str:
    for lang in ("nn", "en"):
        if location.startswith(PREFIX[lang]):
            return lang
    return "nb"


def _drop_identifiers(text: str) -> str:
    def keep(match: re.Match) -> str:
        content = match.group(1)
        return "" if any(IDENTIFIER.match(word) for word in content.split()) or "shape" in content.lower() else match.group(0)

    return CODE.sub(keep, text)


def _words(term: str) -> list[str]:
    return [w for w in re.split(r"[\s\-]+", term.lower()) if w]


def term_tokens(terms: list[str]) -> list[str]:
    """A concept's own terms as tokens of the terms field: every word once, and every term once as a
    whole (its words joined), so that a query with the term's words in its order matches it once
    more than a term that merely contains some of them. Each token gets a suffix of letters that no
    nb, nn or en stemmer removes: the theme completes every query word (vurdering -> vurdering*)
    without stemming it, while the index is stemmed (vurdering -> vurder); marked, the term keeps
    its full form and is found by it."""
    words = sorted({w for term in terms for w in _words(term)})
    whole = ["_".join(_words(term)) for term in terms]
    return [token + TERM_MARK for token in [*words, *whole]]


def split_search_index(site: Path) -> dict[str, int]:
    """Write one index per language beside the theme's; returns the number of entries of each."""
    folder = Path(site) / "search"
    source = folder / "search_index.json"
    index = json.loads(source.read_text(encoding="utf-8"))
    counts = {}
    for lang in LANGS:
        docs = []
        for doc in index["docs"]:
            if _language(doc["location"]) != lang:
                continue
            doc = dict(doc)
            doc["text"] = _drop_identifiers(doc.get("text", ""))
            tags = doc.pop("tags", None)
            if tags and "#" not in doc["location"]:
                doc[TERMS_FIELD] = term_tokens(tags)
                doc[LABELS] = tags  # not indexed: overrides/main.html puts a page whose term is the query first
            elif tags:
                doc.pop("boost", None)  # a concept's terms belong to its page, not to each section
            docs.append(doc)
        config = dict(index["config"], lang=SEARCH_LANG[lang])
        config["fields"] = dict(config.get("fields", {}), **{TERMS_FIELD: {"boost": 1e6}})
        (folder / f"search_index.{lang}.json").write_text(
            json.dumps({"config": config, "docs": docs}, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        counts[lang] = len(docs)
    return counts


__all__ = ["split_search_index", "SEARCH_LANG"]
