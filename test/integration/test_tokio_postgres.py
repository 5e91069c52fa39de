"""tokio-postgres (binary parameters and results, typed prepared statements, COPY in and out
through the extended protocol, a custom ENUM type), as a Rust application uses it. The client is built by `make integration-test`."""
import os
import subprocess

from conftest import require

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT = os.path.join(HERE, "tokio_client", "target", "release", "tokio-client-check")


def run_client(host, *mode):
    """Run the Rust client (tokio-postgres, or sqlx with mode "sqlx"); its name=value lines."""
    require(os.path.exists(CLIENT), "the tokio-postgres client (make integration-test builds it)")
    out = subprocess.run([CLIENT, str(host.port), "pw", *mode], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr + out.stdout
    return dict(line.split("=", 1) for line in out.stdout.splitlines())


def test_tokio_postgres_application(host):
    assert run_client(host) == {
        "insert1": "1",
        "insert2": "1",
        "insert3": "1",
        "row2": "n2|1|2024-03-04 05:06:07.000890|0c3d6a8e-1f2b-4c5d-8e9f-a0b1c2d3e4f5|{\"k\":1}",
        "row3": "n3|1.5|2024-03-04 05:06:07.000890|0c3d6a8e-1f2b-4c5d-8e9f-a0b1c2d3e4f5|{\"k\":1}",
        "after_rollback": "3",
        "missing": "42P01",
        "bigint": str((2**63 - 1) // 4 * 2),
        "copy_in_text": "2",
        "copy_in_binary": "998",
        "copy_out_text": "1,one/2,\\N/3,n3/",
        "copy_out_binary999": "2024-05-06 07:08:09",
        "copy_out_binary1000": "2024-05-06 07:08:09",
        "copy_in_bad": "22P02",
        "copy_count": "1000",
        # A Rust enum derived from the server's ENUM type (tokio-postgres's type introspection).
        "enum_param_type": "mood",
        "enum_row1": "Some(Happy)|[Sad, Ok]|mood",
        "enum_row2": "None|[]|mood",
        "enum_filter": "1",
        "simple": "simple",
    }


def test_sqlx_application(host):
    """sqlx (pinned 0.8): a custom ENUM type and arrays of it, found by name (`$1::regtype::oid`)
    and by OID (pg_type, pg_enum); `describe`, which sends `EXPLAIN (VERBOSE, FORMAT JSON)
    EXECUTE` of its named statement and reads the types of the result."""
    assert run_client(host, "sqlx") == {
        "sqlx_row1": 'Some(Happy)|[Sad, Ok]|Some("first")',
        "sqlx_row2": "None|[]|None",
        "sqlx_filter": "1",
        "sqlx_describe": "id:INT4:None,f:feeling:None,note:TEXT:None",
    }


def test_explain_execute_of_a_named_statement(host):
    """The plan sqlx reads: PostgreSQL's JSON format, one Result node with the columns as its
    Output; a name that was never prepared is DuckDB's error, not a made-up plan."""
    import psycopg
    with psycopg.connect(host.dsn(), autocommit=True) as c:
        c.execute("PREPARE never_mind AS SELECT 1")  # SQL-level: not a protocol statement
        c.execute("SELECT 1 AS a, 'x' AS b", prepare=True)
        name = next(iter(c._prepared._names.values())).decode()
        plan = c.execute(f"EXPLAIN (VERBOSE, FORMAT JSON) EXECUTE {name}").fetchone()[0]
        assert plan[0]["Plan"]["Node Type"] == "Result"
        assert plan[0]["Plan"]["Output"] == ["a", "b"]
        try:
            c.execute("EXPLAIN (VERBOSE, FORMAT JSON) EXECUTE no_such_statement(NULL)")
            raise AssertionError("explained a statement that does not exist")
        except psycopg.Error as e:
            assert e.sqlstate is not None
