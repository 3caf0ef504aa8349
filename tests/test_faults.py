"""Faults in the middle of ``kg load``, against real Neo4j servers, with a synthetic graph of tens
of thousands of relations. After each fault the load is run again, and the database must then
equal a clean load exactly: the same counts and the same checksum over every label, property
and relationship.

- the ``kg load`` process is killed (SIGKILL) halfway: the batches it committed stay (data
  kept), and loading again completes them without adding anything twice;
- every connection drops halfway (a network cut, or a server restart as the driver sees it) and
  the server refuses connections for a while, and later a connection drops just after a COMMIT
  reached the server (the answer lost): the driver retries the first, kg retries the second (its
  statements are idempotent), and the one load completes;
- the server itself is killed (SIGKILL) halfway: ``kg load`` stops with one error line and exit
  code 2 in bounded time (the driver's 30 s retry window). The test server keeps its data in a
  temporary folder that a fresh start never reuses (TestServer.java), so a restart with the data
  kept is impossible here: it restarts empty, and loading again must equal a clean load;
- a server that refuses connections, or accepts them and never answers, fails ``kg load`` fast
  with one line (exit 2);
- the server frozen halfway (SIGSTOP: connections stay open, nothing answers): ``kg load`` stops
  with one line (exit 2) once a transaction has waited past KG_NEO4J_TRANSACTION_TIMEOUT.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import neo4j
import pytest

from conftest_neo4j import SERVER_SCRIPT, START_TIMEOUT_S, _unavailable
from kg.sinks.neo4j import Neo4jSettings, connect, load_graph

pytestmark = pytest.mark.neo4j

ROOT = Path(__file__).resolve().parent.parent
RELATIONS = 20_000
LOAD_TIMEOUT_S = 300  # bounds against hangs, generous: not benchmarks
RETRY_WINDOW_S = 30  # kg's driver retries a failed transaction this long (kg.sinks.neo4j.connect)
GIVE_UP_BOUND_S = RETRY_WINDOW_S + 60
UNREACHABLE_BOUND_S = 60  # the driver's connection timeout is 15 s
FROZEN_TIMEOUT_S = 5  # KG_NEO4J_TRANSACTION_TIMEOUT for the frozen-server load
FROZEN_BOUND_S = FROZEN_TIMEOUT_S + 15 + 30  # kg's grace for the server's own abort, and slack


# --- the graph and how a database state is compared --------------------------------------------


def synthetic_graph(*, documents: int = 300, per_document: int = 10, relations: int = RELATIONS,
                    seed: int = 11) -> dict:
    """A contract graph of ``relations`` relations between entities that share a home document,
    1-3 evidence sentences each, mentions counted from the evidence."""
    rng = random.Random(seed)
    types = ["Person", "Organization", "Location"]
    relation_types = ["LEADS", "WORKS_FOR", "BASED_IN", "FOUNDED", "ACQUIRED", "MEMBER_OF"]
    docs = [{"id": f"doc-{d:04d}", "kind": "document", "title": f"Story {d}", "source": f"in/{d}.txt",
             "published": f"2021-03-{1 + d % 28:02d}", "authors": [f"Writer {d % 17}"]} for d in range(documents)]
    entities = [{"id": f"{types[e % 3].lower()}:e{e}", "kind": "entity", "name": f"Name {e}", "type": types[e % 3],
                 "aliases": [f"N{e}", f"Alias {e % 50}"], "mentions": 0, "documents": 0}
                for e in range(documents * per_document)]
    mentions: dict[tuple[int, int], int] = {}
    edges, seen = [], set()
    while len(edges) < relations:
        home = rng.randrange(documents)
        a, b = (home * per_document + rng.randrange(per_document) for _ in range(2))
        relation_type = rng.choice(relation_types)
        if a == b or (a, relation_type, b) in seen:
            continue
        seen.add((a, relation_type, b))
        evidence = []
        for start in sorted(rng.sample(range(0, 5000, 40), rng.randint(1, 3))):
            sentence = f"Name {a} {relation_type.lower().replace('_', ' ')} Name {b} ({start})."
            evidence.append({"doc": docs[home]["id"], "sentence": sentence, "start": start, "end": start + len(sentence)})
        for e in (a, b):
            mentions[(home, e)] = mentions.get((home, e), 0) + len(evidence)
        source, target = entities[a]["id"], entities[b]["id"]
        edges.append({"id": f"{source}-[{relation_type}]->{target}", "source": source, "target": target,
                      "type": relation_type, "label": relation_type.lower().replace("_", " "),
                      "weight": len(evidence), "documents": 1, "confidence": round(rng.uniform(0.3, 0.99), 4),
                      "evidence": evidence})
    for (d, e), count in sorted(mentions.items()):
        entities[e]["mentions"] += count
        entities[e]["documents"] += 1
        edges.append({"source": docs[d]["id"], "target": entities[e]["id"], "type": "MENTIONS", "count": count})
    used = {e for _, e in mentions}
    nodes = docs + [entity for index, entity in enumerate(entities) if index in used]
    return {"nodes": nodes, "edges": edges}


def state_digest(driver: neo4j.Driver, database: str | None = None) -> dict:
    """Counts and a SHA-256 over every node (labels, properties) and relationship (type, ends,
    properties) in a canonical order: two databases with equal digests hold the same graph."""
    nodes, _, _ = driver.execute_query("MATCH (n) RETURN labels(n) AS labels, properties(n) AS props",
                                       database_=database)
    relationships, _, _ = driver.execute_query(
        "MATCH (a)-[r]->(b) RETURN a.id AS source, type(r) AS type, b.id AS target, properties(r) AS props",
        database_=database)
    lines = sorted(json.dumps([sorted(r["labels"]), r["props"]], sort_keys=True) for r in nodes)
    lines += sorted(json.dumps([r["source"], r["type"], r["target"], r["props"]], sort_keys=True)
                    for r in relationships)
    return {
        "nodes": len(nodes),
        "relationships": len(relationships),
        "node_properties": sum(len(r["props"]) for r in nodes),
        "relationship_properties": sum(len(r["props"]) for r in relationships),
        "sha256": hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest(),
    }


def relationship_count(driver: neo4j.Driver, database: str | None = None) -> int:
    records, _, _ = driver.execute_query("MATCH ()-[r]->() RETURN count(r) AS n", database_=database)
    return records[0]["n"]


def empty(driver: neo4j.Driver, database: str | None = None) -> None:
    driver.execute_query("MATCH (n) DETACH DELETE n", database_=database)


@pytest.fixture(scope="module")
def big_graph() -> dict:
    return synthetic_graph()


@pytest.fixture(scope="module")
def big_graph_file(big_graph, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("faults") / "big.json"
    path.write_text(json.dumps(big_graph), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def clean_load(big_graph, neo4j_settings, neo4j_driver) -> dict:
    """The digest of the big graph loaded once into an empty database, without faults."""
    empty(neo4j_driver, neo4j_settings.database)
    summary = load_graph(big_graph, settings=neo4j_settings)
    assert summary.relations == RELATIONS
    digest = state_digest(neo4j_driver, neo4j_settings.database)
    assert digest["relationships"] == len(big_graph["edges"]) and digest["nodes"] == len(big_graph["nodes"])
    return digest


def _env(settings: Neo4jSettings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    env.update(extra)
    env.update({"NEO4J_URI": settings.uri, "NEO4J_USERNAME": settings.username,
                "NEO4J_PASSWORD": settings.password or "",
                "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))})
    if settings.database:
        env["NEO4J_DATABASE"] = settings.database
    return env


def _kg_load(path: Path, settings: Neo4jSettings, *, extra_env: dict[str, str] | None = None,
             **options) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "kg", "load", str(path), "--quiet"],
                            env=_env(settings, **(extra_env or {})), cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
                            **options)


def _wait_for_relationships(driver: neo4j.Driver, database: str | None, at_least: int,
                            loader: subprocess.Popen | threading.Thread) -> int:
    """Poll until the database holds ``at_least`` relationships (the load is well under way)."""
    deadline = time.monotonic() + LOAD_TIMEOUT_S
    while time.monotonic() < deadline:
        count = relationship_count(driver, database)
        if count >= at_least:
            return count
        running = loader.poll() is None if isinstance(loader, subprocess.Popen) else loader.is_alive()
        assert running, "the load ended before the fault could be injected"
        time.sleep(0.05)
    raise AssertionError("the load never got going")


def _one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    assert "Traceback" not in stderr, stderr
    assert len(lines) == 1 and lines[0].startswith("kg: error: "), stderr
    return lines[0]


# --- the client killed: partial data kept, loading again completes it ---------------------------


def test_loading_again_after_kg_load_was_killed_equals_a_clean_load(
        clean_load, big_graph, big_graph_file, neo4j_settings, neo4j_driver):
    database = neo4j_settings.database
    empty(neo4j_driver, database)
    loader = _kg_load(big_graph_file, neo4j_settings)
    try:
        _wait_for_relationships(neo4j_driver, database, clean_load["relationships"] // 5, loader)
        loader.send_signal(signal.SIGKILL)
        loader.wait(timeout=60)
    finally:
        if loader.poll() is None:
            loader.kill()
            loader.wait()
    assert loader.returncode == -signal.SIGKILL
    partial = relationship_count(neo4j_driver, database)
    assert 0 < partial < clean_load["relationships"]  # killed halfway, what it committed kept

    load_graph(big_graph, settings=neo4j_settings)  # again
    assert state_digest(neo4j_driver, database) == clean_load


# --- every connection cut halfway: retried, one load completes ----------------------------------


# A Bolt COMMIT message as a client sends it: one chunk of two bytes (an empty struct, signature
# 0x12), then the end-of-message marker.
BOLT_COMMIT = b"\x00\x02\xb0\x12\x00\x00"


class CuttingProxy:
    """A TCP proxy in front of Neo4j that can cut every connection at once (what the driver sees
    of a network failure or a server restart) and then refuse connections for a while; armed, it
    does so just after passing a COMMIT on to the server, so the client never learns whether its
    transaction was committed (the driver's IncompleteCommit, which it does not retry)."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.refuse_until = 0.0
        self.cut = 0
        self.cut_commits = 0
        self._armed = threading.Event()
        self._muted: set[socket.socket] = set()  # servers whose answers are swallowed
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def cut_after_next_commit(self) -> None:
        self._armed.set()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if time.monotonic() < self.refuse_until:
                self._reset(client)
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=10)
            except OSError:
                self._reset(client)
                continue
            server.settimeout(None)
            with self._lock:
                self._open += [client, server]
            for source, target, upstream in ((client, server, True), (server, client, False)):
                threading.Thread(target=self._pump, args=(source, target, upstream), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, upstream: bool) -> None:
        try:
            while data := source.recv(65536):
                commit = upstream and BOLT_COMMIT in data and self._armed.is_set()
                if commit:
                    self._armed.clear()
                    self._muted.add(target)  # the server's answer to this COMMIT never arrives
                if source in self._muted:
                    continue
                target.sendall(data)
                if commit:
                    self.cut_commits += 1
                    time.sleep(0.5)  # the server commits meanwhile
                    self.cut_all(refuse_for=1.0)
        except OSError:
            pass
        finally:
            for end in (source, target):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    @staticmethod
    def _reset(sock: socket.socket) -> None:
        # SO_LINGER 0: close() sends a reset, as a dead peer's kernel would.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()

    def cut_all(self, *, refuse_for: float) -> None:
        self.refuse_until = time.monotonic() + refuse_for
        with self._lock:
            cut, self._open = self._open, []
        for sock in cut:
            self._reset(sock)
        self.cut += len(cut) // 2

    def close(self) -> None:
        self.listener.close()
        self.cut_all(refuse_for=0)


