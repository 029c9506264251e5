import {
  ConflictError,
  InvalidTelegramDataError,
  InvalidTwoFactorCodeError,
  TelegramNotLinkedError,
  TwoFactorRequiredError,
} from '../../errors.js';
import { admitCookie } from '../../http/cookies.js';
import { builder } from '../../schema/builder.js';
import { commonErrors } from '../../schema/errors.js';
import { signedInViewer, viewerIsSelf } from '../../schema/scopes.js';
import { User } from '../accounts/schema.js';
import { secondFactorFields, SignInSuccess } from '../sessions/schema.js';
import { linkTelegram, signInMethods, signInWithTelegram, unlinkTelegram } from './service.js';
import { MAX_AUTH_DATA_FIELDS, MAX_AUTH_DATA_LENGTH } from './verify.js';

const SignInMethod = builder.enumType('SignInMethod', {
  description: 'A way to sign in that clients should offer.',
  values: {
    EMAIL_PASSWORD: { description: 'Email address and password (signInEmailPassword).' },
    TELEGRAM: { description: 'The Telegram Login Widget (signInTelegram).' },
  } as const,
});

builder.queryField('signInMethods', (t) =>
  t.field({
    type: [SignInMethod],
    description:
      'The sign-in methods to show on the sign-in page. TELEGRAM appears only when this server has it on and advertised.',
    resolve: (_root, _args, ctx) => signInMethods(ctx.services),
  }),
);

builder.prismaObjectField('User', 'telegramLinked', (t) =>
  t.boolean({
    description: 'True when a Telegram account is linked and can be used to sign in.',
    authScopes: viewerIsSelf,
    resolve: (user) => user.telegramId !== null,
  }),
);

const authDataDescription =
  'The Telegram Login Widget data, passed on unchanged: either the user object its `data-onauth` ' +
  'callback receives, as a JSON string (`JSON.stringify(user)`), or the query string of its ' +
  '`data-auth-url` redirect (`id=...&first_name=...&auth_date=...&hash=...`). Every field received ' +
  'is covered by the signature, including fields this API does not know, so send all of them and ' +
  `nothing else. At most ${MAX_AUTH_DATA_LENGTH} characters and ${MAX_AUTH_DATA_FIELDS} fields; values ` +
  'are strings or integers. Each piece of data is accepted once, for a few minutes after `auth_date`.';

builder.mutationField('signInTelegram', (t) =>
  t.field({
    type: SignInSuccess,
    description:
      'Signs in to the account linked to a Telegram user, with the second factor in the same call when it is on. ' +
      'Nothing is created for a Telegram user that is not linked. When TWO_FACTOR_REQUIRED or ' +
      'INVALID_TWO_FACTOR_CODE comes back, the same `authData` may be sent again with a code while it is fresh.',
    args: {
      input: t.arg({
        type: builder.inputType('SignInTelegramInput', {
          fields: (f) => ({
            authData: f.string({ description: authDataDescription }),
            code: f.string({ required: false, ...secondFactorFields.code }),
            backupCode: f.string({ required: false, ...secondFactorFields.backupCode }),
          }),
        }),
        required: true,
      }),
    },
    errors: {
      types: [
        ...commonErrors,
        InvalidTelegramDataError,
        TelegramNotLinkedError,
        TwoFactorRequiredError,
        InvalidTwoFactorCodeError,
      ],
    },
    resolve: async (_root, { input }, ctx) => {
      const result = await signInWithTelegram(ctx.services, ctx.meta, input);
      admitCookie(ctx, result.token);
      return result;
    },
  }),
);

builder.mutationField('linkTelegram', (t) =>
  t.prismaField({
    type: User,
    description:
      'Links the Telegram user in `authData` to your account, for signInTelegram. A Telegram user can be linked to ' +
      'one account only, and an account to one Telegram user: to switch, unlink first (CONFLICT otherwise).',
    authScopes: { verified: true },
    args: {
      input: t.arg({
        type: builder.inputType('LinkTelegramInput', {
          fields: (f) => ({ authData: f.string({ description: authDataDescription }) }),
        }),
        required: true,
      }),
    },
    errors: { types: [...commonErrors, InvalidTelegramDataError, ConflictError] },
    resolve: async (query, _root, { input }, ctx) => {
      const viewer = signedInViewer(ctx);
      await linkTelegram(ctx.services, ctx.meta, viewer.userId, input.authData);
      return ctx.services.db.user.findUniqueOrThrow({ ...query, where: { id: viewer.userId } });
    },
  }),
);

builder.mutationField('unlinkTelegram', (t) =>
  t.prismaField({
    type: User,
    description: 'Removes the Telegram link from your account; signing in with that Telegram user stops working.',
    authScopes: { signedIn: true },
    errors: { types: [...commonErrors, TelegramNotLinkedError] },
    resolve: async (query, _root, _args, ctx) => {
      const viewer = signedInViewer(ctx);
      await unlinkTelegram(ctx.services, ctx.meta, viewer.userId);
      return ctx.services.db.user.findUniqueOrThrow({ ...query, where: { id: viewer.userId } });
    },
  }),
);
