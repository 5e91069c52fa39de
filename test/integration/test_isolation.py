"""Isolation between workspaces, attacked over the wire.

One server, an owner and two workspaces: ws_b holds a secret (a table, a view, a macro, a
sequence), ws_a holds an analyst's own data and a grant. Every attempt below is made by ws_a's user
and must fail with 42501 (or 25006 for writing a grant), leak neither the secret nor a name the
attempt did not write, and leave the session working (a control query right after it). At the end
ws_b is intact. A legitimate analyst workload must all pass.
"""
import os

import psycopg
import pytest

from conftest import CliHost, Host

SECRET = "TOPSECRET-4711"


def connect(h, user, password, dbname, **kw):
    return psycopg.connect(
        f"host=127.0.0.1 port={h.port} user={user} password={password} dbname={dbname}", autocommit=True, **kw
    )


@pytest.fixture(scope="module", params=["python", "cli"])
def server(request, tmp_path_factory):
    """A Python (DuckDB 2.0) host and a DuckDB CLI (1.5.6) host, in turn."""
    root = tmp_path_factory.mktemp("isolation")
    project = root / "data" / "proj.duckdb"
    os.makedirs(project.parent, exist_ok=True)
    database = str(root / "host.duckdb")
    h = Host(database=database, start_args="0, password := 'pw'") if request.param == "python" else CliHost(database)
    # Written by the host's own DuckDB (the CLI's 1.5.6 cannot read 2.0's files).
    h.sql(f"ATTACH '{project}' AS project_file")
    h.sql("CREATE TABLE project_file.data AS SELECT 'c' || i AS customer, i * 10 AS amount FROM range(10) t(i)")
    h.sql("DETACH project_file")
    h.sql("CREATE TABLE host_secret AS SELECT 'TOPSECRET-4711' AS s")
    h.sql("SELECT * FROM pgwire_create_workspace('ws_a')")
    h.sql("SELECT * FROM pgwire_create_workspace('ws_b')")
    h.sql("SELECT * FROM pgwire_grant('ws_a', 'data/proj.duckdb', 'in_c_sales', 'orders')")
    [[user_a, pw_a]] = h.sql("SELECT name, password FROM pgwire_create_user(workspace := 'ws_a')")
    [[user_b, pw_b]] = h.sql("SELECT name, password FROM pgwire_create_user(workspace := 'ws_b')")
    with connect(h, user_b, pw_b, "ws_b") as b:
        b.execute(f"CREATE TABLE secret AS SELECT '{SECRET}' AS s, 42 AS n")
        b.execute("CREATE VIEW secret_view AS SELECT * FROM secret")
        b.execute("CREATE SEQUENCE seq")
        b.execute("CREATE MACRO secret_macro() AS 42")
        b.execute("CREATE MACRO secret_rows() AS TABLE SELECT * FROM secret")
    with connect(h, user_a, pw_a, "ws_a") as a:
        a.execute("CREATE TABLE t AS SELECT range AS x FROM range(3)")
        a.execute("CREATE SEQUENCE own_seq")
    # What the owner may do that a workspace must not be able to use: views and macros in the
    # workspace (or a granted catalog) that read elsewhere.
    h.sql("CREATE VIEW ws_a.main.trojan AS SELECT * FROM ws_b.main.secret")
    h.sql("CREATE VIEW ws_a.main.trojan_unqualified AS SELECT * FROM host_secret")
    h.sql("CREATE MACRO ws_a.main.trojan_macro() AS TABLE SELECT * FROM ws_b.main.secret")
    h.sql("ATTACH ':memory:' AS proj2")
    h.sql("CREATE TABLE proj2.main.facts AS SELECT 1 AS f")
    h.sql("CREATE VIEW proj2.main.cross_view AS SELECT s AS f FROM ws_b.main.secret")
    h.sql("SELECT * FROM pgwire_grant('ws_a', 'proj2.main.cross_view', 'shared', 'cross_view')")
    h.sql("SELECT * FROM pgwire_grant('ws_a', 'proj2.main.facts', 'shared', 'facts')")
    h.root = root
    h.users = {"a": (user_a, pw_a), "b": (user_b, pw_b)}
    yield h
    h.close()


@pytest.fixture(scope="module")
def analyst(server):
    user, pw = server.users["a"]
    with connect(server, user, pw, "ws_a") as c:
        yield c


def control(c):
    """A legitimate query right after an attempt: the session still works."""
    assert c.execute("SELECT count(*) FROM t").fetchone() == (3,)


# Each attempt: (statement, expected SQLSTATE). Names in them that the error may repeat are
# what the attempt wrote itself.
DIRECT = [
    "SELECT * FROM ws_b.secret",
    "SELECT * FROM ws_b.main.secret",
    'SELECT * FROM "ws_b"."main"."secret"',
    "SELECT * FROM WS_B.MAIN.SECRET",
    'SELECT * FROM "WS_B".secret',
    'SELECT * FROM ws_b."secret"',
    "SELECT * FROM ws_b . secret",
    "SELECT * FROM /* hidden */ ws_b.secret",
    "SELECT * FROM ws_b.secret_view",
    "SELECT s FROM ws_b.main.secret_view WHERE n = 42",
    "SELECT * FROM host.main.host_secret",
    "SELECT * FROM host.host_secret",
    "SELECT * FROM host.pgwire.users",
    "SELECT * FROM pgwire.users",
    'SELECT * FROM "pgwire"."users"',
    "SELECT password_hash FROM host.pgwire.users",
    "SELECT * FROM host.pgwire.workspaces",
    "SELECT * FROM host.pgwire.grants",
    "SELECT * FROM host.pgwire.sessions",
    "SELECT * FROM host.pgwire.query_log",
    "SELECT * FROM proj2.main.facts",
    "SELECT * FROM proj2.main.cross_view",
    "FROM ws_b.secret",
    "TABLE ws_b.secret",
    "SELECT * FROM (FROM ws_b.secret)",
    "VALUES ((SELECT max(s) FROM ws_b.secret))",
    "SELECT (SELECT s FROM ws_b.secret)",
    "SELECT COLUMNS(*) FROM ws_b.secret",
    "SELECT * FROM ws_b.secret USING SAMPLE 1",
    "SELECT list(s) FROM ws_b.secret",
    "SELECT * FROM system.main.duckdb_tables",
    "SELECT * FROM temp.main.nope, ws_b.secret",
]

