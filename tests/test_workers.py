"""kg.workers: ordered, bounded streaming of batches to a runner, and --workers N giving the same
output as one worker (real model, real worker processes)."""
from __future__ import annotations

import json
import random
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from kg.errors import KgError, UsageError
from kg.extraction import ExtractionSettings
from kg.pipeline import BuildOptions, build
from kg.sinks.json import extraction_record, graph_to_json
from kg.types import Document, Entity, Extraction
from kg.workers import BackgroundRunner, InlineRunner, ProcessRunner, open_runner, ordered_extractions

# --- a stand-in runner: answers out of order, records what is in flight -----------------------


def _fake_extraction(document: Document) -> Extraction:
    return Extraction(document, (Entity(f"x:{document.id}", document.text, "Person"),))


class _ShuffledRunner:
    """Finishes batches after random delays on several threads, so later batches often finish
    first; counts how many batches were submitted but not yet collected."""

    def __init__(self, *, parallelism: int = 3, fail_on: str | None = None) -> None:
        self.parallelism = parallelism
        self.pool = ThreadPoolExecutor(parallelism)
        self.submitted: list[list[str]] = []
        self.fail_on = fail_on
        self.rng = random.Random(7)

    def submit(self, documents: list[Document]) -> Future:
        self.submitted.append([d.id for d in documents])
        delay = self.rng.random() * 0.01

        def work() -> list[Extraction]:
            time.sleep(delay)
            if any(d.id == self.fail_on for d in documents):
                raise RuntimeError(f"cannot extract {self.fail_on}")
            return [_fake_extraction(d) for d in documents]

        return self.pool.submit(work)

    def close(self) -> None:
        self.pool.shutdown()


class _Pulled:
    """A document stream that counts how far it has been read."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.pulled = 0

    def __iter__(self):
        for index in range(self.count):
            self.pulled += 1
            yield Document(f"d{index:03d}", f"text {index}")


def test_results_come_in_input_order_whatever_finishes_first():
    runner = _ShuffledRunner()
    stream = _Pulled(200)
    out = list(ordered_extractions(stream, runner=runner, batch_documents=4))
    runner.close()
    assert [x.document.id for x in out] == [f"d{i:03d}" for i in range(200)]
    assert [x.entities[0].name for x in out] == [f"text {i}" for i in range(200)]
    # Batches are consecutive runs of the input, each sent once.
    assert [i for batch in runner.submitted for i in batch] == [f"d{i:03d}" for i in range(200)]
    assert max(len(b) for b in runner.submitted) == 4


def test_documents_are_read_as_results_are_consumed_not_all_at_once():
    runner = _ShuffledRunner(parallelism=2)
    stream = _Pulled(500)
    results = ordered_extractions(stream, runner=runner, batch_documents=5)
    first = next(results)
    assert first.document.id == "d000"
    # At most 2 x parallelism batches in flight, plus the batch being filled.
    assert stream.pulled <= 2 * 2 * 5 + 5
    rest = list(results)
    runner.close()
    assert len(rest) == 499 and stream.pulled == 500


def test_batches_close_early_on_characters():
    runner = InlineRunnerStub()
    documents = [Document(f"d{i}", "x" * 300) for i in range(10)]
    list(ordered_extractions(documents, runner=runner, batch_documents=100, batch_chars=1000))
    assert [len(b) for b in runner.batches] == [4, 4, 2]


class InlineRunnerStub:
    parallelism = 1

    def __init__(self) -> None:
        self.batches: list[list[Document]] = []

    def submit(self, documents: list[Document]) -> Future:
        self.batches.append(list(documents))
        future: Future = Future()
        future.set_result([_fake_extraction(d) for d in documents])
        return future

    def close(self) -> None:
        pass


class _DictCache:
    """The two methods ordered_extractions uses of ExtractionCache."""

    def __init__(self, known: dict[str, Extraction]) -> None:
        self.known = dict(known)
        self.stored: list[str] = []

    def get(self, document: Document) -> Extraction | None:
        return self.known.get(document.id)

    def put(self, extraction: Extraction) -> None:
        self.stored.append(extraction.document.id)


def test_cache_hits_skip_the_runner_and_keep_their_place():
    documents = [Document(f"d{i:02d}", f"text {i}") for i in range(30)]
    cached = {d.id: _fake_extraction(d) for d in documents if int(d.id[1:]) % 3 == 0}
    cache = _DictCache(cached)
    runner = _ShuffledRunner()
    out = list(ordered_extractions(documents, runner=runner, cache=cache, batch_documents=4))
    runner.close()
    assert [x.document.id for x in out] == [d.id for d in documents]
    sent = [i for batch in runner.submitted for i in batch]
    assert sent == [d.id for d in documents if d.id not in cached]
    assert cache.stored == sent  # only new extractions are written


def test_a_rebuilds_changed_documents_go_to_an_idle_runner_at_once():
    """A miss followed by a cache hit is sent without waiting for the batch to fill: in a
    rebuild the worker starts on it while the rest is read from the cache."""
    documents = [Document(f"d{i:02d}", f"text {i}") for i in range(12)]
    cache = _DictCache({d.id: _fake_extraction(d) for d in documents if d.id not in {"d03", "d04", "d09"}})
    runner = InlineRunnerStub()
    out = list(ordered_extractions(documents, runner=runner, cache=cache, batch_documents=32))
    assert [x.document.id for x in out] == [d.id for d in documents]
    assert [[d.id for d in batch] for batch in runner.batches] == [["d03", "d04"], ["d09"]]


def test_cache_hits_wait_behind_a_running_batch_up_to_the_limit():
    """While the changed document is being parsed, the cached ones keep being read (up to
    ``waiting``), not only a couple of batches' worth."""
    documents = _Pulled(300)
    slow = _HeldRunner()
    cache = _DictCache({f"d{i:03d}": _fake_extraction(Document(f"d{i:03d}", f"text {i}")) for i in range(1, 300)})
    results = ordered_extractions(documents, runner=slow, cache=cache, batch_documents=4, waiting=200)
    reader = threading.Thread(target=lambda: list(results))
    reader.start()
    slow.started.wait(5)
    deadline = time.monotonic() + 5
    while documents.pulled < 200 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert 200 <= documents.pulled <= 202  # read ahead to the limit, and no further
    slow.release.set()
    reader.join(5)
    assert documents.pulled == 300


