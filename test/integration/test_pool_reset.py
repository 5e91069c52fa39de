"""A session's connection goes back to the pool only after a verified reset: nothing one session
leaves is visible to the next session on the same DuckDB connection."""
import time

import psycopg
import pytest

from conftest import Host, wait_until


@pytest.fixture(scope="module")
def one_connection_host():
    # A pool of one: consecutive sessions necessarily share the same DuckDB connection.
    h = Host(env={"PGWIRE_MAX_CONNECTIONS": "1"}, start_args="0, password := 'pw', max_connections := 1")
    yield h
    h.close()


def idle_again(h):
    return wait_until(lambda: h.sql("SELECT pool_idle FROM pgwire_status()") == [[1]])


def test_nothing_survives_a_session(one_connection_host):
    h = one_connection_host
    h.sql("ATTACH ':memory:' AS other_catalog")
    # Not a `with` block: leaving one commits, and the open transaction must stay open here.
    first = psycopg.connect(h.dsn(), autocommit=True)
    try:
        for sql in [
            "CREATE TEMP TABLE leak_table AS SELECT 1 AS x",
            "CREATE TEMP VIEW leak_view AS SELECT 1 AS x",
            "CREATE TEMP SEQUENCE leak_seq",
            "CREATE TEMP MACRO leak_macro(a) AS a + 1",
            "CREATE TEMP MACRO leak_table_macro() AS TABLE SELECT 1",
            "SET VARIABLE leak_var = 42",
            "PREPARE leak_stmt AS SELECT 1",
            "SET search_path = 'other_catalog.main'",
            "SET max_execution_time = 1234",
            "SET TimeZone = 'America/New_York'",
            "USE other_catalog",
            "BEGIN",
            "CREATE TABLE memory.main.uncommitted AS SELECT 1",
        ]:
            first.execute(sql)
        assert first.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
    finally:
        first.close()
    assert idle_again(h)

    with psycopg.connect(h.dsn(), autocommit=True) as second:
        def one(sql):
            return second.execute(sql).fetchone()[0]

        assert one("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'temp'") == 0
        assert one("SELECT count(*) FROM duckdb_views() WHERE database_name = 'temp' AND NOT internal") == 0
        assert one("SELECT count(*) FROM duckdb_sequences() WHERE database_name = 'temp'") == 0
        assert one("SELECT count(*) FROM duckdb_functions() WHERE database_name = 'temp' AND function_type LIKE '%macro'") == 0
        assert one("SELECT count(*) FROM duckdb_types() WHERE database_name = 'temp' AND NOT internal") == 0
        assert one("SELECT count(*) FROM duckdb_variables()") == 0
        # The statement running right now is prepared (under an internal name); nothing else may be.
        assert one("SELECT count(*) FROM duckdb_prepared_statements() WHERE name NOT LIKE 'duckdb_prepare_internal_%'") == 0
        assert one("SELECT current_database()") == "memory"
        assert one("SELECT current_setting('max_execution_time')") != 1234
        assert one("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'uncommitted'") == 0
        # The connection is fully usable, and was not retired.
        assert one("SELECT 40 + 2") == 42
    assert h.sql("SELECT pool_retired FROM pgwire_status()") == [[0]]


def test_failed_transaction_is_rolled_back_before_reuse(one_connection_host):
    h = one_connection_host
    assert idle_again(h)
    first = psycopg.connect(h.dsn())
    try:
        first.execute("CREATE TABLE half_done AS SELECT 1 AS x")
        with pytest.raises(psycopg.Error):
            first.execute("SELECT * FROM no_such_table")
    finally:
        first.close()
    assert idle_again(h)
    with psycopg.connect(h.dsn(), autocommit=True) as second:
        assert second.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'half_done'").fetchone() == (0,)
        assert second.info.transaction_status == psycopg.pq.TransactionStatus.IDLE


def test_a_session_of_queries_and_our_settings_gets_the_quick_reset(one_connection_host):
    """Only data statements and settings we track: the connection comes back with its open
    transaction rolled back and those settings reset, without the full inventory."""
    h = one_connection_host
    assert idle_again(h)
    first = psycopg.connect(h.dsn())  # not autocommit: a transaction stays open
    try:
        first.execute("SET TimeZone = 'Asia/Tokyo'")
        first.execute("SET statement_timeout = 1234")
        assert first.execute("SELECT 1").fetchone() == (1,)
        assert first.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
    finally:
        first.close()
    assert idle_again(h)
    with psycopg.connect(h.dsn(), autocommit=True) as second:
        assert second.execute("SELECT current_setting('TimeZone')").fetchone() == ("UTC",)
        assert second.execute("SELECT current_setting('max_execution_time')").fetchone()[0] != 1234
        assert second.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    assert h.sql("SELECT pool_retired FROM pgwire_status()") == [[0]]


def test_second_client_is_refused_while_the_only_connection_is_in_use(one_connection_host):
    h = one_connection_host
    assert idle_again(h)
    with psycopg.connect(h.dsn(), autocommit=True):
        with pytest.raises(psycopg.OperationalError) as info:
            psycopg.connect(h.dsn(), connect_timeout=5)
        assert "too many clients" in str(info.value)


def test_a_duckdb_cli_host_reuses_its_connections(tmp_path):
    """DuckDB 1.5 (the CLI) has no max_execution_time and keeps TimeZone LOCAL after RESET:
    neither may make the reset fail, or every session would retire its connection and the pool
    would shrink to nothing."""
    from conftest import CliHost

    h = CliHost(str(tmp_path / "cli.duckdb"))
    try:
        h.sql("SELECT * FROM pgwire_create_workspace('ws_cli')")
        [[user, pw]] = h.sql("SELECT name, password FROM pgwire_create_user(workspace := 'ws_cli')")
        before = h.sql("SELECT count FROM duckdb_connection_count()")
        for i in range(6):
            with psycopg.connect(h.dsn(dbname="cli"), autocommit=True) as c:
                c.execute("SET statement_timeout = '5s'")  # a warning on 1.5: not enforced
                c.execute("SET TimeZone = 'Europe/Prague'")
                c.execute(f"CREATE TEMP TABLE scratch{i} AS SELECT 1")
            with psycopg.connect(
                f"host=127.0.0.1 port={h.port} user={user} password={pw} dbname=ws_cli", autocommit=True
            ) as c:
                c.execute(f"CREATE TABLE IF NOT EXISTS t{i} AS SELECT 1")
                c.execute("SELECT 1").fetchall()
        time.sleep(0.3)
        assert h.sql("SELECT count FROM duckdb_connection_count()") == before
        with psycopg.connect(h.dsn(dbname="cli"), autocommit=True) as c:
            assert c.execute("SELECT current_setting('TimeZone')").fetchone()[0] in ("UTC", "Etc/UTC")
            assert c.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'temp'").fetchone() == (0,)
    finally:
        h.close()
