"""COPY table FROM STDIN in text and CSV: bulk through DuckDB's appender, and atomic."""
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
    w.send_raw(
        b"Q" + (4 + len(f"COPY {table} FROM STDIN (FORMAT binary)") + 1).to_bytes(4, "big")
        + f"COPY {table} FROM STDIN (FORMAT binary)".encode() + b"\0"
        + b"Q" + (4 + len("SELECT 1") + 1).to_bytes(4, "big") + b"SELECT 1\0"
    )
    first = w.read_until("Z")
    assert kinds(first) == "EZ" and first[0].fields()["C"] == "0A000"
    assert kinds(w.read_until("Z")) == "TDCZ"
    w.close()