class _HeldRunner:
    """Holds every batch until released."""

    parallelism = 1

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()
        self.pool = ThreadPoolExecutor(1)

    def submit(self, documents: list[Document]) -> Future:
        self.started.set()

        def work() -> list[Extraction]:
            self.release.wait(10)
            return [_fake_extraction(d) for d in documents]

        return self.pool.submit(work)

    def close(self) -> None:
        self.pool.shutdown()


def test_a_failing_batch_raises_from_the_stream():
    runner = _ShuffledRunner(fail_on="d013")
    with pytest.raises(RuntimeError, match="d013"):
        list(ordered_extractions(_Pulled(40), runner=runner, batch_documents=4))
    runner.close()


def test_inline_runner_hands_errors_to_the_future(monkeypatch):
    import kg.extraction

    def broken(documents, settings):
        raise ValueError("no model")

    monkeypatch.setattr(kg.extraction, "extract_batch", broken)
    future = InlineRunner(ExtractionSettings(model="m", schema=None)).submit([Document("a", "b")])  # type: ignore[arg-type]
    assert future.done()
    with pytest.raises(ValueError, match="no model"):
        future.result()


def test_runner_choice_and_bad_combinations():
    settings = ExtractionSettings(model="m", schema=None)  # type: ignore[arg-type]
    with open_runner(settings, workers=1) as runner:
        assert isinstance(runner, InlineRunner)
    with open_runner(settings, workers=3) as runner:
        assert isinstance(runner, ProcessRunner) and runner.parallelism == 3
        assert runner._pool is None  # nothing started until there is work
    with open_runner(settings, workers=1, background=True) as runner:
        assert isinstance(runner, BackgroundRunner)
    assert not runner._process.is_alive()  # closed without work: stopped, not left loading
    with pytest.raises(UsageError):
        with open_runner(settings, workers=2, scheduler="tcp://example.invalid:8786"):
            pass
    with pytest.raises(UsageError):
        with open_runner(settings, workers=0):
            pass


# --- real worker processes --------------------------------------------------------------------

STORIES = [
    ("s1", "Maria Lopez founded Brightwater Analytics in Denver in 2009. The company sells software to hospitals. "
           "Lopez said it would open an office in Toronto next year."),
    ("s2", "Brightwater Analytics was acquired by Norlake Holdings on Tuesday. Norlake Holdings is based in Chicago. "
           "Its chief executive, Daniel Okafor, praised the deal."),
    ("s3", "The city council of Portland sued Arcline Motors over emissions data. Arcline Motors denied the claims, "
           "and its lawyers said the company would appeal."),
    ("s4", "Daniel Okafor studied at the University of Michigan before joining Norlake Holdings. "
           "He lives in Evanston with his wife, Grace Okafor."),
    ("s5", "Keller Freight signed a partnership with the port of Rotterdam. Keller Freight is headquartered in Hamburg, "
           "and its founder, Ulrich Keller, still leads the firm."),
]


def _documents() -> list[Document]:
    return [Document(doc_id, text, title=f"Story {doc_id}") for doc_id, text in STORIES]


def _graph_bytes(options: BuildOptions) -> tuple[str, str]:
    result = build([], options=options, documents=_documents())
    graph = json.dumps(graph_to_json(result.graph), ensure_ascii=False, indent=1, sort_keys=True)
    lines = "\n".join(json.dumps(extraction_record(x), ensure_ascii=False) for x in result.extractions)
    return graph, lines


