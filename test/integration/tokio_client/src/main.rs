//! What an application does with tokio-postgres (binary formats throughout); prints
//! `name=value` lines that the integration test compares.

use tokio_postgres::{types::Type, NoTls};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let port = args.next().expect("port");
    let password = args.next().expect("password");
    let config = format!("host=127.0.0.1 port={port} user=duckdb password={password} dbname=memory");
    let (mut client, connection) = tokio_postgres::connect(&config, NoTls).await?;
    tokio::spawn(connection);

    client
        .batch_execute("CREATE TABLE tp (id INTEGER PRIMARY KEY, name VARCHAR, price DOUBLE, happened TIMESTAMP, u UUID, j JSON)")
        .await?;
    let insert = client
        .prepare_typed(
            "INSERT INTO tp VALUES ($1, $2, $3, $4, $5, $6::JSON)",
            &[
                Type::INT4,
                Type::TEXT,
                Type::FLOAT8,
                Type::TIMESTAMP,
                Type::UUID,
                Type::TEXT,
            ],
        )
        .await?;
    let at = chrono::NaiveDate::from_ymd_opt(2024, 3, 4)
        .unwrap()
        .and_hms_micro_opt(5, 6, 7, 890)
        .unwrap();
    let u = uuid::Uuid::parse_str("0c3d6a8e-1f2b-4c5d-8e9f-a0b1c2d3e4f5")?;
    for i in 1..=3 {
        let n = client
            .execute(
                &insert,
                &[&i, &format!("n{i}"), &(i as f64 * 0.5), &at, &u, &"{\"k\": 1}"],
            )
            .await?;
        println!("insert{i}={n}");
    }
    let rows = client
        .query(
            "SELECT id, name, price, happened, u, j FROM tp WHERE id >= $1 ORDER BY id",
            &[&2i32],
        )
        .await?;
    for r in &rows {
        let (id, name, price): (i32, String, f64) = (r.get(0), r.get(1), r.get(2));
        let (at, u, j): (chrono::NaiveDateTime, uuid::Uuid, serde_json::Value) =
            (r.get(3), r.get(4), r.get(5));
        println!("row{id}={name}|{price}|{at}|{u}|{j}");
    }
    let tx = client.transaction().await?;
    tx.execute("DELETE FROM tp", &[]).await?;
    tx.rollback().await?;
    let count: i64 = client.query_one("SELECT count(*) FROM tp", &[]).await?.get(0);
    println!("after_rollback={count}");
    match client.query("SELECT * FROM tp_missing", &[]).await {
        Ok(_) => println!("missing=none"),
        Err(e) => println!(
            "missing={}",
            e.code().map(|c| c.code().to_string()).unwrap_or_default()
        ),
    }
    let big: i64 = client
        .query_one("SELECT $1::BIGINT * 2", &[&i64::MAX.wrapping_div(4)])
        .await?
        .get(0);
    println!("bigint={big}");
    let simple = client.simple_query("SELECT 'simple'").await?;
    for message in &simple {
        if let tokio_postgres::SimpleQueryMessage::Row(r) = message {
            println!("simple={}", r.get(0).unwrap_or(""));
        }
    }
    Ok(())
}
