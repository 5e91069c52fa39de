"""The queries GUI and BI tools send on connect and while browsing, replayed through the driver
each tool uses (test/integration/replays/*.sql says where each was written down from): DBeaver,
Metabase and DataGrip over pgjdbc (jdbc/Replay.java), Power BI and other .NET tools through
Npgsql's type loading, Tableau through psqlODBC, Grafana's query editor. Each answer is checked
for what the tool reads from it, for the owner (both hosts) and for a workspace."""
import os
import shutil
import subprocess

import psycopg
import pytest

from conftest import PASSWORD, Host, both_hosts_with, require

HERE = os.path.dirname(os.path.abspath(__file__))
REPLAYS = os.path.join(HERE, "replays")
JAR = "/usr/share/java/postgresql.jar"
DEV_CERT = os.path.join(HERE, "..", "..", "scripts", "dev_cert.sh")

SCHEMA = """
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE customers (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, m mood, tags VARCHAR[]);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id),
                     amount DECIMAL(10,2) DEFAULT 0);
CREATE INDEX orders_amount ON orders (amount);
CREATE VIEW big_orders AS SELECT * FROM orders WHERE amount > 100;
COMMENT ON TABLE customers IS 'people who buy';
INSERT INTO customers VALUES (1, 'Ann', 'happy', ['a']), (2, 'Bo', 'sad', []);
INSERT INTO orders VALUES (1, 1, 50.00), (2, 1, 150.00), (3, 2, 20.50)
"""


@pytest.fixture(scope="module", params=["python", "cli"])
def server(request):
    h = both_hosts_with(request.param, SCHEMA)
    yield h
    h.close()


def blocks(name):
    """The blocks of a replay file: (name, sql)."""
    with open(os.path.join(REPLAYS, name)) as f:
        text = f.read()
    out = []
    for part in text.split("\n-- name: ")[1:]:
        block, _, sql = part.partition("\n")
        lines = [line for line in sql.splitlines() if not line.startswith("-- bind: ")]
        out.append((block.strip(), "\n".join(lines).strip()))
    return out


@pytest.fixture(scope="session")
def replay_class(tmp_path_factory):
    require(shutil.which("javac") and shutil.which("java"), "a JDK")
    require(os.path.exists(JAR), "libpostgresql-jdbc-java")
    out = tmp_path_factory.mktemp("replay")
    subprocess.run(["javac", "-d", str(out), "-cp", JAR, os.path.join(HERE, "jdbc", "Replay.java")],
                   check=True, timeout=180)
    return out


