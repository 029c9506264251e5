import type { Prisma } from '../../generated/prisma/client.js';
import { builder } from '../../schema/builder.js';
import { decodeId } from '../../schema/ids.js';
import { viewerIsSelf } from '../../schema/scopes.js';

export const AuditEvent = builder.prismaNode('AuditEvent', {
  id: { field: 'id' },
  description: 'One security event. Append-only: nothing in the API changes or deletes an event.',
  fields: (t) => ({
    action: t.exposeString('action', { description: 'What happened, such as session.signed_in or api_key.created.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    actor: t.relation('actor', { nullable: true, description: 'Who did it; null for anonymous attempts.' }),
    targetType: t.exposeString('targetType', { nullable: true }),
    targetId: t.exposeString('targetId', { nullable: true, description: 'The database id of the target.' }),
    ip: t.exposeString('ip', { nullable: true }),
    userAgent: t.exposeString('userAgent', { nullable: true }),
    metadata: t.string({
      nullable: true,
      description: 'Details of the event as a JSON object.',
      resolve: (event) => (event.metadata == null ? null : JSON.stringify(event.metadata)),
    }),
  }),
});

const newestFirst: Prisma.AuditEventOrderByWithRelationInput[] = [{ createdAt: 'desc' }, { id: 'desc' }];

builder.prismaObjectField('Organization', 'auditLog', (t) =>
  t.relatedConnection('auditEvents', {
    type: AuditEvent,
    cursor: 'id',
    description: 'Security events of the organization and its projects, newest first (OWNER and ADMIN).',
    authScopes: (organization) => ({ organizationAdmin: organization.id }),
    args: {
      action: t.arg.string({ required: false, description: 'Only events with this action.' }),
      actor: t.arg.id({ required: false, description: 'Only events by this user.' }),
      since: t.arg({ type: 'DateTime', required: false }),
      until: t.arg({ type: 'DateTime', required: false }),
    },
    query: (args) => {
      const where: Prisma.AuditEventWhereInput = {};
      if (args.action) where.action = args.action;
      // An actor id that does not decode matches nothing rather than everything.
      if (args.actor) where.actorId = decodeId(args.actor, 'User') ?? '00000000-0000-0000-0000-000000000000';
      if (args.since || args.until) where.createdAt = { gte: args.since ?? undefined, lt: args.until ?? undefined };
      return { where, orderBy: newestFirst };
    },
  }),
);

builder.prismaObjectField('User', 'securityEvents', (t) =>
  t.relatedConnection('auditEvents', {
    type: AuditEvent,
    cursor: 'id',
    description: "The account's own security events, newest first: sign-ins, failures, two-factor, passwords, keys.",
    authScopes: viewerIsSelf,
    query: { orderBy: newestFirst },
  }),
);
