import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { goodPassword, startServer, tokenFromMail, uniqueEmail, type TestServer } from './harness.js';
import { createAccount, ME, SIGN_IN, SIGN_UP, signIn, VERIFY_EMAIL } from './flows.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

describe('sign-up and email verification', () => {
  it('creates the account with a personal organization it owns, and verifies the address from the mail', async () => {
    const email = uniqueEmail('ada');
    const res = await server.gql(SIGN_UP, {
      input: { email: `  ${email.toUpperCase()} `, password: goodPassword, name: 'Ada' },
    });
    expect(res.data.signUp).toEqual({ __typename: 'EmailSent', email });

    const mail = await server.lastMail(email, 'verify-email');
    expect(mail.text).toContain('https://app.suward.test/verify-email?token=');
    expect(mail.html).toContain('<a href="https://app.suward.test/verify-email?token=');
    const token = await signIn(server, email, goodPassword);
    const before = await server.gql(ME, {}, { token });
    expect(before.data.me.emailVerified).toBe(false);

    const verified = await server.gql(VERIFY_EMAIL, { token: tokenFromMail(mail.text) });
    expect(verified.data.verifyEmail).toEqual({ __typename: 'EmailVerified', email });
    const again = await server.gql(VERIFY_EMAIL, { token: tokenFromMail(mail.text) });
    expect(again.data.verifyEmail).toEqual({ __typename: 'InvalidTokenError', code: 'INVALID_TOKEN' });

    const me = await server.gql(ME, {}, { token });
    expect(me.data.me).toMatchObject({ email, name: 'Ada', emailVerified: true, twoFactorEnabled: false });
    expect(me.data.me.organizations.edges).toEqual([
      { node: { role: 'OWNER', organization: { id: expect.any(String), name: "Ada's organization", personal: true } } },
    ]);
  });

  it('answers a sign-up for a taken address, in any case or Unicode form, exactly like a new one', async () => {
    const email = uniqueEmail('taken');
    await createAccount(server, { email });
    const variant = email.replace('taken', 'ＴＡＫＥＮ'); // fullwidth letters fold to ASCII under NFKC
    const res = await server.gql(SIGN_UP, { input: { email: variant, password: 'another-good-pass-5', name: 'Eve' } });
    expect(res.data.signUp).toEqual({ __typename: 'EmailSent', email });
    const notice = await server.lastMail(email);
    expect(notice.tag).toBe('sign-up-existing');
    const count = await server.services.db.user.count({ where: { email } });
    expect(count).toBe(1);
    // The original password still works; the attempted one does not.
    await signIn(server, email, goodPassword);
    const wrong = await server.gql(SIGN_IN, { input: { email, password: 'another-good-pass-5' } });
    expect(wrong.data.signInEmailPassword.code).toBe('INVALID_CREDENTIALS');
  });

  it('refuses weak, oversized and malformed input with typed errors and writes nothing', async () => {
    const cases: [Record<string, string>, string, string?][] = [
      [{ password: 'short' }, 'WeakPasswordError', 'TOO_SHORT'],
      [{ password: 'password123' }, 'WeakPasswordError', 'COMMON'],
      [{ password: 'x'.repeat(257) }, 'WeakPasswordError', 'TOO_LONG'],
      [{ password: 'x'.repeat(90_000) }, 'WeakPasswordError', 'TOO_LONG'],
      [{ email: 'not-an-address' }, 'InvalidInputError'],
      [{ email: 'a\u0000b@example.com' }, 'InvalidInputError'],
      [{ email: `${'a'.repeat(300)}@example.com` }, 'InvalidInputError'],
      [{ name: '   ' }, 'InvalidInputError'],
    ];
    const before = await server.services.db.user.count();
    for (const [override, typename, reason] of cases) {
      const email = uniqueEmail('weak');
      const input = { email, password: goodPassword, name: 'Weak', ...override };
      const res = await server.gql(SIGN_UP, { input });
      expect(res.data.signUp.__typename, JSON.stringify(override).slice(0, 80)).toBe(typename);
      if (reason) expect(res.data.signUp.reason).toBe(reason);
    }
    const built = uniqueEmail('builder');
    const fromEmail = await server.gql(SIGN_UP, { input: { email: built, password: `${built}!`, name: 'B' } });
    expect(fromEmail.data.signUp.reason).toBe('CONTAINS_EMAIL');
    // A body over the configured limit (100 KB) is refused before it is parsed.
    const huge = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: SIGN_UP,
        variables: { input: { email: uniqueEmail(), password: 'x'.repeat(1_000_000), name: 'H' } },
      }),
    });
    expect(huge.status).toBe(413);
    expect(await server.services.db.user.count()).toBe(before);
  });

  it('accepts a 64-character password and uses it exactly as typed', async () => {
    const password = ' Spaces at both ends, then 64 characters of unusual phrase!!  '.padEnd(64, 'z');
    const { email } = await createAccount(server, { password });
    const trimmed = await server.gql(SIGN_IN, { input: { email, password: password.trim() } });
    expect(trimmed.data.signInEmailPassword.code).toBe('INVALID_CREDENTIALS');
  });

  it('resends a verification link and retires the earlier one', async () => {
    const email = uniqueEmail('resend');
    await server.gql(SIGN_UP, { input: { email, password: goodPassword, name: 'R' } });
    const first = tokenFromMail((await server.lastMail(email, 'verify-email')).text);
    const res = await server.gql(
      `mutation($e: String!) { resendVerificationEmail(input: { email: $e }) { __typename ... on EmailSent { email } } }`,
      { e: email },
    );
    expect(res.data.resendVerificationEmail).toEqual({ __typename: 'EmailSent', email });
    const second = tokenFromMail((await server.lastMail(email, 'verify-email')).text);
    expect(second).not.toBe(first);
    expect((await server.gql(VERIFY_EMAIL, { token: first })).data.verifyEmail.code).toBe('INVALID_TOKEN');
    expect((await server.gql(VERIFY_EMAIL, { token: second })).data.verifyEmail.__typename).toBe('EmailVerified');
    // An unknown address gets the same answer and no mail.
    const unknown = uniqueEmail('nobody');
    const miss = await server.gql(
      `mutation($e: String!) { resendVerificationEmail(input: { email: $e }) { __typename ... on EmailSent { email } } }`,
      { e: unknown },
    );
    expect(miss.data.resendVerificationEmail).toEqual({ __typename: 'EmailSent', email: unknown });
    await server.services.mailer.flush();
    expect(server.mail.some((m) => m.to === unknown)).toBe(false);
  });
});

