"""The host process exits while pgwire is busy: it must neither crash nor hang.

Each run is a real host (Python duckdb, or the DuckDB CLI) that starts the server, puts sessions
in every state — idle, inside a transaction, running a long query, stuck sending a result to a
client that does not read, in the middle of COPY FROM STDIN, ending (so their connection's reset
is running) — and then exits, sometimes after closing its own database connection (which sets the
extension's release path going at the same moment). The watchdog polls every millisecond, so it
is mid-query when the process goes. A random pause before exit moves the moment around.

`make test` runs PGWIRE_EXIT_RUNS (default 100) Python runs and a fifth as many CLI runs, four
processes at a time; `make exit-soak` (PGWIRE_EXIT_RUNS=2000) is the long loop to run by hand.
"""
import os
import queue
import random
import subprocess
import sys
import textwrap
import threading
from concurrent.futures import ThreadPoolExecutor

from conftest import EXTENSION

RUNS = int(os.environ.get("PGWIRE_EXIT_RUNS", "100"))
CLI_RUNS = max(10, RUNS // 5)
PARALLEL = int(os.environ.get("PGWIRE_EXIT_PARALLEL", "4"))
# A run takes well under a second; a hang is anything past this.
HANG = 30


# Sessions that come and go while the host exits: connect, prepare, query, sometimes leave
# state behind (then the connection's full reset runs), hang up. Ends when the server is gone.
CHURN = """
import sys, threading, time
import psycopg

def churn(port, n):
    dsn = f'host=127.0.0.1 port={port} user=duckdb password=pw dbname=memory'
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            with psycopg.connect(dsn, autocommit=True, connect_timeout=2) as c:
                c.execute('SELECT %s::INTEGER + i FROM range(3) t(i)', (n,)).fetchall()
                if n % 2:
                    c.execute('CREATE TEMP TABLE t AS SELECT 1 AS x')
                n += 1
        except psycopg.Error:
            return  # the server is gone

port = int(sys.argv[1])
threads = [threading.Thread(target=churn, args=(port, i)) for i in range(3)]
[t.start() for t in threads]
[t.join() for t in threads]
"""

ENV = {
    **os.environ,
    "EXT": EXTENSION,
    "PGWIRE_MAX_CONNECTIONS": "16",
    "PGWIRE_WATCHDOG_INTERVAL_MS": "1",
    "CHURN": CHURN,
}

# The clients: one function for both hosts, given the port. Leaves every session in its state.
CLIENTS = """
import os, random, subprocess, sys, time
import psycopg

def busy_clients(port, rng):
    # Half the runs leave no statement running: then a host that closes its database has the
    # extension release everything at once, right as the process exits.
    heavy = rng.random() < 0.5
    dsn = f'host=127.0.0.1 port={port} user=duckdb password=pw dbname=memory'
    subprocess.Popen([sys.executable, '-c', os.environ['CHURN'], str(port)],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    keep = []
    idle = psycopg.connect(dsn, autocommit=True)
    idle.execute('SELECT 1')
    keep.append(idle)
    txn = psycopg.connect(dsn)
    txn.execute('CREATE TEMP TABLE scratch AS SELECT range AS i FROM range(1000)')
    keep.append(txn)
    # Sessions that leave state behind and hang up: their connections' full reset (inventory,
    # drop, verify) runs on their threads while the process exits.
    for _ in range(rng.randint(1, 3)):
        leaving = psycopg.connect(dsn, autocommit=True)
        leaving.execute('CREATE TEMP TABLE gone AS SELECT 1 AS x')
        leaving.execute("SET VARIABLE v = 1")
        leaving.close()
    if not heavy:
        return keep
    running = psycopg.connect(dsn, autocommit=True)
    running.pgconn.send_query(b'SELECT count(*) FROM range(1000000000000) t(i) WHERE hash(i) = 0')
    keep.append(running)
    # Asks for far more than the socket buffers hold, then never reads.
    stuck = psycopg.connect(dsn, autocommit=True)
    stuck.pgconn.send_query(b"SELECT i, repeat('x', 200) FROM range(10000000) t(i)")
    keep.append(stuck)
    copying = psycopg.connect(dsn, autocommit=True)
    copying.execute('CREATE TABLE IF NOT EXISTS sink(i INTEGER)')
    copying.pgconn.send_query(b'COPY sink FROM STDIN')
    copying.pgconn.get_result()  # CopyInResponse: the server now waits for the data
    copying.pgconn.put_copy_data(b'1\\n2\\n3\\n')
    copying.pgconn.flush()
    keep.append(copying)
    return keep
"""

PYTHON_HOST = CLIENTS + """
import os, sys, duckdb
rng = random.Random(int(sys.argv[1]))
con = duckdb.connect(config={'allow_unsigned_extensions': 'true'})
# No progress bar on stdout (the test reads it): under load pgwire_start can pass its 2 s
# threshold while it installs the catalog.
con.execute('SET enable_progress_bar = false')
con.load_extension(os.environ['EXT'])
port = con.execute("SELECT port FROM pgwire_start(0, password := 'pw', max_connections := 16)").fetchall()[0][0]
keep = busy_clients(port, rng)
if rng.random() < 0.5:
    # The host lets go of its database first: the watchdog then releases ours as we exit.
    con.close()
time.sleep(rng.uniform(0, 0.03))
print('ok', flush=True)
sys.exit(0)
"""

CLI_CLIENT = CLIENTS + """
import sys
rng = random.Random(int(sys.argv[1]))
keep = busy_clients(int(sys.argv[2]), rng)
time.sleep(rng.uniform(0, 0.03))
print('ready', flush=True)
sys.stdin.read()  # holds the sessions until the test is done with the host
"""


def python_run(seed):
    try:
        result = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(PYTHON_HOST), str(seed)],
            capture_output=True,
            text=True,
            timeout=HANG,
            env=ENV,
        )
    except subprocess.TimeoutExpired:
        return f"seed {seed}: hung"
    if result.returncode != 0 or result.stdout.strip() != "ok":
        return f"seed {seed}: exit {result.returncode}: {result.stdout[-300:]!r} {result.stderr[-2000:]}"
    return None


