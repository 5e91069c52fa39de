-- Macros that read no catalog: type mapping, and the functions clients call that have a
-- fixed answer here. Installed before the views (which use them) in pg_live and pg_shape ({s}).
-- Statements are separated by a line holding only ";".
CREATE OR REPLACE MACRO pgwire_catalog.{s}.base_type_oid(t) AS CASE
    WHEN t = 'BOOLEAN' THEN 16
    WHEN t IN ('TINYINT', 'SMALLINT', 'UTINYINT') THEN 21
    WHEN t IN ('INTEGER', 'USMALLINT') THEN 23
    WHEN t = 'BIGINT' THEN 20
    WHEN t = 'UINTEGER' THEN 26
    WHEN t IN ('UBIGINT', 'HUGEINT', 'UHUGEINT', 'BIGNUM', 'VARINT') OR t LIKE 'DECIMAL%' THEN 1700
    WHEN t = 'FLOAT' THEN 700
    WHEN t = 'DOUBLE' THEN 701
    WHEN t = 'JSON' OR t LIKE 'STRUCT%' OR t LIKE 'MAP%' OR t LIKE 'UNION%' THEN 114
    WHEN t = 'BLOB' THEN 17
    WHEN t = 'BIT' THEN 1562
    WHEN t = 'DATE' THEN 1082
    WHEN t IN ('TIME', 'TIME_NS') THEN 1083
    WHEN t = 'TIME WITH TIME ZONE' THEN 1266
    WHEN t IN ('TIMESTAMP', 'TIMESTAMP_S', 'TIMESTAMP_MS', 'TIMESTAMP_NS') THEN 1114
    WHEN t IN ('TIMESTAMP WITH TIME ZONE', 'TIMESTAMP_NS WITH TIME ZONE') THEN 1184
    WHEN t = 'INTERVAL' THEN 1186
    WHEN t = 'UUID' THEN 2950
    ELSE 25 END
