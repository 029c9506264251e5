// Every environment variable the server reads is read here, once, and validated at start.
// A bad value stops the process with a message naming the variable.
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { defaultRules, type LimitTiers, type RuleName } from './security/rate-limit.js';

const limitRule = z.object({
  points: z.number().int().min(1).max(1_000_000),
  windowSeconds: z
    .number()
    .int()
    .min(1)
    .max(30 * 24 * 3600),
  blockSeconds: z
    .number()
    .int()
    .min(0)
    .max(30 * 24 * 3600)
    .optional(),
});
const ruleNames = Object.keys(defaultRules) as [RuleName, ...RuleName[]];
/** JSON such as {"signInPerClient":[{"points":200,"windowSeconds":900}]}; replaces whole rules. */
const rateLimitOverrides = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be JSON' });
      return z.NEVER;
    }
  })
  .pipe(z.partialRecord(z.enum(ruleNames), z.array(limitRule).min(1)));

const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: int(0, 65535).default(4000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATA_DIR: z.string().min(1).default('.data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  PUBLIC_ORIGIN: z.url({ protocol: /^https?$/ }).default('http://localhost:3000'),
  CORS_ORIGINS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.url({ protocol: /^https?$/ })).min(1))
    .optional(),
  ENCRYPTION_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64 encoded')
    .optional(),
  SESSION_IDLE_HOURS: int(1, 24 * 365).default(24 * 7),
  SESSION_ABSOLUTE_HOURS: int(1, 24 * 365).default(24 * 30),
  SESSION_CACHE_SECONDS: int(0, 300).default(5),
  EMAIL_VERIFICATION_HOURS: int(1, 24 * 30).default(48),
  INVITATION_DAYS: int(1, 90).default(7),
  PASSWORD_RESET_MINUTES: int(30, 60).default(30),
  ARGON2_MEMORY_KIB: int(1024, 4 * 1024 * 1024).default(19456),
  ARGON2_ITERATIONS: int(1, 100).default(2),
  ARGON2_PARALLELISM: int(1, 16).default(1),
  PASSWORD_HASH_CONCURRENCY: int(1, 1024).optional(),
  UV_THREADPOOL_SIZE: int(1, 1024).default(4),
  TRUST_PROXY_HOPS: int(0, 10).default(0),
  RATE_LIMITS: rateLimitOverrides.optional(),
  MAX_REQUEST_BODY_BYTES: int(1024, 10 * 1024 * 1024).default(100 * 1024),
  GRAPHQL_MAX_DEPTH: int(2, 50).default(10),
  GRAPHQL_MAX_ALIASES: int(1, 1000).default(50),
  GRAPHQL_MAX_TOKENS: int(100, 100_000).default(2000),
  GRAPHQL_MAX_DIRECTIVES: int(1, 1000).default(20),
  GRAPHQL_MAX_COST: int(100, 1_000_000).default(5000),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// URL')
    .optional(),
  // Starts every rate-limit key, so that deployments sharing one Redis keep their counts apart.
  RATE_LIMIT_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1 to 64 letters, digits, dots, dashes or underscores')
    .default('suward'),
  GRAPHQL_INTROSPECTION: flag.optional(),
  POSTMARK_SERVER_TOKEN: z.string().min(1).optional(),
  POSTMARK_API_URL: z.url({ protocol: /^https?$/ }).default('https://api.postmarkapp.com'),
  POSTMARK_MESSAGE_STREAM: z.string().min(1).default('outbound'),
  MAIL_FROM: z.string().min(3).default('Suward <no-reply@suward.localhost>'),
  // The bot's token from BotFather; setting it turns Telegram sign-in on. It is only ever used as
  // key material to check the Login Widget's signatures: nothing is sent to Telegram.
  TELEGRAM_BOT_TOKEN: z
    .string()
    .regex(/^\d+:[A-Za-z0-9_-]{30,}$/, 'must look like a bot token from BotFather (<digits>:<secret>)')
    .optional(),
  TELEGRAM_ADVERTISED: flag.default(false),
  TELEGRAM_AUTH_MAX_AGE_SECONDS: int(30, 24 * 3600).default(300),
});

