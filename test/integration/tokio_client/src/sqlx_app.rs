//! What an application does with sqlx: a custom ENUM type (sqlx looks types up by name with
//! `$1::regtype::oid` and by OID in pg_type/pg_enum), arrays of it (`_feeling`, by name), typed rows, and
//! `describe` (the statement's types and nullability: pg_attribute and
//! `EXPLAIN (VERBOSE, FORMAT JSON) EXECUTE`), which `sqlx::query!` relies on.

use sqlx::postgres::PgConnection;
use sqlx::{Column, Connection, Executor, Row, TypeInfo};

#[derive(Debug, Clone, Copy, PartialEq, sqlx::Type)]
#[sqlx(type_name = "feeling", rename_all = "lowercase")]
enum Feeling {
    Sad,
    Ok,
    Happy,
}

pub async fn run(port: &str, password: &str) -> Result<(), Box<dyn std::error::Error>> {
    let url = format!("postgres://duckdb:{password}@127.0.0.1:{port}/memory?sslmode=disable");
    let mut conn = PgConnection::connect(&url).await?;
    conn.execute(
        "CREATE TYPE feeling AS ENUM ('sad', 'ok', 'happy'); \
         CREATE TABLE feelings (id INTEGER NOT NULL, f feeling, past feeling[], note VARCHAR)",
    )
    .await?;
    sqlx::query("INSERT INTO feelings VALUES ($1, $2, $3, $4)")
        .bind(1i32)
        .bind(Feeling::Happy)
        .bind(vec![Feeling::Sad, Feeling::Ok])
        .bind("first")
        .execute(&mut conn)
        .await?;
    sqlx::query("INSERT INTO feelings VALUES ($1, $2, $3, $4)")
        .bind(2i32)
        .bind(Option::<Feeling>::None)
        .bind(Vec::<Feeling>::new())
        .bind(Option::<String>::None)
        .execute(&mut conn)
        .await?;
    let rows: Vec<(i32, Option<Feeling>, Vec<Feeling>, Option<String>)> =
        sqlx::query_as("SELECT id, f, past, note FROM feelings ORDER BY id")
            .fetch_all(&mut conn)
            .await?;
    for (id, f, past, note) in rows {
        println!("sqlx_row{id}={f:?}|{past:?}|{note:?}");
    }
    let happy: i64 = sqlx::query("SELECT count(*) FROM feelings WHERE f = $1")
        .bind(Feeling::Happy)
        .fetch_one(&mut conn)
        .await?
        .get(0);
    println!("sqlx_filter={happy}");

    let described = (&mut conn)
        .describe("SELECT id, f, note FROM feelings WHERE id = $1")
        .await?;
    let columns: Vec<String> = described
        .columns()
        .iter()
        .enumerate()
        .map(|(i, c)| {
            format!(
                "{}:{}:{:?}",
                c.name(),
                c.type_info().name(),
                described.nullable(i)
            )
        })
        .collect();
    println!("sqlx_describe={}", columns.join(","));
    conn.close().await?;
    Ok(())
}
