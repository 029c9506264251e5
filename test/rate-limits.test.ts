// Sign-in budgets per client address and per account and client, the proxy header they trust,
// and the RATE_LIMITS override.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { clientKey } from '../src/http/client-address.js';
import { goodPassword, startServer, uniqueEmail, type TestServer } from './harness.js';
import { createAccount, SIGN_IN } from './flows.js';

type Answer = { __typename: string; code?: string; retryAfterSeconds?: number; token?: string };

async function attempt(server: TestServer, email: string, password: string, forwardedFor?: string): Promise<Answer> {
  const res = await server.gql(
    SIGN_IN,
    { input: { email, password } },
    forwardedFor ? { headers: { 'x-forwarded-for': forwardedFor } } : {},
  );
  expect(res.status).toBe(200);
  return res.data.signInEmailPassword as Answer;
}

function expectLimited(answer: Answer, windowSeconds: number) {
  expect(answer).toMatchObject({ __typename: 'RateLimitedError', code: 'RATE_LIMITED' });
  expect(answer.retryAfterSeconds).toBeGreaterThanOrEqual(1);
  expect(answer.retryAfterSeconds).toBeLessThanOrEqual(windowSeconds);
}

const perClient = {
  signInPerClient: [{ points: 3, windowSeconds: 60 }] as [{ points: number; windowSeconds: number }],
};

describe('sign-in budget per client address', () => {
  it('refuses the 4th attempt from one address, with a wait', async () => {
    const server = await startServer({ services: { rateLimitRules: perClient } });
    try {
      // Different accounts, so only the per-client budget is shared.
      for (let i = 0; i < 3; i++)
        expect((await attempt(server, uniqueEmail('c'), 'wrong-password-1')).code).toBe('INVALID_CREDENTIALS');
      expectLimited(await attempt(server, uniqueEmail('c'), 'wrong-password-1'), 60);
    } finally {
      await server.close();
    }
  });

  it('keeps budgets apart per forwarded address behind one trusted proxy', async () => {
    const server = await startServer({ env: { TRUST_PROXY_HOPS: '1' }, services: { rateLimitRules: perClient } });
    try {
      for (let i = 0; i < 3; i++) await attempt(server, uniqueEmail('p'), 'wrong-password-1', '203.0.113.10');
      expectLimited(await attempt(server, uniqueEmail('p'), 'wrong-password-1', '203.0.113.10'), 60);
      // Another client is untouched...
      expect((await attempt(server, uniqueEmail('p'), 'wrong-password-1', '203.0.113.11')).code).toBe(
        'INVALID_CREDENTIALS',
      );
      // ...and the limited one cannot escape by writing its own entries to the left: only the
      // rightmost entry, added by the proxy, counts.
      expectLimited(await attempt(server, uniqueEmail('p'), 'wrong-password-1', '198.51.100.7, 203.0.113.10'), 60);
    } finally {
      await server.close();
    }
  });

  it('counts a whole IPv6 /64 as one client', async () => {
    const server = await startServer({ env: { TRUST_PROXY_HOPS: '1' }, services: { rateLimitRules: perClient } });
    try {
      // One subscriber's /64 holds 2^64 addresses; rotating through them must not buy attempts.
      for (const address of ['2001:db8:1:2::a', '2001:db8:1:2:ffff::1', '2001:0db8:0001:0002:0:0:0:b']) {
        expect((await attempt(server, uniqueEmail('v6'), 'wrong-password-1', address)).code).toBe(
          'INVALID_CREDENTIALS',
        );
      }
      expectLimited(
        await attempt(server, uniqueEmail('v6'), 'wrong-password-1', '2001:db8:1:2:1234:5678:9abc:def0'),
        60,
      );
      // The neighbouring /64 is another client.
      expect((await attempt(server, uniqueEmail('v6'), 'wrong-password-1', '2001:db8:1:3::a')).code).toBe(
        'INVALID_CREDENTIALS',
      );
    } finally {
      await server.close();
    }
  });

  it.each([
    [null, 'unknown'],
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::1', '0:0:0:0::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['2001:DB8:0:0:1::', '2001:db8:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['64:ff9b::203.0.113.7', '64:ff9b:0:0::/64'],
    ['2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff', '2001:db8:aaaa:bbbb::/64'],
  ])('counts %s as %s', (address, key) => {
    expect(clientKey(address)).toBe(key);
  });

  it('ignores X-Forwarded-For when no proxy is trusted', async () => {
    const server = await startServer({ env: { TRUST_PROXY_HOPS: '0' }, services: { rateLimitRules: perClient } });
    try {
      for (let i = 0; i < 3; i++) await attempt(server, uniqueEmail('s'), 'wrong-password-1', `203.0.113.${20 + i}`);
      expectLimited(await attempt(server, uniqueEmail('s'), 'wrong-password-1', '203.0.113.99'), 60);
      expectLimited(await attempt(server, uniqueEmail('s'), 'wrong-password-1'), 60);
    } finally {
      await server.close();
    }
  });
});

describe('password budget per account and client', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ env: { TRUST_PROXY_HOPS: '1' } });
  });
  afterAll(() => server.close());

  it('allows 5 failures a minute, then asks to wait, even for the right password', async () => {
    const { email } = await createAccount(server);
    const stranger = '203.0.113.50';
    for (let i = 0; i < 5; i++)
      expect((await attempt(server, email, `wrong-password-${i}`, stranger)).code).toBe('INVALID_CREDENTIALS');
    expectLimited(await attempt(server, email, 'wrong-password-x', stranger), 60);
    // Nothing is checked while limited: the right password is refused the same way.
    expectLimited(await attempt(server, email, goodPassword, stranger), 60);
    // The owner, from their own address, is not locked out by the stranger's failures.
    expect((await attempt(server, email, goodPassword, '203.0.113.51')).__typename).toBe('SignInSuccess');
    // Nor by the stranger failing at an address that has no account.
    expect((await attempt(server, uniqueEmail('ghost'), goodPassword, stranger)).code).toBe('INVALID_CREDENTIALS');
  });

  it('counts the account in any spelling of its address', async () => {
    const { email } = await createAccount(server);
    const client = '203.0.113.60';
    const spellings = [email, email.toUpperCase(), `  ${email} `, email.replace('user', 'ＵＳＥＲ'), email];
    for (const spelling of spellings)
      expect((await attempt(server, spelling, 'wrong-password-1', client)).code).toBe('INVALID_CREDENTIALS');
    expectLimited(await attempt(server, email.toUpperCase(), goodPassword, client), 60);
  });

  it('forgets the failures after a success', async () => {
    const { email } = await createAccount(server);
    const client = '203.0.113.70';
    for (let i = 0; i < 4; i++) await attempt(server, email, 'wrong-password-1', client);
    expect((await attempt(server, email, goodPassword, client)).__typename).toBe('SignInSuccess');
    for (let i = 0; i < 5; i++)
      expect((await attempt(server, email, 'wrong-password-1', client)).code).toBe('INVALID_CREDENTIALS');
    expectLimited(await attempt(server, email, 'wrong-password-1', client), 60);
  });

  it('spends an attempt for each alias in one request', async () => {
    const { email } = await createAccount(server);
    const aliases = Array.from(
      { length: 8 },
      (_, i) =>
        `a${i}: signInEmailPassword(input: { email: "${email}", password: "wrong-password-${i}" }) { __typename ... on Error { code } }`,
    ).join(' ');
    const res = await server.gql(`mutation { ${aliases} }`, {}, { headers: { 'x-forwarded-for': '203.0.113.80' } });
    const codes = Object.values(res.data as Record<string, { code: string }>).map((r) => r.code);
    expect(codes.filter((c) => c === 'INVALID_CREDENTIALS')).toHaveLength(5);
    expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(3);
  });
});

