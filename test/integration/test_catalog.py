"""PostgreSQL's catalogs and SQL surface as tools read them: psql's meta-commands, result
column names, the server's identity, SQLAlchemy's Inspector and pandas — for an owner on a
Python 2.0.1 host and a DuckDB CLI 1.5.6 host, and scoped for a workspace."""
import re

import psycopg
import pytest

from conftest import both_hosts_with, psql

SCHEMA = """
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE customers (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL DEFAULT 'anon',
                        balance DECIMAL(10,2), tags VARCHAR[], feeling mood, email VARCHAR UNIQUE);
CREATE TABLE orders (id BIGINT PRIMARY KEY, customer_id INTEGER REFERENCES customers(id),
                     amount DOUBLE, placed DATE, at_ TIMESTAMP, at_tz TIMESTAMPTZ, ok BOOLEAN,
                     note TEXT, raw BLOB, u UUID, small SMALLINT, real_ REAL, j JSON, t TIME);
CREATE INDEX orders_placed ON orders(placed);
CREATE VIEW big_orders AS SELECT * FROM orders WHERE amount > 100;
CREATE SEQUENCE order_ids;
CREATE SCHEMA sales;
CREATE TABLE sales.targets (region VARCHAR, goal INTEGER);
COMMENT ON TABLE customers IS 'people who buy';
COMMENT ON COLUMN customers.name IS 'what they are called'
"""


@pytest.fixture(scope="module", params=["python", "cli"])
def server(request):
    h = both_hosts_with(request.param, SCHEMA)
    yield h
    h.close()


def meta(server, command, *extra):
    return psql(server.dsn(), *extra, "-c", command).stdout


def test_psql_lists_tables_views_indexes_sequences_schemas_and_databases(server):
    tables = meta(server, r"\dt")
    assert re.search(r"main\s+\|\s+customers\s+\|\s+table", tables), tables
    assert re.search(r"main\s+\|\s+orders\s+\|\s+table", tables), tables
    assert "big_orders" not in tables
    views = meta(server, r"\dv")
    assert re.search(r"main\s+\|\s+big_orders\s+\|\s+view", views), views
    indexes = meta(server, r"\di")
    assert re.search(r"orders_placed\s+\|\s+index\s+\|\s+\S+\s+\|\s+orders", indexes), indexes
    assert "customers_id_pkey" in indexes
    assert "order_ids" in meta(server, r"\ds")
    schemas = meta(server, r"\dn")
    assert re.search(r"^\s*sales\s+\|", schemas, re.M) and re.search(r"^\s*main\s+\|", schemas, re.M), schemas
    databases = meta(server, r"\l")
    assert re.search(r"^\s*memory\s+\|\s+\S+\s+\|\s+UTF8", databases, re.M), databases
    assert "targets" in meta(server, r"\dt sales.*")
    roles = meta(server, r"\du")
    assert "duckdb" in roles and "Superuser" in roles


def test_psql_describes_a_table_as_postgres_would(server):
    out = meta(server, r"\d customers")
    assert 'Table "main.customers"' in out
    for column, typ, rest in [
        ("id", "integer", "not null"),
        ("name", "text", "not null | 'anon'"),
        ("balance", "numeric(10,2)", ""),
        ("tags", "text[]", ""),
    ]:
        assert re.search(rf"^\s*{column}\s+\|\s+{re.escape(typ)}\s+\|[^\n]*{re.escape(rest)}", out, re.M), out
    assert re.search(r'"customers_id_pkey" PRIMARY KEY', out), out
    assert re.search(r'"customers_email_key" UNIQUE', out) or "UNIQUE" in out, out
    assert "Referenced by:" in out and "FOREIGN KEY (customer_id) REFERENCES customers(id)" in out, out
    orders = meta(server, r"\d orders")
    assert "Foreign-key constraints:" in orders
    for column, typ in [
        ("amount", "double precision"),
        ("placed", "date"),
        ("at_", "timestamp without time zone"),
        ("at_tz", "timestamp with time zone"),
        ("ok", "boolean"),
        ("raw", "bytea"),
        ("u", "uuid"),
        ("small", "smallint"),
        ("real_", "real"),
        ("j", "json"),
        ("t", "time without time zone"),
        ("id", "bigint"),
    ]:
        assert re.search(rf"^\s*{column}\s+\|\s+{re.escape(typ)}\s+\|", orders, re.M), (column, orders)
    assert '"orders_placed"' in orders
    view = meta(server, r"\d big_orders")
    assert 'View "main.big_orders"' in view and "amount" in view
    plus = meta(server, r"\d+ customers")
    assert "what they are called" in plus, plus


