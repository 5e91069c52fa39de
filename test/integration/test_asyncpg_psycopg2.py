"""asyncpg (extended protocol, binary, named statements) and psycopg2 (simple protocol with
client-side parameters), as applications use them."""
import asyncio
import datetime
import decimal

import asyncpg
import psycopg2
import pytest


def run(coro):
    return asyncio.run(coro)


def test_asyncpg_application(host):
    async def app():
        conn = await asyncpg.connect(host="127.0.0.1", port=host.port, user="duckdb", password="pw", database="memory")
        try:
            await conn.execute("CREATE TABLE apg (id BIGINT PRIMARY KEY, name VARCHAR, t TIMESTAMP, n DECIMAL(18,4), ok BOOLEAN)")
            await conn.executemany(
                "INSERT INTO apg VALUES ($1, $2, $3, $4, $5)",
                [
                    (1, "one", datetime.datetime(2024, 1, 1, 8, 30), decimal.Decimal("1.2345"), True),
                    (2, None, None, None, None),
                ],
            )
            rows = await conn.fetch("SELECT * FROM apg WHERE id >= $1 ORDER BY id", 1)
            assert [tuple(r) for r in rows] == [
                (1, "one", datetime.datetime(2024, 1, 1, 8, 30), decimal.Decimal("1.2345"), True),
                (2, None, None, None, None),
            ]
            stmt = await conn.prepare("SELECT name FROM apg WHERE id = $1")
            assert [await stmt.fetchval(i) for i in (1, 2)] == ["one", None]
            async with conn.transaction():
                # Fetched three rows at a time: a portal resumed after PortalSuspended.
                seen = [r[0] async for r in conn.cursor("SELECT i FROM range(10) t(i)", prefetch=3)]
                assert seen == list(range(10))
                cursor = await conn.cursor("SELECT i FROM range(10) t(i)")
                assert [r[0] for r in await cursor.fetch(4)] == [0, 1, 2, 3]
                assert [r[0] for r in await cursor.fetch(2)] == [4, 5]
            with pytest.raises(asyncpg.exceptions.UndefinedTableError):
                await conn.fetch("SELECT * FROM apg_missing")
            with pytest.raises(asyncpg.exceptions.UniqueViolationError):
                async with conn.transaction():
                    await conn.execute("INSERT INTO apg VALUES (3, 'three', NULL, NULL, NULL)")
                    await conn.execute("INSERT INTO apg VALUES (3, 'again', NULL, NULL, NULL)")
            assert await conn.fetchval("SELECT count(*) FROM apg") == 2
        finally:
            await conn.close()

    run(app())


def test_psycopg2_application(host):
    conn = psycopg2.connect(host="127.0.0.1", port=host.port, user="duckdb", password="pw", dbname="memory")
    try:
        cur = conn.cursor()
        cur.execute("CREATE TABLE pg2 (id INTEGER, name VARCHAR, amount DECIMAL(10,2), day DATE)")
        cur.executemany(
            "INSERT INTO pg2 VALUES (%s, %s, %s, %s)",
            [(1, "o'ne", decimal.Decimal("1.50"), datetime.date(2024, 1, 2)), (2, None, None, None)],
        )
        conn.commit()
        cur.execute("SELECT * FROM pg2 WHERE id = %s", (1,))
        assert cur.fetchone() == (1, "o'ne", decimal.Decimal("1.50"), datetime.date(2024, 1, 2))
        cur.execute("DELETE FROM pg2")
        conn.rollback()
        cur.execute("SELECT count(*) FROM pg2")
        assert cur.fetchone() == (2,)
        with pytest.raises(psycopg2.errors.UndefinedTable):
            cur.execute("SELECT * FROM pg2_missing")
        conn.rollback()
        cur.execute("SELECT 'usable'")
        assert cur.fetchone() == ("usable",)
    finally:
        conn.close()