VIA_QUERIES = [
    "WITH x AS (SELECT * FROM ws_b.secret) SELECT * FROM x",
    "WITH x AS MATERIALIZED (SELECT * FROM ws_b.secret) SELECT * FROM x",
    "WITH RECURSIVE r(n) AS (SELECT n FROM ws_b.secret UNION ALL SELECT n + 1 FROM r WHERE n < 45) SELECT * FROM r",
    "SELECT x FROM t UNION SELECT n FROM ws_b.secret",
    "SELECT x FROM t UNION ALL BY NAME SELECT n AS x FROM ws_b.secret",
    "SELECT x FROM t EXCEPT SELECT n FROM ws_b.secret",
    "SELECT x FROM t INTERSECT SELECT n FROM ws_b.secret",
    "SELECT * FROM t, LATERAL (SELECT s FROM ws_b.secret)",
    "SELECT * FROM t WHERE EXISTS (SELECT 1 FROM ws_b.secret)",
    "SELECT * FROM t WHERE x IN (SELECT n FROM ws_b.secret)",
    "SELECT * FROM t WHERE x = ANY (SELECT n FROM ws_b.secret)",
    "SELECT * FROM t ORDER BY (SELECT max(n) FROM ws_b.secret)",
    "SELECT * FROM t JOIN ws_b.secret ON true",
    "SELECT * FROM t LEFT JOIN ws_b.secret ON x = n",
    "SELECT * FROM t POSITIONAL JOIN ws_b.secret",
    "SELECT * FROM t ASOF JOIN ws_b.secret ON x >= n",
    "SELECT x, sum((SELECT max(n) FROM ws_b.secret)) OVER () FROM t",
    "SELECT * FROM unnest((SELECT list(s) FROM ws_b.secret))",
    "SELECT * FROM range((SELECT max(n) FROM ws_b.secret))",
    "SELECT * FROM generate_series(1, (SELECT max(n) FROM ws_b.secret))",
    "SELECT CASE WHEN (SELECT max(n) FROM ws_b.secret) = 42 THEN 1 ELSE 0 END",
    "SELECT * FROM trojan",
    "SELECT count(*) FROM trojan",
    "SELECT * FROM ws_a.main.trojan",
    "SELECT * FROM trojan_macro()",
    "SELECT * FROM (WITH trojan AS (SELECT 1 AS s) SELECT * FROM trojan) a, trojan",
    "WITH t AS (SELECT 1) SELECT * FROM (SELECT * FROM trojan) x",
    "SELECT * FROM t WHERE x IN (WITH trojan AS (SELECT 1) SELECT 1) AND EXISTS (SELECT * FROM trojan)",
    "SELECT * FROM shared.cross_view",
    "SELECT * FROM t, shared.cross_view",
    "PIVOT ws_b.secret ON s USING count(*)",
    "SELECT * FROM ws_b.secret_rows()",
    "SELECT ws_b.main.secret_macro()",
    "SELECT ws_b.secret_macro()",
]

DML = [
    "INSERT INTO t SELECT n FROM ws_b.secret",
    "INSERT INTO t BY NAME SELECT n AS x FROM ws_b.secret",
    "INSERT INTO t VALUES ((SELECT max(n) FROM ws_b.secret))",
    "UPDATE t SET x = (SELECT max(n) FROM ws_b.secret)",
    "UPDATE t SET x = n FROM ws_b.secret",
    "DELETE FROM t WHERE x IN (SELECT n FROM ws_b.secret)",
    "DELETE FROM t USING ws_b.secret WHERE x = n",
    "MERGE INTO t USING ws_b.secret s ON t.x = s.n WHEN MATCHED THEN DELETE",
    "WITH x AS (SELECT n FROM ws_b.secret) INSERT INTO t SELECT * FROM x",
    "INSERT INTO ws_b.secret VALUES ('planted', 1)",
    "INSERT INTO ws_b.main.secret SELECT 'planted', x FROM t",
    "UPDATE ws_b.secret SET s = 'overwritten'",
    "DELETE FROM ws_b.secret",
    "TRUNCATE ws_b.secret",
    "MERGE INTO ws_b.secret USING t ON true WHEN MATCHED THEN DELETE",
    "INSERT INTO host.pgwire.users (name, password_hash) VALUES ('evil', 'x')",
    "UPDATE host.pgwire.users SET password_hash = 'x'",
    "DELETE FROM host.pgwire.users",
    "INSERT INTO pgwire.users (name) VALUES ('evil')",
    "CREATE TABLE stolen AS SELECT * FROM ws_b.secret",
    "CREATE TABLE stolen AS FROM ws_b.secret",
    "CREATE TEMP TABLE stolen AS SELECT * FROM ws_b.secret",
    "CREATE TABLE stolen AS SELECT * FROM trojan",
    "CREATE TABLE ws_b.main.planted (x INTEGER)",
    "CREATE TABLE ws_b.planted AS SELECT 1",
    "CREATE SCHEMA ws_b.evil",
    "CREATE VIEW ws_b.main.planted AS SELECT 1",
    "CREATE SEQUENCE ws_b.main.planted_seq",
    "CREATE INDEX idx ON ws_b.secret (n)",
    "DROP TABLE ws_b.secret",
    "DROP TABLE ws_b.main.secret",
    "DROP VIEW ws_b.secret_view",
    "DROP SEQUENCE ws_b.seq",
    "DROP SCHEMA ws_b.main CASCADE",
    "DROP TABLE host.pgwire.users",
    "ALTER TABLE ws_b.secret RENAME TO gone",
    "ALTER TABLE ws_b.secret ADD COLUMN planted INTEGER",
    "ALTER VIEW ws_b.secret_view RENAME TO gone",
    "COMMENT ON TABLE ws_b.secret IS 'planted'",
    "SELECT nextval('ws_b.seq')",
    "SELECT nextval('ws_b.main.seq')",
    "SELECT currval('ws_b.main.seq')",
    "SELECT nextval('ws_b' || '.seq')",
    "INSERT INTO t VALUES (nextval('ws_b.seq'))",
]

