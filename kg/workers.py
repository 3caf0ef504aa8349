"""Running the map step: batches of documents go to a runner (this process, a pool of worker
processes, or a Dask cluster), and their Extractions come back in input order.

Every runner runs the same function, ``kg.pipeline.extract_batch``, on the same batches (the
batches are cut from the input stream the same way whatever runs them), so the output does not
depend on the number of workers. Only a bounded number of batches is in flight at once: documents
are read as results are consumed, never all at once.
"""
from __future__ import annotations

import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from .errors import UsageError
from .types import Document, Extraction

if TYPE_CHECKING:
    from .cache import ExtractionCache
    from .pipeline import ExtractionSettings

__all__ = [
    "FutureLike",
    "Runner",
    "InlineRunner",
    "ProcessRunner",
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
        from .pipeline import extract_batch

        future: Future = Future()
        try:
            future.set_result(extract_batch(documents, self.settings))
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


def _run_in_worker(documents: list[Document]) -> list[Extraction]:
    from .pipeline import extract_batch

    assert _SETTINGS is not None, "worker started without settings"
    return extract_batch(documents, _SETTINGS)


class ProcessRunner:
    """A pool of ``workers`` processes, each loading the model once. The pool starts on the first
    batch, so a run served entirely from the cache starts no process."""

    def __init__(self, settings: ExtractionSettings, *, workers: int, start_method: str = START_METHOD) -> None:
        if start_method not in multiprocessing.get_all_start_methods():
            raise UsageError(f"process start method {start_method!r} is not available here")
        self.settings = settings
        self.workers = workers
        self.parallelism = workers
        self.start_method = start_method
        self._pool: ProcessPoolExecutor | None = None

    def submit(self, documents: list[Document]) -> Future:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context(self.start_method),
                initializer=_start_worker,
                initargs=(self.settings,),
            )
        return self._pool.submit(_run_in_worker, documents)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


@contextmanager
def open_runner(
    settings: ExtractionSettings, *, workers: int = 1, engine: str = "local", scheduler: str | None = None,
) -> Iterator[Runner]:
    """The runner for ``engine``: ``local`` runs in this process (one worker) or a process pool;
    ``dask`` runs on the cluster at ``scheduler`` (or a local Dask cluster of ``workers``)."""
    if workers < 1:
        raise UsageError("--workers must be at least 1")
    runner: Runner
    if engine == "dask":
        from .distributed import DaskRunner

        runner = DaskRunner(settings, scheduler=scheduler, workers=workers)
    elif scheduler is not None:
        raise UsageError("--scheduler needs --engine dask")
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
) -> Iterator[Extraction]:
    """One Extraction per document, in input order. Cached documents are answered from the cache
    and never parsed; the others are cut into batches of ``batch_documents`` consecutive misses
    (closing early at ``batch_chars`` characters, so one huge document does not bring a crowd)
    and sent to ``runner``, at most ``in_flight`` batches at a time. New extractions go
    into the cache as they are yielded."""
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
        else:
            current.documents.append(document)
            current.chars += len(document.text)
            queue.append((current, len(current.documents) - 1))
            if len(current.documents) >= batch_documents or current.chars >= batch_chars:
                send(current)
                current = _Batch()
        yield from ready(block=False)
        # Bound what is held: batches in flight, and documents waiting behind an unfinished one.
        while len(running) >= limit or len(queue) > limit * batch_documents:
            yield from _one(ready(block=True))
    if current.documents:
        send(current)
    yield from ready(block=True)


def _one(items: Iterator[Extraction]) -> Iterator[Extraction]:
    """The first item of ``items`` (a blocking step that makes progress)."""
    for item in items:
        yield item
        return
