import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../src/security/tokens.js';
import { goodPassword, startServer, tokenFromMail, uniqueEmail, type TestServer } from './harness.js';
import {
  CHANGE_EMAIL,
  COMPLETE_PASSWORD_RESET,
  CONFIRM_EMAIL_CHANGE,
  createAccount,
  INIT_PASSWORD_RESET,
  ME,
  SIGN_IN,
  SIGN_UP,
  signIn,
  VERIFY_EMAIL,
} from './flows.js';

// One server per file (a second in-memory database in one process does not start). All requests
// come from one client, whose mail budget is raised above the default 30 an hour.
let server: TestServer;
beforeAll(async () => {
  server = await startServer({
    services: { rateLimitRules: { mailPerClient: { points: 1000, windowSeconds: 3600 } } },
  });
});
afterAll(() => server.close());

const changeEmail = async (token: string | undefined, input: { newEmail: string; password: string }) =>
  (await server.gql(CHANGE_EMAIL, { input }, token ? { token } : {})).data.changeEmail;

const confirm = async (token: string) =>
  (await server.gql(CONFIRM_EMAIL_CHANGE, { input: { token } })).data.confirmEmailChange;

async function requestChange(session: string, password: string, newEmail: string) {
  expect(await changeEmail(session, { newEmail, password })).toEqual({ __typename: 'EmailSent', email: newEmail });
  return tokenFromMail((await server.lastMail(newEmail, 'confirm-email-change')).text);
}

const emailOf = async (userId: string) =>
  (await server.services.db.user.findUniqueOrThrow({ where: { id: userId } })).email;

