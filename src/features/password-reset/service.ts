import type { Services } from '../../context.js';
import { InvalidTokenError } from '../../errors.js';
import { templates } from '../../mail/templates.js';
import { tokenPrefixes } from '../../security/tokens.js';
import { link } from '../accounts/service.js';
import { findEmailToken, issueEmailToken, retireEmailTokens, spendEmailToken } from '../accounts/email-tokens.js';
import { normalizeEmail, validateNewPassword } from '../accounts/validation.js';
import { recordAuditEvent, type RequestMeta } from '../audit/service.js';
import { revokeSessions } from '../sessions/service.js';
import { assertSecondFactorNotLocked, type SecondFactor, verifySecondFactor } from '../two-factor/service.js';

/**
 * Mails a reset link when the address has an account. The answer, and the time it takes, are the
 * same either way: only the lookup happens on the request path; the link is issued and mailed
 * after the answer.
 */
export async function initPasswordReset(services: Services, meta: RequestMeta, rawEmail: string) {
  const email = normalizeEmail(rawEmail);
  await services.limits.consume('mailPerClient', meta.client);
  await services.limits.consume('mailPerAddress', email);

  const user = await services.db.user.findUnique({ where: { email }, select: { id: true, email: true } });
  if (user) services.mailer.sendPrepared('password-reset', () => prepareResetMail(services, meta, user));
  return { email };
}

async function prepareResetMail(services: Services, meta: RequestMeta, user: { id: string; email: string }) {
  // Issuing retires every earlier reset link of the account.
  const token = await issueEmailToken(services, {
    userId: user.id,
    purpose: 'PASSWORD_RESET',
    email: user.email,
    prefix: tokenPrefixes.passwordReset,
    ttlMs: services.config.passwordResetMs,
  });
  await recordAuditEvent(services.db, meta, {
    action: 'account.password_reset_requested',
    actorId: null,
    targetType: 'User',
    targetId: user.id,
  });
  const minutes = Math.round(services.config.passwordResetMs / 60_000);
  return templates.passwordReset(user.email, link(services, '/reset-password', token), minutes);
}

/**
 * Sets a new password with the token from a reset link; with two-factor on, a code is needed
 * too. Nothing changes, and the token stays usable, until every check has passed. Then every
 * session of the account ends; the caller is not signed in.
 */
export async function completePasswordReset(
  services: Services,
  meta: RequestMeta,
  input: { token: string; newPassword: string } & SecondFactor,
) {
  const row = await findEmailToken(services, 'PASSWORD_RESET', input.token);
  const user = await services.db.user.findUnique({ where: { id: row.userId } });
  // A link sent to an address the account no longer holds proves nothing.
  if (!user || user.email !== row.email) throw new InvalidTokenError();

  validateNewPassword(input.newPassword, user.email, 'newPassword');
  let secondFactor: 'totp' | 'backup_code' | null = null;
  if (user.twoFactorEnabledAt) {
    await assertSecondFactorNotLocked(services, user);
    secondFactor = await verifySecondFactor(services, meta, user, input);
  }

  const passwordHash = await services.passwords.hash(input.newPassword);
  await services.db.$transaction(async (tx) => {
    await spendEmailToken(services, tx, row.id);
    const { count } = await tx.user.updateMany({
      where: { id: user.id, email: row.email },
      // Following the mailed link proves the mailbox, so an unconfirmed address is confirmed now;
      // whoever signed up with it before loses the password they chose and every session.
      data: {
        passwordHash,
        passwordChangedAt: services.now(),
        emailVerifiedAt: user.emailVerifiedAt ?? services.now(),
      },
    });
    if (count !== 1) throw new InvalidTokenError();
    await retireEmailTokens(services, user.id, ['PASSWORD_RESET'], tx);
  });

  const ended = await revokeSessions(services, user.id);
  await recordAuditEvent(services.db, meta, {
    action: 'account.password_reset',
    actorId: user.id,
    targetType: 'User',
    targetId: user.id,
    metadata: { sessionsEnded: ended, secondFactor },
  });
  services.mailer.send(templates.passwordResetDone(user.email));
  return { email: user.email };
}