DEFINITIONS = [
    "CREATE VIEW lure AS SELECT * FROM ws_b.secret",
    "CREATE OR REPLACE VIEW lure AS SELECT s FROM ws_b.main.secret",
    "CREATE TEMP VIEW lure AS SELECT * FROM ws_b.secret",
    "CREATE VIEW lure AS SELECT * FROM trojan",
    "CREATE VIEW lure AS SELECT * FROM read_csv('/etc/passwd')",
    "CREATE OR REPLACE VIEW in_c_sales.orders AS SELECT * FROM ws_b.secret",
    "CREATE MACRO lure() AS TABLE SELECT * FROM ws_b.secret",
    "CREATE MACRO lure() AS (SELECT max(s) FROM ws_b.secret)",
    "CREATE MACRO lure() AS current_setting('home_directory')",
    "CREATE MACRO lure() AS getenv('HOME')",
    "CREATE MACRO lure() AS TABLE SELECT * FROM read_text('/etc/passwd')",
    "CREATE TEMP MACRO lure() AS nextval('ws_b.seq')",
    "CREATE TABLE planted (x INTEGER DEFAULT nextval('ws_b.seq'))",
    "CREATE MACRO lower(x) AS (SELECT max(s) FROM trojan)",
    "CREATE OR REPLACE MACRO upper(x) AS 'shadowed'",
    "CREATE TEMP MACRO range(n) AS TABLE SELECT * FROM trojan",
]

FILES_AND_FUNCTIONS = [
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_csv_auto('/etc/passwd')",
    "SELECT * FROM read_csv(['/etc/passwd', '/etc/hosts'])",
    "SELECT * FROM sniff_csv('/etc/passwd')",
    "SELECT * FROM read_text('/etc/passwd')",
    "SELECT * FROM read_blob('/etc/passwd')",
    "SELECT * FROM read_parquet('/tmp/x.parquet')",
    "SELECT * FROM parquet_metadata('/tmp/x.parquet')",
    "SELECT * FROM read_json('/etc/passwd')",
    "SELECT * FROM read_json_auto('/etc/passwd')",
    "SELECT * FROM glob('/*')",
    "SELECT * FROM '/etc/passwd'",
    "SELECT * FROM 'data.csv'",
    "SELECT * FROM 'host.duckdb'",
    "SELECT * FROM 'https://example.com/data.csv'",
    "SELECT * FROM 's3://bucket/key.parquet'",
    'SELECT * FROM "/etc/passwd"',
    "SELECT * FROM read_text('host.duckdb.wal')",
    "SELECT * FROM query('SELECT * FROM ws_b.secret')",
    "SELECT * FROM query_table('ws_b.secret')",
    "SELECT * FROM query_table(['ws_b.secret'])",
    "SELECT * FROM json_execute_serialized_sql(json_serialize_sql('SELECT * FROM ws_b.secret'))",
    "SELECT * FROM sql_auto_complete('SELECT * FROM ws')",
    "SELECT * FROM duckdb_tables()",
    "SELECT * FROM duckdb_databases()",
    "SELECT * FROM duckdb_settings()",
    "SELECT * FROM duckdb_secrets()",
    "SELECT * FROM duckdb_extensions()",
    "SELECT * FROM duckdb_views()",
    "SELECT * FROM duckdb_functions()",
    "SELECT * FROM duckdb_columns()",
    "SELECT * FROM duckdb_logs",
    "SELECT * FROM duckdb_logs()",
    "SELECT * FROM duckdb_temporary_files()",
    "SELECT * FROM pragma_table_info('ws_b.secret')",
    "SELECT * FROM pragma_storage_info('ws_b.secret')",
    "SELECT * FROM pragma_database_size()",
    "SELECT * FROM pragma_version()",
    "SELECT * FROM checkpoint()",
    "SELECT * FROM summary((SELECT * FROM t))",
    "SELECT * FROM pgwire_sessions()",
    "SELECT * FROM pgwire_status()",
    "SELECT * FROM pgwire_create_user(workspace := 'ws_b')",
    "SELECT * FROM pgwire_start(5999)",
    "SELECT pgwire_stop()",
    "SELECT pgwire_start(5998)",
    "SELECT * FROM pgwire_terminate(1)",
    "SELECT current_setting('home_directory')",
    "SELECT current_setting('allowed_paths')",
    "SELECT current_setting('secret_directory')",
    "SELECT current_setting('extension_directory')",
    "SELECT current_setting('temp_directory')",
    "SELECT current_setting('HOME_DIRECTORY')",
    "SELECT current_setting(lower('HOME_DIRECTORY'))",
    "SELECT getenv('HOME')",
    "SELECT write_log('planted')",
    "SELECT * FROM system.information_schema.tables",
    "SELECT * FROM system.pg_catalog.pg_class",
    "SELECT * FROM ws_b.pg_catalog.pg_tables",
    "SELECT * FROM pgwire_catalog.pg_live.pg_class",
    "SELECT * FROM pgwire_catalog.info_live.tables",
    "SELECT * FROM pgwire_catalog.pg_live.pgwire_relations",
    "SELECT pgwire_catalog.pg_live.format_type(23, -1)",
    "SHOW TABLES",
    "SHOW ALL TABLES",
    "SHOW DATABASES",
    "DESCRIBE ws_b.secret",
    "SUMMARIZE ws_b.secret",
]

