import type { Services } from '../../context.js';
import { InvalidInputError, NotAllowedError } from '../../errors.js';
import type { ApiKey } from '../../generated/prisma/client.js';
import { createToken, hashToken, tokenPrefixes } from '../../security/tokens.js';
import { recordAuditEvent, type RequestMeta } from '../audit/service.js';
import { validateName } from '../accounts/validation.js';
import { effectiveProjectRole } from '../organizations/access.js';
import type { Actor } from '../organizations/service.js';

/** Shown in lists so that people can tell keys apart; far too short to guess the rest from. */
const VISIBLE_PREFIX_LENGTH = tokenPrefixes.apiKey.length + 6;
const TOUCH_INTERVAL_MS = 60_000;

export async function createApiKey(
  services: Services,
  meta: RequestMeta,
  actor: Actor,
  input: { projectId: string; name: string; expiresAt?: Date | null },
) {
  await services.limits.consume('apiKeysPerAccount', actor.userId);
  const name = validateName(input.name);
  if (input.expiresAt && input.expiresAt <= services.now()) {
    throw new InvalidInputError('expiresAt', 'The expiry must be in the future.');
  }
  // 256 random bits behind a recognizable prefix; only the SHA-256 is stored.
  const secret = createToken(tokenPrefixes.apiKey);
  const apiKey = await services.db.$transaction(async (tx) => {
    const project = await tx.project.findUniqueOrThrow({ where: { id: input.projectId } });
    const created = await tx.apiKey.create({
      data: {
        projectId: input.projectId,
        name,
        prefix: secret.slice(0, VISIBLE_PREFIX_LENGTH),
        secretHash: hashToken(secret),
        createdById: actor.userId,
        expiresAt: input.expiresAt ?? null,
      },
    });
    await recordAuditEvent(tx, meta, {
      action: 'api_key.created',
      actorId: actor.userId,
      targetType: 'ApiKey',
      targetId: created.id,
      organizationId: project.organizationId,
      projectId: project.id,
      metadata: { name, prefix: created.prefix },
    });
    return created;
  });
  return { apiKey, secret };
}

/** Project ADMINs revoke any key of the project; a DEVELOPER only the keys they created. */
export async function revokeApiKey(
  services: Services,
  meta: RequestMeta,
  actor: Actor,
  apiKey: ApiKey,
  canRevokeAny: boolean,
) {
  if (!canRevokeAny && apiKey.createdById !== actor.userId) {
    throw new NotAllowedError('Only a project admin can revoke keys created by someone else.');
  }
  const project = await services.db.project.findUniqueOrThrow({ where: { id: apiKey.projectId } });
  const revoked = await services.db.apiKey.update({
    where: { id: apiKey.id },
    data: { revokedAt: apiKey.revokedAt ?? services.now() },
  });
  await recordAuditEvent(services.db, meta, {
    action: 'api_key.revoked',
    actorId: actor.userId,
    targetType: 'ApiKey',
    targetId: apiKey.id,
    organizationId: project.organizationId,
    projectId: project.id,
  });
  return revoked;
}

/**
 * The live key behind a bearer secret, or null. A key stops working when revoked, expired, its
 * project deleted (the row goes with it), or once the member who created it has lost access to
 * the project.
 */
export async function findLiveApiKey(services: Services, secret: string) {
  if (!secret.startsWith(tokenPrefixes.apiKey) || secret.length > 128) return null;
  const apiKey = await services.db.apiKey.findUnique({
    where: { secretHash: hashToken(secret) },
    include: { project: true },
  });
  const now = services.now();
  if (!apiKey || apiKey.revokedAt || (apiKey.expiresAt && apiKey.expiresAt <= now) || !apiKey.createdById) return null;

  const [organizationMember, projectMember] = await Promise.all([
    services.db.organizationMember.findUnique({
      where: { organizationId_userId: { organizationId: apiKey.project.organizationId, userId: apiKey.createdById } },
    }),
    services.db.projectMember.findUnique({
      where: { projectId_userId: { projectId: apiKey.projectId, userId: apiKey.createdById } },
    }),
  ]);
  const creatorRole = organizationMember ? effectiveProjectRole(organizationMember.role, projectMember?.role) : null;
  if (creatorRole !== 'ADMIN' && creatorRole !== 'DEVELOPER') return null;

  if (!apiKey.lastUsedAt || now.getTime() - apiKey.lastUsedAt.getTime() > TOUCH_INTERVAL_MS) {
    await services.db.apiKey.update({ where: { id: apiKey.id }, data: { lastUsedAt: now } });
  }
  return apiKey;
}
