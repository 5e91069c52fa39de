//! What an application does with tokio-postgres (binary formats throughout); prints
//! `name=value` lines that the integration test compares.

mod custom;
mod sqlx_app;

use futures_util::{pin_mut, SinkExt, TryStreamExt};
use tokio_postgres::binary_copy::{BinaryCopyInWriter, BinaryCopyOutStream};
use tokio_postgres::{types::Type, Client, NoTls};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let port = args.next().expect("port");
    let password = args.next().expect("password");
    let config = format!("host=127.0.0.1 port={port} user=duckdb password={password} dbname=memory");
    let (mut client, connection) = tokio_postgres::connect(&config, NoTls).await?;
    tokio::spawn(connection);
    match args.next().as_deref() {
        Some("types") => return every_type(&client).await,
        Some("sqlx") => return sqlx_app::run(&port, &password).await,
        _ => {}
    }

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
    copy_both_ways(&client).await?;
    custom::enum_round_trip(&client).await?;
    let simple = client.simple_query("SELECT 'simple'").await?;
    for message in &simple {
        if let tokio_postgres::SimpleQueryMessage::Row(r) = message {
            println!("simple={}", r.get(0).unwrap_or(""));
        }
    }
    Ok(())
}

/// COPY through the extended protocol, as tokio-postgres runs it: text and binary, in and out.
async fn copy_both_ways(client: &Client) -> Result<(), Box<dyn std::error::Error>> {
    client
        .batch_execute("CREATE TABLE tc (id BIGINT, name VARCHAR, ts TIMESTAMP)")
        .await?;
    let sink = client.copy_in("COPY tc (id, name) FROM STDIN").await?;
    pin_mut!(sink);
    sink.send(bytes::Bytes::from_static(b"1\tone\n2\t\\N\n")).await?;
    println!("copy_in_text={}", sink.finish().await?);

    let sink = client.copy_in("COPY tc FROM STDIN (FORMAT binary)").await?;
    let writer = BinaryCopyInWriter::new(sink, &[Type::INT8, Type::TEXT, Type::TIMESTAMP]);
    pin_mut!(writer);
    let at = chrono::NaiveDate::from_ymd_opt(2024, 5, 6)
        .unwrap()
        .and_hms_opt(7, 8, 9)
        .unwrap();
    for i in 3..=1000i64 {
        writer.as_mut().write(&[&i, &format!("n{i}"), &at]).await?;
    }
    println!("copy_in_binary={}", writer.finish().await?);

    let stream = client
        .copy_out("COPY (SELECT id, name FROM tc WHERE id <= 3 ORDER BY id) TO STDOUT")
        .await?;
    let chunks: Vec<bytes::Bytes> = stream.try_collect().await?;
    let text: Vec<u8> = chunks.concat();
    println!(
        "copy_out_text={}",
        String::from_utf8(text)?.replace('\n', "/").replace('\t', ",")
    );

    let stream = client
        .copy_out("COPY (SELECT id, ts FROM tc WHERE id >= 999 ORDER BY id) TO STDOUT (FORMAT binary)")
        .await?;
    let rows = BinaryCopyOutStream::new(stream, &[Type::INT8, Type::TIMESTAMP]);
    let rows: Vec<_> = rows.try_collect().await?;
    for row in rows {
        let (id, at): (i64, chrono::NaiveDateTime) = (row.get(0), row.get(1));
        println!("copy_out_binary{id}={at}");
    }
    // A bad row: the whole COPY fails with its line, and the session goes on.
    let sink = client.copy_in("COPY tc (id) FROM STDIN").await?;
    pin_mut!(sink);
    sink.send(bytes::Bytes::from_static(b"5000\nnot-a-number\n"))
        .await?;
    match sink.finish().await {
        Ok(n) => println!("copy_in_bad=ok {n}"),
        Err(e) => println!(
            "copy_in_bad={}",
            e.code().map(|c| c.code().to_string()).unwrap_or_default()
        ),
    }
    let count: i64 = client.query_one("SELECT count(*) FROM tc", &[]).await?.get(0);
    println!("copy_count={count}");
    Ok(())
}

/// Every column of `all_types` that tokio-postgres has a Rust type for, read in binary and
/// written back through binary parameters into `all_types_tokio`.
async fn every_type(client: &Client) -> Result<(), Box<dyn std::error::Error>> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
    let columns =
        "b, ti, si, i, bi, uti, usi, ui, f, dbl, dsmall, s, empty, blob, day, t, ts, tsns, tsms, tss, \
                   tstz, u, umin, j, li, ls, ldt, lf, lempty";
    let rows = client
        .query(
            &format!("SELECT {columns} FROM all_types ORDER BY i NULLS LAST"),
            &[],
        )
        .await?;
    let insert = client
        .prepare(&format!(
            "INSERT INTO all_types_tokio ({columns}) VALUES ({})",
            (1..=29).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
        ))
        .await?;
    for (n, row) in rows.iter().enumerate() {
        let b: Option<bool> = row.get(0);
        let ints: (Option<i16>, Option<i16>, Option<i32>, Option<i64>) =
            (row.get(1), row.get(2), row.get(3), row.get(4));
        // UINTEGER is PostgreSQL's oid (u32).
        let unsigned: (Option<i16>, Option<i32>, Option<u32>) = (row.get(5), row.get(6), row.get(7));
        let floats: (Option<f32>, Option<f64>, Option<f64>) = (row.get(8), row.get(9), row.get(10));
        let texts: (Option<String>, Option<String>, Option<Vec<u8>>) =
            (row.get(11), row.get(12), row.get(13));
        let day: Option<NaiveDate> = row.get(14);
        let t: Option<NaiveTime> = row.get(15);
        let stamps: (
            Option<NaiveDateTime>,
            Option<NaiveDateTime>,
            Option<NaiveDateTime>,
            Option<NaiveDateTime>,
        ) = (row.get(16), row.get(17), row.get(18), row.get(19));
        let tstz: Option<DateTime<Utc>> = row.get(20);
        let uuids: (Option<uuid::Uuid>, Option<uuid::Uuid>) = (row.get(21), row.get(22));
        let j: Option<serde_json::Value> = row.get(23);
        let lists: (
            Option<Vec<Option<i32>>>,
            Option<Vec<Option<String>>>,
            Option<Vec<Option<NaiveDate>>>,
        ) = (row.get(24), row.get(25), row.get(26));
        let lf: Option<Vec<Option<f64>>> = row.get(27);
        let lempty: Option<Vec<i64>> = row.get(28);
        if n == 0 {
            println!("ints={ints:?}|{unsigned:?}");
            println!("floats={floats:?}");
            println!("texts={texts:?}");
            println!("times={day:?}|{t:?}|{stamps:?}|{tstz:?}");
            println!("uuids={uuids:?}|{j:?}");
            println!("lists={lists:?}|{lf:?}|{lempty:?}");
        }
        client
            .execute(
                &insert,
                &[
                    &b,
                    &ints.0,
                    &ints.1,
                    &ints.2,
                    &ints.3,
                    &unsigned.0,
                    &unsigned.1,
                    &unsigned.2,
                    &floats.0,
                    &floats.1,
                    &floats.2,
                    &texts.0,
                    &texts.1,
                    &texts.2,
                    &day,
                    &t,
                    &stamps.0,
                    &stamps.1,
                    &stamps.2,
                    &stamps.3,
                    &tstz,
                    &uuids.0,
                    &uuids.1,
                    &j,
                    &lists.0,
                    &lists.1,
                    &lists.2,
                    &lf,
                    &lempty,
                ],
            )
            .await?;
    }
    Ok(())
}
