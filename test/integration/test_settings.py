"""PostgreSQL parameters DuckDB lacks: SET, SHOW, RESET, ParameterStatus, startup parameters."""
import struct

import psycopg
import pytest

from conftest import psql
from wire import Wire, kinds


@pytest.fixture
def conn(host):
    with psycopg.connect(host.dsn(), autocommit=True) as c:
        yield c


def show(conn, name):
    return conn.execute(f"SHOW {name}").fetchone()[0]


def test_set_show_reset_and_parameter_status(conn):
    assert show(conn, "extra_float_digits") == "1"
    conn.execute("SET extra_float_digits = 3")
    assert show(conn, "extra_float_digits") == "3"
    conn.execute("SET application_name TO 'reporting'")
    assert conn.info.parameter_status("application_name") == "reporting"
    assert show(conn, "application_name") == "reporting"
    conn.execute("SET DateStyle = ISO, DMY")
    assert conn.info.parameter_status("DateStyle") == "ISO, DMY"
    conn.execute("RESET ALL")
    assert show(conn, "extra_float_digits") == "1"
    assert conn.info.parameter_status("application_name") == ""
    assert show(conn, "transaction isolation level") == "serializable"
    conn.execute("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED")
    assert show(conn, "max_identifier_length") == "63"
    conn.execute("SET search_path TO main")
    assert show(conn, "search_path") == "main"


def test_search_path_is_postgres_and_reaches_duckdb(conn):
    """PostgreSQL's search_path as clients write it: `"$user", public` is DuckDB's main; a schema
    named first decides where unqualified names resolve; set_config sets it too."""
    conn.execute("CREATE SCHEMA IF NOT EXISTS sp_other")
    conn.execute("CREATE OR REPLACE TABLE sp_other.where_am_i AS SELECT 'other' AS here")
    conn.execute("CREATE OR REPLACE TABLE main.where_am_i AS SELECT 'main' AS here")
    conn.execute('SET search_path TO "$user", public')
    assert show(conn, "search_path") == "$user, public"
    assert conn.execute("SELECT here FROM where_am_i").fetchone() == ("main",)
    conn.execute("SET search_path = sp_other, public")
    assert conn.execute("SELECT here FROM where_am_i").fetchone() == ("other",)
    assert conn.execute("SELECT current_setting('search_path')").fetchone() == ("sp_other, public",)
    row = conn.execute("SELECT pg_catalog.set_config('search_path', 'public', false)")
    assert [d.name for d in row.description] == ["set_config"] and row.fetchone() == ("public",)
    assert conn.execute("SELECT here FROM where_am_i").fetchone() == ("main",)
    conn.execute("RESET search_path")
    assert show(conn, "search_path") == "main"
    # In the extended protocol too (a prepared statement).
    assert conn.execute("SELECT set_config('search_path', 'sp_other', false)", prepare=True).fetchone() == ("sp_other",)
    assert conn.execute("SELECT here FROM where_am_i").fetchone() == ("other",)
    conn.execute("RESET ALL")


def test_current_setting_reads_the_sessions_own_values(conn):
    conn.execute("SET application_name = 'reports'")
    assert conn.execute("SELECT current_setting('application_name'), current_setting('TimeZone')").fetchone() \
        == ("reports", "UTC")
    conn.execute("SET application_name = 'later'")
    assert conn.execute("SELECT current_setting('application_name')").fetchone() == ("later",)
    conn.execute("RESET application_name")


def test_begin_with_transaction_modes(conn):
    """BEGIN's modes as PostgreSQL writes them: every isolation level runs as DuckDB's one
    (reported serializable); READ ONLY is DuckDB's read-only transaction."""
    conn.execute("CREATE OR REPLACE TABLE modes (x INTEGER)")
    for begin in ("START TRANSACTION ISOLATION LEVEL SERIALIZABLE", "BEGIN ISOLATION LEVEL READ COMMITTED",
                  "BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ WRITE"):
        conn.execute(begin)
        conn.execute("INSERT INTO modes VALUES (1)")
        conn.execute("COMMIT")
    assert conn.execute("SELECT count(*) FROM modes").fetchone() == (3,)
    conn.execute("START TRANSACTION READ ONLY")
    with pytest.raises(psycopg.Error):
        conn.execute("INSERT INTO modes VALUES (2)")
    conn.execute("ROLLBACK")
    assert conn.execute("SELECT count(*) FROM modes").fetchone() == (3,)


@pytest.mark.parametrize(
    "sql",
    ["SET client_encoding = 'LATIN1'", "SET IntervalStyle = 'iso_8601'", "SET extra_float_digits = 9",
     "SET standard_conforming_strings = off", "SET statement_timeout = 'soon'"],
)
def test_values_that_cannot_be_honoured_are_refused(conn, sql):
    with pytest.raises(psycopg.errors.InvalidParameterValue):
        conn.execute(sql)