describe('sign-in', () => {
  it('answers an unknown address and a wrong password alike', async () => {
    const { email } = await createAccount(server);
    const wrong = await server.gql(SIGN_IN, { input: { email, password: 'wrong-password-here' } });
    const unknown = await server.gql(SIGN_IN, {
      input: { email: uniqueEmail('ghost'), password: 'wrong-password-here' },
    });
    expect(wrong.data.signInEmailPassword).toEqual(unknown.data.signInEmailPassword);
    expect(wrong.data.signInEmailPassword.__typename).toBe('InvalidCredentialsError');
  });

  it('issues a new token at every sign-in, as a bearer token and as an HttpOnly SameSite=Lax cookie', async () => {
    const { email, password, token } = await createAccount(server);
    const res = await server.gql(SIGN_IN, { input: { email, password } });
    const second = res.data.signInEmailPassword.token;
    expect(second).not.toBe(token);
    expect(second).toMatch(/^sws_[A-Za-z0-9_-]{43}$/);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toContain(`suward_session=${second}`);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Secure/); // the public origin is not localhost

    const viaCookie = await server.gql(ME, {}, { headers: { cookie: `suward_session=${second}` } });
    expect(viaCookie.data.me.email).toBe(email);
    const stored = await server.services.db.session.findMany({ where: { user: { email } } });
    expect(stored.map((s) => s.tokenHash)).not.toContain(second);
  });

  it('refuses a cookie-authenticated cross-site form post (CSRF)', async () => {
    const { token } = await createAccount(server);
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `suward_session=${token}` },
      body: 'query=mutation{signOut{__typename}}',
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect((await server.gql(ME, {}, { token })).data.me).not.toBeNull();
  });

  it('returns null for me without a session, with a garbage token, and after sign-out', async () => {
    expect((await server.gql(ME)).data.me).toBeNull();
    expect((await server.gql(ME, {}, { token: 'sws_garbage' })).data.me).toBeNull();
    const { token } = await createAccount(server);
    const out = await server.gql(
      `mutation { signOut { __typename ... on SignedOut { sessionsEnded } } }`,
      {},
      { token },
    );
    expect(out.data.signOut).toEqual({ __typename: 'SignedOut', sessionsEnded: 1 });
    expect(out.headers.get('set-cookie')).toMatch(/suward_session=;.*Max-Age=0/);
    expect((await server.gql(ME, {}, { token })).data.me).toBeNull();
    const again = await server.gql(`mutation { signOut { __typename ... on Error { code } } }`, {}, { token });
    expect(again.data.signOut).toEqual({ __typename: 'UnauthenticatedError', code: 'UNAUTHENTICATED' });
  });
});

