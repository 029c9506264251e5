import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import type { Services } from '../src/context.js';
import { totpCode } from '../src/features/two-factor/totp.js';
import { startServer, type TestServer } from './harness.js';
import { createAccount, SIGN_IN } from './flows.js';

let clock = new Date('2026-12-04T12:00:05Z');
let server: TestServer;
let base: string;
beforeAll(async () => {
  server = await startServer({
    services: {
      now: () => clock,
      rateLimitRules: {
        signInPerClient: { points: 100_000, windowSeconds: 900 },
        mailPerClient: { points: 100_000, windowSeconds: 3600 },
        signInPerAccountAndClient: { points: 3, windowSeconds: 900, blockSeconds: 900 },
      },
    },
  });
  base = server.url.replace(/\/graphql$/, '');
});
afterAll(() => server?.close());

/** The value of one sample in the Prometheus text format, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    const match = line.match(/^([a-z_]+)(?:\{(.*)\})? (\S+)$/);
    if (!match || match[1] !== name) continue;
    const have = match[2]?.split(',') ?? [];
    if (wanted.every((w) => have.includes(w)) && have.length === wanted.length) return Number(match[3]);
  }
  return undefined;
}

const metrics = () => fetch(`${base}/metrics`).then((r) => r.text());

describe('operations endpoints', () => {
  it('answers /health and /ready while the database is up', async () => {
    expect((await fetch(`${base}/health`)).status).toBe(200);
    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('answers /ready with 503, and no detail, when the database fails or hangs', async () => {
    const failing = {
      ...server.services,
      db: { $queryRaw: () => Promise.reject(new Error('connection refused at 10.0.0.1')) },
    };
    const res = await createApp(failing as unknown as Services).fetch('http://localhost/ready');
    expect(res.status).toBe(503);
    const body = await res.text();
    expect(body).not.toContain('10.0.0.1');
    expect(JSON.parse(body)).toEqual({ status: 'unavailable' });

    const hanging = { ...server.services, db: { $queryRaw: () => new Promise(() => {}) } };
    const started = Date.now();
    expect((await createApp(hanging as unknown as Services).fetch('http://localhost/ready')).status).toBe(503);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('counts requests by root field and outcome, GraphQL errors by code, and latency', async () => {
    await server.gql('{ me { id } }');
    await server.gql('{ me { id } }');
    await server.gql('{ doesNotExist }');
    const text = await metrics();
    expect(await fetch(`${base}/metrics`).then((r) => r.headers.get('content-type'))).toMatch(/^text\/plain/);
    expect(sample(text, 'suward_graphql_requests_total', { operation: 'query me', outcome: 'ok' })).toBe(2);
    expect(sample(text, 'suward_graphql_errors_total', { operation: 'none', code: 'GRAPHQL_VALIDATION_FAILED' })).toBe(
      1,
    );
    expect(sample(text, 'suward_graphql_request_duration_seconds_count', { operation: 'query me' })).toBe(2);
    expect(sample(text, 'suward_graphql_request_duration_seconds_bucket', { operation: 'query me', le: '+Inf' })).toBe(
      2,
    );
  });

  it('counts every sign-in outcome', async () => {
    const before = await metrics();
    const count = (text: string, outcome: string) => sample(text, 'suward_sign_ins_total', { outcome }) ?? NaN;
    const signIn = (input: Record<string, string>) =>
      server.gql(SIGN_IN, { input }).then((r) => r.data.signInEmailPassword);

    const withCode = await createAccount(server);
    const setup = await server.gql(
      'mutation($p: String!) { setupTwoFactor(input: { password: $p }) { ... on TwoFactorSetup { secret } } }',
      { p: withCode.password },
      { token: withCode.token },
    );
    const secret = setup.data.setupTwoFactor.secret as string;
    await server.gql(
      'mutation($c: String!) { activateTwoFactor(input: { code: $c }) { __typename } }',
      { c: await totpCode(secret, clock) },
      { token: withCode.token },
    );
    const account = { email: withCode.email, password: withCode.password };
    expect((await signIn(account)).__typename).toBe('TwoFactorRequiredError');
    expect((await signIn({ ...account, code: '000000' })).__typename).toBe('InvalidTwoFactorCodeError');
    clock = new Date(clock.getTime() + 30_000);
    expect((await signIn({ ...account, code: await totpCode(secret, clock) })).__typename).toBe('SignInSuccess');

    const other = await createAccount(server);
    for (let i = 0; i < 3; i++)
      expect((await signIn({ email: other.email, password: 'wrong-password-1' })).__typename).toBe(
        'InvalidCredentialsError',
      );
    expect((await signIn({ email: other.email, password: other.password })).__typename).toBe('RateLimitedError');

    const after = await metrics();
    const delta = (outcome: string) => count(after, outcome) - count(before, outcome);
    expect({
      success: delta('success'),
      invalid_credentials: delta('invalid_credentials'),
      two_factor_required: delta('two_factor_required'),
      invalid_code: delta('invalid_code'),
      rate_limited: delta('rate_limited'),
      error: delta('error'),
    }).toEqual({
      success: 3,
      invalid_credentials: 3,
      two_factor_required: 1,
      invalid_code: 1,
      rate_limited: 1,
      error: 0,
    });
  });
});
