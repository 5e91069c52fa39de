"""Tools people point at a PostgreSQL server, doing what they do on connect and on their
commands, for an owner and for a workspace: pgcli (its completion refresher's catalog reads
and its backslash commands through pgspecial, as the CLI runs them; `pgcli --list`) and
dbt-postgres (seed, run, an incremental run, test, docs generate on a small project)."""
import os
import shutil
import subprocess
import sys

import pytest

from conftest import PASSWORD, CliHost, Host, both_hosts_with, require

SCHEMA = """
CREATE TYPE pc_mood AS ENUM ('sad', 'happy');
CREATE TABLE pc_items (id INTEGER PRIMARY KEY, m pc_mood, note VARCHAR NOT NULL);
CREATE TABLE pc_lines (item INTEGER REFERENCES pc_items(id), n INTEGER);
CREATE VIEW pc_v AS SELECT id FROM pc_items;
CREATE MACRO pc_add(a, b) AS a + b
"""

PGCLI = os.path.join(os.path.dirname(sys.executable), "pgcli")


@pytest.fixture(scope="module", params=["python", "cli"])
def server(request):
    h = both_hosts_with(request.param, SCHEMA)
    yield h
    h.close()


def pgcli_session(dsn_parts):
    """What pgcli does after connecting: its completion refresher's reads, then commands."""
    pgexecute = pytest.importorskip("pgcli.pgexecute")
    from pgspecial.main import PGSpecial

    executor = pgexecute.PGExecute(dsn_parts["dbname"], dsn_parts["user"], dsn_parts["password"],
                                   "127.0.0.1", dsn_parts["port"])
    refreshed = {name: list(getattr(executor, name)())
                 for name in ("search_path", "schemata", "tables", "views", "table_columns",
                              "view_columns", "databases", "foreignkeys", "functions", "datatypes")}
    special = PGSpecial()

    def run(command):
        [(title, cur, headers, status, *_)] = list(executor.run(command, pgspecial=special))
        return headers, [tuple(r) for r in cur] if cur is not None else None, status

    return refreshed, run


def test_pgcli_refreshes_completions_and_runs_backslash_commands(server):
    require(os.path.exists(PGCLI), "pgcli (make venv installs it)")
    refreshed, run = pgcli_session({"dbname": "memory", "user": "duckdb", "password": PASSWORD,
                                    "port": server.port})
    assert "main" in refreshed["schemata"] and refreshed["databases"] == ["memory"]
    assert ("main", "pc_items") in refreshed["tables"] and ("main", "pc_v") in refreshed["views"]
    columns = {(t, c): ty for s, t, c, ty, *_ in refreshed["table_columns"] if s == "main"}
    assert columns[("pc_items", "id")] == "integer" and columns[("pc_items", "m")] == "pc_mood"
    assert columns[("pc_items", "note")] == "text"
    assert ("main", "pc_mood") in refreshed["datatypes"]
    assert [f.func_name for f in refreshed["functions"] if f.schema_name == "main"] == ["pc_add"]
    fks = [(f.parentschema, f.parenttable, f.parentcolumn, f.childtable, f.childcolumn)
           for f in refreshed["foreignkeys"]]
    assert fks == [("main", "pc_items", "id", "pc_lines", "item")]

    headers, rows, _ = run(r"\dt")
    assert headers[:3] == ["Schema", "Name", "Type"]
    assert ("main", "pc_items", "table", "duckdb") in rows and ("main", "pc_lines", "table", "duckdb") in rows
    assert run(r"\dv")[1] == [("main", "pc_v", "view", "duckdb")]
    assert ("main", "pc_items_id_pkey", "index", "duckdb") in run(r"\di")[1]
    assert run(r"\dT")[1] == [("main", "pc_mood", None)]
    assert [r[:2] for r in run(r"\df")[1]] == [("main", "pc_add")]
    headers, rows, status = run(r"\d pc_items")
    assert rows == [("id", "integer", " not null"), ("m", "pc_mood", ""), ("note", "text", " not null")]
    assert "pc_items_id_pkey" in status and "PRIMARY KEY" in status
    assert run("SELECT count(*) FROM pc_items")[1] == [(0,)]


