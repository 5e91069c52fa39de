"""The analytical workload: what BI tools send, on the same generated data in PostgreSQL and
in DuckDB, timed through psql and psycopg 3 against both servers alternately, and the same
queries run in process by the pgwire host itself, on the same database (rows fetched as Python
objects, as psycopg fetches them), as the bound for the wire.

The data has a realistic shape: a fact table of sales (dates over five years, decimal amounts,
quantities, categories, a channel, a returned flag and a short text note) and three dimension
tables, all made with SQL in both databases from the same formulas, so the answers agree
(checked once per query before timing). PostgreSQL gets what its users would give it: indexes
on the fact table's keys and dates, and ANALYZE.
"""
import statistics
import time

# The same rows in both: every column is a formula of the row number i.
DIMENSIONS = {
    "stores": "SELECT i AS store_id, 'store ' || i AS store_name, 'region ' || (i % 7) AS region FROM {series}(0, 99) i",
    "products": "SELECT i AS product_id, 'product ' || i AS product_name, 'category ' || (i % 25) AS category, "
                "((i % 500) + 1) AS list_price FROM {series}(0, 9999) i",
    "customers": "SELECT i AS customer_id, 'customer ' || i AS customer_name, 'segment ' || (i % 5) AS segment, "
                 "'region ' || (i % 7) AS region FROM {series}(0, 99999) i",
}
FACT = ("SELECT i AS sale_id, DATE '2020-01-01' + (i % 1826)::integer AS sold_on, "
        "(i * 7) % 100 AS store_id, (i * 13) % 10000 AS product_id, (i * 31) % 100000 AS customer_id, "
        "((i % 9) + 1) AS quantity, (((i * 37) % 100000) / 100.0)::numeric(12, 2) AS amount, "
        "CASE i % 4 WHEN 0 THEN 'web' WHEN 1 THEN 'store' WHEN 2 THEN 'phone' ELSE 'partner' END AS channel, "
        "(i % 23 = 0) AS returned, 'promo ' || (i % 50) AS note FROM {series}(0, {n} - 1) i")
POSTGRES_INDEXES = [
    "CREATE INDEX ON sales (sold_on)", "CREATE INDEX ON sales (store_id)",
    "CREATE INDEX ON sales (customer_id)", "CREATE INDEX ON sales (product_id)",
    "ALTER TABLE stores ADD PRIMARY KEY (store_id)", "ALTER TABLE products ADD PRIMARY KEY (product_id)",
    "ALTER TABLE customers ADD PRIMARY KEY (customer_id)",
]

# name -> query; the same text is sent to both servers.
QUERIES = {
    "filtered_aggregate": "SELECT count(*), sum(amount), avg(quantity) FROM sales "
                          "WHERE sold_on >= DATE '2023-01-01' AND store_id < 20 AND channel = 'web'",
    "group_by_keys": "SELECT store_id, channel, extract(year FROM sold_on) AS year, count(*), sum(amount) "
                     "FROM sales GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
    "star_join": "SELECT p.category, c.region, s2.region AS store_region, sum(s.amount) AS revenue, count(*) "
                 "FROM sales s JOIN products p ON p.product_id = s.product_id "
                 "JOIN customers c ON c.customer_id = s.customer_id JOIN stores s2 ON s2.store_id = s.store_id "
                 "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
    "window_top_per_store": "SELECT store_id, product_id, revenue FROM (SELECT store_id, product_id, sum(amount) AS revenue, "
                            "row_number() OVER (PARTITION BY store_id ORDER BY sum(amount) DESC, product_id) AS rn "
                            "FROM sales GROUP BY 1, 2) t WHERE rn <= 3 ORDER BY 1, 3 DESC, 2",
    "running_total": "SELECT sold_on, revenue, sum(revenue) OVER (ORDER BY sold_on) AS running FROM "
                     "(SELECT sold_on, sum(amount) AS revenue FROM sales WHERE store_id = 42 GROUP BY 1) d ORDER BY 1",
    "top_customers": "SELECT customer_id, sum(amount) AS spent FROM sales GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10",
    "count_distinct": "SELECT store_id, count(DISTINCT customer_id) AS customers FROM sales GROUP BY 1 ORDER BY 1",
    "monthly_series": "SELECT date_trunc('month', sold_on)::date AS month, sum(amount) AS revenue, count(*) FROM sales "
                      "GROUP BY 1 ORDER BY 1",
    "returns_share": "SELECT channel, sum(CASE WHEN returned THEN amount ELSE 0 END) / sum(amount) AS returned_share "
                     "FROM sales GROUP BY 1 HAVING count(*) > 1000 ORDER BY 1",
    "wide_result": "SELECT sale_id, sold_on, store_id, product_id, customer_id, quantity, amount, channel, returned, note "
                   "FROM sales WHERE sale_id % 100 = 0 ORDER BY sale_id LIMIT 100000",
}


