// The in-process session cache: authenticated requests skip the database, and no change to an
// account or a session is hidden by it.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { affectedByWrite, createSessionCache, type SessionWithUser } from '../src/features/sessions/cache.js';
import { createAccount, enableTwoFactor, signIn } from './flows.js';
import { goodPassword, startServer, type TestServer, usingPostgres } from './harness.js';

const ME = '{ me { id email twoFactorEnabled } }';
const silent = pino({ level: 'silent' });

describe('with the cache on (the default)', () => {
  const statements: string[] = [];
  let server: TestServer;
  let clock = new Date();
  beforeAll(async () => {
    server = await startServer({
      services: { onStatement: (sql) => statements.push(sql), now: () => clock },
    });
  });
  afterAll(() => server?.close());

  async function me(token: string) {
    const before = statements.length;
    const res = await server.gql(ME, {}, { token });
    expect(res.errors).toBeUndefined();
    return { me: res.data.me as { email: string; twoFactorEnabled: boolean } | null, sql: statements.length - before };
  }

  it('answers a session used a moment ago without a statement', async () => {
    const { token, email } = await createAccount(server);
    expect((await me(token)).me?.email).toBe(email);
    const again = await me(token);
    expect(again.me?.email).toBe(email);
    expect(again.sql).toBe(0);
  });

  it('ends a cached session at once on sign-out', async () => {
    const { token } = await createAccount(server);
    await me(token);
    expect((await me(token)).sql).toBe(0);
    const out = await server.gql('mutation { signOut { __typename } }', {}, { token });
    expect(out.data.signOut.__typename).toBe('SignedOut');
    expect((await me(token)).me).toBeNull();
  });

  it('ends cached sessions at once when another session revokes them or the password changes', async () => {
    const { token: first, email } = await createAccount(server);
    const second = await signIn(server, email, goodPassword);
    const third = await signIn(server, email, goodPassword);
    for (const token of [second, third]) {
      await me(token);
      expect((await me(token)).sql).toBe(0);
    }

    const sessions = await server.gql('{ me { sessions { id current } } }', {}, { token: first });
    const secondId = (sessions.data.me.sessions as { id: string; current: boolean }[]).find((s) => !s.current)!.id;
    const revoked = await server.gql(
      'mutation($input: RevokeSessionInput!) { revokeSession(input: $input) { __typename } }',
      { input: { sessionId: secondId } },
      { token: first },
    );
    expect(revoked.errors).toBeUndefined();
    // Which of the other two it was does not matter: that one ends, the other goes on.
    const [a, b] = [(await me(second)).me, (await me(third)).me];
    expect([a, b].filter((x) => x === null)).toHaveLength(1);

    const changed = await server.gql(
      'mutation($input: ChangePasswordInput!) { changePassword(input: $input) { __typename } }',
      { input: { currentPassword: goodPassword, newPassword: 'quartz-meadow-lantern-77' } },
      { token: first },
    );
    expect(changed.data.changePassword.__typename).toBe('User');
    expect((await me(second)).me).toBeNull();
    expect((await me(third)).me).toBeNull();
    expect((await me(first)).me?.email).toBe(email);
  });

  it('never answers for a session after its sign-out has answered, with reads racing it', async () => {
    const { email } = await createAccount(server);
    for (let round = 0; round < 5; round++) {
      const token = await signIn(server, email, goodPassword);
      await me(token);
      let outAnswered = false;
      const lateAnswers: unknown[] = [];
      // Reads keep going while the sign-out runs; those sent after it answered must see no one.
      const reader = async () => {
        for (let i = 0; i < 15; i++) {
          const sentAfter = outAnswered;
          const res = await server.gql(ME, {}, { token });
          if (sentAfter && res.data.me !== null) lateAnswers.push(res.data.me);
        }
      };
      const readers = Array.from({ length: 4 }, reader);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const out = await server.gql('mutation { signOut { __typename } }', {}, { token });
      outAnswered = true;
      expect(out.data.signOut.__typename).toBe('SignedOut');
      await Promise.all(readers);
      expect(lateAnswers).toEqual([]);
      expect((await me(token)).me).toBeNull();
    }
  });

  it('shows a change to the account on the next request', async () => {
    const { token, password } = await createAccount(server);
    await me(token);
    expect((await me(token)).me?.twoFactorEnabled).toBe(false);
    const { backupCodes } = await enableTwoFactor(server, token, password);
    await me(token);
    expect((await me(token)).me?.twoFactorEnabled).toBe(true);
    const off = await server.gql(
      'mutation($input: DisableTwoFactorInput!) { disableTwoFactor(input: $input) { __typename } }',
      { input: { password, backupCode: backupCodes[0] } },
      { token },
    );
    expect(off.errors).toBeUndefined();
    expect((await me(token)).me?.twoFactorEnabled).toBe(false);
  });

  it('sees writes made in a batch transaction', async () => {
    const { token, userId } = await createAccount(server);
    const name = async () => (await server.gql('{ me { name } }', {}, { token })).data.me.name as string;
    await name();
    expect(await name()).toBe('Ada Lovelace');
    await server.services.db.$transaction([
      server.services.db.user.update({ where: { id: userId }, data: { name: 'Grace Hopper' } }),
    ]);
    expect(await name()).toBe('Grace Hopper');
  });

  it('refuses a cached session once it has been idle too long or is past its end', async () => {
    const { token } = await createAccount(server);
    await me(token);
    expect((await me(token)).sql).toBe(0);
    const start = clock;
    try {
      clock = new Date(start.getTime() + server.config.session.idleMs + 1000);
      expect((await me(token)).me).toBeNull();
    } finally {
      clock = start;
    }
  });

  it.skipIf(!usingPostgres)('forgets again at commit what a transaction wrote while others read', async () => {
    const { token, userId } = await createAccount(server);
    await me(token);
    await server.services.db.$transaction(async (tx) => {
      await tx.session.updateMany({ where: { userId }, data: { revokedAt: new Date() } });
      // Outside the transaction the session is still live, and this read may keep it.
      expect((await me(token)).me).not.toBeNull();
    });
    expect((await me(token)).me).toBeNull();
  });
});