;
-- A DuckDB type's name (as duckdb_columns gives it) to its PostgreSQL OID: lists of scalar
-- types are PostgreSQL arrays, lists of nested types JSON (as on the wire).
-- ENUM types (whose names DuckDB does not keep in a column's type) by their labels, as
-- types/oid.rs's enum_oid: pgwire_enum_oid of DuckDB's text of the type; an enum's array type
-- 536870912 (0x20000000) higher.
CREATE OR REPLACE MACRO pgwire_catalog.{s}.type_oid(t) AS CASE
    WHEN starts_with(t, 'ENUM('''', '' '', ''!'', ') THEN 18
    WHEN t LIKE 'ENUM(%)' THEN pgwire_enum_oid(t)
    WHEN regexp_matches(t, '\[\d*\]$') THEN CASE
        WHEN regexp_replace(t, '\[\d*\]$', '') LIKE 'ENUM(%)'
            THEN pgwire_enum_oid(regexp_replace(t, '\[\d*\]$', '')) + 536870912
        WHEN regexp_matches(regexp_replace(t, '\[\d*\]$', ''), '(\[\d*\]|\)|^STRUCT|^MAP|^UNION.*)$') THEN 114
        ELSE coalesce((SELECT a.typarray FROM pgwire_catalog.pg_static.types a
                       WHERE a.oid = pgwire_catalog.{s}.base_type_oid(regexp_replace(t, '\[\d*\]$', ''))), 114)
        END
    ELSE pgwire_catalog.{s}.base_type_oid(t) END
;
-- PostgreSQL's type modifier for a DuckDB type name: DECIMAL(w,s) as numeric(w,s).
CREATE OR REPLACE MACRO pgwire_catalog.{s}.type_mod(t) AS CASE
    WHEN regexp_matches(t, '^DECIMAL\(\d+,\d+\)$')
    THEN (regexp_extract(t, '^DECIMAL\((\d+),(\d+)\)$', 1)::INTEGER * 65536
          + regexp_extract(t, '^DECIMAL\((\d+),(\d+)\)$', 2)::INTEGER + 4)
    ELSE -1 END
;
-- Constraints get OIDs of their own: the table's OID, then the constraint's index in it.
CREATE OR REPLACE MACRO pgwire_catalog.{s}.constraint_oid(table_oid, idx) AS
    (table_oid * 1000 + 500 + idx)::UINTEGER
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.pg_get_expr(expr, relation) AS expr::VARCHAR,
    (expr, relation, pretty) AS expr::VARCHAR
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.pg_encoding_to_char(encoding) AS 'UTF8'
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.pg_char_to_encoding(encoding) AS 6
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.pg_table_is_visible(relation) AS true
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.pg_type_is_visible(type_oid) AS true
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.pg_function_is_visible(function_oid) AS true
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.shobj_description(object_oid, catalog_name) AS NULL::VARCHAR
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.pg_get_partkeydef(table_oid) AS NULL::VARCHAR
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.pg_get_statisticsobjdef_columns(stat_oid) AS NULL::VARCHAR
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.pg_relation_is_publishable(table_oid) AS false
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.pg_is_in_recovery() AS false
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.pg_relation_size(relation) AS 0::BIGINT,
    (relation, fork) AS 0::BIGINT
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.pg_total_relation_size(relation) AS 0::BIGINT
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.pg_table_size(relation) AS 0::BIGINT
;
-- An SQL identifier's parts: quoted ones as written, others lower-cased (Grafana's column list).
CREATE OR REPLACE MACRO pgwire_catalog.{s}.identifier_parts(arg_name) AS
    list_transform(string_split(arg_name, '.'), lambda p: CASE WHEN p LIKE '"%"' THEN replace(p[2:-2], '""', '"')
                                                                ELSE lower(trim(p)) END)
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.parse_ident(arg_name) AS pgwire_catalog.{s}.identifier_parts(arg_name),
    (arg_name, arg_strict) AS pgwire_catalog.{s}.identifier_parts(arg_name)
;
-- The one tablespace, pg_default, lives in the data directory: PostgreSQL answers ''.
CREATE OR REPLACE MACRO pgwire_catalog.{s}.pg_tablespace_location(tablespace_oid) AS ''
;
-- DuckDB counts no index scans.
CREATE OR REPLACE MACRO pgwire_catalog.{s}.pg_stat_get_numscans(relation) AS 0::BIGINT
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.pg_indexes_size(relation) AS 0::BIGINT
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.pg_get_triggerdef(trigger_oid) AS NULL::VARCHAR,
    (trigger_oid, pretty) AS NULL::VARCHAR
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.pg_get_ruledef(rule_oid) AS NULL::VARCHAR,
    (rule_oid, pretty) AS NULL::VARCHAR
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.array_lower(a, dimension) AS
    CASE WHEN dimension = 1 AND len(a) > 0 THEN 1 END
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.array_upper(a, dimension) AS
    CASE WHEN dimension = 1 AND len(a) > 0 THEN len(a) END
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.array_ndims(a) AS CASE WHEN len(a) > 0 THEN 1 END
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.quote_ident(name) AS
    CASE WHEN regexp_matches(name, '^[a-z_][a-z0-9_$]*$') THEN name
         ELSE '"' || replace(name, '"', '""') || '"' END
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}._pg_expandarray(a) AS TABLE
    SELECT unnest(a) AS x, unnest(range(1, len(a) + 1)) AS n
;
-- Partitions: DuckDB has none, so a table is its own only ancestor and root. (A set of one:
-- as a scalar, the way psql calls it in a SELECT list.)
CREATE OR REPLACE MACRO pgwire_catalog.{s}.pg_partition_ancestors(arg_relation) AS arg_relation::UINTEGER
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.pg_partition_root(arg_relation) AS arg_relation::UINTEGER
;
-- As a table, with the ordinality column PostgreSQL callers ask for (the rewrite drops their
-- WITH ORDINALITY).
CREATE OR REPLACE MACRO pgwire_catalog.{s}.pg_partition_ancestors(arg_relation) AS TABLE
    SELECT arg_relation::UINTEGER AS relid, 1::UINTEGER AS depth
;
-- The text of a view's, sequence's or macro's definition as the catalog shows it: in full to
-- owners; workspaces see none (replaced in pg_ws, see install.rs).
-- A view's definition as PostgreSQL shows it (pg_get_viewdef, pg_views): its query, without the
-- `CREATE VIEW name AS` that DuckDB keeps (its own normalized text, so the head has one shape).
CREATE OR REPLACE MACRO pgwire_catalog.{s}.view_query(arg_sql) AS
    regexp_replace(arg_sql, '^CREATE (OR REPLACE )?(TEMP(ORARY)? )?VIEW .*? AS ', '', 's')
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.shown_definition(arg_sql) AS arg_sql::VARCHAR
;
-- DuckDB has no serial columns (a default of nextval is just a default).
CREATE OR REPLACE MACRO pgwire_catalog.{s}.pg_get_serial_sequence(arg_table, arg_column) AS NULL::VARCHAR
;
-- Also as a set-returning call in a SELECT list, as pgjdbc writes it:
-- `(information_schema._pg_expandarray(i.indkey)).n`.
CREATE OR REPLACE MACRO pgwire_catalog.{s}._pg_expandarray(a) AS
    unnest(list_transform(range(1, len(a) + 1), lambda i: {'x': a[i], 'n': i}))
;
-- Which sessions pg_stat_activity shows: all to an owner; a workspace's own to it (replaced in
-- pg_ws, see install.rs).
CREATE OR REPLACE MACRO pgwire_catalog.{s}.shown_session(arg_workspace) AS true
;
-- NOTIFY as a function: nothing listens on this server (LISTEN is accepted, never notified).
CREATE OR REPLACE MACRO pgwire_catalog.{s}.pg_notify(arg_channel, arg_payload) AS NULL::VARCHAR
;
-- Which of DuckDB's settings pg_settings shows: all to an owner (replaced in pg_ws, see
-- install.rs).
CREATE OR REPLACE MACRO pgwire_catalog.{s}.shown_setting(arg_name) AS true
;
-- DuckDB's text of an ENUM type with these labels (as duckdb_columns().data_type writes it).
CREATE OR REPLACE MACRO pgwire_catalog.{s}.enum_type_name(labels) AS
    'ENUM(' || array_to_string(list_transform(labels, lambda x: '''' || replace(x, '''', '''''') || ''''), ', ') || ')'
;
-- PostgreSQL's one-byte "char" (OID 18), as DuckDB has no such type: an ENUM of '' and the
-- printable ASCII characters, which the wire recognizes by these labels (types/oid.rs) and
-- shows as "char". Compares with text literals and casts to text as PostgreSQL's does.
CREATE OR REPLACE MACRO pgwire_catalog.{s}.pg_char(c) AS c::ENUM('', ' ', '!', '"', '#', '$', '%', '&', '''', '(', ')', '*', '+', ',', '-', '.', '/', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?', '@', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', 'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', '[', '\', ']', '^', '_', '`', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', '{', '|', '}', '~')
;
-- set_config among other expressions (asyncpg turns jit off around its type lookups so):
-- the session's store is changed only by `SELECT set_config(...)` as a statement of its own
-- (session/settings.rs); here only parameters that change nothing answer their new value.
CREATE OR REPLACE MACRO pgwire_catalog.{s}.set_config(arg_name, arg_value, arg_is_local) AS CASE
    WHEN lower(arg_name) IN ('jit', 'synchronous_commit') THEN arg_value::VARCHAR
    ELSE error('set_config(''' || arg_name || ''', ...) takes effect only as a statement of its own: SELECT set_config(''' || arg_name || ''', value, false)') END