export type Env = z.input<typeof schema>;

export function loadConfig(env: Record<string, string | undefined> = process.env) {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  if (c.NODE_ENV === 'production' && c.ARGON2_MEMORY_KIB < 19456) {
    throw new ConfigError('Invalid configuration:\n  ARGON2_MEMORY_KIB: below OWASP minimum (19456)');
  }
  if (c.NODE_ENV === 'production' && c.DATABASE_URL && !c.ENCRYPTION_KEY) {
    throw new ConfigError('Invalid configuration:\n  ENCRYPTION_KEY: required in production with DATABASE_URL');
  }
  return {
    env: c.NODE_ENV,
    host: c.HOST,
    port: c.PORT,
    logLevel: c.LOG_LEVEL,
    dataDir: path.resolve(c.DATA_DIR),
    databaseUrl: c.DATABASE_URL,
    publicOrigin: new URL(c.PUBLIC_ORIGIN).origin,
    corsOrigins: (c.CORS_ORIGINS ?? [c.PUBLIC_ORIGIN]).map((o) => new URL(o).origin),
    encryptionKey: c.ENCRYPTION_KEY ? Buffer.from(c.ENCRYPTION_KEY, 'base64') : undefined,
    session: {
      idleMs: c.SESSION_IDLE_HOURS * 3600_000,
      absoluteMs: c.SESSION_ABSOLUTE_HOURS * 3600_000,
      /** How long a session read from the database may be reused in this process; 0: never. */
      cacheMs: c.SESSION_CACHE_SECONDS * 1000,
    },
    emailVerificationMs: c.EMAIL_VERIFICATION_HOURS * 3600_000,
    invitationMs: c.INVITATION_DAYS * 24 * 3600_000,
    passwordResetMs: c.PASSWORD_RESET_MINUTES * 60_000,
    /** How long a link confirming a new email address stays valid. */
    emailChangeMs: 24 * 3600_000,
    argon2: { memoryCost: c.ARGON2_MEMORY_KIB, timeCost: c.ARGON2_ITERATIONS, parallelism: c.ARGON2_PARALLELISM },
    /**
     * Password hashes computed at once; more wait their turn. By default one core fewer than the
     * machine has, so that a flood of sign-ins leaves the event loop (every other request) a
     * core, and one libuv thread fewer than the pool has, so that file and DNS work still runs.
     */
    hashConcurrency:
      c.PASSWORD_HASH_CONCURRENCY ?? Math.max(1, Math.min(os.availableParallelism() - 1, c.UV_THREADPOOL_SIZE - 1)),
    trustProxyHops: c.TRUST_PROXY_HOPS,
    rateLimits: (c.RATE_LIMITS ?? {}) as Partial<Record<RuleName, LimitTiers>>,
    rateLimitPrefix: c.RATE_LIMIT_PREFIX,
    limits: {
      bodyBytes: c.MAX_REQUEST_BODY_BYTES,
      depth: c.GRAPHQL_MAX_DEPTH,
      aliases: c.GRAPHQL_MAX_ALIASES,
      tokens: c.GRAPHQL_MAX_TOKENS,
      directives: c.GRAPHQL_MAX_DIRECTIVES,
      cost: c.GRAPHQL_MAX_COST,
    },
    redisUrl: c.REDIS_URL,
    introspection: c.GRAPHQL_INTROSPECTION ?? c.NODE_ENV !== 'production',
    mail: {
      postmarkToken: c.POSTMARK_SERVER_TOKEN,
      postmarkApiUrl: c.POSTMARK_API_URL,
      messageStream: c.POSTMARK_MESSAGE_STREAM,
      from: c.MAIL_FROM,
    },
    telegram: {
      botToken: c.TELEGRAM_BOT_TOKEN,
      /** Clients are told to offer Telegram only when the backend is on as well. */
      advertised: Boolean(c.TELEGRAM_BOT_TOKEN) && c.TELEGRAM_ADVERTISED,
      maxAgeSeconds: c.TELEGRAM_AUTH_MAX_AGE_SECONDS,
    },
  };
}

export type Config = ReturnType<typeof loadConfig>;

export class ConfigError extends Error {}
