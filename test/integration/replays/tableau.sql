-- Tableau Desktop's PostgreSQL connection through psqlODBC (Tableau's "Other databases (ODBC)"
-- and its older PostgreSQL connector; Tableau's TDC for it sets UseDeclareFetch=1, Fetch=2048,
-- so results are read through a WITH HOLD cursor). Written down from psqlODBC's connection.c
-- (connect sequence), info.c (SQLTables / SQLColumns as Tableau calls them for schema main)
-- and convert.c / qresult.c (the cursor). psqlODBC sends these as simple queries over libpq.
-- Run by test_replays.py.

-- name: datestyle
SHOW DateStyle;

-- name: set_datestyle
SET DateStyle = 'ISO';show transaction_isolation

-- name: max_identifier_length
show max_identifier_length

-- name: large_object_type
select oid, typbasetype from pg_type where typname = 'lo'

-- name: current_schema
select current_schema()

-- name: sqltables
select relname, nspname, relkind from pg_catalog.pg_class c, pg_catalog.pg_namespace n where relkind in ('r', 'v', 'm', 'f', 'p') and nspname like 'main' and nspname not in ('pg_catalog', 'information_schema', 'pg_toast', 'pg_temp_1') and n.oid = relnamespace order by nspname, relname

-- name: sqlcolumns
select n.nspname, c.relname, a.attname, a.atttypid, t.typname, a.attnum, a.attlen, a.atttypmod, a.attnotnull, c.relhasrules, c.relkind, c.oid, pg_get_expr(d.adbin, d.adrelid), case t.typtype when 'd' then t.typbasetype else 0 end, t.typtypmod, 0, attidentity, c.relhassubclass from (((pg_catalog.pg_class c inner join pg_catalog.pg_namespace n on n.oid = c.relnamespace and c.relname like 'orders' and n.nspname like 'main') inner join pg_catalog.pg_attribute a on (not a.attisdropped) and a.attnum > 0 and a.attrelid = c.oid) inner join pg_catalog.pg_type t on t.oid = a.atttypid) left outer join pg_catalog.pg_attrdef d on a.atthasdef and d.adrelid = a.attrelid and d.adnum = a.attnum order by n.nspname, c.relname, attnum

-- name: begin
BEGIN

-- name: declare
declare "SQL_CUR0x5581e3a0" cursor with hold for SELECT "orders"."customer_id" AS "customer_id", SUM("orders"."amount") AS "sum_amount_ok" FROM "main"."orders" "orders" GROUP BY 1

-- name: fetch
fetch 2048 in "SQL_CUR0x5581e3a0"

-- name: close
close "SQL_CUR0x5581e3a0"

-- name: commit
COMMIT
