import argon2 from 'argon2';
import pLimit from 'p-limit';
import { dictionary } from '@zxcvbn-ts/language-common';
import type { Config } from '../config.js';
import { RateLimitedError } from '../errors.js';

export const PASSWORD_MIN_LENGTH = 8;
/** Anything longer is refused before hashing, so a huge input cannot tie up a hashing thread. */
export const PASSWORD_MAX_LENGTH = 256;

// About 50,000 passwords seen most often in public breaches, ranked, shipped by zxcvbn-ts.
const common = new Set<string>((dictionary['passwords-common'] ?? []).map((w) => w.toLowerCase()));

export type PasswordProblem = 'TOO_SHORT' | 'TOO_LONG' | 'COMMON' | 'CONTAINS_EMAIL';

/** NIST SP 800-63B: length and a blocklist, no composition rules. */
export function checkPassword(password: string, email?: string): PasswordProblem | null {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) return 'TOO_SHORT';
  if (length > PASSWORD_MAX_LENGTH) return 'TOO_LONG';
  const lower = password.toLowerCase();
  if (common.has(lower) || common.has(lower.replace(/[\d!@#$%^&*.?]+$/, ''))) return 'COMMON';
  if (email) {
    const local = email.split('@')[0] ?? '';
    if (lower.includes(email) || (local.length >= 3 && lower.includes(local))) return 'CONTAINS_EMAIL';
  }
  return null;
}

/** Hashes that may wait per hashing slot; about two seconds of work at production settings. */
const WAITING_PER_SLOT = 100;

/**
 * argon2id with the configured parameters, at most `concurrency` hashes at a time: each one
 * holds a libuv thread and a core for tens of milliseconds, and the rest queue here rather than
 * in libuv's pool, where they would also hold up file and DNS work. When the queue is full, a
 * new hash is refused at once (RATE_LIMITED, try again in a second) instead of waiting longer
 * than its client would.
 */
export function createPasswordHasher(params: Config['argon2'], concurrency = 1) {
  const options = { type: argon2.argon2id as 2, ...params };
  const limit = pLimit(concurrency);
  const queued = <T>(work: () => Promise<T>) => {
    if (limit.pendingCount >= concurrency * WAITING_PER_SLOT) {
      return Promise.reject(new RateLimitedError(1, 'Too many passwords are being checked. Try again in a second.'));
    }
    return limit(work);
  };
  // Verified against on a miss so that an unknown address costs as much as a known one.
  const dummy = argon2.hash('not-a-real-password-0d1f', options);
  return {
    hash: (password: string) => queued(() => argon2.hash(password, options)),
    async verify(hash: string | null, password: string): Promise<boolean> {
      if (!hash) {
        const standIn = await dummy;
        await queued(() => argon2.verify(standIn, password).catch(() => false));
        return false;
      }
      return queued(() => argon2.verify(hash, password));
    },
    needsRehash: (hash: string) => argon2.needsRehash(hash, options),
  };
}

export type PasswordHasher = ReturnType<typeof createPasswordHasher>;