def test_pgcli_list_connects_to_the_maintenance_database(server):
    """`pgcli --list` connects to `postgres` (PostgreSQL's maintenance database) as tools do
    first; here that is the session's default database."""
    require(os.path.exists(PGCLI), "pgcli (make venv installs it)")
    out = subprocess.run([PGCLI, "-h", "127.0.0.1", "-p", str(server.port), "-U", "duckdb", "--list"],
                         capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PGPASSWORD": PASSWORD, "HOME": os.environ.get("TMPDIR", "/tmp")})
    assert out.returncode == 0, out.stderr + out.stdout
    assert "memory" in out.stdout and "UTF8" in out.stdout, out.stdout


def test_pgcli_in_a_workspace_sees_only_the_workspace(server):
    server.sql("SELECT * FROM pgwire_create_workspace('pc_ws', path := ':memory:')")
    [[user, password]] = server.sql("SELECT name, password FROM pgwire_create_user(workspace := 'pc_ws')")
    import psycopg
    with psycopg.connect(server.dsn(user=user, password=password, dbname="pc_ws"), autocommit=True) as c:
        c.execute("CREATE TABLE ws_only (a INTEGER PRIMARY KEY)")
    refreshed, run = pgcli_session({"dbname": "pc_ws", "user": user, "password": password, "port": server.port})
    tables = {t for _, t in refreshed["tables"]}
    assert tables == {"ws_only"}, tables
    assert refreshed["databases"] == ["pc_ws"]
    assert not any("pc_" in str(r) or "pgwire" in str(r)
                   for r in refreshed["table_columns"] + refreshed["datatypes"] + refreshed["views"])
    assert run(r"\dt")[1] == [("main", "ws_only", "table", user)] or \
        [r[:3] for r in run(r"\dt")[1]] == [("main", "ws_only", "table")]
    assert run(r"\dT")[1] == []


DBT_PROJECT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dbt_project")
DBT = os.path.join(os.path.dirname(sys.executable), "dbt")


def run_dbt(port, user, password, dbname, work):
    """dbt-postgres (dbt-core 1.10) through its whole cycle on test/integration/dbt_project:
    seed, run, run again (the incremental model merges), test, docs generate."""
    env = {**os.environ, "PGWIRE_PORT": str(port), "PGWIRE_USER": user, "PGWIRE_PASSWORD": password,
           "PGWIRE_DBNAME": dbname, "DBT_PROFILES_DIR": DBT_PROJECT, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    for command in (["seed"], ["run"], ["run"], ["test"], ["docs", "generate"]):
        out = subprocess.run([DBT, *command, "--project-dir", DBT_PROJECT, "--target-path", str(work / "target"),
                              "--log-path", str(work / "logs")],
                             capture_output=True, text=True, timeout=300, env=env)
        assert out.returncode == 0, f"dbt {' '.join(command)}:\n{out.stdout[-3000:]}"
        if command != ["docs", "generate"]:
            assert "ERROR=0" in out.stdout and "PASS=" in out.stdout, out.stdout[-2000:]
    import json
    return json.loads((work / "target" / "catalog.json").read_text())


def check_dbt_results(dsn):
    import psycopg
    with psycopg.connect(dsn, autocommit=True) as c:
        revenue = c.execute("SELECT name, orders, revenue::numeric(10,2)::text FROM customer_revenue ORDER BY customer_id").fetchall()
        assert revenue == [("Ada", 1, "12.50"), ("Grace", 2, "120.00"), ("Linus", 1, "5.00"), ("Margaret", 0, "0.00")]
        daily = c.execute("SELECT placed_on::text, orders FROM daily_orders ORDER BY 1").fetchall()
        assert daily == [("2024-04-01", 1), ("2024-04-04", 1), ("2024-04-05", 1), ("2024-04-06", 1)]
        assert c.execute("SELECT table_type FROM information_schema.tables WHERE table_name = 'stg_orders'").fetchone() == ("VIEW",)


def test_dbt_seed_run_test_for_an_owner(tmp_path):
    require(os.path.exists(DBT), "dbt-postgres (make venv installs it)")
    h = CliHost()
    try:
        catalog = run_dbt(h.port, "duckdb", PASSWORD, "memory", tmp_path)
        check_dbt_results(h.dsn())
    finally:
        h.close()
    node = catalog["nodes"]["model.pgwire_shop.customer_revenue"]
    assert node["metadata"]["type"] == "BASE TABLE" and node["metadata"]["schema"] == "main"
    assert {k: v["type"] for k, v in node["columns"].items()} == {
        "customer_id": "integer", "name": "text", "country": "text", "orders": "bigint",
        "revenue": "double precision"}


def test_dbt_in_a_workspace(tmp_path):
    """The same project in a workspace: dbt's DDL (CREATE ... AS, renames, drops in
    transactions) passes the workspace's checks and stays in its database."""
    require(os.path.exists(DBT), "dbt-postgres (make venv installs it)")
    h = Host()
    try:
        h.sql("SELECT * FROM pgwire_create_workspace('dbt_ws', path := ':memory:')")
        [[user, password]] = h.sql("SELECT name, password FROM pgwire_create_user(workspace := 'dbt_ws')")
        catalog = run_dbt(h.port, user, password, "dbt_ws", tmp_path)
        check_dbt_results(h.dsn(user=user, password=password, dbname="dbt_ws"))
        assert h.sql("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'memory' AND table_name = 'customer_revenue'") == [[0]]
    finally:
        h.close()
    assert {n["metadata"]["database"] for n in catalog["nodes"].values()} == {"dbt_ws"}
