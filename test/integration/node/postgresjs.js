// What an application does with postgres.js (npm `postgres`): tagged-template queries with
// parameters, arrays in and out (it loads array types from pg_type on connect), an ENUM,
// a transaction, a cursor read in batches, and an error. Prints one JSON line.
const postgres = require('postgres');

async function main() {
  const [port, password] = process.argv.slice(2);
  const sql = postgres({ host: '127.0.0.1', port: Number(port), user: 'duckdb', pass: password, database: 'memory', max: 1 });
  const seen = {};
  seen.plain = (await sql`SELECT 41 + ${1}::integer AS answer`)[0].answer;
  await sql`CREATE TYPE pj_mood AS ENUM ('sad', 'ok', 'happy')`;
  await sql`CREATE TABLE pj_items (id integer PRIMARY KEY, tags text[], scores integer[], mood pj_mood)`;
  await sql`INSERT INTO pj_items VALUES (${1}, ${sql.array(['a', 'b,c', 'd"e'])}, ${sql.array([1, 2, 3])}, ${'happy'})`;
  await sql`INSERT INTO pj_items VALUES (${2}, ${sql.array([])}, ${sql.array([null, 5])}, ${null})`;
  const rows = await sql`SELECT id, tags, scores, mood FROM pj_items ORDER BY id`;
  seen.rows = rows.map(r => [r.id, r.tags, r.scores, r.mood]);
  seen.any = (await sql`SELECT id FROM pj_items WHERE id = ANY(${sql.array([2, 3])}::integer[]) ORDER BY id`).map(r => r.id);
  await sql.begin(async tx => {
    await tx`INSERT INTO pj_items (id) VALUES (${3})`;
    seen.inside = (await tx`SELECT count(*)::integer AS n FROM pj_items`)[0].n;
  });
  try {
    await sql.begin(async tx => {
      await tx`DELETE FROM pj_items`;
      throw new Error('roll back');
    });
  } catch (e) {
    seen.rolled_back = e.message;
  }
  seen.after = (await sql`SELECT count(*)::integer AS n FROM pj_items`)[0].n;
  const batches = [];
  await sql.begin(async tx => {
    const cursor = tx`SELECT g FROM generate_series(1, 25) AS t(g) ORDER BY g`.cursor(10);
    for await (const batch of cursor) {
      batches.push(batch.length);
    }
  });
  seen.cursor_batches = batches;
  try {
    await sql`SELECT * FROM pj_missing WHERE id = ${1}`;
  } catch (e) {
    seen.error = e.code;
  }
  seen.still_usable = (await sql`SELECT ${'ok'}::text AS t`)[0].t;
  await sql.end();
  console.log(JSON.stringify(seen));
}

main().catch(e => { console.error(e); process.exit(1); });
