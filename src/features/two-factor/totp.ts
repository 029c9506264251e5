// RFC 6238 TOTP through otplib: SHA-1, 6 digits, 30-second steps, one step of drift either way.
import { generate, generateSecret, generateURI, verify } from 'otplib';

export const TOTP_PERIOD = 30;
export const TOTP_DIGITS = 6;
export const ISSUER = 'Suward';

/** 160 random bits (RFC 4226 recommends this length), base32 encoded: 32 characters. */
export function createTotpSecret(): string {
  return generateSecret({ length: 20 });
}

export function totpUri(secret: string, email: string): string {
  return generateURI({
    issuer: ISSUER,
    label: email,
    secret,
    algorithm: 'sha1',
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD,
  });
}

/** The current code; tests use it the way an authenticator app would. */
export function totpCode(secret: string, at: Date): Promise<string> {
  return generate({ secret, epoch: Math.floor(at.getTime() / 1000) });
}

/**
 * The time step the code belongs to, or null. `afterStep` refuses codes at or before the last
 * step already accepted for the account, which stops replays.
 */
export async function matchTotp(secret: string, code: string, at: Date, afterStep: number): Promise<number | null> {
  if (!/^\d{6}$/.test(code)) return null;
  const result = await verify({
    secret,
    token: code,
    epoch: Math.floor(at.getTime() / 1000),
    epochTolerance: TOTP_PERIOD,
    ...(afterStep > 0 ? { afterTimeStep: afterStep } : {}),
  });
  return result.valid && 'timeStep' in result ? result.timeStep : null;
}
