"""Running the map step on a Dask cluster (``kg build --engine dask --scheduler tcp://HOST:8786``).

Per-document extraction is a pure function of the document and the settings, and the merge is a
deterministic reduce, so the cluster only does the map: batches of documents go to workers as
tasks, each worker process loads the spaCy model once (``kg.nlp.load_model`` is cached per
process) and returns plain Extractions, and the merge runs here with the same ``build_graph`` as a
local build. The output is the same as a local build's.

Workers need kg and the spaCy pipeline installed (the same versions as here). Run them with one
thread each (``dask worker ADDRESS --nthreads 1``) and more processes instead: a spaCy pipeline
is not shared between threads, so threads of one worker process take turns with it.
"""
from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from .errors import UsageError
from .types import Document, Extraction

if TYPE_CHECKING:
    from .extraction import ExtractionSettings

__all__ = ["DaskRunner", "extract_on_worker"]

# One spaCy pipeline per worker process, used by one task at a time (memory zones and the
# tokenizer cache are per pipeline, not per thread).
_MODEL_LOCK = threading.Lock()


def extract_on_worker(documents: list[Document], settings: ExtractionSettings) -> list[Extraction]:
    """The Dask task: the same map as every other runner."""
    from .sections import extract_bounded

    with _MODEL_LOCK:
        return extract_bounded(documents, settings)


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise UsageError("--engine dask needs Dask: pip install 'kg[dask]' (dask[distributed])") from exc
    return distributed


class DaskRunner:
    """Submits batches to a Dask cluster: the one at ``scheduler``, or, without one, a local
    cluster of ``workers`` single-threaded processes started here and stopped on close."""

    def __init__(self, settings: ExtractionSettings, *, scheduler: str | None = None, workers: int = 1) -> None:
        distributed = _import_distributed()
        self._cluster = None
        try:
            if scheduler is None:
                self._cluster = distributed.LocalCluster(
                    n_workers=workers, threads_per_worker=1, processes=True,
                    dashboard_address=None, silence_logs=logging.ERROR,
                )
                self._client = distributed.Client(self._cluster)
            else:
                self._client = distributed.Client(scheduler, timeout="30s")
        except (OSError, TimeoutError) as exc:
            self.close()
            raise UsageError(f"cannot reach the Dask scheduler {scheduler or '(local cluster)'}: {exc}") from exc
        self.parallelism = max(1, sum(self._client.nthreads().values()))
        # The settings (schema, known entities) go to every worker once, not with every batch.
        self._settings = self._client.scatter(settings, broadcast=True, hash=False)

    def submit(self, documents: list[Document]) -> Any:
        return self._client.submit(extract_on_worker, documents, self._settings, pure=False)

    def close(self) -> None:
        client = getattr(self, "_client", None)
        if client is not None:
            client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None
