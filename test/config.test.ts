import os from 'node:os';
import argon2 from 'argon2';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { RateLimitedError } from '../src/errors.js';
import { createPasswordHasher } from '../src/security/passwords.js';

describe('configuration', () => {
  it('has working defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 4000,
      databaseUrl: undefined,
      argon2: { memoryCost: 19456, timeCost: 2, parallelism: 1 },
    });
  });

  it.each([
    ['PORT', 'eighty'],
    ['DATABASE_URL', 'mysql://localhost/x'],
    ['PUBLIC_ORIGIN', 'ftp://x'],
    ['ENCRYPTION_KEY', 'c2hvcnQ='],
    ['SESSION_IDLE_HOURS', '0'],
    ['SESSION_CACHE_SECONDS', '-1'],
    ['SESSION_CACHE_SECONDS', '301'],
    ['REDIS_URL', 'localhost:6379'],
  ])('stops on a bad %s, naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });

  it('hashes on one core fewer than the machine has, and one libuv thread fewer than the pool', () => {
    const cores = os.availableParallelism();
    expect(loadConfig({}).hashConcurrency).toBe(Math.max(1, Math.min(cores - 1, 3)));
    expect(loadConfig({ UV_THREADPOOL_SIZE: '1' }).hashConcurrency).toBe(1);
    expect(loadConfig({ PASSWORD_HASH_CONCURRENCY: '6' }).hashConcurrency).toBe(6);
    expect(() => loadConfig({ PASSWORD_HASH_CONCURRENCY: '0' })).toThrow('PASSWORD_HASH_CONCURRENCY');
  });

  it('refuses hashing weaker than OWASP in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', ARGON2_MEMORY_KIB: '1024' })).toThrow('ARGON2_MEMORY_KIB');
  });
});

describe('password hashing at the production parameters', () => {
  it('produces argon2id with m=19456, t=2, p=1 and verifies exactly what was typed', async () => {
    const hasher = createPasswordHasher(loadConfig({}).argon2);
    const hash = await hasher.hash('plum-orbit-canvas-91');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(await hasher.verify(hash, 'plum-orbit-canvas-91')).toBe(true);
    expect(await hasher.verify(hash, 'plum-orbit-canvas-91 ')).toBe(false);
    expect(await hasher.verify(null, 'plum-orbit-canvas-91')).toBe(false);
    expect(await argon2.verify(hash, 'plum-orbit-canvas-91')).toBe(true);
  });
});

describe('hashing queue', () => {
  const cheap = { memoryCost: 1024, timeCost: 1, parallelism: 1 };

  it('hashes one at a time per slot, and refuses at once what would wait too long', async () => {
    const hasher = createPasswordHasher(cheap, 1);
    const hash = await hasher.hash('plum-orbit-canvas-91');
    const results = await Promise.allSettled(
      Array.from({ length: 160 }, (_, i) => hasher.verify(i % 2 ? hash : null, 'plum-orbit-canvas-91')),
    );
    const refused = results.filter((r) => r.status === 'rejected');
    // One running and a hundred waiting; the rest, known address or not, are refused alike.
    expect(refused.length).toBeGreaterThanOrEqual(50);
    expect(refused.length).toBeLessThanOrEqual(60);
    for (const r of refused) expect(r.reason).toBeInstanceOf(RateLimitedError);
    const answered = results.filter((r) => r.status === 'fulfilled').map((r) => r.value);
    expect(answered.filter(Boolean).length).toBeGreaterThan(0);
    // Once the queue has drained, hashing goes on as before.
    expect(await hasher.verify(hash, 'plum-orbit-canvas-91')).toBe(true);
  });
});