def jdbc_replay(classes, port, user, password, dbname, name, url_parameters=""):
    """{block: (columns, rows)} of a replay through pgjdbc; a failed block fails the test."""
    out = subprocess.run(["java", "-cp", f"{classes}:{JAR}", "Replay", str(port), user, password, dbname,
                          os.path.join(REPLAYS, name), url_parameters], capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr
    answers, failed = {}, []
    for line in out.stdout.splitlines():
        block, status, *rest = line.split("\t")
        if status != "ok":
            failed.append(line)
            continue
        columns, rows = rest if len(rest) == 2 else ("", "")
        answers[block] = (columns.split(","), [r.split("|") for r in rows.split(";")] if rows else [])
    assert not failed, "\n".join(failed)
    assert len(answers) == len(blocks(name))
    return answers


def by_name(answer):
    """Rows of one answer as dicts by column label (the first of a repeated label)."""
    columns, rows = answer
    return [{c: v for c, v in reversed(list(zip(columns, row)))} for row in rows]


def check_dbeaver(a, db, workspace=False):
    assert [r["datname"] for r in by_name(a["databases"])] == [db]
    assert a["version"][1][0][0].startswith("PostgreSQL 15.0 (DuckDB")
    types = {r["typname"]: r for r in by_name(a["types"])}
    assert types["int4"]["oid"] == "23" and types["_int4"]["typelem"] == "23"
    assert types["mood"]["typtype"] == "e" and types["_mood"]["typelem"] == types["mood"]["oid"]
    assert {"main", "pg_catalog", "information_schema"} <= {r["nspname"] for r in by_name(a["schemas"])}
    tables = {r["relname"]: r for r in by_name(a["tables"])}
    assert {"customers", "orders", "big_orders"} <= set(tables)
    assert tables["customers"]["description"] == "people who buy" and tables["big_orders"]["relkind"] == "v"
    columns = by_name(a["columns"])
    assert [c["attname"] for c in columns] == ["id", "customer_id", "amount"]
    assert [c["def_value"] for c in columns] == ["NULL", "NULL", "0"]
    constraints = {(r["tabrelname"], r["contype"]) for r in by_name(a["constraints"])}
    assert {("customers", "p"), ("orders", "p"), ("orders", "f")} <= constraints
    assert "orders_amount" in {r["relname"] for r in by_name(a["indexes"])}
    assert a["index_column"][1] == [["amount"]]
    # A workspace's catalog shows no definitions (its views may be the owner's, over project data).
    assert a["view_definition"][1] == [["NULL"]] if workspace else a["view_definition"][1][0][0].startswith("SELECT")
    labels = sorted(by_name(a["enums"]), key=lambda r: float(r["enumsortorder"]))
    assert [r["enumlabel"] for r in labels] == ["sad", "ok", "happy"]
    assert sorted(r[0] for r in a["data"][1]) == ["1", "2"]


def test_dbeaver_browses_the_database(server, replay_class):
    a = jdbc_replay(replay_class, server.port, "duckdb", PASSWORD, "memory", "dbeaver.sql")
    check_dbeaver(a, "memory")


def test_metabase_syncs_the_database(server, replay_class):
    a = jdbc_replay(replay_class, server.port, "duckdb", PASSWORD, "memory", "metabase.sql")
    assert a["isolation"][1] == [["serializable"]]
    assert "main" in {r["TABLE_SCHEM"] for r in by_name(a["schemas"])}
    privileges = {(r["schema"], r["table"]): r for r in by_name(a["privileges"])}
    assert privileges[("main", "customers")]["select"] == "true"
    tables = [(r["schema"], r["name"], r["type"], r["description"]) for r in by_name(a["tables"])]
    assert tables == [("main", "customers", "TABLE", "people who buy"), ("main", "orders", "TABLE", "NULL"),
                      ("main", "big_orders", "VIEW", "NULL")]
    counts = {r["name"]: r["estimated_row_count"] for r in by_name(a["tables"])}
    assert counts["customers"] == "2" and counts["orders"] == "3"
    assert sorted(r[0] for r in a["sample"][1]) == ["1", "2"]


def test_datagrip_connects(server, replay_class):
    a = jdbc_replay(replay_class, server.port, "duckdb", PASSWORD, "memory", "datagrip.sql")
    assert a["database_schemas"][1] == [["memory", "[main]"]]
    assert a["current"][1] == [["memory", "main", "duckdb"]]
    assert float(a["startup_time"][1][0][0]) > 1.7e9


def run_blocks(conn, name, simple):
    """Each block of a replay file through psycopg: the simple protocol (one Query message, as
    libpq's PQexec and Npgsql's batches send it) or the extended one; every result set of
    every block."""
    answers = {}
    for block, sql in blocks(name):
        cur = conn.cursor()
        cur.execute(sql) if simple else cur.execute(sql, ())
        results = []
        while True:
            results.append(cur.fetchall() if cur.description else None)
            if not cur.nextset():
                break
        answers[block] = results
    return answers


def check_npgsql(a):
    """What Npgsql builds its type map from: every array's element loaded before it, the ENUM
    and its array, its labels in order. Npgsql drops the connection if any of this fails."""
    [types] = a["npgsql4.types"]
    by_type = {name: (oid, kind, elem) for _, name, oid, _, _, kind, elem, _ in types}
    assert by_type["int4"] == (23, "b", 0) and by_type["_int4"] == (1007, "a", 23)
    assert by_type["text"][:2] == (25, "b") and by_type["numeric"][:2] == (1700, "b")
    assert by_type["mood"][1] == "e" and by_type["_mood"][1:] == ("a", by_type["mood"][0])
    seen = set()
    for _, name, oid, _, _, kind, elem, _ in types:
        assert kind != "a" or elem in seen, f"{name}'s element comes after it"
        seen.add(oid)
    assert a["npgsql4.composites"] == [[]]
    [labels] = a["npgsql4.enums"]
    assert [label for oid, label in labels if oid == by_type["mood"][0]] == ["sad", "ok", "happy"]
    version, types8, composites8, enums8 = a["npgsql8.batch"]
    assert version[0][0].startswith("PostgreSQL 15.0")
    kinds = {name: (kind, elem) for _, _, name, kind, _, elem in types8}
    assert kinds["_int4"] == ("a", 23) and kinds["mood"] == ("e", None)
    assert composites8 == [] and enums8 == labels


def test_npgsql_loads_its_types(server):
    with psycopg.connect(server.dsn(), autocommit=True) as conn:
        a = {**run_blocks(conn, "npgsql.sql", simple=False)}
        a["npgsql8.batch"] = run_blocks(conn, "npgsql.sql", simple=True)["npgsql8.batch"]
    check_npgsql(a)


def test_tableau_through_psqlodbc(server):
    with psycopg.connect(server.dsn(), autocommit=True) as conn:
        a = run_blocks(conn, "tableau.sql", simple=True)
        direct = conn.execute("SELECT customer_id, sum(amount) FROM orders GROUP BY 1 ORDER BY 1").fetchall()
    assert a["datestyle"] == [[("ISO, MDY",)]] and a["set_datestyle"] == [None, [("serializable",)]]
    assert a["large_object_type"] == [[]] and a["current_schema"] == [[("main",)]]
    assert a["sqltables"] == [[("big_orders", "main", "v"), ("customers", "main", "r"), ("orders", "main", "r")]]
    [columns] = a["sqlcolumns"]
    assert [(c[2], c[4], c[8]) for c in columns] == [("id", "int4", True), ("customer_id", "int4", False),
                                                    ("amount", "numeric", False)]
    [fetched] = a["fetch"]
    assert sorted(fetched) == direct


def test_grafana_query_editor(server):
    with psycopg.connect(server.dsn(), autocommit=True) as conn:
        a = run_blocks(conn, "grafana.sql", simple=False)
    assert a["version"] == [[(1500,)]]  # integer division, as PostgreSQL's
    [tables] = a["tables"]
    assert {"customers", "orders", "big_orders"} <= {t for (t,) in tables}
    assert sorted(a["columns"][0]) == [("amount", "numeric"), ("customer_id", "integer"), ("id", "integer")]


def test_tools_in_a_workspace_see_only_it(replay_class, tmp_path):
    """The same replays as a workspace's user over TLS (the server requires it): every query
    answers, about the workspace only."""
    subprocess.run(["bash", DEV_CERT, str(tmp_path)], check=True, capture_output=True)
    h = Host(start_args=f"0, password := 'pw', tls_cert := '{tmp_path}/server.crt', "
                        f"tls_key := '{tmp_path}/server.key', require_tls := true")
    try:
        h.sql("CREATE TABLE owner_secret (x INTEGER)")
        h.sql("SELECT * FROM pgwire_create_workspace('rp_ws', path := ':memory:')")
        [[user, password]] = h.sql("SELECT name, password FROM pgwire_create_user(workspace := 'rp_ws')")
        dsn = h.dsn(user=user, password=password, dbname="rp_ws", sslmode="require")
        with psycopg.connect(dsn, autocommit=True) as conn:
            for statement in SCHEMA.split(";"):
                conn.execute(statement)
        a = jdbc_replay(replay_class, h.port, user, password, "rp_ws", "dbeaver.sql", "sslmode=require")
        check_dbeaver(a, "rp_ws", workspace=True)
        m = jdbc_replay(replay_class, h.port, user, password, "rp_ws", "metabase.sql", "sslmode=require")
        everything = repr(a) + repr(m)
        assert "owner_secret" not in everything and "pgwire" not in everything.replace("pgwire 0.", "")
        assert {r["table"] for r in by_name(m["privileges"])} == {"customers", "orders", "big_orders"}
        with psycopg.connect(dsn, autocommit=True) as conn:
            n = {**run_blocks(conn, "npgsql.sql", simple=False)}
            n["npgsql8.batch"] = run_blocks(conn, "npgsql.sql", simple=True)["npgsql8.batch"]
            check_npgsql(n)
            g = run_blocks(conn, "grafana.sql", simple=False)
            assert {t for (t,) in g["tables"][0]} == {"customers", "orders", "big_orders"}
    finally:
        h.close()
