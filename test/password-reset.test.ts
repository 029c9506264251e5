import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { totpCode } from '../src/features/two-factor/totp.js';
import { hashToken } from '../src/security/tokens.js';
import { goodPassword, startServer, tokenFromMail, uniqueEmail, type TestServer } from './harness.js';
import {
  COMPLETE_PASSWORD_RESET,
  createAccount,
  enableTwoFactor,
  INIT_PASSWORD_RESET,
  ME,
  SIGN_IN,
  SIGN_UP,
  signIn,
} from './flows.js';

const newPassword = 'copper-harbor-quilt-42';

// One server per file: a second in-memory database in the same process does not start (the
// migration engine fails). Most requests of this file come from one client, whose mail budget
// is raised above the default 30 an hour so that the tests do not run into it.
const MAIL_PER_CLIENT = 100;
let server: TestServer;
beforeAll(async () => {
  server = await startServer({
    // X-Forwarded-For names the client, so that tests can act as distinct clients.
    env: { TRUST_PROXY_HOPS: '1' },
    services: { rateLimitRules: { mailPerClient: { points: MAIL_PER_CLIENT, windowSeconds: 3600 } } },
  });
});
afterAll(() => server.close());

async function requestReset(email: string) {
  const res = await server.gql(INIT_PASSWORD_RESET, { input: { email } });
  expect(res.data.initPasswordReset.__typename).toBe('EmailSent');
  return tokenFromMail((await server.lastMail(email, 'password-reset')).text);
}

const complete = async (input: Record<string, unknown>) =>
  (await server.gql(COMPLETE_PASSWORD_RESET, { input })).data.completePasswordReset;

const passwordHashOf = async (email: string) =>
  (await server.services.db.user.findUniqueOrThrow({ where: { email } })).passwordHash;

async function expectPassword(email: string, works: string, fails: string) {
  await signIn(server, email, works);
  const old = await server.gql(SIGN_IN, { input: { email, password: fails } });
  expect(old.data.signInEmailPassword.code).toBe('INVALID_CREDENTIALS');
}

