#!/usr/bin/env python3
"""What the isolation gateway costs: the same small queries from a workspace session and from an
owner session of one server, alternately (owner, workspace, owner, ...), medians per round.

Three shapes: a simple-protocol query whose text changes every time (so the statement cache never
answers and the gateway checks each one in full), the same from a prepared statement (the check
runs once, at Parse; each execution pays only what writing statements pay, the fence), and an
INSERT (which runs under the fence in a transaction of its own).

usage: isolation.py [--rounds N] [--queries N]
Writes bench/results/isolation.json and .md.
"""
import argparse
import datetime
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

import psycopg

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "test", "integration"))
from conftest import Host  # noqa: E402


def per_query_ms(conn, shape, n, offset):
    cur = conn.cursor()
    start = time.perf_counter()
    for i in range(n):
        if shape == "simple":
            cur.execute(f"SELECT x FROM t WHERE x = {offset + i}").fetchall()
        elif shape == "prepared":
            cur.execute("SELECT x FROM t WHERE x = %s", (offset + i,), prepare=True).fetchall()
        else:
            cur.execute(f"INSERT INTO log VALUES ({offset + i})")
    return (time.perf_counter() - start) * 1000 / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--queries", type=int, default=300)
    args = ap.parse_args()
    # A host database in a temporary folder: the workspace's file goes beside it.
    workdir = tempfile.mkdtemp(prefix="pgwire-isolation-bench-")
    h = Host(database=os.path.join(workdir, "host.duckdb"), start_args="0, password := 'pw'")
    try:
        h.sql("SELECT * FROM pgwire_create_workspace('bench_ws')")
        [[user, password]] = h.sql("SELECT name, password FROM pgwire_create_user(workspace := 'bench_ws')")
        for catalog in ("host", "bench_ws"):
            h.sql(f"CREATE TABLE {catalog}.main.t AS SELECT range AS x FROM range(1000)")
            h.sql(f"CREATE TABLE {catalog}.main.log (x BIGINT)")
        owner = psycopg.connect(h.dsn(dbname="host"), autocommit=True)
        workspace = psycopg.connect(
            f"host=127.0.0.1 port={h.port} user={user} password={password} dbname=bench_ws", autocommit=True
        )
        sessions = {"owner": owner, "workspace": workspace}
        results = {}
        for shape in ("simple", "prepared", "insert"):
            samples = {name: [] for name in sessions}
            for name, conn in sessions.items():  # warm up
                per_query_ms(conn, shape, 50, 10_000_000)
            for r in range(args.rounds):
                for name, conn in sessions.items():
                    samples[name].append(per_query_ms(conn, shape, args.queries, r * args.queries))
            med = {name: statistics.median(v) for name, v in samples.items()}
            results[shape] = {
                "owner_ms": round(med["owner"], 4),
                "workspace_ms": round(med["workspace"], 4),
                "added_ms": round(med["workspace"] - med["owner"], 4),
                "rounds": {name: [round(x, 4) for x in v] for name, v in samples.items()},
            }
        report = {
            "when": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "queries_per_round": args.queries,
            "rounds": args.rounds,
            "results": results,
        }
    finally:
        h.close()
        shutil.rmtree(workdir, ignore_errors=True)
    out = os.path.join(HERE, "results")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "isolation.json"), "w") as f:
        json.dump(report, f, indent=2)
    lines = [
        f"# Isolation gateway cost ({report['when']})",
        "",
        f"Median per-query latency over {args.rounds} alternating rounds of {args.queries} queries, one server.",
        "",
        "| shape | owner ms | workspace ms | added ms |",
        "|---|---|---|---|",
    ]
    for shape, r in results.items():
        lines.append(f"| {shape} | {r['owner_ms']:.3f} | {r['workspace_ms']:.3f} | {r['added_ms']:+.3f} |")
    with open(os.path.join(out, "isolation.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
