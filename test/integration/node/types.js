// Every column of a table through node-postgres: read as the server's text (no parsing, so
// what is printed is what the server wrote), then written back through parameters into a
// copy the test compares on the host. Prints one JSON object: column -> text.
const { Client } = require('pg');

async function main() {
  const [port, password, table, castList] = process.argv.slice(2);
  const casts = castList.split(';');
  const raw = { getTypeParser: () => (value) => value };
  const client = new Client({ host: '127.0.0.1', port: Number(port), user: 'duckdb', password, database: 'memory', types: raw });
  await client.connect();
  const res = await client.query({ text: `SELECT * FROM ${table} ORDER BY 1 NULLS LAST`, types: raw });
  const seen = {};
  res.fields.forEach((f, i) => { seen[f.name] = res.rows[0][f.name]; });
  const marks = casts.map((ty, i) => `CAST($${i + 1} AS ${ty})`).join(', ');
  for (const row of res.rows) {
    await client.query(`INSERT INTO ${table}_node VALUES (${marks})`, res.fields.map(f => row[f.name]));
  }
  console.log(JSON.stringify(seen));
  await client.end();
}

main().catch((e) => { console.error(e); process.exit(1); });
