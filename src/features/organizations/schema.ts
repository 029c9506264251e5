import {
  ConflictError,
  InvalidCredentialsError,
  InvalidTwoFactorCodeError,
  NotFoundError,
  TwoFactorRequiredError,
} from '../../errors.js';
import { reauthenticate } from '../../security/gate.js';
import { builder } from '../../schema/builder.js';
import { commonErrors } from '../../schema/errors.js';
import { decodeId, scopeId } from '../../schema/ids.js';
import { reloadAccess, signedInViewer } from '../../schema/scopes.js';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { Organization, OrganizationMembership, OrganizationRoleEnum } from '../accounts/schema.js';
import { SESSION_COOKIE } from '../sessions/service.js';
import { secondFactorFields } from '../sessions/schema.js';
import { visibleProjects } from './access.js';
import {
  changeMemberRole,
  createOrganization,
  deleteAccount,
  deleteOrganization,
  leaveOrganization,
  removeMember,
  renameOrganization,
  transferOwnership,
} from './service.js';

const requireId = (globalId: string, typename: string) => {
  const id = decodeId(globalId, typename);
  if (!id) throw new NotFoundError();
  return id;
};

builder.prismaObjectField('OrganizationMember', 'user', (t) => t.relation('user'));

builder.prismaObjectFields('Organization', (t) => ({
  viewerRole: t.field({
    type: OrganizationRoleEnum,
    nullable: true,
    description: "The viewer's role here; null for API keys.",
    resolve: (organization, _args, ctx) => ctx.access.organizationRole.load(organization.id),
  }),
  members: t.relatedConnection('members', {
    type: OrganizationMembership,
    cursor: 'id',
    authScopes: (organization) => ({ organizationMember: organization.id }),
    query: { orderBy: { createdAt: 'asc' } },
  }),
  projects: t.relatedConnection('projects', {
    description: 'The projects the viewer can open: all of them for owners and admins.',
    cursor: 'id',
    authScopes: (organization) => ({ organizationMember: organization.id }),
    // Members who are not admins see only the projects they were added to.
    query: (_args, ctx) => ({
      orderBy: { createdAt: 'asc' },
      where: visibleProjects(ctx.viewer.kind === 'user' ? ctx.viewer.userId : null),
    }),
  }),
}));

builder.queryField('organization', (t) =>
  t.prismaField({
    type: Organization,
    nullable: true,
    description: 'An organization the viewer belongs to.',
    args: { id: t.arg.id({ required: true }) },
    authScopes: (_root, args) => ({ organizationMember: scopeId(args.id, 'Organization') }),
    resolve: (query, _root, args, ctx) =>
      ctx.services.db.organization.findUnique({ ...query, where: { id: requireId(args.id, 'Organization') } }),
  }),
);

builder.mutationField('createOrganization', (t) =>
  t.prismaField({
    type: Organization,
    description: 'Creates an organization; the creator is its OWNER.',
    authScopes: { verified: true },
    args: {
      input: t.arg({
        type: builder.inputType('CreateOrganizationInput', { fields: (f) => ({ name: f.string() }) }),
        required: true,
      }),
    },
    errors: { types: commonErrors },
    resolve: async (query, _root, { input }, ctx) => {
      const organization = await createOrganization(ctx.services, ctx.meta, signedInViewer(ctx), input.name);
      return ctx.services.db.organization.findUniqueOrThrow({ ...query, where: { id: organization.id } });
    },
  }),
);

