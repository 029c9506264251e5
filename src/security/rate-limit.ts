import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { RateLimitedError } from '../errors.js';

export interface LimitRule {
  /** Attempts allowed in the window. */
  points: number;
  windowSeconds: number;
  /** Once exhausted, the key stays blocked this long (defaults to the rest of the window). */
  blockSeconds?: number;
}

/** A budget made of tiers, all spent together: short windows first, then longer ones. */
export type LimitTiers = [LimitRule, ...LimitRule[]];

/**
 * Budgets for credential checks and for mutations that send email. Each attempt is spent before
 * it is verified, so concurrent requests and aliases in one request cannot multiply guesses.
 */
export const defaultRules = {
  // OWASP Authentication Cheat Sheet: throttle per account and per source, not globally.
  signInPerClient: [{ points: 100, windowSeconds: 15 * 60 }],
  // Password attempts count per account *and* client address, so a stranger failing on purpose
  // elsewhere never locks the owner out; the wait grows with the failures instead of a hard
  // lock: 5 a minute, 20 an hour, 100 a day (NIST SP 800-63B 5.2.2 caps failures at 100).
  signInPerAccountAndClient: [
    { points: 5, windowSeconds: 60 },
    { points: 20, windowSeconds: 3600 },
    { points: 100, windowSeconds: 24 * 3600 },
  ],
  // Six-digit codes get far fewer guesses: 5 per 15 minutes, then 20 a day, per account.
  twoFactorPerAccount: [
    { points: 5, windowSeconds: 15 * 60, blockSeconds: 15 * 60 },
    { points: 20, windowSeconds: 24 * 3600, blockSeconds: 24 * 3600 },
  ],
  // Telegram data cannot be guessed (it is signed), so this only bounds the work and audit rows
  // one client can cause with sign-in and link attempts.
  telegramPerClient: [{ points: 100, windowSeconds: 15 * 60 }],
  mailPerAddress: [{ points: 5, windowSeconds: 3600 }],
  mailPerClient: [{ points: 30, windowSeconds: 3600 }],
  apiKeysPerAccount: [{ points: 20, windowSeconds: 3600 }],
} satisfies Record<string, LimitTiers>;

export type RuleName = keyof typeof defaultRules;

export interface RateLimits {
  /** Spends one attempt of `rule` for `key` and returns how many are left; throws RATE_LIMITED when none is. */
  consume(rule: RuleName, key: string): Promise<number>;
  /** Throws RATE_LIMITED if `key` has no attempts left, without spending one. */
  check(rule: RuleName, key: string): Promise<void>;
  /**
   * Forgets the attempts of `key` after a success. With `keepFailures`, only the shortest tier is
   * cleared and the longer ones get back just the successful attempt, so they keep counting
   * earlier failures.
   */
  reset(rule: RuleName, key: string, options?: { keepFailures?: boolean }): Promise<void>;
  close(): Promise<void>;
}

export type RuleOverrides = Partial<Record<RuleName, LimitRule | LimitTiers>>;

export function createRateLimits(
  options: { redisUrl?: string; rules?: RuleOverrides; prefix?: string } = {},
): RateLimits {
  const redis = options.redisUrl ? new Redis(options.redisUrl, { enableOfflineQueue: true, lazyConnect: false }) : null;
  const prefix = options.prefix ?? 'suward';
  const limiters = new Map<RuleName, RateLimiterAbstract[]>();
  for (const [name, tiers] of Object.entries({ ...defaultRules, ...options.rules }) as [
    RuleName,
    LimitRule | LimitTiers,
  ][]) {
    const list = Array.isArray(tiers) ? tiers : [tiers];
    limiters.set(
      name,
      list.map((rule, tier) => {
        const settings = {
          keyPrefix: `${prefix}:${name}:${tier}`,
          points: rule.points,
          duration: rule.windowSeconds,
          blockDuration: rule.blockSeconds ?? 0,
        };
        return redis ? new RateLimiterRedis({ ...settings, storeClient: redis }) : new RateLimiterMemory(settings);
      }),
    );
  }
  const tiersOf = (rule: RuleName) => limiters.get(rule)!;
  // Keys name addresses and email addresses; Redis only ever sees their SHA-256.
  const stored = (key: string) => createHash('sha256').update(key).digest('base64url');
  const refuse = (res: RateLimiterRes) => new RateLimitedError(Math.max(1, Math.ceil(res.msBeforeNext / 1000)));

  return {
    async consume(rule, rawKey) {
      const key = stored(rawKey);
      let left = Number.POSITIVE_INFINITY;
      let refused: RateLimiterRes | null = null;
      // Every tier is spent even when an earlier one refuses, so waiting out the short window
      // does not reset the longer ones.
      for (const limiter of tiersOf(rule)) {
        try {
          left = Math.min(left, (await limiter.consume(key)).remainingPoints);
        } catch (error) {
          if (!(error instanceof RateLimiterRes)) throw error;
          if (!refused || error.msBeforeNext > refused.msBeforeNext) refused = error;
        }
      }
      if (refused) throw refuse(refused);
      return left;
    },
    async check(rule, rawKey) {
      const key = stored(rawKey);
      for (const limiter of tiersOf(rule)) {
        const res = await limiter.get(key);
        if (res && res.remainingPoints <= 0 && res.msBeforeNext > 0) throw refuse(res);
      }
    },
    async reset(rule, rawKey, resetOptions = {}) {
      const key = stored(rawKey);
      const [shortest, ...longer] = tiersOf(rule);
      await shortest!.delete(key);
      await Promise.all(
        longer.map((limiter) => (resetOptions.keepFailures ? limiter.reward(key, 1) : limiter.delete(key))),
      );
    },
    async close() {
      await redis?.quit();
    },
  };
}
