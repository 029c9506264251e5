import {
  InvalidTokenError,
  InvalidTwoFactorCodeError,
  TwoFactorRequiredError,
  WeakPasswordError,
} from '../../errors.js';
import { builder } from '../../schema/builder.js';
import { commonErrors } from '../../schema/errors.js';
import { EmailSent } from '../accounts/schema.js';
import { secondFactorFields } from '../sessions/schema.js';
import { completePasswordReset, initPasswordReset } from './service.js';

const PasswordResetComplete = builder.objectRef<{ email: string }>('PasswordResetComplete').implement({
  description: 'The password was replaced and every session of the account ended. Sign in with the new password.',
  fields: (t) => ({ email: t.exposeString('email', { description: 'The address of the account.' }) }),
});

builder.mutationField('initPasswordReset', (t) =>
  t.field({
    type: EmailSent,
    description: `Mails a link to /reset-password?token=… if the address has an account; the answer is the same either way.`,
    args: {
      input: t.arg({
        type: builder.inputType('InitPasswordResetInput', { fields: (f) => ({ email: f.string() }) }),
        required: true,
      }),
    },
    errors: { types: commonErrors },
    resolve: (_root, { input }, ctx) => initPasswordReset(ctx.services, ctx.meta, input.email),
  }),
);

builder.mutationField('completePasswordReset', (t) =>
  t.field({
    type: PasswordResetComplete,
    description:
      'Sets a new password with the token from a reset link, and the second factor when two-factor is on. ' +
      'Ends every session; does not sign in.',
    args: {
      input: t.arg({
        type: builder.inputType('CompletePasswordResetInput', {
          fields: (f) => ({
            token: f.string({ description: 'The `token` parameter of the link.' }),
            newPassword: f.string({ description: 'At least 8 characters, at most 256; used exactly as typed.' }),
            code: f.string({ required: false, ...secondFactorFields.code }),
            backupCode: f.string({ required: false, ...secondFactorFields.backupCode }),
          }),
        }),
        required: true,
      }),
    },
    errors: {
      types: [...commonErrors, InvalidTokenError, WeakPasswordError, TwoFactorRequiredError, InvalidTwoFactorCodeError],
    },
    resolve: (_root, { input }, ctx) => completePasswordReset(ctx.services, ctx.meta, input),
  }),
);