def test_psql_expanded_output_functions_and_conninfo(server):
    expanded = meta(server, "SELECT 1 AS a, 'x' AS b", "-x")
    assert re.search(r"^a\s+\| 1$", expanded, re.M) and re.search(r"^b\s+\| x$", expanded, re.M), expanded
    server.sql("CREATE MACRO add_one(x) AS x + 1")
    functions = meta(server, r"\df")
    assert re.search(r"main\s+\|\s+add_one\s+\|", functions), functions
    assert 'You are connected to database "memory"' in meta(server, r"\conninfo")


def test_result_columns_are_named_as_postgres_names_them(server):
    with psycopg.connect(server.dsn(), autocommit=True) as c:
        for prepare in (False, True):
            cur = c.execute(
                "SELECT count(*), version(), 1, 5::int, max(id)::text, 'a' || 'b', now() AS \"When\", "
                "CASE WHEN true THEN 1 END, max(id) FROM customers",
                prepare=prepare,
            )
            names = [d.name for d in cur.description]
            assert names == ["count", "version", "?column?", "int4", "max", "?column?", "When", "case", "max"], names
        assert [d.name for d in c.execute("SELECT id, name FROM customers").description] == ["id", "name"]


def test_the_server_says_postgres_15_on_duckdb(server):
    with psycopg.connect(server.dsn(), autocommit=True) as c:
        assert c.info.server_version == 150000
        version = c.execute("SELECT version()").fetchone()[0]
        assert re.match(r"PostgreSQL 15\.0 \(DuckDB \d+\.\d+\.\d+, pgwire ", version), version
        assert c.execute("SHOW server_version_num").fetchone() == ("150000",)
        assert c.execute("SELECT current_setting('server_version_num')").fetchone() == ("150000",)
        assert c.execute("SHOW server_version").fetchone()[0].startswith("15.0 (DuckDB")
        assert c.execute("SHOW standard_conforming_strings").fetchone() == ("on",)
        assert c.execute("SHOW TRANSACTION ISOLATION LEVEL").fetchone() == ("serializable",)
        with pytest.raises(psycopg.errors.CantChangeRuntimeParam):
            c.execute("SET server_version = '16'")
        pid = c.execute("SELECT pg_backend_pid()").fetchone()[0]
        assert pid == c.info.backend_pid
        assert c.execute("SELECT current_user, session_user").fetchone() == ("duckdb", "duckdb")
        assert c.execute("SELECT current_database()").fetchone() == ("memory",)


def test_column_types_in_the_catalog_are_the_types_on_the_wire(server):
    """pg_attribute.atttypid and a result's RowDescription come from two places (the catalog's
    SQL and the encoder); they must agree, or drivers decode what they looked up wrongly."""
    with psycopg.connect(server.dsn(), autocommit=True) as c:
        for table in ("customers", "orders"):
            wire = [d.type_code for d in c.execute(f"SELECT * FROM {table} LIMIT 0").description]
            catalog = [
                r[0]
                for r in c.execute(
                    "SELECT atttypid FROM pg_catalog.pg_attribute WHERE attrelid = %s::regclass "
                    "AND attnum > 0 ORDER BY attnum",
                    (table,),
                ).fetchall()
            ]
            assert catalog == wire, (table, catalog, wire)


def test_regclass_casts_and_catalog_functions(server):
    with psycopg.connect(server.dsn(), autocommit=True) as c:
        oid = c.execute("SELECT 'customers'::regclass").fetchone()[0]
        assert c.execute("SELECT oid FROM pg_class WHERE relname = 'customers'").fetchone()[0] == oid
        assert c.execute("SELECT %s::regclass::text", (oid,)).fetchone() is not None
        assert c.execute("SELECT obj_description('customers'::regclass, 'pg_class')").fetchone() == ("people who buy",)
        assert c.execute("SELECT format_type(1700, 655366), format_type(23, -1), format_type(1009, -1)").fetchone() == (
            "numeric(10,2)",
            "integer",
            "text[]",
        )
        with pytest.raises(psycopg.errors.UndefinedTable):
            c.execute("SELECT 'nope'::regclass")
        assert c.execute("SELECT '{1,2,3}'::int[], '{}'::text[], '{a,\"b c\",NULL}'::text[]").fetchone() == (
            [1, 2, 3],
            [],
            ["a", "b c", None],
        )
        assert c.execute("SELECT 'b' = ANY('{a,b}'::text[]), 3 <> ALL('{1,2}'::int[])").fetchone() == (True, True)
        words = c.execute("SELECT count(*) FROM pg_catalog.pg_get_keywords() WHERE catcode = 'R'").fetchone()[0]
        assert words > 50
        enum = c.execute(
            "SELECT t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_type t "
            "JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname"
        ).fetchall()
        assert enum == [("mood", ["sad", "ok", "happy"])]


