"""`samtbu serve`: the validation pipeline over HTTP (FastAPI), with an OpenAPI description.

- ``POST /v1/validate?profile=&lang=&report=``: a payload in the body (JSON, JSON-LD, Turtle or
  N-Triples, by ``Content-Type``), the report back in the format asked for by ``?report=`` or
  ``Accept`` (JSON, SHACL report as JSON-LD or Turtle, SARIF, JUnit, text).
- ``GET /v1/profiles``: the validation profiles of the bundled model, with IRI, version and title.
- ``GET /context``: the whole JSON-LD context of the model (what plain JSON is read with);
  ``GET /context/{version}``: the released context of a version; ``GET /context/{version}/{module}``:
  an extension context with the terms a module added after the release.
- ``GET /schema/{version}/{profile}.json``: a profile's JSON Schema, when the toolkit has the
  JSON Schema generator (``samtbu.generate.jsonschema``).
- ``GET /healthz`` (the process answers), ``GET /readyz`` (the model is loaded and warmed up).

The model is loaded and prepared once, in the lifespan; a request only reads, checks and validates
its own payload. Validation is CPU-bound and runs in a small dedicated thread pool, so the event
loop keeps answering health checks and refusals while validations run.

Every limit is a 4xx answer with an RFC 9457 problem body (``application/problem+json``) that names
the limit: body size (413), nesting depth (422), number of records (422), validation time (422; 503
with ``Retry-After`` when the service is too busy to take the validation on in time, decided on
arrival before the body is read: see ``Validator.refusal``), media type (415),
unacceptable report format (406), unknown profile or version (404), unreadable payload (400) and a
payload whose profile cannot be told (422).

Nothing is fetched: the pipeline resolves only the bundled context and refuses any other remote
context, and the service itself makes no outbound connection. The request log carries method, path,
status, duration and sizes only, never payload content or query strings, and identity numbers in a
path are masked.
"""


import argparse
import asyncio
import concurrent.futures
import contextlib
import json
import logging
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from samtbu import MODEL_VERSION
from samtbu.errors import SamtbuError
from samtbu.model import Model, ModelError
from samtbu.namespaces import BASE_IRI

log = logging.getLogger("samtbu.service")

PROBLEM_BASE = BASE_IRI + "problem/"
PROBLEM_MEDIA_TYPE = "application/problem+json"

# Content-Type of the request body -> input format of the pipeline.
INPUT_MEDIA_TYPES = {
    "application/json": "json",
    "application/ld+json": "jsonld",
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/n-triples": "ntriples",
}
# Report format -> media type of the response.
REPORT_MEDIA_TYPES = {
    "json": "application/json",
    "shacl-jsonld": "application/ld+json",
    "shacl-turtle": "text/turtle",
    "sarif": "application/sarif+json",
    "junit": "application/xml",
    "text": "text/plain",
}
# Accept media type -> report format (first match by quality wins).
ACCEPT_REPORT = {
    "application/json": "json",
    "application/ld+json": "shacl-jsonld",
    "text/turtle": "shacl-turtle",
    "application/sarif+json": "sarif",
    "application/junit+xml": "junit",
    "application/xml": "junit",
    "text/xml": "junit",
    "text/plain": "text",
}
LANGS = ("nb", "nn", "en")
VALIDATE_PATH = "/v1/validate"
# Connections waiting in the kernel to be accepted, beyond which new validations are refused on arrival:
# the event loop is behind with accepting (the requests on them wait unseen), so its CPU goes to
# accepting and refusing rather than to validating until it has caught up.
ACCEPT_QUEUE_LIMIT = 8
SWITCH_INTERVAL = 0.001  # seconds: how soon a thread waiting for the GIL gets it (Python's default 0.005)
Lang = Literal["nb", "nn", "en"]
ReportFormat = Literal["json", "shacl-jsonld", "shacl-turtle", "sarif", "junit", "text"]


@dataclass(frozen=True)
class Limits:
    """What one request may cost. Each can be set by a ``SAMTBU_*`` environment variable or a
    ``samtbu serve`` option."""

    max_bytes: int = 2 * 1024 * 1024  # request body
    max_depth: int = 32  # JSON nesting
    max_records: int = 100  # root records in one payload
    timeout: float = 30.0  # seconds a validation may take, once started
    workers: int = 2  # validations running at the same time
    queue: int = 32  # validations waiting for a worker; beyond that: 503 at once
    queue_wait: float = 0.5  # seconds a validation may wait for a worker; longer: 503 instead of starting late
    admit_wait: float = 0.04  # seconds the oldest queued validation may have waited; longer: new ones get 503 on arrival
    processes: int = 0  # worker processes of `samtbu serve`, each with `workers` threads (0: one per CPU)
    read_timeout: float = 10.0  # seconds to receive the whole request body; slower or stalled: 408

    @classmethod
    def from_env(cls, **overrides: Any) -> "Limits":
        names = {
            "max_bytes": ("SAMTBU_MAX_BYTES", int),
            "max_depth": ("SAMTBU_MAX_DEPTH", int),
            "max_records": ("SAMTBU_MAX_RECORDS", int),
            "timeout": ("SAMTBU_TIMEOUT", float),
            "workers": ("SAMTBU_WORKERS", int),
            "queue": ("SAMTBU_QUEUE", int),
            "queue_wait": ("SAMTBU_QUEUE_WAIT", float),
            "admit_wait": ("SAMTBU_ADMIT_WAIT", float),
            "processes": ("SAMTBU_PROCESSES", int),
            "read_timeout": ("SAMTBU_READ_TIMEOUT", float),
        }
        values: dict[str, Any] = {}
        for name, (env, kind) in names.items():
            if os.environ.get(env):
                values[name] = kind(os.environ[env])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


