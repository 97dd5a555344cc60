"""Facts of an ELMO document, for comparing two documents fact by fact (the round-trip tests).

A fact is one element's text or one attribute's value, at a path. The path names each ancestor by
what identifies it among its siblings, not by its position, so that leaving out one element does not
make its siblings look changed: an identifier or title by its type or language, a learning
opportunity specification (and the hasPart around it) by its first identifier or else its title, a
grading scheme, group or group type by its id, and so on; siblings that are alike are numbered.
Every element and every attribute of the document is walked; comments and processing instructions
are not facts. An element with no text is not a fact (ELMO writes an empty element for "not known").
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from lxml import etree

from samtbu.crosswalk.elmo import _location as _xpath  # the positional location the import's listing uses

ELMO_NS = "https://github.com/emrex-eu/elmo-schemas/tree/v1"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
KEY_ATTRIBUTES = ("type", XML_LANG, "localId", "id", "number", "label", "typeref")
ENTITIES = ("learningOpportunitySpecification", "attachment")


def _name(element) -> str:
    qname = etree.QName(element)
    return qname.localname if qname.namespace in (None, ELMO_NS) else f"{{{qname.namespace}}}{qname.localname}"


def _text(element) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def _child(element, name):
    return next((c for c in element if isinstance(c.tag, str) and _name(c) == name), None)


def _key(element) -> str:
    name = _name(element)
    if name in ENTITIES:
        identifier = _child(element, "identifier")
        if identifier is not None:
            return f"{identifier.get('type')}={_text(identifier)}"
        title = _child(element, "title")
        if title is not None:
            return f"title={_text(title)}"
        return f"type={_text(_child(element, 'type'))}"
    if name == "hasPart":
        inner = _child(element, "learningOpportunitySpecification")
        return _key(inner) if inner is not None else ""
    if name in ("level", "credit"):
        return _text(_child(element, "type" if name == "level" else "scheme"))
    return ",".join(f"{a.rsplit('}', 1)[-1]}={element.get(a)}" for a in KEY_ATTRIBUTES if element.get(a) is not None)


def _segment(element) -> str:
    parent = element.getparent()
    own = (_name(element), _key(element))
    index = 1
    if parent is not None:
        same = [c for c in parent if isinstance(c.tag, str) and (_name(c), _key(c)) == own]
        index = same.index(element) + 1
    return f"{own[0]}[{own[1]}]#{index}" if own[1] else f"{own[0]}#{index}"


@dataclass(frozen=True)
class Fact:
    path: str  # the identifying path
    what: str  # "text" or "@attribute"
    value: str
    location: str = field(compare=False, default="")  # the positional location in its document


def facts(xml: bytes) -> list[Fact]:
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    found = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        path = "/".join(_segment(e) for e in reversed([element, *element.iterancestors()]))
        children = [c for c in element if isinstance(c.tag, str)]
        text = _text(element) if not children else " ".join((element.text or "").split())
        if text:
            found.append(Fact(path, "text", text, _xpath(element)))
        for attribute, value in sorted(element.attrib.items()):
            found.append(Fact(path, "@" + attribute.rsplit("}", 1)[-1] if attribute != XML_LANG else "@xml:lang", value, _xpath(element)))
    return found


@dataclass
class Comparison:
    kept: list[Fact]
    listed: list[Fact]  # not in the output, and listed as not carried
    lost: list[Fact]  # not in the output and not listed
    changed: list[tuple[Fact, list[str]]]  # the same place in the output holds another value
    added: list[Fact]  # in the output, at a place the source does not have

    def summary(self) -> str:
        return (f"{len(self.kept)} kept, {len(self.listed)} listed as not carried, {len(self.lost)} lost, "
                f"{len(self.changed)} changed, {len(self.added)} added")


def compare(source: bytes, output: bytes, listed_locations=()) -> Comparison:
    """Every fact of ``source``: kept in ``output``, not there but listed (its element or an ancestor
    is at one of ``listed_locations``), lost, or changed."""
    src, out = facts(source), facts(output)
    remaining = Counter((f.path, f.what, f.value) for f in out)
    out_places: dict[tuple, list[str]] = {}
    for f in out:
        out_places.setdefault((f.path, f.what), []).append(f.value)
    src_places = {(f.path, f.what) for f in src}
    listed = tuple(listed_locations)
    result = Comparison([], [], [], [], [])
    for fact in src:
        key = (fact.path, fact.what, fact.value)
        if remaining[key] > 0:
            remaining[key] -= 1
            result.kept.append(fact)
        elif any(fact.location == loc or fact.location.startswith(loc + "/") for loc in listed):
            result.listed.append(fact)
        elif (fact.path, fact.what) in out_places:
            result.changed.append((fact, out_places[(fact.path, fact.what)]))
        else:
            result.lost.append(fact)
    for f in out:
        if remaining[(f.path, f.what, f.value)] > 0 and (f.path, f.what) not in src_places:
            remaining[(f.path, f.what, f.value)] -= 1
            result.added.append(f)
    return result
