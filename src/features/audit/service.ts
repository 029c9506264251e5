import type { Database } from '../../db/client.js';
import type { Prisma } from '../../generated/prisma/client.js';

/** Where a request came from, as far as the server can tell. */
export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
  /** What rate limits count this client under (see clientKey). */
  client: string;
}

export interface AuditInput {
  action: string;
  actorId?: string | null;
  actorApiKeyId?: string | null;
  targetType?: string;
  targetId?: string;
  organizationId?: string | null;
  projectId?: string | null;
  metadata?: Prisma.InputJsonValue;
}

type Writer = Pick<Database, 'auditEvent'>;

/** Appends one security event. Nothing in the product updates or deletes these rows. */
export async function recordAuditEvent(db: Writer, meta: RequestMeta, event: AuditInput): Promise<void> {
  await db.auditEvent.create({
    data: {
      action: event.action,
      actorId: event.actorId ?? null,
      actorApiKeyId: event.actorApiKeyId ?? null,
      targetType: event.targetType ?? null,
      targetId: event.targetId ?? null,
      organizationId: event.organizationId ?? null,
      projectId: event.projectId ?? null,
      metadata: event.metadata,
      ip: meta.ip,
      userAgent: meta.userAgent?.slice(0, 512) ?? null,
    },
  });
}
