import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { totpCode } from '../src/features/two-factor/totp.js';
import { startServer, type TestServer } from './harness.js';
import { createAccount } from './flows.js';
import {
  asQueryString,
  BOT_TOKEN,
  type Fields,
  link,
  LINK,
  loginWidgetKey,
  ME_TELEGRAM,
  METHODS,
  miniAppKey,
  newTelegramId,
  nowSeconds,
  sign,
  signInTelegram,
  UNLINK,
  widgetData,
} from './telegram-support.js';

// The servers with Telegram off and with a small rate limit live in telegram-off.test.ts and
// telegram-limits.test.ts: one server per file, as elsewhere in the suite.
let server: TestServer;
beforeAll(async () => {
  server = await startServer({ env: { TELEGRAM_BOT_TOKEN: BOT_TOKEN, TELEGRAM_ADVERTISED: 'true' } });
});
afterAll(() => server?.close());

/** An account with a fresh Telegram id linked to it. */
async function linkedAccount() {
  const account = await createAccount(server);
  const telegramId = newTelegramId();
  expect(await link(server, account.token, widgetData(telegramId))).toMatchObject({
    __typename: 'User',
    telegramLinked: true,
  });
  return { ...account, telegramId };
}

const sessionCount = (userId: string) => server.services.db.session.count({ where: { userId } });
const rejections = (reason: string) =>
  server.services.db.auditEvent.count({
    where: { action: 'telegram.payload_rejected', metadata: { path: ['reason'], equals: reason } },
  });

describe('signInMethods', () => {
  it('offers Telegram only when the bot token is set and Telegram is advertised', async () => {
    expect((await server.gql(METHODS)).data.signInMethods).toEqual(['EMAIL_PASSWORD', 'TELEGRAM']);
    const base = { NODE_ENV: 'test' as const };
    expect(loadConfig({ ...base, TELEGRAM_BOT_TOKEN: BOT_TOKEN }).telegram.advertised).toBe(false);
    expect(loadConfig({ ...base, TELEGRAM_ADVERTISED: 'true' }).telegram.advertised).toBe(false);
    expect(loadConfig({ ...base, TELEGRAM_BOT_TOKEN: BOT_TOKEN, TELEGRAM_ADVERTISED: '1' }).telegram).toEqual({
      botToken: BOT_TOKEN,
      advertised: true,
      maxAgeSeconds: 300,
    });
  });

  it('refuses a bot token of the wrong shape at start', () => {
    for (const bad of [
      'not-a-token',
      '123456:short',
      'abc:TEST-test-token-for-signing-0123456789',
      '123:has spaces in it 0123456789abcdefghijkl',
    ]) {
      expect(() => loadConfig({ NODE_ENV: 'test', TELEGRAM_BOT_TOKEN: bad })).toThrow(/TELEGRAM_BOT_TOKEN/);
    }
  });
});

