-- The functions clients call that read PostgreSQL's catalogs, as DuckDB macros. Installed
-- twice (by catalog/install.rs), after the views: in pg_live, reading the live catalog views,
-- and in pg_shape, reading the empty tables of the same shape that a workspace's statements are
-- checked against ({s} is the schema). Statements are separated by a line holding only ";".
--
-- Hygiene: DuckDB substitutes a macro's arguments into its body, so an argument such as `oid`
-- (a column of the caller's query) would bind to a column of the same name inside the body.
-- Every body therefore reads a subquery whose columns and aliases are all named pgwire_*.
CREATE OR REPLACE MACRO pgwire_catalog.{s}.format_type(arg_type_oid, arg_typemod) AS (
    SELECT CASE
        WHEN pgwire_t.pgwire_name = 'numeric' AND arg_typemod >= 4
            THEN 'numeric(' || ((arg_typemod - 4) // 65536) || ',' || ((arg_typemod - 4) % 65536) || ')'
        WHEN pgwire_t.pgwire_name IN ('varchar', 'bpchar') AND arg_typemod >= 4
            THEN pgwire_t.pgwire_pretty || '(' || (arg_typemod - 4) || ')'
        ELSE pgwire_t.pgwire_pretty END
    FROM (SELECT oid AS pgwire_oid, typname AS pgwire_name, pretty AS pgwire_pretty
          FROM pgwire_catalog.pg_static.types
          UNION ALL
          SELECT oid, typname, typname FROM pgwire_catalog.{s}.pg_type WHERE typtype = 'e'
          UNION ALL
          SELECT oid, typname, substr(typname, 2) || '[]' FROM pgwire_catalog.{s}.pg_type
          WHERE typcategory = 'A' AND oid >= 1610612736) pgwire_t
    WHERE pgwire_t.pgwire_oid = arg_type_oid LIMIT 1)
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.pg_get_indexdef(arg_index_oid) AS (
    SELECT pgwire_v FROM (SELECT indexrelid AS pgwire_k, pgwire_definition AS pgwire_v
                          FROM pgwire_catalog.{s}.pgwire_index) WHERE pgwire_k = arg_index_oid LIMIT 1),
    -- With a column number: that key's column name, as PostgreSQL gives it.
    (arg_index_oid, arg_column_no, arg_pretty) AS CASE WHEN arg_column_no > 0 THEN (
    SELECT pgwire_v FROM (
        SELECT pgwire_i.indexrelid AS pgwire_k, pgwire_i.indkey AS pgwire_keys,
               pgwire_a.attnum AS pgwire_n, pgwire_a.attname AS pgwire_v
        FROM pgwire_catalog.{s}.pgwire_index pgwire_i
        JOIN pgwire_catalog.{s}.pgwire_attribute pgwire_a ON pgwire_a.attrelid = pgwire_i.indrelid)
    WHERE pgwire_k = arg_index_oid AND pgwire_n = pgwire_keys[arg_column_no] LIMIT 1)
    ELSE (
    SELECT pgwire_v FROM (SELECT indexrelid AS pgwire_k, pgwire_definition AS pgwire_v
                          FROM pgwire_catalog.{s}.pgwire_index) WHERE pgwire_k = arg_index_oid LIMIT 1) END
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.pg_get_constraintdef(arg_constraint_oid) AS (
    SELECT pgwire_v FROM (SELECT oid AS pgwire_k, pgwire_definition AS pgwire_v
                          FROM pgwire_catalog.{s}.pgwire_constraint) WHERE pgwire_k = arg_constraint_oid LIMIT 1),
    (arg_constraint_oid, arg_pretty) AS (
    SELECT pgwire_v FROM (SELECT oid AS pgwire_k, pgwire_definition AS pgwire_v
                          FROM pgwire_catalog.{s}.pgwire_constraint) WHERE pgwire_k = arg_constraint_oid LIMIT 1)
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.pg_get_viewdef(arg_viewoid) AS (
    SELECT pgwire_v FROM (SELECT oid AS pgwire_k, pgwire_sql AS pgwire_v
                          FROM pgwire_catalog.{s}.pgwire_relations) WHERE pgwire_k = arg_viewoid LIMIT 1),
    (arg_viewoid, arg_pretty) AS (
    SELECT pgwire_v FROM (SELECT oid AS pgwire_k, pgwire_sql AS pgwire_v
                          FROM pgwire_catalog.{s}.pgwire_relations) WHERE pgwire_k = arg_viewoid LIMIT 1)
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.obj_description(arg_object_oid) AS (
    SELECT pgwire_v FROM (SELECT objoid AS pgwire_k, objsubid AS pgwire_n, description AS pgwire_v
                          FROM pgwire_catalog.{s}.pg_description)
    WHERE pgwire_k = arg_object_oid AND pgwire_n = 0 LIMIT 1),
    (arg_object_oid, arg_catalog_name) AS (
    SELECT pgwire_v FROM (SELECT objoid AS pgwire_k, objsubid AS pgwire_n, description AS pgwire_v
                          FROM pgwire_catalog.{s}.pg_description)
    WHERE pgwire_k = arg_object_oid AND pgwire_n = 0 LIMIT 1)
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.col_description(arg_table_oid, arg_column_no) AS (
    SELECT pgwire_v FROM (SELECT objoid AS pgwire_k, objsubid AS pgwire_n, description AS pgwire_v
                          FROM pgwire_catalog.{s}.pg_description)
    WHERE pgwire_k = arg_table_oid AND pgwire_n = arg_column_no LIMIT 1)
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.pg_get_function_result(arg_function_oid) AS (
    SELECT lower(pgwire_v) FROM (SELECT oid AS pgwire_k, pgwire_result AS pgwire_v
                                 FROM pgwire_catalog.{s}.pgwire_proc) WHERE pgwire_k = arg_function_oid LIMIT 1)
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.pg_get_function_arguments(arg_function_oid) AS (
    SELECT pgwire_v FROM (SELECT oid AS pgwire_k, pgwire_arguments AS pgwire_v
                          FROM pgwire_catalog.{s}.pgwire_proc) WHERE pgwire_k = arg_function_oid LIMIT 1)
;
-- DuckDB has no OUT or default parameters: the identity arguments are the arguments.
CREATE OR REPLACE MACRO pgwire_catalog.{s}.pg_get_function_identity_arguments(arg_function_oid) AS
    pgwire_catalog.{s}.pg_get_function_arguments(arg_function_oid)
;
-- What casts to regclass, regtype, regnamespace and regproc become: a name to an OID and an
-- OID to its name. pg_catalog's own relations answer with PostgreSQL's OIDs.
CREATE OR REPLACE MACRO pgwire_catalog.{s}.regclass_oid(arg_schema_name, arg_relation_name) AS coalesce((
    SELECT pgwire_v FROM (SELECT relname AS pgwire_k, oid AS pgwire_v FROM pgwire_catalog.pg_static.catalog_relations)
    WHERE pgwire_k = arg_relation_name AND coalesce(arg_schema_name, 'pg_catalog') = 'pg_catalog'), (
    SELECT pgwire_v FROM (
        SELECT pgwire_c.relname AS pgwire_k, pgwire_n.nspname AS pgwire_s, pgwire_c.oid AS pgwire_v
        FROM pgwire_catalog.{s}.pg_class pgwire_c
        JOIN pgwire_catalog.{s}.pgwire_namespace pgwire_n ON pgwire_n.oid = pgwire_c.relnamespace)
    WHERE pgwire_k = arg_relation_name AND (arg_schema_name IS NULL OR pgwire_s = arg_schema_name)
    ORDER BY pgwire_s = current_schema() DESC LIMIT 1),
    error('relation "' || coalesce(arg_schema_name || '.', '') || arg_relation_name || '" does not exist'))
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.regclass_name(arg_relation) AS coalesce((
    SELECT pgwire_v FROM (
        SELECT pgwire_c.oid AS pgwire_k,
               CASE WHEN pgwire_n.nspname = current_schema() THEN pgwire_c.relname
                    ELSE pgwire_n.nspname || '.' || pgwire_c.relname END AS pgwire_v
        FROM pgwire_catalog.{s}.pg_class pgwire_c
        JOIN pgwire_catalog.{s}.pgwire_namespace pgwire_n ON pgwire_n.oid = pgwire_c.relnamespace)
    WHERE pgwire_k = arg_relation LIMIT 1), arg_relation::VARCHAR)
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.regtype_oid(arg_type_name) AS coalesce((
    SELECT pgwire_v FROM (SELECT typname AS pgwire_k, oid AS pgwire_v FROM pgwire_catalog.{s}.pg_type
                          UNION ALL
                          SELECT pretty, oid FROM pgwire_catalog.pg_static.types)
    WHERE pgwire_k = arg_type_name LIMIT 1),
    error('type "' || arg_type_name || '" does not exist'))
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.regtype_name(arg_type_oid) AS
    coalesce(pgwire_catalog.{s}.format_type(arg_type_oid, NULL), arg_type_oid::VARCHAR)
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.regnamespace_oid(arg_schema_name) AS coalesce((
    SELECT pgwire_v FROM (SELECT nspname AS pgwire_k, oid AS pgwire_v FROM pgwire_catalog.{s}.pgwire_namespace)
    WHERE pgwire_k = arg_schema_name LIMIT 1),
    error('schema "' || arg_schema_name || '" does not exist'))
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.regnamespace_name(arg_schema_oid) AS coalesce((
    SELECT pgwire_v FROM (SELECT oid AS pgwire_k, nspname AS pgwire_v FROM pgwire_catalog.{s}.pgwire_namespace)
    WHERE pgwire_k = arg_schema_oid LIMIT 1), arg_schema_oid::VARCHAR)
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.regproc_oid(arg_function_name) AS coalesce((
    SELECT pgwire_v FROM (SELECT proname AS pgwire_k, oid AS pgwire_v FROM pgwire_catalog.{s}.pgwire_proc)
    WHERE pgwire_k = arg_function_name LIMIT 1),
    error('function "' || arg_function_name || '" does not exist'))
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.regproc_name(arg_function_oid) AS coalesce((
    SELECT pgwire_v FROM (SELECT oid AS pgwire_k, proname AS pgwire_v FROM pgwire_catalog.{s}.pgwire_proc)
    WHERE pgwire_k = arg_function_oid LIMIT 1), arg_function_oid::VARCHAR)
;
-- `$1::regclass`: a name (optionally schema-qualified) or an OID, known only when bound.
CREATE OR REPLACE MACRO pgwire_catalog.{s}.regclass_lookup(arg_text) AS CASE
    WHEN regexp_matches(arg_text::VARCHAR, '^[0-9]+$') THEN arg_text::UINTEGER
    WHEN contains(arg_text::VARCHAR, '.') THEN pgwire_catalog.{s}.regclass_oid(
        lower(split_part(arg_text::VARCHAR, '.', 1)), lower(split_part(arg_text::VARCHAR, '.', 2)))
    ELSE pgwire_catalog.{s}.regclass_oid(NULL, lower(arg_text::VARCHAR)) END
;
-- `$1::regtype`: a type's name or OID, known only when bound.
CREATE OR REPLACE MACRO pgwire_catalog.{s}.regtype_lookup(arg_text) AS CASE
    WHEN regexp_matches(arg_text::VARCHAR, '^[0-9]+$') THEN arg_text::UINTEGER
    ELSE pgwire_catalog.{s}.regtype_oid(lower(arg_text::VARCHAR)) END
;
-- to_regtype / to_regclass / to_regnamespace: as the casts, but NULL for a name that is not there.
CREATE OR REPLACE MACRO pgwire_catalog.{s}.to_regtype(arg_type_name) AS (
    SELECT pgwire_v FROM (SELECT typname AS pgwire_k, oid AS pgwire_v FROM pgwire_catalog.{s}.pg_type
                          UNION ALL
                          SELECT pretty, oid FROM pgwire_catalog.pg_static.types)
    WHERE pgwire_k = lower(arg_type_name::VARCHAR) LIMIT 1)
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.to_regclass(arg_text) AS (
    SELECT pgwire_v FROM (
        SELECT pgwire_c.relname AS pgwire_k, pgwire_n.nspname AS pgwire_s, pgwire_c.oid AS pgwire_v
        FROM pgwire_catalog.{s}.pg_class pgwire_c
        JOIN pgwire_catalog.{s}.pgwire_namespace pgwire_n ON pgwire_n.oid = pgwire_c.relnamespace)
    WHERE CASE WHEN contains(arg_text::VARCHAR, '.')
               THEN pgwire_s = lower(split_part(arg_text::VARCHAR, '.', 1))
                    AND pgwire_k = lower(split_part(arg_text::VARCHAR, '.', 2))
               ELSE pgwire_k = lower(arg_text::VARCHAR) END
    ORDER BY pgwire_s = current_schema() DESC LIMIT 1)
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.to_regnamespace(arg_schema_name) AS (
    SELECT pgwire_v FROM (SELECT nspname AS pgwire_k, oid AS pgwire_v FROM pgwire_catalog.{s}.pgwire_namespace)
    WHERE pgwire_k = lower(arg_schema_name::VARCHAR) LIMIT 1)