class Problem(Exception):
    """A refusal: becomes an RFC 9457 problem document with the given status."""

    def __init__(self, status: int, slug: str, title: str, detail: str, headers: dict[str, str] | None = None, **extra: Any):
        super().__init__(detail)
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra

    def body(self, instance: str | None = None) -> dict:
        from samtbu.validate.report import mask_identity_numbers

        body = {
            "type": PROBLEM_BASE + self.slug,
            "title": self.title,
            "status": self.status,
            "detail": mask_identity_numbers(self.detail),
            **self.extra,
        }
        if instance:
            body["instance"] = mask_identity_numbers(instance)
        return body


# -- engine warm-up -------------------------------------------------------------------------------


def warm_up(model: Model, grep=None) -> None:
    """Prepare the engine: class hierarchy, JSON-LD context, each profile compiled with its SPARQL
    constraints (with the Grep shapes when a snapshot is in use)."""
    from rdflib import RDF, BNode, Graph

    from samtbu.jsonld import bundled_context
    from samtbu.validate import validate_payload
    from samtbu.validate.engine import class_hierarchy
    from samtbu.validate.input import Payload

    class_hierarchy(model)
    bundled_context(model)
    for profile in model.profiles.values():
        graph = Graph()
        for cls in profile.root_classes:
            graph.add((BNode(), RDF.type, cls))
        if len(graph):
            validate_payload(Payload("<warm-up>", "rdf", graph), profile.name, model=model, grep=grep)
    # The examples reach the deeper shapes (nested nodes) that a bare root node does not.
    for path in model.example_files(".json"):
        with contextlib.suppress(SamtbuError, ModelError):
            from samtbu.validate import read_payload

            validate_payload(read_payload(path, model=model), None, model=model, grep=grep)


# -- reading a request ----------------------------------------------------------------------------


def media_type(header: str | None) -> str:
    return (header or "").split(";", 1)[0].strip().lower()


def input_format(content_type: str | None) -> str:
    kind = media_type(content_type)
    if kind in INPUT_MEDIA_TYPES:
        return INPUT_MEDIA_TYPES[kind]
    supported = ", ".join(sorted(INPUT_MEDIA_TYPES))
    if not kind:
        raise Problem(415, "unsupported-media-type", "Unsupported Media Type", f"the request has no Content-Type; send one of: {supported}")
    raise Problem(415, "unsupported-media-type", "Unsupported Media Type", f"Content-Type {kind!r} is not supported; send one of: {supported}")


def report_format(report: str | None, accept: str | None) -> str:
    """``?report=`` wins; otherwise the best match in ``Accept``; JSON when anything goes."""
    if report:
        return report
    if not accept or not accept.strip():
        return "json"
    choices = []
    for position, item in enumerate(accept.split(",")):
        parts = [p.strip() for p in item.split(";")]
        kind, quality = parts[0].lower(), 1.0
        for param in parts[1:]:
            if param.lower().startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        if quality > 0:
            choices.append((-quality, position, kind))
    for _, _, kind in sorted(choices):
        if kind in ACCEPT_REPORT:
            return ACCEPT_REPORT[kind]
        if kind in ("*/*", "application/*"):
            return "json"
        if kind == "text/*":
            return "text"
    offered = ", ".join(sorted(ACCEPT_REPORT))
    raise Problem(406, "not-acceptable", "Not Acceptable", f"no report format matches Accept {accept!r}; accepted: {offered} (or ?report=)")