def test_connections_cut_halfway_are_retried_and_the_load_equals_a_clean_load(
        clean_load, big_graph, neo4j_settings, neo4j_driver):
    host, port = re.match(r"^[a-z+]+://([^:/]+):(\d+)", neo4j_settings.uri).groups()
    if not neo4j_settings.uri.startswith("bolt://"):
        pytest.skip("the proxy speaks to a direct bolt:// server")
    database = neo4j_settings.database
    empty(neo4j_driver, database)
    proxy = CuttingProxy((host, int(port)))
    through_proxy = Neo4jSettings(uri=f"bolt://127.0.0.1:{proxy.port}", username=neo4j_settings.username,
                                  password=neo4j_settings.password, database=database)
    outcome: dict = {}

    def load() -> None:
        try:
            outcome["summary"] = load_graph(big_graph, settings=through_proxy)
        except BaseException as error:  # reported below
            outcome["error"] = error

    loader = threading.Thread(target=load, daemon=True)
    loader.start()
    try:
        # First a plain cut (transactions running, connections refused for a while), then a cut
        # just after a COMMIT went through: the answer lost, the client cannot know it committed.
        at_cut = _wait_for_relationships(neo4j_driver, database, clean_load["relationships"] // 5, loader)
        proxy.cut_all(refuse_for=1.0)
        _wait_for_relationships(neo4j_driver, database, clean_load["relationships"] // 2, loader)
        proxy.cut_after_next_commit()
        loader.join(LOAD_TIMEOUT_S)
    finally:
        proxy.close()
    assert not loader.is_alive(), "the load hung after its connections were cut"
    assert "error" not in outcome, repr(outcome.get("error"))
    # Both cuts hit open connections; the second one a commit whose answer was lost, which only
    # a retry of kg's own gets past (the driver gives up on it).
    assert proxy.cut >= 2 and proxy.cut_commits == 1 and at_cut < clean_load["relationships"]
    assert state_digest(neo4j_driver, database) == clean_load


# --- the server killed halfway, then restarted ------------------------------------------------


def _server_env(run_dir: Path, password: str, port: int = 0) -> dict[str, str]:
    return {**os.environ, "NEO4J_PASSWORD": password, "KG_NEO4J_RUN_DIR": str(run_dir),
            "KG_NEO4J_PORT": str(port), "KG_NEO4J_TLS": "0"}


def _start_server(run_dir: Path, password: str, port: int = 0) -> str:
    done = subprocess.run(["bash", str(SERVER_SCRIPT), "start"], env=_server_env(run_dir, password, port),
                          capture_output=True, text=True, timeout=START_TIMEOUT_S, check=False)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines or not lines[-1].startswith("bolt://"):
        raise RuntimeError(f"server.sh start exited {done.returncode}: {done.stderr.strip()[-2000:]}")
    return lines[-1].strip()


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not yet reaped by init, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _kill_server(run_dir: Path) -> None:
    """SIGKILL the server's JVM (no shutdown hook runs) and delete the data folder it leaves."""
    pid = int((run_dir / "pid").read_text())
    home = re.search(r"data in (\S+)", (run_dir / "server.log").read_text(errors="replace"))
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.05)
    # The dead server's state files: server.sh would take a zombie (not yet reaped) for a live
    # server and refuse to start another from this folder.
    for stale in ("uri", "pid"):
        (run_dir / stale).unlink(missing_ok=True)
    if home and Path(home.group(1)).name.startswith("kg-neo4j-"):
        shutil.rmtree(home.group(1), ignore_errors=True)


class ServerKillScenario:
    """The server-kill fault, against a test server of its own (the session's server stays up for
    the other tests). It runs in a background thread from the start of this module: most of it is
    waiting (for the JVM to start, for the killed load to give up after the driver's retry
    window), and the other fault tests use that time. The test at the end checks what it found."""

    def __init__(self, run_dir: Path, graph_file: Path) -> None:
        self.run_dir = run_dir
        self.graph_file = graph_file
        self.password = secrets.token_urlsafe(18)
        self.results: dict = {}
        self.thread = threading.Thread(target=self._run, name="server-kill-scenario", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self._scenario()
        except BaseException as error:  # re-raised by the test
            self.results["error"] = error

    def _scenario(self) -> None:
        try:
            uri = _start_server(self.run_dir, self.password)
        except (OSError, RuntimeError, subprocess.TimeoutExpired) as error:
            self.results["unavailable"] = str(error)
            return
        settings = Neo4jSettings(uri=uri, username="neo4j", password=self.password)
        relations = len(json.loads(self.graph_file.read_text(encoding="utf-8"))["edges"])
        with connect(settings) as driver:
            loader = _kg_load(self.graph_file, settings)
            try:
                self.results["at_kill"] = _wait_for_relationships(driver, None, relations // 10, loader)
            except BaseException:
                loader.kill()
                raise
        killed_at = time.monotonic()
        _kill_server(self.run_dir)

        silent, silent_port = _silent_port()
        unreachable = {
            "refused": Neo4jSettings(uri=f"bolt://127.0.0.1:{_closed_port()}", password="pw-never-shown"),
            "silent": Neo4jSettings(uri=f"bolt://127.0.0.1:{silent_port}", password="pw-never-shown"),
        }
        try:
            with ThreadPoolExecutor(max_workers=4) as pool:
                # While the killed load retries: try two servers that cannot be reached at all,
                # restart the server from the same run folder on a new port (on the old one, the
                # killed load's retries would reach the new, empty database), load again at once.
                started = time.monotonic()
                waits = {name: pool.submit(_finish, _kg_load(self.graph_file, other))
                         for name, other in unreachable.items()}
                waits["killed"] = pool.submit(_finish, loader)
                again = Neo4jSettings(uri=_start_server(self.run_dir, self.password), username="neo4j",
                                      password=self.password)
                waits["again"] = pool.submit(_finish, _kg_load(self.graph_file, again))
                self.results["ended"] = {name: wait.result() for name, wait in waits.items()}
        finally:
            silent.close()
        self.results["killed_at"], self.results["started"] = killed_at, started
        if self.results["ended"]["again"][0] == 0:
            with connect(again) as driver:
                self.results["digest"] = state_digest(driver)
        self._freeze(again, relations)

    def _freeze(self, settings: Neo4jSettings, relations: int) -> None:
        """Load into the restarted server again (emptied), SIGSTOP it halfway, time the load's end."""
        with connect(settings) as driver:
            empty(driver)
            loader = _kg_load(self.graph_file, settings,
                              extra_env={"KG_NEO4J_TRANSACTION_TIMEOUT": str(FROZEN_TIMEOUT_S)})
            try:
                self.results["at_freeze"] = _wait_for_relationships(driver, None, relations // 10, loader)
            except BaseException:
                loader.kill()
                raise
        pid = int((self.run_dir / "pid").read_text())
        os.kill(pid, signal.SIGSTOP)
        frozen_at = time.monotonic()
        try:
            self.results["frozen"] = (*_finish(loader), frozen_at)
        finally:
            os.kill(pid, signal.SIGCONT)

    def wait(self) -> dict:
        self.thread.join(START_TIMEOUT_S + 4 * LOAD_TIMEOUT_S)
        assert not self.thread.is_alive(), "the server-kill scenario hung"
        if "error" in self.results:
            raise self.results["error"]
        if "unavailable" in self.results:
            _unavailable(self.results["unavailable"])
        return self.results

    def close(self) -> None:
        self.thread.join(START_TIMEOUT_S + 4 * LOAD_TIMEOUT_S)
        # Nothing in the server is worth a clean shutdown (which takes seconds): kill it.
        if (self.run_dir / "pid").exists():
            try:
                _kill_server(self.run_dir)
            except (OSError, ValueError):
                subprocess.run(["bash", str(SERVER_SCRIPT), "stop"], env=_server_env(self.run_dir, self.password),
                               check=False, capture_output=True, timeout=120)


@pytest.fixture(scope="module", autouse=True)
def server_kill_scenario(request, big_graph_file, tmp_path_factory) -> Iterator[ServerKillScenario | None]:
    wanted = any(item.name.startswith(("test_a_server_killed", "test_a_frozen_server")) for item in request.session.items
                 if item.module is request.module)
    if not wanted:  # deselected: no server to start
        yield None
        return
    scenario = ServerKillScenario(tmp_path_factory.mktemp("neo4j-killed"), big_graph_file)
    try:
        yield scenario
    finally:
        scenario.close()


def _finish(process: subprocess.Popen) -> tuple[int, str, str, float]:
    """Wait for ``process``: its exit code, output, and the moment it ended."""
    stdout, stderr = process.communicate(timeout=LOAD_TIMEOUT_S)
    return process.returncode, stdout, stderr, time.monotonic()


def _silent_port() -> tuple[socket.socket, int]:
    """A port that accepts TCP connections (the kernel's backlog) and never says a word."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=8)
    return listener, listener.getsockname()[1]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_server_killed_halfway_fails_the_load_in_one_line_and_loading_again_equals_a_clean_load(
        clean_load, server_kill_scenario):
    results = server_kill_scenario.wait()
    assert results["at_kill"] < clean_load["relationships"]  # killed halfway
    code, stdout, stderr, at = results["ended"]["killed"]
    assert code == 2
    assert "cannot reach Neo4j" in _one_error_line(stderr) and server_kill_scenario.password not in stderr
    assert at - results["killed_at"] < GIVE_UP_BOUND_S
    for name in ("refused", "silent"):
        code, stdout, stderr, at = results["ended"][name]
        assert code == 2, (name, stderr)
        assert "cannot reach Neo4j at bolt://127.0.0.1:" in _one_error_line(stderr)
        assert "pw-never-shown" not in stdout + stderr
        assert at - results["started"] < UNREACHABLE_BOUND_S, name
    code, _, stderr, _ = results["ended"]["again"]
    assert code == 0, stderr
    assert results["digest"] == clean_load


def test_a_frozen_server_fails_the_load_in_one_line_within_the_transaction_timeout(server_kill_scenario):
    results = server_kill_scenario.wait()
    code, stdout, stderr, ended, frozen_at = results["frozen"]
    assert code == 2, stderr
    line = _one_error_line(stderr)
    assert f"did not answer within {FROZEN_TIMEOUT_S} s" in line and "KG_NEO4J_TRANSACTION_TIMEOUT" in line
    assert server_kill_scenario.password not in stdout + stderr
    assert FROZEN_TIMEOUT_S <= ended - frozen_at < FROZEN_BOUND_S
