"""The JSON Schema (2020-12) of one event of the continuous flow: the CloudEvents 1.0 envelope as the
samtbu flow uses it, with ``data`` the schema of the profile «resultatendring» (generated from the
shapes by ``samtbu.generate.jsonschema``, embedded as its own resource). What a schema cannot say
(the rules that need the history of a result) is listed in ``x-rules-beyond-schema``."""

from __future__ import annotations

import json
from collections import OrderedDict

from samtbu.events.cloudevents import DATA_SCHEMA, JSON_CONTENT_TYPES, TYPES
from samtbu.events.rules import RULES
from samtbu.model import Model
from samtbu.namespaces import BASE_IRI

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def event_schema(model: Model | None = None) -> dict:
    from samtbu.generate.jsonschema import build_schema

    model = model or Model.load()
    data = build_schema(model, "resultatendring")
    data.pop("$schema", None)
    schema: OrderedDict = OrderedDict()
    schema["$schema"] = DIALECT
    schema["$id"] = f"{BASE_IRI}schema/{model.version}/hendelse.json"
    schema["title"] = "Hendelse i den løpende flyten til registeret (CloudEvents 1.0)"
    schema["description"] = ("One event of the continuous flow: a CloudEvents 1.0 event in the JSON format whose data is a "
                             "samtbu payload with one change of a result. Checked in full by `samtbu events validate`.")
    schema["type"] = "object"
    schema["required"] = ["specversion", "id", "source", "type", "subject", "time", "data"]
    schema["properties"] = {
        "specversion": {"const": "1.0"},
        "id": {"type": "string", "minLength": 1},
        "source": {"type": "string", "minLength": 1, "format": "uri-reference"},
        "type": {"enum": list(TYPES), "x-data-root": dict(TYPES)},
        "subject": {"type": "string", "minLength": 1, "description": "The IRI of the result the change concerns."},
        "time": {"type": "string", "format": "date-time", "description": "The time of the change (the same instant as data.endringstidspunkt)."},
        "datacontenttype": {"type": "string", "pattern": "^(" + "|".join(t.replace("+", "\\+") for t in JSON_CONTENT_TYPES) + ")(;.*)?$"},
        "dataschema": {"const": DATA_SCHEMA},
        "data": {"$ref": data["$id"]},
    }
    # Extension attributes: lower-case letters and digits (CloudEvents 1.0, attribute naming).
    schema["patternProperties"] = {"^(?!data$)[a-z0-9]{1,20}$": {"type": ["string", "integer", "boolean"]}}
    schema["additionalProperties"] = False
    schema["x-rules-beyond-schema"] = sorted(f"samtbu:{name}" for name in RULES)
    schema["$defs"] = {"resultatendring": data}
    return schema


def render_event_schema(model: Model | None = None) -> str:
    return json.dumps(event_schema(model), indent=2, ensure_ascii=False) + "\n"


__all__ = ["event_schema", "render_event_schema"]
