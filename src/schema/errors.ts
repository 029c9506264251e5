import {
  AppError,
  type ErrorCodeValue,
  ConflictError,
  InvalidCredentialsError,
  InvalidInputError,
  InvalidTelegramDataError,
  InvalidTokenError,
  InvalidTwoFactorCodeError,
  NotAllowedError,
  NotFoundError,
  RateLimitedError,
  TelegramNotLinkedError,
  TwoFactorRequiredError,
  UnauthenticatedError,
  WeakPasswordError,
} from '../errors.js';
import { builder } from './builder.js';

export const ErrorCode = builder.enumType('ErrorCode', {
  description: 'Stable codes of expected failures; clients switch on these (or on __typename).',
  values: [
    'INVALID_INPUT',
    'WEAK_PASSWORD',
    'INVALID_CREDENTIALS',
    'UNAUTHENTICATED',
    'NOT_ALLOWED',
    'NOT_FOUND',
    'INVALID_TOKEN',
    'RATE_LIMITED',
    'TWO_FACTOR_REQUIRED',
    'INVALID_TWO_FACTOR_CODE',
    'CONFLICT',
    'TELEGRAM_NOT_LINKED',
    'INVALID_TELEGRAM_DATA',
  ] as const satisfies readonly ErrorCodeValue[],
});

export const ErrorInterface = builder.interfaceRef<AppError>('Error').implement({
  description: 'An expected failure. Every member of a result union except the success type implements it.',
  fields: (t) => ({
    code: t.field({ type: ErrorCode, resolve: (e) => e.code }),
    message: t.exposeString('message'),
  }),
});

function errorObject(cls: new (message: string) => AppError, name: string, description: string) {
  return builder.objectType(cls, {
    name,
    description,
    interfaces: [ErrorInterface],
    isTypeOf: (value) => value instanceof cls,
  });
}

errorObject(InvalidCredentialsError, 'InvalidCredentialsError', 'The email address or password is wrong.');
errorObject(UnauthenticatedError, 'UnauthenticatedError', 'The request carries no valid session.');
errorObject(NotAllowedError, 'NotAllowedError', "The viewer's role does not allow this.");
errorObject(NotFoundError, 'NotFoundError', 'Nothing the viewer may see has that id.');
errorObject(InvalidTokenError, 'InvalidTokenError', 'A link token is unknown, used, superseded or expired.');
errorObject(TwoFactorRequiredError, 'TwoFactorRequiredError', 'Two-factor is on: send `code` or `backupCode`.');
errorObject(InvalidTwoFactorCodeError, 'InvalidTwoFactorCodeError', 'The code is wrong or was already used.');
errorObject(ConflictError, 'ConflictError', 'The change conflicts with the current state.');
errorObject(
  TelegramNotLinkedError,
  'TelegramNotLinkedError',
  'The Telegram account is not linked to any account (sign-in), or the viewer has none linked (unlink).',
);

builder.objectType(InvalidInputError, {
  name: 'InvalidInputError',
  description: 'An input value is malformed; `field` names it.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof InvalidInputError,
  fields: (t) => ({ field: t.exposeString('field') }),
});

builder.objectType(WeakPasswordError, {
  name: 'WeakPasswordError',
  description: 'The new password is too short, too long, too common or built from the email.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof WeakPasswordError,
  fields: (t) => ({
    reason: t.field({
      type: builder.enumType('WeakPasswordReason', {
        values: ['TOO_SHORT', 'TOO_LONG', 'COMMON', 'CONTAINS_EMAIL'] as const,
      }),
      resolve: (e) => e.reason,
    }),
  }),
});

builder.objectType(RateLimitedError, {
  name: 'RateLimitedError',
  description: 'Too many attempts; nothing was checked. Retry after `retryAfterSeconds`.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof RateLimitedError,
  fields: (t) => ({ retryAfterSeconds: t.exposeInt('retryAfterSeconds') }),
});

builder.objectType(InvalidTelegramDataError, {
  name: 'InvalidTelegramDataError',
  description: 'Telegram login data was well formed but refused; `reason` says why. Nothing was changed.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof InvalidTelegramDataError,
  fields: (t) => ({
    reason: t.field({
      type: builder.enumType('TelegramDataRejection', {
        values: {
          BAD_SIGNATURE: { description: "The hash does not match the fields under this site's bot token." },
          EXPIRED: { description: '`auth_date` is older than the accepted window.' },
          FROM_THE_FUTURE: { description: '`auth_date` is later than the server clock allows.' },
          ALREADY_USED: { description: 'The same signed data was accepted before; each is accepted once.' },
        } as const,
      }),
      resolve: (e) => e.reason,
    }),
  }),
});

/** Failures every mutation can return: bad input, throttling, and a refused scope. */
export const commonErrors = [InvalidInputError, RateLimitedError, UnauthenticatedError, NotAllowedError];
