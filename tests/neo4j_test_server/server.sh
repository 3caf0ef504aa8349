#!/usr/bin/env bash
# A real Neo4j (Community 5.26, embedded with Bolt) for kg's tests, built from Maven Central.
#
#   NEO4J_PASSWORD=... tests/neo4j_test_server/server.sh start   builds on first use (cached), starts the server in
#                                                    the background, waits until a driver can log in as
#                                                    neo4j, and prints the bolt:// URI as its last line
#   tests/neo4j_test_server/server.sh stop                       stops it cleanly (SIGTERM, data folder removed)
#   tests/neo4j_test_server/server.sh build                      only builds
#   tests/neo4j_test_server/server.sh status                     prints the URI of the running server, or fails
#   tests/neo4j_test_server/server.sh admin ARGS...              runs neo4j-admin (org.neo4j.cli.AdminTool) from the
#                                                    same jars, e.g. admin database import full neo4j --nodes=...
#                                                    (NEO4J_HOME says where the store goes)
#
# Environment: NEO4J_PASSWORD (required by start; never printed), KG_NEO4J_RUN_DIR (state folder,
# default tests/neo4j_test_server/.run: one server per folder), KG_NEO4J_PORT (default: a free port),
# KG_NEO4J_START_TIMEOUT (seconds, default 180), KG_NEO4J_HEAP (default 2g), KG_NEO4J_HOME (serve the
# store in that folder, e.g. one neo4j-admin imported into, and keep it; default: a fresh temporary one),
# PYTHON (the interpreter with the neo4j driver that checks the login; default: the first of python3 and
# python that has it, so the one kg is installed in when it is first on the PATH),
# KG_NEO4J_TLS (default 1: when openssl is installed, Bolt also accepts TLS on the same port with a
# fresh self-signed certificate for 127.0.0.1 and localhost, RUN_DIR/tls/public.crt, so that clients
# can test bolt+s:// and neo4j+s:// by trusting that file; 0: plain Bolt only).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RUN_DIR="${KG_NEO4J_RUN_DIR:-$HERE/.run}"
TARGET="$HERE/target"
CLASSES="$TARGET/classes"
CLASSPATH_FILE="$TARGET/classpath.txt"
MAIN_CLASS="kg.testserver.TestServer"
PYTHON="${PYTHON:-}"

log() { echo "server.sh: $*" >&2; }

pid_alive() { [[ -f "$RUN_DIR/pid" ]] && kill -0 "$(cat "$RUN_DIR/pid")" 2>/dev/null; }

build_is_fresh() {
    local class_file="$CLASSES/kg/testserver/TestServer.class"
    [[ -f "$class_file" && -f "$CLASSPATH_FILE" ]] || return 1
    [[ "$class_file" -nt "$HERE/pom.xml" ]] || return 1
    [[ -z "$(find "$HERE/src" -newer "$class_file" -type f -print -quit)" ]] || return 1
    # The jars live in ~/.m2: a wiped local repository means building again.
    local jar
    while IFS= read -r -d ':' jar; do
        [[ -f "$jar" ]] || return 1
    done < <(tr -d '\n' < "$CLASSPATH_FILE"; printf ':')
}

build() {
    if build_is_fresh; then
        return 0
    fi
    command -v mvn >/dev/null || { log "Maven (mvn) is not installed"; return 1; }
    command -v java >/dev/null || { log "Java 17+ (java) is not installed"; return 1; }
    mkdir -p "$RUN_DIR"
    log "building the test Neo4j with Maven (first time downloads from Maven Central)..."
    local started=$SECONDS
    if ! mvn -B -q -f "$HERE/pom.xml" compile >"$RUN_DIR/build.log" 2>&1; then
        log "Maven build failed; last lines of $RUN_DIR/build.log:"
        tail -n 30 "$RUN_DIR/build.log" >&2
        return 1
    fi
    log "built in $((SECONDS - started)) s"
}

# The interpreter that checks the login: $PYTHON, else the first of python3 and python that has the
# neo4j driver. Without one, say so at once: waiting for a login that can never be checked would
# take minutes and then blame the password.
find_python() {
    local candidate
    if [[ -n "$PYTHON" ]]; then
        if ! "$PYTHON" -c 'import neo4j' 2>/dev/null; then
            log "PYTHON=$PYTHON has no neo4j driver (pip install neo4j, or pip install -e . in the kg checkout)"
            return 1
        fi
        return 0
    fi
    for candidate in python3 python; do
        if command -v "$candidate" >/dev/null && "$candidate" -c 'import neo4j' 2>/dev/null; then
            PYTHON="$candidate"
            return 0
        fi
    done
    log "no Python with the neo4j driver on the PATH to check the login: pip install -e . in the kg checkout, or set PYTHON"
    return 1
}