def test_unknown_parameter_is_42704(conn):
    with pytest.raises(psycopg.errors.UndefinedObject):
        conn.execute("SET no_such_parameter = 1")


def test_statement_timeout_cancels_long_statements(conn):
    conn.execute("SET statement_timeout = 200")
    with pytest.raises(psycopg.errors.QueryCanceled):
        conn.execute("SELECT count(*) FROM range(1000000000000) t(i) WHERE hash(i) = 0")
    conn.execute("RESET statement_timeout")
    assert conn.execute("SELECT 1").fetchone() == (1,)


def test_settings_through_the_extended_protocol(host):
    w = Wire(host.port)
    w.startup()
    w.send_message("P", b"\0SET extra_float_digits = 3\0\0\0")
    w.send_message("B", b"\0\0\0\0\0\0\0\0")
    w.send_message("E", b"\0\0\0\0\0")
    w.send_message("P", b"s\0SHOW extra_float_digits\0\0\0")
    w.send_message("D", b"Ss\0")
    w.send_message("B", b"\0s\0\0\0\0\0\0\0")
    w.send_message("E", b"\0\0\0\0\0")
    w.send_message("S")
    messages = w.read_until("Z")
    assert kinds(messages) == "12C1tT2DCZ"
    assert messages[7].body.endswith(b"3")
    w.close()


def test_startup_parameters_are_applied_and_checked(host):
    w = Wire(host.port)
    messages = w.startup(DateStyle="ISO", extra_float_digits="2", application_name="boot")
    status = {m.body.split(b"\0")[0]: m.body.split(b"\0")[1] for m in messages if m.kind == "S"}
    assert status[b"DateStyle"] == b"ISO, MDY" and status[b"application_name"] == b"boot"
    assert w.query("SHOW extra_float_digits")[1].body.endswith(b"2")
    w.close()
    w = Wire(host.port)
    refused = w.startup(client_encoding="LATIN1")
    assert refused[-1].kind == "E" and refused[-1].fields()["C"] == "22023"
    assert refused[-1].fields()["S"] == "FATAL"


def test_psql_set_and_show(host):
    out = psql(host.dsn(), "-A", "-t", "-c", "SET application_name = 'via psql'", "-c", "SHOW application_name").stdout
    assert out.split("\n")[:2] == ["SET", "via psql"]


def test_time_zone_shapes_timestamptz_text_and_duckdb_casts(conn):
    import datetime

    assert conn.info.parameter_status("TimeZone") == "UTC"
    text = conn.cursor()  # text results: what psql shows
    conn.execute("SET TimeZone = 'Europe/Berlin'")
    assert conn.info.parameter_status("TimeZone") == "Europe/Berlin"
    assert show(conn, "TimeZone") == "Europe/Berlin"
    row = text.execute(
        "SELECT '2024-06-01 12:00:00+00'::TIMESTAMPTZ::VARCHAR IS NOT NULL, "
        "'2024-06-01 12:00:00+00'::TIMESTAMPTZ, '2024-01-01 12:00:00+00'::TIMESTAMPTZ, "
        "'2024-06-01 12:00:00'::TIMESTAMPTZ = '2024-06-01 10:00:00+00'::TIMESTAMPTZ"
    ).fetchone()
    berlin = datetime.timezone(datetime.timedelta(hours=2))
    assert row[1] == datetime.datetime(2024, 6, 1, 14, 0, tzinfo=berlin)
    assert row[2].utcoffset() == datetime.timedelta(hours=1)  # winter time
    assert row[3] is True  # DuckDB reads a zoneless literal in the session's zone
    out = conn.execute("SELECT '2024-06-01 12:00:00+00'::TIMESTAMPTZ", binary=True).fetchone()[0]
    assert out == datetime.datetime(2024, 6, 1, 12, tzinfo=datetime.timezone.utc)
    conn.execute("SET TIME ZONE -7")
    raw = conn.cursor()
    raw.adapters.register_loader("timestamptz", psycopg.types.string.TextLoader)
    assert raw.execute("SELECT '2024-06-01 12:00:00+00'::TIMESTAMPTZ").fetchone()[0] == "2024-06-01 05:00:00-07"
    conn.execute("SET TIME ZONE LOCAL")
    assert show(conn, "TimeZone") == "UTC"
    with pytest.raises(psycopg.errors.InvalidParameterValue):
        conn.execute("SET TimeZone = 'Mars/Olympus_Mons'")


