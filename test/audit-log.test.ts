import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, uniqueEmail, type TestServer } from './harness.js';
import { createAccount, SIGN_IN } from './flows.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

const EVENTS = `query($first: Int, $after: String) { me { securityEvents(first: $first, after: $after) {
  pageInfo { hasNextPage endCursor } edges { node { action ip userAgent createdAt metadata } } } } }`;

describe('security events and the audit log', () => {
  it('shows an account its own events, newest first, with IP and user agent, page by page', async () => {
    const { email, token } = await createAccount(server);
    await server.gql(
      SIGN_IN,
      { input: { email, password: 'wrong-password-77' } },
      { headers: { 'user-agent': 'probe/1.0' } },
    );
    const all = await server.gql(EVENTS, { first: 100 }, { token });
    const actions = all.data.me.securityEvents.edges.map((e: any) => e.node.action);
    expect(actions[0]).toBe('session.sign_in_failed');
    expect(actions).toEqual(
      expect.arrayContaining(['account.signed_up', 'account.email_verified', 'session.signed_in']),
    );
    expect(all.data.me.securityEvents.edges[0].node).toMatchObject({
      ip: expect.stringMatching(/127\.0\.0\.1/),
      userAgent: 'probe/1.0',
    });
    const times = all.data.me.securityEvents.edges.map((e: any) => Date.parse(e.node.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    const page1 = await server.gql(EVENTS, { first: 2 }, { token });
    const page2 = await server.gql(
      EVENTS,
      { first: 2, after: page1.data.me.securityEvents.pageInfo.endCursor },
      { token },
    );
    const joined = [...page1.data.me.securityEvents.edges, ...page2.data.me.securityEvents.edges].map(
      (e: any) => e.node.action,
    );
    expect(joined).toEqual(actions.slice(0, 4));
  });

  it('lets organization owners and admins filter the log, and nobody else read it', async () => {
    const owner = await createAccount(server);
    const other = await createAccount(server);
    const org = await server.gql(
      `mutation { createOrganization(input: { name: "Logs" }) { ... on Organization { id } } }`,
      {},
      { token: owner.token },
    );
    const id = org.data.createOrganization.id;
    await server.gql(
      `mutation($o: ID!, $e: String!) { inviteOrganizationMember(input: { organizationId: $o, email: $e, role: MEMBER }) { __typename } }`,
      { o: id, e: uniqueEmail('log') },
      { token: owner.token },
    );
    const LOG = `query($id: ID!, $action: String, $since: DateTime) { organization(id: $id) { auditLog(action: $action, since: $since) { edges { node { action actor { email } } } } } }`;
    const all = await server.gql(LOG, { id }, { token: owner.token });
    expect(all.data.organization.auditLog.edges.map((e: any) => e.node.action)).toEqual([
      'invitation.created',
      'organization.created',
    ]);
    const filtered = await server.gql(LOG, { id, action: 'organization.created' }, { token: owner.token });
    expect(filtered.data.organization.auditLog.edges).toEqual([
      { node: { action: 'organization.created', actor: { email: owner.email } } },
    ]);
    const future = await server.gql(
      LOG,
      { id, since: new Date(Date.now() + 60_000).toISOString() },
      { token: owner.token },
    );
    expect(future.data.organization.auditLog.edges).toEqual([]);
    const outsider = await server.gql(LOG, { id }, { token: other.token });
    expect(outsider.errors?.[0]?.extensions?.code).toBe('NOT_ALLOWED');
  });

  it('has no mutation that changes or deletes an event', async () => {
    const res = await server.gql(`{ __schema { mutationType { fields { name } } } }`);
    const names: string[] = res.data.__schema.mutationType.fields.map((f: { name: string }) => f.name);
    expect(names.filter((n) => /audit|event/i.test(n))).toEqual([]);
  });

  it('sends security headers', async () => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query":"{ __typename }"}',
    });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('strict-transport-security')).toContain('max-age=');
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
