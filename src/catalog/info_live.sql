-- information_schema as PostgreSQL answers it, over the live pg_catalog views (so the two
-- always agree), for the session's current database. Statements are separated by ";" lines.
CREATE OR REPLACE VIEW pgwire_catalog.info_live.schemata AS
SELECT current_database()::VARCHAR AS catalog_name, nspname AS schema_name,
       'duckdb'::VARCHAR AS schema_owner, NULL::VARCHAR AS default_character_set_catalog,
       NULL::VARCHAR AS default_character_set_schema, NULL::VARCHAR AS default_character_set_name,
       NULL::VARCHAR AS sql_path
FROM pgwire_catalog.pg_live.pgwire_namespace
;
CREATE OR REPLACE VIEW pgwire_catalog.info_live.tables AS
SELECT current_database()::VARCHAR AS table_catalog, n.nspname AS table_schema, c.relname AS table_name,
       CASE WHEN c.relpersistence = 't' THEN 'LOCAL TEMPORARY' WHEN c.relkind = 'v' THEN 'VIEW'
            ELSE 'BASE TABLE' END AS table_type,
       NULL::VARCHAR AS self_referencing_column_name, NULL::VARCHAR AS reference_generation,
       NULL::VARCHAR AS user_defined_type_catalog, NULL::VARCHAR AS user_defined_type_schema,
       NULL::VARCHAR AS user_defined_type_name,
       CASE WHEN c.relkind = 'r' THEN 'YES' ELSE 'NO' END AS is_insertable_into,
       'NO' AS is_typed, NULL::VARCHAR AS commit_action
FROM pgwire_catalog.pg_live.pg_class c JOIN pgwire_catalog.pg_live.pgwire_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'v')
;
CREATE OR REPLACE VIEW pgwire_catalog.info_live.views AS
SELECT current_database()::VARCHAR AS table_catalog, schemaname AS table_schema, viewname AS table_name,
       definition AS view_definition, 'NONE' AS check_option, 'NO' AS is_updatable,
       'NO' AS is_insertable_into, 'NO' AS is_trigger_updatable, 'NO' AS is_trigger_deletable,
       'NO' AS is_trigger_insertable_into
FROM pgwire_catalog.pg_live.pg_views
;
CREATE OR REPLACE VIEW pgwire_catalog.info_live.columns AS
SELECT current_database()::VARCHAR AS table_catalog, n.nspname AS table_schema, c.relname AS table_name,
       a.attname AS column_name, a.attnum::INTEGER AS ordinal_position, a.pgwire_default AS column_default,
       CASE WHEN a.attnotnull THEN 'NO' ELSE 'YES' END AS is_nullable,
       CASE WHEN a.atttypid IN (1000, 1001, 1005, 1007, 1009, 1015, 1016, 1021, 1022, 1028, 1115, 1182,
                                1183, 1185, 1187, 1231, 1270, 1563, 199, 2951)
                 -- ENUM arrays (types/oid.rs: 0x60000000 and up)
                 OR a.atttypid >= 1610612736 THEN 'ARRAY'
            -- ENUMs (0x40000000 and up): as PostgreSQL shows a type of the user's
            WHEN a.atttypid >= 1073741824 THEN 'USER-DEFINED'
            ELSE pgwire_catalog.pg_live.format_type(a.atttypid, NULL) END AS data_type,
       NULL::INTEGER AS character_maximum_length, NULL::INTEGER AS character_octet_length,
       CASE a.atttypid WHEN 21 THEN 16 WHEN 23 THEN 32 WHEN 20 THEN 64 WHEN 700 THEN 24 WHEN 701 THEN 53
            WHEN 1700 THEN CASE WHEN a.atttypmod >= 4 THEN (a.atttypmod - 4) // 65536 END END::INTEGER AS numeric_precision,
       CASE WHEN a.atttypid IN (21, 23, 20, 700, 701) THEN 2 WHEN a.atttypid = 1700 THEN 10 END::INTEGER AS numeric_precision_radix,
       CASE WHEN a.atttypid IN (21, 23, 20) THEN 0
            WHEN a.atttypid = 1700 AND a.atttypmod >= 4 THEN (a.atttypmod - 4) % 65536 END::INTEGER AS numeric_scale,
       CASE WHEN a.atttypid IN (1082) THEN 0 WHEN a.atttypid IN (1083, 1114, 1184, 1266, 1186) THEN 6 END::INTEGER AS datetime_precision,
       NULL::VARCHAR AS interval_type, NULL::INTEGER AS interval_precision,
       NULL::VARCHAR AS character_set_catalog, NULL::VARCHAR AS character_set_schema,
       NULL::VARCHAR AS character_set_name, NULL::VARCHAR AS collation_catalog,
       NULL::VARCHAR AS collation_schema, NULL::VARCHAR AS collation_name,
       NULL::VARCHAR AS domain_catalog, NULL::VARCHAR AS domain_schema, NULL::VARCHAR AS domain_name,
       current_database()::VARCHAR AS udt_catalog, 'pg_catalog' AS udt_schema,
       coalesce((SELECT typname FROM pgwire_catalog.pg_live.pg_type t WHERE t.oid = a.atttypid), 'text') AS udt_name,
       NULL::VARCHAR AS scope_catalog, NULL::VARCHAR AS scope_schema, NULL::VARCHAR AS scope_name,
       NULL::INTEGER AS maximum_cardinality, a.attnum::VARCHAR AS dtd_identifier,
       'NO' AS is_self_referencing, 'NO' AS is_identity, NULL::VARCHAR AS identity_generation,
       NULL::VARCHAR AS identity_start, NULL::VARCHAR AS identity_increment,
       NULL::VARCHAR AS identity_maximum, NULL::VARCHAR AS identity_minimum,
       NULL::VARCHAR AS identity_cycle, CASE WHEN a.attgenerated = 's' THEN 'ALWAYS' ELSE 'NEVER' END AS is_generated,
       NULL::VARCHAR AS generation_expression,
       CASE WHEN c.relkind = 'r' THEN 'YES' ELSE 'NO' END AS is_updatable
