// An example partner script: the typed documents from client/generated/ over plain fetch.
//
//   npx tsx client/example.ts [URL] sign-up <email> <password> <name>
//   npx tsx client/example.ts [URL] verify <token-from-the-mailed-link>
//   npx tsx client/example.ts [URL] sign-in <email> <password> [totp-or-backup-code]
//   npx tsx client/example.ts [URL] forgot-password <email>
//   npx tsx client/example.ts [URL] reset-password <token-from-the-mailed-link> <new-password> [totp-or-backup-code]
//
// URL defaults to http://127.0.0.1:4000/graphql. `sign-in` prints the account, its organizations
// and sessions, then signs out again.
import {
  CompletePasswordResetDocument,
  InitPasswordResetDocument,
  MeDocument,
  SignInDocument,
  SignOutDocument,
  SignUpDocument,
  VerifyEmailDocument,
} from './generated/graphql.js';
import { createClient } from './request.js';

const args = process.argv.slice(2);
const url = args[0]?.startsWith('http') ? args.shift()! : 'http://127.0.0.1:4000/graphql';
const [command, ...rest] = args;
const client = createClient(url);

function usage(): never {
  console.error(
    'usage: example.ts [URL] sign-up <email> <password> <name> | verify <token> | sign-in <email> <password> [code]\n' +
      '                      | forgot-password <email> | reset-password <token> <new-password> [code]',
  );
  process.exit(2);
}

async function signUp(email: string, password: string, name: string) {
  const { signUp } = await client.request(SignUpDocument, { input: { email, password, name } });
  switch (signUp.__typename) {
    case 'EmailSent':
      console.log(`A verification link is on its way to ${signUp.email}.`);
      return;
    case 'WeakPasswordError':
      throw new Error(`password refused: ${signUp.reason}`);
    case 'InvalidInputError':
      throw new Error(`${signUp.field}: ${signUp.message}`);
    default:
      throw new Error(`${signUp.code}: ${signUp.message}`);
  }
}

async function verify(token: string) {
  const { verifyEmail } = await client.request(VerifyEmailDocument, { token });
  if (verifyEmail.__typename !== 'EmailVerified') throw new Error(`${verifyEmail.code}: ${verifyEmail.message}`);
  console.log(`${verifyEmail.email} is verified.`);
}

// Codes from an authenticator app are six digits; anything else is taken as a backup code.
function secondFactorInput(secondFactor?: string) {
  return secondFactor ? (/^\d{6}$/.test(secondFactor) ? { code: secondFactor } : { backupCode: secondFactor }) : {};
}

async function forgotPassword(email: string) {
  const { initPasswordReset: result } = await client.request(InitPasswordResetDocument, { email });
  switch (result.__typename) {
    case 'EmailSent':
      // The same answer whether or not the address has an account.
      console.log(`If ${result.email} has an account, a reset link is on its way.`);
      return;
    case 'RateLimitedError':
      throw new Error(`too many requests; retry in ${result.retryAfterSeconds} s`);
    case 'InvalidInputError':
      throw new Error(`${result.field}: ${result.message}`);
    default:
      throw new Error(`${result.code}: ${result.message}`);
  }
}

async function resetPassword(token: string, newPassword: string, secondFactor?: string) {
  const { completePasswordReset: result } = await client.request(CompletePasswordResetDocument, {
    input: { token, newPassword, ...secondFactorInput(secondFactor) },
  });
  switch (result.__typename) {
    case 'PasswordResetComplete':
      console.log(`The password of ${result.email} is changed and every session ended. Sign in with the new one.`);
      return;
    case 'TwoFactorRequiredError':
      throw new Error(
        'two-factor is on: pass a code from the authenticator app or a backup code (the link still works)',
      );
    case 'WeakPasswordError':
      throw new Error(`password refused: ${result.reason}`);
    case 'RateLimitedError':
      throw new Error(`too many attempts; retry in ${result.retryAfterSeconds} s`);
    default:
      throw new Error(`${result.code}: ${result.message}`);
  }
}

async function signIn(email: string, password: string, secondFactor?: string) {
  const factor = secondFactorInput(secondFactor);
  const { signInEmailPassword: result } = await client.request(SignInDocument, {
    input: { email, password, ...factor },
  });
  switch (result.__typename) {
    case 'SignInSuccess':
      break;
    case 'TwoFactorRequiredError':
      throw new Error('two-factor is on: pass a code from the authenticator app or a backup code');
    case 'RateLimitedError':
      throw new Error(`too many attempts; retry in ${result.retryAfterSeconds} s`);
    default:
      throw new Error(`${result.code}: ${result.message}`);
  }
  client.setToken(result.token);
  const { me } = await client.request(MeDocument);
  if (!me) throw new Error('the new session was not accepted');
  console.log(`Signed in as ${me.name} <${me.email}>, two-factor ${me.twoFactorEnabled ? 'on' : 'off'}`);
  for (const { node } of me.organizations.edges)
    console.log(`  ${node.role.toLowerCase()} of ${node.organization.name}`);
  for (const session of me.sessions)
    console.log(`  session ${session.id}${session.current ? ' (this one)' : ''}, last used ${session.lastUsedAt}`);
  const { signOut } = await client.request(SignOutDocument);
  if (signOut.__typename === 'SignedOut') console.log('Signed out.');
}

try {
  if (command === 'sign-up' && rest.length === 3) await signUp(rest[0]!, rest[1]!, rest[2]!);
  else if (command === 'verify' && rest.length === 1) await verify(rest[0]!);
  else if (command === 'sign-in' && (rest.length === 2 || rest.length === 3)) await signIn(rest[0]!, rest[1]!, rest[2]);
  else if (command === 'forgot-password' && rest.length === 1) await forgotPassword(rest[0]!);
  else if (command === 'reset-password' && (rest.length === 2 || rest.length === 3))
    await resetPassword(rest[0]!, rest[1]!, rest[2]);
  else usage();
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
