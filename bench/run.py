#!/usr/bin/env python3
"""pgwire against PostgreSQL, side by side on this machine, and against DuckDB in-process.

Starts a real PostgreSQL (initdb into a temporary folder, loopback only, SCRAM) and a DuckDB
host serving pgwire, loads the same rows into both, runs every measurement on the two servers
alternately (A B A B ...), and reports medians and ratios (pgwire / PostgreSQL) as JSON and a
markdown table under bench/results/.

usage: run.py [--quick] [--repeats N] [--only PART,...]   (parts: select1, fetch, idle, analytics)
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
EXTENSION = os.environ.get("PGWIRE_EXTENSION") or os.path.join(ROOT, "build", "release", "pgwire.duckdb_extension")
PASSWORD = "benchpw"
# int, bigint, double and a varchar of about ten characters, the same in both databases.
ROWS_SQL = {
    "duckdb": "SELECT i::INTEGER AS a, (i * 7)::BIGINT AS b, i / 3.0 AS c, 'name_' || (i % 100000) AS d "
              "FROM range({n}) t(i)",
    "postgres": "SELECT i::integer AS a, (i * 7)::bigint AS b, i / 3.0::float8 AS c, 'name_' || (i % 100000) AS d "
                "FROM generate_series(0, {n} - 1) i",
}
FETCH_QUERY = "SELECT a, b, c, d FROM bench_rows"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_bin(name):
    for candidate in sorted(os.listdir("/usr/lib/postgresql"), reverse=True) if os.path.isdir("/usr/lib/postgresql") else []:
        path = os.path.join("/usr/lib/postgresql", candidate, "bin", name)
        if os.path.exists(path):
            return path
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found: install Debian's postgresql package")
    return found


class Postgres:
    """A throwaway PostgreSQL cluster on a free loopback port, with SCRAM for TCP logins."""

    def __init__(self, workdir):
        self.dir = os.path.join(workdir, "pgdata")
        self.port = free_port()
        # PostgreSQL refuses to run as root: run it as the postgres user then.
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        os.makedirs(self.dir)
        pwfile = os.path.join(workdir, "pgpass")
        with open(pwfile, "w") as f:
            f.write(PASSWORD + "\n")
        if self.as_user:
            shutil.chown(workdir, "postgres")
            shutil.chown(self.dir, "postgres")
            shutil.chown(pwfile, "postgres")
        self.run(pg_bin("initdb"), "-D", self.dir, "-U", "bench", "--pwfile", pwfile, "-A", "scram-sha-256",
                 "--auth-local=trust", "-E", "UTF8", "--locale=C")
        with open(os.path.join(self.dir, "postgresql.conf"), "a") as f:
            f.write(f"port = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{workdir}'\n"
                    "max_connections = 300\nfsync = off\nsynchronous_commit = off\nshared_buffers = '256MB'\n"
                    "work_mem = '64MB'\n"
                    "password_encryption = 'scram-sha-256'\n")
        self.run(pg_bin("pg_ctl"), "-D", self.dir, "-l", os.path.join(workdir, "pg.log"), "-w", "start")

    def run(self, *args):
        subprocess.run(self.as_user + list(args), check=True, stdout=subprocess.DEVNULL)

    def dsn(self):
        return f"host=127.0.0.1 port={self.port} user=bench password={PASSWORD} dbname=postgres"

    def psql(self, sql):
        return subprocess.run(["psql", self.dsn(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql],
                              check=True, capture_output=True, text=True).stdout

    def pids(self):
        with open(os.path.join(self.dir, "postmaster.pid")) as f:
            postmaster = int(f.readline())
        children = subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True, text=True).stdout.split()
        return [postmaster] + [int(p) for p in children]

    def stop(self):
        subprocess.run(self.as_user + [pg_bin("pg_ctl"), "-D", self.dir, "-m", "fast", "stop"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class DuckHost:
    """A DuckDB host process serving pgwire: the integration tests' host."""

    def __init__(self):
        sys.path.insert(0, os.path.join(ROOT, "test", "integration"))
        from conftest import Host

        self.host = Host(start_args=f"0, password := '{PASSWORD}', max_connections := 250, max_connections_per_address := 250")
        self.port = self.host.port

    def sql(self, query):
        return self.host.sql(query)

    def dsn(self):
        return self.host.dsn(password=PASSWORD)

    def pids(self):
        return [self.host.proc.pid]

    def stop(self):
        self.host.close(timeout=60)