describe('signing in with Telegram', () => {
  it('signs in to the linked account with valid widget data, as JSON or as a query string', async () => {
    const { userId, email, telegramId } = await linkedAccount();
    const { result, headers } = await signInTelegram(
      server,
      widgetData(telegramId, { photo_url: 'https://t.me/i/userpic/320/ada.jpg' }),
    );
    expect(result).toMatchObject({ __typename: 'SignInSuccess', user: { email } });
    expect(headers.get('set-cookie')).toContain(`suward_session=${result.token}`);
    expect((await server.gql(ME_TELEGRAM, {}, { token: result.token })).data.me).toEqual({
      email,
      telegramLinked: true,
    });

    const viaQuery = await signInTelegram(server, asQueryString(widgetData(telegramId)));
    expect(viaQuery.result.__typename).toBe('SignInSuccess');

    const event = await server.services.db.auditEvent.findFirstOrThrow({
      where: { actorId: userId, action: 'session.signed_in' },
      orderBy: { createdAt: 'desc' },
    });
    expect(event.metadata).toMatchObject({ method: 'telegram', secondFactor: null });
  });

  it('refuses a random hash and data with one field edited, added or removed', async () => {
    const { userId, telegramId } = await linkedAccount();
    const before = await sessionCount(userId);
    const valid = JSON.parse(widgetData(telegramId)) as Fields;
    const { hash, ...unsigned } = valid;
    const cases: Fields[] = [
      { ...valid, hash: createHash('sha256').update('random').digest('hex') },
      { ...valid, hash: String(hash).toUpperCase() },
      { ...valid, first_name: 'Eve' },
      { ...valid, id: telegramId + 1 },
      { ...valid, auth_date: Number(valid.auth_date) - 1 },
      { ...valid, is_admin: 'true' },
      { ...valid, photo_url: 'https://example.com/eve.jpg' },
      Object.fromEntries(Object.entries(valid).filter(([k]) => k !== 'username')),
      Object.fromEntries(Object.entries(valid).filter(([k]) => k !== 'last_name')),
    ];
    for (const fields of cases) {
      const { result } = await signInTelegram(server, JSON.stringify(fields));
      expect(result, JSON.stringify(fields)).toMatchObject({
        __typename: 'InvalidTelegramDataError',
        reason: 'BAD_SIGNATURE',
      });
    }
    // The unaltered data still works: nothing above spent it.
    expect((await signInTelegram(server, JSON.stringify({ ...unsigned, hash }))).result.__typename).toBe(
      'SignInSuccess',
    );
    expect(await sessionCount(userId)).toBe(before + 1);
    expect(await rejections('bad_signature')).toBeGreaterThanOrEqual(cases.length);
  });

  it('accepts unknown fields Telegram signed, since every received field is checked', async () => {
    const { telegramId } = await linkedAccount();
    const { result } = await signInTelegram(
      server,
      widgetData(telegramId, { allows_write_to_pm: 'true', language: 'en' }),
    );
    expect(result.__typename).toBe('SignInSuccess');
  });

  it('refuses stale data and data dated in the future, and allows a few seconds of clock skew', async () => {
    const { telegramId } = await linkedAccount();
    const maxAge = server.config.telegram.maxAgeSeconds;
    const stale = await signInTelegram(server, widgetData(telegramId, { auth_date: nowSeconds() - maxAge - 2 }));
    expect(stale.result).toMatchObject({
      __typename: 'InvalidTelegramDataError',
      code: 'INVALID_TELEGRAM_DATA',
      reason: 'EXPIRED',
    });
    const future = await signInTelegram(server, widgetData(telegramId, { auth_date: nowSeconds() + 60 }));
    expect(future.result).toMatchObject({ __typename: 'InvalidTelegramDataError', reason: 'FROM_THE_FUTURE' });
    const skewed = await signInTelegram(server, widgetData(telegramId, { auth_date: nowSeconds() + 2 }));
    expect(skewed.result.__typename).toBe('SignInSuccess');
    const old = await signInTelegram(server, widgetData(telegramId, { auth_date: nowSeconds() - maxAge + 10 }));
    expect(old.result.__typename).toBe('SignInSuccess');
    expect(await rejections('expired')).toBeGreaterThanOrEqual(1);
    expect(await rejections('from_the_future')).toBeGreaterThanOrEqual(1);
  });

  it('refuses data signed with the Mini App scheme or with another bot token', async () => {
    const { telegramId } = await linkedAccount();
    const miniApp = await signInTelegram(server, widgetData(telegramId, {}, miniAppKey()));
    expect(miniApp.result).toMatchObject({ __typename: 'InvalidTelegramDataError', reason: 'BAD_SIGNATURE' });
    const otherBot = widgetData(telegramId, {}, loginWidgetKey('654321:ANOTHER-bot-token-for-signing-98765'));
    expect((await signInTelegram(server, otherBot)).result.reason).toBe('BAD_SIGNATURE');
  });

  it('accepts each piece of data once, even when it is sent twice at the same moment', async () => {
    const { userId, telegramId } = await linkedAccount();
    const data = widgetData(telegramId);
    expect((await signInTelegram(server, data)).result.__typename).toBe('SignInSuccess');
    const replay = await signInTelegram(server, data);
    expect(replay.result).toMatchObject({ __typename: 'InvalidTelegramDataError', reason: 'ALREADY_USED' });
    // The query-string form of the same data is the same data.
    expect((await signInTelegram(server, asQueryString(data))).result.reason).toBe('ALREADY_USED');

    const before = await sessionCount(userId);
    const racing = widgetData(telegramId);
    const results = await Promise.all(Array.from({ length: 5 }, () => signInTelegram(server, racing)));
    const names = results.map((r) => r.result.__typename);
    expect(names.filter((n) => n === 'SignInSuccess')).toHaveLength(1);
    expect(names.filter((n) => n === 'InvalidTelegramDataError')).toHaveLength(4);
    expect(await sessionCount(userId)).toBe(before + 1);
    expect(await rejections('already_used')).toBeGreaterThanOrEqual(5);
  });

  it('refuses a Telegram user that is not linked, and creates nothing', async () => {
    const users = await server.services.db.user.count();
    const sessions = await server.services.db.session.count();
    const { result } = await signInTelegram(server, widgetData(newTelegramId()));
    expect(result).toMatchObject({ __typename: 'TelegramNotLinkedError', code: 'TELEGRAM_NOT_LINKED' });
    expect(await server.services.db.user.count()).toBe(users);
    expect(await server.services.db.session.count()).toBe(sessions);
    expect(await rejections('not_linked')).toBeGreaterThanOrEqual(1);
  });

  it('refuses malformed and oversized authData with INVALID_INPUT', async () => {
    const { telegramId } = await linkedAccount();
    const valid = JSON.parse(widgetData(telegramId)) as Fields;
    const { hash: _hash, ...unsigned } = valid;
    const padded = sign({ ...unsigned, first_name: 'A'.repeat(5000) });
    const manyFields = sign({
      ...unsigned,
      ...Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`f${i}`, 'x'])),
    });
    const cases = [
      JSON.stringify(padded),
      'x'.repeat(90_000),
      JSON.stringify(manyFields),
      'not json and not a query string',
      '{"id": 1,',
      '[1,2,3]',
      JSON.stringify({ ...valid, extra: { nested: true } }),
      JSON.stringify({ ...valid, extra: null }),
      JSON.stringify({ ...valid, extra: 1.5 }),
      JSON.stringify({ ...valid, 'bad key': 'x' }),
      JSON.stringify(sign({ ...unsigned, first_name: 'Ada\nid=1' })),
      JSON.stringify(unsigned),
      JSON.stringify({ ...valid, id: 'ada_l' }),
      JSON.stringify({ ...valid, id: -5 }),
      JSON.stringify({ ...valid, auth_date: 'yesterday' }),
      `${asQueryString(JSON.stringify(valid))}&id=${telegramId}`,
    ];
    for (const authData of cases) {
      const { result } = await signInTelegram(server, authData);
      expect(result, authData.slice(0, 100)).toMatchObject({
        __typename: 'InvalidInputError',
        code: 'INVALID_INPUT',
        field: 'authData',
      });
    }
    expect((await signInTelegram(server, JSON.stringify(valid))).result.__typename).toBe('SignInSuccess');
  });
});

