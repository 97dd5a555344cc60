"""The credential endpoints of ``samtbu serve``: ``POST /v1/verify`` always, ``POST /v1/sign`` only when
the service is started with a key (``--key``). Same limits, worker threads and RFC 9457 problem
documents as ``/v1/validate`` (``samtbu.service``).

- ``/v1/verify``: the body is a signed credential (JSON), or, as in the W3C VC API, an object
  ``{"verifiableCredential": {...}, "options": {"at": "...", "skipStatus": false}}``. The answer is the
  verification (``valid``, ``reason``, ``message``, every check); the header ``X-Samtbu-Valid`` says
  ``true`` or ``false``. The trust list and the status lists are the service's (``--trust-list``,
  ``--status-list``; a status list file is read again when it changes).
- ``/v1/sign``: the body is a payload as for ``/v1/validate``; a payload that does not validate is
  refused (422, with the validation report in the problem document). The key never leaves the
  process and is never logged.
"""


import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from samtbu.errors import SamtbuError

CREDENTIAL_MEDIA_TYPE = "application/ld+json"


@dataclass
class CredentialConfig:
    key: Any = None  # SigningKey, or None: no /v1/sign
    trust: Any = None  # TrustList
    status_list_files: list[Path] = field(default_factory=list)
    contexts: Any = None  # ContextSet
    form: str = "ob3"
    _lists: dict = field(default_factory=dict, repr=False)  # path -> (mtime, document)

    @classmethod
    def from_files(cls, *, key: Path | None = None, trust_list: Path | None = None, status_lists: list[Path] | None = None,
                   contexts: list[Path] | None = None, form: str = "ob3") -> "CredentialConfig":
        from samtbu.credential.contexts import load_contexts
        from samtbu.credential.keys import read_private_key
        from samtbu.credential.trust import read_trust_list

        config = cls(read_private_key(key) if key else None, read_trust_list(trust_list) if trust_list else None,
                     list(status_lists or []), load_contexts(list(contexts or [])), form)
        config.status_lists()  # unreadable files are reported at start, not at the first request
        return config

    def context_set(self):
        if self.contexts is None:
            from samtbu.credential.contexts import load_contexts

            self.contexts = load_contexts()
        return self.contexts

    def status_lists(self) -> list[dict]:
        lists = []
        for path in self.status_list_files:
            try:
                mtime = path.stat().st_mtime_ns
                cached = self._lists.get(path)
                if cached is None or cached[0] != mtime:
                    cached = (mtime, json.loads(path.read_text(encoding="utf-8")))
                    self._lists[path] = cached
            except (OSError, ValueError) as exc:
                raise SamtbuError(f"cannot read the status list: {exc}", where=str(path)) from None
            lists.append(cached[1])
        return lists


