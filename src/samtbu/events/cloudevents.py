"""The event format of the continuous flow: CloudEvents 1.0 in the JSON event format.

An event is one JSON object with the CloudEvents context attributes and ``data``: a samtbu payload
whose root is one change of a result (``sbu:Registrering``, ``sbu:Korrigering``,
``sbu:Tilbaketrekking`` or ``sbu:Erstatning``). The samtbu use of CloudEvents adds to the
specification: ``type`` is one of the four types below, ``subject`` is the IRI of the result the
change concerns, ``time`` is the time of the change (the same instant as ``endringstidspunkt`` in the
data), and ``datacontenttype``, when given, is JSON. ``dataschema``, when given, is the IRI of the
profile «resultatendring».

```json
{"specversion": "1.0", "id": "…", "source": "urn:samtbu:kilde:…", "type": "org.w3id.samt-bu.resultat.korrigert",
 "subject": "urn:uuid:…", "time": "2026-07-02T07:30:00Z", "datacontenttype": "application/json",
 "data": {"type": "Korrigering", "gjelderResultat": {…}, "endringsgrunn": "klage", …}}
```
"""

from __future__ import annotations

import re
from datetime import datetime, UTC

from samtbu.namespaces import SBUP

SPEC_VERSION = "1.0"
TYPE_PREFIX = "org.w3id.samt-bu.resultat."
# event type -> the class of the change its data holds
TYPES = {
    TYPE_PREFIX + "registrert": "Registrering",
    TYPE_PREFIX + "korrigert": "Korrigering",
    TYPE_PREFIX + "trukket-tilbake": "Tilbaketrekking",
    TYPE_PREFIX + "erstattet": "Erstatning",
}
TYPE_OF_CLASS = {cls: t for t, cls in TYPES.items()}
DATA_SCHEMA = str(SBUP["resultatendring"])
JSON_CONTENT_TYPES = ("application/json", "application/ld+json", "application/cloudevents+json")

REQUIRED = ("specversion", "id", "source", "type")
# Attributes the specification defines (with data, data_base64) and the samtbu flow requires.
KNOWN = set(REQUIRED) | {"datacontenttype", "dataschema", "subject", "time", "data", "data_base64"}
REQUIRED_HERE = ("subject", "time")
_NAME = re.compile(r"^[a-z0-9]{1,20}$")
# RFC 3339 date-time (with the offset the specification requires).
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_URI_REF = re.compile(r"^[^\s<>\"{}|\\^`]+$")


# What an attribute must be, in bokmål, nynorsk and English (the messages' words).
_A_STRING = ("en tekst", "ein tekst", "a string")
_A_NON_EMPTY_STRING = ("en tekst som ikke er tom", "ein tekst som ikkje er tom", "a non-empty string")
_A_URI_REFERENCE = ("en URI-referanse", "ein URI-referanse", "a URI reference")
_A_TIME = ("et tidspunkt etter RFC 3339 med tidssone", "eit tidspunkt etter RFC 3339 med tidssone",
           "an RFC 3339 date-time with time zone")
_JSON_TYPE = ("application/json eller application/ld+json", "application/json eller application/ld+json",
              "application/json or application/ld+json")


def parse_time(text: str) -> datetime | None:
    """An RFC 3339 date-time as an aware datetime, or None when it is not one."""
    if not isinstance(text, str) or not _RFC3339.match(text):
        return None
    try:
        value = datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00").replace("t", "T"))
    except ValueError:
        return None
    return value


def utc_key(value: datetime) -> str:
    """A sortable text for an instant: UTC with microseconds."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def shown_time(key: str) -> str:
    """An instant kept by :func:`utc_key` as a reader writes it: no fraction of a second when it has none."""
    return key.replace(".000000Z", "Z")


def envelope_problems(event: dict) -> list[tuple[str, str, dict]]:
    """The envelope's faults as (rule, JSON pointer, words) tuples; empty when it is well formed."""
    problems: list[tuple[str, str, dict]] = []
    for name in REQUIRED + REQUIRED_HERE:
        value = event.get(name)
        if value is None or value == "":
            problems.append(("EventMissingAttribute", f"/{name}" if name in event else "", {"attribute": name}))
    for name, value in event.items():
        if name in ("data",):
            continue
        if not _NAME.match(name):
            problems.append(("EventAttributeName", f"/{_escape(name)}", {"attribute": name}))
            continue
        if name == "data_base64":
            continue
        if value is not None and not isinstance(value, (str, int, bool)):
            problems.append(("EventAttributeValue", f"/{name}", {"attribute": name, "expected": _A_STRING}))
    if "specversion" in event and event["specversion"] not in (None, "") and event["specversion"] != SPEC_VERSION:
        problems.append(("EventAttributeValue", "/specversion", {"attribute": "specversion", "expected": '"1.0"'}))
    for name in ("id", "type", "subject"):
        value = event.get(name)
        if value not in (None, "") and not isinstance(value, str):
            problems.append(("EventAttributeValue", f"/{name}", {"attribute": name, "expected": _A_NON_EMPTY_STRING}))
    source = event.get("source")
    if source not in (None, "") and (not isinstance(source, str) or not _URI_REF.match(source)):
        problems.append(("EventAttributeValue", "/source", {"attribute": "source", "expected": _A_URI_REFERENCE}))
    time = event.get("time")
    if time not in (None, "") and parse_time(time) is None:
        problems.append(("EventAttributeValue", "/time", {"attribute": "time", "expected": _A_TIME}))
    content_type = event.get("datacontenttype")
    if content_type is not None and (not isinstance(content_type, str)
                                     or content_type.split(";")[0].strip().lower() not in JSON_CONTENT_TYPES):
        problems.append(("EventAttributeValue", "/datacontenttype", {"attribute": "datacontenttype", "expected": _JSON_TYPE}))
    schema = event.get("dataschema")
    if schema is not None and schema != DATA_SCHEMA:
        problems.append(("EventAttributeValue", "/dataschema", {"attribute": "dataschema", "expected": DATA_SCHEMA}))
    return problems


def _escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


__all__ = ["TYPES", "TYPE_OF_CLASS", "TYPE_PREFIX", "SPEC_VERSION", "DATA_SCHEMA", "envelope_problems", "parse_time", "shown_time", "utc_key"]
