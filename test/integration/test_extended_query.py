"""The extended query protocol: Parse/Bind/Describe/Execute/Close/Sync, as drivers use it."""
import datetime
import decimal
import struct
import uuid

import psycopg
import pytest

from wire import Wire, kinds, status


@pytest.fixture
def conn(host):
    with psycopg.connect(host.dsn(), autocommit=True) as c:
        yield c


def cstr(s):
    return s.encode() + b"\0"


def parse(w, sql, name="", oids=()):
    w.send_message("P", cstr(name) + cstr(sql) + struct.pack("!H", len(oids)) + b"".join(struct.pack("!I", o) for o in oids))


def bind(w, params=(), portal="", statement=""):
    body = cstr(portal) + cstr(statement) + struct.pack("!H", 0) + struct.pack("!H", len(params))
    for p in params:
        body += struct.pack("!i", -1) if p is None else struct.pack("!I", len(p)) + p
    w.send_message("B", body + struct.pack("!H", 0))


def describe(w, kind, name=""):
    w.send_message("D", kind.encode() + cstr(name))


def execute(w, portal="", max_rows=0):
    w.send_message("E", cstr(portal) + struct.pack("!I", max_rows))


def sync(w):
    w.send_message("S")
    return w.read_until("Z")


def test_parameters_of_every_common_type_round_trip(conn):
    conn.execute(
        "CREATE TABLE ext_all (id INTEGER, name VARCHAR, amount DECIMAL(10,2), happened TIMESTAMP, "
        "day DATE, u UUID, b BLOB, f DOUBLE, ok BOOLEAN)"
    )
    row = (
        1,
        "hé ' \" \\",
        decimal.Decimal("1.50"),
        datetime.datetime(2024, 1, 1, 12, 0, 0, 5),
        datetime.date(1999, 12, 31),
        uuid.UUID("12345678-1234-5678-1234-567812345678"),
        b"\x00\x01\xff",
        0.1,
        True,
    )
    conn.execute("INSERT INTO ext_all VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)", row)
    conn.execute("INSERT INTO ext_all VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)", (2,) + (None,) * 8)
    assert conn.execute("SELECT * FROM ext_all WHERE id = %s", (1,)).fetchone() == row
    assert conn.execute("SELECT * FROM ext_all WHERE id = %s", (2,)).fetchone() == (2,) + (None,) * 8
    # An unconstrained parameter takes the type the client declared.
    assert conn.execute("SELECT %s, %s, %s", (41, 2.5, "text")).fetchone() == (41, 2.5, "text")


def test_prepared_statements_are_reused(conn):
    conn.execute("CREATE TABLE ext_prep AS SELECT i, i * 2 AS twice FROM range(10) t(i)")
    for i in range(8):  # psycopg prepares server-side from the 5th execution on
        assert conn.execute("SELECT twice FROM ext_prep WHERE i = %s", (i,), prepare=True).fetchone() == (i * 2,)


def test_pipelined_batch_is_atomic(conn):
    conn.execute("CREATE TABLE ext_batch (id INTEGER PRIMARY KEY)")
    cur = conn.cursor()
    with pytest.raises(psycopg.errors.UniqueViolation):
        cur.executemany("INSERT INTO ext_batch VALUES (%s)", [(1,), (2,), (1,)])
    assert conn.execute("SELECT count(*) FROM ext_batch").fetchone() == (0,)
    cur.executemany("INSERT INTO ext_batch VALUES (%s)", [(1,), (2,), (3,)])
    assert conn.execute("SELECT count(*) FROM ext_batch").fetchone() == (3,)


def test_transactions_through_the_extended_protocol(host):
    with psycopg.connect(host.dsn()) as c:
        c.execute("CREATE TABLE ext_tx (x INTEGER)")
        c.commit()
        c.execute("INSERT INTO ext_tx VALUES (%s)", (1,))
        assert c.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
        c.rollback()
        assert c.execute("SELECT count(*) FROM ext_tx").fetchone() == (0,)
        with pytest.raises(psycopg.errors.UndefinedTable):
            c.execute("SELECT * FROM ext_missing WHERE x = %s", (1,))
        assert c.info.transaction_status == psycopg.pq.TransactionStatus.INERROR
        c.rollback()


def test_describe_statement_does_not_execute(host):
    w = Wire(host.port)
    w.startup()
    w.query("CREATE TABLE ext_desc (id INTEGER, name VARCHAR)")
    parse(w, "INSERT INTO ext_desc VALUES ($1, $2)", name="ins")
    describe(w, "S", "ins")
    parse(w, "SELECT id, name FROM ext_desc WHERE id > $1", name="sel")
    describe(w, "S", "sel")
    messages = sync(w)
    assert kinds(messages) == "1tn1tTZ"
    def oids(message):
        count = struct.unpack("!H", message.body[:2])[0]
        return list(struct.unpack(f"!{count}I", message.body[2:]))

    assert oids(messages[1]) == [23, 25]  # int4, text: what DuckDB inferred
    assert oids(messages[4]) == [23]
    assert b"id\0" in messages[5].body and b"name\0" in messages[5].body
    assert w.query("SELECT count(*) FROM ext_desc")[1].body.endswith(b"0")
    w.close()


def test_row_limit_suspends_and_resumes_the_portal(host):
    w = Wire(host.port)
    w.startup()
    w.query("BEGIN")
    parse(w, "SELECT i FROM range(10) t(i)")
    bind(w)
    execute(w, max_rows=3)
    execute(w, max_rows=3)
    execute(w, max_rows=0)
    messages = sync(w)
    assert kinds(messages) == "12DDDsDDDsDDDDCZ"
    assert messages[-2].body == b"SELECT 10\0"
    assert [int(m.body[6:]) for m in messages if m.kind == "D"] == list(range(10))
    w.query("COMMIT")
    w.close()


