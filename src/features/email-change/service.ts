import type { Services } from '../../context.js';
import { confirmPassword } from '../../security/confirm-password.js';
import { InvalidInputError, InvalidTokenError } from '../../errors.js';
import { Prisma } from '../../generated/prisma/client.js';
import { templates } from '../../mail/templates.js';
import { tokenPrefixes } from '../../security/tokens.js';
import { link } from '../accounts/service.js';
import { findEmailToken, issueEmailToken, retireEmailTokens, spendEmailToken } from '../accounts/email-tokens.js';
import { normalizeEmail } from '../accounts/validation.js';
import { recordAuditEvent, type RequestMeta } from '../audit/service.js';

/**
 * Starts moving the signed-in account to a new address: a confirmation link goes to the new
 * address, and nothing changes until it is followed. When the address belongs to another
 * account the answer is the same; that address gets a notice instead of a link.
 */
export async function changeEmail(
  services: Services,
  meta: RequestMeta,
  viewer: { userId: string },
  input: { newEmail: string; password: string },
): Promise<{ email: string }> {
  const newEmail = normalizeEmail(input.newEmail, 'newEmail');
  const user = await services.db.user.findUniqueOrThrow({ where: { id: viewer.userId } });
  await confirmPassword(services, meta, user, input.password, 'change_email');
  if (newEmail === user.email) throw new InvalidInputError('newEmail', 'This is already your email address.');

  await services.limits.consume('mailPerClient', meta.client);
  await services.limits.consume('mailPerAddress', newEmail);

  // A token is issued either way, so that both cases take the same steps and a new request always
  // supersedes the pending one; it is mailed only when the address is free.
  const token = await issueEmailToken(services, {
    userId: user.id,
    purpose: 'EMAIL_CHANGE',
    email: newEmail,
    prefix: tokenPrefixes.emailChange,
    ttlMs: services.config.emailChangeMs,
  });
  const taken = await services.db.user.findUnique({ where: { email: newEmail }, select: { id: true } });
  await recordAuditEvent(services.db, meta, {
    action: 'account.email_change_requested',
    actorId: user.id,
    targetType: 'User',
    targetId: user.id,
    metadata: { addressTaken: Boolean(taken) },
  });
  services.mailer.send(
    taken
      ? templates.emailChangeToTakenAddress(newEmail)
      : templates.confirmEmailChange(newEmail, link(services, '/confirm-email-change', token)),
  );
  return { email: newEmail };
}

const isUniqueConflict = (error: unknown) =>
  error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';

/**
 * Moves the account to the address the confirmation link was sent to. Earlier reset and
 * verification links stop working, and the old address gets a notice. Pending invitations
 * are left alone: they still match the address they were sent to.
 */
export async function confirmEmailChange(services: Services, meta: RequestMeta, token: string) {
  const row = await findEmailToken(services, 'EMAIL_CHANGE', token);

  // The address was taken since the link went out: the link is spent and refused.
  const taken = await services.db.user.findUnique({ where: { email: row.email }, select: { id: true } });
  if (taken) {
    await spendEmailToken(services, services.db, row.id);
    throw new InvalidTokenError();
  }

  let previousEmail: string;
  try {
    previousEmail = await services.db.$transaction(async (tx) => {
      await spendEmailToken(services, tx, row.id);
      const user = await tx.user.findUniqueOrThrow({ where: { id: row.userId } });
      await tx.user.update({ where: { id: user.id }, data: { email: row.email, emailVerifiedAt: services.now() } });
      await retireEmailTokens(services, user.id, ['PASSWORD_RESET', 'VERIFY_EMAIL', 'EMAIL_CHANGE'], tx);
      return user.email;
    });
  } catch (error) {
    // Taken by a concurrent sign-up or change between the check and the update.
    if (isUniqueConflict(error)) throw new InvalidTokenError();
    throw error;
  }

  await recordAuditEvent(services.db, meta, {
    action: 'account.email_changed',
    actorId: row.userId,
    targetType: 'User',
    targetId: row.userId,
    metadata: { from: previousEmail, to: row.email },
  });
  services.mailer.send(templates.emailChanged(previousEmail));
  return { email: row.email };
}
