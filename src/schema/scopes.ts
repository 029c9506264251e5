import type { Context } from '../context.js';

/** For fields of a User that only the account itself may read (sessions, two-factor state). */
export const viewerIsSelf = (user: { id: string }, _args: unknown, ctx: Context) =>
  ctx.viewer.kind === 'user' && ctx.viewer.userId === user.id;

/** Forgets the roles loaded so far in this request, after a mutation that changed them. */
export function reloadAccess(ctx: Context) {
  ctx.access.organizationRole.clearAll();
  ctx.access.projectAccess.clearAll();
}

/** The signed-in person; resolvers behind the `signedIn` scope call this. */
export function signedInViewer(ctx: Context) {
  if (ctx.viewer.kind !== 'user') throw new Error('A resolver behind the signedIn scope ran without a session');
  return ctx.viewer;
}
