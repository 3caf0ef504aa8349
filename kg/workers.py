"""Running the map step: batches of documents go to a runner (this process, a pool of worker
processes, or a Dask cluster), and their Extractions come back in input order.

Every runner runs the same function, ``kg.sections.extract_bounded`` (``extract_batch``, long
documents a section at a time), and each document's
extraction depends on that document alone (not on the others in its batch), so the output does not
depend on the number of workers. Without a cache the batches are also cut the same way whatever
runs them; with one, a rebuild's few changed documents are sent as soon as the runner is idle.
Only a bounded number of batches is in flight at once: documents are read as results are
consumed, never all at once.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from .errors import KgError, UsageError
from .types import Document, Extraction

if TYPE_CHECKING:
    from .cache import ExtractionCache
    from .extraction import ExtractionSettings

__all__ = [
    "FutureLike",
    "Runner",
    "InlineRunner",
    "ProcessRunner",
    "BackgroundRunner",
    "open_runner",
    "ordered_extractions",
    "START_METHOD",
]

# On Linux worker processes fork: they inherit the modules already imported instead of importing
# spaCy and kg again (a second or more each, which on two cores decides whether two workers pay
# off). Elsewhere they spawn fresh. KG_START_METHOD picks "spawn", "forkserver" or "fork".
START_METHOD = os.environ.get("KG_START_METHOD") or ("fork" if sys.platform == "linux" else "spawn")


class FutureLike(Protocol):
    """What the ordering needs of a submitted batch: ``concurrent.futures`` and Dask futures both fit."""

    def done(self) -> bool: ...

    def result(self) -> Any: ...


class Runner(Protocol):
    """Runs ``extract_batch`` on a batch of documents somewhere; ``parallelism`` says how many
    batches it can usefully have in flight."""

    parallelism: int

    def submit(self, documents: list[Document]) -> FutureLike: ...

    def close(self) -> None: ...


class InlineRunner:
    """Runs each batch here and now (one worker: no processes to start or feed)."""

    parallelism = 1

    def __init__(self, settings: ExtractionSettings) -> None:
        self.settings = settings

    def submit(self, documents: list[Document]) -> Future:
        from .sections import extract_bounded

        future: Future = Future()
        try:
            future.set_result(extract_bounded(documents, self.settings))
        except BaseException as error:  # re-raised by result(), in order, like a worker's error
            future.set_exception(error)
        return future

    def close(self) -> None:
        pass


# -- worker processes --------------------------------------------------------------------------

_SETTINGS: ExtractionSettings | None = None  # set once in each worker process


def _start_worker(settings: ExtractionSettings) -> None:
    """Runs once in each worker: keep the settings and load the model now, while the main
    process is still reading the first batches."""
    global _SETTINGS
    from .nlp import load_model

    _SETTINGS = settings
    load_model(settings.model)


_PR_SET_PDEATHSIG = 1
_WATCH_EVERY_S = 0.5


def die_with_parent(expected: int | None = None) -> None:
    """End this (worker) process when the process that started it ends, however it ends: a
    killed ``kg build`` must not leave workers running for ever (a pool's workers share the
    pipe they wait on, so none of them ever sees it close). On Linux the kernel sends SIGKILL
    at once (PR_SET_PDEATHSIG); everywhere a watcher thread checks the parent twice a second.
    ``expected``: the parent's pid as the parent saw it, to catch a parent that died before
    this ran (None with the forkserver start method, whose server is the parent)."""
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no prctl: the watcher alone
            pass
    if expected is not None and parent != expected:
        os._exit(1)  # the parent is already gone

    def watch() -> None:
        while True:
            time.sleep(_WATCH_EVERY_S)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="kg-parent-watch", daemon=True).start()


def _start_pool_worker(settings: ExtractionSettings, parent: int | None) -> None:
    die_with_parent(parent)
    _start_worker(settings)


def _parent_pid(start_method: str) -> int | None:
    return None if start_method == "forkserver" else os.getpid()


def _run_in_worker(documents: list[Document]) -> list[Extraction]:
    from .sections import extract_bounded

    assert _SETTINGS is not None, "worker started without settings"
    return extract_bounded(documents, _SETTINGS)


def _process_context(start_method: str):
    """The multiprocessing context for ``start_method``, or a UsageError where there is none."""
    if start_method not in multiprocessing.get_all_start_methods():
        raise UsageError(f"process start method {start_method!r} is not available here")
    return multiprocessing.get_context(start_method)


class ProcessRunner:
    """A pool of ``workers`` processes, each loading the model once. The pool starts on the first
    batch, so a run served entirely from the cache starts no process."""

    def __init__(self, settings: ExtractionSettings, *, workers: int, start_method: str = START_METHOD) -> None:
        self._context = _process_context(start_method)
        self._start_method = start_method
        self.settings = settings
        self.workers = workers
        self.parallelism = workers
        self._pool: ProcessPoolExecutor | None = None

    def submit(self, documents: list[Document]) -> Future:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=self._context,
                initializer=_start_pool_worker,
                initargs=(self.settings, _parent_pid(self._start_method)),
            )
        return self._pool.submit(_run_in_worker, documents)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class BackgroundRunner:
    """One worker process, started at once, for rebuilds: while this process reads the documents
    and answers most of them from the cache, the worker imports spaCy and loads the model (about a
    second), so the few documents that changed do not wait for that after the cache is read. If
    nothing needs parsing, closing stops the worker wherever it is.

    At most one batch is in the pipe at a time: a batch and a reply (which carries the documents'
    texts) can each be larger than the pipe's buffer, and two sides both blocked on sending would
    wait for ever. Later batches wait here and go as soon as the reply before them is read."""

    parallelism = 1

    def __init__(self, settings: ExtractionSettings, *, start_method: str = START_METHOD) -> None:
        context = _process_context(start_method)
        self._connection, child_end = context.Pipe()
        # The worker gets this process's end too, to close it: a forked worker would otherwise keep
        # it open and never see the pipe close if this process is killed.
        self._process = context.Process(target=_serve, args=(child_end, self._connection, settings,
                                                             _parent_pid(start_method)),
                                        name="kg-extract", daemon=True)
        self._process.start()
        child_end.close()
        self._pending: deque[_PipeFuture] = deque()  # submitted, reply not read yet, oldest first
        self._unsent: deque[list[Document]] = deque()  # batches waiting for the pipe
        self._in_pipe = False
        self._failure: BaseException | None = None

    def submit(self, documents: list[Document]) -> _PipeFuture:
        future = _PipeFuture(self)
        self._pending.append(future)
        self._unsent.append(documents)
        self._send_next()
        return future

    def _send_next(self) -> None:
        if self._in_pipe or not self._unsent or self._failure is not None:
            return
        try:
            self._connection.send(self._unsent.popleft())
        except (OSError, ValueError) as error:  # the worker is gone; said when a result is asked for
            self._fail(error)
            return
        self._in_pipe = True

    def _receive(self, *, block: bool) -> None:
        """Hand the next reply to the oldest waiting future (the worker answers in order)."""
        if self._failure is None:
            try:
                if not block and not self._connection.poll():
                    return
                status, value = self._connection.recv()
            except Exception as error:  # EOF, a broken pipe, a reply that does not unpickle
                self._fail(error)
            else:
                self._in_pipe = False
                self._pending.popleft()._settle(status, value)
                self._send_next()
                return
        while self._pending:
            self._pending.popleft()._settle("error", self._failure)

    def _fail(self, cause: BaseException) -> None:
        self._process.join(timeout=1)
        code = self._process.exitcode
        self._failure = KgError(
            f"the extraction worker stopped unexpectedly (exit code {code}): {str(cause) or type(cause).__name__}")

    def close(self) -> None:
        # Stopped, not asked to finish: by now it is either idle or still loading a model that
        # turned out not to be needed, and it holds nothing that needs a clean exit (results
        # are stored by this process).
        self._process.terminate()
        self._process.join()
        self._connection.close()


class _PipeFuture:
    def __init__(self, runner: BackgroundRunner) -> None:
        self._runner = runner
        self._settled = False
        self._value: Any = None
        self._error: BaseException | None = None

    def _settle(self, status: str, value: Any) -> None:
        self._settled = True
        if status == "ok":
            self._value = value
        else:
            self._error = value

    def done(self) -> bool:
        if not self._settled:
            self._runner._receive(block=False)
        return self._settled

    def result(self) -> Any:
        while not self._settled:
            self._runner._receive(block=True)
        if self._error is not None:
            raise self._error
        return self._value


def _serve(connection, parent_end, settings: ExtractionSettings, parent: int | None = None) -> None:
    """The background worker: load the model, then extract each batch received, in order."""
    parent_end.close()
    die_with_parent(parent)
    try:
        _start_worker(settings)
    except BaseException as error:  # e.g. a model that does not load: every batch gets the error
        failure: BaseException | None = error
    else:
        failure = None
    while True:
        try:
            documents = connection.recv()
        except (EOFError, OSError):
            return  # the main process is gone or done
        if documents is None:
            return
        try:
            if failure is not None:
                raise failure
            reply = ("ok", _run_in_worker(documents))
        except BaseException as error:
            reply = ("error", error)
        try:
            connection.send(reply)
        except OSError:
            return
        except Exception as error:  # an exception that does not pickle: its text does
            try:
                connection.send(("error", RuntimeError(f"{type(reply[1]).__name__}: {reply[1]} ({error})")))
            except OSError:
                return


@contextmanager
def open_runner(
    settings: ExtractionSettings, *, workers: int = 1, engine: str = "local", scheduler: str | None = None,
    background: bool = False,
) -> Iterator[Runner]:
    """The runner for ``engine``: ``local`` runs in this process (one worker) or a process pool;
    ``dask`` runs on the cluster at ``scheduler`` (or a local Dask cluster of ``workers``).
    ``background``: one local worker runs in a process started at once (rebuilds: the model
    loads while the cache is read)."""
    if workers < 1:
        raise UsageError("--workers must be at least 1")
    runner: Runner
    if engine == "dask":
        from .distributed import DaskRunner

        runner = DaskRunner(settings, scheduler=scheduler, workers=workers)
    elif scheduler is not None:
        raise UsageError("--scheduler needs --engine dask")
    elif workers == 1 and background:
        runner = BackgroundRunner(settings)
    elif workers == 1:
        runner = InlineRunner(settings)
    else:
        runner = ProcessRunner(settings, workers=workers)
    try:
        yield runner
    finally:
        runner.close()


# -- batching and ordering ---------------------------------------------------------------------

@dataclass(slots=True, eq=False)
class _Batch:
    documents: list[Document] = field(default_factory=list)
    chars: int = 0
    future: FutureLike | None = None
    results: list[Extraction] | None = None


def ordered_extractions(
    documents: Iterable[Document],
    *,
    runner: Runner,
    cache: ExtractionCache | None = None,
    batch_documents: int = 32,
    batch_chars: int = 400_000,
    in_flight: int | None = None,
    waiting: int = 1024,
) -> Iterator[Extraction]:
    """One Extraction per document, in input order. Cached documents are answered from the cache
    and never parsed; the others are cut into batches of ``batch_documents`` consecutive misses
    (closing early at ``batch_chars`` characters, so one huge document does not bring a crowd)
    and sent to ``runner``, at most ``in_flight`` batches at a time; a batch is sent early, not
    full, when a cache hit follows it and the runner is idle (a rebuild's few changed documents
    start at once). While the oldest batch is still running, up to ``waiting`` answers (cache
    hits, later batches) are held behind it. New extractions go into the cache as they are
    yielded."""
    limit = in_flight or 2 * max(1, runner.parallelism)
    queue: deque[Extraction | tuple[_Batch, int]] = deque()
    running: deque[_Batch] = deque()
    current = _Batch()

    def send(batch: _Batch) -> None:
        batch.future = runner.submit(batch.documents)
        running.append(batch)

    def ready(block: bool) -> Iterator[Extraction]:
        """Yield from the head of the queue while results are there (waiting for them if
        ``block``)."""
        nonlocal current
        while queue:
            head = queue[0]
            if isinstance(head, Extraction):
                yield queue.popleft()
                continue
            batch, index = head
            if batch.future is None:  # the head waits in the batch still being filled
                if not block:
                    return
                send(batch)
                current = _Batch()
            if batch.results is None:
                if not block and not batch.future.done():
                    return
                batch.results = list(batch.future.result())
            queue.popleft()
            extraction = batch.results[index]
            if cache is not None:
                cache.put(extraction)
            if index == len(batch.documents) - 1:
                running.remove(batch)
            yield extraction

    for document in documents:
        hit = cache.get(document) if cache is not None else None
        if hit is not None:
            queue.append(hit)
            if current.documents and len(running) < runner.parallelism:
                send(current)
                current = _Batch()
        else:
            current.documents.append(document)
            current.chars += len(document.text)
            queue.append((current, len(current.documents) - 1))
            if len(current.documents) >= batch_documents or current.chars >= batch_chars:
                send(current)
                current = _Batch()
        yield from ready(block=False)
        # Bound what is held: batches in flight, and documents waiting behind an unfinished one.
        while len(running) >= limit or len(queue) > max(waiting, limit * batch_documents):
            yield from _one(ready(block=True))
    if current.documents:
        send(current)
    yield from ready(block=True)


def _one(items: Iterator[Extraction]) -> Iterator[Extraction]:
    """The first item of ``items`` (a blocking step that makes progress)."""
    for item in items:
        yield item
        return
