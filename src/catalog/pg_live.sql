-- PostgreSQL's catalogs over DuckDB's, as clients read them (installed by catalog/install.rs).
-- Installed twice: as written (pg_live, for owners) and with pg_live/info_live read as
-- pg_ws/info_ws (for workspaces), where shown_definition hides the text of views and macros:
-- an owner may have written names of other databases into them, and a grant's view names
-- its source.
--
-- Every relation shows the session's current database only (a workspace session cannot leave
-- its own), read live from DuckDB's duckdb_* functions in the session's own transaction, so a
-- session sees what it just created. Built-in types and the pg_catalog/information_schema
-- namespaces carry PostgreSQL's OIDs; user objects carry DuckDB's (above 16384, like
-- PostgreSQL's). Type OIDs follow the wire encoding (src/types/oid.rs); a test holds the two
-- together. Statements are separated by a line holding only ";".

-- The namespaces: DuckDB's schemas of the current database, then pg_catalog and
-- information_schema with PostgreSQL's OIDs.
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pgwire_namespace AS
SELECT oid::UINTEGER AS oid, schema_name::VARCHAR AS nspname, 10::UINTEGER AS nspowner,
       NULL::VARCHAR[] AS nspacl, comment::VARCHAR AS pgwire_comment
FROM duckdb_schemas() WHERE database_name = current_database()
UNION ALL SELECT 11::UINTEGER, 'pg_catalog', 10::UINTEGER, NULL, 'system catalog schema'
UNION ALL SELECT 13183::UINTEGER, 'information_schema', 10::UINTEGER, NULL, NULL
;
-- pg_namespace as clients see it: without the columns our functions read.
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_namespace AS
SELECT * EXCLUDE (pgwire_comment) FROM pgwire_catalog.pg_live.pgwire_namespace
;
-- The current database's ENUM types, with the OIDs the wire gives them (types/oid.rs).
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pgwire_enums AS
SELECT pgwire_enum_oid(pgwire_catalog.pg_live.enum_type_name(labels))::UINTEGER AS oid,
       type_name::VARCHAR AS type_name, schema_oid::UINTEGER AS schema_oid, labels
FROM duckdb_types()
WHERE database_name = current_database() AND NOT internal AND logical_type = 'ENUM'
;
-- PostgreSQL's "char" columns (one byte: typtype, relkind, ...) are pg_char values (pg_pure.sql).
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_type AS
SELECT * REPLACE (pgwire_catalog.pg_live.pg_char(typtype) AS typtype, pgwire_catalog.pg_live.pg_char(typcategory) AS typcategory, pgwire_catalog.pg_live.pg_char(typdelim) AS typdelim,
                  pgwire_catalog.pg_live.pg_char(typalign) AS typalign, pgwire_catalog.pg_live.pg_char(typstorage) AS typstorage) FROM (
SELECT s.oid, s.typname, 11::UINTEGER AS typnamespace, 10::UINTEGER AS typowner, s.typlen::SMALLINT AS typlen,
       s.typbyval, s.typtype, s.typcategory, s.typispreferred, true AS typisdefined,
       ','::VARCHAR AS typdelim, 0::UINTEGER AS typrelid, 0::UINTEGER AS typsubscript, s.typelem,
       s.typarray, coalesce(fi.oid, 0) AS typinput, coalesce(fo.oid, 0) AS typoutput,
       coalesce(fr.oid, 0) AS typreceive, coalesce(fs.oid, 0) AS typsend,
       0::UINTEGER AS typmodin, 0::UINTEGER AS typmodout, 0::UINTEGER AS typanalyze,
       s.typalign, 'p'::VARCHAR AS typstorage, false AS typnotnull, 0::UINTEGER AS typbasetype,
       -1 AS typtypmod, 0 AS typndims, s.typcollation, NULL::VARCHAR AS typdefaultbin,
       NULL::VARCHAR AS typdefault, NULL::VARCHAR[] AS typacl
FROM pgwire_catalog.pg_static.types s
LEFT JOIN pgwire_catalog.pg_static.procs fi ON fi.proname = s.typinput
LEFT JOIN pgwire_catalog.pg_static.procs fo ON fo.proname = s.typoutput
LEFT JOIN pgwire_catalog.pg_static.procs fr ON fr.proname = s.typreceive
LEFT JOIN pgwire_catalog.pg_static.procs fs ON fs.proname = s.typsend
UNION ALL
SELECT e.oid, e.type_name, e.schema_oid, 10::UINTEGER, 4, true, 'e', 'E', false, true,
       ',', 0::UINTEGER, 0::UINTEGER, 0::UINTEGER, (e.oid + 536870912)::UINTEGER, 3506, 3507, 3532, 3533,
       0, 0, 0, 'i', 'p', false, 0::UINTEGER, -1, 0, 0::UINTEGER, NULL, NULL, NULL
FROM pgwire_catalog.pg_live.pgwire_enums e
UNION ALL
SELECT (e.oid + 536870912)::UINTEGER, '_' || e.type_name, e.schema_oid, 10::UINTEGER, -1, false, 'b', 'A', false, true,
       ',', 0::UINTEGER, 0::UINTEGER, e.oid, 0::UINTEGER, 750, 751, 2400, 2401,
       0, 0, 0, 'i', 'x', false, 0::UINTEGER, -1, 0, 0::UINTEGER, NULL, NULL, NULL
FROM pgwire_catalog.pg_live.pgwire_enums e)
;
-- Enum labels' OIDs: unique within the span between the enums' and their arrays' OIDs.
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_enum AS
SELECT (1342177280 + (e.oid - 1073741824 + l.n) % 268435456)::UINTEGER AS oid, e.oid AS enumtypid,
       l.n::FLOAT AS enumsortorder, l.label::VARCHAR AS enumlabel
FROM pgwire_catalog.pg_live.pgwire_enums e, unnest(e.labels) WITH ORDINALITY AS l(label, n)
;
-- Relations: tables, views, indexes, sequences of the current database.
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pgwire_relations AS
SELECT table_oid::UINTEGER AS oid, table_name::VARCHAR AS relname, schema_oid::UINTEGER AS relnamespace,
       'r' AS relkind, column_count::SMALLINT AS relnatts, estimated_size::FLOAT AS reltuples,
       index_count > 0 OR has_primary_key AS relhasindex, check_constraint_count::SMALLINT AS relchecks,
       comment::VARCHAR AS pgwire_comment, temporary, pgwire_catalog.pg_live.shown_definition(sql)::VARCHAR AS pgwire_sql,
       -- psql shows foreign keys only of tables with triggers (PostgreSQL's are triggers).
       EXISTS (SELECT 1 FROM duckdb_constraints() k
               WHERE k.database_name = t.database_name AND k.constraint_type = 'FOREIGN KEY'
                 AND (k.table_oid = t.table_oid
                      OR (k.schema_name = t.schema_name AND k.referenced_table = t.table_name))) AS pgwire_triggers
FROM duckdb_tables() t WHERE database_name = current_database()
UNION ALL
SELECT view_oid::UINTEGER, view_name, schema_oid::UINTEGER, 'v', column_count, 0, false, 0, comment, temporary,
       pgwire_catalog.pg_live.shown_definition(pgwire_catalog.pg_live.view_query(sql)), false
FROM duckdb_views() WHERE database_name = current_database() AND NOT internal
UNION ALL
SELECT index_oid::UINTEGER, index_name, schema_oid::UINTEGER, 'i', 0, 0, false, 0, comment, false, sql, false
FROM duckdb_indexes() WHERE database_name = current_database()
UNION ALL
SELECT sequence_oid::UINTEGER, sequence_name, schema_oid::UINTEGER, 'S', 3, 1, false, 0, comment, temporary,
       pgwire_catalog.pg_live.shown_definition(sql), false
FROM duckdb_sequences() WHERE database_name = current_database()
UNION ALL
-- The primary keys and unique constraints PostgreSQL backs with an index.
SELECT pgwire_catalog.pg_live.constraint_oid(table_oid, constraint_index), constraint_name,
       schema_oid::UINTEGER, 'i', len(constraint_column_indexes), 0, false, 0, NULL, false, NULL, false
FROM duckdb_constraints()
WHERE database_name = current_database() AND constraint_type IN ('PRIMARY KEY', 'UNIQUE')
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_class AS
SELECT oid, relname, relnamespace, 0::UINTEGER AS reltype, 0::UINTEGER AS reloftype,
       10::UINTEGER AS relowner, -- Tables are heap; indexes (DuckDB's ART: ordered, unique or not) answer as btree,
       -- which is what tools know how to show.
       CASE WHEN relkind IN ('r', 'S') THEN 2::UINTEGER WHEN relkind = 'i' THEN 403::UINTEGER ELSE 0::UINTEGER END AS relam,
       oid AS relfilenode, 0::UINTEGER AS reltablespace, 0 AS relpages, reltuples,
       0 AS relallvisible, 0::UINTEGER AS reltoastrelid, relhasindex, false AS relisshared,
       pgwire_catalog.pg_live.pg_char(CASE WHEN temporary THEN 't' ELSE 'p' END) AS relpersistence, pgwire_catalog.pg_live.pg_char(relkind) AS relkind, relnatts, relchecks,
       false AS relhasrules, pgwire_triggers AS relhastriggers, false AS relhassubclass,
       false AS relrowsecurity, false AS relforcerowsecurity, true AS relispopulated,
       pgwire_catalog.pg_live.pg_char('d') AS relreplident, false AS relispartition, 0::UINTEGER AS relrewrite,
       0::UINTEGER AS relfrozenxid, 0::UINTEGER AS relminmxid, NULL::VARCHAR[] AS relacl,
       NULL::VARCHAR[] AS reloptions, NULL::VARCHAR AS relpartbound
FROM pgwire_catalog.pg_live.pgwire_relations
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pgwire_attribute AS
SELECT c.table_oid::UINTEGER AS attrelid, c.column_name::VARCHAR AS attname,
       pgwire_catalog.pg_live.type_oid(c.data_type)::UINTEGER AS atttypid,
       -1 AS attstattarget, -1::SMALLINT AS attlen, c.column_index::SMALLINT AS attnum,
       0 AS attndims, -1 AS attcacheoff, pgwire_catalog.pg_live.type_mod(c.data_type) AS atttypmod,
       false AS attbyval, pgwire_catalog.pg_live.pg_char('i') AS attalign, pgwire_catalog.pg_live.pg_char('p') AS attstorage, pgwire_catalog.pg_live.pg_char('') AS attcompression,
       NOT c.is_nullable AS attnotnull, c.column_default IS NOT NULL AS atthasdef,
       false AS atthasmissing, pgwire_catalog.pg_live.pg_char('') AS attidentity, pgwire_catalog.pg_live.pg_char('') AS attgenerated,
       false AS attisdropped, true AS attislocal, 0 AS attinhcount,
       CASE WHEN pgwire_catalog.pg_live.type_oid(c.data_type) IN (25, 1043) THEN 100::UINTEGER ELSE 0::UINTEGER END AS attcollation,
       NULL::VARCHAR[] AS attacl, NULL::VARCHAR[] AS attoptions, NULL::VARCHAR[] AS attfdwoptions,
       NULL::VARCHAR AS attmissingval, c.comment::VARCHAR AS pgwire_comment,
       c.column_default::VARCHAR AS pgwire_default, c.data_type::VARCHAR AS pgwire_type
FROM duckdb_columns() c WHERE c.database_name = current_database()
;
-- pg_attribute as clients see it: without the columns our functions read.
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_attribute AS
SELECT * EXCLUDE (pgwire_comment, pgwire_default, pgwire_type) FROM pgwire_catalog.pg_live.pgwire_attribute
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_attrdef AS
SELECT (attrelid * 1000 + attnum)::UINTEGER AS oid, attrelid AS adrelid, attnum AS adnum,
       pgwire_default AS adbin
FROM pgwire_catalog.pg_live.pgwire_attribute WHERE atthasdef
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pgwire_constraint AS
SELECT pgwire_catalog.pg_live.constraint_oid(k.table_oid, k.constraint_index) AS oid,
       k.constraint_name::VARCHAR AS conname, k.schema_oid::UINTEGER AS connamespace,
       pgwire_catalog.pg_live.pg_char(CASE k.constraint_type WHEN 'PRIMARY KEY' THEN 'p' WHEN 'UNIQUE' THEN 'u'
            WHEN 'FOREIGN KEY' THEN 'f' WHEN 'CHECK' THEN 'c' END) AS contype,
       false AS condeferrable, false AS condeferred, true AS convalidated,
       k.table_oid::UINTEGER AS conrelid, 0::UINTEGER AS contypid,
       CASE WHEN k.constraint_type IN ('PRIMARY KEY', 'UNIQUE')
            THEN pgwire_catalog.pg_live.constraint_oid(k.table_oid, k.constraint_index)
            WHEN k.constraint_type = 'FOREIGN KEY' THEN coalesce((
                SELECT pgwire_catalog.pg_live.constraint_oid(p.table_oid, p.constraint_index)
                FROM duckdb_constraints() p
                WHERE p.database_name = k.database_name AND p.schema_name = k.schema_name
                  AND p.table_name = k.referenced_table
                  AND p.constraint_type IN ('PRIMARY KEY', 'UNIQUE')
                  AND p.constraint_column_names = k.referenced_column_names LIMIT 1), 0)
            ELSE 0 END::UINTEGER AS conindid,
       0::UINTEGER AS conparentid,
       coalesce((SELECT t.table_oid FROM duckdb_tables() t
                 WHERE t.database_name = k.database_name AND t.schema_name = k.schema_name
                   AND t.table_name = k.referenced_table), 0)::UINTEGER AS confrelid,
       pgwire_catalog.pg_live.pg_char(CASE WHEN k.constraint_type = 'FOREIGN KEY' THEN 'a' ELSE ' ' END) AS confupdtype,
       pgwire_catalog.pg_live.pg_char(CASE WHEN k.constraint_type = 'FOREIGN KEY' THEN 'a' ELSE ' ' END) AS confdeltype,
       pgwire_catalog.pg_live.pg_char(CASE WHEN k.constraint_type = 'FOREIGN KEY' THEN 's' ELSE ' ' END) AS confmatchtype,
       true AS conislocal, 0 AS coninhcount, true AS connoinherit,
       list_transform(k.constraint_column_indexes, lambda i: (i + 1)::SMALLINT) AS conkey,
       CASE WHEN k.constraint_type = 'FOREIGN KEY' THEN (
            SELECT list(c.column_index::SMALLINT ORDER BY r.pos)
            FROM unnest(k.referenced_column_names) WITH ORDINALITY AS r(name, pos)
            JOIN duckdb_columns() c ON c.database_name = k.database_name AND c.schema_name = k.schema_name
             AND c.table_name = k.referenced_table AND c.column_name = r.name) END AS confkey,
       k.expression::VARCHAR AS conbin,
       CASE k.constraint_type
            WHEN 'PRIMARY KEY' THEN 'PRIMARY KEY (' || array_to_string(k.constraint_column_names, ', ') || ')'
            WHEN 'UNIQUE' THEN 'UNIQUE (' || array_to_string(k.constraint_column_names, ', ') || ')'
            WHEN 'FOREIGN KEY' THEN 'FOREIGN KEY (' || array_to_string(k.constraint_column_names, ', ')
                 || ') REFERENCES ' || k.referenced_table || '(' || array_to_string(k.referenced_column_names, ', ') || ')'
            ELSE 'CHECK ' || k.expression END AS pgwire_definition
FROM duckdb_constraints() k
WHERE k.database_name = current_database()
  AND k.constraint_type IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY', 'CHECK')
;
-- pg_constraint as clients see it: without the columns our functions read.
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_constraint AS
SELECT * EXCLUDE (pgwire_definition) FROM pgwire_catalog.pg_live.pgwire_constraint
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pgwire_index AS
SELECT pgwire_catalog.pg_live.constraint_oid(table_oid, constraint_index) AS indexrelid,
       table_oid::UINTEGER AS indrelid, len(constraint_column_indexes)::SMALLINT AS indnatts,
       len(constraint_column_indexes)::SMALLINT AS indnkeyatts, true AS indisunique,
       false AS indnullsnotdistinct, constraint_type = 'PRIMARY KEY' AS indisprimary,
       false AS indisexclusion, true AS indimmediate, false AS indisclustered, true AS indisvalid,
       false AS indcheckxmin, true AS indisready, true AS indislive, false AS indisreplident,
       list_transform(constraint_column_indexes, lambda i: (i + 1)::SMALLINT) AS indkey,
       list_transform(constraint_column_indexes, lambda i: 0::UINTEGER) AS indcollation,
       list_transform(constraint_column_indexes, lambda i: 0::UINTEGER) AS indclass,
       -- int2vector: clients read its text form ("0 0"; SQLAlchemy splits it).
       array_to_string(list_transform(constraint_column_indexes, lambda i: '0'), ' ') AS indoption,
       NULL::VARCHAR AS indexprs, NULL::VARCHAR AS indpred,
       CASE constraint_type WHEN 'PRIMARY KEY' THEN 'CREATE UNIQUE INDEX ' ELSE 'CREATE UNIQUE INDEX ' END
           || constraint_name || ' ON ' || schema_name || '.' || table_name || ' USING btree ('
           || array_to_string(constraint_column_names, ', ') || ')' AS pgwire_definition
FROM duckdb_constraints()
WHERE database_name = current_database() AND constraint_type IN ('PRIMARY KEY', 'UNIQUE')
UNION ALL
SELECT i.index_oid::UINTEGER, i.table_oid::UINTEGER, 1, 1, i.is_unique, false, i.is_primary, false, true,
       false, true, false, true, true, false,
       -- DuckDB gives an index's keys as expressions: the ones that are plain columns get
       -- their numbers, others 0 (as PostgreSQL does for expressions).
       coalesce(k.keys, []), list_transform(coalesce(k.keys, []), lambda x: 0::UINTEGER),
       list_transform(coalesce(k.keys, []), lambda x: 0::UINTEGER),
       array_to_string(list_transform(coalesce(k.keys, []), lambda x: '0'), ' '), NULL, NULL, rtrim(i.sql, ';')
FROM duckdb_indexes() i
LEFT JOIN (
    SELECT e.index_oid, list(coalesce(c.column_index, 0)::SMALLINT ORDER BY e.pos) AS keys
    FROM (SELECT index_oid, table_oid,
                 unnest(string_split(trim(expressions, '[]'), ', ')) AS expr,
                 generate_subscripts(string_split(trim(expressions, '[]'), ', '), 1) AS pos
          FROM duckdb_indexes()) e
    LEFT JOIN duckdb_columns() c ON c.table_oid = e.table_oid AND c.column_name = trim(e.expr, '"')
    GROUP BY e.index_oid) k ON k.index_oid = i.index_oid
WHERE i.database_name = current_database()
;
-- pg_index as clients see it: without the columns our functions read.
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_index AS
SELECT * EXCLUDE (pgwire_definition) FROM pgwire_catalog.pg_live.pgwire_index
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_description AS
SELECT oid AS objoid, 1259::UINTEGER AS classoid, 0 AS objsubid, pgwire_comment AS description
FROM pgwire_catalog.pg_live.pgwire_relations WHERE pgwire_comment IS NOT NULL
UNION ALL
SELECT attrelid, 1259::UINTEGER, attnum, pgwire_comment
FROM pgwire_catalog.pg_live.pgwire_attribute WHERE pgwire_comment IS NOT NULL
UNION ALL
SELECT oid, 2615::UINTEGER, 0, pgwire_comment FROM pgwire_catalog.pg_live.pgwire_namespace
WHERE pgwire_comment IS NOT NULL
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_database AS
SELECT database_oid::UINTEGER AS oid, database_name::VARCHAR AS datname, 10::UINTEGER AS datdba,
       6 AS encoding, pgwire_catalog.pg_live.pg_char('c') AS datlocprovider, false AS datistemplate, true AS datallowconn,
       -1 AS datconnlimit, 0::UINTEGER AS datfrozenxid, 0::UINTEGER AS datminmxid,
       1663::UINTEGER AS dattablespace, 'C' AS datcollate, 'C' AS datctype,
       NULL::VARCHAR AS daticulocale, NULL::VARCHAR AS datcollversion, NULL::VARCHAR[] AS datacl
FROM duckdb_databases() WHERE database_name = current_database()
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pgwire_proc AS
-- A function has no OID in DuckDB: one is made from its name and parameters (stable).
SELECT (hash(f.schema_name, f.function_name, f.parameters::VARCHAR) % 1000000000 + 1000000000)::UINTEGER AS oid,
       f.function_name::VARCHAR AS proname, s.oid::UINTEGER AS pronamespace,
       10::UINTEGER AS proowner, 14::UINTEGER AS prolang, 1::FLOAT AS procost, 0::FLOAT AS prorows,
       0::UINTEGER AS provariadic, 0::UINTEGER AS prosupport,
       pgwire_catalog.pg_live.pg_char(CASE f.function_type WHEN 'aggregate' THEN 'a' WHEN 'window' THEN 'w' ELSE 'f' END) AS prokind,
       false AS prosecdef, false AS proleakproof, false AS proisstrict,
       f.function_type = 'table' OR f.function_type = 'table_macro' AS proretset,
       pgwire_catalog.pg_live.pg_char(CASE WHEN f.stability = 'CONSISTENT' THEN 'i' ELSE 'v' END) AS provolatile, pgwire_catalog.pg_live.pg_char('s') AS proparallel,
       len(f.parameters)::SMALLINT AS pronargs, 0::SMALLINT AS pronargdefaults,
       CASE WHEN f.return_type IS NULL THEN 2249 ELSE pgwire_catalog.pg_live.type_oid(f.return_type) END::UINTEGER AS prorettype,
       (SELECT list(pgwire_catalog.pg_live.type_oid(coalesce(p.t, 'VARCHAR'))::UINTEGER ORDER BY p.pos)
        FROM unnest(f.parameter_types) WITH ORDINALITY AS p(t, pos)) AS proargtypes,
       NULL::UINTEGER[] AS proallargtypes, NULL::VARCHAR[] AS proargmodes, f.parameters::VARCHAR[] AS proargnames,
       NULL::VARCHAR AS proargdefaults, NULL::UINTEGER[] AS protrftypes,
       pgwire_catalog.pg_live.shown_definition(coalesce(f.macro_definition, f.function_name))::VARCHAR AS prosrc, NULL::VARCHAR AS probin,
       NULL::VARCHAR AS prosqlbody, NULL::VARCHAR[] AS proconfig, NULL::VARCHAR[] AS proacl,
       f.return_type::VARCHAR AS pgwire_result,
       array_to_string(list_transform(list_zip(f.parameters, f.parameter_types),
           lambda p: p[1] || ' ' || lower(coalesce(p[2], 'any'))), ', ') AS pgwire_arguments
FROM duckdb_functions() f
JOIN duckdb_schemas() s ON s.database_name = f.database_name AND s.schema_name = f.schema_name
WHERE f.database_name = current_database() AND NOT f.internal
-- PostgreSQL's I/O functions of its types (pg_type.typinput and kin point at them).
UNION ALL BY NAME
SELECT p.oid, p.proname, 11::UINTEGER AS pronamespace, 10::UINTEGER AS proowner, 12::UINTEGER AS prolang,
       1::FLOAT AS procost, 0::FLOAT AS prorows, 0::UINTEGER AS provariadic, 0::UINTEGER AS prosupport,
       pgwire_catalog.pg_live.pg_char('f') AS prokind, false AS prosecdef, false AS proleakproof,
       true AS proisstrict, false AS proretset, pgwire_catalog.pg_live.pg_char(p.provolatile) AS provolatile,
       pgwire_catalog.pg_live.pg_char('s') AS proparallel, len(p.proargtypes)::SMALLINT AS pronargs,
       0::SMALLINT AS pronargdefaults, p.prorettype, p.proargtypes, p.proname AS prosrc,
       (SELECT pretty FROM pgwire_catalog.pg_static.types t WHERE t.oid = p.prorettype) AS pgwire_result,
       (SELECT string_agg(t.pretty, ', ' ORDER BY a.n) FROM unnest(p.proargtypes) WITH ORDINALITY AS a(t_oid, n)
        JOIN pgwire_catalog.pg_static.types t ON t.oid = a.t_oid) AS pgwire_arguments
FROM pgwire_catalog.pg_static.procs p
;
-- pg_proc as clients see it: without the columns our functions read.
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_proc AS
SELECT * EXCLUDE (pgwire_result, pgwire_arguments) FROM pgwire_catalog.pg_live.pgwire_proc
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_settings AS
SELECT name::VARCHAR AS name, value::VARCHAR AS setting, NULL::VARCHAR AS unit,
       'Ungrouped' AS category, description::VARCHAR AS short_desc, NULL::VARCHAR AS extra_desc,
       CASE scope WHEN 'GLOBAL' THEN 'sighup' ELSE 'user' END AS context, input_type::VARCHAR AS vartype,
       'default' AS source, NULL::VARCHAR AS min_val, NULL::VARCHAR AS max_val,
       NULL::VARCHAR[] AS enumvals, NULL::VARCHAR AS boot_val, NULL::VARCHAR AS reset_val,
       NULL::VARCHAR AS sourcefile, NULL::INTEGER AS sourceline, false AS pending_restart
FROM duckdb_settings()
-- An owner sees every setting of the instance; a workspace only a short allow-list (see
-- shown_setting: the others can show the host's paths, memory and more).
WHERE pgwire_catalog.pg_live.shown_setting(name)
UNION ALL
-- The server's fixed parameters, as PostgreSQL 15 has them (pgjdbc reads max_index_keys).
SELECT name, setting, NULL, 'Preset Options', NULL, NULL, 'internal', 'string', 'default', NULL, NULL,
       NULL, setting, setting, NULL, NULL, false
FROM (VALUES ('max_index_keys', '32'), ('max_identifier_length', '63'), ('block_size', '8192'),
             ('server_version_num', '150000'), ('server_encoding', 'UTF8'), ('integer_datetimes', 'on'),
             ('lc_collate', 'C'), ('lc_ctype', 'C'), ('standard_conforming_strings', 'on'),
             ('max_connections', '100')) t(name, setting)
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_tables AS
SELECT n.nspname AS schemaname, c.relname AS tablename, 'duckdb' AS tableowner,
       NULL::VARCHAR AS tablespace, c.relhasindex AS hasindexes, false AS hasrules,
       false AS hastriggers, false AS rowsecurity
FROM pgwire_catalog.pg_live.pg_class c JOIN pgwire_catalog.pg_live.pgwire_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r'
;
-- Table statistics: DuckDB keeps a row estimate per table (what Metabase reads as n_live_tup)
-- and counts no scans, tuples read or vacuums.
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_stat_user_tables AS
SELECT c.oid AS relid, n.nspname AS schemaname, c.relname, 0::BIGINT AS seq_scan, 0::BIGINT AS seq_tup_read,
       0::BIGINT AS idx_scan, 0::BIGINT AS idx_tup_fetch, 0::BIGINT AS n_tup_ins, 0::BIGINT AS n_tup_upd,
       0::BIGINT AS n_tup_del, 0::BIGINT AS n_tup_hot_upd, c.reltuples::BIGINT AS n_live_tup,
       0::BIGINT AS n_dead_tup, 0::BIGINT AS n_mod_since_analyze, 0::BIGINT AS n_ins_since_vacuum,
       NULL::TIMESTAMPTZ AS last_vacuum, NULL::TIMESTAMPTZ AS last_autovacuum,
       NULL::TIMESTAMPTZ AS last_analyze, NULL::TIMESTAMPTZ AS last_autoanalyze,
       0::BIGINT AS vacuum_count, 0::BIGINT AS autovacuum_count, 0::BIGINT AS analyze_count,
       0::BIGINT AS autoanalyze_count
FROM pgwire_catalog.pg_live.pg_class c JOIN pgwire_catalog.pg_live.pgwire_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r'
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_views AS
SELECT n.nspname AS schemaname, r.relname AS viewname, 'duckdb' AS viewowner, r.pgwire_sql AS definition
FROM pgwire_catalog.pg_live.pgwire_relations r JOIN pgwire_catalog.pg_live.pgwire_namespace n ON n.oid = r.relnamespace
WHERE r.relkind = 'v'
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_indexes AS
SELECT n.nspname AS schemaname, t.relname AS tablename, ic.relname AS indexname,
       NULL::VARCHAR AS tablespace, i.pgwire_definition AS indexdef
FROM pgwire_catalog.pg_live.pgwire_index i
JOIN pgwire_catalog.pg_live.pg_class t ON t.oid = i.indrelid
JOIN pgwire_catalog.pg_live.pg_class ic ON ic.oid = i.indexrelid
JOIN pgwire_catalog.pg_live.pgwire_namespace n ON n.oid = t.relnamespace
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_sequences AS
SELECT schema_name::VARCHAR AS schemaname, sequence_name::VARCHAR AS sequencename,
       'duckdb' AS sequenceowner, 20::UINTEGER AS data_type, start_value, min_value, max_value,
       increment_by, cycle, 1::UINTEGER AS cache_size, last_value
FROM duckdb_sequences() WHERE database_name = current_database()
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_sequence AS
SELECT sequence_oid::UINTEGER AS seqrelid, 20::UINTEGER AS seqtypid, start_value AS seqstart,
       increment_by AS seqincrement, max_value AS seqmax, min_value AS seqmin, 1::BIGINT AS seqcache,
       cycle AS seqcycle
FROM duckdb_sequences() WHERE database_name = current_database()
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_matviews AS
SELECT NULL::VARCHAR AS schemaname, NULL::VARCHAR AS matviewname, NULL::VARCHAR AS matviewowner,
       NULL::VARCHAR AS tablespace, false AS hasindexes, false AS ispopulated, NULL::VARCHAR AS definition
WHERE false
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_roles AS
SELECT 10::UINTEGER AS oid, current_user::VARCHAR AS rolname, true AS rolsuper, true AS rolinherit,
       false AS rolcreaterole, false AS rolcreatedb, true AS rolcanlogin, false AS rolreplication,
       -1 AS rolconnlimit, '********' AS rolpassword, NULL::TIMESTAMPTZ AS rolvaliduntil,
       false AS rolbypassrls, NULL::VARCHAR[] AS rolconfig
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_user AS
SELECT rolname AS usename, oid AS usesysid, rolcreatedb AS usecreatedb, rolsuper AS usesuper,
       false AS userepl, false AS usebypassrls, '********' AS passwd, NULL::TIMESTAMPTZ AS valuntil,
       NULL::VARCHAR[] AS useconfig
FROM pgwire_catalog.pg_live.pg_roles
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_authid AS
SELECT oid, rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin,
       rolreplication, rolbypassrls, rolconnlimit, NULL::VARCHAR AS rolpassword, rolvaliduntil
FROM pgwire_catalog.pg_live.pg_roles
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_auth_members AS
SELECT NULL::UINTEGER AS roleid, NULL::UINTEGER AS member, NULL::UINTEGER AS grantor, false AS admin_option
WHERE false
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_am AS
SELECT * REPLACE (pgwire_catalog.pg_live.pg_char(amtype) AS amtype) FROM (VALUES (2::UINTEGER, 'heap', 'heap_tableam_handler', 't', false),
                      (403::UINTEGER, 'btree', 'bthandler', 'i', true)) t(oid, amname, amhandler, amtype, amcanorder)
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_tablespace AS
SELECT * FROM (VALUES (1663::UINTEGER, 'pg_default', 10::UINTEGER, NULL::VARCHAR[], NULL::VARCHAR[]))
    t(oid, spcname, spcowner, spcacl, spcoptions)
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_collation AS
SELECT * REPLACE (pgwire_catalog.pg_live.pg_char(collprovider) AS collprovider) FROM (VALUES (100::UINTEGER, 'default', 11::UINTEGER, 10::UINTEGER, 'd', true, -1, NULL::VARCHAR, NULL::VARCHAR),
                      (950::UINTEGER, 'C', 11::UINTEGER, 10::UINTEGER, 'c', true, -1, 'C', 'C'))
    t(oid, collname, collnamespace, collowner, collprovider, collisdeterministic, collencoding,
      collcollate, collctype)
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_extension AS
SELECT *, NULL::UINTEGER[] AS extconfig, NULL::VARCHAR[] AS extcondition
FROM (VALUES (13000::UINTEGER, 'plpgsql', 10::UINTEGER, 11::UINTEGER, false, '1.0'))
    t(oid, extname, extowner, extnamespace, extrelocatable, extversion)
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_language AS
SELECT * FROM (VALUES (12::UINTEGER, 'internal', 10::UINTEGER, false, false),
                      (14::UINTEGER, 'sql', 10::UINTEGER, false, true))
    t(oid, lanname, lanowner, lanispl, lanpltrusted)
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_range AS
SELECT NULL::UINTEGER AS rngtypid, NULL::UINTEGER AS rngsubtype, NULL::UINTEGER AS rngmultitypid,
       NULL::UINTEGER AS rngcollation, NULL::UINTEGER AS rngsubopc WHERE false
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_inherits AS
SELECT NULL::UINTEGER AS inhrelid, NULL::UINTEGER AS inhparent, NULL::INTEGER AS inhseqno,
       false AS inhdetachpending WHERE false
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_trigger AS
SELECT NULL::UINTEGER AS oid, NULL::UINTEGER AS tgrelid, NULL::UINTEGER AS tgparentid, NULL::VARCHAR AS tgname,
       NULL::UINTEGER AS tgfoid, NULL::SMALLINT AS tgtype, pgwire_catalog.pg_live.pg_char(NULL) AS tgenabled,
       false AS tgisinternal, NULL::UINTEGER AS tgconstrrelid, NULL::UINTEGER AS tgconstrindid,
       NULL::UINTEGER AS tgconstraint WHERE false
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_rewrite AS
SELECT NULL::UINTEGER AS oid, NULL::VARCHAR AS rulename, NULL::UINTEGER AS ev_class,
       pgwire_catalog.pg_live.pg_char(NULL) AS ev_type, pgwire_catalog.pg_live.pg_char(NULL) AS ev_enabled, false AS is_instead WHERE false
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_policy AS
SELECT NULL::UINTEGER AS oid, NULL::VARCHAR AS polname, NULL::UINTEGER AS polrelid, pgwire_catalog.pg_live.pg_char(NULL) AS polcmd,
       false AS polpermissive, NULL::UINTEGER[] AS polroles, NULL::VARCHAR AS polqual,
       NULL::VARCHAR AS polwithcheck WHERE false
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_depend AS
SELECT NULL::UINTEGER AS classid, NULL::UINTEGER AS objid, NULL::INTEGER AS objsubid,
       NULL::UINTEGER AS refclassid, NULL::UINTEGER AS refobjid, NULL::INTEGER AS refobjsubid,
       pgwire_catalog.pg_live.pg_char(NULL) AS deptype WHERE false
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_statistic_ext AS
SELECT NULL::UINTEGER AS oid, NULL::UINTEGER AS stxrelid, NULL::VARCHAR AS stxname, NULL::UINTEGER AS stxnamespace,
       NULL::UINTEGER AS stxowner, NULL::INTEGER AS stxstattarget, NULL::SMALLINT[] AS stxkeys,
       NULL::VARCHAR[] AS stxkind WHERE false
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_publication AS
SELECT NULL::UINTEGER AS oid, NULL::VARCHAR AS pubname, false AS puballtables WHERE false
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_publication_rel AS
SELECT NULL::UINTEGER AS oid, NULL::UINTEGER AS prpubid, NULL::UINTEGER AS prrelid,
       NULL::VARCHAR AS prqual, NULL::SMALLINT[] AS prattrs WHERE false
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_publication_namespace AS
SELECT NULL::UINTEGER AS oid, NULL::UINTEGER AS pnpubid, NULL::UINTEGER AS pnnspid WHERE false
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_foreign_table AS
SELECT NULL::UINTEGER AS ftrelid, NULL::UINTEGER AS ftserver, NULL::VARCHAR[] AS ftoptions WHERE false
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_partitioned_table AS
SELECT NULL::UINTEGER AS partrelid, pgwire_catalog.pg_live.pg_char(NULL) AS partstrat, NULL::SMALLINT AS partnatts WHERE false
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_event_trigger AS
SELECT NULL::UINTEGER AS oid, NULL::VARCHAR AS evtname, NULL::VARCHAR AS evtevent WHERE false
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_cast AS
SELECT NULL::UINTEGER AS oid, NULL::UINTEGER AS castsource, NULL::UINTEGER AS casttarget,
       NULL::UINTEGER AS castfunc, pgwire_catalog.pg_live.pg_char(NULL) AS castcontext, pgwire_catalog.pg_live.pg_char(NULL) AS castmethod WHERE false
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_operator AS
SELECT NULL::UINTEGER AS oid, NULL::VARCHAR AS oprname, NULL::UINTEGER AS oprnamespace,
       NULL::UINTEGER AS oprleft, NULL::UINTEGER AS oprright, NULL::UINTEGER AS oprresult WHERE false
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_opclass AS
SELECT NULL::UINTEGER AS oid, NULL::UINTEGER AS opcmethod, NULL::VARCHAR AS opcname,
       NULL::UINTEGER AS opcnamespace, false AS opcdefault WHERE false
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_conversion AS
SELECT NULL::UINTEGER AS oid, NULL::VARCHAR AS conname, NULL::UINTEGER AS connamespace,
       NULL::UINTEGER AS conowner, NULL::INTEGER AS conforencoding, NULL::INTEGER AS contoencoding,
       NULL::UINTEGER AS conproc, NULL::BOOLEAN AS condefault WHERE false
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_locks AS
SELECT NULL::VARCHAR AS locktype, NULL::UINTEGER AS database, NULL::UINTEGER AS relation,
       NULL::INTEGER AS pid, NULL::VARCHAR AS mode, false AS granted WHERE false
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_shdescription AS
SELECT NULL::UINTEGER AS objoid, NULL::UINTEGER AS classoid, NULL::VARCHAR AS description WHERE false
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_prepared_xacts AS
SELECT NULL::UINTEGER AS transaction, NULL::VARCHAR AS gid, NULL::VARCHAR AS owner,
       NULL::VARCHAR AS database WHERE false
;
-- The server's sessions (pgwire_sessions()); a workspace sees those of its own catalog only
-- (a workspace's catalog is attached under its name).
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_stat_activity AS
SELECT NULL::UINTEGER AS datid, coalesce(workspace, current_database())::VARCHAR AS datname,
       id AS pid, NULL::INTEGER AS leader_pid, 10::UINTEGER AS usesysid, "user"::VARCHAR AS usename,
       application_name::VARCHAR AS application_name, split_part(client_address, ':', 1)::VARCHAR AS client_addr,
       NULL::VARCHAR AS client_hostname, NULL::INTEGER AS client_port, connected_at AS backend_start,
       NULL::TIMESTAMPTZ AS xact_start, last_activity AS query_start, last_activity AS state_change,
       NULL::VARCHAR AS wait_event_type, NULL::VARCHAR AS wait_event, state::VARCHAR AS state,
       NULL::UINTEGER AS backend_xid, NULL::UINTEGER AS backend_xmin, NULL::UINTEGER AS query_id,
       query::VARCHAR AS query, 'client backend' AS backend_type
FROM pgwire_sessions()
WHERE pgwire_catalog.pg_live.shown_session(workspace)
;
CREATE OR REPLACE VIEW pgwire_catalog.pg_live.pg_timezone_names AS
SELECT name::VARCHAR AS name, abbrev::VARCHAR AS abbrev, utc_offset AS utc_offset, is_dst
FROM pg_timezone_names()
;
CREATE OR REPLACE TABLE pgwire_catalog.pg_live.pg_get_keywords AS
SELECT keyword_name::VARCHAR AS word,
       CASE keyword_category WHEN 'reserved' THEN 'R' WHEN 'unreserved' THEN 'U'
            WHEN 'column_name' THEN 'C' ELSE 'T' END AS catcode,
       false AS barelabel,
       CASE keyword_category WHEN 'reserved' THEN 'reserved' WHEN 'unreserved' THEN 'unreserved'
            WHEN 'column_name' THEN 'unreserved (cannot be function or type name)'
            ELSE 'reserved (can be function or type name)' END AS catdesc,
       'can be bare label' AS baredesc
FROM duckdb_keywords()