def test_error_skips_to_sync_and_session_goes_on(host):
    w = Wire(host.port)
    w.startup()
    parse(w, "SELEC 1")
    bind(w)
    execute(w)
    messages = sync(w)
    assert kinds(messages) == "EZ"
    assert messages[0].fields()["C"] == "42601"
    parse(w, "SELECT 1")
    bind(w)
    execute(w)
    assert kinds(sync(w)) == "12DCZ"
    w.close()


@pytest.mark.parametrize(
    "steps,code",
    [
        (lambda w: bind(w, statement="nope"), "26000"),
        (lambda w: execute(w, portal="nope"), "34000"),
        (lambda w: describe(w, "P", "nope"), "34000"),
        (lambda w: (parse(w, "SELECT $1::INTEGER", name="one"), bind(w, statement="one")), "08P01"),
        (lambda w: (parse(w, "SELECT 1", name="dup"), parse(w, "SELECT 2", name="dup")), "42P05"),
        (lambda w: (parse(w, "SELECT $1::INTEGER"), bind(w, [b"abc"]), execute(w)), "22P02"),
    ],
)
def test_bad_messages_get_postgres_errors(host, steps, code):
    w = Wire(host.port)
    w.startup()
    steps(w)
    messages = sync(w)
    errors = [m for m in messages if m.kind == "E"]
    assert len(errors) == 1 and errors[0].fields()["C"] == code, messages
    assert status(messages) == "I"
    assert kinds(w.query("SELECT 1")) == "TDCZ"
    w.close()


def test_close_statement_and_reuse_of_names(host):
    w = Wire(host.port)
    w.startup()
    parse(w, "SELECT $1::INTEGER * 2", name="double")
    assert kinds(sync(w)) == "1Z"
    for value in (b"2", b"21"):
        bind(w, [value], statement="double")
        execute(w)
        messages = sync(w)
        assert kinds(messages) == "2DCZ"
    assert messages[1].body.endswith(b"42")
    w.send_message("C", b"S" + cstr("double"))
    assert kinds(sync(w)) == "3Z"
    bind(w, [b"1"], statement="double")
    assert sync(w)[0].fields()["C"] == "26000"
    w.close()


def test_binary_results_of_every_common_type(conn):
    with conn.cursor(binary=True) as cur:
        cur.execute(
            """SELECT true, 1::SMALLINT, 2::INTEGER, 3::BIGINT, 1.5::REAL, 2.25::DOUBLE,
                      12345.678::DECIMAL(10,3), -0.005::DECIMAL(6,3), 0::DECIMAL(4,2),
                      123456789012345678901234567890::HUGEINT, 'hé', DATE '2024-02-29',
                      DATE '1999-12-31', TIMESTAMP '2024-02-29 13:14:15.123456',
                      TIMESTAMP '1969-07-20 20:17:40', TIMESTAMPTZ '2024-02-29 13:14:15+00',
                      INTERVAL '1 year 2 months 3 days 04:05:06', TIME '12:34:56.5',
                      '6e7a4b0a-3e8c-4f5e-9a1b-2c3d4e5f6a7b'::UUID, '\\x00\\xFF'::BLOB,
                      [1, NULL, 3], ['a', 'b c'], [], {'a': 1}, NULL::INTEGER"""
        )
        assert [d.type_code for d in cur.description][:6] == [16, 21, 23, 20, 700, 701]
        assert cur.fetchone() == (
            True,
            1,
            2,
            3,
            1.5,
            2.25,
            decimal.Decimal("12345.678"),
            decimal.Decimal("-0.005"),
            decimal.Decimal("0.00"),
            decimal.Decimal("123456789012345678901234567890"),
            "hé",
            datetime.date(2024, 2, 29),
            datetime.date(1999, 12, 31),
            datetime.datetime(2024, 2, 29, 13, 14, 15, 123456),
            datetime.datetime(1969, 7, 20, 20, 17, 40),
            datetime.datetime(2024, 2, 29, 13, 14, 15, tzinfo=datetime.timezone.utc),
            datetime.timedelta(days=428, seconds=14706),
            datetime.time(12, 34, 56, 500000),
            uuid.UUID("6e7a4b0a-3e8c-4f5e-9a1b-2c3d4e5f6a7b"),
            b"\x00\xff",
            [1, None, 3],
            ["a", "b c"],
            [],
            {"a": 1},
            None,
        )


def test_binary_parameters(conn):
    with conn.cursor(binary=True) as cur:
        params = (7, 2.5, "text", True, datetime.date(2024, 1, 2), datetime.datetime(2024, 1, 2, 3, 4, 5), b"\x01\x02")
        # Where nothing else types a parameter, it keeps the type the client declared.
        cur.execute("SELECT %b, %b, %b, %b, %b, %b, %b", params)
        assert cur.fetchone() == params


def test_another_statement_closes_a_suspended_portal_visibly(host):
    # DuckDB keeps one open result per connection: running something else closes the portal,
    # and fetching from it afterwards says so instead of returning wrong rows.
    w = Wire(host.port)
    w.startup()
    w.query("BEGIN")
    parse(w, "SELECT i FROM range(10) t(i)")
    bind(w, portal="p1")
    execute(w, portal="p1", max_rows=2)
    assert kinds(sync(w)) == "12DDsZ"
    assert kinds(w.query("SELECT 'other'")) == "TDCZ"
    execute(w, portal="p1", max_rows=2)
    messages = sync(w)
    assert messages[0].fields()["C"] == "55000"
    assert status(w.query("ROLLBACK")) == "I"
    w.close()
