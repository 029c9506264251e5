import os from 'node:os';
import argon2 from 'argon2';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
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