def memory_kb(pids):
    """Proportional set size of these processes (shared pages split among their users)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                total += sum(int(line.split()[1]) for line in f if line.startswith("Pss:"))
        except FileNotFoundError:
            pass
    return total


def libpq_env(dsn):
    parts = dict(p.split("=", 1) for p in dsn.split())
    return {**os.environ, "PGHOST": parts["host"], "PGPORT": parts["port"], "PGUSER": parts["user"],
            "PGPASSWORD": parts["password"], "PGDATABASE": parts["dbname"]}


def pgbench(dsn, script, *args):
    out = subprocess.run(["pgbench", "-n", "-f", script, *args], env=libpq_env(dsn),
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr)
    tps = float(re.search(r"tps = ([\d.]+)", out.stdout).group(1))
    latency = re.search(r"latency average = ([\d.]+) ms", out.stdout)
    return tps, float(latency.group(1)) if latency else None


def timed(args, env=None):
    start = time.perf_counter()
    subprocess.run(args, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def client_fetch(client, dsn, query):
    out = subprocess.run([sys.executable, os.path.join(HERE, "clients.py"), client, dsn, query],
                         check=True, capture_output=True, text=True).stdout.split()
    return float(out[0])


class Bench:
    def __init__(self, servers, repeats, quick, workdir):
        self.servers = servers  # {"pgwire": ..., "postgres": ...}
        self.repeats = repeats
        self.quick = quick
        self.workdir = workdir
        self.results = {}

    def pair(self, name, measure, higher_is_better):
        """Run `measure(server)` on both servers alternately; keep the samples and medians."""
        samples = {"pgwire": [], "postgres": []}
        for _ in range(self.repeats):
            for which in ("pgwire", "postgres"):
                samples[which].append(measure(self.servers[which]))
        medians = {k: statistics.median(v) for k, v in samples.items()}
        ratio = medians["pgwire"] / medians["postgres"]
        self.results[name] = {"samples": samples, "median": medians, "ratio": ratio,
                              "unit": "per second" if higher_is_better else "seconds",
                              "higher_is_better": higher_is_better}
        print(f"  {name:<40} pgwire {medians['pgwire']:>10.3f}  postgres {medians['postgres']:>10.3f}  "
              f"ratio {ratio:.2f}", flush=True)
        return medians

    def select1(self):
        script = os.path.join(self.workdir, "select1.sql")
        with open(script, "w") as f:
            f.write("SELECT 1;\n")
        seconds = "3" if self.quick else "10"
        for mode in ("simple", "extended", "prepared"):
            self.pair(f"select1_tps_{mode}",
                      lambda s, mode=mode: pgbench(s.dsn(), script, "-c", "4", "-j", "2", "-T", seconds, "-M", mode)[0],
                      True)
        self.pair("connections_per_second",
                  lambda s: pgbench(s.dsn(), script, "-C", "-c", "4", "-j", "2", "-T", seconds, "-M", "simple")[0],
                  True)

    def fetch(self, lower_bound_db):
        query = FETCH_QUERY
        copy = f"\\copy ({query}) to /dev/null"
        psql = lambda s, *a: timed(["psql", s.dsn(), "-X", "-q", *a], env=os.environ)
        medians = {
            "copy": self.pair("fetch_psql_copy_seconds", lambda s: psql(s, "-c", copy), False),
            "psql": self.pair("fetch_psql_aligned_off_seconds",
                              lambda s: psql(s, "-A", "-t", "-o", "/dev/null", "-c", query), False),
        }
        for client in ("psycopg-text", "psycopg-binary", "asyncpg"):
            medians[client] = self.pair(f"fetch_{client}_seconds",
                                        lambda s, c=client: client_fetch(c, s.dsn(), query), False)
        lower = statistics.median(client_fetch("duckdb-arrow", lower_bound_db, query) for _ in range(self.repeats))
        self.results["fetch_in_process_arrow_seconds"] = {"median": lower}
        overhead = {k: v["pgwire"] / lower for k, v in medians.items()}
        self.results["wire_overhead_vs_in_process"] = overhead
        print(f"  in-process DuckDB (Arrow) {lower:.3f} s; pgwire / in-process: "
              + ", ".join(f"{k} {v:.1f}x" for k, v in overhead.items()), flush=True)

    def idle_and_busy(self):
        import psycopg

        idle_count = 50 if self.quick else 200
        script = os.path.join(self.workdir, "select1.sql")
        out = {}
        for which in ("pgwire", "postgres"):
            server = self.servers[which]
            # A first round settles allocator pools and runtime threads, so that what the
            # second round adds is what sessions cost.
            for conn in [psycopg.connect(server.dsn()) for _ in range(idle_count)]:
                conn.close()
            time.sleep(1)
            before = memory_kb(server.pids())
            idle = [psycopg.connect(server.dsn()) for _ in range(idle_count)]
            for conn in idle:
                conn.execute("SELECT 1")
            time.sleep(1)
            after = memory_kb(server.pids())
            tps, latency = pgbench(server.dsn(), script, "-c", "8", "-j", "2", "-T", "3" if self.quick else "10",
                                   "-M", "prepared")
            for conn in idle:
                conn.close()
            out[which] = {"idle_sessions": idle_count, "kb_per_idle_session": (after - before) / idle_count,
                          "busy_tps": tps, "busy_latency_ms": latency}
            print(f"  {which:<8} {idle_count} idle sessions: {(after - before) / idle_count:.0f} KB each; "
                  f"8 busy: {tps:.0f} tps, {latency:.3f} ms", flush=True)
        self.results["idle_and_busy"] = out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="a one-minute smoke run")
    parser.add_argument("--repeats", type=int)
    parser.add_argument("--only", help="comma-separated parts to run (default: all); a partial run "
                        "writes results/partial.{json,md}, not latest")
    args = parser.parse_args()
    parts = set(args.only.split(",")) if args.only else {"select1", "fetch", "idle", "analytics"}
    repeats = args.repeats or (1 if args.quick else 5)
    rows = 500_000 if args.quick else 5_000_000
    if not os.path.exists(EXTENSION):
        raise SystemExit(f"{EXTENSION} is missing: run make first")
    workdir = tempfile.mkdtemp(prefix="pgwire-bench-")
    started = time.time()
    print(f"pgwire bench ({'quick' if args.quick else 'full'}): {rows:,} rows, {repeats} repeat(s); {workdir}")
    pg = Postgres(workdir)
    try:
        duck = DuckHost()
    except Exception:
        pg.stop()
        raise
    try:
        import duckdb

        lower_bound_db = os.path.join(workdir, "lower.duckdb")
        if "fetch" in parts:
            print("loading ...", flush=True)
            duck.sql(f"CREATE TABLE bench_rows AS {ROWS_SQL['duckdb'].format(n=rows)}")
            pg.psql(f"CREATE TABLE bench_rows AS {ROWS_SQL['postgres'].format(n=rows)}")
            pg.psql("VACUUM ANALYZE bench_rows")
            with duckdb.connect(lower_bound_db) as con:
                con.execute(f"CREATE TABLE bench_rows AS {ROWS_SQL['duckdb'].format(n=rows)}")
        bench = Bench({"pgwire": duck, "postgres": pg}, repeats, args.quick, workdir)
        if "select1" in parts:
            bench.select1()
        if "fetch" in parts:
            bench.fetch(lower_bound_db)
        if "idle" in parts:
            bench.idle_and_busy()
        if "analytics" in parts:
            import analytics

            fact_rows = 1_000_000 if args.quick else 10_000_000
            print(f"loading the analytical tables ({fact_rows:,} sales) ...", flush=True)
            analytics.load(duck, pg, fact_rows)
            analytics.run(bench)
            bench.results["analytics_fact_rows"] = fact_rows
        bench.results["workspace_vs_owner"] = "not measured yet"
    finally:
        duck.stop()
        pg.stop()
    report = {
        "when": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "quick": args.quick, "rows": rows, "repeats": repeats, "machine": platform.platform(),
        "cpus": os.cpu_count(), "seconds": round(time.time() - started),
        "postgres": subprocess.run([pg_bin("postgres"), "--version"], capture_output=True, text=True).stdout.strip(),
        "results": bench.results,
    }
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    name = "partial" if args.only else "quick" if args.quick else "latest"
    with open(os.path.join(HERE, "results", f"{name}.json"), "w") as f:
        json.dump(report, f, indent=2)
    with open(os.path.join(HERE, "results", f"{name}.md"), "w") as f:
        f.write(markdown(report))
    print(markdown(report))
    shutil.rmtree(workdir, ignore_errors=True)


def markdown(report):
    r = report["results"]
    lines = [f"# pgwire vs PostgreSQL ({report['when']}, {report['rows']:,} rows, {report['repeats']} repeats, "
             f"{report['cpus']} CPUs, {report['postgres']})", "",
             "| measurement | pgwire | PostgreSQL | ratio pgwire/PostgreSQL | target |", "|---|---|---|---|---|"]
    targets = {"select1_tps_simple": ">= 1.0", "select1_tps_extended": ">= 1.0", "select1_tps_prepared": ">= 1.0",
               "connections_per_second": ">= 1.0"}
    for name, v in r.items():
        if isinstance(v, dict) and "ratio" in v:
            target = targets.get(name, "<= 0.6" if name.startswith("fetch_") else "")
            lines.append(f"| {name} | {v['median']['pgwire']:.3f} | {v['median']['postgres']:.3f} | "
                         f"{v['ratio']:.2f} | {target} |")
    if "fetch_in_process_arrow_seconds" in r:
        lines += ["", f"In-process DuckDB (fetched to Arrow): {r['fetch_in_process_arrow_seconds']['median']:.3f} s. "
                  "pgwire time / in-process time (target for \\copy: <= 1.5): "
                  + ", ".join(f"{k} {v:.2f}" for k, v in r["wire_overhead_vs_in_process"].items())]
    if "analytics" in r:
        a = r["analytics"]
        lines += ["", f"Analytical workload ({r['analytics_fact_rows']:,} sales rows; time ratio pgwire / PostgreSQL, "
                  f"target geometric mean <= 0.1, each <= 0.5): geometric mean {a['geometric_mean_ratio']:.3f}, "
                  f"worst {a['worst_ratio']:.3f}.", "",
                  "| query | rows | psql pgwire s | psql PostgreSQL s | ratio | psycopg pgwire s | psycopg PostgreSQL s "
                  "| ratio | in process s | pgwire psycopg / in process |", "|---|---|---|---|---|---|---|---|---|---|"]
        for name, q in a["queries"].items():
            p, y = q["psql"], q["psycopg"]
            lines.append(f"| {name} | {q['rows']} | {p['pgwire']:.3f} | {p['postgres']:.3f} | "
                         f"{p['pgwire'] / p['postgres']:.3f} | {y['pgwire']:.3f} | {y['postgres']:.3f} | "
                         f"{y['pgwire'] / y['postgres']:.3f} | {q['in_process_seconds']:.3f} | "
                         f"{y['pgwire'] / q['in_process_seconds']:.2f} |")
    if "idle_and_busy" in r:
        lines += ["", "| server | idle sessions | KB per idle session (PSS) | 8 busy: tps | 8 busy: latency ms |",
                  "|---|---|---|---|---|"]
        for which, v in r["idle_and_busy"].items():
            lines.append(f"| {which} | {v['idle_sessions']} | {v['kb_per_idle_session']:.0f} | {v['busy_tps']:.0f} | "
                         f"{v['busy_latency_ms']:.3f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
