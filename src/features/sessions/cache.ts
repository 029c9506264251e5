// A short-lived, in-process copy of recently used sessions and their accounts, so that an
// authenticated request does not have to ask the database who is asking.
//
// The copy never outlives a change it could hide:
//  - every write to an account or a session through the Prisma client forgets that account's
//    entries in this process before the write's caller goes on, and in every other instance
//    through Redis when REDIS_URL is set (`forgetSessionsOnWrite`);
//  - a write inside a transaction is forgotten again once the transaction commits, since a read
//    in between still saw the old row (`forgetAgainOnCommit`);
//  - a read that started before a forget does not keep what it read (`begin`/`remember`);
//  - while REDIS_URL is set but the subscription is not working, nothing is kept.
// Liveness (revoked, idle, absolute expiry) is checked on every use, cached or not. A write made
// outside the client (SQL by hand, another program) is seen once the entry expires.
import type {
  SqlDriverAdapter,
  SqlMigrationAwareDriverAdapterFactory,
  Transaction,
} from '@prisma/driver-adapter-utils';
import { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import type { PrismaClient, Session, User } from '../../generated/prisma/client.js';

export type SessionWithUser = Session & { user: User };

const MAX_ENTRIES = 10_000;
/** Forgets remembered for transactions still open; beyond this, a commit forgets everything. */
const MAX_RECENT = 1_000;

/** Which accounts a write may have changed: a list, or every one when the write does not say. */
export type Affected = readonly string[] | 'all';

export interface SessionCache {
  /** A mark to pass to `remember` or `forgetSince`, taken before reading or writing. */
  begin(): number;
  get(tokenHash: string): SessionWithUser | undefined;
  /** Keeps a session read from the database, unless its account was written since `since`. */
  remember(tokenHash: string, session: SessionWithUser, since: number): void;
  /** Forgets the accounts' sessions here and, with Redis, in every other instance. */
  forget(affected: Affected): Promise<void>;
  /** Forgets again every account forgotten after `mark` (a transaction's writes, at its commit). */
  forgetSince(mark: number): Promise<void>;
  close(): Promise<void>;
}

export interface SessionCacheOptions {
  /** How long an entry may be used; 0 turns the cache off. */
  ttlMs: number;
  redisUrl?: string;
  /** Channel prefix, shared by the instances of one deployment (RATE_LIMIT_PREFIX). */
  prefix: string;
  logger: Logger;
}

export function createSessionCache(options: SessionCacheOptions): SessionCache {
  if (options.ttlMs <= 0) {
    return {
      begin: () => 0,
      get: () => undefined,
      remember: () => {},
      forget: async () => {},
      forgetSince: async () => {},
      close: async () => {},
    };
  }
  const { logger } = options;
  const byUser = new Map<string, Set<string>>();
  const entries = new LRUCache<string, SessionWithUser>({
    max: MAX_ENTRIES,
    ttl: options.ttlMs,
    dispose(session, tokenHash) {
      const keys = byUser.get(session.userId);
      keys?.delete(tokenHash);
      if (keys?.size === 0) byUser.delete(session.userId);
    },
  });

  // Every forget takes the next number. A read started at mark m may keep its row only if its
  // account has not been forgotten after m; when an account's number is pushed out of memory,
  // reads started before it are refused for every account.
  let seq = 0;
  let allSeq = 0;
  const userSeq = new LRUCache<string, number>({
    max: MAX_ENTRIES,
    dispose(forgottenAt, _userId, reason) {
      if (reason === 'evict') allSeq = Math.max(allSeq, forgottenAt);
    },
  });
  const recent: { seq: number; affected: Affected }[] = [];
  let recentFloor = 0;

  function forgetLocally(affected: Affected) {
    seq++;
    recent.push({ seq, affected });
    if (recent.length > MAX_RECENT) recentFloor = recent.shift()!.seq;
    if (affected === 'all') {
      allSeq = seq;
      entries.clear();
      return;
    }
    for (const userId of affected) {
      userSeq.set(userId, seq);
      for (const tokenHash of [...(byUser.get(userId) ?? [])]) entries.delete(tokenHash);
    }
  }

  // Other instances' writes arrive on a connection of their own (a subscribed Redis connection
  // can do nothing else). Until it is subscribed, and whenever it drops, this process keeps
  // nothing: a message missed then would leave a stale entry behind.
  const channel = `${options.prefix}:sessions:forget`;
  let publisher: Redis | null = null;
  let subscriber: Redis | null = null;
  let listening = !options.redisUrl;
  if (options.redisUrl) {
    // A publish never waits for Redis to come back: a sign-out must not hang on it, and while
    // Redis is away no other instance is listening, so none keeps anything to be told about.
    publisher = new Redis(options.redisUrl, { enableOfflineQueue: false });
    subscriber = new Redis(options.redisUrl, { enableOfflineQueue: true });
    const stopListening = () => {
      listening = false;
      forgetLocally('all');
    };
    subscriber.on('ready', () => {
      subscriber!.subscribe(channel).then(
        () => {
          forgetLocally('all');
          listening = true;
        },
        (error: unknown) => logger.error({ err: error }, 'session cache: could not subscribe'),
      );
    });
    subscriber.on('close', stopListening);
    subscriber.on('error', (error) => logger.warn({ err: error }, 'session cache: Redis subscription error'));
    publisher.on('error', (error) => logger.warn({ err: error }, 'session cache: Redis error'));
    subscriber.on('message', (_channel: string, message: string) => {
      const affected = parseAffected(message);
      if (affected) forgetLocally(affected);
    });
  }

  async function forget(affected: Affected) {
    forgetLocally(affected);
    if (!publisher) return;
    try {
      await publisher.publish(channel, JSON.stringify(affected));
    } catch (error) {
      // The write has happened; an instance that missed it drops its copy when it expires.
      logger.warn({ err: error }, 'session cache: could not tell other instances of a change');
    }
  }

  return {
    begin: () => seq,
    get(tokenHash) {
      return listening ? entries.get(tokenHash) : undefined;
    },
    remember(tokenHash, session, since) {
      if (!listening || allSeq > since || (userSeq.get(session.userId) ?? 0) > since) return;
      entries.set(tokenHash, session);
      const keys = byUser.get(session.userId) ?? new Set<string>();
      keys.add(tokenHash);
      byUser.set(session.userId, keys);
    },
    forget,
    async forgetSince(mark) {
      if (mark >= seq) return;
      if (recentFloor > mark) return forget('all');
      const ids = new Set<string>();
      for (const item of recent) {
        if (item.seq <= mark) continue;
        if (item.affected === 'all') return forget('all');
        for (const id of item.affected) ids.add(id);
      }
      if (ids.size) await forget([...ids]);
    },
    async close() {
      entries.clear();
      // QUIT needs a connection; without one there is nothing to close politely.
      const end = async (client: Redis | null) => {
        if (client?.status === 'ready') await client.quit();
        else client?.disconnect();
      };
      await Promise.all([end(publisher), end(subscriber)]);
    },
  };
}

function parseAffected(message: string): Affected | null {
  try {
    const value: unknown = JSON.parse(message);
    if (value === 'all') return 'all';
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  } catch {
    // Not ours; ignored below.
  }
  return null;
}

const WRITES = new Set([
  'update',
  'updateMany',
  'updateManyAndReturn',
  'upsert',
  'delete',
  'deleteMany',
  'create',
  'createMany',
  'createManyAndReturn',
]);

/**
 * The accounts whose cached sessions a Prisma operation on `User` or `Session` may have made
 * stale, or null when it cannot have: reads, new rows (nothing caches a row before it exists),
 * and a session write that only moves its last use (the cached copy's older time only ends an
 * idle session sooner).
 */
export function affectedByWrite(model: 'User' | 'Session', operation: string, args: unknown): Affected | null {
  if (!WRITES.has(operation) || operation.startsWith('create')) return null;
  const { where, data } = (args ?? {}) as { where?: Record<string, unknown>; data?: Record<string, unknown> };
  if (model === 'Session' && operation !== 'upsert' && data && Object.keys(data).every((k) => k === 'lastUsedAt')) {
    return null;
  }
  const id = where?.[model === 'User' ? 'id' : 'userId'];
  return typeof id === 'string' ? [id] : 'all';
}

/**
 * The client with every write to an account or a session followed by `cache.forget`, before
 * the write's caller goes on. Writes made outside this client (SQL by hand, another program)
 * are not seen: entries then last until they expire.
 */
export function forgetSessionsOnWrite(prisma: PrismaClient, cache: SessionCache): PrismaClient {
  const extended = prisma.$extends({
    query: {
      $allModels: {
        async $allOperations({ model, operation, args, query }) {
          const affected = model === 'User' || model === 'Session' ? affectedByWrite(model, operation, args) : null;
          const result = await query(args);
          if (affected) await cache.forget(affected);
          return result;
        },
      },
    },
  });
  // A query extension changes no method's type; the extended client is used as the plain one.
  return extended as unknown as PrismaClient;
}

/**
 * The adapter factory with each transaction's commit followed by `cache.forgetSince` the
 * transaction's start: a read between a write and its commit saw the old row and may have kept
 * it, so the accounts written meanwhile are forgotten once more.
 */
export function forgetAgainOnCommit(
  factory: SqlMigrationAwareDriverAdapterFactory,
  cache: SessionCache,
): SqlMigrationAwareDriverAdapterFactory {
  const wrapTransaction = (transaction: Transaction, mark: number): Transaction =>
    new Proxy(transaction, {
      get(object, property) {
        const value: unknown = Reflect.get(object, property, object);
        if (typeof value !== 'function') return value;
        if (property === 'commit') {
          return async () => {
            await (value as () => Promise<void>).call(object);
            await cache.forgetSince(mark);
          };
        }
        return value.bind(object) as unknown;
      },
    });
  const wrapAdapter = (adapter: SqlDriverAdapter): SqlDriverAdapter =>
    new Proxy(adapter, {
      get(object, property) {
        const value: unknown = Reflect.get(object, property, object);
        if (typeof value !== 'function') return value;
        if (property === 'startTransaction') {
          return async (...args: unknown[]) => {
            const mark = cache.begin();
            return wrapTransaction((await value.apply(object, args)) as Transaction, mark);
          };
        }
        return value.bind(object) as unknown;
      },
    });
  return new Proxy(factory, {
    get(object, property) {
      const value: unknown = Reflect.get(object, property, object);
      if (typeof value !== 'function') return value;
      if (property === 'connect') {
        return async () => wrapAdapter(await (value as () => Promise<SqlDriverAdapter>).call(object));
      }
      return value.bind(object) as unknown;
    },
  });
}