# Exits 0 once user neo4j can log in at $1 with NEO4J_PASSWORD (read from the environment, not argv).
can_log_in() {
    "$PYTHON" - "$1" <<'PY' 2>/dev/null
import os, sys
from neo4j import GraphDatabase
with GraphDatabase.driver(sys.argv[1], auth=("neo4j", os.environ["NEO4J_PASSWORD"]),
                          connection_timeout=3) as driver:
    driver.verify_connectivity()
PY
}

# A throw-away key and self-signed certificate for TLS on Bolt; prints the folder, or nothing
# when TLS is off or openssl is missing (plain Bolt then).
make_tls() {
    [[ "${KG_NEO4J_TLS:-1}" != "0" ]] || return 0
    if ! command -v openssl >/dev/null; then
        log "openssl is not installed: Bolt without TLS"
        return 0
    fi
    local dir="$RUN_DIR/tls"
    rm -rf "$dir"
    mkdir -p "$dir"
    if ! openssl req -x509 -newkey rsa:2048 -nodes -days 7 -subj "/CN=localhost" \
            -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
            -keyout "$dir/private.key" -out "$dir/public.crt" >"$RUN_DIR/tls.log" 2>&1; then
        log "could not make a TLS certificate (see $RUN_DIR/tls.log): Bolt without TLS"
        rm -rf "$dir"
        return 0
    fi
    chmod 600 "$dir/private.key"
    echo "$dir"
}

start() {
    if [[ -z "${NEO4J_PASSWORD:-}" ]]; then
        log "NEO4J_PASSWORD is not set: it becomes the password of user neo4j"
        return 2
    fi
    find_python || return 1
    if pid_alive && [[ -f "$RUN_DIR/uri" ]]; then
        local uri
        uri="$(cat "$RUN_DIR/uri")"
        if can_log_in "$uri"; then
            echo "$uri"
            return 0
        fi
        log "a server is running from $RUN_DIR but refuses this password; stop it first"
        return 1
    fi
    build
    mkdir -p "$RUN_DIR"
    rm -f "$RUN_DIR/uri" "$RUN_DIR/pid"
    local classpath tls_dir
    classpath="$CLASSES:$(tr -d '\n' < "$CLASSPATH_FILE")"
    tls_dir="$(make_tls)"
    # setsid: the server outlives this script and ignores signals aimed at the caller's terminal.
    setsid nohup java "-Xmx${KG_NEO4J_HEAP:-2g}" -XX:+UseParallelGC -cp "$classpath" \
        "$MAIN_CLASS" "$RUN_DIR" "${KG_NEO4J_PORT:-0}" "$tls_dir" >"$RUN_DIR/server.log" 2>&1 </dev/null &
    echo $! >"$RUN_DIR/pid"

    local deadline=$((SECONDS + ${KG_NEO4J_START_TIMEOUT:-180}))
    until [[ -f "$RUN_DIR/uri" ]]; do
        if ! pid_alive; then
            log "the server exited while starting; last lines of $RUN_DIR/server.log:"
            tail -n 30 "$RUN_DIR/server.log" >&2
            rm -f "$RUN_DIR/pid"
            return 1
        fi
        if ((SECONDS >= deadline)); then
            log "the server did not start within ${KG_NEO4J_START_TIMEOUT:-180} s"
            stop >/dev/null
            return 1
        fi
        sleep 0.5
    done
    local uri
    uri="$(cat "$RUN_DIR/uri")"
    until can_log_in "$uri"; do
        if ! pid_alive || ((SECONDS >= deadline)); then
            log "no driver login at $uri; last lines of $RUN_DIR/server.log:"
            tail -n 30 "$RUN_DIR/server.log" >&2
            stop >/dev/null
            return 1
        fi
        sleep 0.5
    done
    echo "$uri"
}

stop() {
    if ! pid_alive; then
        rm -f "$RUN_DIR/pid" "$RUN_DIR/uri"
        log "no server running from $RUN_DIR"
        return 0
    fi
    local pid
    pid="$(cat "$RUN_DIR/pid")"
    kill -TERM "$pid"
    local deadline=$((SECONDS + 60))
    while kill -0 "$pid" 2>/dev/null; do
        if ((SECONDS >= deadline)); then
            log "the server did not stop within 60 s; killing it"
            kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.2
    done
    rm -f "$RUN_DIR/pid" "$RUN_DIR/uri"
    log "stopped"
}

admin() {
    build
    local classpath
    classpath="$CLASSES:$(tr -d '\n' < "$CLASSPATH_FILE")"
    exec java "-Xmx${KG_NEO4J_HEAP:-2g}" -cp "$classpath" org.neo4j.cli.AdminTool "$@"
}

status() {
    if pid_alive && [[ -f "$RUN_DIR/uri" ]]; then
        cat "$RUN_DIR/uri"
    else
        log "no server running from $RUN_DIR"
        return 1
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    build) build ;;
    status) status ;;
    admin) shift; admin "$@" ;;
    *) echo "usage: $0 start|stop|build|status|admin ARGS..." >&2; exit 2 ;;
esac
