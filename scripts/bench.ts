// `npm run bench`: a short load test of the real server, printed as one table.
//
// The server runs in this process with the production hashing parameters and rate limits raised
// out of the way; the load comes from separate autocannon processes on 127.0.0.1. The database is
// an embedded PGlite in a temporary folder, or a scratch database created (and dropped afterwards)
// on the PostgreSQL server that BENCH_DATABASE_URL names, e.g.
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench
// BENCH_SECONDS sets the length of each load run (default 5).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import argon2 from 'argon2';
import { createSchema, createYoga } from 'graphql-yoga';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createMemoryTransport } from '../src/mail/mailer.js';
import { createSessionCache } from '../src/features/sessions/cache.js';
import { createPasswordHasher } from '../src/security/passwords.js';
import { createServices } from '../src/services.js';
import { createScratchDatabase } from './scratch-database.js';

const root = path.resolve(import.meta.dirname, '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const PASSWORD = 'plum-orbit-canvas-91';

// ---- load generation in a second process ---------------------------------------------------------

interface LoadResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}

const LOADER = `
const autocannon = require('autocannon');
autocannon(JSON.parse(process.argv[1]), (error, result) => {
  if (error) { console.error(error); process.exit(1); }
  process.stdout.write(JSON.stringify(result));
});
`;

function load(url: string, body: string, connections: number, seconds = SECONDS, token?: string): Promise<LoadResult> {
  const options = {
    url,
    method: 'POST',
    connections,
    duration: seconds,
    body,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', LOADER, JSON.stringify(options)], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk));
    child.on('error', reject);
    // 'close', not 'exit': the output may still be arriving when the process has exited.
    child.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`autocannon exited with ${code}`)),
    );
  });
}

// ---- argon2id ceiling ------------------------------------------------------------------------------

const POOL_THREADS = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
const hashes = (n: number) => `${n} ${n === 1 ? 'hash' : 'hashes'}`;

/** Hashes per second with `threads` hashes always in flight, with the production parameters. */
async function argon2Ceiling(
  seconds: number,
  params: { memoryCost: number; timeCost: number; parallelism: number },
  threads: number,
) {
  const until = performance.now() + seconds * 1000;
  let hashes = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: threads }, async () => {
      while (performance.now() < until) {
        await argon2.hash(PASSWORD, { type: argon2.argon2id, ...params });
        hashes++;
      }
    }),
  );
  return { threads, perSecond: hashes / ((performance.now() - started) / 1000) };
}

// ---- the database ------------------------------------------------------------------------------------

