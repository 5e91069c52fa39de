"""TLS with rustls: psql and psycopg with sslmode=require and verify-full against a CA the test
makes, cancel over TLS, require_tls, and clear errors for bad certificate files."""
import os
import subprocess
import threading
import time

import duckdb
import psycopg
import pytest

from conftest import EXTENSION, Host, psql

HERE = os.path.dirname(os.path.abspath(__file__))
DEV_CERT = os.path.join(HERE, "..", "..", "scripts", "dev_cert.sh")


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    directory = tmp_path_factory.mktemp("tls")
    subprocess.run(["bash", DEV_CERT, str(directory)], check=True, capture_output=True)
    other = tmp_path_factory.mktemp("tls_other")
    subprocess.run(["bash", DEV_CERT, str(other)], check=True, capture_output=True)
    return directory, other


@pytest.fixture(scope="module")
def tls_host(certs):
    directory, _ = certs
    h = Host(
        start_args=f"0, password := 'pw', tls_cert := '{directory}/server.crt', "
        f"tls_key := '{directory}/server.key', require_tls := true"
    )
    yield h
    h.close()


def test_start_reports_tls(tls_host):
    assert tls_host.started["tls"] is True


def test_psql_and_psycopg_verify_the_server_against_its_ca(tls_host, certs):
    directory, _ = certs
    verified = f"host=localhost port={tls_host.port} user=duckdb password=pw dbname=memory sslmode=verify-full sslrootcert={directory}/ca.crt"
    out = psql(verified, "-A", "-t", "-c", "SELECT 42", "-c", "SELECT count(*) FROM range(200000)").stdout.split()
    assert out == ["42", "200000"]
    with psycopg.connect(verified) as c:
        assert c.info.pgconn.ssl_in_use
        # A result far larger than one TLS record, in text and binary.
        rows = c.execute("SELECT i, repeat('x', 100) FROM range(50000) t(i)").fetchall()
        assert len(rows) == 50000 and rows[-1][0] == 49999
        with c.cursor(binary=True) as cur:
            assert cur.execute("SELECT sum(i) FROM range(1000) t(i)").fetchone() == (499500,)
        with c.cursor() as cur:
            with cur.copy("COPY (SELECT i FROM range(10000) t(i)) TO STDOUT") as copy:
                assert sum(1 for _ in copy.rows()) == 10000


def test_sslmode_require_without_verification(tls_host):
    with psycopg.connect(tls_host.dsn(sslmode="require")) as c:
        assert c.info.pgconn.ssl_in_use
        assert c.execute("SELECT 1").fetchone() == (1,)


def test_a_client_that_checks_against_another_ca_refuses_the_server(tls_host, certs):
    _, other = certs
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(tls_host.dsn(host="localhost", sslmode="verify-full", sslrootcert=f"{other}/ca.crt"))


def test_plain_connections_are_refused_when_tls_is_required(tls_host):
    with pytest.raises(psycopg.OperationalError) as e:
        psycopg.connect(tls_host.dsn(sslmode="disable"))
    assert "TLS connections only" in str(e.value)


def test_cancel_over_tls(tls_host):
    with psycopg.connect(tls_host.dsn(sslmode="require"), autocommit=True) as c:
        threading.Thread(target=lambda: (time.sleep(0.5), c.cancel())).start()
        started = time.time()
        with pytest.raises(psycopg.errors.QueryCanceled):
            c.execute("SELECT count(*) FROM range(1000000000000) t(i) WHERE hash(i) = 0")
        assert time.time() - started < 10
        assert c.execute("SELECT 2").fetchone() == (2,)


def test_a_workspace_user_over_tls(certs, tmp_path):
    directory, _ = certs
    h = Host(
        database=str(tmp_path / "host.duckdb"),
        start_args=f"0, password := 'pw', tls_cert := '{directory}/server.crt', tls_key := '{directory}/server.key'",
    )
    try:
        h.sql("CREATE TABLE orders AS SELECT range AS id FROM range(10)")
        h.sql("SELECT * FROM pgwire_create_workspace('ws_tls')")
        h.sql("SELECT * FROM pgwire_grant('ws_tls', 'host.main.orders', 'in_c_sales', 'orders')")
        [[user, password]] = h.sql("SELECT name, password FROM pgwire_create_user(workspace := 'ws_tls')")
        dsn = (
            f"host=localhost port={h.port} dbname=ws_tls user={user} password={password} "
            f"sslmode=verify-full sslrootcert={directory}/ca.crt"
        )
        with psycopg.connect(dsn, autocommit=True) as c:
            assert c.info.pgconn.ssl_in_use
            c.execute("CREATE TABLE mine AS SELECT count(*) AS n FROM in_c_sales.orders")
        assert h.sql("SELECT n FROM ws_tls.main.mine") == [[10]]
        # Without require_tls plain connections from loopback still work.
        with psycopg.connect(dsn.replace("sslmode=verify-full", "sslmode=disable")) as c:
            assert not c.info.pgconn.ssl_in_use
    finally:
        h.close()


def start_error(args):
    con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
    con.load_extension(EXTENSION)
    try:
        with pytest.raises(duckdb.Error) as e:
            con.execute(f"SELECT * FROM pgwire_start(0, {args})")
        # Nothing was started.
        assert con.execute("SELECT running FROM pgwire_status()").fetchone() == (False,)
        return str(e.value)
    finally:
        con.close()


def test_bad_certificate_files_are_clear_errors_of_pgwire_start(certs, tmp_path):
    directory, other = certs
    assert "could not read certificate file" in start_error(
        f"tls_cert := '{tmp_path}/missing.crt', tls_key := '{directory}/server.key'"
    )
    assert "could not read private key file" in start_error(
        f"tls_cert := '{directory}/server.crt', tls_key := '{tmp_path}/missing.key'"
    )
    garbage = tmp_path / "garbage.crt"
    garbage.write_text("not a certificate\n")
    assert "holds no certificate" in start_error(f"tls_cert := '{garbage}', tls_key := '{directory}/server.key'")
    assert "does not fit certificate file" in start_error(
        f"tls_cert := '{directory}/server.crt', tls_key := '{other}/server.key'"
    )
    assert "tls_cert and tls_key go together" in start_error(f"tls_cert := '{directory}/server.crt'")
    assert "require_tls needs tls_cert and tls_key" in start_error("require_tls := true")
