import { pino, type Logger } from 'pino';
import type { Config } from './config.js';
import type { Services } from './context.js';
import { createAdapterFactory, openDatabase } from './db/client.js';
import { countStatements, type StatementListener } from './db/statement-counter.js';
import { createSessionCache, forgetAgainOnCommit, forgetSessionsOnWrite } from './features/sessions/cache.js';
import { createMailer, createTransport, type MailTransport } from './mail/mailer.js';
import { createMetrics, type Metrics } from './operations/metrics.js';
import { createCipher, resolveEncryptionKey } from './security/encryption.js';
import { createPasswordHasher } from './security/passwords.js';
import { createRateLimits, type RuleOverrides } from './security/rate-limit.js';

export interface ServiceOptions {
  logger?: Logger;
  /** Replaces the configured mail transport (tests use the in-memory one). */
  transport?: MailTransport;
  /** An in-memory PGlite instead of the data folder (tests). */
  inMemoryDatabase?: boolean;
  rateLimitRules?: RuleOverrides;
  /** Replaces the configured RATE_LIMIT_PREFIX. */
  rateLimitPrefix?: string;
  now?: () => Date;
  /** Called with every SQL statement the Prisma client sends (benchmark, tests). */
  onStatement?: StatementListener;
  /** Defaults to a fresh registry without process metrics. */
  metrics?: Metrics;
}

export function createLogger(config: Config): Logger {
  return pino({
    level: config.logLevel,
    // Belt and braces: these never belong in a log line, wherever they turn up.
    redact: {
      paths: [
        'password',
        'newPassword',
        'currentPassword',
        'token',
        'code',
        'backupCode',
        'authData',
        '*.password',
        '*.token',
        '*.authData',
      ],
      censor: '[redacted]',
    },
  });
}

export async function createServices(config: Config, options: ServiceOptions = {}) {
  const logger = options.logger ?? createLogger(config);
  const sessionCache = createSessionCache({
    ttlMs: config.session.cacheMs,
    redisUrl: config.redisUrl,
    prefix: options.rateLimitPrefix ?? config.rateLimitPrefix,
    logger,
  });
  const database = await createAdapterFactory(config, { inMemory: options.inMemoryDatabase });
  let factory = forgetAgainOnCommit(database.factory, sessionCache);
  if (options.onStatement) factory = countStatements(factory, options.onStatement);
  const { prisma, applied } = await openDatabase({ ...database, factory });
  if (applied.length) logger.info({ applied }, 'migrations applied');
  const limits = createRateLimits({
    redisUrl: config.redisUrl,
    rules: { ...config.rateLimits, ...options.rateLimitRules },
    prefix: options.rateLimitPrefix ?? config.rateLimitPrefix,
  });
  const mailer = createMailer(options.transport ?? createTransport(config, logger), config.mail.from, logger);

  const services: Services = {
    config,
    db: forgetSessionsOnWrite(prisma, sessionCache),
    mailer,
    passwords: createPasswordHasher(config.argon2, config.hashConcurrency),
    cipher: createCipher(await resolveEncryptionKey(config)),
    limits,
    sessionCache,
    logger,
    metrics: options.metrics ?? createMetrics(),
    now: options.now ?? (() => new Date()),
  };

  async function close() {
    await mailer.flush();
    await limits.close();
    await sessionCache.close();
    await prisma.$disconnect();
    await database.close();
  }

  return { services, database, close };
}
