//! A user-defined type as tokio-postgres applications use one: a Rust enum derived from the
//! server's ENUM type. tokio-postgres learns an unknown OID from pg_type and pg_enum (its
//! typeinfo queries), then checks the name and labels against the derive.

use postgres_types::{FromSql, ToSql};
use tokio_postgres::Client;

#[derive(Debug, Clone, Copy, PartialEq, ToSql, FromSql)]
#[postgres(name = "mood")]
enum Mood {
    #[postgres(name = "sad")]
    Sad,
    #[postgres(name = "ok")]
    Ok,
    #[postgres(name = "happy")]
    Happy,
}

pub async fn enum_round_trip(client: &Client) -> Result<(), Box<dyn std::error::Error>> {
    client
        .batch_execute(
            "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy'); \
             CREATE TABLE moods (id INTEGER, m mood, history mood[])",
        )
        .await?;
    let insert = client.prepare("INSERT INTO moods VALUES ($1, $2, $3)").await?;
    println!("enum_param_type={}", insert.params()[1].name());
    client
        .execute(&insert, &[&1i32, &Mood::Happy, &vec![Mood::Sad, Mood::Ok]])
        .await?;
    client
        .execute(&insert, &[&2i32, &Option::<Mood>::None, &Vec::<Mood>::new()])
        .await?;
    let rows = client
        .query("SELECT id, m, history FROM moods ORDER BY id", &[])
        .await?;
    for row in &rows {
        let (id, m, history): (i32, Option<Mood>, Vec<Mood>) = (row.get(0), row.get(1), row.get(2));
        println!(
            "enum_row{id}={m:?}|{history:?}|{}",
            row.columns()[1].type_().name()
        );
    }
    let happy: i64 = client
        .query_one("SELECT count(*) FROM moods WHERE m = $1", &[&Mood::Happy])
        .await?
        .get(0);
    println!("enum_filter={happy}");
    Ok(())
}