builder.mutationField('renameOrganization', (t) =>
  t.prismaField({
    type: Organization,
    description: 'OWNER or ADMIN.',
    args: {
      input: t.arg({
        type: builder.inputType('RenameOrganizationInput', {
          fields: (f) => ({ organizationId: f.id(), name: f.string() }),
        }),
        required: true,
      }),
    },
    authScopes: (_root, { input }) => ({ organizationAdmin: scopeId(input.organizationId, 'Organization') }),
    errors: { types: commonErrors },
    resolve: async (query, _root, { input }, ctx) => {
      const id = requireId(input.organizationId, 'Organization');
      await renameOrganization(ctx.services, ctx.meta, signedInViewer(ctx), id, input.name);
      return ctx.services.db.organization.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
);

const Deleted = builder.objectRef<{ id: string }>('Deleted').implement({
  description: 'The object with this id is gone.',
  fields: (t) => ({ id: t.exposeID('id') }),
});

builder.mutationField('deleteOrganization', (t) =>
  t.field({
    type: Deleted,
    description: 'OWNER only. A personal organization goes only with its account.',
    args: {
      input: t.arg({
        type: builder.inputType('DeleteOrganizationInput', { fields: (f) => ({ organizationId: f.id() }) }),
        required: true,
      }),
    },
    authScopes: (_root, { input }) => ({ organizationOwner: scopeId(input.organizationId, 'Organization') }),
    errors: { types: commonErrors },
    resolve: async (_root, { input }, ctx) => {
      await deleteOrganization(
        ctx.services,
        ctx.meta,
        signedInViewer(ctx),
        requireId(input.organizationId, 'Organization'),
      );
      return { id: input.organizationId };
    },
  }),
);

const MemberInput = builder.inputType('OrganizationMemberInput', {
  fields: (f) => ({ organizationId: f.id(), userId: f.id() }),
});

builder.mutationField('changeOrganizationMemberRole', (t) =>
  t.prismaField({
    type: OrganizationMembership,
    description: 'OWNER or ADMIN; only an OWNER makes or unmakes an OWNER; the last OWNER stays.',
    args: {
      input: t.arg({
        type: builder.inputType('ChangeOrganizationMemberRoleInput', {
          fields: (f) => ({ organizationId: f.id(), userId: f.id(), role: f.field({ type: OrganizationRoleEnum }) }),
        }),
        required: true,
      }),
    },
    authScopes: (_root, { input }) => ({ organizationAdmin: scopeId(input.organizationId, 'Organization') }),
    errors: { types: [...commonErrors, NotFoundError, ConflictError] },
    resolve: async (query, _root, { input }, ctx) => {
      const member = await changeMemberRole(ctx.services, ctx.meta, signedInViewer(ctx), {
        organizationId: requireId(input.organizationId, 'Organization'),
        userId: requireId(input.userId, 'User'),
        role: input.role,
      });
      reloadAccess(ctx);
      return ctx.services.db.organizationMember.findUniqueOrThrow({ ...query, where: { id: member.id } });
    },
  }),
);

builder.mutationField('removeOrganizationMember', (t) =>
  t.field({
    type: Deleted,
    description: 'OWNER or ADMIN (only an OWNER removes an OWNER). Their project memberships here go too.',
    args: { input: t.arg({ type: MemberInput, required: true }) },
    authScopes: (_root, { input }) => ({ organizationAdmin: scopeId(input.organizationId, 'Organization') }),
    errors: { types: [...commonErrors, NotFoundError, ConflictError] },
    resolve: async (_root, { input }, ctx) => {
      await removeMember(ctx.services, ctx.meta, signedInViewer(ctx), {
        organizationId: requireId(input.organizationId, 'Organization'),
        userId: requireId(input.userId, 'User'),
      });
      return { id: input.userId };
    },
  }),
);

builder.mutationField('leaveOrganization', (t) =>
  t.field({
    type: Deleted,
    description: 'Leaves an organization; its last OWNER cannot.',
    args: {
      input: t.arg({
        type: builder.inputType('LeaveOrganizationInput', { fields: (f) => ({ organizationId: f.id() }) }),
        required: true,
      }),
    },
    authScopes: (_root, { input }) => ({ organizationMember: scopeId(input.organizationId, 'Organization') }),
    errors: { types: [...commonErrors, ConflictError] },
    resolve: async (_root, { input }, ctx) => {
      await leaveOrganization(
        ctx.services,
        ctx.meta,
        signedInViewer(ctx),
        requireId(input.organizationId, 'Organization'),
      );
      return { id: input.organizationId };
    },
  }),
);

const confirmationErrors = [InvalidCredentialsError, TwoFactorRequiredError, InvalidTwoFactorCodeError];

builder.mutationField('transferOwnership', (t) =>
  t.prismaField({
    type: Organization,
    description: 'The OWNER makes another member OWNER and becomes ADMIN, confirming with the password (and a code).',
    args: {
      input: t.arg({
        type: builder.inputType('TransferOwnershipInput', {
          fields: (f) => ({
            organizationId: f.id(),
            userId: f.id({ description: 'The member who becomes OWNER.' }),
            password: f.string(),
            code: f.string({ required: false, ...secondFactorFields.code }),
            backupCode: f.string({ required: false, ...secondFactorFields.backupCode }),
          }),
        }),
        required: true,
      }),
    },
    authScopes: (_root, { input }) => ({
      $all: { verified: true, organizationOwner: scopeId(input.organizationId, 'Organization') },
    }),
    errors: { types: [...commonErrors, ...confirmationErrors, NotFoundError] },
    resolve: async (query, _root, { input }, ctx) => {
      const viewer = signedInViewer(ctx);
      const organizationId = requireId(input.organizationId, 'Organization');
      await reauthenticate(ctx.services, ctx.meta, viewer.userId, input, 'transfer_ownership');
      await transferOwnership(ctx.services, ctx.meta, viewer, {
        organizationId,
        userId: requireId(input.userId, 'User'),
      });
      reloadAccess(ctx);
      return ctx.services.db.organization.findUniqueOrThrow({ ...query, where: { id: organizationId } });
    },
  }),
);

builder.mutationField('deleteAccount', (t) =>
  t.field({
    type: Deleted,
    description:
      'Deletes the account, confirming with the password (and a code). Refused while it is the last OWNER ' +
      'of an organization with other members.',
    authScopes: { signedIn: true },
    args: {
      input: t.arg({
        type: builder.inputType('DeleteAccountInput', {
          fields: (f) => ({
            password: f.string(),
            code: f.string({ required: false, ...secondFactorFields.code }),
            backupCode: f.string({ required: false, ...secondFactorFields.backupCode }),
          }),
        }),
        required: true,
      }),
    },
    errors: { types: [...commonErrors, ...confirmationErrors, ConflictError] },
    resolve: async (_root, { input }, ctx) => {
      const viewer = signedInViewer(ctx);
      const user = await reauthenticate(ctx.services, ctx.meta, viewer.userId, input, 'delete_account');
      await deleteAccount(ctx.services, ctx.meta, viewer);
      ctx.cookies.push({ name: SESSION_COOKIE, value: '', maxAgeSeconds: 0 });
      return { id: encodeGlobalID('User', user.id) };
    },
  }),
);

export { Deleted, requireId, confirmationErrors };
