// The generated typed documents and the example client, through every flow, against a live server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ActivateTwoFactorDocument,
  ChangePasswordDocument,
  DisableTwoFactorDocument,
  MeDocument,
  RegenerateBackupCodesDocument,
  ResendVerificationEmailDocument,
  RevokeOtherSessionsDocument,
  RevokeSessionDocument,
  SetupTwoFactorDocument,
  SignInDocument,
  SignOutDocument,
  SignUpDocument,
  VerifyEmailDocument,
  type SignInMutation,
} from '../client/generated/graphql.js';
import { createClient } from '../client/request.js';
import { totpCode } from '../src/features/two-factor/totp.js';
import { goodPassword, startServer, tokenFromMail, uniqueEmail, type TestServer } from './harness.js';

// A frozen clock that only moves when told: each TOTP code is taken once per 30 s step.
let clock = new Date('2026-12-04T12:00:05Z');
const nextStep = () => (clock = new Date(clock.getTime() + 30_000));

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ services: { now: () => clock } });
});
afterAll(() => server?.close());

type SignInResult = SignInMutation['signInEmailPassword'];
function expectSuccess(result: SignInResult) {
  if (result.__typename !== 'SignInSuccess') throw new Error(`sign-in failed: ${JSON.stringify(result)}`);
  return result;
}