LEXICAL = [
    "SELECT $$x$$ AS a, * FROM ws_b.secret",
    "SELECT E'\\'' AS a, * FROM ws_b.secret",
    "SELECT 'a'';' AS a, * FROM ws_b.secret",
    'SELECT * FROM "ws_b"."secret" --',
    "SELECT * FROM\tws_b\n.\nsecret",
    "INSERT INTO t SELECT $$ $$::INTEGER UNION SELECT n FROM ws_b.secret",
    "(SELECT * FROM ws_b.secret)",
    "((SELECT 1) UNION (SELECT n FROM ws_b.secret))",
    "SELECT * FROM t, ws_b.secret AS t2 WHERE t2.n = 1",
    "SELECT * FROM t AS \"ws_b.secret\", ws_b.secret",
    "DECLARE c CURSOR WITH HOLD FOR SELECT * FROM ws_b.secret",
    "DECLARE c CURSOR WITH HOLD FOR SELECT s FROM trojan",
]

STATEMENTS = [
    "ATTACH ':memory:' AS planted",
    "ATTACH 'host.duckdb' AS again (READ_ONLY)",
    "ATTACH 'ws_b.duckdb' AS mine",
    "DETACH ws_b",
    "DETACH DATABASE IF EXISTS ws_b",
    "USE ws_b",
    "USE host",
    "USE ws_b.main",
    "SET search_path = 'ws_b.main'",
    "SET schema = 'ws_b.main'",
    "SET threads = 1",
    "SET GLOBAL threads = 1",
    "SET memory_limit = '1TB'",
    "SET enable_external_access = true",
    "SET allowed_directories = ['/']",
    "SET explain_output = 'physical_only'",
    "SET max_execution_time = 0",
    "SET operator_memory_limit = '100GB'",
    "RESET threads",
    "RESET explain_output",
    "SET VARIABLE planted = 1",
    "PRAGMA version",
    "PRAGMA table_info('ws_b.secret')",
    "PRAGMA database_list",
    "PRAGMA show_tables",
    "CALL pragma_version()",
    "CALL checkpoint()",
    "LOAD httpfs",
    "INSTALL httpfs",
    "FORCE INSTALL httpfs",
    "UPDATE EXTENSIONS",
    "COPY t TO '/tmp/pgwire-planted.csv'",
    "COPY ws_b.secret TO '/tmp/pgwire-stolen.csv'",
    "COPY (SELECT * FROM t) TO '/tmp/pgwire-planted.csv'",
    "COPY t FROM '/etc/passwd'",
    "COPY FROM DATABASE ws_b TO ws_a",
    "EXPORT DATABASE '/tmp/pgwire-export'",
    "IMPORT DATABASE '/tmp/pgwire-export'",
    "CREATE SECRET planted (TYPE s3, KEY_ID 'x', SECRET 'y')",
    "CREATE PERSISTENT SECRET planted (TYPE s3, KEY_ID 'x', SECRET 'y')",
    "DROP SECRET planted",
    "CHECKPOINT",
    "CHECKPOINT ws_b",
    "FORCE CHECKPOINT",
    "VACUUM",
    "VACUUM ws_b.secret",
    "ANALYZE",
    "ANALYZE ws_b.secret",
    "PREPARE p AS SELECT * FROM ws_b.secret",
    "PREPARE p AS SELECT 1",
    "EXECUTE p",
    "DEALLOCATE p",
    "EXPLAIN SELECT * FROM ws_b.secret",
    "EXPLAIN ANALYZE SELECT * FROM ws_b.secret",
    "EXPLAIN (FORMAT json) SELECT 1",
    "EXPLAIN ANALYZE INSERT INTO ws_b.secret VALUES ('x', 1)",
    "CREATE MACRO ws_b.main.planted() AS 1",
    "CREATE OR REPLACE MACRO ws_b.main.secret_macro() AS 0",
]