def check_json(raw: bytes, limits: Limits) -> Any:
    """Decode and parse a JSON body, and check nesting depth and record count before any JSON-LD work."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Problem(400, "unreadable-payload", "Unreadable payload", f"the body is not UTF-8 (byte {exc.start})") from None

    def refuse(name: str):
        raise ValueError(f"{name} is not valid JSON")

    try:
        document = json.loads(text, parse_constant=refuse)
    except json.JSONDecodeError as exc:
        raise Problem(400, "unreadable-payload", "Unreadable payload", f"malformed JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise Problem(422, "nesting-too-deep", "Payload nested too deeply", f"the JSON is nested deeper than the limit of {limits.max_depth} levels", limit=limits.max_depth) from None
    except ValueError as exc:
        raise Problem(400, "unreadable-payload", "Unreadable payload", f"malformed JSON: {exc}") from None
    if not isinstance(document, (dict, list)) or not document:
        raise Problem(400, "unreadable-payload", "Unreadable payload", "the JSON payload must be a non-empty object or array")
    depth = json_depth(document)
    if depth > limits.max_depth:
        raise Problem(422, "nesting-too-deep", "Payload nested too deeply", f"the JSON is nested {depth} levels deep, over the limit of {limits.max_depth}", limit=limits.max_depth)
    count = json_records(document)
    if count > limits.max_records:
        raise too_many_records(count, limits)
    return document


def json_depth(document: Any) -> int:
    deepest, stack = 0, [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            deepest = max(deepest, depth)
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            deepest = max(deepest, depth)
            stack.extend((v, depth + 1) for v in value)
    return deepest


def json_records(document: Any) -> int:
    """Records in a JSON payload: the items of a top-level array or ``@graph``, else one."""
    if isinstance(document, list):
        return len(document)
    if isinstance(document, dict) and isinstance(document.get("@graph"), list):
        return len(document["@graph"])
    return 1


def payload_records(payload) -> int:
    """Records in a payload: typed nodes that nothing in the payload points to."""
    triples = getattr(payload, "triples", None)
    if triples is None:
        triples = list(payload.graph)
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    objects = {o for _s, _p, o in triples}
    return len({s for s, p, _o in triples if str(p) == rdf_type and s not in objects})


def too_many_records(count: int, limits: Limits) -> Problem:
    return Problem(
        422, "too-many-records", "Too many records",
        f"the payload holds {count} records, over the limit of {limits.max_records} per request; send them in smaller batches",
        limit=limits.max_records,
    )


def too_busy(what: str, queue_wait: float) -> Problem:
    return Problem(503, "busy", "Service busy", f"the service is too busy to start the {what} in time; try again shortly",
                   headers={"Retry-After": "1"}, limit=queue_wait)


# -- the validation worker ------------------------------------------------------------------------


@dataclass
class Validator:
    """The loaded model, the limits, and the threads validations run in."""

    model: Model
    limits: Limits
    grep: Any = None  # a Grep snapshot (samtbu.grep.Snapshot) or None
    executor: concurrent.futures.ThreadPoolExecutor = field(init=False)
    waiting: int = 0
    admitted: int = 0  # validation requests past the admission gate and not yet answered
    pending: dict = field(default_factory=dict)  # call -> (submitted, started): in submission order
    ready: bool = False
    lag: float = 0.0  # how late the event loop last ran a timer: above the queue wait, new validations get 503
    listener: Any = None  # the listening socket, when known: its accept queue is watched
    accept_queue: int = 0  # connections the kernel holds for ``listener`` that no worker process has accepted yet
    accept_seen: int = 0  # the last reading of it
    watcher: Any = None  # the task that keeps ``lag`` current

    def behind(self) -> bool:
        """The event loop runs late by more than the queue wait: the requests it has not yet read will
        have waited longer than that by the time a worker could take them. (A fifth of the queue wait
        was tried: on a machine shared with other work it refused requests the service could still
        answer in time.)"""
        return self.lag > self.limits.queue_wait

    def queue_age(self) -> float:
        """How long the oldest validation that has not started yet has waited for a worker thread
        (the threads take them in order; ``pending`` is changed by the event loop only)."""
        for submitted, started in self.pending.values():
            if not started:
                return time.monotonic() - submitted
        return 0.0

    def refusal(self) -> float | None:
        """Admission control on arrival, before the body is read: the limit a new validation request
        would exceed (its value goes into the 503), else None. Refused: while the event loop lags past
        the queue wait; while as many requests are admitted as the workers and the queue hold; while
        the oldest queued validation has waited longer than the admission wait (a new one would wait
        longer still); while more than ``ACCEPT_QUEUE_LIMIT`` connections wait in the kernel to be
        accepted (requests wait there unseen: the process's CPU goes to accepting and refusing until
        it has caught up). Refusing then costs a fraction of a millisecond, so the service keeps its
        rate and the latency of what it accepts, and the client hears at once to come back later."""
        limits = self.limits
        if self.behind():
            return limits.queue_wait
        if (self.admitted >= limits.workers + limits.queue or self.queue_age() > limits.admit_wait
                or self.accept_queue > ACCEPT_QUEUE_LIMIT):
            return limits.admit_wait
        return None

    async def watch_lag(self, every: float = 0.01) -> None:
        """Keep ``lag`` current. A loop that runs its timers late is behind with its requests too (they
        wait before the worker threads see them): refusing new ones at once lets it catch up."""
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(every)
            self.lag = loop.time() - before - every
            if self.listener is not None:  # the smaller of two readings: a burst of new clients is not a backlog
                waiting = accept_queue_length(self.listener)
                self.accept_queue, self.accept_seen = min(waiting, self.accept_seen), waiting

    def __post_init__(self) -> None:
        self.executor = concurrent.futures.ThreadPoolExecutor(max_workers=self.limits.workers, thread_name_prefix="samtbu-validate")

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)

    def _run(self, data: Any, fmt: str, profile: str | None, lang: str, shacl: bool, started: list[float]):
        from samtbu.validate import Report, read_any, validate_payload

        started.append(time.monotonic())
        # The body size was checked before reading; read_any gives the fast engine's light triples.
        payload = read_any(data, format=fmt, source="<request>", model=self.model)
        count = payload_records(payload)
        if count > self.limits.max_records:
            raise too_many_records(count, self.limits)
        # The SHACL report graph only for the formats that print it: building one for every request cost
        # a fifth of a small payload's validation.
        record = validate_payload(payload, profile, lang=lang, model=self.model, grep=self.grep, keep_shacl_report=shacl)
        return Report([record], lang=lang)

    async def validate(self, data: Any, fmt: str, profile: str | None, lang: str, report: str = "shacl-turtle"):
        """The report of a payload, with its SHACL report graph when ``report`` is a SHACL format."""
        from samtbu.validate import InputError, ProfileError

        try:
            return await self.call(self._run, data, fmt, profile, lang, report.startswith("shacl-"), what="validation")
        except InputError as exc:
            raise Problem(400, "unreadable-payload", "Unreadable payload", exc.message) from None
        except ProfileError as exc:
            raise Problem(422, "profile-not-detected", "Profile not detected", exc.message.replace("--profile", "?profile=")) from None

    async def call(self, fn, *args, what: str = "validation"):
        """Run ``fn(*args, started)`` in the worker threads, within the limits: 503 when too many wait
        or it cannot start in time, 422 when it takes longer than the time limit once started."""
        limits = self.limits
        if self.behind():
            raise too_busy(what, limits.queue_wait)
        if self.waiting >= limits.workers + limits.queue:
            raise Problem(503, "busy", "Service busy", f"too many requests are waiting for a {what}; try again shortly", headers={"Retry-After": "5"})
        self.waiting += 1
        started: list[float] = []
        submitted = time.monotonic()
        token = object()
        self.pending[token] = (submitted, started)

        def job():
            # A request that waited longer than the queue wait is refused, not validated late: above
            # capacity the service answers 503 in a fraction of a second instead of queueing for seconds.
            waited = time.monotonic() - submitted
            if waited > limits.queue_wait:
                started.append(0.0)  # out of the queue: no longer the oldest waiting
                raise too_busy(what, limits.queue_wait)
            started.append(waited)  # out of the queue (``fn`` may add its own mark)
            return fn(*args, started)

        future = self.executor.submit(job)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), timeout=limits.timeout)
        except TimeoutError:
            future.cancel()
            if not started:
                raise Problem(503, "busy", "Service busy", f"the {what} could not start within {limits.timeout:g} s; try again shortly", headers={"Retry-After": "5"}) from None
            raise Problem(
                422, f"{what}-timeout", f"{what.capitalize()} took too long",
                f"the {what} of this payload took longer than the limit of {limits.timeout:g} s; send fewer or smaller records",
                limit=limits.timeout,
            ) from None
        except RecursionError:
            raise Problem(422, "nesting-too-deep", "Payload nested too deeply", "the payload is nested too deeply to be read") from None
        finally:
            self.waiting -= 1
            self.pending.pop(token, None)


def accept_queue_length(listener) -> int:
    """Connections the kernel has completed for a listening TCP socket that are not accepted yet (on
    Linux, ``tcpi_unacked`` of a listening socket's ``TCP_INFO``); 0 where that cannot be read."""
    import socket
    import struct

    try:
        info = listener.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 32)
        return struct.unpack_from("=8B5I", info)[12]
    except (AttributeError, OSError, struct.error):
        return 0


