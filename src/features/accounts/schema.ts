import { InvalidTokenError, WeakPasswordError, InvalidCredentialsError } from '../../errors.js';
import { builder } from '../../schema/builder.js';
import { commonErrors } from '../../schema/errors.js';
import { signedInViewer, viewerIsSelf } from '../../schema/scopes.js';
import { countBackupCodes } from '../two-factor/service.js';
import { changePassword, resendVerificationEmail, signUp, verifyEmail } from './service.js';

export const OrganizationRoleEnum = builder.enumType('OrganizationRole', {
  values: ['OWNER', 'ADMIN', 'MEMBER'] as const,
});

export const Organization = builder.prismaNode('Organization', {
  id: { field: 'id' },
  fields: (t) => ({
    name: t.exposeString('name'),
    personal: t.exposeBoolean('personal', { description: 'Made at sign-up; it goes only with its account.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

export const OrganizationMembership = builder.prismaObject('OrganizationMember', {
  name: 'OrganizationMembership',
  description: "A person's place in an organization.",
  fields: (t) => ({
    role: t.expose('role', { type: OrganizationRoleEnum }),
    joinedAt: t.expose('createdAt', { type: 'DateTime' }),
    organization: t.relation('organization'),
  }),
});

export const User = builder.prismaNode('User', {
  id: { field: 'id' },
  fields: (t) => ({
    email: t.exposeString('email'),
    name: t.exposeString('name'),
    emailVerified: t.boolean({ resolve: (user) => user.emailVerifiedAt !== null }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    twoFactorEnabled: t.boolean({ authScopes: viewerIsSelf, resolve: (user) => user.twoFactorEnabledAt !== null }),
    backupCodesRemaining: t.int({
      description: 'Unused backup codes; 0 while two-factor is off.',
      authScopes: viewerIsSelf,
      resolve: (user, _args, ctx) => (user.twoFactorEnabledAt ? countBackupCodes(ctx.services, user.id) : 0),
    }),
    organizations: t.relatedConnection('memberships', {
      description: "The organizations the account belongs to, with the account's role in each.",
      authScopes: viewerIsSelf,
      cursor: 'id',
      type: OrganizationMembership,
      query: { orderBy: { createdAt: 'asc' } },
    }),
  }),
});

builder.queryField('me', (t) =>
  t.prismaField({
    type: User,
    nullable: true,
    description: 'The signed-in account, or null without a session.',
    resolve: (query, _root, _args, ctx) => {
      if (ctx.viewer.kind !== 'user') return null;
      // Scalars only: the row loaded with the session serves; relations need their own query.
      if (Object.keys(query).length === 0) return ctx.viewer.user;
      return ctx.services.db.user.findUnique({ ...query, where: { id: ctx.viewer.userId } });
    },
  }),
);

const SignUpInput = builder.inputType('SignUpInput', {
  fields: (t) => ({
    email: t.string(),
    password: t.string({ description: 'At least 8 characters, at most 256; used exactly as typed.' }),
    name: t.string(),
  }),
});

export const EmailSent = builder.objectRef<{ email: string }>('EmailSent').implement({
  description:
    'The request was taken. The same answer comes whether or not the address has an account, ' +
    'so that nobody can find out which addresses are registered.',
  fields: (t) => ({ email: t.exposeString('email', { description: 'The address, as it was normalized.' }) }),
});

builder.mutationField('signUp', (t) =>
  t.field({
    type: EmailSent,
    description: 'Creates an account and its personal organization, and mails a verification link.',
    args: { input: t.arg({ type: SignUpInput, required: true }) },
    errors: { types: [...commonErrors, WeakPasswordError] },
    resolve: (_root, { input }, ctx) => signUp(ctx.services, ctx.meta, input),
  }),
);

const EmailVerified = builder.objectRef<{ email: string }>('EmailVerified').implement({
  description: 'The address is confirmed. The link usually opens without a session, so only the address is shown.',
  fields: (t) => ({ email: t.exposeString('email') }),
});

builder.mutationField('verifyEmail', (t) =>
  t.field({
    type: EmailVerified,
    description: 'Confirms the address with the token from the verification link.',
    args: {
      input: t.arg({
        type: builder.inputType('VerifyEmailInput', { fields: (f) => ({ token: f.string() }) }),
        required: true,
      }),
    },
    errors: { types: [...commonErrors, InvalidTokenError] },
    resolve: async (_root, { input }, ctx) => {
      const user = await verifyEmail(ctx.services, ctx.meta, input.token);
      return { email: user.email };
    },
  }),
);

builder.mutationField('resendVerificationEmail', (t) =>
  t.field({
    type: EmailSent,
    description: 'Mails a new verification link if the address has an unverified account.',
    args: {
      input: t.arg({
        type: builder.inputType('ResendVerificationEmailInput', { fields: (f) => ({ email: f.string() }) }),
        required: true,
      }),
    },
    errors: { types: commonErrors },
    resolve: (_root, { input }, ctx) => resendVerificationEmail(ctx.services, ctx.meta, input.email),
  }),
);

builder.mutationField('changePassword', (t) =>
  t.prismaField({
    type: User,
    description: 'Sets a new password and ends every other session of the account.',
    authScopes: { signedIn: true },
    args: {
      input: t.arg({
        type: builder.inputType('ChangePasswordInput', {
          fields: (f) => ({ currentPassword: f.string(), newPassword: f.string() }),
        }),
        required: true,
      }),
    },
    errors: { types: [...commonErrors, WeakPasswordError, InvalidCredentialsError] },
    resolve: async (query, _root, { input }, ctx) => {
      const viewer = signedInViewer(ctx);
      await changePassword(ctx.services, ctx.meta, viewer, input);
      return ctx.services.db.user.findUniqueOrThrow({ ...query, where: { id: viewer.userId } });
    },
  }),
);