def load(duck, pg, rows):
    """Make the tables in the pgwire host and in PostgreSQL."""
    for name, sql in DIMENSIONS.items():
        duck.sql(f"CREATE TABLE {name} AS {duck_dimension(name)}")
        pg.psql(f"CREATE TABLE {name} AS {sql.format(series='generate_series')}")
    duck.sql(f"CREATE TABLE sales AS {duck_fact(rows)}")
    pg.psql(f"CREATE TABLE sales AS {FACT.format(series='generate_series', n=rows)}")
    for statement in POSTGRES_INDEXES:
        pg.psql(statement)
    pg.psql("VACUUM ANALYZE")


def duck_dimension(name):
    """DuckDB's range is end-exclusive where generate_series is inclusive."""
    sql = DIMENSIONS[name].format(series="range")
    for end in ("99", "9999", "99999"):
        sql = sql.replace(f"range(0, {end})", f"range(0, {int(end) + 1})")
    return sql


def duck_fact(rows):
    return FACT.format(series="range", n=rows).replace(f"range(0, {rows} - 1)", f"range(0, {rows})")


def psql_seconds(dsn, query):
    import subprocess

    start = time.perf_counter()
    subprocess.run(["psql", dsn, "-X", "-q", "-A", "-t", "-o", "/dev/null", "-c", query], check=True)
    return time.perf_counter() - start


def psycopg_seconds(dsn, query):
    import psycopg

    with psycopg.connect(dsn) as conn:
        start = time.perf_counter()
        rows = conn.execute(query).fetchall()
        elapsed = time.perf_counter() - start
    return elapsed, len(rows)


def same_answers(a, b):
    """Rows equal up to float rounding (averages and shares are computed in different types)."""
    if len(a) != len(b):
        return False
    for ra, rb in zip(a, b):
        for x, y in zip(ra, rb):
            if isinstance(x, (int, float)) or isinstance(y, (int, float)) or type(x).__name__ == "Decimal":
                try:
                    if abs(float(x) - float(y)) > 1e-6 * max(1.0, abs(float(y))):
                        return False
                    continue
                except (TypeError, ValueError):
                    pass
            if str(x) != str(y):
                return False
    return True


def run(bench):
    """Time every query through psql and psycopg on both servers, alternately, and in process."""
    import psycopg

    servers = bench.servers
    out = {}
    for name, query in QUERIES.items():
        with psycopg.connect(servers["pgwire"].dsn()) as a, psycopg.connect(servers["postgres"].dsn()) as b:
            ours, theirs = a.execute(query).fetchall(), b.execute(query).fetchall()
        if not same_answers(ours, theirs):
            raise SystemExit(f"analytics: {name} answers differ between pgwire and PostgreSQL")
        psql_m = bench.pair(f"analytics_{name}_psql_seconds", lambda s, q=query: psql_seconds(s.dsn(), q), False)
        psycopg_m = bench.pair(f"analytics_{name}_psycopg_seconds",
                               lambda s, q=query: psycopg_seconds(s.dsn(), q)[0], False)
        local = [servers["pgwire"].host.time(query) for _ in range(bench.repeats)]
        out[name] = {"rows": len(ours), "psql": psql_m, "psycopg": psycopg_m,
                     "in_process_seconds": statistics.median(local)}
    ratios = [v[c]["pgwire"] / v[c]["postgres"] for v in out.values() for c in ("psql", "psycopg")]
    small = {k: v["psycopg"]["pgwire"] / v["in_process_seconds"] for k, v in out.items() if v["rows"] < 1000}
    summary = {
        "geometric_mean_ratio": statistics.geometric_mean(ratios),
        "worst_ratio": max(ratios),
        "wire_overhead_small_results": small,
        "queries": out,
    }
    print(f"  analytics: geometric mean pgwire/PostgreSQL {summary['geometric_mean_ratio']:.3f} "
          f"(target <= 0.1), worst {summary['worst_ratio']:.3f} (target <= 0.5); pgwire/in-process "
          "for results under 1,000 rows: " + ", ".join(f"{k} {v:.2f}" for k, v in small.items()), flush=True)
    bench.results["analytics"] = summary
