"""One search index per language, made from the index mkdocs-material writes for the whole site.

The i18n plugin gives the theme one index for all three languages, so an English search returned
bokmål pages first. After the build, ``split_search_index`` writes ``search/search_index.{nb,nn,en}.json``
with the pages of one language each (and that language's stemmer: "no" for bokmål and nynorsk);
``overrides/main.html`` makes each page load the index of its own language.

The text of a section loses identifiers written as code (shape names such as
``FagbrevProfil-Sluttkompetanse-shape``): they are not words anyone searches for, and the theme would
offer them as completions. Concepts carry their own terms (pref and alt labels of the page's
language) as tags, the field the theme weighs most, so a concept is the first hit for its terms.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from samtbu.generate.site_text import LANGS

SEARCH_LANG = {"nb": ["no"], "nn": ["no"], "en": ["en"]}
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
            if doc.get("tags"):
                if "#" in doc["location"]:
                    # A concept's terms belong to its page, not to each of its sections.
                    del doc["tags"]
                    doc.pop("boost", None)
                else:
                    # The theme completes the last word of a query (karakter -> karakterutskrift): of the
                    # concepts whose terms match, the one with the shortest term is the closest match.
                    # lunr takes each tag as one token: a term of several words is given word by word.
                    words = [w for tag in doc["tags"] for w in re.split(r"[\s\-]+", tag.lower()) if w]
                    shortest = min(len(t) for t in doc["tags"])
                    doc["tags"] = sorted(set(words))
                    doc["boost"] = round(float(doc.get("boost", 1)) * (1 + 10 / shortest), 3)
            docs.append(doc)
        config = dict(index["config"], lang=SEARCH_LANG[lang])
        (folder / f"search_index.{lang}.json").write_text(
            json.dumps({"config": config, "docs": docs}, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        counts[lang] = len(docs)
    return counts


__all__ = ["split_search_index", "SEARCH_LANG"]
