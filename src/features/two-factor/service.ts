import QRCode from 'qrcode';
import type { Services } from '../../context.js';
import { confirmPassword } from '../../security/confirm-password.js';
import {
  InvalidInputError,
  InvalidTwoFactorCodeError,
  RateLimitedError,
  TwoFactorRequiredError,
} from '../../errors.js';
import type { User } from '../../generated/prisma/client.js';
import { templates } from '../../mail/templates.js';
import { recordAuditEvent, type RequestMeta } from '../audit/service.js';
import { revokeSessions } from '../sessions/service.js';
import { BACKUP_CODE_COUNT, createBackupCode, hashBackupCode, normalizeBackupCode } from './backup-codes.js';
import { createTotpSecret, matchTotp, totpUri } from './totp.js';

export interface SecondFactor {
  code?: string | null;
  backupCode?: string | null;
}

type Details = Record<string, string | number | null>;

const audit = (services: Services, meta: RequestMeta, user: User, action: string, metadata?: Details) =>
  recordAuditEvent(services.db, meta, {
    action,
    actorId: user.id,
    targetType: 'User',
    targetId: user.id,
    ...(metadata ? { metadata } : {}),
  });

/** Refuses early, before any password is checked, while the account's code budget is spent. */
export async function assertSecondFactorNotLocked(services: Services, user: User) {
  if (!user.twoFactorEnabledAt) return;
  await services.limits.check('twoFactorPerAccount', user.id);
}

/** Spends one attempt of the account's code budget; returns the attempts left after it. */
async function spendCodeAttempt(services: Services, meta: RequestMeta, user: User) {
  try {
    return await services.limits.consume('twoFactorPerAccount', user.id);
  } catch (error) {
    if (error instanceof RateLimitedError) await audit(services, meta, user, 'two_factor.locked_out');
    throw error;
  }
}

async function rejectCode(services: Services, meta: RequestMeta, user: User, method: string, attemptsLeft: number) {
  await audit(services, meta, user, 'two_factor.code_rejected', { method, attemptsLeft });
  if (attemptsLeft === 0) await audit(services, meta, user, 'two_factor.locked_out');
  return new InvalidTwoFactorCodeError();
}

/** Accepts a TOTP code at most once per account: the step only moves forward, atomically. */
async function acceptTotp(services: Services, user: User, secretCiphertext: string, code: string) {
  const secret = services.cipher.decrypt(secretCiphertext);
  const step = await matchTotp(secret, code.trim(), services.now(), Number(user.lastTotpStep));
  if (step === null) return false;
  const { count } = await services.db.user.updateMany({
    where: { id: user.id, lastTotpStep: { lt: BigInt(step) } },
    data: { lastTotpStep: BigInt(step) },
  });
  return count === 1;
}

/** Spends one backup code; of any number of concurrent uses of the same code, one succeeds. */
async function acceptBackupCode(services: Services, user: User, input: string) {
  const normalized = normalizeBackupCode(input);
  if (!normalized) return false;
  const { count } = await services.db.backupCode.updateMany({
    where: { userId: user.id, codeHash: hashBackupCode(user.id, normalized), usedAt: null },
    data: { usedAt: services.now() },
  });
  return count === 1;
}

/**
 * The second step of every way in (password, Telegram, password reset) and of every change that
 * needs a fresh code. Spends one attempt of the account's code budget before looking at the code.
 */
export async function verifySecondFactor(
  services: Services,
  meta: RequestMeta,
  user: User,
  factor: SecondFactor,
  options: { allowBackupCode?: boolean } = {},
): Promise<'totp' | 'backup_code'> {
  const code = factor.code?.trim() || null;
  const backupCode = options.allowBackupCode === false ? null : factor.backupCode?.trim() || null;
  if (!user.totpSecret) throw new Error('verifySecondFactor called for an account without two-factor');
  if (!code && !backupCode) throw new TwoFactorRequiredError();

  const attemptsLeft = await spendCodeAttempt(services, meta, user);

  const method = code ? 'totp' : 'backup_code';
  const ok = code
    ? code.length <= 16 && (await acceptTotp(services, user, user.totpSecret, code))
    : backupCode!.length <= 64 && (await acceptBackupCode(services, user, backupCode!));
  if (!ok) throw await rejectCode(services, meta, user, method, attemptsLeft);

  // A success clears the 15-minute lock; the daily budget still counts every wrong code.
  await services.limits.reset('twoFactorPerAccount', user.id, { keepFailures: true });
  if (method === 'backup_code') {
    const remaining = await countBackupCodes(services, user.id);
    await audit(services, meta, user, 'two_factor.backup_code_used', { remaining });
    services.mailer.send(
      templates.securityNotice(user.email, 'backup-code-used', 'A backup code was used', [
        `A backup code was just used to confirm your identity. ${remaining} unused codes remain.`,
        'If this was not you, change your password and regenerate your backup codes.',
      ]),
    );
  }
  return method;
}

export function countBackupCodes(services: Services, userId: string) {
  return services.db.backupCode.count({ where: { userId, usedAt: null } });
}

/**
 * Starts (or restarts) setup with a fresh pending secret. Sign-in keeps using the active secret,
 * if any, until the pending one is activated; replacing an active secret needs a current code.
 */
