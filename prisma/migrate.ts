// `npm run db:migrate`: apply pending migrations to the configured database.
// `npm run db:migration -- <name>`: write the next migration from changes to schema.prisma.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { loadConfig } from '../src/config.js';
import { createAdapterFactory } from '../src/db/client.js';
import { applyMigrations, diffMigrationsToSchema, lockfile, migrationsDir } from '../src/db/migrator.js';

const [command, name] = process.argv.slice(2);

if (command === 'deploy') {
  const config = loadConfig();
  const { factory, close } = await createAdapterFactory(config);
  const applied = await applyMigrations(factory);
  await close();
  console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'The database is up to date.');
} else if (command === 'create') {
  if (!name || !/^[a-z0-9_]+$/.test(name)) {
    console.error('Usage: npm run db:migration -- <name in lower_snake_case>');
    process.exit(1);
  }
  // An in-memory PGlite is the shadow database on which the folder is replayed.
  const memory = new PGlite();
  const sql = await diffMigrationsToSchema(new PrismaPGlite(memory));
  await memory.close();
  if (!sql.trim()) {
    console.log('schema.prisma and the migrations folder agree; nothing to write.');
  } else {
    const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
    const folder = path.join(migrationsDir, `${stamp}_${name}`);
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, 'migration.sql'), sql);
    await writeFile(path.join(migrationsDir, 'migration_lock.toml'), lockfile);
    console.log(`Wrote ${path.relative(process.cwd(), folder)}/migration.sql`);
  }
} else {
  console.error('Usage: migrate.ts deploy | create <name>');
  process.exit(1);
}
