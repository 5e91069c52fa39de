"""Session history and the query log: a row per session and per statement, written off the
query path, none lost at pgwire_stop() or when the host closes; pgwire_cancel and
pgwire_terminate for operators."""
import threading
import time

import psycopg
import pytest

from conftest import Host, wait_until


def test_sessions_and_statements_are_recorded_without_their_text_by_default(tmp_path):
    h = Host(database=str(tmp_path / "host.duckdb"))
    try:
        with psycopg.connect(h.dsn(dbname="host"), autocommit=True, application_name="history-test") as c:
            c.execute("CREATE TABLE t AS SELECT range AS x FROM range(5)")
            c.execute("SELECT * FROM t").fetchall()
            c.execute("INSERT INTO t VALUES (42), (43)")
            with pytest.raises(psycopg.errors.UndefinedTable):
                c.execute("SELECT * FROM missing")
            pid = c.info.backend_pid
        # The client's Terminate is read by its session thread a moment later; stopping the
        # server before then would (rightly) record the end as 'server stop'.
        wait_until(lambda: h.sql(f"SELECT count(*) FROM pgwire_sessions() WHERE id = {pid}") == [[0]])
        h.sql("SELECT * FROM pgwire_stop()")
        [[user, app, reason, queries, sent, tls]] = h.sql(
            f"SELECT user_name, application_name, end_reason, query_count, bytes_sent, tls FROM pgwire.sessions WHERE pid = {pid}"
        )
        assert (user, app, reason, tls) == ("duckdb", "history-test", "client", False)
        assert queries >= 4 and sent > 0
        log = h.sql(
            f"SELECT statement_type, rows, sqlstate, query IS NULL, duration_ms >= 0 FROM pgwire.query_log "
            f"WHERE pid = {pid} AND statement_type IS DISTINCT FROM 'SET' ORDER BY started_at"
        )
        # CREATE TABLE AS answers as PostgreSQL does, SELECT with the row count.
        assert log == [
            ["SELECT", 5, "00000", True, True],
            ["SELECT", 5, "00000", True, True],
            ["INSERT", 2, "00000", True, True],
            [None, None, "42P01", True, True],
        ]
    finally:
        h.close()


def test_log_queries_keeps_the_text_and_nothing_is_lost_when_the_host_closes(tmp_path):
    db = str(tmp_path / "host.duckdb")
    h = Host(database=db, start_args="0, password := 'pw', log_queries := true")
    with psycopg.connect(h.dsn(dbname="host"), autocommit=True) as c:
        for i in range(200):
            c.execute(f"SELECT {i} AS n")
        c.execute("SELECT 1; SELECT 2")
        pid = c.info.backend_pid
    # Closing the host right away: the history is written before the database lets go.
    assert h.close() == 0
    h2 = Host(database=db)
    try:
        assert h2.sql(f"SELECT count(*) FROM pgwire.query_log WHERE pid = {pid} AND query LIKE 'SELECT % AS n'") == [[200]]
        assert h2.sql(f"SELECT query FROM pgwire.query_log WHERE pid = {pid} AND query IN ('SELECT 1', 'SELECT 2') ORDER BY 1") == [
            ["SELECT 1"],
            ["SELECT 2"],
        ]
        assert h2.sql(f"SELECT count(*) FROM pgwire.sessions WHERE pid = {pid}") == [[1]]
    finally:
        h2.close()


def test_operators_cancel_and_terminate_sessions(tmp_path):
    h = Host(database=str(tmp_path / "host.duckdb"))
    try:
        with psycopg.connect(h.dsn(dbname="host"), autocommit=True) as c:
            pid = c.info.backend_pid

            def cancel_soon():
                wait_until(lambda: h.sql(f"SELECT state FROM pgwire_sessions() WHERE id = {pid}") == [["active"]])
                assert h.sql(f"SELECT cancelled FROM pgwire_cancel({pid})") == [[True]]

            t = threading.Thread(target=cancel_soon)
            t.start()
            with pytest.raises(psycopg.errors.QueryCanceled):
                c.execute("SELECT count(*) FROM range(1000000000000) t(i) WHERE hash(i) = 0")
            t.join()
            assert c.execute("SELECT 1").fetchone() == (1,)
            c.execute("BEGIN")
            c.execute("CREATE TABLE never AS SELECT 1")
            assert h.sql(f"SELECT terminated FROM pgwire_terminate({pid})") == [[True]]
            with pytest.raises(psycopg.OperationalError) as e:
                c.execute("SELECT 1")
            assert "terminating connection due to administrator command" in str(e.value)
        assert h.sql("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'never'") == [[0]]
        assert h.sql("SELECT cancelled FROM pgwire_cancel(999999)") == [[False]]
        assert h.sql("SELECT terminated FROM pgwire_terminate(999999)") == [[False]]
        h.sql("SELECT * FROM pgwire_stop()")
        assert h.sql(f"SELECT end_reason FROM pgwire.sessions WHERE pid = {pid}") == [["terminated"]]
    finally:
        h.close()
