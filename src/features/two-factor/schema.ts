import { InvalidCredentialsError, InvalidTwoFactorCodeError, TwoFactorRequiredError } from '../../errors.js';
import { builder } from '../../schema/builder.js';
import { commonErrors } from '../../schema/errors.js';
import { signedInViewer } from '../../schema/scopes.js';
import { User } from '../accounts/schema.js';
import { secondFactorFields } from '../sessions/schema.js';
import { activateTwoFactor, disableTwoFactor, regenerateBackupCodes, setupTwoFactor } from './service.js';

const TwoFactorSetup = builder
  .objectRef<{ secret: string; uri: string; qrCodeSvg: string; qrCodePng: string }>('TwoFactorSetup')
  .implement({
    description: 'A pending secret. Scan the QR code, then confirm with activateTwoFactor.',
    fields: (t) => ({
      secret: t.exposeString('secret', { description: 'Base32, for typing into an app by hand.' }),
      uri: t.exposeString('uri', { description: 'The otpauth:// URI the QR code holds.' }),
      qrCodeSvg: t.exposeString('qrCodeSvg', { description: 'The QR code as an SVG document.' }),
      qrCodePng: t.exposeString('qrCodePng', { description: 'The QR code as a data:image/png;base64 URL.' }),
    }),
  });

const BackupCodes = builder
  .objectRef<{ backupCodes: string[]; user: typeof User.$inferType }>('BackupCodes')
  .implement({
    description: 'Fresh one-time backup codes, shown only this once. Every older code stopped working.',
    fields: (t) => ({
      backupCodes: t.exposeStringList('backupCodes'),
      user: t.field({ type: User, resolve: (r) => r.user }),
    }),
  });

const codeErrors = [...commonErrors, InvalidTwoFactorCodeError];

builder.mutationField('setupTwoFactor', (t) =>
  t.field({
    type: TwoFactorSetup,
    authScopes: { verified: true },
    description: 'Creates a pending TOTP secret. With two-factor already on, `code` (current) is required too.',
    args: {
      input: t.arg({
        type: builder.inputType('SetupTwoFactorInput', {
          fields: (f) => ({ password: f.string(), code: f.string({ required: false, ...secondFactorFields.code }) }),
        }),
        required: true,
      }),
    },
    errors: { types: [...codeErrors, InvalidCredentialsError, TwoFactorRequiredError] },
    resolve: (_root, { input }, ctx) => setupTwoFactor(ctx.services, ctx.meta, signedInViewer(ctx).userId, input),
  }),
);

builder.mutationField('activateTwoFactor', (t) =>
  t.field({
    type: BackupCodes,
    authScopes: { verified: true },
    description: 'Confirms the pending secret with a current code and turns two-factor on.',
    args: {
      input: t.arg({
        type: builder.inputType('ActivateTwoFactorInput', { fields: (f) => ({ code: f.string() }) }),
        required: true,
      }),
    },
    errors: { types: codeErrors },
    resolve: async (_root, { input }, ctx) => {
      const { userId } = signedInViewer(ctx);
      const backupCodes = await activateTwoFactor(ctx.services, ctx.meta, userId, input.code);
      return { backupCodes, user: await ctx.services.db.user.findUniqueOrThrow({ where: { id: userId } }) };
    },
  }),
);

builder.mutationField('regenerateBackupCodes', (t) =>
  t.field({
    type: BackupCodes,
    authScopes: { signedIn: true },
    description: 'Replaces every backup code with a fresh set; needs a current TOTP code.',
    args: {
      input: t.arg({
        type: builder.inputType('RegenerateBackupCodesInput', { fields: (f) => ({ code: f.string() }) }),
        required: true,
      }),
    },
    errors: { types: [...codeErrors, TwoFactorRequiredError] },
    resolve: async (_root, { input }, ctx) => {
      const { userId } = signedInViewer(ctx);
      const backupCodes = await regenerateBackupCodes(ctx.services, ctx.meta, userId, input.code);
      return { backupCodes, user: await ctx.services.db.user.findUniqueOrThrow({ where: { id: userId } }) };
    },
  }),
);

builder.mutationField('disableTwoFactor', (t) =>
  t.field({
    type: User,
    authScopes: { signedIn: true },
    description: 'Turns two-factor off, deletes the secret and codes, and ends every other session.',
    args: {
      input: t.arg({
        type: builder.inputType('DisableTwoFactorInput', {
          fields: (f) => ({
            password: f.string(),
            code: f.string({ required: false, ...secondFactorFields.code }),
            backupCode: f.string({ required: false, ...secondFactorFields.backupCode }),
          }),
        }),
        required: true,
      }),
    },
    errors: { types: [...codeErrors, InvalidCredentialsError, TwoFactorRequiredError] },
    resolve: (_root, { input }, ctx) => disableTwoFactor(ctx.services, ctx.meta, signedInViewer(ctx), input),
  }),
);
