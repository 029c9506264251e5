import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { usingPostgres } from './harness.js';

const root = path.resolve(import.meta.dirname, '..');

/** Starts `npm start`'s entry point as its own process and waits for its listening line. */
function startProcess(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk;
      const match = output.match(/"url":"(http:\/\/127\.0\.0\.1:\d+\/graphql)"/);
      if (match) resolve(match[1]!);
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
  const stopped = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { url, stop: () => (child.kill('SIGTERM'), stopped), output: () => output };
}

async function post(url: string, query: string, variables = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data: Record<string, any> };
}

describe.skipIf(usingPostgres)('the server process on the embedded database', () => {
  it('applies migrations on start, serves GraphiQL and /health, keeps accounts across a restart, stops on SIGTERM', async () => {
    const dataDir = `/tmp/suward-process-${randomBytes(4).toString('hex')}`;
    const env = { DATA_DIR: dataDir, ARGON2_MEMORY_KIB: '1024', ARGON2_ITERATIONS: '1' };
    try {
      const first = startProcess(env);
      const url = await first.url;
      expect(first.output()).toContain('migrations applied');
      const page = await fetch(url, { headers: { accept: 'text/html' } });
      expect(await page.text()).toContain('GraphiQL');
      expect((await fetch(url.replace('/graphql', '/health'))).status).toBe(200);
      const signUp = await post(url, 'mutation($i: SignUpInput!) { signUp(input: $i) { __typename } }', {
        i: { email: 'restart@example.com', password: 'plum-orbit-canvas-91', name: 'R' },
      });
      expect(signUp.data.signUp.__typename).toBe('EmailSent');
      expect(await first.stop()).toBe(0);

      const second = startProcess(env);
      const again = await second.url;
      expect(second.output()).not.toContain('migrations applied');
      const signIn = await post(
        again,
        'mutation($i: SignInEmailPasswordInput!) { signInEmailPassword(input: $i) { __typename } }',
        {
          i: { email: 'restart@example.com', password: 'plum-orbit-canvas-91' },
        },
      );
      expect(signIn.data.signInEmailPassword.__typename).toBe('SignInSuccess');
      expect(await second.stop()).toBe(0);
      // Structured lines with a request id; never a password or a session token.
      expect(second.output()).toMatch(/"requestId":"[0-9a-f-]{36}".*"msg":"graphql request"/);
      expect(first.output() + second.output()).not.toMatch(/plum-orbit-canvas-91|sws_[A-Za-z0-9_-]{20}/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('finishes requests in flight on SIGTERM before it exits', async () => {
    const dataDir = `/tmp/suward-process-${randomBytes(4).toString('hex')}`;
    // Production hashing parameters, so that each sign-in takes a while; eight sign-ins of one
    // account at once would otherwise exceed its per-minute password budget.
    const server = startProcess({
      DATA_DIR: dataDir,
      RATE_LIMITS: JSON.stringify({ signInPerAccountAndClient: [{ points: 100, windowSeconds: 60 }] }),
    });
    try {
      const url = await server.url;
      const account = { email: 'drain@example.com', password: 'plum-orbit-canvas-91' };
      await post(url, 'mutation($i: SignUpInput!) { signUp(input: $i) { __typename } }', {
        i: { ...account, name: 'D' },
      });
      const signIn = 'mutation($i: SignInEmailPasswordInput!) { signInEmailPassword(input: $i) { __typename } }';
      const inFlight = Array.from({ length: 8 }, () => post(url, signIn, { i: account }));
      await new Promise((resolve) => setTimeout(resolve, 25));
      const exited = server.stop();
      // Once it has started stopping, and while it finishes, it asks to be taken out of rotation.
      // (Waiting for its log line rather than a fixed delay keeps this steady on a busy machine.)
      while (!server.output().includes('stopping: finishing requests in flight')) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect((await fetch(url.replace('/graphql', '/ready'))).status).toBe(503);
      const results = await Promise.all(inFlight);
      expect(results.map((r) => r.data.signInEmailPassword.__typename)).toEqual(Array(8).fill('SignInSuccess'));
      expect(await exited).toBe(0);
      expect(server.output()).toMatch(/stopping: finishing requests in flight[\s\S]*"stopped"/);
      await expect(fetch(url.replace('/graphql', '/health'))).rejects.toThrow();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses to start with a bad setting and names it', async () => {
    const bad = startProcess({ DATA_DIR: '/tmp/unused', PORT: 'eighty' });
    await expect(bad.url).rejects.toThrow(/PORT/);
  });
});