describe('two-factor with Telegram', () => {
  const SETUP = `mutation($input: SetupTwoFactorInput!) { setupTwoFactor(input: $input) { __typename ... on TwoFactorSetup { secret } } }`;
  const ACTIVATE = `mutation($input: ActivateTwoFactorInput!) {
    activateTwoFactor(input: $input) { __typename ... on BackupCodes { backupCodes } ... on Error { code } }
  }`;

  it('asks for the second factor exactly like password sign-in, and lets the same data through with a code', async () => {
    const { userId, password, token, telegramId } = await linkedAccount();
    const setup = await server.gql(SETUP, { input: { password } }, { token });
    const secret = setup.data.setupTwoFactor.secret as string;
    const activated = await server.gql(ACTIVATE, { input: { code: await totpCode(secret, new Date()) } }, { token });
    const backupCodes = activated.data.activateTwoFactor.backupCodes as string[];
    expect(backupCodes.length).toBeGreaterThan(0);
    const before = await sessionCount(userId);

    const data = widgetData(telegramId);
    const missing = await signInTelegram(server, data);
    expect(missing.result).toMatchObject({ __typename: 'TwoFactorRequiredError', code: 'TWO_FACTOR_REQUIRED' });
    expect(missing.headers.get('set-cookie')).toBeNull();
    expect(await sessionCount(userId)).toBe(before);

    const wrong = await signInTelegram(server, data, { code: '000000' });
    expect(wrong.result).toMatchObject({ __typename: 'InvalidTwoFactorCodeError', code: 'INVALID_TWO_FACTOR_CODE' });
    expect(await sessionCount(userId)).toBe(before);

    // The activation spent the current time step, so the next step's code is the fresh one.
    const code = await totpCode(secret, new Date(Date.now() + 30_000));
    const ok = await signInTelegram(server, data, { code });
    expect(ok.result.__typename).toBe('SignInSuccess');
    expect(await sessionCount(userId)).toBe(before + 1);
    const event = await server.services.db.auditEvent.findFirstOrThrow({
      where: { actorId: userId, action: 'session.signed_in' },
      orderBy: { createdAt: 'desc' },
    });
    expect(event.metadata).toMatchObject({ method: 'telegram', secondFactor: 'totp' });

    // Spent now, whatever second factor comes with it.
    const replay = await signInTelegram(server, data, { backupCode: backupCodes[0] });
    expect(replay.result).toMatchObject({ __typename: 'InvalidTelegramDataError', reason: 'ALREADY_USED' });
    const remaining = await server.services.db.backupCode.count({ where: { userId, usedAt: null } });
    expect(remaining).toBe(backupCodes.length);

    const withBackup = await signInTelegram(server, widgetData(telegramId), { backupCode: backupCodes[0] });
    expect(withBackup.result.__typename).toBe('SignInSuccess');
    expect(await sessionCount(userId)).toBe(before + 2);
  });
});