def add_credential_routes(app, validator, problem_doc, config: CredentialConfig | None) -> None:
    from fastapi import Query, Request
    from fastapi.responses import JSONResponse, Response

    from samtbu.credential.canonical import CanonicalizationError
    from samtbu.credential.contexts import ContextError
    from samtbu.credential.verify import parse_time, verify_credential
    from samtbu.service import INPUT_MEDIA_TYPES, Problem, check_json, input_format, media_type, read_body

    config = config or CredentialConfig()

    def refusals(unreadable: str, media: str, unprocessable: str) -> dict:
        """The problem documents both endpoints answer with, as /v1/validate does."""
        return {"400": problem_doc(unreadable), "413": problem_doc("The body is larger than the limit."),
                "415": problem_doc(media), "422": problem_doc(unprocessable),
                "503": problem_doc("Too busy; retry after the Retry-After seconds.")}

    def refused(exc: Exception) -> Problem:
        if isinstance(exc, ContextError):
            return Problem(422, "context-unavailable", "JSON-LD context not available", exc.message)
        if isinstance(exc, CanonicalizationError):
            return Problem(422, "canonicalization-refused", "Cannot be canonicalized", exc.message)
        return Problem(400, "unreadable-credential", "Unreadable credential", getattr(exc, "message", str(exc)))

    def run_verify(credential: dict, at, skip_status: bool, started):
        started.append(0)
        return verify_credential(credential, config.context_set(), trust=config.trust, status_lists=config.status_lists(),
                                 at=at, check_status=not skip_status)

    verify_openapi = {
        "requestBody": {
            "required": True,
            "description": ("A signed credential, or `{\"verifiableCredential\": …, \"options\": {\"at\": …, \"skipStatus\": …}}` "
                            "as in the W3C VC API."),
            "content": {"application/json": {"schema": {"type": "object"}}, "application/ld+json": {"schema": {"type": "object"}}},
        },
        "responses": {
            "200": {"description": "The verification: `valid`, `reason` (tampered, unknown-issuer, expired, revoked, …), "
                                   "`message` and each check. Header X-Samtbu-Valid.",
                    "content": {"application/json": {"schema": {"type": "object", "required": ["valid", "reason", "checks"],
                                                                "properties": {"valid": {"type": "boolean"},
                                                                               "reason": {"type": ["string", "null"]},
                                                                               "message": {"type": "string"},
                                                                               "checks": {"type": "array"}}}}}},
            **refusals("The body is not a JSON object, or not a credential.", "The Content-Type is not JSON.",
                       "Nested too deeply, a context that is not available locally, a document that cannot be "
                       "canonicalized safely, or verification took too long."),
        },
    }

    @app.post("/v1/verify", tags=["credentials"], summary="Verify a signed credential (eddsa-rdfc-2022), offline",
              openapi_extra=verify_openapi, response_class=Response)
    async def verify_endpoint(request: Request):
        v = validator()
        if media_type(request.headers.get("content-type")) not in ("application/json", "application/ld+json"):
            raise Problem(415, "unsupported-media-type", "Unsupported media type", "send the credential as application/json or application/ld+json")
        raw = await read_body(request, v.limits)
        body = check_json(raw, v.limits)
        options: dict = {}
        if isinstance(body, dict) and "verifiableCredential" in body:
            options = body.get("options") or {}
            body = body["verifiableCredential"]
        if not isinstance(body, dict) or not isinstance(options, dict):
            raise Problem(400, "unreadable-credential", "Unreadable credential", "the credential must be a JSON object")
        at = None
        if options.get("at") is not None:
            at = parse_time(options["at"])
            if at is None:
                raise Problem(422, "invalid-parameter", "Invalid request parameter", "options.at is not a date and time")
        try:
            result = await v.call(run_verify, body, at, bool(options.get("skipStatus")), what="verification")
        except SamtbuError as exc:
            raise refused(exc) from None
        document = result.as_dict()
        if options.get("skipStatus"):
            document["warnings"].append("the status was not checked (skipStatus)")
        return JSONResponse(document, headers={"X-Samtbu-Valid": "true" if result.valid else "false"})

    if config.key is None:
        return

    from samtbu.credential.issue import NotSignableError, sign_credential, unsigned_credential

    def run_sign(data, source_format: str, profile: str | None, form: str, started):
        started.append(0)
        unsigned = unsigned_credential(data, form=form, source="<request>", model=v_model(), profile=profile,
                                       format=source_format)
        signed, _ = sign_credential(unsigned.document, config.key, config.context_set())
        return signed

    def v_model():
        return validator().model

    sign_openapi = {
        "requestBody": {
            "required": True,
            "description": "The payload, as for /v1/validate: plain JSON, JSON-LD, Turtle or N-Triples.",
            "content": {mt: {"schema": {"type": "object" if "json" in mt else "string"}} for mt in INPUT_MEDIA_TYPES},
        },
        "responses": {
            "200": {"description": "The signed credential (W3C VC 2.0 with a DataIntegrityProof, eddsa-rdfc-2022).",
                    "content": {CREDENTIAL_MEDIA_TYPE: {"schema": {"type": "object"}}}},
            **refusals("The payload cannot be read.", "Unsupported Content-Type.",
                       "The payload does not validate (the report is in the problem document's `report`), is no "
                       "document that can be issued, or signing took too long."),
        },
    }

    @app.post("/v1/sign", tags=["credentials"], summary="Validate a payload and issue it as a signed credential",
              openapi_extra=sign_openapi, response_class=Response)
    async def sign_endpoint(request: Request, profile: str | None = Query(None, max_length=100, description="validation profile (default: detected)")):
        from samtbu.validate import InputError, ProfileError

        v = validator()
        source_format = input_format(request.headers.get("content-type"))
        raw = await read_body(request, v.limits)
        if not raw.strip():
            raise Problem(400, "unreadable-payload", "Unreadable payload", "the body is empty")
        data: Any = check_json(raw, v.limits) if source_format in ("json", "jsonld") else raw
        try:
            signed = await v.call(run_sign, data, source_format, profile, config.form, what="signing")
        except NotSignableError as exc:
            report = json.loads(exc.report.render("json")) if exc.report is not None else None
            raise Problem(422, "not-signable", "Not signed", exc.message, **({"report": report} if report else {})) from None
        except InputError as exc:
            raise Problem(400, "unreadable-payload", "Unreadable payload", exc.message) from None
        except ProfileError as exc:
            raise Problem(422, "profile-not-detected", "Profile not detected", exc.message) from None
        except SamtbuError as exc:
            raise refused(exc) from None
        return Response(json.dumps(signed, ensure_ascii=False, indent=2), media_type=CREDENTIAL_MEDIA_TYPE)


__all__ = ["add_credential_routes", "CredentialConfig"]