def assert_refused(c, sql, params=None, codes=("42501", "25006"), prepare=None):
    with pytest.raises(psycopg.Error) as caught:
        c.execute(sql, params, prepare=prepare).fetchall()
    e = caught.value
    assert e.sqlstate in codes, f"{sql!r} failed with {e.sqlstate}: {e}"
    shown = " ".join(
        str(x or "") for x in (e.diag.message_primary, e.diag.message_detail, e.diag.message_hint, e.diag.context)
    )
    assert SECRET not in shown, f"{sql!r} leaked the secret: {shown}"
    written = sql.lower().replace('"', "")
    for name in ("ws_b", "host_secret", "pgwire.users", "password_hash", "secret"):
        if name in shown.lower():
            assert name in written, f"{sql!r}: the error names {name!r}: {shown}"
    assert "/tmp/pytest" not in shown and "isolation" not in shown, f"{sql!r}: the error shows a path: {shown}"
    control(c)


ATTEMPTS = DIRECT + VIA_QUERIES + DML + DEFINITIONS + FILES_AND_FUNCTIONS + LEXICAL + STATEMENTS


def test_there_are_enough_attempts():
    assert len(ATTEMPTS) >= 150 and len(set(ATTEMPTS)) == len(ATTEMPTS)


@pytest.mark.parametrize("sql", ATTEMPTS)
def test_attempt_is_refused(analyst, sql):
    assert_refused(analyst, sql)


# PostgreSQL's catalogs, as tools read them: answered, and only with the workspace's own objects.
CATALOG_QUERIES = [
    "SELECT * FROM information_schema.tables",
    "SELECT * FROM information_schema.columns WHERE table_catalog = 'ws_b'",
    "SELECT * FROM information_schema.columns",
    "SELECT * FROM information_schema.schemata",
    "SELECT * FROM information_schema.views",
    "SELECT * FROM pg_catalog.pg_class",
    "SELECT * FROM pg_catalog.pg_tables",
    "SELECT * FROM pg_class",
    "SELECT * FROM pg_namespace",
    "SELECT * FROM pg_catalog.pg_settings",
    "SELECT * FROM pg_attribute",
    "SELECT * FROM pg_database",
    "SELECT * FROM pg_proc",
    "SELECT * FROM pg_description",
    "SELECT * FROM pg_constraint",
    "SELECT * FROM pg_index",
    "SELECT * FROM pg_type",
    "SELECT * FROM pg_views",
    "SELECT c.relname, pg_catalog.pg_get_viewdef(c.oid) FROM pg_catalog.pg_class c WHERE c.relkind = 'v'",
    "SELECT pg_get_viewdef('ws_b.secret_view'::regclass)",
    "SELECT 'ws_b.secret'::regclass",
    "SELECT obj_description('secret'::regclass)",
    "SELECT current_database(), current_schema(), current_schemas(true), version()",
    "SELECT pg_get_viewdef('ws_b.secret_view')",
    "SELECT * FROM ws_a.information_schema.columns",
]


@pytest.mark.parametrize("sql", CATALOG_QUERIES)
def test_the_catalog_shows_only_the_workspace(analyst, sql):
    try:
        rows = analyst.execute(sql).fetchall()
        shown = repr(rows)
    except psycopg.Error as e:
        # A name of another workspace does not exist here (PostgreSQL's 42P01 / 42704).
        assert e.sqlstate in ("42P01", "42704", "22P02"), f"{sql!r} failed with {e.sqlstate}: {e}"
        shown = " ".join(str(x or "") for x in (e.diag.message_primary, e.diag.message_detail, e.diag.message_hint))
        rows = None
    for name in ("ws_b", "host_secret", "password_hash", "secret_view", "'users'", "query_log", "/tmp", "/root"):
        assert name not in shown or name in sql, f"{sql!r} shows {name!r}: {shown[:2000]}"
    assert SECRET not in shown
    control(analyst)
    if rows is not None and sql.endswith("pg_class"):
        assert "'t'" in shown, f"the workspace's own table is missing: {shown[:500]}"


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM ws_b.secret WHERE n = %s",
        "SELECT %s::INTEGER + (SELECT max(n) FROM ws_b.secret)",
        "INSERT INTO ws_b.secret VALUES (%s, 1)",
        "UPDATE t SET x = (SELECT max(n) FROM ws_b.secret) WHERE x = %s",
        "SELECT * FROM read_csv(%s)",
        "SELECT * FROM query_table(%s)",
        "SELECT current_setting(%s)",
        "SELECT nextval(%s)",
    ],
)
def test_attempts_in_the_extended_protocol(analyst, sql):
    """Parse/Bind/Execute, named (prepare=True) and unnamed: refused at Parse, before any value."""
    arg = "ws_b.secret" if "query_table" in sql else "ws_b.seq" if "nextval" in sql else "home_directory" if "setting" in sql else "/etc/passwd" if "read_csv" in sql else 1
    assert_refused(analyst, sql, (arg,))
    assert_refused(analyst, sql, (arg,), prepare=True)


def test_each_statement_of_a_multi_statement_query_is_checked(analyst):
    for sql in [
        "SELECT 1; SELECT * FROM ws_b.secret",
        "INSERT INTO t VALUES (100); DELETE FROM ws_b.secret",
        "SELECT 1; ATTACH ':memory:' AS planted",
        "CREATE TEMP TABLE harmless AS SELECT 1; SELECT * FROM read_text('/etc/passwd')",
    ]:
        assert_refused(analyst, sql)
    # The refused statement took its implicit transaction with it.
    assert analyst.execute("SELECT count(*) FROM t WHERE x = 100").fetchone() == (0,)
    assert_refused(analyst, "SELECT 1; SELECT * FROM ws_b.secret; SELECT 2")


