import type { Services } from '../context.js';
import { InvalidCredentialsError } from '../errors.js';
import type { User } from '../generated/prisma/client.js';
import { isCheckablePassword } from '../features/accounts/validation.js';
import { recordAuditEvent, type RequestMeta } from '../features/audit/service.js';

/**
 * Asks a signed-in person for their password again before a sensitive change. Every such check
 * spends the same per-account-and-client budget as sign-in, so a stolen session cannot be used
 * to guess the password faster than the sign-in form allows.
 */
export async function confirmPassword(
  services: Services,
  meta: RequestMeta,
  user: User,
  password: string,
  purpose: string,
): Promise<void> {
  const key = `${user.id}|${meta.client}`;
  await services.limits.consume('signInPerAccountAndClient', key);
  const ok = isCheckablePassword(password) && (await services.passwords.verify(user.passwordHash, password));
  if (!ok) {
    await recordAuditEvent(services.db, meta, {
      action: 'account.password_confirmation_failed',
      actorId: user.id,
      targetType: 'User',
      targetId: user.id,
      metadata: { purpose },
    });
    throw new InvalidCredentialsError('The password is incorrect.');
  }
  await services.limits.reset('signInPerAccountAndClient', key);
}