FROM pgwire_catalog.pg_live.pgwire_attribute a
JOIN pgwire_catalog.pg_live.pg_class c ON c.oid = a.attrelid
JOIN pgwire_catalog.pg_live.pgwire_namespace n ON n.oid = c.relnamespace
;
CREATE OR REPLACE VIEW pgwire_catalog.info_live.table_constraints AS
SELECT current_database()::VARCHAR AS constraint_catalog, n.nspname AS constraint_schema,
       k.conname AS constraint_name, current_database()::VARCHAR AS table_catalog,
       n.nspname AS table_schema, c.relname AS table_name,
       CASE k.contype WHEN 'p' THEN 'PRIMARY KEY' WHEN 'u' THEN 'UNIQUE' WHEN 'f' THEN 'FOREIGN KEY'
            ELSE 'CHECK' END AS constraint_type,
       'NO' AS is_deferrable, 'NO' AS initially_deferred, 'YES' AS enforced, NULL::VARCHAR AS nulls_distinct
FROM pgwire_catalog.pg_live.pgwire_constraint k
JOIN pgwire_catalog.pg_live.pg_class c ON c.oid = k.conrelid
JOIN pgwire_catalog.pg_live.pgwire_namespace n ON n.oid = c.relnamespace
;
CREATE OR REPLACE VIEW pgwire_catalog.info_live.key_column_usage AS
SELECT current_database()::VARCHAR AS constraint_catalog, n.nspname AS constraint_schema,
       k.conname AS constraint_name, current_database()::VARCHAR AS table_catalog,
       n.nspname AS table_schema, c.relname AS table_name, a.attname AS column_name,
       key.position::INTEGER AS ordinal_position,
       CASE WHEN k.contype = 'f' THEN key.position END::INTEGER AS position_in_unique_constraint
FROM pgwire_catalog.pg_live.pgwire_constraint k
JOIN pgwire_catalog.pg_live.pg_class c ON c.oid = k.conrelid
JOIN pgwire_catalog.pg_live.pgwire_namespace n ON n.oid = c.relnamespace,
     unnest(k.conkey) WITH ORDINALITY AS key(attnum, position)
JOIN pgwire_catalog.pg_live.pgwire_attribute a ON a.attrelid = k.conrelid AND a.attnum = key.attnum
WHERE k.contype IN ('p', 'u', 'f')
;
CREATE OR REPLACE VIEW pgwire_catalog.info_live.referential_constraints AS
SELECT current_database()::VARCHAR AS constraint_catalog, n.nspname AS constraint_schema,
       k.conname AS constraint_name, current_database()::VARCHAR AS unique_constraint_catalog,
       n.nspname AS unique_constraint_schema, u.conname AS unique_constraint_name,
       'NONE' AS match_option, 'NO ACTION' AS update_rule, 'NO ACTION' AS delete_rule
FROM pgwire_catalog.pg_live.pgwire_constraint k
JOIN pgwire_catalog.pg_live.pgwire_namespace n ON n.oid = k.connamespace
LEFT JOIN pgwire_catalog.pg_live.pgwire_constraint u ON u.oid = k.conindid
WHERE k.contype = 'f'
;
CREATE OR REPLACE VIEW pgwire_catalog.info_live.routines AS
SELECT current_database()::VARCHAR AS specific_catalog, n.nspname AS specific_schema,
       p.proname || '_' || p.oid AS specific_name, current_database()::VARCHAR AS routine_catalog,
       n.nspname AS routine_schema, p.proname AS routine_name, 'FUNCTION' AS routine_type,
       lower(p.pgwire_result) AS data_type, 'SQL' AS routine_body, p.prosrc AS routine_definition,
       NULL::VARCHAR AS external_language
FROM pgwire_catalog.pg_live.pgwire_proc p JOIN pgwire_catalog.pg_live.pgwire_namespace n ON n.oid = p.pronamespace
;
CREATE OR REPLACE VIEW pgwire_catalog.info_live.sequences AS
SELECT current_database()::VARCHAR AS sequence_catalog, schemaname AS sequence_schema,
       sequencename AS sequence_name, 'bigint' AS data_type, 64 AS numeric_precision,
       2 AS numeric_precision_radix, 0 AS numeric_scale, start_value::VARCHAR AS start_value,
       min_value::VARCHAR AS minimum_value, max_value::VARCHAR AS maximum_value,
       increment_by::VARCHAR AS increment, CASE WHEN cycle THEN 'YES' ELSE 'NO' END AS cycle_option
FROM pgwire_catalog.pg_live.pg_sequences
;
CREATE OR REPLACE VIEW pgwire_catalog.info_live.check_constraints AS
SELECT current_database()::VARCHAR AS constraint_catalog, n.nspname AS constraint_schema,
       k.conname AS constraint_name, k.conbin AS check_clause
FROM pgwire_catalog.pg_live.pgwire_constraint k
JOIN pgwire_catalog.pg_live.pgwire_namespace n ON n.oid = k.connamespace
WHERE k.contype = 'c'
