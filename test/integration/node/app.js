// What an application does with node-postgres: plain queries, parameters, a named prepared
// statement, a transaction, an error, arrays. Prints one JSON line with what it saw.
const { Client } = require('pg');

async function main() {
  const [port, password] = process.argv.slice(2);
  const client = new Client({ host: '127.0.0.1', port: Number(port), user: 'duckdb', password, database: 'memory', application_name: 'node_app' });
  await client.connect();
  const seen = {};
  seen.plain = (await client.query('SELECT 42 AS answer')).rows[0].answer;
  await client.query('CREATE TABLE js_items (id integer PRIMARY KEY, name varchar(50), price double precision, qty bigint, created timestamptz)');
  for (let i = 1; i <= 5; i++) {
    await client.query('INSERT INTO js_items VALUES ($1, $2, $3, $4, $5)', [i, 'n' + i, i * 1.5, 100 * i, '2024-01-02 03:04:05+00']);
  }
  const res = await client.query('SELECT id, name, price, qty, created FROM js_items WHERE id > $1 ORDER BY id', [2]);
  seen.rows = res.rows.map(r => [r.id, r.name, r.price, r.qty, r.created.toISOString()]);
  seen.fields = res.fields.map(f => f.dataTypeID);
  seen.command = res.command + ' ' + res.rowCount;
  const named = [];
  for (const id of [1, 2, 3]) {
    named.push((await client.query({ name: 'item-by-id', text: 'SELECT name FROM js_items WHERE id = $1', values: [id] })).rows[0].name);
  }
  seen.named = named;
  await client.query('BEGIN');
  await client.query('DELETE FROM js_items WHERE id = $1', [4]);
  await client.query('ROLLBACK');
  seen.after_rollback = (await client.query('SELECT count(*)::INTEGER AS n FROM js_items')).rows[0].n;
  try {
    await client.query('SELECT * FROM js_missing WHERE id = $1', [1]);
  } catch (e) {
    seen.error = e.code;
  }
  seen.still_usable = (await client.query('SELECT $1::text AS t', ['ok'])).rows[0].t;
  // Arrays as parameters (node-postgres writes them as PostgreSQL array text) and in results.
  await client.query('CREATE TABLE js_arrays (id integer, ints integer[], texts text[])');
  await client.query('INSERT INTO js_arrays VALUES ($1, $2, $3)', [1, [1, null, 3], ['x', 'y z', 'q"uote', null]]);
  await client.query('INSERT INTO js_arrays VALUES ($1, $2, $3)', [2, [], []]);
  seen.arrays = (await client.query('SELECT id, ints, texts FROM js_arrays ORDER BY id')).rows.map(r => [r.id, r.ints, r.texts]);
  seen.any = (await client.query('SELECT id FROM js_arrays WHERE id = ANY($1::integer[]) ORDER BY id', [[2, 5]])).rows.map(r => r.id);
  await client.end();
  console.log(JSON.stringify(seen));
}

main().catch(e => { console.error(e); process.exit(1); });
