"""Simple-protocol statements are kept prepared by their text; a kept statement must never
answer with a stale meaning."""
import struct

import psycopg

from wire import Wire


def rows(w, sql):
    return [m.body for m in w.query(sql) if m.kind == "D"]


def columns(w, sql):
    described = [m for m in w.query(sql) if m.kind == "T"]
    return struct.unpack("!h", described[0].body[:2])[0] if described else 0


def test_kept_statements_follow_data_schema_and_search_path(host):
    host.sql("CREATE TABLE kept (i INTEGER)")
    host.sql("CREATE SCHEMA other")
    host.sql("CREATE TABLE other.kept (i INTEGER, label VARCHAR)")
    host.sql("INSERT INTO other.kept VALUES (100, 'other')")
    w = Wire(host.port)
    w.startup()
    select = "SELECT * FROM kept ORDER BY i"
    assert rows(w, select) == []
    w.query("INSERT INTO kept VALUES (1)")
    assert len(rows(w, select)) == 1  # new data, same statement
    # A schema change by this session...
    w.query("ALTER TABLE kept ADD COLUMN j INTEGER")
    assert columns(w, select) == 2
    # ... and by another connection (the host): DuckDB re-binds the kept statement.
    host.sql("ALTER TABLE kept ADD COLUMN k INTEGER")
    assert columns(w, select) == 3
    # The search path decides which table the same text names.
    w.query("SET search_path = other")
    assert rows(w, select)[0].endswith(b"other")
    w.query("SET search_path = main")
    assert columns(w, "SELECT * FROM kept") == 3
    w.query("CREATE TEMP TABLE kept (only_temp INTEGER)")
    assert columns(w, "SELECT * FROM kept") == 1  # the temporary table shadows the other now
    w.close()
    # Through the extended protocol too: a DDL statement there drops what the simple one kept.
    with psycopg.connect(host.dsn(), autocommit=True) as c:
        assert c.pgconn.exec_(select.encode()).nfields == 3  # simple protocol: kept
        c.execute("ALTER TABLE kept ADD COLUMN m INTEGER")  # extended protocol
        assert c.pgconn.exec_(select.encode()).nfields == 4
