// Checks data from the Telegram Login Widget the way Telegram's documentation describes it:
//   data-check-string = every received field but `hash`, as `key=value`, sorted by key, joined by "\n"
//   secret key        = SHA-256(bot token), the raw 32 bytes
//   valid             = hex(HMAC-SHA-256(secret key, data-check-string)) equals `hash`
// plus a freshness window on `auth_date`. Everything happens locally; Telegram is never called.
// Nothing here touches the database: marking data as used is the service's job.
import { createHash, createHmac } from 'node:crypto';
import { InvalidInputError, type TelegramRejection } from '../../errors.js';
import { safeEqual } from '../../security/tokens.js';

/** Larger than any real widget payload (a handful of short fields), small enough to parse cheaply. */
export const MAX_AUTH_DATA_LENGTH = 4096;
export const MAX_AUTH_DATA_FIELDS = 20;
/** How far ahead of the server clock `auth_date` may be: clock skew, not a second window. */
export const FUTURE_SKEW_SECONDS = 5;

const KEY = /^[A-Za-z0-9_]{1,64}$/;
// A control character in a value could fake a line break in the data-check-string and make one
// signed set of fields read as another; Telegram never sends one, so they are refused outright.
// eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
const CONTROL = /[\u0000-\u001f\u007f]/;
const DIGITS = /^[1-9]\d{0,19}$/;
const HASH = /^[0-9a-f]{64}$/;

export type AuthFields = ReadonlyMap<string, string>;

export interface CheckedAuthData {
  telegramId: bigint;
  authDate: number;
  /** The received `hash`, which is unique to the signed fields. */
  hash: string;
}

const malformed = (message: string) => new InvalidInputError('authData', message);

function addField(fields: Map<string, string>, key: string, value: string) {
  if (!KEY.test(key)) throw malformed('authData has a field name that Telegram does not use.');
  if (fields.has(key)) throw malformed(`authData has the field "${key}" twice.`);
  if (CONTROL.test(value)) throw malformed(`authData field "${key}" holds a control character.`);
  fields.set(key, value);
  if (fields.size > MAX_AUTH_DATA_FIELDS) throw malformed(`authData has more than ${MAX_AUTH_DATA_FIELDS} fields.`);
}

/**
 * Reads the widget's data, given either as the JSON object its `data-onauth` callback receives
 * or as the query string of its `data-auth-url` redirect. Values must be strings or integers;
 * integers are used in their decimal form, which is how Telegram signs them.
 */
export function parseAuthData(raw: string): AuthFields {
  if (raw.length > MAX_AUTH_DATA_LENGTH) throw malformed(`authData is longer than ${MAX_AUTH_DATA_LENGTH} characters.`);
  const text = raw.trim();
  const fields = new Map<string, string>();

  if (text.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw malformed('authData is not valid JSON.');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw malformed('authData must be a JSON object.');
    }
    for (const [key, value] of Object.entries(parsed)) {
      if (typeof value === 'string') addField(fields, key, value);
      else if (typeof value === 'number' && Number.isSafeInteger(value)) addField(fields, key, String(value));
      else throw malformed(`authData field "${key}" must be a string or an integer.`);
    }
  } else {
    const query = text.startsWith('?') ? text.slice(1) : text;
    if (!query.includes('=')) throw malformed('authData must be a JSON object or a query string.');
    for (const part of query.split('&')) {
      if (part === '') continue;
      const at = part.indexOf('=');
      if (at <= 0) throw malformed('authData is not a valid query string.');
      let key: string;
      let value: string;
      try {
        key = decodeURIComponent(part.slice(0, at).replace(/\+/g, ' '));
        value = decodeURIComponent(part.slice(at + 1).replace(/\+/g, ' '));
      } catch {
        throw malformed('authData is not a valid query string.');
      }
      addField(fields, key, value);
    }
  }

  for (const required of ['id', 'auth_date', 'hash']) {
    if (!fields.has(required)) throw malformed(`authData has no "${required}" field.`);
  }
  // Telegram user ids have at most 52 significant bits; the column is a signed 64-bit integer.
  const id = fields.get('id')!;
  if (!DIGITS.test(id) || BigInt(id) > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw malformed('authData "id" must be a Telegram user id (a positive integer).');
  }
  if (!DIGITS.test(fields.get('auth_date')!)) throw malformed('authData "auth_date" must be a Unix time in seconds.');
  return fields;
}

export function dataCheckString(fields: AuthFields): string {
  return [...fields.keys()]
    .filter((key) => key !== 'hash')
    .sort()
    .map((key) => `${key}=${fields.get(key)}`)
    .join('\n');
}

/** The signature Telegram's Login Widget puts in `hash` for these fields under this bot token. */
export function signLoginData(fields: AuthFields, botToken: string): string {
  const secret = createHash('sha256').update(botToken, 'utf8').digest();
  return createHmac('sha256', secret).update(dataCheckString(fields), 'utf8').digest('hex');
}

/**
 * Checks the signature over exactly the fields received, then the age of `auth_date`. The
 * signature comes first so that nothing is said about the dates of forged data.
 */
export function checkAuthData(
  fields: AuthFields,
  options: { botToken: string; now: Date; maxAgeSeconds: number },
): { ok: true; data: CheckedAuthData } | { ok: false; reason: TelegramRejection } {
  const hash = fields.get('hash') ?? '';
  // Telegram sends 64 lower-case hex digits; anything else cannot match and is refused as is.
  const expected = signLoginData(fields, options.botToken);
  if (!HASH.test(hash) || !safeEqual(Buffer.from(expected, 'utf8'), Buffer.from(hash, 'utf8'))) {
    return { ok: false, reason: 'BAD_SIGNATURE' };
  }

  const authDate = Number(fields.get('auth_date'));
  const nowSeconds = Math.floor(options.now.getTime() / 1000);
  if (!Number.isSafeInteger(authDate) || authDate > nowSeconds + FUTURE_SKEW_SECONDS) {
    return { ok: false, reason: 'FROM_THE_FUTURE' };
  }
  if (nowSeconds - authDate > options.maxAgeSeconds) return { ok: false, reason: 'EXPIRED' };

  return { ok: true, data: { telegramId: BigInt(fields.get('id')!), authDate, hash } };
}
