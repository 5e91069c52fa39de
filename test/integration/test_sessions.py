"""pgwire_sessions() and pgwire_status() show what the server is doing."""
import threading
import time

import psycopg
import pytest

from conftest import wait_until


def sessions(host):
    return host.sql(
        "SELECT id, \"user\", workspace, client_address, application_name, state, query, query_count, "
        "connected_at <= last_activity FROM pgwire_sessions() ORDER BY id"
    )


def test_a_session_is_listed_with_its_details(host):
    with psycopg.connect(host.dsn(application_name="report-app"), autocommit=True) as c:
        c.execute("SELECT 'hello'")
        rows = [r for r in sessions(host) if r[0] == c.info.backend_pid]
        assert len(rows) == 1
        sid, user, workspace, addr, app, state, query, count, ordered = rows[0]
        assert (user, workspace, app, state, query, count, ordered) == (
            "duckdb",
            None,
            "report-app",
            "idle",
            "SELECT 'hello'",
            1,
            True,
        )
        assert addr.startswith("127.0.0.1:")
        c.execute("BEGIN")
        assert [r[5] for r in sessions(host) if r[0] == sid] == ["idle in transaction"]
        with pytest.raises(psycopg.Error):
            c.execute("SELECT * FROM missing_table")
        assert [r[5] for r in sessions(host) if r[0] == sid] == ["idle in transaction (aborted)"]
        c.execute("ROLLBACK")
    assert wait_until(lambda: all(r[0] != sid for r in sessions(host)))


def test_a_running_query_is_shown_as_active(host):
    with psycopg.connect(host.dsn(), autocommit=True) as c:
        sid = c.info.backend_pid
        runner = threading.Thread(
            target=lambda: c.execute("SELECT count(*) FROM range(3000000000) t(i) WHERE hash(i) = 0"),
            daemon=True,
        )
        runner.start()
        assert wait_until(lambda: [r[5] for r in sessions(host) if r[0] == sid] == ["active"])
        [row] = [r for r in sessions(host) if r[0] == sid]
        assert "hash(i) = 0" in row[6]
        runner.join(timeout=120)


def test_status_counts_connections_queries_and_bytes(host):
    before = host.sql(
        "SELECT connections_accepted, connections_refused, queries, bytes_sent FROM pgwire_status()"
    )[0]
    with psycopg.connect(host.dsn(), autocommit=True) as c:
        c.execute("SELECT repeat('x', 1000)").fetchone()
        c.execute("SELECT 2").fetchone()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(host.dsn(password="wrong"))
    after = host.sql("SELECT connections_accepted, connections_refused, queries, bytes_sent FROM pgwire_status()")[0]
    assert after[0] - before[0] >= 2
    assert after[1] - before[1] >= 1
    assert after[2] - before[2] >= 2
    assert after[3] - before[3] > 1000
