"""PostgreSQL's advisory locks, as migration tools take them: held by a session (or its transaction)
until it unlocks or ends, waited for, cancelled, timed out, and kept apart per workspace."""
import threading
import time

import psycopg
import pytest


def connect(host, **kw):
    return psycopg.connect(host.dsn(**kw), autocommit=True)


def test_locks_exclude_other_sessions_until_unlocked(host):
    with connect(host) as a, connect(host) as b:
        assert a.execute("SELECT pg_try_advisory_lock(42)").fetchone() == (True,)
        assert b.execute("SELECT pg_try_advisory_lock(42)").fetchone() == (False,)
        assert b.execute("SELECT pg_try_advisory_lock(42::int, 0)").fetchone() == (True,), "two-key space is apart"
        assert a.execute("SELECT pg_advisory_lock(42)").fetchone() == ("",), "a session stacks its own"
        assert a.execute("SELECT pg_advisory_unlock(42)").fetchone() == (True,)
        assert b.execute("SELECT pg_try_advisory_lock(42)").fetchone() == (False,), "held once more"
        assert a.execute("SELECT pg_advisory_unlock(42)").fetchone() == (True,)
        assert a.execute("SELECT pg_advisory_unlock(42)").fetchone() == (False,)
        assert b.execute("SELECT pg_try_advisory_lock(42)").fetchone() == (True,)
        # Shared holders share; an exclusive one waits for all of them.
        assert a.execute("SELECT pg_try_advisory_lock_shared(7), pg_try_advisory_lock_shared(7)").fetchone() == (True, True)
        assert b.execute("SELECT pg_try_advisory_lock_shared(7)").fetchone() == (True,)
        assert b.execute("SELECT pg_try_advisory_lock(7)").fetchone() == (False,)
        b.execute("SELECT pg_advisory_unlock_all()")
        assert a.execute("SELECT pg_try_advisory_lock(42)").fetchone() == (True,)


def test_a_waiting_lock_is_granted_when_the_holder_ends(host):
    a = connect(host)
    a.execute("SELECT pg_advisory_lock(1001)")
    got = {}

    def wait():
        with connect(host) as b:
            b.execute("SELECT pg_advisory_lock(1001)")
            got["b"] = b.execute("SELECT pg_try_advisory_lock(1001)").fetchone()[0]

    waiter = threading.Thread(target=wait)
    waiter.start()
    time.sleep(0.3)
    assert waiter.is_alive(), "the lock was granted while another session held it"
    a.close()  # the session ends: its locks go
    waiter.join(timeout=10)
    assert got == {"b": True}


def test_waiting_ends_with_lock_timeout_or_cancel(host):
    with connect(host) as a, connect(host) as b:
        a.execute("SELECT pg_advisory_lock(5)")
        b.execute("SET lock_timeout = '200ms'")
        with pytest.raises(psycopg.errors.LockNotAvailable):
            b.execute("SELECT pg_advisory_lock(5)")
        b.execute("RESET lock_timeout")
        threading.Timer(0.3, b.cancel).start()
        with pytest.raises(psycopg.errors.QueryCanceled):
            b.execute("SELECT pg_advisory_lock(5)")
        assert b.execute("SELECT 1").fetchone() == (1,), "the session goes on"


def test_workspaces_have_keys_of_their_own(host):
    users = []
    for name in ("adv_a", "adv_b"):
        host.sql(f"SELECT * FROM pgwire_create_workspace('{name}', path := ':memory:')")
        [[user, password]] = host.sql(f"SELECT name, password FROM pgwire_create_user(workspace := '{name}')")
        users.append(dict(user=user, password=password, dbname=name))
    with connect(host, **users[0]) as a, connect(host, **users[1]) as b, connect(host, **users[0]) as a2:
        assert a.execute("SELECT pg_try_advisory_lock(9)").fetchone() == (True,)
        assert b.execute("SELECT pg_try_advisory_lock(9)").fetchone() == (True,), "another workspace's key 9"
        assert a2.execute("SELECT pg_try_advisory_lock(9)").fetchone() == (False,)
        # The lock table is reached only through PostgreSQL's functions.
        with pytest.raises(psycopg.Error):
            b.execute("SELECT pgwire_advisory('unlock_all', 1, 'adv_a', NULL, 0)")
        assert a2.execute("SELECT pg_try_advisory_lock(9)").fetchone() == (False,)


@pytest.mark.parametrize("extended", [False, True])
def test_transaction_level_locks_end_with_the_transaction(host, extended):
    """pg_advisory_xact_lock and kin: held until the transaction ends (COMMIT, ROLLBACK, or the
    implicit transaction of a statement outside a block), untouched by pg_advisory_unlock."""
    run = (lambda c, sql: c.execute(sql, ())) if extended else (lambda c, sql: c.execute(sql))
    with connect(host) as a, connect(host) as b:
        a.execute("BEGIN")
        assert run(a, "SELECT pg_advisory_xact_lock(55)").fetchone() == ("",)
        assert run(a, "SELECT pg_try_advisory_xact_lock_shared(56)").fetchone() == (True,)
        assert run(a, "SELECT pg_advisory_unlock(55)").fetchone() == (False,), "not a session-level lock"
        run(a, "SELECT pg_advisory_unlock_all()")
        assert run(b, "SELECT pg_try_advisory_lock(55)").fetchone() == (False,)
        assert run(b, "SELECT pg_try_advisory_lock_shared(56)").fetchone() == (True,)
        assert run(b, "SELECT pg_try_advisory_lock(56)").fetchone() == (False,)
        a.execute("COMMIT")
        assert run(b, "SELECT pg_try_advisory_lock(55)").fetchone() == (True,)
        run(b, "SELECT pg_advisory_unlock_all()")
        # Outside a block, the statement's own transaction holds it.
        assert run(a, "SELECT pg_try_advisory_xact_lock(57)").fetchone() == (True,)
        assert run(b, "SELECT pg_try_advisory_xact_lock(57)").fetchone() == (True,)
        # A failed transaction rolled back lets go too; a waiter gets it then.
        a.execute("BEGIN")
        run(a, "SELECT pg_advisory_xact_lock(58)")
        with pytest.raises(psycopg.errors.DivisionByZero):
            run(a, "SELECT 1 / 0")
        a.execute("ROLLBACK")
        assert run(b, "SELECT pg_try_advisory_xact_lock(58)").fetchone() == (True,)