# -- the application ------------------------------------------------------------------------------


def _title(model: Model, profile) -> dict[str, str]:
    from rdflib import DCTERMS, RDFS

    titles: dict[str, str] = {}
    for predicate in (DCTERMS.title, RDFS.label):
        for literal in profile.shapes.objects(profile.iri, predicate):
            if getattr(literal, "language", None):
                titles.setdefault(literal.language, str(literal))
    return titles


def _version(profile) -> str:
    from rdflib import OWL

    value = profile.shapes.value(profile.iri, OWL.versionInfo)
    return str(value) if value is not None else MODEL_VERSION


def _schema_builder():
    """The JSON Schema generator: a callable ``(model, profile) -> dict``."""
    from samtbu.generate.jsonschema import build_schema

    return build_schema


PROBLEM_SCHEMA = {
    "type": "object",
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"}, "instance": {"type": "string"},
    },
    "required": ["type", "title", "status"],
}


def problem_doc(text: str) -> dict:
    """The OpenAPI description of a refusal: an RFC 9457 problem document."""
    return {"description": text, "content": {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_SCHEMA}}}


def _any_of(media: dict[str, str]) -> dict:
    """OpenAPI content: each media type with its JSON schema type."""
    return {kind: {"schema": {"type": shape}} for kind, shape in media.items()}


VALIDATE_OPENAPI = {
    "requestBody": {
        "required": True,
        "description": "The payload: plain JSON (the bundled context is applied), JSON-LD, Turtle or N-Triples.",
        "content": _any_of({"application/json": "object", "application/ld+json": "object", "text/turtle": "string",
                            "application/n-triples": "string"}),
    },
    "responses": {
        "200": {
            "description": "The validation report (whether or not the payload conforms; see `conforms` and the header X-Samtbu-Conforms).",
            "content": _any_of({"application/json": "object", "application/ld+json": "object", "text/turtle": "string",
                                "application/sarif+json": "object", "application/xml": "string", "text/plain": "string"}),
        },
        "400": problem_doc("The payload cannot be read (not UTF-8, malformed JSON or Turtle, a remote @context)."),
        "404": problem_doc("Unknown profile or model version."),
        "406": problem_doc("No report format matches the Accept header."),
        "413": problem_doc("The body is larger than the limit."),
        "415": problem_doc("The Content-Type is not one of the supported media types."),
        "422": problem_doc("Nested too deeply, too many records, validation took too long, profile not detected, or an invalid parameter."),
        "503": problem_doc("Too busy to take the validation on in time (refused on arrival, before the body is read); "
                           "retry after the Retry-After seconds."),
    },
}
CONTEXT_OPENAPI = {"responses": {"200": {"description": "The JSON-LD context", "content": _any_of({"application/ld+json": "object"})}}}


def _with_404(doc: dict, text: str) -> dict:
    return {**doc, "responses": {**doc["responses"], "404": problem_doc(text)}}