describe('bounds', () => {
  it('sees a write made outside the Prisma client once the entry expires', async () => {
    const server = await startServer({ env: { SESSION_CACHE_SECONDS: '1' } });
    try {
      const { token, userId } = await createAccount(server);
      const me = async () => (await server.gql(ME, {}, { token })).data.me as unknown;
      expect(await me()).not.toBeNull();
      await server.services.db.$executeRaw`UPDATE "Session" SET "revokedAt" = now() WHERE "userId" = ${userId}::uuid`;
      // Served from memory for up to a second: the documented limit for hand-made writes.
      expect(await me()).not.toBeNull();
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect(await me()).toBeNull();
    } finally {
      await server.close();
    }
  });

  it('asks the database every time with SESSION_CACHE_SECONDS=0', async () => {
    const statements: string[] = [];
    const server = await startServer({
      env: { SESSION_CACHE_SECONDS: '0' },
      services: { onStatement: (sql) => statements.push(sql) },
    });
    try {
      const { token } = await createAccount(server);
      await server.gql(ME, {}, { token });
      const before = statements.length;
      await server.gql(ME, {}, { token });
      expect(statements.length - before).toBe(1);
    } finally {
      await server.close();
    }
  });
});

describe('the cache itself', () => {
  const session = (userId: string) => ({ id: `s-${userId}`, userId }) as unknown as SessionWithUser;

  it('does not keep a row read before its account was forgotten', async () => {
    const cache = createSessionCache({ ttlMs: 60_000, prefix: 'unit', logger: silent });
    const readStarted = cache.begin();
    await cache.forget(['u1']);
    cache.remember('h1', session('u1'), readStarted);
    cache.remember('h2', session('u2'), readStarted);
    expect(cache.get('h1')).toBeUndefined();
    expect(cache.get('h2')).toBeDefined();
    // A read that starts after the forget sees the written row and may keep it.
    cache.remember('h1', session('u1'), cache.begin());
    expect(cache.get('h1')).toBeDefined();
    await cache.close();
  });

  it('forgets again at commit every account written since the transaction began', async () => {
    const cache = createSessionCache({ ttlMs: 60_000, prefix: 'unit', logger: silent });
    const transactionStarted = cache.begin();
    await cache.forget(['u1']);
    // A read between the write and the commit still saw the old row.
    cache.remember('h1', session('u1'), cache.begin());
    expect(cache.get('h1')).toBeDefined();
    await cache.forgetSince(transactionStarted);
    expect(cache.get('h1')).toBeUndefined();
    await cache.close();
  });

  it('keeps nothing while its Redis subscription is not working', async () => {
    // Nothing listens on port 1 of the loopback address.
    const cache = createSessionCache({
      ttlMs: 60_000,
      prefix: 'unit',
      logger: silent,
      redisUrl: 'redis://127.0.0.1:1',
    });
    cache.remember('h1', session('u1'), cache.begin());
    expect(cache.get('h1')).toBeUndefined();
    // Telling other instances does not wait for Redis to come back.
    const started = performance.now();
    await cache.forget(['u1']);
    expect(performance.now() - started).toBeLessThan(1000);
    await cache.close();
  });

  it('names the accounts a write touches, or all of them when it cannot tell', () => {
    expect(affectedByWrite('User', 'update', { where: { id: 'u1' }, data: { name: 'x' } })).toEqual(['u1']);
    expect(affectedByWrite('User', 'updateMany', { where: { email: 'a@b.c' }, data: {} })).toBe('all');
    expect(affectedByWrite('Session', 'updateMany', { where: { userId: 'u1' }, data: { revokedAt: 1 } })).toEqual([
      'u1',
    ]);
    expect(affectedByWrite('Session', 'update', { where: { id: 's1' }, data: { revokedAt: 1 } })).toBe('all');
    expect(affectedByWrite('User', 'delete', { where: { id: { in: ['u1'] } } })).toBe('all');
    // Reads, new rows and a refreshed last use change nothing a cached copy shows.
    expect(affectedByWrite('User', 'findUnique', { where: { id: 'u1' } })).toBeNull();
    expect(affectedByWrite('Session', 'create', { data: { userId: 'u1' } })).toBeNull();
    expect(affectedByWrite('Session', 'update', { where: { id: 's1' }, data: { lastUsedAt: new Date() } })).toBeNull();
  });
});