describe('linking and unlinking', () => {
  it('refuses to link a Telegram user already linked to another account', async () => {
    const first = await linkedAccount();
    const second = await createAccount(server);
    const res = await link(server, second.token, widgetData(first.telegramId));
    expect(res).toMatchObject({ __typename: 'ConflictError', code: 'CONFLICT' });
    expect((await server.gql(ME_TELEGRAM, {}, { token: second.token })).data.me.telegramLinked).toBe(false);
    const { result } = await signInTelegram(server, widgetData(first.telegramId));
    expect(result.user.email).toBe(first.email);
  });

  it('refuses to switch an account to another Telegram user until it is unlinked, and accepts the same one again', async () => {
    const account = await linkedAccount();
    const otherId = newTelegramId();
    expect(await link(server, account.token, widgetData(otherId))).toMatchObject({ __typename: 'ConflictError' });
    expect(await link(server, account.token, widgetData(account.telegramId))).toMatchObject({ __typename: 'User' });

    const unlinked = await server.gql(UNLINK, {}, { token: account.token });
    expect(unlinked.data.unlinkTelegram).toEqual({ __typename: 'User', telegramLinked: false });
    expect((await signInTelegram(server, widgetData(account.telegramId))).result.code).toBe('TELEGRAM_NOT_LINKED');
    const again = await server.gql(UNLINK, {}, { token: account.token });
    expect(again.data.unlinkTelegram.code).toBe('TELEGRAM_NOT_LINKED');

    expect(await link(server, account.token, widgetData(otherId))).toMatchObject({
      __typename: 'User',
      telegramLinked: true,
    });
    expect((await signInTelegram(server, widgetData(otherId))).result.user.email).toBe(account.email);

    const actions = (await server.services.db.auditEvent.findMany({ where: { actorId: account.userId } })).map(
      (e) => e.action,
    );
    expect(actions.filter((a) => a === 'telegram.linked')).toHaveLength(2);
    expect(actions.filter((a) => a === 'telegram.unlinked')).toHaveLength(1);
    expect((await server.lastMail(account.email)).tag).toBe('telegram-linked');
    expect(server.mail.some((m) => m.to === account.email && m.tag === 'telegram-unlinked')).toBe(true);
  });

  it('checks link data like sign-in data, and data spent on linking cannot sign in', async () => {
    const account = await createAccount(server);
    const telegramId = newTelegramId();
    const forged = JSON.stringify({ ...(JSON.parse(widgetData(telegramId)) as Fields), first_name: 'Eve' });
    expect(await link(server, account.token, forged)).toMatchObject({
      __typename: 'InvalidTelegramDataError',
      reason: 'BAD_SIGNATURE',
    });
    const data = widgetData(telegramId);
    expect((await link(server, account.token, data)).__typename).toBe('User');
    expect((await signInTelegram(server, data)).result.reason).toBe('ALREADY_USED');
  });

  it('needs a session to link or unlink', async () => {
    const res = await server.gql(LINK, { authData: widgetData(newTelegramId()) });
    expect(res.data.linkTelegram.code).toBe('UNAUTHENTICATED');
    expect((await server.gql(UNLINK)).data.unlinkTelegram.code).toBe('UNAUTHENTICATED');
  });
});