def create_app(model: Model | None = None, limits: Limits | None = None, *, warm: bool = True, credentials=None, grep=None, listener=None):
    """The FastAPI application. The model is loaded (if not given) and warmed up at start.
    ``credentials``: a ``samtbu.credential.http.CredentialConfig`` for ``/v1/verify`` (and ``/v1/sign``
    when it holds a key); by default the verifier with no trust list and no status lists. ``grep``: a
    Grep snapshot or its path to check codes against (None: none). ``listener``: the listening socket
    it is served on, whose accept queue the admission control watches."""
    from fastapi_offline import FastAPIOffline

    limits = limits or Limits.from_env()
    state: dict[str, Validator] = {}

    # /docs (Swagger UI) and /redoc load their scripts and styles from the installed fastapi-offline
    # package (served under /static-offline-docs), not from a CDN: the service fetches nothing.
    app = FastAPIOffline(
        title="samtbu validation service",
        version=MODEL_VERSION,
        description=(
            "Validates payloads for results from Norwegian upper-secondary education against the SHACL "
            "validation profiles of the samtbu model, and serves the model's JSON-LD context. "
            "Refusals are RFC 9457 problem documents (application/problem+json)."
        ),
        lifespan=_lifespan(state, model, limits, warm, grep, listener),
    )
    app.add_middleware(MaskingMiddleware)
    app.add_middleware(AdmissionGate, state=state)
    app.add_middleware(AccessLogMiddleware)  # outermost: it times and logs every answer, refusals too

    def validator() -> Validator:
        return state["validator"]

    _add_problem_handlers(app)
    _add_validate_route(app, validator)
    _add_model_routes(app, validator)
    _add_credential_routes(app, validator, credentials)
    _add_operations_routes(app, state)
    return app


def _lifespan(state: dict, model: Model | None, limits: Limits, warm: bool, grep, listener):
    """Load (unless given) and warm up the model at start; the validator in ``state`` while serving."""

    @contextlib.asynccontextmanager
    async def lifespan(app):
        loaded = model or await asyncio.to_thread(Model.load)
        from samtbu.grep import resolve_snapshot

        validator = Validator(loaded, limits, resolve_snapshot(grep if grep is not None else False))
        validator.listener = listener
        state["validator"] = validator
        if warm:
            await asyncio.to_thread(warm_up, loaded, validator.grep)
        validator.ready = True
        validator.watcher = asyncio.create_task(validator.watch_lag())
        log.info("ready: model %s, %d profiles, limits %s", loaded.version, len(loaded.profiles), limits)
        try:
            yield
        finally:
            validator.ready = False
            validator.watcher.cancel()
            validator.close()

    return lifespan


def _add_problem_handlers(app) -> None:
    """Every refusal and failure as an RFC 9457 problem document."""
    from fastapi import Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse, Response
    from starlette.exceptions import HTTPException as StarletteHTTPException

    from samtbu.validate.report import mask_identity_numbers

    def problem_response(problem: Problem, request: Request) -> Response:
        return JSONResponse(problem.body(request.url.path), status_code=problem.status, media_type=PROBLEM_MEDIA_TYPE, headers=problem.headers)

    @app.exception_handler(Problem)
    async def on_problem(request: Request, exc: Problem):
        return problem_response(exc, request)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException):
        slug = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
        detail = exc.detail if isinstance(exc.detail, str) else "request refused"
        problem = Problem(exc.status_code, slug, detail, f"{request.method} {request.url.path}: {detail}", headers=getattr(exc, "headers", None) or {})
        return problem_response(problem, request)

    @app.exception_handler(RequestValidationError)
    async def on_parameters(request: Request, exc: RequestValidationError):
        errors = [
            {"where": ".".join(str(p) for p in e.get("loc", ())), "problem": e.get("msg", "")}
            for e in exc.errors()
        ]
        text = "; ".join(f"{e['where']}: {e['problem']}" for e in errors)
        problem = Problem(422, "invalid-parameter", "Invalid request parameter", mask_identity_numbers(text), errors=errors)
        return problem_response(problem, request)

    @app.exception_handler(Exception)
    async def on_error(request: Request, exc: Exception):
        log.error("internal error on %s %s: %s", request.method, mask_identity_numbers(request.url.path), type(exc).__name__)
        problem = Problem(500, "internal-error", "Internal error", "the service failed to answer this request")
        return problem_response(problem, request)


def check_parameters(v: Validator, version: str | None, profile: str | None, lang: str) -> None:
    """The query parameters of ``/v1/validate`` against the served model: 404 or 422 when unknown."""
    if version is not None and version != v.model.version:
        raise Problem(404, "unknown-version", "Unknown model version",
                      f"model version {version!r} is not served here (this service validates {v.model.version})")
    if profile is not None and profile not in v.model.profiles:
        known = ", ".join(sorted(v.model.profiles)) or "none"
        raise Problem(404, "unknown-profile", "Unknown profile", f"unknown profile {profile!r} (known: {known})")
    if lang not in LANGS:
        raise Problem(422, "invalid-parameter", "Invalid request parameter", f"lang must be one of: {', '.join(LANGS)}")


async def read_payload_body(request, limits: Limits, source_format: str) -> Any:
    """The body as the pipeline reads it: JSON checked (depth, records) and parsed, other formats as bytes."""
    raw = await read_body(request, limits)
    if not raw.strip():
        raise Problem(400, "unreadable-payload", "Unreadable payload", "the body is empty")
    if source_format not in ("json", "jsonld"):
        return raw
    data = check_json(raw, limits)
    from samtbu.validate.input import duplicate_keys

    if duplicate_keys(raw.decode("utf-8-sig"), data):
        return raw  # read again by the pipeline, which reports the keys given twice
    return data


