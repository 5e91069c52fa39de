//! What the catalog rewrite costs a statement that needs none (the budget: < 20 µs
//! median), and one that does: `cargo run --release --example rewrite_cost`.
//!
//! A statement that needs no rewrite pays the lexical look (`might_need`) and, when a result
//! column has a made-up name, the parse that finds PostgreSQL's name (`column_names`).
use std::time::Instant;

use pgwire::catalog::{self, Facts};

fn median_ns(mut f: impl FnMut()) -> f64 {
    let mut samples: Vec<f64> = (0..15)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..2000 {
                f();
            }
            start.elapsed().as_nanos() as f64 / 2000.0
        })
        .collect();
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    samples[samples.len() / 2]
}

fn main() {
    let facts = Facts {
        user: "duckdb",
        pid: 1,
        workspace: false,
        setting: &|_| None,
        database: "memory",
    };
    let plain = [
        ("point query", "SELECT id, name, balance FROM customers WHERE id = $1", vec!["id", "name", "balance"]),
        (
            "analytics",
            "SELECT region, date_trunc('month', placed) AS month, sum(amount) AS total, count(DISTINCT customer_id) AS buyers FROM orders JOIN customers c ON c.id = orders.customer_id WHERE placed >= DATE '2024-01-01' GROUP BY ALL ORDER BY total DESC LIMIT 100",
            vec!["region", "month", "total", "buyers"],
        ),
        ("unaliased aggregate (named by parsing)", "SELECT count(*), max(amount) FROM orders", vec!["count_star()", "max(amount)"]),
    ];
    println!("| statement | rewrite | ns per statement (median) |");
    println!("|---|---|---|");
    for (what, sql, names) in plain {
        let names: Vec<String> = names.into_iter().map(String::from).collect();
        let ns = median_ns(|| {
            assert!(catalog::rewrite(sql, &facts).is_none());
            std::hint::black_box(catalog::column_names(sql, &names));
        });
        println!("| {what} | none | {ns:.0} |");
    }
    let psql_dt = "SELECT n.nspname as \"Schema\", c.relname as \"Name\", pg_catalog.pg_get_userbyid(c.relowner) as \"Owner\" FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r','p','') AND n.nspname <> 'pg_catalog' AND n.nspname !~ '^pg_toast' AND pg_catalog.pg_table_is_visible(c.oid) ORDER BY 1,2";
    let ns = median_ns(|| {
        std::hint::black_box(catalog::rewrite(psql_dt, &facts));
    });
    println!("| psql \\dt | catalog | {ns:.0} |");
}
