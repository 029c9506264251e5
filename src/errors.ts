// Expected failures, thrown by the feature services and returned to clients as typed members of
// each mutation's result union. Anything else that is thrown is masked and logged. They extend
// GraphQLError so that, where a field has no result union (a query), the client still gets the
// message and `extensions.code` instead of a masked error.
import { GraphQLError } from 'graphql';

export type ErrorCodeValue =
  | 'INVALID_INPUT'
  | 'WEAK_PASSWORD'
  | 'INVALID_CREDENTIALS'
  | 'UNAUTHENTICATED'
  | 'NOT_ALLOWED'
  | 'NOT_FOUND'
  | 'INVALID_TOKEN'
  | 'RATE_LIMITED'
  | 'TWO_FACTOR_REQUIRED'
  | 'INVALID_TWO_FACTOR_CODE'
  | 'CONFLICT'
  | 'TELEGRAM_NOT_LINKED'
  | 'INVALID_TELEGRAM_DATA';

export abstract class AppError extends GraphQLError {
  constructor(
    readonly code: ErrorCodeValue,
    message: string,
  ) {
    super(message, { extensions: { code } });
  }
}

export class InvalidInputError extends AppError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super('INVALID_INPUT', message);
  }
}

export class WeakPasswordError extends AppError {
  constructor(
    readonly reason: 'TOO_SHORT' | 'TOO_LONG' | 'COMMON' | 'CONTAINS_EMAIL',
    message: string,
  ) {
    super('WEAK_PASSWORD', message);
  }
}

export class InvalidCredentialsError extends AppError {
  constructor(message = 'The email address or password is incorrect.') {
    super('INVALID_CREDENTIALS', message);
  }
}

export class UnauthenticatedError extends AppError {
  constructor(message = 'Sign in to do this.') {
    super('UNAUTHENTICATED', message);
  }
}

export class NotAllowedError extends AppError {
  constructor(message = 'You are not allowed to do this.') {
    super('NOT_ALLOWED', message);
  }
}

export class NotFoundError extends AppError {
  constructor(message = 'Nothing was found with that id.') {
    super('NOT_FOUND', message);
  }
}

export class InvalidTokenError extends AppError {
  constructor(message = 'This link is invalid or has expired.') {
    super('INVALID_TOKEN', message);
  }
}

export class RateLimitedError extends AppError {
  constructor(
    readonly retryAfterSeconds: number,
    message = `Too many attempts. Try again in ${retryAfterSeconds} seconds.`,
  ) {
    super('RATE_LIMITED', message);
  }
}

export class TwoFactorRequiredError extends AppError {
  constructor(message = 'Enter a code from your authenticator app or a backup code.') {
    super('TWO_FACTOR_REQUIRED', message);
  }
}

export class InvalidTwoFactorCodeError extends AppError {
  constructor(message = 'The code is incorrect or was already used.') {
    super('INVALID_TWO_FACTOR_CODE', message);
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super('CONFLICT', message);
  }
}

export class TelegramNotLinkedError extends AppError {
  constructor(message = 'No account is linked to this Telegram account. Sign in another way and link it first.') {
    super('TELEGRAM_NOT_LINKED', message);
  }
}

export type TelegramRejection = 'BAD_SIGNATURE' | 'EXPIRED' | 'FROM_THE_FUTURE' | 'ALREADY_USED';

const telegramMessages: Record<TelegramRejection, string> = {
  BAD_SIGNATURE: "The Telegram login data is not signed by this site's bot.",
  EXPIRED: 'The Telegram login data is too old. Log in with Telegram again.',
  FROM_THE_FUTURE: 'The Telegram login data is dated in the future. Check the clock and log in with Telegram again.',
  ALREADY_USED: 'This Telegram login data was already used. Log in with Telegram again.',
};

export class InvalidTelegramDataError extends AppError {
  constructor(
    readonly reason: TelegramRejection,
    message = telegramMessages[reason],
  ) {
    super('INVALID_TELEGRAM_DATA', message);
  }
}