def test_nested_comments_hide_nothing(analyst):
    """DuckDB nests block comments, as PostgreSQL does: what looks like a subquery after an
    inner `*/` is still comment. Whatever runs, nothing of ws_b comes back."""
    analyst.execute("CREATE TEMP TABLE sink (x INTEGER)")
    rows = analyst.execute("SELECT 1 /* /* */ , (SELECT s FROM ws_b.secret) -- */").fetchall()
    assert rows == [(1,)]
    analyst.execute("INSERT INTO sink SELECT 1 /* /* */ UNION SELECT n FROM ws_b.secret -- */")
    assert analyst.execute("SELECT * FROM sink").fetchall() == [(1,)]
    analyst.execute("DROP TABLE sink")
    control(analyst)


def test_cursors_in_a_transaction_are_checked(analyst):
    for sql in ["DECLARE c CURSOR FOR SELECT * FROM ws_b.secret", "DECLARE c BINARY CURSOR FOR SELECT * FROM trojan"]:
        analyst.execute("BEGIN")
        with pytest.raises(psycopg.Error) as e:
            analyst.execute(sql)
        assert e.value.sqlstate == "42501" and SECRET not in str(e.value)
        analyst.execute("ROLLBACK")
    with analyst.cursor(name="server_side") as named:  # DECLARE through psycopg, inside BEGIN
        with pytest.raises(psycopg.Error) as e:
            analyst.execute("BEGIN")
            named.execute("SELECT * FROM ws_b.secret")
            named.fetchall()
        assert e.value.sqlstate == "42501"
    analyst.execute("ROLLBACK")
    control(analyst)


def test_a_parse_of_several_statements_is_refused(analyst):
    with pytest.raises(psycopg.Error) as e:
        analyst.execute("SELECT %s; SELECT * FROM ws_b.secret", (1,))
    assert e.value.sqlstate in ("42501", "42601") and SECRET not in str(e.value)
    control(analyst)


def test_asyncpg_prepared_statements_are_refused_too(server):
    import asyncio

    import asyncpg

    user, pw = server.users["a"]

    async def run():
        conn = await asyncpg.connect(host="127.0.0.1", port=server.port, user=user, password=pw, database="ws_a")
        try:
            for sql in ["SELECT * FROM ws_b.secret WHERE n = $1", "SELECT s FROM trojan WHERE $1::int = 1"]:
                with pytest.raises(asyncpg.PostgresError) as e:
                    stmt = await conn.prepare(sql)
                    await stmt.fetch(1)
                assert e.value.sqlstate == "42501", (sql, e.value.sqlstate)
            assert await conn.fetchval("SELECT count(*) FROM t WHERE x >= $1", 0) == 3
        finally:
            await conn.close()

    asyncio.run(run())


def test_copy_through_stdin_and_stdout_of_other_catalogs(analyst):
    for sql in [
        "COPY ws_b.secret TO STDOUT",
        "COPY ws_b.main.secret TO STDOUT (FORMAT csv)",
        "COPY (SELECT * FROM ws_b.secret) TO STDOUT",
        "COPY (SELECT * FROM trojan) TO STDOUT",
        "COPY host.pgwire.users TO STDOUT",
    ]:
        with pytest.raises(psycopg.Error) as e:
            with analyst.cursor().copy(sql) as copy:
                for _ in copy:
                    pass
        assert e.value.sqlstate == "42501", sql
        assert SECRET not in str(e.value)
        control(analyst)
    for target in ["ws_b.secret", "ws_b.main.secret", "host.pgwire.users", "in_c_sales.orders"]:
        with pytest.raises(psycopg.Error) as e:
            with analyst.cursor().copy(f"COPY {target} FROM STDIN") as copy:
                copy.write("planted\t1\n")
        assert e.value.sqlstate in ("42501", "25006"), (target, e.value.sqlstate, str(e.value))
        control(analyst)


def test_a_transaction_cannot_touch_a_second_catalog(analyst):
    analyst.execute("BEGIN")
    analyst.execute("INSERT INTO t VALUES (7)")
    with pytest.raises(psycopg.Error) as e:
        analyst.execute("INSERT INTO ws_b.secret VALUES ('planted', 7)")
    assert e.value.sqlstate == "42501"
    analyst.execute("ROLLBACK")
    analyst.execute("BEGIN")
    analyst.execute("SELECT * FROM t").fetchall()
    with pytest.raises(psycopg.Error) as e:
        analyst.execute("DELETE FROM ws_b.secret")
    assert e.value.sqlstate == "42501"
    analyst.execute("ROLLBACK")
    control(analyst)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM host_secret",
        "INSERT INTO host_secret VALUES ('x')",
        "SELECT * FROM users",
        "DELETE FROM secret",
    ],
)
def test_names_of_other_catalogs_do_not_exist_in_the_workspace(analyst, sql):
    """Unqualified, they resolve in the workspace, where they are not: 42P01, as PostgreSQL says
    of a table that is not there, naming nothing but what the statement wrote (a view an owner
    made, reading elsewhere by an unqualified name, finds nothing either)."""
    assert_refused(analyst, sql, codes=("42P01",))


def test_a_view_reading_elsewhere_unqualified_finds_nothing(analyst):
    """The owner's view in the workspace names host_secret, unqualified: it resolves in the
    view's catalog, where there is none. The error repeats the view's own text (which lies in
    the workspace), never the host's data."""
    with pytest.raises(psycopg.errors.UndefinedTable) as e:
        analyst.execute("SELECT * FROM trojan_unqualified")
    assert SECRET not in str(e.value)
    control(analyst)


