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
    # DuckDB's own settings still reach DuckDB.
    conn.execute("SET search_path TO main")
    assert show(conn, "search_path") == "main"


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
