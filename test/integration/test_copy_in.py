"""COPY table FROM STDIN in text, CSV and binary: bulk through DuckDB's appender, and atomic."""
import asyncio
import datetime
import decimal
import uuid

import asyncpg
import psycopg
import pytest

from conftest import psql


@pytest.fixture
def table(host):
    host.sql("DROP TABLE IF EXISTS copy_in_t")
    host.sql("CREATE TABLE copy_in_t (id INTEGER PRIMARY KEY, name VARCHAR, x DOUBLE, d DATE)")
    return "copy_in_t"


def rows(host, table):
    return host.sql(f"SELECT * FROM {table} ORDER BY id")


def test_psql_copy_in_text_and_csv(host, table, tmp_path):
    text = tmp_path / "in.txt"
    text.write_text("1\tone\t1.5\t2024-01-02\n2\t\\N\t\\N\t\\N\n3\ttab\\there\t3\t2024-03-04\n")
    assert psql(host.dsn(), "-c", f"\\copy {table} from '{text}'").stdout.strip() == "COPY 3"
    csv = tmp_path / "in.csv"
    csv.write_text('id;name;x;d\n4;"multi\nline; ""q""";4.5;2024-05-06\n5;;;\n6;"";0;2024-01-01\n')
    out = psql(host.dsn(), "-c", f"\\copy {table} from '{csv}' with (format csv, header, delimiter ';')").stdout
    assert out.strip() == "COPY 3"
    assert rows(host, table) == [
        [1, "one", 1.5, "2024-01-02"],
        [2, None, None, None],
        [3, "tab\there", 3.0, "2024-03-04"],
        [4, 'multi\nline; "q"', 4.5, "2024-05-06"],
        [5, None, None, None],
        [6, "", 0.0, "2024-01-01"],  # a quoted empty string is not NULL
    ]


