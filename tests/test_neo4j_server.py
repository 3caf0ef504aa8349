"""tests/neo4j_test_server/server.sh: the Neo4j that the tests build from Maven Central and run."""
from __future__ import annotations

import os
import re
import secrets
import subprocess
from pathlib import Path

import neo4j
import pytest

from conftest_neo4j import SERVER_SCRIPT, START_TIMEOUT_S

pytestmark = pytest.mark.neo4j


def _server_sh(*args: str, run_dir: Path, password: str | None = None,
               timeout: float = START_TIMEOUT_S) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "NEO4J_PASSWORD"}
    env["KG_NEO4J_RUN_DIR"] = str(run_dir)
    if password is not None:
        env["NEO4J_PASSWORD"] = password
    return subprocess.run(["bash", str(SERVER_SCRIPT), *args], env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


def test_the_session_server_is_neo4j_5_26_on_loopback_with_auth(neo4j_settings, neo4j_server_run_dir):
    assert re.fullmatch(r"bolt://127\.0\.0\.1:\d+", neo4j_settings.uri)
    with neo4j.GraphDatabase.driver(neo4j_settings.uri, auth=("neo4j", neo4j_settings.password)) as driver:
        driver.verify_connectivity()
        assert driver.get_server_info().agent.startswith("Neo4j/5.26.")
        records, _, _ = driver.execute_query("SHOW CURRENT USER YIELD user RETURN user")
        assert records[0]["user"] == "neo4j"
    for auth in [("neo4j", "wrong-" + secrets.token_hex(4)), ("someone-else", neo4j_settings.password)]:
        with neo4j.GraphDatabase.driver(neo4j_settings.uri, auth=auth) as driver:
            with pytest.raises(neo4j.exceptions.AuthError):
                driver.verify_connectivity()


def test_the_password_is_in_none_of_the_server_files(neo4j_settings, neo4j_server_run_dir):
    files = [p for p in neo4j_server_run_dir.iterdir() if p.is_file()]
    assert any(p.name == "server.log" for p in files)
    for path in files:
        assert neo4j_settings.password not in path.read_text(encoding="utf-8", errors="replace"), path


def test_start_again_and_status_give_the_running_server(neo4j_settings, neo4j_server_run_dir):
    again = _server_sh("start", run_dir=neo4j_server_run_dir, password=neo4j_settings.password, timeout=60)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip().splitlines()[-1] == neo4j_settings.uri
    status = _server_sh("status", run_dir=neo4j_server_run_dir, timeout=30)
    assert status.returncode == 0 and status.stdout.strip() == neo4j_settings.uri


def test_start_without_a_password_or_with_no_command_is_refused(tmp_path):
    no_password = _server_sh("start", run_dir=tmp_path / "run")
    assert no_password.returncode == 2 and "NEO4J_PASSWORD is not set" in no_password.stderr
    usage = _server_sh(run_dir=tmp_path / "run")
    assert usage.returncode == 2 and "usage:" in usage.stderr


@pytest.mark.slow
def test_a_second_server_starts_on_its_own_port_and_stops_cleanly(neo4j_settings, tmp_path):
    """Start, use, stop: the process ends on SIGTERM and its data folder is deleted."""
    run_dir = tmp_path / "second"
    password = secrets.token_urlsafe(12)
    started = _server_sh("start", run_dir=run_dir, password=password)
    try:
        if started.returncode != 0:
            pytest.fail(f"server.sh start failed: {started.stderr[-2000:]}")
        uri = started.stdout.strip().splitlines()[-1]
        assert uri.startswith("bolt://127.0.0.1:") and uri != neo4j_settings.uri
        with neo4j.GraphDatabase.driver(uri, auth=("neo4j", password)) as driver:
            driver.execute_query("CREATE (:Probe {n: 1})")
            assert driver.execute_query("MATCH (p:Probe) RETURN count(p) AS n").records[0]["n"] == 1
        pid = int((run_dir / "pid").read_text())
        data_dir = Path(re.search(r"data in (\S+)", (run_dir / "server.log").read_text()).group(1))
        assert data_dir.is_dir()
    finally:
        stopped = _server_sh("stop", run_dir=run_dir, timeout=120)
    assert stopped.returncode == 0, stopped.stderr
    assert not (run_dir / "pid").exists() and not (run_dir / "uri").exists()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert not data_dir.exists()
    assert password not in (run_dir / "server.log").read_text() + started.stdout + started.stderr


@pytest.fixture(scope="module")
def python_without_driver(tmp_path_factory) -> Path:
    """A bin folder whose python3 and python have no neo4j driver (a bare virtual environment)."""
    import sys

    venv = tmp_path_factory.mktemp("bare-venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    assert subprocess.run([str(venv / "bin" / "python3"), "-c", "import neo4j"], capture_output=True).returncode != 0
    return venv / "bin"


@pytest.mark.parametrize("how", ["PYTHON", "PATH"])
def test_start_says_at_once_that_the_driver_is_missing(tmp_path, python_without_driver, how):
    """Without the driver the login cannot be checked: one line saying so, at once, and no server
    left starting (it used to wait for minutes and then blame the login)."""
    env = {k: v for k, v in os.environ.items() if k not in ("NEO4J_PASSWORD", "PYTHON")}
    env.update(KG_NEO4J_RUN_DIR=str(tmp_path / "run"), NEO4J_PASSWORD="x" * 12)
    if how == "PYTHON":
        env["PYTHON"] = str(python_without_driver / "python3")
    else:
        env["PATH"] = f"{python_without_driver}{os.pathsep}{env['PATH']}"
    done = subprocess.run(["bash", str(SERVER_SCRIPT), "start"], env=env, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "neo4j driver" in lines[0] and "no driver login" not in lines[0], lines
    assert not (tmp_path / "run" / "pid").exists()
