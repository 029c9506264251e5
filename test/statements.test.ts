import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './harness.js';
import { createAccount } from './flows.js';

const statements: string[] = [];
let server: TestServer;
beforeAll(async () => {
  // Measured with the session cache off, so that every request pays for what a miss costs.
  server = await startServer({
    env: { SESSION_CACHE_SECONDS: '0' },
    services: { onStatement: (sql) => statements.push(sql) },
  });
});
afterAll(() => server?.close());

const ORGANIZATIONS = '{ me { organizations { edges { node { role organization { id name } } } } } }';

async function statementsFor(query: string, token: string) {
  const before = statements.length;
  const res = await server.gql(query, {}, { token });
  expect(res.errors).toBeUndefined();
  return { count: statements.length - before, data: res.data };
}

describe('SQL statements per request', () => {
  it('does not grow with the number of organizations in me.organizations', async () => {
    const { token, userId } = await createAccount(server);
    const one = await statementsFor(ORGANIZATIONS, token);
    expect(one.data.me.organizations.edges).toHaveLength(1);

    for (let i = 0; i < 6; i++) {
      await server.services.db.organization.create({
        data: { name: `Team ${i}`, members: { create: { userId, role: i % 2 ? 'ADMIN' : 'MEMBER' } } },
      });
    }
    const seven = await statementsFor(ORGANIZATIONS, token);
    expect(seven.data.me.organizations.edges).toHaveLength(7);
    expect(seven.count).toBe(one.count);
    // Session lookup, the user, the memberships with their organizations: a handful, not one per row.
    expect(seven.count).toBeLessThanOrEqual(5);
  });
});

describe('me with a bearer token', () => {
  it('costs one statement when the session is not cached: the session lookup brings the account', async () => {
    const { token } = await createAccount(server);
    await statementsFor('{ me { id email } }', token); // a first use may refresh last-used
    const { count, data } = await statementsFor('{ me { id email name emailVerified } }', token);
    expect(data.me.email).toMatch(/@example\.com$/);
    expect(count).toBe(1);
  });
});