const listen = (server: Server) =>
  new Promise<string>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`)),
  );

// ---- the run -------------------------------------------------------------------------------------------

const loadBefore = os.loadavg()[0]!;
const database = await createScratchDatabase(process.env.BENCH_DATABASE_URL, 'bench');
const dataDir = path.join(os.tmpdir(), `suward-bench-${randomBytes(6).toString('hex')}`);
const rows: string[][] = [];
const row = (...cells: (string | number)[]) => rows.push(cells.map(String));
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const problems = (r: LoadResult) => {
  const bad = r.errors + r.timeouts + r.non2xx;
  return bad ? `${bad} failed requests` : '';
};
/** A row for one load run: its rate, latencies and statements, then the notes that apply. */
const runRow = (scenario: string, connections: number, r: LoadResult, sql: string, ...notes: string[]) =>
  row(
    scenario,
    connections,
    fmt(r.requests.average),
    r.latency.p50,
    r.latency.p99,
    sql,
    [...notes, problems(r)].filter(Boolean).join('; '),
  );

let statements = 0;
const config = loadConfig({
  NODE_ENV: 'production',
  LOG_LEVEL: 'silent',
  DATA_DIR: dataDir,
  ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  ...(database.url ? { DATABASE_URL: database.url } : {}),
});
const transport = createMemoryTransport();
const unlimited = { points: 1_000_000_000, windowSeconds: 900 };
const cacheOff = { ttlMs: 0, prefix: 'bench' };
const { services, close } = await createServices(config, {
  transport,
  rateLimitRules: { signInPerClient: unlimited, signInPerAccountAndClient: unlimited, mailPerClient: unlimited },
  onStatement: () => statements++,
});
const app = createApp(services);
// The same server with its session cache off: what a request costs when the session is not in memory.
// The same server hashing on every libuv thread at once, as it would with PASSWORD_HASH_CONCURRENCY
// set to the pool's size.
const poolWideApp = createApp({ ...services, passwords: createPasswordHasher(config.argon2, POOL_THREADS) });
const uncachedApp = createApp({
  ...services,
  sessionCache: createSessionCache({ ...cacheOff, logger: services.logger }),
});
const bareSchema = createSchema({ typeDefs: 'type Query { ok: Boolean }' });
const bareApp = createYoga({ schema: bareSchema, logging: false });
// graphql-yoga pipes every request body through a counting stream for its default 25 MB limit;
// the server checks Content-Length instead (src/http/body-limit.ts), so both are shown.
const bareNoLimitApp = createYoga({ schema: bareSchema, logging: false, maxRequestBodySize: false });
const server = createServer((req, res) => void app(req, res));
const uncached = createServer((req, res) => void uncachedApp(req, res));
const poolWide = createServer((req, res) => void poolWideApp(req, res));
const bare = createServer((req, res) => void bareApp(req, res));
const bareNoLimit = createServer((req, res) => void bareNoLimitApp(req, res));
const [url, poolWideUrl, uncachedUrl, bareUrl, bareNoLimitUrl] = await Promise.all([
  listen(server),
  listen(poolWide),
  listen(uncached),
  listen(bare),
  listen(bareNoLimit),
]);

async function gql(query: string, variables: Record<string, unknown> = {}, token?: string, target = url) {
  const res = await fetch(target, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: any; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

/** SQL statements per request, measured exactly over sequential requests. */
async function statementsPerRequest(
  query: string,
  variables: Record<string, unknown>,
  token?: string,
  n = 10,
  target = url,
) {
  await gql(query, variables, token, target);
  const before = statements;
  for (let i = 0; i < n; i++) await gql(query, variables, token, target);
  return (statements - before) / n;
}

try {
  // Measured before the load runs and again after them; the higher of the two counts, since
  // anything else running on the machine can only lower it.
  const argonBefore = {
    pool: await argon2Ceiling(3, config.argon2, POOL_THREADS),
    server: await argon2Ceiling(3, config.argon2, config.hashConcurrency),
  };

  // An account with a verified address, and ten organizations besides its personal one.
  const email = 'bench@example.com';
  const SIGN_IN =
    'mutation($i: SignInEmailPasswordInput!) { signInEmailPassword(input: $i) { __typename ... on SignInSuccess { token } } }';
  await gql('mutation($i: SignUpInput!) { signUp(input: $i) { __typename } }', {
    i: { email, password: PASSWORD, name: 'Bench' },
  });
  await services.mailer.flush();
  const link = transport.sent.find((m) => m.to === email)!.text.match(/token=([\w-]+)/)![1];
  await gql('mutation($t: String!) { verifyEmail(input: { token: $t }) { __typename } }', { t: link });
  const signedIn = await gql(SIGN_IN, { i: { email, password: PASSWORD } });
  if (signedIn.signInEmailPassword.__typename !== 'SignInSuccess') throw new Error('bench sign-in failed');
  const token = signedIn.signInEmailPassword.token as string;
  const user = await services.db.user.findUniqueOrThrow({ where: { email } });
  for (let i = 0; i < 10; i++) {
    await services.db.organization.create({
      data: { name: `Team ${i}`, members: { create: { userId: user.id, role: 'MEMBER' } } },
    });
  }

  const signInBody = JSON.stringify({ query: SIGN_IN, variables: { i: { email, password: PASSWORD } } });
  const ME = '{ me { id email } }';
  const ORGS = '{ me { organizations { edges { node { role organization { id name } } } } } }';
  const meBody = JSON.stringify({ query: ME });
  const orgsBody = JSON.stringify({ query: ORGS });
  const bareBody = JSON.stringify({ query: '{ __typename }' });

  const sqlSignIn = await statementsPerRequest(SIGN_IN, { i: { email, password: PASSWORD } }, undefined, 5);
  const sqlMe = await statementsPerRequest(ME, {}, token);
  const sqlMeUncached = await statementsPerRequest(ME, {}, token, 10, uncachedUrl);
  const sqlOrgs = await statementsPerRequest(ORGS, {}, token);
  const orgCount = (await gql(ORGS, {}, token)).me.organizations.edges.length as number;

  // (a) password sign-in, at the server's hashing concurrency and across the whole pool
  await load(url, signInBody, 8, 1);
  const signIns: [string, number, LoadResult][] = [];
  for (const c of [8, 32]) signIns.push(['sign-in (password)', c, await load(url, signInBody, c)]);
  await load(poolWideUrl, signInBody, 8, 1);
  signIns.push([`sign-in, ${hashes(POOL_THREADS)} at once`, 32, await load(poolWideUrl, signInBody, 32)]);

  // (b) me with a bearer token, next to a bare yoga
  await load(url, meBody, 16, 1, token);
  const me = await load(url, meBody, 16, SECONDS, token);
  await load(uncachedUrl, meBody, 16, 1, token);
  const meUncached = await load(uncachedUrl, meBody, 16, SECONDS, token);
  await load(bareUrl, bareBody, 16, 1);
  const bareRun = await load(bareUrl, bareBody, 16);
  await load(bareNoLimitUrl, bareBody, 16, 1);
  const bareNoLimitRun = await load(bareNoLimitUrl, bareBody, 16);
  const ofBare = (r: LoadResult) =>
    `${fmt((100 * r.requests.average) / bareRun.requests.average)}% of bare yoga (${fmt((100 * r.requests.average) / bareNoLimitRun.requests.average)}% without its body limit)`;
  runRow('me { id email } (bearer)', 16, me, fmt(sqlMe, 1), ofBare(me), 'session from the cache');
  runRow('me { id email }, session cache off', 16, meUncached, fmt(sqlMeUncached, 1), ofBare(meUncached));
  runRow('bare graphql-yoga { __typename }', 16, bareRun, '0', 'same process, no plugins, default 25 MB body limit');
  runRow('bare graphql-yoga, no body limit', 16, bareNoLimitRun, '0', 'maxRequestBodySize: false');

  // (c) nested organizations
  const orgs = await load(url, orgsBody, 16, SECONDS, token);
  runRow(
    `me.organizations (${orgCount} orgs, nested)`,
    16,
    orgs,
    fmt(sqlOrgs, 1),
    'SQL/req is the same for 1 org (see test)',
  );

  // (d) me while sign-ins saturate the CPU, at the server's hashing concurrency and across the pool
  for (const [label, target] of [
    ['me during sign-in load (c=32)', url],
    [`me during sign-in load, ${hashes(POOL_THREADS)} at once`, poolWideUrl],
  ] as const) {
    const [busyMe, busySignIn] = await Promise.all([
      load(target, meBody, 4, SECONDS, token),
      load(target, signInBody, 32),
    ]);
    runRow(
      label,
      4,
      busyMe,
      fmt(sqlMe, 1),
      `sign-ins meanwhile: ${fmt(busySignIn.requests.average)}/s`,
      problems(busySignIn),
    );
  }

  const argonAfter = {
    pool: await argon2Ceiling(3, config.argon2, POOL_THREADS),
    server: await argon2Ceiling(3, config.argon2, config.hashConcurrency),
  };
  const best = (which: 'pool' | 'server') => Math.max(argonBefore[which].perSecond, argonAfter[which].perSecond);
  const ceilingRows = [
    [
      'argon2id ceiling, whole libuv pool',
      String(POOL_THREADS),
      fmt(best('pool')),
      '',
      '',
      '',
      `m=19456 t=2 p=1, ${hashes(POOL_THREADS)} always in flight (${fmt(argonBefore.pool.perSecond)}/s before the runs, ${fmt(argonAfter.pool.perSecond)}/s after)`,
    ],
    [
      "argon2id ceiling, server's concurrency",
      String(config.hashConcurrency),
      fmt(best('server')),
      '',
      '',
      '',
      `PASSWORD_HASH_CONCURRENCY=${config.hashConcurrency} (${fmt(argonBefore.server.perSecond)}/s before, ${fmt(argonAfter.server.perSecond)}/s after)`,
    ],
  ];
  const signInRows = signIns.map(([label, c, r]) => {
    const ofPool = `${fmt((100 * r.requests.average) / best('pool'))}% of the whole pool's ceiling`;
    const ofServer = `${fmt((100 * r.requests.average) / best('server'))}% of the server's`;
    return [
      label,
      String(c),
      fmt(r.requests.average),
      String(r.latency.p50),
      String(r.latency.p99),
      fmt(sqlSignIn, 1),
      [label.startsWith('sign-in (') ? `${ofServer}, ${ofPool}` : ofPool, problems(r)].filter(Boolean).join('; '),
    ];
  });
  rows.unshift(...ceilingRows, ...signInRows);

  // (e) memory
  const mem = process.memoryUsage();
  row(
    'resident memory after the run',
    '',
    '',
    '',
    '',
    '',
    `${fmt(mem.rss / 2 ** 20)} MiB RSS, ${fmt(mem.heapUsed / 2 ** 20)} MiB JS heap (server, bare yoga and argon2 run share the process)`,
  );

  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const header = ['scenario', 'conc', 'req/s', 'p50 ms', 'p99 ms', 'SQL/req', 'notes'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 || i === 6 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  // Other work on the machine skews every number: the 1-minute load average tells how quiet it was.
  const loads = `load average ${fmt(loadBefore, 1)} before, ${fmt(os.loadavg()[0]!, 1)} after`;
  console.log(
    `Suward bench: ${database.url ? 'PostgreSQL' : 'PGlite (embedded, on disk)'}, ${SECONDS} s per run, Node ${process.version}, ${os.cpus().length} × ${cpu}, ${loads}`,
  );
  console.log(line(header));
  console.log(
    `|${widths.map((w, i) => (i === 0 || i === 6 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
  );
  for (const r of rows) console.log(line(r));
} finally {
  await new Promise((resolve) => server.close(resolve));
  await new Promise((resolve) => bare.close(resolve));
  await new Promise((resolve) => bareNoLimit.close(resolve));
  await new Promise((resolve) => uncached.close(resolve));
  await new Promise((resolve) => poolWide.close(resolve));
  await close();
  await database.drop();
  await rm(dataDir, { recursive: true, force: true });
}