export async function setupTwoFactor(
  services: Services,
  meta: RequestMeta,
  userId: string,
  input: { password: string; code?: string | null },
) {
  const user = await services.db.user.findUniqueOrThrow({ where: { id: userId } });
  await assertSecondFactorNotLocked(services, user);
  await confirmPassword(services, meta, user, input.password, 'setup_two_factor');
  if (user.twoFactorEnabledAt)
    await verifySecondFactor(services, meta, user, { code: input.code }, { allowBackupCode: false });

  const secret = createTotpSecret();
  await services.db.user.update({
    where: { id: user.id },
    data: { pendingTotpSecret: services.cipher.encrypt(secret), pendingTotpAt: services.now() },
  });
  await audit(services, meta, user, 'two_factor.setup_started');
  const uri = totpUri(secret, user.email);
  return {
    secret,
    uri,
    qrCodeSvg: await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }),
    qrCodePng: await QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 2, width: 256 }),
  };
}

async function issueBackupCodes(services: Services, userId: string, tx: Pick<Services['db'], 'backupCode'>) {
  const codes = Array.from({ length: BACKUP_CODE_COUNT }, createBackupCode);
  await tx.backupCode.deleteMany({ where: { userId } });
  await tx.backupCode.createMany({
    data: codes.map((code) => ({ userId, codeHash: hashBackupCode(userId, normalizeBackupCode(code)!) })),
  });
  return codes;
}

/** Confirms the pending secret with a current code; two-factor is on from here. */
export async function activateTwoFactor(services: Services, meta: RequestMeta, userId: string, code: string) {
  const user = await services.db.user.findUniqueOrThrow({ where: { id: userId } });
  if (!user.pendingTotpSecret) throw new InvalidInputError('code', 'Set up two-factor first.');
  const attemptsLeft = await spendCodeAttempt(services, meta, user);
  if (!(await acceptTotp(services, user, user.pendingTotpSecret, code))) {
    throw await rejectCode(services, meta, user, 'activation', attemptsLeft);
  }
  // A success clears the 15-minute lock; the daily budget still counts every wrong code.
  await services.limits.reset('twoFactorPerAccount', user.id, { keepFailures: true });

  const codes = await services.db.$transaction(async (tx) => {
    const { count } = await tx.user.updateMany({
      where: { id: user.id, pendingTotpSecret: user.pendingTotpSecret },
      data: {
        totpSecret: user.pendingTotpSecret,
        pendingTotpSecret: null,
        pendingTotpAt: null,
        twoFactorEnabledAt: services.now(),
      },
    });
    if (count !== 1) throw new InvalidInputError('code', 'Set up two-factor first.');
    return issueBackupCodes(services, user.id, tx);
  });
  await audit(services, meta, user, 'two_factor.enabled');
  services.mailer.send(
    templates.securityNotice(user.email, 'two-factor-enabled', 'Two-factor authentication is on', [
      'Two-factor authentication was turned on for your Suward account. Keep your backup codes somewhere safe.',
      'If this was not you, reset your password now.',
    ]),
  );
  return codes;
}

export async function regenerateBackupCodes(services: Services, meta: RequestMeta, userId: string, code: string) {
  const user = await services.db.user.findUniqueOrThrow({ where: { id: userId } });
  if (!user.twoFactorEnabledAt) throw new InvalidInputError('code', 'Two-factor authentication is off.');
  await verifySecondFactor(services, meta, user, { code }, { allowBackupCode: false });
  const codes = await services.db.$transaction((tx) => issueBackupCodes(services, user.id, tx));
  await audit(services, meta, user, 'two_factor.backup_codes_regenerated');
  services.mailer.send(
    templates.securityNotice(user.email, 'backup-codes-regenerated', 'New backup codes were created', [
      'New backup codes were created for your Suward account; the old ones no longer work.',
    ]),
  );
  return codes;
}

export async function disableTwoFactor(
  services: Services,
  meta: RequestMeta,
  viewer: { userId: string; sessionId: string },
  input: { password: string } & SecondFactor,
) {
  const user = await services.db.user.findUniqueOrThrow({ where: { id: viewer.userId } });
  if (!user.twoFactorEnabledAt) throw new InvalidInputError('password', 'Two-factor authentication is off.');
  await assertSecondFactorNotLocked(services, user);
  await confirmPassword(services, meta, user, input.password, 'disable_two_factor');
  await verifySecondFactor(services, meta, user, input);

  await services.db.$transaction([
    services.db.user.update({
      where: { id: user.id },
      data: { totpSecret: null, pendingTotpSecret: null, pendingTotpAt: null, twoFactorEnabledAt: null },
    }),
    services.db.backupCode.deleteMany({ where: { userId: user.id } }),
  ]);
  const ended = await revokeSessions(services, user.id, viewer.sessionId);
  await audit(services, meta, user, 'two_factor.disabled', { sessionsEnded: ended });
  services.mailer.send(
    templates.securityNotice(user.email, 'two-factor-disabled', 'Two-factor authentication is off', [
      'Two-factor authentication was turned off for your Suward account and your other sessions were ended.',
      'If this was not you, reset your password now and turn two-factor back on.',
    ]),
  );
  return services.db.user.findUniqueOrThrow({ where: { id: user.id } });
}
