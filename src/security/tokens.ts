import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A random secret of `bytes` bytes, base64url, behind a prefix that names its kind. */
export function createToken(prefix: string, bytes = 32): string {
  return `${prefix}${randomBytes(bytes).toString('base64url')}`;
}

/**
 * Tokens carry at least 128 random bits, so one fast SHA-256 is enough to keep the database
 * from holding anything usable; a slow hash would only cost every request.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function safeEqual(a: string | Buffer, b: string | Buffer): boolean {
  const x = Buffer.isBuffer(a) ? a : Buffer.from(a);
  const y = Buffer.isBuffer(b) ? b : Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export const tokenPrefixes = {
  session: 'sws_',
  emailVerification: 'swv_',
  passwordReset: 'swr_',
  emailChange: 'swe_',
  invitation: 'swi_',
  apiKey: 'sw_key_',
} as const;
