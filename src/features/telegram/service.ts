// Telegram as a way in: an account links the Telegram user id the Login Widget vouches for, and
// later signs in with fresh widget data for that id. Accounts are found by the numeric Telegram
// id only, never by username (usernames change hands).
//
// One-time use: the SHA-256 of each accepted `hash` is kept in UsedNonce until the data would be
// too old anyway. Sign-in spends the data only once the second factor has passed (through the
// `beforeSession` step of admit()), so a user who is asked for a code, or mistypes it, can send
// the same widget data again with the code while it is fresh; guessing codes is bounded by the
// account's two-factor budget, not by the data. Data already spent is refused before any code is
// looked at, and the spending itself is an insert that only one request can win.
import { createHash } from 'node:crypto';
import type { Services } from '../../context.js';
import {
  ConflictError,
  InvalidInputError,
  InvalidTelegramDataError,
  NotAllowedError,
  TelegramNotLinkedError,
  type TelegramRejection,
} from '../../errors.js';
import { Prisma } from '../../generated/prisma/client.js';
import { templates } from '../../mail/templates.js';
import { admit } from '../../security/gate.js';
import { recordAuditEvent, type RequestMeta } from '../audit/service.js';
import { assertSecondFactorNotLocked, type SecondFactor } from '../two-factor/service.js';
import { checkAuthData, FUTURE_SKEW_SECONDS, parseAuthData, type CheckedAuthData } from './verify.js';

export type SignInMethodName = 'EMAIL_PASSWORD' | 'TELEGRAM';
type Purpose = 'sign_in' | 'link';

const NONCE_PREFIX = 'telegram:';

/** The ways in that clients should offer, in the order they should offer them. */
export function signInMethods(services: Services): SignInMethodName[] {
  return services.config.telegram.advertised ? ['EMAIL_PASSWORD', 'TELEGRAM'] : ['EMAIL_PASSWORD'];
}

function requireBotToken(services: Services): string {
  const token = services.config.telegram.botToken;
  if (!token) throw new NotAllowedError('Telegram sign-in is not enabled on this server.');
  return token;
}

const isUniqueViolation = (error: unknown) =>
  error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';

async function auditRejection(
  services: Services,
  meta: RequestMeta,
  purpose: Purpose,
  reason: string,
  extra: { actorId?: string | null; telegramId?: bigint } = {},
) {
  await recordAuditEvent(services.db, meta, {
    action: 'telegram.payload_rejected',
    actorId: extra.actorId ?? null,
    targetType: 'User',
    ...(extra.actorId ? { targetId: extra.actorId } : {}),
    metadata: {
      purpose,
      reason,
      // Only an id Telegram has signed is worth recording.
      ...(extra.telegramId !== undefined ? { telegramId: extra.telegramId.toString() } : {}),
    },
  });
}

async function refuse(
  services: Services,
  meta: RequestMeta,
  purpose: Purpose,
  reason: TelegramRejection,
  extra: { actorId?: string | null; telegramId?: bigint } = {},
): Promise<never> {
  await auditRejection(services, meta, purpose, reason.toLowerCase(), extra);
  throw new InvalidTelegramDataError(reason);
}

const nonceKey = (hash: string) => `${NONCE_PREFIX}${createHash('sha256').update(hash, 'utf8').digest('hex')}`;

/** Parses and checks the widget data and refuses data already spent; spends nothing. */
async function readAuthData(
  services: Services,
  meta: RequestMeta,
  raw: string,
  purpose: Purpose,
  actorId: string | null,
): Promise<CheckedAuthData> {
  const botToken = requireBotToken(services);
  let fields;
  try {
    fields = parseAuthData(raw);
  } catch (error) {
    if (error instanceof InvalidInputError) await auditRejection(services, meta, purpose, 'malformed', { actorId });
    throw error;
  }
  const checked = checkAuthData(fields, {
    botToken,
    now: services.now(),
    maxAgeSeconds: services.config.telegram.maxAgeSeconds,
  });
  if (!checked.ok) return refuse(services, meta, purpose, checked.reason, { actorId });

  const used = await services.db.usedNonce.findUnique({ where: { hash: nonceKey(checked.data.hash) } });
  if (used) return refuse(services, meta, purpose, 'ALREADY_USED', { actorId, telegramId: checked.data.telegramId });
  return checked.data;
}

