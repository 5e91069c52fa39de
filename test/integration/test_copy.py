"""COPY ... TO STDOUT in text, CSV and binary, as psql \\copy and psycopg's copy() use it."""
import decimal
import subprocess

import psycopg
import pytest

from conftest import psql


@pytest.fixture(scope="module")
def table(host):
    host.sql(
        "CREATE TABLE copy_src AS SELECT i AS id, CASE WHEN i = 2 THEN NULL ELSE 'v' || chr(9) || i END AS name, "
        "i * 1.5 AS x FROM range(1, 4) t(i)"
    )
    return "copy_src"


def test_psql_copy_out_text(host, table):
    out = psql(host.dsn(), "-c", f"\\copy {table} to stdout").stdout
    assert out == "1\tv\\t1\t1.5\n2\t\\N\t3.0\n3\tv\\t3\t4.5\n"


def test_psql_copy_out_csv_with_header_and_options(host, table):
    out = psql(
        host.dsn(), "-c", f"\\copy (SELECT id, name FROM {table} WHERE id > 1) to stdout with (format csv, header, delimiter ';', null 'NULL')"
    ).stdout
    assert out == "id;name\n2;NULL\n3;v\t3\n"


def test_psycopg_copy_out_binary_and_text(host, table):
    with psycopg.connect(host.dsn()) as c:
        with c.cursor().copy(f"COPY {table} TO STDOUT (FORMAT binary)") as copy:
            copy.set_types(["int8", "text", "numeric"])
            assert list(copy.rows()) == [
                (1, "v\t1", decimal.Decimal("1.5")),
                (2, None, decimal.Decimal("3.0")),
                (3, "v\t3", decimal.Decimal("4.5")),
            ]
        with c.cursor().copy("COPY (SELECT * FROM range(0)) TO STDOUT (FORMAT binary)") as copy:
            assert list(copy.rows()) == []
        with c.cursor().copy(f"COPY (SELECT count(*) FROM {table}) TO STDOUT") as copy:
            assert b"".join(bytes(b) for b in copy) == b"3\n"


def test_copy_errors_are_postgres_errors(host, table):
    with psycopg.connect(host.dsn(), autocommit=True) as c:
        with pytest.raises(psycopg.errors.UndefinedTable):
            with c.cursor().copy("COPY no_such_table TO STDOUT"):
                pass
        with pytest.raises(psycopg.errors.SyntaxError):
            with c.cursor().copy(f"COPY {table} TO STDOUT (FORMAT xml)"):
                pass
        # Binary fields must have the column's binary size (psycopg sends 9 as int2 here).
        with pytest.raises(psycopg.errors.InvalidBinaryRepresentation):
            with c.cursor().copy(f"COPY {table} FROM STDIN (FORMAT binary)") as copy:
                copy.write_row((9, "x", 1))
        assert c.execute("SELECT 1").fetchone() == (1,)


def test_a_large_copy_streams(host):
    out = subprocess.run(
        ["psql", host.dsn(), "-X", "-v", "ON_ERROR_STOP=1", "-c", "\\copy (SELECT i, 'row ' || i FROM range(1000000) t(i)) to stdout"],
        capture_output=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.split(b"\n")
    assert len(lines) == 1_000_001 and lines[0] == b"0\trow 0" and lines[-2] == b"999999\trow 999999"
