"""Admission: failed logins from one address are slowed down, then refused for a while, while
other addresses are served; sessions per client address are bounded."""
import time

import psycopg
import pytest

from conftest import Host
from wire import Wire


def failed_login(h):
    started = time.time()
    with pytest.raises(psycopg.OperationalError) as e:
        psycopg.connect(h.dsn(password="wrong"))
    return time.time() - started, str(e.value)


def test_failed_logins_are_throttled_per_address_and_counted():
    h = Host()
    try:
        quick = [failed_login(h) for _ in range(3)]
        assert all("password authentication failed" in msg for _, msg in quick)
        slowed = [failed_login(h) for _ in range(7)]
        # From the fourth failure on, each answer comes later than the one before.
        assert slowed[0][0] >= 0.2 and slowed[-1][0] >= 1.5
        # Ten failures: the address is refused, the right password included.
        with pytest.raises(psycopg.OperationalError) as e:
            psycopg.connect(h.dsn())
        assert "too many failed login attempts" in str(e.value)
        # Another address is served as usual, and at once.
        other = Wire(h.port, source="127.0.0.2")
        started = time.time()
        answer = other.startup(password="pw")
        assert answer[-1].kind == "Z" and time.time() - started < 1
        assert h.sql("SELECT logins_failed, logins_throttled FROM pgwire_status()") == [[10, 1]]
    finally:
        h.close()


def test_sessions_per_client_address_are_bounded():
    h = Host(start_args="0, password := 'pw', max_connections_per_address := 3")
    try:
        held = [psycopg.connect(h.dsn()) for _ in range(3)]
        with pytest.raises(psycopg.OperationalError) as e:
            psycopg.connect(h.dsn())
        assert "too many connections from 127.0.0.1" in str(e.value)
        other = Wire(h.port, source="127.0.0.2")
        assert other.startup(password="pw")[-1].kind == "Z"
        [c.close() for c in held]
    finally:
        h.close()