def _add_validate_route(app, validator) -> None:
    from fastapi import Query, Request
    from fastapi.responses import Response

    @app.post(VALIDATE_PATH, tags=["validation"], summary="Validate a payload against a profile", openapi_extra=VALIDATE_OPENAPI, response_class=Response)
    async def validate_endpoint(
        request: Request,
        profile: str | None = Query(None, description="validation profile (see /v1/profiles); detected from the payload's root node when left out", max_length=100),
        lang: Lang = Query("nb", description="language of the messages"),
        report: ReportFormat | None = Query(None, description="report format; overrides Accept"),
        version: str | None = Query(None, description=f"model version the payload is for (this service: {MODEL_VERSION})", max_length=40),
    ):
        v = validator()
        check_parameters(v, version, profile, lang)
        fmt = report_format(report, request.headers.get("accept"))
        source_format = input_format(request.headers.get("content-type"))
        data = await read_payload_body(request, v.limits, source_format)
        result = await v.validate(data, source_format, profile, lang, fmt)
        return Response(
            result.render(fmt),
            media_type=REPORT_MEDIA_TYPES[fmt],
            headers={"X-Samtbu-Conforms": "true" if result.conforms else "false", "X-Samtbu-Profile": result.records[0].profile},
        )


def context_response(m: Model, version: str | None, part: str | None = None):
    """``version`` None: the whole context of the current model (what plain JSON is read with);
    a version: its released base context; with ``part``: one of its extension contexts."""
    from fastapi.responses import Response

    from samtbu.generate.context import build_context, context_parts
    from samtbu.jsonld import bundled_context

    if version is not None and version not in (m.version, m.version + ".jsonld"):
        raise Problem(404, "unknown-version", "Unknown model version", f"no JSON-LD context for version {version!r} (served: {m.version})")
    if part is not None:
        part = part.removesuffix(".jsonld")
        if not part or part not in context_parts(m):
            raise Problem(404, "unknown-context", "Unknown extension context",
                          f"no extension context {part!r} for version {m.version} (extensions: {', '.join(p for p in context_parts(m) if p) or 'none'})")
    document = bundled_context(m) if version is None else build_context(m, part or "")
    body = json.dumps(document, ensure_ascii=False, indent=2)
    return Response(body, media_type="application/ld+json", headers={"Cache-Control": "public, max-age=86400"})


def _add_model_routes(app, validator) -> None:
    """What the service tells of its model: profiles, JSON-LD contexts, JSON Schemas."""
    from fastapi.responses import Response

    @app.get("/v1/profiles", tags=["model"], summary="The validation profiles")
    async def profiles() -> dict:
        m = validator().model
        return {
            "version": m.version,
            "versions": [m.version],
            "profiles": [
                {"name": p.name, "iri": str(p.iri), "version": _version(p), "title": _title(m, p)}
                for p in sorted(m.profiles.values(), key=lambda p: p.name)
            ],
        }

    @app.get("/context", tags=["model"], summary="The JSON-LD context of the current model version", response_class=Response, openapi_extra=CONTEXT_OPENAPI)
    async def context_current():
        return context_response(validator().model, None)

    @app.get("/context/{version}", tags=["model"], summary="The JSON-LD context of a model version", response_class=Response,
             openapi_extra=_with_404(CONTEXT_OPENAPI, "Unknown version."))
    async def context_versioned(version: str):
        return context_response(validator().model, version)

    @app.get("/context/{version}/{part}", tags=["model"], summary="An extension context of a model version (terms added after its release)",
             response_class=Response, openapi_extra=_with_404(CONTEXT_OPENAPI, "Unknown version or extension."))
    async def context_extension(version: str, part: str):
        return context_response(validator().model, version, part)

    builder = _schema_builder()
    schema_doc = {"responses": {"200": {"description": "JSON Schema", "content": _any_of({"application/schema+json": "object"})}}}

    @app.get("/schema/{version}/{profile}.json", tags=["model"], summary="The JSON Schema of a profile", response_class=Response,
             openapi_extra=_with_404(schema_doc, "Unknown version or profile."))
    async def schema(version: str, profile: str):
        m = validator().model
        if version != m.version:
            raise Problem(404, "unknown-version", "Unknown model version", f"no JSON Schema for version {version!r} (served: {m.version})")
        if profile not in m.profiles:
            raise Problem(404, "unknown-profile", "Unknown profile", f"unknown profile {profile!r} (known: {', '.join(sorted(m.profiles))})")
        document = await asyncio.to_thread(_cached_schema, builder, m, profile)
        return Response(document, media_type="application/schema+json")


def _add_credential_routes(app, validator, credentials) -> None:
    try:
        from samtbu.credential.http import add_credential_routes

        add_credential_routes(app, validator, problem_doc, credentials)
    except ModuleNotFoundError as exc:  # the sign extra is not installed: no credential endpoints
        if exc.name not in ("cryptography", "base58"):
            raise
        log.info("no /v1/verify: %s is not installed (pip install 'samtbu[sign]')", exc.name)


