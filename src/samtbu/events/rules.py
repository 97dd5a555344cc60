"""The rules for an event and for a change in the history of a result, with their messages in
bokmål, nynorsk and English, severities and sources.

The rules are data, in ``rules.toml`` beside this module. Two kinds of rule live there, the ones SHACL cannot state: the CloudEvents envelope of an event (its
attributes, and that it agrees with its data), and the rules that need the history of the result
(a correction refers to a registered result that is still in force, the changes of one result come
in time order, an event is not delivered twice with different content). The change itself and the
result it carries are checked by SHACL, with the profile «resultatendring» and the result's own
profile (see ``check.py``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from samtbu.validate.report import Result, mask_identity_numbers

# The rules themselves are data: their severities, sources and messages in nb, nn and en.
RULES_FILE = Path(__file__).with_name("rules.toml")
CLOUDEVENTS = "https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/spec.md"
PROV_CONSTRAINTS = "https://www.w3.org/TR/prov-constraints/"


@dataclass(frozen=True)
class Rule:
    name: str
    severity: str
    source: str
    nb: str
    nn: str
    en: str

    def message(self, lang: str, **words) -> str:
        template = {"nb": self.nb, "nn": self.nn}.get(lang, self.en)
        return mask_identity_numbers(template.format(**{k: in_language(v, lang) for k, v in words.items()}))


def in_language(words, lang: str):
    """A word given as (bokmål, nynorsk, English) in the message's language; anything else as it is."""
    if isinstance(words, tuple) and len(words) == 3:
        return words[0] if lang == "nb" else words[1] if lang == "nn" else words[2]
    return words


def json_kind(value) -> tuple[str, str, str]:
    """What a JSON value is, in words (nb, nn, en): for a message that says what was found instead."""
    if value is None:
        return ("null", "null", "null")
    if isinstance(value, bool):
        return ("en sannhetsverdi", "ein sanningsverdi", "a boolean")
    if isinstance(value, (int, float)):
        return ("et tall", "eit tal", "a number")
    if isinstance(value, str):
        return ("en tekst", "ein tekst", "a string")
    if isinstance(value, list):
        return ("en JSON-liste", "ei JSON-liste", "a JSON array")
    return ("et JSON-objekt", "eit JSON-objekt", "a JSON object")


def _load_rules() -> dict[str, Rule]:
    """The rules of ``rules.toml`` (beside this module), in the order they stand there."""
    with RULES_FILE.open("rb") as f:
        table = tomllib.load(f)
    sources = table.pop("sources")

    def source(ref: str) -> str:
        key, hash_, fragment = ref.partition("#")
        return sources[key] + hash_ + fragment

    return {name: Rule(name, r["severity"], source(r["source"]), r["nb"], r["nn"], r["en"]) for name, r in table.items()}


RULES: dict[str, Rule] = _load_rules()

# What each kind of change is called in a message (nb, nn, en), and the register status codes.
CHANGE_WORDS = {
    "Registrering": ("Registreringen", "Registreringa", "registration"),
    "Korrigering": ("Korrigeringen", "Korrigeringa", "correction"),
    "Tilbaketrekking": ("Tilbaketrekkingen", "Tilbaketrekkinga", "withdrawal"),
    "Erstatning": ("Erstatningen", "Erstatninga", "replacement"),
}
STATUS = {0: "gyldig", 1: "annullert", 2: "erstattet"}


def change_word(cls: str, lang: str) -> str:
    return in_language(CHANGE_WORDS.get(cls, (cls, cls, cls)), lang)


def result(rule: str, lang: str, *, focus: str, pointer: str | None = None, value: str | None = None, **words) -> Result:
    """A report result for one of the rules above."""
    r = RULES[rule]
    return Result(
        severity=r.severity,
        message=r.message(lang, **words),
        focus_node=mask_identity_numbers(focus),
        value=None if value is None else mask_identity_numbers(str(value)),
        constraint=f"samtbu:{rule}",
        pointer=pointer,
    )


__all__ = ["RULES", "Rule", "result", "change_word", "in_language", "json_kind", "STATUS", "CLOUDEVENTS", "PROV_CONSTRAINTS"]
