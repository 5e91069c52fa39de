-- The functions clients call that read PostgreSQL's catalogs, as DuckDB macros. Installed
-- twice (by catalog/install.rs), after the views: in pg_live, reading the live catalog views,
-- and in pg_shape, reading the empty tables of the same shape that a workspace's statements are
-- checked against ({s} is the schema). Statements are separated by a line holding only ";".
CREATE OR REPLACE MACRO pgwire_catalog.{s}.format_type(arg_type_oid, arg_typemod) AS (
    SELECT CASE
        WHEN t.typname = 'numeric' AND arg_typemod >= 4
            THEN 'numeric(' || ((arg_typemod - 4) // 65536) || ',' || ((arg_typemod - 4) % 65536) || ')'
        WHEN t.typname IN ('varchar', 'bpchar') AND arg_typemod >= 4
            THEN t.pretty || '(' || (arg_typemod - 4) || ')'
        ELSE coalesce(t.pretty, t.typname) END
    FROM (SELECT typname, pretty FROM pgwire_catalog.pg_static.types WHERE oid = arg_type_oid
          UNION ALL
          SELECT typname, typname FROM pgwire_catalog.{s}.pg_type WHERE oid = arg_type_oid AND typtype = 'e'
          LIMIT 1) t)
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.pg_get_indexdef(arg_index_oid) AS (
    SELECT pgwire_definition FROM pgwire_catalog.{s}.pg_index WHERE indexrelid = arg_index_oid),
    (arg_index_oid, arg_column_no, arg_pretty) AS (
    SELECT pgwire_definition FROM pgwire_catalog.{s}.pg_index WHERE indexrelid = arg_index_oid)
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.pg_get_constraintdef(arg_constraint_oid) AS (
    SELECT pgwire_definition FROM pgwire_catalog.{s}.pg_constraint WHERE oid = arg_constraint_oid),
    (arg_constraint_oid, arg_pretty) AS (
    SELECT pgwire_definition FROM pgwire_catalog.{s}.pg_constraint WHERE oid = arg_constraint_oid)
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.pg_get_viewdef(arg_viewoid) AS (
    SELECT pgwire_sql FROM pgwire_catalog.{s}.pgwire_relations WHERE oid = arg_viewoid),
    (arg_viewoid, arg_pretty) AS (
    SELECT pgwire_sql FROM pgwire_catalog.{s}.pgwire_relations WHERE oid = arg_viewoid)
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.obj_description(arg_object_oid) AS (
    SELECT description FROM pgwire_catalog.{s}.pg_description
    WHERE objoid = arg_object_oid AND objsubid = 0 LIMIT 1),
    (arg_object_oid, arg_catalog_name) AS (
    SELECT description FROM pgwire_catalog.{s}.pg_description
    WHERE objoid = arg_object_oid AND objsubid = 0 LIMIT 1)
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.col_description(arg_table_oid, arg_column_no) AS (
    SELECT description FROM pgwire_catalog.{s}.pg_description
    WHERE objoid = arg_table_oid AND objsubid = arg_column_no LIMIT 1)
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.pg_get_function_result(arg_function_oid) AS (
    SELECT lower(pgwire_result) FROM pgwire_catalog.{s}.pg_proc WHERE oid = arg_function_oid)
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.pg_get_function_arguments(arg_function_oid) AS (
    SELECT pgwire_arguments FROM pgwire_catalog.{s}.pg_proc WHERE oid = arg_function_oid)
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.pg_get_function_identity_arguments(arg_function_oid) AS (
    SELECT pgwire_arguments FROM pgwire_catalog.{s}.pg_proc WHERE oid = arg_function_oid)
;
-- What casts to regclass, regtype, regnamespace and regproc become: a name to an OID and an
-- OID to its name.
CREATE OR REPLACE MACRO pgwire_catalog.{s}.regclass_oid(arg_schema_name, arg_relation_name) AS coalesce((
    SELECT c.oid FROM pgwire_catalog.{s}.pg_class c
    JOIN pgwire_catalog.{s}.pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relname = arg_relation_name AND (arg_schema_name IS NULL OR n.nspname = arg_schema_name)
    ORDER BY n.nspname = current_schema() DESC LIMIT 1),
    error('relation "' || coalesce(arg_schema_name || '.', '') || arg_relation_name || '" does not exist'))
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.regclass_name(arg_relation) AS coalesce((
    SELECT CASE WHEN n.nspname = current_schema() THEN c.relname ELSE n.nspname || '.' || c.relname END
    FROM pgwire_catalog.{s}.pg_class c JOIN pgwire_catalog.{s}.pg_namespace n ON n.oid = c.relnamespace
    WHERE c.oid = arg_relation), arg_relation::VARCHAR)
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.regtype_oid(arg_type_name) AS coalesce((
    SELECT oid FROM pgwire_catalog.{s}.pg_type
    WHERE typname = arg_type_name OR oid IN (SELECT oid FROM pgwire_catalog.pg_static.types WHERE pretty = arg_type_name)
    LIMIT 1),
    error('type "' || arg_type_name || '" does not exist'))
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.regtype_name(arg_type_oid) AS
    coalesce(pgwire_catalog.{s}.format_type(arg_type_oid, NULL), arg_type_oid::VARCHAR)
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.regnamespace_oid(arg_schema_name) AS coalesce((
    SELECT oid FROM pgwire_catalog.{s}.pg_namespace WHERE nspname = arg_schema_name),
    error('schema "' || arg_schema_name || '" does not exist'))
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.regnamespace_name(arg_schema_oid) AS coalesce((
    SELECT nspname FROM pgwire_catalog.{s}.pg_namespace WHERE oid = arg_schema_oid), arg_schema_oid::VARCHAR)
;
CREATE OR REPLACE MACRO pgwire_catalog.{s}.regproc_name(arg_function_oid) AS coalesce((
    SELECT proname FROM pgwire_catalog.{s}.pg_proc WHERE oid = arg_function_oid), arg_function_oid::VARCHAR)