def _add_operations_routes(app, state: dict) -> None:
    from fastapi.responses import JSONResponse

    @app.get("/healthz", tags=["operations"], summary="Liveness: the process answers")
    async def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"], summary="Readiness: the model is loaded and the engine warmed up",
             responses={503: {"description": "Not ready yet"}})
    async def readyz():
        v = state.get("validator")
        if v is None or not v.ready:
            return JSONResponse({"status": "starting"}, status_code=503)
        ready = {"status": "ready", "version": v.model.version, "profiles": len(v.model.profiles)}
        if v.grep is not None:
            ready["grep"] = {"snapshot_date": v.grep.date, "snapshot_id": v.grep.id}
        return ready


_schema_cache: dict[tuple, str] = {}


def _cached_schema(builder, model: Model, profile: str) -> str:
    key = (str(model.root), profile)
    if key not in _schema_cache:
        _schema_cache[key] = json.dumps(builder(model, profile), ensure_ascii=False, indent=2)
    return _schema_cache[key]


async def read_body(request, limits: Limits) -> bytes:
    """The body, refused with 413 as soon as it is larger than the limit (declared or streamed), and
    with 408 (and the connection closed) when it has not all arrived within the read timeout: a
    client that sends slowly or stops sending holds no worker, memory or connection for long."""
    declared = request.headers.get("content-length")
    too_large = Problem(
        413, "payload-too-large", "Payload too large",
        f"the body is larger than the limit of {limits.max_bytes:,} bytes", limit=limits.max_bytes,
    )
    if declared is not None:
        try:
            if int(declared) > limits.max_bytes:
                raise too_large
        except ValueError:
            raise Problem(400, "unreadable-payload", "Unreadable payload", "the Content-Length header is not a number") from None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limits.read_timeout
    chunks, size = [], 0
    stream = request.stream().__aiter__()
    while True:
        remaining = deadline - loop.time()
        try:
            if remaining <= 0:
                raise TimeoutError
            chunk = await asyncio.wait_for(stream.__anext__(), timeout=remaining)
        except StopAsyncIteration:
            break
        except TimeoutError:
            raise Problem(
                408, "request-timeout", "Request body too slow",
                f"the request body did not arrive within the read timeout of {limits.read_timeout:g} s",
                headers={"Connection": "close"}, limit=limits.read_timeout,
            ) from None
        size += len(chunk)
        if size > limits.max_bytes:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


