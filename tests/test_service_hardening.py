"""The validation service against slow, stalled and hostile clients (issue 15): a real uvicorn process
on loopback closes request bodies that do not arrive within the read timeout, answers over-capacity
with 503 and Retry-After, and never lets an identity number out in a response."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
import httpx  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from samtbu.service import Limits, create_app  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
import service_load  # noqa: E402

VITNEMAAL = REPO / "examples" / "vitnemaal-studiespesialisering.json"
READ_TIMEOUT = 2.0


@pytest.fixture(scope="module")
def server():
    port = service_load.free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "SAMTBU_READ_TIMEOUT": str(READ_TIMEOUT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "samtbu.cli", "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        service_load.wait_ready(f"http://127.0.0.1:{port}", process)
        yield port
    finally:
        service_load.stop_service(process)


def _answer(sock: socket.socket, within: float) -> tuple[bytes, bool]:
    """What the server sends back, and whether it closed the connection, within ``within`` seconds."""
    sock.settimeout(within)
    received = b""
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return received, True
            received += data
    except (socket.timeout, TimeoutError):
        return received, False
    except ConnectionResetError:
        return received, True


@pytest.mark.parametrize("kind", ["stalled", "slow"])
def test_a_slow_or_stalled_body_is_closed_after_the_read_timeout(server, kind):
    body = VITNEMAAL.read_bytes()
    with socket.create_connection(("127.0.0.1", server), timeout=10) as sock:
        sock.sendall(b"POST /v1/validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     + f"Content-Length: {len(body)}\r\n\r\n".encode() + body[:100])
        started = time.monotonic()
        if kind == "slow":  # a byte now and then: never idle long, never done

            def trickle():
                for b in body[100:160]:
                    try:
                        sock.sendall(bytes([b]))
                    except OSError:
                        return
                    time.sleep(0.25)

            threading.Thread(target=trickle, daemon=True).start()
        answer, closed = _answer(sock, READ_TIMEOUT + 10)
        took = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408"), answer[:300]
    assert b"request-timeout" in answer and closed, answer[-500:]
    assert took < READ_TIMEOUT + 5


def test_a_whole_body_in_time_still_validates(server):
    response = httpx.post(f"http://127.0.0.1:{server}/v1/validate?profile=vitnemaal", content=VITNEMAAL.read_bytes(),
                          headers={"Content-Type": "application/json"}, timeout=60, trust_env=False)
    assert response.status_code == 200 and response.json()["conforms"] is True


def test_over_capacity_is_503_with_retry_after(model, monkeypatch):
    import samtbu.validate

    real = samtbu.validate.validate_payload
    gate = threading.Event()

    def held(*args, **kwargs):
        gate.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(samtbu.validate, "validate_payload", held)
    with TestClient(create_app(model, Limits(workers=1, queue=0, timeout=60), warm=False)) as client:
        results = []

        def post():
            results.append(client.post("/v1/validate", content=VITNEMAAL.read_bytes(), headers={"Content-Type": "application/json"}))

        first = threading.Thread(target=post)
        first.start()
        time.sleep(1.0)
        busy = client.post("/v1/validate", content=VITNEMAAL.read_bytes(), headers={"Content-Type": "application/json"})
        gate.set()
        first.join(60)
    assert busy.status_code == 503 and busy.headers["retry-after"] and busy.json()["type"].endswith("/busy")
    assert results and results[0].status_code == 200


def test_a_validation_that_waited_past_the_queue_wait_is_503_not_validated_late(model, monkeypatch):
    """Above capacity a request is refused once it has waited the queue wait for a worker, instead of
    being validated seconds late; the one that held the worker is still answered."""
    import samtbu.validate

    real = samtbu.validate.validate_payload
    gate = threading.Event()
    calls = []

    def held(*args, **kwargs):
        calls.append(1)
        gate.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(samtbu.validate, "validate_payload", held)
    with TestClient(create_app(model, Limits(workers=1, queue=32, queue_wait=0.2, timeout=60), warm=False)) as client:
        results = []

        def post():
            results.append(client.post("/v1/validate", content=VITNEMAAL.read_bytes(), headers={"Content-Type": "application/json"}))

        first, second = threading.Thread(target=post), threading.Thread(target=post)
        first.start()
        time.sleep(0.5)
        second.start()  # waits for the one worker longer than 0.2 s
        time.sleep(0.5)
        gate.set()
        first.join(60)
        second.join(60)
    assert sorted(r.status_code for r in results) == [200, 503], [r.text for r in results]
    busy = next(r for r in results if r.status_code == 503)
    assert busy.json()["type"].endswith("/busy") and busy.json()["limit"] == 0.2 and busy.headers["retry-after"]
    assert len(calls) == 1  # the refused payload was never validated


def test_a_lagging_event_loop_refuses_new_validations_at_once(model):
    """When the event loop runs its timers later than the queue wait, requests are waiting before any
    worker sees them: a new validation is refused at once."""
    import asyncio

    from samtbu.service import Problem, Validator

    validator = Validator(model, Limits(queue_wait=0.1))
    try:
        validator.lag = 0.3
        with pytest.raises(Problem) as refused:
            asyncio.run(validator.call(lambda started: "validated"))
        assert refused.value.status == 503 and refused.value.slug == "busy"
        validator.lag = 0.0
        assert asyncio.run(validator.call(lambda started: "validated")) == "validated"
    finally:
        validator.close()


def the_validator(app):
    from samtbu.service import AdmissionGate

    return next(m for m in app.user_middleware if m.cls is AdmissionGate).kwargs["state"]["validator"]


def test_a_lagging_service_refuses_validation_requests_before_reading_them(model):
    """While the event loop lags past the queue wait, POST /v1/validate is answered 503 (a problem
    document with Retry-After) at once; other endpoints and, once it caught up, validations answer."""
    app = create_app(model, Limits(queue_wait=0.2), warm=False)
    with TestClient(app) as client:
        validator = the_validator(app)
        client.portal.call(validator.watcher.cancel)  # the test sets the lag itself
        validator.lag = 5.0
        busy = client.post("/v1/validate", content=VITNEMAAL.read_bytes(), headers={"Content-Type": "application/json"})
        assert busy.status_code == 503 and busy.headers["retry-after"] == "1", busy.text
        assert busy.headers["content-type"] == "application/problem+json"
        assert busy.json()["type"].endswith("/busy") and busy.json()["limit"] == 0.2
        assert client.get("/healthz").status_code == 200
        validator.lag = 0.0
        assert client.post("/v1/validate", content=VITNEMAAL.read_bytes(), headers={"Content-Type": "application/json"}).status_code == 200


def held_validation(monkeypatch):
    """validate_payload made to wait for the returned event; the list counts the validations begun."""
    import samtbu.validate

    real = samtbu.validate.validate_payload
    gate, calls = threading.Event(), []

    def held(*args, **kwargs):
        calls.append(1)
        gate.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(samtbu.validate, "validate_payload", held)
    return gate, calls


def wait_until(condition, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_queue_older_than_the_admit_wait_refuses_on_arrival_without_reading_the_body(model, monkeypatch):
    """Admission control on arrival: once the oldest queued validation has waited longer than the
    admission wait, a new POST /v1/validate is answered 503 (problem document, Retry-After) before its
    body is read; what was admitted before is validated and answered."""
    gate, calls = held_validation(monkeypatch)
    body_read = []

    def body():
        body_read.append(1)
        yield VITNEMAAL.read_bytes()

    headers = {"Content-Type": "application/json"}
    app = create_app(model, Limits(workers=1, queue=32, admit_wait=0.2, queue_wait=30, timeout=60), warm=False)
    with TestClient(app) as client:
        validator = the_validator(app)
        results = []

        def post():
            results.append(client.post("/v1/validate", content=VITNEMAAL.read_bytes(), headers=headers))

        holding, queued = threading.Thread(target=post), threading.Thread(target=post)
        holding.start()
        wait_until(lambda: calls)
        queued.start()  # waits for the one worker thread
        wait_until(lambda: validator.queue_age() > 0.3)  # longer than the admission wait
        refused = client.post("/v1/validate", content=body(), headers=headers)
        gate.set()
        holding.join(60)
        queued.join(60)
        assert refused.status_code == 503, refused.text
        assert refused.headers["retry-after"] == "1" and refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["type"].endswith("/busy") and refused.json()["limit"] == 0.2
        assert not body_read  # refused before the body was read
        assert [r.status_code for r in results] == [200, 200]
        assert len(calls) == 2  # the refused payload was never validated
        again = client.post("/v1/validate", content=body(), headers=headers)  # caught up: admitted again
        assert again.status_code == 200 and body_read


def test_connections_waiting_to_be_accepted_refuse_new_validations(model):
    """While the kernel holds more connections for the listening socket than the limit, unaccepted
    (the event loop is behind with accepting), new validations are refused on arrival; once they are
    accepted, validations are admitted again. A real socket: its accept queue is read from the kernel."""
    from samtbu.service import ACCEPT_QUEUE_LIMIT, accept_queue_length

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    waiting = [socket.create_connection(listener.getsockname()) for _ in range(ACCEPT_QUEUE_LIMIT + 2)]
    accepted = []
    try:
        assert accept_queue_length(listener) == len(waiting)
        headers = {"Content-Type": "application/json"}
        app = create_app(model, Limits(admit_wait=0.3), warm=False, listener=listener)
        with TestClient(app) as client:
            validator = the_validator(app)
            wait_until(lambda: validator.accept_queue == len(waiting))  # the lag watcher reads it every 10 ms
            refused = client.post("/v1/validate", content=VITNEMAAL.read_bytes(), headers=headers)
            assert refused.status_code == 503 and refused.json()["limit"] == 0.3 and refused.headers["retry-after"], refused.text
            assert client.get("/healthz").status_code == 200  # only validations are refused
            accepted = [listener.accept()[0] for _ in waiting]
            assert accept_queue_length(listener) == 0
            wait_until(lambda: validator.accept_queue == 0)
            assert client.post("/v1/validate", content=VITNEMAAL.read_bytes(), headers=headers).status_code == 200
    finally:
        for s in waiting + accepted + [listener]:
            s.close()


def test_the_load_client_waits_for_a_free_connection_instead_of_dropping_the_request():
    """benchmarks/service_load.py: with every allowed connection open and waiting, a request waits in
    the client for the first free one (counted, latency from its scheduled time): none is lost or
    counted as the service's error. Against a small server that answers after 0.1 s."""
    import asyncio

    async def answer(reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
                await reader.readexactly(length)
                await asyncio.sleep(0.1)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Samtbu-Conforms: true\r\n\r\n{}")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def run() -> service_load.Outcome:
        server = await asyncio.start_server(answer, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        phase = service_load.Phase("client", VITNEMAAL, "vitnemaal", rate=50, duration=1)
        try:
            return await service_load.open_loop("127.0.0.1", port, phase, max_connections=2)
        finally:
            server.close()

    outcome = asyncio.run(run())
    assert len(outcome.latencies) == 50 and not outcome.errors and not outcome.refused, outcome.errors
    assert outcome.connection_waits > 0  # two connections answer 20 a second: most requests waited
    assert max(outcome.latencies) > 1.0  # and their wait counts in their latency


def test_worker_processes_share_the_model_and_are_replaced(tmp_path):
    """`samtbu serve --processes 2`: the model loaded once, two worker processes answering on one port,
    a worker that dies replaced, SIGTERM ends them all."""
    import signal

    port = service_load.free_port()
    process = service_load.start_service(port, extra=["--processes", "2"])
    url = f"http://127.0.0.1:{port}"
    try:
        service_load.wait_ready(url, process)
        workers = service_load.process_tree(process.pid)[1:]
        assert len(workers) == 2, workers
        phase = service_load.Phase("workers", VITNEMAAL, "vitnemaal", rate=40, duration=1)
        figures = service_load.measure(url, phase, process.pid)
        assert figures["ok"] == 40 and figures["errors"] == 0 and figures["processes"] == 3, figures
        os.kill(workers[0], signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            now = service_load.process_tree(process.pid)[1:]
            if len(now) == 2 and workers[0] not in now:
                break
            time.sleep(0.2)
        assert len(now) == 2 and workers[0] not in now, now
        figures = service_load.measure(url, phase, process.pid)
        assert figures["ok"] == 40 and figures["errors"] == 0, figures
        process.terminate()
        assert process.wait(timeout=30) == 0
        assert not [pid for pid in now if os.path.exists(f"/proc/{pid}")]  # ended and reaped
    finally:
        if process.poll() is None:
            process.kill()


def test_no_response_holds_an_identity_number_even_in_an_iri(model):
    fnr = "23810640081"
    doc = json.loads(VITNEMAAL.read_text(encoding="utf-8"))
    doc["id"] = f"urn:no:fnr:{fnr}"  # the focus node of the violation below
    doc[fnr] = f"https://x/{fnr}"
    del doc["dokumentnummer"]
    with TestClient(create_app(model, Limits(), warm=False)) as client:
        for report in ("json", "text", "sarif", "junit", "shacl-turtle", "shacl-jsonld"):
            response = client.post(f"/v1/validate?profile=vitnemaal&report={report}", content=json.dumps(doc),
                                   headers={"Content-Type": "application/json"})
            assert response.status_code == 200, response.text[:300]
            assert fnr not in response.text, (report, response.text[:500])
            assert "238106*****" in response.text, (report, response.text[:500])
            assert int(response.headers["content-length"]) == len(response.content)
        response = client.get(f"/context/{fnr}")
        assert response.status_code == 404 and fnr not in response.text
