-- DataGrip 2025.2 (pgjdbc): its connect sequence, as captured in PostgreSQL's statement log
-- (datafusion-postgres issue #165; the PostgreSQL introspector's later queries are closed
-- source and not replayed here — with "Introspect using JDBC metadata" DataGrip reads
-- DatabaseMetaData, which test_jdbc.py's MetaApp covers). Run with Replay.java.

-- name: float_digits
SET extra_float_digits = 3

-- name: application_name_empty
SET application_name = ''

-- name: version
select version()

-- name: application_name
SET application_name = 'DataGrip 2025.2.3'

-- name: database_schemas
select current_database() as a, current_schemas(false) as b

-- name: isolation
SHOW TRANSACTION ISOLATION LEVEL

-- name: current
select current_database(), current_schema(), current_user

-- name: startup_time
SELECT round(EXTRACT(EPOCH FROM pg_postmaster_start_time() AT TIME ZONE 'UTC')) AS startup_time