class HttpMiddleware:
    """Plain ASGI middleware for HTTP requests (``handle``); anything else (the lifespan) passes through.
    Plain ASGI because Starlette's ``@app.middleware("http")`` runs every request in a task group of
    its own, which cost a quarter of a small request's time under load."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope, receive, send):
        raise NotImplementedError


class AdmissionGate(HttpMiddleware):
    """Admission control on arrival: ``POST /v1/validate`` is refused with the 503 problem (and
    ``Retry-After``) before routing, parameter checks or reading the body whenever the validator
    says it would not be served in time (``Validator.refusal``): the refusal costs a tenth of one
    through the application, and counts the requests admitted until they are answered."""

    def __init__(self, app, state: dict):
        super().__init__(app)
        self.state = state
        self.refusals: dict[float, bytes] = {}  # limit -> the problem document, encoded once

    def refused(self, limit: float) -> bytes:
        if limit not in self.refusals:
            problem = too_busy("validation", limit)
            self.refusals[limit] = json.dumps(problem.body(VALIDATE_PATH), ensure_ascii=False).encode()
        return self.refusals[limit]

    async def handle(self, scope, receive, send):
        validator = self.state.get("validator")
        if validator is None or scope["method"] != "POST" or scope["path"] != VALIDATE_PATH:
            await self.app(scope, receive, send)
            return
        limit = validator.refusal()
        if limit is not None:
            body = self.refused(limit)
            await send({"type": "http.response.start", "status": 503, "headers": [
                (b"content-type", PROBLEM_MEDIA_TYPE.encode()), (b"content-length", str(len(body)).encode()), (b"retry-after", b"1")]})
            await send({"type": "http.response.body", "body": body})
            return
        validator.admitted += 1
        try:
            await self.app(scope, receive, send)
        finally:
            validator.admitted -= 1


class AccessLogMiddleware(HttpMiddleware):
    """The request log: method, masked path, status, duration and sizes; never the query string or
    payload."""

    async def handle(self, scope, receive, send):
        start = time.perf_counter()
        status, size = 500, "-"

        async def logged_send(message):
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = message["status"]
                for name, value in message.get("headers", ()):
                    if name.lower() == b"content-length":
                        size = value.decode("latin-1")
            await send(message)

        try:
            await self.app(scope, receive, logged_send)
        finally:
            if log.isEnabledFor(logging.INFO):
                from samtbu.validate.report import mask_identity_numbers

                received = next((v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"content-length"), "-")
                log.info("%s %s %s %.1fms in=%s out=%s", scope["method"], mask_identity_numbers(scope["path"]), status,
                         (time.perf_counter() - start) * 1000, received, size)


class MaskingMiddleware(HttpMiddleware):
    """The HTTP side of the output boundary: every response body has its identity numbers masked
    (``samtbu.output.mask_identity_numbers``), whichever endpoint or error handler made it."""

    async def handle(self, scope, receive, send):
        from samtbu.output import mask_identity_numbers

        start: dict | None = None
        parts: list[bytes] = []

        async def masked_send(message):
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            parts.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = mask_identity_numbers(b"".join(parts).decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body, "more_body": False})

        await self.app(scope, receive, masked_send)


# -- command line ---------------------------------------------------------------------------------


SERVE_HELP = "run the validation service over HTTP"
SERVE_DESCRIPTION = (
    "Run the validation service (HTTP, OpenAPI at /openapi.json, documentation at /docs). "
    "Limits also come from SAMTBU_MAX_BYTES, SAMTBU_MAX_DEPTH, SAMTBU_MAX_RECORDS, SAMTBU_TIMEOUT, SAMTBU_WORKERS, "
    "SAMTBU_QUEUE, SAMTBU_QUEUE_WAIT, SAMTBU_ADMIT_WAIT, SAMTBU_READ_TIMEOUT, SAMTBU_PROCESSES."
)


def register(sub) -> None:
    p = sub.add_parser("serve", help=SERVE_HELP, description=SERVE_DESCRIPTION)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    p.add_argument("--max-bytes", type=int, help=f"largest body in bytes (default: {Limits.max_bytes})")
    p.add_argument("--max-depth", type=int, help=f"deepest JSON nesting (default: {Limits.max_depth})")
    p.add_argument("--max-records", type=int, help=f"most records per request (default: {Limits.max_records})")
    p.add_argument("--timeout", type=float, help=f"seconds a validation may take (default: {Limits.timeout:g})")
    p.add_argument("--processes", type=int, help="worker processes, sharing the model loaded once (default: one per CPU)")
    p.add_argument("--workers", type=int, help=f"validations at the same time in each worker process (default: {Limits.workers})")
    p.add_argument("--queue-wait", type=float, help=f"seconds a validation may wait for a worker before the answer is 503 (default: {Limits.queue_wait:g})")
    p.add_argument("--admit-wait", type=float, help="seconds the oldest queued validation may have waited before new ones are "
                   f"refused with 503 on arrival (default: {Limits.admit_wait:g})")
    p.add_argument("--read-timeout", type=float, help=f"seconds to receive a request body before answering 408 (default: {Limits.read_timeout:g})")
    p.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))
    p.add_argument("--key", type=Path, help="a signing key file: enables POST /v1/sign (without it, the service only verifies)")
    p.add_argument("--form", choices=("ob3", "elm"), default="ob3", help="the credential form /v1/sign issues (default: ob3)")
    p.add_argument("--trust-list", type=Path, help="the issuers and keys /v1/verify trusts")
    p.add_argument("--status-list", type=Path, action="append", help="a local copy of a status list for /v1/verify (repeatable; re-read when it changes)")
    p.add_argument("--contexts", type=Path, action="append", metavar="DIR", help="a folder with the JSON-LD context files (repeatable)")
    from samtbu.grep.cli import add_grep_option

    add_grep_option(p)
    p.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    from samtbu.extras import require

    require("service", "serve")
    if args.key and args.form == "elm":
        require("elm", "serve --form elm")  # /v1/sign issues the EDC form, with its page images (Pillow)
    import uvicorn

    from samtbu.errors import listening_socket

    limits = Limits.from_env(
        max_bytes=args.max_bytes, max_depth=args.max_depth, max_records=args.max_records,
        timeout=args.timeout, workers=args.workers, read_timeout=args.read_timeout, processes=args.processes,
        queue_wait=args.queue_wait, admit_wait=args.admit_wait,
    )
    if (min(limits.max_bytes, limits.max_depth, limits.max_records, limits.workers) < 1 or limits.processes < 0
            or min(limits.timeout, limits.read_timeout, limits.queue_wait, limits.admit_wait) <= 0):
        raise SamtbuError("limits must be positive")
    # Bound before the model is loaded: a busy port is one line and exit code 2 at once (uvicorn
    # would log it over several lines after the start, and exit 1).
    sock = listening_socket(args.host, args.port, backlog=2048)  # as uvicorn: a burst of connections waits, not refused
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from samtbu.output import MaskingLogFilter

    for handler in logging.getLogger().handlers:  # the log is output too: identity numbers masked
        handler.addFilter(MaskingLogFilter())
    credentials = None
    if args.key or args.trust_list or args.status_list or args.contexts:
        from samtbu.credential.http import CredentialConfig

        credentials = CredentialConfig.from_files(key=args.key, trust_list=args.trust_list, status_lists=args.status_list,
                                                  contexts=args.contexts, form=args.form)
    from samtbu import prefork
    from samtbu.grep import resolve_snapshot

    grep = resolve_snapshot(args.grep) or False
    processes = limits.processes or prefork.cpu_count()
    forked = processes > 1 and prefork.can_fork()
    model = None
    if forked:  # loaded and compiled once, before the fork: the workers share it
        model = Model.load()
        warm_up(model, grep or None)

    def serve() -> None:
        # The event loop takes the GIL from a validating worker thread within a millisecond instead of
        # Python's 5: it accepts, reads and refuses requests while validations run.
        sys.setswitchinterval(SWITCH_INTERVAL)
        app = create_app(model, limits=limits, warm=not forked, credentials=credentials, grep=grep, listener=sock)
        # uvicorn's own access log would print query strings and client addresses: ours replaces it.
        config = uvicorn.Config(app, host=args.host, port=args.port, access_log=False, log_level=args.log_level, server_header=False)
        uvicorn.Server(config).run(sockets=[sock])

    host, port = sock.getsockname()[:2]
    log.info("listening on http://%s:%d/ (Ctrl-C stops)", f"[{host}]" if ":" in host else host, port)
    if forked:
        return prefork.run_forked(processes, serve)
    serve()
    return 0


__all__ = ["create_app", "Limits", "Problem", "warm_up", "register"]