@pytest.mark.model
@pytest.mark.slow
def test_two_worker_processes_give_byte_identical_output(nlp):
    one = _graph_bytes(BuildOptions(workers=1, batch_size=1))
    two = _graph_bytes(BuildOptions(workers=2, batch_size=1))  # one document a batch: both workers busy
    assert '"type": "Person"' in one[0]  # the real model found people in the stories
    assert one == two


@pytest.mark.model
def test_worker_processes_load_the_model_once_each(nlp):
    """Three batches on two workers: each process that worked loaded the model at start only."""
    import kg.workers as workers

    settings = ExtractionSettings(model=_model_name(), schema=_schema(), batch_size=1)
    # A forked worker starts with this process's loaded models (and their count); a spawned one
    # with none. Either way it loads the model at most once, when it starts.
    inherited = _load_count() if workers.START_METHOD == "fork" else 0
    runner = workers.ProcessRunner(settings, workers=2)
    try:
        futures = [runner.submit([d]) for d in _documents()[:3]]
        results = [f.result() for f in futures]
        pids = {pid for pid, _ in (f.result() for f in [runner._pool.submit(_model_identity) for _ in range(6)])}
        loads = {f.result() for f in [runner._pool.submit(_load_count) for _ in range(6)]}
    finally:
        runner.close()
    assert [r[0].document.id for r in results] == ["s1", "s2", "s3"]
    assert 1 <= len(pids) <= 2
    assert len(loads) == 1 and loads.pop() in {inherited, inherited + 1}


def test_a_background_worker_that_cannot_load_the_model_fails_each_batch():
    settings = ExtractionSettings(model="no-such-pipeline-kg-test", schema=_schema())
    runner = BackgroundRunner(settings)
    try:
        futures = [runner.submit([Document("a", "text")]), runner.submit([Document("b", "text")])]
        for future in futures:
            with pytest.raises(UsageError, match="no-such-pipeline-kg-test"):
                future.result()
    finally:
        runner.close()


def test_a_background_worker_that_dies_is_an_error_not_a_hang():
    settings = ExtractionSettings(model="no-such-pipeline-kg-test", schema=_schema())
    runner = BackgroundRunner(settings)
    try:
        runner._process.kill()
        runner._process.join()
        future = runner.submit([Document("a", "text")])
        with pytest.raises(KgError, match="stopped unexpectedly"):
            future.result()
    finally:
        runner.close()


def test_batches_and_replies_larger_than_the_pipe_do_not_deadlock_the_background_worker(monkeypatch):
    """Two batches in flight, each (and each reply) far larger than a pipe's buffer: the worker
    blocked sending its reply while this process blocks sending the next batch would hang."""
    import kg.workers as workers

    monkeypatch.setattr(workers, "_start_worker", lambda settings: None)
    monkeypatch.setattr(workers, "_run_in_worker", lambda documents: [_fake_extraction(d) for d in documents])
    runner = BackgroundRunner(ExtractionSettings(model="m", schema=None), start_method="fork")  # type: ignore[arg-type]
    documents = [Document(f"d{i:03d}", "x" * 40_000) for i in range(96)]
    outcome: dict[str, object] = {}

    def consume() -> None:
        outcome["ids"] = [x.document.id for x in ordered_extractions(iter(documents), runner=runner, batch_documents=16)]

    reader = threading.Thread(target=consume, daemon=True)
    reader.start()
    reader.join(60)
    hung = reader.is_alive()
    runner.close()
    assert not hung, "the background worker and this process both waited to send"
    assert outcome["ids"] == [d.id for d in documents]


@pytest.mark.model
def test_the_background_worker_extracts_what_this_process_would(nlp):
    from kg.extraction import extract_batch

    settings = ExtractionSettings(model=_model_name(), schema=_schema(), batch_size=2)
    runner = BackgroundRunner(settings)
    try:
        futures = [runner.submit(_documents()[:2]), runner.submit(_documents()[2:])]
        background = [x for f in futures for x in f.result()]
    finally:
        runner.close()
    assert background == extract_batch(_documents()[:2], settings) + extract_batch(_documents()[2:], settings)
    assert any(e.type == "Person" for x in background for e in x.entities)


def _model_name() -> str:
    from kg.nlp import model_name

    return model_name(None)


def _schema():
    from kg.extract.schema import load_schema

    return load_schema()


def _model_identity() -> tuple[int, int]:
    import os

    from kg.nlp import load_model

    return os.getpid(), id(load_model(_model_name()))


def _load_count() -> int:
    from kg.nlp import load_model

    return load_model.cache_info().misses


def test_threads_do_not_share_the_ordering_state():
    """Two independent streams on one runner stay separate and ordered."""
    runner = _ShuffledRunner(parallelism=4)
    outputs: dict[str, list[str]] = {}

    def consume(name: str) -> None:
        docs = [Document(f"{name}{i}", name) for i in range(50)]
        outputs[name] = [x.document.id for x in ordered_extractions(docs, runner=runner, batch_documents=3)]

    threads = [threading.Thread(target=consume, args=(n,)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    runner.close()
    assert outputs == {n: [f"{n}{i}" for i in range(50)] for n in ("a", "b")}
