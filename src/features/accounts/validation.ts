import { InvalidInputError, WeakPasswordError } from '../../errors.js';
import { checkPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../security/passwords.js';

const EMAIL_MAX_LENGTH = 254; // RFC 5321 path limit
const NAME_MAX_LENGTH = 100;
// Control characters (NUL included) have no place in an address or a display name.
// eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// Deliberately loose: one @, no spaces, a dot in the domain. The confirmation mail is the real test.
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
// Text that was not well-formed on the wire: a lone surrogate (sent as a \ud800 JSON escape) or
// U+FFFD, which the body decoder puts in place of invalid UTF-8 bytes. Written to the database,
// either would become U+FFFD and no longer be the text that was checked.
const ILL_FORMED = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|\ufffd/;

/**
 * The one form of an address that is stored and compared: trimmed, Unicode NFKC (so that
 * compatibility variants such as fullwidth letters fold together) and lower case.
 */
export function normalizeEmail(raw: string, field = 'email'): string {
  if (raw.length > EMAIL_MAX_LENGTH * 4) throw new InvalidInputError(field, 'The email address is too long.');
  const email = raw.trim().normalize('NFKC').toLowerCase();
  if (email.length > EMAIL_MAX_LENGTH) throw new InvalidInputError(field, 'The email address is too long.');
  if (CONTROL.test(email) || ILL_FORMED.test(email) || !EMAIL_SHAPE.test(email)) {
    throw new InvalidInputError(field, 'Enter a valid email address.');
  }
  return email;
}

export function validateName(raw: string, field = 'name'): string {
  const name = raw.trim().normalize('NFC');
  if (name.length === 0) throw new InvalidInputError(field, 'The name cannot be empty.');
  if (name.length > NAME_MAX_LENGTH) {
    throw new InvalidInputError(field, `The name can have at most ${NAME_MAX_LENGTH} characters.`);
  }
  if (CONTROL.test(name)) throw new InvalidInputError(field, 'The name contains control characters.');
  if (ILL_FORMED.test(name)) throw new InvalidInputError(field, 'The name contains invalid characters.');
  return name;
}

/** Checks a password that is about to be set. It is used exactly as typed: never trimmed. */
export function validateNewPassword(password: string, email: string, field = 'password'): void {
  if (ILL_FORMED.test(password)) throw new InvalidInputError(field, 'The password contains invalid characters.');
  switch (checkPassword(password, email)) {
    case 'TOO_SHORT':
      throw new WeakPasswordError('TOO_SHORT', `Use at least ${PASSWORD_MIN_LENGTH} characters.`);
    case 'TOO_LONG':
      throw new WeakPasswordError('TOO_LONG', `Use at most ${PASSWORD_MAX_LENGTH} characters.`);
    case 'COMMON':
      throw new WeakPasswordError('COMMON', 'This password is too common; choose another.');
    case 'CONTAINS_EMAIL':
      throw new WeakPasswordError('CONTAINS_EMAIL', 'The password must not contain your email address.');
    default:
  }
}

/** A password being checked against a stored hash: bounded, so huge inputs never reach argon2. */
export function isCheckablePassword(password: string): boolean {
  return (
    password.length > 0 && password.length <= PASSWORD_MAX_LENGTH * 4 && [...password].length <= PASSWORD_MAX_LENGTH
  );
}
