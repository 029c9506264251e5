// Telegram Login Widget data signed here from scratch, exactly as Telegram signs it, and the
// GraphQL documents the Telegram tests share.
import { createHash, createHmac, randomInt } from 'node:crypto';
import { expect } from 'vitest';
import type { TestServer } from './harness.js';

export const BOT_TOKEN = '123456:TEST-test-token-for-signing-0123456789';

export type Fields = Record<string, string | number>;
export const loginWidgetKey = (token = BOT_TOKEN) => createHash('sha256').update(token).digest();
export const miniAppKey = (token = BOT_TOKEN) => createHmac('sha256', 'WebAppData').update(token).digest();

export function sign(fields: Fields, key: Buffer = loginWidgetKey()): Fields {
  const checkString = Object.keys(fields)
    .sort()
    .map((k) => `${k}=${fields[k]}`)
    .join('\n');
  return { ...fields, hash: createHmac('sha256', key).update(checkString).digest('hex') };
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);
export const newTelegramId = () => randomInt(100_000_000, 2 ** 40);

// Telegram's data for one user differs only by `auth_date`, in whole seconds. So that two pieces
// made within one second differ, each new one for an id is dated a second before the last.
const lastAuthDate = new Map<number, number>();
function freshAuthDate(id: number) {
  const date = Math.min(nowSeconds(), (lastAuthDate.get(id) ?? Infinity) - 1);
  lastAuthDate.set(id, date);
  return date;
}

/** What the widget hands to its `data-onauth` callback, as JSON. */
export function widgetData(id: number, extra: Fields = {}, key?: Buffer) {
  const fields = {
    id,
    first_name: 'Ada',
    last_name: 'Lovelace',
    username: 'ada_l',
    auth_date: freshAuthDate(id),
    ...extra,
  };
  return JSON.stringify(sign(fields, key));
}

export const asQueryString = (json: string) =>
  new URLSearchParams(Object.entries(JSON.parse(json) as Fields).map(([k, v]) => [k, String(v)])).toString();

// ---- GraphQL documents ----

export const SIGN_IN_TELEGRAM = /* GraphQL */ `
  mutation SignInTelegram($input: SignInTelegramInput!) {
    signInTelegram(input: $input) {
      __typename
      ... on SignInSuccess {
        token
        session {
          id
          current
        }
        user {
          id
          email
        }
      }
      ... on Error {
        code
        message
      }
      ... on InvalidTelegramDataError {
        reason
      }
      ... on InvalidInputError {
        field
      }
    }
  }
`;
export const LINK = /* GraphQL */ `
  mutation Link($authData: String!) {
    linkTelegram(input: { authData: $authData }) {
      __typename
      ... on User {
        id
        telegramLinked
      }
      ... on Error {
        code
        message
      }
      ... on InvalidTelegramDataError {
        reason
      }
    }
  }
`;
export const UNLINK = /* GraphQL */ `
  mutation {
    unlinkTelegram {
      __typename
      ... on User {
        telegramLinked
      }
      ... on Error {
        code
        message
      }
    }
  }
`;
export const ME_TELEGRAM = /* GraphQL */ `
  query {
    me {
      email
      telegramLinked
    }
  }
`;
export const METHODS = /* GraphQL */ `
  query {
    signInMethods
  }
`;

export async function signInTelegram(
  s: TestServer,
  authData: string,
  extra: { code?: string; backupCode?: string } = {},
) {
  const res = await s.gql(SIGN_IN_TELEGRAM, { input: { authData, ...extra } });
  expect(res.errors).toBeUndefined();
  return { result: res.data.signInTelegram, headers: res.headers };
}

export async function link(s: TestServer, token: string, authData: string) {
  const res = await s.gql(LINK, { authData }, { token });
  expect(res.errors).toBeUndefined();
  return res.data.linkTelegram;
}
