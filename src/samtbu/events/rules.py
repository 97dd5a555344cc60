"""The rules for an event and for a change in the history of a result, with their messages in
bokmål, nynorsk and English, severities and sources.

The rules are model data, ``shapes/verktoey/hendelser.ttl`` beside the toolkit's other rules, read by
``Model.event_rules``. Two kinds of rule live there, the ones SHACL cannot state: the CloudEvents
envelope of an event (its attributes, and that it agrees with its data), and the rules that need the
history of the result
(a correction refers to a registered result that is still in force, the changes of one result come
in time order, an event is not delivered twice with different content). The change itself and the
result it carries are checked by SHACL, with the profile «resultatendring» and the result's own
profile (see ``check.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from samtbu.model import TEMPLATE_VARIABLE, Model, ToolkitRule
from samtbu.validate.report import Result, mask_identity_numbers

CLOUDEVENTS = "https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/spec.md"
PROV_CONSTRAINTS = "https://www.w3.org/TR/prov-constraints/"


@dataclass(frozen=True)
class Rule:
    """An event rule as the checks use it: its templates in Python's format form ({name})."""

    name: str
    severity: str
    source: str
    nb: str
    nn: str
    en: str

    @classmethod
    def of(cls, rule: ToolkitRule) -> Rule:
        """The rule as the model states it (its message templates are SHACL-SPARQL's, {?name})."""
        texts = [TEMPLATE_VARIABLE.sub(r"{\1}", rule.messages[lang]) for lang in ("nb", "nn", "en")]
        # InternalError (the toolkit's own failure) cites no source: it is not a rule of the data.
        return cls(rule.name, rule.severity, str(rule.sources[0]) if rule.sources else "", *texts)

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
    """The event rules of the model: those of one event first (the envelope), then those of the
    history of a result, each by name."""
    rules = Model.load().event_rules.values()
    return {rule.name: Rule.of(rule) for rule in sorted(rules, key=lambda r: (r.kind != "structure", r.name))}


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
