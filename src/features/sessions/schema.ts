import {
  InvalidCredentialsError,
  InvalidTwoFactorCodeError,
  NotFoundError,
  TwoFactorRequiredError,
} from '../../errors.js';
import { admitCookie } from '../../http/cookies.js';
import { signInWithPassword } from '../../security/gate.js';
import { builder } from '../../schema/builder.js';
import { commonErrors } from '../../schema/errors.js';
import { decodeId } from '../../schema/ids.js';
import { signedInViewer, viewerIsSelf } from '../../schema/scopes.js';
import { User } from '../accounts/schema.js';
import { listLiveSessions, revokeSession, revokeSessions, SESSION_COOKIE } from './service.js';
import { recordAuditEvent } from '../audit/service.js';

export const Session = builder.prismaNode('Session', {
  id: { field: 'id' },
  description: 'A signed-in device or browser.',
  fields: (t) => ({
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime' }),
    expiresAt: t.expose('expiresAt', {
      type: 'DateTime',
      description: 'The absolute expiry; idle expiry may come first.',
    }),
    ip: t.exposeString('ip', { nullable: true }),
    userAgent: t.exposeString('userAgent', { nullable: true }),
    current: t.boolean({
      description: 'True for the session this request is made with.',
      resolve: (session, _args, ctx) => ctx.viewer.kind === 'user' && ctx.viewer.sessionId === session.id,
    }),
  }),
});

builder.prismaObjectField('User', 'sessions', (t) =>
  t.field({
    type: [Session],
    description: 'Live sessions, most recently used first (at most 100).',
    authScopes: viewerIsSelf,
    resolve: (user, _args, ctx) => listLiveSessions(ctx.services, user.id),
  }),
);

export const SignInSuccess = builder
  .objectRef<{ token: string; session: typeof Session.$inferType; user: typeof User.$inferType }>('SignInSuccess')
  .implement({
    description:
      'A new session. Send `token` as `Authorization: Bearer <token>`; browsers also get it as an HttpOnly cookie.',
    fields: (t) => ({
      token: t.exposeString('token', { description: 'Shown once; only its hash is stored.' }),
      session: t.field({ type: Session, resolve: (r) => r.session }),
      user: t.field({ type: User, resolve: (r) => r.user }),
    }),
  });

export const secondFactorFields = {
  code: { description: 'A current code from the authenticator app, when two-factor is on.' },
  backupCode: { description: 'A one-time backup code instead of `code`.' },
};

builder.mutationField('signInEmailPassword', (t) =>
  t.field({
    type: SignInSuccess,
    description: 'Signs in with email and password, and the second factor in the same call when it is on.',
    args: {
      input: t.arg({
        type: builder.inputType('SignInEmailPasswordInput', {
          fields: (f) => ({
            email: f.string(),
            password: f.string(),
            code: f.string({ required: false, ...secondFactorFields.code }),
            backupCode: f.string({ required: false, ...secondFactorFields.backupCode }),
          }),
        }),
        required: true,
      }),
    },
    errors: {
      types: [...commonErrors, InvalidCredentialsError, TwoFactorRequiredError, InvalidTwoFactorCodeError],
    },
    resolve: async (_root, { input }, ctx) => {
      const result = await signInWithPassword(ctx.services, ctx.meta, input);
      admitCookie(ctx, result.token);
      return result;
    },
  }),
);

const SignedOut = builder.objectRef<{ sessionsEnded: number }>('SignedOut').implement({
  fields: (t) => ({ sessionsEnded: t.exposeInt('sessionsEnded') }),
});

builder.mutationField('signOut', (t) =>
  t.field({
    type: SignedOut,
    description: 'Ends the session this request is made with.',
    authScopes: { signedIn: true },
    errors: { types: commonErrors },
    resolve: async (_root, _args, ctx) => {
      const viewer = signedInViewer(ctx);
      await revokeSession(ctx.services, ctx.meta, viewer.userId, viewer.sessionId);
      ctx.cookies.push({ name: SESSION_COOKIE, value: '', maxAgeSeconds: 0 });
      return { sessionsEnded: 1 };
    },
  }),
);

builder.mutationField('revokeSession', (t) =>
  t.field({
    type: SignedOut,
    description: 'Ends one of your sessions.',
    authScopes: { signedIn: true },
    args: {
      input: t.arg({
        type: builder.inputType('RevokeSessionInput', { fields: (f) => ({ sessionId: f.id() }) }),
        required: true,
      }),
    },
    errors: { types: [...commonErrors, NotFoundError] },
    resolve: async (_root, { input }, ctx) => {
      const viewer = signedInViewer(ctx);
      const id = decodeId(input.sessionId, 'Session');
      if (!id || !(await revokeSession(ctx.services, ctx.meta, viewer.userId, id))) throw new NotFoundError();
      return { sessionsEnded: 1 };
    },
  }),
);

builder.mutationField('revokeOtherSessions', (t) =>
  t.field({
    type: SignedOut,
    description: 'Ends every session of the account except this one.',
    authScopes: { signedIn: true },
    errors: { types: commonErrors },
    resolve: async (_root, _args, ctx) => {
      const viewer = signedInViewer(ctx);
      const sessionsEnded = await revokeSessions(ctx.services, viewer.userId, viewer.sessionId);
      await recordAuditEvent(ctx.services.db, ctx.meta, {
        action: 'session.others_revoked',
        actorId: viewer.userId,
        targetType: 'User',
        targetId: viewer.userId,
        metadata: { sessionsEnded },
      });
      return { sessionsEnded };
    },
  }),
);