def test_information_schema_answers_as_postgres_does(server):
    with psycopg.connect(server.dsn(), autocommit=True) as c:
        columns = c.execute(
            "SELECT column_name, data_type, is_nullable, column_default, numeric_precision, numeric_scale "
            "FROM information_schema.columns WHERE table_name = 'customers' ORDER BY ordinal_position"
        ).fetchall()
        assert columns[:3] == [
            ("id", "integer", "NO", None, 32, 0),
            ("name", "text", "NO", "'anon'", None, None),
            ("balance", "numeric", "YES", None, 10, 2),
        ]
        assert columns[3][1] == "ARRAY"
        tables = c.execute(
            "SELECT table_schema, table_name, table_type FROM information_schema.tables ORDER BY 1, 2"
        ).fetchall()
        assert ("main", "big_orders", "VIEW") in tables and ("sales", "targets", "BASE TABLE") in tables
        keys = c.execute(
            "SELECT tc.constraint_type, kcu.column_name FROM information_schema.table_constraints tc "
            "JOIN information_schema.key_column_usage kcu USING (constraint_name) "
            "WHERE tc.table_name = 'orders' ORDER BY 1"
        ).fetchall()
        assert keys == [("FOREIGN KEY", "customer_id"), ("PRIMARY KEY", "id")]


def test_sqlalchemy_inspector_and_pandas(server):
    sqlalchemy = pytest.importorskip("sqlalchemy")
    pandas = pytest.importorskip("pandas")
    for driver in ("psycopg2", "psycopg"):
        engine = sqlalchemy.create_engine(f"postgresql+{driver}://duckdb:pw@127.0.0.1:{server.port}/memory")
        inspector = sqlalchemy.inspect(engine)
        assert {"customers", "orders"} <= set(inspector.get_table_names(schema="main"))
        assert "sales" in inspector.get_schema_names()
        assert inspector.get_view_names(schema="main") == ["big_orders"]
        columns = {c["name"]: c for c in inspector.get_columns("customers", schema="main")}
        assert str(columns["balance"]["type"]) == "NUMERIC(10, 2)" and not columns["id"]["nullable"]
        assert inspector.get_pk_constraint("orders", schema="main")["constrained_columns"] == ["id"]
        [fk] = inspector.get_foreign_keys("orders", schema="main")
        assert (fk["constrained_columns"], fk["referred_table"], fk["referred_columns"]) == (
            ["customer_id"],
            "customers",
            ["id"],
        )
        assert "orders_placed" in {i["name"] for i in inspector.get_indexes("orders", schema="main")}
        frame = pandas.DataFrame({"k": [1, 2, 3], "v": ["a", "b", None]})
        frame.to_sql(f"frame_{driver}", engine, schema="main", index=False, if_exists="replace")
        back = pandas.read_sql(f"SELECT * FROM main.frame_{driver} ORDER BY k", engine)
        assert back["k"].tolist() == [1, 2, 3] and back["v"].tolist()[:2] == ["a", "b"]
        engine.dispose()


def test_a_workspace_sees_only_its_own_objects_in_the_catalog(server):
    server.sql("SELECT * FROM pgwire_create_workspace('cat_ws', path := ':memory:')")
    [[user, password]] = server.sql("SELECT name, password FROM pgwire_create_user(workspace := 'cat_ws')")
    dsn = server.dsn(user=user, password=password, dbname="cat_ws")
    with psycopg.connect(dsn, autocommit=True) as c:
        c.execute("CREATE TABLE mine (a INTEGER PRIMARY KEY, b VARCHAR)")
        c.execute("CREATE VIEW my_view AS SELECT a FROM mine")
    tables = psql(dsn, "-c", r"\dt").stdout
    assert "mine" in tables and "customers" not in tables and "pgwire" not in tables, tables
    described = psql(dsn, "-c", r"\d mine").stdout
    assert "mine_a_pkey" in described and "integer" in described
    assert "cat_ws" in psql(dsn, "-c", r"\l").stdout and "memory" not in psql(dsn, "-c", r"\l").stdout
    with psycopg.connect(dsn, autocommit=True) as c:
        names = {r[0] for r in c.execute("SELECT relname FROM pg_class").fetchall()}
        assert {"mine", "my_view", "mine_a_pkey"} <= names and not names & {"customers", "orders", "users"}
        # A view's text is not shown to a workspace (an owner's view may name other databases).
        assert c.execute("SELECT definition FROM pg_views WHERE viewname = 'my_view'").fetchone() == (None,)
        with pytest.raises(psycopg.errors.UndefinedTable):
            c.execute("SELECT 'customers'::regclass")


