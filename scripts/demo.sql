-- The embedded default database `make run` serves: a little sales data to query right away.
CREATE TABLE customers AS
    SELECT i AS id, 'customer ' || i AS name,
           ['Prague', 'Berlin', 'Lisbon', 'Oslo'][1 + i % 4] AS city
    FROM range(1, 101) t(i);
CREATE TABLE orders AS
    SELECT i AS id, 1 + (i * 7) % 100 AS customer_id,
           DATE '2026-01-01' + INTERVAL (i % 300) DAY AS ordered_on,
           round(10 + (i * 37) % 990 + (i % 100) / 100.0, 2)::DECIMAL(10, 2) AS amount
    FROM range(1, 10001) t(i);
CREATE VIEW revenue_by_city AS
    SELECT c.city, count(*) AS orders, sum(o.amount) AS revenue
    FROM orders o JOIN customers c ON c.id = o.customer_id
    GROUP BY c.city ORDER BY revenue DESC;