def test_time_zone_from_the_startup_packet(host):
    w = Wire(host.port)
    welcome = w.startup(TimeZone="Asia/Kolkata")
    reported = {m.body.split(b"\0")[0].decode(): m.body.split(b"\0")[1].decode() for m in welcome if m.kind == "S"}
    assert reported["TimeZone"] == "Asia/Kolkata"
    rows = [m for m in w.query("SELECT '2024-06-01 12:00:00+00'::TIMESTAMPTZ") if m.kind == "D"]
    assert rows[0].body.endswith(b"2024-06-01 17:30:00+05:30")
    w.close()


def test_extra_float_digits(conn):
    query = "SELECT 0.1::DOUBLE, 1.0::DOUBLE / 3, (1.0 / 3)::FLOAT, 1e20::DOUBLE, 123456789.0::DOUBLE"
    assert psql_text(conn, query) == ("0.1", "0.3333333333333333", "0.33333334", "1e+20", "123456789")
    conn.execute("SET extra_float_digits = 0")
    assert psql_text(conn, query) == ("0.1", "0.333333333333333", "0.333333", "1e+20", "123456789")
    conn.execute("SET extra_float_digits = -3")
    assert psql_text(conn, query) == ("0.1", "0.333333333333", "0.333", "1e+20", "123456789")


def psql_text(conn, query):
    """The values as text, as the server wrote them."""
    cur = conn.cursor()
    cur.adapters.register_loader("float4", psycopg.types.string.TextLoader)
    cur.adapters.register_loader("float8", psycopg.types.string.TextLoader)
    return cur.execute(query).fetchone()


@pytest.mark.parametrize("protocol", ["simple", "extended"])
def test_discard_all_resets_the_session_as_a_pool_expects(host, protocol):
    """PgBouncer's server_reset_query: after DISCARD ALL the next client finds the session as
    it was at login, its parameters, temporary objects, prepared statements, cursors and
    advisory locks gone; refused inside a transaction block."""
    run = (lambda c, sql: c.execute(sql)) if protocol == "simple" else (lambda c, sql: c.execute(sql, ()))
    with psycopg.connect(host.dsn(application_name="pool"), autocommit=True) as c, \
            psycopg.connect(host.dsn(), autocommit=True) as other:
        c.execute("SET application_name = 'client 1'")
        c.execute("SET search_path = information_schema")
        c.execute("SET integer_division = false")
        c.execute("CREATE TEMP TABLE scratch (x INTEGER)")
        c.execute("PREPARE q AS SELECT 42")
        c.execute("SELECT pg_advisory_lock(77)")
        c.execute("BEGIN")
        c.execute("DECLARE kept CURSOR WITH HOLD FOR SELECT * FROM range(10)")
        c.execute("COMMIT")
        assert other.execute("SELECT pg_try_advisory_lock(77)").fetchone() == (False,)
        c.execute("BEGIN")
        with pytest.raises(psycopg.errors.ActiveSqlTransaction):
            run(c, "DISCARD ALL")
        c.execute("ROLLBACK")
        cur = run(c, "DISCARD ALL")
        assert cur.statusmessage == "DISCARD ALL"
        assert c.info.parameter_status("application_name") == "pool"
        assert show(c, "search_path") == "main"
        with pytest.raises(psycopg.errors.UndefinedTable):
            c.execute("SELECT * FROM scratch")
        with pytest.raises(psycopg.errors.InvalidCursorName):
            c.execute("FETCH 1 FROM kept")
        with pytest.raises(psycopg.Error):
            c.execute("EXECUTE q")
        assert other.execute("SELECT pg_try_advisory_lock(77)").fetchone() == (True,)
        # The session still divides as PostgreSQL does (integer_division is ours, set at login,
        # and DISCARD ALL does not undo what a client's DuckDB SET changed of DuckDB's own).
        assert c.execute("SELECT 1").fetchone() == (1,)


def test_discard_temp_plans_and_sequences(conn):
    conn.execute("SET application_name = 'kept'")
    conn.execute("CREATE TEMP TABLE scratch (x INTEGER)")
    assert conn.execute("DISCARD TEMP").statusmessage == "DISCARD TEMP"
    with pytest.raises(psycopg.errors.UndefinedTable):
        conn.execute("SELECT * FROM scratch")
    assert show(conn, "application_name") == "kept"
    assert conn.execute("DISCARD PLANS").statusmessage == "DISCARD PLANS"
    assert conn.execute("DISCARD SEQUENCES").statusmessage == "DISCARD SEQUENCES"
    with pytest.raises(psycopg.errors.SyntaxError):
        conn.execute("DISCARD EVERYTHING")
    assert conn.execute("SELECT 7 / 2").fetchone() == (3,)