describe('the typed client', () => {
  it('goes through sign-up, verification, sign-in, sessions, password change, two-factor and sign-out', async () => {
    const email = uniqueEmail('typed');
    const anonymous = createClient(server.url);

    const { signUp } = await anonymous.request(SignUpDocument, {
      input: { email, password: goodPassword, name: 'Grace' },
    });
    expect(signUp).toEqual({ __typename: 'EmailSent', email });
    const { resendVerificationEmail } = await anonymous.request(ResendVerificationEmailDocument, { email });
    expect(resendVerificationEmail.__typename).toBe('EmailSent');

    const link = await server.lastMail(email, 'verify-email');
    const { verifyEmail } = await anonymous.request(VerifyEmailDocument, { token: tokenFromMail(link.text) });
    expect(verifyEmail).toEqual({ __typename: 'EmailVerified', email });

    const wrong = (await anonymous.request(SignInDocument, { input: { email, password: 'not-the-password' } }))
      .signInEmailPassword;
    expect(wrong).toMatchObject({ __typename: 'InvalidCredentialsError', code: 'INVALID_CREDENTIALS' });

    const first = expectSuccess(
      (await anonymous.request(SignInDocument, { input: { email, password: goodPassword } })).signInEmailPassword,
    );
    expect(first.token).toMatch(/^sws_/);
    const client = createClient(server.url, { token: first.token });
    const { me } = await client.request(MeDocument);
    expect(me).toMatchObject({
      email,
      name: 'Grace',
      emailVerified: true,
      twoFactorEnabled: false,
      backupCodesRemaining: 0,
    });
    expect(me!.organizations.edges).toEqual([
      { node: { role: 'OWNER', organization: { id: expect.any(String), name: expect.any(String), personal: true } } },
    ]);
    expect(me!.sessions).toEqual([expect.objectContaining({ id: first.session.id, current: true })]);

    // A second session ends when the password changes.
    const second = expectSuccess(
      (await anonymous.request(SignInDocument, { input: { email, password: goodPassword } })).signInEmailPassword,
    );
    const newPassword = 'fresh-meadow-lantern-7';
    const { changePassword } = await client.request(ChangePasswordDocument, {
      input: { currentPassword: goodPassword, newPassword },
    });
    expect(changePassword.__typename).toBe('User');
    expect((await createClient(server.url, { token: second.token }).request(MeDocument)).me).toBeNull();

    // Two-factor on.
    const { setupTwoFactor } = await client.request(SetupTwoFactorDocument, { input: { password: newPassword } });
    if (setupTwoFactor.__typename !== 'TwoFactorSetup') throw new Error(JSON.stringify(setupTwoFactor));
    expect(setupTwoFactor.uri).toContain(setupTwoFactor.secret);
    const secret = setupTwoFactor.secret;
    const { activateTwoFactor } = await client.request(ActivateTwoFactorDocument, {
      code: await totpCode(secret, clock),
    });
    if (activateTwoFactor.__typename !== 'BackupCodes') throw new Error(JSON.stringify(activateTwoFactor));
    expect(activateTwoFactor.backupCodes).toHaveLength(10);
    expect(activateTwoFactor.user).toMatchObject({ twoFactorEnabled: true, backupCodesRemaining: 10 });
    const backupCodes = activateTwoFactor.backupCodes;

    // Sign-in now needs the second factor in the same call.
    const needsCode = (await anonymous.request(SignInDocument, { input: { email, password: newPassword } }))
      .signInEmailPassword;
    expect(needsCode).toMatchObject({ __typename: 'TwoFactorRequiredError', code: 'TWO_FACTOR_REQUIRED' });
    nextStep();
    const withCode = expectSuccess(
      (
        await anonymous.request(SignInDocument, {
          input: { email, password: newPassword, code: await totpCode(secret, clock) },
        })
      ).signInEmailPassword,
    );
    expect(withCode.user.email).toBe(email);
    const withBackup = expectSuccess(
      (
        await anonymous.request(SignInDocument, {
          input: { email, password: newPassword, backupCode: backupCodes[0]! },
        })
      ).signInEmailPassword,
    );
    const reused = (
      await anonymous.request(SignInDocument, { input: { email, password: newPassword, backupCode: backupCodes[0]! } })
    ).signInEmailPassword;
    expect(reused.__typename).toBe('InvalidTwoFactorCodeError');
    expect((await client.request(MeDocument)).me?.backupCodesRemaining).toBe(9);

    nextStep();
    const { regenerateBackupCodes } = await client.request(RegenerateBackupCodesDocument, {
      code: await totpCode(secret, clock),
    });
    if (regenerateBackupCodes.__typename !== 'BackupCodes') throw new Error(JSON.stringify(regenerateBackupCodes));
    expect(regenerateBackupCodes.user.backupCodesRemaining).toBe(10);
    const fresh = regenerateBackupCodes.backupCodes;
    expect(fresh.some((c) => backupCodes.includes(c))).toBe(false);

    // Sessions: end one by id, then every other one.
    const { revokeSession } = await client.request(RevokeSessionDocument, { sessionId: withCode.session.id });
    expect(revokeSession).toEqual({ __typename: 'SignedOut', sessionsEnded: 1 });
    expect((await createClient(server.url, { token: withCode.token }).request(MeDocument)).me).toBeNull();
    const { revokeOtherSessions } = await client.request(RevokeOtherSessionsDocument);
    expect(revokeOtherSessions).toEqual({ __typename: 'SignedOut', sessionsEnded: 1 });
    expect((await createClient(server.url, { token: withBackup.token }).request(MeDocument)).me).toBeNull();

    // Two-factor off with a backup code from the fresh set.
    const { disableTwoFactor } = await client.request(DisableTwoFactorDocument, {
      input: { password: newPassword, backupCode: fresh[0]! },
    });
    expect(disableTwoFactor).toMatchObject({ __typename: 'User', twoFactorEnabled: false, backupCodesRemaining: 0 });
    expectSuccess(
      (await anonymous.request(SignInDocument, { input: { email, password: newPassword } })).signInEmailPassword,
    );

    const { signOut } = await client.request(SignOutDocument);
    expect(signOut).toEqual({ __typename: 'SignedOut', sessionsEnded: 1 });
    expect((await client.request(MeDocument)).me).toBeNull();
    const { signOut: again } = await client.request(SignOutDocument);
    expect(again).toMatchObject({ __typename: 'UnauthenticatedError', code: 'UNAUTHENTICATED' });
  });

  it('turns GraphQL errors into a typed exception', async () => {
    const client = createClient(server.url);
    // A document the server refuses: a variable of the wrong type.
    await expect(client.request(VerifyEmailDocument, { token: 42 as unknown as string })).rejects.toMatchObject({
      name: 'Error',
      errors: [expect.objectContaining({ message: expect.any(String) })],
    });
  });
});
