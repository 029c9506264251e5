import { ConflictError, InvalidTokenError, NotFoundError } from '../../errors.js';
import { builder } from '../../schema/builder.js';
import { commonErrors } from '../../schema/errors.js';
import { scopeId } from '../../schema/ids.js';
import { signedInViewer } from '../../schema/scopes.js';
import { Organization, OrganizationRoleEnum } from '../accounts/schema.js';
import { atLeastOrganizationRole, atLeastProjectRole } from '../organizations/access.js';
import { Deleted, requireId } from '../organizations/schema.js';
import { Project, ProjectRoleEnum } from '../projects/schema.js';
import {
  acceptInvitation,
  declineInvitation,
  findInvitationByToken,
  findPendingInvitation,
  invite,
  isInvitationOpen,
  resendInvitation,
  revokeInvitation,
} from './service.js';

const InvitationStatusEnum = builder.enumType('InvitationStatus', {
  values: ['PENDING', 'ACCEPTED', 'DECLINED', 'REVOKED'] as const,
});

export const Invitation = builder.prismaNode('Invitation', {
  id: { field: 'id' },
  description: 'An invitation as its organization or project admins, and its invitee, see it.',
  fields: (t) => ({
    email: t.exposeString('email'),
    status: t.expose('status', { type: InvitationStatusEnum }),
    organizationRole: t.expose('organizationRole', { type: OrganizationRoleEnum, nullable: true }),
    projectRole: t.expose('projectRole', { type: ProjectRoleEnum, nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    expired: t.boolean({ resolve: (i, _a, ctx) => i.expiresAt <= ctx.services.now() }),
    organization: t.relation('organization', { type: Organization }),
    project: t.relation('project', { type: Project, nullable: true }),
    invitedBy: t.relation('invitedBy', { nullable: true }),
  }),
});

builder.prismaObjectField('Organization', 'invitations', (t) =>
  t.relatedConnection('invitations', {
    type: Invitation,
    cursor: 'id',
    description: 'Pending invitations to the organization and its projects (OWNER and ADMIN).',
    authScopes: (organization) => ({ organizationAdmin: organization.id }),
    query: { where: { status: 'PENDING' }, orderBy: { createdAt: 'desc' } },
  }),
);

builder.prismaObjectField('Project', 'invitations', (t) =>
  t.relatedConnection('invitations', {
    type: Invitation,
    cursor: 'id',
    description: 'Pending invitations to the project (project ADMIN).',
    authScopes: (project) => ({ projectAdmin: project.id }),
    query: { where: { status: 'PENDING' }, orderBy: { createdAt: 'desc' } },
  }),
);

builder.prismaObjectField('User', 'invitations', (t) =>
  t.prismaField({
    type: [Invitation],
    description: 'Open invitations addressed to this verified address (at most 100).',
    authScopes: (user, _args, ctx) => ctx.viewer.kind === 'user' && ctx.viewer.userId === user.id,
    resolve: (query, user, _args, ctx) =>
      user.emailVerifiedAt
        ? ctx.services.db.invitation.findMany({
            ...query,
            where: { email: user.email, status: 'PENDING', expiresAt: { gt: ctx.services.now() } },
            orderBy: { createdAt: 'desc' },
            take: 100,
          })
        : [],
  }),
);

interface Preview {
  organizationName: string;
  projectName: string | null;
  invitedByName: string | null;
  role: string;
  expired: boolean;
  open: boolean;
}

const InvitationPreview = builder.objectRef<Preview>('InvitationPreview').implement({
  description: 'What an accept screen shows for an invitation link, and nothing more.',
  fields: (t) => ({
    organizationName: t.exposeString('organizationName'),
    projectName: t.exposeString('projectName', { nullable: true }),
    invitedByName: t.exposeString('invitedByName', { nullable: true }),
    role: t.exposeString('role', { description: 'The organization or project role offered.' }),
    expired: t.exposeBoolean('expired'),
    open: t.exposeBoolean('open', { description: 'False once accepted, declined, revoked or expired.' }),
  }),
});

builder.queryField('invitation', (t) =>
  t.field({
    type: InvitationPreview,
    nullable: true,
    description: 'The invitation behind a link token; null for an unknown token.',
    args: { token: t.arg.string({ required: true }) },
    resolve: async (_root, { token }, ctx) => {
      const invitation = await findInvitationByToken(ctx.services, token);
      if (!invitation) return null;
      return {
        organizationName: invitation.organization.name,
        projectName: invitation.project?.name ?? null,
        invitedByName: invitation.invitedBy?.name ?? null,
        role: invitation.projectRole ?? invitation.organizationRole ?? 'MEMBER',
        expired: invitation.expiresAt <= ctx.services.now(),
        open: isInvitationOpen(ctx.services, invitation),
      };
    },
  }),
);

builder.mutationField('inviteOrganizationMember', (t) =>
  t.prismaField({
    type: Invitation,
    description: 'OWNER or ADMIN; nobody invites above their own role. Mails a link valid for 7 days.',
    args: {
      input: t.arg({
        type: builder.inputType('InviteOrganizationMemberInput', {
          fields: (f) => ({ organizationId: f.id(), email: f.string(), role: f.field({ type: OrganizationRoleEnum }) }),
        }),
        required: true,
      }),
    },
    authScopes: (_root, { input }) => ({
      $all: { verified: true, organizationAdmin: scopeId(input.organizationId, 'Organization') },
    }),
    errors: { types: [...commonErrors, ConflictError] },
    resolve: async (query, _root, { input }, ctx) => {
      const organizationId = requireId(input.organizationId, 'Organization');
      const invitation = await invite(
        ctx.services,
        ctx.meta,
        signedInViewer(ctx),
        { kind: 'organization', organizationId, role: input.role },
        input.email,
      );
      return ctx.services.db.invitation.findUniqueOrThrow({ ...query, where: { id: invitation.id } });
    },
  }),
);

builder.mutationField('inviteProjectMember', (t) =>
  t.prismaField({
    type: Invitation,
    description: 'Project ADMIN. Accepting also makes the invitee an organization MEMBER.',
    args: {
      input: t.arg({
        type: builder.inputType('InviteProjectMemberInput', {
          fields: (f) => ({ projectId: f.id(), email: f.string(), role: f.field({ type: ProjectRoleEnum }) }),
        }),
        required: true,
      }),
    },
    authScopes: (_root, { input }) => ({ $all: { verified: true, projectAdmin: scopeId(input.projectId, 'Project') } }),
    errors: { types: [...commonErrors, ConflictError] },
    resolve: async (query, _root, { input }, ctx) => {
      const projectId = requireId(input.projectId, 'Project');
      const invitation = await invite(
        ctx.services,
        ctx.meta,
        signedInViewer(ctx),
        { kind: 'project', projectId, role: input.role },
        input.email,
      );
      return ctx.services.db.invitation.findUniqueOrThrow({ ...query, where: { id: invitation.id } });
    },
  }),
);

const TokenInput = builder.inputType('InvitationTokenInput', { fields: (f) => ({ token: f.string() }) });

builder.mutationField('acceptInvitation', (t) =>
  t.prismaField({
    type: Invitation,
    description: 'Only the signed-in account whose verified email is the invited address can accept.',
    authScopes: { signedIn: true },
    args: { input: t.arg({ type: TokenInput, required: true }) },
    errors: { types: [...commonErrors, InvalidTokenError] },
    resolve: async (query, _root, { input }, ctx) => {
      const invitation = await acceptInvitation(ctx.services, ctx.meta, signedInViewer(ctx), input.token);
      return ctx.services.db.invitation.findUniqueOrThrow({ ...query, where: { id: invitation.id } });
    },
  }),
);

builder.mutationField('declineInvitation', (t) =>
  t.prismaField({
    type: Invitation,
    authScopes: { signedIn: true },
    args: { input: t.arg({ type: TokenInput, required: true }) },
    errors: { types: [...commonErrors, InvalidTokenError] },
    resolve: async (query, _root, { input }, ctx) => {
      const invitation = await declineInvitation(ctx.services, ctx.meta, signedInViewer(ctx), input.token);
      return ctx.services.db.invitation.findUniqueOrThrow({ ...query, where: { id: invitation.id } });
    },
  }),
);

const InvitationIdInput = builder.inputType('InvitationIdInput', { fields: (f) => ({ invitationId: f.id() }) });

/** Organization invitations are managed by organization admins, project ones by project admins. */
async function managedInvitation(ctx: Parameters<typeof signedInViewer>[0], globalId: string) {
  const invitation = await findPendingInvitation(ctx.services, requireId(globalId, 'Invitation'));
  const allowed = invitation.projectId
    ? atLeastProjectRole((await ctx.access.projectAccess.load(invitation.projectId))?.role, 'ADMIN')
    : atLeastOrganizationRole(await ctx.access.organizationRole.load(invitation.organizationId), 'ADMIN');
  if (!allowed) throw new NotFoundError('No pending invitation has that id.');
  return invitation;
}

builder.mutationField('revokeInvitation', (t) =>
  t.field({
    type: Deleted,
    authScopes: { signedIn: true },
    args: { input: t.arg({ type: InvitationIdInput, required: true }) },
    errors: { types: [...commonErrors, NotFoundError] },
    resolve: async (_root, { input }, ctx) => {
      const invitation = await managedInvitation(ctx, input.invitationId);
      await revokeInvitation(ctx.services, ctx.meta, signedInViewer(ctx), invitation);
      return { id: input.invitationId };
    },
  }),
);

builder.mutationField('resendInvitation', (t) =>
  t.prismaField({
    type: Invitation,
    description: 'Mails a new link; the old one stops working.',
    authScopes: { signedIn: true },
    args: { input: t.arg({ type: InvitationIdInput, required: true }) },
    errors: { types: [...commonErrors, NotFoundError] },
    resolve: async (query, _root, { input }, ctx) => {
      const invitation = await managedInvitation(ctx, input.invitationId);
      await resendInvitation(ctx.services, ctx.meta, signedInViewer(ctx), invitation);
      return ctx.services.db.invitation.findUniqueOrThrow({ ...query, where: { id: invitation.id } });
    },
  }),
);