def lines_of(stream):
    """The lines `stream` will give, read on a thread: a host that dies or hangs before it
    answers cannot hang the test."""
    lines = queue.Queue()

    def pump():
        for line in stream:
            lines.put(line.strip())
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def next_line(lines):
    try:
        return lines.get(timeout=HANG)
    except queue.Empty:
        return None


def cli_run(seed):
    """The DuckDB CLI as host, leaving by `.quit` or by the end of its input."""
    cli = os.path.join(os.path.dirname(sys.executable), "duckdb")
    host = subprocess.Popen(
        [cli, "-unsigned", "-csv"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    client = None
    try:
        host.stdin.write(f"LOAD '{EXTENSION}';\nSELECT port FROM pgwire_start(0, password := 'pw', max_connections := 16);\n")
        host.stdin.flush()
        out = lines_of(host.stdout)
        if next_line(out) != "port":
            host.kill()
            return f"cli seed {seed}: pgwire_start gave no port: {host.communicate()[1][-2000:]}"
        port = int(next_line(out))
        client = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(CLI_CLIENT), str(seed), str(port)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=ENV,
        )
        if next_line(lines_of(client.stdout)) != "ready":
            return f"cli seed {seed}: the clients did not get ready"
        if seed % 2:
            host.stdin.write(".quit\n")
            host.stdin.flush()
        else:
            host.stdin.close()
        try:
            code = host.wait(timeout=HANG)
        except subprocess.TimeoutExpired:
            return f"cli seed {seed}: hung"
        if code != 0:
            return f"cli seed {seed}: exit {code}: {host.stderr.read()[-2000:]}"
        return None
    finally:
        for proc in (host, client):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()


def failures(run, seeds):
    with ThreadPoolExecutor(PARALLEL) as pool:
        return [f for f in pool.map(run, seeds) if f]


def test_python_host_exits_cleanly_whatever_pgwire_is_doing():
    seeds = random.Random().sample(range(10**9), RUNS)
    failed = failures(python_run, seeds)
    assert not failed, f"{len(failed)} of {RUNS} runs failed:\n" + "\n".join(failed[:5])


def test_duckdb_cli_exits_cleanly_by_quit_and_by_end_of_input_with_busy_sessions():
    seeds = random.Random().sample(range(10**9), CLI_RUNS)
    failed = failures(cli_run, seeds)
    assert not failed, f"{len(failed)} of {CLI_RUNS} runs failed:\n" + "\n".join(failed[:5])