describe('email change', () => {
  it('moves the account to the new address once the mailed link is followed, and tells the old one', async () => {
    const { email: oldEmail, password, token: session, userId } = await createAccount(server);
    const newEmail = uniqueEmail('moved');

    const res = await changeEmail(session, { newEmail: ` ${newEmail.toUpperCase()}`, password });
    expect(res).toEqual({ __typename: 'EmailSent', email: newEmail });
    const mail = await server.lastMail(newEmail, 'confirm-email-change');
    expect(mail.text).toContain('https://app.suward.test/confirm-email-change?token=swe_');
    expect(mail.html).toContain('<a href="https://app.suward.test/confirm-email-change?token=swe_');
    const token = tokenFromMail(mail.text);
    // Nothing changes before the link is followed.
    expect(await emailOf(userId)).toBe(oldEmail);
    await signIn(server, oldEmail, password);

    expect(await confirm(token)).toEqual({ __typename: 'EmailChanged', email: newEmail });
    expect((await server.lastMail(oldEmail)).tag).toBe('email-changed');
    expect((await server.lastMail(oldEmail)).text).not.toContain(newEmail);
    const me = await server.gql(ME, {}, { token: session });
    expect(me.data.me).toMatchObject({ email: newEmail, emailVerified: true });

    await signIn(server, newEmail, password);
    const old = await server.gql(SIGN_IN, { input: { email: oldEmail, password } });
    expect(old.data.signInEmailPassword.code).toBe('INVALID_CREDENTIALS');
    expect((await confirm(token)).code).toBe('INVALID_TOKEN');

    const actions = (await server.services.db.auditEvent.findMany({ where: { targetId: userId } })).map(
      (e) => e.action,
    );
    expect(actions).toEqual(expect.arrayContaining(['account.email_change_requested', 'account.email_changed']));
  });

  it('retires reset and verification links sent to the old address, and leaves invitations alone', async () => {
    const oldEmail = uniqueEmail('unverified');
    await server.gql(SIGN_UP, { input: { email: oldEmail, password: goodPassword, name: 'U' } });
    const verifyToken = tokenFromMail((await server.lastMail(oldEmail, 'verify-email')).text);
    const session = await signIn(server, oldEmail, goodPassword);
    const userId = signIn.lastUserId!;

    await server.gql(INIT_PASSWORD_RESET, { input: { email: oldEmail } });
    const resetToken = tokenFromMail((await server.lastMail(oldEmail, 'password-reset')).text);
    const organization = await server.services.db.organization.findFirstOrThrow({
      where: { members: { some: { userId } } },
    });
    const invitation = await server.services.db.invitation.create({
      data: {
        organizationId: organization.id,
        email: oldEmail,
        organizationRole: 'MEMBER',
        tokenHash: hashToken(`swi_${randomBytes(32).toString('base64url')}`),
        expiresAt: new Date(Date.now() + 86_400_000),
      },
    });

    const newEmail = uniqueEmail('fresh');
    expect(await confirm(await requestChange(session, goodPassword, newEmail))).toMatchObject({ email: newEmail });

    // Retired in the database, not only refused because the address no longer matches.
    for (const token of [resetToken, verifyToken]) {
      const row = await server.services.db.emailToken.findUniqueOrThrow({ where: { tokenHash: hashToken(token) } });
      expect(row.usedAt, row.purpose).not.toBeNull();
    }
    const reset = await server.gql(COMPLETE_PASSWORD_RESET, {
      input: { token: resetToken, newPassword: 'copper-harbor-quilt-42' },
    });
    expect(reset.data.completePasswordReset.code).toBe('INVALID_TOKEN');
    expect((await server.gql(VERIFY_EMAIL, { token: verifyToken })).data.verifyEmail.code).toBe('INVALID_TOKEN');
    expect(await server.services.db.invitation.findUniqueOrThrow({ where: { id: invitation.id } })).toEqual(invitation);
  });

  it("answers as for a free address when the new one is another account's, and mails that address no link", async () => {
    const alice = await createAccount(server);
    const bob = await createAccount(server);
    const sentBefore = server.mail.length;

    const res = await changeEmail(alice.token, { newEmail: bob.email.toUpperCase(), password: alice.password });
    expect(res).toEqual({ __typename: 'EmailSent', email: bob.email });
    await server.services.mailer.flush();
    const sent = server.mail.slice(sentBefore);
    expect(sent.map((m) => [m.to, m.tag])).toEqual([[bob.email, 'email-change-existing']]);
    expect(sent[0]!.text).not.toMatch(/token=/);
    expect(sent[0]!.text).not.toContain(alice.email);
    expect(await emailOf(alice.userId)).toBe(alice.email);
    expect(await emailOf(bob.userId)).toBe(bob.email);
  });

  it('refuses the link when the address was taken since it was sent', async () => {
    const { email, password, token: session, userId } = await createAccount(server);
    const wanted = uniqueEmail('contested');
    const token = await requestChange(session, password, wanted);
    await createAccount(server, { email: wanted });

    expect(await confirm(token)).toMatchObject({ __typename: 'InvalidTokenError', code: 'INVALID_TOKEN' });
    expect(await emailOf(userId)).toBe(email);
    await signIn(server, email, password);
    const row = await server.services.db.emailToken.findUniqueOrThrow({ where: { tokenHash: hashToken(token) } });
    expect(row.usedAt).not.toBeNull();
  });

  it('refuses superseded, expired, random and wrong-purpose tokens', async () => {
    const { email, password, token: session, userId } = await createAccount(server);
    const first = await requestChange(session, password, uniqueEmail('first'));
    const second = await requestChange(session, password, uniqueEmail('second'));
    expect((await confirm(first)).code).toBe('INVALID_TOKEN');
    await server.services.db.emailToken.update({
      where: { tokenHash: hashToken(second) },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    expect((await confirm(second)).code).toBe('INVALID_TOKEN');
    for (const token of ['', `swe_${randomBytes(32).toString('base64url')}`])
      expect((await confirm(token)).code).toBe('INVALID_TOKEN');
    await server.gql(INIT_PASSWORD_RESET, { input: { email } });
    const resetToken = tokenFromMail((await server.lastMail(email, 'password-reset')).text);
    expect((await confirm(resetToken)).code).toBe('INVALID_TOKEN');
    expect(await emailOf(userId)).toBe(email);
  });

  it('needs a session, the current password, a well-formed and different address', async () => {
    const { email, password, token: session, userId } = await createAccount(server);
    const newEmail = uniqueEmail('never');
    expect(await changeEmail(undefined, { newEmail, password })).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await changeEmail(session, { newEmail, password: 'not-my-password' })).toMatchObject({
      code: 'INVALID_CREDENTIALS',
    });
    expect(await changeEmail(session, { newEmail: 'no-at-sign', password })).toMatchObject({
      code: 'INVALID_INPUT',
      field: 'newEmail',
    });
    expect(await changeEmail(session, { newEmail: ` ${email.toUpperCase()} `, password })).toMatchObject({
      code: 'INVALID_INPUT',
      field: 'newEmail',
    });
    await server.services.mailer.flush();
    expect(server.mail.some((m) => m.to === newEmail)).toBe(false);
    expect(await emailOf(userId)).toBe(email);
    const failed = await server.services.db.auditEvent.count({
      where: { targetId: userId, action: 'account.password_confirmation_failed' },
    });
    expect(failed).toBe(1);
  });

  it('limits confirmation mails per new address', async () => {
    const { password, token: session } = await createAccount(server);
    const newEmail = uniqueEmail('flooded');
    for (let i = 0; i < 5; i++)
      expect((await changeEmail(session, { newEmail, password })).__typename).toBe('EmailSent');
    expect(await changeEmail(session, { newEmail, password })).toMatchObject({ code: 'RATE_LIMITED' });
  });
});