describe('password reset', () => {
  it('resets the password from the mailed link, ends every session and sends a notice', async () => {
    const { email, password, token: session, userId } = await createAccount(server);
    const otherSession = await signIn(server, email, password);

    const res = await server.gql(INIT_PASSWORD_RESET, { input: { email } });
    expect(res.data.initPasswordReset).toEqual({ __typename: 'EmailSent', email });
    const mail = await server.lastMail(email, 'password-reset');
    expect(mail.text).toContain('https://app.suward.test/reset-password?token=swr_');
    expect(mail.html).toContain('<a href="https://app.suward.test/reset-password?token=swr_');
    expect(mail.text).toContain('30 minutes');
    const token = tokenFromMail(mail.text);

    const row = await server.services.db.emailToken.findUniqueOrThrow({ where: { tokenHash: hashToken(token) } });
    expect(row.expiresAt.getTime() - row.createdAt.getTime()).toBe(30 * 60_000);
    // Only the hash is stored.
    expect(JSON.stringify(await server.services.db.emailToken.findMany({ where: { userId } }))).not.toContain(token);

    expect(await complete({ token, newPassword })).toEqual({ __typename: 'PasswordResetComplete', email });

    // The reset does not sign in, and every session opened before it is refused.
    for (const t of [session, otherSession]) expect((await server.gql(ME, {}, { token: t })).data.me).toBeNull();
    await expectPassword(email, newPassword, password);
    expect((await server.lastMail(email)).tag).toBe('password-reset-done');
    expect((await complete({ token, newPassword: 'another-fresh-pass-8' })).code).toBe('INVALID_TOKEN');

    const actions = (await server.services.db.auditEvent.findMany({ where: { targetId: userId } })).map(
      (e) => e.action,
    );
    expect(actions).toEqual(expect.arrayContaining(['account.password_reset_requested', 'account.password_reset']));
  });

  it('refuses empty, random, expired, superseded and wrong-purpose tokens and changes nothing', async () => {
    const { email, password } = await createAccount(server);
    const before = await passwordHashOf(email);

    for (const token of ['', 'swr_', `swr_${randomBytes(32).toString('base64url')}`, 'x'.repeat(10_000)]) {
      expect(await complete({ token, newPassword })).toMatchObject({
        __typename: 'InvalidTokenError',
        code: 'INVALID_TOKEN',
      });
    }

    const first = await requestReset(email);
    const second = await requestReset(email);
    expect(second).not.toBe(first);
    expect((await complete({ token: first, newPassword })).code).toBe('INVALID_TOKEN');

    await server.services.db.emailToken.update({
      where: { tokenHash: hashToken(second) },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    expect((await complete({ token: second, newPassword })).code).toBe('INVALID_TOKEN');

    // A verification link is not a reset link.
    const fresh = uniqueEmail('purpose');
    await server.gql(SIGN_UP, { input: { email: fresh, password: goodPassword, name: 'P' } });
    const verifyToken = tokenFromMail((await server.lastMail(fresh, 'verify-email')).text);
    expect((await complete({ token: verifyToken, newPassword })).code).toBe('INVALID_TOKEN');

    expect(await passwordHashOf(email)).toBe(before);
    await signIn(server, email, password);
  });

  it("changes only the account the token was mailed for, whoever's session sends it", async () => {
    const alice = await createAccount(server);
    const bob = await createAccount(server);
    const bobToken = await requestReset(bob.email);
    const aliceHash = await passwordHashOf(alice.email);

    const res = await server.gql(
      COMPLETE_PASSWORD_RESET,
      { input: { token: bobToken, newPassword } },
      { token: alice.token },
    );
    expect(res.data.completePasswordReset).toEqual({ __typename: 'PasswordResetComplete', email: bob.email });
    expect(await passwordHashOf(alice.email)).toBe(aliceHash);
    expect((await server.gql(ME, {}, { token: alice.token })).data.me.email).toBe(alice.email);
    await expectPassword(bob.email, newPassword, bob.password);
  });

  it('rejects userId or email next to the token as unknown input fields, and changes nothing', async () => {
    const victim = await createAccount(server);
    const attacker = await createAccount(server);
    const token = await requestReset(attacker.email);
    const before = await passwordHashOf(victim.email);

    for (const extra of [{ userId: victim.userId }, { email: victim.email }]) {
      const res = await server.gql(COMPLETE_PASSWORD_RESET, { input: { token, newPassword, ...extra } });
      expect(res.data?.completePasswordReset).toBeUndefined();
      expect(res.errors?.[0]?.message).toMatch(new RegExp(`"${Object.keys(extra)[0]}" is not defined`));
    }
    const literal = await server.gql(
      `mutation($t: String!) { completePasswordReset(input: { token: $t, newPassword: "${newPassword}", email: "${victim.email}" }) { __typename } }`,
      { t: token },
    );
    expect(literal.errors?.[0]?.message).toMatch(/"email" is not defined/);

    expect(await passwordHashOf(victim.email)).toBe(before);
    await signIn(server, victim.email, victim.password);
    // The token was never looked at, so it still works for its own account.
    expect((await complete({ token, newPassword })).email).toBe(attacker.email);
    await signIn(server, victim.email, victim.password);
  });

  it('refuses a missing token or password through GraphQL validation', async () => {
    const res = await server.gql(COMPLETE_PASSWORD_RESET, { input: { newPassword } });
    expect(res.errors?.[0]?.message).toMatch(/"token" of required type/);
    const noPassword = await server.gql(COMPLETE_PASSWORD_RESET, { input: { token: 'swr_whatever-long-enough' } });
    expect(noPassword.errors?.[0]?.message).toMatch(/"newPassword" of required type/);
  });

  it('refuses a weak new password and leaves the token usable', async () => {
    const { email, password } = await createAccount(server);
    const token = await requestReset(email);
    expect(await complete({ token, newPassword: 'short' })).toMatchObject({
      code: 'WEAK_PASSWORD',
      reason: 'TOO_SHORT',
    });
    expect(await complete({ token, newPassword: 'password123' })).toMatchObject({
      code: 'WEAK_PASSWORD',
      reason: 'COMMON',
    });
    expect(await complete({ token, newPassword: `${email}-x` })).toMatchObject({ reason: 'CONTAINS_EMAIL' });
    await signIn(server, email, password);
    expect((await complete({ token, newPassword })).__typename).toBe('PasswordResetComplete');
  });

  it('answers existing and unknown addresses alike, and mails only the stored normalized address', async () => {
    const email = uniqueEmail('variant');
    await createAccount(server, { email });
    const unknown = uniqueEmail('nobody');
    const variants = [`  ${email.toUpperCase()}  `, email.replace('variant', 'ｖａｒｉａｎｔ')];

    const sentBefore = server.mail.length;
    for (const variant of variants) {
      const res = await server.gql(INIT_PASSWORD_RESET, { input: { email: variant } });
      expect(res.data.initPasswordReset).toEqual({ __typename: 'EmailSent', email });
    }
    const miss = await server.gql(INIT_PASSWORD_RESET, { input: { email: unknown.toUpperCase() } });
    expect(miss.status).toBe(200);
    expect(miss.data.initPasswordReset).toEqual({ __typename: 'EmailSent', email: unknown });
    await server.services.mailer.flush();
    const sent = server.mail.slice(sentBefore);
    expect(sent.map((m) => [m.to, m.tag])).toEqual([
      [email, 'password-reset'],
      [email, 'password-reset'],
    ]);
    expect(
      await server.services.db.auditEvent.count({
        where: { action: 'account.password_reset_requested', targetId: null },
      }),
    ).toBe(0);
  });

  it('refuses a malformed address', async () => {
    for (const email of ['not-an-address', 'a\u0000b@example.com', `${'a'.repeat(300)}@example.com`]) {
      const res = await server.gql(INIT_PASSWORD_RESET, { input: { email } });
      expect(res.data.initPasswordReset).toMatchObject({ __typename: 'InvalidInputError', field: 'email' });
    }
  });

  it('ends sessions whose sign-in was still checking the old password when the reset happened', async () => {
    const { email, password } = await createAccount(server);
    const token = await requestReset(email);
    // From many addresses, so that no per-address budget refuses them; each sign-in reads the
    // account, then waits its turn to check the password while the reset goes through.
    const attempt = (i: number) =>
      server.gql(SIGN_IN, { input: { email, password } }, { headers: { 'x-forwarded-for': `198.51.100.${i}` } });
    const before = Array.from({ length: 15 }, (_, i) => attempt(i));
    const reset = complete({ token, newPassword });
    const after = Array.from({ length: 15 }, (_, i) => attempt(100 + i));
    const results = await Promise.all([...before, ...after]);
    expect((await reset).__typename).toBe('PasswordResetComplete');
    const tokens = results
      .map((r) => r.data.signInEmailPassword as { __typename: string; token?: string })
      .filter((r) => r.__typename === 'SignInSuccess')
      .map((r) => r.token!);
    for (const t of tokens) expect((await server.gql(ME, {}, { token: t })).data.me).toBeNull();
  });

  it('asks for a code when two-factor was turned on while the password was being checked', async () => {
    const { email, password, token, userId } = await createAccount(server);
    const setup = await server.gql(
      'mutation($input: SetupTwoFactorInput!) { setupTwoFactor(input: $input) { ... on TwoFactorSetup { secret } } }',
      { input: { password } },
      { token },
    );
    const secret = setup.data.setupTwoFactor.secret as string;
    // The sign-in's password check is held until two-factor is on, so that it read the account
    // before the change and opens its session after it.
    const hasher = server.services.passwords;
    let checking!: () => void;
    const checkStarted = new Promise<void>((resolve) => (checking = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    server.services.passwords = {
      ...hasher,
      async verify(hash, candidate) {
        checking();
        const ok = await hasher.verify(hash, candidate);
        await released;
        return ok;
      },
    };
    try {
      const signingIn = server.gql(SIGN_IN, { input: { email, password } });
      await checkStarted;
      const activated = await server.gql(
        'mutation($input: ActivateTwoFactorInput!) { activateTwoFactor(input: $input) { __typename } }',
        { input: { code: await totpCode(secret, new Date()) } },
        { token },
      );
      expect(activated.data.activateTwoFactor.__typename).toBe('BackupCodes');
      release();
      const answer = (await signingIn).data.signInEmailPassword;
      expect(answer).toMatchObject({ __typename: 'TwoFactorRequiredError', code: 'TWO_FACTOR_REQUIRED' });
      // Only the session that turned two-factor on is open.
      const live = await server.services.db.session.findMany({ where: { userId, revokedAt: null } });
      expect(live).toHaveLength(1);
    } finally {
      server.services.passwords = hasher;
      release();
    }
  });

  it('is retired by a password change', async () => {
    const { email, password, token: session } = await createAccount(server);
    const token = await requestReset(email);
    const change = await server.gql(
      `mutation($input: ChangePasswordInput!) { changePassword(input: $input) { __typename } }`,
      { input: { currentPassword: password, newPassword: 'fresh-meadow-lantern-7' } },
      { token: session },
    );
    expect(change.data.changePassword.__typename).toBe('User');
    expect((await complete({ token, newPassword })).code).toBe('INVALID_TOKEN');
  });
});

describe('password reset with two-factor on', () => {
  it('needs a code: none or a wrong one changes nothing and keeps the token; a right one resets', async () => {
    const { email, password, token: session, userId } = await createAccount(server);
    const { secret } = await enableTwoFactor(server, session, password);
    const token = await requestReset(email);
    const before = await passwordHashOf(email);

    expect(await complete({ token, newPassword })).toMatchObject({ code: 'TWO_FACTOR_REQUIRED' });
    expect(await complete({ token, newPassword, code: '  ' })).toMatchObject({ code: 'TWO_FACTOR_REQUIRED' });
    const now = Date.now();
    const valid = await Promise.all([-30_000, 0, 30_000].map((d) => totpCode(secret, new Date(now + d))));
    const wrong = ['000000', '111111', '222222'].find((c) => !valid.includes(c))!;
    expect(await complete({ token, newPassword, code: wrong })).toMatchObject({ code: 'INVALID_TWO_FACTOR_CODE' });
    expect(await complete({ token, newPassword, backupCode: 'AAAA-BBBB' })).toMatchObject({
      code: 'INVALID_TWO_FACTOR_CODE',
    });
    expect(await passwordHashOf(email)).toBe(before);
    expect((await server.gql(ME, {}, { token: session })).data.me.email).toBe(email);

    // Activation used the current step, so the code of the next step is the one still accepted.
    const code = await totpCode(secret, new Date(Date.now() + 30_000));
    expect(await complete({ token, newPassword, code })).toEqual({ __typename: 'PasswordResetComplete', email });
    expect((await server.gql(ME, {}, { token: session })).data.me).toBeNull();
    const withoutCode = await server.gql(SIGN_IN, { input: { email, password: newPassword } });
    expect(withoutCode.data.signInEmailPassword.code).toBe('TWO_FACTOR_REQUIRED');
    const reset = await server.services.db.auditEvent.findFirstOrThrow({
      where: { targetId: userId, action: 'account.password_reset' },
    });
    expect(reset.metadata).toMatchObject({ secondFactor: 'totp' });
  });

  it('accepts a backup code, once', async () => {
    const { email, password, token: session } = await createAccount(server);
    const { backupCodes } = await enableTwoFactor(server, session, password);
    const token = await requestReset(email);
    expect(await complete({ token, newPassword, backupCode: backupCodes[0] })).toEqual({
      __typename: 'PasswordResetComplete',
      email,
    });
    await server.gql(INIT_PASSWORD_RESET, { input: { email } });
    const again = tokenFromMail((await server.lastMail(email, 'password-reset')).text);
    expect(
      await complete({ token: again, newPassword: 'second-reset-pass-9', backupCode: backupCodes[0] }),
    ).toMatchObject({
      code: 'INVALID_TWO_FACTOR_CODE',
    });
    await signIn(server, email, newPassword, { backupCode: backupCodes[1]! });
  });
});

describe('password reset limits and settings', () => {
  const ask = async (email: string, client: string) =>
    (await server.gql(INIT_PASSWORD_RESET, { input: { email } }, { headers: { 'x-forwarded-for': client } })).data
      .initPasswordReset;

  it('limits requests per address, whatever the client', async () => {
    const { email } = await createAccount(server); // the sign-up spent one of the five
    for (let i = 0; i < 4; i++) expect((await ask(email, `192.0.2.${i + 1}`)).__typename).toBe('EmailSent');
    expect(await ask(email, '192.0.2.99')).toMatchObject({
      code: 'RATE_LIMITED',
      retryAfterSeconds: expect.any(Number),
    });
    const unknown = uniqueEmail('unknown-limited');
    for (let i = 0; i < 5; i++) expect((await ask(unknown, '192.0.2.1')).__typename).toBe('EmailSent');
    expect((await ask(unknown, '192.0.2.2')).code).toBe('RATE_LIMITED');
  });

  it('limits requests per client, whatever the address', async () => {
    for (let i = 0; i < MAIL_PER_CLIENT; i++) {
      expect((await ask(uniqueEmail('spray'), '198.51.100.23')).__typename).toBe('EmailSent');
    }
    expect((await ask(uniqueEmail('spray'), '198.51.100.23')).code).toBe('RATE_LIMITED');
    expect((await ask(uniqueEmail('spray'), '198.51.100.24')).__typename).toBe('EmailSent');
  });

  it('reads PASSWORD_RESET_MINUTES, 30 by default, between 30 and 60', () => {
    expect(loadConfig({}).passwordResetMs).toBe(30 * 60_000);
    expect(loadConfig({ PASSWORD_RESET_MINUTES: '45' }).passwordResetMs).toBe(45 * 60_000);
    expect(() => loadConfig({ PASSWORD_RESET_MINUTES: '29' })).toThrow(/PASSWORD_RESET_MINUTES/);
    expect(() => loadConfig({ PASSWORD_RESET_MINUTES: '61' })).toThrow(/PASSWORD_RESET_MINUTES/);
  });

  it('takes about as long for an unknown address as for a registered one', async () => {
    // Five requests per address and hour are allowed, so the registered side is spread over
    // several accounts; each sign-up already spent one.
    const accounts = await Promise.all(Array.from({ length: 10 }, () => createAccount(server)));
    const client = '203.0.113.9';
    const time = async (email: string) => {
      const start = performance.now();
      const result = await ask(email, client);
      const elapsed = performance.now() - start;
      expect(result.__typename).toBe('EmailSent');
      return elapsed;
    };
    for (let i = 0; i < 4; i++) await time(uniqueEmail('warm'));
    const known: number[] = [];
    const unknown: number[] = [];
    // Interleaved, so that changes in the machine's load touch both series alike.
    for (let i = 0; i < 30; i++) {
      known.push(await time(accounts[i % accounts.length]!.email));
      unknown.push(await time(uniqueEmail('ghost')));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const [k, u] = [median(known), median(unknown)];
    const close = Math.abs(k - u) < 50 || Math.max(k, u) < 3 * Math.min(k, u);
    expect(close, `median known ${k.toFixed(1)} ms, unknown ${u.toFixed(1)} ms`).toBe(true);
  });
});