def test_a_bad_row_aborts_the_whole_copy(host, table, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("1\tok\t1\t2024-01-01\n2\tbad\tnot-a-number\t2024-01-01\n3\tok\t3\t2024-01-01\n")
    result = psql(host.dsn(), "-c", f"\\copy {table} from '{bad}'", check=False)
    assert result.returncode != 0
    assert "line 2" in result.stderr
    assert rows(host, table) == []
    with psycopg.connect(host.dsn(), autocommit=True) as c:
        with pytest.raises(psycopg.errors.InvalidTextRepresentation) as info:
            with c.cursor().copy(f"COPY {table} (id, x) FROM STDIN") as copy:
                copy.write(b"1\t1.5\n2\tnope\n")
        assert info.value.diag.message_detail == f"COPY {table}, line 2"
        with pytest.raises(psycopg.errors.BadCopyFileFormat):
            with c.cursor().copy(f"COPY {table} (id, x) FROM STDIN") as copy:
                copy.write(b"1\t1.5\t9\n")
        with pytest.raises(psycopg.errors.UniqueViolation):
            with c.cursor().copy(f"COPY {table} (id) FROM STDIN") as copy:
                copy.write(b"7\n7\n")
    assert rows(host, table) == []


def test_psycopg_write_rows_client_abort_and_transactions(host, table):
    with psycopg.connect(host.dsn(), autocommit=True) as c:
        with c.cursor().copy(f"COPY {table} (id, name) FROM STDIN") as copy:
            for i in range(1, 1001):
                copy.write_row((i, f"name {i}"))
        assert c.execute(f"SELECT count(*), max(name) FROM {table}").fetchone() == (1000, "name 999")
        with pytest.raises(RuntimeError):
            with c.cursor().copy(f"COPY {table} (id) FROM STDIN") as copy:
                copy.write_row((5000,))
                raise RuntimeError("the client gives up")  # psycopg sends CopyFail
        assert c.execute(f"SELECT count(*) FROM {table}").fetchone() == (1000,)
    with psycopg.connect(host.dsn()) as c:  # inside a transaction block, rolled back with it
        with c.cursor().copy(f"COPY {table} (id) FROM STDIN") as copy:
            copy.write_row((9999,))
        c.rollback()
        assert c.execute(f"SELECT count(*) FROM {table}").fetchone() == (1000,)


def test_a_query_sent_right_after_a_refused_copy_is_answered(host, table):
    # The client pipelines its next query behind a COPY that fails before CopyInResponse:
    # the query must run, not be taken for COPY data.
    from wire import Wire, kinds

    w = Wire(host.port)
    w.startup()
    copy = f"COPY {table}_missing FROM STDIN".encode()
    w.send_raw(
        b"Q" + (4 + len(copy) + 1).to_bytes(4, "big") + copy + b"\0"
        + b"Q" + (4 + len("SELECT 1") + 1).to_bytes(4, "big") + b"SELECT 1\0"
    )
    first = w.read_until("Z")
    assert kinds(first) == "EZ" and first[0].fields()["C"] == "42P01"
    assert kinds(w.read_until("Z")) == "TDCZ"
    w.close()


ALL_TYPES = """CREATE TABLE copy_types (
    id INTEGER, small SMALLINT, big BIGINT, huge HUGEINT, real_ REAL, dbl DOUBLE, num DECIMAL(38,10),
    flag BOOLEAN, name VARCHAR, raw BLOB, day DATE, t TIMESTAMP, tz TIMESTAMPTZ, u UUID, tm TIME,
    iv INTERVAL)"""


def test_binary_copy_through_psycopg_and_asyncpg(host):
    host.sql("DROP TABLE IF EXISTS copy_types")
    host.sql(ALL_TYPES)
    row = (
        1, -32768, -(2**63), 170141183460469231731687303715884105727, 1.5, float("-inf"),
        decimal.Decimal("-1234567890123456789012345678.0123456789"), True, "héllo\tworld", b"\x00\xff\\x",
        datetime.date(1999, 12, 31), datetime.datetime(2024, 2, 29, 23, 59, 59, 999999),
        datetime.datetime(2024, 1, 1, 12, tzinfo=datetime.timezone.utc),
        uuid.UUID("12345678-1234-5678-1234-567812345678"), datetime.time(13, 14, 15, 16),
        datetime.timedelta(days=3, seconds=7, microseconds=8),
    )
    nulls = (2,) + (None,) * 15

    async def load():
        conn = await asyncpg.connect(host="127.0.0.1", port=host.port, user="duckdb", password="pw")
        try:
            # asyncpg sends COPY ... FROM STDIN (FORMAT binary), encoding by the table's types.
            assert await conn.copy_records_to_table("copy_types", records=[row, nulls]) == "COPY 2"
            got = await conn.fetch("SELECT * FROM copy_types ORDER BY id")
            assert [tuple(r) for r in got] == [row, nulls]
            # And back out: COPY (query) TO STDOUT, as copy_from_query runs it.
            import io
            buf = io.BytesIO()
            await conn.copy_from_query("SELECT id, name FROM copy_types ORDER BY id", output=buf, format="csv")
            assert buf.getvalue() == "1,héllo\tworld\n2,\n".encode()
        finally:
            await conn.close()

    asyncio.run(load())
    with psycopg.connect(host.dsn(), autocommit=True) as c:
        with c.cursor().copy("COPY copy_types (id, big, name, raw, day) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["int4", "int8", "text", "bytea", "date"])
            for i in range(3, 1003):
                copy.write_row((i, i * 10, f"n{i}", bytes([i % 256]), datetime.date(2000, 1, 1)))
        assert c.execute("SELECT count(*), sum(big), min(day) FROM copy_types WHERE id >= 3").fetchone() == (
            1000, 5025000, datetime.date(2000, 1, 1))
        # A row with the wrong field count aborts the whole COPY.
        with pytest.raises(psycopg.errors.BadCopyFileFormat) as info:
            with c.cursor().copy("COPY copy_types (id, name) FROM STDIN (FORMAT BINARY)") as copy:
                header = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
                good = b"\x00\x02" + b"\x00\x00\x00\x04" + (5000).to_bytes(4, "big") + b"\xff\xff\xff\xff"
                short = b"\x00\x01\x00\x00\x00\x04\x00\x00\x00\x07"
                copy.write(header + good + short + b"\xff\xff")
        assert info.value.diag.message_detail == "COPY copy_types, line 2"
        with pytest.raises(psycopg.errors.BadCopyFileFormat):
            with c.cursor().copy("COPY copy_types (id) FROM STDIN (FORMAT BINARY)") as copy:
                copy.write(b"not a binary copy file at all")
        assert c.execute("SELECT count(*) FROM copy_types").fetchone() == (1002,)


def test_bytea_in_text_copy(host):
    host.sql("DROP TABLE IF EXISTS copy_bytes")
    host.sql("CREATE TABLE copy_bytes (id INTEGER, b BLOB)")
    with psycopg.connect(host.dsn(), autocommit=True) as c:
        with c.cursor().copy("COPY copy_bytes FROM STDIN") as copy:
            copy.write(b"1\t\\\\x00ff41\n2\t\\N\n")
        with c.cursor().copy("COPY copy_bytes FROM STDIN (FORMAT csv)") as copy:
            copy.write(b"3,\\x6869\n")
        assert c.execute("SELECT id, b FROM copy_bytes ORDER BY id").fetchall() == [
            (1, b"\x00\xffA"), (2, None), (3, b"hi")]


def test_copy_through_the_extended_protocol_answers_once_per_sync(host, table):
    """Parse/Bind/Execute/Sync of a COPY FROM STDIN, then the data and another Sync (as
    tokio-postgres sends it): one ReadyForQuery for the pair, after CopyDone or CopyFail."""
    import struct

    from wire import Wire, kinds

    def msg(kind, body=b""):
        return kind.encode() + struct.pack("!I", len(body) + 4) + body

    start = (msg("P", b"\0" + f"COPY {table} (id) FROM STDIN".encode() + b"\0\0\0") + msg("B", bytes(8))
             + msg("E", bytes(5)) + msg("S"))
    w = Wire(host.port)
    w.startup()
    w.send_raw(start)
    assert [w.read().kind for _ in range(3)] == ["1", "2", "G"]
    w.send_raw(msg("d", b"1\n2\n") + msg("f", b"client gave up\0") + msg("S"))
    failed = w.read_until("Z")
    assert kinds(failed) == "EZ" and failed[0].fields()["C"] == "57014"
    w.send_raw(start)
    assert [w.read().kind for _ in range(3)] == ["1", "2", "G"]
    w.send_raw(msg("d", b"1\n2\n") + msg("c") + msg("S"))
    done = w.read_until("Z")
    assert kinds(done) == "CZ" and done[0].body == b"COPY 2\0"
    assert kinds(w.query("SELECT 1")) == "TDCZ"  # nothing left over in the stream
    w.close()
    assert host.sql(f"SELECT count(*) FROM {table}") == [[2]]