def test_errors_do_not_suggest_names_from_other_catalogs(analyst):
    for sql in ["SELECT * FROM secre", "SELECT * FROM secret", "SELECT * FROM secret_view", "SELECT secret_macro()", "SELECT * FROM secret_rows()"]:
        with pytest.raises(psycopg.Error) as caught:
            analyst.execute(sql)
        shown = str(caught.value) + str(caught.value.diag.message_hint or "")
        assert "ws_b" not in shown and SECRET not in shown, shown
        control(analyst)


def test_temporary_objects_do_not_open_a_way_out(analyst):
    analyst.execute("CREATE TEMP TABLE secret AS SELECT 'mine' AS s")
    assert analyst.execute("SELECT s FROM secret").fetchall() == [("mine",)]
    assert_refused(analyst, "SELECT * FROM trojan")
    analyst.execute("DROP TABLE temp.secret")


def test_the_other_workspace_is_intact_and_its_owner_still_works(server, analyst):
    user, pw = server.users["b"]
    with connect(server, user, pw, "ws_b") as b:
        assert b.execute("SELECT s, n FROM secret").fetchall() == [(SECRET, 42)]
        assert b.execute("SELECT * FROM secret_view").fetchall() == [(SECRET, 42)]
        assert b.execute("SELECT nextval('seq')").fetchone() == (1,)
        # ws_b is refused ws_a just the same.
        with pytest.raises(psycopg.Error) as e:
            b.execute("SELECT * FROM ws_a.t")
        assert e.value.sqlstate == "42501"
    assert server.sql("SELECT count(*) FROM ws_b.main.secret") == [[1]]
    assert server.sql("SELECT count(*) FROM duckdb_tables() WHERE table_name IN ('planted', 'stolen', 'gone')") == [[0]]
    assert server.sql("SELECT count(*) FROM duckdb_databases() WHERE database_name IN ('planted', 'mine', 'again')") == [[0]]
    assert server.sql("SELECT count(*) FROM host.pgwire.users") == [[3]]
    assert not os.path.exists("/tmp/pgwire-planted.csv") and not os.path.exists("/tmp/pgwire-stolen.csv")
    # No setting of the instance moved (the attempts SET threads, memory_limit, ...).
    assert server.sql("SELECT current_setting('enable_external_access')") == [[True]]


def test_the_owner_keeps_full_duckdb(server):
    """Owner sessions are not restricted: files, ATTACH, settings, catalogs."""
    with psycopg.connect(server.dsn(dbname="host"), autocommit=True) as c:
        assert c.execute("SELECT s FROM ws_b.secret").fetchone() == (SECRET,)
        assert c.execute("SELECT count(*) FROM duckdb_tables()").fetchone()[0] > 3
        path = server.root / "owner.csv"
        c.execute(f"COPY (SELECT 1 AS one) TO '{path}'")
        assert c.execute(f"SELECT * FROM read_csv('{path}')").fetchall() == [(1,)]
        c.execute("ATTACH ':memory:' AS owner_scratch")
        c.execute("DETACH owner_scratch")
        c.execute("SET threads = 2")


