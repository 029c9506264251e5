import { NotFoundError } from '../../errors.js';
import { builder } from '../../schema/builder.js';
import { commonErrors } from '../../schema/errors.js';
import { scopeId } from '../../schema/ids.js';
import { signedInViewer } from '../../schema/scopes.js';
import { atLeastProjectRole } from '../organizations/access.js';
import { requireId } from '../organizations/schema.js';
import { Project } from '../projects/schema.js';
import { createApiKey, revokeApiKey } from './service.js';

export const ApiKey = builder.prismaNode('ApiKey', {
  id: { field: 'id' },
  description: 'A key other services use to act for one project. The secret is shown only at creation.',
  fields: (t) => ({
    name: t.exposeString('name'),
    prefix: t.exposeString('prefix', { description: 'The start of the secret, to tell keys apart.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
    active: t.boolean({
      resolve: (key, _a, ctx) => !key.revokedAt && (!key.expiresAt || key.expiresAt > ctx.services.now()),
    }),
    createdBy: t.relation('createdBy', { nullable: true, authScopes: { signedIn: true } }),
    project: t.relation('project', { type: Project }),
  }),
});

builder.prismaObjectField('Project', 'apiKeys', (t) =>
  t.relatedConnection('apiKeys', {
    type: ApiKey,
    cursor: 'id',
    description: 'Project ADMIN and DEVELOPER.',
    authScopes: (project) => ({ projectDeveloper: project.id }),
    query: { orderBy: { createdAt: 'desc' } },
  }),
);

builder.queryField('viewerApiKey', (t) =>
  t.prismaField({
    type: ApiKey,
    nullable: true,
    description: 'The API key this request is made with, so that other services can check a key; null otherwise.',
    resolve: (query, _root, _args, ctx) =>
      ctx.viewer.kind === 'apiKey'
        ? ctx.services.db.apiKey.findUnique({ ...query, where: { id: ctx.viewer.apiKeyId } })
        : null,
  }),
);

const CreatedApiKey = builder
  .objectRef<{ secret: string; apiKey: typeof ApiKey.$inferType }>('CreatedApiKey')
  .implement({
    fields: (t) => ({
      secret: t.exposeString('secret', {
        description: 'Send as `Authorization: Bearer <secret>`. Shown only this once.',
      }),
      apiKey: t.field({ type: ApiKey, resolve: (r) => r.apiKey }),
    }),
  });

builder.mutationField('createApiKey', (t) =>
  t.field({
    type: CreatedApiKey,
    description: 'Project ADMIN or DEVELOPER.',
    args: {
      input: t.arg({
        type: builder.inputType('CreateApiKeyInput', {
          fields: (f) => ({
            projectId: f.id(),
            name: f.string(),
            expiresAt: f.field({ type: 'DateTime', required: false }),
          }),
        }),
        required: true,
      }),
    },
    authScopes: (_root, { input }) => ({
      $all: { verified: true, projectDeveloper: scopeId(input.projectId, 'Project') },
    }),
    errors: { types: commonErrors },
    resolve: (_root, { input }, ctx) =>
      createApiKey(ctx.services, ctx.meta, signedInViewer(ctx), {
        projectId: requireId(input.projectId, 'Project'),
        name: input.name,
        expiresAt: input.expiresAt,
      }),
  }),
);

builder.mutationField('revokeApiKey', (t) =>
  t.prismaField({
    type: ApiKey,
    description: 'Project ADMIN, or the DEVELOPER who created the key.',
    authScopes: { signedIn: true },
    args: {
      input: t.arg({
        type: builder.inputType('RevokeApiKeyInput', { fields: (f) => ({ apiKeyId: f.id() }) }),
        required: true,
      }),
    },
    errors: { types: [...commonErrors, NotFoundError] },
    resolve: async (query, _root, { input }, ctx) => {
      const apiKey = await ctx.services.db.apiKey.findUnique({ where: { id: requireId(input.apiKeyId, 'ApiKey') } });
      const role = apiKey ? (await ctx.access.projectAccess.load(apiKey.projectId))?.role : null;
      if (!apiKey || !atLeastProjectRole(role, 'DEVELOPER')) throw new NotFoundError();
      const revoked = await revokeApiKey(ctx.services, ctx.meta, signedInViewer(ctx), apiKey, role === 'ADMIN');
      return ctx.services.db.apiKey.findUniqueOrThrow({ ...query, where: { id: revoked.id } });
    },
  }),
);
