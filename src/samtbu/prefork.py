"""Worker processes for ``samtbu serve``: the model loaded and compiled once, then shared by forking.

Validation is CPU-bound Python: one process uses one core, whatever its threads. ``run_forked`` loads
and warms up the model in the parent, moves everything it made out of the garbage collector's sight
(``gc.freeze``, so that no collection writes to those pages), and forks the worker processes: each
serves the same listening socket with its own event loop, and reads the parent's compiled model from
pages it shares with the others (copy-on-write) instead of loading a copy. The parent only watches: a
worker that dies is replaced (a crash loop stops the service), and SIGTERM or SIGINT is passed on to
every worker, which finishes the requests it holds and exits.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import signal
import time
from collections.abc import Callable

log = logging.getLogger("samtbu.service")

RESTARTS_PER_MINUTE = 5  # per worker: more and the parent gives up (a worker that cannot start)


def can_fork() -> bool:
    return hasattr(os, "fork")


def cpu_count() -> int:
    """The CPUs this process may run on (its affinity, e.g. a container's cpuset), else all."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def run_forked(processes: int, serve: Callable[[], None]) -> int:
    """Fork ``processes`` workers that each call ``serve()`` (which runs until told to stop), keep
    them running, and return the exit code once they have all ended."""
    gc.collect()
    gc.freeze()
    children: dict[int, int] = {}  # pid -> worker number
    stopping: list[int] = []  # the signal received, once one was

    def start(number: int) -> None:
        pid = os.fork()
        if pid == 0:  # the worker
            code = 1
            try:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.default_int_handler)
                serve()
                code = 0
            except KeyboardInterrupt:
                code = 0
            except BaseException:
                log.exception("worker process %d failed", os.getpid())
            finally:
                os._exit(code)
        children[pid] = number

    def stop(signum, _frame) -> None:
        if not stopping:
            stopping.append(signum)
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):  # ended, not yet reaped
                os.kill(pid, signum)

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    restarts: list[float] = []
    code = 0
    try:
        for worker in range(processes):
            start(worker)
        log.info("%d worker processes (pids %s)", processes, ", ".join(map(str, children)))
        while children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            number = children.pop(pid, None)
            if number is None or stopping:
                continue
            log.warning("worker process %d ended (%s); starting another", pid, _describe(status))
            now = time.monotonic()
            restarts = [t for t in restarts if t > now - 60] + [now]
            if len(restarts) > RESTARTS_PER_MINUTE * processes:
                log.error("worker processes keep ending (%d in a minute): stopping the service", len(restarts))
                code = 1
                stop(signal.SIGTERM, None)
                continue
            start(number)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    return code


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit code {os.waitstatus_to_exitcode(status)}"
