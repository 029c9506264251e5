// Two server processes on one PostgreSQL database and one Redis, as behind a load balancer:
// accounts, sessions and password budgets must not depend on which instance answers.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase } from '../scripts/scratch-database.js';
import { deleteRedisKeys, goodPassword, uniqueEmail } from './harness.js';
import { ME, SIGN_IN, SIGN_UP } from './flows.js';

const adminUrl = process.env.TEST_DATABASE_URL;
const redisUrl = process.env.TEST_REDIS_URL;
const root = path.resolve(import.meta.dirname, '..');

interface Instance {
  url: string;
  pid: number;
  stop(): Promise<number | null>;
  output(): string;
}

/** Starts src/server.ts as its own process and resolves once it logs its address. */
async function startInstance(env: Record<string, string>): Promise<Instance> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const stopped = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk;
      const match = output.match(/"url":"(http:\/\/127\.0\.0\.1:\d+\/graphql)"/);
      if (match) resolve(match[1]!);
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
  return {
    url,
    pid: child.pid!,
    // By pid, and only this process.
    stop: () => (process.kill(child.pid!, 'SIGTERM'), stopped),
    output: () => output,
  };
}

async function gql(instance: Instance, query: string, variables: Record<string, unknown> = {}, token?: string) {
  const res = await fetch(instance.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { data: Record<string, any>; errors?: unknown[] };
  expect(body.errors).toBeUndefined();
  return body.data;
}

/** Every Redis key matching `pattern`. */
async function keysMatching(pattern: string): Promise<string[]> {
  const redis = new Redis(redisUrl!);
  const found: string[] = [];
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      found.push(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
  return found;
}

const signIn = async (instance: Instance, email: string, password: string) =>
  (await gql(instance, SIGN_IN, { input: { email, password } })).signInEmailPassword as {
    __typename: string;
    token?: string;
    code?: string;
    retryAfterSeconds?: number;
  };

describe.skipIf(!adminUrl || !redisUrl)('two instances sharing PostgreSQL and Redis', () => {
  const suffix = randomBytes(6).toString('hex');
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>> | undefined;
  const prefix = `test-instances-${suffix}`;
  const dataDirs = [`/tmp/suward-instance-a-${suffix}`, `/tmp/suward-instance-b-${suffix}`];
  let a: Instance | undefined;
  let b: Instance | undefined;

  beforeAll(async () => {
    scratch = await createScratchDatabase(adminUrl, 'instances');
    const shared = {
      DATABASE_URL: scratch.url!,
      REDIS_URL: redisUrl!,
      RATE_LIMIT_PREFIX: prefix,
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      ARGON2_MEMORY_KIB: '1024',
      ARGON2_ITERATIONS: '1',
    };
    // Started together, as a deployment would: both apply migrations to the empty database.
    const started = await Promise.allSettled(dataDirs.map((dir) => startInstance({ ...shared, DATA_DIR: dir })));
    [a, b] = started.map((s) => (s.status === 'fulfilled' ? s.value : undefined));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
  });

  afterAll(async () => {
    const codes = await Promise.all(
      [a, b].map((instance) => (instance ? instance.stop() : Promise.resolve(undefined))),
    );
    await scratch?.drop();
    await deleteRedisKeys(redisUrl!, `${prefix}:*`);
    expect(await keysMatching(`${prefix}:*`)).toEqual([]);
    await Promise.all(dataDirs.map((dir) => rm(dir, { recursive: true, force: true })));
    expect(codes).toEqual([0, 0]);
  });

  it('signs in on B to an account created on A', async () => {
    const email = uniqueEmail('shared');
    const signUp = await gql(a!, SIGN_UP, { input: { email, password: goodPassword, name: 'Shared' } });
    expect(signUp.signUp.__typename).toBe('EmailSent');
    const onB = await signIn(b!, email, goodPassword);
    expect(onB.__typename).toBe('SignInSuccess');
  });

  it('honours a session from A on B, and a sign-out on B ends it on A', async () => {
    const email = uniqueEmail('session');
    await gql(a!, SIGN_UP, { input: { email, password: goodPassword, name: 'Session' } });
    const { token } = await signIn(a!, email, goodPassword);
    expect((await gql(b!, ME, {}, token)).me).toMatchObject({ email });
    expect((await gql(a!, ME, {}, token)).me).toMatchObject({ email });
    // A now has the session in its cache; B's sign-out has to reach it.
    expect((await gql(a!, ME, {}, token)).me).toMatchObject({ email });
    const out = await gql(b!, 'mutation { signOut { __typename } }', {}, token);
    expect(out.signOut.__typename).toBe('SignedOut');
    expect((await gql(a!, ME, {}, token)).me).toBeNull();
    expect((await gql(b!, ME, {}, token)).me).toBeNull();
  });

  it('shares the password budget: 5 failures spread over A and B limit both', async () => {
    const email = uniqueEmail('budget');
    await gql(b!, SIGN_UP, { input: { email, password: goodPassword, name: 'Budget' } });
    for (const instance of [a!, b!, a!, b!, a!]) {
      expect((await signIn(instance, email, 'wrong-password-1')).code).toBe('INVALID_CREDENTIALS');
    }
    for (const instance of [a!, b!]) {
      const limited = await signIn(instance, email, goodPassword);
      expect(limited).toMatchObject({ __typename: 'RateLimitedError', code: 'RATE_LIMITED' });
      expect(limited.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(limited.retryAfterSeconds).toBeLessThanOrEqual(60);
    }
    // The counts live under this deployment's prefix only, and name no address in plain text.
    const keys = await keysMatching(`${prefix}:signInPerAccountAndClient:*`);
    expect(keys.length).toBeGreaterThan(0);
    expect((await keysMatching(`${prefix}:*`)).filter((key) => key.includes('@') || key.includes('127.0.0.1'))).toEqual(
      [],
    );
  });
});
