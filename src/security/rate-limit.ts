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

/**
 * Budgets for credential checks and for mutations that send email. Each attempt is spent before
 * it is verified, so concurrent requests and aliases in one request cannot multiply guesses.
 */
export const defaultRules = {
  // OWASP Authentication Cheat Sheet: throttle per account and per source, not globally.
  signInPerClient: { points: 100, windowSeconds: 15 * 60 },
  signInPerAccountAndClient: { points: 10, windowSeconds: 15 * 60, blockSeconds: 15 * 60 },
  // NIST SP 800-63B 5.2.2 allows at most 100 consecutive failures; two-factor codes get far fewer.
  twoFactorPerAccount: { points: 5, windowSeconds: 15 * 60, blockSeconds: 15 * 60 },
  twoFactorPerAccountDaily: { points: 20, windowSeconds: 24 * 3600, blockSeconds: 24 * 3600 },
  // Telegram data cannot be guessed (it is signed), so this only bounds the work and audit rows
  // one client can cause with sign-in and link attempts.
  telegramPerClient: { points: 100, windowSeconds: 15 * 60 },
  mailPerAddress: { points: 5, windowSeconds: 3600 },
  mailPerClient: { points: 30, windowSeconds: 3600 },
  apiKeysPerAccount: { points: 20, windowSeconds: 3600 },
} satisfies Record<string, LimitRule>;

export type RuleName = keyof typeof defaultRules;

export interface RateLimits {
  /** Spends one attempt of `rule` for `key` and returns how many are left; throws RATE_LIMITED when none is. */
  consume(rule: RuleName, key: string): Promise<number>;
  /** Throws RATE_LIMITED if `key` has no attempts left, without spending one. */
  check(rule: RuleName, key: string): Promise<void>;
  /** Forgets the attempts of `key` (after a success). */
  reset(rule: RuleName, key: string): Promise<void>;
  close(): Promise<void>;
}

export function createRateLimits(
  options: { redisUrl?: string; rules?: Partial<Record<RuleName, LimitRule>>; prefix?: string } = {},
): RateLimits {
  const redis = options.redisUrl ? new Redis(options.redisUrl, { enableOfflineQueue: true, lazyConnect: false }) : null;
  const prefix = options.prefix ?? 'suward';
  const limiters = new Map<RuleName, RateLimiterAbstract>();
  for (const [name, base] of Object.entries(defaultRules) as [RuleName, LimitRule][]) {
    const rule = { ...base, ...options.rules?.[name] };
    const settings = {
      keyPrefix: `${prefix}:${name}`,
      points: rule.points,
      duration: rule.windowSeconds,
      blockDuration: rule.blockSeconds ?? 0,
    };
    limiters.set(name, redis ? new RateLimiterRedis({ ...settings, storeClient: redis }) : new RateLimiterMemory(settings));
  }
  const limiter = (rule: RuleName) => limiters.get(rule)!;
  const refuse = (res: RateLimiterRes) => new RateLimitedError(Math.max(1, Math.ceil(res.msBeforeNext / 1000)));

  return {
    async consume(rule, key) {
      try {
        return (await limiter(rule).consume(key)).remainingPoints;
      } catch (error) {
        if (error instanceof RateLimiterRes) throw refuse(error);
        throw error;
      }
    },
    async check(rule, key) {
      const res = await limiter(rule).get(key);
      if (res && res.remainingPoints <= 0 && res.msBeforeNext > 0) throw refuse(res);
    },
    async reset(rule, key) {
      await limiter(rule).delete(key);
    },
    async close() {
      await redis?.quit();
    },
  };
}
