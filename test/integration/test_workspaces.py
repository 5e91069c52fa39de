"""Workspaces end to end: an operator makes a workspace, grants project tables and a user from
SQL in the host; the user's client lands in the workspace, reads the grants, writes its own
tables, and is refused what is not its own."""
import os
import subprocess
import threading

import duckdb
import psycopg
import pytest

from conftest import Host, wait_until


def project_table(path, sql):
    """A project table as the project layout keeps it: one DuckDB file holding table `data`."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    con = duckdb.connect(path)
    con.execute(f"CREATE TABLE data AS {sql}")
    con.close()


def dsn(host, user, password, dbname):
    return f"host=127.0.0.1 port={host.port} user={user} password={password} dbname={dbname}"


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    """A development CA and a server certificate for localhost (scripts/dev_cert.sh)."""
    directory = tmp_path_factory.mktemp("tls")
    script = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "dev_cert.sh")
    subprocess.run(["bash", script, str(directory)], check=True, capture_output=True)
    return directory


@pytest.fixture
def sales(tmp_path, certs):
    """A host on a database file with workspace ws_sales: two grants from per-table files, and
    a user with a generated name and password."""
    project_table(
        str(tmp_path / "data" / "in_c_sales" / "orders.duckdb"),
        "SELECT 'c' || (i % 3) AS customer, (i * 1.5)::DECIMAL(10,2) AS amount FROM range(30) t(i)",
    )
    project_table(
        str(tmp_path / "data" / "in_c_sales" / "customers.duckdb"),
        "SELECT 'c' || i AS customer, 'Customer ' || i AS name FROM range(3) t(i)",
    )
    h = Host(
        database=str(tmp_path / "host.duckdb"),
        start_args=f"0, password := 'pw', tls_cert := '{certs}/server.crt', tls_key := '{certs}/server.key'",
    )
    h.certs = certs
    h.sql("SELECT * FROM pgwire_create_workspace('ws_sales', path := 'data/ws_sales.duckdb')")
    h.sql("SELECT * FROM pgwire_grant('ws_sales', 'data/in_c_sales/orders.duckdb', 'in_c_sales', 'orders')")
    h.sql("SELECT * FROM pgwire_grant('ws_sales', 'data/in_c_sales/customers.duckdb', 'in_c_sales', 'customers')")
    [[user, password]] = h.sql("SELECT name, password FROM pgwire_create_user(workspace := 'ws_sales')")
    yield h, user, password, tmp_path
    h.close()


def test_the_operator_workflow_end_to_end(sales):
    h, user, password, tmp_path = sales
    assert user.startswith("ws_sales_") and len(password) >= 20
    assert os.path.exists(tmp_path / "data" / "ws_sales.duckdb")
    over_tls = (
        f"host=localhost port={h.port} user={user} password={password} dbname=ws_sales "
        f"sslmode=verify-full sslrootcert={h.certs}/ca.crt"
    )
    with psycopg.connect(over_tls, autocommit=True) as c:
        assert c.info.pgconn.ssl_in_use
        assert c.execute("SELECT current_database()").fetchone() == ("ws_sales",)
        assert c.execute("SELECT count(*), sum(amount) FROM in_c_sales.orders").fetchone()[0] == 30
        joined = c.execute(
            "SELECT name, count(*) FROM in_c_sales.orders JOIN in_c_sales.customers USING (customer) "
            "GROUP BY 1 ORDER BY 1"
        ).fetchall()
        assert joined == [("Customer 0", 10), ("Customer 1", 10), ("Customer 2", 10)]
        c.execute(
            "CREATE TABLE my_analysis AS SELECT customer, sum(amount) AS total "
            "FROM in_c_sales.orders GROUP BY 1"
        )
        # Grants are read-only; the session goes on.
        for write in (
            "INSERT INTO in_c_sales.orders VALUES ('x', 1)",
            "UPDATE in_c_sales.orders SET amount = 0",
            "DELETE FROM in_c_sales.orders",
        ):
            with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
                c.execute(write)
        assert c.execute("SELECT count(*) FROM my_analysis").fetchone() == (3,)
    # The host sees what the workspace made, in the workspace's catalog.
    assert h.sql("SELECT count(*) FROM ws_sales.main.my_analysis") == [[3]]
    # Dropping the workspace while its client is connected ends the session cleanly.
    c = psycopg.connect(over_tls, autocommit=True)
    # (The session above may still be handing its connection back.)
    assert wait_until(lambda: h.sql("SELECT count(*) FROM pgwire_sessions() WHERE workspace = 'ws_sales'") == [[1]])
    assert h.sql("SELECT sessions_ended FROM pgwire_drop_workspace('ws_sales')") == [[1]]
    with pytest.raises(psycopg.OperationalError) as e:
        c.execute("SELECT 1")
    assert "terminating connection due to administrator command" in str(e.value)
    # Its history says so (written in batches: give the writer a moment).
    last_end = "SELECT end_reason FROM pgwire.sessions WHERE workspace = 'ws_sales' ORDER BY disconnected_at DESC LIMIT 1"
    assert wait_until(lambda: h.sql(last_end) == [["terminated"]])


def test_login_lands_in_the_users_workspace_and_nowhere_else(sales):
    h, user, password, _ = sales
    # No database, or the user's own name (libpq's default), means the workspace.
    for dbname in ("''", user):
        with psycopg.connect(dsn(h, user, password, dbname)) as c:
            assert c.execute("SELECT current_database()").fetchone() == ("ws_sales",)
    # Any other name is 3D000, whether it exists (the host's catalog) or not.
    for dbname in ("host", "memory", "nope"):
        with pytest.raises(psycopg.OperationalError) as e:
            psycopg.connect(dsn(h, user, password, dbname))
        assert f'database "{dbname}" does not exist' in str(e.value)
    with pytest.raises(psycopg.OperationalError) as e:
        psycopg.connect(dsn(h, user, "wrong", "ws_sales"))
    assert "password authentication failed" in str(e.value)
    # The owner can go to the workspace too.
    with psycopg.connect(h.dsn(dbname="ws_sales")) as c:
        assert c.execute("SELECT count(*) FROM in_c_sales.orders").fetchone() == (30,)


def test_sessions_of_one_workspace_see_each_others_commits(sales):
    h, user, password, _ = sales
    with psycopg.connect(dsn(h, user, password, "ws_sales"), autocommit=True) as a, psycopg.connect(
        dsn(h, user, password, "ws_sales"), autocommit=True
    ) as b:
        a.execute("CREATE TABLE shared AS SELECT 42 AS answer")
        assert b.execute("SELECT answer FROM shared").fetchone() == (42,)


def test_three_workspaces_at_once_each_in_its_own_catalog(tmp_path):
    h = Host(database=str(tmp_path / "host.duckdb"))
    try:
        users = {}
        for ws in ("ws_a", "ws_b", "ws_c"):
            h.sql(f"SELECT * FROM pgwire_create_workspace('{ws}')")
            users[ws] = h.sql(f"SELECT name, password FROM pgwire_create_user(workspace := '{ws}')")[0]
        errors = []

        def work(ws):
            try:
                user, password = users[ws]
                with psycopg.connect(dsn(h, user, password, ws), autocommit=True) as c:
                    c.execute("CREATE TABLE mine (who VARCHAR, n INTEGER)")
                    for n in range(50):
                        c.execute("INSERT INTO mine VALUES (%s, %s)", (ws, n))
                    assert c.execute("SELECT count(*), min(who), max(who) FROM mine").fetchone() == (50, ws, ws)
            except Exception as e:  # reported below
                errors.append((ws, e))

        threads = [threading.Thread(target=work, args=(ws,)) for ws in users]
        [t.start() for t in threads]
        [t.join() for t in threads]
        assert not errors
        for ws in users:
            assert h.sql(f"SELECT count(*), min(who) FROM {ws}.main.mine") == [[50, ws]]
    finally:
        h.close()


def test_expired_users_and_workspaces_cannot_log_in(sales):
    h, user, password, _ = sales
    h.sql("SELECT * FROM pgwire_create_user(workspace := 'ws_sales', name := 'old', password := 'pw-old', valid_until := '2001-01-01')")
    with pytest.raises(psycopg.OperationalError) as e:
        psycopg.connect(dsn(h, "old", "pw-old", "ws_sales"))
    assert "password authentication failed" in str(e.value)
    h.sql("SELECT * FROM pgwire_create_workspace('ws_gone', path := ':memory:', expires_at := '2001-01-01')")
    h.sql("SELECT * FROM pgwire_create_user(workspace := 'ws_gone', name := 'late', password := 'pw-late')")
    with pytest.raises(psycopg.OperationalError) as e:
        psycopg.connect(dsn(h, "late", "pw-late", "ws_gone"))
    assert "password authentication failed" in str(e.value)
    assert h.sql("SELECT expired FROM pgwire_workspaces() WHERE name = 'ws_gone'") == [[True]]


def test_a_workspace_takes_no_more_sessions_than_its_limit(tmp_path):
    h = Host(database=str(tmp_path / "host.duckdb"))
    try:
        h.sql("SELECT * FROM pgwire_create_workspace('ws_small', path := ':memory:', max_connections := 2)")
        h.sql("SELECT * FROM pgwire_create_user(workspace := 'ws_small', name := 'u', password := 'pw-u')")
        held = [psycopg.connect(dsn(h, "u", "pw-u", "ws_small")) for _ in range(2)]
        with pytest.raises(psycopg.OperationalError) as e:
            psycopg.connect(dsn(h, "u", "pw-u", "ws_small"))
        assert "too many connections" in str(e.value)
        # Others are not affected.
        with psycopg.connect(h.dsn(dbname="host")) as owner:
            assert owner.execute("SELECT 1").fetchone() == (1,)
        held.pop().close()
        wait_until(lambda: len(h.sql("SELECT * FROM pgwire_sessions() WHERE workspace = 'ws_small'")) == 1)
        psycopg.connect(dsn(h, "u", "pw-u", "ws_small")).close()
        [c.close() for c in held]
    finally:
        h.close()


def test_password_changes_and_dropped_users(sales):
    h, user, password, _ = sales
    c = psycopg.connect(dsn(h, user, password, "ws_sales"))
    h.sql(f"SELECT * FROM pgwire_set_password('{user}', 'new-secret')")
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(dsn(h, user, password, "ws_sales"))
    psycopg.connect(dsn(h, user, "new-secret", "ws_sales")).close()
    wait_until(lambda: h.sql(f"SELECT count(*) FROM pgwire_sessions() WHERE \"user\" = '{user}'") == [[1]])
    # Dropping the user ends its session, with PostgreSQL's words for it.
    assert h.sql(f"SELECT sessions_ended FROM pgwire_drop_user('{user}')") == [[1]]
    with pytest.raises(psycopg.OperationalError) as e:
        c.execute("SELECT 1")
    assert "terminating connection due to administrator command" in str(e.value)
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(dsn(h, user, "new-secret", "ws_sales"))


def test_dropping_a_workspace_ends_its_sessions_and_can_delete_its_files(sales):
    h, user, password, tmp_path = sales
    c = psycopg.connect(dsn(h, user, password, "ws_sales"), autocommit=True)
    c.execute("CREATE TABLE t AS SELECT 1 AS x")
    assert h.sql("SELECT sessions_ended, files_deleted FROM pgwire_drop_workspace('ws_sales', delete_files := true)") == [
        [1, True]
    ]
    with pytest.raises(psycopg.OperationalError):
        c.execute("SELECT 1")
    assert not os.path.exists(tmp_path / "data" / "ws_sales.duckdb")
    assert h.sql("SELECT count(*) FROM pgwire_users() WHERE workspace = 'ws_sales'") == [[0]]
    assert h.sql("SELECT count(*) FROM pgwire_grants()") == [[0]]
    assert h.sql("SELECT count(*) FROM duckdb_databases() WHERE database_name LIKE 'pgwire_source%' OR database_name = 'ws_sales'") == [[0]]
    # The pool got its connection back clean.
    wait_until(lambda: h.sql("SELECT live_sessions, pool_retired FROM pgwire_status()") == [[0, 0]])
    # The name can be used again.
    h.sql("SELECT * FROM pgwire_create_workspace('ws_sales')")


def test_workspaces_come_back_after_a_restart(sales):
    h, user, password, tmp_path = sales
    with psycopg.connect(dsn(h, user, password, "ws_sales"), autocommit=True) as c:
        c.execute("CREATE TABLE kept AS SELECT 7 AS x")
    h.close()
    h2 = Host(database=str(tmp_path / "host.duckdb"))
    try:
        with psycopg.connect(dsn(h2, user, password, "ws_sales")) as c:
            assert c.execute("SELECT x FROM kept").fetchone() == (7,)
            assert c.execute("SELECT count(*) FROM in_c_sales.orders").fetchone() == (30,)
    finally:
        h2.close()


def test_the_example_script_serves_a_workspace_until_ctrl_c(tmp_path):
    import re
    import signal
    import subprocess
    import sys

    script = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "serve_workspace.py")
    proc = subprocess.Popen(
        [sys.executable, script, "--port", "0", "--dir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = [proc.stdout.readline() for _ in range(2)]
        conninfo = re.search(r'psql "(.*)"', lines[1]).group(1)
        with psycopg.connect(conninfo) as c:
            assert c.execute("SELECT count(*) FROM in_c_sales.orders").fetchone() == (100000,)
            assert c.execute("SELECT count(DISTINCT customer) FROM in_c_sales.customers").fetchone() == (50,)
            c.execute("CREATE TABLE mine AS SELECT 1 AS x")
            c.commit()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        assert "stopped" in out
    finally:
        if proc.poll() is None:
            proc.kill()


def test_statements_per_minute_are_limited_per_workspace(tmp_path):
    h = Host(database=str(tmp_path / "host.duckdb"), start_args="0, password := 'pw', max_queries_per_minute := 5")
    try:
        for ws in ("ws_busy", "ws_calm"):
            h.sql(f"SELECT * FROM pgwire_create_workspace('{ws}', path := ':memory:')")
            h.sql(f"SELECT * FROM pgwire_create_user(workspace := '{ws}', name := '{ws}_u', password := 'pw')")
        with psycopg.connect(dsn(h, "ws_busy_u", "pw", "ws_busy"), autocommit=True) as busy:
            ran = 0
            with pytest.raises(psycopg.errors.ConfigurationLimitExceeded) as e:
                for _ in range(10):
                    busy.execute("SELECT 1")
                    ran += 1
            assert e.value.sqlstate == "53400" and ran <= 5
            # The extended protocol counts too.
            with pytest.raises(psycopg.errors.ConfigurationLimitExceeded):
                busy.execute("SELECT %s::INTEGER", (1,))
        # Other workspaces and owners are not affected.
        with psycopg.connect(dsn(h, "ws_calm_u", "pw", "ws_calm")) as calm:
            assert calm.execute("SELECT 2").fetchone() == (2,)
        with psycopg.connect(h.dsn(dbname="host")) as owner:
            for _ in range(10):
                owner.execute("SELECT 3")
    finally:
        h.close()


def test_a_workspaces_memory_limit_applies_to_each_of_its_sessions(tmp_path):
    h = Host(database=str(tmp_path / "host.duckdb"))
    try:
        h.sql("SELECT * FROM pgwire_create_workspace('ws_mem', path := ':memory:', memory_limit := '64MB')")
        assert h.sql("SELECT memory_limit FROM pgwire_workspaces()") == [["64MB"]]
        h.sql("SELECT * FROM pgwire_create_user(workspace := 'ws_mem', name := 'm', password := 'pw')")
        with psycopg.connect(dsn(h, "m", "pw", "ws_mem")) as c:
            assert c.execute("SELECT current_setting('operator_memory_limit')").fetchone()[0].startswith("61")
        # The owner's sessions (and the pool's next user of that connection) have no such cap.
        with psycopg.connect(h.dsn(dbname="host")) as c:
            owner_limit = c.execute("SELECT current_setting('operator_memory_limit')").fetchone()[0]
            assert owner_limit is None or not owner_limit.startswith("61")
        with pytest.raises(RuntimeError, match="invalid memory_limit"):
            h.sql("SELECT * FROM pgwire_create_workspace('ws_bad', path := ':memory:', memory_limit := 'lots')")
        # A cap that cannot be applied at login (a host whose DuckDB has none, or, here, a value
        # changed behind pgwire's back) fails the login with its own message: never a session
        # without it.
        h.sql("UPDATE pgwire.workspaces SET memory_limit = 'lots' WHERE name = 'ws_mem'")
        with pytest.raises(psycopg.OperationalError) as e:
            psycopg.connect(dsn(h, "m", "pw", "ws_mem"))
        assert "memory limit cannot be applied" in str(e.value)
    finally:
        h.close()
