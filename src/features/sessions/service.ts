import type { Services } from '../../context.js';
import type { Session } from '../../generated/prisma/client.js';
import { createToken, hashToken, tokenPrefixes } from '../../security/tokens.js';
import type { SessionWithUser } from './cache.js';
import { recordAuditEvent, type RequestMeta } from '../audit/service.js';

export const SESSION_COOKIE = 'suward_session';
/** Writing last-used on every request would turn reads into writes; once a minute is enough. */
const TOUCH_INTERVAL_MS = 60_000;

export async function createSession(services: Services, userId: string, meta: RequestMeta) {
  const token = createToken(tokenPrefixes.session);
  const now = services.now();
  const session = await services.db.session.create({
    data: {
      userId,
      tokenHash: hashToken(token),
      createdAt: now,
      lastUsedAt: now,
      expiresAt: new Date(now.getTime() + services.config.session.absoluteMs),
      ip: meta.ip,
      userAgent: meta.userAgent?.slice(0, 512) ?? null,
    },
  });
  return { token, session };
}

export function isSessionLive(services: Services, session: Session): boolean {
  const now = services.now().getTime();
  return (
    !session.revokedAt &&
    session.expiresAt.getTime() > now &&
    session.lastUsedAt.getTime() + services.config.session.idleMs > now
  );
}

/**
 * The live session a token belongs to, with its account, or null: from the session cache when
 * it was used a moment ago, else with one statement (so that `me` needs no second one).
 * Refreshes its last use now and then.
 */
export async function findSessionByToken(services: Services, token: string): Promise<SessionWithUser | null> {
  if (!token.startsWith(tokenPrefixes.session) || token.length > 128) return null;
  const tokenHash = hashToken(token);
  let session: SessionWithUser | null | undefined = services.sessionCache.get(tokenHash);
  let readSince: number | null = null;
  if (!session) {
    readSince = services.sessionCache.begin();
    session = await services.db.session.findUnique({
      where: { tokenHash },
      include: { user: true },
      relationLoadStrategy: 'join',
    });
    if (!session) return null;
  }
  if (!isSessionLive(services, session)) return null;
  if (readSince !== null) services.sessionCache.remember(tokenHash, session, readSince);
  const now = services.now();
  if (now.getTime() - session.lastUsedAt.getTime() > TOUCH_INTERVAL_MS) {
    // The cached copy moves with the row, so the next request does not write again.
    session.lastUsedAt = now;
    await services.db.session.update({ where: { id: session.id }, data: { lastUsedAt: now } });
  }
  return session;
}

export async function listLiveSessions(services: Services, userId: string) {
  const now = services.now();
  return services.db.session.findMany({
    where: {
      userId,
      revokedAt: null,
      expiresAt: { gt: now },
      lastUsedAt: { gt: new Date(now.getTime() - services.config.session.idleMs) },
    },
    orderBy: { lastUsedAt: 'desc' },
    take: 100,
  });
}

/** Ends every live session of the account, except `keepSessionId` when given. */
export async function revokeSessions(services: Services, userId: string, keepSessionId?: string) {
  const { count } = await services.db.session.updateMany({
    where: { userId, revokedAt: null, ...(keepSessionId ? { id: { not: keepSessionId } } : {}) },
    data: { revokedAt: services.now() },
  });
  return count;
}

/** Ends one session of the account; false when it is not one of the account's live sessions. */
export async function revokeSession(services: Services, meta: RequestMeta, userId: string, sessionId: string) {
  const { count } = await services.db.session.updateMany({
    where: { id: sessionId, userId, revokedAt: null },
    data: { revokedAt: services.now() },
  });
  if (count > 0) {
    await recordAuditEvent(services.db, meta, {
      action: 'session.revoked',
      actorId: userId,
      targetType: 'Session',
      targetId: sessionId,
    });
  }
  return count > 0;
}
