#!/usr/bin/env python3
"""A DuckDB host process for the integration tests.

Opens a database, loads the extension, starts the server, prints one JSON line with what
pgwire_start returned, then runs SQL sent as JSON lines on stdin ({"sql": ...}) and answers each
with a JSON line ({"rows": [...]} or {"error": ...}); {"time": sql} answers {"seconds": s}, the
time the host itself takes to run it and fetch its rows (the bench's in-process bound, on
the same database). EOF on stdin closes the database and exits.

usage: host.py EXTENSION DATABASE [PGWIRE_START_ARGS]
"""
import json
import sys

import duckdb


def main():
    extension, database = sys.argv[1], sys.argv[2]
    start_args = sys.argv[3] if len(sys.argv) > 3 else "0, password := 'pw'"
    # No progress bar on stdout (the test reads it): under load pgwire_start can pass the
    # bar's 2 s threshold while it installs the catalog.
    con = duckdb.connect(database, config={"allow_unsigned_extensions": "true"})
    con.execute("SET enable_progress_bar = false")
    con.load_extension(extension)
    cur = con.execute(f"SELECT * FROM pgwire_start({start_args})")
    names = [d[0] for d in cur.description]
    print(json.dumps(dict(zip(names, cur.fetchall()[0]))), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        try:
            if "time" in request:
                import time

                start = time.perf_counter()
                con.execute(request["time"]).fetchall()
                print(json.dumps({"seconds": time.perf_counter() - start}), flush=True)
                continue
            rows = con.execute(request["sql"]).fetchall()
            print(json.dumps({"rows": rows}, default=str), flush=True)
        except Exception as e:  # report, keep serving
            print(json.dumps({"error": str(e)}), flush=True)
    if "--no-close" not in sys.argv:
        con.close()


if __name__ == "__main__":
    main()