def test_pgjdbc_database_metadata(server, tmp_path):
    """What DBeaver, DataGrip and Metabase ask pgjdbc on connect."""
    import os
    import shutil
    import subprocess

    from conftest import require

    jar = "/usr/share/java/postgresql.jar"
    require(shutil.which("javac") and os.path.exists(jar), "a JDK and libpostgresql-jdbc-java")
    server.sql("CREATE OR REPLACE MACRO add_two(x) AS x + 2")
    source = os.path.join(os.path.dirname(os.path.abspath(__file__)), "jdbc", "MetaApp.java")
    subprocess.run(["javac", "-d", str(tmp_path), "-cp", jar, source], check=True, timeout=120)
    out = subprocess.run(
        ["java", "-cp", f"{tmp_path}:{jar}", "MetaApp", str(server.port), "pw"],
        capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    seen = dict(line.split("=", 1) for line in out.stdout.splitlines())
    assert seen["product"] == "PostgreSQL 15"
    assert seen["catalogs"] == "memory,;"
    assert "main,;" in seen["schemas"] and "sales,;" in seen["schemas"]
    assert "customers,TABLE,people who buy,;" in seen["tables"] and "big_orders,VIEW,null,;" in seen["tables"]
    assert seen["columns"].startswith("id,int4,4,0,null,;name,text,12,0,'anon',;balance,numeric,2,1,null,;")
    assert seen["pk"] == "id,orders_pkey,;" or seen["pk"].startswith("id,")
    assert seen["fk"] == "customers,id,customer_id,;"
    assert "orders_placed,placed,t,;" in seen["index"]
    assert seen["typeinfo_over_20"] == "true" and seen["keywords_over_100"] == "true"
    assert "add_two" in seen["functions"]
    assert seen["rsmd"] == "id:int4,balance:numeric:10:2"


def test_listen_notify_and_pg_stat_activity(server):
    """LISTEN/NOTIFY are accepted as by a server on which nothing is ever notified, in both
    protocols; pg_stat_activity is pgwire_sessions()."""
    with psycopg.connect(server.dsn(), autocommit=True) as c:
        for prepare in (False, True):
            for sql, tag in (("LISTEN jobs", "LISTEN"), ("NOTIFY jobs, 'x'", "NOTIFY"), ("UNLISTEN *", "UNLISTEN")):
                assert c.execute(sql, prepare=prepare).statusmessage == tag
        assert c.execute("SELECT pg_notify('jobs', 'x')").fetchone() == (None,)
        pid = c.info.backend_pid
        rows = c.execute("SELECT pid, usename, state, query FROM pg_stat_activity").fetchall()
        assert (pid, "duckdb", "active", "SELECT pid, usename, state, query FROM pg_stat_activity") in rows


def test_a_workspace_sees_only_its_own_sessions(server):
    server.sql("SELECT * FROM pgwire_create_workspace('act_ws', path := ':memory:')")
    [[user, password]] = server.sql("SELECT name, password FROM pgwire_create_user(workspace := 'act_ws')")
    with psycopg.connect(server.dsn(), autocommit=True) as owner, psycopg.connect(
        server.dsn(user=user, password=password, dbname="act_ws"), autocommit=True
    ) as ws:
        seen_by_ws = {r[0] for r in ws.execute("SELECT pid FROM pg_stat_activity").fetchall()}
        assert seen_by_ws == {ws.info.backend_pid}
        seen_by_owner = {r[0] for r in owner.execute("SELECT pid FROM pg_stat_activity").fetchall()}
        assert {ws.info.backend_pid, owner.info.backend_pid} <= seen_by_owner


def test_asyncpg_introspects_enum_and_list_columns(server):
    """asyncpg looks up every array type by OID with its own catalog query; that query's
    result must itself be of types asyncpg knows (oid, oid[]), or it recurses for ever."""
    asyncio = pytest.importorskip("asyncio")
    asyncpg = pytest.importorskip("asyncpg")

    async def run():
        c = await asyncpg.connect(host="127.0.0.1", port=server.port, user="duckdb", password="pw", database="memory")
        try:
            await c.execute("CREATE TABLE IF NOT EXISTS feelings (id INTEGER, f mood, tags INTEGER[], names VARCHAR[])")
            await c.execute("DELETE FROM feelings")
            await c.execute("INSERT INTO feelings VALUES (1, 'ok', [1, 2], ['a', NULL])")
            rows = await c.fetch("SELECT * FROM feelings WHERE f = $1", "ok")
            assert [tuple(r) for r in rows] == [(1, "ok", [1, 2], ["a", None])]
            assert await c.fetchval("SELECT $1::int[]", [3, 4]) == [3, 4]
            assert (await c.fetchval("SELECT version()")).startswith("PostgreSQL 15.0")
        finally:
            await c.close()

    asyncio.run(run())
