import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ServerClient } from 'postmark';
import type { Logger } from 'pino';
import type { Config } from '../config.js';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** A short name of the kind of message, for the provider's statistics and for tests. */
  tag: string;
}

export interface MailTransport {
  readonly name: string;
  deliver(message: MailMessage & { from: string }): Promise<void>;
}

export function createPostmarkTransport(mail: Config['mail']): MailTransport {
  const api = new URL(mail.postmarkApiUrl);
  const client = new ServerClient(mail.postmarkToken ?? '', {
    useHttps: api.protocol === 'https:',
    requestHost: api.host,
    timeout: 10,
  });
  return {
    name: 'postmark',
    async deliver(message) {
      await client.sendEmail({
        From: message.from,
        To: message.to,
        Subject: message.subject,
        TextBody: message.text,
        HtmlBody: message.html,
        Tag: message.tag,
        MessageStream: mail.messageStream,
      });
    },
  };
}

/** Development transport: logs each message and writes it as JSON to <data>/outbox. */
export function createOutboxTransport(dataDir: string, logger: Logger): MailTransport {
  const dir = path.join(dataDir, 'outbox');
  return {
    name: 'outbox',
    async deliver(message) {
      await mkdir(dir, { recursive: true });
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const file = path.join(dir, `${stamp}-${message.tag}.json`);
      // Written aside, then renamed: a reader never sees half a message.
      await writeFile(`${file}.part`, `${JSON.stringify(message, null, 2)}\n`);
      await rename(`${file}.part`, file);
      // Development only: the body is printed so the developer can follow the link in it.
      logger.info({ to: message.to, subject: message.subject, file }, 'mail written to the outbox');
      process.stdout.write(`\n--- mail to ${message.to}: ${message.subject}\n${message.text}\n---\n`);
    },
  };
}

export interface MemoryTransport extends MailTransport {
  readonly sent: (MailMessage & { from: string })[];
}

export function createMemoryTransport(): MemoryTransport {
  const sent: (MailMessage & { from: string })[] = [];
  return {
    name: 'memory',
    sent,
    deliver(message) {
      sent.push(message);
      return Promise.resolve();
    },
  };
}

/**
 * Sends off the request path: the caller never waits for the provider, so answers take the same
 * time whether or not a message went out, and a provider outage cannot fail a sign-up.
 */
export function createMailer(transport: MailTransport, from: string, logger: Logger) {
  const pending = new Set<Promise<void>>();
  return {
    transport,
    send(message: MailMessage): void {
      const delivery = transport
        .deliver({ ...message, from })
        .catch((error: unknown) => logger.error({ err: error, tag: message.tag }, 'mail delivery failed'))
        .finally(() => pending.delete(delivery));
      pending.add(delivery);
    },
    /**
     * Like `send`, but the message is also prepared off the request path (issuing its link token,
     * for example), so that an answer that sends mail takes as long as one that does not.
     * `prepare` may resolve to null to send nothing.
     */
    sendPrepared(tag: string, prepare: () => Promise<MailMessage | null>): void {
      // A timer, not a microtask: the answer is written before the preparation starts.
      const delivery = new Promise((resolve) => setTimeout(resolve, 0))
        .then(prepare)
        .then((message) => (message ? transport.deliver({ ...message, from }) : undefined))
        .catch((error: unknown) => logger.error({ err: error, tag }, 'mail preparation or delivery failed'))
        .finally(() => pending.delete(delivery));
      pending.add(delivery);
    },
    /** Resolves when every message handed over so far has been delivered or has failed. */
    async flush(): Promise<void> {
      await Promise.all([...pending]);
    },
  };
}

export type Mailer = ReturnType<typeof createMailer>;

export function createTransport(config: Config, logger: Logger): MailTransport {
  if (config.mail.postmarkToken) return createPostmarkTransport(config.mail);
  return createOutboxTransport(config.dataDir, logger);
}
