#!/usr/bin/env python3
"""Print the platform string of the DuckDB that will load the extension (PRAGMA platform)."""
try:
    import duckdb

    platform = duckdb.connect().execute("PRAGMA platform").fetchone()[0]
    print(platform)
except Exception:  # no DuckDB in this interpreter: the only platform we build on
    print("linux_amd64")
