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
  | 'CONFLICT';

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
