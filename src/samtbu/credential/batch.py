"""Sign many records on every core: NDJSON (or a folder, or an archive) in, NDJSON credentials out.

Reading is the validation batch's (``samtbu.validate.batch.iter_records``: an NDJSON file goes to the
workers as byte ranges they read themselves); the model is loaded once before the workers fork, and
a profile is compiled in a worker when its first record needs it. Each record is validated, exported
and signed as ``samtbu sign`` does; a record that does not validate is refused and listed, and the
batch goes on. The output keeps the
input order, one credential a line. With a status list, the parent draws the random indexes and
hands each task its share, so no two workers can give out the same index.
"""

from __future__ import annotations

import json
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from samtbu.credential.contexts import ContextSet
from samtbu.credential.keys import SigningKey
from samtbu.credential.status import Register, status_entry
from samtbu.errors import SamtbuError
from samtbu.output import atomic_file

_STATE: dict = {}


@dataclass
class Signed:
    index: int
    source: str
    line: bytes | None = None  # the signed credential as one JSON line
    refused: str | None = None
    unreadable: str | None = None
    credential_id: str | None = None
    status_index: int | None = None


def _sign_one(raw, status_index: int | None) -> Signed:
    from samtbu.credential.dataintegrity import add_proof
    from samtbu.credential.issue import NotSignableError, unsigned_credential
    from samtbu.validate.report import mask_identity_numbers

    if raw.data is None:
        return Signed(raw.index, raw.source, unreadable=raw.error)
    state = _STATE
    try:
        unsigned = unsigned_credential(raw.data, form=state["form"], source=raw.source, model=state["model"],
                                       issuer_profiles=state.get("issuer_profiles"))
        document = unsigned.document
        credential_id = document.get("id")
        used = None
        if state["status_list"] is not None:
            assigned = state["assigned"].get(credential_id)
            used = assigned if assigned is not None else status_index
            if used is None:
                raise NotSignableError("no status index left for this record")
            document = {**document, "credentialStatus": status_entry(state["status_list"], used)}
        signed, _ = add_proof(document, state["key"], state["contexts"], engine=state["engine"],
                              proof_set=state["form"] == "ob3")
    except NotSignableError as exc:
        return Signed(raw.index, raw.source, refused=mask_identity_numbers(str(exc)))
    except SamtbuError as exc:
        return Signed(raw.index, raw.source, unreadable=mask_identity_numbers(str(exc)))
    line = json.dumps(signed, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
    return Signed(raw.index, raw.source, line, credential_id=credential_id, status_index=used)


def _task(args) -> list[Signed]:
    from samtbu.validate.batch import RawChunk

    task, indexes = args
    out = []
    pending = iter(indexes)
    for raw in task:
        for one in (raw.expand() if isinstance(raw, RawChunk) else (raw,)):
            out.append(_sign_one(one, next(pending, None)))
    return out


def _tasks(records, group_size: int):
    from samtbu.validate.batch import RawChunk

    group: list = []
    for raw in records:
        if isinstance(raw, RawChunk):
            if group:
                yield group, len(group)
                group = []
            yield [raw], raw.records
            continue
        group.append(raw)
        if len(group) >= group_size:
            yield group, len(group)
            group = []
    if group:
        yield group, len(group)


def sign_batch(source: Path, output: Path | None, key: SigningKey, contexts: ContextSet, *, form: str = "ob3",
               jobs: int = 1, engine: str = "oxigraph", status_list: dict | None = None,
               register: Register | None = None, errors=None, issuer_profiles=None) -> dict:
    """Sign every record of ``source``; write the credentials (NDJSON) to ``output``; return counts."""
    import multiprocessing as mp

    from samtbu.validate.batch import iter_records, prepare

    if output is None:
        raise SamtbuError("--batch needs -o/--output for the NDJSON of credentials")
    from samtbu.credential.contexts import FORM_CONTEXTS

    contexts.require(FORM_CONTEXTS[form], f"sign --batch --form {form}")  # once, not once a record
    started = time.perf_counter()
    prepare(None, "fast")
    from samtbu.validate.batch import _STATE as validation_state

    free: list[int] = []
    if status_list is not None:
        used = set(register.assigned.values())
        free = [i for i in range(register.entries) if i not in used]
        # a random order of the free indexes (not issuing order, which would tell when a document was issued)
        random.SystemRandom().shuffle(free)
    from samtbu.crosswalk.ob3 import load_issuer_profiles

    _STATE.update(model=validation_state["model"], form=form, key=key, contexts=contexts, engine=engine,
                  status_list=status_list, assigned=dict(register.assigned) if register else {},
                  issuer_profiles=load_issuer_profiles(issuer_profiles) if form == "ob3" else None)
    _warm_up()
    counts = {"records": 0, "signed": 0, "refused": 0, "unreadable": 0}
    problems = errors if errors is not None else sys.stderr
    cursor = 0

    def with_indexes(tasks):
        nonlocal cursor
        for task, size in tasks:
            share = free[cursor:cursor + size] if status_list is not None else []
            cursor += len(share)
            yield task, share

    records = iter_records(source, chunks=True)
    # written beside the output and renamed into place (samtbu.output): the last of several writers wins
    with atomic_file(output, binary=True) as out:
        def consume(item: Signed) -> None:
            counts["records"] += 1
            if item.line is not None:
                out.write(item.line)
                counts["signed"] += 1
                if register is not None and item.credential_id is not None:
                    register.assigned[item.credential_id] = item.status_index
            elif item.refused is not None:
                counts["refused"] += 1
                print(f"refused: {item.source}: {item.refused}", file=problems)
            else:
                counts["unreadable"] += 1
                print(f"unreadable: {item.source}: {item.unreadable}", file=problems)

        tasks = with_indexes(_tasks(records, 32))
        if jobs <= 1:
            for args in tasks:
                for item in _task(args):
                    consume(item)
        else:
            method = "fork" if "fork" in mp.get_all_start_methods() else None
            with mp.get_context(method).Pool(jobs) as pool:
                for items in pool.imap(_task, tasks):
                    for item in items:
                        consume(item)
    seconds = time.perf_counter() - started
    counts.update(seconds=round(seconds, 2), per_second=round(counts["signed"] / seconds, 1) if seconds else None,
                  jobs=jobs, output=str(output))
    return counts


def _warm_up() -> None:
    """Parse the contexts once in the parent, so that forked workers start warm."""
    from samtbu.credential.canonical import canonicalize
    from samtbu.credential.contexts import FORM_CONTEXTS

    canonicalize({"@context": list(FORM_CONTEXTS[_STATE["form"]]), "id": "urn:samtbu:warm-up", "type": ["VerifiableCredential"]},
                 _STATE["contexts"], engine=_STATE["engine"])


__all__ = ["sign_batch"]
