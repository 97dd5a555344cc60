"""The rules for an event and for a change in the history of a result, with their messages in
bokmål, nynorsk and English, severities and sources.

Two kinds of rule live here, the ones SHACL cannot state: the CloudEvents envelope of an event (its
attributes, and that it agrees with its data), and the rules that need the history of the result
(a correction refers to a registered result that is still in force, the changes of one result come
in time order, an event is not delivered twice with different content). The change itself and the
result it carries are checked by SHACL, with the profile «resultatendring» and the result's own
profile (see ``check.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from samtbu.validate.report import Result, mask_identity_numbers

CLOUDEVENTS = "https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/spec.md"
CLOUDEVENTS_JSON = "https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/formats/json-format.md"
PROV_CONSTRAINTS = "https://www.w3.org/TR/prov-constraints/"
GDPR = "http://data.europa.eu/eli/reg/2016/679/oj"
MODEL = "https://w3id.org/samt-bu/modell"


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


RULES: dict[str, Rule] = {r.name: r for r in (
    # -- the envelope: CloudEvents 1.0 in the JSON event format ----------------------------------
    Rule("EventNotJson", "Violation", CLOUDEVENTS_JSON,
         "Linjen er ikke et JSON-objekt: {problem}.",
         "Linja er ikkje eit JSON-objekt: {problem}.",
         "The line is not a JSON object: {problem}."),
    Rule("EventMissingAttribute", "Violation", CLOUDEVENTS,
         "Hendelsen mangler attributtet «{attribute}», som CloudEvents 1.0 krever.",
         "Hendinga manglar attributtet «{attribute}», som CloudEvents 1.0 krev.",
         "The event has no attribute '{attribute}', which CloudEvents 1.0 requires."),
    Rule("EventAttributeValue", "Violation", CLOUDEVENTS,
         "Attributtet «{attribute}» må være {expected}.",
         "Attributtet «{attribute}» må vere {expected}.",
         "The attribute '{attribute}' must be {expected}."),
    Rule("EventAttributeName", "Violation", CLOUDEVENTS,
         "«{attribute}» er ikke et gyldig navn på et CloudEvents-attributt (bare små bokstaver a–z og sifre).",
         "«{attribute}» er ikkje eit gyldig namn på eit CloudEvents-attributt (berre små bokstavar a–z og siffer).",
         "'{attribute}' is not a valid CloudEvents attribute name (lower-case letters a–z and digits only)."),
    # The type says what occurred (CloudEvents § type: its values are the producer's); this flow has the
    # four in cloudevents.TYPES, and an event of a type the register does not know cannot be applied.
    Rule("EventType", "Violation", CLOUDEVENTS + "#type",
         "Hendelsestypen «{type}» er ikke en av samtbu-typene ({types}).",
         "Hendingstypen «{type}» er ikkje ein av samtbu-typane ({types}).",
         "The event type '{type}' is not one of the samtbu types ({types})."),
    Rule("EventData", "Violation", CLOUDEVENTS_JSON,
         "Hendelsen må ha data som et JSON-objekt (en samtbu-nyttelast), ikke {found}.",
         "Hendinga må ha data som eit JSON-objekt (ei samtbu-nyttelast), ikkje {found}.",
         "The event must carry data as a JSON object (a samtbu payload), not {found}."),
    Rule("EventTypeMismatch", "Violation", CLOUDEVENTS + "#type",
         "Hendelsestypen «{type}» svarer til en {expected}, men data er en {found}.",
         "Hendingstypen «{type}» svarar til ei {expected}, men data er ei {found}.",
         "The event type '{type}' means a {expected}, but the data is a {found}."),
    Rule("EventSubject", "Violation", CLOUDEVENTS,
         "Attributtet «subject» ({subject}) må være IRI-en til resultatet endringen gjelder ({result}).",
         "Attributtet «subject» ({subject}) må vere IRI-en til resultatet endringa gjeld ({result}).",
         "The attribute 'subject' ({subject}) must be the IRI of the result the change concerns ({result})."),
    Rule("EventTime", "Violation", CLOUDEVENTS,
         "Attributtet «time» ({time}) må være samme tidspunkt som endringstidspunktet i data ({data_time}).",
         "Attributtet «time» ({time}) må vere same tidspunkt som endringstidspunktet i data ({data_time}).",
         "The attribute 'time' ({time}) must be the same instant as the time of change in the data ({data_time})."),
    Rule("EventNoProfile", "Warning", MODEL,
         "Det finnes ingen valideringsprofil for et enkeltstående resultat av klassen {cls}; bare selve endringen er validert.",
         "Det finst inga valideringsprofil for eit enkeltståande resultat av klassen {cls}; berre sjølve endringa er validert.",
         "There is no validation profile for a single result of the class {cls}; only the change itself was validated."),
    # -- the history of a result -----------------------------------------------------------------
    Rule("EventDuplicate", "Warning", CLOUDEVENTS,
         "Hendelsen med kilde {source} og id {id} er levert før (linje {line}) med samme innhold; den er ikke tatt med en gang til.",
         "Hendinga med kjelde {source} og id {id} er levert før (linje {line}) med same innhald; ho er ikkje teken med ein gong til.",
         "The event with source {source} and id {id} was delivered before (line {line}) with the same content; it is not applied again."),
    Rule("EventIdReused", "Violation", CLOUDEVENTS,
         "Kilde {source} og id {id} er brukt før (linje {line}) for en annen hendelse; kilde og id skal være unike for hver hendelse.",
         "Kjelde {source} og id {id} er brukt før (linje {line}) for ei anna hending; kjelde og id skal vere unike for kvar hending.",
         "Source {source} and id {id} were used before (line {line}) for another event; source and id must be unique for each event."),
    Rule("ResultAlreadyRegistered", "Violation", PROV_CONSTRAINTS,
         "Resultatet {result} er allerede registrert (linje {line}); en endring av det sendes som korrigering.",
         "Resultatet {result} er alt registrert (linje {line}); ei endring av det blir send som korrigering.",
         "The result {result} is already registered (line {line}); a change to it is sent as a correction."),
    Rule("ResultUnknown", "Violation", PROV_CONSTRAINTS,
         "{change} viser til resultatet {result}, som ikke er registrert.",
         "{change} viser til resultatet {result}, som ikkje er registrert.",
         "The {change} refers to the result {result}, which is not registered."),
    Rule("ResultNotInForce", "Violation", PROV_CONSTRAINTS,
         "{change} viser til resultatet {result}, som ikke lenger gjelder (status {status}, linje {line}).",
         "{change} viser til resultatet {result}, som ikkje lenger gjeld (status {status}, linje {line}).",
         "The {change} refers to the result {result}, which is no longer in force (status {status}, line {line})."),
    Rule("ResultOutOfOrder", "Violation", PROV_CONSTRAINTS,
         "Endringen av {result} er tidfestet {time}, før den forrige endringen av resultatet ({previous}, linje {line}); endringene av ett resultat må komme i tidsrekkefølge.",
         "Endringa av {result} er tidfesta {time}, før den førre endringa av resultatet ({previous}, linje {line}); endringane av eitt resultat må kome i tidsrekkjefølgje.",
         "The change of {result} is timed {time}, before the previous change of the result ({previous}, line {line}); the changes of one result must come in time order."),
    Rule("ResultLearnerChanged", "Warning", GDPR,
         "{change} gjør at resultatet {result} gjelder en annen lærende enn før; trekk det tilbake og registrer det på nytt i stedet, så historikken ikke blander to personer.",
         "{change} gjer at resultatet {result} gjeld ein annan lærande enn før; trekk det tilbake og registrer det på nytt i staden, så historikken ikkje blandar to personar.",
         "The {change} makes the result {result} concern another learner than before; withdraw it and register it anew instead, so that the history does not mix two persons."),
)}

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
