// A throwaway database on a PostgreSQL server, for the tests and the benchmark: created with a
// random name through an administrative connection, and dropped (connections and all) afterwards.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

async function run(adminUrl: string, sql: string) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Without an administrative URL there is nothing to create: the caller uses PGlite. */
export async function createScratchDatabase(adminUrl: string | undefined, label: string) {
  if (!adminUrl) return { url: undefined, drop: async () => {} };
  const name = `suward_${label}_${randomBytes(6).toString('hex')}`;
  await run(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => run(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
