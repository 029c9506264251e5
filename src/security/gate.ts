// The credential gate: every way in passes the same steps in the same order, so no path can skip
// the rate limit, the second factor or the audit trail.
//   limit per client → limit per account → account lock → first factor → second factor → session
import type { Services } from '../context.js';
import { confirmPassword } from './confirm-password.js';
import { InvalidCredentialsError, TelegramNotLinkedError, TwoFactorRequiredError } from '../errors.js';
import type { User } from '../generated/prisma/client.js';
import { signInOutcome } from '../operations/metrics.js';
import { isCheckablePassword, normalizeEmail } from '../features/accounts/validation.js';
import { recordAuditEvent, type RequestMeta } from '../features/audit/service.js';
import { createSession } from '../features/sessions/service.js';
import { assertSecondFactorNotLocked, type SecondFactor, verifySecondFactor } from '../features/two-factor/service.js';

export type SignInMethod = 'password' | 'telegram';

/**
 * After the first factor has passed: asks for the second factor when two-factor is on, then
 * opens a session. Nothing is issued until both factors pass.
 *
 * `beforeSession` runs once both factors have passed and before the session exists; if it
 * throws, no session is opened. A one-time first factor is spent there, so that a refusal of
 * the second factor does not use it up.
 *
 * Once the session exists, the account is read again: if its password, its two-factor state or
 * its Telegram link changed since it was read for this sign-in (a password reset, say, which
 * ends every session it can see, may have run between the check and the insert), the new
 * session is ended again and the sign-in refused.
 */
export async function admit(
  services: Services,
  meta: RequestMeta,
  user: User,
  factor: SecondFactor,
  method: SignInMethod,
  options: { beforeSession?: () => Promise<void> } = {},
) {
  const secondFactor = user.twoFactorEnabledAt ? await verifySecondFactor(services, meta, user, factor) : null;
  await options.beforeSession?.();
  const { token, session } = await createSession(services, user.id, meta);
  const changed = await factorsChangedSince(services, user);
  if (changed) {
    await services.db.session.updateMany({
      where: { id: session.id, userId: user.id },
      data: { revokedAt: services.now() },
    });
    await recordAuditEvent(services.db, meta, {
      action: 'session.sign_in_failed',
      actorId: user.id,
      targetType: 'User',
      targetId: user.id,
      metadata: { method, reason: `${changed}_changed` },
    });
    if (changed === 'two_factor' && !user.twoFactorEnabledAt) throw new TwoFactorRequiredError();
    throw method === 'telegram' ? new TelegramNotLinkedError() : new InvalidCredentialsError();
  }
  await recordAuditEvent(services.db, meta, {
    action: 'session.signed_in',
    actorId: user.id,
    targetType: 'Session',
    targetId: session.id,
    metadata: { method, secondFactor },
  });
  return { token, session, user };
}

/** Which of the account's ways in changed since `user` was read, if any. */
async function factorsChangedSince(services: Services, user: User) {
  const now = await services.db.user.findUnique({
    where: { id: user.id },
    select: { passwordHash: true, twoFactorEnabledAt: true, telegramId: true },
  });
  if (!now || now.passwordHash !== user.passwordHash) return 'password';
  if (now.twoFactorEnabledAt?.getTime() !== user.twoFactorEnabledAt?.getTime()) return 'two_factor';
  if (now.telegramId !== user.telegramId) return 'telegram';
  return null;
}

export async function signInWithPassword(
  services: Services,
  meta: RequestMeta,
  input: { email: string; password: string } & SecondFactor,
) {
  // The one place where sign-in outcomes are counted for /metrics.
  try {
    const admitted = await checkPasswordAndAdmit(services, meta, input);
    services.metrics.signIns.inc({ outcome: 'success' });
    return admitted;
  } catch (error) {
    services.metrics.signIns.inc({ outcome: signInOutcome(error) });
    throw error;
  }
}

async function checkPasswordAndAdmit(
  services: Services,
  meta: RequestMeta,
  input: { email: string; password: string } & SecondFactor,
) {
  const client = meta.client;
  await services.limits.consume('signInPerClient', client);

  const email = normalizeEmail(input.email);
  const accountKey = `${email}|${client}`;
  await services.limits.consume('signInPerAccountAndClient', accountKey);

  const user = await services.db.user.findUnique({ where: { email } });
  if (user) await assertSecondFactorNotLocked(services, user);

  // A dummy hash is verified on a miss so that unknown addresses take as long as known ones.
  const checkable = isCheckablePassword(input.password);
  const ok = await services.passwords.verify(
    checkable ? (user?.passwordHash ?? null) : null,
    checkable ? input.password : '',
  );
  if (!user || !ok) {
    await recordAuditEvent(services.db, meta, {
      action: 'session.sign_in_failed',
      actorId: user?.id ?? null,
      targetType: 'User',
      ...(user ? { targetId: user.id } : {}),
      metadata: { method: 'password', reason: 'invalid_credentials' },
    });
    throw new InvalidCredentialsError();
  }

  // The password was right: from here on only the code budget counts the attempt.
  await services.limits.reset('signInPerAccountAndClient', accountKey);
  const admitted = await admit(services, meta, user, input, 'password');
  return admitted;
}

/**
 * Confirms a signed-in person before an irreversible change (ownership transfer, account
 * deletion): the password, and the second factor when two-factor is on.
 */
export async function reauthenticate(
  services: Services,
  meta: RequestMeta,
  userId: string,
  input: { password: string } & SecondFactor,
  purpose: string,
): Promise<User> {
  const user = await services.db.user.findUniqueOrThrow({ where: { id: userId } });
  await assertSecondFactorNotLocked(services, user);
  await confirmPassword(services, meta, user, input.password, purpose);
  if (user.twoFactorEnabledAt) await verifySecondFactor(services, meta, user, input);
  return user;
}
