"""Bad input gets what PostgreSQL gives (an ErrorResponse with a SQLSTATE, or a closed
connection), and the server goes on serving everyone else."""
import socket
import struct
import threading
import time

import psycopg
import pytest

from conftest import Host, wait_until
from wire import Wire, kinds, status


def still_serving(host):
    with psycopg.connect(host.dsn(), autocommit=True) as c:
        return c.execute("SELECT 42").fetchone() == (42,)


def raw(host, data, read=True):
    s = socket.create_connection(("127.0.0.1", host.port), timeout=10)
    s.sendall(data)
    answer = b""
    if read:
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                answer += chunk
        except (ConnectionResetError, socket.timeout):
            pass
    s.close()
    return answer


@pytest.mark.parametrize(
    "packet",
    [
        b"\x00\x00\x00\x08\x00\x00\x00\x00",  # too short to be a startup packet
        b"\x00\x00\x00\x10\x00\x02\x00\x00user\x00x\x00\x00",  # protocol 2.0
        b"\xff\xff\xff\xf0" + b"x" * 100,  # absurd length
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        b"\x00\x00\x00\x09\x00\x03\x00\x00\x00",  # no user
    ],
)
def test_malformed_startup_is_refused_and_server_goes_on(host, packet):
    answer = raw(host, packet)
    assert answer == b"" or answer.startswith(b"E")
    assert still_serving(host)


def test_missing_user_is_28000(host):
    answer = raw(host, b"\x00\x00\x00\x09\x00\x03\x00\x00\x00")
    assert answer.startswith(b"E") and b"C28000" in answer


@pytest.mark.parametrize("user,password", [("duckdb", "wrong"), ("nobody", "pw"), ("duckdb", "")])
def test_failed_login_is_28p01_whatever_the_reason(host, user, password):
    with pytest.raises(psycopg.OperationalError) as info:
        psycopg.connect(host.dsn(user=user, password=password), connect_timeout=10)
    assert f'password authentication failed for user "{user}"' in str(info.value)
    w = Wire(host.port)
    messages = w.startup(user=user, password=password)
    assert messages[-1].kind == "E" and messages[-1].fields()["C"] == "28P01"
    assert still_serving(host)


def test_ssl_and_gss_requests_are_declined_then_plain_startup_works(host):
    for code in (80877103, 80877104):  # SSLRequest, GSSENCRequest
        w = Wire(host.port)
        w.send_raw(struct.pack("!II", 8, code))
        assert w.sock.recv(1) == b"N"
        assert status(w.startup()) == "I"
        assert kinds(w.query("SELECT 1")) == "TDCZ"
        w.close()


def test_unknown_message_type_closes_only_that_session(host):
    w = Wire(host.port)
    w.startup()
    w.send_message("y", b"junk")
    last = w.read()
    assert last.kind == "E" and last.fields()["C"] == "08P01"
    assert w.closed_by_server()
    assert still_serving(host)


def test_client_leaving_mid_result_frees_its_session(host):
    w = Wire(host.port)
    w.startup()
    w.send_message("Q", b"SELECT i, 'row ' || i FROM range(100000000) t(i)\0")
    assert w.read().kind == "T"
    for _ in range(100):
        assert w.read().kind == "D"
    w.sock.close()  # mid-result
    # The session ends and its connection is back in the pool (256, the default), not retired.
    assert wait_until(
        lambda: host.sql("SELECT live_sessions, pool_idle, pool_retired FROM pgwire_status()") == [[0, 256, 0]]
    )
    assert still_serving(host)


def test_half_open_connection_times_out():
    h = Host(start_args="0, password := 'pw', connect_timeout := '1 s'")
    try:
        s = socket.create_connection(("127.0.0.1", h.port), timeout=10)
        started = time.time()
        assert s.recv(1) == b""  # closed by the server, not by us
        assert time.time() - started < 8
        s.close()
        assert still_serving(h)
    finally:
        h.close()


def test_cancel_request_interrupts_only_the_right_query(host):
    with psycopg.connect(host.dsn(), autocommit=True) as busy:
        # A wrong key changes nothing.
        pid = busy.info.backend_pid
        raw(host, struct.pack("!IIII", 16, 80877102, pid, 12345), read=False)
        assert busy.execute("SELECT 1").fetchone() == (1,)

        timer = threading.Timer(0.5, busy.cancel)
        timer.start()
        started = time.time()
        with pytest.raises(psycopg.errors.QueryCanceled):
            busy.execute("SELECT count(*) FROM range(1000000000000) t(i) WHERE hash(i) = 0")
        timer.join()
        assert time.time() - started < 30
        assert busy.execute("SELECT 'still usable'").fetchone() == ("still usable",)


def test_port_in_use_is_a_clear_error_and_nothing_breaks(tmp_path):
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen()
    taken = blocker.getsockname()[1]
    h = Host()
    try:
        h.sql("SELECT * FROM pgwire_stop()")
        with pytest.raises(RuntimeError) as info:
            h.sql(f"SELECT * FROM pgwire_start({taken})")
        assert f"could not listen on 127.0.0.1:{taken}" in str(info.value)
        assert h.sql("SELECT running FROM pgwire_status()") == [[False]]
        port = h.sql("SELECT port FROM pgwire_start(0)")[0][0]
        assert port != taken
    finally:
        blocker.close()
        h.close()


def test_a_remembered_password_still_refuses_every_other_password(host):
    """After argon2id accepted a password once, the same user and password log in without it;
    anything else still meets the full check and the same refusal."""

    def login(password, user="duckdb"):
        try:
            with psycopg.connect(host="127.0.0.1", port=host.port, user=user, password=password,
                                 dbname="memory") as c:
                return c.execute("SELECT 1").fetchone() == (1,)
        except psycopg.OperationalError as e:
            assert f'password authentication failed for user "{user}"' in str(e)
            return False

    assert login("pw")
    assert all(login("pw") for _ in range(5))  # remembered
    for wrong in ("not the password", "pw ", "PW", "p"):
        assert not login(wrong)
    assert not login("pw", user="nobody")
    assert login("pw")


@pytest.mark.parametrize("raise_limit", [
    "SET max_expression_depth TO 100000",
    "SET GLOBAL max_expression_depth = 100000",
    "PRAGMA max_expression_depth=100000",
])
def test_expressions_too_deep_for_the_stack_are_refused_not_a_crash(host, raise_limit):
    """DuckDB parses and binds recursively on the session's thread: a client must not raise the
    depth limit to where a statement overflows that stack (which would kill the host)."""
    deep = "SELECT " + "+".join(["1"] * 20000)
    with psycopg.connect(host.dsn(), autocommit=True) as c:
        with pytest.raises(psycopg.errors.InvalidParameterValue):
            c.execute(raise_limit)
        # The same through the extended protocol.
        with pytest.raises(psycopg.errors.InvalidParameterValue):
            c.execute(raise_limit, prepare=True)
        with pytest.raises(psycopg.Error, match="expression depth"):
            c.execute(deep)
        c.execute("SET max_expression_depth TO 500")  # lowering is fine
        assert c.execute("SELECT 1 + 1").fetchone() == (2,)
    assert host.sql("SELECT 42") == [[42]]
