import type { Services } from '../../context.js';
import { InvalidTokenError } from '../../errors.js';
import { Prisma } from '../../generated/prisma/client.js';
import { templates } from '../../mail/templates.js';
import { confirmPassword } from '../../security/confirm-password.js';
import { tokenPrefixes } from '../../security/tokens.js';
import { recordAuditEvent, type RequestMeta } from '../audit/service.js';
import { revokeSessions } from '../sessions/service.js';
import { findEmailToken, issueEmailToken, retireEmailTokens, spendEmailToken } from './email-tokens.js';
import { normalizeEmail, validateName, validateNewPassword } from './validation.js';

export function link(services: Services, path: string, token: string): string {
  const url = new URL(path, services.config.publicOrigin);
  url.searchParams.set('token', token);
  return url.toString();
}

async function sendVerificationEmail(services: Services, user: { id: string; email: string }) {
  const token = await issueEmailToken(services, {
    userId: user.id,
    purpose: 'VERIFY_EMAIL',
    email: user.email,
    prefix: tokenPrefixes.emailVerification,
    ttlMs: services.config.emailVerificationMs,
  });
  services.mailer.send(templates.verifyEmail(user.email, link(services, '/verify-email', token)));
}

/**
 * Creates the account and its personal organization. The answer is the same whether or not the
 * address was free: when it was taken, its owner gets a notice by mail instead of a second account.
 */
export async function signUp(
  services: Services,
  meta: RequestMeta,
  input: { email: string; password: string; name: string },
): Promise<{ email: string }> {
  const email = normalizeEmail(input.email);
  const name = validateName(input.name);
  validateNewPassword(input.password, email);

  await services.limits.consume('mailPerClient', meta.client);
  await services.limits.consume('mailPerAddress', email);

  // Hashed before the existence check so that both outcomes cost the same.
  const passwordHash = await services.passwords.hash(input.password);
  try {
    const user = await services.db.$transaction(async (tx) => {
      const created = await tx.user.create({ data: { email, name, passwordHash } });
      const organization = await tx.organization.create({
        data: {
          name: `${name}'s organization`,
          personal: true,
          members: { create: { userId: created.id, role: 'OWNER' } },
        },
      });
      await recordAuditEvent(tx, meta, {
        action: 'account.signed_up',
        actorId: created.id,
        targetType: 'User',
        targetId: created.id,
        organizationId: organization.id,
      });
      return created;
    });
    await sendVerificationEmail(services, user);
  } catch (error) {
    if (!(error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002')) throw error;
    services.mailer.send(templates.signUpWithExistingAddress(email));
  }
  return { email };
}

export async function verifyEmail(services: Services, meta: RequestMeta, token: string) {
  const row = await findEmailToken(services, 'VERIFY_EMAIL', token);
  return services.db.$transaction(async (tx) => {
    await spendEmailToken(services, tx, row.id);
    const user = await tx.user.findUniqueOrThrow({ where: { id: row.userId } });
    // A link sent to an address the account no longer holds proves nothing.
    if (user.email !== row.email) throw new InvalidTokenError();
    const verified = await tx.user.update({
      where: { id: user.id },
      data: { emailVerifiedAt: user.emailVerifiedAt ?? services.now() },
    });
    await recordAuditEvent(tx, meta, {
      action: 'account.email_verified',
      actorId: user.id,
      targetType: 'User',
      targetId: user.id,
    });
    return verified;
  });
}

/** Sends a new verification link if the address belongs to an unverified account; says nothing either way. */
export async function resendVerificationEmail(services: Services, meta: RequestMeta, rawEmail: string) {
  const email = normalizeEmail(rawEmail);
  await services.limits.consume('mailPerClient', meta.client);
  await services.limits.consume('mailPerAddress', email);
  const user = await services.db.user.findUnique({ where: { email } });
  if (user && !user.emailVerifiedAt) await sendVerificationEmail(services, user);
  return { email };
}

/** Sets a new password, ends every other session and retires open reset links. */
export async function changePassword(
  services: Services,
  meta: RequestMeta,
  viewer: { userId: string; sessionId: string },
  input: { currentPassword: string; newPassword: string },
) {
  const user = await services.db.user.findUniqueOrThrow({ where: { id: viewer.userId } });
  validateNewPassword(input.newPassword, user.email, 'newPassword');
  await confirmPassword(services, meta, user, input.currentPassword, 'change_password');

  const passwordHash = await services.passwords.hash(input.newPassword);
  await services.db.user.update({ where: { id: user.id }, data: { passwordHash, passwordChangedAt: services.now() } });
  const ended = await revokeSessions(services, user.id, viewer.sessionId);
  await retireEmailTokens(services, user.id, ['PASSWORD_RESET']);
  await recordAuditEvent(services.db, meta, {
    action: 'account.password_changed',
    actorId: user.id,
    targetType: 'User',
    targetId: user.id,
    metadata: { sessionsEnded: ended },
  });
  services.mailer.send(templates.passwordChanged(user.email));
  return user;
}
