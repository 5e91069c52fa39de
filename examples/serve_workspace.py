#!/usr/bin/env python3
"""Serve one workspace to PostgreSQL clients from a Python DuckDB host, until Ctrl-C.

    python examples/serve_workspace.py [--port 5432] [--dir example-data]

Makes (once) two project tables in the layout projects keep them, one DuckDB file per table
holding table `data`; a host database with workspace `ws_sales` that sees both as
`in_c_sales.orders` and `in_c_sales.customers`; and a user for it, whose name and password it
prints with the psql command to connect. Ctrl-C stops the server cleanly: running statements
get a grace period, open transactions are rolled back, nothing committed is lost.
"""
import argparse
import os
import signal
import threading

import duckdb

HERE = os.path.dirname(os.path.abspath(__file__))
EXTENSION = os.path.join(HERE, "..", "build", "release", "pgwire.duckdb_extension")


def project_table(path, sql):
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        con = duckdb.connect(path)
        con.execute(f"CREATE TABLE data AS {sql}")
        con.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5432)
    parser.add_argument("--dir", default="example-data", help="where the example's files go")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    project = os.path.join(args.dir, "in_c_sales")
    project_table(
        os.path.join(project, "orders.duckdb"),
        "SELECT i AS order_id, 'c' || (i % 50) AS customer, (random() * 100)::DECIMAL(10,2) AS amount, "
        "DATE '2026-01-01' + (i % 300)::INTEGER AS ordered_on FROM range(100000) t(i)",
    )
    project_table(
        os.path.join(project, "customers.duckdb"),
        "SELECT 'c' || i AS customer, 'Customer ' || i AS name FROM range(50) t(i)",
    )

    con = duckdb.connect(os.path.join(args.dir, "host.duckdb"), config={"allow_unsigned_extensions": "true"})
    con.load_extension(EXTENSION)
    start = con.execute(f"SELECT host, port FROM pgwire_start({args.port})").fetchone()
    if not con.execute("SELECT count(*) FROM pgwire_workspaces() WHERE name = 'ws_sales'").fetchone()[0]:
        con.execute("SELECT * FROM pgwire_create_workspace('ws_sales')").fetchall()
        for table in ("orders", "customers"):
            source = os.path.join(project, f"{table}.duckdb")
            con.execute("SELECT * FROM pgwire_grant('ws_sales', ?, 'in_c_sales', ?)", [source, table]).fetchall()
    user, password = con.execute("SELECT name, password FROM pgwire_create_user(workspace := 'ws_sales')").fetchone()
    print(f"Serving workspace ws_sales on {start[0]}:{start[1]}. Connect with:")
    print(f'    psql "host={start[0]} port={start[1]} dbname=ws_sales user={user} password={password}"')
    print("Ctrl-C stops.", flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    con.execute("SELECT * FROM pgwire_stop()").fetchall()
    con.close()
    print("stopped")


if __name__ == "__main__":
    main()
