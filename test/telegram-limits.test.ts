// A server with Telegram on but not advertised, and a small per-client budget.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './harness.js';
import { BOT_TOKEN, METHODS, newTelegramId, signInTelegram, widgetData } from './telegram-support.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer({
    env: { TELEGRAM_BOT_TOKEN: BOT_TOKEN },
    services: { rateLimitRules: { telegramPerClient: { points: 2, windowSeconds: 60 } } },
  });
});
afterAll(() => server?.close());

describe('Telegram on but not advertised', () => {
  it('is not offered to clients, yet works', async () => {
    expect((await server.gql(METHODS)).data.signInMethods).toEqual(['EMAIL_PASSWORD']);
    const { result } = await signInTelegram(server, widgetData(newTelegramId()));
    expect(result.__typename).toBe('TelegramNotLinkedError');
  });

  it('limits Telegram attempts per client before looking at the data', async () => {
    const answers = [];
    for (let i = 0; i < 2; i++) answers.push((await signInTelegram(server, widgetData(newTelegramId()))).result);
    expect(answers.map((a) => a.__typename)).toEqual(['TelegramNotLinkedError', 'RateLimitedError']);
    expect(answers[1].code).toBe('RATE_LIMITED');
    const garbage = await signInTelegram(server, 'not telegram data');
    expect(garbage.result.__typename).toBe('RateLimitedError');
  });
});
