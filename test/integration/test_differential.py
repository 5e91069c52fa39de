"""The same catalog questions asked of a real PostgreSQL 15 (started here on loopback) and of
pgwire, over the same objects: the answers must agree — rows, and where marked the result
columns' names and types too. PostgreSQL's `public` schema is DuckDB's `main`."""
import os
import sys
import tempfile

import psycopg
import pytest

from conftest import require

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench"))

SCHEMA = [
    "CREATE TYPE d_mood AS ENUM ('sad', 'ok', 'happy')",
    "CREATE TABLE d_customers (id integer PRIMARY KEY, name text NOT NULL, balance numeric(10,2), "
    "feeling d_mood, email text UNIQUE)",
    "CREATE TABLE d_orders (id bigint PRIMARY KEY, customer_id integer REFERENCES d_customers(id), "
    "amount double precision, placed date)",
    "CREATE INDEX d_orders_placed ON d_orders(placed)",
    "CREATE VIEW d_big AS SELECT id, amount FROM d_orders WHERE amount > 100",
    "COMMENT ON TABLE d_customers IS 'people who buy'",
    "COMMENT ON COLUMN d_customers.name IS 'what they are called'",
]

# (query, what must agree: "all" = column names, type OIDs and rows; "rows" = column names and
# rows, where PostgreSQL's `name` columns are text here)
CASES = [
    ("SELECT format_type(23, -1), format_type(1700, 655366), format_type(1043, 54), format_type(1007, -1), "
     "format_type(25, NULL), format_type(1184, -1), format_type(16, NULL)", "all"),
    ("SELECT quote_ident('A b'), quote_ident('abc'), pg_char_to_encoding('UTF8')", "all"),
    ("SELECT 'int4'::regtype::oid, 'integer'::regtype::oid, 'pg_catalog.text'::regtype::oid, "
     "'character varying'::regtype::oid", "all"),
    ("SELECT current_setting('standard_conforming_strings'), current_setting('integer_datetimes'), "
     "current_setting('max_identifier_length'), current_setting('DateStyle')", "all"),
    ("SELECT to_regtype('integer')::oid, to_regtype('no_such_type') IS NULL, to_regclass('no_such_table') IS NULL", "all"),
    ("SELECT has_table_privilege('d_customers', 'SELECT'), has_schema_privilege(current_schema(), 'USAGE'), "
     "pg_table_is_visible('d_customers'::regclass)", "all"),
    ("SELECT typname, typtype, typcategory, typlen, typarray > 0 AS has_array FROM pg_type "
     "WHERE oid IN (16, 17, 20, 21, 23, 25, 26, 700, 701, 1043, 1082, 1083, 1114, 1184, 1186, 1700, 2950, 114) "
     "ORDER BY oid", "rows"),
    ("SELECT a.typname, e.typname FROM pg_type a JOIN pg_type e ON e.oid = a.typelem "
     "WHERE a.typcategory = 'A' AND e.oid IN (16, 20, 23, 25, 701, 1082, 1114, 1700) ORDER BY e.oid", "rows"),
    ("SELECT t.typname, t.typtype, e.enumlabel, e.enumsortorder FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid "
     "WHERE t.typname = 'd_mood' ORDER BY e.enumsortorder", "rows"),
    ("SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attnum FROM pg_attribute a "
     "WHERE a.attrelid = 'd_customers'::regclass AND a.attnum > 0 ORDER BY a.attnum", "rows"),
    ("SELECT contype, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'd_orders'::regclass "
     "ORDER BY contype", "rows"),
    ("SELECT c.relname, c.relkind FROM pg_class c WHERE c.relname LIKE 'd\\_%' AND c.relkind IN ('r', 'v') ORDER BY 1", "rows"),
    ("SELECT obj_description('d_customers'::regclass, 'pg_class'), col_description('d_customers'::regclass, 2), "
     "col_description('d_customers'::regclass, 1)", "rows"),
    ("SELECT table_name, column_name, ordinal_position, is_nullable, data_type, udt_name "
     "FROM information_schema.columns WHERE table_name IN ('d_customers', 'd_orders') "
     "ORDER BY table_name, ordinal_position", "rows"),
    ("SELECT table_name, table_type FROM information_schema.tables WHERE table_name LIKE 'd\\_%' ORDER BY 1", "rows"),
    ("SELECT tc.constraint_type, kcu.column_name FROM information_schema.table_constraints tc "
     "JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name "
     "WHERE tc.table_name = 'd_orders' ORDER BY 1, 2", "rows"),
    ("SELECT count(*) > 400, bool_and(catcode IN ('U', 'C', 'T', 'R')) FROM pg_get_keywords()", "all"),
    ("SELECT 1::int8::text, count(*), max(1), 1 + 1, CASE WHEN true THEN 'x' END, now() IS NOT NULL, "
     "'{1,2}'::int[], ARRAY['a', 'b']", "all"),
    ("SELECT n.nspname = current_schema(), c.relname FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid "
     "WHERE c.relname = 'd_big'", "rows"),
    ("SELECT 2 = ANY('{1,2,3}'::int[]), 'r' <> ALL('{v,i}'::text[]), 'abc' ~ 'b', 'abc' !~ 'z'", "all"),
    # Integers divide as integers (Grafana's `current_setting('server_version_num')::int/100`).
    ("SELECT 7 / 2, -7 / 2, 7 % 3, 9 / 3 * 2, 7.0 / 2, 7 / 2.0", "rows"),
    # pg_type's I/O functions are regproc: OIDs of pg_proc rows (Npgsql joins them).
    ("SELECT t.typname, r.proname, i.proname, t.typinput::oid, t.typreceive::oid, t.typsend::oid FROM pg_type t "
     "JOIN pg_proc r ON r.oid = t.typreceive JOIN pg_proc i ON i.oid = t.typinput "
     "WHERE t.oid IN (16, 23, 25, 1007, 1700, 2950) ORDER BY t.oid", "rows"),
    ("SELECT 'pg_catalog.array_in'::regproc::oid, 'int4recv'::regproc::oid, typreceive::regproc::text "
     "FROM pg_type WHERE oid = 1009", "rows"),
    # A scalar function in FROM is one row, its column named after the alias.
    ("SELECT s[2], i FROM generate_series(1, 2) AS i, string_to_array('a,b,c', ',') s ORDER BY i", "rows"),
    ("SELECT parse_ident('public.\"Mixed\".x')", "rows"),
]


