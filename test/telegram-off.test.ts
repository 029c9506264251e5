// A server without a bot token: Telegram is neither offered nor accepted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from './flows.js';
import { startServer, type TestServer } from './harness.js';
import { LINK, METHODS, newTelegramId, SIGN_IN_TELEGRAM, UNLINK, widgetData } from './telegram-support.js';

let server: TestServer;
beforeAll(async () => {
  // Advertising without a token must not offer a method that cannot work.
  server = await startServer({ env: { TELEGRAM_ADVERTISED: 'true' } });
});
afterAll(() => server?.close());

describe('Telegram switched off', () => {
  it('offers only email and password', async () => {
    expect((await server.gql(METHODS)).data.signInMethods).toEqual(['EMAIL_PASSWORD']);
  });

  it('answers NOT_ALLOWED for every Telegram mutation and changes nothing', async () => {
    const { token, userId } = await createAccount(server);
    const data = widgetData(newTelegramId());
    expect((await server.gql(LINK, { authData: data }, { token })).data.linkTelegram).toMatchObject({
      __typename: 'NotAllowedError',
      code: 'NOT_ALLOWED',
      message: 'Telegram sign-in is not enabled on this server.',
    });
    expect((await server.gql(UNLINK, {}, { token })).data.unlinkTelegram.code).toBe('NOT_ALLOWED');
    const signIn = await server.gql(SIGN_IN_TELEGRAM, { input: { authData: data } });
    expect(signIn.data.signInTelegram).toMatchObject({ __typename: 'NotAllowedError', code: 'NOT_ALLOWED' });
    const user = await server.services.db.user.findUniqueOrThrow({ where: { id: userId } });
    expect(user.telegramId).toBeNull();
    expect(await server.services.db.usedNonce.count()).toBe(0);
  });
});