describe('sessions and password change', () => {
  it('lists sessions, revokes one, and revokes all others', async () => {
    const { email, password, token } = await createAccount(server);
    const other = await signIn(server, email, password);
    const third = await signIn(server, email, password);
    const me = await server.gql(ME, {}, { token, headers: { 'user-agent': 'test-agent/1' } });
    expect(me.data.me.sessions).toHaveLength(3);
    expect(me.data.me.sessions.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    expect(me.data.me.sessions[0].ip).toMatch(/127\.0\.0\.1/);

    const otherMe = await server.gql(ME, {}, { token: other });
    const otherId = otherMe.data.me.sessions.find((s: { current: boolean }) => s.current).id;
    const revoke = await server.gql(
      `mutation($id: ID!) { revokeSession(input: { sessionId: $id }) { __typename ... on Error { code } } }`,
      { id: otherId },
      { token },
    );
    expect(revoke.data.revokeSession.__typename).toBe('SignedOut');
    expect((await server.gql(ME, {}, { token: other })).data.me).toBeNull();

    const rest = await server.gql(
      `mutation { revokeOtherSessions { __typename ... on SignedOut { sessionsEnded } } }`,
      {},
      { token },
    );
    expect(rest.data.revokeOtherSessions.sessionsEnded).toBe(1);
    expect((await server.gql(ME, {}, { token: third })).data.me).toBeNull();
    expect((await server.gql(ME, {}, { token })).data.me.email).toBe(email);
  });

  it("cannot revoke another account's session", async () => {
    const alice = await createAccount(server);
    const bob = await createAccount(server);
    const bobMe = await server.gql(ME, {}, { token: bob.token });
    const res = await server.gql(
      `mutation($id: ID!) { revokeSession(input: { sessionId: $id }) { __typename } }`,
      { id: bobMe.data.me.sessions[0].id },
      { token: alice.token },
    );
    expect(res.data.revokeSession.__typename).toBe('NotFoundError');
    expect((await server.gql(ME, {}, { token: bob.token })).data.me).not.toBeNull();
  });

  it('changes the password, ends every other session and sends a notice', async () => {
    const { email, password, token } = await createAccount(server);
    const other = await signIn(server, email, password);
    const CHANGE = `mutation($input: ChangePasswordInput!) {
      changePassword(input: $input) { __typename ... on Error { code } ... on WeakPasswordError { reason } }
    }`;
    const wrong = await server.gql(
      CHANGE,
      { input: { currentPassword: 'nope-nope-nope', newPassword: 'fresh-meadow-lantern-7' } },
      { token },
    );
    expect(wrong.data.changePassword.code).toBe('INVALID_CREDENTIALS');
    const weak = await server.gql(
      CHANGE,
      { input: { currentPassword: password, newPassword: 'qwerty123' } },
      { token },
    );
    expect(weak.data.changePassword.reason).toBe('COMMON');

    const ok = await server.gql(
      CHANGE,
      { input: { currentPassword: password, newPassword: 'fresh-meadow-lantern-7' } },
      { token },
    );
    expect(ok.data.changePassword.__typename).toBe('User');
    expect((await server.gql(ME, {}, { token: other })).data.me).toBeNull();
    expect((await server.gql(ME, {}, { token })).data.me.email).toBe(email);
    expect((await server.lastMail(email)).tag).toBe('password-changed');
    await signIn(server, email, 'fresh-meadow-lantern-7');
    const old = await server.gql(SIGN_IN, { input: { email, password } });
    expect(old.data.signInEmailPassword.code).toBe('INVALID_CREDENTIALS');

    const anonymous = await server.gql(CHANGE, { input: { currentPassword: 'a', newPassword: 'b' } });
    expect(anonymous.data.changePassword.code).toBe('UNAUTHENTICATED');
  });

  it('expires idle sessions', async () => {
    const { token } = await createAccount(server);
    const session = await server.services.db.session.findFirstOrThrow({ orderBy: { createdAt: 'desc' } });
    await server.services.db.session.update({
      where: { id: session.id },
      data: { lastUsedAt: new Date(Date.now() - server.config.session.idleMs - 1000) },
    });
    expect((await server.gql(ME, {}, { token })).data.me).toBeNull();
  });
});

describe('audit trail', () => {
  it('records sign-up, verification, sign-in, failures and password changes', async () => {
    const { email, userId } = await createAccount(server);
    await server.gql(SIGN_IN, { input: { email, password: 'wrong-password-x' } });
    const actions = (await server.services.db.auditEvent.findMany({ where: { actorId: userId } })).map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'account.signed_up',
        'account.email_verified',
        'session.signed_in',
        'session.sign_in_failed',
      ]),
    );
    const event = await server.services.db.auditEvent.findFirstOrThrow({
      where: { actorId: userId, action: 'session.signed_in' },
    });
    expect(event.ip).toMatch(/127\.0\.0\.1/);
  });
});
