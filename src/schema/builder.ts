import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { GraphQLError, Kind } from 'graphql';
import type { Context } from '../context.js';
import { atLeastOrganizationRole, atLeastProjectRole } from '../features/organizations/access.js';
import type { OrganizationRole, ProjectRole } from '../generated/prisma/client.js';
import { NotAllowedError, UnauthenticatedError } from '../errors.js';
import type PrismaTypes from '../generated/pothos-types.js';
import { getDatamodel } from '../generated/pothos-types.js';

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  DefaultFieldNullability: false;
  DefaultInputFieldRequiredness: true;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    ID: { Input: string; Output: string };
  };
  AuthScopes: {
    /** A person signed in with a session (not an API key). */
    signedIn: boolean;
    /**
     * Signed in, with a confirmed email address. Until the address is confirmed an account can
     * only sign in and manage itself: whoever signed up with somebody else's address must not be
     * able to build anything (two-factor, organizations, keys) the real owner would inherit.
     */
    verified: boolean;
    /** The viewer's role in the organization (by database id) is at least MEMBER, ADMIN or OWNER. */
    organizationMember: string;
    organizationAdmin: string;
    organizationOwner: string;
    /** The viewer's effective role on the project (by database id) is at least VIEWER, DEVELOPER or ADMIN. */
    projectViewer: string;
    projectDeveloper: string;
    projectAdmin: string;
    /** The request is made with an API key of this project. */
    apiKeyProject: string;
  };
}>({
  // The errors plugin wraps scope-auth, so a refused field on a mutation comes back as a typed
  // NOT_ALLOWED or UNAUTHENTICATED member of its result union.
  plugins: [ErrorsPlugin, ScopeAuthPlugin, RelayPlugin, PrismaPlugin],
  defaultFieldNullability: false,
  defaultInputFieldRequiredness: true,
  scopeAuth: {
    authScopes: (ctx) => {
      const orgRole = async (id: string, role: OrganizationRole) =>
        ctx.viewer.kind === 'user' && atLeastOrganizationRole(await ctx.access.organizationRole.load(id), role);
      const projectRole = async (id: string, role: ProjectRole) =>
        ctx.viewer.kind === 'user' && atLeastProjectRole((await ctx.access.projectAccess.load(id))?.role, role);
      return {
        signedIn: ctx.viewer.kind === 'user',
        verified: ctx.viewer.kind === 'user' && ctx.viewer.user.emailVerifiedAt !== null,
        organizationMember: (id) => orgRole(id, 'MEMBER'),
        organizationAdmin: (id) => orgRole(id, 'ADMIN'),
        organizationOwner: (id) => orgRole(id, 'OWNER'),
        projectViewer: (id) => projectRole(id, 'VIEWER'),
        projectDeveloper: (id) => projectRole(id, 'DEVELOPER'),
        projectAdmin: (id) => projectRole(id, 'ADMIN'),
        apiKeyProject: (id) => ctx.viewer.kind === 'apiKey' && ctx.viewer.projectId === id,
      };
    },
    unauthorizedError: (_parent, ctx) => {
      if (ctx.viewer.kind === 'anonymous') return new UnauthenticatedError();
      if (ctx.viewer.kind === 'user' && !ctx.viewer.user.emailVerifiedAt) {
        return new NotAllowedError('Confirm your email address first.');
      }
      return new NotAllowedError();
    },
  },
  errors: {
    directResult: true,
    defaultUnionOptions: { name: ({ fieldName }) => `${capitalize(fieldName)}Result` },
    defaultResultOptions: { name: ({ fieldName }) => `${capitalize(fieldName)}Success` },
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    // Objects are reached through fields that check access; a generic node(id) lookup would not.
    nodeQueryOptions: false,
    nodesQueryOptions: false,
  },
  prisma: {
    // The client is never used for queries through the builder: each request passes its own.
    client: (ctx) => ctx.services.db,
    dmmf: getDatamodel(),
    exposeDescriptions: false,
    filterConnectionTotalCount: true,
    maxConnectionSize: 100,
    defaultConnectionSize: 20,
  },
});

builder.scalarType('DateTime', {
  description: 'A moment in time, as an ISO 8601 string in UTC.',
  serialize: (value) => value.toISOString(),
  parseValue: (value) => {
    const date = typeof value === 'string' ? new Date(value) : null;
    if (!date || Number.isNaN(date.getTime())) throw new GraphQLError('DateTime must be an ISO 8601 string');
    return date;
  },
  parseLiteral: (ast) => {
    const date = ast.kind === Kind.STRING ? new Date(ast.value) : null;
    if (!date || Number.isNaN(date.getTime())) throw new GraphQLError('DateTime must be an ISO 8601 string');
    return date;
  },
});

builder.queryType({});
builder.mutationType({});
