"""Transactions between sessions: DuckDB's optimistic concurrency surfaces as PostgreSQL's
serialization failure, which applications retry."""
import psycopg
import pytest


def test_write_conflict_is_a_serialization_failure(host):
    host.sql("CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER)")
    host.sql("INSERT INTO accounts VALUES (1, 100)")
    with psycopg.connect(host.dsn()) as a, psycopg.connect(host.dsn()) as b:
        a.execute("UPDATE accounts SET balance = balance - 10 WHERE id = 1")
        with pytest.raises(psycopg.errors.SerializationFailure):
            b.execute("UPDATE accounts SET balance = balance + 10 WHERE id = 1")
        # The loser's transaction is aborted until it rolls back, as in PostgreSQL.
        with pytest.raises(psycopg.errors.InFailedSqlTransaction):
            b.execute("SELECT 1")
        b.rollback()
        a.commit()
        # The retry succeeds once the winner committed.
        b.execute("UPDATE accounts SET balance = balance + 10 WHERE id = 1")
        b.commit()
    assert host.sql("SELECT balance FROM accounts") == [[100]]
