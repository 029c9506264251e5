import { decodeGlobalID } from '@pothos/plugin-relay';
import { expect } from 'vitest';
import { goodPassword, tokenFromMail, uniqueEmail, type TestServer } from './harness.js';
import { totpCode } from '../src/features/two-factor/totp.js';

export const SIGN_UP = /* GraphQL */ `
  mutation SignUp($input: SignUpInput!) {
    signUp(input: $input) {
      __typename
      ... on EmailSent {
        email
      }
      ... on Error {
        code
        message
      }
      ... on InvalidInputError {
        field
      }
      ... on WeakPasswordError {
        reason
      }
    }
  }
`;

export const SIGN_IN = /* GraphQL */ `
  mutation SignIn($input: SignInEmailPasswordInput!) {
    signInEmailPassword(input: $input) {
      __typename
      ... on SignInSuccess {
        token
        session {
          id
          current
        }
        user {
          id
          email
        }
      }
      ... on Error {
        code
        message
      }
      ... on RateLimitedError {
        retryAfterSeconds
      }
    }
  }
`;

export const VERIFY_EMAIL = /* GraphQL */ `
  mutation Verify($token: String!) {
    verifyEmail(input: { token: $token }) {
      __typename
      ... on EmailVerified {
        email
      }
      ... on Error {
        code
      }
    }
  }
`;

export const ME = /* GraphQL */ `
  query Me {
    me {
      id
      email
      name
      emailVerified
      twoFactorEnabled
      backupCodesRemaining
      organizations {
        edges {
          node {
            role
            organization {
              id
              name
              personal
            }
          }
        }
      }
      sessions {
        id
        current
        ip
        userAgent
      }
    }
  }
`;

/** Signs up, verifies the address from the mailed link, signs in; returns the bearer token. */
export async function createAccount(
  server: TestServer,
  options: { email?: string; password?: string; name?: string } = {},
) {
  const email = options.email ?? uniqueEmail();
  const password = options.password ?? goodPassword;
  const signUp = await server.gql(SIGN_UP, { input: { email, password, name: options.name ?? 'Ada Lovelace' } });
  expect(signUp.data.signUp.__typename).toBe('EmailSent');
  const mail = await server.lastMail(email, 'verify-email');
  const verified = await server.gql(VERIFY_EMAIL, { token: tokenFromMail(mail.text) });
  expect(verified.data.verifyEmail.__typename).toBe('EmailVerified');
  const token = await signIn(server, email, password);
  return { email, password, token, userId: signIn.lastUserId! };
}

export async function signIn(server: TestServer, email: string, password: string, extra: Record<string, string> = {}) {
  const res = await server.gql(SIGN_IN, { input: { email, password, ...extra } });
  const result = res.data.signInEmailPassword;
  if (result.__typename !== 'SignInSuccess') throw new Error(`sign-in failed: ${JSON.stringify(result)}`);
  signIn.lastUserId = decodeGlobalID(result.user.id as string).id;
  return result.token as string;
}
signIn.lastUserId = undefined as string | undefined;

export const INIT_PASSWORD_RESET = /* GraphQL */ `
  mutation InitReset($input: InitPasswordResetInput!) {
    initPasswordReset(input: $input) {
      __typename
      ... on EmailSent {
        email
      }
      ... on Error {
        code
        message
      }
      ... on InvalidInputError {
        field
      }
      ... on RateLimitedError {
        retryAfterSeconds
      }
    }
  }
`;

export const COMPLETE_PASSWORD_RESET = /* GraphQL */ `
  mutation CompleteReset($input: CompletePasswordResetInput!) {
    completePasswordReset(input: $input) {
      __typename
      ... on PasswordResetComplete {
        email
      }
      ... on Error {
        code
        message
      }
      ... on WeakPasswordError {
        reason
      }
    }
  }
`;

export const CHANGE_EMAIL = /* GraphQL */ `
  mutation ChangeEmail($input: ChangeEmailInput!) {
    changeEmail(input: $input) {
      __typename
      ... on EmailSent {
        email
      }
      ... on Error {
        code
        message
      }
      ... on InvalidInputError {
        field
      }
    }
  }
`;

export const CONFIRM_EMAIL_CHANGE = /* GraphQL */ `
  mutation ConfirmEmailChange($input: ConfirmEmailChangeInput!) {
    confirmEmailChange(input: $input) {
      __typename
      ... on EmailChanged {
        email
      }
      ... on Error {
        code
        message
      }
    }
  }
`;

/** Turns two-factor on for a signed-in account; returns the TOTP secret and the backup codes. */
export async function enableTwoFactor(server: TestServer, token: string, password: string) {
  const setup = await server.gql(
    `mutation($input: SetupTwoFactorInput!) {
      setupTwoFactor(input: $input) { __typename ... on TwoFactorSetup { secret } ... on Error { code } }
    }`,
    { input: { password } },
    { token },
  );
  expect(setup.data.setupTwoFactor.__typename).toBe('TwoFactorSetup');
  const secret = setup.data.setupTwoFactor.secret as string;
  const activated = await server.gql(
    `mutation($input: ActivateTwoFactorInput!) {
      activateTwoFactor(input: $input) { __typename ... on BackupCodes { backupCodes } ... on Error { code } }
    }`,
    { input: { code: await totpCode(secret, new Date()) } },
    { token },
  );
  expect(activated.data.activateTwoFactor.__typename).toBe('BackupCodes');
  return { secret, backupCodes: activated.data.activateTwoFactor.backupCodes as string[] };
}
