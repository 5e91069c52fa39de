//! PostgreSQL's catalogs and SQL surface, for the tools that read them (psql's `\d`, JDBC's
//! DatabaseMetaData, SQLAlchemy, dbt, ...).
//!
//! DuckDB has a partial `pg_catalog` of its own, but with DuckDB's type OIDs and every attached
//! database at once. Ours lives in an in-memory database of the host instance,
//! `pgwire_catalog`, as views over DuckDB's `duckdb_*` functions that show the session's current
//! database only (`pg_live`, `info_live`), plus empty tables of the same shape (`pg_shape`,
//! `info_shape`). A client's statement that names the catalog is rewritten (`rewrite`) to read
//! the live views; a workspace's isolation gateway checks the same statement pointing at the
//! empty tables, so the plan it inspects shows nothing but catalog relations it may read and
//! the user's own parts — while what runs reads the live views, which a workspace session
//! cannot point at another database (it cannot change its current database).
//!
//! The session asks this module; it knows nothing of sessions.

mod advisory;
mod alter_view;
mod enums;
mod explain;
mod expressions;
mod from_items;
mod install;
pub mod names;
mod rewrite;

pub use alter_view::view_renamed_as_table;
pub use enums::name_enums;
pub use explain::{explained_statement, result_plan_query};
pub use install::install;
pub use rewrite::{might_need, parse as parse_one, rewrite, Facts, Rewritten};

/// Our catalog database in the host instance.
pub const CATALOG: &str = "pgwire_catalog";

/// The schemas an owner's statement is rewritten to for running.
const LIVE: rewrite::Schemas = rewrite::Schemas {
    pg: "pg_live",
    info: "info_live",
};
/// The schemas a workspace's statement is rewritten to for running: the live views with the
/// text of definitions hidden (an owner's view may name what lies outside the workspace).
const WORKSPACE: rewrite::Schemas = rewrite::Schemas {
    pg: "pg_ws",
    info: "info_ws",
};
/// The schemas a workspace's statement is checked against: empty tables, macros of the same
/// signatures over them.
const SHAPE: rewrite::Schemas = rewrite::Schemas {
    pg: "pg_shape",
    info: "info_shape",
};

/// The schemas of our catalog a workspace's checked statement may read and call: the empty
/// shapes and the static type table (PostgreSQL's built-in types).
pub const CHECKABLE_SCHEMAS: &[&str] = &["pg_shape", "info_shape", "pg_static"];

/// pg_catalog's relations we answer (views of `pg_live.sql`, and pg_get_keywords()).
pub const PG_RELATIONS: &[&str] = &[
    "pg_namespace",
    "pg_type",
    "pg_enum",
    "pg_class",
    "pg_attribute",
    "pg_attrdef",
    "pg_constraint",
    "pg_index",
    "pg_description",
    "pg_database",
    "pg_proc",
    "pg_settings",
    "pg_tables",
    "pg_views",
    "pg_indexes",
    "pg_sequences",
    "pg_sequence",
    "pg_matviews",
    "pg_roles",
    "pg_user",
    "pg_authid",
    "pg_auth_members",
    "pg_am",
    "pg_tablespace",
    "pg_collation",
    "pg_extension",
    "pg_language",
    "pg_range",
    "pg_inherits",
    "pg_trigger",
    "pg_rewrite",
    "pg_policy",
    "pg_depend",
    "pg_statistic_ext",
    "pg_publication",
    "pg_publication_rel",
    "pg_publication_namespace",
    "pg_foreign_table",
    "pg_partitioned_table",
    "pg_event_trigger",
    "pg_cast",
    "pg_operator",
    "pg_opclass",
    "pg_conversion",
    "pg_locks",
    "pg_shdescription",
    "pg_prepared_xacts",
    "pg_timezone_names",
    "pg_stat_activity",
    "pg_stat_user_tables",
    "pg_get_keywords",
];

/// information_schema's views we answer (`info_live.sql`).
pub const INFO_RELATIONS: &[&str] = &[
    "schemata",
    "tables",
    "views",
    "columns",
    "table_constraints",
    "key_column_usage",
    "referential_constraints",
    "routines",
    "sequences",
    "check_constraints",
];

/// The functions on the catalog clients call, as our macros (`pg_pure.sql`,
/// `pg_functions.sql`).
pub const PG_FUNCTIONS: &[&str] = &[
    "format_type",
    "set_config",
    "pg_get_expr",
    "pg_encoding_to_char",
    "pg_char_to_encoding",
    "pg_table_is_visible",
    "pg_type_is_visible",
    "pg_function_is_visible",
    "pg_get_indexdef",
    "pg_get_constraintdef",
    "pg_get_viewdef",
    "obj_description",
    "col_description",
    "shobj_description",
    "pg_get_partkeydef",
    "pg_get_statisticsobjdef_columns",
    "pg_relation_is_publishable",
    "pg_is_in_recovery",
    "pg_relation_size",
    "pg_total_relation_size",
    "pg_table_size",
    "pg_indexes_size",
    "pg_tablespace_location",
    "parse_ident",
    "pg_stat_get_numscans",
    "pg_get_function_result",
    "pg_get_function_arguments",
    "pg_get_function_identity_arguments",
    "pg_get_triggerdef",
    "pg_get_ruledef",
    "array_lower",
    "array_upper",
    "array_ndims",
    "quote_ident",
    "_pg_expandarray",
    "pg_partition_ancestors",
    "pg_partition_root",
    "pg_get_serial_sequence",
    "to_regtype",
    "to_regclass",
    "to_regnamespace",
    "pg_notify",
];

/// The server's version as `version()` gives it: PostgreSQL 15 for clients that parse it,
/// saying what runs underneath.
pub fn version() -> String {
    format!(
        "PostgreSQL {} (DuckDB {}, pgwire {}) on {}-linux, compiled by rustc, 64-bit",
        SERVER_VERSION,
        crate::duckdb_version().trim_start_matches('v'),
        env!("CARGO_PKG_VERSION"),
        std::env::consts::ARCH
    )
}

/// `server_version` as ParameterStatus and SHOW give it.
pub fn server_version() -> String {
    format!(
        "{} (DuckDB {}, pgwire {})",
        SERVER_VERSION,
        crate::duckdb_version().trim_start_matches('v'),
        env!("CARGO_PKG_VERSION")
    )
}

/// The PostgreSQL version we answer as (`server_version`, `server_version_num`).
pub const SERVER_VERSION: &str = "15.0";
pub const SERVER_VERSION_NUM: &str = "150000";

/// PostgreSQL's names for the result columns of `sql`, when DuckDB's differ (`None`: keep
/// DuckDB's). Parses only when a name looks made up from an expression.
pub fn column_names(sql: &str, duckdb_names: &[String]) -> Option<Vec<String>> {
    if !duckdb_names.iter().any(|n| names::looks_generated(n)) {
        return None;
    }
    let statement = rewrite::parse(sql)?;
    let names = names::postgres_names(&statement, duckdb_names)?;
    (names != duckdb_names).then_some(names)
}
