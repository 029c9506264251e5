import { NotFoundError } from '../../errors.js';
import { builder } from '../../schema/builder.js';
import { commonErrors } from '../../schema/errors.js';
import { scopeId } from '../../schema/ids.js';
import { signedInViewer } from '../../schema/scopes.js';
import { Organization } from '../accounts/schema.js';
import { Deleted, requireId } from '../organizations/schema.js';
import {
  changeProjectMemberRole,
  createProject,
  deleteProject,
  removeProjectMember,
  renameProject,
} from './service.js';

export const ProjectRoleEnum = builder.enumType('ProjectRole', { values: ['ADMIN', 'DEVELOPER', 'VIEWER'] as const });

export const ProjectMembership = builder.prismaObject('ProjectMember', {
  name: 'ProjectMembership',
  description: "A person's place in a project.",
  fields: (t) => ({
    role: t.expose('role', { type: ProjectRoleEnum }),
    joinedAt: t.expose('createdAt', { type: 'DateTime' }),
    user: t.relation('user'),
  }),
});

export const Project = builder.prismaNode('Project', {
  id: { field: 'id' },
  description: 'One app, environment or client inside an organization.',
  fields: (t) => ({
    name: t.exposeString('name'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    organization: t.relation('organization', {
      type: Organization,
      authScopes: (project) => ({ organizationMember: project.organizationId }),
    }),
    viewerRole: t.field({
      type: ProjectRoleEnum,
      nullable: true,
      description: "The viewer's effective role (organization owners and admins act as ADMIN); null for API keys.",
      resolve: async (project, _args, ctx) => (await ctx.access.projectAccess.load(project.id))?.role ?? null,
    }),
    members: t.relatedConnection('members', {
      type: ProjectMembership,
      cursor: 'id',
      authScopes: (project) => ({ projectViewer: project.id }),
      query: { orderBy: { createdAt: 'asc' } },
    }),
  }),
});

builder.queryField('project', (t) =>
  t.prismaField({
    type: Project,
    nullable: true,
    description: 'A project the viewer can open, or the project of the API key making the request.',
    args: { id: t.arg.id({ required: true }) },
    authScopes: (_root, args) => {
      const id = scopeId(args.id, 'Project');
      return { $any: { projectViewer: id, apiKeyProject: id } };
    },
    resolve: (query, _root, args, ctx) =>
      ctx.services.db.project.findUnique({ ...query, where: { id: requireId(args.id, 'Project') } }),
  }),
);

builder.mutationField('createProject', (t) =>
  t.prismaField({
    type: Project,
    description: 'Organization OWNER or ADMIN.',
    args: {
      input: t.arg({
        type: builder.inputType('CreateProjectInput', {
          fields: (f) => ({ organizationId: f.id(), name: f.string() }),
        }),
        required: true,
      }),
    },
    authScopes: (_root, { input }) => ({
      $all: { verified: true, organizationAdmin: scopeId(input.organizationId, 'Organization') },
    }),
    errors: { types: commonErrors },
    resolve: async (query, _root, { input }, ctx) => {
      const organizationId = requireId(input.organizationId, 'Organization');
      const project = await createProject(ctx.services, ctx.meta, signedInViewer(ctx), {
        organizationId,
        name: input.name,
      });
      return ctx.services.db.project.findUniqueOrThrow({ ...query, where: { id: project.id } });
    },
  }),
);

builder.mutationField('renameProject', (t) =>
  t.prismaField({
    type: Project,
    description: 'Project ADMIN.',
    args: {
      input: t.arg({
        type: builder.inputType('RenameProjectInput', { fields: (f) => ({ projectId: f.id(), name: f.string() }) }),
        required: true,
      }),
    },
    authScopes: (_root, { input }) => ({ projectAdmin: scopeId(input.projectId, 'Project') }),
    errors: { types: commonErrors },
    resolve: async (query, _root, { input }, ctx) => {
      const id = requireId(input.projectId, 'Project');
      await renameProject(ctx.services, ctx.meta, signedInViewer(ctx), id, input.name);
      return ctx.services.db.project.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
);

builder.mutationField('deleteProject', (t) =>
  t.field({
    type: Deleted,
    description: 'Project ADMIN. Its members, invitations and API keys go with it.',
    args: {
      input: t.arg({
        type: builder.inputType('DeleteProjectInput', { fields: (f) => ({ projectId: f.id() }) }),
        required: true,
      }),
    },
    authScopes: (_root, { input }) => ({ projectAdmin: scopeId(input.projectId, 'Project') }),
    errors: { types: commonErrors },
    resolve: async (_root, { input }, ctx) => {
      await deleteProject(ctx.services, ctx.meta, signedInViewer(ctx), requireId(input.projectId, 'Project'));
      return { id: input.projectId };
    },
  }),
);

builder.mutationField('changeProjectMemberRole', (t) =>
  t.prismaField({
    type: ProjectMembership,
    description: 'Project ADMIN.',
    args: {
      input: t.arg({
        type: builder.inputType('ChangeProjectMemberRoleInput', {
          fields: (f) => ({ projectId: f.id(), userId: f.id(), role: f.field({ type: ProjectRoleEnum }) }),
        }),
        required: true,
      }),
    },
    authScopes: (_root, { input }) => ({ projectAdmin: scopeId(input.projectId, 'Project') }),
    errors: { types: [...commonErrors, NotFoundError] },
    resolve: async (query, _root, { input }, ctx) => {
      const member = await changeProjectMemberRole(ctx.services, ctx.meta, signedInViewer(ctx), {
        projectId: requireId(input.projectId, 'Project'),
        userId: requireId(input.userId, 'User'),
        role: input.role,
      });
      return ctx.services.db.projectMember.findUniqueOrThrow({ ...query, where: { id: member.id } });
    },
  }),
);

builder.mutationField('removeProjectMember', (t) =>
  t.field({
    type: Deleted,
    description: 'Project ADMIN.',
    args: {
      input: t.arg({
        type: builder.inputType('RemoveProjectMemberInput', { fields: (f) => ({ projectId: f.id(), userId: f.id() }) }),
        required: true,
      }),
    },
    authScopes: (_root, { input }) => ({ projectAdmin: scopeId(input.projectId, 'Project') }),
    errors: { types: [...commonErrors, NotFoundError] },
    resolve: async (_root, { input }, ctx) => {
      await removeProjectMember(ctx.services, ctx.meta, signedInViewer(ctx), {
        projectId: requireId(input.projectId, 'Project'),
        userId: requireId(input.userId, 'User'),
      });
      return { id: input.userId };
    },
  }),
);