def test_a_legitimate_analyst_workload_passes(server):
    user, pw = server.users["a"]
    with connect(server, user, pw, "ws_a") as c:
        c.execute("CREATE TABLE sales AS SELECT customer, amount FROM in_c_sales.orders")
        assert c.execute("SELECT count(*) FROM sales").fetchone() == (10,)
        assert c.execute(
            "SELECT customer, amount, rank() OVER (ORDER BY amount DESC) FROM sales ORDER BY 3 LIMIT 2"
        ).fetchall() == [("c9", 90, 1), ("c8", 80, 2)]
        c.execute("CREATE VIEW big AS SELECT * FROM in_c_sales.orders WHERE amount >= 50")
        assert c.execute("SELECT count(*) FROM big").fetchone() == (5,)
        assert c.execute(
            "WITH s AS (SELECT customer, sum(amount) AS total FROM sales GROUP BY 1) "
            "SELECT count(*) FROM s JOIN in_c_sales.orders o USING (customer)"
        ).fetchone() == (10,)
        assert c.execute("SELECT count(*) FROM shared.facts").fetchone() == (1,)
        c.execute("CREATE TEMP TABLE scratch AS SELECT * FROM range(5) r(i)")
        assert c.execute("SELECT sum(i) FROM scratch").fetchone() == (10,)
        c.execute("CREATE MACRO twice(v) AS v * 2")
        assert c.execute("SELECT twice(21)").fetchone() == (42,)
        c.execute("CREATE MACRO top_sales(k) AS TABLE SELECT * FROM sales ORDER BY amount DESC LIMIT k")
        assert len(c.execute("SELECT * FROM top_sales(3)").fetchall()) == 3
        assert c.execute("SELECT nextval('own_seq'), currval('own_seq')").fetchone() == (1, 1)
        c.execute("CREATE TABLE ids (id INTEGER DEFAULT nextval('own_seq'), v VARCHAR)")
        c.execute("INSERT INTO ids (v) VALUES ('a'), ('b')")
        assert c.execute("SELECT count(*) FROM ids").fetchone() == (2,)
        with c.cursor().copy("COPY ids FROM STDIN") as copy:
            copy.write("10\tz\n11\ty\n")
        assert c.execute("SELECT count(*) FROM ids").fetchone() == (4,)
        out = []
        with c.cursor().copy("COPY (SELECT id FROM ids ORDER BY id) TO STDOUT") as copy:
            out = [bytes(row) for row in copy]
        assert b"".join(out).split() == [b"2", b"3", b"10", b"11"]
        assert c.execute("SELECT * FROM generate_series(1, 3)").fetchall() == [(1,), (2,), (3,)]
        assert c.execute("SELECT unnest([1, 2])").fetchall() == [(1,), (2,)]
        assert c.execute("SELECT %s::INTEGER + x FROM t ORDER BY x", (10,)).fetchall() == [(10,), (11,), (12,)]
        assert c.execute("SELECT count(*) FROM sales WHERE amount > %s", (40,), prepare=True).fetchone() == (5,)
        c.execute("BEGIN")
        c.execute("UPDATE sales SET amount = amount + 1 WHERE customer = 'c1'")
        c.execute("DELETE FROM sales WHERE customer = 'c0'")
        c.execute("INSERT INTO sales SELECT customer, amount FROM in_c_sales.orders WHERE customer = 'c0'")
        c.execute("COMMIT")
        assert c.execute("SELECT amount FROM sales WHERE customer = 'c1'").fetchone() == (11,)
        c.execute("CREATE SCHEMA mine")
        c.execute("CREATE TABLE mine.t2 AS SELECT 1 AS one")
        assert c.execute("SELECT * FROM mine.t2").fetchone() == (1,)
        assert c.execute("SELECT * FROM ws_a.mine.t2").fetchone() == (1,)
        c.execute("ALTER TABLE mine.t2 ADD COLUMN two INTEGER DEFAULT 2")
        c.execute("COMMENT ON TABLE mine.t2 IS 'scratch'")
        c.execute("CREATE INDEX ids_v ON ids (v)")
        assert c.execute("EXPLAIN SELECT * FROM sales").fetchall()
        c.execute("SELECT 1; SELECT 2")
        assert c.execute("SELECT current_setting('TimeZone')").fetchone() == ("UTC",)
        c.execute("DROP VIEW big")
        c.execute("DROP TABLE mine.t2")
        c.execute("DROP SCHEMA mine")
        c.execute("TRUNCATE ids")
        with pytest.raises(psycopg.Error) as e:
            c.execute("INSERT INTO in_c_sales.orders VALUES ('x', 1)")
        assert e.value.sqlstate == "25006"


def test_a_table_the_owner_turns_into_a_view_is_checked_again(server):
    """The gateway may skip the plan for a query over the workspace's own base tables; when the
    owner replaces one with a view that reads elsewhere, the session looks again (within a
    second) and the view's plan is checked."""
    import time

    user, pw = server.users["a"]
    server.sql("CREATE TABLE ws_a.main.swapped AS SELECT 1 AS s")
    server.sql("CREATE VIEW ws_a.main.redefined AS SELECT x AS s FROM ws_a.main.t")
    with connect(server, user, pw, "ws_a") as c:
        # Kept by the session: the simple protocol's statement cache, a prepared statement.
        assert c.execute("SELECT * FROM swapped").fetchall() == [(1,)]
        assert c.execute("SELECT s FROM swapped WHERE s = %s", (1,), prepare=True).fetchall() == [(1,)]
        assert len(c.execute("SELECT * FROM redefined").fetchall()) == 3
        assert len(c.execute("SELECT s FROM redefined WHERE s >= %s", (0,), prepare=True).fetchall()) == 3
        declare = "DECLARE kept CURSOR WITH HOLD FOR SELECT * FROM swapped WHERE s IS NOT NULL OR %s"
        c.execute(declare, (True,), prepare=True)
        assert c.execute("FETCH ALL FROM kept").fetchall() == [(1,)]
        c.execute("CLOSE kept")
        server.sql("DROP TABLE ws_a.main.swapped")
        server.sql("CREATE VIEW ws_a.main.swapped AS SELECT s FROM ws_b.main.secret")
        server.sql("CREATE OR REPLACE VIEW ws_a.main.redefined AS SELECT s FROM ws_b.main.secret")
        time.sleep(1.2)
        assert_refused(c, "SELECT * FROM swapped")
        assert_refused(c, "SELECT s FROM swapped WHERE s = %s", ("x",), prepare=True)
        assert_refused(c, "SELECT * FROM redefined")
        assert_refused(c, "SELECT s FROM redefined WHERE s >= %s", ("",), prepare=True)
        assert_refused(c, declare, (True,), prepare=True)
    server.sql("DROP VIEW ws_a.main.swapped")
    server.sql("DROP VIEW ws_a.main.redefined")


def test_a_workspace_sees_only_harmless_settings(analyst):
    """pg_settings is an allow-list for a workspace: DuckDB's other settings show the host's
    paths (the extension, temp and home directories), memory and extensions."""
    names = {r[0] for r in analyst.execute("SELECT name FROM pg_settings").fetchall()}
    harmless = {"TimeZone", "Calendar", "default_order", "default_null_order", "preserve_insertion_order"}
    fixed = {"max_index_keys", "max_identifier_length", "block_size", "server_version_num", "server_encoding",
             "integer_datetimes", "lc_collate", "lc_ctype", "standard_conforming_strings", "max_connections"}
    assert names <= harmless | fixed, names - harmless - fixed
    shown = repr(analyst.execute("SELECT * FROM pg_settings").fetchall())
    assert os.getcwd() not in shown and "/" not in shown.replace("'/'", ""), shown[:500]
