"""kg.distributed: the map on a real Dask cluster (a LocalCluster of two worker processes) gives
the same graph as a local build."""
from __future__ import annotations

import json

import distributed  # a test dependency (pyproject [test]): this must run in CI, never skip
import pytest

from kg.errors import UsageError
from kg.pipeline import BuildOptions, build
from kg.sinks.json import extraction_record, graph_to_json
from kg.types import Document

pytestmark = [pytest.mark.model, pytest.mark.slow]

STORIES = [
    ("d1", "Lena Fischer founded Corvane Biotech in Basel in 2014. The company develops vaccines for poultry."),
    ("d2", "Corvane Biotech was acquired by Harwell Pharma last week. Harwell Pharma is based in Leeds."),
    ("d3", "Mayor Felipe Duarte of Valparaiso sued Tessaro Shipping over an oil spill near the harbour."),
    ("d4", "Tessaro Shipping hired Nadia Brandt as its chief executive. Brandt previously worked for Harwell Pharma."),
    ("d5", "Harwell Pharma opened a research centre in Cambridge, and Lena Fischer joined its board."),
]


def _documents() -> list[Document]:
    return [Document(doc_id, text, title=doc_id.upper()) for doc_id, text in STORIES]


def _outputs(options: BuildOptions) -> tuple[str, list[dict]]:
    result = build([], options=options, documents=_documents())
    return json.dumps(graph_to_json(result.graph), sort_keys=True), [extraction_record(x) for x in result.extractions]


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
    ) as local_cluster:
        yield local_cluster


def test_dask_build_equals_local_build(nlp, cluster):
    local = _outputs(BuildOptions(batch_size=1))
    remote = _outputs(BuildOptions(batch_size=1, engine="dask", scheduler=cluster.scheduler_address))
    assert '"Organization"' in local[0]
    assert remote == local


def test_both_workers_took_batches_and_loaded_the_model_once(nlp, cluster):
    from kg.distributed import DaskRunner
    from kg.extract.schema import load_schema
    from kg.nlp import model_name
    from kg.extraction import ExtractionSettings

    settings = ExtractionSettings(model=model_name(None), schema=load_schema(), batch_size=1)
    runner = DaskRunner(settings, scheduler=cluster.scheduler_address)
    try:
        assert runner.parallelism == 2
        futures = [runner.submit([d]) for d in _documents()]
        results = [f.result() for f in futures]
        where = {f.key: w for f in futures for w in runner._client.who_has([f])[f.key]}
        loads = runner._client.run(_model_loads)
    finally:
        runner.close()
    assert [r[0].document.id for r in results] == [d for d, _ in STORIES]
    assert len(set(where.values())) == 2  # the map was spread over both workers
    assert set(loads.values()) == {1}  # each worker process loaded the model exactly once


def _model_loads() -> int:
    from kg.nlp import load_model

    return load_model.cache_info().misses


def test_scheduler_without_dask_engine_is_a_usage_error():
    with pytest.raises(UsageError, match="--engine dask"):
        build([], options=BuildOptions(scheduler="tcp://127.0.0.1:1"), documents=_documents())


def test_unknown_engine_is_a_usage_error():
    with pytest.raises(UsageError, match="engine"):
        build([], options=BuildOptions(engine="spark"), documents=_documents())