/** Marks the data as used; of concurrent requests with the same data, exactly one gets through. */
async function spendAuthData(
  services: Services,
  meta: RequestMeta,
  data: CheckedAuthData,
  purpose: Purpose,
  actorId: string | null,
) {
  const now = services.now();
  // Rows past their expiry protect nothing: data that old fails the age check first.
  await services.db.usedNonce.deleteMany({ where: { hash: { startsWith: NONCE_PREFIX }, expiresAt: { lt: now } } });
  const expiresAt = new Date((data.authDate + services.config.telegram.maxAgeSeconds + FUTURE_SKEW_SECONDS) * 1000);
  try {
    await services.db.usedNonce.create({ data: { hash: nonceKey(data.hash), expiresAt } });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    await refuse(services, meta, purpose, 'ALREADY_USED', { actorId, telegramId: data.telegramId });
  }
}

/**
 * Signs in with Login Widget data for a linked Telegram id. The second factor and the session
 * go through admit(), exactly as for a password; no account is ever created here.
 */
export async function signInWithTelegram(
  services: Services,
  meta: RequestMeta,
  input: { authData: string } & SecondFactor,
) {
  requireBotToken(services);
  await services.limits.consume('telegramPerClient', meta.client);

  const data = await readAuthData(services, meta, input.authData, 'sign_in', null);
  const user = await services.db.user.findUnique({ where: { telegramId: data.telegramId } });
  if (!user) {
    await auditRejection(services, meta, 'sign_in', 'not_linked', { telegramId: data.telegramId });
    throw new TelegramNotLinkedError();
  }
  await assertSecondFactorNotLocked(services, user);
  return admit(services, meta, user, input, 'telegram', {
    beforeSession: () => spendAuthData(services, meta, data, 'sign_in', user.id),
  });
}

/**
 * Links the Telegram id in the widget data to the viewer's account. An id belongs to at most one
 * account. An account holds at most one id and is never switched to another one silently: to
 * change it, unlink first (both steps are audited and mailed). Linking the id already linked
 * is accepted and changes nothing.
 */
export async function linkTelegram(services: Services, meta: RequestMeta, userId: string, authData: string) {
  requireBotToken(services);
  await services.limits.consume('telegramPerClient', meta.client);

  const data = await readAuthData(services, meta, authData, 'link', userId);
  const user = await services.db.user.findUniqueOrThrow({ where: { id: userId } });
  if (user.telegramId === data.telegramId) {
    await spendAuthData(services, meta, data, 'link', userId);
    return user;
  }
  if (user.telegramId !== null) {
    throw new ConflictError('Your account is already linked to a different Telegram account. Unlink it first.');
  }
  const conflict = () => new ConflictError('This Telegram account is already linked to another account.');
  const holder = await services.db.user.findUnique({ where: { telegramId: data.telegramId }, select: { id: true } });
  if (holder) {
    await auditRejection(services, meta, 'link', 'linked_to_another_account', {
      actorId: userId,
      telegramId: data.telegramId,
    });
    throw conflict();
  }

  await spendAuthData(services, meta, data, 'link', userId);
  try {
    const { count } = await services.db.user.updateMany({
      where: { id: userId, telegramId: null },
      data: { telegramId: data.telegramId },
    });
    if (count !== 1)
      throw new ConflictError('Your account was linked to a Telegram account meanwhile. Reload and try again.');
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict();
    throw error;
  }

  await recordAuditEvent(services.db, meta, {
    action: 'telegram.linked',
    actorId: userId,
    targetType: 'User',
    targetId: userId,
    metadata: { telegramId: data.telegramId.toString() },
  });
  services.mailer.send(
    templates.securityNotice(user.email, 'telegram-linked', 'Telegram sign-in was added', [
      'A Telegram account was linked to your Suward account and can now be used to sign in.',
      'If this was not you, unlink it, change your password and end your other sessions.',
    ]),
  );
  return services.db.user.findUniqueOrThrow({ where: { id: userId } });
}

/** Removes the link; the account keeps its password (every account has one), so none is locked out. */
export async function unlinkTelegram(services: Services, meta: RequestMeta, userId: string) {
  requireBotToken(services);
  const user = await services.db.user.findUniqueOrThrow({ where: { id: userId } });
  if (user.telegramId === null) throw new TelegramNotLinkedError('No Telegram account is linked to your account.');
  const { count } = await services.db.user.updateMany({
    where: { id: userId, telegramId: user.telegramId },
    data: { telegramId: null },
  });
  if (count === 1) {
    await recordAuditEvent(services.db, meta, {
      action: 'telegram.unlinked',
      actorId: userId,
      targetType: 'User',
      targetId: userId,
      metadata: { telegramId: user.telegramId.toString() },
    });
    services.mailer.send(
      templates.securityNotice(user.email, 'telegram-unlinked', 'Telegram sign-in was removed', [
        'The Telegram account linked to your Suward account was unlinked and can no longer be used to sign in.',
        'If this was not you, change your password and end your other sessions.',
      ]),
    );
  }
  return services.db.user.findUniqueOrThrow({ where: { id: userId } });
}
