// The Prisma client: embedded PGlite in the data folder by default, PostgreSQL when
// DATABASE_URL is set. Both go through driver adapters; no native engine is involved.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import type { Config } from '../config.js';
import { PrismaClient } from '../generated/prisma/client.js';
import { applyMigrations } from './migrator.js';

export interface AdapterHandle {
  factory: SqlMigrationAwareDriverAdapterFactory;
  kind: 'pglite' | 'postgresql';
  close: () => Promise<void>;
}

export async function createAdapterFactory(
  config: Pick<Config, 'databaseUrl' | 'dataDir'>,
  options: { inMemory?: boolean } = {},
): Promise<AdapterHandle> {
  if (config.databaseUrl) {
    return {
      factory: new PrismaPg({ connectionString: config.databaseUrl, max: 20 }),
      kind: 'postgresql',
      close: async () => {},
    };
  }
  let pglite: PGlite;
  if (options.inMemory) {
    pglite = new PGlite();
  } else {
    const dir = path.join(config.dataDir, 'pgdata');
    await mkdir(dir, { recursive: true });
    pglite = new PGlite(dir);
  }
  return { factory: new PrismaPGlite(pglite), kind: 'pglite', close: () => pglite.close() };
}

export type Database = PrismaClient;

/**
 * Applies migrations on PostgreSQL, then closes every connection the schema engine opened.
 * The engine holds a session-level advisory lock while it migrates and never closes its pool,
 * so the lock stayed with an idle connection until the pool dropped it about 10 seconds later;
 * another instance starting in that time waited for the lock, timed out and exited.
 */
async function migrateAndDisconnect(factory: SqlMigrationAwareDriverAdapterFactory, log: (line: string) => void) {
  const opened: SqlDriverAdapter[] = [];
  const track = async (adapter: Promise<SqlDriverAdapter>) => {
    opened.push(await adapter);
    return opened.at(-1)!;
  };
  const tracking: SqlMigrationAwareDriverAdapterFactory = {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: () => track(factory.connect()),
    connectToShadowDb: () => track(factory.connectToShadowDb()),
  };
  try {
    return await applyMigrations(tracking, log);
  } finally {
    await Promise.all(opened.map((adapter) => adapter.dispose()));
  }
}

/** Applies pending migrations, then opens the client. */
export async function openDatabase(handle: AdapterHandle, log: (line: string) => void = () => {}) {
  // PGlite has one connection, shared with the client, and no other process to wait for it.
  const applied =
    handle.kind === 'postgresql'
      ? await migrateAndDisconnect(handle.factory, log)
      : await applyMigrations(handle.factory, log);
  const prisma = new PrismaClient({ adapter: handle.factory });
  return { prisma, applied };
}
