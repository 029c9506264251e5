// Starts the real server on 127.0.0.1 against a database of its own: an in-memory PGlite, or,
// when TEST_DATABASE_URL is set, a fresh database on that PostgreSQL server, dropped afterwards.
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createScratchDatabase } from '../scripts/scratch-database.js';
import { createMemoryTransport } from '../src/mail/mailer.js';
import { createServices, type ServiceOptions } from '../src/services.js';

export const usingPostgres = Boolean(process.env.TEST_DATABASE_URL);

/** Deletes the keys matching `pattern`, so that runs leave nothing behind in a shared Redis. */
export async function deleteRedisKeys(url: string, pattern: string) {
  const redis = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}

export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  headers: Headers;
  data: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export async function startServer(options: { env?: Record<string, string>; services?: ServiceOptions } = {}) {
  const database = await createScratchDatabase(process.env.TEST_DATABASE_URL, 'test');
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATA_DIR: `/tmp/suward-test-${randomBytes(6).toString('hex')}`,
    // Cheaper hashing keeps the suite fast; one test runs the production parameters.
    ARGON2_MEMORY_KIB: '1024',
    ARGON2_ITERATIONS: '1',
    PUBLIC_ORIGIN: 'https://app.suward.test',
    ...(database.url ? { DATABASE_URL: database.url } : {}),
    ...(process.env.TEST_REDIS_URL ? { REDIS_URL: process.env.TEST_REDIS_URL } : {}),
    ...options.env,
  });
  const transport = createMemoryTransport();
  const rateLimitPrefix = options.services?.rateLimitPrefix ?? `test-${randomBytes(6).toString('hex')}`;
  const { services, close } = await createServices(config, {
    transport,
    inMemoryDatabase: !database.url,
    // Every test request comes from 127.0.0.1; per-client budgets are tested on their own.
    rateLimitRules: {
      signInPerClient: { points: 100_000, windowSeconds: 900 },
      mailPerClient: { points: 100_000, windowSeconds: 3600 },
      mailPerAddress: { points: 1_000, windowSeconds: 3600 },
    },
    // Each server keeps its limits apart from other test files sharing one Redis.
    rateLimitPrefix,
    ...options.services,
  });
  const app = createApp(services);
  const server: Server = createServer((req, res) => void app(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;

  async function gql<T = Record<string, any>>(
    query: string,
    variables: Record<string, unknown> = {},
    init: { token?: string; headers?: Record<string, string> } = {},
  ): Promise<GraphQLResponse<T>> {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
        ...init.headers,
      },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data: T; errors?: GraphQLResponse['errors'] };
    return { status: response.status, headers: response.headers, data: body.data, errors: body.errors };
  }

  return {
    url,
    config,
    services,
    gql,
    mail: transport.sent,
    /** The newest message sent to `to`, once every pending delivery has finished. */
    async lastMail(to: string, tag?: string) {
      await services.mailer.flush();
      const found = transport.sent.filter((m) => m.to === to && (!tag || m.tag === tag)).at(-1);
      if (!found) throw new Error(`no mail to ${to}${tag ? ` tagged ${tag}` : ''}`);
      return found;
    },
    async close() {
      await new Promise((resolve) => server.close(resolve));
      await close();
      await database.drop();
      if (config.redisUrl) await deleteRedisKeys(config.redisUrl, `${rateLimitPrefix}:*`);
      // The generated encryption key lands in this server's own data folder.
      await rm(config.dataDir, { recursive: true, force: true });
    },
  };
}

export type TestServer = Awaited<ReturnType<typeof startServer>>;

/** The token query parameter of the first link in a message. */
export function tokenFromMail(text: string): string {
  const link = text.match(/https?:\/\/\S+/)?.[0];
  if (!link) throw new Error('no link in the message');
  const token = new URL(link).searchParams.get('token');
  if (!token) throw new Error('no token in the link');
  return token;
}

let counter = 0;
export const uniqueEmail = (label = 'user') => `${label}.${Date.now().toString(36)}${counter++}@example.com`;
export const goodPassword = 'plum-orbit-canvas-91';
