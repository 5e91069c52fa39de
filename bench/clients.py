#!/usr/bin/env python3
"""One timed fetch of a whole result by one client, in its own process (so that one client's
memory and garbage do not weigh on the next). Prints the seconds the fetch took.

usage: clients.py CLIENT DSN QUERY
CLIENT: psycopg-text | psycopg-binary | asyncpg | duckdb-arrow (DSN: a DuckDB database file)
"""
import asyncio
import sys
import time


def psycopg_fetch(dsn, query, binary):
    import psycopg

    with psycopg.connect(dsn) as conn:
        start = time.perf_counter()
        rows = conn.cursor(binary=binary).execute(query).fetchall()
        elapsed = time.perf_counter() - start
    return elapsed, len(rows)


def asyncpg_fetch(dsn, query):
    import asyncpg

    async def run():
        params = dict(part.split("=", 1) for part in dsn.split())
        conn = await asyncpg.connect(host=params["host"], port=int(params["port"]), user=params["user"],
                                     password=params["password"], database=params["dbname"])
        try:
            start = time.perf_counter()
            rows = await conn.fetch(query)
            return time.perf_counter() - start, len(rows)
        finally:
            await conn.close()

    return asyncio.run(run())


def duckdb_arrow(database, query):
    import duckdb

    conn = duckdb.connect(database, read_only=True)
    start = time.perf_counter()
    table = conn.sql(query).to_arrow_table()
    return time.perf_counter() - start, table.num_rows


def main():
    client, dsn, query = sys.argv[1:4]
    if client == "psycopg-text":
        elapsed, rows = psycopg_fetch(dsn, query, binary=False)
    elif client == "psycopg-binary":
        elapsed, rows = psycopg_fetch(dsn, query, binary=True)
    elif client == "asyncpg":
        elapsed, rows = asyncpg_fetch(dsn, query)
    elif client == "duckdb-arrow":
        elapsed, rows = duckdb_arrow(dsn, query)
    else:
        raise SystemExit(f"unknown client {client}")
    print(f"{elapsed:.6f} {rows}")


if __name__ == "__main__":
    main()