@pytest.fixture(scope="module")
def postgres():
    require(os.path.isdir("/usr/lib/postgresql"), "a PostgreSQL server (Debian's postgresql)")
    from run import Postgres

    server = Postgres(tempfile.mkdtemp(prefix="pgwire-differential-"))
    with psycopg.connect(server.dsn(), autocommit=True) as c:
        for statement in SCHEMA:
            c.execute(statement)
    yield server.dsn()
    server.stop()


@pytest.fixture(scope="module")
def ours(host):
    with psycopg.connect(host.dsn(), autocommit=True) as c:
        for statement in SCHEMA:
            c.execute(statement)
    return host.dsn()


def answer(dsn, sql, with_types):
    with psycopg.connect(dsn, autocommit=True) as c:
        cur = c.execute(sql)
        columns = [(d.name, d.type_code) if with_types else d.name for d in cur.description]
        rows = [tuple("main" if v == "public" else v for v in r) for r in cur.fetchall()]
        return columns, rows


@pytest.mark.parametrize("sql,what", CASES, ids=[str(i) for i in range(len(CASES))])
def test_the_catalog_answers_as_postgresql_does(postgres, ours, sql, what):
    expected = answer(postgres, sql, what == "all")
    assert expected[1], f"PostgreSQL answered nothing: the case checks nothing\n{sql}"
    assert answer(ours, sql, what == "all") == expected, sql
