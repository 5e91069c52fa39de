"""The server's life inside its host: the host closing the database, the process exiting with
live sessions, several databases in one process, the DuckDB CLI as host."""
import json
import os
import subprocess
import sys
import textwrap
import time

import psycopg
import pytest

from conftest import EXTENSION, Host, psql, wait_until


def run_python(code, timeout=60):
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "EXT": EXTENSION},
    )


def test_close_then_reopen_the_same_file_in_one_process(tmp_path):
    db = str(tmp_path / "reopen.duckdb")
    result = run_python(
        f"""
        import os, time, duckdb, psycopg
        cfg = {{'allow_unsigned_extensions': 'true'}}
        con = duckdb.connect({db!r}, config=cfg)
        con.load_extension(os.environ['EXT'])
        port = con.execute("SELECT port FROM pgwire_start(0, password := 'pw')").fetchall()[0][0]
        with psycopg.connect(f'host=127.0.0.1 port={{port}} user=duckdb password=pw', autocommit=True) as c:
            c.execute('CREATE TABLE kept AS SELECT 7 AS x')
            idle = psycopg.connect(f'host=127.0.0.1 port={{port}} user=duckdb password=pw')  # left open
        con.close()
        # Re-opened at once, the file opens (the extension may not have noticed the close yet,
        # in which case DuckDB hands back the same instance, still served).
        con = duckdb.connect({db!r}, config=cfg)
        print(con.execute('SELECT x FROM kept').fetchall()[0][0])
        con.close()
        # The watchdog notices a close within a poll (100 ms) and lets go of the instance:
        # the server is gone, and the file opens as a new instance.
        time.sleep(1)
        try:
            psycopg.connect(f'host=127.0.0.1 port={{port}} user=duckdb password=pw', connect_timeout=2)
            print('still served')
        except psycopg.OperationalError:
            print('server stopped')
        con = duckdb.connect({db!r}, config=cfg)
        print(con.execute('SELECT x FROM kept').fetchall()[0][0])
        con.load_extension(os.environ['EXT'])
        print(con.execute("SELECT \\"user\\", password IS NULL FROM pgwire_start(0)").fetchall()[0])
        con.close()
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:4] == ["7", "server stopped", "7", "('duckdb', True)"]


def test_two_databases_in_one_process_each_serve_their_own(tmp_path):
    result = run_python(
        f"""
        import os, duckdb, psycopg
        cfg = {{'allow_unsigned_extensions': 'true'}}
        ports = []
        cons = []
        for name in ('a', 'b'):
            con = duckdb.connect(os.path.join({str(tmp_path)!r}, name + '.duckdb'), config=cfg)
            con.load_extension(os.environ['EXT'])
            con.execute(f"CREATE TABLE who AS SELECT '{{name}}' AS name")
            ports.append(con.execute("SELECT port FROM pgwire_start(0, password := 'pw')").fetchall()[0][0])
            cons.append(con)
        assert ports[0] != ports[1]
        for port in ports:
            with psycopg.connect(f'host=127.0.0.1 port={{port}} user=duckdb password=pw') as c:
                print(c.execute('SELECT name FROM who').fetchall()[0][0])
        for con in cons:
            print(con.execute('SELECT live_sessions FROM pgwire_status()').fetchall()[0][0] >= 0)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["a", "b", "True", "True"]


def test_pgwire_stop_lets_running_statements_finish_then_closes_sessions():
    h = Host()
    try:
        with psycopg.connect(h.dsn(), autocommit=True) as c:
            c.execute("CREATE TABLE durable AS SELECT 1 AS x")
            h.sql("SELECT * FROM pgwire_stop()")
            with pytest.raises(psycopg.OperationalError):
                c.execute("SELECT 1")
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(h.dsn(), connect_timeout=3)
        assert h.sql("SELECT x FROM durable") == [[1]]
        assert h.sql("SELECT running, live_sessions, pool_idle, pool_retired FROM pgwire_status()") == [
            [False, 0, 256, 0]
        ]
        # And it starts again.
        port = h.sql("SELECT port FROM pgwire_start(0)")[0][0]
        with psycopg.connect(h.dsn().replace(f"port={h.port}", f"port={port}")) as c:
            assert c.execute("SELECT x FROM durable").fetchone() == (1,)
    finally:
        h.close()


def test_pgwire_stop_ends_a_session_stuck_writing_to_a_client_that_does_not_read():
    """Idle sessions end at once; one whose client stopped reading mid-result is cut after the
    grace period (5 s), and its connection goes back to the pool."""
    from wire import Wire

    h = Host()
    try:
        idle = psycopg.connect(h.dsn(), autocommit=True)
        stuck = Wire(h.port, timeout=30)
        stuck.startup()
        stuck.send_message("Q", b"SELECT i, repeat('x', 300) FROM range(10000000) t(i)\0")
        stuck.sock.recv(16384)  # then read nothing more: the socket fills, the statement waits
        wait_until(lambda: h.sql("SELECT count(*) FROM pgwire_sessions() WHERE state = 'active'") == [[1]])
        started = time.time()
        h.sql("SELECT * FROM pgwire_stop()")
        took = time.time() - started
        assert took < 9, f"stop took {took:.1f} s"
        assert h.sql("SELECT running, live_sessions, pool_retired FROM pgwire_status()") == [[False, 0, 0]]
        with pytest.raises(psycopg.OperationalError):
            idle.execute("SELECT 1")
        stuck.close()
        port = h.sql("SELECT port FROM pgwire_start(0)")[0][0]
        with psycopg.connect(h.dsn().replace(f"port={h.port}", f"port={port}")) as c:
            assert c.execute("SELECT 42").fetchone() == (42,)
    finally:
        h.close()


def test_duckdb_cli_as_host(tmp_path):
    cli = os.path.join(os.path.dirname(sys.executable), "duckdb")
    db = str(tmp_path / "cli.duckdb")
    proc = subprocess.Popen(
        [cli, "-unsigned", "-csv", db],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        proc.stdin.write(
            f"LOAD '{EXTENSION}';\n"
            "CREATE TABLE cli_table AS SELECT 42 AS answer;\n"
            "SELECT port FROM pgwire_start(0, password := 'pw');\n"
        )
        proc.stdin.flush()
        assert proc.stdout.readline().strip() == "port"
        port = int(proc.stdout.readline())
        dsn = f"host=127.0.0.1 port={port} user=duckdb password=pw"
        assert psql(dsn, "-A", "-t", "-c", "SELECT answer FROM cli_table").stdout.strip() == "42"
        with psycopg.connect(dsn, application_name="seen-by-cli") as c:
            proc.stdin.write("SELECT count(*) AS n FROM pgwire_sessions() WHERE application_name = 'seen-by-cli';\n")
            proc.stdin.flush()
            assert proc.stdout.readline().strip() == "n"
            assert proc.stdout.readline().strip() == "1"
            proc.stdin.write(".quit\n")
            proc.stdin.flush()
            assert proc.wait(timeout=30) == 0  # exits with a live session
    finally:
        if proc.poll() is None:
            proc.kill()


def test_pgwire_stop_with_a_short_grace_rolls_open_transactions_back():
    h = Host()
    try:
        c = psycopg.connect(h.dsn())
        c.execute("CREATE TABLE half AS SELECT 1 AS x")  # inside a transaction, never committed
        running = psycopg.connect(h.dsn(), autocommit=True)
        running.pgconn.send_query(b"SELECT count(*) FROM range(1000000000000) t(i) WHERE hash(i) = 0")
        time.sleep(0.3)
        started = time.time()
        h.sql("SELECT * FROM pgwire_stop(grace := '200 ms')")
        assert time.time() - started < 4
        with pytest.raises(psycopg.OperationalError):
            c.execute("COMMIT")
        assert h.sql("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'half'") == [[0]]
        with pytest.raises(RuntimeError, match="invalid duration"):
            h.sql("SELECT * FROM pgwire_start(0); SELECT * FROM pgwire_stop(grace := 'soon')")
    finally:
        h.close()


def test_install_then_load_by_name_in_the_cli_and_the_scalar_start(tmp_path):
    cli = os.path.join(os.path.dirname(sys.executable), "duckdb")
    script = (
        f"SET extension_directory = '{tmp_path}/extensions';\n"
        f"INSTALL '{EXTENSION}';\n"
        "LOAD pgwire;\n"
        "SELECT pgwire_start(0, password := 'pw') IS NULL;\n"  # the scalar takes no options
        "SELECT pgwire_start(0) AS url;\n"
        "SELECT max_connections, max_connections_per_workspace, max_connections_per_address FROM pgwire_status();\n"
        "SELECT pgwire_stop() AS stopped;\n"
    )
    result = subprocess.run([cli, "-unsigned", "-csv", str(tmp_path / "cli.duckdb")], input=script,
                            capture_output=True, text=True, timeout=60)
    assert "No function matches" in result.stderr
    lines = result.stdout.split()
    assert lines[0] == "url" and lines[1].startswith("postgresql://duckdb:")
    assert lines[2:] == ["max_connections,max_connections_per_workspace,max_connections_per_address", "100,5,20", "stopped", "true"]


def test_metadata_made_by_an_older_build_is_upgraded_in_place(tmp_path):
    db = str(tmp_path / "old.duckdb")
    setup = run_python(
        f"""
        import os, duckdb
        con = duckdb.connect({db!r}, config={{'allow_unsigned_extensions': 'true'}})
        con.load_extension(os.environ['EXT'])
        con.execute("SELECT * FROM pgwire_create_user(name := 'veteran', password := 'pw-old')").fetchall()
        # What the first builds left: the users table and nothing else.
        for t in ('schema_version', 'workspaces', 'grants', 'sessions', 'query_log'):
            con.execute(f'DROP TABLE pgwire.{{t}}')
        con.close()
        """
    )
    assert setup.returncode == 0, setup.stderr
    h = Host(database=db)
    try:
        assert h.sql("SELECT version FROM pgwire.schema_version") == [[4]]
        with psycopg.connect(h.dsn(user="veteran", password="pw-old", dbname="old")) as c:
            assert c.execute("SELECT 1").fetchone() == (1,)
        h.sql("SELECT * FROM pgwire_create_workspace('ws_new', path := ':memory:', memory_limit := '1GB')")
    finally:
        h.close()
    # A newer version than this build knows is refused, not misread.
    newer = run_python(
        f"""
        import os, duckdb
        con = duckdb.connect({db!r}, config={{'allow_unsigned_extensions': 'true'}})
        con.execute('UPDATE pgwire.schema_version SET version = 99')
        con.load_extension(os.environ['EXT'])
        try:
            con.execute('SELECT * FROM pgwire_start(0)')
        except Exception as e:
            print(e)
        """
    )
    assert "newer than this build understands" in newer.stdout, newer.stderr