describe('the RATE_LIMITS setting', () => {
  it('replaces a rule on a running server', async () => {
    const server = await startServer({
      env: { RATE_LIMITS: JSON.stringify({ signInPerAccountAndClient: [{ points: 2, windowSeconds: 120 }] }) },
    });
    try {
      expect(server.config.rateLimits).toEqual({ signInPerAccountAndClient: [{ points: 2, windowSeconds: 120 }] });
      const { email } = await createAccount(server);
      for (let i = 0; i < 2; i++)
        expect((await attempt(server, email, 'wrong-password-1')).code).toBe('INVALID_CREDENTIALS');
      expectLimited(await attempt(server, email, goodPassword), 120);
    } finally {
      await server.close();
    }
  });

  it.each([
    ['not JSON', '{signInPerClient: 1'],
    ['an unknown rule', '{"signInEverywhere":[{"points":1,"windowSeconds":60}]}'],
    ['zero points', '{"signInPerClient":[{"points":0,"windowSeconds":60}]}'],
    ['no tiers', '{"signInPerClient":[]}'],
    ['a bare rule instead of a list', '{"signInPerClient":{"points":5,"windowSeconds":60}}'],
    ['a fractional window', '{"signInPerClient":[{"points":5,"windowSeconds":1.5}]}'],
    ['a list at the top', '[]'],
  ])('is refused at start when it is %s, naming RATE_LIMITS', (_label, value) => {
    expect(() => loadConfig({ RATE_LIMITS: value })).toThrow(ConfigError);
    expect(() => loadConfig({ RATE_LIMITS: value })).toThrow(/RATE_LIMITS/);
  });

  it('keys counts under RATE_LIMIT_PREFIX, suward by default, and refuses a bad prefix', () => {
    expect(loadConfig({}).rateLimitPrefix).toBe('suward');
    expect(loadConfig({ RATE_LIMIT_PREFIX: 'eu-west.prod_2' }).rateLimitPrefix).toBe('eu-west.prod_2');
    for (const bad of ['with space', 'a:b', 'x'.repeat(65), '*']) {
      expect(() => loadConfig({ RATE_LIMIT_PREFIX: bad }), bad).toThrow(/RATE_LIMIT_PREFIX/);
    }
  });
});
