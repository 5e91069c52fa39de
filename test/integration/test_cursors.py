"""SQL cursors (DECLARE / FETCH / MOVE / CLOSE) as psycopg2's and psycopg 3's named cursors and
psql users drive them."""
import psycopg
import psycopg2
import pytest

from conftest import psql


def test_psycopg2_named_cursor(host):
    conn = psycopg2.connect(host="127.0.0.1", port=host.port, user="duckdb", password="pw", dbname="memory")
    try:
        cur = conn.cursor("big")
        cur.itersize = 1000
        cur.execute("SELECT i, i::VARCHAR AS s FROM range(2500) t(i) ORDER BY i")
        rows = list(cur)
        assert len(rows) == 2500 and rows[0] == (0, "0") and rows[-1] == (2499, "2499")
        assert [d.name for d in cur.description] == ["i", "s"]
        cur.close()
        cur = conn.cursor("paged")
        cur.execute("SELECT i FROM range(10) t(i) WHERE i >= %s", (3,))
        assert cur.fetchone() == (3,)
        assert cur.fetchmany(2) == [(4,), (5,)]
        cur.scroll(2)  # MOVE FORWARD 2
        assert cur.fetchall() == [(8,), (9,)]
        with pytest.raises(psycopg2.errors.ObjectNotInPrerequisiteState):
            cur.scroll(-3)  # a forward-only cursor refuses to go back
        conn.rollback()
        # WITH HOLD: the cursor outlives the commit, and other statements may run in between.
        cur = conn.cursor("held", withhold=True)
        cur.execute("SELECT i FROM range(5) t(i)")
        assert cur.fetchmany(2) == [(0,), (1,)]
        conn.commit()
        other = conn.cursor()
        other.execute("SELECT 42")
        assert other.fetchone() == (42,)
        assert cur.fetchall() == [(2,), (3,), (4,)]
        cur.close()
        conn.commit()
    finally:
        conn.close()


@pytest.mark.parametrize("binary", [False, True])
def test_psycopg3_server_cursor(host, binary):
    with psycopg.connect(host.dsn(dbname="memory")) as conn:
        with conn.cursor("srv", binary=binary) as cur:
            cur.execute(
                "SELECT i, 'row ' || i AS label, i::DOUBLE / 2 AS half FROM range(%s) t(i) ORDER BY i", (1234,)
            )
            assert [d.name for d in cur.description] == ["i", "label", "half"]
            assert cur.fetchone() == (0, "row 0", 0.0)
            assert cur.fetchmany(3) == [(1, "row 1", 0.5), (2, "row 2", 1.0), (3, "row 3", 1.5)]
            rest = cur.fetchall()
            assert len(rest) == 1230 and rest[-1] == (1233, "row 1233", 616.5)
        conn.commit()
        # In autocommit mode a named cursor must be WITH HOLD, as in PostgreSQL.
        conn.autocommit = True
        with conn.cursor("held", withhold=True, binary=binary) as cur:
            cur.itersize = 7
            cur.execute("SELECT i FROM range(20) t(i)")
            assert [r[0] for r in cur] == list(range(20))


def test_cursor_statements_by_hand(host):
    statements = [
        "BEGIN",
        "DECLARE c CURSOR FOR SELECT i FROM range(10) t(i)",
        "FETCH 2 FROM c",
        "MOVE FORWARD 3 IN c",
        "FETCH NEXT FROM c",
        "FETCH ABSOLUTE 9 FROM c",
        "FETCH ALL FROM c",
        "FETCH c",
        "CLOSE c",
        "COMMIT",
    ]
    args = [a for s in statements for a in ("-c", s)]
    out = psql(host.dsn(), *args, "-A", "-t").stdout
    assert out.split() == ["BEGIN", "DECLARE", "CURSOR", "0", "1", "MOVE", "3", "5", "8", "9",
                           "CLOSE", "CURSOR", "COMMIT"]


def test_cursor_errors(host):
    with psycopg.connect(host.dsn(dbname="memory"), autocommit=True) as conn:
        with pytest.raises(psycopg.errors.NoActiveSqlTransaction):
            conn.execute("DECLARE c CURSOR FOR SELECT 1")
        with pytest.raises(psycopg.errors.InvalidCursorName):
            conn.execute("FETCH 1 FROM nosuch")
        with pytest.raises(psycopg.errors.FeatureNotSupported):
            conn.execute("DECLARE c SCROLL CURSOR WITH HOLD FOR SELECT 1")
        conn.execute("BEGIN")
        conn.execute("DECLARE c CURSOR FOR SELECT i FROM range(100000) t(i)")
        with pytest.raises(psycopg.errors.DuplicateCursor):
            conn.execute("DECLARE c CURSOR FOR SELECT 1")
        conn.execute("ROLLBACK")
        conn.execute("BEGIN")
        conn.execute("DECLARE c CURSOR FOR SELECT i FROM range(100000) t(i)")
        assert conn.execute("FETCH 2 FROM c").fetchall() == [(0,), (1,)]
        # DuckDB runs one result per connection: another statement closes the cursor's.
        assert conn.execute("SELECT 7").fetchone() == (7,)
        with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState):
            conn.execute("FETCH 2 FROM c")
        conn.execute("ROLLBACK")
        # The transaction's end closed it.
        conn.execute("BEGIN")
        with pytest.raises(psycopg.errors.InvalidCursorName):
            conn.execute("CLOSE c")
        conn.execute("ROLLBACK")
        with pytest.raises(psycopg.errors.InvalidCursorDefinition):
            conn.execute("BEGIN")
            conn.execute("DECLARE d CURSOR FOR CREATE TABLE x (i INT)")
        conn.execute("ROLLBACK")
        assert conn.execute("SELECT 1").fetchone() == (1,)
