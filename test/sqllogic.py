#!/usr/bin/env python3
"""A SQL-logic test runner for DuckDB's `.test` format, run on the built extension.

usage: sqllogic.py EXTENSION DIR_OR_FILE...

Supported records (separated by blank lines):
    require pgwire                  the extension (loaded for every file anyway)
    statement ok / statement error  a statement; for `error`, text after `----` must occur in
                                    the error message
    query <types> [rowsort]         a query; expected rows after `----`, values tab-separated,
                                    NULL as NULL, booleans as true/false
Each file runs in a fresh in-memory database with the extension loaded.
"""
import glob
import os
import sys

import duckdb


def fmt(value):
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def records(path):
    with open(path) as f:
        lines = [line.rstrip("\n") for line in f]
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip() or line.startswith("#"):
            i += 1
            continue
        start = i
        block = []
        while i < len(lines) and lines[i].strip():
            block.append(lines[i])
            i += 1
        yield start + 1, block


def run_file(extension, path):
    con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
    con.load_extension(extension)
    failures = 0
    try:
        for lineno, block in records(path):
            head = block[0].split()
            body = block[1:]
            if "----" in body:
                sep = body.index("----")
                sql, expected = "\n".join(body[:sep]), body[sep + 1:]
            else:
                sql, expected = "\n".join(body), []
            where = f"{path}:{lineno}"
            if head[0] == "require":
                continue
            if head[0] == "statement":
                try:
                    con.execute(sql)
                    if head[1] == "error":
                        print(f"FAIL {where}: expected an error\n  {sql}")
                        failures += 1
                except Exception as e:
                    if head[1] == "ok":
                        print(f"FAIL {where}: {e}\n  {sql}")
                        failures += 1
                    elif expected and "\n".join(expected) not in str(e):
                        print(f"FAIL {where}: error {str(e)!r} lacks {expected!r}")
                        failures += 1
            elif head[0] == "query":
                try:
                    rows = con.execute(sql).fetchall()
                except Exception as e:
                    print(f"FAIL {where}: {e}\n  {sql}")
                    failures += 1
                    continue
                got = ["\t".join(fmt(v) for v in row) for row in rows]
                want = list(expected)
                if len(head) > 2 and head[2] == "rowsort":
                    got, want = sorted(got), sorted(want)
                if got != want:
                    print(f"FAIL {where}:\n  {sql}\n  expected {want}\n  got      {got}")
                    failures += 1
            else:
                print(f"FAIL {where}: unknown record {head[0]!r}")
                failures += 1
    finally:
        con.close()
    return failures


def main():
    extension, targets = sys.argv[1], sys.argv[2:]
    files = []
    for t in targets:
        files += sorted(glob.glob(os.path.join(t, "*.test"))) if os.path.isdir(t) else [t]
    passed = failed = 0
    for path in files:
        n = run_file(extension, path)
        if n:
            failed += 1
        else:
            passed += 1
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed or not files else 0)


if __name__ == "__main__":
    main()
