"""Timeouts: statement timeout from pgwire_start (a session may lower it, never lift it), idle
sessions, idle transactions (rolled back), and the startup deadline."""
import socket
import time

import psycopg
import pytest

from conftest import Host

LONG_QUERY = "SELECT count(*) FROM range(1000000000000) t(i) WHERE hash(i) = 0"


@pytest.fixture(scope="module")
def host():
    h = Host(
        start_args="0, password := 'pw', statement_timeout := '1 s', idle_timeout := '2 s', "
        "idle_in_transaction_timeout := '1 s', connect_timeout := '1 s'"
    )
    yield h
    h.close()


def test_the_servers_statement_timeout_cancels_and_the_session_goes_on(host):
    with psycopg.connect(host.dsn(), autocommit=True) as c:
        started = time.time()
        with pytest.raises(psycopg.errors.QueryCanceled) as e:
            c.execute(LONG_QUERY)
        assert 0.8 < time.time() - started < 5
        assert "statement timeout" in str(e.value)
        assert c.execute("SELECT 1").fetchone() == (1,)


def test_a_session_may_lower_the_statement_timeout_but_not_lift_it(host):
    with psycopg.connect(host.dsn(), autocommit=True) as c:
        c.execute("SET statement_timeout = '200ms'")
        started = time.time()
        with pytest.raises(psycopg.errors.QueryCanceled):
            c.execute(LONG_QUERY)
        assert time.time() - started < 0.9
        assert c.execute("SHOW statement_timeout").fetchone() == ("200",)
        c.execute("SET statement_timeout = '1min'")
        started = time.time()
        with pytest.raises(psycopg.errors.QueryCanceled):
            c.execute(LONG_QUERY)
        assert time.time() - started < 5
        c.execute("SET statement_timeout = 0")
        with pytest.raises(psycopg.errors.QueryCanceled):
            c.execute(LONG_QUERY)


def test_an_idle_session_is_closed_with_postgresqls_message(host):
    c = psycopg.connect(host.dsn(), autocommit=True)
    c.execute("SELECT 1")
    time.sleep(2.5)
    with pytest.raises(psycopg.OperationalError) as e:
        c.execute("SELECT 1")
    assert "idle-session timeout" in str(e.value)
    # A session that keeps working is never idle that long.
    with psycopg.connect(host.dsn(), autocommit=True) as busy:
        for _ in range(5):
            time.sleep(0.6)
            assert busy.execute("SELECT 1").fetchone() == (1,)


def test_an_idle_transaction_is_rolled_back_and_the_session_closed(host):
    with psycopg.connect(host.dsn(), autocommit=True) as setup:
        setup.execute("CREATE TABLE IF NOT EXISTS idle_txn (x INTEGER)")
    c = psycopg.connect(host.dsn())
    c.execute("INSERT INTO idle_txn VALUES (1)")
    time.sleep(1.5)
    with pytest.raises(psycopg.errors.IdleInTransactionSessionTimeout) as e:
        c.execute("COMMIT")
    assert e.value.sqlstate == "25P03"
    assert host.sql("SELECT count(*) FROM idle_txn") == [[0]]


def test_a_connection_that_never_starts_is_closed_after_the_startup_deadline(host):
    s = socket.create_connection(("127.0.0.1", host.port))
    s.settimeout(5)
    started = time.time()
    assert s.recv(1) == b""  # closed by the server
    assert 0.8 < time.time() - started < 3
    s.close()


def test_invalid_timeouts_are_refused_by_pgwire_start():
    import duckdb

    from conftest import EXTENSION

    con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
    con.load_extension(EXTENSION)
    for option in ("statement_timeout", "idle_timeout", "idle_in_transaction_timeout"):
        with pytest.raises(duckdb.Error, match="invalid duration"):
            con.execute(f"SELECT * FROM pgwire_start(0, {option} := 'soon')")
    con.close()
