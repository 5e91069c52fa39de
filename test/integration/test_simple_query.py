"""The simple query protocol end to end: results, types, tags, errors, transaction status."""
import datetime
import decimal
import uuid

import psycopg
import pytest

from conftest import psql
from wire import Wire, kinds, status


@pytest.fixture
def conn(host):
    with psycopg.connect(host.dsn(), autocommit=True) as c:
        yield c


def test_psql_select_42(host):
    out = psql(host.dsn(), "-A", "-t", "-c", "select 42").stdout
    assert out.strip() == "42"


def test_common_types_have_postgres_oids_and_values(conn):
    cur = conn.execute(
        """SELECT true AS b, 1::SMALLINT AS i2, 2::INTEGER AS i4, 3::BIGINT AS i8,
                  1.5::REAL AS f4, 2.25::DOUBLE AS f8, 12.345::DECIMAL(10,3) AS num,
                  'hé'::VARCHAR AS t, DATE '2024-02-29' AS d,
                  TIMESTAMP '2024-02-29 13:14:15.123456' AS ts,
                  TIMESTAMPTZ '2024-02-29 13:14:15+00' AS tstz,
                  INTERVAL '1 year 2 months 3 days 04:05:06' AS iv,
                  '6e7a4b0a-3e8c-4f5e-9a1b-2c3d4e5f6a7b'::UUID AS u,
                  '\\x00\\xFF'::BLOB AS by, '{"a": [1, 2]}'::JSON AS j"""
    )
    oids = [d.type_code for d in cur.description]
    assert oids == [16, 21, 23, 20, 700, 701, 1700, 25, 1082, 1114, 1184, 1186, 2950, 17, 114]
    row = cur.fetchone()
    assert row[:4] == (True, 1, 2, 3)
    assert row[4] == 1.5 and row[5] == 2.25
    assert row[6] == decimal.Decimal("12.345")
    assert row[7] == "hé"
    assert row[8] == datetime.date(2024, 2, 29)
    assert row[9] == datetime.datetime(2024, 2, 29, 13, 14, 15, 123456)
    assert row[10] == datetime.datetime(2024, 2, 29, 13, 14, 15, tzinfo=datetime.timezone.utc)
    assert row[11] == datetime.timedelta(days=365 + 60 + 3, seconds=4 * 3600 + 5 * 60 + 6)
    assert row[12] == uuid.UUID("6e7a4b0a-3e8c-4f5e-9a1b-2c3d4e5f6a7b")
    assert row[13] == b"\x00\xff"
    assert row[14] == {"a": [1, 2]}


def test_text_forms_follow_postgres(conn):
    # Checked as the text on the wire, as psql shows it.
    raw = conn.pgconn.exec_(
        b"SELECT DATE '0044-03-15' - INTERVAL 1 YEAR, 1e20::DOUBLE, 0.00001::DOUBLE, "
        b"INTERVAL '-1 day 1 hour', [1, NULL, 3], ['a b', ''], false, 'infinity'::DATE, 'NaN'::DOUBLE, "
        b"DATE '0001-01-01' - INTERVAL 1 DAY"
    )
    values = [raw.get_value(0, i).decode() for i in range(raw.nfields)]
    assert values == [
        "0043-03-15 00:00:00",
        "1e+20",
        "1e-05",
        "-1 days +01:00:00",
        "{1,NULL,3}",
        '{"a b",""}',
        "f",
        "infinity",
        "NaN",
        "0001-12-31 00:00:00 BC",
    ]


def test_command_tags(conn):
    cur = conn.cursor()
    steps = [
        ("CREATE TABLE tags_t (id INTEGER PRIMARY KEY, v VARCHAR)", "CREATE TABLE"),
        ("INSERT INTO tags_t VALUES (1, 'a'), (2, 'b'), (3, 'c')", "INSERT 0 3"),
        ("UPDATE tags_t SET v = 'z' WHERE id >= 2", "UPDATE 2"),
        ("SELECT * FROM tags_t", "SELECT 3"),
        ("DELETE FROM tags_t WHERE id = 1", "DELETE 1"),
        ("CREATE VIEW tags_v AS SELECT * FROM tags_t", "CREATE VIEW"),
        ("DROP VIEW tags_v", "DROP VIEW"),
        ("CREATE TABLE tags_c AS SELECT * FROM range(5)", "SELECT 5"),
        ("BEGIN", "BEGIN"),
        ("COMMIT", "COMMIT"),
        ("DROP TABLE tags_t", "DROP TABLE"),
    ]
    for sql, tag in steps:
        cur.execute(sql)
        assert cur.statusmessage == tag, sql


def test_insert_returning_sends_rows(conn):
    conn.execute("CREATE TABLE ret_t (id INTEGER)")
    cur = conn.execute("INSERT INTO ret_t VALUES (7), (8) RETURNING id * 10")
    assert cur.fetchall() == [(70,), (80,)]
    assert cur.statusmessage == "INSERT 0 2"


@pytest.mark.parametrize(
    "sql,sqlstate",
    [
        ("SELEC 1", "42601"),
        ("SELECT * FROM no_such_table", "42P01"),
        ("SELECT no_such_column FROM (SELECT 1 AS a)", "42703"),
        ("SELECT no_such_function(1)", "42883"),
        ("SELECT 'abc'::INTEGER", "22P02"),
        ("SELECT 100::TINYINT * 100::TINYINT", "22003"),
        ("SELECT 1 // 0", "22012"),
    ],
)
def test_errors_carry_sqlstate(conn, sql, sqlstate):
    with pytest.raises(psycopg.Error) as info:
        conn.execute(sql)
    assert info.value.sqlstate == sqlstate, info.value
    # The session goes on.
    assert conn.execute("SELECT 1").fetchone() == (1,)


