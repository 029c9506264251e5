import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createMailer, createOutboxTransport, createPostmarkTransport } from '../src/mail/mailer.js';
import { templates } from '../src/mail/templates.js';

const logger = pino({ level: 'silent' });

describe('mail transports', () => {
  it('sends through Postmark with the server token, sender, stream, text and HTML bodies', async () => {
    const received: { req: IncomingMessage; body: Record<string, unknown> }[] = [];
    const fake = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk) => (raw += chunk));
      req.on('end', () => {
        received.push({ req, body: JSON.parse(raw) });
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            ErrorCode: 0,
            Message: 'OK',
            MessageID: 'b7bc2f4a',
            To: 'x',
            SubmittedAt: new Date().toISOString(),
          }),
        );
      });
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    const config = loadConfig({
      POSTMARK_SERVER_TOKEN: 'server-token-123',
      POSTMARK_API_URL: `http://127.0.0.1:${(fake.address() as AddressInfo).port}`,
      POSTMARK_MESSAGE_STREAM: 'transactional',
      MAIL_FROM: 'Suward <security@suward.test>',
    });
    const mailer = createMailer(createPostmarkTransport(config.mail), config.mail.from, logger);
    mailer.send(templates.verifyEmail('ada@example.com', 'https://app.suward.test/verify-email?token=swv_abc'));
    await mailer.flush();
    fake.close();

    expect(received).toHaveLength(1);
    const [{ req, body }] = received as [(typeof received)[number]];
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/email');
    expect(req.headers['x-postmark-server-token']).toBe('server-token-123');
    expect(body).toMatchObject({
      From: 'Suward <security@suward.test>',
      To: 'ada@example.com',
      Subject: 'Confirm your email address',
      MessageStream: 'transactional',
      Tag: 'verify-email',
    });
    expect(body.TextBody).toContain('https://app.suward.test/verify-email?token=swv_abc');
    expect(body.HtmlBody).toContain('href="https://app.suward.test/verify-email?token=swv_abc"');
  });

  it('logs a failed delivery without throwing into the request', async () => {
    const config = loadConfig({ POSTMARK_SERVER_TOKEN: 't', POSTMARK_API_URL: 'http://127.0.0.1:9' });
    const errors: unknown[] = [];
    const spy = pino({ level: 'error' }, { write: (line: string) => errors.push(JSON.parse(line)) });
    const mailer = createMailer(createPostmarkTransport(config.mail), config.mail.from, spy);
    mailer.send(templates.passwordChanged('ada@example.com'));
    await mailer.flush();
    expect(errors).toHaveLength(1);
  });

  it('writes development mail to the outbox folder', async () => {
    const dir = path.join('/tmp', `suward-outbox-${process.pid}`);
    const write = process.stdout.write;
    process.stdout.write = () => true;
    try {
      const mailer = createMailer(createOutboxTransport(dir, logger), 'Suward <a@b.c>', logger);
      mailer.send(templates.verifyEmail('ada@example.com', 'https://app.suward.test/verify-email?token=swv_1'));
      await mailer.flush();
    } finally {
      process.stdout.write = write;
    }
    const files = await readdir(path.join(dir, 'outbox'));
    expect(files).toHaveLength(1);
    const message = JSON.parse(await readFile(path.join(dir, 'outbox', files[0]!), 'utf8'));
    expect(message).toMatchObject({ to: 'ada@example.com', tag: 'verify-email' });
    await rm(dir, { recursive: true });
  });
});
