import { InvalidCredentialsError, InvalidTokenError } from '../../errors.js';
import { builder } from '../../schema/builder.js';
import { commonErrors } from '../../schema/errors.js';
import { signedInViewer } from '../../schema/scopes.js';
import { EmailSent } from '../accounts/schema.js';
import { changeEmail, confirmEmailChange } from './service.js';

const EmailChanged = builder.objectRef<{ email: string }>('EmailChanged').implement({
  description: 'The account now signs in with the new address; the old one was sent a notice.',
  fields: (t) => ({ email: t.exposeString('email', { description: 'The new address.' }) }),
});

builder.mutationField('changeEmail', (t) =>
  t.field({
    type: EmailSent,
    authScopes: { signedIn: true },
    description:
      'Mails a link to /confirm-email-change?token=… to the new address; the address changes only when it is followed. ' +
      'The answer does not tell whether the address belongs to another account.',
    args: {
      input: t.arg({
        type: builder.inputType('ChangeEmailInput', {
          fields: (f) => ({
            newEmail: f.string(),
            password: f.string({ description: 'The current password.' }),
          }),
        }),
        required: true,
      }),
    },
    errors: { types: [...commonErrors, InvalidCredentialsError] },
    resolve: (_root, { input }, ctx) => changeEmail(ctx.services, ctx.meta, signedInViewer(ctx), input),
  }),
);

builder.mutationField('confirmEmailChange', (t) =>
  t.field({
    type: EmailChanged,
    description: 'Moves the account to the new address with the token from the confirmation link.',
    args: {
      input: t.arg({
        type: builder.inputType('ConfirmEmailChangeInput', {
          fields: (f) => ({ token: f.string({ description: 'The `token` parameter of the link.' }) }),
        }),
        required: true,
      }),
    },
    errors: { types: [...commonErrors, InvalidTokenError] },
    resolve: (_root, { input }, ctx) => confirmEmailChange(ctx.services, ctx.meta, input.token),
  }),
);
