"""Fixtures: real DuckDB hosts with the built extension, reached by real PostgreSQL clients."""
import json
import os
import shutil
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
EXTENSION = os.environ.get("PGWIRE_EXTENSION") or os.path.join(
    HERE, "..", "..", "build", "release", "pgwire.duckdb_extension"
)
PASSWORD = "pw"


class Host:
    """A Python process hosting DuckDB with pgwire started on a free port."""

    def __init__(self, database=":memory:", start_args=None, env=None, extra_args=()):
        args = [sys.executable, os.path.join(HERE, "host.py"), EXTENSION, database]
        if start_args:
            args.append(start_args)
        args += list(extra_args)
        self.proc = subprocess.Popen(
            args,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, **(env or {})},
        )
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("host did not start")
        self.started = json.loads(line)
        self.port = self.started["port"]

    def ask(self, request):
        """One request to host.py (a JSON line) and its answer; its error raised here."""
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        answer = json.loads(self.proc.stdout.readline())
        if "error" in answer:
            raise RuntimeError(answer["error"])
        return answer

    def sql(self, query):
        """Run SQL in the host itself (as the CLI user would) and return its rows."""
        return self.ask({"sql": query})["rows"]

    def time(self, query):
        """Seconds the host takes to run a query and fetch its rows, in its own process."""
        return self.ask({"time": query})["seconds"]

    def dsn(self, user="duckdb", password=PASSWORD, **extra):
        parts = {"host": "127.0.0.1", "port": self.port, "user": user, "password": password, "dbname": "memory"}
        parts.update(extra)
        return " ".join(f"{k}={v}" for k, v in parts.items())

    def close(self, timeout=30):
        """Close stdin (the host closes its database and exits) and wait."""
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                return self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise
        return self.proc.returncode

    def rss_kb(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0


class CliHost:
    """The DuckDB CLI (1.5.6) hosting pgwire, with the same interface as `Host`: what differs
    between DuckDB versions (the serialized syntax tree the isolation gateway reads, ...) is
    tried on both."""

    END = "__pgwire_test_end__"

    def __init__(self, database=":memory:", start_args="0, password := 'pw'"):
        cli = os.path.join(os.path.dirname(sys.executable), "duckdb")
        self.proc = subprocess.Popen(
            [cli, "-unsigned", "-json", database],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=os.path.dirname(os.path.abspath(database)) if database != ":memory:" else None,
        )
        self.sql(f"LOAD '{EXTENSION}'")
        [[port]] = self.sql(f"SELECT port FROM pgwire_start({start_args})")
        self.port = int(port)

    def sql(self, query):
        self.proc.stdin.write(f"{query};\nSELECT '{self.END}' AS end_marker;\n")
        self.proc.stdin.flush()
        out = []
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("the DuckDB CLI exited: " + "".join(out))
            if self.END in line:
                break
            out.append(line)
        text = "".join(out).strip()
        if not text:
            return []
        try:
            return [list(row.values()) for row in json.loads(text)]
        except ValueError:
            raise RuntimeError(text)

    def dsn(self, user="duckdb", password=PASSWORD, **extra):
        return Host.dsn(self, user, password, **extra)

    def close(self, timeout=30):
        if self.proc.poll() is None:
            self.proc.stdin.write(".quit\n")
            self.proc.stdin.flush()
            try:
                return self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        return self.proc.returncode


@pytest.fixture(scope="module")
def host():
    h = Host()
    yield h
    h.close()


def both_hosts_with(kind, schema):
    """A Python 2.0.1 host or a DuckDB CLI 1.5.6 host (`kind`), with `schema`'s statements
    (separated by ";") run in it: for module fixtures parametrized over the two hosts."""
    h = Host() if kind == "python" else CliHost()
    for statement in schema.split(";"):
        h.sql(statement)
    return h


def psql(dsn, *args, check=True, timeout=60):
    """Run psql with a connection string; returns the CompletedProcess."""
    psql_bin = shutil.which("psql")
    assert psql_bin, "psql is not installed"
    result = subprocess.run(
        [psql_bin, dsn, "-X", "-v", "ON_ERROR_STOP=1", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"psql failed ({result.returncode}): {result.stderr}")
    return result


def require(present, what):
    """Skip when a client toolchain is missing on a developer machine; in CI it must be there
    (.ci/run installs it), so its absence fails."""
    if not present:
        if os.environ.get("CI"):
            pytest.fail(f"{what} is required in CI")
        pytest.skip(f"{what} is not installed")


def wait_until(predicate, timeout=10.0, interval=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