def test_constraint_errors(conn):
    conn.execute("CREATE TABLE cons_t (id INTEGER PRIMARY KEY, v VARCHAR NOT NULL)")
    conn.execute("INSERT INTO cons_t VALUES (1, 'a')")
    with pytest.raises(psycopg.errors.UniqueViolation):
        conn.execute("INSERT INTO cons_t VALUES (1, 'b')")
    with pytest.raises(psycopg.errors.NotNullViolation):
        conn.execute("INSERT INTO cons_t VALUES (2, NULL)")
    with pytest.raises(psycopg.errors.DuplicateTable):
        conn.execute("CREATE TABLE cons_t (x INTEGER)")


def test_transactions_with_psycopg(host):
    with psycopg.connect(host.dsn()) as c:  # psycopg opens a transaction block itself
        c.execute("CREATE TABLE tx_t (x INTEGER)")
        c.execute("INSERT INTO tx_t VALUES (1)")
        assert c.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
        c.rollback()
        with pytest.raises(psycopg.errors.UndefinedTable):
            c.execute("SELECT * FROM tx_t")
        assert c.info.transaction_status == psycopg.pq.TransactionStatus.INERROR
        with pytest.raises(psycopg.errors.InFailedSqlTransaction):
            c.execute("SELECT 1")
        c.rollback()
        assert c.execute("SELECT 2").fetchone() == (2,)


def test_ready_for_query_status_bytes(host):
    w = Wire(host.port)
    assert status(w.startup()) == "I"
    assert status(w.query("BEGIN")) == "T"
    assert status(w.query("SELECT 1")) == "T"
    failed = w.query("SELECT * FROM nowhere")
    assert kinds(failed) == "EZ" and status(failed) == "E"
    refused = w.query("SELECT 1")
    assert refused[0].fields()["C"] == "25P02" and status(refused) == "E"
    assert kinds(w.query("COMMIT")) == "CZ"  # COMMIT of a failed block rolls back...
    assert w.query("SELECT 1")[-1].body == b"I"
    assert status(w.query("ROLLBACK")) == "I"  # ...and a stray ROLLBACK is a warning
    w.close()


def test_stray_transaction_control_is_a_warning(host):
    w = Wire(host.port)
    w.startup()
    rolled = w.query("ROLLBACK")
    assert kinds(rolled) == "NCZ"
    assert rolled[0].fields()["C"] == "25P01"
    assert kinds(w.query("BEGIN")) == "CZ"
    again = w.query("BEGIN")
    assert kinds(again) == "NCZ" and status(again) == "T"
    assert status(w.query("COMMIT")) == "I"
    w.close()


def test_empty_query_and_several_statements(host):
    w = Wire(host.port)
    w.startup()
    assert kinds(w.query("")) == "IZ"
    assert kinds(w.query(" ; -- nothing\n")) == "IZ"
    assert kinds(w.query("SELECT 1; SELECT 'two', 2")) == "TDCTDCZ"
    # An error stops the rest of the Query.
    msgs = w.query("SELECT 1; SELECT nope; SELECT 3")
    assert kinds(msgs) == "TDCEZ"
    w.close()


def test_several_statements_are_one_transaction(conn):
    conn.execute("CREATE TABLE multi_t (x INTEGER PRIMARY KEY)")
    with pytest.raises(psycopg.errors.UniqueViolation):
        conn.execute("INSERT INTO multi_t VALUES (1); INSERT INTO multi_t VALUES (1)")
    # The first INSERT was rolled back with the second, as in PostgreSQL.
    assert conn.execute("SELECT count(*) FROM multi_t").fetchone() == (0,)
    conn.execute("INSERT INTO multi_t VALUES (1); INSERT INTO multi_t VALUES (2)")
    assert conn.execute("SELECT count(*) FROM multi_t").fetchone() == (2,)


def test_sessions_share_the_host_database(host, conn):
    host.sql("CREATE TABLE from_host AS SELECT 41 + 1 AS answer")
    assert conn.execute("SELECT answer FROM from_host").fetchone() == (42,)
    conn.execute("CREATE TABLE from_client AS SELECT 'hello' AS greeting")
    assert host.sql("SELECT greeting FROM from_client") == [["hello"]]


def test_savepoints_are_kept_only_as_far_as_they_are_true(host):
    """A savepoint taken and released changes nothing (psycopg 3 wraps its type lookups in
    one); rolling back to one cannot be done and is refused, failing the block."""
    w = Wire(host.port)
    w.startup()
    assert w.query("SAVEPOINT sp")[0].fields()["C"] == "25P01"  # outside a block, as PostgreSQL
    w.query("BEGIN")
    for sql, tag in (("SAVEPOINT sp", b"SAVEPOINT"), ("RELEASE SAVEPOINT sp", b"RELEASE")):
        messages = w.query(sql)
        assert messages[0].body.startswith(tag) and status(messages) == "T", sql
    for sql in ("ROLLBACK TO SAVEPOINT sp", "ROLLBACK TRANSACTION TO sp"):
        messages = w.query(sql)
        assert messages[0].fields()["C"] == "0A000", sql
        assert status(messages) == "E"  # the block failed: never a silent partial undo
    # The block is still there, to be rolled back whole.
    assert status(w.query("ROLLBACK")) == "I"
    w.close()
